// The probe report (written by `fpu-kvm-testgen probe`) and the platform and revision it implies.
import { z } from 'zod';
import type { PlatformFile } from './platform.js';
import type { RevisionId } from './revision.js';
import { MPX, USER_SUPPORTED, hex, parseHex } from './xfeatures.js';

const hexValue = z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, 'must be a hex value like 0x7');
const u32 = z.number().int().min(0).max(0xffffffff);
/** CPUID.0xD offsets and sizes of the standard format, which ends within 64 KiB. */
const areaBytes = z.number().int().min(0).max(65536, 'must be at most 65536');
/** utsname.release holds at most 64 characters (__NEW_UTS_LEN); it is printed in one line. */
const RELEASE_MAX = 64;
/** KVM_GET_SUPPORTED_CPUID returns at most KVM_MAX_CPUID_ENTRIES (256) leaves. */
const CPUID_ENTRIES_MAX = 256;
/** KVM_CAP_XSAVE2 is 0 without the capability, else the size of a KVM_GET_XSAVE2 buffer: legacy area, header and more. */
const XSAVE_MIN = 576;

const probeObject = z
	.object({
		format: z.literal('fpu-kvm-testgen/probe/1'),
		kernelRelease: z
			.string()
			.min(1)
			.max(RELEASE_MAX, `must be at most ${RELEASE_MAX} characters`)
			.regex(/^[^\x00-\x1f\x7f-\x9f]*$/, 'must be one line without control characters'),
		backend: z.enum(['vmx', 'svm', 'pvm', 'other']),
		devKvm: z.boolean(),
		cpu: z
			.object({
				cpuid1Ecx: hexValue,
				/** XCR0 of the host kernel (XGETBV(0) in user space). */
				xcr0: hexValue,
				cpuid7Edx: hexValue,
				cpuidD1Eax: hexValue,
				/** CPUID.(0DH,i) offset (EBX) and size (EAX) of each user component. */
				components: z.record(
					z.string().regex(/^([2-9]|[1-5][0-9]|6[0-3])$/, 'must be a component number 2..63'),
					z.object({ offset: areaBytes, size: areaBytes }).strict(),
				),
			})
			.strict(),
		kvm: z
			.object({
				apiVersion: z.number().int().min(0, 'must be at least 0'),
				capXsave2: z
					.number()
					.int()
					.refine((n) => n === 0 || (n >= XSAVE_MIN && n <= 0x7fffffff), `must be 0 or a size of at least ${XSAVE_MIN}`),
				/** Whether KVM_GET_MSR_INDEX_LIST lists IA32_XFD and IA32_XFD_ERR; null if the ioctl failed, absent in older reports. */
				msrIndexList: z.object({ xfd: z.boolean(), xfdErr: z.boolean() }).strict().nullable().optional(),
				supportedCpuid: z
					.array(z.object({ function: u32, index: u32, eax: u32, ebx: u32, ecx: u32, edx: u32 }).strict())
					.max(CPUID_ENTRIES_MAX, `must have at most ${CPUID_ENTRIES_MAX} entries`),
				xcompGuestSupp: hexValue.nullable(),
			})
			.strict()
			.nullable(),
		xcompSupp: hexValue.nullable(),
		xcompGuestPerm: hexValue.nullable(),
	})
	.strict();

/**
 * The probe reports KVM's answers iff it opened /dev/kvm; a usable KVM reports CPUID leaves (the
 * model's KVM offer is read from them: an empty list would pass for a KVM that offers nothing).
 */
export const probeSchema = probeObject.superRefine((p, ctx) => {
	if (p.devKvm && !p.kvm) ctx.addIssue({ code: 'custom', path: ['kvm'], message: 'must be set when devKvm is true' });
	if (p.devKvm && p.kvm && !p.kvm.supportedCpuid.length)
		ctx.addIssue({ code: 'custom', path: ['kvm', 'supportedCpuid'], message: 'must not be empty when devKvm is true' });
	if (!p.devKvm && p.kvm) ctx.addIssue({ code: 'custom', path: ['kvm'], message: 'must be null when devKvm is false' });
});

export type Probe = z.infer<typeof probeSchema>;

