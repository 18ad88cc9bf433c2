// docs/contract.md §2.1, the arch_prctl table: one test per row (and per check of the REQ row)
// and revision. All revisions share fpu_xstate_prctl; they differ only in the overwrite bug (A, B:
// the permission becomes 0x40000 alone, §1.2) and A's uninitialised return of a granted guest request.
// Not testable with the model: check ① (!CONFIG_X86_64) and ⑦ (sigaltstack too small, -ENOSPC).
import { describe, expect, test } from 'vitest';
import {
	FPU_KVM_V1,
	UP_TO_V6_12,
	V5_17,
	V6_12,
	createVcpu,
	getGuestPerm,
	getPerm,
	getSupp,
	last,
	reqGuest,
	reqPerm,
	row,
	run,
	type PlatformId,
} from './contract-harness.js';
import type { Op } from '../../src/model/index.js';

describe('§2.1 ARCH_GET_XCOMP_SUPP', () => {
	// fpu_user_cfg.max_features | legacy: SPR 0x602e7; Zen 1 x87|SSE|AVX 0x7; TCG max 0x21f (MPX and
	// PKRU are user features; KVM dropping MPX does not affect the host value).
	const supp: Record<PlatformId, string> = { spr: '0x602e7', 'zen1-avx': '0x7', 'tcg-max': '0x21f' };
	for (const rev of UP_TO_V6_12) {
		for (const on of ['spr', 'zen1-avx', 'tcg-max'] as const) {
			row(`§2.1 GET_XCOMP_SUPP on ${on} [${rev}]`, () => {
				expect(last(rev, [getSupp()], on)).toEqual({ ret: '0', value: supp[on] });
			});
		}
		row(`§2.1 GET_XCOMP_SUPP bad pointer is -EFAULT [${rev}]`, () => {
			expect(last(rev, [getSupp('bad')])).toEqual({ ret: '-EFAULT' });
		});
	}
});

describe('§2.1 ARCH_GET_XCOMP_PERM', () => {
	const afterReq = { [FPU_KVM_V1]: '0x40000', [V5_17]: '0x40000', [V6_12]: '0x602e7' };
	for (const rev of UP_TO_V6_12) {
		row(`§2.1 GET_XCOMP_PERM initial [${rev}]`, () => {
			expect(last(rev, [getPerm()])).toEqual({ ret: '0', value: '0x202e7' });
		});
		row(`§2.1 GET_XCOMP_PERM after REQ_XCOMP_PERM(18) [${rev}]`, () => {
			expect(run(rev, [reqPerm(18), getPerm()])).toEqual([{ ret: '0' }, { ret: '0', value: afterReq[rev] }]);
		});
		row(`§2.1 GET_XCOMP_PERM bad pointer is -EFAULT [${rev}]`, () => {
			expect(last(rev, [getPerm('bad')])).toEqual({ ret: '-EFAULT' });
		});
	}
});

describe('§2.1 ARCH_GET_XCOMP_GUEST_PERM', () => {
	const afterReq = { [FPU_KVM_V1]: '0x40000', [V5_17]: '0x40000', [V6_12]: '0x602e7' };
	for (const rev of UP_TO_V6_12) {
		row(`§2.1 GET_XCOMP_GUEST_PERM initial [${rev}]`, () => {
			expect(last(rev, [getGuestPerm()])).toEqual({ ret: '0', value: '0x202e7' });
		});
		row(`§2.1 GET_XCOMP_GUEST_PERM after REQ(18) [${rev}]`, () => {
			expect(last(rev, [reqGuest(18), getGuestPerm()])).toEqual({ ret: '0', value: afterReq[rev] });
		});
		row(`§2.1 GET_XCOMP_GUEST_PERM does not show LOCKED [${rev}]`, () => {
			expect(last(rev, [createVcpu, getGuestPerm()])).toEqual({ ret: '0', value: '0x202e7' });
		});
		row(`§2.1 GET_XCOMP_GUEST_PERM bad pointer is -EFAULT [${rev}]`, () => {
			expect(last(rev, [getGuestPerm('bad')])).toEqual({ ret: '-EFAULT' });
		});
	}
});

