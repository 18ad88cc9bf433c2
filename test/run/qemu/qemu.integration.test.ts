// The QEMU target for real: Debian's prebuilt 6.1 kernel (linux-image package, KVM as modules loaded
// by our init) booted under TCG. A slice of the real suite runs inside and agrees with the model; a
// test binary that segfaults or panics the guest kernel ends with the right statuses and nothing lost.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../../../src/compare/result.js';
import { runReportSchema } from '../../../src/report/json.js';
import { qemuExecutor } from '../../../src/run/qemu/executor.js';
import { prepareQemuTarget } from '../../../src/run/qemu/target.js';
import { runCli, tempDir } from '../../helpers.js';
import { fixtureSuite, runFixtureSuite, type Mode } from '../fixture-suite.js';

const TWENTY_MINUTES = 1_200_000;
// One cache for the downloaded kernel package across these tests.
const cache = tempDir('fkt-qemu-cache-');

async function runInGuest(mode: Mode): Promise<Record<string, CaseResult>> {
	const suite = fixtureSuite(mode, { static: true });
	const target = await prepareQemuTarget({ kernelImage: 'debian:6.1', accel: 'tcg', memoryMiB: 1024, smp: 1, cacheDir: cache }, suite.outDir, 30_000, () => {});
	return runFixtureSuite(suite, qemuExecutor(target), 'qemu-tcg');
}

describe('QEMU target with Debian linux-image-6.1 under TCG', () => {
	// The slice makes no KVM_RUN; every case creates and destroys VMs, which under multi-threaded TCG
	// hung the guest now and then (src/run/qemu/accel.ts says why TCG runs with thread=single).
	test(
		'check --kernel-image debian:6.1 runs a slice of the suite inside and agrees with the model',
		() => {
			const dir = tempDir('fkt-qemu-check-');
			const out = join(dir, 'out');
			const json = join(dir, 'report.json');
			const r = runCli(
				['check', '--kernel-image', 'debian:6.1', '--accel', 'auto', '--out', out, '--cache', cache, '--family', 'perm.get', 'kvm.query', '--json', json],
				{ timeoutMs: TWENTY_MINUTES },
			);
			expect(r.code, r.out.split('\n').slice(-12).join('\n')).toBe(0);
			expect(r.out).toMatch(/QEMU accelerator tcg \(/);
			expect(r.out).toMatch(/^selftests library: debian:6\.1 \(for Linux 6\.1\.0-\d+-amd64\)$/m);
			const report = runReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
			expect([report.platform, report.backend, report.target]).toEqual(['host', 'svm', 'qemu-tcg']);
			expect([report.cases.length, report.summary.PASS]).toEqual([43, 43]);
			const logs = readdirSync(join(out, 'logs', 'qemu'));
			expect(logs).toContain('boot-1.console.log');
			expect(logs.filter((n) => n.endsWith('.data.log')).length).toBe(2);
			expect(r.out.trim().split('\n').pop()).toBe('result: as expected');
		},
		TWENTY_MINUTES,
	);

	test(
		'a binary that segfaults in the guest: CRASH for that case, the rest re-run in a second boot',
		async () => {
			const r = await runInGuest('segfault');
			expect([r['case.a']!.status, r['case.b']!.status, r['case.c']!.status]).toEqual(['PASS', 'CRASH', 'PASS']);
			expect(r['case.b']!.reason).toBe('the test binary died from SIGSEGV');
		},
		TWENTY_MINUTES,
	);

	test(
		'a guest kernel panic ends the boot at once: CRASH with the panic line, the rest not run',
		async () => {
			const r = await runInGuest('panic');
			expect([r['case.a']!.status, r['case.b']!.status, r['case.c']!.status]).toEqual(['PASS', 'CRASH', 'ERROR']);
			expect(r['case.b']!.reason).toMatch(/^the guest kernel panicked: Kernel panic - not syncing: sysrq triggered crash/);
			expect(r['case.c']!.reason).toBe('not run: the guest kernel panicked during fkt_fix_panic_test');
		},
		TWENTY_MINUTES,
	);
});

describe('QEMU target: bad input', () => {
	const check = (...args: string[]) => {
		const r = runCli(['run', '--out', tempDir(), '--cache', cache, ...args], { timeoutMs: TWENTY_MINUTES });
		return { code: r.code, out: r.out.trim() };
	};

	test.each([
		['a missing bzImage', ['--kernel-image', '/nonexistent/bzImage'], 'kernel image /nonexistent/bzImage does not exist'],
		['a file that is no bzImage', ['--kernel-image', '/etc/hostname'], 'kernel image /etc/hostname is not an x86 bzImage (no boot header)'],
		['an unknown accelerator', ['--kernel-image', 'debian:6.1', '--accel', 'hvf'], "unknown --accel 'hvf' (known: auto, kvm, tcg)"],
		[
			'a QEMU that does not start',
			['--kernel-image', 'debian:6.1', '--qemu', '/bin/false'],
			'--qemu /bin/false is not a working QEMU (it does not answer --version)',
		],
	])('%s: one line, exit 2', (_name, args, message) => {
		expect(check(...args)).toEqual({ code: 2, out: `fpu-kvm-testgen: error: ${message}` });
	});

	test(
		'QEMU failing to start the guest (an unknown CPU model): its own message in one line, exit 3',
		() => {
			const r = runCli(['check', '--kernel-image', 'debian:6.1', '--cpu', 'nonsense', '--out', join(tempDir(), 'out'), '--cache', cache], {
				timeoutMs: TWENTY_MINUTES,
			});
			expect(r.code).toBe(3);
			expect(r.out.trim().split('\n').pop()).toMatch(
				/^fpu-kvm-testgen: error: booting .*vmlinuz-6\.1\.\S+ failed: QEMU: qemu-system-x86_64: unable to find CPU model 'nonsense' \(console log: .*boot-1\.console\.log\)$/,
			);
		},
		TWENTY_MINUTES,
	);

	test(
		'a kernel without KVM (Debian vmlinuz booted without its modules): one line, exit 3, console log kept',
		() => {
			const image = readdirSync(join(cache, 'kernel-images')).find((n) => n.startsWith('linux-image-6.1'));
			expect(image).toBeDefined();
			const boot = join(cache, 'kernel-images', image!, 'root', 'boot');
			const vmlinuz = join(
				boot,
				readdirSync(boot).find((n) => n.startsWith('vmlinuz-'))!,
			);
			const dir = tempDir('fkt-nokvm-');
			const r = runCli(['check', '--kernel-image', vmlinuz, '--out', join(dir, 'out'), '--cache', cache, '--family', 'perm.get'], {
				timeoutMs: TWENTY_MINUTES,
			});
			const last = r.out.trim().split('\n').pop()!;
			expect(r.code).toBe(3);
			expect(last).toMatch(
				/^fpu-kvm-testgen: error: the kernel under test has no usable KVM: opening \/dev\/kvm in the guest failed with ENOENT \(console log: .*boot-1\.console\.log\)$/,
			);
			expect(existsSync(/\(console log: (.*)\)$/.exec(last)![1]!)).toBe(true);
		},
		TWENTY_MINUTES,
	);
});
