// Operations a case performs, with concrete arguments. Each maps to one syscall, ioctl or guest
// instruction sequence in the emitted C; the names are what a kernel developer would grep for.
//
// OPERATIONS declares each operation once: its arguments, the fields a run observes and their
// formats, the C enum constant and what the machine must offer. The Op type, the expected.json
// schema, the C tables and the field table of docs/expected-format.md are derived from it.
import { z } from 'zod';
import type { Requirement } from './requirements.js';

const hexText = z.string().regex(/^0x[0-9a-f]+$/);
const pointer = z.enum(['valid', 'bad']);
const xfdMsr = z.enum(['XFD', 'XFD_ERR']);
/** A read that also keeps what it read, for a later step's "saved". */
const save = z.boolean().optional();

export type Pointer = z.infer<typeof pointer>;
export type XfdMsr = z.infer<typeof xfdMsr>;

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
const xsaveImage = z
	.object({
		base: z.enum(['zero', 'saved']),
		xstate_bv: hexText.optional(),
		xcomp_bv: hexText.optional(),
		header_reserved: hexText.optional(),
		mxcsr: hexText.optional(),
	})
	.strict();
export type XsaveImage = Readonly<z.infer<typeof xsaveImage>>;

/** How an observed value is written (docs/expected-format.md, "Outcome fields and matchers"). */
export const VALUE_FORMATS = {
	ret: { pattern: /^(0|-E[A-Z0-9]+)$/, doc: '`0` or `-ENAME`' },
	hex: { pattern: /^0x[0-9a-f]+$/, doc: 'lower-case hex with `0x`' },
	decimal: { pattern: /^(0|[1-9][0-9]*)$/, doc: 'decimal' },
	bit: { pattern: /^[01]$/, doc: '`0` or `1`' },
	vector: {
		pattern: /^(none|[A-Z]{2}|exit-[0-9]+|abort)$/,
		doc: '`none`, `GP`, `UD`, `NM`; `abort` when a guest assert fired (its message follows), `exit-N` when KVM_RUN ended otherwise',
	},
	subleaves: { pattern: /^(none|[0-9]+(,[0-9]+)*)$/, doc: 'comma-separated sub-leaf numbers, or `none`' },
	tiledata: { pattern: /^(zero|nonzero)$/, doc: '`zero` or `nonzero`' },
} as const;
export type ValueFormat = keyof typeof VALUE_FORMATS;

interface Field {
	readonly format: ValueFormat;
	/** What the field is, when its name does not say it. */
	readonly doc?: string;
}

interface Operation {
	readonly args: z.ZodRawShape;
	readonly observes: Readonly<Record<string, Field>>;
	readonly cEnum: string;
	readonly requires: readonly Requirement[];
}

const ret: Field = { format: 'ret' };
const vector: Field = { format: 'vector', doc: 'the exception the guest took' };
const GUEST: readonly Requirement[] = ['guest'];

