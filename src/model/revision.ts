// Kernel revisions as sets of named behaviours with since/until (docs/contract.md §0, §4).
// A behaviour belongs to every revision r with since <= r < until in REVISION_ORDER, and to those
// it lists in alsoIn (a fix backported to an older stable line).

export const REVISION_ORDER = ['v5.16', 'fpu-kvm-v1', 'v5.17', 'v6.12', 'mainline'] as const;
export type RevisionId = (typeof REVISION_ORDER)[number];

export const REVISION_DESCRIPTIONS: Record<RevisionId, string> = {
	'v5.16': 'v5.16 as its stable line has it (5.16.10): dynamic XSTATE permission prctls for the host only, no guest permission prctls, KVM without AMX',
	'fpu-kvm-v1':
		'tglx x86/fpu-kvm (the seed "[patch 0/6] x86/fpu: Preparatory changes for guest AMX support", 5.16-rc based): x86/fpu changes only, KVM unchanged',
	'v5.17': 'v5.17 tag (AMX in KVM merged for 5.17-rc1, with the 5.17-rc fixes)',
	'v6.12': 'Debian linux-source-6.12 (6.12.117, with stable backports up to 2026)',
	mainline: 'mainline after 6.12 (adds the CR0.TS #NM fix for XFD_ERR)',
};

export interface Behaviour {
	readonly id: string;
	readonly summary: string;
	readonly since: RevisionId;
	/** First revision that no longer has it (exclusive). */
	readonly until?: RevisionId;
	/** The upstream kernel versions the behaviour spans, for people mapping a release. */
	readonly kernels: string;
	readonly citation: string;
	/** Revisions outside since..until that have it too. */
	readonly alsoIn?: readonly RevisionId[];
	/** The seed patch (of "[patch 0/6]") that brings it, for behaviours the series adds to v5.16. */
	readonly seedPatch?: string;
	/** Revisions for which the seed leaves KVM's handling open and the model names an assumption. */
	readonly assumedIn?: readonly RevisionId[];
}

