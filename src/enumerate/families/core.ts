// The core of the contract at the core strength: permission x CPUID x XCR0 x XFD, written by the host
// (KVM_SET_XCRS, KVM_SET_MSRS) or by the guest (XSETBV, WRMSR), then read back from the host.
import { hex, type Op } from '../../model/index.js';
import { invalidValuesOf, valuesOf, type Family, type FamilyValue } from '../family.js';
import { XCR0_CLASSES, isInvalidXcr0Class, xcr0Of, type Xcr0ClassName } from '../xcr0-classes.js';
import { TILEDATA, XFD_RESERVED, createVcpu, cpuidSteps, enableOsxsave, getMsr, getXcrs, getXsave2, gsxAfter, permSteps, setMsr, xsetbv } from './steps.js';
import type { BuildContext } from '../case.js';

export const xcr0Values: FamilyValue[] = (Object.keys(XCR0_CLASSES) as Xcr0ClassName[]).map((name) => ({
	id: name,
	invalid: isInvalidXcr0Class(name),
}));

/** The XCR0 value a row asks for, given the steps before it (some classes depend on the guest CPUID). */
export function xcr0ForRow(id: string, prefix: readonly Op[], ctx: BuildContext): bigint {
	if (!(id in XCR0_CLASSES)) throw new Error(`unknown XCR0 class ${id}`);
	return xcr0Of(id as Xcr0ClassName, ctx, gsxAfter(prefix, ctx));
}

const XFD_VALUES: Record<string, string> = { 'xfd-0': '0x0', 'xfd-xtiledata': TILEDATA, 'xfd-bit19': XFD_RESERVED };

export const core: Family = {
	id: 'core',
	title: 'guest permission x leaf-0xD CPUID x XCR0 x XFD, through host ioctls or guest instructions',
	parameters: [
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
		{
			name: 'cpuid',
			values: valuesOf('cpuid-supported', 'cpuid-supported-plus-xtile', 'cpuid-no-xtile', 'cpuid-xtiledata-only', 'cpuid-fp-sse-only', 'cpuid-no-leaf-d'),
		},
		{ name: 'xcr0', values: xcr0Values },
		{ name: 'xfd', values: [...valuesOf('xfd-0', 'xfd-xtiledata'), ...invalidValuesOf('xfd-bit19')] },
		{ name: 'via', values: valuesOf('via-host', 'via-guest') },
	],
	core: ['perm', 'cpuid', 'xcr0', 'xfd'],
	requires: (v) => (v.via === 'via-guest' ? ['guest'] : []),
	build(v, ctx) {
		const prefix = [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!)];
		// Guest code makes the vCPU the library's, with the library's CPUID under the case's.
		const xcr0 = xcr0ForRow(v.xcr0!, v.via === 'via-guest' ? [...prefix, enableOsxsave] : prefix, ctx);
		const xfd = XFD_VALUES[v.xfd!]!;
		const readBack = [getXcrs, getMsr('XFD'), getXsave2];
		if (v.via === 'via-host') {
			const xcrs: Op = { op: 'vcpu.set_xcrs', xcr0: hex(xcr0), index: 0, nr_xcrs: 1, flags: 0 };
			return [...prefix, xcrs, setMsr('XFD', xfd), ...readBack];
		}
		const guest: Op[] = [enableOsxsave, xsetbv(xcr0), { op: 'guest.wrmsr', msr: 'XFD', value: xfd }, { op: 'guest.rdmsr', msr: 'XFD' }];
		return [...prefix, ...guest, ...readBack];
	},
};
