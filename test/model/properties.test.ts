// Invariants of the model over random operation sequences (fast-check).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
	CPUID_VARIANTS,
	ModelError,
	REVISION_ORDER,
	RULES,
	XTILE,
	hex,
	initialState,
	revision,
	step,
	type ModelState,
	type Op,
	type Platform,
	type Revision,
} from '../../src/model/index.js';
import { shippedPlatform } from '../helpers.js';

const PLATFORMS = ['spr', 'zen1-avx', 'tcg-max'].map(shippedPlatform);

const mask = fc.constantFrom(0n, 1n, 3n, 5n, 7n, 0x1bn, 0xe7n, 0x27n, 0x203n, 0x20003n, 0x40003n, 0x60003n, 0x602e7n, 0x103n, 1n | (1n << 63n));
const msr = fc.constantFrom('XFD' as const, 'XFD_ERR' as const);
const msrValue = fc.constantFrom('0x0', '0x40000', '0x20000', '0x80000');

const opArb: fc.Arbitrary<Op> = fc.oneof(
	fc.record({
		op: fc.constant('arch_prctl.req' as const),
		option: fc.constantFrom('ARCH_REQ_XCOMP_PERM' as const, 'ARCH_REQ_XCOMP_GUEST_PERM' as const),
		feature: fc.constantFrom(-1, 0, 17, 18, 19, 64),
	}),
	fc.record({
		op: fc.constant('arch_prctl.get' as const),
		option: fc.constantFrom('ARCH_GET_XCOMP_GUEST_PERM' as const, 'ARCH_GET_XCOMP_PERM' as const),
		pointer: fc.constant('valid' as const),
	}),
	fc.constant<Op>({ op: 'fork' }),
	fc.constant<Op>({ op: 'vm.create_vcpu' }),
	fc.constant<Op>({ op: 'kvm.get_supported_cpuid' }),
	fc.record({ op: fc.constant('vcpu.set_cpuid2' as const), variant: fc.constantFrom(...CPUID_VARIANTS.filter((v) => v !== 'saved')) }),
	mask.map((m): Op => ({ op: 'vcpu.set_xcrs', xcr0: hex(m), index: 0, nr_xcrs: 1, flags: 0 })),
	mask.map((m): Op => ({ op: 'guest.xsetbv', ecx: 0, xcr0: hex(m) })),
	fc.boolean().map((enable): Op => ({ op: 'guest.set_cr4_osxsave', enable })),
	fc.record({ op: fc.constant('vcpu.set_msr' as const), msr, value: msrValue }),
	fc.record({ op: fc.constant('guest.wrmsr' as const), msr, value: msrValue }),
	fc.constant<Op>({ op: 'guest.tile_load' }),
	mask.map((m): Op => ({ op: 'vcpu.set_xsave', image: { base: 'zero', xstate_bv: hex(m) } })),
	fc.constant<Op>({ op: 'vcpu.get_xsave2' }),
);

/** Applies ops, skipping the ones the model cannot apply (e.g. a vCPU op before any vCPU). */
function trace(
	ops: readonly Op[],
	platform: Platform,
	rev: Revision,
): { op: Op; before: ModelState; after: ModelState; outcome: Record<string, string>; rule: string }[] {
	let state = initialState(platform);
	const out = [];
	for (const op of ops) {
		try {
			const r = step(state, op, platform, rev);
			out.push({ op, before: state, after: r.state, outcome: { ...r.outcome }, rule: r.rule });
			state = r.state;
		} catch (error) {
			if (!(error instanceof ModelError)) throw error;
		}
	}
	return out;
}

const scenario = fc.record({
	platform: fc.constantFrom(...PLATFORMS),
	rev: fc.constantFrom(...REVISION_ORDER).map(revision),
	ops: fc.array(opArb, { maxLength: 25 }),
});

describe('model invariants', () => {
	test('an accepted XCR0 always has bit 0 (x87)', () => {
		fc.assert(
			fc.property(scenario, ({ platform, rev, ops }) => {
				for (const t of trace(ops, platform, rev)) if (t.after.vcpu) expect(t.after.vcpu.xcr0 & 1n).toBe(1n);
			}),
		);
	});

	test('XTILECFG and XTILEDATA are enabled both or neither', () => {
		fc.assert(
			fc.property(scenario, ({ platform, rev, ops }) => {
				for (const t of trace(ops, platform, rev)) {
					if (t.after.vcpu) expect([0n, XTILE]).toContain(t.after.vcpu.xcr0 & XTILE);
				}
			}),
		);
	});

	test('a granted guest permission only grows where the overwrite bug is fixed', () => {
		fc.assert(
			fc.property(
				scenario.filter((s) => s.rev.id === 'v6.12' || s.rev.id === 'mainline'),
				({ platform, rev, ops }) => {
					for (const t of trace(ops, platform, rev)) {
						expect(t.after.proc.guestPerm & t.before.proc.guestPerm).toBe(t.before.proc.guestPerm);
						expect(t.after.proc.hostPerm & t.before.proc.hostPerm).toBe(t.before.proc.hostPerm);
					}
				},
			),
		);
	});

	test('the overwrite bug of fpu-kvm-v1 and v5.17 does shrink the permission (so the property above can fail)', () => {
		for (const id of ['fpu-kvm-v1', 'v5.17'] as const) {
			const [t] = trace([{ op: 'arch_prctl.req', option: 'ARCH_REQ_XCOMP_GUEST_PERM', feature: 18 }], PLATFORMS[0]!, revision(id));
			expect(t!.after.proc.guestPerm).toBe(0x40000n);
		}
	});

	test('the guest-permission lock never clears within a process', () => {
		fc.assert(
			fc.property(scenario, ({ platform, rev, ops }) => {
				for (const t of trace(ops, platform, rev)) {
					// Only a fork starts a new process; without dynamic features the child starts unlocked.
					if (t.before.proc.guestLocked && !t.after.proc.guestLocked) {
						expect(t.op.op).toBe('fork');
						expect(platform.dynamicEnabled).toBe(false);
					}
				}
			}),
		);
	});

	test('every step is decided by a registered rule with a citation, and outcomes are non-empty', () => {
		fc.assert(
			fc.property(scenario, ({ platform, rev, ops }) => {
				for (const t of trace(ops, platform, rev)) {
					expect(Object.keys(RULES)).toContain(t.rule);
					expect(RULES[t.rule as keyof typeof RULES].citation).toMatch(/§\d/);
					expect(Object.keys(t.outcome).length).toBeGreaterThan(0);
				}
			}),
		);
	});
});