const BEHAVIOURS: readonly Behaviour[] = [
	{
		id: 'guest-perm-prctls',
		summary: 'ARCH_GET/REQ_XCOMP_GUEST_PERM exist; guest permission starts equal to the host default and is independent of the host permission',
		since: 'fpu-kvm-v1',
		seedPatch: '1/6',
		kernels: 'tglx x86/fpu-kvm 1/6; 5.17-rc1 onwards',
		citation: 'docs/contract.md §1.2, §2.1; C xstate.c:1775-1814 fpu_xstate_prctl, core.c:565-566',
	},
	{
		id: 'guest-perm-req-uninit-ret',
		summary: 'a successful ARCH_REQ_XCOMP_GUEST_PERM returns an uninitialised ret (0-day report on 1/6)',
		since: 'fpu-kvm-v1',
		until: 'v5.17',
		seedPatch: '1/6',
		kernels: 'tglx x86/fpu-kvm only; fixed in AMX series v6 01/21 (int ret = 0)',
		citation: 'docs/contract.md §2.1 step 8, §4 A-era row',
	},
	{
		id: 'perm-request-overwrites',
		summary: 'a successful permission request stores only the requested bit (0x40000) instead of OR-ing it into the old permission',
		since: 'v5.16',
		until: 'v6.12',
		kernels: '5.16 (since db8268df0983, 5.16-rc1), tglx x86/fpu-kvm, 5.17.0 .. 5.17.1; fixed by 063452fd94d1 (5.18-rc1, 5.17.2)',
		citation: 'docs/contract.md §0 v5.16, §1.2, §4 #1; xstate.c:1644 WRITE_ONCE(perm->__state_perm, requested)',
	},
	{
		id: 'perm-inherited-on-fork',
		summary: 'fork() copies host and guest permission including the lock when dynamic features are enabled; otherwise the child starts from defaults',
		since: 'v5.16',
		kernels: 'all (5.16 has the host permission only, and copies it)',
		citation: 'docs/contract.md §0 v5.16, §1.2 Inheritance; C core.c:569-580, 661-662 fpu_inherit_perms',
	},
	{
		id: 'vcpu-create-locks-guest-perm',
		summary: 'KVM_CREATE_VCPU sets FPU_GUEST_PERM_LOCKED in the process guest permission; a later guest request that would change it fails -EBUSY',
		since: 'fpu-kvm-v1',
		seedPatch: '2/6 (the lock), 1/6 (-EBUSY)',
		kernels: 'tglx x86/fpu-kvm 1/6 and 2/6; 5.17-rc1 onwards',
		citation: 'docs/contract.md §2.2; C core.c:198-216 fpu_alloc_guest_fpstate, xstate.c:1658-1693',
	},
	{
		id: 'kvm-v5.16-unchanged',
		summary:
			'KVM is the v5.16 code, which knows no AMX, no XFD MSRs, no KVM_CAP_XSAVE2, no device attribute and never calls ' +
			'fpu_update_guest_xcr0/xfd (for the branch an assumption: the seed changes only x86/fpu)',
		since: 'v5.16',
		until: 'v5.17',
		kernels: '5.16; tglx x86/fpu-kvm',
		citation: 'docs/contract.md §0 "A-as-tree", §0 v5.16, §2.9 A, §5 item 2; seed cover letter ("only touching the x86/fpu code")',
		assumedIn: ['fpu-kvm-v1'],
	},
	{
		id: 'kvm-amx-support',
		summary: 'KVM exposes XTILECFG/XTILEDATA in supported XCR0, KVM_CAP_XSAVE2, KVM_GET_XSAVE2 and the XFD MSRs',
		since: 'v5.17',
		kernels: '5.17-rc1 onwards (AMX series v6, 86aff7a47992, 690a757d610e)',
		citation: 'docs/contract.md §1.1, §2.3, §2.7, §2.9',
	},
	{
		id: 'xcomp-guest-supp-attr',
		summary: 'KVM_GET_DEVICE_ATTR(0, KVM_X86_XCOMP_GUEST_SUPP) on /dev/kvm returns the unfiltered supported XCR0',
		since: 'v5.17',
		kernels: '5.17-rc2 onwards',
		citation: 'docs/contract.md §2.4; C x86.c:4399-4437',
	},
	{
		id: 'supported-cpuid-perm-filtered',
		summary: 'KVM_GET_SUPPORTED_CPUID 0xD.0 bitmap, sizes and sub-leaves are computed from supported XCR0 AND the guest permission',
		since: 'v5.17',
		kernels: '5.17-rc2 onwards (1ffce0924a8c)',
		citation: 'docs/contract.md §2.5, §4 #4; C cpuid.c:1092-1147',
	},
	{
		id: 'filter-xtilecfg-without-xtiledata',
		summary: 'XTILECFG is dropped from the permitted XCR0 when XTILEDATA is not permitted',
		since: 'v6.12',
		kernels: '6.4 onwards (55cd57b596e8, 6be3ae45f567)',
		citation: 'docs/contract.md §2.5, §4 #3; C x86.h:406-423 kvm_get_filtered_xcr0',
	},
	{
		id: 'set-cpuid2-reallocates',
		summary: 'KVM_SET_CPUID2 with XTILEDATA in CPUID.0xD.0 checks the live guest permission (-EPERM) and reallocates the guest fpstate to the permitted size',
		since: 'v5.17',
		kernels: '5.17-rc1 onwards',
		citation: 'docs/contract.md §2.6 step 5; C cpuid.c kvm_check_cpuid, core.c:281-292, xstate.c:1696-1738',
	},
	{
		id: 'uabi-size-host-default',
		summary: 'the base guest uABI size is the host default XSAVE size (below 4096), so KVM_GET_XSAVE2 copies fewer bytes than KVM_CAP_XSAVE2',
		since: 'v5.17',
		until: 'v6.12',
		kernels: '5.17.0 .. 5.17.12, 5.18.0 .. 5.18.1; fixed by d187ba531230 (5.19-rc1, 5.17.13, 5.18.2)',
		citation: 'docs/contract.md §1.3 uabi_size, §4 #2',
	},
	{
		id: 'gsx-is-user-xfeatures',
		summary:
			'guest-supported XCR0 is fpstate->user_xfeatures: the host user defaults before KVM_SET_CPUID2, CPUID.0xD.0 AND supported after it (FP/SSE not forced)',
		since: 'v5.17',
		until: 'v6.12',
		kernels: '5.17-rc6 (988896bb6182) .. 5.19; fixed by ee519b3a2ae3 (6.0, stable)',
		citation: 'docs/contract.md §1.3 GSX, §4 #7',
	},
	{
		id: 'set-cpuid2-sets-user-xfeatures',
		summary:
			'KVM_SET_CPUID2 overwrites fpstate->user_xfeatures with CPUID.0xD.0 AND supported XCR0, ' +
			'so KVM_SET_XSAVE rejects host-supported features hidden from the guest CPUID',
		since: 'v5.17',
		until: 'v6.12',
		kernels: '5.17-rc6 (ad856280ddea) .. 6.5; fixed by 8647c52e9504 + 18164f66e6c5 (6.6)',
		citation: 'docs/contract.md §1.3 user_xfeatures, §2.7, §4 #5, #8',
	},
	{
		id: 'get-xsave-keeps-fpsse',
		summary: 'KVM_GET_XSAVE{,2} always lets x87/SSE through the xstate_bv mask',
		since: 'v6.12',
		kernels: '6.0 onwards (a1020a25e697, stable)',
		citation: 'docs/contract.md §2.7, §4 #6; C x86.c:5136-5167',
	},
	{
		id: 'set-xsave-clears-xfd-armed',
		summary: 'KVM_SET_XSAVE silently clears XSTATE_BV bits that are armed in the current guest XFD',
		since: 'v6.12',
		kernels: 'b45f72177594 (6.19-rc, stable backports incl. 6.12.117)',
		citation: 'docs/contract.md §2.7 C row, §2.12, §4 #9; C x86.c:5182',
	},
	{
		id: 'xfd-passthrough-after-first-write',
		summary: 'on VMX the first successful non-zero IA32_XFD write disables XFD interception and enables #NM interception for good',
		since: 'v5.17',
		kernels: '5.17-rc1 onwards (AMX series v6 21/21)',
		citation: 'docs/contract.md §1.3 xfd_no_write_intercept, §2.9; C vmx.c:2256-2273',
	},
	{
		id: 'xsetbv-xtile-pair',
		summary: 'XCR0 with exactly one of XTILECFG/XTILEDATA is rejected (#GP / -EINVAL)',
		since: 'v5.17',
		kernels: '5.17-rc1 onwards (86aff7a47992)',
		citation: 'docs/contract.md §2.10 rule 7; C x86.c:1071-1114 __kvm_set_xcr',
	},
	{
		id: 'post-run-set-cpuid2-identical-only',
		summary: 'after KVM_RUN, KVM_SET_CPUID2 succeeds only with bit-identical entries (flags included), without permission check or reallocation',
		since: 'v5.17',
		alsoIn: ['v5.16'],
		kernels: '5.17-rc1 (c6617c61e8fe) + 5.17-rc2 flags check; both in 5.16.y stable (5.16.10)',
		citation: 'docs/contract.md §0 v5.16, §2.6 step 3, §4 #14; C cpuid.c:457-507 kvm_cpuid_check_equal',
	},
	{
		id: 'post-run-set-cpuid2-unspecified',
		summary: 'assumption: KVM_SET_CPUID2 after KVM_RUN on the 5.16-rc based branch is left unspecified (5.16-rc KVM was changing this rule at the time)',
		since: 'fpu-kvm-v1',
		until: 'v5.17',
		kernels: 'tglx x86/fpu-kvm',
		citation: 'docs/contract.md §4 #14 (rule introduced for 5.17-rc1); not covered by the seed',
		assumedIn: ['fpu-kvm-v1'],
	},
	{
		id: 'uabi-copy-zeroes-init-dynamic',
		summary: 'KVM_GET_XSAVE2 writes zeros for XTILEDATA when it is in its init state',
		since: 'v6.12',
		kernels: '6.1-rc2 onwards (471f0aa7fa64, abbd4afec673)',
		citation: 'docs/contract.md §4 #11',
	},
	{
		id: 'xfd-state-hotplug-sync',
		summary: 'CPU hotplug keeps the per-CPU xfd_state cache in sync with MSR_IA32_XFD',
		since: 'v6.12',
		kernels: '6.9 onwards (10e4b5166df9, stable; CVE-2024-35801)',
		citation: 'docs/contract.md §1.3 per-CPU xfd_state, §4 #10; C xstate.h:179-194',
	},
	{
		id: 'xfeature-apx-listed',
		summary: 'the kernel knows xstate component 19 (APX), so XFEATURE_MAX is 20: a permission request for 19 passes the range check and fails -EOPNOTSUPP',
		since: 'mainline',
		kernels: 'after 6.12 (APX xstate support; seen on Linux 6.18: ARCH_REQ_XCOMP_PERM(19) is -EOPNOTSUPP, (20) is -EINVAL)',
		citation: 'docs/contract.md §2.1 step 2 (the range check against XFEATURE_MAX); observed on a 6.18 host by fpu-kvm-testgen run',
	},
	{
		id: 'nm-cr0ts-preserves-xfd-err',
		summary: 'a #NM caused by CR0.TS does not make KVM re-read the guest XFD_ERR',
		since: 'mainline',
		kernels: 'after 6.12 ("KVM: VMX: Don\'t modify guest XFD_ERR if CR0.TS=1")',
		citation: 'docs/contract.md §2.11 step 3, §4 #13',
	},
];

