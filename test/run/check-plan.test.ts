// What `check` builds with, decided from the probe report alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { probeSchema } from '../../src/model/index.js';
import { checkPlan } from '../../src/check/plan.js';
import { REPO } from '../helpers.js';

const probe = (name: string, release?: string) => {
	const p = probeSchema.parse(JSON.parse(readFileSync(join(REPO, 'test/fixtures/probe', name), 'utf8')));
	return release ? { ...p, kernelRelease: release } : p;
};

describe('check plan', () => {
	test('a PVM host: Debian 6.12 library, general registers only, dynamic linking', () => {
		expect(checkPlan(probe('icelake-pvm.json'), { inQemu: false })).toEqual({
			tree: 'debian:6.12',
			treeReason: 'for Linux 6.18.44-fc-v1045',
			cflags: ['-mgeneral-regs-only'],
			cflagsReason: 'KVM backend pvm emulates guest code',
			static: false,
		});
	});
	test('a kernel before 6.8 booted in QEMU: the 6.1 library, no extra flags, static binaries', () => {
		expect(checkPlan({ ...probe('icelake-pvm.json', '6.1.0-56-amd64'), backend: 'svm' }, { inQemu: true })).toEqual({
			tree: 'debian:6.1',
			treeReason: 'for Linux 6.1.0-56-amd64',
			cflags: [],
			cflagsReason: null,
			static: true,
		});
	});
	test("the user's tree and flags win, with no reason printed", () => {
		expect(checkPlan(probe('intel-amx-pvm.json'), { tree: '/src/linux', cflags: '-O1 -g', inQemu: false })).toEqual({
			tree: '/src/linux',
			treeReason: null,
			cflags: ['-O1', '-g'],
			cflagsReason: null,
			static: false,
		});
	});
});
