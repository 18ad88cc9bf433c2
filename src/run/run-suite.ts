// Runs a built suite and compares every case with expected.json: every binary (or a shard of the
// cases) in one batch; cases that a stopped binary did not report go in a second batch, one run per
// case, so no case is lost. The executor decides where binaries run (this machine, or a booted kernel).
// A case's result can change after it was reported: when the binary reports it again, or ends badly
// (a bad exit code, a signal) after printing every result. An interrupted run still gives its report.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCase, compareContext, skippedByIssue, skippedElsewhere, type CaseRun } from '../compare/compare.js';
import { findSkippingIssue, globMatches, staleIssues, type IssueScope, type KnownIssue } from '../compare/known-issues.js';
import { UNEXPECTED, summarise, type CaseResult, type RunReport } from '../compare/result.js';
import { layout, testName, familiesOf } from '../emit/layout.js';
import type { ExpectedCase, ExpectedDocument } from '../emit/expected-schema.js';
import { UsageError } from '../errors.js';
import type { FktLines, KtapTest } from '../ktap/parse.js';
import { interruptedStop, type Execution, type ExecutionOutcome, type Executor, type Stop } from './executor.js';

export interface Shard {
	readonly index: number;
	readonly count: number;
}

export interface SuiteRunRequest {
	readonly outDir: string;
	/** The folder of the built binaries. */
	readonly binDir: string;
	readonly expected: ExpectedDocument;
	readonly issues: readonly KnownIssue[];
	readonly scope: IssueScope;
	readonly overallTimeoutMs: number;
	readonly shard: Shard | null;
	/** Only these families (all when null). */
	readonly families: readonly string[] | null;
	/** Only the cases matching one of these patterns, * for any run of characters (all when null). */
	readonly cases: readonly string[] | null;
	readonly executor: Executor;
	/** Why the suite does not apply to the machine it would run on (fingerprintDifferences): every case SKIPs with it, none runs. */
	readonly elsewhere: string | null;
	/**
	 * Interrupts the run (the run job of `run` and `check` aborts on SIGINT and SIGTERM): the running
	 * binaries are stopped, none starts, the cases without a result are ERROR 'interrupted (REASON)'
	 * where the abort's reason is a string such as 'SIGINT' (else 'interrupted'), and the report of
	 * what finished is returned.
	 */
	readonly abort?: AbortSignal;
	/** Called for each case as soon as its result is known, and again if that result changes: the last call holds. */
	readonly onCase: (result: CaseResult) => void;
	readonly onHeartbeat: (binary: string, results: number, total: number, elapsedMs: number) => void;
}

type Selection = Pick<SuiteRunRequest, 'binDir' | 'expected' | 'shard' | 'families' | 'cases' | 'issues' | 'scope'>;

/**
 * One execution per family binary with the cases of this shard (no case ids when it runs them all),
 * and the cases of the shard that a skip entry of the known issues keeps from running.
 */
export function selectCases(request: Selection): { executions: Execution[]; skipped: [ExpectedCase, string, KnownIssue][] } {
	const executions: Execution[] = [];
	const skipped: [ExpectedCase, string, KnownIssue][] = [];
	const all = familiesOf(request.expected);
	const unknown = request.families?.find((f) => !all.has(f));
	if (unknown) throw new UsageError(`unknown --family '${unknown}' (see 'fpu-kvm-testgen list'; known: ${[...all.keys()].slice(0, 4).join(', ')}, ...)`);
	const nothing = request.cases?.find((p) => !request.expected.cases.some((c) => globMatches(p, c.id)));
	if (nothing) throw new UsageError(`no case matches --case '${nothing}' (see 'fpu-kvm-testgen list')`);
	const selected = (c: ExpectedCase) => !request.cases || request.cases.some((p) => globMatches(p, c.id));
	let index = 0;
	for (const [family, everyCase] of all) {
		if (request.families && !request.families.includes(family)) continue;
		const cases = everyCase.filter(selected);
		const binary = testName(family);
		const path = join(request.binDir, binary);
		const mine = cases.filter(() => {
			const take = !request.shard || index % request.shard.count === request.shard.index - 1;
			index++;
			return take;
		});
		const runnable = mine.filter((c) => {
			// A case the platform cannot run keeps its own skip reason.
			const issue = c.skip ? null : findSkippingIssue(request.issues, request.scope, c);
			if (issue) skipped.push([c, binary, issue]);
			return !issue;
		});
		if (!runnable.length) continue;
		if (!existsSync(path)) throw new UsageError(`the suite is not built: ${path} is missing (run 'fpu-kvm-testgen build')`);
		const whole = runnable.length === everyCase.length;
		executions.push({ id: binary, binary, path, args: whole ? [] : runnable.map((c) => c.id), cases: runnable });
	}
	return { executions, skipped };
}

