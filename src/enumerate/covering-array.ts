/**
 * Deterministic covering-array generator: IPOG (In-Parameter-Order, Lei et al.)
 * generalised to mixed strength, with constraints given as predicates over
 * complete rows and a built-in "at most one invalid value per row" rule.
 *
 * The parameter spaces we feed it are small, so every valid complete row is
 * enumerated once up front. That makes feasibility exact (a tuple is required
 * iff some valid row contains it) and lets the builder ask "can this partial
 * row still be completed?" by intersecting per-(parameter, value) bitsets
 * over the valid rows. Constraints are therefore called once per row of the
 * full product, with one reused array: they must not keep a reference to it.
 */

export interface ParamValue {
	readonly id: string;
	readonly invalid?: boolean;
}
export interface Parameter {
	readonly name: string;
	readonly values: readonly ParamValue[];
}
/** A complete row: one value index per parameter, in parameter order. */
export type Row = readonly number[];
/** A constraint is a predicate over a COMPLETE row; false means the row is not allowed. */
export type Constraint = (row: Row) => boolean;
export interface StrengthGroup {
	readonly parameters: readonly string[];
	readonly strength: number;
}
export interface CoverageSpec {
	readonly parameters: readonly Parameter[];
	/** Base strength t applied to all parameters (clamped to the number of parameters). */
	readonly strength: number;
	/** Mixed strength: higher strength over a subset of parameters (e.g. 3-way over the core ones). */
	readonly groups?: readonly StrengthGroup[];
	readonly constraints?: readonly Constraint[];
	readonly seed: number;
}
/** A t-tuple: parallel arrays of parameter indices (ascending) and value indices. */
export interface Tuple {
	readonly params: readonly number[];
	readonly values: readonly number[];
}
export interface CoveringArray {
	readonly rows: Row[];
	/** number of feasible required tuples */
	readonly required: number;
	/** number of them covered by rows (must equal required) */
	readonly covered: number;
}

/** Above this many complete rows, enumerating the space up front is not reasonable. */
const MAX_PRODUCT = 2_000_000;
/** One bitset per (parameter, value) over the product; a few huge domains could exhaust memory. */
const MAX_SUPPORT_BYTES = 256 * 1024 * 1024;

/**
 * Greedy IPOG is sensitive to how ties fall; a few differently seeded
 * attempts avoid its worst outcomes. They are only made while the array is
 * clearly above the trivial lower bound: within a few percent of it (typical
 * when one high-strength subset dominates) retries rarely pay off.
 */
const ATTEMPTS = 6;
const CLOSE_TO_BOUND = 1.05;

/** Marks a parameter position not yet chosen in a partial row. */
const DONT_CARE = -1;

/** Per-combination state while building. */
const NOT_REQUIRED = 0;
const UNCOVERED = 1;
const COVERED = 2;

type Bitset = Uint32Array;

/** A bitset stored as its non-zero words: the first `count` word indices and their bits. */
interface SparseBits {
	readonly words: Int32Array;
	readonly bits: Int32Array;
	count: number;
}

/** Everything derived from a spec that does not depend on the build order. */
interface Space {
	readonly sizes: readonly number[];
	/** invalid[param][value]: whether that value is flagged invalid. */
	readonly invalid: readonly (readonly boolean[])[];
	/** Parameter subsets needing coverage, each ascending, no duplicates. */
	readonly subsets: readonly (readonly number[])[];
	/** Per subset, per mixed-radix combination: 1 iff some valid row has it. */
	readonly feasible: readonly Uint8Array[];
	/** support[param][value]: bitset of the valid rows having that value there. */
	readonly support: readonly (readonly Bitset[])[];
	/** The same sets keeping only their non-zero words: cheap to copy or scan. */
	readonly sparseSupport: readonly (readonly SparseBits[])[];
	readonly validCount: number;
}

export function buildCoveringArray(spec: CoverageSpec): CoveringArray {
	const space = analyseSpace(spec);
	const rows = smallestOfAttempts(space, spec.seed).map((row) => Array.from(row));
	return {
		rows,
		required: countRequired(space),
		covered: countCovered(space, rows),
	};
}

export function requiredTuples(spec: CoverageSpec): Tuple[] {
	const space = analyseSpace(spec);
	const tuples: Tuple[] = [];
	space.subsets.forEach((params, s) => {
		const feasible = space.feasible[s];
		for (let combo = 0; combo < feasible.length; combo++) {
			if (feasible[combo]) tuples.push({ params, values: decodeCombo(space.sizes, params, combo) });
		}
	});
	return tuples;
}

