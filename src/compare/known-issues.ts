// Known issues: deviations of a kernel or platform from the model, kept apart from the expectations.
// Each entry names where it applies and how the platform deviates: a mechanism the model evaluates
// with the deviation applied, or the value one operation's field takes. The compare stage turns that
// into a prediction per step; a case is XFAIL only when what it observed is exactly what the in-scope
// entries predict. An entry with action skip keeps cases with one of its operations from running.
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { ExpectedCase } from '../emit/expected-schema.js';
import { TARGETS, type CaseResult, type Target } from './result.js';
import { MECHANISMS, mechanismOps, type MechanismId } from './deviations.js';

const list = z.array(z.string().min(1)).min(1);

/** Entries in all known-issue files of a run: each is compared with every other and with every case. */
export const MAX_KNOWN_ISSUES = 1000;
/** Case ids are short (under 80 characters); a pattern much longer only costs matching time. */
export const CASE_PATTERN_MAX = 200;
export const REASON_MAX = 2000;
const casePattern = z.string().min(1).max(CASE_PATTERN_MAX, `must be at most ${CASE_PATTERN_MAX} characters`);

export { TARGETS, type Target } from './result.js';

const scopeShape = {
	id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
	/** Only cases whose id matches one of these (* for any run of characters); absent: every case. */
	cases: z.array(casePattern).min(1).optional(),
	/** Scope: absent means any. */
	platform: list.optional(),
	revision: list.optional(),
	backend: list.optional(),
	/** Where the suite ran: on the running kernel, or in QEMU with KVM or TCG (emulation quirks). */
	target: z.array(z.enum(TARGETS)).min(1).optional(),
	reason: z.string().min(10).max(REASON_MAX, `must be at most ${REASON_MAX} characters`),
	url: z
		.string()
		.url()
		.regex(/^https?:\/\//, 'must be an http(s) address')
		.optional(),
};

const mechanismIds = Object.keys(MECHANISMS) as [MechanismId, ...MechanismId[]];

const mechanismEntry = z.object({ ...scopeShape, mechanism: z.enum(mechanismIds) }).strict();
const outcomeEntry = z
	.object({
		...scopeShape,
		/** The value a field of one operation's outcome takes on this platform, in whatever state. */
		outcome: z.object({ op: z.string().min(1), field: z.string().min(1), value: z.string().min(1) }).strict(),
	})
	.strict();
const skipEntry = z.object({ ...scopeShape, action: z.literal('skip'), ops: list }).strict();

export const knownIssueSchema = z.union([mechanismEntry, outcomeEntry, skipEntry]);
export const knownIssuesFileSchema = z
	.object({ issues: z.array(knownIssueSchema).max(MAX_KNOWN_ISSUES, `must have at most ${MAX_KNOWN_ISSUES} entries`) })
	.strict();

export type KnownIssue = z.infer<typeof knownIssueSchema>;
export type SkipIssue = z.infer<typeof skipEntry>;
export type PredictingIssue = Exclude<KnownIssue, SkipIssue>;

export const isSkip = (i: KnownIssue): i is SkipIssue => 'action' in i;

export interface IssueScope {
	readonly platform: string;
	readonly revision: string;
	readonly backend: string;
	readonly target: Target;
}

/** Parses a known-issues YAML text; throws an Error whose message names the first problem. */
export function parseKnownIssues(text: string, source: string): KnownIssue[] {
	let data: unknown;
	try {
		data = YAML.parse(text);
	} catch (error) {
		throw new Error(`${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
	}
	const parsed = knownIssuesFileSchema.safeParse(data);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new Error(`${source} is malformed: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
	}
	return parsed.data.issues;
}

/** The operations at which an entry acts: where its prediction enters the model. */
function actsAt(issue: PredictingIssue): readonly string[] {
	return 'mechanism' in issue ? mechanismOps(issue.mechanism) : [issue.outcome.op];
}

const overlap = (a: readonly string[] | undefined, b: readonly string[] | undefined) => !a || !b || a.some((x) => b.includes(x));

/** Whether some run could have both entries in scope (case patterns are not compared). */
function scopesOverlap(a: KnownIssue, b: KnownIssue): boolean {
	return overlap(a.platform, b.platform) && overlap(a.revision, b.revision) && overlap(a.backend, b.backend) && overlap(a.target, b.target);
}

/**
 * Every id once, and no two predicting entries that could be in scope together acting at the same
 * operation: one difference would then have two explanations. Throws naming the pair.
 */
export function checkKnownIssues(issues: readonly { readonly issue: KnownIssue; readonly source: string }[]): void {
	const seen = new Map<string, string>();
	for (const { issue, source } of issues) {
		const first = seen.get(issue.id);
		if (first) throw new Error(`known issue ${issue.id} in ${source} reuses the id of one in ${first}`);
		seen.set(issue.id, source);
	}
	const predicting = issues.filter((i): i is { issue: PredictingIssue; source: string } => !isSkip(i.issue));
	predicting.forEach((a, i) => {
		for (const b of predicting.slice(i + 1)) {
			const shared = actsAt(a.issue).find((op) => actsAt(b.issue).includes(op));
			if (shared && scopesOverlap(a.issue, b.issue)) {
				throw new Error(`known issues ${a.issue.id} (${a.source}) and ${b.issue.id} (${b.source}) both predict ${shared} in an overlapping scope`);
			}
		}
	});
}

/**
 * A case-id pattern: * matches any run of characters, every other character itself. Iterative, so
 * O(pattern x id) at worst: a regular expression backtracks exponentially on patterns like '********Z'.
 * On a mismatch the last * takes one more character and matching resumes after it; earlier stars
 * need not be revisited, since the last one can absorb whatever they would have.
 */
export function globMatches(pattern: string, id: string): boolean {
	let p = 0;
	let i = 0;
	let star = -1;
	let absorbed = 0;
	while (i < id.length) {
		if (pattern[p] === '*') {
			star = p++;
			absorbed = i;
		} else if (p < pattern.length && pattern[p] === id[i]) {
			p++;
			i++;
		} else if (star >= 0) {
			p = star + 1;
			i = ++absorbed;
		} else {
			return false;
		}
	}
	while (pattern[p] === '*') p++;
	return p === pattern.length;
}

/** A --case pattern from the command line, refused (UsageError) when longer than any id could need. */
export function parseCasePattern(text: string): string {
	if (text.length > CASE_PATTERN_MAX) throw new UsageError(`bad --case pattern of ${text.length} characters: at most ${CASE_PATTERN_MAX}`);
	return text;
}

export function inScope(issue: KnownIssue, scope: IssueScope): boolean {
	const within = (values: readonly string[] | undefined, value: string) => !values || values.includes(value);
	return (
		within(issue.platform, scope.platform) &&
		within(issue.revision, scope.revision) &&
		within(issue.backend, scope.backend) &&
		within(issue.target, scope.target)
	);
}

const coversCase = (issue: KnownIssue, caseId: string) => !issue.cases || issue.cases.some((p) => globMatches(p, caseId));

/** The predicting entries in scope for this case. */
export function predictingIssues(issues: readonly KnownIssue[], scope: IssueScope, caseId: string): PredictingIssue[] {
	return issues.filter((i): i is PredictingIssue => !isSkip(i) && inScope(i, scope) && coversCase(i, caseId));
}

/** The skip entry that keeps this case from running here, if any. */
export function findSkippingIssue(issues: readonly KnownIssue[], scope: IssueScope, expected: ExpectedCase): SkipIssue | null {
	return (
		issues.find((i): i is SkipIssue => isSkip(i) && inScope(i, scope) && coversCase(i, expected.id) && expected.steps.some((s) => i.ops.includes(s.op))) ?? null
	);
}

/** The entries in scope for this run that explained no case and kept none from running. */
export function staleIssues(issues: readonly KnownIssue[], scope: IssueScope, results: readonly CaseResult[]): string[] {
	const used = new Set<string>();
	for (const r of results) {
		if (r.knownIssue) used.add(r.knownIssue.id);
		for (const d of r.differences) for (const id of d.deviations ?? []) used.add(id);
	}
	return issues.filter((i) => inScope(i, scope) && !used.has(i.id)).map((i) => i.id);
}
