// junitReport: the exact XML of a small run, how every status maps, and XML escaping.
import { describe, expect, test } from 'vitest';
import { junitReport } from '../../src/report/junit.js';
import { everyStatusReport, failCase, passCase, reportOf, skipCase, uabiSizeDifference, xfailCase, xsetbvDifference } from './fixture-report.js';

describe('junitReport', () => {
	test('a 3-case run: one testsuite per binary in first-appearance order', () => {
		const report = reportOf([failCase, passCase, { ...skipCase, binary: 'fkt_xcr0' }]);
		expect(junitReport(report)).toBe(
			[
				'<?xml version="1.0" encoding="UTF-8"?>',
				'<testsuites name="fpu-kvm-testgen" tests="3" failures="1" errors="0" skipped="1" time="0.052">',
				'  <testsuite name="fkt_xcr0" tests="2" failures="1" errors="0" skipped="1" time="0.040">',
				'    <testcase classname="xcr0" name="xcr0.guest-xsetbv.avx-without-sse" time="0.040">',
				'      <failure message="step 3 guest.xsetbv: vector expected GP, observed none (rule xcr.avx-without-sse, §2.10 rule 3)" type="FAIL"/>',
				'      <system-out>fkt xcr0.guest-xsetbv.avx-without-sse 2 vcpu.set_cpuid2 ret=0 leafd.xcr0=0x7',
				'fkt xcr0.guest-xsetbv.avx-without-sse 3 guest.xsetbv vector=none</system-out>',
				'    </testcase>',
				'    <testcase classname="nm" name="nm.xfd-err.arm-by-guest" time="0.000">',
				'      <skipped message="platform tcg-max lacks amx, xfd"/>',
				'    </testcase>',
				'  </testsuite>',
				'  <testsuite name="fkt_perm" tests="1" failures="0" errors="0" skipped="0" time="0.012">',
				'    <testcase classname="perm" name="perm.get.supp" time="0.012">',
				'      <system-out>fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7</system-out>',
				'    </testcase>',
				'  </testsuite>',
				'</testsuites>',
				'',
			].join('\n'),
		);
	});

	test('an empty run', () => {
		expect(junitReport(reportOf([]))).toBe(
			'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="fpu-kvm-testgen" tests="0" failures="0" errors="0" skipped="0" time="0.000">\n</testsuites>\n',
		);
	});

	test('every status: XPASS fails, TIMEOUT, CRASH and ERROR are errors, XFAIL is skipped', () => {
		const xml = junitReport(everyStatusReport);
		expect(xml).toContain('<testsuites name="fpu-kvm-testgen" tests="8" failures="2" errors="3" skipped="2" time="30.068">');
		expect(xml).toContain('<testsuite name="fkt_regression" tests="2" failures="1" errors="0" skipped="1" time="0.008">');
		expect(xml).toContain('<skipped message="known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696"/>');
		expect(xml).toContain('<failure message="listed as known issue KI-9 but matches the model" type="XPASS"/>');
		expect(xml).toContain(
			'<error message="no output for 30 s; step 5 guest.tileloadd: vector expected NM, observed nothing (rule nm.xfd-armed, §2.11 rule 1)" type="TIMEOUT"/>',
		);
		expect(xml).toContain('<error message="killed by SIGSEGV" type="CRASH"/>');
		expect(xml).toContain('<error message="malformed fkt line" type="ERROR"/>');
		expect(xml.match(/<testsuite /g)).toHaveLength(5);
	});

	test('an XFAIL is skipped with the expected, predicted and observed value of every difference', () => {
		const second = { ...xsetbvDifference, step: 4, observed: null, predicted: 'bits:must=0x3,may=0x4', deviations: ['KI-8'] };
		const xml = junitReport(reportOf([{ ...xfailCase, differences: [uabiSizeDifference, second] }]));
		expect(xml).toContain(
			[
				'    <testcase classname="regression" name="regression.uabi-size-base" time="0.003">',
				'      <skipped message="known issue KI-7: step 3 vcpu.get_xsave2: size expected 4096, predicted 2696, observed 2696; ' +
					'step 4 guest.xsetbv: vector expected GP, predicted bits:must=0x3,may=0x4, observed nothing"/>',
				'      <system-out>fkt regression.uabi-size-base 3 vcpu.get_xsave2 ret=0 size=2696 xstate_bv=0x3</system-out>',
				'    </testcase>',
			].join('\n'),
		);
		expect(xml).toContain('skipped="1"');
	});

	test('a FAIL whose difference carries a prediction names it and its deviations', () => {
		const xml = junitReport(reportOf([{ ...failCase, difference: { ...xsetbvDifference, predicted: 'UD', deviations: ['KI-8'] } }]));
		expect(xml).toContain(
			'<failure message="step 3 guest.xsetbv: vector expected GP, predicted UD by KI-8, observed none (rule xcr.avx-without-sse, §2.10 rule 3)" type="FAIL"/>',
		);
	});

	test('kernel health findings go to system-err of the cases that were running', () => {
		const xml = junitReport(everyStatusReport);
		const finding = '<system-err>kernel health: WARNING: CPU: 3 PID: 812 at arch/x86/kernel/fpu/xstate.c:1512</system-err>';
		expect(xml.split(finding)).toHaveLength(3);
		expect(xml).toContain(
			[
				'    <testcase classname="sequence" name="sequence.tour-04" time="0.007">',
				'      <error message="killed by SIGSEGV" type="CRASH"/>',
				`      ${finding}`,
				'    </testcase>',
			].join('\n'),
		);
	});
});

describe('XML escaping', () => {
	test('markup characters, quotes, line breaks and characters XML 1.0 forbids', () => {
		const report = reportOf([
			{
				...skipCase,
				id: 'odd.<&>"\'',
				family: 'a&b',
				binary: 'bin"1',
				reason: 'needs <&>"\' and\u0007 bell\ttab\nline\u{1F600}\uD800',
				log: ['out <&> "\'\u0000\u001b[0m', ']]> cr\r'],
			},
		]);
		const xml = junitReport(report);
		expect(xml).toContain('<testsuite name="bin&quot;1" ');
		expect(xml).toContain('<testcase classname="a&amp;b" name="odd.&lt;&amp;&gt;&quot;&apos;" time="0.000">');
		expect(xml).toContain('<skipped message="needs &lt;&amp;&gt;&quot;&apos; and\uFFFD bell&#9;tab&#10;line\u{1F600}\uFFFD"/>');
		expect(xml).toContain('<system-out>out &lt;&amp;&gt; "\'\uFFFD\uFFFD[0m\n]]&gt; cr&#13;</system-out>');
		// Nothing outside XML 1.0's Char production is left.
		expect(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml)).toBe(false);
	});
});
