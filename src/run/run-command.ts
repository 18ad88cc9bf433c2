// The run of an output folder: the request of `run`, read what generate and build left there, run it.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_KNOWN_ISSUES, checkKnownIssues, parseKnownIssues, type KnownIssue } from '../compare/known-issues.js';
import type { BaselineRun } from '../compare/baseline.js';
import type { RunReport } from '../compare/result.js';
import { expectedDocumentSchema, type ExpectedDocument } from '../emit/expected-schema.js';
import { UsageError } from '../errors.js';
import { elsewhereReason, fingerprint, platformSchema, toPlatform, type Platform } from '../model/index.js';
import { INPUT_LIMITS, MESSAGE_MAX, checkYamlNesting, printable, quoted, readInputFile, readJsonInput } from '../input-file.js';
import { DIALECTS, type Dialect } from '../tree/detect.js';
import { buildName, layout } from '../emit/layout.js';
import { localExecutor } from './local.js';
import type { QemuTarget } from './qemu/boot.js';
import { qemuExecutor } from './qemu/executor.js';
import type { QemuOptions } from './qemu/target.js';
import { runSuite, type Shard, type SuiteRunRequest } from './run-suite.js';

const SHIPPED_ISSUES = fileURLToPath(new URL('../../known-issues/', import.meta.url));

/** Where to write the reports of a run, each when given. */
export interface ReportFiles {
	readonly json?: string;
	readonly junit?: string;
	readonly ktap?: string;
}

/** What `run` asks for (and `check`, for its last stage): every value parsed and checked. */
export interface RunRequest extends Pick<
	SuiteRunRequest,
	'outDir' | 'issues' | 'overallTimeoutMs' | 'shard' | 'families' | 'cases' | 'onCase' | 'onHeartbeat'
> {
	/** Which build to run: may be left out when the output folder holds one. */
	readonly dialect?: Dialect;
	readonly caseTimeoutMs: number;
	/** Binaries run in parallel on this machine (inside QEMU one after another). */
	readonly jobs: number;
	/** Boot this kernel in QEMU and run inside it; null runs on this machine's kernel. */
	readonly qemu: QemuOptions | null;
	readonly reports: ReportFiles;
	/** A previous run to compare this one with. */
	readonly baseline: BaselineRun | null;
	/** Where the probe binary and its report are kept. */
	readonly cacheDir: string;
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

/** Runs the built suite of the output folder: inside `target` when given (prepared from request.qemu). */
/**
 * Runs the output folder's suite on this machine or inside target. machine: the platform the suite
 * runs on, as probed (null when only the binaries can ask it, inside a QEMU guest of `run`).
 */
export async function runOutputFolder(request: RunRequest, target: QemuTarget | undefined, abort: AbortSignal, machine: Platform | null): Promise<RunReport> {
	const outDir = resolve(request.outDir);
	const expected = readExpected(outDir);
	const builtFor = toPlatform(platformSchema.parse(expected.platform.profile));
	return runSuite({
		elsewhere: machine ? elsewhereReason(expected.platform.id, fingerprint(builtFor), fingerprint(machine)) : null,
		outDir,
		binDir: builtBinaries(outDir, request.dialect, target !== undefined),
		expected,
		issues: request.issues,
		scope: {
			platform: expected.platform.id,
			revision: expected.revision.id,
			backend: expected.platform.backend,
			target: target ? (`qemu-${target.accel}` as const) : 'native',
		},
		overallTimeoutMs: request.overallTimeoutMs,
		shard: request.shard,
		families: request.families,
		cases: request.cases,
		executor: target ? qemuExecutor(target) : localExecutor({ caseTimeoutMs: request.caseTimeoutMs, jobs: request.jobs }),
		onCase: request.onCase,
		onHeartbeat: request.onHeartbeat,
		abort,
	});
}
