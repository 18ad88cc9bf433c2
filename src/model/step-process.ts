// Process-wide operations: arch_prctl, fork, /dev/kvm queries, vCPU creation (§2.1-2.5).
import { kvmHasXfd, kvmSupportedXcr0, permittedXcr0, xsave2CapSize } from './kvm-caps.js';
import type { Op } from './ops.js';
import { UNSPECIFIED, errno, type Outcome } from './outcome.js';
import { has } from './revision.js';
import type { RuleId } from './rules.js';
import { initialProcess, type ModelState, type ProcessState, type VcpuState } from './state.js';
import { ModelError, type StepContext, type StepResult } from './step-types.js';
import { applyCpuid2, supportedCpuid } from './step-vcpu.js';
import { DYNAMIC, FP, FPSSE, USER_SUPPORTED, extendedXcr0Bits, hex, standardSize } from './xfeatures.js';

type ProcessOp = Extract<
	Op,
	{
		op:
			| 'arch_prctl.get'
			| 'arch_prctl.req'
			| 'arch_prctl.unknown'
			| 'fork'
			| 'kvm.check_extension'
			| 'kvm.get_device_attr'
			| 'kvm.get_supported_cpuid'
			| 'vm.create_vcpu'
			| 'host.cpu_hotplug';
	}
>;

/** XFEATURE_MAX: the number of xstate components the kernel lists (§2.1 step 2). */
function xfeatureMax(rev: StepContext['rev']): number {
	return has(rev, 'xfeature-apx-listed') ? 20 : 19;
}

export function stepProcess(state: ModelState, op: ProcessOp, ctx: StepContext): StepResult {
	const same = (outcome: Outcome, rule: RuleId): StepResult => ({ state, outcome, rule });
	const { platform, rev } = ctx;
	switch (op.op) {
		case 'arch_prctl.get': {
			if (op.option === 'ARCH_GET_XCOMP_GUEST_PERM' && !has(rev, 'guest-perm-prctls')) return same({ ret: errno('EINVAL') }, 'prctl.unknown-option');
			if (op.pointer === 'bad') return same({ ret: errno('EFAULT') }, 'prctl.get.bad-pointer');
			if (op.option === 'ARCH_GET_XCOMP_SUPP') return same({ ret: '0', value: hex(platform.userMax | FPSSE) }, 'prctl.get.supp');
			if (op.option === 'ARCH_GET_XCOMP_PERM') return same({ ret: '0', value: hex(state.proc.hostPerm & USER_SUPPORTED) }, 'prctl.get.perm');
			return same({ ret: '0', value: hex(state.proc.guestPerm & USER_SUPPORTED) }, 'prctl.get.guest-perm');
		}
		case 'arch_prctl.req':
			if (op.option === 'ARCH_REQ_XCOMP_GUEST_PERM' && !has(rev, 'guest-perm-prctls')) return same({ ret: errno('EINVAL') }, 'prctl.unknown-option');
			return requestPermission(state, op.option === 'ARCH_REQ_XCOMP_GUEST_PERM', op.feature, ctx);
		case 'arch_prctl.unknown':
			return same({ ret: errno('EINVAL') }, 'prctl.unknown-option');
		case 'fork': {
			// The child does not use the parent's VM; its permissions follow fpu_inherit_perms(); its memory,
			// the library's CPUID cache included, is a copy of the parent's.
			const inherit = platform.dynamicEnabled && has(rev, 'perm-inherited-on-fork');
			const proc: ProcessState = inherit ? { ...state.proc, child: true } : initialProcess(platform, true);
			return {
				state: { proc, vcpu: null, saved: {}, libraryCpuid: state.libraryCpuid },
				outcome: { ret: '0' },
				rule: inherit ? 'fork.inherit' : 'fork.defaults',
			};
		}
		case 'kvm.check_extension': {
			const size = xsave2CapSize(platform, rev, state.proc);
			return same({ value: String(size) }, size === 0 ? 'cap.xsave2-unknown' : 'cap.xsave2-size');
		}
		case 'kvm.get_device_attr': {
			if (!has(rev, 'xcomp-guest-supp-attr')) return same({ ret: errno('EINVAL') }, 'attr.absent');
			if (op.group !== 0) return same({ ret: errno('ENXIO') }, 'attr.bad-group');
			if (op.attr !== 0) return same({ ret: errno('ENXIO') }, 'attr.bad-attr');
			if (op.pointer === 'bad') return same({ ret: errno('EFAULT') }, 'attr.bad-pointer');
			return same({ ret: '0', value: hex(kvmSupportedXcr0(platform, rev)) }, 'attr.xcomp-guest-supp');
		}
		case 'kvm.get_supported_cpuid':
			return same(supportedCpuidLeafD(state.proc, ctx), 'supported-cpuid.leaf-d');
		case 'vm.create_vcpu': {
			// Both kinds of VM come from the library, whose first VM caches the supported CPUID as the
			// permission is now (before KVM_CREATE_VCPU locks it).
			const libraryCpuid = state.libraryCpuid ?? supportedCpuid('library', platform, rev, state.proc);
			const proc = { ...state.proc, guestLocked: state.proc.guestLocked || has(rev, 'vcpu-create-locks-guest-perm') };
			const created: ModelState = { ...state, proc, vcpu: freshVcpu(ctx), libraryCpuid };
			if (!op.library) return { state: created, outcome: { ret: '0' }, rule: 'vcpu.create' };
			// vm_create_with_one_vcpu() sets that cached CPUID on its vCPU.
			const set = applyCpuid2(created, created.vcpu!, libraryCpuid, ctx);
			if (set.outcome.ret !== '0') throw new ModelError(`the library's KVM_SET_CPUID2 fails with ${set.outcome.ret}`);
			return { state: set.state, outcome: { ret: '0' }, rule: 'vcpu.create-library' };
		}
		case 'host.cpu_hotplug': {
			// Without the fix the per-CPU xfd_state cache survives the MSR reset (§4 #10).
			if (has(rev, 'xfd-state-hotplug-sync') || !state.vcpu) return same({ ret: '0' }, 'hotplug.cycle');
			return { state: { ...state, vcpu: { ...state.vcpu, xfdCacheStale: true } }, outcome: { ret: '0' }, rule: 'hotplug.cycle-stale-cache' };
		}
	}
}

