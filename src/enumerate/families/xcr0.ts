// XCR0 through KVM_SET_XCRS (flags, counts, indices) and through guest XSETBV (ECX, CR4.OSXSAVE)
// for every XCR0 class (docs/contract.md §2.8, §2.10).
import { hex, type Op } from '../../model/index.js';
import { invalidValuesOf, valuesOf, type Family } from '../family.js';
import { xcr0ForRow, xcr0Values } from './core.js';
import { createVcpu, cpuidSteps, enableOsxsave, getXcrs, permSteps, xsetbv } from './steps.js';

export const xcr0SetXcrs: Family = {
	id: 'xcr0.set-xcrs',
	title: 'KVM_SET_XCRS with every XCR0 class, flags, entry counts and XCR indices',
	parameters: [
		{ name: 'xcr0', values: xcr0Values },
		{ name: 'flags', values: [{ id: 'flags-0' }, ...invalidValuesOf('flags-1')] },
		{ name: 'nr', values: [...valuesOf('nr-1', 'nr-0', 'nr-2', 'nr-16'), ...invalidValuesOf('nr-17')] },
		{ name: 'index', values: valuesOf('index-0', 'index-1') },
		{ name: 'cpuid', values: valuesOf('cpuid-supported', 'cpuid-fp-sse-only', 'cpuid-no-leaf-d', 'cpuid-none') },
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
	],
	build(v, ctx) {
		const prefix = [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!)];
		const xcr0 = xcr0ForRow(v.xcr0!, prefix, ctx);
		const number = (id: string) => Number(id.replace(/^[a-z]+-/, ''));
		const set: Op = { op: 'vcpu.set_xcrs', xcr0: hex(xcr0), index: number(v.index!), nr_xcrs: number(v.nr!), flags: number(v.flags!) };
		return [...prefix, set, getXcrs];
	},
};

export const xcr0GuestXsetbv: Family = {
	id: 'xcr0.guest-xsetbv',
	title: 'guest XSETBV with every XCR0 class, ECX != 0 and CR4.OSXSAVE clear',
	parameters: [
		{ name: 'xcr0', values: xcr0Values },
		{ name: 'ecx', values: [{ id: 'ecx-0' }, ...invalidValuesOf('ecx-1')] },
		{ name: 'osxsave', values: [{ id: 'osxsave-on' }, ...invalidValuesOf('osxsave-off')] },
		{ name: 'cpuid', values: valuesOf('cpuid-supported', 'cpuid-fp-sse-only', 'cpuid-no-leaf-d', 'cpuid-no-xsave') },
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
	],
	requires: () => ['guest'],
	build(v, ctx) {
		const prefix = [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!)];
		const xcr0 = xcr0ForRow(v.xcr0!, [...prefix, enableOsxsave], ctx);
		const osxsave = v.osxsave === 'osxsave-on' ? [enableOsxsave] : [];
		return [...prefix, ...osxsave, xsetbv(xcr0, v.ecx === 'ecx-1' ? 1 : 0), getXcrs];
	},
};
