// Host-side vCPU ioctls: KVM_SET_CPUID2, XCRS, XSAVE, MSRS (§2.6-2.9, §2.12).
import { kvmHasXfd, kvmSupportedXcr0, permittedXcr0, startsPassthrough } from './kvm-caps.js';
import type { CpuidVariant, Op, XsaveImage } from './ops.js';
import { UNSPECIFIED, bitsMatcher, errno, type Outcome } from './outcome.js';
import { has } from './revision.js';
import type { RuleId } from './rules.js';
import type { Platform } from './platform.js';
import type { Revision } from './revision.js';
import { type CpuidConfig, type ModelState, type ProcessState, type SavedState, type VcpuState, type XstateKnowledge } from './state.js';
import { ModelError, withVcpu, type StepContext, type StepResult } from './step-types.js';
import { checkXcr } from './xcr0-check.js';
import { DYNAMIC, FPSSE, SSE, XTILE, XTILECFG, XTILEDATA, YMM, FP, hex, parseHex } from './xfeatures.js';

type VcpuOp = Extract<Op, { op: `vcpu.${string}` }>;

const KVM_MAX_XCRS = 16;
/** MXCSR bits 16..31 are reserved on every CPU with DAZ (mxcsr_feature_mask = 0xffff). */
const MXCSR_RESERVED = 0xffff0000n;
/** Standard size with every component up to XTILEDATA: the buffer holds tile data from here on. */
const SIZE_WITH_TILEDATA = 11008;

export function stepVcpu(state: ModelState, vcpu: VcpuState, op: VcpuOp, ctx: StepContext): StepResult {
	const same = (outcome: Outcome, rule: RuleId): StepResult => ({ state, outcome, rule });
	const saveAs = (saved: Partial<SavedState>, outcome: Outcome, rule: RuleId, save?: boolean): StepResult =>
		save ? { state: { ...state, saved: { ...state.saved, ...saved } }, outcome, rule } : same(outcome, rule);
	const v516 = has(ctx.rev, 'kvm-v5.16-unchanged');
	switch (op.op) {
		case 'vcpu.set_cpuid2':
			return applyCpuid2(state, vcpu, resolveCpuid(op.variant, state, vcpu, ctx), ctx);
		case 'vcpu.get_xcrs':
			return saveAs({ xcr0: vcpu.xcr0 }, { ret: '0', nr_xcrs: '1', xcr0: hex(vcpu.xcr0) }, 'xcrs.get', op.save);
		case 'vcpu.set_xcrs': {
			if (op.flags !== 0) return same({ ret: errno('EINVAL') }, 'xcrs.flags');
			if (op.nr_xcrs > KVM_MAX_XCRS) return same({ ret: errno('EINVAL') }, 'xcrs.too-many');
			// Only the first entry carries op.index; the others use index 1, which KVM ignores.
			if (op.nr_xcrs === 0 || op.index !== 0) return same({ ret: '0' }, 'xcrs.no-xcr0-entry');
			const xcr0 = op.xcr0 === 'saved' ? fromSaved(state.saved.xcr0, 'XCR0') : parseHex(op.xcr0);
			const verdict = checkXcr(0, xcr0, vcpu.gsx, ctx.rev);
			if (verdict !== 'xcr.accepted') return same({ ret: errno('EINVAL') }, verdict);
			return withVcpu(state, { ...vcpu, xcr0 }, { ret: '0' }, verdict);
		}
		case 'vcpu.get_xsave': {
			if (!v516 && vcpu.uabiSize > 4096) return same({ ret: errno('EINVAL') }, 'xsave.get-too-big');
			return saveAs({ xstate: maskedImage(vcpu, ctx) }, { ret: '0', xstate_bv: xstateBvMatcher(vcpu, ctx) }, 'xsave.get', op.save);
		}
		case 'vcpu.get_xsave2': {
			if (v516) return same({ ret: errno('EINVAL') }, 'xsave2.absent');
			const mask = getXsaveMask(vcpu, ctx);
			const outcome: Record<string, string> = { ret: '0', size: String(vcpu.uabiSize), xstate_bv: xstateBvMatcher(vcpu, ctx) };
			const tileReported = (vcpu.xstate.must | vcpu.xstate.may) & mask & XTILEDATA;
			if (vcpu.uabiSize >= SIZE_WITH_TILEDATA && !tileReported) {
				outcome.tiledata = has(ctx.rev, 'uabi-copy-zeroes-init-dynamic') ? 'zero' : UNSPECIFIED;
			}
			return saveAs({ xstate: maskedImage(vcpu, ctx) }, outcome, 'xsave2.get', op.save);
		}
		case 'vcpu.set_xsave':
			return setXsave(state, vcpu, op.image, ctx);
		case 'vcpu.get_msr': {
			if (v516) return same({ nmsrs: '0' }, 'msr.unknown-to-kvm');
			const value = op.msr === 'XFD' ? vcpu.xfd : vcpu.xfdErr;
			const saved = op.msr === 'XFD' ? { xfd: value } : { xfdErr: value };
			return saveAs(saved, { nmsrs: '1', value: hex(value) }, 'msr.host-get', op.save);
		}
		case 'vcpu.set_msr': {
			if (v516) return same({ nmsrs: '0' }, 'msr.unknown-to-kvm');
			const savedValue = op.msr === 'XFD' ? state.saved.xfd : state.saved.xfdErr;
			const value = op.value === 'saved' ? fromSaved(savedValue, op.msr) : parseHex(op.value);
			if (value & ~(vcpu.gsx & DYNAMIC)) return same({ nmsrs: '0' }, 'msr.host-set-unsupported-bits');
			// Host writes happen outside KVM_RUN with TIF_NEED_FPU_LOAD normally clear, so the buffer's
			// XSTATE_BV is left alone (§2.9, §5 item 4).
			const next: VcpuState =
				op.msr === 'XFD'
					? { ...vcpu, xfd: value, xfdPassthrough: vcpu.xfdPassthrough || startsPassthrough(value, ctx.platform, ctx.rev) }
					: { ...vcpu, xfdErr: value };
			return withVcpu(state, next, { nmsrs: '1' }, 'msr.host-set');
		}
	}
}

