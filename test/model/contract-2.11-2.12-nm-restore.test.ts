// docs/contract.md §2.11 (#NM with XFD armed, XFD_ERR life cycle; B and C, VMX only) and §2.12
// (save/restore). A is not tested here: it has no #NM interception and no XFD MSRs, and its KVM
// side is unspecified beyond the invariant "host XFD_ERR is 0 whenever IRQs are enabled", which is
// not a guest- or ioctl-visible value.
// Guest setup: permission, CPUID with XTILE (B GSX 0x60000, C 0x602e7), CR4.OSXSAVE, XCR0 = x87|XTILE
// (0x60001, accepted by both; B's GSX lacks SSE, §2.10).
import { describe, expect } from 'vitest';
import type { Op } from '../../src/model/index.js';
import {
	V5_17,
	WITH_KVM_AMX,
	V6_12,
	MAINLINE,
	createVcpu,
	cr0TsNm,
	getMsr,
	getXcrs,
	getXsave2,
	osxsave,
	rdmsr,
	reqGuest,
	row,
	run,
	setCpuid,
	setMsr,
	setSavedXsave,
	setXcrs,
	setXsave,
	tileLoad,
	wrmsr,
	xsetbv,
} from './contract-harness.js';

const amxGuest: readonly Op[] = [reqGuest(18), createVcpu, setCpuid('supported-plus-xtile'), osxsave, xsetbv('0x60001')];

describe('§2.11 #NM with XFD armed and the XFD_ERR life cycle', () => {
	for (const rev of WITH_KVM_AMX) {
		row(`§2.11 TILELOADD with XFD[18]=1 raises #NM and XFD_ERR[18] [${rev}]`, () => {
			const o = run(rev, [...amxGuest, wrmsr('XFD', '0x40000'), tileLoad, rdmsr('XFD_ERR'), getMsr('XFD_ERR')]);
			expect(o.slice(5)).toEqual([{ vector: 'none' }, { vector: 'NM' }, { vector: 'none', value: '0x40000' }, { nmsrs: '1', value: '0x40000' }]);
		});
		row(`§2.11 the guest handler clears XFD_ERR and XFD, then the retry succeeds [${rev}]`, () => {
			const o = run(rev, [
				...amxGuest,
				wrmsr('XFD', '0x40000'),
				tileLoad,
				wrmsr('XFD_ERR', '0x0'),
				wrmsr('XFD', '0x0'),
				tileLoad,
				getMsr('XFD_ERR'),
				rdmsr('XFD_ERR'),
			]);
			expect(o.slice(6)).toEqual([
				{ vector: 'NM' },
				{ vector: 'none' },
				{ vector: 'none' },
				{ vector: 'none' },
				{ nmsrs: '1', value: '0x0' },
				{ vector: 'none', value: '0x0' },
			]);
		});
		row(`§2.11 TILELOADD with XFD[18]=0 does not fault [${rev}]`, () => {
			const o = run(rev, [...amxGuest, tileLoad, getMsr('XFD_ERR')]);
			expect(o.slice(5)).toEqual([{ vector: 'none' }, { nmsrs: '1', value: '0x0' }]);
		});
	}
	// CR0.TS #NM leaves IA32_XFD_ERR unchanged (SDM, §3.3). C re-reads XFD_ERR when XFD != 0, but the
	// MSR holds the guest's value, so the guest sees no change (§4 #13); mainline stops re-reading.
	for (const rev of [V5_17, V6_12, MAINLINE] as const) {
		row(`§2.11 CR0.TS #NM does not change guest XFD_ERR [${rev}]`, () => {
			const o = run(rev, [...amxGuest, wrmsr('XFD', '0x40000'), tileLoad, cr0TsNm, rdmsr('XFD_ERR'), getMsr('XFD_ERR')]);
			expect(o.slice(6)).toEqual([{ vector: 'NM' }, { vector: 'NM' }, { vector: 'none', value: '0x40000' }, { nmsrs: '1', value: '0x40000' }]);
		});
		row(`§2.11 CR0.TS #NM with XFD armed and XFD_ERR clear keeps it clear [${rev}]`, () => {
			const o = run(rev, [...amxGuest, wrmsr('XFD', '0x40000'), cr0TsNm, rdmsr('XFD_ERR')]);
			expect(o.slice(6)).toEqual([{ vector: 'NM' }, { vector: 'none', value: '0x0' }]);
		});
	}
});

