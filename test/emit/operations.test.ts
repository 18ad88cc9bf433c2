// One registry of operations (src/model/ops.ts OPERATIONS): the TypeScript type checks that it names
// every operation of the model; this checks that the emitted C executes each one it declares.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { OPERATIONS } from '../../src/model/index.js';
import { REPO } from '../helpers.js';

const template = readFileSync(join(REPO, 'templates/fkt_common.h.ejs'), 'utf8');

describe('operations registry', () => {
	test('every operation has a case in the C step executor', () => {
		expect(Object.values(OPERATIONS).filter((op) => !template.includes(`\tcase ${op.cEnum}:`))).toEqual([]);
	});

	test('C enum names are unique and the C name table is rendered from the registry, not written by hand', () => {
		const names = Object.values(OPERATIONS).map((op) => op.cEnum);
		expect(new Set(names).size).toBe(names.length);
		for (const name of names) expect(template.includes(`[${name}] =`)).toBe(false);
	});
});
