// Command-line wiring only: parse, call the stage, print through report/console.
import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import { join, resolve } from 'node:path';
import { assertBuildInputsMakeSafe, buildSelftests } from '../build/build.js';
import { runCheck, type CheckRequest } from '../check/check.js';
import { runTests } from '../check/run-job.js';
import { assertMakeSafeFlag, assertMakeSafePath } from '../command.js';
import { parseCasePattern } from '../compare/known-issues.js';
import { GENERATOR, expectedCase } from '../emit/expected.js';
import { expectedJsonSchema } from '../emit/expected-schema.js';
import { generateRequest, probedPlatform, type SuiteSpec } from '../emit/generate-request.js';
import { generate, toJson, writeGenerated } from '../emit/generate.js';
import { assertNoLinksInside, assertOutputFolderUsable, assertWritableFile, holdOutputFolder, writeOutputFile } from '../emit/write-output.js';
import { explainCase } from '../enumerate/explain.js';
import { FAMILIES } from '../enumerate/families/index.js';
import { buildSuite } from '../enumerate/suite.js';
import { InfrastructureError, UsageError } from '../errors.js';
import { printable } from '../input-file.js';
import { REVISION_ORDER, allBehaviours, revision, revisionChanges, revisionForProbe } from '../model/index.js';
import {
	printBuildSummary,
	printCaseList,
	printCaseResult,
	printError,
	printExplain,
	printGenerateSummary,
	printHeartbeat,
	printProbe,
	printRevisions,
	printTree,
	type Print,
} from '../report/console.js';
import { readBaseline } from '../report/json.js';
import { runProbe } from '../run/probe.js';
import { ACCELS, parseAccel } from '../run/qemu/accel.js';
import type { QemuOptions } from '../run/qemu/target.js';
import { loadKnownIssues, parseShard, type RunRequest } from '../run/run-command.js';
import { DIALECTS } from '../tree/detect.js';
import { DEBIAN_SOURCES, defaultCacheDir } from '../tree/prepare.js';
import { checkTreeSpec, prepareTree, resolveTree } from '../tree/resolve.js';
import { writableFolder } from './folders.js';
import { parseDialect, parseJobs, parsePositive, parseSeconds } from './inputs.js';
import { addKernelCommand } from './kernel-command.js';

/** The options of `run` and `check` as commander gives them: strings, checked into a RunRequest. */
interface RunFlags {
	out: string;
	knownIssues: string[];
	caseTimeout: string;
	timeout: string;
	jobs: string;
	shard?: string;
	family?: string[];
	case?: string[];
	json?: string;
	junit?: string;
	ktap?: string;
	baseline?: string;
	cache: string;
	kernelImage?: string;
	accel: string;
	cpu?: string;
	qemu?: string;
	memory: string;
	smp: string;
}

/** `check`'s options on top of those it shares with `run`. */
interface CheckFlags extends RunFlags {
	platform?: string;
	kernel?: string;
	tree?: string;
	cflags?: string;
	seed: string;
	strength: string;
}

function addSuiteOptions(cmd: Command, required: boolean): Command {
	const platform = '--platform <name>';
	const kernel = '--kernel <revision>';
	const platformHelp = 'platform profile: spr, zen1-avx, tcg-max, host (probed), or a profile file';
	const kernelHelp = `kernel revision of the model: ${REVISION_ORDER.join(', ')}, or host (from the probe report)`;
	if (required) cmd.requiredOption(platform, platformHelp).requiredOption(kernel, kernelHelp);
	else cmd.option(platform, platformHelp, 'spr').option(kernel, kernelHelp, 'v6.12');
	return cmd
		.option('--seed <n>', 'seed for tie-breaking in the covering arrays', '1')
		.option('--strength <t>', 'strength of the core covering array (other families use min(t, 2))', '3')
		.option('--probe <file>', 'probe report for --platform host');
}

/** Commands whose --out is an output folder (for probe and schema it is a file). */
const OUT_FOLDER_COMMANDS = new Set(['generate', 'build', 'run', 'check']);

