// Operations a case performs, with concrete arguments. Each maps to one syscall, ioctl or guest
// instruction sequence in the emitted C; the names are what a kernel developer would grep for.

export type Pointer = 'valid' | 'bad';
export type XfdMsr = 'XFD' | 'XFD_ERR';

/** Leaf-0xD variants for KVM_SET_CPUID2, resolved against KVM_GET_SUPPORTED_CPUID at the step. */
export const CPUID_VARIANTS = [
	'supported',
	'supported-plus-xtile',
	'xtilecfg-only',
	'xtiledata-only',
	'no-xtile',
	'fp-sse-only',
	'no-leaf-d',
	'no-xfd-bit',
	'no-xsave',
	'same-as-current',
	'flags-differ',
	'saved',
] as const;
export type CpuidVariant = (typeof CPUID_VARIANTS)[number];

/** An XSAVE image for KVM_SET_XSAVE: a base plus header/MXCSR overrides (hex strings). */
export interface XsaveImage {
	readonly base: 'zero' | 'saved';
	readonly xstate_bv?: string;
	readonly xcomp_bv?: string;
	readonly header_reserved?: string;
	readonly mxcsr?: string;
}

export type Op =
	| { readonly op: 'arch_prctl.get'; readonly option: 'ARCH_GET_XCOMP_SUPP' | 'ARCH_GET_XCOMP_PERM' | 'ARCH_GET_XCOMP_GUEST_PERM'; readonly pointer: Pointer }
	| { readonly op: 'arch_prctl.req'; readonly option: 'ARCH_REQ_XCOMP_PERM' | 'ARCH_REQ_XCOMP_GUEST_PERM'; readonly feature: number }
	| { readonly op: 'arch_prctl.unknown'; readonly option: number }
	| { readonly op: 'fork' }
	| { readonly op: 'kvm.check_extension'; readonly cap: 'KVM_CAP_XSAVE2' }
	| { readonly op: 'kvm.get_device_attr'; readonly group: number; readonly attr: number; readonly pointer: Pointer }
	| { readonly op: 'kvm.get_supported_cpuid' }
	/** library: vm_create_with_one_vcpu(), which also sets the CPUID (guest code needs its memory and IDT). */
	| { readonly op: 'vm.create_vcpu'; readonly library?: true }
	| { readonly op: 'vcpu.set_cpuid2'; readonly variant: CpuidVariant }
	| { readonly op: 'vcpu.get_xcrs'; readonly save?: boolean }
	| { readonly op: 'vcpu.set_xcrs'; readonly xcr0: string | 'saved'; readonly index: number; readonly nr_xcrs: number; readonly flags: number }
	| { readonly op: 'vcpu.get_xsave'; readonly save?: boolean }
	| { readonly op: 'vcpu.get_xsave2'; readonly save?: boolean }
	| { readonly op: 'vcpu.set_xsave'; readonly image: XsaveImage }
	| { readonly op: 'vcpu.get_msr'; readonly msr: XfdMsr; readonly save?: boolean }
	| { readonly op: 'vcpu.set_msr'; readonly msr: XfdMsr; readonly value: string | 'saved' }
	| { readonly op: 'host.cpu_hotplug' }
	| { readonly op: 'guest.set_cr4_osxsave'; readonly enable: boolean }
	| { readonly op: 'guest.xsetbv'; readonly ecx: number; readonly xcr0: string }
	| { readonly op: 'guest.rdmsr'; readonly msr: XfdMsr }
	| { readonly op: 'guest.wrmsr'; readonly msr: XfdMsr; readonly value: string }
	| { readonly op: 'guest.tile_load' }
	| { readonly op: 'guest.cr0_ts_nm' };

/**
 * Marks each vm.create_vcpu followed by guest code before the next one: the emitted C creates that
 * vCPU with the selftests library (memory, page tables, IDT), which also sets its CPUID.
 */
export function markLibraryVcpus(steps: readonly Op[]): Op[] {
	const library = new Set<number>();
	let create = -1;
	steps.forEach((s, i) => {
		if (s.op === 'vm.create_vcpu') create = i;
		if (s.op.startsWith('guest.') && create >= 0) library.add(create);
	});
	return steps.map((s, i) => (s.op === 'vm.create_vcpu' && library.has(i) ? { op: 'vm.create_vcpu', library: true } : s));
}

/**
 * Every operation once, with the name of its C enum constant in the emitted selftests. The type makes
 * a missing or unknown operation a compile error; the C enum and name table are rendered from it.
 */
export const OPERATIONS = {
	'arch_prctl.get': { cEnum: 'FKT_ARCH_PRCTL_GET' },
	'arch_prctl.req': { cEnum: 'FKT_ARCH_PRCTL_REQ' },
	'arch_prctl.unknown': { cEnum: 'FKT_ARCH_PRCTL_UNKNOWN' },
	fork: { cEnum: 'FKT_FORK' },
	'kvm.check_extension': { cEnum: 'FKT_CHECK_EXTENSION' },
	'kvm.get_device_attr': { cEnum: 'FKT_GET_DEVICE_ATTR' },
	'kvm.get_supported_cpuid': { cEnum: 'FKT_GET_SUPPORTED_CPUID' },
	'vm.create_vcpu': { cEnum: 'FKT_CREATE_VCPU' },
	'vcpu.set_cpuid2': { cEnum: 'FKT_SET_CPUID2' },
	'vcpu.get_xcrs': { cEnum: 'FKT_GET_XCRS' },
	'vcpu.set_xcrs': { cEnum: 'FKT_SET_XCRS' },
	'vcpu.get_xsave': { cEnum: 'FKT_GET_XSAVE' },
	'vcpu.get_xsave2': { cEnum: 'FKT_GET_XSAVE2' },
	'vcpu.set_xsave': { cEnum: 'FKT_SET_XSAVE' },
	'vcpu.get_msr': { cEnum: 'FKT_GET_MSR' },
	'vcpu.set_msr': { cEnum: 'FKT_SET_MSR' },
	'host.cpu_hotplug': { cEnum: 'FKT_CPU_HOTPLUG' },
	'guest.set_cr4_osxsave': { cEnum: 'FKT_GUEST_SET_CR4_OSXSAVE' },
	'guest.xsetbv': { cEnum: 'FKT_GUEST_XSETBV' },
	'guest.rdmsr': { cEnum: 'FKT_GUEST_RDMSR' },
	'guest.wrmsr': { cEnum: 'FKT_GUEST_WRMSR' },
	'guest.tile_load': { cEnum: 'FKT_GUEST_TILE_LOAD' },
	'guest.cr0_ts_nm': { cEnum: 'FKT_GUEST_CR0_TS_NM' },
} as const satisfies Record<Op['op'], { readonly cEnum: string }>;

export type OpName = keyof typeof OPERATIONS;

export function isOpName(name: string): name is OpName {
	return Object.hasOwn(OPERATIONS, name);
}
