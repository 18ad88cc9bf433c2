// docs/contract.md §2.2 (vCPU creation), §2.3 (KVM_CAP_XSAVE2), §2.4 (KVM_X86_XCOMP_GUEST_SUPP),
// §2.5 (KVM_GET_SUPPORTED_CPUID), §2.6 (KVM_SET_CPUID2), plus the §1.2 fork-inheritance rule.
// Bullets that state a concrete observable; expected values derived from the spec text.
import { describe, expect } from 'vitest';
import {
	FPU_KVM_V1,
	UP_TO_V6_12,
	V5_17,
	WITH_KVM_AMX,
	V6_12,
	capXsave2,
	createVcpu,
	deviceAttr,
	fork,
	getGuestPerm,
	getMsr,
	getXcrs,
	getXsave,
	getXsave2,
	last,
	osxsave,
	reqGuest,
	reqPerm,
	row,
	run,
	setCpuid,
	setXsave,
	supportedCpuid,
	SPR_LEAF_D_AFTER_PERM,
	SPR_LEAF_D_WITHOUT_PERM,
	type PlatformId,
} from './contract-harness.js';

describe('§2.2 vCPU creation', () => {
	for (const rev of UP_TO_V6_12) {
		row(`§2.2 KVM_CREATE_VCPU locks the guest permission [${rev}]`, () => {
			expect(last(rev, [createVcpu, reqGuest(18)])).toEqual({ ret: '-EBUSY' });
		});
		row(`§2.2 the lock is per process: a later vCPU does not unlock [${rev}]`, () => {
			expect(last(rev, [createVcpu, createVcpu, reqGuest(18)])).toEqual({ ret: '-EBUSY' });
		});
		row(`§2.2 initial XCR0 is 1 [${rev}]`, () => {
			expect(last(rev, [createVcpu, getXcrs()])).toEqual({ ret: '0', nr_xcrs: '1', xcr0: '0x1' });
		});
	}
	for (const rev of WITH_KVM_AMX) {
		row(`§2.2 initial guest XFD and XFD_ERR are 0 [${rev}]`, () => {
			expect(run(rev, [createVcpu, getMsr('XFD'), getMsr('XFD_ERR')]).slice(1)).toEqual([
				{ nmsrs: '1', value: '0x0' },
				{ nmsrs: '1', value: '0x0' },
			]);
		});
	}
});

describe('§1.2 fork inheritance', () => {
	// fork() copies perm and guest_perm including LOCKED when dynamic features are enabled (SPR).
	const perm = { [FPU_KVM_V1]: '0x40000', [V5_17]: '0x40000', [V6_12]: '0x602e7' };
	for (const rev of UP_TO_V6_12) {
		row(`§1.2 fork child inherits the guest permission [${rev}]`, () => {
			expect(run(rev, [reqGuest(18), fork, getGuestPerm()]).slice(1)).toEqual([{ ret: '0' }, { ret: '0', value: perm[rev] }]);
		});
		row(`§1.2 fork child inherits LOCKED [${rev}]`, () => {
			expect(last(rev, [createVcpu, fork, reqGuest(18)])).toEqual({ ret: '-EBUSY' });
		});
	}
});

describe('§2.3 KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2)', () => {
	for (const on of ['spr', 'zen1-avx', 'tcg-max'] as const) {
		row(`§2.3 KVM_CAP_XSAVE2 is an unknown cap (0) on ${on} [${FPU_KVM_V1}]`, () => {
			expect(last(FPU_KVM_V1, [capXsave2], on)).toEqual({ value: '0' });
		});
	}
	for (const rev of WITH_KVM_AMX) {
		row(`§2.3 KVM_CAP_XSAVE2 before a request is 4096 [${rev}]`, () => {
			expect(last(rev, [capXsave2])).toEqual({ value: '4096' });
		});
		// 11008 in C; also in B with the overwrite bug, since bit 18 alone spans 2816+8192.
		row(`§2.3 KVM_CAP_XSAVE2 after REQ_XCOMP_GUEST_PERM(18) is 11008 [${rev}]`, () => {
			expect(last(rev, [reqGuest(18), capXsave2])).toEqual({ value: '11008' });
		});
		// Only the guest permission counts.
		row(`§2.3 KVM_CAP_XSAVE2 after REQ_XCOMP_PERM(18) only is 4096 [${rev}]`, () => {
			expect(last(rev, [reqPerm(18), capXsave2])).toEqual({ value: '4096' });
		});
		for (const on of ['zen1-avx', 'tcg-max'] as const) {
			row(`§2.3 KVM_CAP_XSAVE2 on ${on} is 4096 [${rev}]`, () => {
				expect(last(rev, [capXsave2], on)).toEqual({ value: '4096' });
			});
		}
	}
});

