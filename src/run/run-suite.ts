// Runs a built suite against the running kernel's KVM: every binary (or a shard of the cases), cases
// that a dying binary did not report re-run one by one, every case compared with expected.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCase, type CaseRun } from '../compare/compare.js';
import type { IssueScope, KnownIssue } from '../compare/known-issues.js';
import { UNEXPECTED, summarise, type CaseResult, type RunReport } from '../compare/result.js';
import { testName, familiesOf } from '../emit/c/render.js';
import type { ExpectedCase, ExpectedDocument } from '../emit/expected-schema.js';
import { UsageError } from '../errors.js';
import type { Dialect } from '../tree/detect.js';
import { readHealth, healthFindings, type Health } from './health.js';
import { runBinary, type BinaryRun } from './run-binary.js';

export interface Shard {
	readonly index: number;
	readonly count: number;
}

export interface RunRequest {
	readonly outDir: string;
	readonly dialect: Dialect;
	readonly expected: ExpectedDocument;
	readonly issues: readonly KnownIssue[];
	readonly scope: IssueScope;
	readonly caseTimeoutMs: number;
	readonly overallTimeoutMs: number;
	readonly jobs: number;
	readonly shard: Shard | null;
	readonly onCase: (result: CaseResult) => void;
	readonly onHeartbeat: (binary: string, results: number, total: number, elapsedMs: number) => void;
}

interface BinaryJob {
	readonly name: string;
	readonly path: string;
	readonly cases: readonly ExpectedCase[];
	/** All of the family's cases: the binary runs without case ids. */
	readonly whole: boolean;
}

export function binaryJobs(request: Pick<RunRequest, 'outDir' | 'dialect' | 'expected' | 'shard'>): BinaryJob[] {
	const jobs: BinaryJob[] = [];
	let index = 0;
	for (const [family, cases] of familiesOf(request.expected)) {
		const name = testName(family);
		const path = join(request.outDir, 'bin', request.dialect, name);
		const mine = cases.filter(() => {
			const take = !request.shard || index % request.shard.count === request.shard.index - 1;
			index++;
			return take;
		});
		if (!mine.length) continue;
		if (!existsSync(path)) throw new UsageError(`the suite is not built: ${path} is missing (run 'fpu-kvm-testgen build')`);
		jobs.push({ name, path, cases: mine, whole: mine.length === cases.length });
	}
	return jobs;
}

export async function runSuite(request: RunRequest): Promise<RunReport> {
	const deadline = Date.now() + request.overallTimeoutMs;
	const jobs = binaryJobs(request);
	const results = new Map<string, CaseResult>();
	const health: { finding: string; cases: string[] }[] = [];
	const queue = [...jobs];
	const worker = async () => {
		for (let job = queue.shift(); job; job = queue.shift()) {
			await runJob(job, request, deadline, health, (r) => {
				results.set(r.id, r);
				request.onCase(r);
			});
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, request.jobs) }, worker));
	const cases = jobs.flatMap((j) => j.cases.map((c) => results.get(c.id)!));
	const summary = summarise(cases);
	return {
		format: 'fpu-kvm-testgen/run/1',
		platform: request.scope.platform,
		revision: request.scope.revision,
		backend: request.scope.backend,
		modelHash: request.expected.modelHash,
		cases,
		summary,
		health,
		exitCode: cases.some((c) => UNEXPECTED.has(c.status)) || health.length ? 1 : 0,
	};
}

/**
 * Runs a binary for its cases, reporting each case as soon as its result line arrives; cases it did
 * not report are run again one at a time.
 */
