// Every covering-array family, in the order they appear in the suite.
import type { Family } from '../family.js';
import { core } from './core.js';
import { cpuidSet } from './cpuid.js';
import { kvmQuery } from './kvm-query.js';
import { nmXfdErr } from './nm.js';
import { permGet, permRequest } from './perm.js';
import { saveRestore } from './save-restore.js';
import { xcr0GuestXsetbv, xcr0SetXcrs } from './xcr0.js';
import { xfdGuestMsrs, xfdHostMsrs } from './xfd.js';
import { xsaveGet, xsaveSet } from './xsave.js';

export const FAMILIES: readonly Family[] = [
	permRequest,
	permGet,
	kvmQuery,
	cpuidSet,
	core,
	xcr0SetXcrs,
	xcr0GuestXsetbv,
	xfdHostMsrs,
	xfdGuestMsrs,
	xsaveGet,
	xsaveSet,
	nmXfdErr,
	saveRestore,
];

const OTHER_TITLES: Record<string, string> = {
	sequence: "tours that take every reachable transition of the model's state machine",
	regression: 'one case per bug of the guest FPU contract fixed after v5.17 (docs/contract.md section 4)',
};

/** What a family's test file is about, for its header comment. */
export function familyTitle(id: string): string {
	return FAMILIES.find((f) => f.id === id)?.title ?? OTHER_TITLES[id] ?? id;
}
