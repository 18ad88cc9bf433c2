// writeKtap: the exact text for known results, the inputs it refuses, and the round trip through
// parseKtap for random results.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseKtap, type KtapStatus } from '../../src/ktap/parse.js';
import { writeKtap, type KtapResultLine } from '../../src/ktap/write.js';

describe('writeKtap', () => {
	test('version, plan, diagnostics before their result, directives', () => {
		const text = writeKtap([
			{ name: 'perm.get.supp', ok: true, diagnostics: ['fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7'] },
			{ name: 'perm.get.perm.bad-pointer', ok: false, diagnostics: ['expected ret=-EFAULT', ''] },
			{ name: 'nm.xfd-err.arm-by-guest', ok: true, directive: { kind: 'SKIP', reason: 'needs AMX' } },
			{ name: '', ok: true, directive: { kind: 'XFAIL', reason: '' } },
		]);
		expect(text).toBe(
			[
				'KTAP version 1',
				'1..4',
				'# fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7',
				'ok 1 perm.get.supp',
				'# expected ret=-EFAULT',
				'#',
				'not ok 2 perm.get.perm.bad-pointer',
				'ok 3 nm.xfd-err.arm-by-guest # SKIP needs AMX',
				'ok 4 # XFAIL',
				'',
			].join('\n'),
		);
	});

	test('no results: just the header', () => {
		expect(writeKtap([])).toBe('KTAP version 1\n1..0\n');
		expect(parseKtap(writeKtap([]))).toMatchObject({ version: 'KTAP version 1', plan: { count: 0 }, tests: [], problems: [] });
	});

	test('names are trimmed, #, \\ and a leading "- " escaped', () => {
		const text = writeKtap([
			{ name: '  a # b\\c  ', ok: true },
			{ name: '- dashed', ok: false },
		]);
		expect(text).toBe('KTAP version 1\n1..2\nok 1 a \\# b\\\\c\nnot ok 2 - - dashed\n');
		expect(parseKtap(text).tests.map((t) => t.name)).toEqual(['a # b\\c', '- dashed']);
	});

	test('a multi-line diagnostic becomes several lines', () => {
		const text = writeKtap([{ name: 'a', ok: true, diagnostics: ['first\nsecond\r\nthird'] }]);
		expect(text).toBe('KTAP version 1\n1..1\n# first\n# second\n# third\nok 1 a\n');
	});

	test('line breaks in a name or reason are refused', () => {
		expect(() => writeKtap([{ name: 'a\nok 2 b', ok: true }])).toThrow(RangeError);
		expect(() => writeKtap([{ name: 'a', ok: true, directive: { kind: 'SKIP', reason: 'x\ry' } }])).toThrow('KTAP directive reason must be one line: "x\\ry"');
	});

	test('the emitted-selftest example parses back exactly', () => {
		const doc = parseKtap(
			writeKtap([
				{ name: 'perm.get.supp', ok: true },
				{ name: 'perm.get.perm', ok: false, directive: { kind: 'TODO', reason: 'model gap' } },
			]),
		);
		expect(doc).toEqual({
			version: 'KTAP version 1',
			plan: { count: 2 },
			tests: [
				{ number: 1, name: 'perm.get.supp', status: 'pass', directive: null, diagnostics: [], subtests: [], line: 3 },
				{
					number: 2,
					name: 'perm.get.perm',
					status: 'todo',
					directive: { kind: 'TODO', reason: 'model gap' },
					diagnostics: [],
					subtests: [],
					line: 4,
				},
			],
			observations: [],
			mismatches: [],
			totals: null,
			exitCode: null,
			problems: [],
			truncated: false,
		});
	});
});

/** The status parseKtap gives a written result (kselftest's meaning of each directive). */
function expectedStatus(result: KtapResultLine): KtapStatus {
	switch (result.directive?.kind) {
		case 'SKIP':
			return 'skip';
		case 'XFAIL':
			return result.ok ? 'xfail' : 'fail';
		case 'TODO':
			return result.ok ? 'pass' : 'todo';
		default:
			return result.ok ? 'pass' : 'fail';
	}
}

describe('round trip (property)', () => {
	// Any text on one line: full Unicode, '#', '\', leading dashes and spaces included.
	const oneLine = fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' '));
	const tapLike = fc.constantFrom(
		'- x',
		'#',
		'\\#',
		'a # SKIP b',
		'  ok 1 x',
		'1..3',
		'Bail out!',
		' - ',
		'\\',
		'fkt c 0 op ret=0',
		'fkt-mismatch c 0 ret expected=0 observed=-EINVAL',
		'Totals: pass:1',
		'exit=2',
		'Subtest: s',
		'KTAP version 1',
	);
	const text = fc.oneof(oneLine, tapLike, fc.string({ maxLength: 12 }));
	const resultLine: fc.Arbitrary<KtapResultLine> = fc.record(
		{
			name: text,
			ok: fc.boolean(),
			directive: fc.record({ kind: fc.constantFrom('SKIP', 'TODO', 'XFAIL'), reason: text }),
			diagnostics: fc.array(text, { maxLength: 3 }),
		},
		{ requiredKeys: ['name', 'ok'] },
	);

	test('parseKtap(writeKtap(r)) gives back names, statuses, directives and diagnostics', () => {
		fc.assert(
			fc.property(fc.array(resultLine, { maxLength: 12 }), (results) => {
				const doc = parseKtap(writeKtap(results));
				expect(doc.version).toBe('KTAP version 1');
				expect(doc.plan).toEqual({ count: results.length });
				expect(doc.truncated).toBe(false);
				expect(doc.tests.map((t) => t.number)).toEqual(results.map((_, i) => i + 1));
				expect(doc.tests.map((t) => t.name)).toEqual(results.map((r) => r.name.trim()));
				expect(doc.tests.map((t) => t.status)).toEqual(results.map(expectedStatus));
				expect(doc.tests.map((t) => t.directive)).toEqual(
					results.map((r) => (r.directive ? { kind: r.directive.kind, reason: r.directive.reason.trim() } : null)),
				);
				expect(doc.tests.map((t) => t.diagnostics)).toEqual(results.map((r) => r.diagnostics ?? []));
				expect(doc.tests.every((t) => t.subtests.length === 0)).toBe(true);
			}),
			{ numRuns: 1000 },
		);
	});
});
