// Builds a minimal KVM-capable x86_64 bzImage out of tree (O=): tinyconfig, our Kconfig fragment on
// top, olddefconfig, bzImage. The source tree stays clean; the result is cached per tree, fragment and
// compiler.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failureLine, lastLines, runCommand } from '../command.js';
import { InfrastructureError, UsageError } from '../errors.js';
import { withLock } from '../tree/lock.js';
import { aptInstall } from '../tree/prepare.js';
import { debianVersion } from '../tree/resolve.js';

export interface KernelBuildRequest {
	/** The kernel source folder; never written to. */
	readonly tree: string;
	/** Kconfig fragment merged on top of tinyconfig. */
	readonly fragment: string;
	/** O= folder; default: one per build key under the cache. */
	readonly buildDir?: string;
	readonly cacheDir: string;
	readonly jobs: number;
	/** Build even when the build folder holds an image of the same key. */
	readonly rebuild: boolean;
	readonly progress: (line: string) => void;
}

export interface KernelBuildResult {
	/** Absolute path of arch/x86/boot/bzImage in the build folder. */
	readonly image: string;
	/** include/config/kernel.release of the build. */
	readonly release: string;
	readonly cached: boolean;
	readonly log: string;
	readonly durationMs: number;
	/** Fragment options the final .config does not have as asked, e.g. 'CONFIG_KVM_XEN=y'. */
	readonly droppedOptions: readonly string[];
}

/** The Kconfig fragment shipped with the tool. */
export const SHIPPED_FRAGMENT = fileURLToPath(new URL('../../configs/kvm-host-min.config', import.meta.url));

const MINUTE = 60_000;
const CONFIG_TIMEOUT = 5 * MINUTE;
const BZIMAGE_TIMEOUT = 90 * MINUTE;
const HEARTBEAT_MS = 15_000;
const DONE = '.fkt-kernel-done';
const IMAGE = 'arch/x86/boot/bzImage';
/** What the kernel's build needs on the host; each tool's Debian package has the same name. */
const TOOLS = ['gcc', 'make', 'flex', 'bison', 'bc'];
/** Files an in-tree build or `make headers` leaves behind; kbuild refuses O= builds while they exist. */
const IN_TREE_LEFTOVERS = ['.config', 'include/config', 'arch/x86/include/generated'];

