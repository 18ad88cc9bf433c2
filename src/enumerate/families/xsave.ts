// KVM_GET_XSAVE, KVM_GET_XSAVE2 and KVM_SET_XSAVE: sizes, XSTATE_BV masking, header and MXCSR checks,
// features hidden from the guest CPUID, and tile data while XFD is armed (docs/contract.md §2.7).
import { FPSSE, XTILE, hex, kvmSupportedXcr0, type Op, type XsaveImage } from '../../model/index.js';
import type { BuildContext } from '../case.js';
import { invalidValuesOf, valuesOf, type Family } from '../family.js';
import { TILEDATA, createVcpu, cpuidSteps, enableOsxsave, getXsave2, permSteps, setMsr } from './steps.js';

export const xsaveGet: Family = {
	id: 'xsave.get',
	title: 'KVM_GET_XSAVE and KVM_GET_XSAVE2: size copied and XSTATE_BV mask',
	parameters: [
		{ name: 'ioctl', values: valuesOf('get-xsave2', 'get-xsave') },
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
		{ name: 'cpuid', values: valuesOf('cpuid-supported', 'cpuid-supported-plus-xtile', 'cpuid-fp-sse-only', 'cpuid-no-leaf-d', 'cpuid-none') },
		{ name: 'before', values: valuesOf('fresh', 'after-set-fpsse', 'after-run') },
	],
	// Guest code runs only on a vCPU whose CPUID the case set (the emitted C never relies on a default).
	allowed: (v) => !(v.before === 'after-run' && v.cpuid === 'cpuid-none'),
	requires: (v) => (v.before === 'after-run' ? ['guest'] : []),
	build(v) {
		const before: Op[] =
			v.before === 'after-set-fpsse'
				? [{ op: 'vcpu.set_xsave', image: { base: 'zero', xstate_bv: hex(FPSSE) } }]
				: v.before === 'after-run'
					? [enableOsxsave]
					: [];
		const get: Op = v.ioctl === 'get-xsave' ? { op: 'vcpu.get_xsave' } : getXsave2;
		return [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!), ...before, get];
	},
};

function image(id: string, ctx: BuildContext): XsaveImage {
	const allHost = kvmSupportedXcr0(ctx.platform, ctx.rev) & ~XTILE;
	switch (id) {
		case 'image-fp-sse':
			return { base: 'zero', xstate_bv: hex(FPSSE) };
		case 'image-empty':
			return { base: 'zero', xstate_bv: '0x0' };
		case 'image-all-host-features':
			return { base: 'zero', xstate_bv: hex(allHost) };
		case 'image-xtile':
			return { base: 'zero', xstate_bv: hex(FPSSE | XTILE) };
		case 'image-xss-bit8':
			return { base: 'zero', xstate_bv: '0x103' };
		case 'image-bit63':
			return { base: 'zero', xstate_bv: '0x8000000000000003' };
		case 'image-xcomp-bv':
			return { base: 'zero', xstate_bv: hex(FPSSE), xcomp_bv: '0x8000000000000003' };
		case 'image-reserved-header':
			return { base: 'zero', xstate_bv: hex(FPSSE), header_reserved: '0x1' };
		case 'image-mxcsr-reserved':
			return { base: 'zero', xstate_bv: hex(FPSSE), mxcsr: '0x11f80' };
	}
	throw new Error(`unknown XSAVE image ${id}`);
}

export const xsaveSet: Family = {
	id: 'xsave.set',
	title: 'KVM_SET_XSAVE images against CPUID, permission and armed XFD, read back with KVM_GET_XSAVE2',
	parameters: [
		{
			name: 'image',
			values: [
				...valuesOf('image-fp-sse', 'image-empty', 'image-all-host-features', 'image-xtile'),
				...invalidValuesOf('image-xss-bit8', 'image-bit63', 'image-xcomp-bv', 'image-reserved-header', 'image-mxcsr-reserved'),
			],
		},
		{ name: 'cpuid', values: valuesOf('cpuid-supported', 'cpuid-supported-plus-xtile', 'cpuid-fp-sse-only', 'cpuid-no-leaf-d') },
		{ name: 'perm', values: valuesOf('no-perm', 'guest-perm') },
		{ name: 'xfd', values: valuesOf('xfd-0', 'xfd-armed') },
	],
	build(v, ctx) {
		const arm = v.xfd === 'xfd-armed' ? [setMsr('XFD', TILEDATA)] : [];
		return [...permSteps(v.perm!), createVcpu, ...cpuidSteps(v.cpuid!), ...arm, { op: 'vcpu.set_xsave', image: image(v.image!, ctx) }, getXsave2];
	},
};
