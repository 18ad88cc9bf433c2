// docs/contract.md §2.9, the IA32_XFD / IA32_XFD_ERR table: one test per row (per stated check)
// for B and C on Sapphire Rapids (VMX). A's KVM has no XFD MSRs (§2.9 A, §5 item 2): only the
// host-initiated accesses are tested for A (KVM_GET/SET_MSRS process 0 MSRs); how A's guest would
// see them is UNCONFIRMED in the spec, so no guest rows for A.
// Setup used below: "xtile" = REQ_XCOMP_GUEST_PERM(18) + KVM_SET_CPUID2 with XTILE and the XFD bit,
// so GSX & DYN = 0x40000 in both B (GSX 0x60000) and C (GSX 0x602e7).
import { describe, expect } from 'vitest';
import { FPU_KVM_V1, WITH_KVM_AMX, createVcpu, getMsr, last, rdmsr, reqGuest, row, run, setCpuid, setMsr, wrmsr } from './contract-harness.js';
import type { Op } from '../../src/model/index.js';

const xtile: readonly Op[] = [reqGuest(18), createVcpu, setCpuid('supported-plus-xtile')];
const xtileNoXfdBit: readonly Op[] = [reqGuest(18), createVcpu, setCpuid('no-xfd-bit')];

describe('§2.9 IA32_XFD / IA32_XFD_ERR in A', () => {
	for (const msr of ['XFD', 'XFD_ERR'] as const) {
		row(`§2.9 host GET ${msr}: KVM does not know the MSR [${FPU_KVM_V1}]`, () => {
			expect(last(FPU_KVM_V1, [createVcpu, setCpuid('supported'), getMsr(msr)])).toEqual({ nmsrs: '0' });
		});
		row(`§2.9 host SET ${msr}: KVM does not know the MSR [${FPU_KVM_V1}]`, () => {
			expect(last(FPU_KVM_V1, [createVcpu, setCpuid('supported'), setMsr(msr, '0x0')])).toEqual({ nmsrs: '0' });
		});
	}
});

describe('§2.9 host-initiated access', () => {
	for (const rev of WITH_KVM_AMX) {
		for (const msr of ['XFD', 'XFD_ERR'] as const) {
			// Always succeeds, no CPUID check.
			row(`§2.9 host GET ${msr} before KVM_SET_CPUID2 [${rev}]`, () => {
				expect(last(rev, [createVcpu, getMsr(msr)])).toEqual({ nmsrs: '1', value: '0x0' });
			});
			row(`§2.9 host GET ${msr} with a guest CPUID lacking XFD [${rev}]`, () => {
				expect(last(rev, [...xtileNoXfdBit, getMsr(msr)])).toEqual({ nmsrs: '1', value: '0x0' });
			});
			// SET: data & ~(GSX & DYN) fails (0 MSRs processed), value unchanged.
			row(`§2.9 host SET ${msr}=0x40000 before KVM_SET_CPUID2 fails [${rev}]`, () => {
				expect(run(rev, [createVcpu, setMsr(msr, '0x40000'), getMsr(msr)]).slice(1)).toEqual([{ nmsrs: '0' }, { nmsrs: '1', value: '0x0' }]);
			});
			row(`§2.9 host SET ${msr}=0 before KVM_SET_CPUID2 succeeds [${rev}]`, () => {
				expect(last(rev, [createVcpu, setMsr(msr, '0x0')])).toEqual({ nmsrs: '1' });
			});
			row(`§2.9 host SET ${msr}=0x40000 without XTILEDATA in guest CPUID fails [${rev}]`, () => {
				expect(last(rev, [createVcpu, setCpuid('no-xtile'), setMsr(msr, '0x40000')])).toEqual({ nmsrs: '0' });
			});
			row(`§2.9 host SET ${msr}=0x20000 (XTILECFG) fails [${rev}]`, () => {
				expect(last(rev, [...xtile, setMsr(msr, '0x20000')])).toEqual({ nmsrs: '0' });
			});
			row(`§2.9 host SET ${msr}=0x40000 with XTILE in guest CPUID is stored [${rev}]`, () => {
				expect(run(rev, [...xtile, setMsr(msr, '0x40000'), getMsr(msr)]).slice(3)).toEqual([{ nmsrs: '1' }, { nmsrs: '1', value: '0x40000' }]);
			});
		}
	}
});

