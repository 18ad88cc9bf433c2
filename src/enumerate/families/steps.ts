// Small step builders shared by the families, so every family spells a setup the same way.
import { CPUID_VARIANTS, evaluate, hex, markLibraryVcpus, type CpuidVariant, type Op, type XfdMsr } from '../../model/index.js';
import type { BuildContext } from '../case.js';

export const TILEDATA = '0x40000';
/** IA32_XFD bit 19: no component supports XFD there (CPUID.(0DH,19).ECX[2] = 0). */
export const XFD_RESERVED = '0x80000';

export const requestGuestPerm: Op = { op: 'arch_prctl.req', option: 'ARCH_REQ_XCOMP_GUEST_PERM', feature: 18 };
export const requestHostPerm: Op = { op: 'arch_prctl.req', option: 'ARCH_REQ_XCOMP_PERM', feature: 18 };
export const createVcpu: Op = { op: 'vm.create_vcpu' };
export const enableOsxsave: Op = { op: 'guest.set_cr4_osxsave', enable: true };
export const getXcrs: Op = { op: 'vcpu.get_xcrs' };
export const getXsave2: Op = { op: 'vcpu.get_xsave2' };
export const getGuestPerm: Op = { op: 'arch_prctl.get', option: 'ARCH_GET_XCOMP_GUEST_PERM', pointer: 'valid' };
export const getHostPerm: Op = { op: 'arch_prctl.get', option: 'ARCH_GET_XCOMP_PERM', pointer: 'valid' };

export function setCpuid(variant: CpuidVariant): Op {
	return { op: 'vcpu.set_cpuid2', variant };
}

export function getMsr(msr: XfdMsr): Op {
	return { op: 'vcpu.get_msr', msr };
}

export function setMsr(msr: XfdMsr, value: string): Op {
	return { op: 'vcpu.set_msr', msr, value };
}

export function xsetbv(xcr0: bigint, ecx = 0): Op {
	return { op: 'guest.xsetbv', ecx, xcr0: hex(xcr0) };
}

/** Permission setup by value id: 'no-perm', 'guest-perm' or 'host-perm'. */
export function permSteps(perm: string): Op[] {
	if (perm === 'guest-perm') return [requestGuestPerm];
	if (perm === 'host-perm') return [requestHostPerm];
	return [];
}

/** The guest-supported XCR0 the model holds after these steps, for "enable everything" arguments. */
export function gsxAfter(steps: readonly Op[], ctx: BuildContext): bigint {
	return evaluate(markLibraryVcpus(steps), ctx.platform, ctx.rev).final.vcpu?.gsx ?? 0n;
}

/** Steps that make the guest enable every feature it may: CR4.OSXSAVE, then XSETBV(GSX | x87). */
export function enableAllInGuest(prefix: readonly Op[], ctx: BuildContext): Op[] {
	// Guest code follows the prefix, so its vCPU is the library's.
	return [enableOsxsave, xsetbv(gsxAfter([...prefix, enableOsxsave], ctx) | 1n)];
}

/** 'cpuid-<variant>' ids to variants; 'cpuid-none' means KVM_SET_CPUID2 is never called. */
export function cpuidSteps(id: string): Op[] {
	const name = id.replace(/^cpuid-/, '');
	if (name === 'none') return [];
	const variant = CPUID_VARIANTS.find((v) => v === name);
	if (!variant) throw new Error(`unknown CPUID variant ${name}`);
	return [setCpuid(variant)];
}
