// docs/contract.md §0 "Differences at a glance": one test per row and revision (A = fpu-kvm-v1,
// B = v5.17, C = v6.12). Expected values are worked out from the spec for Sapphire Rapids:
// host XCR0 0x602e7, user default 0x202e7 (XTILECFG is a default feature, §1.1), KVM supported_xcr0
// 0x602e7 in B/C and 0x2e7 in A (A's KVM has no AMX, §1.1), standard sizes 2696 (…PKRU),
// 2816 (…XTILECFG) and 11008 (…XTILEDATA) (§3.1).
import { describe, expect } from 'vitest';
import {
	FPU_KVM_V1,
	V5_17,
	V6_12,
	capXsave2,
	createVcpu,
	getGuestPerm,
	getXcrs,
	getXsave,
	getXsave2,
	osxsave,
	rdmsr,
	reqGuest,
	row,
	run,
	setCpuid,
	setMsr,
	setXcrs,
	setXsave,
	supportedCpuid,
	xsetbv,
	SPR_LEAF_D_AFTER_PERM,
	SPR_LEAF_D_WITHOUT_PERM,
} from './contract-harness.js';

describe('§0 guest-perm prctls', () => {
	// REQ may return garbage in A (uninitialised ret, §2.1 step 8); perm after REQ is 0x40000 in A/B
	// (overwrite bug, §1.2) and default|0x40000 in C.
	const expected = {
		[FPU_KVM_V1]: { req: '*', perm: '0x40000' },
		[V5_17]: { req: '0', perm: '0x40000' },
		[V6_12]: { req: '0', perm: '0x602e7' },
	};
	for (const rev of [FPU_KVM_V1, V5_17, V6_12] as const) {
		row(`§0 guest-perm prctls: REQ_XCOMP_GUEST_PERM(18) and the permission after it [${rev}]`, () => {
			const o = run(rev, [getGuestPerm(), reqGuest(18), getGuestPerm()]);
			expect(o).toEqual([{ ret: '0', value: '0x202e7' }, { ret: expected[rev].req }, { ret: '0', value: expected[rev].perm }]);
		});
	}
});

describe('§0 when the 8 KiB buffer is allocated', () => {
	// A-as-tree: never. KVM is unchanged, so the guest can never enable XTILE (§2.10 A) and there is
	// no KVM_GET_XSAVE2 (§2.7 A).
	row(`§0 8 KiB buffer: never allocated, XTILE cannot be enabled [${FPU_KVM_V1}]`, () => {
		const o = run(FPU_KVM_V1, [createVcpu, setCpuid('supported'), osxsave, xsetbv('0x60003'), getXsave2()]);
		expect(o.slice(1)).toEqual([{ ret: '0', 'leafd.xcr0': '0x2e7' }, { vector: 'none' }, { vector: 'GP' }, { ret: '-EINVAL' }]);
	});
	// B/C: KVM_SET_CPUID2 with bit 18 in CPUID.0xD.0 reallocates (§2.6 step 5): uabi_size 11008,
	// KVM_GET_XSAVE -EINVAL (§2.7), the new buffer is all zero (§5 item 5). In B the post-request
	// supported CPUID is 0x40000 only (§2.5), plus XTILE gives 0x60000.
	const leafd = { [V5_17]: '0x60000', [V6_12]: '0x602e7' };
	const tiledata = { [V5_17]: '*', [V6_12]: 'zero' }; // §4 #11: zero-fill fixed in 6.1, pre-fix symptom UNCONFIRMED
	for (const rev of [V5_17, V6_12] as const) {
		row(`§0 8 KiB buffer: allocated by KVM_SET_CPUID2 with bit 18 [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('supported-plus-xtile'), getXsave2(), getXsave()]);
			expect(o.slice(2)).toEqual([
				{ ret: '0', 'leafd.xcr0': leafd[rev] },
				{ ret: '0', size: '11008', xstate_bv: '0x0', tiledata: tiledata[rev] },
				{ ret: '-EINVAL' },
			]);
		});
	}
	// Without bit 18 the base size stays: 2816 (host default size) in 5.17.0, 4096 in C (§1.3).
	const base = { [V5_17]: '2816', [V6_12]: '4096' };
	for (const rev of [V5_17, V6_12] as const) {
		row(`§0 8 KiB buffer: not allocated by KVM_SET_CPUID2 without bit 18 [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('no-xtile'), setXsave('0x3'), getXsave2(), getXsave()]);
			expect(o.slice(1)).toEqual([
				{ ret: '0', 'leafd.xcr0': '0x2e7' },
				{ ret: '0' },
				{ ret: '0', size: base[rev], xstate_bv: '0x3' },
				{ ret: '0', xstate_bv: '0x3' },
			]);
		});
	}
});