export function isValidRow(spec: CoverageSpec, row: Row): boolean {
	const params = spec.parameters;
	if (row.length !== params.length) return false;
	for (let p = 0; p < params.length; p++) {
		const v = row[p];
		if (!Number.isInteger(v) || v < 0 || v >= params[p].values.length) return false;
	}
	if (countInvalid(params, row) > 1) return false;
	return (spec.constraints ?? []).every((holds) => holds(row));
}

export function tupleKey(t: Tuple): string {
	return `${t.params.join(',')}=${t.values.join(',')}`;
}

// ---------------------------------------------------------------------------
// Spec analysis

function analyseSpace(spec: CoverageSpec): Space {
	const sizes = spec.parameters.map((p) => p.values.length);
	checkProduct(sizes);
	const invalid = spec.parameters.map((param) => param.values.map((v) => v.invalid === true));
	const subsets = strengthSubsets(spec);
	const { support, validCount } = enumerateValidRows(spec, sizes, invalid);
	const sparseSupport = support.map((perValue) => perValue.map(sparseOf));
	const feasible = subsets.map((subset) => feasibleCombos(sizes, support, sparseSupport, subset));
	return { sizes, invalid, subsets, feasible, support, sparseSupport, validCount };
}

function checkProduct(sizes: readonly number[]): void {
	let product = 1;
	for (const size of sizes) {
		product *= size;
		if (product > MAX_PRODUCT) {
			throw new Error(`covering array: parameter space [${sizes.join(' x ')}] has more than ${MAX_PRODUCT} rows; ` + 'split it or reduce the number of values');
		}
	}
	const supportBytes = sizes.reduce((a, b) => a + b, 0) * Math.ceil(product / 32) * 4;
	if (supportBytes > MAX_SUPPORT_BYTES) {
		throw new Error(`covering array: parameter space [${sizes.join(' x ')}] has too many values for its size; ` + 'split it or reduce the number of values');
	}
}

function checkStrength(strength: number, what: string): void {
	if (!Number.isInteger(strength) || strength < 1) {
		throw new Error(`covering array: ${what} strength must be a positive integer, got ${strength}`);
	}
}

/** All parameter subsets to cover: base t-subsets plus each group's, deduplicated. */
function strengthSubsets(spec: CoverageSpec): number[][] {
	const n = spec.parameters.length;
	checkStrength(spec.strength, 'base');
	const indexByName = parameterIndexByName(spec.parameters);
	const all = new Map<string, number[]>();
	const add = (subset: number[]): void => {
		const key = subset.join(',');
		if (!all.has(key)) all.set(key, subset);
	};
	const everyParam = Array.from({ length: n }, (_, p) => p);
	for (const subset of kSubsets(everyParam, Math.min(spec.strength, n))) add(subset);
	for (const group of spec.groups ?? []) {
		checkStrength(group.strength, 'group');
		const members = groupMembers(group, indexByName);
		for (const subset of kSubsets(members, Math.min(group.strength, members.length))) add(subset);
	}
	return [...all.values()];
}

function parameterIndexByName(params: readonly Parameter[]): Map<string, number> {
	const byName = new Map<string, number>();
	params.forEach((param, p) => {
		if (byName.has(param.name)) throw new Error(`covering array: duplicate parameter name '${param.name}'`);
		byName.set(param.name, p);
	});
	return byName;
}

function groupMembers(group: StrengthGroup, indexByName: Map<string, number>): number[] {
	const members = new Set<number>();
	for (const name of group.parameters) {
		const p = indexByName.get(name);
		if (p === undefined) throw new Error(`covering array: group names unknown parameter '${name}'`);
		members.add(p);
	}
	return [...members].sort((a, b) => a - b);
}

/** k-element subsets of ascending `items`, each ascending, in lexicographic order. */
function kSubsets(items: readonly number[], k: number): number[][] {
	const out: number[][] = [];
	if (k <= 0 || k > items.length) return out;
	const pick: number[] = [];
	const recurse = (from: number): void => {
		if (pick.length === k) {
			out.push([...pick]);
			return;
		}
		for (let i = from; i <= items.length - (k - pick.length); i++) {
			pick.push(items[i]);
			recurse(i + 1);
			pick.pop();
		}
	};
	recurse(0);
	return out;
}

