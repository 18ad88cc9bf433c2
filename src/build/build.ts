// Builds the emitted selftests with the tree's own Makefile and flags: the selftests library once per
// tree and flags (cached), then every emitted test in parallel; binaries are copied to <out>/bin.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertMakeSafeFlag, assertMakeSafePath, failureLine, lastLines, runCommand } from '../command.js';
import { InfrastructureError, UsageError } from '../errors.js';
import { KVM_SELFTESTS, type TreeInfo } from '../tree/detect.js';
import { withLock } from '../tree/lock.js';
import { assertNoLinksInside } from '../emit/write-output.js';
import { buildName, layout } from '../emit/layout.js';

export { buildName } from '../emit/layout.js';

export interface BuildRequest {
	readonly tree: TreeInfo;
	readonly outDir: string;
	readonly cacheDir: string;
	/** Extra compiler flags for the library and the tests (EXTRA_CFLAGS). */
	readonly cflags: readonly string[];
	/** Add -Werror when compiling the emitted tests (not the tree's library). */
	readonly werror: boolean;
	/** Link statically, for an initramfs with no libc (binaries go to bin/<dialect>-static). */
	readonly static: boolean;
	readonly jobs: number;
	readonly progress: (line: string) => void;
}

export interface BuildResult {
	readonly binaries: readonly string[];
	readonly libraryCached: boolean;
	/** Compiler diagnostics (warnings) about the emitted files. */
	readonly warnings: readonly string[];
}

const MINUTE = 60_000;
/** What the 6.12 selftests need to link statically (-no-pie: the tree adds -no-pie only when it can). */
const STATIC_LDFLAGS = '-static -pthread -no-pie';

/**
 * Our own tiny makefile, read after the tree's: a name for "the library objects" (and the archive
 * the v5.16 tests link with, STATIC_LIBS; empty in 6.x).
 */
const HELPER_MAKEFILE = 'fkt-lib: $(LIBKVM_OBJS) $(STATIC_LIBS)\n';

export function emittedSources(outDir: string): { dir: string; tests: string[] } {
	const dir = layout.selftests(outDir);
	const x86 = join(dir, 'x86_64');
	if (!existsSync(x86)) throw new UsageError(`${outDir} has no emitted selftests: run 'fpu-kvm-testgen generate' first`);
	const tests = readdirSync(x86)
		.filter((n) => /^fkt_.*_test\.c$/.test(n))
		.map((n) => n.slice(0, -2))
		.sort();
	if (!tests.length) throw new UsageError(`${x86} holds no emitted tests`);
	return { dir, tests };
}

function libraryDir(request: BuildRequest): string {
	const key = createHash('sha256')
		.update([request.tree.root, request.tree.release, request.tree.dialect, request.tree.headers ?? '', ...request.cflags].join('\0'))
		.digest('hex');
	return join(request.cacheDir, 'build', key.slice(0, 16));
}

async function requireTool(name: string): Promise<void> {
	const result = await runCommand([name, '--version'], { timeoutMs: MINUTE });
	if (result.code !== 0) throw new InfrastructureError(`${name} is not available (${lastLines(result.output, 1)}): apt-get install gcc make`);
}

/** file:line:col: error|warning lines about emitted files, with the path as the user sees it. */
function diagnostics(output: string, sourceDir: string, kind: 'error' | 'warning'): string[] {
	return output
		.split('\n')
		.filter((l) => l.startsWith(sourceDir) && l.includes(`: ${kind}: `))
		.map((l) => l.trim());
}

/** Every path and flag of the request reaches make: refuse what make or the shell would interpret. */
export function assertBuildInputsMakeSafe(request: Pick<BuildRequest, 'outDir' | 'cacheDir' | 'cflags'> & { readonly treeRoot: string }): void {
	const usage = (message: string) => new UsageError(message);
	assertMakeSafePath(request.treeRoot, 'the kernel tree', usage);
	assertMakeSafePath(request.outDir, 'the output folder', usage);
	assertMakeSafePath(request.cacheDir, 'the cache folder', usage);
	for (const flag of request.cflags) assertMakeSafeFlag(flag, '--cflags flag', usage);
}