function fromSaved<T>(value: T | undefined, what: string): T {
	if (value === undefined) throw new ModelError(`restoring ${what} needs an earlier save step`);
	return value;
}

/** KVM_GET_SUPPORTED_CPUID as far as this contract cares, for a process with this permission (§2.5). */
export function supportedCpuid(variant: string, platform: Platform, rev: Revision, proc: ProcessState): CpuidConfig {
	const xcr0 = permittedXcr0(platform, rev, proc);
	return { variant, leafD: true, xcr0, xfd: kvmHasXfd(platform, rev), xsave: platform.kvm.xsave, flagsTweak: false };
}

/** The leaf-0xD CPUID a variant stands for, from KVM_GET_SUPPORTED_CPUID as this process sees it now. */
export function resolveCpuid(variant: CpuidVariant, state: ModelState, vcpu: VcpuState, ctx: StepContext): CpuidConfig {
	const base = supportedCpuid(variant, ctx.platform, ctx.rev, state.proc);
	const supported = base.xcr0;
	const noXtile = supported & ~XTILE;
	switch (variant) {
		case 'supported':
			return base;
		case 'supported-plus-xtile':
			return { ...base, xcr0: supported | XTILE };
		case 'xtilecfg-only':
			return { ...base, xcr0: noXtile | XTILECFG };
		case 'xtiledata-only':
			return { ...base, xcr0: noXtile | XTILEDATA };
		case 'no-xtile':
			return { ...base, xcr0: noXtile };
		case 'fp-sse-only':
			return { ...base, xcr0: FPSSE };
		case 'no-leaf-d':
			return { ...base, leafD: false, xcr0: 0n, xfd: false };
		case 'no-xfd-bit':
			return { ...base, xfd: false };
		case 'no-xsave':
			return { ...base, xsave: false };
		case 'same-as-current':
			return { ...fromSaved(vcpu.cpuid ?? undefined, 'the current CPUID'), variant };
		case 'flags-differ': {
			const current = fromSaved(vcpu.cpuid ?? undefined, 'the current CPUID');
			return { ...current, variant, flagsTweak: !current.flagsTweak };
		}
		case 'saved':
			return { ...fromSaved(state.saved.cpuid, 'the CPUID'), variant };
	}
}

function sameCpuid(a: CpuidConfig, b: CpuidConfig): boolean {
	return a.leafD === b.leafD && a.xcr0 === b.xcr0 && a.xfd === b.xfd && a.xsave === b.xsave && a.flagsTweak === b.flagsTweak;
}

/** KVM_SET_CPUID2 with these entries (§2.6). */
export function applyCpuid2(state: ModelState, vcpu: VcpuState, cpuid: CpuidConfig, ctx: StepContext): StepResult {
	const { platform, rev } = ctx;
	const written = { 'leafd.xcr0': hex(cpuid.xcr0) };
	const same = (ret: string, rule: RuleId): StepResult => ({ state, outcome: { ret, ...written }, rule });
	if (vcpu.hasRun && has(rev, 'post-run-set-cpuid2-identical-only')) {
		// The new entries are compared with the ones KVM holds.
		if (vcpu.heldCpuid && sameCpuid(vcpu.heldCpuid, cpuid)) return same('0', 'cpuid.post-run-identical');
		return same(errno('EINVAL'), 'cpuid.post-run-differs');
	}
	if (vcpu.hasRun && has(rev, 'post-run-set-cpuid2-unspecified')) return same(UNSPECIFIED, 'cpuid.post-run-unspecified');
	const supported = kvmSupportedXcr0(platform, rev);
	const heldCpuid = ctx.quirks?.heldCpuid?.(cpuid, ctx) ?? cpuid;
	const gsx = heldCpuid.leafD ? heldCpuid.xcr0 & supported : 0n;
	// The CPUID userspace set is what a later restore into a new VM feeds back ('saved').
	const kept = { ...state, saved: { ...state.saved, cpuid } };
	if (!has(rev, 'set-cpuid2-reallocates')) {
		return withVcpu(kept, { ...vcpu, cpuid, heldCpuid, gsx }, { ret: '0', ...written }, 'cpuid.no-perm-check');
	}
	let next: VcpuState = vcpu;
	let rule: RuleId = 'cpuid.accepted';
	const dynamic = cpuid.leafD ? cpuid.xcr0 & DYNAMIC & ~vcpu.guestFpuXfeatures : 0n;
	if (dynamic) {
		if ((state.proc.guestPerm & dynamic) !== dynamic) return same(errno('EPERM'), 'cpuid.dynamic-not-permitted');
		// fpstate_realloc(): a new zeroed buffer sized by the permission; nothing is copied over.
		next = {
			...next,
			guestFpuXfeatures: next.guestFpuXfeatures | dynamic,
			userXfeatures: next.userXfeatures | dynamic,
			uabiSize: state.proc.guestPermUserSize,
			xfd: next.xfd & ~dynamic,
			xstate: { must: 0n, may: 0n, nonInit: 0n },
		};
		rule = 'cpuid.realloc';
	}
	const userXfeatures = has(rev, 'set-cpuid2-sets-user-xfeatures') ? gsx : next.userXfeatures;
	next = { ...next, cpuid, heldCpuid, userXfeatures, gsx: has(rev, 'gsx-is-user-xfeatures') ? userXfeatures : gsx };
	return withVcpu(kept, next, { ret: '0', ...written }, rule);
}

