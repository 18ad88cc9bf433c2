// Golden files: one small emitted file per dialect. A template change shows up here and must be
// reviewed; `npm run golden` rewrites them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { REPO, tempDir } from '../helpers.js';

const GOLDEN = ['selftests-6.10/x86_64/fkt_common.h', 'selftests-6.0/x86_64/fkt_common.h', 'selftests-6.10/x86_64/fkt_perm_get_test.c'];
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

	test('the dialects differ only where the dialect table says', () => {
		const a = readFileSync(join(REPO, 'test/fixtures/golden/selftests-6.10/x86_64/fkt_common.h'), 'utf8').split('\n');
		const b = readFileSync(join(REPO, 'test/fixtures/golden/selftests-6.0/x86_64/fkt_common.h'), 'utf8').split('\n');
		const onlyIn = (x: string[], y: string[]) => x.filter((l) => !y.includes(l));
		expect(onlyIn(b, a)).toEqual([
			' * 6.0-6.9 KVM selftests API. Every test file holds a table of cases; each case is',
			'#define _GNU_SOURCE',
			'\t\tvm_init_descriptor_tables(ctx->vm);',
			'\t\tvcpu_init_descriptor_tables(ctx->vcpu);',
			'\tuint32_t eax, edx;',
			'\t__asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));',
			'\treturn eax | (uint64_t)edx << 32;',
		]);
		expect(onlyIn(a, b)).toEqual([' * 6.10+ KVM selftests API. Every test file holds a table of cases; each case is', '\treturn xgetbv(0);']);
	});
});
