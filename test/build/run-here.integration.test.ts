// The emitted selftests run for real on this machine's /dev/kvm (built with -mgeneral-regs-only, as
// this host's KVM emulates guest code): KTAP structure, one observation per step, the case selector,
// and outcomes that do not depend on the CPU.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

const KVM = existsSync('/dev/kvm');
const TEN_MINUTES = 600_000;

const cli = (...args: string[]) => runCli(args);

describe.skipIf(!KVM)('emitted selftests on this machine (needs /dev/kvm)', () => {
	const dir = tempDir('fkt-here-');
	const out = join(dir, 'out');
	const bin = (name: string) => join(out, 'bin/selftests-6.10', name);
	const runTest = (name: string, ...args: string[]) => spawnSync(bin(name), args, { encoding: 'utf8', timeout: 120_000 }).stdout;

	beforeAll(() => {
		// The suite of this machine: binaries generated for another platform skip every case here.
		const probe = join(dir, 'probe.json');
		expect(cli('probe', '--out', probe, '--cache', join(dir, 'cache')).code).toBe(0);
		expect(cli('generate', '--platform', 'host', '--kernel', 'host', '--probe', probe, '--out', out).code).toBe(0);
		const built = cli('build', '--tree', 'debian:6.12', '--out', out, '--cflags', '-mgeneral-regs-only');
		expect(built.code, built.out).toBe(0);
	}, TEN_MINUTES);

	test('KTAP: a plan, one result per case in order, one observation per step of every executed case', () => {
		const output = runTest('fkt_perm_get_test');
		const lines = output.split('\n');
		expect(lines).toContain('TAP version 13');
		const plan = Number(/^1\.\.(\d+)$/m.exec(output)![1]);
		const results = lines.filter((l) => /^(not )?ok \d+ /.test(l));
		expect(results).toHaveLength(plan);
		results.forEach((l, i) => expect(l).toMatch(new RegExp(`^(not )?ok ${i + 1} perm\\.get\\.`)));
		for (const r of results) {
			const id = /ok \d+ (\S+)/.exec(r)![1]!;
			const steps = lines.filter((l) => l.startsWith(`# fkt ${id} `));
			expect(steps.length, id).toBeGreaterThan(0);
			steps.forEach((l, i) => expect(l.split(' ')[3]).toBe(String(i)));
		}
	});

	test('outcomes that do not depend on the CPU match the model', () => {
		const output = runTest('fkt_perm_get_test');
		expect(output).toMatch(/^# fkt perm\.get\.supp\.bad-pointer 0 arch_prctl\.get ret=-EFAULT$/m);
		expect(output).toMatch(/^# fkt perm\.get\.unknown-option-0x1026 0 arch_prctl\.unknown ret=-EINVAL$/m);
		expect(output).toMatch(/^ok \d+ perm\.get\.supp\.bad-pointer$/m);
		const query = runTest('fkt_kvm_query_test');
		expect(query).toMatch(/^# fkt kvm\.query\.attr-bad-attr 0 kvm\.get_device_attr ret=-ENXIO$/m);
	});

	test('the case selector runs exactly one case', () => {
		const output = runTest('fkt_perm_get_test', 'perm.get.supp.bad-pointer');
		expect(output).toMatch(/^1\.\.1$/m);
		expect(output.split('\n').filter((l) => /^(not )?ok /.test(l))).toEqual(['ok 1 perm.get.supp.bad-pointer']);
	});

	test('a case that forks runs its remaining steps in the child and keeps one result line', () => {
		const output = runTest('fkt_perm_request_test', 'perm.request.feature-18.in-child');
		expect(output).toMatch(/^# fkt perm\.request\.feature-18\.in-child 0 fork ret=0$/m);
		expect(output).toMatch(/^# fkt perm\.request\.feature-18\.in-child 2 arch_prctl\.get ret=0 value=0x[0-9a-f]+$/m);
		expect(output.split('\n').filter((l) => /^(not )?ok /.test(l))).toHaveLength(1);
	});

	test('guest code runs and faults are caught: XSETBV with CR4.OSXSAVE clear is #UD', () => {
		const output = runTest('fkt_xcr0_guest_xsetbv_test', 'xcr0.guest-xsetbv.all-guest-supported.osxsave-off');
		expect(output).toMatch(/^# fkt \S+ 2 guest\.xsetbv vector=UD$/m);
	});
});
