// Observed versus expected: every status the comparer can give, known deviations that predict what
// they produce, and the known-issues file format. Cases and expectations come from the real model;
// observations are written from the model's outcomes, with the values a kernel would print.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO } from '../helpers.js';
import { compareCase, firstDifference, skippedByIssue, type CaseRun, type CompareContext } from '../../src/compare/compare.js';
import { quirksOf } from '../../src/compare/deviations.js';
import { checkKnownIssues, findSkippingIssue, parseKnownIssues, staleIssues, type KnownIssue } from '../../src/compare/known-issues.js';
import { expectedCase } from '../../src/emit/expected.js';
import type { ExpectedCase } from '../../src/emit/expected-schema.js';
import { regressionCases } from '../../src/enumerate/regressions.js';
import { parseKtap } from '../../src/ktap/parse.js';
import {
	evaluate,
	matches,
	platformFromProbe,
	platformSchema,
	probeSchema,
	revision,
	toPlatform,
	type Op,
	type Outcome,
	type Platform,
} from '../../src/model/index.js';
import { platform as shipped } from '../model/contract-harness.js';

const shippedIssues = (name: string) => parseKnownIssues(readFileSync(join(REPO, 'known-issues', name), 'utf8'), name);
const PVM = shippedIssues('pvm.yaml');
const TCG = shippedIssues('qemu-tcg.yaml');
const native = { platform: 'host', revision: 'mainline', backend: 'pvm', target: 'native' } as const;
const inTcg = { platform: 'tcg-max', revision: 'v6.12', backend: 'svm', target: 'qemu-tcg' } as const;

const icelake: Platform = toPlatform(
	platformSchema.parse(platformFromProbe(probeSchema.parse(JSON.parse(readFileSync(join(REPO, 'test/fixtures/probe/icelake-pvm.json'), 'utf8'))))),
);

function caseOf(id: string, steps: Op[], on: Platform, rev = 'mainline' as const): ExpectedCase {
	return expectedCase({ id, family: id.split('.')[0]!, title: 't', origin: 'regression', requires: [], steps }, on, revision(rev));
}

/** The value a kernel prints for a matcher: the bits that must be set, the literal, or 0 when unspecified. */
function printed(matcher: string): string {
	const bits = /^bits:must=(0x[0-9a-f]+),/.exec(matcher);
	return bits ? bits[1]! : matcher === '*' ? '0' : matcher;
}

/**
 * A KTAP log of one case printing these outcomes (matchers made concrete), as the emitted C writes it:
 * a step that does not match the expectation gets an fkt-mismatch line, and the case is then not ok.
 */
function logOf(c: ExpectedCase, outcomes: readonly Outcome[], edit: (step: number, fields: Record<string, string>) => void = () => {}): string {
	let ok = true;
	const lines = c.steps.flatMap((s, i) => {
		const fields = Object.fromEntries(Object.entries(outcomes[i]!).map(([k, v]) => [k, printed(v)]));
		edit(s.index, fields);
		const line = `# fkt ${c.id} ${s.index} ${s.op} ${Object.entries(fields)
			.map(([k, v]) => `${k}=${v}`)
			.join(' ')}`;
		const differing = Object.entries(s.expect).filter(([k, m]) => fields[k] === undefined || !matches(m, fields[k]));
		ok &&= !differing.length;
		return [line, ...differing.map(([k, m]) => `# fkt-mismatch ${c.id} ${s.index} ${k} expected=${m} observed=${fields[k] ?? '(missing)'}`)];
	});
	return `1..1\n${lines.join('\n')}\n${ok ? 'ok' : 'not ok'} 1 ${c.id}\n`;
}

function runOf(log: string, stopped: CaseRun['stopped'] = null): CaseRun {
	const doc = parseKtap(log);
	return { binary: 'fkt_x_test', result: doc.tests[0] ?? null, observations: doc.observations, mismatches: doc.mismatches, stopped, durationMs: null, log: [] };
}

const ctxOf = (on: Platform, issues: readonly KnownIssue[], scope: CompareContext['scope'], rev = 'mainline' as const): CompareContext => ({
	issues,
	scope,
	model: () => ({ platform: on, rev: revision(rev) }),
});