async function runJob(
	job: BinaryJob,
	request: RunRequest,
	deadline: number,
	health: { finding: string; cases: string[] }[],
	report: (result: CaseResult) => void,
): Promise<void> {
	const finish = (c: ExpectedCase, run: CaseRun) => report(compareCase(c, run, request.issues, request.scope));
	const first = await runWatched(job, job.whole ? [] : job.cases.map((c) => c.id), job.cases, request, deadline, health, finish);
	const missing = job.cases.filter((c) => !first.runs.has(c.id));
	// The case the binary was in when it stopped takes the blame; the others get their own run.
	if (missing.length && first.stop) {
		const culprit = missing.shift()!;
		finish(culprit, stoppedRun(job, culprit, first, first.stop));
	}
	for (const c of missing) {
		const single = await runWatched(job, [c.id], [c], request, deadline, health, finish);
		if (!single.runs.has(c.id)) {
			finish(c, stoppedRun(job, c, single, single.stop ?? { status: 'ERROR', reason: 'the test binary printed no result for this case' }));
		}
	}
}

interface Watched {
	readonly binary: BinaryRun;
	readonly runs: Map<string, CaseRun>;
	readonly stop: CaseRun['stopped'];
}

async function runWatched(
	job: BinaryJob,
	args: readonly string[],
	cases: readonly ExpectedCase[],
	request: RunRequest,
	deadline: number,
	health: { finding: string; cases: string[] }[],
	finish: (c: ExpectedCase, run: CaseRun) => void,
): Promise<Watched> {
	const before: Health = readHealth();
	const byId = new Map(cases.map((c) => [c.id, c]));
	const runs = new Map<string, CaseRun>();
	const binary = await runBinary(job.path, args, {
		caseTimeoutMs: request.caseTimeoutMs,
		deadline,
		heartbeat: (results, elapsed) => request.onHeartbeat(job.name, results, cases.length, elapsed),
		onTest: (test, observations) => {
			const expected = byId.get(test.name);
			if (!expected || runs.has(test.name)) return;
			const mine = observations.filter((o) => o.caseId === test.name);
			const run: CaseRun = { binary: job.name, result: test, observations: mine, stopped: null, durationMs: null, log: [...test.diagnostics, `${test.status} ${test.name}`] };
			runs.set(test.name, run);
			writeCaseLog(request.outDir, test.name, run);
			finish(expected, run);
		},
	});
	for (const finding of healthFindings(before, readHealth())) health.push({ finding, cases: cases.map((c) => c.id) });
	return { binary, runs, stop: stopReason(binary) };
}

function stopReason(binary: BinaryRun): CaseRun['stopped'] {
	if (binary.stopped === 'case-timeout') return { status: 'TIMEOUT', reason: 'no result within the per-case timeout; the binary was stopped' };
	if (binary.stopped === 'deadline') return { status: 'TIMEOUT', reason: 'the overall timeout was reached' };
	if (binary.signal) return { status: 'CRASH', reason: `the test binary died from ${binary.signal}` };
	// 0: all passed, 1: some case failed, 4: all skipped (kselftest exit codes).
	if (binary.code !== null && ![0, 1, 4].includes(binary.code)) {
		const hint = binary.code === 254 ? ' (a TEST_ASSERT failed)' : '';
		return { status: 'ERROR', reason: `the test binary exited with ${binary.code}${hint}` };
	}
	if (binary.code === null) return { status: 'ERROR', reason: 'the test binary could not be started' };
	return null;
}

function stoppedRun(job: BinaryJob, c: ExpectedCase, watched: Watched, stop: NonNullable<CaseRun['stopped']>): CaseRun {
	const observations = watched.binary.doc.observations.filter((o) => o.caseId === c.id);
	const tail = watched.binary.output.trimEnd().split('\n').slice(-5);
	return { binary: job.name, result: null, observations, stopped: stop, durationMs: watched.binary.durationMs, log: [...observations.map((o) => `fkt ${o.caseId} ${o.step} ${o.op}`), ...tail] };
}

function writeCaseLog(outDir: string, id: string, run: CaseRun): void {
	const dir = join(outDir, 'logs');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, `${id}.log`), run.log.join('\n') + '\n');
}
