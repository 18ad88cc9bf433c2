// The generated suite: stable readable ids, full coverage, regression rows, seed independence.
import { describe, expect, test } from 'vitest';
import { revision } from '../../src/model/index.js';
import { buildSuite, type SuiteRequest } from '../../src/enumerate/suite.js';
import { expectedCase } from '../../src/emit/expected.js';
import { shippedPlatform } from '../helpers.js';

const spr = shippedPlatform('spr');
const request = (over: Partial<SuiteRequest> = {}): SuiteRequest => ({ platform: spr, rev: revision('v6.12'), seed: 1, strength: 3, ...over });

describe('suite', () => {
	const suite = buildSuite(request());

	test('case ids are unique and readable', () => {
		const ids = suite.cases.map((c) => c.id);
		expect(new Set(ids).size).toBe(ids.length);
		for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
		expect(ids).toContain('xcr0.guest-xsetbv.avx-without-sse');
		expect(ids).toContain('xcr0.set-xcrs.bit63');
		expect(ids).toContain('perm.request.feature-18');
	});

	test('a base-choice case changes exactly one parameter', () => {
		const c = suite.cases.find((x) => x.id === 'xcr0.guest-xsetbv.avx-without-sse')!;
		// Guest code follows: the vCPU is the selftests library's.
		expect(c.steps).toEqual([
			{ op: 'vm.create_vcpu', library: true },
			{ op: 'vcpu.set_cpuid2', variant: 'supported' },
			{ op: 'guest.set_cr4_osxsave', enable: true },
			{ op: 'guest.xsetbv', ecx: 0, xcr0: '0x5' },
			{ op: 'vcpu.get_xcrs' },
		]);
		expect(c.requires).toEqual(['guest']);
	});

	test('every family covers every feasible t-way tuple', () => {
		for (const f of suite.families) expect(f.tuplesCovered, f.family).toBe(f.tuplesRequired);
		const core = suite.families.find((f) => f.family === 'core')!;
		expect(core.strength).toBe('3-way core, 2-way');
	});

	test('raising the core strength raises the tuples required for the core family only', () => {
		const two = buildSuite(request({ strength: 2 }));
		const core3 = suite.families.find((f) => f.family === 'core')!;
		const core2 = two.families.find((f) => f.family === 'core')!;
		expect(core3.tuplesRequired).toBeGreaterThan(core2.tuplesRequired);
		expect(two.families.find((f) => f.family === 'xsave.set')!.tuplesRequired).toBe(suite.families.find((f) => f.family === 'xsave.set')!.tuplesRequired);
	});

	test('every reachable transition is covered and impossible states are listed', () => {
		expect(suite.transitions.covered).toBe(suite.transitions.reachable);
		expect(suite.transitions.reachable).toBeGreaterThan(50);
		// A vCPU always locks the guest permission, so this state cannot be reached.
		expect(suite.transitions.unreachableStates).toContain('parent/noperm/unlocked/no-cpuid/not-run/xcr0-base/xfd-0');
		expect(suite.transitions.unreachableStates).not.toContain('parent/noperm/locked/no-cpuid/not-run/xcr0-base/xfd-0');
	});

	test('there is one regression row per bug of kernel-contract.md §4', () => {
		const bugs = suite.cases.filter((c) => c.origin === 'regression').map((c) => c.regression!.bug);
		expect(bugs).toEqual(['#1', '#2', '#3', '#4', '#5', '#6', '#7', '#8', '#9', '#10', '#11', '#12', '#13', '#14', 'A-era']);
	});

	test('the same inputs give the same cases', () => {
		expect(buildSuite(request())).toEqual(suite);
	});

	test('expected outcomes do not depend on the seed', () => {
		const other = buildSuite(request({ seed: 987654321 }));
		const mine = new Map(suite.cases.map((c) => [c.id, c]));
		const shared = other.cases.filter((c) => mine.has(c.id));
		expect(shared.length).toBeGreaterThan(300);
		expect(other.cases.map((c) => c.id)).not.toEqual(suite.cases.map((c) => c.id));
		for (const c of shared) {
			expect(expectedCase(c, spr, request().rev)).toEqual(expectedCase(mine.get(c.id)!, spr, request().rev));
		}
	});

	test('cases the platform cannot run are marked for skipping with the reason', () => {
		const tcg = shippedPlatform('tcg-max');
		const nm = buildSuite(request({ platform: tcg })).cases.filter((c) => c.family === 'nm.xfd-err');
		expect(nm).toHaveLength(12);
		expect(expectedCase(nm[0]!, tcg, revision('v6.12')).skip).toBe('platform tcg-max lacks AMX in KVM, XFD in KVM, vmx');
		expect(expectedCase(nm[0]!, spr, revision('v6.12')).skip).toBeNull();
	});
});
