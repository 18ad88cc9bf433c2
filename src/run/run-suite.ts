// Runs a built suite and compares every case with expected.json: every binary (or a shard of the
// cases) in one batch; cases that a stopped binary did not report go in a second batch, one run per
// case, so no case is lost. The executor decides where binaries run (this machine, or a booted kernel).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCase, compareContext, skippedByIssue, type CaseRun } from '../compare/compare.js';
import { findSkippingIssue, globMatches, staleIssues, type IssueScope, type KnownIssue } from '../compare/known-issues.js';
import { UNEXPECTED, summarise, type CaseResult, type RunReport } from '../compare/result.js';
import { testName, familiesOf } from '../emit/c/render.js';
import type { ExpectedCase, ExpectedDocument } from '../emit/expected-schema.js';
import { UsageError } from '../errors.js';
import type { Execution, ExecutionOutcome, Executor, Stop } from './executor.js';

export interface Shard {
	readonly index: number;
	readonly count: number;
}

export interface RunRequest {
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
	readonly onCase: (result: CaseResult) => void;
	readonly onHeartbeat: (binary: string, results: number, total: number, elapsedMs: number) => void;
}

type Selection = Pick<RunRequest, 'binDir' | 'expected' | 'shard' | 'families' | 'cases' | 'issues' | 'scope'>;

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

export async function runSuite(request: RunRequest): Promise<RunReport> {
	const deadline = Date.now() + request.overallTimeoutMs;
	const { executions: first, skipped: skippedCases } = selectCases(request);
	const results = new Map<string, CaseResult>();
	for (const [c, binary, issue] of skippedCases) {
		const result = skippedByIssue(c, binary, issue);
		results.set(c.id, result);
		request.onCase(result);
	}
	const health: { finding: string; cases: string[] }[] = [];
	const context = compareContext(request.expected, request.issues, request.scope);
	const finish = (c: ExpectedCase, run: CaseRun) => {
		const result = compareCase(c, run, context);
		results.set(c.id, result);
		request.onCase(result);
	};
	const runBatch = (executions: readonly Execution[]) => runStreaming(executions, request, deadline, health, finish);

	const second: Execution[] = [];
	for (const [execution, outcome] of zip(first, await runBatch(first))) {
		const missing = execution.cases.filter((c) => !results.has(c.id));
		if (!missing.length) continue;
		// The case the binary was in when it stopped takes the blame; the others get a run of their own,
		// unless the whole target died (a guest panic): then they are reported as not run.
		if (outcome.stop) {
			const culprit = missing.shift()!;
			finish(culprit, stoppedCase(execution, culprit, outcome, outcome.stop));
		}
		if (outcome.notRun) {
			for (const c of missing) finish(c, notRunCase(execution, outcome.notRun));
			continue;
		}
		for (const c of missing) second.push({ id: `${execution.binary}:${c.id}`, binary: execution.binary, path: execution.path, args: [c.id], cases: [c] });
	}
	if (second.length) {
		for (const [execution, outcome] of zip(second, await runBatch(second))) {
			const c = execution.cases[0]!;
			if (results.has(c.id)) continue;
			if (outcome.stop) finish(c, stoppedCase(execution, c, outcome, outcome.stop));
			else if (outcome.notRun) finish(c, notRunCase(execution, outcome.notRun));
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
		exitCode: cases.some((c) => UNEXPECTED.has(c.status)) || health.length ? 1 : 0,
	};
}

/** Runs a batch, comparing each case the moment its result line arrives. */
async function runStreaming(
	executions: readonly Execution[],
	request: RunRequest,
	deadline: number,
	health: { finding: string; cases: string[] }[],
	finish: (c: ExpectedCase, run: CaseRun) => void,
): Promise<ExecutionOutcome[]> {
	const reported = new Set<string>();
	const outcomes = await request.executor.run(
		executions,
		{
			onTest: (execution, test, observations) => {
				const expected = execution.cases.find((c) => c.id === test.name);
				if (!expected || reported.has(test.name)) return;
				reported.add(test.name);
				const mine = observations.filter((o) => o.caseId === test.name);
				const run: CaseRun = { binary: execution.binary, result: test, observations: mine, stopped: null, durationMs: null, log: [...test.diagnostics, `${test.status} ${test.name}`] };
				writeCaseLog(request.outDir, test.name, run);
				finish(expected, run);
			},
			onHeartbeat: (execution, results, elapsed) => request.onHeartbeat(execution.binary, results, execution.cases.length, elapsed),
		},
		deadline,
	);
	for (const [execution, outcome] of zip(executions, outcomes)) {
		for (const finding of outcome.health) health.push({ finding, cases: execution.cases.map((c) => c.id) });
	}
	return outcomes;
}

function stoppedCase(execution: Execution, c: ExpectedCase, outcome: ExecutionOutcome, stop: Stop): CaseRun {
	const observations = outcome.doc.observations.filter((o) => o.caseId === c.id);
	const tail = outcome.output.trimEnd().split('\n').slice(-5);
	return { binary: execution.binary, result: null, observations, stopped: stop, durationMs: outcome.durationMs, log: [...observations.map((o) => `fkt ${o.caseId} ${o.step} ${o.op}`), ...tail] };
}

function notRunCase(execution: Execution, reason: string): CaseRun {
	return { binary: execution.binary, result: null, observations: [], stopped: { status: 'ERROR', reason: `not run: ${reason}` }, durationMs: null, log: [`not run: ${reason}`] };
}

function writeCaseLog(outDir: string, id: string, run: CaseRun): void {
	const dir = join(outDir, 'logs');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, `${id}.log`), run.log.join('\n') + '\n');
}

function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
	return a.map((x, i) => [x, b[i]!]);
}
