// The real kernel build: Debian's linux-source-6.12 (a pristine unpack) with the shipped fragment,
// about 7 minutes on 2 cores; into the default cache, so later runs and the QEMU runner reuse it.
// Then the built kernel is booted under TCG -cpu max and the suite for tcg-max and v6.12 runs inside.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { SHIPPED_FRAGMENT, buildKernel, debianKernelSource } from '../../src/build/kernel.js';
import { runReportSchema } from '../../src/report/json.js';
import { defaultCacheDir } from '../../src/tree/prepare.js';
import { runCli, tempDir } from '../helpers.js';

const enabled = process.env.FKT_KERNEL_BUILD === '1';
const TWO_HOURS = 2 * 60 * 60_000;

describe('kernel build from debian:6.12', () => {
	test.skipIf(!enabled)(
		'builds a KVM host bzImage with every fragment option kept, reuses it, and runs the tcg-max suite in it (opt in: FKT_KERNEL_BUILD=1, ~7 min)',
		async () => {
			const cacheDir = defaultCacheDir();
			const progress = (line: string) => console.log(line);
			const tree = await debianKernelSource('6.12', cacheDir, progress);
			const request = { tree, fragment: SHIPPED_FRAGMENT, cacheDir, jobs: availableParallelism(), rebuild: false, progress };

			const first = await buildKernel(request);
			expect(existsSync(first.image)).toBe(true);
			expect(statSync(first.image).size).toBeGreaterThan(1 << 20);
			expect(first.release).toMatch(/^6\.12\./);
			expect(first.droppedOptions).toEqual([]);

			const again = await buildKernel(request);
			expect(again).toMatchObject({ cached: true, image: first.image, release: first.release, droppedOptions: [] });

			// The kernel the tool built runs the whole suite for tcg-max: every case agrees with the model
			// or is a listed deviation of TCG.
			const dir = tempDir('fkt-kernel-run-');
			const json = join(dir, 'report.json');
			const run = runCli(
				['check', '--kernel-image', first.image, '--accel', 'tcg', '--platform', 'tcg-max', '--kernel', 'v6.12', '--out', join(dir, 'out'), '--json', json],
				{ timeoutMs: TWO_HOURS },
			);
			expect(run.code, run.out.split('\n').slice(-8).join('\n')).toBe(0);
			const report = runReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
			expect([report.platform, report.revision, report.target, report.cases.length]).toEqual(['tcg-max', 'v6.12', 'qemu-tcg', 953]);
			expect(report.summary).toEqual({ PASS: 610, FAIL: 0, SKIP: 323, XFAIL: 20, XPASS: 0, TIMEOUT: 0, CRASH: 0, ERROR: 0 });
		},
		TWO_HOURS,
	);
});
