// The model's public surface: the rest of the pipeline imports from here.
export * from './xfeatures.js';
export * from './platform.js';
export * from './revision.js';
export * from './rules.js';
export * from './outcome.js';
export * from './ops.js';
export * from './requirements.js';
export * from './fingerprint.js';
export * from './state.js';
export * from './kvm-caps.js';
export { step, ModelError, type Quirks, type StepResult } from './step.js';
export type { StepContext } from './step-types.js';
export { evaluate, type Evaluated } from './evaluate.js';
export * from './probe.js';
