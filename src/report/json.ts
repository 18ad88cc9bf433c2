// The run report as JSON: the machine-readable record of a run. The same report always gives the
// same bytes, so reports of two runs can be diffed and stored next to expected.json.
import { z } from 'zod';
import { CASE_STATUSES, type CaseResult, type CaseStatus, type RunReport, type StepDifference } from '../compare/result.js';
import { TARGETS } from '../compare/result.js';
import { INPUT_LIMITS, printable, readJsonInput } from '../input-file.js';

const count = z.number().int().min(0);

const stepDifferenceSchema = z
	.object({
		step: z.number().int().min(0),
		op: z.string(),
		field: z.string(),
		expected: z.string().describe('the matcher of expected.json'),
		observed: z.string().nullable().describe('null when the step printed no value for the field or did not run'),
		rule: z.string(),
		citation: z.string(),
		predicted: z.string().optional().describe('what the known deviations in scope predicted, where that differs from expected'),
		deviations: z.array(z.string()).optional().describe('the known issues whose mechanism made that prediction'),
	})
	.strict();

const knownIssueSchema = z
	.object({
		id: z.string(),
		reason: z.string(),
		url: z.string().optional(),
	})
	.strict();

const caseResultSchema = z
	.object({
		id: z.string(),
		family: z.string(),
		binary: z.string().describe('the test binary that ran the case'),
		status: z.enum(CASE_STATUSES),
		reason: z.string().nullable().describe('the skip reason, the signal, the error, or the known issue reason'),
		difference: stepDifferenceSchema.nullable().describe('the first step where observed and expected part ways'),
		differences: z.array(stepDifferenceSchema).describe('XFAIL: every difference from the model, each with the predicted value'),
		knownIssue: knownIssueSchema.nullable(),
		note: z.string().nullable().describe('e.g. known deviations that cancel out in a passing case'),
		durationMs: z.number().min(0).nullable(),
		log: z.array(z.string()).describe('the case lines of output'),
	})
	.strict();

const summaryShape = Object.fromEntries(CASE_STATUSES.map((status) => [status, count])) as Record<CaseStatus, typeof count>;

const healthFindingSchema = z
	.object({
		finding: z.string().describe('a new WARN/BUG line or taint change'),
		cases: z.array(z.string()).describe('the cases that were running'),
	})
	.strict();

export const runReportSchema = z
	.object({
		format: z.literal('fpu-kvm-testgen/run/1'),
		platform: z.string(),
		revision: z.string(),
		backend: z.string(),
		target: z.enum(TARGETS).describe('where the suite ran: native (the running kernel), qemu-kvm or qemu-tcg'),
		modelHash: z.string(),
		cases: z.array(caseResultSchema),
		summary: z.object(summaryShape).strict().describe('number of cases per status'),
		health: z.array(healthFindingSchema),
		staleKnownIssues: z.array(z.string()).describe('known issues in scope that explained nothing in this run'),
		outputProblems: z
			.array(z.object({ binary: z.string(), problems: z.array(z.string()) }).strict())
			.describe("what the KTAP parser found wrong in a binary's output: truncation, a plan or Totals line that disagrees, duplicates"),
		exitCode: z.union([z.literal(0), z.literal(1)]),
	})
	.strict();

export type RunReportJson = z.infer<typeof runReportSchema>;

export function runReportJsonSchema(): unknown {
	return z.toJSONSchema(runReportSchema, { target: 'draft-2020-12' });
}

/** Two-space indentation, a final newline, keys in schema order whatever order the input has. */
export function jsonReport(report: RunReport): string {
	return JSON.stringify(toJson(report), null, 2) + '\n';
}

// Every object is rebuilt key by key: that fixes the order and leaves out anything the schema lacks.
function toJson(report: RunReport): RunReportJson {
	return {
		format: report.format,
		platform: report.platform,
		revision: report.revision,
		backend: report.backend,
		target: report.target,
		modelHash: report.modelHash,
		cases: report.cases.map(caseToJson),
		summary: Object.fromEntries(CASE_STATUSES.map((status) => [status, report.summary[status]])) as Record<CaseStatus, number>,
		health: report.health.map((h) => ({ finding: h.finding, cases: [...h.cases] })),
		staleKnownIssues: [...report.staleKnownIssues],
		outputProblems: report.outputProblems.map((p) => ({ binary: p.binary, problems: [...p.problems] })),
		exitCode: report.exitCode,
	};
}

function differenceToJson(d: StepDifference): RunReportJson['cases'][number]['differences'][number] {
	return {
		step: d.step,
		op: d.op,
		field: d.field,
		expected: d.expected,
		observed: d.observed,
		rule: d.rule,
		citation: d.citation,
		...(d.predicted === undefined ? {} : { predicted: d.predicted }),
		...(d.deviations === undefined ? {} : { deviations: [...d.deviations] }),
	};
}

function caseToJson(c: CaseResult): RunReportJson['cases'][number] {
	const issue = c.knownIssue;
	return {
		id: c.id,
		family: c.family,
		binary: c.binary,
		status: c.status,
		reason: c.reason,
		difference: c.difference && differenceToJson(c.difference),
		differences: c.differences.map(differenceToJson),
		knownIssue: issue && { id: issue.id, reason: issue.reason, ...(issue.url === undefined ? {} : { url: issue.url }) },
		note: c.note,
		durationMs: c.durationMs,
		log: [...c.log],
	};
}

/** A previous run report, read and checked before the run so a bad one costs nothing. */
export function readBaseline(baselinePath: string): RunReportJson {
	const label = `baseline ${printable(baselinePath)}`;
	return readJsonInput(baselinePath, { what: 'baseline', label, maxBytes: INPUT_LIMITS.baseline, schema: runReportSchema, failsAs: 'is not a run report' });
}