/** Walks the full product once, recording each valid row in the support bitsets. */
function enumerateValidRows(spec: CoverageSpec, sizes: readonly number[], invalid: readonly (readonly boolean[])[]) {
	const n = sizes.length;
	const product = sizes.reduce((a, b) => a * b, 1);
	const capacityWords = Math.ceil(product / 32);
	const support = sizes.map((size) => Array.from({ length: size }, () => new Uint32Array(capacityWords)));
	const constraints = spec.constraints ?? [];
	let validCount = 0;

	// Odometer over the product; the same array is handed to every constraint.
	const row = new Array<number>(n).fill(0);
	for (let r = 0; r < product; r++) {
		if (rowAllowed(row, invalid, constraints)) {
			const word = validCount >>> 5;
			const bit = 1 << (validCount & 31);
			for (let p = 0; p < n; p++) support[p][row[p]][word] |= bit;
			validCount++;
		}
		advance(row, sizes);
	}

	const usedWords = Math.ceil(validCount / 32);
	return {
		support: support.map((perValue) => perValue.map((bits) => bits.subarray(0, usedWords))),
		validCount,
	};
}

/**
 * Per mixed-radix combination of `subset`: 1 iff some valid row has it, i.e.
 * the support sets of its values intersect. The scan walks the sparsest of
 * them and probes the others.
 */
function feasibleCombos(
	sizes: readonly number[],
	support: readonly (readonly Bitset[])[],
	sparseSupport: readonly (readonly SparseBits[])[],
	subset: readonly number[],
): Uint8Array {
	const feasible = new Uint8Array(comboCount(sizes, subset));
	for (let combo = 0; combo < feasible.length; combo++) {
		const values = decodeCombo(sizes, subset, combo);
		const first = sparsestValue(sparseSupport, subset, values);
		const others: Bitset[] = [];
		subset.forEach((p, i) => {
			if (i !== first) others.push(support[p][values[i]]);
		});
		feasible[combo] = meetsAll(sparseSupport[subset[first]][values[first]], others) ? 1 : 0;
	}
	return feasible;
}

/** Position in `params` whose value has the sparsest support: the cheapest one to start a scan from. */
function sparsestValue(sparseSupport: readonly (readonly SparseBits[])[], params: readonly number[], values: readonly number[]): number {
	let best = 0;
	for (let i = 1; i < params.length; i++) {
		if (sparseSupport[params[i]][values[i]].count < sparseSupport[params[best]][values[best]].count) best = i;
	}
	return best;
}

function sparseOf(dense: Bitset): SparseBits {
	let count = 0;
	for (let w = 0; w < dense.length; w++) if (dense[w] !== 0) count++;
	const sparse: SparseBits = { words: new Int32Array(count), bits: new Int32Array(count), count };
	for (let w = 0, k = 0; w < dense.length; w++) {
		if (dense[w] === 0) continue;
		sparse.words[k] = w;
		sparse.bits[k++] = dense[w];
	}
	return sparse;
}

/** Whether some bit of `base` is also set in every one of `others`. */
function meetsAll(base: SparseBits, others: readonly Bitset[]): boolean {
	for (let k = 0; k < base.count; k++) {
		const w = base.words[k];
		let x = base.bits[k];
		for (let i = 0; x !== 0 && i < others.length; i++) x &= others[i][w];
		if (x !== 0) return true;
	}
	return false;
}

/** Whether `base` and `other` share a bit. */
function meets(base: SparseBits, other: Bitset): boolean {
	for (let k = 0; k < base.count; k++) if (base.bits[k] & other[base.words[k]]) return true;
	return false;
}

/** Narrows `base` in place to its intersection with `other`. */
function narrow(base: SparseBits, other: Bitset): void {
	let kept = 0;
	for (let k = 0; k < base.count; k++) {
		const x = base.bits[k] & other[base.words[k]];
		if (x === 0) continue;
		base.words[kept] = base.words[k];
		base.bits[kept++] = x;
	}
	base.count = kept;
}

function rowAllowed(row: Row, invalidFlags: readonly (readonly boolean[])[], constraints: readonly Constraint[]): boolean {
	let invalid = 0;
	for (let p = 0; p < row.length; p++) if (invalidFlags[p][row[p]]) invalid++;
	if (invalid > 1) return false;
	for (const holds of constraints) if (!holds(row)) return false;
	return true;
}

function countInvalid(params: readonly Parameter[], row: Row): number {
	let invalid = 0;
	for (let p = 0; p < params.length; p++) if (params[p].values[row[p]].invalid) invalid++;
	return invalid;
}

