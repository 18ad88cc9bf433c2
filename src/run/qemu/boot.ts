// One boot of the kernel under test in QEMU: an initramfs with our init, the plan and the binaries;
// the kernel's console goes to a log file (ttyS0), the init's protocol and the binaries' output come
// back on ttyS1 (QEMU's stdout) and are handed on line by line as they arrive. A panic, a silent
// guest, the deadline or a QEMU failure end the boot promptly; what finished is kept.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InfrastructureError } from '../../errors.js';
import { qemuAccelOption } from './accel.js';
import { buildGuestInit, parseGuestLine, planText, writeInitramfs, type GuestEvent } from './initramfs.js';
import type { KernelImage } from './kernel-image.js';

export interface QemuTarget {
	readonly qemu: string;
	readonly accel: 'kvm' | 'tcg';
	readonly cpu: string;
	readonly kernel: KernelImage;
	readonly memoryMiB: number;
	readonly smp: number;
	/** Initramfs and boot logs go here (the output folder's logs/qemu). */
	readonly workDir: string;
	readonly cacheDir: string;
	readonly caseTimeoutMs: number;
	readonly progress: (line: string) => void;
}

export interface GuestExec {
	readonly id: string;
	/** The binary on this machine; it goes into the initramfs under /fkt/bin. */
	readonly hostPath: string;
	readonly args: readonly string[];
}

export interface BootListener {
	readonly onBegin: (id: string) => void;
	readonly onOutput: (id: string, line: string) => void;
	readonly onEnd: (id: string, event: Extract<GuestEvent, { kind: 'end' }>, kmsg: readonly string[]) => void;
}

/** How a boot ended. */
export type BootEnd =
	| { readonly kind: 'done' }
	| { readonly kind: 'panic'; readonly line: string }
	/** evidence: the guest kernel's own word on the hang (a soft lockup, an RCU stall), if it said one. */
	| { readonly kind: 'silent'; readonly seconds: number; readonly evidence: string | null }
	| { readonly kind: 'deadline' }
	| { readonly kind: 'exited'; readonly code: number | null; readonly signal: string | null };

export interface BootRecord {
	readonly end: BootEnd;
	/** The execution that had begun and not ended when the boot ended, if any. */
	readonly running: string | null;
	readonly release: string | null;
	readonly consoleLog: string;
	readonly durationMs: number;
}

/** Time the kernel may take to boot to our init (TCG boots a distribution kernel in ~20 s). */
const BOOT_GRACE_MS = 180_000;
/** On top of the in-guest per-case timeout, before a guest that prints nothing counts as hung. */
const SILENCE_MARGIN_MS = 30_000;

let bootCount = 0;

