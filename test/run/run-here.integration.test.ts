// `run` for real on this machine: probe, generate for the probed platform and revision, build, run
// against /dev/kvm, compare every step; every mismatch must be a listed known issue of this host.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runReportSchema } from '../../src/report/json.js';
import { runCli, tempDir } from '../helpers.js';

const TEN_MINUTES = 600_000;

const cli = (...args: string[]) => runCli(args);

test.skipIf(!existsSync('/dev/kvm'))('the suite for this machine runs on /dev/kvm with no unexpected result', () => {
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
	expect(run.code, run.out.split('\n').filter((l) => /^  (FAIL|ERROR|CRASH|TIMEOUT|XPASS)/.test(l)).join('\n')).toBe(0);
	expect(report.summary.FAIL + report.summary.ERROR + report.summary.CRASH + report.summary.TIMEOUT + report.summary.XPASS).toBe(0);
	const runnable = report.cases.length - report.summary.SKIP;
	expect(report.summary.PASS / runnable).toBeGreaterThan(0.9);
	expect(run.out).toMatch(new RegExp(`^${report.cases.length} cases on platform host, revision ${report.revision}, backend ${report.backend}: `, 'm'));
	expect(run.out.trim().split('\n').pop()).toBe('result: as expected');
	expect(readFileSync(junit, 'utf8')).toMatch(new RegExp(`^<\\?xml version="1\\.0" encoding="UTF-8"\\?>\\n<testsuites name="fpu-kvm-testgen" tests="${report.cases.length}" failures="0" errors="0"`));
	expect(readdirSync(join(out, 'logs'))).toHaveLength(report.cases.length);
}, TEN_MINUTES);
