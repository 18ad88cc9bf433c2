// Writes a set of files into the output folder without leaving anything half-written: every file is
// first written to a temporary name inside the folder, and only when all are written are they renamed.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/** Entries we may find in a folder we generated before; anything else makes it foreign. */
const OURS = /^(README\.md|manifest\.json|expected\.json|selftests|build|bin|logs)$/;

export function assertOutputFolderUsable(dir: string): void {
	if (!existsSync(dir)) return;
	if (!statSync(dir).isDirectory()) throw new UsageError(`output ${dir} exists and is not a folder`);
	const entries = readdirSync(dir);
	if (entries.length === 0) return;
	const manifestPath = join(dir, 'manifest.json');
	if (existsSync(manifestPath) && readFileSync(manifestPath, 'utf8').includes('"fpu-kvm-testgen/manifest/')) return;
	if (entries.every((e) => OURS.test(e))) return;
	throw new UsageError(`output folder ${dir} is not empty and was not written by fpu-kvm-testgen; choose another --out`);
}

export function writeOutputFiles(dir: string, files: ReadonlyMap<string, string>): void {
	assertOutputFolderUsable(dir);
	try {
		mkdirSync(dir, { recursive: true });
	} catch (error) {
		throw new UsageError(`cannot create output folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
	const temps: string[] = [];
	try {
		for (const [name, content] of files) {
			const target = join(dir, name);
			mkdirSync(dirname(target), { recursive: true });
			const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
			temps.push(temp);
			writeFileSync(temp, content);
		}
	} catch (error) {
		for (const temp of temps) rmSync(temp, { force: true });
		throw new UsageError(`cannot write into output folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
	[...files.keys()].forEach((name, i) => renameSync(temps[i]!, join(dir, name)));
}

/** One file anywhere (e.g. the JSON Schema): written to a temporary name beside it, then renamed. */
export function writeOutputFile(path: string, content: string): void {
	const temp = `${path}.tmp-${process.pid}`;
	try {
		writeFileSync(temp, content);
		renameSync(temp, path);
	} catch (error) {
		rmSync(temp, { force: true });
		throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
}
