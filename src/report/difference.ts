// The one-line texts every reporter (JUnit, KTAP, terminal) gives for a case that did not simply pass,
// so the same case reads the same everywhere.
import type { CaseResult, CaseStatus, StepDifference } from '../compare/result.js';

/** `step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)` */
export function describeDifference(d: StepDifference): string {
	const observed = d.observed === null ? 'observed nothing' : `observed ${d.observed}`;
	const source = d.citation === '' ? `rule ${d.rule}` : `rule ${d.rule}, ${d.citation}`;
	const predicted = d.predicted === undefined ? '' : `, predicted ${d.predicted}${d.deviations?.length ? ` by ${d.deviations.join(', ')}` : ''}`;
	return `step ${d.step} ${d.op}: ${d.field} expected ${d.expected}${predicted}, ${observed} (${source})`;
}

/** `step 3 guest.xsetbv: vector expected GP, predicted none, observed none` for each XFAIL difference. */
export function describePredicted(c: CaseResult): string {
	return c.differences
		.map((d) => `step ${d.step} ${d.op}: ${d.field} expected ${d.expected}, predicted ${d.predicted ?? d.expected}, observed ${d.observed ?? 'nothing'}`)
		.join('; ');
}

/** What a status means when the result carries no reason of its own. */
const FALLBACK_REASON: Readonly<Record<Exclude<CaseStatus, 'PASS' | 'XPASS' | 'XFAIL'>, string>> = {
	FAIL: 'differs from the model',
	SKIP: 'skipped',
	TIMEOUT: 'timed out',
	CRASH: 'crashed',
	ERROR: 'error',
};

/**
 * Why the case has its status, or null for PASS: the first difference for FAIL, the known issue for
 * XFAIL and XPASS, the reason for the rest. The text may hold line breaks when a reason does.
 */
export function describeOutcome(c: CaseResult): string | null {
	switch (c.status) {
		case 'PASS':
			return null;
		case 'FAIL':
			return c.difference ? describeDifference(c.difference) : (c.reason ?? FALLBACK_REASON.FAIL);
		case 'XPASS':
			return c.reason ?? (c.knownIssue ? `listed as known issue ${c.knownIssue.id} but matches the model` : 'listed as a known issue but matches the model');
		case 'XFAIL': {
			const issue = c.knownIssue ? `known issue ${c.knownIssue.id}` : 'known issue';
			const predicted = describePredicted(c);
			return predicted === '' ? issue : `${issue}: ${predicted}`;
		}
		case 'SKIP':
			return c.reason ?? FALLBACK_REASON.SKIP;
		case 'TIMEOUT':
		case 'CRASH':
		case 'ERROR': {
			// The step that never printed its values says where the binary stopped.
			const reason = c.reason ?? FALLBACK_REASON[c.status];
			return c.difference ? `${reason}; ${describeDifference(c.difference)}` : reason;
		}
	}
}
