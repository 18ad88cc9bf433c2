// Hostile inputs through the real command line: each must be refused with exit 2, one line naming
// the problem, within seconds. A FIFO, a device, a huge file, a pathological pattern, a document
// that parses but lies, and text with terminal escapes in it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CASE_PATTERN_MAX, globMatches, parseCasePattern } from '../../src/compare/known-issues.js';
import { printable } from '../../src/input-file.js';
import { REPO, runCli, tempDir as newTempDir } from '../helpers.js';

const ERROR = 'fpu-kvm-testgen: error: ';
const SECONDS = 10_000;

/** Runs the CLI and returns its output lines, after checking it was refused (exit 2) in time. */
function refusedLines(args: readonly string[]): string[] {
	const start = Date.now();
	// Bounded even if a regression makes the CLI block: the assertions then fail instead of hanging.
	const r = runCli(args, { timeoutMs: 60_000 });
	const elapsed = Date.now() - start;
	expect(r.code, r.out).toBe(2);
	expect(elapsed).toBeLessThan(SECONDS);
	return r.out.replace(/\n$/, '').split('\n');
}

/** Refused with exactly this one line. */
function expectRefused(args: readonly string[], message: string): void {
	expect(refusedLines(args)).toEqual([ERROR + message]);
}

const mkfifo = (path: string) => {
	execFileSync('mkfifo', [path]);
	return path;
};

/** Every folder this file makes, removed at the end: some hold a 12 MB file and FIFOs. */
const made: string[] = [];
const tempDir = (prefix: string) => {
	const path = newTempDir(prefix);
	made.push(path);
	return path;
};
afterAll(() => {
	for (const path of made) rmSync(path, { recursive: true, force: true });
});

const dir = tempDir('fkt-hostile-');
const file = (name: string, text: string | Buffer) => {
	const path = join(dir, name);
	writeFileSync(path, text);
	return path;
};

const generate = (platform: string, ...more: string[]) => [
	'generate',
	'--platform',
	platform,
	'--kernel',
	'v6.12',
	'--out',
	join(dir, 'never-written'),
	...more,
];