/** What run and check share, checked in this order: the first bad option is the one reported. */
function sharedRunRequest(o: RunFlags, print: Print): Omit<RunRequest, 'dialect' | 'qemu'> {
	const reportFile = (path: string | undefined, option: string) => {
		if (path === undefined) return undefined;
		const absolute = resolve(path);
		assertWritableFile(absolute, option);
		return absolute;
	};
	if (o.family) {
		const known = new Set(FAMILIES.map((f) => f.id).concat('sequence', 'regression'));
		const unknown = o.family.find((f) => !known.has(f));
		if (unknown) throw new UsageError(`unknown --family '${printable(unknown)}' (known: ${[...known].join(', ')})`);
	}
	const issues = loadKnownIssues(o.knownIssues);
	o.case?.forEach(parseCasePattern);
	const baseline = o.baseline === undefined ? null : readBaseline(o.baseline);
	return {
		outDir: o.out,
		issues,
		baseline,
		caseTimeoutMs: parseSeconds(o.caseTimeout, '--case-timeout') * 1000,
		overallTimeoutMs: parseSeconds(o.timeout, '--timeout') * 1000,
		jobs: parseJobs(o.jobs),
		shard: o.shard ? parseShard(o.shard) : null,
		families: o.family ?? null,
		cases: o.case ?? null,
		reports: { json: reportFile(o.json, '--json'), junit: reportFile(o.junit, '--junit'), ktap: reportFile(o.ktap, '--ktap') },
		cacheDir: o.cache,
		onCase: (r) => printCaseResult(print, r),
		onHeartbeat: (binary, results, total, elapsed) => printHeartbeat(print, binary, results, total, elapsed),
	};
}

/** The QEMU options of --kernel-image, or null to run on this machine's kernel. */
function qemuOptions(o: RunFlags): QemuOptions | null {
	if (!o.kernelImage) {
		const stray = [o.accel !== 'auto' && '--accel', o.cpu && '--cpu', o.qemu && '--qemu'].filter(Boolean);
		if (stray.length) throw new UsageError(`${stray.join(', ')} only apply with --kernel-image`);
		return null;
	}
	return {
		kernelImage: o.kernelImage,
		accel: parseAccel(o.accel),
		...(o.cpu ? { cpu: o.cpu } : {}),
		...(o.qemu ? { qemu: o.qemu } : {}),
		memoryMiB: parsePositive(o.memory, '--memory'),
		smp: parsePositive(o.smp, '--smp'),
		cacheDir: o.cache,
	};
}

function runRequest(o: RunFlags & { dialect?: string }, print: Print): RunRequest {
	const shared = sharedRunRequest(o, print);
	const dialect = o.dialect ? parseDialect(o.dialect) : undefined;
	assertNoLinksInside(o.out);
	return { ...shared, ...(dialect ? { dialect } : {}), qemu: qemuOptions(o) };
}

function checkRequest(o: CheckFlags, print: Print): CheckRequest {
	// Every option is checked before the probe, so a bad one costs nothing; the suite's (--platform,
	// --kernel, --seed, --strength) are read with the probe report, once it is written.
	const shared = sharedRunRequest(o, print);
	if (o.tree) checkTreeSpec(o.tree);
	for (const flag of (o.cflags ?? '').split(/\s+/).filter(Boolean)) assertMakeSafeFlag(flag, '--cflags flag', (m) => new UsageError(m));
	assertMakeSafePath(o.out, 'the output folder', (m) => new UsageError(m));
	assertMakeSafePath(o.cache, 'the cache folder', (m) => new UsageError(m));
	const qemu = qemuOptions(o);
	return {
		suite: { platform: o.platform ?? 'host', kernel: o.kernel ?? 'host', seed: o.seed, strength: o.strength },
		choices: { ...(o.tree ? { tree: o.tree } : {}), ...(o.cflags !== undefined ? { cflags: o.cflags } : {}) },
		cacheDir: o.cache,
		run: { ...shared, qemu },
	};
}