describe('§2.12 save/restore', () => {
	// Producer: XSTATE_BV[i] = 0 whenever guest XFD[i] = 1. After LDTILECFG/TILELOADD both tile
	// components hold data; with XFD[18] armed only XTILECFG is reported. x87/SSE may be in use.
	// Mask: B user_xfeatures = GSX = 0x60000; C user_xfeatures & (GSX|FP|SSE) = 0x602e7. Tile data
	// area with XSTATE_BV[18]=0: zeros in C, unspecified before 471f0aa7fa64 (B, §4 #11 UNCONFIRMED).
	// PKRU (0x200) may be in use after any KVM_RUN on a PKU host: C's mask lets it through.
	const armed = {
		[V5_17]: { ret: '0', size: '11008', xstate_bv: '0x20000', tiledata: '*' },
		[V6_12]: { ret: '0', size: '11008', xstate_bv: 'bits:must=0x20000,may=0x203', tiledata: 'zero' },
	};
	for (const rev of WITH_KVM_AMX) {
		row(`§2.12 KVM_GET_XSAVE2 reports XSTATE_BV[18]=0 while XFD[18]=1 [${rev}]`, () => {
			const o = run(rev, [...amxGuest, tileLoad, wrmsr('XFD', '0x40000'), getXsave2()]);
			expect(o.slice(5)).toEqual([{ vector: 'none' }, { vector: 'none' }, armed[rev]]);
		});
	}
	// Consumer order: KVM_SET_CPUID2 (with AMX) must precede KVM_SET_XSAVE(bit 18), KVM_SET_XCRS(XTILE)
	// and KVM_SET_MSRS(XFD != 0); each fails before it.
	for (const rev of WITH_KVM_AMX) {
		row(`§2.12 restore before KVM_SET_CPUID2 fails [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setXsave('0x40000'), setXcrs('0x60001'), setMsr('XFD', '0x40000')]);
			expect(o.slice(2)).toEqual([{ ret: '-EINVAL' }, { ret: '-EINVAL' }, { nmsrs: '0' }]);
		});
		row(`§2.12 restore after KVM_SET_CPUID2 in selftest order MSRS, XCRS, XSAVE succeeds [${rev}]`, () => {
			const o = run(rev, [
				reqGuest(18),
				createVcpu,
				setCpuid('supported-plus-xtile'),
				setMsr('XFD', '0x0'),
				setXcrs('0x60001'),
				setXsave('0x60000'),
				getXsave2(),
			]);
			expect(o.slice(3)).toEqual([{ nmsrs: '1' }, { ret: '0' }, { ret: '0' }, { ret: '0', size: '11008', xstate_bv: '0x60000' }]);
		});
	}
	// C only: restoring MSRS(XFD=0x40000) before XSAVE silently drops tile data. B keeps it (no XFD handling).
	const xfdFirst = {
		[V5_17]: { ret: '0', size: '11008', xstate_bv: '0x60000' },
		[V6_12]: { ret: '0', size: '11008', xstate_bv: '0x20000', tiledata: 'zero' },
	};
	for (const rev of WITH_KVM_AMX) {
		row(`§2.12 restoring XFD=0x40000 before XSAVE [${rev}]`, () => {
			const o = run(rev, [
				reqGuest(18),
				createVcpu,
				setCpuid('supported-plus-xtile'),
				setMsr('XFD', '0x40000'),
				setXcrs('0x60001'),
				setXsave('0x60000'),
				getXsave2(),
			]);
			expect(o.slice(3)).toEqual([{ nmsrs: '1' }, { ret: '0' }, { ret: '0' }, xfdFirst[rev]]);
		});
	}
	// Round trip into a fresh vCPU of the same (permitted) process: CPUID, MSRS, XCRS, XSAVE.
	const leafd = { [V5_17]: '0x60000', [V6_12]: '0x602e7' };
	const restored = {
		[V5_17]: { ret: '0', size: '11008', xstate_bv: '0x60000' },
		[V6_12]: { ret: '0', size: '11008', xstate_bv: 'bits:must=0x60000,may=0x203' },
	};
	for (const rev of WITH_KVM_AMX) {
		row(`§2.12 save and restore round trip keeps tile data [${rev}]`, () => {
			const o = run(rev, [
				...amxGuest,
				tileLoad,
				getMsr('XFD', true),
				getXcrs(true),
				getXsave2(true),
				createVcpu,
				setCpuid('saved'),
				{ op: 'vcpu.set_msr', msr: 'XFD', value: 'saved' },
				{ op: 'vcpu.set_xcrs', xcr0: 'saved', index: 0, nr_xcrs: 1, flags: 0 },
				setSavedXsave,
				getXcrs(),
				getXsave2(),
			]);
			expect(o.slice(10)).toEqual([
				{ ret: '0', 'leafd.xcr0': leafd[rev] },
				{ nmsrs: '1' },
				{ ret: '0' },
				{ ret: '0' },
				{ ret: '0', nr_xcrs: '1', xcr0: '0x60001' },
				restored[rev],
			]);
		});
	}
});
