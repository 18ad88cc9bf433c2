// JUnit XML for CI (Jenkins, GitLab, GitHub): a testsuite per test binary, a testcase per case.
// FAIL and XPASS are failures, TIMEOUT, CRASH and ERROR errors, SKIP and XFAIL skipped (XFAIL is
// expected, so it must not turn a CI run red).
import type { CaseResult, RunReport } from '../compare/result.js';
import { describeOutcome } from './difference.js';

const INDENT = '  ';

interface Counts {
	tests: number;
	failures: number;
	errors: number;
	skipped: number;
	durationMs: number;
}

export function junitReport(report: RunReport): string {
	const suites = groupByBinary(report.cases);
	const findings = healthByCase(report);
	const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
	lines.push(`<testsuites name="fpu-kvm-testgen" ${countAttributes(countsOf(report.cases))}>`);
	for (const [binary, cases] of suites) {
		lines.push(`${INDENT}<testsuite name="${escapeAttribute(binary)}" ${countAttributes(countsOf(cases))}>`);
		for (const c of cases) lines.push(...testcase(c, findings.get(c.id) ?? []));
		lines.push(`${INDENT}</testsuite>`);
	}
	lines.push('</testsuites>');
	return lines.join('\n') + '\n';
}

/** Cases per binary, binaries in the order they first appear. */
function groupByBinary(cases: readonly CaseResult[]): Map<string, CaseResult[]> {
	const suites = new Map<string, CaseResult[]>();
	for (const c of cases) {
		const suite = suites.get(c.binary);
		if (suite) suite.push(c);
		else suites.set(c.binary, [c]);
	}
	return suites;
}

/** Kernel health findings go with each case that was running when they appeared. */
function healthByCase(report: RunReport): Map<string, string[]> {
	const byCase = new Map<string, string[]>();
	for (const { finding, cases } of report.health) {
		for (const id of cases) byCase.set(id, [...(byCase.get(id) ?? []), finding]);
	}
	return byCase;
}

function countsOf(cases: readonly CaseResult[]): Counts {
	const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, durationMs: 0 };
	for (const c of cases) {
		counts.tests++;
		const kind = junitKind(c);
		if (kind === 'failure') counts.failures++;
		else if (kind === 'error') counts.errors++;
		else if (kind === 'skipped') counts.skipped++;
		counts.durationMs += durationOf(c);
	}
	return counts;
}

function countAttributes(counts: Counts): string {
	const { tests, failures, errors, skipped, durationMs } = counts;
	return `tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(durationMs)}"`;
}

function junitKind(c: CaseResult): 'passed' | 'failure' | 'error' | 'skipped' {
	switch (c.status) {
		case 'PASS':
			return 'passed';
		case 'FAIL':
		case 'XPASS':
			return 'failure';
		case 'TIMEOUT':
		case 'CRASH':
		case 'ERROR':
			return 'error';
		case 'SKIP':
		case 'XFAIL':
			return 'skipped';
	}
}

function testcase(c: CaseResult, findings: readonly string[]): string[] {
	const open = `${INDENT.repeat(2)}<testcase classname="${escapeAttribute(c.family)}" name="${escapeAttribute(c.id)}" time="${seconds(durationOf(c))}"`;
	const children: string[] = [];
	const message = escapeAttribute(describeOutcome(c) ?? '');
	const kind = junitKind(c);
	if (kind === 'failure' || kind === 'error') children.push(`<${kind} message="${message}" type="${c.status}"/>`);
	else if (kind === 'skipped') children.push(`<skipped message="${message}"/>`);
	if (c.log.length > 0) children.push(`<system-out>${escapeText(c.log.join('\n'))}</system-out>`);
	if (findings.length > 0) children.push(`<system-err>${escapeText(findings.map((f) => `kernel health: ${f}`).join('\n'))}</system-err>`);
	if (children.length === 0) return [`${open}/>`];
	return [`${open}>`, ...children.map((child) => INDENT.repeat(3) + child), `${INDENT.repeat(2)}</testcase>`];
}

function durationOf(c: CaseResult): number {
	return c.durationMs !== null && Number.isFinite(c.durationMs) ? c.durationMs : 0;
}

function seconds(ms: number): string {
	return (ms / 1000).toFixed(3);
}

// Characters XML 1.0 does not allow at all, not even as references: most C0 controls, lone
// surrogates, U+FFFE and U+FFFF. Log lines from crashing binaries can hold any of them.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeText(text: string): string {
	return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Tabs and line breaks as references too, or the XML parser turns them into spaces. */
function escapeAttribute(text: string): string {
	return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