/** outcome.exitCode: set by commands whose result is more than done/not done (run: 1 = unexpected results). */
export function program(print: Print, outcome: { exitCode: number }, printErr: Print = print): Command {
	const cli = new Command('fpu-kvm-testgen')
		.description('Model, enumerate and test the guest-AMX FPU contract between x86/fpu and KVM')
		.version(GENERATOR.version)
		.configureOutput({ writeOut: (s) => print(s.trimEnd()), writeErr: (s) => printErr(s.trimEnd()) })
		.exitOverride()
		// Folders are checked before any command starts work in them.
		.hook('preAction', (_cli, command) => {
			const o = command.opts() as { cache?: string; out?: string };
			if (o.cache !== undefined) o.cache = writableFolder(o.cache, 'the cache folder');
			if (o.out === undefined || !OUT_FOLDER_COMMANDS.has(command.name())) return;
			o.out = writableFolder(o.out, 'the output folder');
			// One run per output folder, from the start: a second one is refused before it does anything.
			const writesNew = command.name() === 'generate' || command.name() === 'check';
			if (writesNew) assertOutputFolderUsable(o.out);
			if (writesNew || existsSync(o.out)) holdOutputFolder(o.out);
		});

	addSuiteOptions(cli.command('generate').description('write expected.json and manifest.json for a platform and revision'), true)
		.option('--out <dir>', 'output folder', 'out')
		.action((o: SuiteSpec & { out: string }) => {
			const request = generateRequest(o);
			const generated = generate(request);
			writeGenerated(resolve(o.out), generated);
			printGenerateSummary(print, generated.manifest, o.out);
		});

	addSuiteOptions(cli.command('list').description('list the case ids of a suite'), false)
		.option('--family <family>', 'only this family (e.g. core, xcr0.guest-xsetbv, regression)')
		.action((o: SuiteSpec & { family?: string }) => {
			const request = generateRequest(o);
			const suite = buildSuite(request);
			const families = [...new Set(suite.cases.map((c) => c.family))];
			if (o.family && !families.includes(o.family)) throw new UsageError(`unknown family '${o.family}' (known: ${families.join(', ')})`);
			const cases = suite.cases.filter((c) => !o.family || c.family === o.family);
			printCaseList(
				print,
				cases.map((c) => expectedCase(c, request.platform, request.rev)),
			);
		});

	addSuiteOptions(
		cli.command('explain').argument('<case-id>').description("show a case's steps, the outcome under every revision and the deciding rules"),
		false,
	).action((id: string, o: SuiteSpec) => {
		const request = generateRequest(o);
		const found = buildSuite(request).cases.find((c) => c.id === id);
		if (!found) throw new UsageError(`no case '${id}' for platform ${o.platform}, seed ${o.seed}, strength ${o.strength} (see 'fpu-kvm-testgen list')`);
		printExplain(print, { id, title: found.title, platform: request.platform.id, builtFor: request.rev.id }, explainCase(found, request.platform));
	});

	const tree = cli.command('tree').description('kernel trees to build the emitted selftests against');
	tree
		.command('prepare')
		.description("install/unpack Debian's linux-source (--debian 6.12|6.1) or check a tree (--path DIR); run make headers")
		.option('--debian <version>', `Debian linux-source version: ${DEBIAN_SOURCES.join(', ')}`)
		.option('--path <dir>', 'a kernel tree of your own (e.g. a tglx x86/fpu-kvm checkout)')
		.option('--cache <dir>', 'cache folder for unpacked trees and build output', defaultCacheDir())
		.action(async (o: { debian?: string; path?: string; cache: string }) => {
			const info = await prepareTree(o, print);
			printTree(print, info);
		});

	cli
		.command('build')
		.description('build the emitted selftests of an output folder against a kernel tree')
		.requiredOption('--tree <dir>', 'kernel tree (a path, or debian:6.12 / debian:6.1 for the prepared Debian trees)')
		.option('--out <dir>', 'output folder written by generate', 'out')
		.option('--cflags <flags>', 'extra compiler flags (EXTRA_CFLAGS), e.g. -mgeneral-regs-only', '')
		.option('--werror', 'add -Werror when compiling the emitted tests')
		.option('--static', 'link statically (for running inside a booted kernel with --kernel-image)')
		.option('--dialect <dialect>', `selftests API dialect, instead of the one detected in the tree: ${DIALECTS.join(', ')}`)
		.option('-j, --jobs <n>', 'parallel compiler jobs', String(availableParallelism()))
		.option('--cache <dir>', 'cache folder for unpacked trees and build output', defaultCacheDir())
		.action(async (o: { tree: string; out: string; cflags: string; werror?: boolean; static?: boolean; dialect?: string; jobs: string; cache: string }) => {
			checkTreeSpec(o.tree);
			const cflags = o.cflags.split(/\s+/).filter(Boolean);
			assertBuildInputsMakeSafe({ treeRoot: '/', outDir: o.out, cacheDir: o.cache, cflags });
			const jobs = parseJobs(o.jobs);
			const dialectOption = o.dialect ? parseDialect(o.dialect) : undefined;
			assertNoLinksInside(o.out);
			const detected = await resolveTree(o.tree, o.cache, print);
			const info = dialectOption ? { ...detected, dialect: dialectOption } : detected;
			const result = await buildSelftests({
				tree: info,
				outDir: o.out,
				cacheDir: o.cache,
				cflags,
				werror: o.werror === true,
				static: o.static === true,
				jobs,
				progress: print,
			});
			printBuildSummary(print, result, o.out);
		});

	const addRunOptions = (cmd: Command) =>
		cmd
			.option('--out <dir>', 'output folder written by generate and build', 'out')
			.option('--known-issues <file...>', 'known-issues YAML files, added to the shipped ones', [])
			.option('--case-timeout <seconds>', 'stop a binary that prints no result for this long', '60')
			.option('--timeout <seconds>', 'overall timeout', '3600')
			.option('-j, --jobs <n>', 'test binaries run in parallel (on this machine; inside QEMU one after another)', '1')
			.option('--shard <i/n>', 'run only the i-th of n shares of the cases (CI matrices)')
			.option('--family <family...>', 'run only these case families (see list), e.g. perm.get kvm.query')
			.option('--case <pattern...>', "run only the cases matching these ids, * for any run of characters, e.g. 'xcr0.*bit63*'")
			.option('--json <file>', 'write the run report as JSON')
			.option('--junit <file>', 'write JUnit XML')
			.option('--ktap <file>', 'write a KTAP summary')
			.option('--baseline <file>', 'a previous --json report: print new failures, fixes, new and missing cases')
			.option('--kernel-image <bzImage>', "boot this kernel in QEMU and run inside it (a bzImage, or debian:6.1 for Debian's prebuilt kernel)")
			.option('--accel <accel>', `QEMU accelerator with --kernel-image: ${ACCELS.join(', ')} (auto: kvm where this machine's KVM runs guests natively)`, 'auto')
			.option('--cpu <model>', 'QEMU CPU model with --kernel-image (default: host with kvm, max with tcg)')
			.option('--qemu <path>', 'QEMU binary (default: qemu-system-x86_64, installed from Debian when missing)')
			.option('--memory <MiB>', 'guest memory with --kernel-image', '4096')
			.option('--smp <n>', 'guest CPUs with --kernel-image', '2')
			.option('--cache <dir>', 'cache folder (trees, builds, kernel images, probe)', defaultCacheDir());

	addRunOptions(cli.command('run').description('run a generated and built suite against the running kernel and compare every step with the model'))
		.option('--dialect <dialect>', `which build to run when there are several: ${DIALECTS.join(', ')}`)
		.action(async (o: RunFlags & { dialect?: string }) => {
			outcome.exitCode = await runTests(runRequest(o, print), print);
		});

	addRunOptions(
		cli
			.command('check')
			.description('probe, generate, build and run for this machine and its running kernel (or a kernel booted with --kernel-image), in one command'),
	)
		.option('--platform <name>', 'platform profile instead of the probed one (e.g. tcg-max)')
		.option('--kernel <revision>', 'model revision instead of the one the probe maps the kernel to')
		.option('--tree <dir>', "kernel tree for the selftests library (default: Debian's 6.12 source, or 6.1 for a kernel before 6.8)")
		.option('--cflags <flags>', 'extra compiler flags (default: -mgeneral-regs-only where KVM emulates guest code)')
		.option('--seed <n>', 'seed for tie-breaking in the covering arrays', '1')
		.option('--strength <t>', 'strength of the core covering array', '3')
		.action(async (o: CheckFlags) => {
			outcome.exitCode = await runCheck(checkRequest(o, print), print);
		});

	addKernelCommand(cli, print);

	cli
		.command('probe')
		.description('report this machine (CPU XSAVE features, KVM, kernel) and the platform and revision it maps to')
		.option('--out <file>', 'where to keep the report (read by --platform host) (default: probe.json in --cache)')
		.option('--cache <dir>', 'cache folder for the probe binary', defaultCacheDir())
		.action(async (o: { out?: string; cache: string }) => {
			// A cache of the user's own keeps the report too: nothing lands in the default cache then.
			const out = o.out ?? join(o.cache, 'probe.json');
			const probe = await runProbe(o.cache, resolve(out));
			printProbe(print, probe, probedPlatform(probe, out), revisionForProbe(probe), out);
		});

	cli
		.command('revisions')
		.description('show the named behaviours of the model and which kernel revisions have them')
		.action(() => {
			const revisions = REVISION_ORDER.map(revision);
			printRevisions(
				print,
				[...REVISION_ORDER],
				allBehaviours().map((behaviour) => ({ behaviour, in: revisions.map((r) => r.behaviours.has(behaviour.id)) })),
				revisionChanges('v5.16', 'fpu-kvm-v1'),
			);
		});

	cli
		.command('schema')
		.description('write the JSON Schema of expected.json')
		.requiredOption('--out <file>', 'where to write it')
		.action((o: { out: string }) => {
			writeOutputFile(resolve(o.out), toJson(expectedJsonSchema()));
			print(`wrote ${o.out}`);
		});
	return cli;
}

