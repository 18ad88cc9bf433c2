// Platform profiles: what the CPU and the host kernel's KVM offer (kernel-contract.md §1.1).
// Profiles are data files validated here; users may add their own.
import { z } from 'zod';
import { DYNAMIC, FPSSE, INTEL_LAYOUT, MPX, USER_SUPPORTED, XTILE, parseHex, standardSize, type XsaveLayout } from './xfeatures.js';

const HEX_MASK = /^0x[0-9a-fA-F]{1,16}$/;
const hexMask = z.string().regex(HEX_MASK, 'must be a hex mask like 0x602e7');

export const platformSchema = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
		description: z.string().min(1),
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
				components: z
					.record(z.string().regex(/^([2-9]|[1-5][0-9]|6[0-3])$/, 'must be a component number 2..63'), z.object({ offset: z.number().int().min(576), size: z.number().int().min(1) }).strict())
					.optional(),
			})
			.strict(),
		kvm: z
			.object({
				/** Vendor backend of KVM: only VMX handles XFD passthrough and #NM interception (§2.11). */
				backend: z.enum(['vmx', 'svm', 'pvm', 'other']),
				/** Whether KVM keeps MPX in supported_xcr0 (VMX with MPX controls only; SVM drops it). */
				mpx: z.boolean(),
			})
			.strict(),
	})
	.strict()
	.superRefine((p, ctx) => {
		// Field checks already reported a malformed mask; the cross-field rules need a number.
		if (!HEX_MASK.test(p.cpu.xcr0)) return;
		const xcr0 = BigInt(p.cpu.xcr0);
		const hasXtile = (xcr0 & XTILE) !== 0n;
		if ((xcr0 & FPSSE) !== FPSSE) {
			ctx.addIssue({ code: 'custom', path: ['cpu', 'xcr0'], message: 'must include x87 and SSE (0x3)' });
		}
		if (hasXtile && (xcr0 & XTILE) !== XTILE) {
			ctx.addIssue({ code: 'custom', path: ['cpu', 'xcr0'], message: 'XTILECFG and XTILEDATA must be both set or both clear' });
		}
		// Linux enables AMX only with AMX_TILE => XFD => XSAVES (cpuid-deps.c:81-83, §1.1).
		if (hasXtile && !(p.cpu.amx && p.cpu.xfd && p.cpu.xsaves)) {
			ctx.addIssue({ code: 'custom', path: ['cpu', 'xcr0'], message: 'AMX bits need cpu.amx, cpu.xfd and cpu.xsaves' });
		}
		if (p.kvm.mpx && (xcr0 & MPX) !== MPX) {
			ctx.addIssue({ code: 'custom', path: ['kvm', 'mpx'], message: 'kvm.mpx needs both MPX bits in cpu.xcr0' });
		}
	});

export type PlatformFile = z.infer<typeof platformSchema>;

/** A validated profile with the derived boot-time values the model reads. */
export interface Platform {
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
	/** host XCR0 limited to what KVM may ever expose, before the per-revision KVM_SUPPORTED_XCR0 mask. */
	readonly kvmXcr0Ceiling: bigint;
}

export function toPlatform(file: PlatformFile): Platform {
	const xcr0 = parseHex(file.cpu.xcr0);
	const userMax = xcr0 & USER_SUPPORTED;
	const userDefault = userMax & ~DYNAMIC;
	const layout: XsaveLayout = new Map([...INTEL_LAYOUT, ...Object.entries(file.cpu.components ?? {}).map(([bit, c]) => [Number(bit), c] as const)]);
	return {
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
		kvmXcr0Ceiling: file.kvm.mpx ? xcr0 : xcr0 & ~MPX,
	};
}
