// parseKtap on the fixture logs in test/fixtures/ktap (one per rule, exact parsed values), on logs
// generated here (invalid UTF-8, huge lines, a 100k-line flood), and on random input.
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { KtapStream, parseKtap, type KtapDocument, type KtapTest } from '../../src/ktap/parse.js';

const FIXTURES = new URL('../fixtures/ktap/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
const parseFixture = (name: string): KtapDocument => parseKtap(fixture(name));

/** A result as the parser builds it, with the defaults of a plain result line. */
function result(number: number | null, name: string, status: KtapTest['status'], line: number, rest: Partial<KtapTest> = {}): KtapTest {
	return { number, name, status, directive: null, diagnostics: [], subtests: [], line, ...rest };
}

/** The document-level fields most fixtures leave at their defaults. */
const QUIET = { observations: [], mismatches: [], totals: null, exitCode: null, problems: [], truncated: false };

const SKIP = (reason: string) => ({ kind: 'SKIP', reason }) as const;

describe('headers and plans', () => {
	test('TAP 13 as our emitted selftests print it', () => {
		expect(parseFixture('tap13-basic.log')).toEqual({
			version: 'TAP version 13',
			plan: { count: 3 },
			tests: [
				result(1, 'perm.get.supp', 'pass', 4, { diagnostics: ['fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7'] }),
				result(2, 'perm.get.perm.bad-pointer', 'fail', 7, {
					diagnostics: [
						'fkt perm.get.perm.bad-pointer 0 arch_prctl.get ret=-EFAULT',
						'fkt-mismatch perm.get.perm.bad-pointer 0 ret expected=0 observed=-EFAULT',
					],
				}),
				result(3, 'nm.xfd-err.arm-by-guest', 'skip', 8, { directive: SKIP('needs AMX') }),
			],
			observations: [
				{ caseId: 'perm.get.supp', step: 0, op: 'arch_prctl.get', fields: { ret: '0', value: '0x602e7' }, line: 3 },
				{ caseId: 'perm.get.perm.bad-pointer', step: 0, op: 'arch_prctl.get', fields: { ret: '-EFAULT' }, line: 5 },
			],
			mismatches: [{ caseId: 'perm.get.perm.bad-pointer', step: 0, field: 'ret', expected: '0', observed: '-EFAULT' }],
			totals: { pass: 1, fail: 1, xfail: 0, xpass: 0, skip: 1, error: 0 },
			exitCode: null,
			problems: [],
			truncated: false,
		});
	});

	test('KTAP v1 header', () => {
		const doc = parseFixture('ktap-v1-basic.log');
		expect(doc.version).toBe('KTAP version 1');
		expect(doc.plan).toEqual({ count: 2 });
		expect(doc.tests.map((t) => [t.number, t.name, t.status, t.line])).toEqual([
			[1, 'xcr0.guest-xsetbv.avx-without-sse', 'pass', 4],
			[2, 'regression.uabi-size-base', 'pass', 6],
		]);
		expect(doc.observations).toEqual([
			{ caseId: 'xcr0.guest-xsetbv.avx-without-sse', step: 3, op: 'guest.xsetbv', fields: { vector: 'GP' }, line: 3 },
			{
				caseId: 'regression.uabi-size-base',
				step: 3,
				op: 'vcpu.get_xsave2',
				fields: { ret: '0', size: '4096', xstate_bv: '0x3' },
				line: 5,
			},
		]);
		expect(doc.problems).toEqual([]);
	});

	test('a missing version line is no problem', () => {
		expect(parseFixture('missing-version.log')).toEqual({
			...QUIET,
			version: null,
			plan: { count: 2 },
			tests: [result(1, 'perm.get.supp', 'pass', 2), result(2, 'perm.get.perm', 'pass', 3)],
		});
	});

	test('a missing plan is a problem, not a truncation', () => {
		expect(parseFixture('missing-plan.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: null,
			tests: [result(1, 'perm.get.supp', 'pass', 2), result(2, 'perm.req.guest.bad-feature', 'fail', 3)],
			problems: ['missing plan'],
		});
	});

	test('the plan may come after the results', () => {
		expect(parseFixture('plan-at-end.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 2 },
			tests: [result(1, 'perm.get.supp', 'pass', 2), result(2, 'perm.get.perm', 'pass', 3)],
		});
	});

	test('a result after a closing plan is a problem', () => {
		const doc = parseKtap('TAP version 13\nok 1 a\n1..1\nok 2 b\n');
		expect(doc.problems).toEqual(['line 4: result after the closing plan', 'planned 1 test, saw 2']);
		expect(doc.truncated).toBe(false);
	});

	test('a second plan and a late version line are ignored with a problem', () => {
		const doc = parseKtap('TAP version 13\n1..1\nok 1 a\nTAP version 13\n1..5\n');
		expect(doc.plan).toEqual({ count: 1 });
		expect(doc.problems).toEqual(['line 4: unexpected version line ignored', 'line 5: second plan ignored']);
	});

	test('1..0 # SKIP reason skips the whole binary', () => {
		expect(parseFixture('skip-all.log')).toEqual({
			...QUIET,
			version: null,
			plan: { count: 0, skipAll: '/dev/kvm not available' },
			tests: [],
		});
	});

	test('empty output: only the missing plan', () => {
		expect(parseKtap('')).toEqual({ ...QUIET, version: null, plan: null, tests: [], problems: ['missing plan'] });
	});
});

describe('nesting', () => {
	test('KTAP v1: subtests indented by 2 spaces per level, parent result after its subtests', () => {
		expect(parseFixture('nested-ktap-v1.log')).toEqual({
			...QUIET,
			version: 'KTAP version 1',
			plan: { count: 2 },
			tests: [
				result(1, 'fpu_xfd', 'pass', 12, {
					diagnostics: ["the parent's own diagnostic"],
					subtests: [
						result(1, 'xfd.arm', 'pass', 6, { diagnostics: ['fkt xfd.arm 0 vcpu.set_msr ret=1'] }),
						result(2, 'xfd.disarm', 'pass', 10, { subtests: [result(1, 'xfd.disarm.inner', 'pass', 9)] }),
					],
				}),
				result(2, 'fpu_xsave', 'fail', 16, { subtests: [result(1, 'xsave.size', 'fail', 15)] }),
			],
			observations: [{ caseId: 'xfd.arm', step: 0, op: 'vcpu.set_msr', fields: { ret: '1' }, line: 5 }],
		});
	});

	test('TAP 13/14: 4-space subtests with # Subtest: headers inside or before the block', () => {
		expect(parseFixture('nested-subtest-header.log')).toEqual({
			...QUIET,
			version: 'TAP version 14',
			plan: { count: 2 },
			tests: [
				result(1, 'fpu_perm', 'pass', 7, {
					subtests: [
						result(1, 'perm.get.supp', 'pass', 5, { diagnostics: ['Subtest: fpu_perm'] }),
						result(2, 'perm.get.perm', 'skip', 6, { directive: SKIP('needs AMX') }),
					],
				}),
				result(2, 'fpu_xcr0', 'fail', 11, {
					diagnostics: ['Subtest: fpu_xcr0'],
					subtests: [result(1, 'xcr0.guest-xsetbv.avx-without-sse', 'fail', 10)],
				}),
			],
		});
	});

	test('a subtest plan that does not match its results is a problem at the parent', () => {
		const doc = parseKtap('KTAP version 1\n1..1\n  KTAP version 1\n  1..2\n  ok 1 a\nok 1 parent\n');
		expect(doc.tests[0]!.subtests).toEqual([result(1, 'a', 'pass', 5)]);
		expect(doc.problems).toEqual(['line 6: planned 2 subtests, saw 1']);
		expect(doc.truncated).toBe(false);
	});

	test('subtest numbers are checked per level', () => {
		const doc = parseKtap('KTAP version 1\n1..1\n  1..2\n  ok 2 b\n  ok 1 a\nok 1 parent\n');
		expect(doc.problems).toEqual(['line 4: subtest 2 out of order', 'line 5: subtest 1 out of order']);
	});

	test('a new subtest block whose parent never reported makes that parent an error', () => {
		const log = 'KTAP version 1\n1..2\n  KTAP version 1\n  1..1\n  ok 1 a\n  KTAP version 1\n  1..1\n  ok 1 b\nok 2 second\n';
		const doc = parseKtap(log);
		expect(doc.tests).toEqual([
			result(1, '', 'error', 3, { subtests: [result(1, 'a', 'pass', 5)] }),
			result(2, 'second', 'pass', 9, { subtests: [result(1, 'b', 'pass', 8)] }),
		]);
		expect(doc.problems).toEqual(['line 3: test 1 has subtests but no result line (a new subtest started)']);
		expect(doc.truncated).toBe(false);
	});

	test('stray indented diagnostics open no subtest', () => {
		const doc = parseKtap('TAP version 13\n1..1\nok 1 a\n   # indented note\n');
		expect(doc.tests).toEqual([result(1, 'a', 'pass', 3)]);
		expect(doc.problems).toEqual([]);
		expect(doc.truncated).toBe(false);
	});

	test('a log indented as a whole keeps its top level', () => {
		const doc = parseKtap('  TAP version 13\n  1..1\n    1..1\n    ok 1 inner\n  ok 1 outer\n');
		expect(doc.tests).toEqual([result(1, 'outer', 'pass', 5, { subtests: [result(1, 'inner', 'pass', 4)] })]);
		expect(doc.problems).toEqual([]);
	});
});

describe('directives', () => {
	test('SKIP (any case), TODO, XFAIL, and XPASS as a plain ok', () => {
		expect(parseFixture('directives.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 9 },
			tests: [
				result(1, 'perm.a', 'skip', 3, { directive: SKIP('needs AMX') }),
				result(2, 'perm.b', 'skip', 4, { directive: SKIP('needs XFD') }),
				result(3, 'perm.c', 'todo', 5, { directive: { kind: 'TODO', reason: 'model does not cover this yet' } }),
				result(4, 'perm.d', 'pass', 6, { directive: { kind: 'TODO', reason: '' } }),
				result(5, '', 'xfail', 7, { directive: { kind: 'XFAIL', reason: 'known kernel bug' } }),
				result(6, 'perm.f', 'xfail', 8, { directive: { kind: 'XFAIL', reason: 'uninitialised ret' } }),
				result(7, 'perm.g', 'pass', 9),
				// Newer kselftest.h prints `# XPASS msg`: no directive of ours, so the text is a diagnostic.
				result(8, 'perm.h', 'pass', 10, { diagnostics: ['XPASS fixed upstream'] }),
				result(9, 'perm.i', 'skip', 11, { directive: SKIP('not ok with SKIP') }),
			],
		});
	});

	test('ksft_test_result_skip: no name', () => {
		expect(parseFixture('skip-no-name.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 3 },
			tests: [
				result(1, 'perm.get.supp', 'pass', 3),
				result(2, '', 'skip', 4, { directive: SKIP('needs AMX') }),
				result(3, '', 'skip', 5, { directive: SKIP('') }),
			],
			totals: { pass: 1, fail: 0, xfail: 0, xpass: 0, skip: 2, error: 0 },
		});
	});

	test('TAP punctuation and escapes in descriptions', () => {
		const doc = parseKtap(
			['1..4', 'ok 1 - dashed name', 'ok 2 a \\# b\\\\ # SKIP why # not a second directive', 'ok 3 x#y', 'not ok 4 name #  ', ''].join('\n'),
		);
		expect(doc.tests).toEqual([
			result(1, 'dashed name', 'pass', 2),
			result(2, 'a # b\\', 'skip', 3, { directive: SKIP('why # not a second directive') }),
			result(3, 'x#y', 'pass', 4),
			result(4, 'name', 'fail', 5),
		]);
	});
});

describe('kselftest quirks', () => {
	test('# error lines, not ok N # error, Totals and # exit=N', () => {
		expect(parseFixture('kselftest-quirks.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 3 },
			tests: [
				result(1, 'perm.get.supp', 'pass', 4, { diagnostics: ['error: could not read /sys/devices/system/cpu/cpu1/online'] }),
				result(2, '', 'error', 5, { diagnostics: ['error KVM_CREATE_VM failed'] }),
				result(3, 'perm.get.perm', 'pass', 6),
			],
			totals: { pass: 2, fail: 0, xfail: 0, xpass: 0, skip: 0, error: 1 },
			exitCode: 1,
			// Used, not just parsed: a non-zero exit the log reports is a problem of that output.
			problems: ['the log says the binary exited with 1'],
		});
	});

	test('kselftest runner: prefixed output is diagnostics, `# exit=N` and `# TIMEOUT` on result lines', () => {
		expect(parseFixture('runner-exit.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 3 },
			tests: [
				result(1, 'selftests: kvm: fkt_perm', 'pass', 9, {
					diagnostics: [
						'timeout set to 120',
						'selftests: kvm: fkt_perm',
						'TAP version 13',
						'1..1',
						'ok 1 perm.get.supp',
						'# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0',
					],
				}),
				result(2, 'selftests: kvm: fkt_xfd', 'fail', 16, {
					diagnostics: [
						'timeout set to 120',
						'selftests: kvm: fkt_xfd',
						'TAP version 13',
						'1..1',
						'not ok 1 nm.xfd-err.arm-by-guest',
						'# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0',
						'exit=1',
					],
				}),
				result(3, 'selftests: kvm: fkt_cpuid', 'fail', 20, {
					diagnostics: ['timeout set to 120', 'selftests: kvm: fkt_cpuid', '', 'TIMEOUT 120 seconds'],
				}),
			],
			exitCode: 1,
			problems: ['the log says the binary exited with 1'],
		});
	});

	test('Bail out! ends the run: a problem, and truncated', () => {
		expect(parseFixture('bail-out.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 3 },
			tests: [result(1, 'perm.get.supp', 'pass', 3)],
			totals: { pass: 1, fail: 0, xfail: 0, xpass: 0, skip: 0, error: 0 },
			problems: ['bailed out at line 4: KVM_CREATE_VM failed, rc: -1 errno: 12 (Cannot allocate memory)', 'planned 3 tests, saw 1'],
			truncated: true,
		});
	});

	test('malformed Totals entries are problems; the good ones are kept', () => {
		const doc = parseKtap('1..0\n# Totals: pass:3 fail:x skip:1\n');
		expect(doc.totals).toEqual({ pass: 3, skip: 1 });
		// The good entries are checked against the result lines (none here).
		expect(doc.problems).toEqual([
			'line 2: malformed Totals entry "fail:x"',
			'Totals says pass:3, the result lines have 0',
			'Totals says skip:1, the result lines have 0',
		]);
	});

	test('Totals that agree with the result lines are no problem', () => {
		expect(parseKtap('1..2\nok 1 a\nok 2 b # SKIP no AMX\n# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0\n').problems).toEqual([]);
	});
});

describe('truncated output', () => {
	test('a result line cut mid-word, without its newline', () => {
		expect(parseFixture('truncated-mid-line.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 3 },
			tests: [
				result(1, 'perm.get.supp', 'pass', 4, { diagnostics: ['fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7'] }),
				result(2, 'perm.get.pe', 'fail', 5),
			],
			observations: [{ caseId: 'perm.get.supp', step: 0, op: 'arch_prctl.get', fields: { ret: '0', value: '0x602e7' }, line: 3 }],
			problems: ['truncated: last line has no newline', 'planned 3 tests, saw 2'],
			truncated: true,
		});
	});

	test('an observation cut mid-field is a problem, not an observation', () => {
		expect(parseFixture('truncated-mid-observation.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 2 },
			tests: [result(1, 'perm.get.supp', 'pass', 3)],
			problems: ['line 4: malformed fkt line (field "ret" is not name=value)', 'truncated: last line has no newline', 'planned 2 tests, saw 1'],
			truncated: true,
		});
	});

	test('fewer results than planned; the unfinished case still has its observation', () => {
		expect(parseFixture('truncated-fewer-results.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 4 },
			tests: [result(1, 'perm.get.supp', 'pass', 3)],
			observations: [{ caseId: 'perm.get.perm', step: 0, op: 'arch_prctl.get', fields: { ret: '0', value: '0x602e7' }, line: 4 }],
			problems: ['planned 4 tests, saw 1'],
			truncated: true,
		});
	});

	test('output ending inside subtests: the parent becomes an error named by its # Subtest: header', () => {
		expect(parseFixture('truncated-in-subtest.log')).toEqual({
			...QUIET,
			version: 'KTAP version 1',
			plan: { count: 2 },
			tests: [
				result(1, 'fpu_xfd', 'error', 3, {
					subtests: [result(1, 'xfd.arm', 'pass', 6, { diagnostics: ['Subtest: fpu_xfd'] }), result(2, 'xfd.disarm', 'pass', 7)],
				}),
			],
			problems: ['line 3: planned 3 subtests, saw 2', 'line 3: test 1 has subtests but no result line (output ended)', 'planned 2 tests, saw 1'],
			truncated: true,
		});
	});

	test('more results than planned is a problem but no truncation', () => {
		const doc = parseKtap('1..1\nok 1 a\nok 2 b\n');
		expect(doc.problems).toEqual(['planned 1 test, saw 2']);
		expect(doc.truncated).toBe(false);
	});
});

describe('interleaved stderr', () => {
	test('non-TAP lines are diagnostics of the next test; a glued line is no result', () => {
		expect(parseFixture('interleaved-stderr.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 4 },
			tests: [
				result(1, 'perm.get.supp', 'pass', 4, { diagnostics: ['fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7'] }),
				result(2, 'perm.xsave.set.bad-pointer', 'fail', 11, {
					diagnostics: [
						'==== Test Assertion Failure ====',
						'  lib/kvm_util.c:1290: !ret',
						'  pid=4242 tid=4242 errno=14 - Bad address',
						'     1\t0x0000000000402f1e: vm_ioctl at kvm_util.c:1290',
						'  KVM_SET_XSAVE failed, rc: -1 errno: 14 (Bad address)',
						'perm.xsave.set.bad-pointer: killed by signal 6',
					],
				}),
				result(3, 'nm.xfd-err.arm-by-guest', 'pass', 13, { diagnostics: ['warn: xyzok 3 foo'] }),
				result(4, 'xcr0.get-xcrs', 'pass', 15, { diagnostics: ['libkvm: stray stderr line'] }),
			],
			observations: [{ caseId: 'perm.get.supp', step: 0, op: 'arch_prctl.get', fields: { ret: '0', value: '0x602e7' }, line: 3 }],
		});
	});

	test('words that merely start like ok are no results', () => {
		const doc = parseKtap('1..1\nokay then\nok: fine\nnot okay\nok 1 real\n');
		expect(doc.tests).toEqual([result(1, 'real', 'pass', 5, { diagnostics: ['okay then', 'ok: fine', 'not okay'] })]);
	});

	test('unknown lines inside a subtest block do not end it', () => {
		const doc = parseKtap('KTAP version 1\n1..1\n  1..2\n  ok 1 a\nstderr noise\n  ok 2 b\nok 1 parent\n');
		expect(doc.tests).toEqual([
			result(1, 'parent', 'pass', 7, {
				subtests: [result(1, 'a', 'pass', 4), result(2, 'b', 'pass', 6, { diagnostics: ['stderr noise'] })],
			}),
		]);
		expect(doc.problems).toEqual([]);
	});
});

describe('numbering', () => {
	test('out of order, duplicated and unnumbered results are all kept', () => {
		expect(parseFixture('out-of-order.log')).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 5 },
			tests: [
				result(1, 'perm.a', 'pass', 3),
				result(3, 'perm.c', 'pass', 4),
				result(2, 'perm.b', 'pass', 5),
				result(3, 'perm.c-again', 'pass', 6),
				result(null, 'perm.e', 'pass', 7),
			],
			problems: ['test 3 out of order', 'test 2 out of order', 'test 3 duplicated'],
		});
	});

	test('bare ok and not ok lines', () => {
		const doc = parseKtap('1..3\nok\nnot ok\nok 3\n');
		expect(doc.tests).toEqual([result(null, '', 'pass', 2), result(null, '', 'fail', 3), result(3, '', 'pass', 4)]);
		expect(doc.problems).toEqual([]);
	});
});