/** Steps a mixed-radix counter, last parameter fastest. */
function advance(row: number[], sizes: readonly number[]): void {
	for (let p = sizes.length - 1; p >= 0; p--) {
		if (++row[p] < sizes[p]) return;
		row[p] = 0;
	}
}

function comboCount(sizes: readonly number[], subset: readonly number[]): number {
	return subset.reduce((count, p) => count * sizes[p], 1);
}

/** Mixed-radix index of a row's values on `subset`, first parameter most significant. */
function encodeCombo(sizes: readonly number[], subset: readonly number[], row: ArrayLike<number>): number {
	let combo = 0;
	for (const p of subset) combo = combo * sizes[p] + row[p];
	return combo;
}

function decodeCombo(sizes: readonly number[], subset: readonly number[], combo: number): number[] {
	const values = new Array<number>(subset.length);
	for (let i = subset.length - 1; i >= 0; i--) {
		const size = sizes[subset[i]];
		values[i] = combo % size;
		combo = Math.floor(combo / size);
	}
	return values;
}

function countRequired(space: Space): number {
	let required = 0;
	for (const feasible of space.feasible) for (const flag of feasible) required += flag;
	return required;
}

function countCovered(space: Space, rows: readonly Row[]): number {
	let covered = 0;
	space.subsets.forEach((subset, s) => {
		const seen = new Uint8Array(space.feasible[s].length);
		for (const row of rows) seen[encodeCombo(space.sizes, subset, row)] = 1;
		seen.forEach((flag, combo) => {
			covered += flag & space.feasible[s][combo];
		});
	});
	return covered;
}

// ---------------------------------------------------------------------------
// Seeded tie-breaking

/** splitmix-style generator: a Weyl sequence through a 32-bit finaliser. */
class Random {
	private state: number;

	constructor(seed: number) {
		this.state = Math.trunc(seed) >>> 0;
	}

	/** Uniform float in [0, 1). */
	next(): number {
		this.state = (this.state + 0x9e3779b9) >>> 0;
		let z = this.state;
		z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
		z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
		return ((z ^ (z >>> 16)) >>> 0) / 0x1_0000_0000;
	}
}

/**
 * Keeps the best-scoring candidate. Equal scores go to a uniformly random one,
 * or, without a generator, to the first offered.
 */
class BestPick {
	value = DONT_CARE;
	score = -Infinity;
	private ties = 0;

	constructor(private readonly random: Random | null) {}

	offer(value: number, score: number): void {
		if (score > this.score) {
			this.value = value;
			this.score = score;
			this.ties = 1;
		} else if (score === this.score && this.random && this.random.next() * ++this.ties < 1) {
			this.value = value;
		}
	}
}

/** 0..count-1 in a seeded random order (Fisher-Yates). */
function shuffledIndices(count: number, random: Random): number[] {
	const items = Array.from({ length: count }, (_, i) => i);
	for (let i = count - 1; i > 0; i--) {
		const j = Math.floor(random.next() * (i + 1));
		[items[i], items[j]] = [items[j], items[i]];
	}
	return items;
}

// ---------------------------------------------------------------------------
// Completability: a partial row can be completed iff some valid row agrees
// with it on every assigned position, i.e. the AND of their support sets is
// non-empty. Each partial row carries that AND, narrowed as values are set.
// It is kept sparse: once a few values are set it spans a handful of words,
// so checks no longer scale with the size of the space.

interface PartialRow {
	/** Value index per parameter, DONT_CARE where not chosen yet. */
	readonly values: Int32Array;
	/** Valid rows agreeing with every assigned position. */
	readonly support: SparseBits;
}

/** A new row with only parameter `p` set to `v`; rows are always created around a first value. */
function rowWith(space: Space, p: number, v: number): PartialRow {
	const first = space.sparseSupport[p][v];
	const row: PartialRow = {
		values: new Int32Array(space.sizes.length).fill(DONT_CARE),
		support: { words: first.words.slice(), bits: first.bits.slice(), count: first.count },
	};
	row.values[p] = v;
	return row;
}

function assign(space: Space, row: PartialRow, p: number, v: number): void {
	row.values[p] = v;
	narrow(row.support, space.support[p][v]);
}

/** Whether the row stays completable once `p` is set to `v`. */
function allows(space: Space, row: PartialRow, p: number, v: number): boolean {
	return meets(row.support, space.support[p][v]);
}

// ---------------------------------------------------------------------------
// IPOG