/** '6m05s', or '42s' under a minute. */
export function minutesSeconds(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** A folder with a Makefile and arch/x86 that kbuild accepts for an O= build; returns its real path. */
export function checkKernelTree(tree: string): string {
	if (!existsSync(tree) || !statSync(tree).isDirectory()) throw new UsageError(`kernel tree ${tree} does not exist or is not a folder`);
	if (!existsSync(join(tree, 'Makefile'))) throw new UsageError(`${tree} is not a kernel tree: it has no Makefile`);
	if (!existsSync(join(tree, 'arch/x86'))) throw new UsageError(`${tree} is not an x86 kernel tree: it has no arch/x86`);
	const leftovers = IN_TREE_LEFTOVERS.filter((p) => existsSync(join(tree, p)));
	if (leftovers.length) {
		throw new UsageError(
			`kernel tree ${tree} is not clean for an out-of-tree build (it has ${leftovers.join(', ')}): run 'make mrproper' in it or use a pristine copy`,
		);
	}
	return realpathSync(tree);
}

function sha256(text: string): string {
	return createHash('sha256').update(text).digest('hex');
}

function makefileVersion(root: string): string[] {
	const makefile = readFileSync(join(root, 'Makefile'), 'utf8');
	return ['VERSION', 'PATCHLEVEL', 'SUBLEVEL', 'EXTRAVERSION'].map((name) => new RegExp(`^${name}[ \\t]*=[ \\t]*(.*)$`, 'm').exec(makefile)?.[1]?.trim() ?? '');
}

/** HEAD and a hash of the uncommitted changes when the tree is the top of its own git checkout. */
async function gitState(root: string): Promise<string[]> {
	const top = await runCommand(['git', '-C', root, 'rev-parse', '--show-toplevel'], { timeoutMs: MINUTE });
	// A tree inside some other repository (a test fixture, a vendored copy) is not a checkout of its own.
	if (top.code !== 0 || !existsSync(top.output.trim()) || realpathSync(top.output.trim()) !== root) return [];
	const head = await runCommand(['git', '-C', root, 'rev-parse', 'HEAD'], { timeoutMs: MINUTE });
	const status = await runCommand(['git', '-C', root, 'status', '--porcelain'], { timeoutMs: 5 * MINUTE });
	return [head.output.trim(), sha256(status.output)];
}

/** What decides the image: the tree (path, version, git state), the fragment and the compiler. */
export async function kernelBuildKey(tree: string, fragmentText: string): Promise<string> {
	const root = realpathSync(tree);
	const gcc = await runCommand(['gcc', '--version'], { timeoutMs: MINUTE });
	const parts = [root, ...makefileVersion(root), ...(await gitState(root)), sha256(fragmentText), gcc.output.split('\n')[0] ?? ''];
	return sha256(parts.join('\0'));
}

/** CONFIG_X=value lines by name; '# CONFIG_X is not set' as 'n'. A later line wins, as in Kconfig. */
function configValues(text: string): Map<string, string> {
	const values = new Map<string, string>();
	for (const line of text.split('\n').map((l) => l.trim())) {
		const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
		const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
		if (set) values.set(set[1]!, set[2]!);
		else if (unset) values.set(unset[1]!, 'n');
	}
	return values;
}

/** Options of the fragment the final .config does not have as asked (Kconfig drops unmet dependencies silently). */
export function droppedOptions(fragment: string, config: string): string[] {
	const have = configValues(config);
	return [...configValues(fragment)].filter(([name, want]) => (have.get(name) ?? 'n') !== want).map(([name, want]) => `${name}=${want}`);
}

async function checkTools(): Promise<void> {
	const found = await Promise.all(TOOLS.map((t) => runCommand([t, '--version'], { timeoutMs: MINUTE })));
	const missing = TOOLS.filter((_, i) => found[i]!.code !== 0);
	if (missing.length) throw new InfrastructureError(`building a kernel needs ${missing.join(', ')}: apt-get install ${missing.join(' ')}`);
}

export function readFragment(path: string): string {
	try {
		return readFileSync(path, 'utf8');
	} catch (error) {
		throw new UsageError(`cannot read config fragment ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
}

function readOrNull(path: string): string | null {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return null;
	}
}

interface Step {
	readonly name: string;
	readonly argv: readonly string[];
	readonly timeoutMs: number;
	readonly cwd?: string;
	readonly onOutput?: (chunk: string) => void;
}

/** Runs one step with its output appended to the log; a failure names the step, its reason and the log. */
async function runStep(step: Step, log: string): Promise<void> {
	appendFileSync(log, `\n$ ${step.argv.join(' ')}\n`);
	const result = await runCommand(step.argv, {
		timeoutMs: step.timeoutMs,
		...(step.cwd ? { cwd: step.cwd } : {}),
		onOutput: (chunk) => {
			appendFileSync(log, chunk);
			step.onOutput?.(chunk);
		},
	});
	if (result.code === 0) return;
	const why = result.timedOut ? `timed out after ${step.timeoutMs / MINUTE} min` : failureLine(result.output) || `exit ${result.code ?? result.signal}`;
	throw new InfrastructureError(`kernel build failed at '${step.name}': ${why} (log: ${log})`);
}

/** Counts kbuild's '  CC ' lines across chunk boundaries. */
function compileCounter(): { count: () => number; onOutput: (chunk: string) => void } {
	let compiled = 0;
	let partial = '';
	return {
		count: () => compiled,
		onOutput: (chunk) => {
			const lines = (partial + chunk).split('\n');
			partial = lines.pop()!;
			compiled += lines.filter((l) => l.startsWith('  CC ')).length;
		},
	};
}

export async function buildKernel(request: KernelBuildRequest): Promise<KernelBuildResult> {
	const started = Date.now();
	const root = checkKernelTree(request.tree);
	const fragment = resolve(request.fragment);
	const fragmentText = readFragment(fragment);
	await checkTools();
	const key = await kernelBuildKey(root, fragmentText);
	const buildDir = resolve(request.buildDir ?? join(request.cacheDir, 'kernels', key.slice(0, 16)));
	mkdirSync(buildDir, { recursive: true });
	const log = join(buildDir, 'build.log');
	const image = join(buildDir, IMAGE);
	const finish = (cached: boolean): KernelBuildResult => ({
		image,
		release: readFileSync(join(buildDir, 'include/config/kernel.release'), 'utf8').trim(),
		cached,
		log,
		durationMs: Date.now() - started,
		droppedOptions: droppedOptions(fragmentText, readFileSync(join(buildDir, '.config'), 'utf8')),
	});

	return withLock(join(buildDir, '.fkt-kernel.lock'), BZIMAGE_TIMEOUT + 10 * MINUTE, async () => {
		const built = [image, join(buildDir, '.config'), join(buildDir, 'include/config/kernel.release')].every((f) => existsSync(f));
		if (!request.rebuild && readOrNull(join(buildDir, DONE)) === key && built) return finish(true);
		rmSync(join(buildDir, DONE), { force: true });
		const { progress } = request;
		appendFileSync(log, `\n=== fpu-kvm-testgen kernel build ${new Date().toISOString()}: ${root} with ${fragment}\n`);
		progress(`kernel build: Linux ${makefileVersion(root).slice(0, 3).join('.')} from ${root} into ${buildDir}`);
		const make = (...args: string[]) => ['make', '-C', root, `O=${buildDir}`, ...args];

		progress('kernel build: make tinyconfig');
		await runStep({ name: 'tinyconfig', argv: make('tinyconfig'), timeoutMs: CONFIG_TIMEOUT }, log);
		progress(`kernel build: merge_config.sh ${fragment}`);
		const merge = ['bash', join(root, 'scripts/kconfig/merge_config.sh'), '-m', '-O', buildDir, join(buildDir, '.config'), fragment];
		await runStep({ name: 'merge_config.sh', argv: merge, cwd: root, timeoutMs: CONFIG_TIMEOUT }, log);
		progress('kernel build: make olddefconfig');
		await runStep({ name: 'olddefconfig', argv: make('olddefconfig'), timeoutMs: CONFIG_TIMEOUT }, log);

		const configPath = join(buildDir, '.config');
		const config = readFileSync(configPath, 'utf8');
		const dropped = droppedOptions(fragmentText, config);
		if (configValues(config).get('CONFIG_KVM') !== 'y') {
			const why = dropped.length ? `Kconfig dropped ${dropped.join(', ')}` : `${fragment} does not enable it`;
			throw new UsageError(`the config has no CONFIG_KVM=y after olddefconfig: ${why} (config: ${configPath})`);
		}
		if (dropped.length) progress(`kernel build: olddefconfig dropped ${dropped.length} option(s) of the fragment (unmet dependencies?): ${dropped.join(', ')}`);

		progress(`kernel build: make -j${request.jobs} bzImage (log: ${log})`);
		const counter = compileCounter();
		const heartbeat = setInterval(() => progress(`kernel build: ${counter.count()} files compiled, ${minutesSeconds(Date.now() - started)}`), HEARTBEAT_MS);
		try {
			await runStep({ name: 'bzImage', argv: make(`-j${request.jobs}`, 'bzImage'), timeoutMs: BZIMAGE_TIMEOUT, onOutput: counter.onOutput }, log);
		} finally {
			clearInterval(heartbeat);
		}
		if (!existsSync(image)) throw new InfrastructureError(`kernel build failed at 'bzImage': make succeeded but ${image} is missing (log: ${log})`);
		const result = finish(false);
		writeFileSync(join(buildDir, DONE), key);
		return result;
	});
}

/**
 * A pristine unpack of Debian's linux-source-VERSION for O= builds, kept apart from tree prepare's
 * unpack (which ran `make headers` in place and so is not clean). The marker beside it, written last,
 * says the unpack finished and which tarball it came from.
 */
export async function debianKernelSource(version: string, cacheDir: string, progress: (line: string) => void): Promise<string> {
	debianVersion(version);
	const base = join(cacheDir, 'kernel-src');
	return withLock(join(base, `${version}.lock`), 30 * MINUTE, async () => {
		const tarball = `/usr/src/linux-source-${version}.tar.xz`;
		if (!existsSync(tarball)) await aptInstall(`linux-source-${version}`, { progress });
		const root = join(base, version);
		const marker = join(base, `${version}.unpacked`);
		const { size, mtimeMs } = statSync(tarball);
		const stamp = JSON.stringify({ tarball, size, mtimeMs });
		if (existsSync(root) && readOrNull(marker) === stamp) return root;

		rmSync(marker, { force: true });
		rmSync(root, { recursive: true, force: true });
		const partial = `${root}.partial`;
		rmSync(partial, { recursive: true, force: true });
		mkdirSync(partial, { recursive: true });
		progress(`unpacking ${tarball} into ${root}`);
		const result = await runCommand(['tar', '-xf', tarball, '-C', partial], { timeoutMs: 10 * MINUTE });
		const top = join(partial, `linux-source-${version}`);
		if (result.code !== 0 || !existsSync(top)) {
			rmSync(partial, { recursive: true, force: true });
			throw new InfrastructureError(`unpacking ${tarball} failed: ${lastLines(result.output, 1) || `no linux-source-${version} inside`}`);
		}
		renameSync(top, root);
		rmSync(partial, { recursive: true, force: true });
		writeFileSync(marker, stamp);
		return root;
	});
}
