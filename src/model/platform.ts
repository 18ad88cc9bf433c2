// Platform profiles, in two halves (docs/contract.md §1.1): what the CPU and the host kernel's
// x86/fpu offer (prctls, permissions, fpstate sizes), and what KVM offers its guests (supported XCR0,
// XFD and AMX in KVM_GET_SUPPORTED_CPUID, the XFD MSRs). On mainline VMX/SVM hardware the second
// follows from the first; other backends (PVM) offer less, so a profile or the probe may state it.
// Profiles are data files validated here; users may add their own.
import { z } from 'zod';
import { DYNAMIC, FPSSE, INTEL_LAYOUT, KVM_SUPPORTED_XCR0_AMX, MPX, USER_SUPPORTED, XTILE, parseHex, standardSize, type XsaveLayout } from './xfeatures.js';

const HEX_MASK = /^0x[0-9a-fA-F]{1,16}$/;
const hexMask = z.string().regex(HEX_MASK, 'must be a hex mask like 0x602e7');

/** The standard-format XSAVE area ends within 64 KiB (CPUID.0xD sizes are far below). */
export const XSAVE_AREA_MAX = 65536;
/** Legacy area and XSAVE header: extended components start after them. */
const FIRST_OFFSET = 576;
/** A description is printed in one line of the console and in reports. */
export const DESCRIPTION_MAX = 200;
export const PLATFORM_ID_MAX = 64;
/** C0 and C1 controls and DEL: a description that holds one could rewrite the terminal or span lines. */
const ONE_LINE = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$/;

const component = z
	.object({
		offset: z
			.number()
			.int()
			.min(FIRST_OFFSET, 'must be at least 576 (after the legacy area and the XSAVE header)')
			.max(XSAVE_AREA_MAX - 1, 'must be below 65536'),
		size: z
			.number()
			.int()
			.min(1)
			.max(XSAVE_AREA_MAX - FIRST_OFFSET, `must be at most ${XSAVE_AREA_MAX - FIRST_OFFSET}`),
	})
	.strict();

const platformObject = z
	.object({
		id: z
			.string()
			.max(PLATFORM_ID_MAX, `must be at most ${PLATFORM_ID_MAX} characters`)
			.regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
		description: z
			.string()
			.min(1)
			.max(DESCRIPTION_MAX, `must be at most ${DESCRIPTION_MAX} characters`)
			.regex(ONE_LINE, 'must be one line without control characters'),
		cpu: z
			.object({
				/** XCR0 the host kernel enabled (fpu_user_cfg.max_features plus supervisor-free bits). */
				xcr0: hexMask,
				/** CPUID.(0DH,1).EAX[4]: XFD. */
				xfd: z.boolean(),
				/** CPUID.(07H,0).EDX[24]: AMX-TILE. */
				amx: z.boolean(),
				/** CPUID.(0DH,1).EAX[3]: XSAVES (Linux needs it for XFD, cpuid-deps.c). */
				xsaves: z.boolean(),
				/** CPUID.(0DH,i) EBX/EAX per extended component, where they differ from Intel's layout. */
				components: z.record(z.string().regex(/^([2-9]|[1-5][0-9]|6[0-3])$/, 'must be a component number 2..63'), component).optional(),
			})
			.strict(),
		kvm: z
			.object({
				/** Vendor backend of KVM: only VMX handles XFD passthrough and #NM interception (§2.11). */
				backend: z.enum(['vmx', 'svm', 'pvm', 'other']),
				/** Whether KVM keeps MPX in supported_xcr0 (VMX with MPX controls only; SVM drops it). */
				mpx: z.boolean(),
				/**
				 * What KVM offers guests, where it is not what a mainline KVM derives from the CPU (a
				 * probed host, another backend). Absent: derived by the mainline rule (toPlatform).
				 */
				offer: z
					.object({
						/** kvm_caps.supported_xcr0: KVM_X86_XCOMP_GUEST_SUPP, or KVM_GET_SUPPORTED_CPUID 0xD.0 where that is missing. */
						xcr0: hexMask,
						/** KVM_GET_SUPPORTED_CPUID 0xD.1 EAX[4]. */
						xfd: z.boolean(),
						/** KVM_GET_SUPPORTED_CPUID 7.0 EDX[24]. */
						amx: z.boolean(),
						/** KVM_GET_SUPPORTED_CPUID 1.ECX[26]. */
						xsave: z.boolean(),
						/** IA32_XFD and IA32_XFD_ERR in KVM_GET_MSR_INDEX_LIST. */
						xfdMsrs: z.boolean(),
					})
					.strict()
					.optional(),
			})
			.strict(),
	})
	.strict();

