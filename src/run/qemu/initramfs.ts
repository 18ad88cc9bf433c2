// The initramfs a kernel under test boots with: our static init (templates/fkt_guest_init.c), its
// plan file and the test binaries, packed by our own cpio "newc" writer; and the host side of the
// protocol the init speaks on the data channel.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildProgram } from '../../build/program.js';
import { UsageError } from '../../errors.js';

const SOURCE = fileURLToPath(new URL('../../../templates/fkt_guest_init.c', import.meta.url));
const MIB = 1024 * 1024;

/** The guest init, statically linked, built once into the cache. */
export function buildGuestInit(cacheDir: string): Promise<string> {
	return buildProgram({ source: SOURCE, binary: join(cacheDir, 'fkt_guest_init'), static: true, what: 'the guest init', warnings: ['-Wall', '-Wextra'] });
}

/**
 * One thing in the archive. `path` has no leading slash; `mode` is the permission bits, with or
 * without the file type bits (0o100755 or 0o755: the type comes from the kind and must agree).
 * Missing parent folders are added with mode 0755.
 */
export type InitramfsEntry =
	| { readonly path: string; readonly mode: number; readonly source: { readonly file: string } | { readonly data: string | Buffer } }
	| { readonly path: string; readonly mode: number; readonly dir: true }
	/** A character device node, e.g. dev/console (5, 1): the kernel opens it for init's stdio. */
	| { readonly path: string; readonly mode: number; readonly charDevice: { readonly major: number; readonly minor: number } };

