// `kernel build`: a minimal KVM host bzImage from a kernel tree, built out of tree and cached.
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { SHIPPED_FRAGMENT, buildKernel, checkKernelTree, debianKernelSource, readFragment } from '../build/kernel.js';
import { assertMakeSafePath } from '../command.js';
import { UsageError } from '../errors.js';
import { printKernelBuild, type Print } from '../report/console.js';
import { defaultCacheDir } from '../tree/prepare.js';
import { parseJobs } from './inputs.js';

interface KernelBuildOptions {
	tree: string;
	configFragment?: string;
	buildDir?: string;
	jobs: string;
	rebuild?: boolean;
	cache: string;
}

export function addKernelCommand(cli: Command, print: Print): void {
	const kernel = cli.command('kernel').description('kernels to run the emitted selftests in, under QEMU');
	kernel
		.command('build')
		.description('build a minimal KVM host bzImage out of tree (tinyconfig + a Kconfig fragment); the source tree stays clean')
		.requiredOption('--tree <dir>', "kernel source: a clean tree, or debian:6.12 / debian:6.1 (a pristine unpack of Debian's linux-source)")
		.option('--config-fragment <file>', 'Kconfig fragment merged on top of tinyconfig (default: the shipped configs/kvm-host-min.config)')
		.option('--build-dir <dir>', 'build folder (O=); default: one per tree, fragment and compiler in the cache')
		.option('-j, --jobs <n>', 'parallel make jobs', String(availableParallelism()))
		.option('--rebuild', 'build even when the build folder already holds this image')
		.option('--cache <dir>', 'cache folder for unpacked sources and kernel builds', defaultCacheDir())
		.action(async (o: KernelBuildOptions) => {
			// Everything the user gave is checked before a 1.7 GB unpack or a build starts.
			const jobs = parseJobs(o.jobs);
			const fragment = resolve(o.configFragment ?? SHIPPED_FRAGMENT);
			readFragment(fragment);
			const usage = (message: string) => new UsageError(message);
			assertMakeSafePath(fragment, '--config-fragment', usage);
			assertMakeSafePath(resolve(o.cache), '--cache', usage);
			if (o.buildDir) assertMakeSafePath(resolve(o.buildDir), '--build-dir', usage);
			const debian = /^debian:(.+)$/.exec(o.tree);
			if (!debian) assertMakeSafePath(resolve(o.tree), '--tree', usage);
			const tree = debian ? await debianKernelSource(debian[1]!, o.cache, print) : checkKernelTree(o.tree);
			const result = await buildKernel({
				tree,
				fragment,
				...(o.buildDir ? { buildDir: o.buildDir } : {}),
				cacheDir: o.cache,
				jobs,
				rebuild: o.rebuild === true,
				progress: print,
			});
			printKernelBuild(print, result);
		});
}