type PlatformObject = z.infer<typeof platformObject>;

export const platformSchema = platformObject.superRefine((p, ctx) => {
	for (const { path, message } of [...componentProblems(p.cpu.components ?? {}), ...maskProblems(p)]) ctx.addIssue({ code: 'custom', path, message });
});

interface Problem {
	readonly path: string[];
	readonly message: string;
}

type Components = Readonly<Record<string, { readonly offset: number; readonly size: number }>>;

/** Each component inside the 64 KiB area, and no two sharing bytes: the model sums and compares their extents. */
function componentProblems(components: Components): Problem[] {
	const problems: Problem[] = [];
	// In offset order, a component overlaps an earlier one iff it starts before the furthest end so far.
	let furthest: { bit: string; end: number } | null = null;
	for (const [bit, c] of Object.entries(components).sort(([, a], [, b]) => a.offset - b.offset)) {
		const path = ['cpu', 'components', bit];
		const end = c.offset + c.size;
		if (end > XSAVE_AREA_MAX) problems.push({ path, message: `ends at ${end}, beyond the ${XSAVE_AREA_MAX}-byte XSAVE area` });
		if (furthest && furthest.end > c.offset) problems.push({ path, message: `overlaps component ${furthest.bit}` });
		if (!furthest || end > furthest.end) furthest = { bit, end };
	}
	return problems;
}

/** Host XCR0 bits only Linux's user components use, and KVM's offer within them. */
function maskProblems(p: PlatformObject): Problem[] {
	// Field checks already reported a malformed mask; the cross-field rules need a number.
	if (!HEX_MASK.test(p.cpu.xcr0)) return [];
	const xcr0 = BigInt(p.cpu.xcr0);
	const problems = [...userBitProblems(xcr0, ['cpu', 'xcr0'])];
	const hasXtile = (xcr0 & XTILE) !== 0n;
	if ((xcr0 & FPSSE) !== FPSSE) problems.push({ path: ['cpu', 'xcr0'], message: 'must include x87 and SSE (0x3)' });
	if (hasXtile && (xcr0 & XTILE) !== XTILE) problems.push({ path: ['cpu', 'xcr0'], message: 'XTILECFG and XTILEDATA must be both set or both clear' });
	// Linux enables AMX only with AMX_TILE => XFD => XSAVES (cpuid-deps.c:81-83, §1.1).
	if (hasXtile && !(p.cpu.amx && p.cpu.xfd && p.cpu.xsaves)) problems.push({ path: ['cpu', 'xcr0'], message: 'AMX bits need cpu.amx, cpu.xfd and cpu.xsaves' });
	if (p.kvm.mpx && (xcr0 & MPX) !== MPX) problems.push({ path: ['kvm', 'mpx'], message: 'kvm.mpx needs both MPX bits in cpu.xcr0' });
	return [...problems, ...offerProblems(p, xcr0)];
}

/**
 * XCR0 bits outside XFEATURE_MASK_USER_SUPPORTED name no component the model knows (a mask of all
 * ones would otherwise pass for a CPU with every feature).
 */
function userBitProblems(mask: bigint, path: string[]): Problem[] {
	const extra = mask & ~USER_SUPPORTED;
	return extra ? [{ path, message: `has bits 0x${extra.toString(16)} outside the user XSAVE components 0x${USER_SUPPORTED.toString(16)}` }] : [];
}

