// Observed versus expected: every status the comparer can give, and the known-issues file format.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO } from '../helpers.js';
import { compareCase, firstDifference, skippedByIssue, type CaseRun } from '../../src/compare/compare.js';
import { findKnownIssue, findSkippingIssue, parseKnownIssues } from '../../src/compare/known-issues.js';
import type { ExpectedCase } from '../../src/emit/expected-schema.js';
import { parseKtap } from '../../src/ktap/parse.js';

const expected: ExpectedCase = {
	id: 'xcr0.guest-xsetbv.avx-without-sse',
	family: 'xcr0.guest-xsetbv',
	title: 't',
	origin: 'covering-array',
	requires: ['guest'],
	skip: null,
	steps: [
		{ index: 0, op: 'vm.create_vcpu', args: {}, expect: { ret: '0' }, rule: 'vcpu.create', summary: 's', citation: '§2.2' },
		{ index: 1, op: 'guest.xsetbv', args: { ecx: 0, xcr0: '0x5' }, expect: { vector: 'GP' }, rule: 'xcr.avx-without-sse', summary: 's', citation: '§2.10 rule 3' },
		{ index: 2, op: 'vcpu.get_xsave2', args: {}, expect: { ret: '0', xstate_bv: 'bits:must=0x0,may=0x3' }, rule: 'xsave2.get', summary: 's', citation: '§2.7' },
	],
};

function runFrom(log: string, stopped: CaseRun['stopped'] = null): CaseRun {
	const doc = parseKtap(log);
	return { binary: 'fkt_x_test', result: doc.tests[0] ?? null, observations: doc.observations, stopped, durationMs: null, log: [] };
}

const ID = expected.id;
const good = `1..1\n# fkt ${ID} 0 vm.create_vcpu ret=0\n# fkt ${ID} 1 guest.xsetbv vector=GP\n# fkt ${ID} 2 vcpu.get_xsave2 ret=0 size=4096 xstate_bv=0x3\nok 1 ${ID}\n`;
const bad = good.replace('vector=GP', 'vector=none').replace(`ok 1`, 'not ok 1');
const scope = { platform: 'host', revision: 'mainline', backend: 'pvm', target: 'native' } as const;
const issue = (cases: string[], ops?: string[]) =>
	parseKnownIssues(`issues:\n  - id: test-issue\n    cases: ${JSON.stringify(cases)}\n${ops ? `    ops: ${JSON.stringify(ops)}\n` : ''}    backend: [pvm]\n    reason: a documented deviation of this host\n`, 'test');

describe('firstDifference', () => {
	test('none when every field matches, bits matchers included', () => {
		expect(firstDifference(expected, runFrom(good).observations)).toBeNull();
	});
	test('the first differing field, with the rule and citation of the expectation', () => {
		expect(firstDifference(expected, runFrom(bad).observations)).toEqual({
			step: 1, op: 'guest.xsetbv', field: 'vector', expected: 'GP', observed: 'none', rule: 'xcr.avx-without-sse', citation: '§2.10 rule 3',
		});
	});
	test('a step that printed nothing', () => {
		const truncated = `1..1\n# fkt ${ID} 0 vm.create_vcpu ret=0\n`;
		expect(firstDifference(expected, runFrom(truncated).observations)).toMatchObject({ step: 1, observed: null });
	});
});

describe('compareCase statuses', () => {
	test('PASS and FAIL', () => {
		expect(compareCase(expected, runFrom(good), [], scope)).toMatchObject({ status: 'PASS', reason: null, difference: null });
		expect(compareCase(expected, runFrom(bad), [], scope)).toMatchObject({ status: 'FAIL', difference: { step: 1, observed: 'none' } });
	});
	test('XFAIL when a known issue covers the difference; not when it covers another operation', () => {
		expect(compareCase(expected, runFrom(bad), issue(['xcr0.*'], ['guest.xsetbv']), scope)).toMatchObject({
			status: 'XFAIL',
			reason: 'a documented deviation of this host',
			knownIssue: { id: 'test-issue' },
		});
		expect(compareCase(expected, runFrom(bad), issue(['xcr0.*'], ['vcpu.set_xcrs']), scope).status).toBe('FAIL');
		expect(compareCase(expected, runFrom(bad), issue(['xcr0.*']), { ...scope, backend: 'vmx' }).status).toBe('FAIL');
	});
	test('XPASS only for a case the issue names exactly', () => {
		expect(compareCase(expected, runFrom(good), issue([ID]), scope)).toMatchObject({ status: 'XPASS', reason: 'listed as known issue test-issue but matches the model' });
		expect(compareCase(expected, runFrom(good), issue(['xcr0.*']), scope).status).toBe('PASS');
	});
	test('SKIP from the model or from the binary', () => {
		expect(compareCase({ ...expected, skip: 'platform tcg-max lacks amx' }, runFrom(good), [], scope)).toMatchObject({ status: 'SKIP', reason: 'platform tcg-max lacks amx' });
		expect(compareCase(expected, runFrom(`1..1\nok 1 ${ID} # SKIP needs AMX\n`), [], scope)).toMatchObject({ status: 'SKIP', reason: 'needs AMX' });
	});
	test('CRASH when the case child was killed, TIMEOUT and ERROR from the runner', () => {
		const killed = `1..1\n# fkt ${ID} 0 vm.create_vcpu ret=0\n# ${ID}: killed by signal 11\nnot ok 1 ${ID}\n`;
		expect(compareCase(expected, runFrom(killed), [], scope)).toMatchObject({ status: 'CRASH', reason: "the case's child process was killed by signal 11", difference: { step: 1 } });
		expect(compareCase(expected, runFrom('1..1\n', { status: 'TIMEOUT', reason: 'no result' }), [], scope)).toMatchObject({ status: 'TIMEOUT', reason: 'no result' });
		expect(compareCase(expected, runFrom('1..1\n'), [], scope)).toMatchObject({ status: 'ERROR', reason: 'the test binary printed no result for this case' });
	});
	test('ERROR when every step matched but the binary said not ok', () => {
		expect(compareCase(expected, runFrom(good.replace('ok 1', 'not ok 1')), [], scope)).toMatchObject({ status: 'ERROR', reason: 'every step matched, but the binary reported the case as fail' });
	});
});

