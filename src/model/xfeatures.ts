// XSAVE state components and XCR0 arithmetic (docs/contract.md §3.1).
// Masks are bigint because XCR0 is 64 bits wide and bit 63 matters.

export const FP = 1n << 0n;
export const SSE = 1n << 1n;
export const YMM = 1n << 2n;
export const BNDREGS = 1n << 3n;
export const BNDCSR = 1n << 4n;
export const OPMASK = 1n << 5n;
export const ZMM_HI256 = 1n << 6n;
export const HI16_ZMM = 1n << 7n;
export const PT = 1n << 8n;
export const PKRU = 1n << 9n;
export const CET_U = 1n << 11n;
export const XTILECFG = 1n << 17n;
export const XTILEDATA = 1n << 18n;
export const BIT63 = 1n << 63n;

export const FPSSE = FP | SSE;
export const MPX = BNDREGS | BNDCSR;
export const AVX512 = OPMASK | ZMM_HI256 | HI16_ZMM;
export const XTILE = XTILECFG | XTILEDATA;
/** XFEATURE_MASK_USER_DYNAMIC: only XTILEDATA is dynamically enabled (§1.1). */
export const DYNAMIC = XTILEDATA;
/** Components managed by IA32_XSS, never valid in XCR0 (§3.1: bits 8, 10-16). */
export const XSS_ONLY = PT | (0x7fn << 10n);
/** XFEATURE_MASK_USER_SUPPORTED (asm/fpu/xstate.h, §1.1). */
export const USER_SUPPORTED = FPSSE | YMM | MPX | AVX512 | PKRU | XTILE;
/** KVM_SUPPORTED_XCR0 with and without the AMX bits added by 86aff7a47992 (§1.1). */
export const KVM_SUPPORTED_XCR0_NO_AMX = FPSSE | YMM | MPX | AVX512 | PKRU;
export const KVM_SUPPORTED_XCR0_AMX = KVM_SUPPORTED_XCR0_NO_AMX | XTILE;
export const U64 = (1n << 64n) - 1n;

export interface ComponentLayout {
	readonly offset: number;
	readonly size: number;
}

/** Where each extended component sits in the standard format, by component number. */
export type XsaveLayout = ReadonlyMap<number, ComponentLayout>;

/**
 * Intel's standard-format offsets and sizes (CPUID.0xD.i EBX/EAX, §3.1). They are CPUID-enumerated,
 * not architectural: a platform profile may give its own (AMD packs AVX-512 without the MPX gap).
 */
export const INTEL_LAYOUT: XsaveLayout = new Map([
	[2, { offset: 576, size: 256 }],
	[3, { offset: 960, size: 64 }],
	[4, { offset: 1024, size: 64 }],
	[5, { offset: 1088, size: 64 }],
	[6, { offset: 1152, size: 512 }],
	[7, { offset: 1664, size: 1024 }],
	[9, { offset: 2688, size: 8 }],
	[17, { offset: 2752, size: 64 }],
	[18, { offset: 2816, size: 8192 }],
]);

/** Legacy area (512) plus XSAVE header (64): the size with only x87/SSE enabled. */
const LEGACY_AND_HEADER = 576;

/** xstate_required_size(mask, compacted=false): end of the highest enabled component. */
export function standardSize(mask: bigint, layouts: XsaveLayout = INTEL_LAYOUT): number {
	let size = LEGACY_AND_HEADER;
	for (const [bit, layout] of layouts) {
		if (mask & (1n << BigInt(bit))) size = Math.max(size, layout.offset + layout.size);
	}
	return size;
}

/** Bits >= 2 that are XCR0 (not XSS) components, ascending: the CPUID.0xD sub-leaves they get. */
export function extendedXcr0Bits(mask: bigint): number[] {
	const bits: number[] = [];
	for (let bit = 2; bit < 64; bit++) {
		const m = 1n << BigInt(bit);
		if (mask & m && !(XSS_ONLY & m)) bits.push(bit);
	}
	return bits;
}

export function hex(value: bigint): string {
	return '0x' + (value & U64).toString(16);
}

export function parseHex(text: string): bigint {
	if (!/^0x[0-9a-f]{1,16}$/i.test(text)) throw new Error(`not a 64-bit hex value: ${text}`);
	return BigInt(text);
}

export function bit(n: number): bigint {
	return 1n << BigInt(n);
}
