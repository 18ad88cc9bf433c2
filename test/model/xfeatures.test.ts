// XSAVE layout arithmetic and the outcome matchers.
import { describe, expect, test } from 'vitest';
import { bitsMatcher, extendedXcr0Bits, hex, matches, parseHex, standardSize } from '../../src/model/index.js';

describe('standard XSAVE sizes (kernel-contract.md §3.1)', () => {
	test.each([
		[0x3n, 576],
		[0x7n, 832],
		[0x1fn, 1088],
		[0xe7n, 2688],
		[0x2e7n, 2696],
		[0x202e7n, 2816],
		[0x602e7n, 11008],
		[0x40000n, 11008],
	])('%s -> %i bytes', (mask, size) => expect(standardSize(mask)).toBe(size));

	test('CPUID.0xD sub-leaves skip x87/SSE and XSS-only bits', () => {
		expect(extendedXcr0Bits(0x602e7n | 0x100n | 0x800n)).toEqual([2, 5, 6, 7, 9, 17, 18]);
		expect(extendedXcr0Bits(0x3n)).toEqual([]);
	});
});

describe('hex values', () => {
	test('formats and parses 64-bit masks', () => {
		expect(hex(1n << 63n)).toBe('0x8000000000000000');
		expect(parseHex('0x602E7')).toBe(0x602e7n);
		expect(() => parseHex('602e7')).toThrow(/not a 64-bit hex value/);
		expect(() => parseHex('0x10000000000000000')).toThrow();
	});
});

describe('matchers', () => {
	test('literal and unspecified', () => {
		expect(matches('-EINVAL', '-EINVAL')).toBe(true);
		expect(matches('-EINVAL', '-EPERM')).toBe(false);
		expect(matches('*', 'anything')).toBe(true);
	});

	test('bits: must bits set, nothing outside must|may', () => {
		const m = bitsMatcher(0x60000n, 0x3n);
		expect(m).toBe('bits:must=0x60000,may=0x3');
		expect(matches(m, '0x60000')).toBe(true);
		expect(matches(m, '0x60003')).toBe(true);
		expect(matches(m, '0x20003')).toBe(false);
		expect(matches(m, '0x60007')).toBe(false);
		expect(matches(m, 'GP')).toBe(false);
	});

	test('a certain mask is written as a literal', () => {
		expect(bitsMatcher(0x3n, 0x3n)).toBe('0x3');
		expect(bitsMatcher(0x0n, 0x0n)).toBe('0x0');
	});
});
