// docs/contract.md §2.7, the KVM_GET_XSAVE / KVM_GET_XSAVE2 / KVM_SET_XSAVE table: one test per
// row (per stated check for KVM_SET_XSAVE) and revision, on Sapphire Rapids.
// Not testable with the model: memdup -EFAULT (short user buffer), protected-state VMs, the !XSAVE
// host checks, PKRU handling.
import { describe, expect } from 'vitest';
import { FPU_KVM_V1, V5_17, WITH_KVM_AMX, V6_12, createVcpu, getXsave, getXsave2, reqGuest, row, run, setCpuid, setMsr, setXsave } from './contract-harness.js';

describe('§2.7 KVM_GET_XSAVE', () => {
	// A: 5.16 behaviour, always copies 4096 bytes (there is no AMX reallocation in A's KVM).
	row(`§2.7 KVM_GET_XSAVE copies 4096 V5_17 [${FPU_KVM_V1}]`, () => {
		const o = run(FPU_KVM_V1, [createVcpu, setCpuid('supported'), setXsave('0x3'), getXsave()]);
		expect(o.slice(2)).toEqual([{ ret: '0' }, { ret: '0', xstate_bv: '0x3' }]);
	});
	for (const rev of WITH_KVM_AMX) {
		row(`§2.7 KVM_GET_XSAVE before AMX realloc copies 4096 V5_17 [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('no-xtile'), setXsave('0x3'), getXsave()]);
			expect(o.slice(2)).toEqual([{ ret: '0' }, { ret: '0', xstate_bv: '0x3' }]);
		});
		row(`§2.7 KVM_GET_XSAVE after AMX realloc (uabi_size > 4096) is -EINVAL [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('supported'), getXsave()]);
			expect(o[3]).toEqual({ ret: '-EINVAL' });
		});
	}
	// C: header xstate_bv &= user_xfeatures & (GSX|FP|SSE): AVX loaded (host-supported, allowed since
	// 6.6) but hidden from guest CPUID is not reported.
	row(`§2.7 KVM_GET_XSAVE masks XSTATE_BV with GSX|FP|SSE [${V6_12}]`, () => {
		const o = run(V6_12, [createVcpu, setCpuid('fp-sse-only'), setXsave('0x7'), getXsave()]);
		expect(o.slice(2)).toEqual([{ ret: '0' }, { ret: '0', xstate_bv: '0x3' }]);
	});
});

describe('§2.7 KVM_GET_XSAVE2', () => {
	row(`§2.7 KVM_GET_XSAVE2 absent [${FPU_KVM_V1}]`, () => {
		expect(run(FPU_KVM_V1, [createVcpu, getXsave2()])[1]).toEqual({ ret: '-EINVAL' });
	});
	// Copies uabi_size bytes: 5.17.0 host default size 2816, C 4096; 11008 after realloc (§0).
	const base = { [V5_17]: '2816', [V6_12]: '4096' };
	for (const rev of WITH_KVM_AMX) {
		row(`§2.7 KVM_GET_XSAVE2 copies uabi_size before realloc [${rev}]`, () => {
			const o = run(rev, [createVcpu, setXsave('0x3'), getXsave2()]);
			expect(o.slice(1)).toEqual([{ ret: '0' }, { ret: '0', size: base[rev], xstate_bv: '0x3' }]);
		});
		// B: mask = user_xfeatures = GSX after SET_CPUID2; C: user_xfeatures & (GSX|FP|SSE). AVX loaded
		// before KVM_SET_CPUID2 (B accepts it then: user_xfeatures is still the default) is hidden.
		row(`§2.7 KVM_GET_XSAVE2 hides bits not in guest CPUID [${rev}]`, () => {
			const o = run(rev, [createVcpu, setXsave('0x7'), setCpuid('fp-sse-only'), getXsave2()]);
			expect(o.slice(1)).toEqual([{ ret: '0' }, { ret: '0', 'leafd.xcr0': '0x3' }, { ret: '0', size: base[rev], xstate_bv: '0x3' }]);
		});
	}
	// B: FP/SSE dropped when GSX lacks them (no leaf 0xD → GSX = 0), until a1020a25e697 (in C).
	const noLeafD = {
		[V5_17]: { ret: '0', size: '2816', xstate_bv: '0x0' },
		[V6_12]: { ret: '0', size: '4096', xstate_bv: '0x3' },
	};
	for (const rev of WITH_KVM_AMX) {
		row(`§2.7 KVM_GET_XSAVE2 with a CPUID without leaf 0xD keeps FP/SSE only in V6_12 [${rev}]`, () => {
			const o = run(rev, [createVcpu, setXsave('0x3'), setCpuid('no-leaf-d'), getXsave2()]);
			expect(o.slice(1)).toEqual([{ ret: '0' }, { ret: '0', 'leafd.xcr0': '0x0' }, noLeafD[rev]]);
		});
	}
});

