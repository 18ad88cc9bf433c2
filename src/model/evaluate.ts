// Run a sequence of operations through the model from the initial state.
import type { Op } from './ops.js';
import type { Platform } from './platform.js';
import type { Revision } from './revision.js';
import { initialState, type ModelState } from './state.js';
import { step, type Quirks, type StepResult } from './step.js';

export interface Evaluated {
	readonly results: readonly StepResult[];
	readonly final: ModelState;
}

export function evaluate(ops: readonly Op[], platform: Platform, rev: Revision, quirks?: Quirks): Evaluated {
	let state = initialState(platform);
	const results: StepResult[] = [];
	for (const op of ops) {
		const result = step(state, op, platform, rev, quirks);
		results.push(result);
		state = result.state;
	}
	return { results, final: state };
}
