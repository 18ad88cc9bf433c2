// The run job: read what generate and build left in the output folder and run it.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_KNOWN_ISSUES, checkKnownIssues, parseKnownIssues, type KnownIssue } from '../compare/known-issues.js';
import type { CaseResult, RunReport } from '../compare/result.js';
import { expectedDocumentSchema, type ExpectedDocument } from '../emit/expected-schema.js';
import { UsageError } from '../errors.js';
import { INPUT_LIMITS, MESSAGE_MAX, checkYamlNesting, printable, quoted, readInputFile, readJsonInput } from '../input-file.js';
import { DIALECTS, type Dialect } from '../tree/detect.js';
import { buildName, layout } from '../emit/layout.js';
import { localExecutor } from './local.js';
import type { QemuTarget } from './qemu/boot.js';
import { qemuExecutor } from './qemu/executor.js';
import { runSuite, type Shard } from './run-suite.js';

const SHIPPED_ISSUES = fileURLToPath(new URL('../../known-issues/', import.meta.url));

export interface RunOptions {
	readonly outDir: string;
	readonly dialect?: Dialect;
	readonly knownIssues: readonly string[];
	readonly caseTimeoutMs: number;
	readonly overallTimeoutMs: number;
	readonly jobs: number;
	readonly shard: Shard | null;
	readonly families: readonly string[] | null;
	readonly cases: readonly string[] | null;
	/** Run inside this kernel booted in QEMU instead of on the running kernel. */
	readonly qemu?: QemuTarget;
	readonly onCase: (r: CaseResult) => void;
	/** SIGINT/SIGTERM: running binaries are stopped, what finished is still reported. */
	readonly abort?: AbortSignal;
	readonly onHeartbeat: (binary: string, results: number, total: number, elapsedMs: number) => void;
}

export function readExpected(outDir: string): ExpectedDocument {
	const path = join(outDir, 'expected.json');
	const shown = printable(path);
	if (!existsSync(path)) throw new UsageError(`${shown} does not exist: run 'fpu-kvm-testgen generate --out ${printable(outDir)}' first`);
	const input = { what: 'expected results', label: shown, maxBytes: INPUT_LIMITS.expected, schema: expectedDocumentSchema, failsAs: 'fails its schema' };
	return readJsonInput(path, input);
}

/** The shipped known issues, then the user's files: at most MAX_KNOWN_ISSUES entries in all. */
export function loadKnownIssues(files: readonly string[]): KnownIssue[] {
	const shipped = existsSync(SHIPPED_ISSUES)
		? readdirSync(SHIPPED_ISSUES)
				.filter((n) => n.endsWith('.yaml'))
				.sort()
				.map((n) => join(SHIPPED_ISSUES, n))
		: [];
	const entries: { issue: KnownIssue; source: string }[] = [];
	for (const path of [...shipped, ...files]) {
		if (!existsSync(path)) throw new UsageError(`known-issues file ${printable(path)} does not exist`);
		const text = readInputFile(path, 'known-issues file', INPUT_LIMITS.knownIssues);
		checkYamlNesting(text, `known-issues file ${printable(path)}`);
		let issues: KnownIssue[];
		try {
			issues = parseKnownIssues(text, `known-issues file ${path}`);
		} catch (error) {
			// The parser's messages quote the file's path, keys and values.
			throw new UsageError(quoted((error as Error).message, MESSAGE_MAX));
		}
		entries.push(...issues.map((issue) => ({ issue, source: path })));
		// Counted per file, so a huge one is refused before the pairwise check below.
		if (entries.length > MAX_KNOWN_ISSUES)
			throw new UsageError(`known-issues file ${printable(path)} brings the known issues to ${entries.length}: at most ${MAX_KNOWN_ISSUES} in all`);
	}
	try {
		checkKnownIssues(entries);
	} catch (error) {
		throw new UsageError(quoted((error as Error).message, MESSAGE_MAX));
	}
	return entries.map((e) => e.issue);
}

export function parseShard(text: string): Shard {
	const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text);
	const index = Number(m?.[1]);
	const count = Number(m?.[2]);
	if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`bad --shard '${text}': expected i/n with 1 <= i <= n, e.g. 2/4`);
	return { index, count };
}

/** The folder of the binaries to run: of the one dialect built (statically linked for QEMU). */
function builtBinaries(outDir: string, chosen: Dialect | undefined, isStatic: boolean): string {
	const built = DIALECTS.filter((d) => existsSync(layout.binaries(outDir, buildName(d, isStatic))));
	const how = isStatic ? ' --static' : '';
	const dialect = chosen ?? (built.length === 1 ? built[0] : undefined);
	if (!built.length)
		throw new UsageError(`the suite in ${outDir} is not built${isStatic ? ' statically' : ''}: run 'fpu-kvm-testgen build${how} --tree DIR --out ${outDir}'`);
	if (!dialect) throw new UsageError(`${outDir} holds builds for ${built.join(' and ')}: choose one with --dialect`);
	return layout.binaries(outDir, buildName(dialect, isStatic));
}

export async function runOutputFolder(options: RunOptions): Promise<RunReport> {
	const outDir = resolve(options.outDir);
	const expected = readExpected(outDir);
	const issues = loadKnownIssues(options.knownIssues);
	return runSuite({
		outDir,
		binDir: builtBinaries(outDir, options.dialect, options.qemu !== undefined),
		expected,
		issues,
		scope: {
			platform: expected.platform.id,
			revision: expected.revision.id,
			backend: expected.platform.backend,
			target: options.qemu ? (`qemu-${options.qemu.accel}` as const) : 'native',
		},
		overallTimeoutMs: options.overallTimeoutMs,
		shard: options.shard,
		families: options.families,
		cases: options.cases,
		executor: options.qemu ? qemuExecutor(options.qemu) : localExecutor({ caseTimeoutMs: options.caseTimeoutMs, jobs: options.jobs }),
		onCase: options.onCase,
		onHeartbeat: options.onHeartbeat,
		...(options.abort ? { abort: options.abort } : {}),
	});
}
