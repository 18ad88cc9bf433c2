// tree prepare and build on trees that are not fit for use: one line each, exit 2 (input) or 3
// (infrastructure), nothing left behind that a later run would trust.
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO, runCli, tempDir } from '../helpers.js';

const tree = (name: string) => join(REPO, 'test/fixtures/trees', name);

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
	const r = runCli(args, { env, timeoutMs: 60_000 });
	return { code: r.code, out: r.out.trim() };
}

describe('tree prepare: bad trees', () => {
	test.each([
		[
			'a folder that is not a kernel tree',
			['--path', tree('not-a-tree')],
			2,
			`fpu-kvm-testgen: error: ${tree('not-a-tree')} is not a kernel tree: it has no Makefile`,
		],
		[
			'a tree without the KVM selftests',
			['--path', tree('no-selftests')],
			2,
			`fpu-kvm-testgen: error: kernel tree ${tree('no-selftests')} has no KVM selftests (tools/testing/selftests/kvm/lib is missing)`,
		],
		[
			'a tree of the 5.17-5.19 selftests generation',
			['--path', tree('pre-6.0-tree')],
			2,
			'fpu-kvm-testgen: error: the KVM selftests of this tree predate 6.0 (no TEST_REQUIRE) but are not of v5.16 (kvm_util.h with vm_create_default(), no kvm_util_base.h or ucall_common.h): only the v5.16 and 6.0+ dialects are supported',
		],
		['a missing folder', ['--path', '/nonexistent/linux'], 2, 'fpu-kvm-testgen: error: tree /nonexistent/linux does not exist or is not a folder'],
		['an unknown Debian version', ['--debian', '5.10'], 2, "fpu-kvm-testgen: error: unknown Debian linux-source version '5.10' (known: 6.12, 6.1)"],
		['neither --debian nor --path', [], 2, 'fpu-kvm-testgen: error: tree prepare needs exactly one of --debian VERSION or --path DIR'],
	])('%s', (_name, args, code, message) => {
		const r = cli(['tree', 'prepare', ...args]);
		expect(r.code).toBe(code);
		expect(r.out).toBe(message);
	});

	test('a v5.16 tree: its headers go into the cache (make O=), the tree is left as it was', () => {
		const cache = tempDir();
		const r = cli(['tree', 'prepare', '--path', tree('v5.16-tree'), '--cache', cache]);
		expect(r.code).toBe(0);
		expect(r.out.split('\n').pop()).toBe(`tree ${tree('v5.16-tree')}: Linux 5.16.0, selftests in x86_64/, dialect selftests-5.16`);
		expect(existsSync(join(tree('v5.16-tree'), 'usr'))).toBe(false);
		const headers = readdirSync(join(cache, 'headers')).filter((n) => !n.endsWith('.lock'));
		expect(headers).toHaveLength(1);
		expect(existsSync(join(cache, 'headers', headers[0]!, 'usr/include/linux/kvm.h'))).toBe(true);
	});

	test('a v5.16 tree with a cache path make would expand is refused before make runs', () => {
		const dir = tempDir();
		const cache = join(dir, `$(shell touch ${join(dir, 'MARK')})`);
		const r = cli(['tree', 'prepare', '--path', tree('v5.16-tree'), '--cache', cache]);
		expect(r.code).toBe(2);
		expect(r.out.split('\n').pop()).toMatch(/^fpu-kvm-testgen: error: the cache folder '.+' has a character make or the shell would interpret \('\$'\)/);
		expect(existsSync(join(dir, 'MARK'))).toBe(false);
		expect(existsSync(cache)).toBe(false);
	});

	test('a failing make headers is an infrastructure error naming the tree and the reason', () => {
		const r = cli(['tree', 'prepare', '--path', tree('headers-fail')]);
		expect(r.code).toBe(3);
		expect(r.out.split('\n').pop()).toBe(
			`fpu-kvm-testgen: error: make headers failed in ${tree('headers-fail')}: scripts/Makefile.headersinst: missing uapi folder`,
		);
	});
});

describe('build: bad input and missing tools', () => {
	/** A tree whose headers are installed, so nothing but the compiler is needed. */
	function readyTree(): string {
		const root = join(tempDir(), 'linux');
		cpSync(tree('headers-fail'), root, { recursive: true });
		mkdirSync(join(root, 'usr/include/linux'), { recursive: true });
		writeFileSync(join(root, 'usr/include/linux/kvm.h'), '/* installed */\n');
		return root;
	}

	test('an output folder without emitted selftests', () => {
		const root = readyTree();
		const out = tempDir();
		const r = cli(['build', '--tree', root, '--out', out]);
		expect(r.code).toBe(2);
		expect(r.out).toBe(`fpu-kvm-testgen: error: ${out} has no emitted selftests: run 'fpu-kvm-testgen generate' first`);
	});

	test('a missing compiler', () => {
		const root = readyTree();
		const out = tempDir();
		expect(cli(['generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out]).code).toBe(0);
		const r = cli(['build', '--tree', root, '--out', out], { ...process.env, PATH: tempDir() });
		expect(r.code).toBe(3);
		expect(r.out).toBe('fpu-kvm-testgen: error: gcc is not available (gcc: ENOENT): apt-get install gcc make');
	});

	test('a bad --jobs', () => {
		const r = cli(['build', '--tree', readyTree(), '--jobs', '0']);
		expect(r.code).toBe(2);
		expect(r.out).toBe("fpu-kvm-testgen: error: bad --jobs '0': expected a number of parallel jobs from 1 to 999");
	});
});
