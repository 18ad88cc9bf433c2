// Whether two expectation matchers can both be satisfied: what tells a predicted XFAIL from a case
// whose prediction and expectation overlap.
import { describe, expect, test } from 'vitest';
import { compatible } from '../../src/model/index.js';

describe('compatible matchers', () => {
	test.each([
		['0x3', '0x3', true],
		['0x3', '0x207', false],
		['*', '0x207', true],
		['GP', 'none', false],
		['bits:must=0x0,may=0x203', '0x207', false],
		['bits:must=0x0,may=0x203', '0x201', true],
		['bits:must=0x1,may=0x2', 'bits:must=0x2,may=0x1', true],
		['bits:must=0x4,may=0x0', 'bits:must=0x0,may=0x3', false],
	])('%s and %s: %s', (a, b, both) => {
		expect([compatible(a, b), compatible(b, a)]).toEqual([both, both]);
	});
});
