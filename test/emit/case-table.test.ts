// The C case tables: exact initializers for a known case, and every emitted line within 100 columns.
import { describe, expect, test } from 'vitest';
import { revision } from '../../src/model/index.js';
import { buildSuite } from '../../src/enumerate/suite.js';
import { expectedCase, expectedDocument } from '../../src/emit/expected.js';
import { caseEntry, stepInitializers } from '../../src/emit/c/case-table.js';
import { renderSelftests } from '../../src/emit/c/render.js';
import { shippedPlatform } from '../helpers.js';

const spr = shippedPlatform('spr');
const rev = revision('v6.12');
const suite = buildSuite({ platform: spr, rev, seed: 1, strength: 3 });
const find = (id: string) =>
	expectedCase(
		suite.cases.find((c) => c.id === id)!,
		spr,
		rev,
	);

describe('case tables', () => {
	test('a guest case: library vCPU, CPUID variant, XSETBV operands and expectations, one line per step where it fits', () => {
		expect(stepInitializers(find('xcr0.guest-xsetbv.avx-without-sse'))).toEqual([
			'\t{ .op = FKT_CREATE_VCPU, .flags = FKT_LIBRARY_VCPU, .expect = { "ret=0" } },',
			'\t{ .op = FKT_SET_CPUID2, .cpuid = FKT_CPUID_SUPPORTED,',
			'\t  .expect = { "ret=0", "leafd.xcr0=0x2e7" } },',
			'\t{ .op = FKT_GUEST_SET_CR4_OSXSAVE, .flags = FKT_ENABLE, .expect = { "vector=none" } },',
			'\t{ .op = FKT_GUEST_XSETBV, .xcr = 0, .value = 0x5, .expect = { "vector=GP" } },',
			'\t{ .op = FKT_GET_XCRS, .expect = { "ret=0", "nr_xcrs=1", "xcr0=0x1" } },',
		]);
		expect(caseEntry(find('xcr0.guest-xsetbv.avx-without-sse'), 3)).toEqual([
			'\t{ "xcr0.guest-xsetbv.avx-without-sse",',
			'\t  FKT_NEEDS_GUEST, NULL, fkt_steps_3, ARRAY_SIZE(fkt_steps_3) },',
		]);
	});

	test('a host-only case uses a bare vCPU; saved values and 64-bit literals are spelled out', () => {
		const lines = stepInitializers(find('xcr0.set-xcrs.bit63'));
		expect(lines[0]).toBe('\t{ .op = FKT_CREATE_VCPU, .expect = { "ret=0" } },');
		expect(lines).toContain('\t{ .op = FKT_SET_XCRS, .xcr = 0, .nr_xcrs = 1, .value = 0x8000000000000001ull,');
		const restore = stepInitializers(find('save-restore.cpuid-msrs-xcrs-xsave'));
		expect(restore).toContain('\t{ .op = FKT_SET_XSAVE, .flags = FKT_FROM_SAVED, .expect = { "ret=0" } },');
		expect(restore).toContain('\t{ .op = FKT_GET_XSAVE2, .flags = FKT_SAVE,');
	});

	test('every emitted line fits in 100 columns (tabs at 8)', () => {
		const doc = expectedDocument({ platform: spr, rev, seed: 1, strength: 3, modelHash: 'sha256:' + '0'.repeat(64) }, suite);
		for (const [path, text] of renderSelftests(doc)) {
			for (const line of text.split('\n')) {
				let cols = 0;
				for (const ch of line) cols = ch === '\t' ? cols + 8 - (cols % 8) : cols + 1;
				expect(cols, `${path}: ${line}`).toBeLessThanOrEqual(100);
			}
		}
	});
});
