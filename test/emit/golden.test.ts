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
	test('the dialects differ only in the FKT_SELFTESTS_5_16 and __has_include("kvm_util_base.h") blocks of fkt_common.h', () => {
		const header = readFileSync(join(REPO, 'test/fixtures/golden/x86_64/fkt_common.h'), 'utf8');
		const lines = header.split('\n');
		const conditionals = lines.filter((l) => /^#\s*(if|elif|else)/.test(l));
		expect(conditionals).toEqual([
			'#ifndef FKT_COMMON_H',
			'#ifndef _GNU_SOURCE',
			'#if !defined(TEST_REQUIRE) && !__has_include("ucall_common.h")',
			'#ifndef ARCH_GET_XCOMP_SUPP',
			'#ifndef ARCH_GET_XCOMP_PERM',
			'#ifndef ARCH_REQ_XCOMP_PERM',
			'#ifndef ARCH_GET_XCOMP_GUEST_PERM',
			'#ifndef ARCH_REQ_XCOMP_GUEST_PERM',
			'#ifndef KVM_CAP_XSAVE2',
			'#ifndef KVM_GET_XSAVE2',
			'#ifndef KVM_X86_XCOMP_GUEST_SUPP',
			'#ifndef XFEATURE_MASK_XTILE',
			'#if defined(FKT_SELFTESTS_5_16) || __has_include("kvm_util_base.h")',
			'#else',
			'#ifdef FKT_SELFTESTS_5_16',
			'#else',
			'#if __has_include("kvm_util_base.h")',
			'#else',
			'#ifndef FKT_SELFTESTS_5_16',
			'#ifdef FKT_SELFTESTS_5_16',
			'#else',
			'#if __has_include("kvm_util_base.h")',
			'#ifndef KVM_X86_GRP_SYSTEM',
		]);
		/** The two branches of the top-level conditional that starts with `opening`, nested ones inside. */
		const branches = (opening: string, nth = 0): [string[], string[]] => {
			let start = -1;
			for (let k = 0, seen = 0; k < lines.length; k++) if (lines[k] === opening && seen++ === nth) start = k;
			const parts: [string[], string[]] = [[], []];
			let depth = 0;
			let part = 0;
			for (let k = start + 1; k < lines.length; k++) {
				const l = lines[k]!;
				if (/^#\s*if/.test(l)) depth++;
				else if (/^#\s*endif/.test(l) && depth-- === 0) return parts;
				else if (/^#\s*else/.test(l) && depth === 0) {
					part = 1;
					continue;
				}
				parts[part].push(l);
			}
			throw new Error(`no #endif for ${opening}`);
		};
		const defined = (text: string[]) => [...new Set(text.flatMap((l) => /^(?:static .*?|#define\s+)\b(fkt_\w+)\(/.exec(l)?.[1] ?? []))].sort();
		// 5.16 and 6.0-6.9: our own xgetbv and result line; 6.10+: the library's, under the same names.
		const [own, library] = branches('#if defined(FKT_SELFTESTS_5_16) || __has_include("kvm_util_base.h")');
		expect(defined(own)).toEqual(['fkt_test_result', 'fkt_xgetbv']);
		expect(defined(library)).toEqual(['fkt_test_result', 'fkt_xgetbv']);
		expect(library.filter((l) => l.trim() && !/^\s*\/?\*/.test(l))).toEqual([
			'#define fkt_xgetbv(index)\t\txgetbv(index)',
			'static void fkt_test_result(int code, const char *name, const char *reason)',
			'{',
			'\tksft_test_result_code(code, name, reason ? "%s" : NULL, reason);',
			'}',
		]);
		// Every helper the v5.16 branch writes itself, the 6.x branch maps to the library.
		const [v516, v6] = branches('#ifdef FKT_SELFTESTS_5_16');
		const internal = ['fkt_guest_fault', 'fkt_regs_have'];
		expect(defined(v516).filter((n) => !internal.includes(n))).toEqual(defined(v6));
		const [vcpu516, vcpu6] = branches('#ifdef FKT_SELFTESTS_5_16', 1);
		expect(defined(vcpu516)).toEqual(defined(vcpu6));
		// 6.10+ sets the descriptor tables up with the VM; 6.0-6.9 and v5.16 need them called.
		expect(vcpu6.filter((l) => /descriptor_tables/.test(l))).toEqual(['\tvm_init_descriptor_tables(ctx->vm);', '\tvcpu_init_descriptor_tables(ctx->vcpu);']);
	});
});
