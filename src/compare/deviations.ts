// How a known deviation changes what the platform produces: each mechanism is a model quirk (a point
// where the contract's step function lets a platform depart from it), so its prediction is derived
// the way expectations are, from the platform and the state, never copied from a run.
import { BNDREGS, kvmHasXfd, kvmSupportedXcr0, type Op, type Outcome, type Quirks } from '../model/index.js';

const GUEST_OPS = ['guest.set_cr4_osxsave', 'guest.xsetbv', 'guest.rdmsr', 'guest.wrmsr', 'guest.tile_load', 'guest.cr0_ts_nm'];

interface Mechanism {
	readonly summary: string;
	/** The operations at which it acts. */
	readonly ops: readonly string[];
	readonly quirks: Quirks;
}

export const MECHANISMS = {
	'cpuid-leaves-replaced-by-kvm-offer': {
		summary:
			'on every KVM_SET_CPUID2 KVM keeps leaves 0x1 (XSAVE as the host CPU has it), 0xD.0 (KVM supported XCR0) and 0xD.1 (XFD as KVM offers it) ' +
			'in place of the ones written; the permission check and reallocation still look at the entries written',
		ops: ['vcpu.set_cpuid2', 'vm.create_vcpu'],
		quirks: {
			heldCpuid: (written, ctx) => ({
				...written,
				leafD: true,
				xcr0: kvmSupportedXcr0(ctx.platform, ctx.rev),
				xfd: kvmHasXfd(ctx.platform, ctx.rev),
				xsave: true,
			}),
		},
	},
	'xsave-marks-enabled-in-use': {
		summary:
			'the XSAVE KVM runs when KVM_RUN returns records every component of its request mask (host XCR0 and the guest fpstate features) ' +
			'as in use, except MPX BNDREGS, and none armed in XFD',
		ops: GUEST_OPS,
		quirks: {
			afterRun: (vcpu, contract, ctx) => {
				const inUse = ctx.platform.userMax & vcpu.guestFpuXfeatures & ~BNDREGS & ~vcpu.xfd;
				return { ...contract, must: contract.must | inUse, may: contract.may | inUse };
			},
		},
	},
} as const satisfies Record<string, Mechanism>;

export type MechanismId = keyof typeof MECHANISMS;

export function mechanismOps(id: MechanismId): readonly string[] {
	return MECHANISMS[id].ops;
}

/** The quirk an outcome entry stands for: one field of one operation takes this value. */
function outcomeQuirk(entry: { readonly op: string; readonly field: string; readonly value: string }): Quirks {
	return {
		outcome: (op: Op, contract: Outcome) => (op.op === entry.op && entry.field in contract ? { ...contract, [entry.field]: entry.value } : contract),
	};
}

export type DeviationSpec = { readonly mechanism: MechanismId } | { readonly outcome: { readonly op: string; readonly field: string; readonly value: string } };

/** One set of quirks with every deviation applied (they act at different operations). */
export function quirksOf(deviations: readonly DeviationSpec[]): Quirks {
	const all: Quirks[] = deviations.map((d) => ('mechanism' in d ? MECHANISMS[d.mechanism].quirks : outcomeQuirk(d.outcome)));
	const first = <K extends keyof Quirks>(key: K): Quirks[K] => all.find((q) => q[key])?.[key];
	const outcomes = all.flatMap((q) => (q.outcome ? [q.outcome] : []));
	const heldCpuid = first('heldCpuid');
	const afterRun = first('afterRun');
	return {
		...(heldCpuid ? { heldCpuid } : {}),
		...(afterRun ? { afterRun } : {}),
		...(outcomes.length ? { outcome: (op, contract, ctx) => outcomes.reduce((o, f) => f(op, o, ctx), contract) } : {}),
	};
}
