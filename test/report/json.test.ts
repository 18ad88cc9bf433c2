// jsonReport: valid against runReportSchema, the same bytes for the same report, keys in a fixed order;
// predictions, deviations, notes and stale known issues survive the round trip.
import { describe, expect, test } from 'vitest';
import { CASE_STATUSES, type RunReport } from '../../src/compare/result.js';
import { jsonReport, runReportJsonSchema, runReportSchema } from '../../src/report/json.js';
import { everyStatusReport, failCase, passCase, reportOf, uabiSizeDifference, xfailCase, xpassCase, xsetbvDifference } from './fixture-report.js';

/** The same report with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(reversedKeys);
	if (value === null || typeof value !== 'object') return value;
	return Object.fromEntries(
		Object.entries(value)
			.reverse()
			.map(([k, v]) => [k, reversedKeys(v)]),
	);
}

/** The keys of a run report, in the order the JSON has them. */
const REPORT_KEYS = [
	'format',
	'platform',
	'revision',
	'backend',
	'target',
	'modelHash',
	'cases',
	'summary',
	'health',
	'staleKnownIssues',
	'outputProblems',
	'exitCode',
];

describe('jsonReport', () => {
	test('validates against runReportSchema and parses back to the report', () => {
		const json = JSON.parse(jsonReport(everyStatusReport));
		expect(runReportSchema.safeParse(json).success).toBe(true);
		expect(runReportSchema.parse(json)).toEqual(everyStatusReport);
	});

	test('two-space indentation, a final newline, keys in a fixed order', () => {
		const text = jsonReport(reportOf([passCase]));
		expect(text.startsWith('{\n  "format": "fpu-kvm-testgen/run/1",\n  "platform": "spr-amx",\n')).toBe(true);
		expect(text.endsWith('\n  "exitCode": 0\n}\n')).toBe(true);
		const json = JSON.parse(text);
		expect(Object.keys(json)).toEqual(REPORT_KEYS);
		expect(Object.keys(json.cases[0])).toEqual([
			'id',
			'family',
			'binary',
			'status',
			'reason',
			'difference',
			'differences',
			'knownIssue',
			'note',
			'durationMs',
			'log',
		]);
		expect(Object.keys(json.summary)).toEqual([...CASE_STATUSES]);
	});

	test('byte-identical for equal reports, whatever their key order; cases stay in report order', () => {
		const text = jsonReport(everyStatusReport);
		expect(jsonReport(structuredClone(everyStatusReport) as RunReport)).toBe(text);
		expect(jsonReport(reversedKeys(everyStatusReport) as RunReport)).toBe(text);
		expect(JSON.parse(text).cases.map((c: { id: string }) => c.id)).toEqual(everyStatusReport.cases.map((c) => c.id));
	});

	test('properties outside the format are left out; a known issue without url has no url key', () => {
		const oddDifference = { ...uabiSizeDifference, extra: 'x' } as typeof uabiSizeDifference;
		const extra = { ...reportOf([{ ...xpassCase, extra: 'x' } as typeof xpassCase, { ...xfailCase, differences: [oddDifference] }]), extra: true } as RunReport;
		const json = JSON.parse(jsonReport(extra));
		expect(runReportSchema.safeParse(json).success).toBe(true);
		expect('extra' in json).toBe(false);
		expect('extra' in json.cases[0]).toBe(false);
		expect('extra' in json.cases[1].differences[0]).toBe(false);
		expect(json.cases[0].knownIssue).toEqual({ id: 'KI-9', reason: 'XFD_ERR leaks into the host' });
	});

	test('predicted, deviations, note and staleKnownIssues round-trip', () => {
		const note = 'deviations cancel out: step 2 (KI-7, KI-8); the case matches only because of that';
		const second = { ...xsetbvDifference, step: 4, observed: null, predicted: 'none', deviations: ['KI-7', 'KI-8'] };
		const report = reportOf(
			[
				{ ...passCase, note },
				{ ...xfailCase, differences: [uabiSizeDifference, second], note },
			],
			[],
			['KI-3', 'KI-11'],
		);
		const json = JSON.parse(jsonReport(report));
		expect(runReportSchema.parse(json)).toEqual(report);
		expect(json.staleKnownIssues).toEqual(['KI-3', 'KI-11']);
		expect(json.cases.map((c: { note: string | null }) => c.note)).toEqual([note, note]);
		expect(json.cases[0].differences).toEqual([]);
		expect(json.cases[1].difference).toEqual({ ...uabiSizeDifference, deviations: ['KI-7'] });
		expect(json.cases[1].differences).toEqual([
			uabiSizeDifference,
			{
				step: 4,
				op: 'guest.xsetbv',
				field: 'vector',
				expected: 'GP',
				observed: null,
				rule: 'xcr.avx-without-sse',
				citation: '§2.10 rule 3',
				predicted: 'none',
				deviations: ['KI-7', 'KI-8'],
			},
		]);
		// The two keys come last, after citation.
		expect(Object.keys(json.cases[1].differences[1])).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation', 'predicted', 'deviations']);
		// An empty list of deviations is still written.
		const noCause = JSON.parse(jsonReport(reportOf([{ ...xfailCase, differences: [{ ...uabiSizeDifference, deviations: [] }] }])));
		expect(noCause.cases[0].differences[0].deviations).toEqual([]);
	});

	test('a difference without predicted or deviations has no such keys', () => {
		const text = jsonReport(reportOf([failCase, { ...xfailCase, differences: [xsetbvDifference], difference: xsetbvDifference }]));
		expect(text).not.toContain('"predicted"');
		expect(text).not.toContain('"deviations"');
		const json = JSON.parse(text);
		expect(Object.keys(json.cases[0].difference)).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation']);
		expect(Object.keys(json.cases[1].differences[0])).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation']);
		// Only predicted, or only deviations: the other key stays out.
		const one = JSON.parse(
			jsonReport(
				reportOf([
					{ ...failCase, difference: { ...xsetbvDifference, predicted: 'UD' } },
					{ ...failCase, difference: { ...xsetbvDifference, deviations: ['KI-8'] } },
				]),
			),
		);
		expect(Object.keys(one.cases[0].difference)).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation', 'predicted']);
		expect(Object.keys(one.cases[1].difference)).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation', 'deviations']);
		// An explicit undefined is the same as absent.
		expect(jsonReport(reportOf([{ ...failCase, difference: { ...xsetbvDifference, predicted: undefined, deviations: undefined } }]))).toBe(
			jsonReport(reportOf([failCase])),
		);
	});

	test('the schema is strict and checks statuses and the exit code', () => {
		const json = JSON.parse(jsonReport(everyStatusReport));
		expect(runReportSchema.safeParse({ ...json, extra: 1 }).success).toBe(false);
		expect(runReportSchema.safeParse({ ...json, exitCode: 2 }).success).toBe(false);
		expect(runReportSchema.safeParse({ ...json, cases: [{ ...json.cases[0], status: 'BROKEN' }] }).success).toBe(false);
		expect(runReportSchema.safeParse({ ...json, cases: [{ ...json.cases[0], extra: 1 }] }).success).toBe(false);
		expect(runReportSchema.safeParse({ ...json, summary: { ...json.summary, OTHER: 0 } }).success).toBe(false);
		const { PASS: _, ...withoutPass } = json.summary;
		expect(runReportSchema.safeParse({ ...json, summary: withoutPass }).success).toBe(false);
	});

	test('the schema requires differences, note and staleKnownIssues and checks their types', () => {
		const json = JSON.parse(jsonReport(everyStatusReport));
		const xfail = json.cases.findIndex((c: { status: string }) => c.status === 'XFAIL');
		const withCase = (c: object) => ({ ...json, cases: json.cases.map((old: object, i: number) => (i === xfail ? c : old)) });
		const { staleKnownIssues: _s, ...withoutStale } = json;
		expect(runReportSchema.safeParse(withoutStale).success).toBe(false);
		expect(runReportSchema.safeParse({ ...json, staleKnownIssues: [1] }).success).toBe(false);
		const { differences: _d, ...withoutDifferences } = json.cases[xfail];
		expect(runReportSchema.safeParse(withCase(withoutDifferences)).success).toBe(false);
		const { note: _n, ...withoutNote } = json.cases[xfail];
		expect(runReportSchema.safeParse(withCase(withoutNote)).success).toBe(false);
		expect(runReportSchema.safeParse(withCase({ ...json.cases[xfail], note: 3 })).success).toBe(false);
		const difference = json.cases[xfail].differences[0];
		expect(runReportSchema.safeParse(withCase({ ...json.cases[xfail], differences: [{ ...difference, predicted: 2696 }] })).success).toBe(false);
		expect(runReportSchema.safeParse(withCase({ ...json.cases[xfail], differences: [{ ...difference, deviations: 'KI-7' }] })).success).toBe(false);
		expect(runReportSchema.safeParse(withCase({ ...json.cases[xfail], differences: [{ ...difference, extra: 1 }] })).success).toBe(false);
	});
});