/**
 * Runs the CLI and returns the exit code: 0 done (as expected), 1 unexpected results, 2 bad usage or
 * input, 3 infrastructure. Results go to `print` (stdout), errors to `printErr` (stderr).
 */
export async function main(argv: readonly string[], print: Print = (l) => console.log(l), printErr: Print = (l) => console.error(l)): Promise<number> {
	// SIGINT/SIGTERM end the tool through process.exit, so that its exit handlers release the output
	// folder, remove folders it made and left empty, and kill the commands it started. A stage with a
	// handler of its own (a run, a commit of files) is left to finish first.
	const onSignal = (signal: NodeJS.Signals) => {
		if (process.listenerCount(signal) > 1) return;
		process.exit(128 + constants.signals[signal]);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	try {
		const outcome = { exitCode: 0 };
		await program(print, outcome, printErr).parseAsync(argv as string[]);
		return outcome.exitCode;
	} catch (error) {
		if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
		if (error instanceof UsageError || error instanceof InfrastructureError) {
			printError(printErr, error.message, error instanceof InfrastructureError);
			return error.exitCode;
		}
		// A file system refusal (a cache that is a file, a full or read-only disk) names its path.
		const fsError = error as NodeJS.ErrnoException;
		if (fsError.code && fsError.syscall) {
			printError(printErr, `cannot ${fsError.syscall}${fsError.path ? ` ${fsError.path}` : ''}: ${fsError.code}`);
			return 3;
		}
		printError(printErr, `internal error: ${(error as Error).message}`);
		return 70;
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	}
}
