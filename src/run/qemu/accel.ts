// Which QEMU and which accelerator a run uses: KVM where this machine's KVM runs guests natively
// (kvm_intel, kvm_amd), TCG otherwise; installs Debian's qemu-system-x86 when QEMU is missing.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { runCommand } from '../../command.js';
import { InfrastructureError, UsageError } from '../../errors.js';
import { aptInstall } from '../../tree/prepare.js';

export const ACCELS = ['auto', 'kvm', 'tcg'] as const;
export type AccelChoice = (typeof ACCELS)[number];

export interface Accel {
	readonly accel: 'kvm' | 'tcg';
	readonly why: string;
}

const MINUTE = 60_000;
const QEMU = 'qemu-system-x86_64';

export function parseAccel(text: string): AccelChoice {
	if (!(ACCELS as readonly string[]).includes(text)) throw new UsageError(`unknown --accel '${text}' (known: ${ACCELS.join(', ')})`);
	return text as AccelChoice;
}

/** The running KVM backend, as /sys/module shows it (both vendor modules when built in: the CPU decides). */
export function kvmBackend(sysModule = '/sys/module', cpuinfo = '/proc/cpuinfo'): 'vmx' | 'svm' | 'pvm' | null {
	if (existsSync(`${sysModule}/kvm_pvm`)) return 'pvm';
	const intel = existsSync(`${sysModule}/kvm_intel`);
	const amd = existsSync(`${sysModule}/kvm_amd`);
	if (intel && amd) return /^vendor_id\s*:\s*GenuineIntel$/m.test(readFileSync(cpuinfo, 'utf8')) ? 'vmx' : 'svm';
	return intel ? 'vmx' : amd ? 'svm' : null;
}

function kvmUsable(): boolean {
	try {
		accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
		return true;
	} catch {
		return false;
	}
}

export function chooseAccel(choice: AccelChoice, backend = kvmBackend(), usable = kvmUsable()): Accel {
	if (choice === 'tcg') return { accel: 'tcg', why: 'asked for' };
	if (choice === 'kvm') {
		if (!usable) throw new UsageError('--accel kvm: /dev/kvm is missing or not usable by this user');
		return { accel: 'kvm', why: 'asked for' };
	}
	if (!usable) return { accel: 'tcg', why: '/dev/kvm is missing or not usable' };
	// PVM runs every guest instruction in KVM's emulator: a booted kernel would crawl.
	if (backend === 'pvm') return { accel: 'tcg', why: "this machine's KVM backend is PVM, which emulates guest code" };
	if (backend === null) return { accel: 'tcg', why: 'no kvm_intel or kvm_amd module is loaded' };
	return { accel: 'kvm', why: `KVM backend ${backend}` };
}

/** The CPU model when none is given: the host's with KVM, TCG's most complete otherwise. */
export function defaultCpu(accel: Accel['accel']): string {
	return accel === 'kvm' ? 'host' : 'max';
}

/**
 * The -accel value for QEMU. TCG runs single-threaded: with one host thread per vCPU (MTTCG, the
 * default for x86 guests) QEMU 7.2 can go on executing a translation of kernel text that another
 * vCPU has since rewritten. The guest kernel flips static keys at run time with text_poke_bp(),
 * which puts an INT3 on the site first; KVM does it on every VM creation and destruction
 * (preempt_notifier_key, patched in finish_task_switch()). A vCPU that keeps the stale INT3 traps,
 * the kernel sees the byte is no INT3 any more and restarts the instruction (kprobe_int3_handler),
 * and it traps again: both vCPUs loop in the #BP handler, the guest goes silent with soft lockups
 * and RCU stalls, memory holding the patched instruction all along. One thread for all vCPUs
 * keeps QEMU's code invalidation in step with the writes.
 */
export function qemuAccelOption(accel: Accel['accel']): string {
	return accel === 'tcg' ? 'tcg,thread=single' : accel;
}

/** The QEMU binary to run: --qemu, or qemu-system-x86_64 on PATH, installed from Debian when missing. */
export async function findQemu(path: string | undefined, progress: (line: string) => void): Promise<string> {
	if (path) {
		if (!(await works(path))) throw new UsageError(`--qemu ${path} is not a working QEMU (it does not answer --version)`);
		return path;
	}
	if (await works(QEMU)) return QEMU;
	if (process.getuid?.() !== 0) throw new InfrastructureError(`${QEMU} is not installed: apt-get install qemu-system-x86`);
	await aptInstall('qemu-system-x86', { progress });
	if (!(await works(QEMU))) throw new InfrastructureError(`${QEMU} is still missing after apt-get install qemu-system-x86`);
	return QEMU;
}

async function works(qemu: string): Promise<boolean> {
	const result = await runCommand([qemu, '--version'], { timeoutMs: MINUTE });
	return result.code === 0 && /QEMU emulator/.test(result.output);
}
