// Integration with a v5.16 tree (the tglx x86/fpu-kvm branch, or 5.16.y with its seed patches), when one
// is named by FKT_TREE_516: the emitted files compile with -Werror against that tree's own selftests
// library, and the tree is left as it was (its headers go into the cache).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

const TREE = process.env.FKT_TREE_516;
const TEN_MINUTES = 600_000;

/** What git reports as changed or untracked in the tree, ignored files included; '' outside git. */
function treeChanges(root: string): string {
	if (!existsSync(join(root, '.git'))) return '';
	return execFileSync('git', ['-C', root, 'status', '--porcelain', '--ignored'], { encoding: 'utf8' });
}

describe.skipIf(!TREE)('emitted selftests in a v5.16 tree (FKT_TREE_516)', () => {
	test(
		'the fpu-kvm-v1 suite compiles with -Werror against the tree, which stays clean',
		() => {
			const root = TREE!;
			const before = treeChanges(root);
			const cache = tempDir('fkt-cache-');
			const out = tempDir('fkt-516-');
			expect(runCli(['generate', '--platform', 'spr', '--kernel', 'fpu-kvm-v1', '--out', out]).code).toBe(0);
			const prepared = runCli(['tree', 'prepare', '--path', root, '--cache', cache]);
			expect(prepared.code, prepared.out).toBe(0);
			expect(prepared.out.trim().split('\n').pop()).toMatch(/^tree \S+: Linux 5\.16\.\d+, selftests in x86_64\/, dialect selftests-5\.16$/);
			const built = runCli(['build', '--tree', root, '--out', out, '--werror', '-j1', '--cache', cache]);
			expect(built.code, built.out).toBe(0);
			expect(built.out).toContain(`built 15 tests into ${out}/bin/selftests-5.16`);
			expect(built.out).toContain('0 warnings in emitted files');
			expect(readdirSync(join(out, 'bin/selftests-5.16'))).toHaveLength(15);
			expect(treeChanges(root)).toBe(before);
		},
		TEN_MINUTES,
	);
});
