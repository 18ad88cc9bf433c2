// Values KVM derives from the platform, the revision and the calling process's permission.
import type { Platform } from './platform.js';
import { has, type Revision } from './revision.js';
import type { ProcessState } from './state.js';
import { DYNAMIC, KVM_SUPPORTED_XCR0_AMX, KVM_SUPPORTED_XCR0_NO_AMX, XTILECFG, XTILEDATA, standardSize } from './xfeatures.js';

/** KVM's supported_xcr0: what KVM offers on this host, within the revision's KVM_SUPPORTED_XCR0 (§1.1). */
export function kvmSupportedXcr0(platform: Platform, rev: Revision): bigint {
	const kvmMask = has(rev, 'kvm-amx-support') ? KVM_SUPPORTED_XCR0_AMX : KVM_SUPPORTED_XCR0_NO_AMX;
	return platform.kvm.xcr0 & kvmMask;
}

/** The XCR0 bitmap KVM_GET_SUPPORTED_CPUID and KVM_CAP_XSAVE2 report to this process (§2.3, §2.5). */
export function permittedXcr0(platform: Platform, rev: Revision, proc: ProcessState): bigint {
	const supported = kvmSupportedXcr0(platform, rev);
	if (!has(rev, 'supported-cpuid-perm-filtered')) return supported;
	if (!has(rev, 'filter-xtilecfg-without-xtiledata')) return supported & proc.guestPerm;
	if (!(supported & DYNAMIC)) return supported;
	const permitted = supported & proc.guestPerm;
	return permitted & XTILEDATA ? permitted : permitted & ~XTILECFG;
}

/** KVM_CAP_XSAVE2: max(4096, standard size of the permitted XCR0); 0 where the cap is unknown (§2.3). */
export function xsave2CapSize(platform: Platform, rev: Revision, proc: ProcessState): number {
	if (!has(rev, 'kvm-amx-support')) return 0;
	return Math.max(4096, standardSize(permittedXcr0(platform, rev, proc), platform.layout));
}

/** KVM reports XFD (0xD.1 EAX[4], 0xD.i ECX[2]) only where it offers XFD and is AMX-aware (§1.1, §2.5). */
export function kvmHasXfd(platform: Platform, rev: Revision): boolean {
	return platform.kvm.xfd && has(rev, 'kvm-amx-support');
}

/** Components whose IA32_XFD bit the host CPU accepts (CPUID.(0DH,i).ECX[2]); only XTILEDATA today (§3.3). */
export function hostXfdBits(platform: Platform): bigint {
	return platform.hasXfd ? platform.userMax & DYNAMIC : 0n;
}

/** VMX stops intercepting IA32_XFD after the first successful non-zero write (§1.3, vmx.c:2256-2273). */
export function startsPassthrough(value: bigint, platform: Platform, rev: Revision): boolean {
	return value !== 0n && platform.backend === 'vmx' && has(rev, 'xfd-passthrough-after-first-write');
}