describe('§0 error for AMX in CPUID without permission', () => {
	// A: "-E… (unspecified in A)": not tested (see report). B/C: -EPERM (§2.6 step 5).
	for (const rev of [V5_17, V6_12] as const) {
		row(`§0 AMX in CPUID without permission is -EPERM [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('supported-plus-xtile')]);
			expect(o[1]).toEqual({ ret: '-EPERM', 'leafd.xcr0': '0x602e7' });
		});
	}
});

describe('§0 KVM_CAP_XSAVE2 / KVM_GET_XSAVE2', () => {
	row(`§0 KVM_CAP_XSAVE2 and KVM_GET_XSAVE2 absent [${FPU_KVM_V1}]`, () => {
		// Unknown cap → 0 (§2.3 A); KVM_GET_XSAVE2 absent → -EINVAL (§2.7 A).
		const o = run(FPU_KVM_V1, [capXsave2, createVcpu, getXsave2()]);
		expect(o).toEqual([{ value: '0' }, { ret: '0' }, { ret: '-EINVAL' }]);
	});
	// B: base uabi_size = host default size 2816 (<4096); C: 4096. The cap is 4096 before a request.
	const size = { [V5_17]: '2816', [V6_12]: '4096' };
	for (const rev of [V5_17, V6_12] as const) {
		row(`§0 KVM_CAP_XSAVE2 present, KVM_GET_XSAVE2 base size [${rev}]`, () => {
			const o = run(rev, [capXsave2, createVcpu, setXsave('0x3'), getXsave2()]);
			expect(o).toEqual([{ value: '4096' }, { ret: '0' }, { ret: '0' }, { ret: '0', size: size[rev], xstate_bv: '0x3' }]);
		});
	}
});

describe('§0 GET_SUPPORTED_CPUID 0xD without / after permission', () => {
	// Expected leaf-0xD outcomes and their derivation: SPR_LEAF_D_* in contract-harness.ts.
	for (const rev of [FPU_KVM_V1, V5_17, V6_12] as const) {
		row(`§0 GET_SUPPORTED_CPUID 0xD without permission [${rev}]`, () => {
			expect(run(rev, [supportedCpuid])[0]).toEqual(SPR_LEAF_D_WITHOUT_PERM[rev]);
		});
		row(`§0 GET_SUPPORTED_CPUID 0xD after permission [${rev}]`, () => {
			expect(run(rev, [reqGuest(18), supportedCpuid])[1]).toEqual(SPR_LEAF_D_AFTER_PERM[rev]);
		});
	}
});

describe('§0 XCR0 accepted before KVM_SET_CPUID2', () => {
	// A and C: GSX = 0 before KVM_SET_CPUID2, only XCR0 = 1 passes (§1.3). B: GSX = user default
	// features, so AVX, AVX-512 and PKRU are accepted with no CPUID at all (§2.10 B, §4 #7).
	const expected = {
		[FPU_KVM_V1]: ['0', '-EINVAL', '-EINVAL', '-EINVAL', '0x1'],
		[V5_17]: ['0', '0', '0', '0', '0x2e7'],
		[V6_12]: ['0', '-EINVAL', '-EINVAL', '-EINVAL', '0x1'],
	};
	for (const rev of [FPU_KVM_V1, V5_17, V6_12] as const) {
		row(`§0 XCR0 accepted by KVM_SET_XCRS before KVM_SET_CPUID2 [${rev}]`, () => {
			const o = run(rev, [createVcpu, setXcrs('0x1'), setXcrs('0x7'), setXcrs('0x207'), setXcrs('0x2e7'), getXcrs()]);
			const [one, avx, pkru, avx512, xcr0] = expected[rev];
			expect(o.slice(1)).toEqual([{ ret: one }, { ret: avx }, { ret: pkru }, { ret: avx512 }, { ret: '0', nr_xcrs: '1', xcr0 }]);
		});
	}
});

describe('§0 KVM_SET_XSAVE with bit hidden from guest CPUID', () => {
	// Guest CPUID.0xD.0 = x87|SSE; AVX (bit 2) is host-supported but hidden. A allowed, B -EINVAL
	// (user_xfeatures = GSX), C allowed (header check against user_xfeatures, not GSX, since 6.6).
	const expected = { [FPU_KVM_V1]: '0', [V5_17]: '-EINVAL', [V6_12]: '0' };
	for (const rev of [FPU_KVM_V1, V5_17, V6_12] as const) {
		row(`§0 KVM_SET_XSAVE with a bit hidden from guest CPUID [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('fp-sse-only'), setXsave('0x7')]);
			expect(o.slice(1)).toEqual([{ ret: '0', 'leafd.xcr0': '0x3' }, { ret: expected[rev] }]);
		});
	}
});

