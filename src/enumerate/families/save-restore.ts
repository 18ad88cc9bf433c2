// Save a vCPU's FPU state and restore it into a new VM in every order of the four restore
// ioctls (kernel-contract.md §2.12).
import type { Op } from '../../model/index.js';
import { valuesOf, type Family } from '../family.js';
import {
	TILEDATA,
	createVcpu,
	enableAllInGuest,
	getMsr,
	getXcrs,
	getXsave2,
	permSteps,
	setCpuid,
} from './steps.js';

const PARTS = ['cpuid', 'msrs', 'xcrs', 'xsave'] as const;
type Part = (typeof PARTS)[number];

function permutations<T>(items: readonly T[]): T[][] {
	if (items.length <= 1) return [items.slice()];
	return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const ORDERS = permutations(PARTS).map((order) => order.join('-'));

const RESTORE: Record<Part, Op[]> = {
	cpuid: [setCpuid('saved')],
	msrs: [
		{ op: 'vcpu.set_msr', msr: 'XFD', value: 'saved' },
		{ op: 'vcpu.set_msr', msr: 'XFD_ERR', value: 'saved' },
	],
	xcrs: [{ op: 'vcpu.set_xcrs', xcr0: 'saved', index: 0, nr_xcrs: 1, flags: 0 }],
	xsave: [{ op: 'vcpu.set_xsave', image: { base: 'saved' } }],
};

export const saveRestore: Family = {
	id: 'save-restore',
	title: 'save with KVM_GET_XSAVE2/XCRS/MSRS, restore into a new VM in every order',
	parameters: [
		{ name: 'order', values: valuesOf(...ORDERS) },
		{ name: 'source', values: valuesOf('plain', 'tiles-live', 'tiles-xfd-armed') },
	],
	exhaustive: true,
	requires: (v) => (v.source === 'plain' ? ['guest'] : v.source === 'tiles-live' ? ['amx', 'guest'] : ['amx', 'xfd', 'guest']),
	build(v, ctx) {
		const tiles = v.source !== 'plain';
		const prefix = [...permSteps(tiles ? 'guest-perm' : 'no-perm'), createVcpu, setCpuid('supported')];
		const source: Op[] = [
			...prefix,
			...enableAllInGuest(prefix, ctx),
			...(tiles ? [{ op: 'guest.tile_load' } as Op] : []),
			...(v.source === 'tiles-xfd-armed' ? [{ op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA } as Op] : []),
			{ op: 'vcpu.get_xsave2', save: true },
			{ op: 'vcpu.get_xcrs', save: true },
			{ op: 'vcpu.get_msr', msr: 'XFD', save: true },
			{ op: 'vcpu.get_msr', msr: 'XFD_ERR', save: true },
		];
		const order = v.order!.split('-') as Part[];
		return [...source, createVcpu, ...order.flatMap((part) => RESTORE[part]), getXcrs, getMsr('XFD'), getXsave2];
	},
};
