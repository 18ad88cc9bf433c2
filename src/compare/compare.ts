// Observed versus expected, step by step: one CaseResult per expected case. Where known deviations
// are in scope, the model is evaluated again with them applied; the case is XFAIL only when every
// observation is what that deviated model predicts, and XPASS when a prediction did not come true.
import type { ExpectedCase, ExpectedDocument, ExpectedStep } from '../emit/expected-schema.js';
import type { KtapTest, Mismatch, Observation } from '../ktap/parse.js';
import { compatible, evaluate, matches, platformSchema, revision, toPlatform, type Op, type Outcome, type Platform, type Revision } from '../model/index.js';
import { quirksOf } from './deviations.js';
import { predictingIssues, type IssueScope, type KnownIssue, type PredictingIssue } from './known-issues.js';
import type { CaseResult, CaseStatus, KnownIssueRef, StepDifference } from './result.js';

/** What running one case produced. */
export interface CaseRun {
	readonly binary: string;
	/** The KTAP result line of the case, or null if none was printed. */
	readonly result: KtapTest | null;
	readonly observations: readonly Observation[];
	/** The fields the binary's own comparison (its fkt-mismatch lines) found different from the model. */
	readonly mismatches: readonly Mismatch[];
	/** Set when the runner had to stop the case (per-case timeout) or its process died. */
	readonly stopped: { readonly status: 'TIMEOUT' | 'CRASH' | 'ERROR'; readonly reason: string } | null;
	readonly durationMs: number | null;
	readonly log: readonly string[];
}

/** What a comparison needs besides the case: the known issues of this run and the model's inputs. */
export interface CompareContext {
	readonly issues: readonly KnownIssue[];
	readonly scope: IssueScope;
	/** The platform and revision expected.json was generated for, read when a deviation is in scope. */
	readonly model: () => { readonly platform: Platform; readonly rev: Revision };
}

export function compareContext(expected: ExpectedDocument, issues: readonly KnownIssue[], scope: IssueScope): CompareContext {
	let model: { platform: Platform; rev: Revision } | undefined;
	return {
		issues,
		scope,
		model: () =>
			(model ??= {
				platform: toPlatform(platformSchema.parse(expected.platform.profile)),
				rev: revision(expected.revision.id as Parameters<typeof revision>[0]),
			}),
	};
}

const observedField = (observations: readonly Observation[], step: number, field: string) => observations.find((o) => o.step === step)?.fields[field] ?? null;

function differenceAt(step: ExpectedStep, field: string, matcher: string, observed: string | null): StepDifference {
	return { step: step.index, op: step.op, field, expected: matcher, observed, rule: step.rule, citation: step.citation };
}

/** Every (step, field) whose observation does not satisfy the expectation, in step order. */
function differences(steps: readonly ExpectedStep[], expectations: readonly Outcome[], observations: readonly Observation[]): StepDifference[] {
	return steps.flatMap((step, i) =>
		Object.entries(expectations[i]!).flatMap(([field, matcher]) => {
			const observed = observedField(observations, step.index, field);
			return observed !== null && matches(matcher, observed) ? [] : [differenceAt(step, field, matcher, observed)];
		}),
	);
}

/** Where the binary's fkt-mismatch lines and the tool's comparison with the model name different fields. */
function verdictDisagreement(expected: ExpectedCase, run: CaseRun): string | null {
	const key = (d: { step: number; field: string }) => `${d.step} ${d.field}`;
	const byTool = new Set(
		differences(
			expected.steps,
			expected.steps.map((s) => s.expect),
			run.observations,
		).map(key),
	);
	const byBinary = new Set(run.mismatches.map(key));
	const onlyTool = [...byTool].filter((k) => !byBinary.has(k));
	const onlyBinary = [...byBinary].filter((k) => !byTool.has(k));
	if (!onlyTool.length && !onlyBinary.length) return null;
	const list = (keys: readonly string[]) => (keys.length ? keys.map((k) => `step ${k.replace(' ', ' field ')}`).join(', ') : 'nothing');
	return `the test binary's own comparison differs from the tool's: only the binary found ${list(onlyBinary)} different, only the tool ${list(onlyTool)}`;
}