describe('§2.7 KVM_SET_XSAVE', () => {
	// A: memdup 4096 B; host-supported features are allowed.
	row(`§2.7 KVM_SET_XSAVE of host-supported features [${FPU_KVM_V1}]`, () => {
		const o = run(FPU_KVM_V1, [createVcpu, setXsave('0x3'), setXsave('0x2e7')]);
		expect(o.slice(1)).toEqual([{ ret: '0' }, { ret: '0' }]);
	});
	for (const rev of WITH_KVM_AMX) {
		// xstate_bv ⊄ supported_xcr0 → -EINVAL: MPX is not enabled on SPR; bit 8 (PT) is an XSS feature.
		row(`§2.7 KVM_SET_XSAVE with MPX (not host-supported) is -EINVAL [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x1b')])[1]).toEqual({ ret: '-EINVAL' });
		});
		row(`§2.7 KVM_SET_XSAVE with XSS bit 8 is -EINVAL [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x103')])[1]).toEqual({ ret: '-EINVAL' });
		});
		// Header check: xstate_bv ⊄ user_xfeatures. Before KVM_SET_CPUID2 user_xfeatures is the default
		// (no XTILEDATA) in both; after realloc it includes XTILEDATA.
		row(`§2.7 KVM_SET_XSAVE with XTILEDATA before realloc is -EINVAL [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x40000')])[1]).toEqual({ ret: '-EINVAL' });
		});
		row(`§2.7 KVM_SET_XSAVE with XTILE after realloc is accepted [${rev}]`, () => {
			expect(run(rev, [reqGuest(18), createVcpu, setCpuid('supported-plus-xtile'), setXsave('0x60000')])[3]).toEqual({ ret: '0' });
		});
		// xcomp_bv != 0 → -EINVAL (uABI is standard format); reserved header bytes → -EINVAL.
		row(`§2.7 KVM_SET_XSAVE with XCOMP_BV != 0 is -EINVAL [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x3', { xcomp_bv: '0x8000000000000003' })])[1]).toEqual({ ret: '-EINVAL' });
		});
		row(`§2.7 KVM_SET_XSAVE with reserved header bytes is -EINVAL [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x3', { header_reserved: '0x1' })])[1]).toEqual({ ret: '-EINVAL' });
		});
		// MXCSR reserved bits (16..31 on a DAZ-capable CPU) → -EINVAL; the default 0x1f80 is fine.
		row(`§2.7 KVM_SET_XSAVE with reserved MXCSR bits is -EINVAL [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x3', { mxcsr: '0x10000' })])[1]).toEqual({ ret: '-EINVAL' });
		});
		row(`§2.7 KVM_SET_XSAVE with MXCSR 0x1f80 is accepted [${rev}]`, () => {
			expect(run(rev, [createVcpu, setXsave('0x3', { mxcsr: '0x1f80' })])[1]).toEqual({ ret: '0' });
		});
	}
	// B: header checked against user_xfeatures = GSX: hidden bits and (with GSX = 0x60000, the
	// post-request CPUID plus XTILE) even FP/SSE are rejected. C: against default ∪ dynamic.
	const hidden = { [V5_17]: '-EINVAL', [V6_12]: '0' };
	for (const rev of WITH_KVM_AMX) {
		row(`§2.7 KVM_SET_XSAVE with a bit hidden from guest CPUID [${rev}]`, () => {
			expect(run(rev, [createVcpu, setCpuid('fp-sse-only'), setXsave('0x7')])[2]).toEqual({ ret: hidden[rev] });
		});
		row(`§2.7 KVM_SET_XSAVE with FP/SSE when GSX lacks them [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('supported'), setXsave('0x3')]);
			expect(o[3]).toEqual({ ret: hidden[rev] });
		});
	}
	// XFD handling: B none (XSTATE_BV[18] kept while XFD[18]=1); C clears xstate_bv & xfd silently.
	// See also the §0 row; here with FP/SSE in C (accepted there) and an all-XFD image.
	row(`§2.7 KVM_SET_XSAVE clears XFD-armed XTILEDATA [${V6_12}]`, () => {
		const o = run(V6_12, [reqGuest(18), createVcpu, setCpuid('supported'), setMsr('XFD', '0x40000'), setXsave('0x40003'), getXsave2()]);
		expect(o.slice(3)).toEqual([{ nmsrs: '1' }, { ret: '0' }, { ret: '0', size: '11008', xstate_bv: '0x3', tiledata: 'zero' }]);
	});
	row(`§2.7 KVM_SET_XSAVE keeps XFD-armed XTILEDATA [${V5_17}]`, () => {
		const o = run(V5_17, [reqGuest(18), createVcpu, setCpuid('supported'), setMsr('XFD', '0x40000'), setXsave('0x40000'), getXsave2()]);
		expect(o.slice(3)).toEqual([{ nmsrs: '1' }, { ret: '0' }, { ret: '0', size: '11008', xstate_bv: '0x40000' }]);
	});
});
