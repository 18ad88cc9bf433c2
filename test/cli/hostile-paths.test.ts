// Paths, folders and options from a hostile or careless user: nothing runs that the user did not ask
// for, nothing is written outside --out and the cache, every refusal is one line on stderr with exit 2,
// and it comes before any work.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO, tempDir } from '../helpers.js';

/** The CLI with stdout and stderr apart, and how long it took. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
	const started = Date.now();
	const r = spawnSync(process.execPath, [join(REPO, 'bin/fpu-kvm-testgen.js'), ...args], {
		encoding: 'utf8',
		timeout: 60_000,
		env: { ...process.env, NO_COLOR: '1', ...env },
	});
	return { code: r.status, stdout: r.stdout, stderr: r.stderr.trimEnd(), ms: Date.now() - started };
}

/** Exit 2, nothing on stdout, one line on stderr matching `message`, within seconds. */
function refused(r: ReturnType<typeof cli>, message: RegExp): void {
	expect(r.stderr).toMatch(message);
	expect(r.stderr.split('\n')).toHaveLength(1);
	expect(r.stdout).toBe('');
	expect(r.code).toBe(2);
	expect(r.ms).toBeLessThan(10_000);
}

describe('commands from data never run', () => {
	test.each([
		['$(shell touch MARK)', /the output folder '\S+\$\(shell touch \S+MARK\)' has a character make or the shell would interpret \('\$'\)/],
		['`touch MARK`', /the output folder '\S+`touch \S+MARK`' has a character make or the shell would interpret \('`'\)/],
		['a b', /the output folder '\S+a b' has a character make or the shell would interpret \('\\x20'\)/],
	])('build --out %s is refused before make sees it', (name, message) => {
		const dir = tempDir();
		const out = join(dir, name.replace('MARK', join(dir, 'MARK')));
		refused(cli(['build', '--tree', 'debian:6.12', '--out', out, '--cache', join(dir, 'cache')]), message);
		expect(existsSync(join(dir, 'MARK'))).toBe(false);
	});

	test.each([['-O2 `touch MARK`'], ['-DX=$(shell touch MARK)'], ['-O2;touch MARK']])('--cflags %s is refused', (flags) => {
		const dir = tempDir();
		const r = cli([
			'build',
			'--tree',
			'debian:6.12',
			'--out',
			join(dir, 'out'),
			'--cache',
			join(dir, 'cache'),
			'--cflags',
			flags.replace('MARK', join(dir, 'MARK')),
		]);
		refused(r, /^fpu-kvm-testgen: error: --cflags flag '.+' is not a plain compiler flag \('.'\)/);
		expect(existsSync(join(dir, 'MARK'))).toBe(false);
	});
});

describe('no write through a link inside --out', () => {
	test.each(['selftests', 'logs', 'bin', 'expected.json'])('generate, build and run refuse out/%s as a link', (name) => {
		const dir = tempDir();
		const out = join(dir, 'out');
		const outside = join(dir, 'outside');
		mkdirSync(outside);
		expect(cli(['generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', out]).code).toBe(0);
		symlinkSync(outside, join(out, `${name}-link`));
		const link = new RegExp(`${name}-link inside the output folder is a symbolic link: fpu-kvm-testgen does not write through links; remove it$`);
		refused(cli(['generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', out]), link);
		refused(cli(['build', '--tree', 'debian:6.12', '--out', out, '--cache', join(dir, 'cache')]), link);
		refused(cli(['run', '--out', out]), link);
		expect(readdirSync(outside)).toEqual([]);
	});

	test('a link deep inside (a log file) is found too', () => {
		const dir = tempDir();
		const out = join(dir, 'out');
		expect(cli(['generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', out]).code).toBe(0);
		mkdirSync(join(out, 'logs'));
		writeFileSync(join(dir, 'precious'), 'keep me');
		symlinkSync(join(dir, 'precious'), join(out, 'logs', 'perm.get.supp.log'));
		refused(cli(['run', '--out', out]), /logs\/perm\.get\.supp\.log inside the output folder is a symbolic link/);
	});
});

