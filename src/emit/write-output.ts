// Everything the tool writes into an output folder goes through here: the folder is held by one run at
// a time, nothing is written through a symbolic link inside it, and a set of files is either written
// whole or not at all (temporary names first, then renames that an interrupt cannot split).
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { printable } from '../input-file.js';
import { UsageError } from '../errors.js';

/** Entries we may find in a folder we generated before; anything else makes it foreign. */
const OURS = /^(README\.md|manifest\.json|expected\.json|selftests|build|bin|logs|\.fkt-lock|\..+\.tmp-\d+)$/;
const LOCK = '.fkt-lock';
/** Our temporary names: `.<file>.tmp-<pid>`. */
const TEMP = /^\.(.+)\.tmp-(\d+)$/;
/** An output folder is small; a walk that finds more than this is not one of ours. */
const MAX_ENTRIES = 200_000;

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Refuses a symbolic link anywhere inside the folder: the tool writes only real folders and files
 * inside --out, so a link there would send its writes elsewhere.
 */
export function assertNoLinksInside(dir: string): void {
	if (!existsSync(dir)) return;
	let seen = 0;
	const walk = (folder: string) => {
		for (const name of readdirSync(folder)) {
			if (++seen > MAX_ENTRIES) throw new UsageError(`output folder ${dir} holds more than ${MAX_ENTRIES} entries: not one written by fpu-kvm-testgen`);
			const path = join(folder, name);
			const stat = lstatSync(path);
			if (stat.isSymbolicLink()) {
				throw new UsageError(`${printable(path)} inside the output folder is a symbolic link: fpu-kvm-testgen does not write through links; remove it`);
			}
			if (stat.isDirectory()) walk(path);
		}
	};
	walk(dir);
}

export function assertOutputFolderUsable(dir: string): void {
	if (!existsSync(dir)) return;
	if (!statSync(dir).isDirectory()) throw new UsageError(`output ${printable(dir)} exists and is not a folder`);
	const entries = readdirSync(dir);
	if (entries.length === 0) return;
	const manifestPath = join(dir, 'manifest.json');
	if (existsSync(manifestPath) && lstatSync(manifestPath).isFile() && readFileSync(manifestPath, 'utf8').includes('"fpu-kvm-testgen/manifest/')) return;
	if (entries.every((e) => OURS.test(e))) return;
	throw new UsageError(`output folder ${printable(dir)} is not empty and was not written by fpu-kvm-testgen; choose another --out`);
}

/** Removes temporary files that a run which died left in the folder (never a live run's). */
function removeDeadTemps(dir: string): void {
	for (const name of readdirSync(dir)) {
		const temp = TEMP.exec(name);
		if (temp && !alive(Number(temp[2]))) rmSync(join(dir, name), { force: true });
	}
}

/**
 * Holds the output folder for this process until it exits: a second run into the same folder is
 * refused while this one lives (re-entrant within one process: check holds it for its stages).
 */
export function holdOutputFolder(dir: string): void {
	// The folders this run makes, innermost first, so that a run that stops early leaves none.
	const created: string[] = [];
	for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) created.push(at);
	try {
		mkdirSync(dir, { recursive: true });
	} catch (error) {
		throw new UsageError(`cannot create output folder ${printable(dir)}: ${errnoOf(error)}`);
	}
	const lock = join(dir, LOCK);
	for (;;) {
		try {
			writeFileSync(lock, String(process.pid), { flag: 'wx' });
			// A folder this run made and left empty (it stopped early) goes again: untouched means absent.
			process.once('exit', () => {
				if (readFileOrEmpty(lock) === String(process.pid)) rmSync(lock, { force: true });
				for (const folder of created) {
					if (!existsSync(folder) || readdirSync(folder).length > 0) break;
					rmdirSync(folder);
				}
			});
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot lock output folder ${printable(dir)}: ${errnoOf(error)}`);
			const holder = Number(readFileOrEmpty(lock));
			if (holder === process.pid) return;
			if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
				throw new UsageError(`output folder ${printable(dir)} is in use by another fpu-kvm-testgen run (pid ${holder}); wait for it or choose another --out`);
			}
			// Left by a run that died: take it over.
			rmSync(lock, { force: true });
		}
	}
	removeDeadTemps(dir);
}

function readFileOrEmpty(path: string): string {
	try {
		return lstatSync(path).isFile() ? readFileSync(path, 'utf8') : '';
	} catch {
		return '';
	}
}

/** Creates the folders from `root` down to `dir` one by one, refusing links and non-folders on the way. */
function ensureRealFolder(root: string, dir: string): void {
	let at = root;
	for (const part of relative(root, dir).split(sep).filter(Boolean)) {
		at = join(at, part);
		if (!existsSync(at) && !isLink(at)) mkdirSync(at);
		const stat = lstatSync(at);
		if (stat.isSymbolicLink())
			throw new UsageError(`${printable(at)} inside the output folder is a symbolic link: fpu-kvm-testgen does not write through links; remove it`);
		if (!stat.isDirectory()) throw new UsageError(`${printable(at)} inside the output folder is not a folder`);
	}
}

function isLink(path: string): boolean {
	try {
		return lstatSync(path).isSymbolicLink();
	} catch {
		return false;
	}
}

/**
 * Signals that arrive while files are being committed wait until the commit is done; then the tool
 * ends as the signal asked, through process.exit so that its exit handlers still run.
 */
function deferSignals<T>(work: () => T): T {
	let received: NodeJS.Signals | null = null;
	const hold = (signal: NodeJS.Signals) => {
		received ??= signal;
	};
	process.on('SIGINT', hold);
	process.on('SIGTERM', hold);
	try {
		return work();
	} finally {
		process.off('SIGINT', hold);
		process.off('SIGTERM', hold);
		if (received) process.exit(128 + constants.signals[received]);
	}
}

export function writeOutputFiles(dir: string, files: ReadonlyMap<string, string>): void {
	assertOutputFolderUsable(dir);
	holdOutputFolder(dir);
	assertNoLinksInside(dir);
	deferSignals(() => {
		const temps: string[] = [];
		try {
			for (const [name, content] of files) {
				const target = join(dir, name);
				ensureRealFolder(dir, dirname(target));
				const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
				rmSync(temp, { force: true });
				temps.push(temp);
				// wx: never through a link someone put at the temporary name.
				writeFileSync(temp, content, { flag: 'wx' });
			}
		} catch (error) {
			for (const temp of temps) rmSync(temp, { force: true });
			if (error instanceof UsageError) throw error;
			throw new UsageError(`cannot write into output folder ${printable(dir)}: ${errnoOf(error)}`);
		}
		// A rename replaces a link at the target name instead of following it.
		[...files.keys()].forEach((name, i) => renameSync(temps[i]!, join(dir, name)));
	});
}

/** One file anywhere (a report, the JSON Schema): written to a temporary name beside it, then renamed. */
export function writeOutputFile(path: string, content: string): void {
	const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
	try {
		if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`cannot write ${printable(path)}: it is a folder`);
		rmSync(temp, { force: true });
		writeFileSync(temp, content, { flag: 'wx' });
		renameSync(temp, path);
	} catch (error) {
		rmSync(temp, { force: true });
		if (error instanceof UsageError) throw error;
		throw new UsageError(`cannot write ${printable(path)}: ${errnoOf(error)}`);
	}
}

/** Throws now if `path` could not be written later: its folder must exist and it must not be a folder. */
export function assertWritableFile(path: string, what: string): void {
	const folder = dirname(path);
	if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`${what} ${printable(path)}: folder ${printable(folder)} does not exist`);
	if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${what} ${printable(path)} is a folder`);
}
