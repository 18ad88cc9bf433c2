// Why does a case expect what it expects: its steps evaluated under every revision.
import { ModelError, REVISION_ORDER, evaluate, revision, type Op, type Platform, type Revision, type RevisionId, type RuleId } from '../model/index.js';
import type { TestCase } from './case.js';

export interface ExplainedStep {
	readonly op: Op;
	readonly byRevision: readonly { readonly revision: RevisionId; readonly outcome: string; readonly rule: RuleId | null }[];
}

export function explainCase(c: TestCase, platform: Platform): ExplainedStep[] {
	const perRevision = REVISION_ORDER.map((id) => ({ id, results: tryEvaluate(c, platform, revision(id)) }));
	return c.steps.map((op, i) => ({
		op,
		byRevision: perRevision.map(({ id, results }) => {
			const r = results?.[i];
			if (!r) return { revision: id, outcome: '(not applicable)', rule: null };
			const outcome = Object.entries(r.outcome)
				.map(([k, v]) => `${k}=${v}`)
				.join(' ');
			return { revision: id, outcome, rule: r.rule };
		}),
	}));
}

function tryEvaluate(c: TestCase, platform: Platform, rev: Revision) {
	try {
		return evaluate(c.steps, platform, rev).results;
	} catch (error) {
		if (error instanceof ModelError) return null;
		throw error;
	}
}
