// describeDifference and describeOutcome: the exact one-line texts the reporters share.
import { describe, expect, test } from 'vitest';
import type { CaseResult } from '../../src/compare/result.js';
import { describeDifference, describeOutcome } from '../../src/report/difference.js';
import { crashCase, errorCase, failCase, passCase, skipCase, timeoutCase, xfailCase, xpassCase, xsetbvDifference } from './fixture-report.js';

describe('describeDifference', () => {
	test('step, op, field, expected and observed values, rule and citation', () => {
		expect(describeDifference(xsetbvDifference)).toBe(
			'step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
		);
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
});

describe('describeOutcome', () => {
	test('one text per status of the fixture', () => {
		expect([passCase, failCase, skipCase, xfailCase, xpassCase, timeoutCase, crashCase, errorCase].map(describeOutcome)).toEqual([
			null,
			'step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
			'platform tcg-max lacks amx, xfd',
			'known issue KI-7: uabi size reported without the base area',
			'listed as known issue KI-9 but matches the model',
			'no output for 30 s; step 5 guest.tileloadd: vector expected NM, observed nothing (rule nm.xfd-armed, §2.11 rule 1)',
			'killed by SIGSEGV',
			'malformed fkt line',
		]);
	});

	test('results without a reason, difference or known issue still say something', () => {
		const bare = (status: CaseResult['status']): CaseResult => ({ ...passCase, status, reason: null, difference: null, knownIssue: null });
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

	test('XFAIL falls back to the known issue reason', () => {
		expect(describeOutcome({ ...xfailCase, reason: null })).toBe('known issue KI-7: uabi size reported without the base area');
	});
});
