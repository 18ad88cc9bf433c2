// /dev/kvm queries that depend on the calling process's permission (docs/contract.md §2.3-2.5).
import type { Op } from '../../model/index.js';
import { invalidValuesOf, valuesOf, type Family } from '../family.js';
import { createVcpu, permSteps } from './steps.js';

const QUERIES: Record<string, Op> = {
	'supported-cpuid': { op: 'kvm.get_supported_cpuid' },
	'cap-xsave2': { op: 'kvm.check_extension', cap: 'KVM_CAP_XSAVE2' },
	'attr-guest-supp': { op: 'kvm.get_device_attr', group: 0, attr: 0, pointer: 'valid' },
	'attr-bad-attr': { op: 'kvm.get_device_attr', group: 0, attr: 1, pointer: 'valid' },
	'attr-bad-group': { op: 'kvm.get_device_attr', group: 0xff, attr: 0, pointer: 'valid' },
	'attr-bad-pointer': { op: 'kvm.get_device_attr', group: 0, attr: 0, pointer: 'bad' },
};

export const kvmQuery: Family = {
	id: 'kvm.query',
	title: 'KVM_GET_SUPPORTED_CPUID leaf 0xD, KVM_CAP_XSAVE2 and KVM_X86_XCOMP_GUEST_SUPP before and after permission',
	parameters: [
		{
			name: 'query',
			values: [...valuesOf('supported-cpuid', 'cap-xsave2', 'attr-guest-supp'), ...invalidValuesOf('attr-bad-attr', 'attr-bad-group', 'attr-bad-pointer')],
		},
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm', 'host-perm', 'guest-perm-then-fork') },
		{ name: 'when', values: valuesOf('before-vcpu', 'after-vcpu') },
	],
	build(v) {
		const perm = v.perm === 'guest-perm-then-fork' ? [...permSteps('guest-perm'), { op: 'fork' } as Op] : permSteps(v.perm!);
		return [...perm, ...(v.when === 'after-vcpu' ? [createVcpu] : []), QUERIES[v.query!]!];
	},
};
