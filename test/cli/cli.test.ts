// The command line as a user runs it: a real process, real files, exit codes and one-line errors.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { expectedDocumentSchema, expectedJsonSchema, manifestSchema } from '../../src/emit/expected-schema.js';
import { REPO, runCli, tempDir } from '../helpers.js';

const cli = (...args: string[]) => runCli(args);

const fixture = (...parts: string[]) => join(REPO, 'test/fixtures', ...parts);

describe('generate', () => {
	test('writes a valid expected.json and manifest.json, byte-identical on a second run', () => {
		const a = tempDir();
		const b = tempDir();
		const first = cli('generate', '--platform', 'spr', '--kernel', 'v6.12', '--seed', '7', '--out', a);
		expect(first.code).toBe(0);
		expect(first.out).toMatch(/^fpu-kvm-testgen 0\.1\.0: platform spr, revision v6\.12, seed 7, strength 3$/m);
		expect(cli('generate', '--platform', 'spr', '--kernel', 'v6.12', '--seed', '7', '--out', b).code).toBe(0);
		for (const name of ['expected.json', 'manifest.json']) {
			expect(readFileSync(join(a, name))).toEqual(readFileSync(join(b, name)));
		}
		const expected = expectedDocumentSchema.parse(JSON.parse(readFileSync(join(a, 'expected.json'), 'utf8')));
		const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8')));
		expect(manifest.cases.total).toBe(expected.cases.length);
		expect(manifest.coverage.tuples.covered).toBe(manifest.coverage.tuples.required);
		expect(manifest.modelHash).toBe(expected.modelHash);
		const overwrite = expected.cases.find((c) => c.id === 'regression.perm-request-overwrite')!;
		expect(overwrite.steps[1]).toMatchObject({ op: 'arch_prctl.get', expect: { ret: '0', value: '0x602e7' }, rule: 'prctl.get.guest-perm' });
		expect(readdirSync(a).sort()).toEqual(['expected.json', 'manifest.json', 'selftests']);
		expect(readdirSync(join(a, 'selftests')).sort()).toEqual(['Makefile.fkt', 'README.md', 'x86_64']);
		expect(readdirSync(join(a, 'selftests', 'x86_64'))).toHaveLength(16);
	});

	test('regenerating into its own output folder is allowed', () => {
		const dir = tempDir();
		expect(cli('generate', '--platform', 'zen1-avx', '--kernel', 'v5.17', '--out', dir).code).toBe(0);
		expect(cli('generate', '--platform', 'zen1-avx', '--kernel', 'v5.17', '--out', dir).code).toBe(0);
	});

	test('a user profile file and the probed host platform work', () => {
		const own = cli('generate', '--platform', fixture('platforms/skylake-sp.yaml'), '--kernel', 'mainline', '--out', tempDir());
		expect(own.code).toBe(0);
		expect(own.out).toContain('platform skylake-sp');
		const host = cli('generate', '--platform', 'host', '--probe', fixture('probe/zen1-pvm.json'), '--kernel', 'v6.12', '--out', tempDir());
		expect(host.code).toBe(0);
		expect(host.out).toContain('platform host');
	});
});

