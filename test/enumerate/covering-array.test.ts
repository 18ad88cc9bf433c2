import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildCoveringArray, type Constraint, type CoverageSpec, type CoveringArray, type Parameter, type Row } from '../../src/enumerate/covering-array.js';

// ---------------------------------------------------------------------------
// Independent brute-force reference: shares nothing with the module but the
// spec types. It enumerates the full product, keeps the valid rows, and
// collects every value combination they show on every required subset.

/** Parameters named p0, p1, ... with the given sizes; `invalid[p]` lists invalid value indices. */
function params(sizes: readonly number[], invalid: readonly (readonly number[])[] = []): Parameter[] {
	return sizes.map((size, p) => ({
		name: `p${p}`,
		values: Array.from({ length: size }, (_, v) => ({ id: `p${p}v${v}`, invalid: invalid[p]?.includes(v) ?? false })),
	}));
}

function fullProduct(sizes: readonly number[]): number[][] {
	let rows: number[][] = [[]];
	for (const size of sizes) {
		rows = rows.flatMap((row) => Array.from({ length: size }, (_, v) => [...row, v]));
	}
	return rows;
}

function referenceValid(spec: CoverageSpec, row: Row): boolean {
	if (row.length !== spec.parameters.length) return false;
	let invalid = 0;
	for (let p = 0; p < row.length; p++) {
		const value = spec.parameters[p].values[row[p]];
		if (!Number.isInteger(row[p]) || value === undefined) return false;
		if (value.invalid) invalid++;
	}
	return invalid <= 1 && (spec.constraints ?? []).every((holds) => holds(row));
}

function choose(items: readonly number[], k: number): number[][] {
	if (k === 0) return [[]];
	if (items.length < k) return [];
	const [first, ...rest] = items;
	return [...choose(rest, k - 1).map((tail) => [first, ...tail]), ...choose(rest, k)];
}

function referenceSubsets(spec: CoverageSpec): number[][] {
	const n = spec.parameters.length;
	const all = Array.from({ length: n }, (_, p) => p);
	const found = new Map<string, number[]>();
	const addAll = (members: number[], strength: number): void => {
		for (const subset of choose(members, Math.min(strength, members.length))) found.set(subset.join(' '), subset);
	};
	addAll(all, spec.strength);
	for (const group of spec.groups ?? []) {
		const members = [...new Set(group.parameters.map((name) => spec.parameters.findIndex((p) => p.name === name)))];
		addAll(
			members.sort((a, b) => a - b),
			group.strength,
		);
	}
	return [...found.values()];
}

/** Own key format, distinct from the module's. */
function refKey(subset: readonly number[], row: Row): string {
	return subset.map((p) => `${p}:${row[p]}`).join('|');
}

interface Reference {
	readonly validRows: number[][];
	readonly subsets: number[][];
	/** refKey -> tuple for every feasible required tuple. */
	readonly tuples: Map<string, { params: number[]; values: number[] }>;
}

function reference(spec: CoverageSpec): Reference {
	const validRows = fullProduct(spec.parameters.map((p) => p.values.length)).filter((row) => referenceValid(spec, row));
	const subsets = referenceSubsets(spec);
	const tuples = new Map<string, { params: number[]; values: number[] }>();
	for (const row of validRows) {
		for (const subset of subsets) tuples.set(refKey(subset, row), { params: subset, values: subset.map((p) => row[p]) });
	}
	return { validRows, subsets, tuples };
}

/** Asserts the array is made of valid complete rows and covers every feasible required tuple. */
function expectCovers(spec: CoverageSpec, result: CoveringArray): Reference {
	const ref = reference(spec);
	for (const row of result.rows) {
		expect(row).toHaveLength(spec.parameters.length);
		row.forEach((v, p) => {
			expect(Number.isInteger(v)).toBe(true);
			expect(v).toBeGreaterThanOrEqual(0);
			expect(v).toBeLessThan(spec.parameters[p].values.length);
		});
		expect(referenceValid(spec, row)).toBe(true);
	}
	const seen = new Set<string>();
	for (const row of result.rows) for (const subset of ref.subsets) seen.add(refKey(subset, row));
	const missing = [...ref.tuples.keys()].filter((key) => !seen.has(key));
	expect(missing).toEqual([]);
	expect(result.required).toBe(ref.tuples.size);
	expect(result.covered).toBe(result.required);
	return ref;
}

