// The run as a KTAP v1 summary, one result line per case, for tools that read kselftest output.
// PASS, SKIP and XFAIL are ok; every unexpected status is not ok, after a diagnostic saying why.
import type { CaseResult, RunReport } from '../compare/result.js';
import { UNEXPECTED } from '../compare/result.js';
import { writeKtap, type KtapResultLine } from '../ktap/write.js';
import { describeOutcome } from './difference.js';

export function ktapReport(report: RunReport): string {
	const findings = new Map<string, string[]>();
	for (const { finding, cases } of report.health) {
		for (const id of cases) findings.set(id, [...(findings.get(id) ?? []), finding]);
	}
	return writeKtap(report.cases.map((c) => resultLine(c, findings.get(c.id) ?? [])));
}

function resultLine(c: CaseResult, findings: readonly string[]): KtapResultLine {
	const diagnostics = findings.map((f) => `kernel health: ${f}`);
	const name = oneLine(c.id);
	const outcome = describeOutcome(c) ?? '';
	if (UNEXPECTED.has(c.status)) return { name, ok: false, diagnostics: [`${c.status}: ${outcome}`, ...diagnostics] };
	if (c.status === 'SKIP') return { name, ok: true, directive: { kind: 'SKIP', reason: oneLine(c.reason ?? '') }, diagnostics };
	if (c.status === 'XFAIL') return { name, ok: true, directive: { kind: 'XFAIL', reason: oneLine(outcome) }, diagnostics };
	return { name, ok: true, diagnostics };
}

/** A TAP result line cannot hold a line break (writeKtap refuses one), so a long reason is joined. */
function oneLine(text: string): string {
	return text.replace(/\s*(?:\r\n|\r|\n)\s*/g, ' ');
}
