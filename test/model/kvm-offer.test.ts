// The platform's two halves: what the CPU and host x86/fpu offer, and what KVM offers guests. Shipped
// profiles derive the KVM side by the mainline rule; probed hosts carry what KVM reported. Both CPU
// variants of the PVM machines are asserted through their real probe reports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { skipReason } from '../../src/emit/expected.js';
import { evaluate, platformFromProbe, platformSchema, probeSchema, revision, toPlatform, type Op, type Platform } from '../../src/model/index.js';
import {
	LEAF_D_NO_AMX,
	capXsave2,
	createVcpu,
	getGuestPerm,
	getXsave2,
	osxsave,
	rdmsr,
	reqGuest,
	setCpuid,
	supportedCpuid,
	platform as shipped,
} from './contract-harness.js';

const REPO = join(import.meta.dirname, '../..');

function probed(name: string): Platform {
	const probe = probeSchema.parse(JSON.parse(readFileSync(join(REPO, 'test/fixtures/probe', name), 'utf8')));
	return toPlatform(platformSchema.parse(platformFromProbe(probe)));
}

const outcomes = (on: Platform, ops: readonly Op[]) => evaluate(ops, on, revision('mainline')).results.map((r) => r.outcome);
const libraryVcpu: Op = { op: 'vm.create_vcpu', library: true };

describe('the KVM side of the shipped profiles follows the mainline rule', () => {
	test.each([
		['spr', { xcr0: 0x602e7n, xfd: true, amx: true, xsave: true, xfdMsrs: true, measured: false }],
		// SVM drops MPX from supported_xcr0 (svm.c:5499).
		['tcg-max', { xcr0: 0x207n, xfd: false, amx: false, xsave: true, xfdMsrs: false, measured: false }],
		['zen1-avx', { xcr0: 0x7n, xfd: false, amx: false, xsave: true, xfdMsrs: false, measured: false }],
	] as const)('%s', (id, kvm) => {
		expect(shipped(id).kvm).toEqual(kvm);
	});
});

describe('Intel Xeon with AMX under PVM (probe report of such a machine)', () => {
	const intel = probed('intel-amx-pvm.json');

	test('the CPU side has AMX and XFD, the KVM side offers 0x2e7 and neither', () => {
		expect([intel.userMax, intel.hasAmx, intel.hasXfd]).toEqual([0x602e7n, true, true]);
		expect(intel.kvm).toEqual({ xcr0: 0x2e7n, xfd: false, amx: false, xsave: false, xfdMsrs: false, measured: true });
	});

	test('the host grants the guest permission; KVM_GET_SUPPORTED_CPUID 0xD.0 stays 0x2e7 without XFD', () => {
		const [req, perm, leafD] = outcomes(intel, [reqGuest(18), getGuestPerm(), supportedCpuid]);
		expect(req).toEqual({ ret: '0' });
		expect(perm).toEqual({ ret: '0', value: '0x602e7' });
		expect(leafD).toEqual(LEAF_D_NO_AMX);
		expect(leafD).toMatchObject({ 'd0.eax': '0x2e7', 'd1.eax.xfd': '0' });
	});

	test('KVM_CAP_XSAVE2 stays 4096 after the guest permission', () => {
		expect(outcomes(intel, [capXsave2, reqGuest(18), capXsave2])).toEqual([{ value: '4096' }, { ret: '0' }, { value: '4096' }]);
	});

	test('XTILEDATA in the CPUID under permission still reallocates the host fpstate (a host-side path)', () => {
		const o = outcomes(intel, [reqGuest(18), createVcpu, setCpuid('supported-plus-xtile'), getXsave2()]);
		expect(o[2]).toEqual({ ret: '0', 'leafd.xcr0': '0x602e7' });
		expect(o[3]).toMatchObject({ ret: '0', size: '11008' });
	});

	test('a guest RDMSR of IA32_XFD #GPs: the CPUID KVM offers has no XFD', () => {
		expect(outcomes(intel, [reqGuest(18), libraryVcpu, osxsave, rdmsr('XFD')]).slice(2)).toEqual([{ vector: 'GP' }, { vector: 'GP' }]);
	});

	test('cases needing AMX or XFD in KVM are skipped, naming what KVM lacks', () => {
		const c = { id: 'x', family: 'f', title: 't', origin: 'regression' as const, requires: ['amx', 'xfd', 'guest'] as const, steps: [] };
		expect(skipReason(c, intel)).toBe('platform host lacks AMX in KVM, XFD in KVM');
	});
});