function offerProblems(p: PlatformObject, xcr0: bigint): Problem[] {
	const offer = p.kvm.offer;
	if (!offer || !HEX_MASK.test(offer.xcr0)) return [];
	const offered = BigInt(offer.xcr0);
	const path = ['kvm', 'offer', 'xcr0'];
	const problems = [...userBitProblems(offered, path)];
	// KVM can only offer what the host kernel enabled (supported_xcr0 = host XCR0 & ..., x86.c:9334).
	if (offered & ~xcr0) problems.push({ path, message: 'must be within cpu.xcr0' });
	if (offered !== 0n && (offered & FPSSE) !== FPSSE) problems.push({ path, message: 'must include x87 and SSE (0x3)' });
	if (((offered & MPX) !== 0n) !== p.kvm.mpx) problems.push({ path: ['kvm', 'mpx'], message: 'must say whether kvm.offer.xcr0 has the MPX bits' });
	if (offer.xfd && !p.cpu.xfd) problems.push({ path: ['kvm', 'offer', 'xfd'], message: 'KVM cannot offer XFD the CPU lacks' });
	if (offer.amx && !p.cpu.amx) problems.push({ path: ['kvm', 'offer', 'amx'], message: 'KVM cannot offer AMX the CPU lacks' });
	return problems;
}

export type PlatformFile = z.infer<typeof platformSchema>;

/** A validated profile with the derived boot-time values the model reads. */
export interface Platform {
	/** The profile it was made from. */
	readonly profile: PlatformFile;
	readonly id: string;
	readonly description: string;
	readonly backend: PlatformFile['kvm']['backend'];
	readonly hasXfd: boolean;
	readonly hasAmx: boolean;
	/** fpu_user_cfg.max_features (§1.1). */
	readonly userMax: bigint;
	/** fpu_user_cfg.default_features: max minus the dynamic XTILEDATA (§1.1). */
	readonly userDefault: bigint;
	/** fpu_user_cfg.default_size (standard format). */
	readonly userDefaultSize: number;
	/** Standard-format layout of the extended components on this CPU. */
	readonly layout: XsaveLayout;
	/** fpu_state_size_dynamic(): init_fpstate.xfd != 0 (§1.1, xstate.c:1486-1496). */
	readonly dynamicEnabled: boolean;
	/** What KVM offers guests on this host, as a mainline KVM would (before per-revision masks). */
	readonly kvm: KvmOffer;
}

export interface KvmOffer {
	/** kvm_caps.supported_xcr0. */
	readonly xcr0: bigint;
	readonly xfd: boolean;
	readonly amx: boolean;
	/** CPUID.1.ECX[26] in KVM_GET_SUPPORTED_CPUID. */
	readonly xsave: boolean;
	readonly xfdMsrs: boolean;
	/** Measured (a probe or a profile that states it) rather than derived from the CPU. */
	readonly measured: boolean;
}

/**
 * The mainline rule: supported_xcr0 = host XCR0 & KVM_SUPPORTED_XCR0, minus MPX unless the vendor
 * module keeps it (x86.c:9334, vmx.c:8424, svm.c:5499); XFD, AMX-TILE and XSAVE are reported as the
 * host CPU has them (cpuid.c:633, 658, 707); the XFD MSRs are listed iff KVM has XFD (x86.c:7018-7021).
 */
export function derivedKvmOffer(file: PlatformFile): KvmOffer {
	const xcr0 = parseHex(file.cpu.xcr0) & KVM_SUPPORTED_XCR0_AMX;
	const supported = file.kvm.mpx ? xcr0 : xcr0 & ~MPX;
	const amx = file.cpu.amx && (supported & XTILE) === XTILE;
	return { xcr0: supported, xfd: file.cpu.xfd, amx, xsave: true, xfdMsrs: file.cpu.xfd, measured: false };
}

export function toPlatform(file: PlatformFile): Platform {
	const xcr0 = parseHex(file.cpu.xcr0);
	const userMax = xcr0 & USER_SUPPORTED;
	const userDefault = userMax & ~DYNAMIC;
	const layout: XsaveLayout = new Map([...INTEL_LAYOUT, ...Object.entries(file.cpu.components ?? {}).map(([bit, c]) => [Number(bit), c] as const)]);
	return {
		profile: file,
		id: file.id,
		description: file.description,
		backend: file.kvm.backend,
		hasXfd: file.cpu.xfd,
		hasAmx: file.cpu.amx && (userMax & XTILE) === XTILE,
		userMax,
		userDefault,
		userDefaultSize: standardSize(userDefault, layout),
		layout,
		dynamicEnabled: (userMax & DYNAMIC) !== 0n,
		kvm: file.kvm.offer ? { ...file.kvm.offer, xcr0: parseHex(file.kvm.offer.xcr0), measured: true } : derivedKvmOffer(file),
	};
}
