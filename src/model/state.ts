// Model state: process permissions and lock, one vCPU's guest FPU, and the saved image (§1.2, §1.3).
import type { Platform } from './platform.js';

export interface ProcessState {
	/** perm.__state_perm, user part (§1.2). */
	readonly hostPerm: bigint;
	/** guest_perm.__state_perm without the LOCKED bit. */
	readonly guestPerm: bigint;
	/** guest_perm.__user_state_size: sized from permitted|requested even when the perm is overwritten. */
	readonly guestPermUserSize: number;
	/** FPU_GUEST_PERM_LOCKED, bit 63 of guest_perm.__state_perm. */
	readonly guestLocked: boolean;
	/** Steps after a fork run in the child. */
	readonly child: boolean;
}

/** What the model knows about XSTATE_BV of the guest buffer: bits certainly set, bits possibly set. */
export interface XstateKnowledge {
	readonly must: bigint;
	readonly may: bigint;
	/** Components known to hold non-init data, which stay in use across a KVM_RUN unless XFD arms them. */
	readonly nonInit: bigint;
}

/** The guest CPUID as far as this contract cares: leaf 0xD.0 bitmap, XFD and XSAVE bits, entry flags. */
export interface CpuidConfig {
	readonly variant: string;
	readonly leafD: boolean;
	readonly xcr0: bigint;
	/** CPUID.(0DH,1).EAX[4]. */
	readonly xfd: boolean;
	/** CPUID.1.ECX[26]. */
	readonly xsave: boolean;
	/** One entry's flags changed: same registers, different entry. */
	readonly flagsTweak: boolean;
}

export interface VcpuState {
	/** The CPUID userspace last set (what the emitted C keeps and sets again for 'same-as-current'). */
	readonly cpuid: CpuidConfig | null;
	/** The CPUID KVM holds: the one set, unless a platform quirk rewrote it (Quirks.heldCpuid). */
	readonly heldCpuid: CpuidConfig | null;
	readonly hasRun: boolean;
	readonly xcr0: bigint;
	/** The guest-supported XCR0 that XSETBV/KVM_SET_XCRS are validated against (GSX, §1.3). */
	readonly gsx: bigint;
	/** fpstate->user_xfeatures. */
	readonly userXfeatures: bigint;
	/** guest_fpu.xfeatures: what the buffer is sized for. */
	readonly guestFpuXfeatures: bigint;
	readonly uabiSize: number;
	readonly xfd: bigint;
	readonly xfdErr: bigint;
	/** VMX xfd_no_write_intercept. */
	readonly xfdPassthrough: boolean;
	readonly xstate: XstateKnowledge;
	readonly cr4Osxsave: boolean;
	/** The per-CPU xfd_state cache disagrees with MSR_IA32_XFD after a CPU hotplug (§4 #10). */
	readonly xfdCacheStale: boolean;
}

/** What a save step captured, for restoring into a new VM (§2.12). */
export interface SavedState {
	readonly xstate?: XstateKnowledge;
	readonly xcr0?: bigint;
	readonly xfd?: bigint;
	readonly xfdErr?: bigint;
	readonly cpuid?: CpuidConfig;
}

export interface ModelState {
	readonly proc: ProcessState;
	readonly vcpu: VcpuState | null;
	readonly saved: SavedState;
	/**
	 * The selftests library's cached KVM_GET_SUPPORTED_CPUID, in the process's memory: filled when the
	 * process creates its first VM, never refreshed, and copied to a forked child (§2.2).
	 */
	readonly libraryCpuid: CpuidConfig | null;
}

export function initialState(platform: Platform): ModelState {
	return { proc: initialProcess(platform, false), vcpu: null, saved: {}, libraryCpuid: null };
}

/** Permissions start at the user default features, guest equal to host (§1.2, core.c:562-566). */
export function initialProcess(platform: Platform, child: boolean): ProcessState {
	return {
		hostPerm: platform.userDefault,
		guestPerm: platform.userDefault,
		guestPermUserSize: platform.userDefaultSize,
		guestLocked: false,
		child,
	};
}
