// Shared pieces of the contract-table tests (docs/contract.md §0, §2): platform loading and op
// builders. Every expected value in the contract-*.test.ts files is derived from the spec text, not
// from the model.
import { readFileSync } from 'node:fs';
import { test } from 'vitest';
import YAML from 'yaml';
import {
	evaluate,
	platformSchema,
	revision,
	toPlatform,
	type CpuidVariant,
	type Op,
	type Outcome,
	type Platform,
	type RevisionId,
	type XfdMsr,
	type XsaveImage,
} from '../../src/model/index.js';

export type PlatformId = 'spr' | 'zen1-avx' | 'tcg-max';

/** Revision A (tglx x86/fpu-kvm, KVM unchanged), B (v5.17), C (6.12.117), C + CR0.TS fix. */
export const FPU_KVM_V1 = 'fpu-kvm-v1' as const;
export const V5_17 = 'v5.17' as const;
export const V6_12 = 'v6.12' as const;
export const MAINLINE = 'mainline' as const;
export const UP_TO_V6_12 = [FPU_KVM_V1, V5_17, V6_12] as const;
export const WITH_KVM_AMX = [V5_17, V6_12] as const;

const platforms = new Map<PlatformId, Platform>();

export function platform(id: PlatformId): Platform {
	let p = platforms.get(id);
	if (!p) {
		const text = readFileSync(new URL(`../../platforms/${id}.yaml`, import.meta.url), 'utf8');
		p = toPlatform(platformSchema.parse(YAML.parse(text)));
		platforms.set(id, p);
	}
	return p;
}

/** The outcome of every step of `ops`, run from the initial state. */
export function run(rev: RevisionId, ops: readonly Op[], on: PlatformId = 'spr'): Outcome[] {
	return evaluate(ops, platform(on), revision(rev)).results.map((r) => r.outcome);
}

/** The outcome of the last step. */
export function last(rev: RevisionId, ops: readonly Op[], on: PlatformId = 'spr'): Outcome | undefined {
	return run(rev, ops, on).at(-1);
}

/**
 * Rows where the model's outcome differs from the value the spec states (kept asserting the spec's
 * value). Each entry is an exact test name; see the report in the task hand-back for the details.
 */
/** One table row as a test. */
export function row(name: string, fn: () => void): void {
	test(name, fn);
}

// --- op builders -------------------------------------------------------------------------

type GetOption = 'ARCH_GET_XCOMP_SUPP' | 'ARCH_GET_XCOMP_PERM' | 'ARCH_GET_XCOMP_GUEST_PERM';