describe('§2.1 REQ_XCOMP_GUEST_PERM / REQ_XCOMP_PERM', () => {
	const both: readonly [string, (n: number) => Op][] = [
		['REQ_XCOMP_GUEST_PERM', reqGuest],
		['REQ_XCOMP_PERM', reqPerm],
	];
	for (const rev of UP_TO_V6_12) {
		for (const [name, req] of both) {
			// ② n >= XFEATURE_MAX (19), negative or huge → -EINVAL.
			for (const n of [19, 64, -1]) {
				row(`§2.1 ${name}(${n}) out of range is -EINVAL [${rev}]`, () => {
					expect(last(rev, [req(n)])).toEqual({ ret: '-EINVAL' });
				});
			}
			// ③ any n != 18 (incl. 17 = XTILECFG and non-dynamic features) → -EOPNOTSUPP.
			for (const n of [0, 1, 2, 17]) {
				row(`§2.1 ${name}(${n}) not dynamic is -EOPNOTSUPP [${rev}]`, () => {
					expect(last(rev, [req(n)])).toEqual({ ret: '-EOPNOTSUPP' });
				});
			}
			// ④ 18 not in fpu_user_cfg.max_features (no AMX/XFD) → -EOPNOTSUPP.
			for (const on of ['zen1-avx', 'tcg-max'] as const) {
				row(`§2.1 ${name}(18) on ${on} without AMX is -EOPNOTSUPP [${rev}]`, () => {
					expect(last(rev, [req(18)], on)).toEqual({ ret: '-EOPNOTSUPP' });
				});
			}
		}
		// ⑤ already permitted → 0, even when LOCKED (checked before the lock).
		row(`§2.1 REQ_XCOMP_GUEST_PERM(18) already permitted returns 0 even if LOCKED [${rev}]`, () => {
			expect(last(rev, [reqGuest(18), createVcpu, reqGuest(18)])).toEqual({ ret: '0' });
		});
		row(`§2.1 REQ_XCOMP_PERM(18) already permitted returns 0 [${rev}]`, () => {
			expect(run(rev, [reqPerm(18), reqPerm(18)])).toEqual([{ ret: '0' }, { ret: '0' }]);
		});
		// ⑥ guest && LOCKED → -EBUSY; the host permission is not locked.
		row(`§2.1 REQ_XCOMP_GUEST_PERM(18) after vCPU creation is -EBUSY [${rev}]`, () => {
			expect(run(rev, [createVcpu, reqGuest(18), getGuestPerm()]).slice(1)).toEqual([{ ret: '-EBUSY' }, { ret: '0', value: '0x202e7' }]);
		});
		row(`§2.1 REQ_XCOMP_PERM(18) after vCPU creation is not locked [${rev}]`, () => {
			const afterReq = rev === V6_12 ? '0x602e7' : '0x40000';
			expect(run(rev, [createVcpu, reqPerm(18), getPerm()]).slice(1)).toEqual([{ ret: '0' }, { ret: '0', value: afterReq }]);
		});
		// The range and dynamic checks come before the lock check.
		row(`§2.1 REQ_XCOMP_GUEST_PERM check order: range and dynamic before LOCKED [${rev}]`, () => {
			expect(run(rev, [createVcpu, reqGuest(19), reqGuest(17)]).slice(1)).toEqual([{ ret: '-EINVAL' }, { ret: '-EOPNOTSUPP' }]);
		});
		// ⑧ write perm, return 0 — except A's guest path, which returns an uninitialised ret.
		row(`§2.1 REQ_XCOMP_GUEST_PERM(18) granted return value [${rev}]`, () => {
			expect(last(rev, [reqGuest(18)])).toEqual({ ret: rev === FPU_KVM_V1 ? '*' : '0' });
		});
		row(`§2.1 REQ_XCOMP_PERM(18) granted returns 0 [${rev}]`, () => {
			expect(last(rev, [reqPerm(18)])).toEqual({ ret: '0' });
		});
		// Host and guest permissions are independent.
		row(`§2.1 REQ_XCOMP_PERM does not grant guest permission [${rev}]`, () => {
			expect(last(rev, [reqPerm(18), getGuestPerm()])).toEqual({ ret: '0', value: '0x202e7' });
		});
		row(`§2.1 REQ_XCOMP_GUEST_PERM does not grant host permission [${rev}]`, () => {
			expect(last(rev, [reqGuest(18), getPerm()])).toEqual({ ret: '0', value: '0x202e7' });
		});
	}
});

describe('§2.1 unknown option', () => {
	for (const rev of UP_TO_V6_12) {
		row(`§2.1 unknown arch_prctl option 0x1026 is -EINVAL [${rev}]`, () => {
			expect(last(rev, [{ op: 'arch_prctl.unknown', option: 0x1026 }])).toEqual({ ret: '-EINVAL' });
		});
	}
});

describe('XFEATURE_MAX after APX (observed on a 6.18 host)', () => {
	test.each([
		['v6.12', 19, '-EINVAL'],
		['v6.12', 20, '-EINVAL'],
		['mainline', 19, '-EOPNOTSUPP'],
		['mainline', 20, '-EINVAL'],
	] as const)('%s: REQ_XCOMP_GUEST_PERM(%i) -> %s', (rev, feature, ret) => {
		expect(last(rev, [reqGuest(feature)])).toEqual({ ret });
	});
});
