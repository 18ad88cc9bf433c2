// Turns the command line's QEMU options into a bootable target: the kernel image (a file, or Debian's
// package), the QEMU binary, the accelerator and CPU model, and where its logs go.
import { layout } from '../../emit/layout.js';
import type { AccelChoice } from './accel.js';
import { chooseAccel, defaultCpu, findQemu } from './accel.js';
import type { QemuTarget } from './boot.js';
import { resolveKernelImage } from './kernel-image.js';

export interface QemuOptions {
	/** A bzImage path, or debian:6.1 for Debian's prebuilt kernel with its KVM modules. */
	readonly kernelImage: string;
	readonly accel: AccelChoice;
	readonly cpu?: string;
	readonly qemu?: string;
	readonly memoryMiB: number;
	readonly smp: number;
	readonly cacheDir: string;
}

export async function prepareQemuTarget(options: QemuOptions, outDir: string, caseTimeoutMs: number, progress: (line: string) => void): Promise<QemuTarget> {
	const kernel = await resolveKernelImage(options.kernelImage, options.cacheDir, progress);
	const qemu = await findQemu(options.qemu, progress);
	const accel = chooseAccel(options.accel);
	const cpu = options.cpu ?? defaultCpu(accel.accel);
	progress(`kernel under test: ${kernel.image} (Linux ${kernel.release}); QEMU accelerator ${accel.accel} (${accel.why}), -cpu ${cpu}`);
	return {
		qemu,
		accel: accel.accel,
		cpu,
		kernel,
		memoryMiB: options.memoryMiB,
		smp: options.smp,
		workDir: layout.qemuLogs(outDir),
		cacheDir: options.cacheDir,
		caseTimeoutMs,
		progress,
	};
}