const BY_ID = new Map(BEHAVIOURS.map((b) => [b.id, b]));

export function allBehaviours(): readonly Behaviour[] {
	return BEHAVIOURS;
}

export function behaviour(id: string): Behaviour {
	const b = BY_ID.get(id);
	if (!b) throw new Error(`unknown behaviour ${id}`);
	return b;
}

export function isRevisionId(value: string): value is RevisionId {
	return (REVISION_ORDER as readonly string[]).includes(value);
}

/** A revision: the set of behaviour ids whose since/until span contains it. */
export interface Revision {
	readonly id: RevisionId;
	readonly description: string;
	readonly behaviours: ReadonlySet<string>;
}

/** How two revisions differ: the behaviours only the second has, and those only the first has. */
export function revisionChanges(from: RevisionId, to: RevisionId): { added: Behaviour[]; removed: Behaviour[] } {
	const a = revision(from).behaviours;
	const b = revision(to).behaviours;
	return { added: BEHAVIOURS.filter((x) => b.has(x.id) && !a.has(x.id)), removed: BEHAVIOURS.filter((x) => a.has(x.id) && !b.has(x.id)) };
}

export function revision(id: RevisionId): Revision {
	const at = REVISION_ORDER.indexOf(id);
	const behaviours = new Set<string>();
	for (const b of BEHAVIOURS) {
		const since = REVISION_ORDER.indexOf(b.since);
		const until = b.until ? REVISION_ORDER.indexOf(b.until) : REVISION_ORDER.length;
		if ((since <= at && at < until) || b.alsoIn?.includes(id)) behaviours.add(b.id);
	}
	return { id, description: REVISION_DESCRIPTIONS[id], behaviours };
}

export function has(rev: Revision, behaviourId: string): boolean {
	if (!BY_ID.has(behaviourId)) throw new Error(`unknown behaviour ${behaviourId}`);
	return rev.behaviours.has(behaviourId);
}
