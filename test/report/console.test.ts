// The terminal reporter: one line per case, an XFAIL shown with what the model expected, what its
// known deviations predicted and what was observed, every non-passing case listed at the end with
// each known issue's reason once, notes of passing cases and the known issues that explained nothing.
import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../../src/compare/result.js';
import { printCaseResult, printRunSummary } from '../../src/report/console.js';
import { everyStatusCases, passCase, reportOf, uabiSizeDifference, xfailCase, xpassCase } from './fixture-report.js';

/** What was printed, without colour: CI=1 turns picocolors on in this process. */
function printed(fn: (print: (line: string) => void) => void): string[] {
	const lines: string[] = [];
	fn((l) => lines.push(l.replace(/\x1b\[[0-9;]*m/g, '')));
	return lines;
}

const CANCEL_NOTE = 'deviations cancel out: step 2 (KI-7, KI-8); the case matches only because of that';

/** The SKIP a skip entry of the known issues gives. */
const issueSkip: CaseResult = {
	...xfailCase,
	id: 'regression.uabi-size-skip',
	status: 'SKIP',
	difference: null,
	differences: [],
	reason: 'not run here: uabi size reported without the base area',
};

/** An XFAIL with two differences, the second predicted by two known issues together. */
const xstateBvDifference = {
	step: 4,
	op: 'vcpu.get_xsave2',
	field: 'xstate_bv',
	expected: '0x3',
	observed: '0x7',
	rule: 'xsave.xstate-bv',
	citation: '§2.7 rule 4',
	predicted: '0x7',
	deviations: ['KI-7', 'KI-8'],
};
const twoDifferences: CaseResult = { ...xfailCase, id: 'regression.two-deviations', differences: [uabiSizeDifference, xstateBvDifference] };

describe('terminal lines', () => {
	test('one line per case; an XFAIL shows its known issue with the expected, predicted and observed values', () => {
		expect(printed((p) => printCaseResult(p, passCase))).toEqual(['PASS    perm.get.supp']);
		expect(printed((p) => printCaseResult(p, xfailCase))).toEqual([
			'XFAIL   regression.uabi-size-base  known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696',
		]);
	});

	test('an XFAIL with several differences shows every one of them on its line', () => {
		expect(printed((p) => printCaseResult(p, twoDifferences))).toEqual([
			'XFAIL   regression.two-deviations  known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; ' +
				'step 4 vcpu.get_xsave2: xstate_bv expected 0x3, predicted 0x7, observed 0x7',
		]);
	});

	test('a SKIP by a known issue names the issue only', () => {
		expect(printed((p) => printCaseResult(p, issueSkip))).toEqual(['SKIP    regression.uabi-size-skip  known issue KI-7']);
	});

	test('a note follows the description after "; ", or stands alone on a PASS line', () => {
		expect(printed((p) => printCaseResult(p, { ...passCase, note: CANCEL_NOTE }))).toEqual([`PASS    perm.get.supp  ${CANCEL_NOTE}`]);
		expect(printed((p) => printCaseResult(p, { ...xfailCase, note: CANCEL_NOTE }))).toEqual([
			`XFAIL   regression.uabi-size-base  known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; ${CANCEL_NOTE}`,
		]);
		expect(printed((p) => printCaseResult(p, { ...xpassCase, note: CANCEL_NOTE }))).toEqual([
			`XPASS   regression.xfd-err-leak  listed as known issue KI-9 but matches the model; ${CANCEL_NOTE}`,
		]);
	});

	test('an XPASS shows its own reason when it has one', () => {
		const reason = 'known issue KI-9 predicted step 2 vcpu.get_msr: value 0x40000, observed 0x0, which matches the model';
		expect(printed((p) => printCaseResult(p, { ...xpassCase, reason }))).toEqual([`XPASS   regression.xfd-err-leak  ${reason}`]);
	});
});

describe('run summary', () => {
	test('the summary lists every case that is not PASS or SKIP and each known issue once with its reason', () => {
		const twoXfails = [...everyStatusCases, { ...xfailCase, id: 'regression.uabi-size-base-2' }];
		expect(printed((p) => printRunSummary(p, reportOf(twoXfails)))).toEqual([
			'',
			'9 cases on platform spr-amx, revision v6.9, backend kvm_intel: 1 PASS, 1 FAIL, 1 SKIP, 2 XFAIL, 1 XPASS, 1 TIMEOUT, 1 CRASH, 1 ERROR',
			'  FAIL    xcr0.guest-xsetbv.avx-without-sse: step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
			'  XFAIL   regression.uabi-size-base: known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696',
			'  XPASS   regression.xfd-err-leak: listed as known issue KI-9 but matches the model',
			'  TIMEOUT sequence.tour-03: no output for 30 s; step 5 guest.tileloadd: vector expected NM, observed nothing (rule nm.xfd-armed, §2.11 rule 1)',
			'  CRASH   sequence.tour-04: killed by SIGSEGV',
			'  ERROR   perm.req.bad-feature: malformed fkt line',
			'  XFAIL   regression.uabi-size-base-2: known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696',
			'  known issue KI-7 (2 cases): uabi size reported without the base area',
			'result: UNEXPECTED (exit 1)',
		]);
	});

	test('notes of passing cases, each known issue counted once per case over its differences, stale known issues', () => {
		const report = reportOf([{ ...passCase, note: CANCEL_NOTE }, twoDifferences, issueSkip, { ...xfailCase, note: CANCEL_NOTE }], [], ['KI-3', 'KI-11']);
		expect(printed((p) => printRunSummary(p, report))).toEqual([
			'',
			'4 cases on platform spr-amx, revision v6.9, backend kvm_intel: 1 PASS, 1 SKIP, 2 XFAIL',
			'  XFAIL   regression.two-deviations: known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; ' +
				'step 4 vcpu.get_xsave2: xstate_bv expected 0x3, predicted 0x7, observed 0x7',
			`  XFAIL   regression.uabi-size-base: known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; ${CANCEL_NOTE}`,
			`  NOTE    perm.get.supp: ${CANCEL_NOTE}`,
			// KI-7 explains both differences of regression.two-deviations, keeps one case from running and explains a third.
			'  known issue KI-7 (3 cases): uabi size reported without the base area',
			// KI-8 only shares a difference: the case carries no reason for it.
			'  known issue KI-8 (1 case)',
			'  stale known issues (in scope, explained nothing in this run): KI-3, KI-11',
			'result: as expected',
		]);
	});

	test("a deviation that is some case's known issue gets that reason, whichever case comes first", () => {
		const ki8 = { ...xfailCase, id: 'regression.ki-8', knownIssue: { id: 'KI-8', reason: 'XSTATE_BV keeps the AVX bit' }, differences: [xstateBvDifference] };
		const lines = printed((p) => printRunSummary(p, reportOf([twoDifferences, ki8])));
		expect(lines.filter((l) => l.startsWith('  known issue'))).toEqual([
			// Both cases share xstate_bv's deviations KI-7 and KI-8; the reason comes from whichever case names the issue.
			'  known issue KI-7 (2 cases): uabi size reported without the base area',
			'  known issue KI-8 (2 cases): XSTATE_BV keeps the AVX bit',
		]);
	});

	test('no stale line when the report has none; an XPASS counts for no known issue', () => {
		const lines = printed((p) => printRunSummary(p, reportOf([passCase, xpassCase])));
		expect(lines).toEqual([
			'',
			'2 cases on platform spr-amx, revision v6.9, backend kvm_intel: 1 PASS, 1 XPASS',
			'  XPASS   regression.xfd-err-leak: listed as known issue KI-9 but matches the model',
			'result: UNEXPECTED (exit 1)',
		]);
	});

	test('a run inside QEMU says where it ran', () => {
		const report = { ...reportOf([passCase]), target: 'qemu-tcg' as const };
		expect(printed((p) => printRunSummary(p, report))[1]).toBe('1 cases on platform spr-amx, revision v6.9, backend kvm_intel in qemu-tcg: 1 PASS');
	});
});

describe('output problems', () => {
	test("the summary names what the parser found wrong in a binary's output", () => {
		const lines: string[] = [];
		const report = {
			...reportOf([]),
			outputProblems: [{ binary: 'fkt_core_test', problems: ['planned 3 tests, saw 2', 'Totals says pass:3, the result lines have 2'] }],
		};
		printRunSummary((l) => lines.push(l), report);
		expect(lines).toContain('  output of fkt_core_test: planned 3 tests, saw 2; Totals says pass:3, the result lines have 2');
	});
});