describe('fkt observation and mismatch lines', () => {
	test('at any level, with malformed lines as problems', () => {
		const doc = parseFixture('observations.log');
		expect(doc.observations).toEqual([
			{ caseId: 'perm.get.supp', step: 0, op: 'arch_prctl.get', fields: { ret: '0', value: '0x602e7' }, line: 3 },
			{ caseId: 'perm.req.guest', step: 0, op: 'arch_prctl.req_guest', fields: { ret: '0' }, line: 5 },
			{
				caseId: 'perm.req.guest',
				step: 1,
				op: 'arch_prctl.get_guest',
				fields: { ret: '0', value: '0x40000', note: 'a=b' },
				line: 6,
			},
			{
				caseId: 'xsave.size.base',
				step: 0,
				op: 'vcpu.get_xsave2',
				fields: { ret: '0', size: '4096', xstate_bv: '0x3' },
				line: 11,
			},
			// The emitted C prints `# fkt id step op ` (trailing space) for a step with no fields.
			{ caseId: 'cpu.hotplug', step: 0, op: 'cpu.hotplug', fields: {}, line: 20 },
		]);
		expect(doc.mismatches).toEqual([{ caseId: 'perm.req.guest', step: 1, field: 'leafd.xcr0', expected: '0x602e7', observed: null }]);
		expect(doc.problems).toEqual([
			'line 13: malformed fkt line (too few parts)',
			'line 14: malformed fkt line (too few parts)',
			'line 15: malformed fkt line (step "x" is not a number)',
			'line 16: malformed fkt line (field "vector" is not name=value)',
			'line 17: malformed fkt line (field "=GP" is not name=value)',
			'line 18: malformed fkt-mismatch line',
		]);
		expect(doc.tests.map((t) => [t.number, t.name, t.status, t.line, t.subtests.length])).toEqual([
			[1, 'perm.get.supp', 'pass', 4, 0],
			[2, 'perm.req.guest', 'fail', 8, 0],
			[3, 'xsave.size', 'pass', 21, 1],
		]);
		expect(doc.tests[2]!.diagnostics).toEqual([
			'fkt',
			'fkt xcr0.bad 0',
			'fkt xcr0.bad x guest.xsetbv vector=GP',
			'fkt xcr0.bad 1 guest.xsetbv vector',
			'fkt xcr0.bad 2 guest.xsetbv =GP',
			'fkt-mismatch xcr0.bad',
			'fkt-tail is only a diagnostic',
			'fkt cpu.hotplug 0 cpu.hotplug ',
		]);
		expect(doc.tests[2]!.subtests[0]!.diagnostics).toEqual(['fkt xsave.size.base 0 vcpu.get_xsave2 ret=0 size=4096 xstate_bv=0x3']);
	});

	test('a field named __proto__ stays a field', () => {
		const doc = parseKtap('1..0\n# fkt c 0 op __proto__=x\n');
		expect(Object.keys(doc.observations[0]!.fields)).toEqual(['__proto__']);
		expect(doc.observations[0]!.fields['__proto__']).toBe('x');
	});

	test('observations must start the line: stderr glued in front makes it plain text', () => {
		const doc = parseKtap('1..1\nwarn: # fkt c 0 op ret=0\nok 1 c\n');
		expect(doc.observations).toEqual([]);
		expect(doc.tests[0]!.diagnostics).toEqual(['warn: # fkt c 0 op ret=0']);
	});
});

