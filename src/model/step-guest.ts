// Guest instructions, executed inside KVM_RUN and observed through the guest's exception handler
// and host-side reads (§2.9-2.11, §3.3).
import { hostXfdBits, startsPassthrough } from './kvm-caps.js';
import type { Op } from './ops.js';
import { UNSPECIFIED, type Outcome } from './outcome.js';
import { has } from './revision.js';
import type { RuleId } from './rules.js';
import type { ModelState, VcpuState, XstateKnowledge } from './state.js';
import { withVcpu, type StepContext, type StepResult } from './step-types.js';
import { checkXcr } from './xcr0-check.js';
import { DYNAMIC, FPSSE, PKRU, XTILE, XTILEDATA, hex, parseHex } from './xfeatures.js';

type GuestOp = Extract<Op, { op: `guest.${string}` }>;

export function stepGuest(state: ModelState, vcpu: VcpuState, op: GuestOp, ctx: StepContext): StepResult {
	const { outcome, rule, next } = execute(vcpu, op, ctx);
	const contract = afterRun(next);
	const xstate = ctx.quirks?.afterRun?.(next, contract, ctx) ?? contract;
	return withVcpu(state, { ...next, xstate }, outcome, rule);
}

interface Executed {
	readonly outcome: Outcome;
	readonly rule: RuleId;
	readonly next: VcpuState;
}

function execute(vcpu: VcpuState, op: GuestOp, ctx: StepContext): Executed {
	const fault = (vector: string, rule: RuleId): Executed => ({ outcome: { vector }, rule, next: vcpu });
	const done = (next: VcpuState, rule: RuleId, extra: Record<string, string> = {}): Executed => ({
		outcome: { vector: 'none', ...extra },
		rule,
		next,
	});
	const v516 = has(ctx.rev, 'kvm-v5.16-unchanged');
	// The guest sees the CPUID KVM holds.
	const cpuidXfd = vcpu.heldCpuid?.xfd === true;
	switch (op.op) {
		case 'guest.set_cr4_osxsave':
			// The guest CR4 reserved bits come from the CPUID userspace set; before any
			// KVM_SET_CPUID2 there are none, so OSXSAVE is accepted.
			if (op.enable && vcpu.heldCpuid && !vcpu.heldCpuid.xsave) return fault('GP', 'cr4.osxsave-without-cpuid-xsave');
			return done({ ...vcpu, cr4Osxsave: op.enable }, 'cr4.write');
		case 'guest.xsetbv': {
			if (!vcpu.cr4Osxsave) return fault('UD', 'xsetbv.osxsave-clear');
			const xcr0 = parseHex(op.xcr0);
			const verdict = checkXcr(op.ecx, xcr0, vcpu.gsx, ctx.rev);
			if (verdict !== 'xcr.accepted') return fault('GP', verdict);
			return done({ ...vcpu, xcr0 }, verdict);
		}
		case 'guest.rdmsr': {
			if (v516) return fault('GP', 'guest-msr.unknown-to-kvm');
			// Once XFD is passed through, RDMSR(XFD) no longer reaches KVM's CPUID check.
			const passthrough = op.msr === 'XFD' && vcpu.xfdPassthrough;
			if (!passthrough && !cpuidXfd) return fault('GP', 'guest-msr.no-cpuid-xfd');
			return done(vcpu, 'guest-msr.read', { value: hex(op.msr === 'XFD' ? vcpu.xfd : vcpu.xfdErr) });
		}
		case 'guest.wrmsr': {
			if (v516) return fault('GP', 'guest-msr.unknown-to-kvm');
			const value = parseHex(op.value);
			if (op.msr === 'XFD' && vcpu.xfdPassthrough) {
				if (value & ~hostXfdBits(ctx.platform)) return fault('GP', 'guest-msr.passthrough-reserved');
				return done({ ...vcpu, xfd: value }, 'guest-msr.passthrough-write');
			}
			if (!cpuidXfd) return fault('GP', 'guest-msr.no-cpuid-xfd');
			if (value & ~(vcpu.gsx & DYNAMIC)) return fault('GP', 'guest-msr.unsupported-bits');
			if (op.msr === 'XFD_ERR') return done({ ...vcpu, xfdErr: value }, 'guest-msr.write');
			const passthrough = vcpu.xfdPassthrough || startsPassthrough(value, ctx.platform, ctx.rev);
			return done({ ...vcpu, xfd: value, xfdPassthrough: passthrough }, 'guest-msr.write');
		}
		case 'guest.tile_load': {
			if (!vcpu.cr4Osxsave || (vcpu.xcr0 & XTILE) !== XTILE) return fault('UD', 'tile.ud-no-xtile');
			if (vcpu.xfdCacheStale) return fault(UNSPECIFIED, 'tile.xfd-cache-stale');
			if (vcpu.xfd & XTILEDATA) return { outcome: { vector: 'NM' }, rule: 'tile.nm-xfd-armed', next: { ...vcpu, xfdErr: vcpu.xfdErr | XTILEDATA } };
			const xstate = { must: vcpu.xstate.must | XTILE, may: vcpu.xstate.may | XTILE, nonInit: vcpu.xstate.nonInit | XTILE };
			return done({ ...vcpu, xstate }, 'tile.load');
		}
		case 'guest.cr0_ts_nm':
			// Hardware leaves XFD_ERR alone on a CR0.TS #NM. Before the mainline fix KVM re-reads it,
			// getting the guest's own value back: the same guest-visible result for a different reason.
			return fault('NM', has(ctx.rev, 'nm-cr0ts-preserves-xfd-err') ? 'cr0ts.nm' : 'cr0ts.nm-reread');
	}
}

/**
 * XSTATE_BV after KVM_RUN saved the guest state again: components with non-init data stay in use,
 * anything the guest had enabled may be in use, and XFD-armed components read as init (§3.3).
 * PKRU may be in use whatever the guest XCR0: leaving KVM_RUN, fpu_swap_kvm_fpstate() saves the guest
 * fpstate (its xfeatures include PKRU on a PKU host) while PKRU still holds the host's value, since
 * entering restored every component but PKRU (6.12 core.c:349-387, XFEATURE_MASK_FPSTATE excludes
 * PKRU, asm/fpu/xstate.h:46-47, 94-95; kvm_load_host_xsave_state() writes host_pkru back before it,
 * x86.c:1038-1049).
 */
function afterRun(vcpu: VcpuState): XstateKnowledge {
	const { must, may, nonInit } = vcpu.xstate;
	return {
		must: nonInit & ~vcpu.xfd,
		may: (must | may | vcpu.xcr0 | FPSSE | (vcpu.guestFpuXfeatures & PKRU)) & ~vcpu.xfd,
		nonInit: nonInit & ~vcpu.xfd,
	};
}
