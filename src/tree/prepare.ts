// Finds or prepares a kernel tree for building the emitted selftests: Debian's linux-source package
// unpacked into the cache, or a user's own tree; `make headers` run once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { assertMakeSafePath, failureLine, lastLines, runCommand } from '../command.js';
import { InfrastructureError, UsageError } from '../errors.js';
import { detectTree, type TreeInfo } from './detect.js';
import { withLock } from './lock.js';

export const DEBIAN_SOURCES = ['6.12', '6.1'] as const;
export type DebianSource = (typeof DEBIAN_SOURCES)[number];

export interface PrepareOptions {
	readonly cacheDir: string;
	readonly progress: (line: string) => void;
}

const MARKER = '.fpu-kvm-testgen-tree.json';
const MINUTE = 60_000;
/** Wait for another apt/dpkg run instead of failing on its lock. */
const APT_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

export function defaultCacheDir(): string {
	return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fpu-kvm-testgen');
}

function tarballOf(version: DebianSource): string {
	return `/usr/src/linux-source-${version}.tar.xz`;
}

/** Debian's linux-source-VERSION, installed with apt-get when missing and unpacked into the cache. */
export async function prepareDebianTree(version: DebianSource, options: PrepareOptions): Promise<TreeInfo> {
	const lock = join(options.cacheDir, 'trees', `linux-source-${version}.lock`);
	return withLock(lock, 30 * MINUTE, () => prepareDebianTreeLocked(version, options));
}

async function prepareDebianTreeLocked(version: DebianSource, options: PrepareOptions): Promise<TreeInfo> {
	const tarball = tarballOf(version);
	if (!existsSync(tarball)) await aptInstall(`linux-source-${version}`, options);
	const root = join(options.cacheDir, 'trees', `linux-source-${version}`);
	const source = statSync(tarball);
	const stamp = { tarball, size: source.size, mtimeMs: source.mtimeMs };
	if (readMarker(root) === JSON.stringify(stamp)) return detectTree(root);
	// Anything here without a matching marker is half-built or stale: start over.
	rmSync(root, { recursive: true, force: true });
	await unpack(tarball, root, `linux-source-${version}`, options);
	await makeHeaders(root, options);
	writeFileSync(join(root, MARKER), JSON.stringify(stamp));
	return detectTree(root);
}

/** A user's own tree (e.g. a checkout of tglx x86/fpu-kvm): headers installed in place when missing. */
export async function preparePathTree(dir: string, options: PrepareOptions): Promise<TreeInfo> {
	const root = resolve(dir);
	if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`tree ${dir} does not exist or is not a folder`);
	const info = detectTree(root);
	if (info.dialect === 'selftests-5.16' && !headersCurrent(root)) return { ...info, headers: await outOfTreeHeaders(root, options) };
	if (!headersCurrent(root)) await makeHeaders(root, options);
	return info;
}

/**
 * A v5.16 tree's uapi headers installed into the cache with make O=, so the tree stays as it is
 * (its own Makefile would install them into usr/ only for "make all"). Returns INSTALL_HDR_PATH.
 */
async function outOfTreeHeaders(root: string, options: PrepareOptions): Promise<string> {
	const key = createHash('sha256').update(root).digest('hex').slice(0, 16);
	const objtree = join(options.cacheDir, 'headers', key);
	// O= is a make variable: make would expand $(...) in it.
	assertMakeSafePath(objtree, 'the cache folder', (m) => new UsageError(m));
	return withLock(`${objtree}.lock`, 15 * MINUTE, async () => {
		if (headersCurrent(objtree, root)) return join(objtree, 'usr');
		mkdirSync(objtree, { recursive: true });
		options.progress(`make headers of ${root} into ${objtree}`);
		const result = await runCommand(['make', '-C', root, `O=${objtree}`, '-s', 'headers'], { timeoutMs: 15 * MINUTE });
		if (result.code !== 0) {
			throw new InfrastructureError(`make O=${objtree} headers failed in ${root}: ${failureLine(result.output) || `exit ${result.code}`}`);
		}
		return join(objtree, 'usr');
	});
}

function readMarker(root: string): string | null {
	try {
		return readFileSync(join(root, MARKER), 'utf8');
	} catch {
		return null;
	}
}

/** usr/include/linux/kvm.h of objtree exists and is not older than the uapi header of the tree. */
function headersCurrent(objtree: string, root = objtree): boolean {
	const installed = join(objtree, 'usr/include/linux/kvm.h');
	return existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(root, 'include/uapi/linux/kvm.h')).mtimeMs;
}

/** Installs a Debian package, with one apt-get update when the package lists do not know it. */
export async function aptInstall(pkg: string, options: Pick<PrepareOptions, 'progress'>): Promise<void> {
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	options.progress(`installing ${pkg} with apt-get`);
	let result = await runCommand(['apt-get', 'install', '-y', '-q', ...APT_WAIT, pkg], { timeoutMs: 20 * MINUTE, env });
	if (result.code !== 0 && /Unable to locate package|has no installation candidate/.test(result.output)) {
		options.progress('apt-get update');
		await runCommand(['apt-get', 'update', '-q'], { timeoutMs: 10 * MINUTE, env });
		result = await runCommand(['apt-get', 'install', '-y', '-q', ...APT_WAIT, pkg], { timeoutMs: 20 * MINUTE, env });
	}
	if (result.code !== 0) {
		throw new InfrastructureError(`apt-get install ${pkg} failed: ${lastLines(result.output, 1) || `exit ${result.code}`}`);
	}
}

async function unpack(tarball: string, root: string, topDir: string, options: PrepareOptions): Promise<void> {
	const temp = `${root}.tmp-${process.pid}`;
	rmSync(temp, { recursive: true, force: true });
	mkdirSync(temp, { recursive: true });
	options.progress(`unpacking ${tarball} into ${root}`);
	const result = await runCommand(['tar', '-xJf', tarball, '-C', temp], { timeoutMs: 10 * MINUTE });
	if (result.code !== 0 || !existsSync(join(temp, topDir))) {
		rmSync(temp, { recursive: true, force: true });
		throw new InfrastructureError(`unpacking ${tarball} failed: ${lastLines(result.output, 1) || `no ${topDir} inside`}`);
	}
	renameSync(join(temp, topDir), root);
	rmSync(temp, { recursive: true, force: true });
}

async function makeHeaders(root: string, options: PrepareOptions): Promise<void> {
	options.progress(`make headers in ${root}`);
	const result = await runCommand(['make', '-C', root, '-s', 'headers'], { timeoutMs: 15 * MINUTE });
	if (result.code !== 0) {
		rmSync(join(root, MARKER), { force: true });
		throw new InfrastructureError(`make headers failed in ${root}: ${failureLine(result.output) || `exit ${result.code}`}`);
	}
}
