// What a suite's expectations depend on that a machine can be asked at run time: the host CPU's
// XSAVE features and layout, the KVM backend and what KVM offers guests. The emitted binaries carry
// the fingerprint of the platform they were generated for and compare it with the machine they run
// on, as the runner does before it starts them; a machine that differs runs no case.
import type { Platform } from './platform.js';
import { USER_SUPPORTED } from './xfeatures.js';

export interface Fingerprint {
	readonly backend: string;
	/** XCR0, the features the model knows. */
	readonly xcr0: bigint;
	readonly xfd: boolean;
	readonly amx: boolean;
	readonly xsaves: boolean;
	readonly kvmXcr0: bigint;
	readonly kvmXfd: boolean;
	readonly kvmAmx: boolean;
	readonly kvmXsave: boolean;
	readonly kvmXfdMsrs: boolean;
	/** Standard-format offset and size of each extended component in xcr0. */
	readonly layout: readonly { readonly bit: number; readonly offset: number; readonly size: number }[];
}

export function fingerprint(p: Platform): Fingerprint {
	const xcr0 = BigInt(p.profile.cpu.xcr0) & USER_SUPPORTED;
	return {
		backend: p.backend,
		xcr0,
		xfd: p.profile.cpu.xfd,
		amx: p.profile.cpu.amx,
		xsaves: p.profile.cpu.xsaves,
		kvmXcr0: p.kvm.xcr0,
		kvmXfd: p.kvm.xfd,
		kvmAmx: p.kvm.amx,
		kvmXsave: p.kvm.xsave,
		kvmXfdMsrs: p.kvm.xfdMsrs,
		layout: [...p.layout]
			.filter(([bit]) => bit >= 2 && (xcr0 >> BigInt(bit)) & 1n)
			.sort(([a], [b]) => a - b)
			.map(([bit, c]) => ({ bit, offset: c.offset, size: c.size })),
	};
}

const hex = (v: bigint) => `0x${v.toString(16)}`;
const yesNo = (v: boolean) => (v ? 'yes' : 'no');

/**
 * How `here` differs from `builtFor` (the platform named `id`), item by item ("KVM XCR0 0x2e7 (spr:
 * 0x602e7)"), in the words and order of the emitted C's fkt_platform_difference(); empty when the
 * suite applies.
 */
export function fingerprintDifferences(id: string, builtFor: Fingerprint, here: Fingerprint): string[] {
	const items: [string, string, string][] = [
		['KVM backend', here.backend, builtFor.backend],
		['XCR0', hex(here.xcr0), hex(builtFor.xcr0)],
		['XFD', yesNo(here.xfd), yesNo(builtFor.xfd)],
		['AMX', yesNo(here.amx), yesNo(builtFor.amx)],
		['XSAVES', yesNo(here.xsaves), yesNo(builtFor.xsaves)],
		['KVM XCR0', hex(here.kvmXcr0), hex(builtFor.kvmXcr0)],
		['KVM XFD', yesNo(here.kvmXfd), yesNo(builtFor.kvmXfd)],
		['KVM AMX', yesNo(here.kvmAmx), yesNo(builtFor.kvmAmx)],
		['KVM XSAVE', yesNo(here.kvmXsave), yesNo(builtFor.kvmXsave)],
		['KVM XFD MSRs', yesNo(here.kvmXfdMsrs), yesNo(builtFor.kvmXfdMsrs)],
		...builtFor.layout.map(({ bit, offset, size }): [string, string, string] => {
			const there = here.layout.find((c) => c.bit === bit);
			return [`xstate ${bit}`, there ? `${there.offset}+${there.size}` : 'absent', `${offset}+${size}`];
		}),
	];
	return items.filter(([, now, then]) => now !== then).map(([name, now, then]) => `${name} ${now} (${id}: ${then})`);
}

/** The SKIP reason of every case of a suite for another machine, as the emitted C prints it; null if it applies. */
export function elsewhereReason(id: string, builtFor: Fingerprint, here: Fingerprint): string | null {
	const differences = fingerprintDifferences(id, builtFor, here);
	return differences.length ? `built for platform ${id}; this machine has ${differences.join(', ')}` : null;
}
