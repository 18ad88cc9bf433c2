/**
 * Deterministic covering arrays: IPOG (In-Parameter-Order, Lei et al.) with mixed strength, constraints as predicates
 * over complete rows, and at most one invalid value per row. The families' spaces have a few thousand rows at most, so
 * every valid row is listed up front: a tuple is required iff some valid row shows it, and a partial row carries the
 * valid rows that agree with it, so it can take a value iff one of them has that value.
 */

export interface Parameter {
	readonly name: string;
	/** Rows hold value indices; all this module needs of a value is whether it is invalid. */
	readonly values: readonly { readonly invalid?: boolean }[];
}
/** A complete row: one value index per parameter, in parameter order. */
export type Row = readonly number[];
/** A predicate over a complete row; false means the row is not allowed. */
export type Constraint = (row: Row) => boolean;
export interface CoverageSpec {
	readonly parameters: readonly Parameter[];
	/** Base strength t over all parameters (clamped to the number of parameters). */
	readonly strength: number;
	/** Higher strength over some parameters (e.g. 3-way over the core ones), clamped to the group's size. */
	readonly groups?: readonly { readonly parameters: readonly string[]; readonly strength: number }[];
	readonly constraints?: readonly Constraint[];
	readonly seed: number;
}
export interface CoveringArray {
	readonly rows: Row[];
	/** Feasible required tuples. */
	readonly required: number;
	/** How many of them the rows cover: equal to required. */
	readonly covered: number;
}

/** The whole product is listed and scanned: far above the largest family (3,040 rows), yet bounded. */
const MAX_PRODUCT = 100_000;
/** Greedy IPOG is sensitive to how ties fall: a few more attempts, while clearly above the trivial lower bound. */
const ATTEMPTS = 6;
const CLOSE_TO_BOUND = 1.05;
/** A parameter not yet chosen in a partial row. */
const DONT_CARE = -1;

interface Space {
	readonly parameters: readonly Parameter[];
	/** The rows of the product that the constraints and the one-invalid-value rule allow. */
	readonly valid: readonly Row[];
	/** Parameter subsets to cover, each ascending. */
	readonly subsets: readonly (readonly number[])[];
	/** Per subset, the value combinations some valid row shows, in mixed-radix order (first parameter most significant). */
	readonly feasible: readonly (readonly Row[])[];
}

export function buildCoveringArray(spec: CoverageSpec): CoveringArray {
	const space = analyse(spec);
	const rows = smallestOfAttempts(space, spec.seed);
	const covered = space.subsets.flatMap((subset, s) => space.feasible[s].filter((values) => rows.some((row) => shows(row, subset, values))));
	return { rows, required: space.feasible.flat().length, covered: covered.length };
}

function analyse(spec: CoverageSpec): Space {
	const sizes = spec.parameters.map((p) => p.values.length);
	if (sizes.reduce((a, b) => a * b, 1) > MAX_PRODUCT) throw new Error(`covering array: space [${sizes.join(' x ')}] has more than ${MAX_PRODUCT} rows`);
	const allowed = (row: Row): boolean =>
		row.filter((v, p) => spec.parameters[p].values[v].invalid).length <= 1 && (spec.constraints ?? []).every((holds) => holds(row));
	const valid = product(sizes).filter(allowed);
	const subsets = requiredSubsets(spec);
	const feasible = subsets.map((subset) => {
		const shown = new Set(valid.map((row) => keyOn(row, subset)));
		return product(subset.map((p) => sizes[p])).filter((values) => shown.has(values.join(',')));
	});
	return { parameters: spec.parameters, valid, subsets, feasible };
}

/** The t-subsets of all parameters, then each group's, without repeats. */
function requiredSubsets(spec: CoverageSpec): number[][] {
	const names = spec.parameters.map((p) => p.name);
	const subsets = new Map<string, number[]>();
	for (const { parameters, strength } of [{ parameters: names, strength: spec.strength }, ...(spec.groups ?? [])]) {
		const unknown = parameters.find((name) => !names.includes(name));
		if (unknown !== undefined) throw new Error(`covering array: group names unknown parameter '${unknown}'`);
		const members = indices(names.length).filter((p) => parameters.includes(names[p]));
		const k = Math.min(strength, members.length);
		if (k > 0) for (const subset of kSubsets(members, k)) subsets.set(subset.join(','), subset);
	}
	return [...subsets.values()];
}