export const get = (option: GetOption, pointer: 'valid' | 'bad' = 'valid'): Op => ({ op: 'arch_prctl.get', option, pointer });
export const getSupp = (pointer: 'valid' | 'bad' = 'valid'): Op => get('ARCH_GET_XCOMP_SUPP', pointer);
export const getPerm = (pointer: 'valid' | 'bad' = 'valid'): Op => get('ARCH_GET_XCOMP_PERM', pointer);
export const getGuestPerm = (pointer: 'valid' | 'bad' = 'valid'): Op => get('ARCH_GET_XCOMP_GUEST_PERM', pointer);
export const reqPerm = (feature = 18): Op => ({ op: 'arch_prctl.req', option: 'ARCH_REQ_XCOMP_PERM', feature });
export const reqGuest = (feature = 18): Op => ({ op: 'arch_prctl.req', option: 'ARCH_REQ_XCOMP_GUEST_PERM', feature });
export const fork: Op = { op: 'fork' };
export const capXsave2: Op = { op: 'kvm.check_extension', cap: 'KVM_CAP_XSAVE2' };
export const deviceAttr = (group: number, attr: number, pointer: 'valid' | 'bad' = 'valid'): Op => ({
	op: 'kvm.get_device_attr',
	group,
	attr,
	pointer,
});
export const supportedCpuid: Op = { op: 'kvm.get_supported_cpuid' };
export const createVcpu: Op = { op: 'vm.create_vcpu' };
export const setCpuid = (variant: CpuidVariant): Op => ({ op: 'vcpu.set_cpuid2', variant });
export const getXcrs = (save = false): Op => ({ op: 'vcpu.get_xcrs', save });
export const setXcrs = (xcr0: string, over: { index?: number; nr_xcrs?: number; flags?: number } = {}): Op => ({
	op: 'vcpu.set_xcrs',
	xcr0,
	index: over.index ?? 0,
	nr_xcrs: over.nr_xcrs ?? 1,
	flags: over.flags ?? 0,
});
export const getXsave = (save = false): Op => ({ op: 'vcpu.get_xsave', save });
export const getXsave2 = (save = false): Op => ({ op: 'vcpu.get_xsave2', save });
export const setXsave = (xstate_bv: string, extra: Omit<XsaveImage, 'base' | 'xstate_bv'> = {}): Op => ({
	op: 'vcpu.set_xsave',
	image: { base: 'zero', xstate_bv, ...extra },
});
export const setSavedXsave: Op = { op: 'vcpu.set_xsave', image: { base: 'saved' } };
export const getMsr = (msr: XfdMsr, save = false): Op => ({ op: 'vcpu.get_msr', msr, save });
export const setMsr = (msr: XfdMsr, value: string): Op => ({ op: 'vcpu.set_msr', msr, value });
export const osxsave: Op = { op: 'guest.set_cr4_osxsave', enable: true };
export const xsetbv = (xcr0: string, ecx = 0): Op => ({ op: 'guest.xsetbv', ecx, xcr0 });
export const rdmsr = (msr: XfdMsr): Op => ({ op: 'guest.rdmsr', msr });
export const wrmsr = (msr: XfdMsr, value: string): Op => ({ op: 'guest.wrmsr', msr, value });
export const tileLoad: Op = { op: 'guest.tile_load' };
export const cr0TsNm: Op = { op: 'guest.cr0_ts_nm' };
export const hotplug: Op = { op: 'host.cpu_hotplug' };

// --- KVM_GET_SUPPORTED_CPUID leaf 0xD on Sapphire Rapids (§0 rows, §2.5) --------------------
// A: unchanged KVM, no AMX and no permission filtering: 0x2e7, standard size 2696, no XFD cap (§1.1).
// B: permitted = supported & guest perm: 0x202e7 before a request (bit 17 alone), 0x40000 after
// (overwrite bug; sizes from bit 18 alone = 2816+8192). C: kvm_get_filtered_xcr0(): 0x2e7 before
// (XTILECFG dropped without XTILEDATA), 0x602e7 after. XFD (0xD.1 EAX[4]) regardless of permission.
/** Leaf 0xD of KVM_GET_SUPPORTED_CPUID offering 0x2e7 with Intel's layout: no AMX, no XFD. */
export const LEAF_D_NO_AMX = {
	ret: '0',
	'd0.eax': '0x2e7',
	'd0.edx': '0x0',
	'd0.ebx': '2696',
	'd0.ecx': '2696',
	'd1.eax.xfd': '0',
	subleaves: '2,5,6,7,9',
};

export const SPR_LEAF_D_WITHOUT_PERM = {
	[FPU_KVM_V1]: LEAF_D_NO_AMX,
	[V5_17]: { ret: '0', 'd0.eax': '0x202e7', 'd0.edx': '0x0', 'd0.ebx': '2816', 'd0.ecx': '2816', 'd1.eax.xfd': '1', subleaves: '2,5,6,7,9,17' },
	[V6_12]: { ...LEAF_D_NO_AMX, 'd1.eax.xfd': '1' },
};

export const SPR_LEAF_D_AFTER_PERM = {
	[FPU_KVM_V1]: LEAF_D_NO_AMX,
	[V5_17]: {
		ret: '0',
		'd0.eax': '0x40000',
		'd0.edx': '0x0',
		'd0.ebx': '11008',
		'd0.ecx': '11008',
		'd1.eax.xfd': '1',
		subleaves: '18',
		'd18.ecx.xfd': '1',
	},
	[V6_12]: {
		ret: '0',
		'd0.eax': '0x602e7',
		'd0.edx': '0x0',
		'd0.ebx': '11008',
		'd0.ecx': '11008',
		'd1.eax.xfd': '1',
		subleaves: '2,5,6,7,9,17,18',
		'd18.ecx.xfd': '1',
	},
};
