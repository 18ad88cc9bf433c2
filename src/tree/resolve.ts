// Tree arguments as the CLI takes them: --debian VERSION / --path DIR for prepare, and for build a
// path or debian:VERSION (prepared on demand).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertMakeSafePath } from '../command.js';
import { printable } from '../input-file.js';
import { UsageError } from '../errors.js';
import type { TreeInfo } from './detect.js';
import { DEBIAN_SOURCES, prepareDebianTree, preparePathTree, type DebianSource } from './prepare.js';

export function debianVersion(text: string): DebianSource {
	const version = DEBIAN_SOURCES.find((v) => v === text);
	if (!version) throw new UsageError(`unknown Debian linux-source version '${text}' (known: ${DEBIAN_SOURCES.join(', ')})`);
	return version;
}

export async function prepareTree(o: { debian?: string; path?: string; cache: string }, progress: (line: string) => void): Promise<TreeInfo> {
	if (!o.debian === !o.path) throw new UsageError('tree prepare needs exactly one of --debian VERSION or --path DIR');
	const options = { cacheDir: o.cache, progress };
	return o.debian ? prepareDebianTree(debianVersion(o.debian), options) : preparePathTree(o.path!, options);
}

/** Checks a tree argument without preparing it: a known debian:VERSION, or an existing folder. */
export function checkTreeSpec(spec: string): void {
	const debian = /^debian:(.+)$/.exec(spec);
	if (debian) {
		debianVersion(debian[1]!);
		return;
	}
	if (!existsSync(spec) || !statSync(spec).isDirectory()) throw new UsageError(`kernel tree ${printable(spec)} does not exist or is not a folder`);
	assertMakeSafePath(resolve(spec), 'the kernel tree', (m) => new UsageError(m));
}

export async function resolveTree(spec: string, cache: string, progress: (line: string) => void): Promise<TreeInfo> {
	checkTreeSpec(spec);
	const debian = /^debian:(.+)$/.exec(spec);
	return debian ? prepareTree({ debian: debian[1], cache }, progress) : prepareTree({ path: spec, cache }, progress);
}

/** The 6.12 selftests library needs KVM_SET_USER_MEMORY_REGION2 (6.8): older kernels get the 6.1 tree. */
export function libraryTreeFor(release: string): string {
	const m = /^(\d+)\.(\d+)/.exec(release);
	const version = m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
	return version >= 6008 ? 'debian:6.12' : 'debian:6.1';
}