/** The first step whose observation does not match the expectation. */
export function firstDifference(expected: ExpectedCase, observations: readonly Observation[]): StepDifference | null {
	return (
		differences(
			expected.steps,
			expected.steps.map((s) => s.expect),
			observations,
		)[0] ?? null
	);
}

const sameOutcome = (a: Outcome, b: Outcome) => JSON.stringify(a) === JSON.stringify(b);

/** The deviated model's outcomes, and for every step which deviations make it differ from the contract. */
interface Prediction {
	readonly outcomes: readonly Outcome[];
	/** Per step: entry ids whose deviation alone changes that step (empty: unchanged). */
	readonly causes: readonly (readonly string[])[];
	/** Steps the deviations leave unchanged together although one of them alone would change it. */
	readonly cancelled: readonly { readonly step: number; readonly ids: readonly string[] }[];
}

function predict(expected: ExpectedCase, entries: readonly PredictingIssue[], ctx: CompareContext): Prediction | null {
	if (!entries.length) return null;
	const ops = expected.steps.map((s) => ({ op: s.op, ...s.args }) as unknown as Op);
	const { platform, rev } = ctx.model();
	const run = (with_: readonly PredictingIssue[]) => evaluate(ops, platform, rev, quirksOf(with_)).results.map((r) => r.outcome);
	const contract = evaluate(ops, platform, rev).results.map((r) => r.outcome);
	const together = run(entries);
	const alone = entries.length === 1 ? [together] : entries.map((e) => run([e]));
	// Where the deviations change nothing the expectation stands as written in expected.json.
	const outcomes = expected.steps.map((s, i) => (sameOutcome(together[i]!, contract[i]!) ? s.expect : together[i]!));
	const causes = expected.steps.map((_, i) => entries.filter((_, e) => !sameOutcome(alone[e]![i]!, contract[i]!)).map((e) => e.id));
	const cancelled = expected.steps.flatMap((s, i) =>
		sameOutcome(together[i]!, contract[i]!) && causes[i]!.length ? [{ step: s.index, ids: causes[i]! }] : [],
	);
	return { outcomes, causes, cancelled };
}

const KILLED = /killed by signal (\d+)/;

const issueRef = (issue: KnownIssue): KnownIssueRef => ({ id: issue.id, reason: issue.reason, ...(issue.url ? { url: issue.url } : {}) });

/** A case a skip entry of the known issues keeps from running. */
export function skippedByIssue(expected: ExpectedCase, binary: string, issue: KnownIssue): CaseResult {
	return notRun(expected, binary, `not run here: ${issue.reason}`, issueRef(issue));
}

/** A case of a suite for another machine (elsewhereReason): SKIP, as its binary would say. */
export function skippedElsewhere(expected: ExpectedCase, binary: string, reason: string): CaseResult {
	return notRun(expected, binary, reason, null);
}

function notRun(expected: ExpectedCase, binary: string, reason: string, knownIssue: KnownIssueRef | null): CaseResult {
	return {
		id: expected.id,
		family: expected.family,
		binary,
		status: 'SKIP',
		reason,
		difference: null,
		differences: [],
		knownIssue,
		note: null,
		durationMs: null,
		log: [],
	};
}