describe('folders that never end or are not folders', () => {
	test.each([
		[
			['generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', '/proc/self/fkt'],
			{},
			/the output folder \/proc\/self\/fkt is on the kernel's \/proc filesystem/,
		],
		[['probe', '--out', 'PROBE', '--cache', '/sys/kernel/fkt'], {}, /the cache folder \/sys\/kernel\/fkt is on the kernel's \/sys filesystem/],
		[['probe', '--out', 'PROBE'], { XDG_CACHE_HOME: '/proc/1' }, /the cache folder \/proc\/1\/fpu-kvm-testgen is on the kernel's \/proc filesystem/],
		[['probe', '--out', 'PROBE', '--cache', 'FILE'], {}, /the cache folder \S+\/file exists and is not a folder/],
		[['probe', '--out', 'PROBE', '--cache', 'FILE/sub'], {}, /the cache folder \S+\/file\/sub: \S+\/file is a file, not a folder/],
		[['generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', 'FILE'], {}, /the output folder \S+\/file exists and is not a folder/],
	] as const)('%j is refused at once', (args, env, message) => {
		const dir = tempDir();
		writeFileSync(join(dir, 'file'), 'x');
		const real = args.map((a) => a.replace('FILE', join(dir, 'file')).replace('PROBE', join(dir, 'probe.json')));
		refused(cli(real, env), message);
		expect(existsSync(join(dir, 'probe.json'))).toBe(false);
	});
});

describe('check validates everything before the probe', () => {
	test.each([
		[['--shard', '3/2'], /bad --shard '3\/2'/],
		[['-j', '0'], /bad --jobs '0'/],
		[['--case-timeout', '0'], /bad --case-timeout '0'/],
		[['--timeout', 'soon'], /bad --timeout 'soon'/],
		[['--known-issues', '/nonexistent.yaml'], /known-issues file \/nonexistent\.yaml does not exist/],
		[['--family', 'nope'], /unknown --family 'nope' \(known: perm\.request, /],
		[['--tree', '/nonexistent-tree'], /kernel tree \/nonexistent-tree does not exist or is not a folder/],
		[['--tree', 'debian:5.10'], /unknown Debian linux-source version '5\.10'/],
		[['--json', '/nonexistent/report.json'], /--json \/nonexistent\/report\.json: folder \/nonexistent does not exist/],
		[['--junit', 'TMP'], /--junit \S+ is a folder/],
		[['--cflags', '-O2 $(x)'], /--cflags flag '\$\(x\)' is not a plain compiler flag/],
	] as const)('check %j: exit 2, nothing written', (extra, message) => {
		const dir = tempDir();
		const out = join(dir, 'out');
		const cache = join(dir, 'cache');
		const r = cli(['check', '--out', out, '--cache', cache, ...extra.map((a) => (a === 'TMP' ? dir : a))]);
		refused(r, message);
		expect(r.ms).toBeLessThan(5_000);
		expect([existsSync(out), existsSync(cache)]).toEqual([false, false]);
	});

	test('kernel build refuses a missing fragment before unpacking any source', () => {
		const dir = tempDir();
		const r = cli(['kernel', 'build', '--tree', 'debian:6.12', '--config-fragment', join(dir, 'missing.config'), '--cache', join(dir, 'cache')]);
		refused(r, /cannot read config fragment \S+missing\.config: ENOENT/);
		expect(existsSync(join(dir, 'cache', 'kernel-src'))).toBe(false);
	});
});

describe('one run per output folder; a dead run leaves nothing that blocks', () => {
	test('a folder held by a live run is refused', () => {
		const dir = tempDir();
		const out = join(dir, 'out');
		mkdirSync(out);
		// This test's own process is alive: it stands for the other run.
		writeFileSync(join(out, '.fkt-lock'), String(process.pid));
		refused(
			cli(['generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out]),
			new RegExp(`is in use by another fpu-kvm-testgen run \\(pid ${process.pid}\\)`),
		);
	});

	test("a dead run's lock and temporary files are taken over and removed", () => {
		const dir = tempDir();
		const out = join(dir, 'out');
		mkdirSync(out);
		writeFileSync(join(out, '.fkt-lock'), '999999999');
		writeFileSync(join(out, '.expected.json.tmp-999999999'), '{"half":');
		const r = cli(['generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', out]);
		expect(r.code, r.stderr).toBe(0);
		expect(readdirSync(out).sort()).toEqual(['expected.json', 'manifest.json', 'selftests']);
	});

	test('a run stopped by a bad option leaves no folder behind', () => {
		const dir = tempDir();
		refused(cli(['check', '--out', join(dir, 'out'), '--family', 'nope']), /unknown --family/);
		expect(readdirSync(dir)).toEqual([]);
	});
});

describe('error lines', () => {
	test('bytes from the input are escaped: the error stays one line', () => {
		const dir = tempDir();
		const r = cli(['check', '--out', join(dir, 'out'), '--family', 'a\u001b[31mred\nline']);
		refused(r, /unknown --family 'a\\x1b\[31mred\\nline'/);
	});
});