describe('encodings and line endings', () => {
	test('CRLF line endings parse like LF', () => {
		const crlf = fixture('crlf.log');
		expect(crlf.includes('\r\n')).toBe(true);
		const doc = parseKtap(crlf);
		expect(doc).toEqual(parseKtap(crlf.toString('utf8').replace(/\r\n/g, '\n')));
		expect(doc.tests).toEqual([
			result(1, 'perm.get.supp', 'pass', 4, { diagnostics: ['fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7'] }),
			result(2, 'nm.xfd-err.arm-by-guest', 'skip', 5, { directive: SKIP('needs AMX') }),
		]);
		expect(doc.observations[0]!.fields).toEqual({ ret: '0', value: '0x602e7' });
		expect(doc.problems).toEqual([]);
	});

	test('invalid UTF-8 in a Buffer is replaced, with a problem', () => {
		const log = Buffer.concat([
			Buffer.from('TAP version 13\n1..1\n# bad bytes: '),
			Buffer.from([0xff, 0xfe]),
			Buffer.from('\nok 1 perm.'),
			Buffer.from([0xc3]),
			Buffer.from('\n'),
		]);
		expect(parseKtap(log)).toEqual({
			...QUIET,
			version: 'TAP version 13',
			plan: { count: 1 },
			tests: [result(1, 'perm.\ufffd', 'pass', 4, { diagnostics: ['bad bytes: \ufffd\ufffd'] })],
			problems: ['invalid UTF-8 replaced'],
		});
	});

	test('valid UTF-8 and a literal U+FFFD in a string are no problem; a BOM is dropped', () => {
		expect(parseKtap(Buffer.from('\uFEFFKTAP version 1\n1..1\nok 1 grüße \ufffd\n')).problems).toEqual([]);
		expect(parseKtap('\uFEFFKTAP version 1\n1..0\n').version).toBe('KTAP version 1');
	});

	test('every fixture parses the same from a Buffer and from its string', () => {
		for (const name of readdirSync(FIXTURES)) {
			const bytes = fixture(name);
			expect(parseKtap(bytes.toString('utf8')), name).toEqual(parseKtap(bytes));
		}
	});
});

