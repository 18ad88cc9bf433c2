// ktapReport: the exact summary of a run with every status, and its round trip through parseKtap.
import { describe, expect, test } from 'vitest';
import { parseKtap } from '../../src/ktap/parse.js';
import { ktapReport } from '../../src/report/ktap-report.js';
import { everyStatusReport, failCase, reportOf, skipCase, uabiSizeDifference, xfailCase, xsetbvDifference } from './fixture-report.js';

const WARNING = 'WARNING: CPU: 3 PID: 812 at arch/x86/kernel/fpu/xstate.c:1512';

describe('ktapReport', () => {
	test('one result per case; the unexpected ones after a diagnostic saying why', () => {
		expect(ktapReport(everyStatusReport)).toBe(
			[
				'KTAP version 1',
				'1..8',
				'ok 1 perm.get.supp',
				'# FAIL: step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)',
				'not ok 2 xcr0.guest-xsetbv.avx-without-sse',
				'ok 3 nm.xfd-err.arm-by-guest # SKIP platform tcg-max lacks amx, xfd',
				'ok 4 regression.uabi-size-base # XFAIL known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696',
				'# XPASS: listed as known issue KI-9 but matches the model',
				'not ok 5 regression.xfd-err-leak',
				'# TIMEOUT: no output for 30 s; step 5 guest.tileloadd: vector expected NM, observed nothing (rule nm.xfd-armed, §2.11 rule 1)',
				`# kernel health: ${WARNING}`,
				'not ok 6 sequence.tour-03',
				'# CRASH: killed by SIGSEGV',
				`# kernel health: ${WARNING}`,
				'not ok 7 sequence.tour-04',
				'# ERROR: malformed fkt line',
				'not ok 8 perm.req.bad-feature',
				'',
			].join('\n'),
		);
	});

	test('round trip through parseKtap: names, statuses, directives and diagnostics', () => {
		const doc = parseKtap(ktapReport(everyStatusReport));
		expect(doc.problems).toEqual([]);
		expect(doc.plan).toEqual({ count: 8 });
		expect(doc.tests.map((t) => [t.name, t.status, t.directive])).toEqual([
			['perm.get.supp', 'pass', null],
			['xcr0.guest-xsetbv.avx-without-sse', 'fail', null],
			['nm.xfd-err.arm-by-guest', 'skip', { kind: 'SKIP', reason: 'platform tcg-max lacks amx, xfd' }],
			[
				'regression.uabi-size-base',
				'xfail',
				{ kind: 'XFAIL', reason: 'known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696' },
			],
			['regression.xfd-err-leak', 'fail', null],
			['sequence.tour-03', 'fail', null],
			['sequence.tour-04', 'fail', null],
			['perm.req.bad-feature', 'fail', null],
		]);
		expect(doc.tests[1]!.diagnostics).toEqual(['FAIL: step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)']);
		expect(doc.tests[6]!.diagnostics).toEqual(['CRASH: killed by SIGSEGV', `kernel health: ${WARNING}`]);
		// The summary carries no observation lines: those are in the binaries' own logs.
		expect(doc.observations).toEqual([]);
	});

	test('reasons with line breaks become one line in a directive, several diagnostic lines otherwise', () => {
		const text = ktapReport(
			reportOf([
				{ ...skipCase, reason: 'needs AMX\n  and XFD' },
				// An XFAIL directive describes the differences; the known issue's reason, line breaks and all, is not in it.
				{ ...xfailCase, reason: 'first\r\nsecond' },
				{ ...failCase, status: 'ERROR', difference: null, reason: 'build failed:\nerror: x.c:3' },
			]),
		);
		const doc = parseKtap(text);
		expect(doc.problems).toEqual([]);
		expect(doc.tests.map((t) => t.directive?.reason ?? null)).toEqual([
			'needs AMX and XFD',
			'known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696',
			null,
		]);
		expect(doc.tests[2]!.diagnostics).toEqual(['ERROR: build failed:', 'error: x.c:3']);
	});

	test('an XFAIL directive gives the expected, predicted and observed value of every difference', () => {
		const second = { ...xsetbvDifference, step: 4, observed: null, predicted: 'none', deviations: ['KI-8'] };
		const text = ktapReport(reportOf([{ ...xfailCase, differences: [uabiSizeDifference, second] }]));
		const reason =
			'known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; step 4 guest.xsetbv: vector expected GP, predicted none, observed nothing';
		expect(text).toBe(['KTAP version 1', '1..1', `ok 1 regression.uabi-size-base # XFAIL ${reason}`, ''].join('\n'));
		expect(parseKtap(text).tests.map((t) => [t.status, t.directive])).toEqual([['xfail', { kind: 'XFAIL', reason }]]);
	});

	test('an XPASS diagnostic gives its own reason when it has one', () => {
		const reason = 'known issue KI-9 predicted step 2 vcpu.get_msr: value 0x40000, observed 0x0, which matches the model';
		const xpass = everyStatusReport.cases.find((c) => c.status === 'XPASS')!;
		expect(ktapReport(reportOf([{ ...xpass, reason }]))).toBe(
			['KTAP version 1', '1..1', `# XPASS: ${reason}`, 'not ok 1 regression.xfd-err-leak', ''].join('\n'),
		);
	});

	test('an empty run is a plan of none', () => {
		expect(ktapReport(reportOf([]))).toBe('KTAP version 1\n1..0\n');
	});
});
