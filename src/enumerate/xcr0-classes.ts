// XCR0 value classes (docs/contract.md §2.10, §3.1), resolved to a concrete value for a platform.
import { AVX512, BIT63, CET_U, FP, FPSSE, MPX, BNDREGS, OPMASK, PKRU, PT, SSE, XTILE, XTILECFG, XTILEDATA, YMM, kvmSupportedXcr0 } from '../model/index.js';
import type { BuildContext } from './case.js';

interface Xcr0Class {
	/** Architecturally invalid: at most one of these per case. */
	readonly invalid: boolean;
	readonly value: (ctx: BuildContext, gsx: bigint) => bigint;
}

const fixed = (invalid: boolean, value: bigint): Xcr0Class => ({ invalid, value: () => value });

export const XCR0_CLASSES = {
	'fp-only': fixed(false, FP),
	'fp-sse': fixed(false, FPSSE),
	'fp-sse-avx': fixed(false, FPSSE | YMM),
	/** Everything the guest may enable at this point: GSX | x87. */
	'all-guest-supported': { invalid: false, value: (_ctx, gsx) => gsx | FP },
	'avx512-full': fixed(false, FPSSE | YMM | AVX512),
	pkru: fixed(false, FPSSE | PKRU),
	'mpx-pair': fixed(false, FPSSE | MPX),
	'xtile-pair': fixed(false, FPSSE | XTILE),
	'bit0-clear': fixed(true, SSE),
	'avx-without-sse': fixed(true, FP | YMM),
	'mpx-bndregs-only': fixed(true, FPSSE | BNDREGS),
	'avx512-partial': fixed(true, FPSSE | YMM | OPMASK),
	'avx512-without-avx': fixed(true, FPSSE | AVX512),
	'xtilecfg-only': fixed(true, FPSSE | XTILECFG),
	'xtiledata-only': fixed(true, FPSSE | XTILEDATA),
	'xss-bit': fixed(true, FPSSE | PT),
	'cet-user-bit': fixed(true, FPSSE | CET_U),
	bit63: fixed(true, FP | BIT63),
	/** An architecturally valid group the host's KVM does not support. */
	'unsupported-by-host': { invalid: true, value: (ctx) => unsupportedByHost(ctx) },
} as const satisfies Record<string, Xcr0Class>;

export type Xcr0ClassName = keyof typeof XCR0_CLASSES;

export function xcr0Of(name: Xcr0ClassName, ctx: BuildContext, gsx: bigint): bigint {
	return XCR0_CLASSES[name].value(ctx, gsx);
}

export function isInvalidXcr0Class(name: Xcr0ClassName): boolean {
	return XCR0_CLASSES[name].invalid;
}

const GROUPS: readonly bigint[] = [FPSSE | YMM | AVX512, FPSSE | MPX, FPSSE | PKRU, FPSSE | XTILE];

function unsupportedByHost(ctx: BuildContext): bigint {
	const supported = kvmSupportedXcr0(ctx.platform, ctx.rev);
	// Every platform lacks at least one group: no CPU has both MPX and AMX.
	return GROUPS.find((g) => (g & ~supported) !== 0n) ?? FPSSE | MPX;
}
