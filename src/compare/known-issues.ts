// Known issues: deviations of a kernel or platform from the model, listed with a reason and kept
// apart from the expectations. A FAIL they cover becomes XFAIL; a listed case that passes is XPASS.
import YAML from 'yaml';
import { z } from 'zod';
import type { ExpectedCase } from '../emit/expected-schema.js';
import type { StepDifference } from './result.js';

const list = z.array(z.string().min(1)).min(1);

export const TARGETS = ['native', 'qemu-kvm', 'qemu-tcg'] as const;
export type Target = (typeof TARGETS)[number];

export const knownIssueSchema = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
		/** Case ids, with * matching any run of characters. */
		cases: list,
		/** Only when the first difference is at one of these operations (and fields); with action skip: cases that have a step with one of them. */
		ops: list.optional(),
		fields: list.optional(),
		/** Scope: absent means any. */
		platform: list.optional(),
		revision: list.optional(),
		backend: list.optional(),
		/** Where the suite ran: on the running kernel, or in QEMU with KVM or TCG (emulation quirks). */
		target: z.array(z.enum(TARGETS)).min(1).optional(),
		/** xfail (default): a failure it covers is expected; skip: such cases are not run at all (they hang or damage the target). */
		action: z.enum(['xfail', 'skip']).default('xfail'),
		reason: z.string().min(10),
		url: z.string().url().optional(),
	})
	.strict();

export const knownIssuesFileSchema = z.object({ issues: z.array(knownIssueSchema) }).strict();

export type KnownIssue = z.infer<typeof knownIssueSchema>;

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
	const ids = new Set<string>();
	for (const i of parsed.data.issues) {
		if (ids.has(i.id)) throw new Error(`${source} lists known issue ${i.id} twice`);
		ids.add(i.id);
	}
	return parsed.data.issues;
}

/** A case-id pattern: * matches any run of characters. */
export function globMatches(pattern: string, id: string): boolean {
	const regex = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
	return regex.test(id);
}

function inScope(issue: KnownIssue, scope: IssueScope): boolean {
	const within = (values: readonly string[] | undefined, value: string) => !values || values.includes(value);
	return within(issue.platform, scope.platform) && within(issue.revision, scope.revision) && within(issue.backend, scope.backend) && within(issue.target, scope.target);
}

/**
 * The issue that covers this case, if any. For a failing case the issue must also cover its first
 * difference. For a passing case only an issue that names the case exactly (no *) counts: it says
 * that case fails, so a pass is news (XPASS); a pattern covers failures wherever they happen.
 */
export function findKnownIssue(
	issues: readonly KnownIssue[],
	scope: IssueScope,
	caseId: string,
	difference: StepDifference | null,
): KnownIssue | null {
	return (
		issues.find(
			(i) =>
				i.action === 'xfail' &&
				inScope(i, scope) &&
				(difference
					? i.cases.some((p) => globMatches(p, caseId)) &&
						(!i.ops || i.ops.includes(difference.op)) &&
						(!i.fields || i.fields.includes(difference.field))
					: i.cases.includes(caseId)),
		) ?? null
	);
}

/** The skip entry that keeps this case from running here, if any. */
export function findSkippingIssue(issues: readonly KnownIssue[], scope: IssueScope, expected: ExpectedCase): KnownIssue | null {
	return (
		issues.find(
			(i) =>
				i.action === 'skip' &&
				inScope(i, scope) &&
				i.cases.some((p) => globMatches(p, expected.id)) &&
				(!i.ops || expected.steps.some((s) => i.ops!.includes(s.op))),
		) ?? null
	);
}