/** The k-element subsets of ascending `items`, in lexicographic order. */
function kSubsets(items: readonly number[], k: number): number[][] {
	if (k === 0) return [[]];
	return items.flatMap((first, i) => kSubsets(items.slice(i + 1), k - 1).map((rest) => [first, ...rest]));
}

/** Every combination of values for these domain sizes, the last one changing fastest. */
function product(sizes: readonly number[]): number[][] {
	let rows: number[][] = [[]];
	for (const size of sizes) rows = rows.flatMap((row) => indices(size).map((v) => [...row, v]));
	return rows;
}

/** The key of the row's values on `subset`, like `values.join(',')` for a combination; with a don't-care it keys none. */
function keyOn(row: Row, subset: readonly number[]): string {
	return subset.map((p) => row[p]).join(',');
}

/** Whether the row has these values on `subset`. */
function shows(row: Row, subset: readonly number[], values: Row): boolean {
	return subset.every((p, i) => row[p] === values[i]);
}

function indices(count: number): number[] {
	return Array.from({ length: count }, (_, i) => i);
}

/** splitmix-style generator: a Weyl sequence through a 32-bit finaliser, uniform in [0, 1). */
function seededRandom(seed: number): () => number {
	let state = Math.trunc(seed) >>> 0;
	return () => {
		state = (state + 0x9e3779b9) >>> 0;
		let z = state;
		z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
		z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
		return ((z ^ (z >>> 16)) >>> 0) / 0x1_0000_0000;
	};
}

/** 0..count-1 in a seeded random order (Fisher-Yates). */
function shuffledIndices(count: number, random: () => number): number[] {
	const items = indices(count);
	for (let i = count - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[items[i], items[j]] = [items[j], items[i]];
	}
	return items;
}

/** The best-scoring option. Equal scores go to a uniformly random one (reservoir sampling), or without a generator to the first. */
function bestOf(options: readonly number[], score: (option: number) => number, random: (() => number) | null): { value: number; score: number } {
	let [best, bestScore, ties] = [DONT_CARE, -Infinity, 0];
	for (const value of options) {
		const s = score(value);
		if (s > bestScore) [best, bestScore, ties] = [value, s, 1];
		else if (s === bestScore && random && random() * ++ties < 1) best = value;
	}
	return { value: best, score: bestScore };
}

interface PartialRow {
	/** Value index per parameter, DONT_CARE where not chosen yet. */
	readonly values: number[];
	/** The valid rows agreeing with every chosen value: the row can still be completed into any of them. */
	candidates: readonly Row[];
}

/**
 * The first attempt breaks ties by one random ranking per parameter, as textbook IPOG does (often optimal, e.g. 16 rows
 * for 4^5); later ones row by row, which sometimes escapes dead ends the ranking walks into. The first smallest wins.
 */
function smallestOfAttempts(space: Space, seed: number): number[][] {
	const random = seededRandom(seed);
	const order = parameterOrder(space);
	// No array has fewer rows than some subset has feasible combinations.
	const lowerBound = Math.max(0, ...space.feasible.map((feasible) => feasible.length));
	let best = new Attempt(space, random, null).grow(order);
	for (let attempt = 1; attempt < ATTEMPTS && best.length > lowerBound * CLOSE_TO_BOUND; attempt++) {
		const rows = new Attempt(space, random, random).grow(order);
		if (rows.length < best.length) best = rows;
	}
	return best.map((row) => completeRow(space, row, order, random));
}

/** Parameters of the strongest subsets first, so the seed rows are their cross product; then larger domains (IPOG's usual heuristic). */
function parameterOrder(space: Space): number[] {
	const sizes = space.parameters.map((p) => p.values.length);
	const strength = sizes.map((_, p) => Math.max(0, ...space.subsets.filter((subset) => subset.includes(p)).map((subset) => subset.length)));
	return indices(sizes.length).sort((a, b) => strength[b] - strength[a] || sizes[b] - sizes[a] || a - b);
}

/** Fills the don't-cares, keeping the row completable; valid values first, so filler does not make a positive case negative. */
function completeRow(space: Space, row: PartialRow, order: readonly number[], random: () => number): number[] {
	for (const p of order) {
		if (row.values[p] !== DONT_CARE) continue;
		const values = space.parameters[p].values;
		writeTuple(row, [p], [bestOf(completable(row, p, indices(values.length)), (v) => (values[v].invalid ? 0 : 1), random).value]);
	}
	return row.values;
}

