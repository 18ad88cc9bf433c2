// The runner against real processes that misbehave: a hang, a segfault, a failed TEST_ASSERT, output
// cut mid-line, a flood, garbage. Every case ends with the right status and none is lost.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../../src/compare/result.js';
import { runBinary } from '../../src/run/run-binary.js';
import { localExecutor } from '../../src/run/local.js';
import { testName } from '../../src/emit/c/render.js';
import { fixtureSuite, runFixtureSuite, type Mode } from './fixture-suite.js';

const run = (mode: Mode, onCase?: (r: CaseResult) => void) =>
	runFixtureSuite(fixtureSuite(mode), localExecutor({ caseTimeoutMs: 1000, jobs: 1 }), 'native', onCase);

/** Whether a process of the hang fixture (with no case selector: the whole-family run) is alive. */
function hangingBinaryAlive(): boolean {
	return readdirSync('/proc')
		.filter((p) => /^\d+$/.test(p))
		.some((pid) => {
			try {
				const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
				return argv.length === 1 && argv[0]!.endsWith(`/${testName('fix.hang')}`);
			} catch {
				return false;
			}
		});
}

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
		expect(r['case.b']!.reason).toBe('the test binary exited with 254 (a TEST_ASSERT failed)');
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
