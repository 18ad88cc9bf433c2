// The runner against real processes that misbehave: a hang, a segfault, a failed TEST_ASSERT, output
// cut mid-line, a flood, garbage, children that escape the process group, a bad end after the last
// result, a case reported twice, a binary that ignores SIGTERM when the run is interrupted. Every case
// ends with the right status, none is lost and no process is left behind.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../../src/compare/result.js';
import { runBinary } from '../../src/run/run-binary.js';
import { localExecutor } from '../../src/run/local.js';
import type { QemuTarget } from '../../src/run/qemu/boot.js';
import { qemuExecutor } from '../../src/run/qemu/executor.js';
import { testName } from '../../src/emit/layout.js';
import { fixtureBinary, fixtureSuite, runFixtureReport, runFixtureSuite, type Mode } from './fixture-suite.js';

const run = (mode: Mode, onCase?: (r: CaseResult) => void) =>
	runFixtureSuite(fixtureSuite(mode), localExecutor({ caseTimeoutMs: 1000, jobs: 1 }), 'native', onCase);

/** The live processes (zombies have no command line) whose argv is exactly what `matches` wants. */
function processesWith(matches: (argv: readonly string[]) => boolean): number[] {
	return readdirSync('/proc')
		.filter((p) => /^\d+$/.test(p))
		.filter((pid) => {
			try {
				return matches(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
			} catch {
				return false;
			}
		})
		.map(Number);
}

/** Whether a process of the hang fixture (with no case selector: the whole-family run) is alive. */
function hangingBinaryAlive(): boolean {
	return processesWith((argv) => argv.length === 1 && argv[0]!.endsWith(`/${testName('fix.hang')}`)).length > 0;
}

/** Whether pid is a process that has not ended: a killed one whose parent has not reaped it yet is a zombie. */
function running(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
	} catch {
		return false;
	}
}