/** The mask KVM_GET_XSAVE{,2} applies to XSTATE_BV (§2.7). */
function getXsaveMask(vcpu: VcpuState, ctx: StepContext): bigint {
	if (has(ctx.rev, 'get-xsave-keeps-fpsse')) return vcpu.userXfeatures & (vcpu.gsx | FPSSE);
	return vcpu.userXfeatures;
}

/** What a saved image holds: the buffer's XSTATE_BV as the GET ioctls mask it. */
function maskedImage(vcpu: VcpuState, ctx: StepContext): XstateKnowledge {
	const mask = getXsaveMask(vcpu, ctx);
	return { must: vcpu.xstate.must & mask, may: vcpu.xstate.may & mask, nonInit: vcpu.xstate.nonInit & mask };
}

function xstateBvMatcher(vcpu: VcpuState, ctx: StepContext): string {
	const mask = getXsaveMask(vcpu, ctx);
	return bitsMatcher(vcpu.xstate.must & mask, vcpu.xstate.may & mask);
}

/** The rule KVM_SET_XSAVE applies to an image with this XSTATE_BV, and the XSTATE_BV it stores. */
function setXsaveVerdict(bv: bigint, image: XsaveImage, vcpu: VcpuState, ctx: StepContext): { rule: RuleId; stored: bigint } {
	const stored = has(ctx.rev, 'set-xsave-clears-xfd-armed') ? bv & ~vcpu.xfd : bv;
	const reject = (rule: RuleId) => ({ rule, stored });
	if (stored & ~kvmSupportedXcr0(ctx.platform, ctx.rev)) return reject('set-xsave.unsupported-feature');
	if (stored & ~vcpu.userXfeatures) return reject('set-xsave.not-user-xfeature');
	if (image.xcomp_bv && parseHex(image.xcomp_bv) !== 0n) return reject('set-xsave.xcomp-bv');
	if (image.header_reserved && parseHex(image.header_reserved) !== 0n) return reject('set-xsave.reserved-header');
	if (image.mxcsr && stored & (FP | SSE | YMM) && parseHex(image.mxcsr) & MXCSR_RESERVED) return reject('set-xsave.mxcsr');
	return { rule: 'set-xsave.accepted', stored };
}

function setXsave(state: ModelState, vcpu: VcpuState, image: XsaveImage, ctx: StepContext): StepResult {
	const source: XstateKnowledge =
		image.xstate_bv !== undefined
			? { must: parseHex(image.xstate_bv), may: parseHex(image.xstate_bv), nonInit: 0n }
			: image.base === 'saved'
				? fromSaved(state.saved.xstate, 'the XSAVE image')
				: { must: 0n, may: 0n, nonInit: 0n };
	const nonInit = image.base === 'saved' && state.saved.xstate ? state.saved.xstate.nonInit : 0n;
	const low = setXsaveVerdict(source.must, image, vcpu, ctx);
	const high = setXsaveVerdict(source.must | source.may, image, vcpu, ctx);
	const lowOk = low.rule === 'set-xsave.accepted';
	if (lowOk !== (high.rule === 'set-xsave.accepted')) {
		const xstate = { must: 0n, may: vcpu.xstate.may | vcpu.xstate.must | high.stored, nonInit: 0n };
		return withVcpu(state, { ...vcpu, xstate }, { ret: UNSPECIFIED }, 'set-xsave.uncertain');
	}
	if (!lowOk) return { state, outcome: { ret: errno('EINVAL') }, rule: low.rule };
	const xstate = { must: low.stored, may: high.stored, nonInit: nonInit & high.stored };
	return withVcpu(state, { ...vcpu, xstate }, { ret: '0' }, 'set-xsave.accepted');
}