export function compareCase(expected: ExpectedCase, run: CaseRun, ctx: CompareContext): CaseResult {
	const base = { id: expected.id, family: expected.family, binary: run.binary, durationMs: run.durationMs, log: run.log };
	const result = (
		status: CaseStatus,
		reason: string | null,
		extra: Partial<Pick<CaseResult, 'difference' | 'differences' | 'knownIssue' | 'note'>> = {},
	): CaseResult => ({
		...base,
		status,
		reason,
		difference: null,
		differences: [],
		knownIssue: null,
		note: null,
		...extra,
	});
	if (expected.skip) return result('SKIP', expected.skip);
	if (run.result?.status === 'skip') return result('SKIP', run.result.directive?.reason || 'skipped');
	// A case stopped before its first step (or never run) has no difference worth showing.
	if (run.stopped)
		return result(run.stopped.status, run.stopped.reason, { difference: run.observations.length ? firstDifference(expected, run.observations) : null });
	if (!run.result) return result('ERROR', 'the test binary printed no result for this case');
	const killed = run.result.diagnostics.map((d) => KILLED.exec(d)).find(Boolean);
	if (killed) return result('CRASH', `the case's child process was killed by signal ${killed[1]}`, { difference: firstDifference(expected, run.observations) });

	const fromModel = firstDifference(expected, run.observations);
	// The C and the tool compare the same lines with the same matchers: if they disagree, one is wrong
	// and neither verdict stands.
	const disagreement = verdictDisagreement(expected, run);
	if (disagreement) return result('ERROR', disagreement, { difference: fromModel });
	const entries = predictingIssues(ctx.issues, ctx.scope, expected.id);
	const prediction = predict(expected, entries, ctx);
	const fromPrediction = prediction ? (differences(expected.steps, prediction.outcomes, run.observations)[0] ?? null) : fromModel;
	const note = prediction?.cancelled.length
		? `deviations cancel out at ${prediction.cancelled.map((c) => `step ${c.step} (${c.ids.join(', ')} alone would change it)`).join(', ')}; ` +
			'the case matches there only because of that'
		: null;
	const explain = (d: StepDifference): StepDifference => {
		if (!prediction) return d;
		const i = expected.steps.findIndex((s) => s.index === d.step);
		const predicted = prediction.outcomes[i]![d.field];
		const causes = prediction.causes[i]!;
		return predicted !== undefined && predicted !== d.expected ? { ...d, predicted, deviations: causes } : d;
	};
	const byId = (id: string | undefined) => entries.find((e) => e.id === id);

	if (!fromModel && !fromPrediction) {
		if (run.result.status !== 'pass') return result('ERROR', `every step matched, but the binary reported the case as ${run.result.status}`);
		return result('PASS', null, { note });
	}
	if (!fromModel) {
		// The kernel did what the model says where a deviation said it would not.
		const d = explain(differences(expected.steps, prediction!.outcomes, run.observations)[0]!);
		const issue = byId(prediction!.causes[expected.steps.findIndex((s) => s.index === d.step)]![0]) ?? entries[0]!;
		const stepText = `step ${d.step} ${d.op}: ${d.field}`;
		return result('XPASS', `known issue ${issue.id} predicted ${stepText} ${d.expected}, observed ${d.observed ?? 'nothing'}, which matches the model`, {
			knownIssue: issueRef(issue),
			note,
		});
	}
	if (!fromPrediction) {
		const all = differences(
			expected.steps,
			expected.steps.map((s) => s.expect),
			run.observations,
		).map(explain);
		const issue = byId(all.find((d) => d.deviations?.length)?.deviations?.[0]) ?? entries[0]!;
		return result('XFAIL', issue.reason, { difference: all[0]!, differences: all, knownIssue: issueRef(issue), note });
	}
	// Some observation is neither the model's nor the deviations' prediction.
	const unexplained = differences(
		expected.steps,
		expected.steps.map((s) => s.expect),
		run.observations,
	)
		.map(explain)
		.find((d) => d.predicted === undefined || d.observed === null || !matches(d.predicted, d.observed));
	// Otherwise every model difference was predicted, but a step the deviations changed kept the model's value.
	const step = expected.steps.find((s) => s.index === fromPrediction.step)!;
	const modelSide = { ...fromPrediction, expected: step.expect[fromPrediction.field] ?? '(nothing)' };
	return result('FAIL', null, { difference: unexplained ?? explain(modelSide), note });
}

/**
 * The status a case gets on a kernel that behaves as the model and the known deviations in scope
 * say, before running it: SKIP, PASS, XFAIL, or PASS-or-XFAIL where the prediction and the
 * expectation overlap (hardware may report either).
 */
export function predictedStatus(expected: ExpectedCase, ctx: CompareContext): 'SKIP' | 'PASS' | 'XFAIL' | 'PASS or XFAIL' {
	if (expected.skip) return 'SKIP';
	const prediction = predict(expected, predictingIssues(ctx.issues, ctx.scope, expected.id), ctx);
	if (!prediction) return 'PASS';
	let changed = false;
	for (const [i, step] of expected.steps.entries()) {
		for (const [field, predicted] of Object.entries(prediction.outcomes[i]!)) {
			const matcher = step.expect[field];
			if (matcher === undefined || matcher === predicted) continue;
			if (!compatible(matcher, predicted)) return 'XFAIL';
			changed = true;
		}
	}
	return changed ? 'PASS or XFAIL' : 'PASS';
}
