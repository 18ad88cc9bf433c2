// Observed versus expected, step by step: one CaseResult per expected case.
import type { ExpectedCase } from '../emit/expected-schema.js';
import type { KtapTest, Observation } from '../ktap/parse.js';
import { matches } from '../model/index.js';
import { findKnownIssue, type IssueScope, type KnownIssue } from './known-issues.js';
import type { CaseResult, CaseStatus, StepDifference } from './result.js';

/** What running one case produced. */
export interface CaseRun {
	readonly binary: string;
	/** The KTAP result line of the case, or null if none was printed. */
	readonly result: KtapTest | null;
	readonly observations: readonly Observation[];
	/** Set when the runner had to stop the case (per-case timeout) or its process died. */
	readonly stopped: { readonly status: 'TIMEOUT' | 'CRASH' | 'ERROR'; readonly reason: string } | null;
	readonly durationMs: number | null;
	readonly log: readonly string[];
}

/** The first step whose observation does not match the expectation. */
export function firstDifference(expected: ExpectedCase, observations: readonly Observation[]): StepDifference | null {
	for (const step of expected.steps) {
		const seen = observations.find((o) => o.step === step.index);
		for (const [field, matcher] of Object.entries(step.expect)) {
			const observed = seen?.fields[field] ?? null;
			if (observed === null || !matches(matcher, observed)) {
				return { step: step.index, op: step.op, field, expected: matcher, observed, rule: step.rule, citation: step.citation };
			}
		}
	}
	return null;
}

const KILLED = /killed by signal (\d+)/;

/** A case a skip entry of the known issues keeps from running. */
export function skippedByIssue(expected: ExpectedCase, binary: string, issue: KnownIssue): CaseResult {
	return {
		id: expected.id,
		family: expected.family,
		binary,
		status: 'SKIP',
		reason: `not run here: ${issue.reason}`,
		difference: null,
		knownIssue: { id: issue.id, reason: issue.reason, ...(issue.url ? { url: issue.url } : {}) },
		durationMs: null,
		log: [],
	};
}

export function compareCase(expected: ExpectedCase, run: CaseRun, issues: readonly KnownIssue[], scope: IssueScope): CaseResult {
	const base = { id: expected.id, family: expected.family, binary: run.binary, durationMs: run.durationMs, log: run.log };
	const result = (status: CaseStatus, reason: string | null, difference: StepDifference | null = null, issue: KnownIssue | null = null): CaseResult => ({
		...base,
		status,
		reason,
		difference,
		knownIssue: issue ? { id: issue.id, reason: issue.reason, ...(issue.url ? { url: issue.url } : {}) } : null,
	});
	if (expected.skip) return result('SKIP', expected.skip);
	if (run.result?.status === 'skip') return result('SKIP', run.result.directive?.reason || 'skipped');
	// A case stopped before its first step (or never run) has no difference worth showing.
	if (run.stopped) return result(run.stopped.status, run.stopped.reason, run.observations.length ? firstDifference(expected, run.observations) : null);
	if (!run.result) return result('ERROR', 'the test binary printed no result for this case');
	const killed = run.result.diagnostics.map((d) => KILLED.exec(d)).find(Boolean);
	if (killed) return result('CRASH', `the case's child process was killed by signal ${killed[1]}`, firstDifference(expected, run.observations));
	const difference = firstDifference(expected, run.observations);
	if (!difference && run.result.status !== 'pass') {
		return result('ERROR', `every step matched, but the binary reported the case as ${run.result.status}`);
	}
	const issue = findKnownIssue(issues, scope, expected.id, difference);
	if (difference) return issue ? result('XFAIL', issue.reason, difference, issue) : result('FAIL', null, difference);
	return issue ? result('XPASS', `listed as known issue ${issue.id} but matches the model`, null, issue) : result('PASS', null);
}