function requestPermission(state: ModelState, guest: boolean, feature: number, ctx: StepContext): StepResult {
	const same = (outcome: Outcome, rule: RuleId): StepResult => ({ state, outcome, rule });
	const { platform, rev } = ctx;
	// The option takes an unsigned long: negative numbers are huge.
	if (feature < 0 || feature >= xfeatureMax(rev)) return same({ ret: errno('EINVAL') }, 'prctl.req.out-of-range');
	const requested = 1n << BigInt(feature);
	if (requested !== DYNAMIC) return same({ ret: errno('EOPNOTSUPP') }, 'prctl.req.not-dynamic');
	if (!(platform.userMax & requested)) return same({ ret: errno('EOPNOTSUPP') }, 'prctl.req.unsupported');
	const old = guest ? state.proc.guestPerm : state.proc.hostPerm;
	if (old & requested) return same({ ret: '0' }, 'prctl.req.already-permitted');
	if (guest && state.proc.guestLocked) return same({ ret: errno('EBUSY') }, 'prctl.req.guest-locked');
	const overwrite = has(rev, 'perm-request-overwrites');
	const perm = overwrite ? requested : (old | requested) & USER_SUPPORTED;
	const proc: ProcessState = guest
		? { ...state.proc, guestPerm: perm, guestPermUserSize: standardSize((old | requested) & USER_SUPPORTED, platform.layout) }
		: { ...state.proc, hostPerm: perm };
	const next = { ...state, proc };
	if (guest && has(rev, 'guest-perm-req-uninit-ret')) return { state: next, outcome: { ret: UNSPECIFIED }, rule: 'prctl.req.grant-uninit-ret' };
	return { state: next, outcome: { ret: '0' }, rule: overwrite ? 'prctl.req.grant-overwrite' : 'prctl.req.grant' };
}

/** KVM_GET_SUPPORTED_CPUID leaf 0xD as the emitted C prints it. */
function supportedCpuidLeafD(proc: ProcessState, ctx: StepContext): Outcome {
	const permitted = permittedXcr0(ctx.platform, ctx.rev, proc);
	const size = String(standardSize(permitted, ctx.platform.layout));
	const subleaves = extendedXcr0Bits(permitted);
	const xfd = kvmHasXfd(ctx.platform, ctx.rev) ? '1' : '0';
	const outcome: Record<string, string> = {
		ret: '0',
		'd0.eax': hex(permitted & 0xffffffffn),
		'd0.edx': hex((permitted >> 32n) & 0xffffffffn),
		'd0.ebx': size,
		'd0.ecx': size,
		'd1.eax.xfd': xfd,
		subleaves: subleaves.length ? subleaves.join(',') : 'none',
	};
	// Sub-leaf i advertises XFD support (ECX[2]) only when KVM has XFD (e9737468829c, §4 #12).
	if (subleaves.includes(18)) outcome['d18.ecx.xfd'] = xfd;
	return outcome;
}

/** The vCPU right after KVM_CREATE_VCPU (§1.3, §2.2). */
function freshVcpu(ctx: StepContext): VcpuState {
	const { platform, rev } = ctx;
	return {
		cpuid: null,
		heldCpuid: null,
		hasRun: false,
		xcr0: FP,
		gsx: has(rev, 'gsx-is-user-xfeatures') ? platform.userDefault : 0n,
		userXfeatures: platform.userDefault,
		guestFpuXfeatures: platform.userDefault,
		uabiSize: has(rev, 'uabi-size-host-default') ? platform.userDefaultSize : 4096,
		xfd: 0n,
		xfdErr: 0n,
		xfdPassthrough: false,
		// A zeroed buffer: extended components are in init state; x87/SSE may be reported either way.
		xstate: { must: 0n, may: FPSSE, nonInit: 0n },
		cr4Osxsave: false,
		xfdCacheStale: false,
	};
}