describe('§2.4 KVM_GET_DEVICE_ATTR(0, KVM_X86_XCOMP_GUEST_SUPP)', () => {
	// Unfiltered supported_xcr0: SPR 0x602e7, Zen 1 0x7, TCG max 0x207 (KVM on SVM drops MPX).
	const supp: Record<PlatformId, string> = { spr: '0x602e7', 'zen1-avx': '0x7', 'tcg-max': '0x207' };
	for (const rev of WITH_KVM_AMX) {
		for (const on of ['spr', 'zen1-avx', 'tcg-max'] as const) {
			row(`§2.4 XCOMP_GUEST_SUPP on ${on} [${rev}]`, () => {
				expect(last(rev, [deviceAttr(0, 0)], on)).toEqual({ ret: '0', value: supp[on] });
			});
		}
		row(`§2.4 XCOMP_GUEST_SUPP is not filtered by permission [${rev}]`, () => {
			expect(run(rev, [deviceAttr(0, 0), reqGuest(18), deviceAttr(0, 0)])).toEqual([
				{ ret: '0', value: '0x602e7' },
				{ ret: '0' },
				{ ret: '0', value: '0x602e7' },
			]);
		});
		row(`§2.4 other attr is -ENXIO [${rev}]`, () => {
			expect(last(rev, [deviceAttr(0, 1)])).toEqual({ ret: '-ENXIO' });
		});
		// group != 0: "vendor hook or -ENXIO"; VMX has no such hook in the spec's sources.
		row(`§2.4 group != 0 on VMX is -ENXIO [${rev}]`, () => {
			expect(last(rev, [deviceAttr(1, 0)])).toEqual({ ret: '-ENXIO' });
		});
		row(`§2.4 bad addr is -EFAULT [${rev}]`, () => {
			expect(last(rev, [deviceAttr(0, 0, 'bad')])).toEqual({ ret: '-EFAULT' });
		});
	}
});

describe('§2.5 KVM_GET_SUPPORTED_CPUID leaf 0xD', () => {
	// SPR is in contract-0-glance (§0 rows). Hosts without AMX: nothing to filter, no XFD cap.
	const zen1 = { ret: '0', 'd0.eax': '0x7', 'd0.edx': '0x0', 'd0.ebx': '832', 'd0.ecx': '832', 'd1.eax.xfd': '0', subleaves: '2' };
	const tcg = { ret: '0', 'd0.eax': '0x207', 'd0.edx': '0x0', 'd0.ebx': '2696', 'd0.ecx': '2696', 'd1.eax.xfd': '0', subleaves: '2,9' };
	for (const rev of UP_TO_V6_12) {
		row(`§2.5 GET_SUPPORTED_CPUID 0xD on zen1-avx [${rev}]`, () => {
			expect(last(rev, [supportedCpuid], 'zen1-avx')).toEqual(zen1);
		});
		row(`§2.5 GET_SUPPORTED_CPUID 0xD on tcg-max [${rev}]`, () => {
			expect(last(rev, [supportedCpuid], 'tcg-max')).toEqual(tcg);
		});
	}
	// Permission is sampled at each call; only the guest permission filters (SPR values as in §0).
	for (const rev of WITH_KVM_AMX) {
		row(`§2.5 permission is sampled at each call [${rev}]`, () => {
			const o = run(rev, [supportedCpuid, reqGuest(18), supportedCpuid]);
			expect([o[0], o[2]]).toEqual([SPR_LEAF_D_WITHOUT_PERM[rev], SPR_LEAF_D_AFTER_PERM[rev]]);
		});
		row(`§2.5 only the guest permission filters [${rev}]`, () => {
			expect(last(rev, [reqPerm(18), supportedCpuid])).toEqual(SPR_LEAF_D_WITHOUT_PERM[rev]);
		});
	}
});