/** The pids the escape fixture's children print about themselves. */
const escapees = (output: string) => [...output.matchAll(/^# escapee (\d+)$/gm)].map((m) => Number(m[1]));

const statuses = (r: Record<string, CaseResult>) => [r['case.a']!.status, r['case.b']!.status, r['case.c']!.status];

describe('runner reliability with real processes', () => {
	test('a hang: TIMEOUT for the case it hung in, the others still run', async () => {
		const r = await run('hang');
		expect([r['case.a']!.status, r['case.b']!.status, r['case.c']!.status]).toEqual(['PASS', 'TIMEOUT', 'PASS']);
		expect(r['case.b']!.reason).toBe('no result within the per-case timeout; the binary was stopped');
	});

	test('each case is reported as its result line arrives: before the binary that hangs after it is stopped', async () => {
		const order: string[] = [];
		await run('hang', (r) => order.push(`${r.id} ${r.status} ${hangingBinaryAlive() ? 'while it runs' : 'after it'}`));
		// case.c passes in a run of its own, after the hanging run was stopped.
		expect(order).toEqual(['case.a PASS while it runs', 'case.b TIMEOUT after it', 'case.c PASS after it']);
	});

	test('a segfault mid-run: CRASH for that case, the rest re-run one by one', async () => {
		const r = await run('segfault');
		expect([r['case.a']!.status, r['case.b']!.status, r['case.c']!.status]).toEqual(['PASS', 'CRASH', 'PASS']);
		expect(r['case.b']!.reason).toBe('the test binary died from SIGSEGV');
	});

	test('exit 254 like a failed TEST_ASSERT: ERROR naming it', async () => {
		const r = await run('assert');
		expect([r['case.a']!.status, r['case.b']!.status, r['case.c']!.status]).toEqual(['PASS', 'ERROR', 'PASS']);
		expect(r['case.b']!.reason).toBe('the test binary exited with code 254 (a TEST_ASSERT failed)');
	});

	test('output cut mid-line with exit 0: the unreported cases are re-run and pass', async () => {
		const r = await run('mid-line');
		expect([r['case.a']!.status, r['case.b']!.status, r['case.c']!.status]).toEqual(['PASS', 'PASS', 'PASS']);
	});

	test('a flood of 200k lines and garbage with stderr in between lose nothing', async () => {
		for (const mode of ['flood', 'garbage'] as const) {
			const r = await run(mode);
			expect(Object.values(r).map((c) => c.status)).toEqual(['PASS', 'PASS', 'PASS']);
		}
	});
});

describe('children that leave the process group (setsid) and keep stdout open', () => {
	test('the run ends once the binary has exited, and the escaped children are killed', async () => {
		const suite = fixtureSuite('escape');
		const binary = fixtureBinary(suite);
		const result = await runBinary(binary, [], { caseTimeoutMs: 60_000, deadline: Date.now() + 60_000 });
		expect([result.code, result.signal, result.stopped]).toEqual([0, null, null]);
		expect(result.doc.tests.map((t) => `${t.status} ${t.name}`)).toEqual(['pass case.a', 'pass case.b', 'pass case.c']);
		// The binary exits at once; the run waits 500 ms for the rest of the output.
		expect(result.durationMs).toBeLessThan(2000);
		const pids = escapees(result.output);
		expect(pids.length).toBe(2);
		expect(pids.filter(running)).toEqual([]);
		expect(processesWith((argv) => argv[0] === binary)).toEqual([]);
	}, 15_000);

	test('in a suite every case passes', async () => {
		const suite = fixtureSuite('escape');
		const r = await runFixtureSuite(suite, localExecutor({ caseTimeoutMs: 60_000, jobs: 1 }), 'native');
		expect(statuses(r)).toEqual(['PASS', 'PASS', 'PASS']);
		expect(processesWith((argv) => argv[0] === fixtureBinary(suite))).toEqual([]);
	}, 15_000);

	test('the overall deadline holds when the binary hangs too', async () => {
		const suite = fixtureSuite('escape-hang');
		const binary = fixtureBinary(suite);
		const result = await runBinary(binary, [], { caseTimeoutMs: 60_000, deadline: Date.now() + 1000 });
		expect([result.code, result.signal, result.stopped]).toEqual([null, 'SIGTERM', 'deadline']);
		// SIGTERM ends the binary at once; then the 500 ms for the output its children hold.
		expect(result.durationMs).toBeLessThan(3000);
		expect(escapees(result.output).length).toBe(2);
		expect(escapees(result.output).filter(running)).toEqual([]);
		expect(processesWith((argv) => argv[0] === binary)).toEqual([]);
	}, 15_000);
});

describe('a binary that prints every result and then ends badly', () => {
	test('exit 254 after the last result: every case that passed is ERROR naming the exit code', async () => {
		const calls: string[] = [];
		const report = await runFixtureReport(fixtureSuite('assert-after'), localExecutor({ caseTimeoutMs: 1000, jobs: 1 }), 'native', {
			onCase: (c) => calls.push(`${c.id} ${c.status}`),
		});
		const reason = 'the test binary exited with code 254 (a TEST_ASSERT failed) after printing its results';
		expect(report.cases.map((c) => [c.id, c.status, c.reason])).toEqual([
			['case.a', 'ERROR', reason],
			['case.b', 'ERROR', reason],
			['case.c', 'ERROR', reason],
		]);
		// Each case is reported as its line arrives, and again when the binary's end changes its result.
		expect(calls).toEqual(['case.a PASS', 'case.b PASS', 'case.c PASS', 'case.a ERROR', 'case.b ERROR', 'case.c ERROR']);
		expect([report.summary.PASS, report.summary.ERROR, report.exitCode]).toEqual([0, 3, 1]);
	});

	test('killed by SIGABRT after the last result: every case that passed is ERROR naming the signal', async () => {
		const r = await run('abort-after');
		const reason = 'the test binary died from SIGABRT after printing its results';
		expect(Object.values(r).map((c) => [c.status, c.reason])).toEqual([
			['ERROR', reason],
			['ERROR', reason],
			['ERROR', reason],
		]);
	});
});

describe('a case reported twice', () => {
	test('ok 3 then not ok 3 for the same case: ERROR naming both results', async () => {
		const r = await run('reported-again');
		expect(statuses(r)).toEqual(['PASS', 'PASS', 'ERROR']);
		expect(r['case.c']!.reason).toBe('the test binary reported this case more than once: first pass at output line 8, then fail at output line 9');
	});

	test('the same case id again under a new number: ERROR naming both results', async () => {
		const r = await run('id-again');
		expect(statuses(r)).toEqual(['ERROR', 'PASS', 'PASS']);
		expect(r['case.a']!.reason).toBe('the test binary reported this case more than once: first pass at output line 4, then pass at output line 9');
	});
});

describe('an interrupted run (RunRequest.abort)', () => {
	test('a binary that ignores SIGTERM is killed with its group; finished cases keep their results; the report comes back', async () => {
		const suite = fixtureSuite('ignore-term');
		const binary = fixtureBinary(suite);
		const controller = new AbortController();
		const calls: string[] = [];
		let pgid = 0;
		let abortedAt = 0;
		const report = await runFixtureReport(suite, localExecutor({ caseTimeoutMs: 60_000, jobs: 1 }), 'native', {
			abort: controller.signal,
			onCase: (c) => {
				calls.push(`${c.id} ${c.status}`);
				if (c.id !== 'case.a') return;
				[pgid] = processesWith((argv) => argv.length === 1 && argv[0] === binary);
				process.kill(-pgid!, 0);
				abortedAt = Date.now();
				controller.abort('SIGINT');
			},
		});
		// SIGTERM, 2 s of grace, SIGKILL.
		expect(Date.now() - abortedAt).toBeLessThan(4000);
		expect(() => process.kill(-pgid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
		expect(report.cases.map((c) => [c.id, c.status, c.reason])).toEqual([
			['case.a', 'PASS', null],
			['case.b', 'ERROR', 'interrupted (SIGINT)'],
			['case.c', 'ERROR', 'interrupted (SIGINT)'],
		]);
		// case.c is not re-run in a binary of its own.
		expect(calls).toEqual(['case.a PASS', 'case.b ERROR', 'case.c ERROR']);
		expect([report.summary.PASS, report.summary.ERROR, report.exitCode]).toEqual([1, 2, 1]);
	}, 15_000);

	test('runBinary: SIGTERM to the group, then SIGKILL after the grace period', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 300);
		const result = await runBinary(fixtureBinary(fixtureSuite('ignore-term')), [], {
			caseTimeoutMs: 60_000,
			deadline: Date.now() + 60_000,
			abort: controller.signal,
		});
		expect([result.code, result.signal, result.stopped]).toEqual([null, 'SIGKILL', 'interrupted']);
		expect(result.doc.tests.map((t) => t.name)).toEqual(['case.a']);
	}, 15_000);

	test('a run aborted before it starts runs no binary: every case is ERROR interrupted', async () => {
		const suite = fixtureSuite('hang');
		const started = join(suite.outDir, 'started');
		// A stand-in that leaves a mark if it is ever run.
		writeFileSync(fixtureBinary(suite), `#!/bin/sh\ntouch ${started}\n`, { mode: 0o755 });
		const controller = new AbortController();
		controller.abort();
		const report = await runFixtureReport(suite, localExecutor({ caseTimeoutMs: 1000, jobs: 1 }), 'native', { abort: controller.signal });
		expect(report.cases.map((c) => [c.id, c.status, c.reason])).toEqual([
			['case.a', 'ERROR', 'interrupted'],
			['case.b', 'ERROR', 'interrupted'],
			['case.c', 'ERROR', 'interrupted'],
		]);
		expect(existsSync(started)).toBe(false);
	});

	test('the QEMU executor boots nothing after an interruption', async () => {
		const controller = new AbortController();
		controller.abort('SIGTERM');
		// A target that cannot boot: any use of it fails the run.
		const report = await runFixtureReport(fixtureSuite('hang'), qemuExecutor({} as QemuTarget), 'qemu-tcg', { abort: controller.signal });
		expect(report.cases.map((c) => [c.id, c.status, c.reason])).toEqual([
			['case.a', 'ERROR', 'interrupted (SIGTERM)'],
			['case.b', 'ERROR', 'interrupted (SIGTERM)'],
			['case.c', 'ERROR', 'interrupted (SIGTERM)'],
		]);
	});
});

describe('heartbeat', () => {
	test('a binary that stops making progress gets heartbeats with its result count until it is stopped', async () => {
		const { binDir } = fixtureSuite('hang');
		const beats: number[] = [];
		const run = await runBinary(join(binDir, testName('fix.hang')), [], {
			caseTimeoutMs: 1000,
			deadline: Date.now() + 30_000,
			heartbeatMs: 200,
			heartbeat: (results) => beats.push(results),
		});
		expect(run.stopped).toBe('case-timeout');
		expect(run.signal).toBe('SIGTERM');
		expect(beats.length).toBeGreaterThanOrEqual(3);
		expect(beats.at(-1)).toBe(1);
		expect(run.output).toContain('ok 1 case.a\n');
	});
});
