// The policy of `check`: what to build the suite with for the kernel the probe found. Kept apart from
// the command line so that it can be read, and tested, on its own.
import type { Probe } from '../model/index.js';
import { libraryTreeFor } from '../tree/resolve.js';

export interface CheckPlan {
	/** The kernel tree whose selftests library the suite is built against. */
	readonly tree: string;
	/** Why that tree, when the user did not name one. */
	readonly treeReason: string | null;
	readonly cflags: readonly string[];
	/** Why those flags, when the user did not give them. */
	readonly cflagsReason: string | null;
	/** Statically linked, for the initramfs of a booted kernel. */
	readonly static: boolean;
}

/** The user's own tree and compiler flags, each instead of the plan's choice when given. */
export interface PlanChoices {
	readonly tree?: string;
	readonly cflags?: string;
}

export function checkPlan(probe: Probe, options: PlanChoices & { readonly inQemu: boolean }): CheckPlan {
	const tree = options.tree ?? libraryTreeFor(probe.kernelRelease);
	// PVM runs guest code in KVM's instruction emulator, which lacks most SSE: general registers only.
	const emulated = !options.inQemu && probe.backend === 'pvm';
	const cflags = options.cflags ?? (emulated ? '-mgeneral-regs-only' : '');
	return {
		tree,
		treeReason: options.tree ? null : `for Linux ${probe.kernelRelease}`,
		cflags: cflags.split(/\s+/).filter(Boolean),
		cflagsReason: options.cflags === undefined && cflags ? `KVM backend ${probe.backend} emulates guest code` : null,
		static: options.inQemu,
	};
}
