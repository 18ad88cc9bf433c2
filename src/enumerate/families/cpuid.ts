// KVM_SET_CPUID2 with leaf-0xD variants, first, replaced before KVM_RUN, and after KVM_RUN (§2.6).
import type { Op } from '../../model/index.js';
import { valuesOf, type Family } from '../family.js';
import { createVcpu, enableOsxsave, getHostPerm, getMsr, getXcrs, getXsave2, permSteps, setCpuid, cpuidSteps } from './steps.js';

const POST_RUN_ONLY = new Set(['cpuid-same-as-current', 'cpuid-flags-differ']);

export const cpuidSet: Family = {
	id: 'cpuid.set',
	title: 'KVM_SET_CPUID2 leaf-0xD variants against the guest permission, before and after KVM_RUN',
	parameters: [
		{
			name: 'cpuid',
			values: valuesOf(
				'cpuid-supported',
				'cpuid-supported-plus-xtile',
				'cpuid-xtilecfg-only',
				'cpuid-xtiledata-only',
				'cpuid-no-xtile',
				'cpuid-fp-sse-only',
				'cpuid-no-leaf-d',
				'cpuid-no-xfd-bit',
				'cpuid-no-xsave',
				'cpuid-same-as-current',
				'cpuid-flags-differ',
			),
		},
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm', 'host-perm') },
		{ name: 'timing', values: valuesOf('first', 'replacing', 'after-run') },
	],
	allowed: (v) => !POST_RUN_ONLY.has(v.cpuid!) || v.timing === 'after-run',
	requires: (v) => (v.timing === 'after-run' ? ['guest'] : []),
	build(v) {
		const before: Op[] = v.timing === 'first' ? [] : [setCpuid('supported')];
		// The smallest KVM_RUN: the guest sets CR4.OSXSAVE and reports back.
		const run: Op[] = v.timing === 'after-run' ? [enableOsxsave] : [];
		return [...permSteps(v.perm!), createVcpu, ...before, ...run, ...cpuidSteps(v.cpuid!), getXsave2, getXcrs, getMsr('XFD'), getHostPerm];
	},
};
