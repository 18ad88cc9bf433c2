// `run` for real on this machine: probe, generate for the probed platform and revision, build, run
// against /dev/kvm, compare every step. Before running, the model and the shipped deviation entries
// predict every case's status for the probed machine; the run must give exactly that.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { compareContext, predictedStatus } from '../../src/compare/compare.js';
import { readExpected, loadKnownIssues } from '../../src/run/run-command.js';
import { matches } from '../../src/model/index.js';
import { runReportSchema } from '../../src/report/json.js';
import { runCli, tempDir } from '../helpers.js';

const TEN_MINUTES = 600_000;

const cli = (...args: string[]) => runCli(args);

test.skipIf(!existsSync('/dev/kvm'))(
	'the suite for this machine runs on /dev/kvm with no unexpected result',
	() => {
		const dir = tempDir('fkt-run-');
		const out = join(dir, 'out');
		const probe = join(dir, 'probe.json');
		expect(cli('probe', '--out', probe, '--cache', join(dir, 'cache')).code).toBe(0);
		expect(cli('generate', '--platform', 'host', '--kernel', 'host', '--probe', probe, '--out', out).code).toBe(0);
		// This machine's KVM may emulate guest code (PVM): general registers only, as the spec of the host says.
		const built = cli('build', '--tree', 'debian:6.12', '--out', out, '--cflags', '-mgeneral-regs-only');
		expect(built.code, built.out).toBe(0);
		const json = join(dir, 'report.json');
		const junit = join(dir, 'junit.xml');
		const run = cli('run', '--out', out, '--json', json, '--junit', junit, '--ktap', join(dir, 'summary.ktap'));
		const report = runReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
		expect(
			run.code,
			run.out
				.split('\n')
				.filter((l) => /^ {2}(FAIL|ERROR|CRASH|TIMEOUT|XPASS)/.test(l))
				.join('\n'),
		).toBe(0);
		expect(report.summary.FAIL + report.summary.ERROR + report.summary.CRASH + report.summary.TIMEOUT + report.summary.XPASS).toBe(0);
		const expected = readExpected(out);
		const ctx = compareContext(expected, loadKnownIssues([]), { platform: 'host', revision: report.revision, backend: report.backend, target: 'native' });
		const predicted = new Map(expected.cases.map((c) => [c.id, predictedStatus(c, ctx)]));
		const wrong = report.cases.filter((c) => {
			const p = predicted.get(c.id)!;
			return p === 'PASS or XFAIL' ? c.status !== 'PASS' && c.status !== 'XFAIL' : c.status !== p;
		});
		expect(wrong.map((c) => `${c.id}: predicted ${predicted.get(c.id)}, got ${c.status}`)).toEqual([]);
		const count = (status: string) => [...predicted.values()].filter((p) => p === status).length;
		const open = count('PASS or XFAIL');
		expect(report.summary.SKIP).toBe(count('SKIP'));
		expect(report.summary.PASS).toBeGreaterThanOrEqual(count('PASS'));
		expect(report.summary.PASS).toBeLessThanOrEqual(count('PASS') + open);
		expect(report.summary.XFAIL).toBe(count('XFAIL') + open - (report.summary.PASS - count('PASS')));
		// Each XFAIL shows, per difference, what the deviations predicted and what was observed.
		for (const c of report.cases.filter((r) => r.status === 'XFAIL')) {
			expect(c.differences.length).toBeGreaterThan(0);
			for (const d of c.differences) expect(d.predicted !== undefined && d.observed !== null && matches(d.predicted, d.observed), JSON.stringify(d)).toBe(true);
		}
		expect(run.out).toMatch(new RegExp(`^${report.cases.length} cases on platform host, revision ${report.revision}, backend ${report.backend}: `, 'm'));
		expect(run.out.trim().split('\n').pop()).toBe('result: as expected');
		expect(readFileSync(junit, 'utf8')).toMatch(
			new RegExp(`^<\\?xml version="1\\.0" encoding="UTF-8"\\?>\\n<testsuites name="fpu-kvm-testgen" tests="${report.cases.length}" failures="0" errors="0"`),
		);
		expect(readdirSync(join(out, 'logs'))).toHaveLength(report.cases.length);
	},
	TEN_MINUTES,
);