/** What the platform produces with these deviations applied: the observations of a deviating kernel. */
function deviated(c: ExpectedCase, on: Platform, issues: readonly KnownIssue[], rev = 'mainline' as const): Outcome[] {
	const ops = c.steps.map((s) => ({ op: s.op, ...s.args }) as unknown as Op);
	const specs = issues.flatMap((i) => ('mechanism' in i ? [{ mechanism: i.mechanism }] : 'outcome' in i ? [{ outcome: i.outcome }] : []));
	return evaluate(ops, on, revision(rev), quirksOf(specs)).results.map((r) => r.outcome);
}

const library: Op = { op: 'vm.create_vcpu', library: true };
const osxsave: Op = { op: 'guest.set_cr4_osxsave', enable: true };
const xsetbv = (xcr0: string): Op => ({ op: 'guest.xsetbv', ecx: 0, xcr0 });
// fp-sse-only CPUID, then the guest enables AVX: the contract #GPs (GSX 0x3), PVM's rewrite lets it through.
const avxCase = caseOf(
	'xcr0.fp-sse-then-avx',
	[library, { op: 'vcpu.set_cpuid2', variant: 'fp-sse-only' }, osxsave, xsetbv('0x7'), { op: 'vcpu.get_xcrs' }],
	icelake,
);
const pvmObserved = deviated(avxCase, icelake, PVM);

describe('firstDifference', () => {
	test('none when every field matches, bits matchers included', () => {
		expect(
			firstDifference(
				avxCase,
				runOf(
					logOf(
						avxCase,
						avxCase.steps.map((s) => s.expect),
					),
				).observations,
			),
		).toBeNull();
	});
	test('the first differing field, with the rule and citation of the expectation', () => {
		expect(firstDifference(avxCase, runOf(logOf(avxCase, pvmObserved)).observations)).toEqual({
			step: 2,
			op: 'guest.set_cr4_osxsave',
			field: 'vector',
			expected: 'GP',
			observed: 'none',
			rule: 'cr4.osxsave-without-cpuid-xsave',
			citation: avxCase.steps[2]!.citation,
		});
	});
});