export async function runSuite(request: SuiteRunRequest): Promise<RunReport> {
	const deadline = Date.now() + request.overallTimeoutMs;
	const { executions: selected, skipped: skippedCases } = selectCases(request);
	const results = new Map<string, CaseResult>();
	// The binaries would find the same difference and skip every case; the runner says it before starting them.
	const first = request.elsewhere ? [] : selected;
	const skipped = [
		...skippedCases.map(([c, binary, issue]) => skippedByIssue(c, binary, issue)),
		...(request.elsewhere ? selected.flatMap((e) => e.cases.map((c) => skippedElsewhere(c, e.binary, request.elsewhere!))) : []),
	];
	for (const result of skipped) {
		results.set(result.id, result);
		request.onCase(result);
	}
	const health: { finding: string; cases: string[] }[] = [];
	const problems: { binary: string; problems: readonly string[] }[] = [];
	const context = compareContext(request.expected, request.issues, request.scope);
	// What each result was compared from, for a verdict on its binary that comes after it.
	const runs = new Map<string, CaseRun>();
	const finish = (c: ExpectedCase, run: CaseRun) => {
		const result = compareCase(c, run, context);
		runs.set(c.id, run);
		results.set(c.id, result);
		request.onCase(result);
	};
	// A binary that failed (an exit code, a signal) after its last result: where is not known, so no
	// case it passed can stand as PASS.
	const blameEnd = (execution: Execution, outcome: ExecutionOutcome) => {
		const stop = badEnd(outcome);
		if (!stop) return;
		// A deviation explains a difference, never a failed TEST_ASSERT: XFAIL goes too.
		const blamed = new Set(['PASS', 'XFAIL']);
		for (const c of execution.cases) if (blamed.has(results.get(c.id)?.status ?? '')) finish(c, { ...runs.get(c.id)!, stopped: stop });
	};
	const runBatch = (executions: readonly Execution[]) => runStreaming(executions, request, deadline, health, problems, finish);

	const second: Execution[] = [];
	for (const [execution, outcome] of zip(first, await runBatch(first))) {
		const missing = execution.cases.filter((c) => !results.has(c.id));
		if (!missing.length) {
			blameEnd(execution, outcome);
			continue;
		}
		// The case the binary was in when it stopped takes the blame; the others get a run of their own,
		// unless the whole target died (a guest panic) or the run was interrupted.
		if (outcome.stop) {
			const culprit = missing.shift()!;
			finish(culprit, stoppedCase(execution, culprit, outcome, outcome.stop));
		}
		if (outcome.notRun || outcome.interrupted) {
			const stop = outcome.notRun ? notRunStop(outcome.notRun) : interruptedStop(request.abort);
			for (const c of missing) finish(c, unfinishedCase(execution, stop));
			continue;
		}
		for (const c of missing) second.push({ id: `${execution.binary}:${c.id}`, binary: execution.binary, path: execution.path, args: [c.id], cases: [c] });
	}
	if (second.length && request.abort?.aborted) {
		for (const execution of second) finish(execution.cases[0]!, unfinishedCase(execution, interruptedStop(request.abort)));
	} else if (second.length) {
		for (const [execution, outcome] of zip(second, await runBatch(second))) {
			const c = execution.cases[0]!;
			if (results.has(c.id)) blameEnd(execution, outcome);
			else if (outcome.stop) finish(c, stoppedCase(execution, c, outcome, outcome.stop));
			else if (outcome.notRun) finish(c, unfinishedCase(execution, notRunStop(outcome.notRun)));
			else finish(c, stoppedCase(execution, c, outcome, { status: 'ERROR', reason: 'the test binary printed no result for this case' }));
		}
	}

	const cases = request.expected.cases.filter((c) => results.has(c.id)).map((c) => results.get(c.id)!);
	return {
		format: 'fpu-kvm-testgen/run/1',
		platform: request.scope.platform,
		revision: request.scope.revision,
		backend: request.scope.backend,
		target: request.scope.target,
		modelHash: request.expected.modelHash,
		cases,
		summary: summarise(cases),
		health,
		staleKnownIssues: staleIssues(request.issues, request.scope, cases),
		outputProblems: problems,
		exitCode: cases.some((c) => UNEXPECTED.has(c.status)) || health.length ? 1 : 0,
	};
}

