// `run` on bad input: one clear line, exit 2, before anything runs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

function cli(...args: string[]) {
	const r = runCli(args);
	return { code: r.code, out: r.out.trim() };
}

describe('run: bad input', () => {
	const generated = tempDir();
	beforeAll(() => {
		expect(cli('generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', generated).code).toBe(0);
	});

	test('a missing output folder', () => {
		expect(cli('run', '--out', '/nonexistent/out')).toEqual({
			code: 2,
			out: "fpu-kvm-testgen: error: /nonexistent/out/expected.json does not exist: run 'fpu-kvm-testgen generate --out /nonexistent/out' first",
		});
	});

	test('a suite that is not built', () => {
		expect(cli('run', '--out', generated)).toEqual({
			code: 2,
			out: `fpu-kvm-testgen: error: the suite in ${generated} is not built: run 'fpu-kvm-testgen build --tree DIR --out ${generated}'`,
		});
	});

	test('an expected.json that fails the schema', () => {
		const out = tempDir();
		writeFileSync(join(out, 'expected.json'), JSON.stringify({ format: 'fpu-kvm-testgen/expected/1', cases: 'none' }));
		expect(cli('run', '--out', out).out).toMatch(/^fpu-kvm-testgen: error: \S+\/expected\.json fails its schema: generator: /);
	});

	test('check refuses a user entry that reuses a shipped id before probing, and writes nothing', () => {
		const dir = tempDir();
		const out = join(dir, 'out');
		writeFileSync(
			join(dir, 'mine.yaml'),
			'issues:\n  - id: pvm-cpuid-rewrite\n    outcome: { op: vcpu.get_xcrs, field: xcr0, value: "0x1" }\n    reason: my own deviation\n',
		);
		const r = cli('check', '--known-issues', join(dir, 'mine.yaml'), '--out', out, '--cache', join(dir, 'cache'));
		expect(r.code).toBe(2);
		expect(r.out).toMatch(/^fpu-kvm-testgen: error: known issue pvm-cpuid-rewrite in \S+mine\.yaml reuses the id of one in \S+known-issues\/pvm\.yaml$/);
		expect(existsSync(out) || existsSync(join(dir, 'cache'))).toBe(false);
	});

	test('a malformed known-issues file', () => {
		const dir = tempDir();
		mkdirSync(join(generated, 'bin/selftests-6.10'), { recursive: true });
		writeFileSync(join(dir, 'issues.yaml'), 'issues:\n  - id: x\n    cases: ["*"]\n    reason: any difference in any case\n');
		const r = cli('run', '--out', generated, '--known-issues', join(dir, 'issues.yaml'));
		expect(r.code).toBe(2);
		expect(r.out).toMatch(/^fpu-kvm-testgen: error: known-issues file \S+issues\.yaml is malformed: issues\.0: /);
	});

	test.each([['0/2'], ['3/2'], ['x']])('an unknown shard %s', (shard) => {
		expect(cli('run', '--out', generated, '--shard', shard)).toEqual({
			code: 2,
			out: `fpu-kvm-testgen: error: bad --shard '${shard}': expected i/n with 1 <= i <= n, e.g. 2/4`,
		});
	});

	test('a bad timeout', () => {
		expect(cli('run', '--out', generated, '--case-timeout', '0')).toEqual({
			code: 2,
			out: "fpu-kvm-testgen: error: bad --case-timeout '0': expected a number of seconds from 1 to 999999",
		});
	});
});
