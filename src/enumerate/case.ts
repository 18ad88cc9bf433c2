// A generated test case: a named sequence of operations plus what the platform must offer to run it.
import { REQUIREMENTS, opRequires, type Op, type Platform, type Requirement, type Revision } from '../model/index.js';

export type CaseOrigin = 'covering-array' | 'transition' | 'regression' | 'exhaustive';

export interface TestCase {
	readonly id: string;
	readonly family: string;
	readonly title: string;
	readonly origin: CaseOrigin;
	readonly requires: readonly Requirement[];
	readonly steps: readonly Op[];
	/** For regression rows: the §4 bug the case catches. */
	readonly regression?: { readonly bug: string; readonly commit: string };
}

export interface BuildContext {
	readonly platform: Platform;
	readonly rev: Revision;
}

/** Requirements implied by the steps themselves, merged with the family's own, in a stable order. */
export function requirementsOf(steps: readonly Op[], extra: readonly Requirement[]): Requirement[] {
	const set = new Set<Requirement>([...extra, ...steps.flatMap((s) => opRequires(s.op))]);
	return REQUIREMENTS.filter((r) => set.has(r));
}
