// describeDifference and describeOutcome: the exact one-line texts the reporters share.
import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../../src/compare/result.js';
import { describeDifference, describeOutcome, describePredicted } from '../../src/report/difference.js';
import {
	crashCase,
	errorCase,
	failCase,
	passCase,
	skipCase,
	timeoutCase,
	uabiSizeDifference,
	xfailCase,
	xpassCase,
	xsetbvDifference,
} from './fixture-report.js';

describe('describeDifference', () => {
	test('step, op, field, expected and observed values, rule and citation', () => {
		expect(describeDifference(xsetbvDifference)).toBe('step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)');
	});

	test('a field the step never printed is observed nothing', () => {
		expect(describeDifference({ ...xsetbvDifference, step: 0, op: 'vcpu.get_xsave2', field: 'size', expected: '4096', observed: null })).toBe(
			'step 0 vcpu.get_xsave2: size expected 4096, observed nothing (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
	});

	test('an empty observed value is still a value; an empty citation is left out', () => {
		expect(describeDifference({ ...xsetbvDifference, observed: '', citation: '' })).toBe(
			'step 3 guest.xsetbv: vector expected GP, observed  (rule xcr.avx-without-sse)',
		);
	});

	test('a prediction follows the expected value, with the deviations that made it', () => {
		expect(describeDifference(uabiSizeDifference)).toBe(
			'step 3 vcpu.get_xsave2: size expected 4096, predicted 2696 by KI-7, observed 2696 (rule xsave.uabi-size, §2.7 rule 2)',
		);
		expect(describeDifference({ ...xsetbvDifference, predicted: 'UD', deviations: ['KI-7', 'KI-8'] })).toBe(
			'step 3 guest.xsetbv: vector expected GP, predicted UD by KI-7, KI-8, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
	});

	test('a prediction without deviations names none; deviations without a prediction are not shown', () => {
		expect(describeDifference({ ...xsetbvDifference, predicted: 'UD' })).toBe(
			'step 3 guest.xsetbv: vector expected GP, predicted UD, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
		expect(describeDifference({ ...xsetbvDifference, predicted: 'UD', deviations: [] })).toBe(
			'step 3 guest.xsetbv: vector expected GP, predicted UD, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
		expect(describeDifference({ ...xsetbvDifference, deviations: ['KI-7'] })).toBe(
			'step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
	});
});

describe('describePredicted', () => {
	test('every difference of an XFAIL with expected, predicted and observed values, joined by "; "', () => {
		const second = { ...xsetbvDifference, step: 4, predicted: 'none', deviations: ['KI-8'] };
		expect(describePredicted({ ...xfailCase, differences: [uabiSizeDifference, second] })).toBe(
			'step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; step 4 guest.xsetbv: vector expected GP, predicted none, observed none',
		);
	});

	test('no prediction is the expected value; no observation is nothing; no differences is empty', () => {
		expect(describePredicted({ ...xfailCase, differences: [{ ...xsetbvDifference, observed: null }] })).toBe(
			'step 3 guest.xsetbv: vector expected GP, predicted GP, observed nothing',
		);
		expect(describePredicted(passCase)).toBe('');
	});
});

describe('describeOutcome', () => {
	test('one text per status of the fixture', () => {
		expect([passCase, failCase, skipCase, xfailCase, xpassCase, timeoutCase, crashCase, errorCase].map(describeOutcome)).toEqual([
			null,
			'step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
			'platform tcg-max lacks amx, xfd',
			'known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696',
			'listed as known issue KI-9 but matches the model',
			'no output for 30 s; step 5 guest.tileloadd: vector expected NM, observed nothing (rule nm.xfd-armed, §2.11 rule 1)',
			'killed by SIGSEGV',
			'malformed fkt line',
		]);
	});

	test('results without a reason, difference or known issue still say something', () => {
		const bare = (status: CaseResult['status']): CaseResult => ({ ...passCase, status, reason: null, difference: null, differences: [], knownIssue: null });
		expect((['FAIL', 'SKIP', 'XFAIL', 'XPASS', 'TIMEOUT', 'CRASH', 'ERROR'] as const).map((s) => describeOutcome(bare(s)))).toEqual([
			'differs from the model',
			'skipped',
			'known issue',
			'listed as a known issue but matches the model',
			'timed out',
			'crashed',
			'error',
		]);
	});

	test('an XFAIL is described by its differences, not by its reason', () => {
		const expected = 'known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696';
		expect(describeOutcome({ ...xfailCase, reason: null })).toBe(expected);
		expect(describeOutcome({ ...xfailCase, reason: 'another reason' })).toBe(expected);
		expect(describeOutcome({ ...xfailCase, differences: [] })).toBe('known issue KI-7');
		expect(describeOutcome({ ...xfailCase, knownIssue: null })).toBe('known issue: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696');
	});

	test('a FAIL whose difference carries a prediction shows it', () => {
		expect(describeOutcome({ ...failCase, difference: { ...xsetbvDifference, predicted: 'UD', deviations: ['KI-8'] } })).toBe(
			'step 3 guest.xsetbv: vector expected GP, predicted UD by KI-8, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
	});

	test('an XPASS gives its own reason when it has one', () => {
		const reason = 'known issue KI-9 predicted step 2 vcpu.get_msr: value 0x40000, observed 0x0, which matches the model';
		expect(describeOutcome({ ...xpassCase, reason })).toBe(reason);
		expect(describeOutcome({ ...xpassCase, reason: null })).toBe('listed as known issue KI-9 but matches the model');
	});
});