describe('runReportJsonSchema', () => {
	test("draft 2020-12, closed objects, every field required except a known issue url and a difference's predicted and deviations", () => {
		const schema = runReportJsonSchema() as {
			$schema: string;
			additionalProperties: boolean;
			required: string[];
			properties: Record<string, { items?: { properties: Record<string, { enum?: string[] }>; required: string[] } }>;
		};
		expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
		expect(schema.additionalProperties).toBe(false);
		expect(schema.required).toEqual(REPORT_KEYS);
		const caseSchema = schema.properties.cases!.items!;
		expect(caseSchema.properties.status!.enum).toEqual([...CASE_STATUSES]);
		expect(caseSchema.required).toEqual(['id', 'family', 'binary', 'status', 'reason', 'difference', 'differences', 'knownIssue', 'note', 'durationMs', 'log']);
		expect(JSON.stringify(schema)).toContain('"required":["id","reason"]');
		const differenceSchema = (caseSchema.properties.differences as unknown as { items: { properties: Record<string, unknown>; required: string[] } }).items;
		expect(Object.keys(differenceSchema.properties)).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation', 'predicted', 'deviations']);
		expect(differenceSchema.required).toEqual(['step', 'op', 'field', 'expected', 'observed', 'rule', 'citation']);
	});
});
