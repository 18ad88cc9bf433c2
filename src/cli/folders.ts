// The folders a command writes into (--out, --cache, XDG_CACHE_HOME), checked before any work: a
// real folder or one that can be made, writable, and not on a kernel pseudo-filesystem, where a
// recursive mkdir never ends (/proc) or a write changes the system (/sys, /dev).
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { printable } from '../input-file.js';
import { UsageError } from '../errors.js';

const PSEUDO = ['/proc', '/sys', '/dev'];

/** The path with its longest existing prefix resolved through links: where writes would really go. */
function realTarget(path: string): string {
	let existing = path;
	const rest: string[] = [];
	while (!existsSync(existing)) {
		rest.unshift(existing.slice(dirname(existing).length + 1));
		const parent = dirname(existing);
		if (parent === existing) break;
		existing = parent;
	}
	return [realpathSync(existing), ...rest].join(sep).replace(/\/+/g, '/');
}

/** The absolute folder to write into, or a UsageError naming what is wrong with it. */
export function writableFolder(path: string, what: string): string {
	const absolute = resolve(path);
	const shown = printable(path);
	const real = realTarget(absolute);
	const pseudo = PSEUDO.find((p) => real === p || real.startsWith(p + '/'));
	if (pseudo) throw new UsageError(`${what} ${shown} is on the kernel's ${pseudo} filesystem: choose a folder on a real filesystem`);
	let existing = absolute;
	while (!existsSync(existing)) existing = dirname(existing);
	if (!statSync(existing).isDirectory()) {
		throw new UsageError(
			existing === absolute ? `${what} ${shown} exists and is not a folder` : `${what} ${shown}: ${printable(existing)} is a file, not a folder`,
		);
	}
	try {
		accessSync(existing, constants.W_OK | constants.X_OK);
	} catch {
		throw new UsageError(`${what} ${shown}: ${printable(existing)} is not writable`);
	}
	return absolute;
}