function forbidPair(a: number, va: number, b: number, vb: number): Constraint {
	return (row) => !(row[a] === va && row[b] === vb);
}

function countInvalid(spec: CoverageSpec, row: Row): number {
	return row.filter((v, p) => spec.parameters[p].values[v].invalid).length;
}

// ---------------------------------------------------------------------------

describe('buildCoveringArray', () => {
	it('covers all pairs of [3,3,3,3] in a near-optimal number of rows', () => {
		for (let seed = 1; seed <= 20; seed++) {
			const spec: CoverageSpec = { parameters: params([3, 3, 3, 3]), strength: 2, seed };
			const result = buildCoveringArray(spec);
			expectCovers(spec, result);
			expect(result.required).toBe(6 * 9);
			expect(result.rows.length).toBeLessThanOrEqual(11);
		}
	});

	it('covers all triples of [2,2,2,2,2,2] in a small array', () => {
		const spec: CoverageSpec = { parameters: params([2, 2, 2, 2, 2, 2]), strength: 3, seed: 5 };
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		expect(result.required).toBe(20 * 8);
		expect(result.rows.length).toBeLessThanOrEqual(16);
	});

	it('covers mixed strength: 2-way base with a 3-way group over three of five parameters', () => {
		const spec: CoverageSpec = { parameters: params([3, 2, 3, 2, 3]), strength: 2, groups: [{ parameters: ['p0', 'p2', 'p4'], strength: 3 }], seed: 11 };
		const result = buildCoveringArray(spec);
		const ref = expectCovers(spec, result);
		// 10 pairs plus the one group triple (its own pairs are already base pairs).
		expect(ref.subsets).toHaveLength(11);
		const triples = new Set(result.rows.map((row) => `${row[0]}${row[2]}${row[4]}`));
		expect(triples.size).toBe(27);
		expect(result.rows.length).toBeLessThanOrEqual(30);
	});

	it('respects constraints that forbid pairs', () => {
		const spec: CoverageSpec = {
			parameters: params([3, 3, 3, 3]),
			strength: 2,
			constraints: [forbidPair(0, 0, 1, 0), forbidPair(2, 1, 3, 2), forbidPair(0, 2, 3, 0)],
			seed: 3,
		};
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		expect(result.required).toBe(6 * 9 - 3);
		for (const row of result.rows) {
			expect(row[0] === 0 && row[1] === 0).toBe(false);
			expect(row[2] === 1 && row[3] === 2).toBe(false);
			expect(row[0] === 2 && row[3] === 0).toBe(false);
		}
	});

	it('does not require a pair that is infeasible only through a third parameter', () => {
		// a=0 forces c=0 and b=0 forces c=1, so (a=0, b=0) is in no valid row although
		// no constraint names that pair. Valid rows: 010, 101, 110, 111, which show
		// 3 pairs on each of ab, ac, bc: 9 required tuples.
		const spec: CoverageSpec = {
			parameters: params([2, 2, 2]),
			strength: 2,
			constraints: [(row) => row[0] !== 0 || row[2] === 0, (row) => row[1] !== 0 || row[2] === 1],
			seed: 1,
		};
		const result = buildCoveringArray(spec);
		const ref = expectCovers(spec, result);
		expect(result.required).toBe(9);
		expect([...ref.tuples.keys()]).not.toContain(refKey([0, 1], [0, 0]));
		expect(result.rows.some((row) => row[0] === 0 && row[1] === 0)).toBe(false);
	});

	it('keeps at most one invalid value per row and still uses every invalid value', () => {
		const spec: CoverageSpec = {
			parameters: params([3, 3, 2, 2], [[2], [0, 2], [1]]),
			strength: 2,
			seed: 9,
		};
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		for (const row of result.rows) expect(countInvalid(spec, row)).toBeLessThanOrEqual(1);
		spec.parameters.forEach((param, p) => {
			param.values.forEach((value, v) => {
				if (value.invalid) expect(result.rows.some((row) => row[p] === v)).toBe(true);
			});
		});
		// 37 value pairs, less the 5 that pair two invalid values: p0p1 (2,0) (2,2), p0p2 (2,1), p1p2 (0,1) (2,1).
		expect(result.required).toBe(32);
	});

	it('handles a parameter with a single value', () => {
		const spec: CoverageSpec = { parameters: params([1, 3, 2, 3]), strength: 2, seed: 4 };
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		expect(result.rows.every((row) => row[0] === 0)).toBe(true);
		expect(result.rows.length).toBe(9);
	});

	it('clamps a strength larger than the parameter count to the full product', () => {
		const spec: CoverageSpec = { parameters: params([3, 2, 2]), strength: 5, seed: 2 };
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		expect(result.required).toBe(12);
		expect(result.rows).toHaveLength(12);
	});

	it('clamps a group strength larger than the group', () => {
		const spec: CoverageSpec = {
			parameters: params([2, 3, 2, 2]),
			strength: 1,
			groups: [{ parameters: ['p1', 'p3'], strength: 4 }],
			seed: 2,
		};
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		expect(result.rows.length).toBe(6);
	});

	it('returns no rows when nothing is valid', () => {
		const spec: CoverageSpec = { parameters: params([2, 2]), strength: 2, constraints: [() => false], seed: 1 };
		expect(buildCoveringArray(spec)).toEqual({ rows: [], required: 0, covered: 0 });
	});

	it('gives exact counts for small fixed examples', () => {
		// 2-way over [2,2,2]: 3 parameter pairs x 2*2 value pairs = 12 tuples.
		const plain = buildCoveringArray({ parameters: params([2, 2, 2]), strength: 2, seed: 1 });
		expect(plain.required).toBe(12);
		expect(plain.covered).toBe(12);
		expect(plain.rows).toHaveLength(4);
		// Forbidding (p0=0, p1=0) removes exactly that pair; (p0=0, p2=*) and
		// (p1=0, p2=*) stay feasible through the other value: 12 - 1 = 11.
		const constrained = buildCoveringArray({
			parameters: params([2, 2, 2]),
			strength: 2,
			constraints: [forbidPair(0, 0, 1, 0)],
			seed: 1,
		});
		expect(constrained.required).toBe(11);
		expect(constrained.covered).toBe(11);
	});

	it('counts exactly the tuples that invalid values and a constraint leave feasible', () => {
		const spec: CoverageSpec = {
			parameters: params([3, 2, 3], [[0], [1]]),
			strength: 2,
			constraints: [forbidPair(1, 0, 2, 2)],
			seed: 1,
		};
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		// 21 value pairs less: p0p1 (0,1) two invalid values; p1p2 (0,2) forbidden; p0p2 (0,2) needs p1=0, forbidden with p2=2.
		expect(result.required).toBe(18);
		expect(result.rows.map((row) => row.join('')).join(' ')).toBe('000 001 110 101 112 200 211 212');
	});

	it('is deterministic for a seed', () => {
		const spec: CoverageSpec = {
			parameters: params([4, 3, 3, 2, 2], [[3], [], [2]]),
			strength: 2,
			groups: [{ parameters: ['p0', 'p1', 'p2'], strength: 3 }],
			constraints: [forbidPair(0, 1, 3, 1)],
			seed: 1234,
		};
		const first = buildCoveringArray(spec);
		const second = buildCoveringArray(spec);
		expect(second.rows).toEqual(first.rows);
		expect(buildCoveringArray({ ...spec }).rows).toEqual(first.rows);
	});

	it('gives the same rows for a seed as it always has (3-way group, invalid values, a constraint)', () => {
		const spec: CoverageSpec = {
			parameters: params([3, 2, 3, 2], [[2], [], [1]]),
			strength: 2,
			groups: [{ parameters: ['p0', 'p1', 'p2'], strength: 3 }],
			constraints: [forbidPair(0, 1, 3, 1)],
			seed: 1234,
		};
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		// The seed only shows in the filler of p3, which no 3-way tuple includes.
		expect(result.rows.map((row) => row.join('')).join(' ')).toBe('0001 0010 0021 0100 0111 0120 1000 1010 1020 1100 1110 1120 2001 2020 2100 2120');
		expect(buildCoveringArray({ ...spec, seed: 1235 }).rows.map((row) => row[3])).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
	});

	it('lets the seed change the rows', () => {
		const distinct = new Set<string>();
		for (let seed = 1; seed <= 10; seed++) {
			const spec: CoverageSpec = { parameters: params([3, 3, 3, 3, 3]), strength: 2, seed };
			distinct.add(JSON.stringify(buildCoveringArray(spec).rows));
		}
		expect(distinct.size).toBeGreaterThan(1);
	});

	it('builds the largest realistic input correctly and near the lower bound', () => {
		const parameters = params([2, 8, 18, 5, 3, 4], [[], [7], [16, 17], [4]]);
		const spec: CoverageSpec = {
			parameters,
			strength: 2,
			groups: [{ parameters: ['p1', 'p2', 'p3', 'p5'], strength: 3 }],
			constraints: [forbidPair(0, 1, 4, 2), (row) => !(row[1] < 2 && row[3] === 3)],
			seed: 7,
		};
		const result = buildCoveringArray(spec);
		expectCovers(spec, result);
		// No array can beat the largest subset's feasible combinations (644 here).
		expect(result.rows.length).toBeLessThanOrEqual(700);
	});

	it('rejects a parameter space that is too large to enumerate', () => {
		const spec: CoverageSpec = { parameters: params([10, 10, 10, 10, 10, 10, 3]), strength: 2, seed: 1 };
		expect(() => buildCoveringArray(spec)).toThrow(/more than 100000 rows/);
	});

	it('rejects a group naming an unknown parameter', () => {
		const spec: CoverageSpec = {
			parameters: params([2, 2]),
			strength: 2,
			groups: [{ parameters: ['p0', 'nope'], strength: 2 }],
			seed: 1,
		};
		expect(() => buildCoveringArray(spec)).toThrow(/nope/);
	});
});