describe('§0 KVM_SET_XSAVE with XSTATE_BV[18]=1 while guest XFD[18]=1', () => {
	// A: n/a — KVM has no XFD MSRs (§2.9 A, §5 item 2), so guest XFD cannot be set.
	row(`§0 KVM_SET_XSAVE with XSTATE_BV[18] while XFD[18]: XFD not settable [${FPU_KVM_V1}]`, () => {
		const o = run(FPU_KVM_V1, [createVcpu, setCpuid('supported'), setMsr('XFD', '0x40000')]);
		expect(o[2]).toEqual({ nmsrs: '0' });
	});
	// B: accepted, XSTATE_BV kept (no XFD handling). C: bit 18 silently cleared (x86.c:5182).
	const leafd = { [V5_17]: '0x60000', [V6_12]: '0x602e7' };
	const get = {
		[V5_17]: { ret: '0', size: '11008', xstate_bv: '0x60000' },
		[V6_12]: { ret: '0', size: '11008', xstate_bv: '0x20000', tiledata: 'zero' },
	};
	for (const rev of [V5_17, V6_12] as const) {
		row(`§0 KVM_SET_XSAVE with XSTATE_BV[18] while XFD[18] [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('supported-plus-xtile'), setMsr('XFD', '0x40000'), setXsave('0x60000'), getXsave2()]);
			expect(o.slice(2)).toEqual([{ ret: '0', 'leafd.xcr0': leafd[rev] }, { nmsrs: '1' }, { ret: '0' }, get[rev]]);
		});
	}
});

describe('§0 XFD write interception', () => {
	// A (contract): disabled when guest_fpu.xfeatures == guest_fpu.perm — not tested (see report).
	// B/C: disabled after the first non-zero write, guest or host-initiated (§1.3). Observable: with a
	// guest CPUID lacking the XFD bit, an intercepted RDMSR(XFD) is #GP (§2.9), a passed-through one
	// is not — even after XFD went back to 0.
	for (const rev of [V5_17, V6_12] as const) {
		row(`§0 XFD interception still on without a non-zero write [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('no-xfd-bit'), setMsr('XFD', '0x0'), rdmsr('XFD')]);
			expect(o.slice(3)).toEqual([{ nmsrs: '1' }, { vector: 'GP' }]);
		});
		row(`§0 XFD interception disabled after the first non-zero write [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('no-xfd-bit'), setMsr('XFD', '0x40000'), rdmsr('XFD'), setMsr('XFD', '0x0'), rdmsr('XFD')]);
			expect(o.slice(3)).toEqual([{ nmsrs: '1' }, { vector: 'none', value: '0x40000' }, { nmsrs: '1' }, { vector: 'none', value: '0x0' }]);
		});
	}
});
