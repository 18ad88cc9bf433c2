// runCheck composes its stages in order and stops at the first that fails. Here that is the tree (a
// folder that is not a kernel tree): the probe and generate before it ran for real, build and run not.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCheck, type CheckRequest } from '../../src/check/check.js';
import { loadKnownIssues } from '../../src/run/run-command.js';
import { REPO, tempDir } from '../helpers.js';

describe.skipIf(!existsSync('/dev/kvm'))('check composes its stages (needs /dev/kvm)', () => {
	test('probe, then generate for the probed platform, then the tree: a bad tree stops it before build and run', async () => {
		const dir = tempDir('fkt-check-');
		const out = join(dir, 'out');
		const cache = join(dir, 'cache');
		const json = join(dir, 'report.json');
		const tree = join(REPO, 'test/fixtures/trees/not-a-tree');
		const lines: string[] = [];
		const request: CheckRequest = {
			suite: { platform: 'host', kernel: 'v6.12', seed: '1', strength: '1' },
			choices: { tree },
			cacheDir: cache,
			run: {
				outDir: out,
				issues: loadKnownIssues([]),
				caseTimeoutMs: 60_000,
				overallTimeoutMs: 600_000,
				jobs: 1,
				shard: null,
				families: null,
				cases: null,
				qemu: null,
				reports: { json },
				baseline: null,
				onCase: (r) => lines.push(`case ${r.id}`),
				onHeartbeat: () => {},
			},
		};
		await expect(runCheck(request, (line) => lines.push(line))).rejects.toThrow(`${tree} is not a kernel tree: it has no Makefile`);
		expect(lines.map((l) => l.split(/[ :]/)[0])).toEqual(['probe', 'platform', 'KVM', 'kernel', 'wrote', 'fpu-kvm-testgen', 'wrote', 'wrote', 'coverage']);
		expect(lines[4]).toBe(`wrote ${join(cache, 'probe.json')}`);
		expect(lines[5]).toBe('fpu-kvm-testgen 0.1.0: platform host, revision v6.12, seed 1, strength 1');
		// Generated; not built (no bin/), not run (no report).
		expect(
			readdirSync(out)
				.filter((name) => !name.startsWith('.'))
				.sort(),
		).toEqual(['expected.json', 'manifest.json', 'selftests']);
		expect(existsSync(json)).toBe(false);
	});
});
