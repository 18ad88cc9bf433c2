// Integration with real kernel trees (Debian's linux-source-6.12 and -6.1, prepared by the tool
// itself): the one copy of the emitted files of every shipped platform and of every revision compiles
// with -Werror against both trees, and each tree's own scripts/checkpatch.pl --strict reports nothing.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

const run = promisify(execFile);
const TEN_MINUTES = 600_000;
/** Every platform under mainline and every revision on spr: each value the case tables can take. */
const SUITES = [
	...['spr', 'zen1-avx', 'tcg-max'].map((platform) => ({ platform, kernel: 'mainline' })),
	...['fpu-kvm-v1', 'v5.17', 'v6.12'].map((kernel) => ({ platform: 'spr', kernel })),
];
/**
 * checkpatch runs at about 1 ms a line: the newer tree's, which new patches are checked with, reads
 * every suite; the older tree's reads the first one (the same templates), to stay within 3 minutes.
 */
const TREES = [
	{ debian: '6.12', dialect: 'selftests-6.10', checkpatchSuites: SUITES.length, uniqueFiles: 93 },
	{ debian: '6.1', dialect: 'selftests-6.0', checkpatchSuites: 1, uniqueFiles: 16 },
];

const cli = (...args: string[]) => runCli(args);

function treeRoot(debian: string): string {
	const line = cli('tree', 'prepare', '--debian', debian).out.trim().split('\n').pop()!;
	return /^tree (\S+):/.exec(line)![1]!;
}

/** Runs checkpatch on files two at a time; returns everything it printed. */
async function checkpatch(tree: string, files: readonly string[]): Promise<string> {
	const queue = [...files];
	let printed = '';
	const worker = async () => {
		for (let f = queue.shift(); f; f = queue.shift()) {
			const r = await run('perl', [join(tree, 'scripts/checkpatch.pl'), '--no-tree', '--strict', '-f', '--terse', f], { maxBuffer: 1 << 24 }).catch(
				(e: { stdout: string }) => e,
			);
			printed += r.stdout;
		}
	};
	await Promise.all([worker(), worker()]);
	return printed;
}

describe('emitted selftests in real kernel trees', () => {
	const outputs: string[] = [];
	const roots = new Map<string, string>();

	beforeAll(() => {
		for (const t of TREES) roots.set(t.debian, treeRoot(t.debian));
		for (const { platform, kernel } of SUITES) {
			const out = tempDir(`fkt-${platform}-${kernel}-`);
			const r = cli('generate', '--platform', platform, '--kernel', kernel, '--out', out);
			expect(r.code, r.out).toBe(0);
			outputs.push(out);
		}
	}, TEN_MINUTES);

	test('tree prepare detects the layout and dialect of each tree, and is fast the second time', () => {
		const again = cli('tree', 'prepare', '--debian', '6.12');
		expect(again.code).toBe(0);
		expect(again.out.trim()).toBe(`tree ${roots.get('6.12')}: Linux 6.12.117, selftests in x86_64/, dialect selftests-6.10`);
		expect(cli('tree', 'prepare', '--debian', '6.1').out).toMatch(/^tree \S+: Linux 6\.1\.\d+, selftests in x86_64\/, dialect selftests-6\.0$/m);
	});

	test.each(TREES)(
		'every emitted file compiles with -Werror against linux-source-$debian',
		({ debian, dialect }) => {
			for (const out of outputs) {
				const r = cli('build', '--tree', `debian:${debian}`, '--out', out, '--werror');
				expect(r.code, `${out}: ${r.out}`).toBe(0);
				expect(r.out).toContain(`built 15 tests into ${out}/bin/${dialect}`);
				expect(r.out).toContain('0 warnings in emitted files');
				expect(readdirSync(join(out, 'bin', dialect))).toHaveLength(15);
			}
		},
		TEN_MINUTES,
	);

	test.each(TREES)(
		"linux-source-$debian's checkpatch.pl --strict reports 0 errors, 0 warnings and 0 checks on the emitted files of $checkpatchSuites suite(s)",
		async ({ debian, checkpatchSuites, uniqueFiles }) => {
			const unique = new Map<string, string>();
			for (const out of outputs.slice(0, checkpatchSuites)) {
				const dir = join(out, 'selftests', 'x86_64');
				for (const name of readdirSync(dir)) {
					const path = join(dir, name);
					unique.set(createHash('sha256').update(readFileSync(path)).digest('hex'), path);
				}
			}
			expect(unique.size).toBe(uniqueFiles);
			expect(await checkpatch(roots.get(debian)!, [...unique.values()])).toBe('');
		},
		TEN_MINUTES,
	);

	test('checkpatch does report problems (the check above can fail)', async () => {
		const bad = join(tempDir(), 'bad.c');
		writeFileSync(bad, '// SPDX-License-Identifier: GPL-2.0-only\nint main(void) {\n  return 0 ;\n}\n');
		expect(await checkpatch(roots.get('6.12')!, [bad])).toMatch(/ERROR: open brace '\{' following function definitions go on the next line/);
	});
});
