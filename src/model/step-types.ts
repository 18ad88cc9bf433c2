// Types shared by the step function and its per-area helpers.
import type { Outcome } from './outcome.js';
import type { Platform } from './platform.js';
import type { Revision } from './revision.js';
import type { RuleId } from './rules.js';
import type { ModelState, VcpuState } from './state.js';

export interface StepResult {
	readonly state: ModelState;
	readonly outcome: Outcome;
	readonly rule: RuleId;
}

export interface StepContext {
	readonly platform: Platform;
	readonly rev: Revision;
}

/** Thrown when a case asks for something the model cannot apply (an enumeration bug, never a kernel result). */
export class ModelError extends Error {}

/** A result that replaces the vCPU. */
export function withVcpu(state: ModelState, vcpu: VcpuState, outcome: Outcome, rule: RuleId): StepResult {
	return { state: { ...state, vcpu }, outcome, rule };
}
