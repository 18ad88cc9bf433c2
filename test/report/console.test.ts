// The terminal reporter: one line per case, a known issue named by its id there and explained once in
// the summary, every non-passing case listed at the end.
import { describe, expect, test } from 'vitest';
import { printCaseResult, printRunSummary } from '../../src/report/console.js';
import { everyStatusCases, passCase, reportOf, xfailCase } from './fixture-report.js';

/** What was printed, without colour: CI=1 turns picocolors on in this process. */
function printed(fn: (print: (line: string) => void) => void): string[] {
	const lines: string[] = [];
	fn((l) => lines.push(l.replace(/\x1b\[[0-9;]*m/g, '')));
	return lines;
}

describe('terminal lines', () => {
	test('one line per case; an XFAIL names its known issue, not its reason', () => {
		expect(printed((p) => printCaseResult(p, passCase))).toEqual(['PASS    perm.get.supp']);
		expect(printed((p) => printCaseResult(p, xfailCase))).toEqual(['XFAIL   regression.uabi-size-base  known issue KI-7']);
		const issueSkip = { ...xfailCase, status: 'SKIP' as const, difference: null, reason: 'not run here: uabi size reported without the base area' };
		expect(printed((p) => printCaseResult(p, issueSkip))).toEqual(['SKIP    regression.uabi-size-base  known issue KI-7']);
	});

	test('the summary lists every case that is not PASS or SKIP and each known issue once with its reason', () => {
		const twoXfails = [...everyStatusCases, { ...xfailCase, id: 'regression.uabi-size-base-2' }];
		expect(printed((p) => printRunSummary(p, reportOf(twoXfails)))).toEqual([
			'',
			'9 cases on platform spr-amx, revision v6.9, backend kvm_intel: 1 PASS, 1 FAIL, 1 SKIP, 2 XFAIL, 1 XPASS, 1 TIMEOUT, 1 CRASH, 1 ERROR',
			'  FAIL    xcr0.guest-xsetbv.avx-without-sse: step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
			'  XFAIL   regression.uabi-size-base: known issue KI-7',
			'  XPASS   regression.xfd-err-leak: listed as known issue KI-9 but matches the model',
			'  TIMEOUT sequence.tour-03: no output for 30 s; step 5 guest.tileloadd: vector expected NM, observed nothing (rule nm.xfd-armed, §2.11 rule 1)',
			'  CRASH   sequence.tour-04: killed by SIGSEGV',
			'  ERROR   perm.req.bad-feature: malformed fkt line',
			'  XFAIL   regression.uabi-size-base-2: known issue KI-7',
			'  known issue KI-7 (2 cases): uabi size reported without the base area',
			'result: UNEXPECTED (exit 1)',
		]);
	});

	test('a run inside QEMU says where it ran', () => {
		const report = { ...reportOf([passCase]), target: 'qemu-tcg' as const };
		expect(printed((p) => printRunSummary(p, report))[1]).toBe('1 cases on platform spr-amx, revision v6.9, backend kvm_intel in qemu-tcg: 1 PASS');
	});
});
