// A run compared with a previous one: which cases newly fail, which were fixed, which came and went.
import { UNEXPECTED, type CaseStatus, type RunReport } from './result.js';

export interface BaselineDiff {
	readonly newFailures: readonly string[];
	readonly fixed: readonly string[];
	readonly newCases: readonly string[];
	readonly missingCases: readonly string[];
}

/** The previous run as far as the comparison needs it: each case's id and status. */
export interface BaselineRun {
	readonly cases: readonly { readonly id: string; readonly status: string }[];
}

export function compareWithBaseline(report: RunReport, previous: BaselineRun): BaselineDiff {
	const bad = (status: string | undefined) => status !== undefined && UNEXPECTED.has(status as CaseStatus);
	const before = new Map(previous.cases.map((c) => [c.id, c.status]));
	const now = new Map(report.cases.map((c) => [c.id, c.status]));
	return {
		newFailures: report.cases.filter((c) => bad(c.status) && !bad(before.get(c.id))).map((c) => c.id),
		fixed: report.cases.filter((c) => !bad(c.status) && bad(before.get(c.id))).map((c) => c.id),
		newCases: report.cases.filter((c) => !before.has(c.id)).map((c) => c.id),
		missingCases: previous.cases.filter((c) => !now.has(c.id)).map((c) => c.id),
	};
}
