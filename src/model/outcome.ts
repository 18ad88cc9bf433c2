// Expected outcomes are flat maps of field -> matcher text, so the emitted C can print
// "field=value" pairs and the comparer can match them one by one.
//
// Matcher grammar (documented in docs/expected-format.md):
//   literal                 exact string: "0", "-EINVAL", "0x602e7", "4096", "GP"
//   *                       unspecified by the revision (the rule says why); any value matches
//   bits:must=0xM,may=0xN   a 64-bit mask whose bits in M are all set and whose bits outside M|N are all clear

export type Outcome = Readonly<Record<string, string>>;

export const UNSPECIFIED = '*';

export function bitsMatcher(must: bigint, may: bigint): string {
	if ((may | must) === must) return '0x' + must.toString(16);
	return `bits:must=0x${must.toString(16)},may=0x${(may & ~must).toString(16)}`;
}

const BITS = /^bits:must=(0x[0-9a-f]+),may=(0x[0-9a-f]+)$/;

/** Whether an observed value satisfies an expected matcher. */
export function matches(expected: string, observed: string): boolean {
	if (expected === UNSPECIFIED) return true;
	const bits = BITS.exec(expected);
	if (!bits) return expected === observed;
	if (!/^0x[0-9a-f]+$/.test(observed)) return false;
	const value = BigInt(observed);
	const must = BigInt(bits[1]!);
	const allowed = must | BigInt(bits[2]!);
	return (value & must) === must && (value & ~allowed) === 0n;
}

export function errno(name: string): string {
	return '-' + name;
}

/** Whether some value satisfies both matchers. */
export function compatible(a: string, b: string): boolean {
	if (a === UNSPECIFIED || b === UNSPECIFIED) return true;
	const ba = BITS.exec(a);
	const bb = BITS.exec(b);
	if (!ba && !bb) return a === b;
	if (!ba || !bb) return matches(ba ? a : b, ba ? b : a);
	const must = BigInt(ba[1]!) | BigInt(bb[1]!);
	const allowed = (BigInt(ba[1]!) | BigInt(ba[2]!)) & (BigInt(bb[1]!) | BigInt(bb[2]!));
	return (must & ~allowed) === 0n;
}
