// The probe report (written by `fpu-kvm-testgen probe`) and the platform profile it implies.
import { z } from 'zod';
import type { PlatformFile } from './platform.js';
import { MPX, parseHex } from './xfeatures.js';

const hexValue = z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, 'must be a hex value like 0x7');

export const probeSchema = z
	.object({
		format: z.literal('fpu-kvm-testgen/probe/1'),
		kernelRelease: z.string().min(1),
		backend: z.enum(['vmx', 'svm', 'pvm', 'other']),
		devKvm: z.boolean(),
		cpu: z
			.object({
				/** XCR0 of the host kernel (XGETBV(0) in user space). */
				xcr0: hexValue,
				/** CPUID.(0DH,1).EAX. */
				cpuidD1Eax: hexValue,
				/** CPUID.(07H,0).EDX. */
				cpuid7Edx: hexValue,
			})
			.passthrough(),
		kvm: z
			.object({
				/** KVM_X86_XCOMP_GUEST_SUPP, or KVM_GET_SUPPORTED_CPUID 0xD.0 where the attribute is missing. */
				supportedXcr0: hexValue,
			})
			.passthrough(),
	})
	.passthrough();

export type Probe = z.infer<typeof probeSchema>;

const bitSet = (value: string, bit: number) => (parseHex(value) >> BigInt(bit)) & 1n ? true : false;

/** The platform profile the probed machine corresponds to. */
export function platformFromProbe(probe: Probe): PlatformFile {
	const xfd = bitSet(probe.cpu.cpuidD1Eax, 4);
	const amx = bitSet(probe.cpu.cpuid7Edx, 24);
	return {
		id: 'host',
		description: `this machine (probed: Linux ${probe.kernelRelease}, KVM backend ${probe.backend})`,
		cpu: { xcr0: probe.cpu.xcr0, xfd, amx, xsaves: bitSet(probe.cpu.cpuidD1Eax, 3) },
		kvm: { backend: probe.backend, mpx: (parseHex(probe.kvm.supportedXcr0) & MPX) === MPX },
	};
}