export interface InitramfsOptions {
	/** Limit on the uncompressed archive (default 512 MiB): the guest unpacks it into RAM. */
	readonly maxBytes?: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFCHR = 0o020000;

interface Member {
	readonly path: string;
	readonly mode: number;
	readonly rdev: readonly [number, number];
	/** File contents: a buffer, or a file read once the size limit has been checked. */
	readonly data: Buffer | { readonly file: string; readonly size: number } | null;
}

/**
 * Writes a gzip-compressed cpio "newc" archive atomically. Members are sorted by path, so a parent
 * always precedes its children; mtime, uid and gid are 0 and inode numbers count up: the same
 * entries give the same bytes. Returns the size of the written file and the number of regular files.
 */
export function writeInitramfs(path: string, entries: readonly InitramfsEntry[], options: InitramfsOptions = {}): { bytes: number; files: number } {
	const members = collectMembers(entries);
	const maxBytes = options.maxBytes ?? 512 * MIB;
	const total = members.reduce((sum, m) => sum + headerSize(m.path) + padded(dataSize(m)), 0) + headerSize(TRAILER);
	if (total > maxBytes) throw new UsageError(`initramfs too large: ${formatSize(total)} uncompressed (limit ${formatSize(maxBytes)})`);
	const chunks: Buffer[] = [];
	members.forEach((m, i) => {
		const data = m.data === null ? Buffer.alloc(0) : Buffer.isBuffer(m.data) ? m.data : readSource(m.data.file);
		chunks.push(
			header(m.path, { ino: i + 1, mode: m.mode, nlink: (m.mode & S_IFMT) === S_IFDIR ? 2 : 1, size: data.length, rdev: m.rdev }),
			data,
			Buffer.alloc(padded(data.length) - data.length),
		);
	});
	chunks.push(header(TRAILER, { ino: 0, mode: 0, nlink: 1, size: 0, rdev: [0, 0] }));
	const gz = gzipSync(Buffer.concat(chunks));
	writeAtomically(path, gz);
	return { bytes: gz.length, files: members.filter((m) => (m.mode & S_IFMT) === S_IFREG).length };
}

const TRAILER = 'TRAILER!!!';

function collectMembers(entries: readonly InitramfsEntry[]): Member[] {
	const byPath = new Map<string, Member>();
	for (const entry of entries) {
		checkEntryPath(entry.path);
		if (byPath.has(entry.path)) throw new UsageError(`initramfs entry ${entry.path} is listed twice`);
		const member = toMember(entry);
		const type = entry.mode & S_IFMT;
		if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o177777 || (type !== 0 && type !== (member.mode & S_IFMT))) {
			throw new UsageError(`initramfs entry ${entry.path}: mode 0o${entry.mode.toString(8)} does not fit a ${kindName(entry)}`);
		}
		byPath.set(entry.path, member);
	}
	for (const path of [...byPath.keys()]) {
		for (let parent = dirname(path); parent !== '.'; parent = dirname(parent)) {
			const existing = byPath.get(parent);
			if (!existing) byPath.set(parent, { path: parent, mode: S_IFDIR | 0o755, rdev: [0, 0], data: null });
			else if ((existing.mode & S_IFMT) !== S_IFDIR) throw new UsageError(`initramfs entry ${path} is inside ${parent}, which is not a folder`);
		}
	}
	// Byte order, not locale order: a path's parent is its prefix, so it sorts first.
	return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

function kindName(entry: InitramfsEntry): string {
	return 'dir' in entry ? 'folder' : 'charDevice' in entry ? 'character device' : 'regular file';
}

function toMember(entry: InitramfsEntry): Member {
	const perm = entry.mode & 0o7777;
	if ('dir' in entry) return { path: entry.path, mode: S_IFDIR | perm, rdev: [0, 0], data: null };
	if ('charDevice' in entry) return { path: entry.path, mode: S_IFCHR | perm, rdev: [entry.charDevice.major, entry.charDevice.minor], data: null };
	if ('data' in entry.source) {
		const data = entry.source.data;
		return { path: entry.path, mode: S_IFREG | perm, rdev: [0, 0], data: Buffer.isBuffer(data) ? data : Buffer.from(data) };
	}
	const file = entry.source.file;
	let size: number;
	try {
		const stat = statSync(file);
		if (!stat.isFile()) throw new UsageError(`initramfs source ${file} is not a regular file`);
		size = stat.size;
	} catch (error) {
		if (error instanceof UsageError) throw error;
		throw new UsageError(`cannot read initramfs source ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
	return { path: entry.path, mode: S_IFREG | perm, rdev: [0, 0], data: { file, size } };
}

function checkEntryPath(path: string): void {
	const parts = path.split('/');
	if (!path || path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
		throw new UsageError(`initramfs entry path ${JSON.stringify(path)} must be relative, without empty, . or .. parts`);
	}
}

function readSource(file: string): Buffer {
	try {
		return readFileSync(file);
	} catch (error) {
		throw new UsageError(`cannot read initramfs source ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
}

function dataSize(m: Member): number {
	return m.data === null ? 0 : Buffer.isBuffer(m.data) ? m.data.length : m.data.size;
}

const HEADER_BYTES = 110;

/** newc pads the header plus the NUL-terminated name, and the data, to multiples of 4. */
function padded(n: number): number {
	return (n + 3) & ~3;
}

function headerSize(name: string): number {
	return padded(HEADER_BYTES + Buffer.byteLength(name) + 1);
}

function header(name: string, f: { ino: number; mode: number; nlink: number; size: number; rdev: readonly [number, number] }): Buffer {
	const nameBytes = Buffer.byteLength(name) + 1;
	// ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
	const fields = [f.ino, f.mode, 0, 0, f.nlink, 0, f.size, 0, 0, f.rdev[0], f.rdev[1], nameBytes, 0];
	const text = '070701' + fields.map((v) => v.toString(16).padStart(8, '0')).join('') + name;
	const buf = Buffer.alloc(headerSize(name));
	buf.write(text, 'utf8');
	return buf;
}

function formatSize(bytes: number): string {
	return bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${bytes} bytes`;
}

function writeAtomically(path: string, content: Buffer): void {
	const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
	try {
		mkdirSync(dirname(path), { recursive: true });
		writeFileSync(temp, content);
		renameSync(temp, path);
	} catch (error) {
		rmSync(temp, { force: true });
		throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
}

/** What the guest init does, in order: the plan file it reads from /fkt/plan. */
export interface GuestPlan {
	/** Where protocol output goes, e.g. /dev/ttyS1. */
	readonly data: string;
	readonly caseTimeoutSeconds: number;
	/** Module paths inside the initramfs, loaded in order before the binaries run. */
	readonly modules: readonly string[];
	/** Stop at once (no-kvm) when /dev/kvm cannot be opened. */
	readonly requireKvm: boolean;
	/** Binaries run in order; a relative path is relative to /fkt. */
	readonly execs: readonly { readonly id: string; readonly path: string; readonly args: readonly string[] }[];
}

/** The plan file; every word must be free of whitespace (the init splits lines on single spaces). */
export function planText(plan: GuestPlan): string {
	const word = (what: string, value: string) => {
		if (!value || /[\s\0]/.test(value)) throw new UsageError(`guest plan: ${what} ${JSON.stringify(value)} must be non-empty and contain no whitespace`);
		return value;
	};
	if (!Number.isInteger(plan.caseTimeoutSeconds) || plan.caseTimeoutSeconds < 1)
		throw new UsageError(`guest plan: case timeout ${plan.caseTimeoutSeconds} must be a whole number of seconds, at least 1`);
	const lines = ['# fpu-kvm-testgen guest plan', `data ${word('data device', plan.data)}`, `case-timeout ${plan.caseTimeoutSeconds}`];
	for (const module of plan.modules) lines.push(`module ${word('module', module)}`);
	if (plan.requireKvm) lines.push('require-kvm');
	for (const exec of plan.execs) {
		lines.push(['exec', word('id', exec.id), word('path', exec.path), ...exec.args.map((a) => word('argument', a))].join(' '));
	}
	return lines.join('\n') + '\n';
}

export type GuestEndResult =
	{ readonly how: 'exit'; readonly code: number } | { readonly how: 'signal'; readonly signal: string } | { readonly how: 'timeout' };

/** One protocol line of the guest init; everything else on the data channel is test output. */
export type GuestEvent =
	| { readonly kind: 'start'; readonly release: string }
	| { readonly kind: 'module'; readonly name: string; readonly status: 'ok' | 'skipped' }
	| { readonly kind: 'module'; readonly name: string; readonly status: 'error'; readonly error: string }
	| { readonly kind: 'no-kvm'; readonly error: string }
	| { readonly kind: 'begin'; readonly id: string }
	/** Taint flags before and after the binary ran; null where the guest could not read them. */
	| { readonly kind: 'end'; readonly id: string; readonly result: GuestEndResult; readonly taintedBefore: number | null; readonly taintedAfter: number | null }
	| { readonly kind: 'kmsg'; readonly text: string }
	| { readonly kind: 'cannot-exec'; readonly path: string; readonly error: string }
	| { readonly kind: 'fatal'; readonly what: string }
	| { readonly kind: 'done' };

const PREFIX = 'fkt-init: ';

/** Parses one line (without its newline; a trailing \r from a cooked console is ignored). */
export function parseGuestLine(line: string): GuestEvent | null {
	if (!line.startsWith(PREFIX)) return null;
	const rest = line.slice(PREFIX.length).replace(/\r$/, '');
	let m: RegExpMatchArray | null;
	if ((m = rest.match(/^start (\S+)$/))) return { kind: 'start', release: m[1]! };
	if ((m = rest.match(/^module (\S+) (ok|skipped)$/))) return { kind: 'module', name: m[1]!, status: m[2] as 'ok' | 'skipped' };
	if ((m = rest.match(/^module (\S+) error=(\S+)$/))) return { kind: 'module', name: m[1]!, status: 'error', error: m[2]! };
	if ((m = rest.match(/^no-kvm (\S+)$/))) return { kind: 'no-kvm', error: m[1]! };
	if ((m = rest.match(/^begin (\S+)$/))) return { kind: 'begin', id: m[1]! };
	if ((m = rest.match(/^end (\S+) (?:exit=(\d+)|signal=(\S+)|(timeout)) tainted=(\d+|-),(\d+|-)$/))) {
		const result: GuestEndResult =
			m[2] !== undefined ? { how: 'exit', code: Number(m[2]) } : m[3] !== undefined ? { how: 'signal', signal: m[3] } : { how: 'timeout' };
		const taint = (t: string) => (t === '-' ? null : Number(t));
		return { kind: 'end', id: m[1]!, result, taintedBefore: taint(m[5]!), taintedAfter: taint(m[6]!) };
	}
	if ((m = rest.match(/^kmsg (.*)$/))) return { kind: 'kmsg', text: m[1]! };
	if ((m = rest.match(/^cannot exec (\S+): (\S+)$/))) return { kind: 'cannot-exec', path: m[1]!, error: m[2]! };
	if ((m = rest.match(/^fatal (.+)$/))) return { kind: 'fatal', what: m[1]! };
	if (rest === 'done') return { kind: 'done' };
	return null;
}
