// Turns the model into the suite: covering arrays per family, transition tours, regression rows.
import { markLibraryVcpus, type Platform, type Revision } from '../model/index.js';
import { buildCoveringArray, type Constraint, type CoverageSpec } from './covering-array.js';
import { requirementsOf, type BuildContext, type TestCase } from './case.js';
import { caseId, type Family, type Values } from './family.js';
import { FAMILIES } from './families/index.js';
import { regressionCases } from './regressions.js';
import { allAbstractStates, transitionCases } from './transitions.js';

export interface SuiteRequest {
	readonly platform: Platform;
	readonly rev: Revision;
	readonly seed: number;
	/** Strength at which the core parameters are covered; other parameters use min(strength, 2). */
	readonly strength: number;
}

export interface FamilyCoverage {
	readonly family: string;
	readonly strength: string;
	readonly cases: number;
	readonly tuplesCovered: number;
	readonly tuplesRequired: number;
}

export interface TransitionCoverage {
	readonly states: number;
	readonly covered: number;
	readonly reachable: number;
	readonly unreachableStates: readonly string[];
}

export interface Suite {
	readonly cases: readonly TestCase[];
	readonly families: readonly FamilyCoverage[];
	readonly transitions: TransitionCoverage;
}

export function buildSuite(request: SuiteRequest): Suite {
	const ctx: BuildContext = { platform: request.platform, rev: request.rev };
	const cases: TestCase[] = [];
	const families: FamilyCoverage[] = [];
	for (const family of FAMILIES) {
		const { cases: familyCases, coverage } = familySuite(family, request, ctx);
		cases.push(...familyCases);
		families.push(coverage);
	}
	const tours = transitionCases(ctx);
	cases.push(...tours.cases, ...regressionCases(ctx));
	const reachable = new Set(tours.graph.nodes.keys());
	return {
		cases,
		families,
		transitions: {
			states: reachable.size,
			covered: tours.covered,
			reachable: tours.graph.edges.length,
			unreachableStates: allAbstractStates().filter((s) => !reachable.has(s)),
		},
	};
}

/** 32-bit FNV-1a: a stable per-family seed derived from the user's seed. */
function familySeed(seed: number, id: string): number {
	let h = (0x811c9dc5 ^ seed) >>> 0;
	for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
	return h;
}

function familySuite(family: Family, request: SuiteRequest, ctx: BuildContext): { cases: TestCase[]; coverage: FamilyCoverage } {
	const names = family.parameters.map((p) => p.name);
	const valuesOfRow = (row: readonly number[]): Values => Object.fromEntries(row.map((v, i) => [names[i]!, family.parameters[i]!.values[v]!.id]));
	const allowed = family.allowed;
	const constraints: Constraint[] = allowed ? [(row) => allowed(valuesOfRow(row), ctx)] : [];
	const base = family.exhaustive ? names.length : Math.min(request.strength, 2);
	const spec: CoverageSpec = {
		parameters: family.parameters.map((p) => ({ name: p.name, values: p.values })),
		strength: base,
		groups: family.core && !family.exhaustive ? [{ parameters: family.core, strength: request.strength }] : [],
		constraints,
		seed: familySeed(request.seed, family.id),
	};
	const array = buildCoveringArray(spec);
	const seen = new Set<string>();
	const cases: TestCase[] = [];
	const rows = [...array.rows, ...baseChoiceRows(family).filter((row) => constraints.every((ok) => ok(row)))];
	for (const row of rows) {
		const values = valuesOfRow(row);
		const id = caseId(family, values);
		if (seen.has(id)) continue;
		seen.add(id);
		const steps = markLibraryVcpus(family.build(values, ctx));
		cases.push({
			id,
			family: family.id,
			title: family.title,
			origin: family.exhaustive ? 'exhaustive' : 'covering-array',
			requires: requirementsOf(steps, family.requires?.(values) ?? []),
			steps,
		});
	}
	cases.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	const strength = family.exhaustive ? 'exhaustive' : family.core ? `${request.strength}-way core, ${base}-way` : `${base}-way`;
	return { cases, coverage: { family: family.id, strength, cases: cases.length, tuplesCovered: array.covered, tuplesRequired: array.required } };
}

/**
 * Base-choice rows on top of the covering array: every value of the first parameter, and every
 * invalid value of any parameter, with all other parameters at their default. They give each error
 * a case of its own with nothing else changed (e.g. xcr0.guest-xsetbv.avx-without-sse).
 */
function baseChoiceRows(family: Family): number[][] {
	const base = family.parameters.map(() => 0);
	const rows: number[][] = [];
	family.parameters.forEach((p, i) => {
		p.values.forEach((v, j) => {
			if (j > 0 && (i === 0 || v.invalid)) rows.push(base.map((d, k) => (k === i ? j : d)));
		});
	});
	return [base, ...rows];
}
