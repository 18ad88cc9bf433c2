// §0 v5.16: plain 5.16 is the fpu-kvm-v1 column without the seed series. Everything the series
// does not touch is the same; the guest permission prctls, the vCPU lock and the post-run
// KVM_SET_CPUID2 rule of the 5.16.y line are not.
import { describe, expect, test } from 'vitest';
import { evaluate, revision, type Op } from '../../src/model/index.js';
import {
	capXsave2,
	createVcpu,
	deviceAttr,
	fork,
	getGuestPerm,
	getPerm,
	getXsave,
	platform,
	reqGuest,
	reqPerm,
	run,
	setCpuid,
	supportedCpuid,
} from './contract-harness.js';

const V5_16 = 'v5.16' as const;
const osxsave: Op = { op: 'guest.set_cr4_osxsave', enable: true };
const libraryVcpu: Op = { op: 'vm.create_vcpu', library: true };

describe('v5.16 against the seed branch', () => {
	test('ARCH_GET/REQ_XCOMP_GUEST_PERM are unknown options: -EINVAL', () => {
		expect(run(V5_16, [getGuestPerm(), reqGuest(18)])).toEqual([{ ret: '-EINVAL' }, { ret: '-EINVAL' }]);
		expect(run('fpu-kvm-v1', [getGuestPerm()])).toEqual([{ ret: '0', value: '0x202e7' }]);
	});

	test('the host permission request overwrites (§4 #1) and a fork copies it', () => {
		expect(run(V5_16, [reqPerm(18), getPerm(), fork, getPerm()])).toEqual([
			{ ret: '0' },
			{ ret: '0', value: '0x40000' },
			{ ret: '0' },
			{ ret: '0', value: '0x40000' },
		]);
	});

	test('KVM knows no AMX: no KVM_CAP_XSAVE2, no device attribute, no XTILE in the supported CPUID', () => {
		const [cap, attr, leaf] = run(V5_16, [capXsave2, deviceAttr(0, 0), supportedCpuid]);
		expect([cap, attr]).toEqual([{ value: '0' }, { ret: '-EINVAL' }]);
		expect(leaf!['d0.eax']).toBe('0x2e7');
	});

	test('KVM_SET_CPUID2 after KVM_RUN: identical entries 0, others -EINVAL (5.16.y); the branch leaves it open', () => {
		const ops: Op[] = [libraryVcpu, osxsave, setCpuid('same-as-current'), setCpuid('no-xsave')];
		expect(
			run(V5_16, ops)
				.slice(2)
				.map((o) => o.ret),
		).toEqual(['0', '-EINVAL']);
		expect(
			run('fpu-kvm-v1', ops)
				.slice(2)
				.map((o) => o.ret),
		).toEqual(['*', '*']);
	});

	test('a sequence without guest permission prctls or a post-run KVM_SET_CPUID2 has the same outcomes', () => {
		const ops: Op[] = [reqPerm(18), getPerm(), createVcpu, setCpuid('supported-plus-xtile'), getXsave(), fork, supportedCpuid];
		const rules = (id: 'v5.16' | 'fpu-kvm-v1') => evaluate(ops, platform('spr'), revision(id)).results.map((r) => [r.rule, r.outcome]);
		expect(rules(V5_16)).toEqual(rules('fpu-kvm-v1'));
	});
});
