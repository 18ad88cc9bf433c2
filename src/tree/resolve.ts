// Tree arguments as the CLI takes them: --debian VERSION / --path DIR for prepare, and for build a
// path or debian:VERSION (prepared on demand).
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

export async function resolveTree(spec: string, cache: string, progress: (line: string) => void): Promise<TreeInfo> {
	const debian = /^debian:(.+)$/.exec(spec);
	return debian ? prepareTree({ debian: debian[1], cache }, progress) : prepareTree({ path: spec, cache }, progress);
}

/** The 6.12 selftests library needs KVM_SET_USER_MEMORY_REGION2 (6.8): older kernels get the 6.1 tree. */
export function libraryTreeFor(release: string): string {
	const m = /^(\d+)\.(\d+)/.exec(release);
	const version = m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
	return version >= 6008 ? 'debian:6.12' : 'debian:6.1';
}