describe('§2.6 KVM_SET_CPUID2', () => {
	for (const rev of WITH_KVM_AMX) {
		// CPUID with bit 18 on a host without AMX: permission can never be granted → -EPERM.
		row(`§2.6 bit 18 in CPUID on zen1-avx is -EPERM [${rev}]`, () => {
			expect(run(rev, [createVcpu, setCpuid('supported-plus-xtile')], 'zen1-avx')[1]).toEqual({ ret: '-EPERM', 'leafd.xcr0': '0x60007' });
		});
		row(`§2.6 bit 18 in CPUID on tcg-max is -EPERM [${rev}]`, () => {
			expect(run(rev, [createVcpu, setCpuid('supported-plus-xtile')], 'tcg-max')[1]).toEqual({ ret: '-EPERM', 'leafd.xcr0': '0x60207' });
		});
		// No consistency checks: XTILECFG-only and XFD bit without AMX are accepted without permission.
		row(`§2.6 XTILECFG-only CPUID is accepted [${rev}]`, () => {
			expect(run(rev, [createVcpu, setCpuid('xtilecfg-only')])[1]).toEqual({ ret: '0', 'leafd.xcr0': '0x202e7' });
		});
		row(`§2.6 XFD bit without AMX is accepted [${rev}]`, () => {
			expect(run(rev, [createVcpu, setCpuid('no-xtile')])[1]).toEqual({ ret: '0', 'leafd.xcr0': '0x2e7' });
		});
	}
	// With permission: XTILEDATA without XTILECFG and AMX without the XFD bit are accepted.
	const dataOnly = { [V5_17]: '0x40000', [V6_12]: '0x402e7' };
	const amx = { [V5_17]: '0x40000', [V6_12]: '0x602e7' };
	for (const rev of WITH_KVM_AMX) {
		row(`§2.6 XTILEDATA-without-XTILECFG CPUID is accepted [${rev}]`, () => {
			expect(run(rev, [reqGuest(18), createVcpu, setCpuid('xtiledata-only')])[2]).toEqual({ ret: '0', 'leafd.xcr0': dataOnly[rev] });
		});
		row(`§2.6 AMX without the XFD bit is accepted [${rev}]`, () => {
			expect(run(rev, [reqGuest(18), createVcpu, setCpuid('no-xfd-bit')])[2]).toEqual({ ret: '0', 'leafd.xcr0': amx[rev] });
		});
		// Already in guest_fpu.xfeatures → 0.
		row(`§2.6 a second AMX CPUID is accepted [${rev}]`, () => {
			expect(run(rev, [reqGuest(18), createVcpu, setCpuid('supported'), setCpuid('supported')]).slice(2)).toEqual([
				{ ret: '0', 'leafd.xcr0': amx[rev] },
				{ ret: '0', 'leafd.xcr0': amx[rev] },
			]);
		});
	}
	// Removing AMX by a second pre-run SET_CPUID2 does not shrink: uabi_size stays 11008.
	// In B the post-request supported CPUID is 0x40000, so "no-xtile" is an empty bitmap.
	const noXtile = { [V5_17]: '0x0', [V6_12]: '0x2e7' };
	const tiledata = { [V5_17]: '*', [V6_12]: 'zero' };
	for (const rev of WITH_KVM_AMX) {
		row(`§2.6 removing AMX does not shrink the buffer [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setCpuid('supported'), setCpuid('no-xtile'), getXsave(), getXsave2()]);
			expect(o.slice(3)).toEqual([
				{ ret: '0', 'leafd.xcr0': noXtile[rev] },
				{ ret: '-EINVAL' },
				{ ret: '0', size: '11008', xstate_bv: '0x0', tiledata: tiledata[rev] },
			]);
		});
		// Realloc does not copy: state loaded by KVM_SET_XSAVE before it is discarded (§2.6, §5 item 5).
		row(`§2.6 realloc discards state loaded before it [${rev}]`, () => {
			const o = run(rev, [reqGuest(18), createVcpu, setXsave('0x3'), setCpuid('supported'), getXsave2()]);
			expect(o.slice(2)).toEqual([{ ret: '0' }, { ret: '0', 'leafd.xcr0': amx[rev] }, { ret: '0', size: '11008', xstate_bv: '0x0', tiledata: tiledata[rev] }]);
		});
	}
	// Step 3: after KVM_RUN only bit-identical entries (flags included) are accepted.
	const leafd = { [V5_17]: '0x202e7', [V6_12]: '0x2e7' };
	for (const rev of WITH_KVM_AMX) {
		row(`§2.6 after KVM_RUN identical CPUID is accepted [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('supported'), osxsave, setCpuid('same-as-current')]);
			expect(o[3]).toEqual({ ret: '0', 'leafd.xcr0': leafd[rev] });
		});
		row(`§2.6 after KVM_RUN CPUID differing only in flags is -EINVAL [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('supported'), osxsave, setCpuid('flags-differ')]);
			expect(o[3]).toEqual({ ret: '-EINVAL', 'leafd.xcr0': leafd[rev] });
		});
		row(`§2.6 after KVM_RUN different CPUID is -EINVAL [${rev}]`, () => {
			const o = run(rev, [createVcpu, setCpuid('supported'), osxsave, setCpuid('fp-sse-only')]);
			expect(o[3]).toEqual({ ret: '-EINVAL', 'leafd.xcr0': '0x3' });
		});
	}
});
