// jsonReport: valid against runReportSchema, the same bytes for the same report, keys in a fixed order.
import { describe, expect, test } from 'vitest';
import { CASE_STATUSES, type RunReport } from '../../src/compare/result.js';
import { jsonReport, runReportJsonSchema, runReportSchema } from '../../src/report/json.js';
import { everyStatusReport, passCase, reportOf, xpassCase } from './fixture-report.js';

/** The same report with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(reversedKeys);
	if (value === null || typeof value !== 'object') return value;
	return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

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
		expect(Object.keys(json)).toEqual(['format', 'platform', 'revision', 'backend', 'target', 'modelHash', 'cases', 'summary', 'health', 'exitCode']);
		expect(Object.keys(json.cases[0])).toEqual(['id', 'family', 'binary', 'status', 'reason', 'difference', 'knownIssue', 'durationMs', 'log']);
		expect(Object.keys(json.summary)).toEqual([...CASE_STATUSES]);
	});

	test('byte-identical for equal reports, whatever their key order; cases stay in report order', () => {
		const text = jsonReport(everyStatusReport);
		expect(jsonReport(structuredClone(everyStatusReport) as RunReport)).toBe(text);
		expect(jsonReport(reversedKeys(everyStatusReport) as RunReport)).toBe(text);
		expect(JSON.parse(text).cases.map((c: { id: string }) => c.id)).toEqual(everyStatusReport.cases.map((c) => c.id));
	});

	test('properties outside the format are left out; a known issue without url has no url key', () => {
		const extra = { ...reportOf([{ ...xpassCase, note: 'x' } as typeof xpassCase]), extra: true } as RunReport;
		const json = JSON.parse(jsonReport(extra));
		expect(runReportSchema.safeParse(json).success).toBe(true);
		expect('extra' in json).toBe(false);
		expect(json.cases[0].knownIssue).toEqual({ id: 'KI-9', reason: 'XFD_ERR leaks into the host' });
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
});

describe('runReportJsonSchema', () => {
	test('draft 2020-12, closed objects, every field required except a known issue url', () => {
		const schema = runReportJsonSchema() as {
			$schema: string;
			additionalProperties: boolean;
			required: string[];
			properties: Record<string, { items?: { properties: Record<string, { enum?: string[] }>; required: string[] } }>;
		};
		expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
		expect(schema.additionalProperties).toBe(false);
		expect(schema.required).toEqual(['format', 'platform', 'revision', 'backend', 'target', 'modelHash', 'cases', 'summary', 'health', 'exitCode']);
		const caseSchema = schema.properties.cases!.items!;
		expect(caseSchema.properties.status!.enum).toEqual([...CASE_STATUSES]);
		expect(caseSchema.required).toEqual(['id', 'family', 'binary', 'status', 'reason', 'difference', 'knownIssue', 'durationMs', 'log']);
		expect(JSON.stringify(schema)).toContain('"required":["id","reason"]');
	});
});
