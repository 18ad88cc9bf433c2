// Golden files: the dialect-neutral header and one small test file. A template change shows up here
// and must be reviewed; `npm run golden` rewrites them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { REPO, tempDir } from '../helpers.js';

const GOLDEN = ['x86_64/fkt_common.h', 'x86_64/fkt_perm_get_test.c'];
const normalise = (text: string) => text.replace(/sha256:[0-9a-f]+/g, 'sha256:<model>');

describe('golden emitted files (spr, v6.12, seed 1)', () => {
	const out = tempDir();
	beforeAll(() => {
		const r = spawnSync(process.execPath, [join(REPO, 'bin/fpu-kvm-testgen.js'), 'generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out], {
			encoding: 'utf8',
		});
		expect(r.status, r.stdout + r.stderr).toBe(0);
	});

	test.each(GOLDEN)('%s is unchanged (run `npm run golden` after reviewing a template change)', (path) => {
		const emitted = normalise(readFileSync(join(out, 'selftests', path), 'utf8'));
		expect(emitted).toBe(readFileSync(join(REPO, 'test/fixtures/golden', path), 'utf8'));
	});

	// That each tree takes its side is shown by compiling in both (test/build/trees.integration.test.ts):
	// 6.12 has no vm_init_descriptor_tables() for x86 tests to call, 6.1 no xgetbv().
	test('the dialects differ only in two #if __has_include("kvm_util_base.h") blocks of fkt_common.h', () => {
		const header = readFileSync(join(REPO, 'test/fixtures/golden/x86_64/fkt_common.h'), 'utf8');
		const conditionals = header.split('\n').filter((l) => /^#\s*(if|elif|else)/.test(l));
		expect(conditionals).toEqual([
			'#ifndef FKT_COMMON_H',
			'#ifndef _GNU_SOURCE',
			'#ifndef ARCH_GET_XCOMP_SUPP',
			'#ifndef ARCH_GET_XCOMP_PERM',
			'#ifndef ARCH_REQ_XCOMP_PERM',
			'#ifndef ARCH_GET_XCOMP_GUEST_PERM',
			'#ifndef ARCH_REQ_XCOMP_GUEST_PERM',
			'#ifndef XFEATURE_MASK_XTILE',
			'#if __has_include("kvm_util_base.h")',
			'#else',
			'#if __has_include("kvm_util_base.h")',
			'#ifndef KVM_X86_GRP_SYSTEM',
		]);
		const blocks = [...header.matchAll(/^#if __has_include\("kvm_util_base\.h"\)\n([\s\S]*?)(?:^#else\n([\s\S]*?))?^#endif$/gm)];
		const code = (text: string | undefined) => (text ?? '').split('\n').filter((l) => l.trim() && !/^\s*\/?\*/.test(l));
		const defined = (text: string | undefined) => code(text).flatMap((l) => /^(?:static .*?|#define )\b(fkt_\w+)\(/.exec(l)?.[1] ?? []);
		// 6.0-6.9: our own xgetbv, xsetbv_safe and result line; 6.10+: the library's, under the same names.
		expect(blocks.map((b) => [defined(b[1]), defined(b[2])])).toEqual([
			[
				['fkt_xgetbv', 'fkt_xsetbv_safe', 'fkt_test_result'],
				['fkt_xgetbv', 'fkt_xsetbv_safe', 'fkt_test_result'],
			],
			[[], []],
		]);
		expect(code(blocks[0]![2])).toEqual([
			'#define fkt_xgetbv(index)\t\txgetbv(index)',
			'#define fkt_xsetbv_safe(index, value)\txsetbv_safe(index, value)',
			'static void fkt_test_result(int code, const char *name, const char *reason)',
			'{',
			'\tksft_test_result_code(code, name, reason ? "%s" : NULL, reason);',
			'}',
		]);
		// 6.10+ sets the descriptor tables up with the VM.
		expect(code(blocks[1]![1])).toEqual(['\t\tvm_init_descriptor_tables(ctx->vm);', '\t\tvcpu_init_descriptor_tables(ctx->vcpu);']);
		expect(blocks[1]![2]).toBeUndefined();
	});
});