const bitSet = (value: string, bit: number) => ((parseHex(value) >> BigInt(bit)) & 1n) === 1n;

/** XCR0 bits KVM offers: the device attribute where it exists, else KVM_GET_SUPPORTED_CPUID 0xD.0. */
export function probedKvmXcr0(probe: Probe): bigint {
	if (!probe.kvm) return 0n;
	if (probe.kvm.xcompGuestSupp) return parseHex(probe.kvm.xcompGuestSupp);
	const d0 = probe.kvm.supportedCpuid.find((e) => e.function === 0xd && e.index === 0);
	return d0 ? BigInt(d0.eax) | (BigInt(d0.edx) << 32n) : 0n;
}

/** A register of a KVM_GET_SUPPORTED_CPUID leaf; 0 when KVM does not report the leaf. */
function supportedLeaf(probe: Probe, fn: number, index: number, reg: 'eax' | 'ecx' | 'edx'): number {
	return probe.kvm?.supportedCpuid.find((e) => e.function === fn && e.index === index)?.[reg] ?? 0;
}

const leafBit = (value: number, bit: number) => ((value >>> bit) & 1) === 1;

/**
 * The platform profile the probed machine corresponds to: the CPU side from the host's CPUID and
 * XCR0, the KVM side from what KVM reported (its offer may be less than the CPU has).
 */
export function platformFromProbe(probe: Probe): PlatformFile {
	const kvmXcr0 = probedKvmXcr0(probe);
	const xfd = leafBit(supportedLeaf(probe, 0xd, 1, 'eax'), 4);
	return {
		id: 'host',
		description: `this machine (probed: Linux ${probe.kernelRelease}, KVM backend ${probe.backend})`,
		cpu: {
			// Components the model does not know (APX, bit 19, on newer kernels) are left out.
			xcr0: hex(parseHex(probe.cpu.xcr0) & USER_SUPPORTED),
			xfd: bitSet(probe.cpu.cpuidD1Eax, 4),
			amx: bitSet(probe.cpu.cpuid7Edx, 24),
			xsaves: bitSet(probe.cpu.cpuidD1Eax, 3),
			components: probe.cpu.components,
		},
		kvm: {
			backend: probe.backend,
			mpx: (kvmXcr0 & MPX) === MPX,
			offer: {
				xcr0: '0x' + kvmXcr0.toString(16),
				xfd,
				amx: leafBit(supportedLeaf(probe, 7, 0, 'edx'), 24),
				xsave: leafBit(supportedLeaf(probe, 1, 0, 'ecx'), 26),
				// Reports from before the probe read the MSR list: KVM lists them iff it has XFD (x86.c:7018-7021).
				xfdMsrs: probe.kvm?.msrIndexList ? probe.kvm.msrIndexList.xfd && probe.kvm.msrIndexList.xfdErr : xfd,
			},
		},
	};
}

/**
 * The model revision of a probed kernel. Before 5.17 the probe decides: only the seed series answers
 * ARCH_GET_XCOMP_GUEST_PERM (fpu-kvm-v1); a 5.16 kernel without it is v5.16, and older ones, which
 * have no dynamic XSTATE prctls at all, are v5.16 approximately. Then 5.17.x is v5.17, releases up
 * to 6.12 v6.12 (5.18-6.11 have some of the fixes only: approximate), later ones mainline.
 */
export function revisionForProbe(probe: Pick<Probe, 'kernelRelease' | 'xcompGuestPerm'>): { revision: RevisionId; approximate: boolean } | null {
	const m = /^(\d+)\.(\d+)/.exec(probe.kernelRelease);
	if (!m) return null;
	const version = Number(m[1]) * 1000 + Number(m[2]);
	if (version < 5017 && probe.xcompGuestPerm !== null) return { revision: 'fpu-kvm-v1', approximate: false };
	if (version < 5017) return { revision: 'v5.16', approximate: version < 5016 };
	if (version === 5017) return { revision: 'v5.17', approximate: false };
	if (version <= 6012) return { revision: 'v6.12', approximate: version < 6012 };
	return { revision: 'mainline', approximate: false };
}
