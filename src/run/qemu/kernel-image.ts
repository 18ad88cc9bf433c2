// The kernel a QEMU run boots: a bzImage of the user's (e.g. from `kernel build`), or Debian's prebuilt
// linux-image package (debian:6.1) with the KVM modules it needs, fetched into the cache.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lastLines, runCommand } from '../../command.js';
import { InfrastructureError, UsageError } from '../../errors.js';
import { withLock } from '../../tree/lock.js';

export interface KernelImage {
	readonly image: string;
	/** The release the image reports (uname -r), read from its boot header. */
	readonly release: string;
	/** Modules to load in the guest, dependencies first (empty when KVM is built in). */
	readonly modules: readonly string[];
}

const MINUTE = 60_000;
const DEBIAN_IMAGE = /^debian:(\d+\.\d+)$/;
/** The KVM modules of a modular kernel; loading the one for the other CPU vendor fails harmlessly. */
const KVM_MODULES = ['kvm-intel', 'kvm-amd'];

/** The release string of an x86 bzImage: the setup header's kernel_version field. */
export function bzImageRelease(path: string): string {
	if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`kernel image ${path} does not exist`);
	const header = readFileSync(path).subarray(0, 64 * 1024);
	// "HdrS" at 0x202; kernel_version at 0x20e points (minus 0x200) at "release (builder) #1 ...".
	if (header.length < 0x210 || header.toString('latin1', 0x202, 0x206) !== 'HdrS') {
		throw new UsageError(`kernel image ${path} is not an x86 bzImage (no boot header)`);
	}
	const offset = header.readUInt16LE(0x20e) + 0x200;
	const text = header.toString('latin1', offset, Math.min(offset + 256, header.length));
	const release = /^(\S+)/.exec(text)?.[1];
	if (!release) throw new UsageError(`kernel image ${path} has no version string`);
	return release;
}

export async function resolveKernelImage(spec: string, cacheDir: string, progress: (line: string) => void): Promise<KernelImage> {
	const debian = DEBIAN_IMAGE.exec(spec);
	if (debian) return debianKernelImage(debian[1]!, cacheDir, progress);
	const image = resolve(spec);
	return { image, release: bzImageRelease(image), modules: [] };
}

/** The newest linux-image-<version>.N-M-amd64 package apt knows, unpacked into the cache. */
async function debianKernelImage(version: string, cacheDir: string, progress: (line: string) => void): Promise<KernelImage> {
	const pkg = await newestImagePackage(version);
	const dir = join(cacheDir, 'kernel-images', pkg);
	return withLock(`${dir}.lock`, 20 * MINUTE, async () => {
		if (!existsSync(join(dir, '.fkt-unpacked'))) await fetchPackage(pkg, dir, progress);
		const boot = join(dir, 'root', 'boot');
		const vmlinuz = readdirSync(boot).find((n) => n.startsWith('vmlinuz-'));
		if (!vmlinuz) throw new InfrastructureError(`package ${pkg} has no boot/vmlinuz-*`);
		const release = vmlinuz.slice('vmlinuz-'.length);
		return { image: join(boot, vmlinuz), release, modules: kvmModules(join(dir, 'root', 'lib', 'modules', release)) };
	});
}

