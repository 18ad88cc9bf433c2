// The model's verdict on every step of every case, for one platform and revision.
import {
	REQUIREMENTS,
	REQUIREMENT_TABLE,
	allBehaviours,
	evaluate,
	hex,
	kvmSupportedXcr0,
	platformOffers,
	rule,
	type Evaluated,
	type Op,
	type Platform,
	type Revision,
} from '../model/index.js';
import type { TestCase } from '../enumerate/case.js';
import type { Suite } from '../enumerate/suite.js';
import type { ExpectedCase, ExpectedDocument, ExpectedStep, Manifest } from './expected-schema.js';

export const GENERATOR = { name: 'fpu-kvm-testgen', version: '0.1.0' } as const;

export interface GenerateRequest {
	readonly platform: Platform;
	readonly rev: Revision;
	readonly seed: number;
	readonly strength: number;
	readonly modelHash: string;
}

/** A step as expected.json lists it: the op's name, its arguments, then the model's verdict. */
function expectedStep(op: Op, index: number, result: Evaluated['results'][number]): ExpectedStep {
	const { op: name, ...args } = op;
	const { summary, citation } = rule(result.rule);
	// The name and the arguments come from one Op, so they belong to the same operation.
	return { index, op: name, args, expect: result.outcome, rule: result.rule, summary, citation } as ExpectedStep;
}

export function skipReason(c: TestCase, platform: Platform): string | null {
	const missing = c.requires.filter((r) => !platformOffers(platform, r)).map((r) => REQUIREMENT_TABLE[r].missing);
	return missing.length ? `platform ${platform.id} lacks ${missing.join(', ')}` : null;
}

export function expectedCase(c: TestCase, platform: Platform, rev: Revision): ExpectedCase {
	const { results } = evaluate(c.steps, platform, rev);
	return {
		id: c.id,
		family: c.family,
		title: c.title,
		origin: c.origin,
		requires: REQUIREMENTS.filter((r) => c.requires.includes(r)),
		skip: skipReason(c, platform),
		...(c.regression ? { regression: c.regression } : {}),
		steps: c.steps.map((op, index) => expectedStep(op, index, results[index]!)),
	};
}

export function expectedDocument(request: GenerateRequest, suite: Suite): ExpectedDocument {
	const { platform, rev } = request;
	return {
		format: 'fpu-kvm-testgen/expected/1',
		generator: { ...GENERATOR },
		modelHash: request.modelHash,
		seed: request.seed,
		strength: request.strength,
		platform: {
			id: platform.id,
			description: platform.description,
			backend: platform.backend,
			userMax: hex(platform.userMax),
			kvmSupportedXcr0: hex(kvmSupportedXcr0(platform, rev)),
			profile: platform.profile,
		},
		revision: {
			id: rev.id,
			description: rev.description,
			behaviours: allBehaviours()
				.filter((b) => rev.behaviours.has(b.id))
				.map((b) => ({ id: b.id, summary: b.summary, kernels: b.kernels, citation: b.citation, assumption: b.assumedIn?.includes(rev.id) === true })),
		},
		cases: suite.cases.map((c) => expectedCase(c, platform, rev)),
	};
}

function countBy(items: readonly ExpectedCase[], key: (c: ExpectedCase) => string): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const c of items) counts[key(c)] = (counts[key(c)] ?? 0) + 1;
	return counts;
}

export function manifest(request: GenerateRequest, suite: Suite, doc: ExpectedDocument): Manifest {
	const skipped = doc.cases.filter((c) => c.skip !== null).length;
	return {
		format: 'fpu-kvm-testgen/manifest/1',
		generator: { ...GENERATOR },
		modelHash: request.modelHash,
		seed: request.seed,
		strength: request.strength,
		platform: request.platform.id,
		revision: request.rev.id,
		cases: {
			total: doc.cases.length,
			runnable: doc.cases.length - skipped,
			skipped,
			steps: doc.cases.reduce((n, c) => n + c.steps.length, 0),
			byFamily: countBy(doc.cases, (c) => c.family),
			byOrigin: countBy(doc.cases, (c) => c.origin),
		},
		coverage: {
			families: suite.families.map((f) => ({ ...f })),
			tuples: {
				covered: suite.families.reduce((n, f) => n + f.tuplesCovered, 0),
				required: suite.families.reduce((n, f) => n + f.tuplesRequired, 0),
			},
			transitions: { ...suite.transitions, unreachableStates: [...suite.transitions.unreachableStates] },
			regressions: doc.cases.filter((c) => c.origin === 'regression').length,
		},
	};
}
