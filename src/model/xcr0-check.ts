// __kvm_set_xcr(): the checks shared by guest XSETBV (#GP) and KVM_SET_XCRS (-EINVAL), in kernel order (§2.10).
import { has, type Revision } from './revision.js';
import type { RuleId } from './rules.js';
import { AVX512, BNDCSR, BNDREGS, FP, SSE, XTILE, XTILECFG, XTILEDATA, YMM } from './xfeatures.js';

/** The first rule that rejects the write, or 'xcr.accepted'. */
export function checkXcr(index: number, xcr0: bigint, gsx: bigint, rev: Revision): RuleId {
	if (index !== 0) return 'xcr.index';
	if (!(xcr0 & FP)) return 'xcr.bit0-clear';
	if (xcr0 & YMM && !(xcr0 & SSE)) return 'xcr.avx-without-sse';
	if (xcr0 & ~(gsx | FP)) return 'xcr.not-guest-supported';
	if (!(xcr0 & BNDREGS) !== !(xcr0 & BNDCSR)) return 'xcr.mpx-pair';
	if (xcr0 & AVX512 && (!(xcr0 & YMM) || (xcr0 & AVX512) !== AVX512)) return 'xcr.avx512';
	if (has(rev, 'xsetbv-xtile-pair') && xcr0 & XTILE && (!(xcr0 & XTILECFG) || !(xcr0 & XTILEDATA))) return 'xcr.xtile-pair';
	return 'xcr.accepted';
}