describe('bad input: one line, exit 2, nothing written', () => {
	const cases: [string, string[], RegExp][] = [
		[
			'unknown platform',
			['--platform', 'nope', '--kernel', 'v6.12'],
			/^fpu-kvm-testgen: error: unknown platform 'nope' \(known: spr, tcg-max, zen1-avx, host, or a path to a profile file\)$/,
		],
		[
			'unknown revision',
			['--platform', 'spr', '--kernel', 'v4.19'],
			/^fpu-kvm-testgen: error: unknown kernel revision 'v4\.19' \(known: v5\.16, fpu-kvm-v1, v5\.17, v6\.12, mainline\)$/,
		],
		[
			'platform file breaking a rule',
			['--platform', fixture('platforms/bad-xtile.yaml'), '--kernel', 'v6.12'],
			/is malformed: cpu\.xcr0: XTILECFG and XTILEDATA must be both set or both clear$/,
		],
		['platform file that is not YAML', ['--platform', fixture('platforms/not-yaml.yaml'), '--kernel', 'v6.12'], /is not valid YAML/],
		['missing platform file', ['--platform', './missing.yaml', '--kernel', 'v6.12'], /cannot read platform file \.\/missing\.yaml: ENOENT$/],
		['missing probe', ['--platform', 'host', '--probe', '/nonexistent/probe.json', '--kernel', 'v6.12'], /platform host needs a probe report/],
		['negative seed', ['--platform', 'spr', '--kernel', 'v6.12', '--seed', '-3'], /bad --seed '-3': expected an integer from 0 to 4294967295$/],
		['seed too big', ['--platform', 'spr', '--kernel', 'v6.12', '--seed', '4294967296'], /bad --seed/],
		['strength 0', ['--platform', 'spr', '--kernel', 'v6.12', '--strength', '0'], /bad --strength '0': expected 1, 2, 3 or 4$/],
		['strength not a number', ['--platform', 'spr', '--kernel', 'v6.12', '--strength', 'three'], /bad --strength/],
		['missing --kernel', ['--platform', 'spr'], /required option '--kernel <revision>' not specified/],
	];
	test.each(cases)('%s', (_name, args, message) => {
		const dir = join(tempDir(), 'out');
		const r = cli('generate', ...args, '--out', dir);
		expect(r.code).toBe(2);
		const lines = r.out.trimEnd().split('\n');
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(message);
		expect(existsSync(dir)).toBe(false);
	});

	test('a non-empty folder that is not ours is refused and left untouched', () => {
		const dir = tempDir();
		writeFileSync(join(dir, 'notes.txt'), 'mine');
		const r = cli('generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', dir);
		expect(r.code).toBe(2);
		expect(r.out.trim()).toBe(`fpu-kvm-testgen: error: output folder ${dir} is not empty and was not written by fpu-kvm-testgen; choose another --out`);
		expect(readdirSync(dir)).toEqual(['notes.txt']);
	});

	test('an output path that cannot be created is refused', () => {
		const r = cli('generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', '/proc/version/out');
		expect(r.code).toBe(2);
		expect(r.out.trim()).toMatch(
			/^fpu-kvm-testgen: error: the output folder \/proc\/version\/out is on the kernel's \/proc filesystem: choose a folder on a real filesystem$/,
		);
		const under = cli('generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', '/etc/hostname/out');
		expect(under.code).toBe(2);
		expect(under.out.trim()).toBe('fpu-kvm-testgen: error: the output folder /etc/hostname/out: /etc/hostname is a file, not a folder');
	});

	test('an unknown family or case id is named', () => {
		expect(cli('list', '--family', 'nope').out.trim()).toMatch(/^fpu-kvm-testgen: error: unknown family 'nope' \(known: perm\.request, /);
		const r = cli('explain', 'core.nope');
		expect(r.code).toBe(2);
		expect(r.out.trim()).toBe("fpu-kvm-testgen: error: no case 'core.nope' for platform spr, seed 1, strength 3 (see 'fpu-kvm-testgen list')");
	});
});

describe('list and explain', () => {
	test('list --family prints one id per line with requirements and skips', () => {
		const r = cli('list', '--platform', 'tcg-max', '--family', 'nm.xfd-err');
		expect(r.code).toBe(0);
		const lines = r.out.trimEnd().split('\n');
		expect(lines).toHaveLength(12);
		expect(lines).toContain('nm.xfd-err.arm-by-guest [amx,xfd,vmx,guest] (skip: platform tcg-max lacks AMX in KVM, XFD in KVM, vmx)');
	});

	test('explain shows every revision, the deciding rule and its citation', () => {
		const r = cli('explain', 'regression.gsx-reinstated');
		expect(r.code).toBe(0);
		expect(r.out).toContain('2. vcpu.set_xcrs xcr0=0x7 index=0 nr_xcrs=1 flags=0');
		expect(r.out).toMatch(/v5\.17\s+ret=0\s+xcr\.accepted/);
		expect(r.out).toMatch(/v6\.12\s+ret=-EINVAL\s+xcr\.not-guest-supported/);
		expect(r.out).toContain('xcr.not-guest-supported: every bit must be in GSX | x87');
		expect(r.out).toContain('[§2.10 rule 4]');
	});
});

describe('revisions', () => {
	test('prints the behaviour matrix and marks assumptions', () => {
		const r = cli('revisions');
		expect(r.code).toBe(0);
		const lines = r.out.split('\n');
		expect(lines[0]).toMatch(/^\s+v5\.16\s+fpu-kvm-v1 v5\.17\s+v6\.12\s+mainline\s*$/);
		expect(lines).toContainEqual(expect.stringMatching(/^perm-request-overwrites\s+yes\s+yes\s+yes\s+-\s+-\s*$/));
		expect(lines).toContainEqual(expect.stringMatching(/^kvm-v5\.16-unchanged\s+yes\s+yes\s+-\s+-\s+-\s+\(assumption in fpu-kvm-v1\)$/));
		// What the six seed patches change, as userspace sees it.
		expect(lines.slice(lines.indexOf('fpu-kvm-v1 against v5.16 (what the seed series changes, as userspace can see it):'))).toEqual([
			'fpu-kvm-v1 against v5.16 (what the seed series changes, as userspace can see it):',
			'  + guest-perm-prctls (seed 1/6)',
			'  + guest-perm-req-uninit-ret (seed 1/6)',
			'  + vcpu-create-locks-guest-perm (seed 2/6 (the lock), 1/6 (-EBUSY))',
			"  + post-run-set-cpuid2-unspecified (the branch's 5.16-rc base)",
			'  - post-run-set-cpuid2-identical-only (a 5.16.y backport the 5.16-rc based branch predates)',
			"  3/6 to 6/6 add functions for KVM that the branch's KVM never calls (kvm-v5.16-unchanged)",
			'',
		]);
	});
});

describe('schema', () => {
	test('the committed JSON Schema matches the zod schema', () => {
		const committed = JSON.parse(readFileSync(join(REPO, 'schema/expected.schema.json'), 'utf8'));
		expect(committed).toEqual(expectedJsonSchema());
	});

	test('schema --out writes it', () => {
		const dir = tempDir();
		mkdirSync(join(dir, 'x'));
		const r = cli('schema', '--out', join(dir, 'x/s.json'));
		expect(r.code).toBe(0);
		expect(JSON.parse(readFileSync(join(dir, 'x/s.json'), 'utf8'))).toEqual(expectedJsonSchema());
	});
});
