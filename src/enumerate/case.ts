// A generated test case: a named sequence of operations plus what the platform must offer to run it.
import type { Op, Platform, Revision } from '../model/index.js';

/** What a case needs from the machine it runs on. 'guest' = it executes guest code. */
export const REQUIREMENTS = ['amx', 'xfd', 'vmx', 'guest', 'cpu-hotplug'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

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

/** The requirements a platform profile satisfies: AMX and XFD as KVM offers them to guests. */
export function platformOffers(platform: Platform, requirement: Requirement): boolean {
	switch (requirement) {
		case 'amx':
			return platform.kvm.amx;
		case 'xfd':
			return platform.kvm.xfd;
		case 'vmx':
			return platform.backend === 'vmx';
		case 'guest':
		case 'cpu-hotplug':
			return true;
	}
}

/** Requirements implied by the steps themselves, merged with the family's own, in a stable order. */
export function requirementsOf(steps: readonly Op[], extra: readonly Requirement[]): Requirement[] {
	const set = new Set<Requirement>(extra);
	if (steps.some((s) => s.op.startsWith('guest.'))) set.add('guest');
	if (steps.some((s) => s.op === 'host.cpu_hotplug')) set.add('cpu-hotplug');
	return REQUIREMENTS.filter((r) => set.has(r));
}