async function newestImagePackage(version: string): Promise<string> {
	const escaped = version.replace('.', '\\.');
	const pattern = `^linux-image-${escaped}\\.[0-9]+(-[0-9]+)?(\\+bpo)?-amd64$`;
	const search = async () => (await runCommand(['apt-cache', 'search', '--names-only', pattern], { timeoutMs: MINUTE })).output;
	let names = packageNames(await search());
	if (!names.length) {
		await runCommand(['apt-get', 'update', '-q'], { timeoutMs: 10 * MINUTE, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
		names = packageNames(await search());
	}
	if (!names.length) throw new UsageError(`no Debian kernel package linux-image-${version}.*-amd64 is known to apt on this machine`);
	return names.sort(compareVersions).at(-1)!;
}

function packageNames(output: string): string[] {
	return output
		.split('\n')
		.map((l) => l.split(' - ')[0]!.trim())
		.filter((n) => n.startsWith('linux-image-') && !n.endsWith('-dbg') && !n.endsWith('-unsigned'));
}

/** Compares dotted/dashed names by their numbers, so 6.1.0-56 sorts after 6.1.0-9. */
export function compareVersions(a: string, b: string): number {
	const numbers = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
	const x = numbers(a);
	const y = numbers(b);
	for (let i = 0; i < Math.max(x.length, y.length); i++) {
		const d = (x[i] ?? -1) - (y[i] ?? -1);
		if (d) return d;
	}
	return a.localeCompare(b);
}

async function fetchPackage(pkg: string, dir: string, progress: (line: string) => void): Promise<void> {
	const temp = `${dir}.tmp-${process.pid}`;
	rmSync(temp, { recursive: true, force: true });
	mkdirSync(temp, { recursive: true });
	progress(`downloading ${pkg} with apt-get download`);
	const download = await runCommand(['apt-get', 'download', '-q', pkg], { cwd: temp, timeoutMs: 20 * MINUTE });
	const deb = readdirSync(temp).find((n) => n.endsWith('.deb'));
	if (download.code !== 0 || !deb) throw new InfrastructureError(`apt-get download ${pkg} failed: ${lastLines(download.output, 1) || `exit ${download.code}`}`);
	const unpack = await runCommand(['dpkg-deb', '-x', join(temp, deb), join(temp, 'root')], { timeoutMs: 10 * MINUTE });
	if (unpack.code !== 0) throw new InfrastructureError(`dpkg-deb -x ${deb} failed: ${lastLines(unpack.output, 1)}`);
	rmSync(join(temp, deb));
	writeFileSync(join(temp, '.fkt-unpacked'), `${pkg}\n`);
	rmSync(dir, { recursive: true, force: true });
	renameSync(temp, dir);
}

/** The KVM modules of a module tree with everything they depend on, dependencies first. */
export function kvmModules(moduleRoot: string): string[] {
	const files = new Map<string, string>();
	const walk = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (/\.ko(\.xz|\.zst)?$/.test(entry.name)) files.set(moduleName(entry.name), path);
		}
	};
	walk(moduleRoot);
	const ordered: string[] = [];
	const visit = (name: string, chain: readonly string[]) => {
		const path = files.get(name);
		if (!path) throw new InfrastructureError(`module ${name} (needed by ${chain.join(' <- ') || 'KVM'}) is not in ${moduleRoot}`);
		if (ordered.includes(path)) return;
		for (const dep of moduleDepends(moduleBytes(path))) visit(dep, [name, ...chain]);
		ordered.push(path);
	};
	for (const name of KVM_MODULES) visit(moduleName(name), []);
	return ordered;
}

/** A module's bytes, decompressed when Debian shipped it compressed (.ko.xz, .ko.zst). */
function moduleBytes(path: string): Buffer {
	const tool = path.endsWith('.xz') ? 'xz' : path.endsWith('.zst') ? 'zstd' : null;
	if (!tool) return readFileSync(path);
	const result = spawnSync(tool, ['-dc', path], { timeout: MINUTE, maxBuffer: 1 << 28 });
	if (result.status !== 0) throw new InfrastructureError(`cannot decompress ${path} with ${tool}: ${result.error?.message ?? result.stderr.toString().trim()}`);
	return result.stdout;
}

/** kvm-amd.ko and kvm_amd name the same module. */
function moduleName(file: string): string {
	return file.replace(/\.ko(\.xz|\.zst)?$/, '').replace(/-/g, '_');
}

/** The depends= entry of an uncompressed module's .modinfo strings. */
export function moduleDepends(ko: Buffer): string[] {
	const at = ko.indexOf('\0depends=');
	if (at < 0) return [];
	const start = at + '\0depends='.length;
	const value = ko.toString('latin1', start, ko.indexOf(0, start));
	return value.split(',').filter(Boolean).map(moduleName);
}
