// arch_prctl permission families (docs/contract.md §2.1, §1.2): requests for every feature number,
// before and after a vCPU exists, repeated, and in a forked child; the GET options with bad pointers.
import type { Op } from '../../model/index.js';
import { invalidValuesOf, valuesOf, type Family, type FamilyValue } from '../family.js';
import { createVcpu, getGuestPerm, getHostPerm } from './steps.js';

const FEATURES = [18, ...Array.from({ length: 18 }, (_, i) => i), 19, 20, 63, 64, -1];

function featureId(n: number): string {
	return n < 0 ? `feature-minus${-n}` : `feature-${n}`;
}

const featureValues: FamilyValue[] = FEATURES.map((n) => ({ id: featureId(n), invalid: n !== 18 }));

function featureOf(id: string): number {
	const n = FEATURES.find((f) => featureId(f) === id);
	if (n === undefined) throw new Error(`unknown feature value ${id}`);
	return n;
}

function request(who: string, feature: number): Op {
	return { op: 'arch_prctl.req', option: who === 'host' ? 'ARCH_REQ_XCOMP_PERM' : 'ARCH_REQ_XCOMP_GUEST_PERM', feature };
}

function setupSteps(setup: string, who: string): Op[] {
	switch (setup) {
		case 'after-request':
			return [request(who, 18)];
		case 'after-vcpu':
			return [createVcpu];
		case 'after-request-and-vcpu':
			return [request(who, 18), createVcpu];
		case 'in-child':
			return [{ op: 'fork' }];
		case 'in-child-after-vcpu':
			return [createVcpu, { op: 'fork' }];
		case 'in-child-after-request':
			return [request(who, 18), { op: 'fork' }];
		default:
			return [];
	}
}

export const permRequest: Family = {
	id: 'perm.request',
	title: 'ARCH_REQ_XCOMP_PERM / ARCH_REQ_XCOMP_GUEST_PERM for every feature number, lock and fork',
	parameters: [
		{ name: 'feature', values: featureValues },
		{ name: 'who', values: valuesOf('guest', 'host') },
		{
			name: 'setup',
			values: valuesOf('fresh', 'after-request', 'after-vcpu', 'after-request-and-vcpu', 'in-child', 'in-child-after-vcpu', 'in-child-after-request'),
		},
		{ name: 'repeat', values: valuesOf('once', 'twice') },
	],
	build(v) {
		const who = v.who!;
		const read = who === 'host' ? getHostPerm : getGuestPerm;
		const once = [request(who, featureOf(v.feature!)), read];
		return [...setupSteps(v.setup!, who), ...once, ...(v.repeat === 'twice' ? once : [])];
	},
};

const GET_OPTIONS = {
	'guest-perm': 'ARCH_GET_XCOMP_GUEST_PERM',
	perm: 'ARCH_GET_XCOMP_PERM',
	supp: 'ARCH_GET_XCOMP_SUPP',
} as const;

export const permGet: Family = {
	id: 'perm.get',
	title: 'ARCH_GET_XCOMP_SUPP / _PERM / _GUEST_PERM with valid and bad pointers',
	parameters: [
		{ name: 'option', values: [...valuesOf(...Object.keys(GET_OPTIONS)), ...invalidValuesOf('unknown-option-0x1026')] },
		{ name: 'pointer', values: [{ id: 'valid' }, ...invalidValuesOf('bad-pointer')] },
		{ name: 'setup', values: valuesOf('fresh', 'after-request', 'after-request-and-vcpu', 'in-child-after-request') },
	],
	build(v) {
		const setup = setupSteps(v.setup!, 'guest');
		// 0x1026 follows the last XCOMP option: no kernel defines it.
		if (v.option === 'unknown-option-0x1026') return [...setup, { op: 'arch_prctl.unknown', option: 0x1026 }];
		const option = GET_OPTIONS[v.option as keyof typeof GET_OPTIONS];
		const pointer = v.pointer === 'bad-pointer' ? 'bad' : 'valid';
		return [...setup, { op: 'arch_prctl.get', option, pointer }];
	},
};
