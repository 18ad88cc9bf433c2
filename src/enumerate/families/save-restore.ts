// Save a vCPU's FPU state and restore it into a new VM in every order of the four restore
// ioctls (docs/contract.md §2.12).
import { has, type Op } from '../../model/index.js';
import type { BuildContext } from '../case.js';
import { valuesOf, type Family } from '../family.js';
import { TILEDATA, createVcpu, enableAllInGuest, getMsr, getXcrs, getXsave2, permSteps, setCpuid } from './steps.js';

const PARTS = ['cpuid', 'msrs', 'xcrs', 'xsave'] as const;
type Part = (typeof PARTS)[number];

function permutations<T>(items: readonly T[]): T[][] {
	if (items.length <= 1) return [items.slice()];
	return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const ORDERS = permutations(PARTS).map((order) => order.join('-'));

/** A KVM without the AMX uAPI (the seed branch) saves with KVM_GET_XSAVE and has no XFD MSRs to move. */
function hasAmxUapi(ctx: BuildContext): boolean {
	return has(ctx.rev, 'kvm-amx-support');
}

function saveSteps(ctx: BuildContext): Op[] {
	const msrs: Op[] = hasAmxUapi(ctx)
		? [
				{ op: 'vcpu.get_msr', msr: 'XFD', save: true },
				{ op: 'vcpu.get_msr', msr: 'XFD_ERR', save: true },
			]
		: [];
	return [{ op: hasAmxUapi(ctx) ? 'vcpu.get_xsave2' : 'vcpu.get_xsave', save: true }, { op: 'vcpu.get_xcrs', save: true }, ...msrs];
}

function restoreSteps(part: Part, ctx: BuildContext): Op[] {
	switch (part) {
		case 'cpuid':
			return [setCpuid('saved')];
		case 'msrs':
			return hasAmxUapi(ctx)
				? [
						{ op: 'vcpu.set_msr', msr: 'XFD', value: 'saved' },
						{ op: 'vcpu.set_msr', msr: 'XFD_ERR', value: 'saved' },
					]
				: [];
		case 'xcrs':
			return [{ op: 'vcpu.set_xcrs', xcr0: 'saved', index: 0, nr_xcrs: 1, flags: 0 }];
		case 'xsave':
			return [{ op: 'vcpu.set_xsave', image: { base: 'saved' } }];
	}
}

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
			...saveSteps(ctx),
		];
		const order = v.order!.split('-') as Part[];
		const verify: Op[] = hasAmxUapi(ctx) ? [getXcrs, getMsr('XFD'), getXsave2] : [getXcrs, { op: 'vcpu.get_xsave' }];
		return [...source, createVcpu, ...order.flatMap((part) => restoreSteps(part, ctx)), ...verify];
	},
};
