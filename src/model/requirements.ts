// What a case needs from the machine it runs on, declared once: the expected.json enum, the skip
// reasons and the emitted C's FKT_NEEDS_* flags are derived from this table.
import type { Platform } from './platform.js';

export const REQUIREMENT_TABLE = {
	amx: { cNeeds: 'FKT_NEEDS_AMX', missing: 'AMX in KVM', offered: (p: Platform) => p.kvm.amx },
	xfd: { cNeeds: 'FKT_NEEDS_XFD', missing: 'XFD in KVM', offered: (p: Platform) => p.kvm.xfd },
	vmx: { cNeeds: 'FKT_NEEDS_VMX', missing: 'vmx', offered: (p: Platform) => p.backend === 'vmx' },
	/** It executes guest code. */
	guest: { cNeeds: 'FKT_NEEDS_GUEST', missing: 'guest', offered: () => true },
	'cpu-hotplug': { cNeeds: 'FKT_NEEDS_CPU_HOTPLUG', missing: 'cpu-hotplug', offered: () => true },
} as const;

export type Requirement = keyof typeof REQUIREMENT_TABLE;

/** In a stable order: the order of expected.json and of the C flag bits. */
export const REQUIREMENTS = Object.keys(REQUIREMENT_TABLE) as [Requirement, ...Requirement[]];

/** Whether a platform profile satisfies a requirement: AMX and XFD as KVM offers them to guests. */
export function platformOffers(platform: Platform, requirement: Requirement): boolean {
	return REQUIREMENT_TABLE[requirement].offered(platform);
}