describe('Intel Xeon without AMX under PVM (this kind of machine, probed here)', () => {
	const icelake = probed('icelake-pvm.json');

	test('both sides are 0xe7; no PKRU, so nothing beyond the guest XCR0 appears after KVM_RUN', () => {
		expect(icelake.userMax).toBe(0xe7n);
		expect(icelake.kvm).toMatchObject({ xcr0: 0xe7n, xfd: false, amx: false, xfdMsrs: false, measured: true });
		const o = outcomes(icelake, [libraryVcpu, osxsave, getXsave2()]);
		expect(o[2]).toEqual({ ret: '0', size: '4096', xstate_bv: 'bits:must=0x0,may=0x3' });
	});
});

describe('a vCPU made by the selftests library starts with the cached supported CPUID', () => {
	test('a refused KVM_SET_CPUID2 leaves the library CPUID in force: GSX stays the default supported XCR0', () => {
		// spr, no permission: XTILEDATA in the CPUID is -EPERM, and the guest may still XSETBV(0x2e7).
		const ops: Op[] = [libraryVcpu, setCpuid('supported-plus-xtile'), osxsave, { op: 'guest.xsetbv', ecx: 0, xcr0: '0x2e7' }];
		const [, refused, , xsetbv] = outcomes(shipped('spr'), ops);
		expect(refused).toEqual({ ret: '-EPERM', 'leafd.xcr0': '0x602e7' });
		expect(xsetbv).toEqual({ vector: 'none' });
	});

	test('without the library the same XSETBV #GPs: no CPUID was ever set (GSX 0)', () => {
		const ops: Op[] = [createVcpu, setCpuid('supported-plus-xtile'), osxsave, { op: 'guest.xsetbv', ecx: 0, xcr0: '0x2e7' }];
		expect(outcomes(shipped('spr'), ops)[3]).toEqual({ vector: 'GP' });
	});
});

describe("the library's CPUID cache is filled by the process's first VM, after the case's permission requests", () => {
	const xsetbvAmx: Op = { op: 'guest.xsetbv', ecx: 0, xcr0: '0x602e7' };

	test('guest permission first: the library vCPU has XTILEDATA in leaf 0xD, the fpstate grows, the guest may enable AMX', () => {
		const o = outcomes(shipped('spr'), [reqGuest(18), libraryVcpu, osxsave, xsetbvAmx, getXsave2()]);
		expect(o.slice(1)).toEqual([{ ret: '0' }, { vector: 'none' }, { vector: 'none' }, { ret: '0', size: '11008', xstate_bv: 'bits:must=0x0,may=0x602e7' }]);
	});

	test('no permission before the first VM: the cache has no AMX and the guest cannot enable it', () => {
		expect(outcomes(shipped('spr'), [libraryVcpu, osxsave, xsetbvAmx])).toEqual([{ ret: '0' }, { vector: 'none' }, { vector: 'GP' }]);
	});

	test('a forked child inherits the cache its parent filled, even where fork resets the permission', () => {
		const o = outcomes(shipped('spr'), [reqGuest(18), createVcpu, { op: 'fork' }, libraryVcpu, osxsave, xsetbvAmx]);
		expect(o.slice(2)).toEqual([{ ret: '0' }, { ret: '0' }, { vector: 'none' }, { vector: 'none' }]);
	});
});

describe('PKRU after KVM_RUN', () => {
	test('on a PKU host XSTATE_BV may have PKRU whatever the guest XCR0 (host PKRU saved into the guest fpstate)', () => {
		const o = outcomes(shipped('spr'), [libraryVcpu, osxsave, getXsave2()]);
		expect(o[2]).toEqual({ ret: '0', size: '4096', xstate_bv: 'bits:must=0x0,may=0x203' });
	});

	test('without a guest run nothing but x87/SSE may be reported', () => {
		expect(outcomes(shipped('spr'), [libraryVcpu, getXsave2()])[1]).toEqual({ ret: '0', size: '4096', xstate_bv: 'bits:must=0x0,may=0x3' });
	});
});