describe('input files that are not regular files or too large', () => {
	const fifo = mkfifo(join(dir, 'fifo.yaml'));
	const probeFifo = mkfifo(join(dir, 'probe-fifo.json'));
	const issuesFifo = mkfifo(join(dir, 'issues-fifo.yaml'));
	const folder = join(dir, 'a-folder.yaml');
	mkdirSync(folder);
	const huge = file('huge.yaml', `id: huge\ndescription: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
	const latin1 = file('latin1.yaml', Buffer.from('id: caf\xe9\n', 'latin1'));

	test.each([
		['a FIFO as --platform', generate(fifo), `platform file ${fifo} is not a regular file`],
		['/dev/zero as --platform', generate('/dev/zero'), 'platform file /dev/zero is not a regular file'],
		['a folder as --platform', generate(folder), `platform file ${folder} is not a regular file`],
		['a 2 MiB profile', generate(huge), `platform file ${huge} is larger than 1 MiB`],
		['a profile that is not UTF-8', generate(latin1), `platform file ${latin1} is not UTF-8 text`],
		['a FIFO as --probe', generate('host', '--probe', probeFifo), `probe report ${probeFifo} is not a regular file`],
		['/dev/zero as --probe', generate('host', '--probe', '/dev/zero'), 'probe report /dev/zero is not a regular file'],
	])('%s', (_name, args, message) => expectRefused(args, message));

	describe('read by run', () => {
		let out: string;
		beforeAll(() => {
			out = generatedOut();
		});

		test.each([
			['/dev/zero as --known-issues', () => ['/dev/zero'], 'known-issues file /dev/zero is not a regular file'],
			['a FIFO as --known-issues', () => [issuesFifo], `known-issues file ${issuesFifo} is not a regular file`],
		])('%s', (_name, files, message) => expectRefused(['run', '--out', out, '--known-issues', ...files()], message));

		test('a FIFO as expected.json', () => {
			const fifoOut = tempDir('fkt-hostile-out-');
			const path = mkfifo(join(fifoOut, 'expected.json'));
			expectRefused(['run', '--out', fifoOut], `expected results ${path} is not a regular file`);
		});

		test('a symbolic link to /dev/zero as --known-issues', () => {
			const link = join(dir, 'zero-link.yaml');
			symlinkSync('/dev/zero', link);
			expectRefused(['run', '--out', out, '--known-issues', link], `known-issues file ${link} is not a regular file`);
		});

		test('a FIFO as --baseline: refused after the run, not blocked on', () => {
			const baseline = mkfifo(join(dir, 'baseline.json'));
			// The baseline is read after the run, so a case line comes first; the error is the last line.
			const lines = refusedLines(['run', '--out', out, '--case', 'perm.get.supp.bad-pointer', '--baseline', baseline]);
			expect(lines.at(-1)).toBe(`${ERROR}baseline ${baseline} is not a regular file`);
		});
	});
});

/** A generated suite with one fake test binary, so that run gets as far as comparing. */
function generatedOut(): string {
	const out = tempDir('fkt-hostile-out-');
	const r = runCli(['generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', out]);
	expect(r.code, r.out).toBe(0);
	const bin = join(out, 'bin/selftests-6.10');
	mkdirSync(bin, { recursive: true });
	// Prints KTAP for the one case it is asked for and no observations: that case FAILs.
	writeFileSync(join(bin, 'fkt_perm_get_test'), '#!/bin/sh\necho "TAP version 13"\necho "1..1"\necho "ok 1 $1"\n');
	chmodSync(join(bin, 'fkt_perm_get_test'), 0o755);
	return out;
}

const entry = (i: number, extra = '') => `  - {id: i${i}, ops: [guest.xsetbv], action: skip, reason: long enough reason${extra}}\n`;
const issuesFile = (name: string, count: number, extra = '') => file(name, 'issues:\n' + Array.from({ length: count }, (_, i) => entry(i, extra)).join(''));

describe('known-issue files', () => {
	let out: string;
	beforeAll(() => {
		out = generatedOut();
	});
	const run = (...files: string[]) => ['run', '--out', out, '--known-issues', ...files];

	test('150,000 entries: refused by size before parsing', () => {
		const path = issuesFile('150k.yaml', 150_000);
		expectRefused(run(path), `known-issues file ${path} is larger than 1 MiB`);
	});

	test('1001 entries in one file', () => {
		const path = issuesFile('1001.yaml', 1001);
		expectRefused(run(path), `known-issues file ${path} is malformed: issues: must have at most 1000 entries`);
	});

	test('more than 1000 entries in all', () => {
		const a = issuesFile('600a.yaml', 600);
		const b = file('600b.yaml', 'issues:\n' + Array.from({ length: 600 }, (_, i) => entry(i + 600)).join(''));
		expect(refusedLines(run(a, b))).toEqual([
			expect.stringMatching(new RegExp(`^${ERROR}known-issues file ${b} brings the known issues to \\d+: at most 1000 in all$`)),
		]);
	});

	test('a case pattern longer than 200 characters', () => {
		const path = issuesFile('long-pattern.yaml', 1, `, cases: ["${'*'.repeat(201)}"]`);
		expectRefused(run(path), `known-issues file ${path} is malformed: issues.0.cases.0: must be at most 200 characters`);
	});

	test('a reason longer than 2000 characters', () => {
		const path = file('long-reason.yaml', `issues:\n  - {id: a, ops: [guest.xsetbv], action: skip, reason: "${'r'.repeat(2001)}"}\n`);
		expectRefused(run(path), `known-issues file ${path} is malformed: issues.0.reason: must be at most 2000 characters`);
	});

	test('a megabyte of [ (the YAML parser would spend seconds recursing)', () => {
		const path = file('deep.yaml', '['.repeat(1024 * 1024 - 1));
		expectRefused(run(path), `known-issues file ${path} nests deeper than 64 levels`);
	});

	test('a missing file whose name holds an escape and a newline', () => {
		const path = join(dir, 'evil\x1b[2J\n.yaml');
		expectRefused(run(path), `known-issues file ${join(dir, 'evil\\x1b[2J\\n.yaml')} does not exist`);
	});
});

describe('--case patterns', () => {
	let out: string;
	beforeAll(() => {
		out = generatedOut();
	});

	// A regular expression made of the pattern backtracks exponentially on these (minutes, today).
	test.each([['********Z'], ['*'.repeat(CASE_PATTERN_MAX - 1) + 'Z'], ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*Z']])('%s', (pattern) => {
		expectRefused(['run', '--out', out, '--case', pattern], `no case matches --case '${pattern}' (see 'fpu-kvm-testgen list')`);
	});

	test('the matcher is linear on a long id and still exact', () => {
		const start = Date.now();
		expect(globMatches('*'.repeat(CASE_PATTERN_MAX - 1) + 'Z', 'a'.repeat(100_000))).toBe(false);
		expect(globMatches('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(100_000))).toBe(false);
		expect(Date.now() - start).toBeLessThan(SECONDS);
		const cases: [string, string, boolean][] = [
			['perm.*', 'perm.get.supp', true],
			['*.supp', 'perm.get.supp', true],
			['*get*', 'perm.get.supp', true],
			['perm.get', 'perm.get.supp', false],
			['a.b', 'axb', false],
			['a*b*c', 'abxbc', true],
			['a*b*c', 'acb', false],
			['*', '', true],
			['', '', true],
			['', 'a', false],
			['**a**', 'xay', true],
		];
		for (const [pattern, id, matches] of cases) expect([pattern, id, globMatches(pattern, id)]).toEqual([pattern, id, matches]);
	});

	test('parseCasePattern refuses a pattern over the limit', () => {
		expect(parseCasePattern('*'.repeat(CASE_PATTERN_MAX))).toBe('*'.repeat(CASE_PATTERN_MAX));
		expect(() => parseCasePattern('*'.repeat(CASE_PATTERN_MAX + 1))).toThrow(
			`bad --case pattern of ${CASE_PATTERN_MAX + 1} characters: at most ${CASE_PATTERN_MAX}`,
		);
	});
});

describe('expected.json that parses but lies', () => {
	const edited = (edit: (doc: { cases: unknown[] }) => void) => {
		const source = tempDir('fkt-hostile-out-');
		expect(runCli(['generate', '--platform', 'zen1-avx', '--kernel', 'v6.12', '--out', source]).code).toBe(0);
		const doc = JSON.parse(readFileSync(join(source, 'expected.json'), 'utf8')) as { cases: { id: string }[] };
		edit(doc);
		writeFileSync(join(source, 'expected.json'), JSON.stringify(doc));
		return { out: source, doc };
	};

	test('zero cases', () => {
		const { out } = edited((doc) => doc.cases.splice(0));
		expectRefused(['run', '--out', out], `${join(out, 'expected.json')} fails its schema: cases: must list at least one case`);
	});

	test('a duplicated case id', () => {
		const { out, doc } = edited((doc) => doc.cases.push(doc.cases[5]));
		const id = (doc.cases[5] as { id: string }).id;
		expectRefused(['run', '--out', out], `${join(out, 'expected.json')} fails its schema: cases.${doc.cases.length - 1}.id: duplicate case id ${id}`);
	});

	test('a folder name with an escape and a newline', () => {
		const out = join(dir, 'out\x1b[31m\n');
		const shown = printable(out);
		expectRefused(['run', '--out', out], `${shown}/expected.json does not exist: run 'fpu-kvm-testgen generate --out ${shown}' first`);
	});
});

describe('probe reports', () => {
	const icelake = readFileSync(join(REPO, 'test/fixtures/probe/icelake-pvm.json'), 'utf8');
	const probe = (name: string, edit: (p: Record<string, any>) => void) => {
		const p = JSON.parse(icelake) as Record<string, any>;
		edit(p);
		return file(`probe-${name}.json`, JSON.stringify(p));
	};

	test.each([
		['capXsave2 -5', (p: Record<string, any>) => (p.kvm.capXsave2 = -5), 'kvm.capXsave2: must be 0 or a size of at least 576'],
		['capXsave2 100', (p: Record<string, any>) => (p.kvm.capXsave2 = 100), 'kvm.capXsave2: must be 0 or a size of at least 576'],
		['apiVersion -1', (p: Record<string, any>) => (p.kvm.apiVersion = -1), 'kvm.apiVersion: must be at least 0'],
		['devKvm true with kvm null', (p: Record<string, any>) => (p.kvm = null), 'kvm: must be set when devKvm is true'],
		['devKvm false with kvm set', (p: Record<string, any>) => (p.devKvm = false), 'kvm: must be null when devKvm is false'],
		['devKvm true with no CPUID leaves', (p: Record<string, any>) => (p.kvm.supportedCpuid = []), 'kvm.supportedCpuid: must not be empty when devKvm is true'],
		[
			'a kernel release with an escape and a newline',
			(p: Record<string, any>) => (p.kernelRelease = '6.1\x1b[2J\nfake'),
			'kernelRelease: must be one line without control characters',
		],
		[
			'a kernel release of 300 characters',
			(p: Record<string, any>) => (p.kernelRelease = '6.' + '1'.repeat(298)),
			'kernelRelease: must be at most 64 characters',
		],
		['a component offset of 70000', (p: Record<string, any>) => (p.cpu.components['2'].offset = 70000), 'cpu.components.2.offset: must be at most 65536'],
		['a hex value of 17 digits', (p: Record<string, any>) => (p.cpu.xcr0 = '0x' + 'f'.repeat(17)), 'cpu.xcr0: must be a hex value like 0x7'],
	])('%s', (name, edit, problem) => {
		const path = probe(name.replace(/\W+/g, '-'), edit);
		expectRefused(generate('host', '--probe', path), `probe report ${path} is malformed: ${problem}`);
	});
});

describe('platform profiles', () => {
	const base = () => ({
		id: 'hostile',
		description: 'a hostile profile',
		cpu: { xcr0: '0x7', xfd: false, amx: false, xsaves: true } as Record<string, unknown>,
		kvm: { backend: 'svm', mpx: false } as Record<string, unknown>,
	});
	const profile = (name: string, edit: (p: ReturnType<typeof base> & Record<string, unknown>) => void) => {
		const p = base();
		edit(p);
		return file(`profile-${name}.json`, JSON.stringify(p));
	};
	type Edit = (p: ReturnType<typeof base> & Record<string, unknown>) => void;

	test.each<[string, Edit, string]>([
		['an offset near 2^53', (p) => (p.cpu.components = { 2: { offset: 2 ** 53 - 64, size: 64 } }), 'cpu.components.2.offset: must be below 65536'],
		[
			'a component ending past 64 KiB',
			(p) => (p.cpu.components = { 2: { offset: 65000, size: 1000 } }),
			'cpu.components.2: ends at 66000, beyond the 65536-byte XSAVE area',
		],
		[
			'an offset inside the legacy area',
			(p) => (p.cpu.components = { 2: { offset: 0, size: 256 } }),
			'cpu.components.2.offset: must be at least 576 (after the legacy area and the XSAVE header)',
		],
		[
			'overlapping components',
			(p) => (p.cpu.components = { 2: { offset: 576, size: 256 }, 5: { offset: 800, size: 64 } }),
			'cpu.components.5: overlaps component 2',
		],
		[
			'a component inside another, after a third',
			(p) => (p.cpu.components = { 2: { offset: 576, size: 4096 }, 5: { offset: 700, size: 8 }, 6: { offset: 2000, size: 8 } }),
			'cpu.components.5: overlaps component 2',
		],
		['xcr0 all ones', (p) => (p.cpu.xcr0 = '0xffffffffffffffff'), 'cpu.xcr0: has bits 0xfffffffffff9fd00 outside the user XSAVE components 0x602ff'],
		[
			'kvm.offer.xcr0 with bit 63',
			(p) => (p.kvm.offer = { xcr0: '0x8000000000000007', xfd: false, amx: false, xsave: true, xfdMsrs: false }),
			'kvm.offer.xcr0: has bits 0x8000000000000000 outside the user XSAVE components 0x602ff',
		],
		['a description of 300 characters', (p) => (p.description = 'd'.repeat(300)), 'description: must be at most 200 characters'],
		[
			'a description with an ANSI escape and a newline',
			(p) => (p.description = 'evil \x1b[31mred\x1b[0m\nsecond line'),
			'description: must be one line without control characters',
		],
		['an id of 65 characters', (p) => (p.id = 'a'.repeat(65)), 'id: must be at most 64 characters'],
		['an unknown key with an escape and a newline', (p) => (p['\x1b[2Jx\ny'] = 1), '(top level): Unrecognized key: "\\x1b[2Jx\\ny"'],
	])('%s', (name, edit, problem) => {
		const path = profile(name.replace(/\W+/g, '-'), edit);
		expectRefused(generate(path), `platform file ${path} is malformed: ${problem}`);
	});

	test('a description of 10 MB: refused by size', () => {
		const path = profile('10mb', (p) => (p.description = 'd'.repeat(10_000_000)));
		expectRefused(generate(path), `platform file ${path} is larger than 1 MiB`);
	});

	test('YAML whose description holds an escape and a newline', () => {
		const path = file(
			'escape.yaml',
			'id: x\ndescription: "evil \\e[31mred\\nsecond line"\ncpu: {xcr0: "0x7", xfd: false, amx: false, xsaves: true}\nkvm: {backend: svm, mpx: false}\n',
		);
		expectRefused(generate(path), `platform file ${path} is malformed: description: must be one line without control characters`);
	});

	test('YAML nested a megabyte deep', () => {
		const path = file('deep-profile.yaml', '- '.repeat(512 * 1024 - 1));
		expectRefused(generate(path), `platform file ${path} nests deeper than 64 levels`);
	});

	test('JSON whose parser message quotes an escape', () => {
		const path = file('escape.json', '{"a": \x1b[31m}');
		const [line, ...rest] = refusedLines(generate(path));
		expect(rest).toEqual([]);
		expect(line).toMatch(new RegExp(`^${ERROR}platform file ${path} is not valid JSON: .*\\\\x1b`));
		expect(line).not.toMatch(/\x1b/);
	});

	test('a missing file whose name holds an escape and a newline', () => {
		const path = join(dir, 'evil\x1b[31m\n.yaml');
		expectRefused(generate(path), `cannot read platform file ${printable(path)}: ENOENT`);
	});

	test('an unknown platform name with an escape', () => {
		const [line, ...rest] = refusedLines(generate('\x1b[31mred'));
		expect(rest).toEqual([]);
		expect(line).toMatch(/^fpu-kvm-testgen: error: unknown platform '\\x1b\[31mred' \(known: /);
	});
});

describe('printable', () => {
	test('escapes newlines, tabs, C0 and C1 controls, DEL and ESC, and nothing else', () => {
		expect(printable('a\nb\rc\td\x00e\x1b[31mf\x7fg\x9bh\u2028i')).toBe('a\\nb\\rc\\td\\x00e\\x1b[31mf\\x7fg\\x9bh\\u2028i');
		expect(printable('/tmp/ö-spr 1.yaml')).toBe('/tmp/ö-spr 1.yaml');
	});
});
