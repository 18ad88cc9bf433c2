// `run` interrupted by SIGINT or SIGTERM, for real: the CLI stops a test binary that ignores SIGTERM,
// still prints the summary and writes the JSON report of what finished, exits 128 + the signal, and
// leaves no process behind.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runReportSchema } from '../../src/report/json.js';
import { REPO, runCli, tempDir } from '../helpers.js';
import { MODES } from './fixture-suite.js';

const BINARY = 'fkt_perm_get_test';

/** An output folder for this machine whose perm.get binary hangs in its second case and ignores SIGTERM. */
function hangingSuite(): string {
	const dir = tempDir('fkt-int-');
	const out = join(dir, 'out');
	// For another machine the runner would skip every case before starting a binary.
	const probe = join(dir, 'probe.json');
	expect(runCli(['probe', '--out', probe, '--cache', join(dir, 'cache')]).code).toBe(0);
	expect(runCli(['generate', '--platform', 'host', '--kernel', 'v6.12', '--probe', probe, '--out', out]).code).toBe(0);
	const bin = join(out, 'bin', 'selftests-6.10');
	mkdirSync(bin, { recursive: true });
	execFileSync('gcc', ['-O1', `-DMODE=${MODES['ignore-term']}`, '-o', join(bin, BINARY), join(REPO, 'test/fixtures/programs/fake_test.c')]);
	return out;
}

function alive(binary: string): number[] {
	return readdirSync('/proc')
		.filter((p) => /^\d+$/.test(p))
		.filter((p) => {
			try {
				const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
				return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(binary) && !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
			} catch {
				return false;
			}
		})
		.map(Number);
}

describe('run interrupted', () => {
	test.each([
		['SIGINT', 130],
		['SIGTERM', 143],
	] as const)(
		'%s: summary and JSON of what finished, exit %d, nothing left running',
		async (signal, exitCode) => {
			const out = hangingSuite();
			const json = join(out, '..', 'report.json');
			const child = spawn(process.execPath, [join(REPO, 'bin/fpu-kvm-testgen.js'), 'run', '--out', out, '--family', 'perm.get', '--json', json], {
				env: { ...process.env, NO_COLOR: '1' },
			});
			let stdout = '';
			child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
			// The binary is running (and hanging) once its process exists.
			const started = Date.now();
			while (alive(BINARY).length === 0 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
			expect(alive(BINARY).length).toBeGreaterThan(0);
			const sent = Date.now();
			child.kill(signal);
			const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
			expect(Date.now() - sent).toBeLessThan(10_000);
			expect(code).toBe(exitCode);
			expect(alive(BINARY)).toEqual([]);
			expect(stdout).toContain(`result: INTERRUPTED by ${signal}: the cases that had not finished are ERROR 'interrupted (${signal})'`);
			expect(existsSync(json)).toBe(true);
			const report = runReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
			// The fixture's own case ids are not the suite's, so no perm.get case finished: all are interrupted.
			const family = (JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as { cases: { family: string }[] }).cases.filter(
				(c) => c.family === 'perm.get',
			);
			expect(report.cases.map((c) => [c.status, c.reason])).toEqual(family.map(() => ['ERROR', `interrupted (${signal})`]));
			expect(report.exitCode).toBe(1);
		},
		60_000,
	);
});