// ---------------------------------------------------------------------------
// Property: random small specs.

interface RandomSpec {
	sizes: number[];
	strength: number;
	forbidden: { a: number; va: number; b: number; vb: number }[];
	invalidDraws: number[];
	group: number[] | null;
	seed: number;
}

const randomSpec: fc.Arbitrary<RandomSpec> = fc.integer({ min: 2, max: 5 }).chain((n) =>
	fc.record({
		sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: n, maxLength: n }),
		strength: fc.constantFrom(2, 3),
		forbidden: fc.array(fc.record({ a: fc.nat(n - 1), va: fc.nat(3), b: fc.nat(n - 1), vb: fc.nat(3) }), { maxLength: 5 }),
		// One draw per (parameter, value slot); 0 flags the value invalid (about 1 in 5).
		invalidDraws: fc.array(fc.nat(4), { minLength: n * 4, maxLength: n * 4 }),
		group: fc.option(
			fc.subarray(
				Array.from({ length: n }, (_, p) => p),
				{ minLength: 2 },
			),
			{ nil: null },
		),
		seed: fc.integer(),
	}),
);

function toCoverageSpec(r: RandomSpec): CoverageSpec {
	const invalid = r.sizes.map((size, p) => Array.from({ length: size }, (_, v) => v).filter((v) => r.invalidDraws[p * 4 + v] === 0));
	const constraints = r.forbidden.filter((f) => f.a !== f.b).map((f) => forbidPair(f.a, f.va % r.sizes[f.a], f.b, f.vb % r.sizes[f.b]));
	const groups = r.group ? [{ parameters: r.group.map((p) => `p${p}`), strength: 3 }] : [];
	return { parameters: params(r.sizes, invalid), strength: r.strength, groups, constraints, seed: r.seed };
}

describe('property: random small specs', () => {
	it('covers every feasible tuple with valid rows and counts them exactly', () => {
		fc.assert(
			fc.property(randomSpec, (r) => {
				const spec = toCoverageSpec(r);
				const result = buildCoveringArray(spec);
				const ref = expectCovers(spec, result);
				if (ref.validRows.length === 0) expect(result.rows).toEqual([]);
				expect(buildCoveringArray(spec).rows).toEqual(result.rows);
			}),
			{ numRuns: 300 },
		);
	});
});
