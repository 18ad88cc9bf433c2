// Every outcome the model predicts is decided by one of these rules. Citations point at
// docs/contract.md (section) and the kernel source it was compiled from.

export interface Rule {
	readonly summary: string;
	readonly citation: string;
}

const R = (summary: string, citation: string): Rule => ({ summary, citation });

export const RULES = {
	// arch_prctl (§2.1)
	'prctl.get.bad-pointer': R('GET options copy the mask out with put_user: a bad pointer gives -EFAULT', '§2.1; xstate.c:1783-1799'),
	'prctl.get.supp': R('ARCH_GET_XCOMP_SUPP returns fpu_user_cfg.max_features | x87 | SSE', '§2.1; xstate.c:1783-1785'),
	'prctl.get.perm': R('ARCH_GET_XCOMP_PERM returns the host permission masked to user features', '§2.1; xstate.c:1787-1794'),
	'prctl.get.guest-perm': R(
		'ARCH_GET_XCOMP_GUEST_PERM returns the guest permission masked to user features; LOCKED is not visible',
		'§2.1; xstate.c:1796-1799',
	),
	'prctl.req.out-of-range': R('a feature number >= XFEATURE_MAX (19; 20 once APX is listed), negative or huge, is -EINVAL', '§2.1 step 2; xstate.c:1801-1809'),
	'prctl.req.not-dynamic': R('only XTILEDATA (18) can be requested; any other feature, XTILECFG included, is -EOPNOTSUPP', '§2.1 step 3; xstate_prctl_req[]'),
	'prctl.req.unsupported': R('XTILEDATA not in fpu_user_cfg.max_features (no AMX/XFD/XSAVES) is -EOPNOTSUPP', '§2.1 step 4; xstate.c:1658-1693'),
	'prctl.req.already-permitted': R('a request for an already permitted feature returns 0 before the lock is looked at', '§2.1 step 5; xstate.c:1606-1649'),
	'prctl.req.guest-locked': R('a guest request after a vCPU exists in the process fails -EBUSY', '§2.1 step 6, §2.2; xstate.c:1658-1693'),
	'prctl.req.grant': R('the permission becomes old | XTILEDATA and the call returns 0', '§1.2, §2.1 step 8; xstate.c:1626-1644'),
	'prctl.req.grant-overwrite': R(
		'the permission is overwritten with the requested bit alone (0x40000); returns 0',
		'§1.2, §4 #1; xstate.c:1644 before 063452fd94d1',
	),
	'prctl.req.grant-uninit-ret': R(
		'the guest request is granted (overwritten with 0x40000) but returns an uninitialised ret: the value is unspecified',
		'§2.1 step 8 A, §4 A-era row',
	),
	'prctl.unknown-option': R('an arch_prctl option the kernel does not know is -EINVAL', '§2.1 unknown option; process.c:1062-1074'),
	'fork.inherit': R('the child inherits host and guest permission and the lock (dynamic features enabled)', '§1.2 Inheritance; core.c:569-580'),
	'fork.defaults': R('without dynamic features the child starts from the default permissions', '§1.2 Inheritance; core.c:569-580, 661-662'),
	// /dev/kvm (§2.3-2.5)
	'cap.xsave2-unknown': R('KVM_CHECK_EXTENSION of an unknown cap returns 0 (KVM v5.16 has no KVM_CAP_XSAVE2)', '§2.3 A'),
	'cap.xsave2-size': R('KVM_CAP_XSAVE2 = max(4096, standard XSAVE size of the permitted XCR0), evaluated for the calling process', '§2.3; x86.c:4372-4377'),
	'attr.absent': R('KVM v5.16 has no KVM_GET_DEVICE_ATTR on /dev/kvm: the ioctl falls to the -EINVAL default', '§2.4 A; behaviour kvm-v5.16-unchanged'),
	'attr.bad-group': R('group != 0 with no vendor handler for it is -ENXIO', '§2.4; x86.c:4399-4437'),
	'attr.bad-attr': R('an attribute other than KVM_X86_XCOMP_GUEST_SUPP is -ENXIO', '§2.4; x86.c:4399-4437'),
	'attr.bad-pointer': R('the value is written with put_user: a bad addr gives -EFAULT', '§2.4; x86.c:4399-4437'),
	'attr.xcomp-guest-supp': R('KVM_X86_XCOMP_GUEST_SUPP returns supported_xcr0 unfiltered by permission', '§2.4; x86.c:4399-4437'),
	'supported-cpuid.leaf-d': R(
		'0xD.0 EAX:EDX = permitted XCR0, EBX = ECX = its standard size, a sub-leaf per permitted extended XCR0 bit, XFD bits only when KVM has XFD',
		'§2.5; cpuid.c:1092-1147, 707, 737-738',
	),
	// vCPU (§2.2, §2.6)
	'vcpu.create': R('KVM_CREATE_VCPU locks the process guest permission and starts with XCR0=1, XFD=0, XFD_ERR=0', '§2.2; core.c:198-255, x86.c:11561'),
	'vcpu.create-library': R(
		"vm_create_with_one_vcpu() creates the vCPU (locking the guest permission) and sets the library's cached " +
			'KVM_GET_SUPPORTED_CPUID, filled by the first VM of the process under the permission it had then; GSX follows from it',
		'§2.2, §2.6; selftests lib/kvm_util.c:321, lib/x86_64/processor.c:1124-1133, 710-724 kvm_get_supported_cpuid, 676 vm_arch_vcpu_add',
	),
	'cpuid.post-run-identical': R('after KVM_RUN an identical CPUID is accepted without permission check or reallocation', '§2.6 step 3; cpuid.c:457-507'),
	'cpuid.post-run-differs': R('after KVM_RUN any difference, flags included, is -EINVAL', '§2.6 step 3, §4 #14; cpuid.c:457-507'),
	'cpuid.post-run-unspecified': R(
		'KVM_SET_CPUID2 after KVM_RUN on the 5.16-rc based branch: not specified by the seed',
		'§2.6 step 3, §4 #14; behaviour post-run-set-cpuid2-unspecified',
	),
	'cpuid.no-perm-check': R('KVM v5.16 accepts any leaf-0xD bitmap; GSX = CPUID.0xD.0 AND supported_xcr0', '§0 "A-as-tree", §1.3 GSX A'),
	'cpuid.dynamic-not-permitted': R('XTILEDATA in CPUID.0xD.0 outside the live process guest permission is -EPERM', '§2.6 step 5; xstate.c:1696-1738'),
	'cpuid.realloc': R(
		'XTILEDATA in CPUID.0xD.0 reallocates a zeroed guest fpstate of the permitted size (uabi_size grows)',
		'§2.6 step 5; xstate.c:1519-1587, 1550',
	),
	'cpuid.accepted': R('the CPUID is committed; GSX = CPUID.0xD.0 AND supported_xcr0 (0 without leaf 0xD)', '§2.6 step 6; cpuid.c:282-291, 407-408'),
	// XCRs (§2.8, §2.10)
	'xcrs.get': R('KVM_GET_XCRS reports one entry, XCR0', '§2.8; x86.c:5190-5207'),
	'xcrs.flags': R('KVM_SET_XCRS with flags != 0 is -EINVAL', '§2.8; x86.c:5209-5232'),
	'xcrs.too-many': R('KVM_SET_XCRS with nr_xcrs > 16 is -EINVAL', '§2.8; x86.c:5209-5232'),
	'xcrs.no-xcr0-entry': R('KVM_SET_XCRS without an XCR0 entry changes nothing and returns 0', '§2.8; x86.c:5209-5232'),
	'xcr.index': R('only XCR index 0 is writable', '§2.10 rule 1; x86.c:1071-1114'),
	'xcr.bit0-clear': R('XCR0 bit 0 (x87) must be set', '§2.10 rule 2, §3.1'),
	'xcr.avx-without-sse': R('AVX (bit 2) requires SSE (bit 1)', '§2.10 rule 3, §3.1'),
	'xcr.not-guest-supported': R('every bit must be in GSX | x87 (reserved, XSS-only, hidden from guest CPUID and host-unsupported bits fail)', '§2.10 rule 4'),
	'xcr.mpx-pair': R('BNDREGS and BNDCSR must be equal', '§2.10 rule 5, §3.1'),
	'xcr.avx512': R('AVX-512 bits 5..7 need AVX and must be all set or all clear', '§2.10 rule 6, §3.1'),
	'xcr.xtile-pair': R('XTILECFG and XTILEDATA must be both set or both clear', '§2.10 rule 7; 86aff7a47992'),
	'xcr.accepted': R('XCR0 is committed', '§2.10 rule 8'),
	// XSAVE ioctls (§2.7)
	'xsave.get-too-big': R('KVM_GET_XSAVE fails -EINVAL once uabi_size exceeds 4096 (after the AMX reallocation)', '§2.7; x86.c:5623-5641'),
	'xsave.get': R('KVM_GET_XSAVE copies 4096 bytes; XSTATE_BV is masked by the allowed user xfeatures', '§2.7; x86.c:5136-5167'),
	'xsave2.absent': R('KVM v5.16 has no KVM_GET_XSAVE2: the vCPU ioctl falls to -EINVAL', '§2.7 A'),
	'xsave2.get': R('KVM_GET_XSAVE2 copies uabi_size bytes; XSTATE_BV is masked by the allowed user xfeatures', '§2.7; x86.c:5656-5674'),
	'set-xsave.unsupported-feature': R('XSTATE_BV outside KVM supported_xcr0 is -EINVAL', '§2.7; x86.c:5169-5188'),
	'set-xsave.not-user-xfeature': R('XSTATE_BV outside fpstate->user_xfeatures fails the header check: -EINVAL', '§2.7; xstate.c:406-428'),
	'set-xsave.xcomp-bv': R('the uABI is standard format: XCOMP_BV != 0 is -EINVAL', '§2.7, §3.1; xstate.c:414-415'),
	'set-xsave.reserved-header': R('non-zero reserved header bytes are -EINVAL', '§2.7; xstate.c:406-428'),
	'set-xsave.mxcsr': R('reserved MXCSR bits with x87/SSE/AVX in XSTATE_BV are -EINVAL', '§2.7; xstate.c:1256-1335'),
	'set-xsave.accepted': R(
		"the image is loaded; XSTATE_BV of the buffer becomes the image's (after XFD clearing where the revision does it)",
		'§2.7; core.c:409-444',
	),
	'set-xsave.uncertain': R(
		'the saved XSTATE_BV depends on hardware XINUSE tracking, and the outcome differs between its possible values',
		'§3.3 XSAVE with XFD; §2.12',
	),
	// MSRs (§2.9)
	'msr.unknown-to-kvm': R('KVM v5.16 does not know IA32_XFD/IA32_XFD_ERR: KVM_GET/SET_MSRS stop at it (0 processed)', '§2.9 A'),
	'msr.host-get': R('host-initiated reads of XFD/XFD_ERR always succeed and return fpstate->xfd / guest_fpu.xfd_err', '§2.9; x86.c:4060-4073'),
	'msr.host-set-unsupported-bits': R('host writes with bits outside GSX & XTILEDATA fail (KVM_SET_MSRS processes 0)', '§2.9; x86.c:3703-3722'),
	'msr.host-set': R('the value is stored; a non-zero XFD write on VMX disables XFD interception', '§2.9; x86.c:3703-3722, vmx.c:2256-2273, core.c:295-322'),
	'hotplug.cycle-stale-cache': R(
		'offlining and onlining a CPU resets MSR_IA32_XFD but leaves the per-CPU cache stale: a later XFD load may be skipped on that CPU, ' +
			'so XFD-dependent outcomes there are unspecified (host XRSTOR #NM possible)',
		'§4 #10; 10e4b5166df9',
	),
	'hotplug.cycle': R(
		'offlining and onlining a CPU resets MSR_IA32_XFD; the per-CPU cache is resynchronised where the fix is present',
		'§4 #10; xstate.h:179-194',
	),
	// guest (§2.9-2.11)
	'cr4.osxsave-without-cpuid-xsave': R(
		'setting CR4.OSXSAVE when the guest CPUID set by KVM_SET_CPUID2 lacks CPUID.1.ECX.XSAVE is #GP (no CPUID set: no guest-reserved CR4 bits)',
		'§2.10; x86.c:1129-1138 __kvm_is_valid_cr4, cpuid.c:417 cr4_guest_rsvd_bits',
	),
	'cr4.write': R('the CR4 write is accepted', '§2.10'),
	'xsetbv.osxsave-clear': R('XSETBV with CR4.OSXSAVE=0 is #UD, raised by hardware before any VM exit', '§2.10, §3.1'),
	'guest-msr.unknown-to-kvm': R('KVM v5.16 does not emulate IA32_XFD/IA32_XFD_ERR: guest access is #GP', '§2.9 A'),
	'guest-msr.no-cpuid-xfd': R('intercepted guest access without CPUID.(0DH,1).EAX[4] in the guest CPUID is #GP', '§2.9; x86.c:3703-3722, 4060-4073'),
	'guest-msr.read': R('the guest reads the current value', '§2.9'),
	'guest-msr.unsupported-bits': R('an intercepted guest write with bits outside GSX & XTILEDATA is #GP', '§2.9'),
	'guest-msr.write': R('the intercepted write is stored; XFD armed for a component makes later XSAVEs record it as init', '§2.9, §3.3'),
	'guest-msr.passthrough-write': R(
		'XFD writes are not intercepted after the first non-zero write: hardware accepts host-supported XFD bits',
		'§2.9; vmx.c:2256-2273, core.c:336-346',
	),
	'guest-msr.passthrough-reserved': R('XFD writes are not intercepted: hardware raises #GP for bits the CPU cannot disable', '§2.9, §3.3'),
	'tile.ud-no-xtile': R('AMX instructions with XTILE not enabled in XCR0 (or CR4.OSXSAVE=0) are #UD', '§3.1, §3.3'),
	'tile.nm-xfd-armed': R('TILELOADD with XFD[18]=1 raises #NM and sets XFD_ERR[18]; KVM keeps it in guest_fpu.xfd_err', '§2.11 steps 2-5, §3.3'),
	'cr0ts.nm': R(
		'an x87 instruction with CR0.TS=1 raises #NM; hardware leaves IA32_XFD_ERR unchanged and KVM no longer re-reads it',
		'§3.3, §2.11 step 3, §4 #13',
	),
	'cr0ts.nm-reread': R(
		'an x87 instruction with CR0.TS=1 raises #NM; KVM re-reads IA32_XFD_ERR, which still holds the guest value, so it is unchanged',
		'§2.11 step 3 (vmx.c:6977-6995), §4 #13',
	),
	'tile.xfd-cache-stale': R(
		'after a CPU hotplug without the xfd_state fix, whether XFD is really armed depends on the CPU the vCPU runs on',
		'§4 #10; xstate.h:179-194',
	),
	'tile.load': R('tile configuration and data are loaded: XTILECFG and XTILEDATA are in use', '§3.3'),
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export function rule(id: RuleId): Rule {
	return RULES[id];
}