export const OPERATIONS = {
	'arch_prctl.get': {
		args: { option: z.enum(['ARCH_GET_XCOMP_SUPP', 'ARCH_GET_XCOMP_PERM', 'ARCH_GET_XCOMP_GUEST_PERM']), pointer },
		observes: { ret, value: { format: 'hex' } },
		cEnum: 'FKT_ARCH_PRCTL_GET',
		requires: [],
	},
	'arch_prctl.req': {
		// feature -1: a number no kernel knows.
		args: { option: z.enum(['ARCH_REQ_XCOMP_PERM', 'ARCH_REQ_XCOMP_GUEST_PERM']), feature: z.number().int() },
		observes: { ret },
		cEnum: 'FKT_ARCH_PRCTL_REQ',
		requires: [],
	},
	'arch_prctl.unknown': { args: { option: z.number().int().min(0) }, observes: { ret }, cEnum: 'FKT_ARCH_PRCTL_UNKNOWN', requires: [] },
	fork: { args: {}, observes: { ret }, cEnum: 'FKT_FORK', requires: [] },
	'kvm.check_extension': {
		args: { cap: z.literal('KVM_CAP_XSAVE2') },
		observes: { value: { format: 'decimal', doc: 'the KVM_CHECK_EXTENSION result' } },
		cEnum: 'FKT_CHECK_EXTENSION',
		requires: [],
	},
	'kvm.get_device_attr': {
		args: { group: z.number().int().min(0), attr: z.number().int().min(0), pointer },
		observes: { ret, value: { format: 'hex' } },
		cEnum: 'FKT_GET_DEVICE_ATTR',
		requires: [],
	},
	'kvm.get_supported_cpuid': {
		args: {},
		observes: {
			ret,
			'd0.eax': { format: 'hex' },
			'd0.edx': { format: 'hex' },
			'd0.ebx': { format: 'decimal' },
			'd0.ecx': { format: 'decimal' },
			'd1.eax.xfd': { format: 'bit' },
			subleaves: { format: 'subleaves', doc: 'the extended XCR0 sub-leaves of 0xD, e.g. `2,5,6,7,9,17,18`' },
			'd18.ecx.xfd': { format: 'bit', doc: 'when sub-leaf 18 exists' },
		},
		cEnum: 'FKT_GET_SUPPORTED_CPUID',
		requires: [],
	},
	/** library: vm_create_with_one_vcpu(), which also sets the CPUID (guest code needs its memory and IDT). */
	'vm.create_vcpu': { args: { library: z.literal(true).optional() }, observes: { ret }, cEnum: 'FKT_CREATE_VCPU', requires: [] },
	'vcpu.set_cpuid2': {
		args: { variant: z.enum(CPUID_VARIANTS) },
		observes: { ret, 'leafd.xcr0': { format: 'hex', doc: 'the 0xD.0 EDX:EAX the case wrote' } },
		cEnum: 'FKT_SET_CPUID2',
		requires: [],
	},
	'vcpu.get_xcrs': { args: { save }, observes: { ret, nr_xcrs: { format: 'decimal' }, xcr0: { format: 'hex' } }, cEnum: 'FKT_GET_XCRS', requires: [] },
	'vcpu.set_xcrs': {
		args: { xcr0: z.union([hexText, z.literal('saved')]), index: z.number().int().min(0), nr_xcrs: z.number().int().min(0), flags: z.number().int().min(0) },
		observes: { ret },
		cEnum: 'FKT_SET_XCRS',
		requires: [],
	},
	'vcpu.get_xsave': { args: { save }, observes: { ret, xstate_bv: { format: 'hex' } }, cEnum: 'FKT_GET_XSAVE', requires: [] },
	'vcpu.get_xsave2': {
		args: { save },
		observes: {
			ret,
			size: { format: 'decimal', doc: 'bytes KVM wrote' },
			xstate_bv: { format: 'hex' },
			tiledata: { format: 'tiledata', doc: 'whether the tile-data area is all zeros' },
		},
		cEnum: 'FKT_GET_XSAVE2',
		requires: [],
	},
	'vcpu.set_xsave': { args: { image: xsaveImage }, observes: { ret }, cEnum: 'FKT_SET_XSAVE', requires: [] },
	'vcpu.get_msr': {
		args: { msr: xfdMsr, save },
		observes: { nmsrs: { format: 'decimal', doc: 'the KVM_GET_MSRS result' }, value: { format: 'hex' } },
		cEnum: 'FKT_GET_MSR',
		requires: [],
	},
	'vcpu.set_msr': {
		args: { msr: xfdMsr, value: z.union([hexText, z.literal('saved')]) },
		observes: { nmsrs: { format: 'decimal', doc: 'the KVM_SET_MSRS result' } },
		cEnum: 'FKT_SET_MSR',
		requires: [],
	},
	'host.cpu_hotplug': { args: {}, observes: { ret }, cEnum: 'FKT_CPU_HOTPLUG', requires: ['cpu-hotplug'] },
	'guest.set_cr4_osxsave': { args: { enable: z.boolean() }, observes: { vector }, cEnum: 'FKT_GUEST_SET_CR4_OSXSAVE', requires: GUEST },
	'guest.xsetbv': { args: { ecx: z.number().int().min(0), xcr0: hexText }, observes: { vector }, cEnum: 'FKT_GUEST_XSETBV', requires: GUEST },
	'guest.rdmsr': { args: { msr: xfdMsr }, observes: { vector, value: { format: 'hex' } }, cEnum: 'FKT_GUEST_RDMSR', requires: GUEST },
	'guest.wrmsr': { args: { msr: xfdMsr, value: hexText }, observes: { vector }, cEnum: 'FKT_GUEST_WRMSR', requires: GUEST },
	'guest.tile_load': { args: {}, observes: { vector }, cEnum: 'FKT_GUEST_TILE_LOAD', requires: GUEST },
	'guest.cr0_ts_nm': { args: {}, observes: { vector }, cEnum: 'FKT_GUEST_CR0_TS_NM', requires: GUEST },
} as const satisfies Record<string, Operation>;

export type OpName = keyof typeof OPERATIONS;

type Shape<K extends OpName> = (typeof OPERATIONS)[K]['args'];
/** An empty shape would infer Record<string, never>, which no object with an op name satisfies. */
type ArgsOf<K extends OpName> = keyof Shape<K> extends never ? unknown : Readonly<z.infer<z.ZodObject<Shape<K>>>>;

/** One operation with its concrete arguments, as the model and the emitted C take it. */
export type Op = { [K in OpName]: { readonly op: K } & ArgsOf<K> }[OpName];

/** The arguments of one operation, without its name. */
export type OpArgs<K extends OpName> = Omit<Extract<Op, { op: K }>, 'op'>;

/** An operation's arguments as a strict schema: a field the registry does not declare is refused. */
export function argsSchema<K extends OpName>(name: K) {
	return z.object(OPERATIONS[name].args as Shape<K>).strict();
}

/** What the machine must offer for the operation to run at all. */
export function opRequires(name: OpName): readonly Requirement[] {
	return OPERATIONS[name].requires;
}

export function isOpName(name: string): name is OpName {
	return Object.hasOwn(OPERATIONS, name);
}

/**
 * Marks each vm.create_vcpu followed by guest code before the next one: the emitted C creates that
 * vCPU with the selftests library (memory, page tables, IDT), which also sets its CPUID.
 */
export function markLibraryVcpus(steps: readonly Op[]): Op[] {
	const library = new Set<number>();
	let create = -1;
	steps.forEach((s, i) => {
		if (s.op === 'vm.create_vcpu') create = i;
		if (opRequires(s.op).includes('guest') && create >= 0) library.add(create);
	});
	return steps.map((s, i) => (s.op === 'vm.create_vcpu' && library.has(i) ? { op: 'vm.create_vcpu', library: true } : s));
}