describe('known-issues files', () => {
	test.each([
		['not YAML', 'issues: [', /^f is not valid YAML: /],
		['no reason', 'issues:\n  - id: a\n    cases: ["x"]\n', /^f is malformed: issues\.0\.reason: /],
		['a bad id', 'issues:\n  - id: A B\n    cases: ["x"]\n    reason: long enough reason\n', /^f is malformed: issues\.0\.id: must be lower-case letters, digits and dashes$/],
		['an unknown key', 'issues:\n  - id: a\n    cases: ["x"]\n    reason: long enough reason\n    colour: red\n', /^f is malformed: issues\.0: Unrecognized key/],
		['a duplicate id', 'issues:\n  - id: a\n    cases: ["x"]\n    reason: long enough reason\n  - id: a\n    cases: ["y"]\n    reason: long enough reason\n', /^f lists known issue a twice$/],
	])('%s is refused with one line', (_name, text, message) => {
		expect(() => parseKnownIssues(text, 'f')).toThrow(message);
	});

	test('the shipped PVM file parses and covers only PVM', () => {
		const issues = parseKnownIssues(readFileSync(join(REPO, 'known-issues/pvm.yaml'), 'utf8'), 'pvm.yaml');
		expect(issues.map((i) => i.id)).toEqual(['pvm-cpuid-leaf-d-rewrite', 'pvm-cpuid-leaf-1-rewrite', 'pvm-cpuid-not-identical-after-run', 'pvm-emulator-has-no-amx']);
		const d = { step: 3, op: 'guest.tile_load', field: 'vector', expected: 'UD', observed: 'exit-17', rule: 'tile.ud-no-xtile', citation: '§3.1' };
		expect(findKnownIssue(issues, scope, 'sequence.tour-06', d)?.id).toBe('pvm-emulator-has-no-amx');
		expect(findKnownIssue(issues, { ...scope, backend: 'vmx' }, 'sequence.tour-06', d)).toBeNull();
	});
});

describe('skip entries and targets', () => {
	const tcg = parseKnownIssues(readFileSync(join(REPO, 'known-issues/qemu-tcg.yaml'), 'utf8'), 'qemu-tcg.yaml');
	const inTcg = { ...scope, backend: 'svm', target: 'qemu-tcg' } as const;
	const noXsetbv: ExpectedCase = { ...expected, id: 'xsave.get.plain', steps: [expected.steps[0]!, expected.steps[2]!] };

	test('a skip entry keeps the cases with its operations from running, only on its target', () => {
		expect(tcg.map((i) => [i.id, i.action])).toEqual([
			['tcg-xsave-marks-every-component-in-use', 'xfail'],
			['tcg-svm-does-not-intercept-xsetbv', 'skip'],
		]);
		expect(findSkippingIssue(tcg, inTcg, expected)?.id).toBe('tcg-svm-does-not-intercept-xsetbv');
		expect(findSkippingIssue(tcg, inTcg, noXsetbv)).toBeNull();
		expect(findSkippingIssue(tcg, { ...inTcg, target: 'native' }, expected)).toBeNull();
		expect(findSkippingIssue(tcg, { ...inTcg, target: 'qemu-kvm' }, expected)).toBeNull();
	});

	test('a skipped case is SKIP with the reason and the issue; a skip entry never turns a failure into XFAIL', () => {
		const skipIssue = tcg[1]!;
		expect(skippedByIssue(expected, 'fkt_xcr0_guest_xsetbv_test', skipIssue)).toEqual({
			id: expected.id,
			family: 'xcr0.guest-xsetbv',
			binary: 'fkt_xcr0_guest_xsetbv_test',
			status: 'SKIP',
			reason: `not run here: ${skipIssue.reason}`,
			difference: null,
			knownIssue: { id: 'tcg-svm-does-not-intercept-xsetbv', reason: skipIssue.reason, url: skipIssue.url },
			durationMs: null,
			log: [],
		});
		expect(compareCase(expected, runFrom(bad), tcg, inTcg).status).toBe('FAIL');
	});

	test('an xfail entry with a target covers failures only there', () => {
		const d = { step: 2, op: 'vcpu.get_xsave2', field: 'xstate_bv', expected: 'bits:must=0x0,may=0x3', observed: '0x207', rule: 'xsave2.get', citation: '§2.7' };
		expect(findKnownIssue(tcg, inTcg, 'xsave.get.get-xsave2.after-run', d)?.id).toBe('tcg-xsave-marks-every-component-in-use');
		expect(findKnownIssue(tcg, { ...inTcg, target: 'native' }, 'xsave.get.get-xsave2.after-run', d)).toBeNull();
	});

	test('an unknown action or target is refused', () => {
		expect(() => parseKnownIssues('issues:\n  - id: a\n    cases: ["x"]\n    action: ignore\n    reason: long enough reason\n', 'f')).toThrow(/^f is malformed: issues\.0\.action: /);
		expect(() => parseKnownIssues('issues:\n  - id: a\n    cases: ["x"]\n    target: [qemu-hvf]\n    reason: long enough reason\n', 'f')).toThrow(/^f is malformed: issues\.0\.target\.0: /);
	});
});
