// The rule and behaviour registries: every entry cites the contract, revisions are the documented sets.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO } from '../helpers.js';
import { RULES, REVISION_ORDER, allBehaviours, has, revision } from '../../src/model/index.js';

describe('rules', () => {
	test.each(Object.entries(RULES))('%s cites a section of kernel-contract.md', (_id, r) => {
		expect(r.citation).toMatch(/§\d/);
		expect(r.summary.length).toBeGreaterThan(10);
	});
});

describe('behaviours', () => {
	test.each(allBehaviours().map((b) => [b.id, b] as const))('%s has a citation and a valid span', (_id, b) => {
		expect(b.citation).toMatch(/§\d|seed/);
		const since = REVISION_ORDER.indexOf(b.since);
		expect(since).toBeGreaterThanOrEqual(0);
		if (b.until) expect(REVISION_ORDER.indexOf(b.until)).toBeGreaterThan(since);
	});

	test('revision membership follows since/until', () => {
		expect([...revision('fpu-kvm-v1').behaviours].sort()).toEqual(
			[
				'guest-perm-prctls',
				'guest-perm-req-uninit-ret',
				'kvm-v5.16-unchanged',
				'perm-inherited-on-fork',
				'perm-request-overwrites',
				'post-run-set-cpuid2-unspecified',
				'vcpu-create-locks-guest-perm',
			].sort(),
		);
		const b = revision('v5.17');
		expect(has(b, 'perm-request-overwrites')).toBe(true);
		expect(has(b, 'uabi-size-host-default')).toBe(true);
		expect(has(b, 'gsx-is-user-xfeatures')).toBe(true);
		expect(has(b, 'set-cpuid2-sets-user-xfeatures')).toBe(true);
		expect(has(b, 'filter-xtilecfg-without-xtiledata')).toBe(false);
		const c = revision('v6.12');
		expect(has(c, 'perm-request-overwrites')).toBe(false);
		expect(has(c, 'set-xsave-clears-xfd-armed')).toBe(true);
		expect(has(c, 'nm-cr0ts-preserves-xfd-err')).toBe(false);
		expect([...revision('mainline').behaviours].filter((id) => !c.behaviours.has(id))).toEqual(['xfeature-apx-listed', 'nm-cr0ts-preserves-xfd-err']);
	});

	test('assumptions are named only where the seed leaves KVM open', () => {
		expect(
			allBehaviours()
				.filter((b) => b.assumedIn)
				.map((b) => [b.id, b.assumedIn]),
		).toEqual([
			['kvm-v5.16-unchanged', ['fpu-kvm-v1']],
			['post-run-set-cpuid2-unspecified', ['fpu-kvm-v1']],
		]);
	});

	test('has() rejects an unknown behaviour name instead of answering false', () => {
		expect(() => has(revision('v6.12'), 'no-such-behaviour')).toThrow(/unknown behaviour/);
	});
});

describe('no behaviour is decoration', () => {
	test.each(allBehaviours().map((b) => b.id))('%s is consulted by the model', (id) => {
		const dir = join(REPO, 'src/model');
		const sources = readdirSync(dir)
			.map((n) => readFileSync(join(dir, n), 'utf8'))
			.join('\n');
		expect(sources).toMatch(new RegExp(`has\\((?:ctx\\.)?rev, '${id.replace(/\./g, '\\.')}'\\)`));
	});
});
