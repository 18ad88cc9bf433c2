// --accel auto picks KVM only where this machine's KVM runs guests natively, and says why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { chooseAccel, defaultCpu, kvmBackend, parseAccel, qemuAccelOption } from '../../../src/run/qemu/accel.js';
import { tempDir } from '../../helpers.js';

describe('accelerator', () => {
	test.each([
		['vmx', true, { accel: 'kvm', why: 'KVM backend vmx' }],
		['svm', true, { accel: 'kvm', why: 'KVM backend svm' }],
		['pvm', true, { accel: 'tcg', why: "this machine's KVM backend is PVM, which emulates guest code" }],
		[null, true, { accel: 'tcg', why: 'no kvm_intel or kvm_amd module is loaded' }],
		['vmx', false, { accel: 'tcg', why: '/dev/kvm is missing or not usable' }],
	] as const)('auto with backend %s, /dev/kvm usable %s', (backend, usable, expected) => {
		expect(chooseAccel('auto', backend, usable)).toEqual(expected);
	});

	test('an explicit choice is kept, but kvm needs /dev/kvm', () => {
		expect(chooseAccel('tcg', 'vmx', true)).toEqual({ accel: 'tcg', why: 'asked for' });
		expect(chooseAccel('kvm', 'pvm', true)).toEqual({ accel: 'kvm', why: 'asked for' });
		expect(() => chooseAccel('kvm', 'vmx', false)).toThrow('--accel kvm: /dev/kvm is missing or not usable by this user');
	});

	test('the CPU model follows the accelerator; unknown accelerators are named', () => {
		expect([defaultCpu('kvm'), defaultCpu('tcg')]).toEqual(['host', 'max']);
		expect(() => parseAccel('hvf')).toThrow("unknown --accel 'hvf' (known: auto, kvm, tcg)");
	});

	test('TCG runs all vCPUs in one thread (MTTCG executed stale kernel text after text_poke_bp)', () => {
		expect([qemuAccelOption('kvm'), qemuAccelOption('tcg')]).toEqual(['kvm', 'tcg,thread=single']);
	});
});

describe('KVM backend from /sys/module', () => {
	function sysModule(modules: string[], vendor: string) {
		const dir = tempDir('fkt-sys-');
		for (const m of modules) mkdirSync(join(dir, 'module', m), { recursive: true });
		writeFileSync(join(dir, 'cpuinfo'), `processor\t: 0\nvendor_id\t: ${vendor}\n`);
		return kvmBackend(join(dir, 'module'), join(dir, 'cpuinfo'));
	}

	test.each([
		[['kvm', 'kvm_intel'], 'GenuineIntel', 'vmx'],
		[['kvm', 'kvm_amd'], 'AuthenticAMD', 'svm'],
		[['kvm', 'kvm_intel', 'kvm_amd'], 'AuthenticAMD', 'svm'],
		[['kvm', 'kvm_intel', 'kvm_amd'], 'GenuineIntel', 'vmx'],
		[['kvm', 'kvm_pvm', 'kvm_intel'], 'AuthenticAMD', 'pvm'],
		[[], 'GenuineIntel', null],
	] as const)('modules %j on %s: %s', (modules, vendor, backend) => {
		expect(sysModule([...modules], vendor)).toBe(backend);
	});
});