describe('§2.9 guest access while intercepted', () => {
	for (const rev of WITH_KVM_AMX) {
		// Guest CPUID lacks XFD → #GP, for both MSRs and both directions; CPUID check precedes the value check.
		for (const msr of ['XFD', 'XFD_ERR'] as const) {
			row(`§2.9 guest RDMSR ${msr} without CPUID XFD is #GP [${rev}]`, () => {
				expect(last(rev, [...xtileNoXfdBit, rdmsr(msr)])).toEqual({ vector: 'GP' });
			});
			row(`§2.9 guest WRMSR ${msr}=0 without CPUID XFD is #GP [${rev}]`, () => {
				expect(last(rev, [...xtileNoXfdBit, wrmsr(msr, '0x0')])).toEqual({ vector: 'GP' });
			});
			row(`§2.9 guest WRMSR ${msr}=0x40000 without CPUID XFD is #GP [${rev}]`, () => {
				expect(last(rev, [...xtileNoXfdBit, wrmsr(msr, '0x40000')])).toEqual({ vector: 'GP' });
			});
			row(`§2.9 guest RDMSR ${msr} reads 0 initially [${rev}]`, () => {
				expect(last(rev, [...xtile, rdmsr(msr)])).toEqual({ vector: 'none', value: '0x0' });
			});
			// Bits outside GSX & DYN → #GP: any bit != 18.
			for (const value of ['0x20000', '0x80000', '0x1']) {
				row(`§2.9 guest WRMSR ${msr}=${value} is #GP [${rev}]`, () => {
					expect(run(rev, [...xtile, wrmsr(msr, value), getMsr(msr)]).slice(3)).toEqual([{ vector: 'GP' }, { nmsrs: '1', value: '0x0' }]);
				});
			}
			// 18 when CPUID.0xD.0 lacks XTILEDATA → #GP; 0 is fine.
			row(`§2.9 guest WRMSR ${msr}=0x40000 without XTILEDATA in guest CPUID is #GP [${rev}]`, () => {
				expect(run(rev, [createVcpu, setCpuid('no-xtile'), wrmsr(msr, '0x40000'), wrmsr(msr, '0x0')]).slice(2)).toEqual([{ vector: 'GP' }, { vector: 'none' }]);
			});
			row(`§2.9 guest WRMSR ${msr}=0x40000 is stored [${rev}]`, () => {
				expect(run(rev, [...xtile, wrmsr(msr, '0x40000'), rdmsr(msr), getMsr(msr)]).slice(3)).toEqual([
					{ vector: 'none' },
					{ vector: 'none', value: '0x40000' },
					{ nmsrs: '1', value: '0x40000' },
				]);
			});
		}
	}
});

describe('§2.9 guest XFD after the first non-zero write (passthrough)', () => {
	for (const rev of WITH_KVM_AMX) {
		// Hardware validates: #GP for bits the host CPU cannot disable (only XTILEDATA is XFD-capable).
		row(`§2.9 passthrough WRMSR XFD=0x20000 is #GP from hardware [${rev}]`, () => {
			const o = run(rev, [...xtile, wrmsr('XFD', '0x40000'), wrmsr('XFD', '0x20000'), getMsr('XFD')]);
			expect(o.slice(3)).toEqual([{ vector: 'none' }, { vector: 'GP' }, { nmsrs: '1', value: '0x40000' }]);
		});
		// KVM resyncs fpstate->xfd from the MSR after every exit: host reads follow guest writes.
		row(`§2.9 passthrough XFD writes are seen by host reads [${rev}]`, () => {
			const o = run(rev, [...xtile, wrmsr('XFD', '0x40000'), wrmsr('XFD', '0x0'), getMsr('XFD'), wrmsr('XFD', '0x40000'), getMsr('XFD'), rdmsr('XFD')]);
			expect(o.slice(3)).toEqual([
				{ vector: 'none' },
				{ vector: 'none' },
				{ nmsrs: '1', value: '0x0' },
				{ vector: 'none' },
				{ nmsrs: '1', value: '0x40000' },
				{ vector: 'none', value: '0x40000' },
			]);
		});
		// A guest-initiated first write is enough; the guest CPUID is fixed after KVM_RUN, so show it
		// through the host-initiated one (§1.3: "guest or host-initiated"), see also §0 "XFD write interception".
		row(`§2.9 host non-zero XFD write turns on passthrough: XFD access without CPUID XFD no longer #GPs [${rev}]`, () => {
			const o = run(rev, [
				...xtileNoXfdBit,
				setMsr('XFD', '0x40000'),
				rdmsr('XFD'),
				wrmsr('XFD', '0x0'),
				rdmsr('XFD'),
				rdmsr('XFD_ERR'),
				wrmsr('XFD_ERR', '0x0'),
			]);
			expect(o.slice(3)).toEqual([
				{ nmsrs: '1' },
				{ vector: 'none', value: '0x40000' },
				{ vector: 'none' },
				{ vector: 'none', value: '0x0' },
				// XFD_ERR is only passed through when the guest CPUID has XFD; its write is always intercepted.
				{ vector: 'GP' },
				{ vector: 'GP' },
			]);
		});
	}
});

describe('§2.9 guest RDMSR/WRMSR XFD_ERR', () => {
	for (const rev of WITH_KVM_AMX) {
		// RDMSR passthrough with XFD in host and guest: the hardware value is xfd_err restored at entry.
		row(`§2.9 guest RDMSR XFD_ERR sees the host-set value [${rev}]`, () => {
			expect(run(rev, [...xtile, setMsr('XFD_ERR', '0x40000'), rdmsr('XFD_ERR')]).slice(3)).toEqual([{ nmsrs: '1' }, { vector: 'none', value: '0x40000' }]);
		});
		// WRMSR always intercepted: still checked by KVM after XFD went passthrough.
		row(`§2.9 guest WRMSR XFD_ERR stays intercepted after XFD passthrough [${rev}]`, () => {
			const o = run(rev, [...xtile, wrmsr('XFD', '0x40000'), wrmsr('XFD_ERR', '0x20000'), wrmsr('XFD_ERR', '0x40000'), getMsr('XFD_ERR')]);
			expect(o.slice(3)).toEqual([{ vector: 'none' }, { vector: 'GP' }, { vector: 'none' }, { nmsrs: '1', value: '0x40000' }]);
		});
	}
});
