// `kernel build`: a minimal KVM host bzImage from a kernel tree, built out of tree and cached.
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { SHIPPED_FRAGMENT, buildKernel, debianKernelSource } from '../build/kernel.js';
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
			const jobs = parseJobs(o.jobs);
			const debian = /^debian:(.+)$/.exec(o.tree);
			const tree = debian ? await debianKernelSource(debian[1]!, o.cache, print) : o.tree;
			const result = await buildKernel({
				tree,
				fragment: o.configFragment ?? SHIPPED_FRAGMENT,
				...(o.buildDir ? { buildDir: o.buildDir } : {}),
				cacheDir: o.cache,
				jobs,
				rebuild: o.rebuild === true,
				progress: print,
			});
			printKernelBuild(print, result);
		});
}
