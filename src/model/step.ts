// The one transition function: step(state, op, platform, revision) -> { state, outcome, rule }.
import type { Op } from './ops.js';
import type { Platform } from './platform.js';
import type { Revision } from './revision.js';
import type { ModelState, VcpuState } from './state.js';
import { ModelError, type Quirks, type StepContext, type StepResult } from './step-types.js';
import { stepProcess } from './step-process.js';
import { stepVcpu } from './step-vcpu.js';
import { stepGuest } from './step-guest.js';

export { ModelError, type Quirks, type StepResult } from './step-types.js';

export function step(state: ModelState, op: Op, platform: Platform, rev: Revision, quirks?: Quirks): StepResult {
	const ctx: StepContext = quirks ? { platform, rev, quirks } : { platform, rev };
	const result = contractStep(state, op, ctx);
	return quirks?.outcome ? { ...result, outcome: quirks.outcome(op, result.outcome, ctx) } : result;
}

function contractStep(state: ModelState, op: Op, ctx: StepContext): StepResult {
	switch (op.op) {
		case 'arch_prctl.get':
		case 'arch_prctl.req':
		case 'arch_prctl.unknown':
		case 'fork':
		case 'kvm.check_extension':
		case 'kvm.get_device_attr':
		case 'kvm.get_supported_cpuid':
		case 'vm.create_vcpu':
		case 'host.cpu_hotplug':
			return stepProcess(state, op, ctx);
		case 'guest.set_cr4_osxsave':
		case 'guest.xsetbv':
		case 'guest.rdmsr':
		case 'guest.wrmsr':
		case 'guest.tile_load':
		case 'guest.cr0_ts_nm':
			// Guest instructions run inside KVM_RUN: from here on the vCPU has run.
			return stepGuest(state, { ...requireVcpu(state, op), hasRun: true }, op, ctx);
		default:
			return stepVcpu(state, requireVcpu(state, op), op, ctx);
	}
}

function requireVcpu(state: ModelState, op: Op): VcpuState {
	if (!state.vcpu) throw new ModelError(`${op.op} needs a vCPU: create one first`);
	return state.vcpu;
}