// Speed is measured by `npm run bench`, not asserted here.
describe('size', () => {
	const MiB = 1024 * 1024;

	test('a 5 MB diagnostic line is cut to 1 MiB', () => {
		const log = `TAP version 13\n1..1\n# ${'x'.repeat(5 * MiB)}\nok 1 after-the-flood\n`;
		const doc = parseKtap(log);
		expect(doc.problems).toEqual(['line 3 longer than 1 MiB truncated']);
		expect(doc.tests[0]!.name).toBe('after-the-flood');
		expect(doc.tests[0]!.diagnostics[0]!.length).toBe(MiB - 2);
	});

	test('5 MB result and observation lines: cut and parsed', () => {
		const name = 'n'.repeat(5 * MiB);
		const fields = 'k=v '.repeat(MiB + 5);
		const log = `1..2\n# fkt long 0 op ${fields}\nok 1 ${name}\nok 2 ${'\\#'.repeat(3 * MiB)}\n`;
		const doc = parseKtap(log);
		expect(doc.problems).toEqual(['line 2 longer than 1 MiB truncated', 'line 3 longer than 1 MiB truncated', 'line 4 longer than 1 MiB truncated']);
		expect(doc.tests[0]!.name.length).toBe(MiB - 'ok 1 '.length);
		expect(doc.tests[1]!.name).toBe('#'.repeat((MiB - 'ok 2 '.length - 1) / 2) + '\\');
		// The cut may leave a last field without '=': then the line is a problem instead.
		expect(doc.observations.length + doc.problems.filter((p) => p.includes('malformed')).length).toBe(1);
	});

	test('a line cut at 1 MiB never splits a surrogate pair', () => {
		// '#', MiB - 2 letters, then a pair whose high half is the 1 MiB-th character.
		const doc = parseKtap(`1..1\n#${'x'.repeat(MiB - 2)}\u{1F600}\nok 1 a\n`);
		expect(doc.problems).toEqual(['line 2 longer than 1 MiB truncated']);
		expect(doc.tests[0]!.diagnostics).toEqual(['x'.repeat(MiB - 2)]);
	});

	test('a 100k-line log parses completely', () => {
		const cases = 33_333;
		const lines = ['TAP version 13', `1..${cases}`];
		for (let i = 1; i <= cases; i++) {
			lines.push(`# fkt case.${i} 0 arch_prctl.get ret=0 value=0x602e7`);
			lines.push(`# fkt case.${i} 1 vcpu.get_xsave2 ret=0 size=11008 xstate_bv=0x602e7`);
			lines.push(i % 10 === 0 ? `not ok ${i} case.${i}` : `ok ${i} case.${i}`);
		}
		const log = lines.join('\n') + '\n';
		expect(lines.length).toBeGreaterThanOrEqual(100_000);
		const doc = parseKtap(log);
		expect(doc.tests.length).toBe(cases);
		expect(doc.observations.length).toBe(2 * cases);
		expect(doc.tests.filter((t) => t.status === 'fail').length).toBe(3333);
		expect(doc.problems).toEqual([]);
	});

	test('a log of nothing but problems lists the first thousand', () => {
		// 1 out of order, 1499 duplicated, and the plan.
		const log = '1..1\n' + Array.from({ length: 1500 }, () => 'ok 7 again').join('\n') + '\n';
		const doc = parseKtap(log);
		expect(doc.problems.length).toBe(1001);
		expect(doc.problems.slice(0, 3)).toEqual(['test 7 out of order', 'test 7 duplicated', 'test 7 duplicated']);
		expect(doc.problems[1000]).toBe('501 more problems not listed');
	});
});