describe('compareCase statuses without deviations', () => {
	const ctx = ctxOf(icelake, [], native);
	const good = logOf(
		avxCase,
		avxCase.steps.map((s) => s.expect),
	);
	test('PASS and FAIL', () => {
		expect(compareCase(avxCase, runOf(good), ctx)).toMatchObject({ status: 'PASS', reason: null, difference: null, differences: [], note: null });
		expect(compareCase(avxCase, runOf(logOf(avxCase, pvmObserved)), ctx)).toMatchObject({ status: 'FAIL', difference: { step: 2, observed: 'none' } });
	});
	test("ERROR when the binary's own comparison and the tool's name different steps", () => {
		const flagged = good.replace(`\nok 1`, `\n# fkt-mismatch ${avxCase.id} 0 ret expected=0 observed=0\nnot ok 1`);
		expect(compareCase(avxCase, runOf(flagged), ctx)).toMatchObject({
			status: 'ERROR',
			reason: "the test binary's own comparison differs from the tool's: only the binary found step 0 field ret different, only the tool nothing",
		});
		const unflagged = logOf(avxCase, pvmObserved).replace(/# fkt-mismatch .*\n/g, '');
		expect(compareCase(avxCase, runOf(unflagged), ctx)).toMatchObject({
			status: 'ERROR',
			reason:
				"the test binary's own comparison differs from the tool's: only the binary found nothing different, " +
				'only the tool step 2 field vector, step 3 field vector, step 4 field xcr0',
			difference: { step: 2, observed: 'none' },
		});
	});
	test('SKIP from the model or from the binary', () => {
		expect(compareCase({ ...avxCase, skip: 'platform host lacks AMX in KVM' }, runOf(good), ctx)).toMatchObject({
			status: 'SKIP',
			reason: 'platform host lacks AMX in KVM',
		});
		expect(compareCase(avxCase, runOf(`1..1\nok 1 ${avxCase.id} # SKIP needs AMX\n`), ctx)).toMatchObject({ status: 'SKIP', reason: 'needs AMX' });
	});
	test('CRASH when the case child was killed, TIMEOUT and ERROR from the runner', () => {
		const id = avxCase.id;
		const killed = `1..1\n# fkt ${id} 0 vm.create_vcpu ret=0\n# ${id}: killed by signal 11\nnot ok 1 ${id}\n`;
		expect(compareCase(avxCase, runOf(killed), ctx)).toMatchObject({
			status: 'CRASH',
			reason: "the case's child process was killed by signal 11",
			difference: { step: 1 },
		});
		expect(compareCase(avxCase, runOf('1..1\n', { status: 'TIMEOUT', reason: 'no result' }), ctx)).toMatchObject({ status: 'TIMEOUT', reason: 'no result' });
		expect(compareCase(avxCase, runOf('1..1\n'), ctx)).toMatchObject({ status: 'ERROR', reason: 'the test binary printed no result for this case' });
	});
	test('ERROR when every step matched but the binary said not ok', () => {
		expect(compareCase(avxCase, runOf(good.replace('ok 1', 'not ok 1')), ctx)).toMatchObject({
			status: 'ERROR',
			reason: 'every step matched, but the binary reported the case as fail',
		});
	});
});

describe('a known deviation predicts what it produces', () => {
	const ctx = ctxOf(icelake, PVM, native);

	test('XFAIL only when every observation is the prediction, each difference with predicted and observed value', () => {
		const r = compareCase(avxCase, runOf(logOf(avxCase, pvmObserved)), ctx);
		expect(r.status).toBe('XFAIL');
		expect(r.knownIssue?.id).toBe('pvm-cpuid-rewrite');
		expect(r.differences.map((d) => [d.step, d.field, d.expected, d.predicted, d.observed, d.deviations])).toEqual([
			[2, 'vector', 'GP', 'none', 'none', ['pvm-cpuid-rewrite']],
			[3, 'vector', 'UD', 'none', 'none', ['pvm-cpuid-rewrite']],
			[4, 'xcr0', '0x1', '0x7', '0x7', ['pvm-cpuid-rewrite']],
		]);
	});

	test('one predicted and one unpredicted difference is FAIL, naming the unpredicted one', () => {
		const log = logOf(avxCase, pvmObserved, (step, f) => {
			if (step === 4) f.xcr0 = '0x3';
		});
		const r = compareCase(avxCase, runOf(log), ctx);
		expect(r.status).toBe('FAIL');
		expect(r.difference).toMatchObject({ step: 4, field: 'xcr0', expected: '0x1', predicted: '0x7', observed: '0x3', deviations: ['pvm-cpuid-rewrite'] });
	});

	test('a prediction that did not come true is XPASS: the kernel did what the model says', () => {
		const r = compareCase(
			avxCase,
			runOf(
				logOf(
					avxCase,
					avxCase.steps.map((s) => s.expect),
				),
			),
			ctx,
		);
		expect(r).toMatchObject({ status: 'XPASS', knownIssue: { id: 'pvm-cpuid-rewrite' } });
		expect(r.reason).toBe('known issue pvm-cpuid-rewrite predicted step 2 guest.set_cr4_osxsave: vector none, observed GP, which matches the model');
	});

	test('an entry out of scope predicts nothing: the same observations FAIL on another backend', () => {
		expect(compareCase(avxCase, runOf(logOf(avxCase, pvmObserved)), ctxOf(icelake, PVM, { ...native, backend: 'vmx' })).status).toBe('FAIL');
	});

	test('a case passing only because two deviations cancel is flagged', () => {
		// An outcome entry that reports #GP for every CR4 write undoes, at that step, what the CPUID rewrite predicts.
		const gp = parseKnownIssues(
			'issues:\n  - id: cr4-always-gp\n    outcome: { op: guest.set_cr4_osxsave, field: vector, value: GP }\n    reason: a made-up deviation\n',
			'f',
		);
		const short = caseOf('xcr0.cancel', [library, { op: 'vcpu.set_cpuid2', variant: 'fp-sse-only' }, osxsave, xsetbv('0x7')], icelake);
		const observed = deviated(short, icelake, [...PVM, ...gp]);
		const r = compareCase(short, runOf(logOf(short, observed)), ctxOf(icelake, [...PVM, ...gp], native));
		expect(r.status).toBe('XFAIL');
		expect(r.note).toBe('deviations cancel out at step 2 (pvm-cpuid-rewrite alone would change it); the case matches there only because of that');
	});

	test('the emulator deviation predicts exit-17 for TILELOADD and nothing else', () => {
		const tile = caseOf('sequence.tile', [library, { op: 'guest.tile_load' }, { op: 'vcpu.get_xcrs' }], icelake);
		const r = compareCase(tile, runOf(logOf(tile, deviated(tile, icelake, PVM))), ctx);
		expect(r.status).toBe('XFAIL');
		expect(r.differences.map((d) => [d.step, d.expected, d.predicted, d.observed, d.deviations])).toEqual([
			[1, 'UD', 'exit-17', 'exit-17', ['pvm-emulator-has-no-amx']],
		]);
	});
});

describe('TCG: extra in-use bits after the guest ran, and nothing that is a kernel bug', () => {
	const tcgMax = shipped('tcg-max');
	const ctx = ctxOf(tcgMax, TCG, inTcg, 'v6.12');
	const regression = (name: string) => {
		const c = regressionCases({ platform: tcgMax, rev: revision('v6.12') }).find((r) => r.id === `regression.${name}`)!;
		return expectedCase(c, tcgMax, revision('v6.12'));
	};

	test.each([
		// ad856280ddea reverted: KVM_GET_XSAVE2 no longer limited to the guest's XCR0.
		['user-xfeatures-limited', '0x207', '0x3'],
		// a1020a25e697 reverted: FP/SSE no longer always allowed.
		['fpsse-always-allowed', '0x0', '0x3'],
	])('a reverted fix (regression.%s observes %s) is FAIL under the TCG entry', (name, observed, allowed) => {
		const c = regression(name);
		const log = logOf(c, deviated(c, tcgMax, TCG, 'v6.12'), (step, f) => {
			if (step === 3) f.xstate_bv = observed;
		});
		const r = compareCase(c, runOf(log), ctx);
		expect(r.status).toBe('FAIL');
		expect(r.difference).toMatchObject({ step: 3, field: 'xstate_bv', expected: allowed, observed });
	});

	test('after a guest run, XSTATE_BV is exactly the in-use bits TCG adds within the request mask', () => {
		const c = caseOf('xsave.after-run', [library, osxsave, { op: 'vcpu.get_xsave2' }], tcgMax, 'v6.12');
		const observed = deviated(c, tcgMax, TCG, 'v6.12');
		expect(observed[2]).toEqual({ ret: '0', size: '4096', xstate_bv: '0x207' });
		const r = compareCase(c, runOf(logOf(c, observed)), ctx);
		expect(r.status).toBe('XFAIL');
		expect(r.differences.map((d) => [d.expected, d.predicted, d.observed])).toEqual([['bits:must=0x0,may=0x203', '0x207', '0x207']]);
		// A bit outside what the guest could enable (MPX BNDCSR, which KVM does not offer) is never predicted.
		expect(compareCase(c, runOf(logOf(c, observed, (s, f) => s === 2 && (f.xstate_bv = '0x217'))), ctx).status).toBe('FAIL');
	});
});

describe('known-issues files', () => {
	test.each([
		['not YAML', 'issues: [', /^f is not valid YAML: /],
		['no reason', 'issues:\n  - id: a\n    mechanism: xsave-marks-enabled-in-use\n', /^f is malformed: issues\.0/],
		['a bad id', 'issues:\n  - id: A B\n    mechanism: xsave-marks-enabled-in-use\n    reason: long enough reason\n', /^f is malformed: issues\.0/],
		[
			'an unknown key',
			'issues:\n  - id: a\n    mechanism: xsave-marks-enabled-in-use\n    reason: long enough reason\n    colour: red\n',
			/^f is malformed: issues\.0/,
		],
		['an unknown mechanism', 'issues:\n  - id: a\n    mechanism: anything-goes\n    reason: long enough reason\n', /^f is malformed: issues\.0/],
		['"any difference in any case"', 'issues:\n  - id: a\n    cases: ["*"]\n    reason: long enough reason\n', /^f is malformed: issues\.0/],
		[
			'a javascript: url',
			'issues:\n  - id: a\n    mechanism: xsave-marks-enabled-in-use\n    reason: long enough reason\n    url: "javascript:alert(1)"\n',
			/^f is malformed: issues\.0/,
		],
	])('%s is refused with one line', (_name, text, message) => {
		expect(() => parseKnownIssues(text, 'f')).toThrow(message);
	});

	const entries = (text: string, source: string) => parseKnownIssues(text, source).map((issue) => ({ issue, source }));
	test('a user entry reusing a shipped id is refused', () => {
		const mine = entries(
			'issues:\n  - id: pvm-cpuid-rewrite\n    outcome: { op: vcpu.get_xcrs, field: xcr0, value: "0x1" }\n    reason: long enough reason\n',
			'mine.yaml',
		);
		expect(() => checkKnownIssues([...PVM.map((issue) => ({ issue, source: 'pvm.yaml' })), ...mine])).toThrow(
			'known issue pvm-cpuid-rewrite in mine.yaml reuses the id of one in pvm.yaml',
		);
	});
	test('two entries that would explain the same difference are refused; disjoint scopes are fine', () => {
		const twice = entries('issues:\n  - id: a\n    outcome: { op: guest.tile_load, field: vector, value: UD }\n    reason: long enough reason\n', 'mine.yaml');
		expect(() => checkKnownIssues([...PVM.map((issue) => ({ issue, source: 'pvm.yaml' })), ...twice])).toThrow(
			'known issues pvm-emulator-has-no-amx (pvm.yaml) and a (mine.yaml) both predict guest.tile_load in an overlapping scope',
		);
		const elsewhere = entries(
			'issues:\n  - id: a\n    outcome: { op: guest.tile_load, field: vector, value: UD }\n    backend: [vmx]\n    reason: long enough reason\n',
			'mine.yaml',
		);
		expect(() => checkKnownIssues([...PVM.map((issue) => ({ issue, source: 'pvm.yaml' })), ...elsewhere])).not.toThrow();
	});
	test('the shipped files pass the same check together', () => {
		expect(() => checkKnownIssues([...PVM, ...TCG].map((issue) => ({ issue, source: 'shipped' })))).not.toThrow();
	});

	test('entries in scope that explained nothing are stale', () => {
		const results = [compareCase(avxCase, runOf(logOf(avxCase, pvmObserved)), ctxOf(icelake, PVM, native))];
		expect(staleIssues(PVM, native, results)).toEqual(['pvm-emulator-has-no-amx']);
		expect(staleIssues(PVM, { ...native, backend: 'vmx' }, results)).toEqual([]);
	});
});

describe('skip entries and targets', () => {
	const tcgMax = shipped('tcg-max');
	const guestCase = caseOf('xcr0.xsetbv', [library, osxsave, xsetbv('0x3')], tcgMax, 'v6.12');
	const hostCase = caseOf('xsave.get.plain', [{ op: 'vm.create_vcpu' }, { op: 'vcpu.get_xsave2' }], tcgMax, 'v6.12');

	test('a skip entry keeps the cases with its operations from running, only on its target', () => {
		expect(findSkippingIssue(TCG, inTcg, guestCase)?.id).toBe('tcg-svm-does-not-intercept-xsetbv');
		expect(findSkippingIssue(TCG, inTcg, hostCase)).toBeNull();
		expect(findSkippingIssue(TCG, { ...inTcg, target: 'native' }, guestCase)).toBeNull();
		expect(findSkippingIssue(TCG, { ...inTcg, target: 'qemu-kvm' }, guestCase)).toBeNull();
	});

	test('a skipped case is SKIP with the reason and the issue', () => {
		const skipIssue = TCG[1]!;
		expect(skippedByIssue(guestCase, 'fkt_xcr0_guest_xsetbv_test', skipIssue)).toEqual({
			id: guestCase.id,
			family: 'xcr0',
			binary: 'fkt_xcr0_guest_xsetbv_test',
			status: 'SKIP',
			reason: `not run here: ${skipIssue.reason}`,
			difference: null,
			differences: [],
			knownIssue: { id: 'tcg-svm-does-not-intercept-xsetbv', reason: skipIssue.reason, url: skipIssue.url },
			note: null,
			durationMs: null,
			log: [],
		});
	});

	test('an unknown action or target is refused', () => {
		expect(() => parseKnownIssues('issues:\n  - id: a\n    ops: [guest.xsetbv]\n    action: ignore\n    reason: long enough reason\n', 'f')).toThrow(
			/^f is malformed: issues\.0/,
		);
		expect(() =>
			parseKnownIssues('issues:\n  - id: a\n    mechanism: xsave-marks-enabled-in-use\n    target: [qemu-hvf]\n    reason: long enough reason\n', 'f'),
		).toThrow(/^f is malformed: issues\.0/);
	});
});