/**
 * How a binary that printed every result failed at its end, as the verdict on the cases it passed:
 * its exit code or a signal, not a timeout, the runner's interruption or the death of the target.
 */
function badEnd(outcome: ExecutionOutcome): Stop | null {
	const stop = outcome.stop;
	if (!stop || stop.status === 'TIMEOUT' || outcome.notRun || outcome.interrupted) return null;
	return { status: 'ERROR', reason: `${stop.reason} after printing its results` };
}

/** Runs a batch, comparing each case the moment its result line arrives. */
async function runStreaming(
	executions: readonly Execution[],
	request: SuiteRunRequest,
	deadline: number,
	health: { finding: string; cases: string[] }[],
	problems: { binary: string; problems: readonly string[] }[],
	finish: (c: ExpectedCase, run: CaseRun) => void,
): Promise<ExecutionOutcome[]> {
	// Each case is in one execution of a batch; a second result for it makes it ERROR, named once.
	const seen = new Map<string, { readonly run: CaseRun; again: boolean }>();
	const outcomes = await request.executor.run(
		executions,
		{
			onTest: (execution, test, lines) => {
				const expected = execution.cases.find((c) => c.id === test.name);
				const earlier = seen.get(test.name);
				// A third result adds nothing to the error the second one made.
				if (!expected || earlier?.again) return;
				const run = reportedRun(execution, test, lines);
				if (earlier) earlier.again = true;
				else seen.set(test.name, { run, again: false });
				const final = earlier ? reportedTwice(earlier.run, run) : run;
				writeCaseLog(request.outDir, test.name, final);
				finish(expected, final);
			},
			onHeartbeat: (execution, results, elapsed) => request.onHeartbeat(execution.binary, results, execution.cases.length, elapsed),
		},
		deadline,
		request.abort,
	);
	for (const [execution, outcome] of zip(executions, outcomes)) {
		for (const finding of outcome.health) health.push({ finding, cases: execution.cases.map((c) => c.id) });
		if (outcome.doc.problems.length) problems.push({ binary: execution.id, problems: outcome.doc.problems });
	}
	return outcomes;
}

function reportedRun(execution: Execution, test: KtapTest, lines: FktLines): CaseRun {
	return {
		binary: execution.binary,
		result: test,
		observations: lines.observations.filter((o) => o.caseId === test.name),
		mismatches: lines.mismatches.filter((m) => m.caseId === test.name),
		stopped: null,
		durationMs: null,
		log: [...test.diagnostics, `${test.status} ${test.name}`],
	};
}

/** A case with two result lines: neither can be trusted (no result, or compareCase would let a SKIP line win). */
function reportedTwice(first: CaseRun, again: CaseRun): CaseRun {
	const at = (run: CaseRun) => `${run.result!.status} at output line ${run.result!.line}`;
	const reason = `the test binary reported this case more than once: first ${at(first)}, then ${at(again)}`;
	return { ...again, result: null, stopped: { status: 'ERROR', reason }, log: [...first.log, ...again.log] };
}

function stoppedCase(execution: Execution, c: ExpectedCase, outcome: ExecutionOutcome, stop: Stop): CaseRun {
	const observations = outcome.doc.observations.filter((o) => o.caseId === c.id);
	const tail = outcome.output ? outcome.output.trimEnd().split('\n').slice(-5) : [];
	return {
		binary: execution.binary,
		result: null,
		observations,
		mismatches: outcome.doc.mismatches.filter((m) => m.caseId === c.id),
		stopped: stop,
		durationMs: outcome.durationMs,
		log: [...observations.map((o) => `fkt ${o.caseId} ${o.step} ${o.op}`), ...tail],
	};
}

function notRunStop(reason: string): Stop {
	return { status: 'ERROR', reason: `not run: ${reason}` };
}

/** A case its binary never reached: the target died or the run was interrupted. */
function unfinishedCase(execution: Execution, stop: Stop): CaseRun {
	return { binary: execution.binary, result: null, observations: [], mismatches: [], stopped: stop, durationMs: null, log: [stop.reason] };
}

function writeCaseLog(outDir: string, id: string, run: CaseRun): void {
	const dir = layout.logs(outDir);
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, `${id}.log`), run.log.join('\n') + '\n');
}

function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
	return a.map((x, i) => [x, b[i]!]);
}