export async function bootGuest(target: QemuTarget, execs: readonly GuestExec[], listener: BootListener, deadline: number): Promise<BootRecord> {
	const name = `boot-${++bootCount}`;
	mkdirSync(target.workDir, { recursive: true });
	const initrd = join(target.workDir, `${name}.cpio.gz`);
	const consoleLog = join(target.workDir, `${name}.console.log`);
	const dataLog = join(target.workDir, `${name}.data.log`);
	writeFileSync(dataLog, '');
	const init = await buildGuestInit(target.cacheDir);
	const guestPath = (host: string) => `fkt/bin/${basename(host)}`;
	const binaries = [...new Set(execs.map((e) => e.hostPath))];
	const modules = target.kernel.modules.map((m) => ({ host: m, guest: `fkt/modules/${basename(m)}` }));
	const plan = planText({
		data: '/dev/ttyS1',
		caseTimeoutSeconds: Math.ceil(target.caseTimeoutMs / 1000),
		modules: modules.map((m) => `/${m.guest}`),
		requireKvm: true,
		execs: execs.map((e) => ({ id: e.id, path: `/${guestPath(e.hostPath)}`, args: e.args })),
	});
	const archive = writeInitramfs(initrd, [
		{ path: 'init', mode: 0o755, source: { file: init } },
		// The kernel opens /dev/console for init's stdio before anything is mounted.
		{ path: 'dev/console', mode: 0o600, charDevice: { major: 5, minor: 1 } },
		{ path: 'fkt/plan', mode: 0o644, source: { data: plan } },
		...binaries.map((b) => ({ path: guestPath(b), mode: 0o755, source: { file: b } })),
		...modules.map((m) => ({ path: m.guest, mode: 0o644, source: { file: m.host } })),
	]);
	target.progress(
		`${name}: Linux ${target.kernel.release} in QEMU (${target.accel}, -cpu ${target.cpu}), ` +
			`${execs.length} runs, initramfs ${(archive.bytes / 1048576).toFixed(1)} MiB`,
	);
	const started = Date.now();
	const argv = [
		'-accel',
		qemuAccelOption(target.accel),
		'-cpu',
		target.cpu,
		'-m',
		String(target.memoryMiB),
		'-smp',
		String(target.smp),
		'-nodefaults',
		'-no-reboot',
		'-display',
		'none',
		'-monitor',
		'none',
		'-kernel',
		target.kernel.image,
		'-initrd',
		initrd,
		'-append',
		'console=ttyS0 panic=-1 loglevel=5',
		'-serial',
		`file:${consoleLog}`,
		'-serial',
		'stdio',
	];
	return new Promise((resolve, reject) => {
		const qemu = spawn(target.qemu, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		let partial = '';
		let stderr = '';
		let running: string | null = null;
		let release: string | null = null;
		let kmsg: string[] = [];
		let finished: BootEnd | null = null;
		let lastData = started;
		let sawStart = false;
		let infra: string | null = null;
		const stop = (end: BootEnd) => {
			finished ??= end;
			try {
				process.kill(-qemu.pid!, 'SIGKILL');
			} catch {
				// QEMU is gone already.
			}
		};
		const onLine = (line: string) => {
			const event = parseGuestLine(line);
			if (!event) {
				if (running) listener.onOutput(running, line);
				return;
			}
			switch (event.kind) {
				case 'start':
					sawStart = true;
					release = event.release;
					break;
				case 'module':
					// ENODEV: the module of the other CPU vendor; EEXIST: built in or loaded already.
					if (event.status === 'error' && event.error !== 'ENODEV' && event.error !== 'EEXIST')
						target.progress(`${name}: loading module ${event.name} failed with ${event.error}`);
					break;
				case 'no-kvm':
					infra = `the kernel under test has no usable KVM: opening /dev/kvm in the guest failed with ${event.error} (console log: ${consoleLog})`;
					break;
				case 'fatal':
					infra = `the guest init failed: ${event.what} (console log: ${consoleLog})`;
					break;
				case 'begin':
					running = event.id;
					kmsg = [];
					listener.onBegin(event.id);
					break;
				case 'kmsg':
					kmsg.push(event.text);
					break;
				case 'end':
					running = null;
					listener.onEnd(event.id, event, kmsg);
					kmsg = [];
					break;
				case 'done':
					finished ??= { kind: 'done' };
					break;
			}
		};
		qemu.stdout!.on('data', (chunk: Buffer) => {
			lastData = Date.now();
			appendFileSync(dataLog, chunk);
			const text = partial + chunk.toString('utf8');
			const lines = text.split('\n');
			partial = lines.pop()!;
			for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
		});
		qemu.stderr!.on('data', (chunk: Buffer) => {
			stderr = (stderr + chunk.toString('utf8')).slice(-8192);
		});
		const silentFor = () => Date.now() - lastData;
		const silenceLimit = () => (sawStart ? target.caseTimeoutMs + SILENCE_MARGIN_MS : BOOT_GRACE_MS);
		const watchdog = setInterval(() => {
			if (Date.now() >= deadline) stop({ kind: 'deadline' });
			else if (silentFor() > silenceLimit()) {
				// Timers run before I/O in Node's loop: after a stall of this process the guest's output may
				// be waiting in the pipe. Look again once it has been read.
				setImmediate(() => {
					if (!finished && silentFor() > silenceLimit())
						stop({ kind: 'silent', seconds: Math.round(silentFor() / 1000), evidence: consoleLine(consoleLog, HANG) });
				});
			}
		}, 250);
		qemu.on('error', (error) => {
			clearInterval(watchdog);
			reject(new InfrastructureError(`cannot start ${target.qemu}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
		});
		qemu.on('close', (code, signal) => {
			clearInterval(watchdog);
			if (partial) onLine(partial);
			const panic = consoleLine(consoleLog, PANIC);
			const end: BootEnd = finished ?? (panic ? { kind: 'panic', line: panic } : { kind: 'exited', code, signal });
			if (infra) return reject(new InfrastructureError(infra));
			if (!sawStart && end.kind !== 'deadline') {
				const why =
					end.kind === 'panic'
						? `the kernel panicked: ${end.line}`
						: end.kind === 'silent'
							? `no sign of our init after ${end.seconds} s`
							: qemuFailure(stderr, code);
				return reject(new InfrastructureError(`booting ${target.kernel.image} failed: ${why} (console log: ${consoleLog})`));
			}
			resolve({ end, running, release, consoleLog, durationMs: Date.now() - started });
		});
	});
}

const PANIC = /Kernel panic/;
const HANG = /soft lockup|rcu_\w+ detected stalls|blocked for more than|hard LOCKUP/;

/** The first console line matching the pattern, without its timestamp. */
function consoleLine(consoleLog: string, pattern: RegExp): string | null {
	let text = '';
	try {
		text = readFileSync(consoleLog, 'utf8');
	} catch {
		return null;
	}
	const line = text.split('\n').find((l) => pattern.test(l));
	return line ? line.replace(/^\[\s*[\d.]+\]\s*/, '').trim() : null;
}

function qemuFailure(stderr: string, code: number | null): string {
	const last = stderr.trim().split('\n').filter(Boolean).at(-1);
	return last ? `QEMU: ${last.trim()}` : `QEMU exited with ${code} before the guest started`;
}