describe('robustness (properties)', () => {
	test('never throws on random strings', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => void parseKtap(text)),
			{ numRuns: 500 },
		);
	});

	test('never throws on random bytes', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => void parseKtap(Buffer.from(bytes))),
			{ numRuns: 500 },
		);
	});

	const fragment = fc.oneof(
		fc.constantFrom(
			'TAP version 13',
			'KTAP version 1',
			'1..2',
			'1..0 # SKIP no',
			'ok 1 a',
			'ok 2 # SKIP why',
			'not ok 3 b # TODO later',
			'not ok # error boom',
			'ok',
			'Bail out!',
			'# fkt c 0 op ret=0',
			'# fkt c x',
			'# fkt-mismatch c 0 ret expected=0 observed=-EINVAL',
			'# Subtest: s',
			'# Totals: pass:1 fail:x',
			'# exit=3',
			'#',
			'warn: xyzok 1 a',
		),
		fc.string({ maxLength: 20 }),
	);
	const line = fc.tuple(fc.constantFrom('', '', '  ', '    ', '      ', ' '), fragment).map(([indent, text]) => indent + text);
	const log = fc.tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean());

	test('TAP-like line soups: never throws, and the results are consistent', () => {
		fc.assert(
			fc.property(log, ([lines, eol, endsWithNewline]) => {
				const text = lines.join(eol) + (endsWithNewline && lines.length > 0 ? eol : '');
				const doc = parseKtap(text);
				const lineCount = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
				const tops = doc.tests.map((t) => t.line);
				expect([...tops].sort((a, b) => a - b)).toEqual(tops);
				expect(tops.every((n) => n >= 1 && n <= lineCount)).toBe(true);
				const observed = doc.observations.map((o) => o.line);
				expect(observed.every((n, i) => i === 0 || n > observed[i - 1]!)).toBe(true);
				if (lineCount > 0 && !text.endsWith('\n')) expect(doc.truncated).toBe(true);
				if (!doc.truncated) expect(doc.problems.some((p) => p.startsWith('bailed out'))).toBe(false);
			}),
			{ numRuns: 1000 },
		);
	});
});

