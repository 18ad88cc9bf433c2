// The real kernel build: Debian's linux-source-6.12 (a pristine unpack) with the shipped fragment,
// about 7 minutes on 2 cores; into the default cache, so later runs and the QEMU runner reuse it.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { SHIPPED_FRAGMENT, buildKernel, debianKernelSource } from '../../src/build/kernel.js';
import { defaultCacheDir } from '../../src/tree/prepare.js';

const enabled = process.env.FKT_KERNEL_BUILD === '1';
const TWO_HOURS = 2 * 60 * 60_000;

describe('kernel build from debian:6.12', () => {
	test.skipIf(!enabled)('builds a KVM host bzImage with every fragment option kept, then reuses it (opt in: FKT_KERNEL_BUILD=1, ~7 min)', async () => {
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
	}, TWO_HOURS);
});
