// Types shared by the step function and its per-area helpers.
import type { Op } from './ops.js';
import type { Outcome } from './outcome.js';
import type { Platform } from './platform.js';
import type { Revision } from './revision.js';
import type { RuleId } from './rules.js';
import type { CpuidConfig, ModelState, VcpuState, XstateKnowledge } from './state.js';

export interface StepResult {
	readonly state: ModelState;
	readonly outcome: Outcome;
	readonly rule: RuleId;
}

export interface StepContext {
	readonly platform: Platform;
	readonly rev: Revision;
	readonly quirks?: Quirks;
}

/**
 * Points where a platform can depart from the contract. Expectations never use them: the compare
 * stage's known deviations do, to predict what a deviating platform produces (src/compare/deviations.ts).
 */
export interface Quirks {
	/** The CPUID KVM holds after KVM_SET_CPUID2 committed the entries userspace wrote. */
	readonly heldCpuid?: (written: CpuidConfig, ctx: StepContext) => CpuidConfig;
	/** XSTATE_BV of the guest buffer after KVM_RUN saved the guest registers again. */
	readonly afterRun?: (vcpu: VcpuState, contract: XstateKnowledge, ctx: StepContext) => XstateKnowledge;
	/** The outcome of an operation as the platform reports it. */
	readonly outcome?: (op: Op, contract: Outcome, ctx: StepContext) => Outcome;
}

/** Thrown when a case asks for something the model cannot apply (an enumeration bug, never a kernel result). */
export class ModelError extends Error {}

/** A result that replaces the vCPU. */
export function withVcpu(state: ModelState, vcpu: VcpuState, outcome: Outcome, rule: RuleId): StepResult {
	return { state: { ...state, vcpu }, outcome, rule };
}