/** The values of parameter `p`, in the given order, that some candidate of the row has. */
function completable(row: PartialRow, p: number, values: readonly number[]): number[] {
	return values.filter((v) => row.candidates.some((c) => c[p] === v));
}

/** Sets the values on `subset` and keeps the candidates that agree; the caller has checked one does. */
function writeTuple(row: PartialRow, subset: readonly number[], values: readonly number[]): PartialRow {
	subset.forEach((p, i) => (row.values[p] = values[i]));
	row.candidates = row.candidates.filter((c) => shows(c, subset, values));
	return row;
}

/** One build of the array, parameter by parameter in the build order. */
class Attempt {
	readonly rows: PartialRow[] = [];
	/** Per subset, the keys of its feasible combinations that no row covers yet. */
	private readonly uncovered: Set<string>[];

	/** `rowTies` breaks ties of horizontal growth row by row; null: by the ranking of the parameter's values. */
	constructor(
		private readonly space: Space,
		private readonly random: () => number,
		private readonly rowTies: (() => number) | null,
	) {
		this.uncovered = space.feasible.map((feasible) => new Set(feasible.map((values) => values.join(','))));
	}

	grow(order: readonly number[]): PartialRow[] {
		// Each subset is complete once its last member in the build order is added.
		const endingAt = order.map(() => [] as number[]);
		this.space.subsets.forEach((subset, s) => endingAt[order.filter((p) => subset.includes(p)).at(-1)!].push(s));
		for (const p of order.slice(this.seed(order))) {
			if (endingAt[p].length === 0) continue;
			this.growHorizontally(p, endingAt[p]);
			this.growVertically(endingAt[p]);
		}
		return this.rows;
	}

	/**
	 * Seeds a row per feasible combination of the longest build-order prefix that is a required subset (vertical growth
	 * into no rows), and returns its length. These rows cover every tuple inside the prefix: a feasible tuple lies in a
	 * valid row, whose projection onto the prefix is one of them.
	 */
	private seed(order: readonly number[]): number {
		const keys = this.space.subsets.map((subset) => subset.join(','));
		for (let prefix = order.length; prefix > 0; prefix--) {
			const members = order.slice(0, prefix).sort((a, b) => a - b);
			const s = keys.indexOf(members.join(','));
			if (s < 0) continue;
			this.growVertically([s]);
			return prefix;
		}
		return 0;
	}

	/**
	 * Extends each row with the value of `p` that covers the most uncovered tuples, among those that keep it completable.
	 * Rows that gain nothing keep a don't-care for vertical growth to use.
	 */
	private growHorizontally(p: number, subsetIds: readonly number[]): void {
		const ranking = shuffledIndices(this.space.parameters[p].values.length, this.random);
		for (const row of this.rows) {
			const gain = (v: number): number => {
				row.values[p] = v;
				return subsetIds.filter((s) => this.uncovered[s].has(keyOn(row.values, this.space.subsets[s]))).length;
			};
			const best = bestOf(completable(row, p, ranking), gain, this.rowTies);
			row.values[p] = DONT_CARE;
			if (best.score > 0) this.markCovered(writeTuple(row, [p], [best.value]), subsetIds);
		}
	}

	/** Puts every still-uncovered tuple into the first row that can take it, else into a new row. */
	private growVertically(subsetIds: readonly number[]): void {
		for (const s of subsetIds) {
			const subset = this.space.subsets[s];
			for (const values of this.space.feasible[s]) {
				if (!this.uncovered[s].has(values.join(','))) continue;
				// A candidate showing the tuple agrees with the row's chosen values, so the row can take it.
				const row = this.rows.find((r) => r.candidates.some((c) => shows(c, subset, values)));
				this.markCovered(row ? writeTuple(row, subset, values) : this.newRow(subset, values), subsetIds);
			}
		}
	}

	private newRow(subset: readonly number[], values: Row): PartialRow {
		const row = writeTuple({ values: this.space.parameters.map(() => DONT_CARE), candidates: this.space.valid }, subset, values);
		this.rows.push(row);
		return row;
	}

	private markCovered(row: PartialRow, subsetIds: readonly number[]): void {
		for (const s of subsetIds) this.uncovered[s].delete(keyOn(row.values, this.space.subsets[s]));
	}
}