/** Working state of one build. */
interface Build {
	readonly space: Space;
	readonly random: Random;
	/**
	 * How horizontal growth breaks ties between equally good values. 'ranked':
	 * by one random ranking per parameter, the same for every row, which keeps
	 * the structure of textbook IPOG (often optimal, e.g. 16 rows for 4^5).
	 * 'random': independently per row, which sometimes escapes dead ends the
	 * ranking walks into.
	 */
	readonly ties: 'ranked' | 'random';
	/** Per subset, per combination: NOT_REQUIRED, UNCOVERED or COVERED. */
	readonly state: Uint8Array[];
	readonly rows: PartialRow[];
}

/**
 * First a ranked attempt, then random-tie ones; keeps the first smallest and
 * fills its don't-cares. The trivial lower bound is the largest number of
 * feasible combinations of any one subset.
 */
function smallestOfAttempts(space: Space, seed: number): Int32Array[] {
	if (space.validCount === 0 || space.subsets.length === 0) return [];
	const random = new Random(seed);
	const order = parameterOrder(space);
	const lowerBound = space.feasible.reduce(
		(bound, feasible) =>
			Math.max(
				bound,
				feasible.reduce((a, b) => a + b, 0),
			),
		0,
	);
	let best = growRows(space, random, order, 'ranked');
	for (let attempt = 1; attempt < ATTEMPTS && best.length > lowerBound * CLOSE_TO_BOUND; attempt++) {
		const rows = growRows(space, random, order, 'random');
		if (rows.length < best.length) best = rows;
	}
	for (const row of best) fillDontCares(space, random, row, order);
	return best.map((row) => row.values);
}

function growRows(space: Space, random: Random, order: readonly number[], ties: Build['ties']): PartialRow[] {
	const build: Build = {
		space,
		random,
		ties,
		state: space.feasible.map((feasible) => feasible.map((flag) => (flag ? UNCOVERED : NOT_REQUIRED))),
		rows: [],
	};
	const endingAt = subsetsByLastParameter(space, order);
	const prefix = initialPrefix(space, order);

	seedRows(build, prefix, order, endingAt);
	for (let k = prefix; k < order.length; k++) {
		const p = order[k];
		if (endingAt[p].length === 0) continue;
		growHorizontally(build, p, endingAt[p]);
		growVertically(build, endingAt[p]);
	}
	return build.rows;
}

/**
 * Parameters in the highest-strength subsets go first so the seed rows are
 * their full cross product; within that, larger domains first (usual IPOG
 * heuristic: it keeps later vertical growth small).
 */
function parameterOrder(space: Space): number[] {
	const strength = space.sizes.map(() => 0);
	for (const subset of space.subsets) for (const p of subset) strength[p] = Math.max(strength[p], subset.length);
	return space.sizes.map((_, p) => p).sort((a, b) => strength[b] - strength[a] || space.sizes[b] - space.sizes[a] || a - b);
}

/** Subset indices grouped by whichever member comes last in the build order. */
function subsetsByLastParameter(space: Space, order: readonly number[]): number[][] {
	const position = new Array<number>(order.length);
	order.forEach((p, k) => {
		position[p] = k;
	});
	const endingAt: number[][] = space.sizes.map(() => []);
	space.subsets.forEach((subset, s) => {
		const last = subset.reduce((a, b) => (position[a] > position[b] ? a : b));
		endingAt[last].push(s);
	});
	return endingAt;
}

/** Longest build-order prefix that is itself a required subset; its feasible combos seed the rows. */
function initialPrefix(space: Space, order: readonly number[]): number {
	const keys = new Set(space.subsets.map((subset) => subset.join(',')));
	for (let m = order.length; m > 0; m--) {
		const key = order
			.slice(0, m)
			.sort((a, b) => a - b)
			.join(',');
		if (keys.has(key)) return m;
	}
	return 0;
}

/**
 * One row per feasible combination of the prefix. Every tuple inside the prefix
 * is covered by them: a feasible smaller tuple lies in some valid row, whose
 * projection onto the prefix is one of these combinations.
 */
