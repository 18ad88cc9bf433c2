// A suite of one family whose binary is test/fixtures/programs/fake_test.c built to misbehave in a
// chosen way while it runs case.b or after its last result: for the runner's tests on this machine and
// in a QEMU guest.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '../../src/compare/known-issues.js';
import type { CaseResult, RunReport } from '../../src/compare/result.js';
import { testName } from '../../src/emit/layout.js';
import type { Executor } from '../../src/run/executor.js';
import { runSuite, type SuiteRunRequest as RunRequest } from '../../src/run/run-suite.js';
import type { ExpectedCase, ExpectedDocument } from '../../src/emit/expected-schema.js';
import { REPO, tempDir } from '../helpers.js';

export const MODES = {
	hang: 1,
	segfault: 2,
	assert: 3,
	'mid-line': 4,
	flood: 5,
	garbage: 6,
	panic: 7,
	'assert-after': 8,
	'abort-after': 9,
	'reported-again': 10,
	'id-again': 11,
	escape: 12,
	'escape-hang': 13,
	'ignore-term': 14,
} as const;
export type Mode = keyof typeof MODES;

function expectedCase(id: string, family: string): ExpectedCase {
	return {
		id,
		family,
		title: 'fixture',
		origin: 'covering-array',
		requires: [],
		skip: null,
		steps: [{ index: 0, op: 'vm.create_vcpu', args: {}, expect: { ret: '0' }, rule: 'vcpu.create', summary: 's', citation: '§2.2' }],
	};
}

/** An output folder with the fake binary of `mode` in bin/<binDirName>; static for an initramfs. */
export function fixtureSuite(mode: Mode, options: { static?: boolean } = {}): { outDir: string; binDir: string; expected: ExpectedDocument } {
	const outDir = tempDir(`fkt-rel-${mode}-`);
	const family = `fix.${mode}`.replace(/-/g, '');
	const binDir = join(outDir, 'bin', options.static ? 'selftests-6.10-static' : 'selftests-6.10');
	mkdirSync(binDir, { recursive: true });
	const link = options.static ? ['-static'] : [];
	execFileSync('gcc', ['-O1', ...link, `-DMODE=${MODES[mode]}`, '-o', join(binDir, testName(family)), join(REPO, 'test/fixtures/programs/fake_test.c')]);
	const expected = {
		modelHash: 'sha256:' + '0'.repeat(64),
		cases: ['case.a', 'case.b', 'case.c'].map((id) => expectedCase(id, family)),
	} as unknown as ExpectedDocument;
	return { outDir, binDir, expected };
}

/** The fake binary of a fixture suite. */
export function fixtureBinary(suite: ReturnType<typeof fixtureSuite>): string {
	return join(suite.binDir, testName(suite.expected.cases[0]!.family));
}

/** Runs a fixture suite with an executor; the whole report. */
export function runFixtureReport(
	suite: ReturnType<typeof fixtureSuite>,
	executor: Executor,
	target: Target,
	extra: Partial<Pick<RunRequest, 'onCase' | 'abort' | 'overallTimeoutMs'>> = {},
): Promise<RunReport> {
	return runSuite({
		...suite,
		issues: [],
		scope: { platform: 'p', revision: 'v6.12', backend: target === 'native' ? 'vmx' : 'svm', target },
		overallTimeoutMs: 600_000,
		shard: null,
		families: null,
		cases: null,
		executor,
		elsewhere: null,
		onCase: () => {},
		onHeartbeat: () => {},
		...extra,
	});
}

/** Runs a fixture suite with an executor; the results by case id. */
export async function runFixtureSuite(
	suite: ReturnType<typeof fixtureSuite>,
	executor: Executor,
	target: Target,
	onCase: (r: CaseResult) => void = () => {},
): Promise<Record<string, CaseResult>> {
	const report = await runFixtureReport(suite, executor, target, { onCase });
	return Object.fromEntries(report.cases.map((c) => [c.id, c]));
}
