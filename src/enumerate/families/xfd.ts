// IA32_XFD and IA32_XFD_ERR from the host (KVM_GET/SET_MSRS) and from the guest (RDMSR/WRMSR),
// intercepted and passed through (docs/contract.md §2.9).
import type { Op, XfdMsr } from '../../model/index.js';
import { invalidValuesOf, valuesOf, type Family } from '../family.js';
import { TILEDATA, XFD_RESERVED, createVcpu, cpuidSteps, enableOsxsave, getMsr, permSteps, setMsr } from './steps.js';

const MSR_VALUES: Record<string, string> = {
	'value-0': '0x0',
	'value-xtiledata': TILEDATA,
	'value-xtilecfg': '0x20000',
	'value-bit19': XFD_RESERVED,
	'value-bit63': '0x8000000000000000',
};

function msrOf(id: string): XfdMsr {
	return id === 'xfd-err' ? 'XFD_ERR' : 'XFD';
}

export const xfdHostMsrs: Family = {
	id: 'xfd.host-msrs',
	title: 'host-initiated KVM_SET_MSRS / KVM_GET_MSRS of IA32_XFD and IA32_XFD_ERR',
	parameters: [
		{ name: 'msr', values: valuesOf('xfd', 'xfd-err') },
		{ name: 'value', values: [...valuesOf('value-0', 'value-xtiledata'), ...invalidValuesOf('value-xtilecfg', 'value-bit19', 'value-bit63')] },
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
		{ name: 'cpuid', values: valuesOf('cpuid-supported', 'cpuid-no-xtile', 'cpuid-no-xfd-bit', 'cpuid-no-leaf-d', 'cpuid-none') },
	],
	build(v) {
		const msr = msrOf(v.msr!);
		return [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!), setMsr(msr, MSR_VALUES[v.value!]!), getMsr(msr)];
	},
};

export const xfdGuestMsrs: Family = {
	id: 'xfd.guest-msrs',
	title: 'guest RDMSR / WRMSR of IA32_XFD and IA32_XFD_ERR, intercepted and after XFD passthrough',
	parameters: [
		{ name: 'msr', values: valuesOf('xfd', 'xfd-err') },
		{ name: 'access', values: valuesOf('write', 'read') },
		{ name: 'value', values: [...valuesOf('value-0', 'value-xtiledata'), ...invalidValuesOf('value-bit19', 'value-bit63')] },
		{ name: 'cpuid', values: valuesOf('cpuid-supported', 'cpuid-no-xfd-bit', 'cpuid-no-xtile', 'cpuid-no-leaf-d') },
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
		{ name: 'prior', values: valuesOf('prior-none', 'prior-host-armed', 'prior-guest-armed') },
	],
	// A read has no value: keep the value at its default so rows stay meaningful.
	allowed: (v) => v.access === 'write' || v.value === 'value-0',
	requires: () => ['guest'],
	build(v) {
		const msr = msrOf(v.msr!);
		const prior: Op[] =
			v.prior === 'prior-host-armed' ? [setMsr('XFD', TILEDATA)] : v.prior === 'prior-guest-armed' ? [{ op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA }] : [];
		const access: Op = v.access === 'read' ? { op: 'guest.rdmsr', msr } : { op: 'guest.wrmsr', msr, value: MSR_VALUES[v.value!]! };
		return [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!), enableOsxsave, ...prior, access, getMsr(msr)];
	},
};
