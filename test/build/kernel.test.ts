// kernel build without a real kernel: bad trees (one line each), the build key, dropped options, and
// the whole step sequence against small stand-in trees (test/fixtures/kernel).
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildKernel, checkKernelTree, debianKernelSource, droppedOptions, kernelBuildKey, type KernelBuildRequest } from '../../src/build/kernel.js';
import { addKernelCommand } from '../../src/cli/kernel-command.js';
import { InfrastructureError, UsageError } from '../../src/errors.js';
import { REPO, tempDir } from '../helpers.js';

const fixture = (name: string) => join(REPO, 'test/fixtures/kernel', name);

function fragmentFile(text: string): string {
	const path = join(tempDir(), 'fragment.config');
	writeFileSync(path, text);
	return path;
}

function request(tree: string, fragment: string, extra: Partial<KernelBuildRequest> = {}) {
	const lines: string[] = [];
	const buildDir = join(tempDir(), 'build');
	const req: KernelBuildRequest = { tree, fragment, buildDir, cacheDir: tempDir(), jobs: 1, rebuild: false, progress: (l) => lines.push(l), ...extra };
	return { req, lines, buildDir };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
	return promise.then(
		() => {
			throw new Error('expected a rejection');
		},
		(error: Error) => error,
	);
}

describe('kernel build: trees it refuses', () => {
	test.each([
		['a missing folder', '/nonexistent/linux', 'kernel tree /nonexistent/linux does not exist or is not a folder'],
		['a file', fixture('not-a-tree/README'), `kernel tree ${fixture('not-a-tree/README')} does not exist or is not a folder`],
		['a folder without a Makefile', fixture('not-a-tree'), `${fixture('not-a-tree')} is not a kernel tree: it has no Makefile`],
		['a tree without arch/x86', fixture('no-x86'), `${fixture('no-x86')} is not an x86 kernel tree: it has no arch/x86`],
		[
			'a tree configured in place',
			fixture('dirty'),
			`kernel tree ${fixture('dirty')} is not clean for an out-of-tree build (it has .config): run 'make mrproper' in it or use a pristine copy`,
		],
	])('%s', async (_name, tree, message) => {
		const error = await rejection(buildKernel(request(tree, fragmentFile('CONFIG_KVM=y\n')).req));
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe(message);
	});

	test('a tree where make headers ran in place names everything kbuild would trip over', () => {
		const tree = join(tempDir(), 'linux');
		cpSync(fixture('fake-kbuild'), tree, { recursive: true });
		mkdirSync(join(tree, 'arch/x86/include/generated'), { recursive: true });
		mkdirSync(join(tree, 'include/config'), { recursive: true });
		expect(() => checkKernelTree(tree)).toThrow(
			`kernel tree ${tree} is not clean for an out-of-tree build (it has include/config, arch/x86/include/generated): run 'make mrproper' in it or use a pristine copy`,
		);
	});

	test('a missing fragment', async () => {
		const error = await rejection(buildKernel(request(fixture('fake-kbuild'), '/nonexistent/frag.config').req));
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe('cannot read config fragment /nonexistent/frag.config: ENOENT');
	});

	test('missing build tools are named with the apt-get line that installs them', async () => {
		const bin = tempDir();
		for (const tool of ['gcc', 'make']) symlinkSync(spawnSync('which', [tool], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
		const path = process.env.PATH;
		process.env.PATH = bin;
		try {
			const error = await rejection(buildKernel(request(fixture('fake-kbuild'), fragmentFile('CONFIG_KVM=y\n')).req));
			expect(error).toBeInstanceOf(InfrastructureError);
			expect(error.message).toBe('building a kernel needs flex, bison, bc: apt-get install flex bison bc');
		} finally {
			process.env.PATH = path;
		}
	});

	test('an unknown Debian source version', async () => {
		const error = await rejection(debianKernelSource('5.10', tempDir(), () => {}));
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe("unknown Debian linux-source version '5.10' (known: 6.12, 6.1)");
	});
});

describe('kernel build: the cache key', () => {
	test('stable for the same tree and fragment, different for another fragment', async () => {
		const tree = fixture('fake-kbuild');
		const key = await kernelBuildKey(tree, 'CONFIG_KVM=y\n');
		expect(key).toMatch(/^[0-9a-f]{64}$/);
		expect(await kernelBuildKey(tree, 'CONFIG_KVM=y\n')).toBe(key);
		expect(await kernelBuildKey(tree, 'CONFIG_KVM=y\nCONFIG_KVM_XEN=y\n')).not.toBe(key);
		expect(await kernelBuildKey(fixture('tinyconfig-fails'), 'CONFIG_KVM=y\n')).not.toBe(key);
	});

	test('a git checkout: the key follows HEAD and uncommitted changes', async () => {
		const tree = join(tempDir(), 'linux');
		cpSync(fixture('fake-kbuild'), tree, { recursive: true });
		const git = (...args: string[]) => spawnSync('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });
		git('init', '-q');
		git('add', '.');
		git('commit', '-q', '-m', 'base');
		const committed = await kernelBuildKey(tree, 'CONFIG_KVM=y\n');
		expect(await kernelBuildKey(tree, 'CONFIG_KVM=y\n')).toBe(committed);
		writeFileSync(join(tree, 'arch/x86/Kconfig'), '# x86, edited\n');
		const edited = await kernelBuildKey(tree, 'CONFIG_KVM=y\n');
		expect(edited).not.toBe(committed);
		git('commit', '-q', '-a', '-m', 'edit');
		expect(await kernelBuildKey(tree, 'CONFIG_KVM=y\n')).not.toBe(edited);
	});
});

describe('kernel build: options the final config lost', () => {
	const fragment = [
		'# a comment',
		'CONFIG_KVM=y',
		'CONFIG_KVM_XEN=y',
		'CONFIG_NR_CPUS=8',
		'CONFIG_SERIAL_8250_NR_UARTS=4',
		'CONFIG_CMDLINE="console=ttyS0"',
		'# CONFIG_SLUB_TINY is not set',
		'CONFIG_MODULES=n',
		'',
	].join('\n');

	test('none when every option came through as asked', () => {
		const config = [
			'CONFIG_KVM=y',
			'CONFIG_KVM_XEN=y',
			'CONFIG_NR_CPUS=8',
			'CONFIG_SERIAL_8250_NR_UARTS=4',
			'CONFIG_CMDLINE="console=ttyS0"',
			'# CONFIG_MODULES is not set',
		].join('\n');
		expect(droppedOptions(fragment, config)).toEqual([]);
	});

	test('missing, changed or turned on against the fragment, in fragment order', () => {
		const config = ['CONFIG_KVM=y', '# CONFIG_KVM_XEN is not set', 'CONFIG_NR_CPUS=64', 'CONFIG_SLUB_TINY=y', 'CONFIG_MODULES=y'].join('\n');
		expect(droppedOptions(fragment, config)).toEqual([
			'CONFIG_KVM_XEN=y',
			'CONFIG_NR_CPUS=8',
			'CONFIG_SERIAL_8250_NR_UARTS=4',
			'CONFIG_CMDLINE="console=ttyS0"',
			'CONFIG_SLUB_TINY=n',
			'CONFIG_MODULES=n',
		]);
	});

	test('a later fragment line wins, as in Kconfig', () => {
		expect(droppedOptions('CONFIG_KVM=m\nCONFIG_KVM=y\n', 'CONFIG_KVM=y\n')).toEqual([]);
	});
});

describe('kernel build: the steps, with a stand-in kbuild', () => {
	test('configures, reports what olddefconfig dropped, builds, then reuses the image', async () => {
		const fragment = fragmentFile('CONFIG_64BIT=y\nCONFIG_KVM=y\nCONFIG_KVM_XEN=y\n');
		const { req, lines, buildDir } = request(fixture('fake-kbuild'), fragment);
		const log = join(buildDir, 'build.log');
		const built = await buildKernel(req);
		expect(built).toMatchObject({
			image: join(buildDir, 'arch/x86/boot/bzImage'),
			release: '6.99.0-fake',
			cached: false,
			log,
			droppedOptions: ['CONFIG_KVM_XEN=y'],
		});
		expect(lines).toEqual([
			`kernel build: Linux 6.99.0 from ${fixture('fake-kbuild')} into ${buildDir}`,
			'kernel build: make tinyconfig',
			`kernel build: merge_config.sh ${fragment}`,
			'kernel build: make olddefconfig',
			'kernel build: olddefconfig dropped 1 option(s) of the fragment (unmet dependencies?): CONFIG_KVM_XEN=y',
			`kernel build: make -j1 bzImage (log: ${log})`,
		]);
		expect(readFileSync(log, 'utf8')).toContain('  CC      arch/x86/kvm/x86.o');
		expect(existsSync(join(fixture('fake-kbuild'), '.config'))).toBe(false);

		lines.length = 0;
		const again = await buildKernel(req);
		expect(again).toMatchObject({ image: built.image, release: '6.99.0-fake', cached: true, log, droppedOptions: ['CONFIG_KVM_XEN=y'] });
		expect(lines).toEqual([]);

		const rebuilt = await buildKernel({ ...req, rebuild: true });
		expect(rebuilt.cached).toBe(false);
	});

	test('a fragment without KVM is refused after olddefconfig', async () => {
		const fragment = fragmentFile('CONFIG_64BIT=y\n');
		const { req, buildDir } = request(fixture('fake-kbuild'), fragment);
		const error = await rejection(buildKernel(req));
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe(`the config has no CONFIG_KVM=y after olddefconfig: ${fragment} does not enable it (config: ${buildDir}/.config)`);
		expect(existsSync(join(buildDir, '.fkt-kernel-done'))).toBe(false);
	});

	test('a failing step is an infrastructure error naming the step, the reason and the kept log', async () => {
		const { req, buildDir } = request(fixture('tinyconfig-fails'), fragmentFile('CONFIG_KVM=y\n'));
		const log = join(buildDir, 'build.log');
		const error = await rejection(buildKernel(req));
		expect(error).toBeInstanceOf(InfrastructureError);
		expect(error.message).toBe(`kernel build failed at 'tinyconfig': scripts/kconfig/conf.c:12:1: error: expected ';' before '}' token (log: ${log})`);
		expect(readFileSync(log, 'utf8')).toContain(`$ make -C ${fixture('tinyconfig-fails')} O=${buildDir} tinyconfig`);
		expect(existsSync(join(buildDir, '.fkt-kernel-done'))).toBe(false);
	});

	test('without --build-dir the build lands in the cache under the first 16 hex digits of the key', async () => {
		const fragmentText = 'CONFIG_KVM=y\n';
		const { req } = request(fixture('fake-kbuild'), fragmentFile(fragmentText), { buildDir: undefined });
		const key = await kernelBuildKey(fixture('fake-kbuild'), fragmentText);
		const built = await buildKernel(req);
		expect(built.image).toBe(join(req.cacheDir, 'kernels', key.slice(0, 16), 'arch/x86/boot/bzImage'));
		expect(readFileSync(join(req.cacheDir, 'kernels', key.slice(0, 16), '.fkt-kernel-done'), 'utf8')).toBe(key);
	});
});

describe('kernel build: the command', () => {
	async function cli(args: string[]): Promise<string[]> {
		const printed: string[] = [];
		const program = new Command().exitOverride();
		addKernelCommand(program, (l) => printed.push(l));
		await program.parseAsync(['kernel', 'build', ...args], { from: 'user' });
		return printed;
	}

	test('progress, then one summary line and the log; cached the second time', async () => {
		const buildDir = join(tempDir(), 'build');
		const args = [
			'--tree',
			fixture('fake-kbuild'),
			'--config-fragment',
			fragmentFile('CONFIG_KVM=y\n'),
			'--build-dir',
			buildDir,
			'-j',
			'1',
			'--cache',
			tempDir(),
		];
		const first = await cli(args);
		expect(first.at(-3)).toBe(`kernel build: make -j1 bzImage (log: ${buildDir}/build.log)`);
		expect(first.at(-2)).toMatch(new RegExp(`^bzImage: ${buildDir}/arch/x86/boot/bzImage \\(Linux 6\\.99\\.0-fake, built in \\d+s\\)$`));
		expect(await cli(args)).toEqual([`bzImage: ${buildDir}/arch/x86/boot/bzImage (Linux 6.99.0-fake, cached)`, `log: ${buildDir}/build.log`]);
	});

	test('bad --jobs', async () => {
		await expect(cli(['--tree', fixture('fake-kbuild'), '-j', '0'])).rejects.toThrow("bad --jobs '0': expected a number of parallel jobs from 1 to 999");
	});
});