export async function buildSelftests(request: BuildRequest): Promise<BuildResult> {
	const { tree } = request;
	assertBuildInputsMakeSafe({ ...request, treeRoot: tree.root });
	assertNoLinksInside(request.outDir);
	const sources = emittedSources(request.outDir);
	await requireTool('gcc');
	await requireTool('make');
	const library = libraryDir(request);
	// Test objects live in the output folder, so two output folders never share them.
	const name = buildName(tree.dialect, request.static);
	const output = layout.objects(request.outDir, name);
	mkdirSync(library, { recursive: true });
	writeFileSync(join(library, 'fkt-helper.mk'), HELPER_MAKEFILE);
	// The v5.16 selftests Makefile has no EXTRA_CFLAGS: it appends to CFLAGS from the environment.
	const v516 = tree.dialect === 'selftests-5.16';
	const env = (extraCflags: readonly string[]) => (v516 ? { ...process.env, CFLAGS: extraCflags.join(' ') } : undefined);
	const make = (outputDir: string, extraCflags: readonly string[], targets: readonly string[]) => [
		'make',
		'-C',
		join(tree.root, KVM_SELFTESTS),
		'-f',
		'Makefile',
		'-f',
		join(library, 'fkt-helper.mk'),
		`-j${request.jobs}`,
		`OUTPUT=${outputDir}`,
		`VPATH=${sources.dir}`,
		`TEST_GEN_PROGS_x86_64=${sources.tests.map((t) => `x86_64/${t}`).join(' ')}`,
		...(v516 ? [] : [`EXTRA_CFLAGS=${extraCflags.join(' ')}`]),
		...(tree.headers ? [`INSTALL_HDR_PATH=${tree.headers}`] : []),
		...(request.static ? [`LDFLAGS=${STATIC_LDFLAGS}`] : []),
		...targets,
	];

	const libraryCached = existsSync(join(library, '.fkt-lib-done'));
	if (!libraryCached) {
		await withLock(join(library, '.lock'), 20 * MINUTE, async () => {
			if (existsSync(join(library, '.fkt-lib-done'))) return;
			request.progress(`building the selftests library of ${tree.root} (once; cached in ${library})`);
			const lib = await runCommand(make(library, request.cflags, ['fkt-lib']), { timeoutMs: 20 * MINUTE, env: env(request.cflags) });
			if (lib.code !== 0) throw new InfrastructureError(`building the selftests library failed: ${failureLine(lib.output)}`);
			writeFileSync(join(library, '.fkt-lib-done'), '');
		});
	}
	// Library objects with their timestamps: make sees them as up to date and links them.
	cpSync(join(library, 'lib'), join(output, 'lib'), { recursive: true, preserveTimestamps: true });
	if (v516) cpSync(join(library, 'libkvm.a'), join(output, 'libkvm.a'), { preserveTimestamps: true });

	// Objects built without -Werror would count as up to date: compile the emitted tests again.
	if (request.werror) {
		for (const t of sources.tests) rmSync(join(output, 'x86_64', `${t}.o`), { force: true });
		// v5.16 compiles and links each test in one step, with no object file.
		if (v516) for (const t of sources.tests) rmSync(join(output, 'x86_64', t), { force: true });
	}
	request.progress(`compiling ${sources.tests.length} tests (${name}, -j${request.jobs})`);
	const testCflags = [...request.cflags, ...(request.werror ? ['-Werror'] : [])];
	const targets = sources.tests.map((t) => join(output, 'x86_64', t));
	const built = await runCommand(make(output, testCflags, targets), {
		timeoutMs: 20 * MINUTE,
		env: env(testCflags),
		onOutput: (chunk) => {
			for (const m of chunk.matchAll(/-o \S*\/x86_64\/(fkt_\w+_test)(?:\s|$)/g)) request.progress(`LD ${m[1]}`);
		},
	});
	if (built.code !== 0) {
		const errors = diagnostics(built.output, sources.dir, 'error');
		const shown = errors.length ? errors.slice(0, 5).join('\n') : lastLines(built.output, 5);
		throw new InfrastructureError(`compiling the emitted selftests failed:\n${shown}`);
	}
	const binDir = layout.binaries(request.outDir, name);
	mkdirSync(binDir, { recursive: true });
	const binaries = targets.map((from) => {
		const to = join(binDir, from.slice(from.lastIndexOf('/') + 1));
		if (!existsSync(to) || statSync(to).mtimeMs < statSync(from).mtimeMs) copyFileSync(from, to);
		return to;
	});
	return { binaries, libraryCached, warnings: diagnostics(built.output, sources.dir, 'warning') };
}