describe('streaming (KtapStream)', () => {
	/** Feeds a log cut into pieces at the given byte offsets; returns the tests as reported and the document. */
	function streamed(bytes: Buffer, cuts: readonly number[]) {
		const reported: { name: string; afterByte: number }[] = [];
		let fed = 0;
		const stream = new KtapStream((t) => reported.push({ name: t.name, afterByte: fed }));
		for (const end of [...cuts, bytes.length]) {
			const from = fed;
			fed = end;
			stream.write(bytes.subarray(from, end));
		}
		return { reported, doc: stream.end() };
	}

	test.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.log')))('%s cut at every byte gives the whole-log document', (name) => {
		const bytes = fixture(name);
		const whole = parseKtap(bytes);
		const everyByte = Array.from({ length: bytes.length }, (_, i) => i).slice(1);
		const { reported, doc } = streamed(bytes, everyByte);
		expect(doc).toEqual(whole);
		// A parent whose result line never came is only known to be one at the end.
		const abandoned = (t: KtapTest) => whole.problems.some((p) => p.includes(`test ${t.number} has subtests but no result line`));
		expect(reported.map((r) => r.name)).toEqual(whole.tests.filter((t) => !abandoned(t)).map((t) => t.name));
	});

	test('a test is reported once its result line ends, not before', () => {
		const log = Buffer.from('TAP version 13\n1..2\n# fkt a 0 op ret=0\nok 1 a\n# fkt b 0 op ret=0\nok 2 b\n');
		const endOfA = log.indexOf('ok 1 a\n') + 'ok 1 a\n'.length;
		const { reported } = streamed(log, [endOfA - 1, endOfA, log.length - 1]);
		expect(reported).toEqual([
			{ name: 'a', afterByte: endOfA },
			{ name: 'b', afterByte: log.length },
		]);
	});

	test('a character split between chunks is no invalid UTF-8; a real invalid byte is', () => {
		const log = Buffer.from('1..1\nok 1 café\n');
		const inE = log.indexOf('é') + 1;
		expect(streamed(log, [inE]).doc.problems).toEqual([]);
		expect(streamed(log, [inE]).doc.tests[0]!.name).toBe('café');
		const bad = Buffer.concat([Buffer.from('1..1\nok 1 a'), Buffer.from([0xff]), Buffer.from('\n')]);
		expect(streamed(bad, [3, 11]).doc.problems).toEqual(['invalid UTF-8 replaced']);
	});

	test('a line that never ends is cut at 1 MiB while it streams', () => {
		const stream = new KtapStream();
		stream.write('1..1\n');
		for (let i = 0; i < 40; i++) stream.write('x'.repeat(64 * 1024));
		stream.write('\nok 1 a\n');
		const doc = stream.end();
		expect(doc.tests.map((t) => t.name)).toEqual(['a']);
		expect(doc.problems).toEqual(['line 2 longer than 1 MiB truncated']);
		expect(doc.tests[0]!.diagnostics[0]).toHaveLength(1024 * 1024);
	});
});