function seedRows(build: Build, prefix: number, order: readonly number[], endingAt: readonly number[][]): void {
	const { space } = build;
	const members = order.slice(0, prefix).sort((a, b) => a - b);
	const s = space.subsets.findIndex((subset) => subset.join(',') === members.join(','));
	if (s < 0) return;
	const feasible = space.feasible[s];
	const inPrefix = members.flatMap((p) => endingAt[p]);
	for (let combo = 0; combo < feasible.length; combo++) {
		if (!feasible[combo]) continue;
		const values = decodeCombo(space.sizes, members, combo);
		const first = sparsestValue(space.sparseSupport, members, values);
		const row = rowWith(space, members[first], values[first]);
		members.forEach((p, i) => {
			if (i !== first) assign(space, row, p, values[i]);
		});
		build.rows.push(row);
		markCovered(build, row.values, inPrefix);
	}
}

/** Records as covered every uncovered combination of `subsetIds` that the row fully assigns. */
function markCovered(build: Build, values: Int32Array, subsetIds: readonly number[]): void {
	for (const s of subsetIds) {
		const combo = assignedCombo(build.space, build.space.subsets[s], values);
		if (combo >= 0 && build.state[s][combo] === UNCOVERED) build.state[s][combo] = COVERED;
	}
}

/** The row's combination on `subset`, or -1 if any member is a don't-care. */
function assignedCombo(space: Space, subset: readonly number[], values: Int32Array): number {
	let combo = 0;
	for (const p of subset) {
		if (values[p] === DONT_CARE) return -1;
		combo = combo * space.sizes[p] + values[p];
	}
	return combo;
}

/**
 * Extends each existing row with the value of `p` that covers the most
 * uncovered tuples, among values that keep the row completable. Rows that
 * gain nothing keep a don't-care so vertical growth can still use them.
 */
function growHorizontally(build: Build, p: number, subsetIds: readonly number[]): void {
	const { space } = build;
	const ranking = shuffledIndices(space.sizes[p], build.random);
	const tieBreaker = build.ties === 'random' ? build.random : null;
	for (const row of build.rows) {
		const best = new BestPick(tieBreaker);
		for (const v of ranking) {
			if (!allows(space, row, p, v)) continue;
			row.values[p] = v;
			best.offer(v, uncoveredGain(build, row.values, subsetIds));
		}
		row.values[p] = DONT_CARE;
		if (best.score > 0) {
			assign(space, row, p, best.value);
			markCovered(build, row.values, subsetIds);
		}
	}
}

function uncoveredGain(build: Build, values: Int32Array, subsetIds: readonly number[]): number {
	let gain = 0;
	for (const s of subsetIds) {
		const combo = assignedCombo(build.space, build.space.subsets[s], values);
		if (combo >= 0 && build.state[s][combo] === UNCOVERED) gain++;
	}
	return gain;
}

/** Places every still-uncovered tuple into the first row that can take it, else a new row. */
function growVertically(build: Build, subsetIds: readonly number[]): void {
	const { space } = build;
	for (const s of subsetIds) {
		const subset = space.subsets[s];
		const state = build.state[s];
		for (let combo = 0; combo < state.length; combo++) {
			if (state[combo] !== UNCOVERED) continue;
			const values = decodeCombo(space.sizes, subset, combo);
			let row = build.rows.find((candidate) => accepts(space, candidate, subset, values));
			if (!row) {
				const first = sparsestValue(space.sparseSupport, subset, values);
				row = rowWith(space, subset[first], values[first]);
				build.rows.push(row);
			}
			for (let i = 0; i < subset.length; i++) {
				if (row.values[subset[i]] === DONT_CARE) assign(space, row, subset[i], values[i]);
			}
			markCovered(build, row.values, subsetIds);
		}
	}
}

/** Whether the row agrees with the tuple where assigned and stays completable with it written in. */
function accepts(space: Space, row: PartialRow, subset: readonly number[], values: readonly number[]): boolean {
	const added: Bitset[] = [];
	for (let i = 0; i < subset.length; i++) {
		const current = row.values[subset[i]];
		if (current === DONT_CARE) added.push(space.support[subset[i]][values[i]]);
		else if (current !== values[i]) return false;
	}
	return meetsAll(row.support, added);
}

/**
 * Gives every remaining don't-care a value that keeps the row completable,
 * so the finished row is a valid one. Valid values are preferred so filler
 * does not turn a positive case into a negative one.
 */
function fillDontCares(space: Space, random: Random, row: PartialRow, order: readonly number[]): void {
	for (const p of order) {
		if (row.values[p] !== DONT_CARE) continue;
		const best = new BestPick(random);
		for (let v = 0; v < space.sizes[p]; v++) {
			if (allows(space, row, p, v)) best.offer(v, space.invalid[p][v] ? 0 : 1);
		}
		assign(space, row, p, best.value);
	}
}
