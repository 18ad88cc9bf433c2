// Runs an external command without a shell, with a timeout, capturing its output.
import { spawn } from 'node:child_process';
import { printable } from './input-file.js';

export interface CommandResult {
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	readonly timedOut: boolean;
	readonly output: string;
}

export interface CommandOptions {
	readonly cwd?: string;
	readonly timeoutMs: number;
	readonly env?: NodeJS.ProcessEnv;
	/** Called with each chunk of output as it arrives (progress, logs). */
	readonly onOutput?: (chunk: string) => void;
}

/** Output beyond this is dropped from the middle: enough to show an error, bounded in memory. */
const MAX_KEPT = 4 * 1024 * 1024;

/** Process groups of the commands still running: an interrupted tool takes them with it. */
const LIVE = new Set<number>();
process.once('exit', () => {
	for (const pid of LIVE) killGroup(pid, 'SIGKILL');
});

export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
	return new Promise((resolvePromise) => {
		const [file, ...args] = argv;
		const child = spawn(file!, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		if (child.pid !== undefined) LIVE.add(child.pid);
		let output = '';
		let timedOut = false;
		const keep = (data: Buffer) => {
			const text = data.toString('utf8');
			options.onOutput?.(text);
			output += text;
			if (output.length > MAX_KEPT) output = output.slice(0, MAX_KEPT / 2) + '\n[...]\n' + output.slice(-MAX_KEPT / 2);
		};
		child.stdout!.on('data', keep);
		child.stderr!.on('data', keep);
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup(child.pid, 'SIGTERM');
			setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000).unref();
		}, options.timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			if (child.pid !== undefined) LIVE.delete(child.pid);
			resolvePromise({ code: null, signal: null, timedOut: false, output: `${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}` });
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			if (child.pid !== undefined) LIVE.delete(child.pid);
			resolvePromise({ code, signal, timedOut, output });
		});
	});
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

/** The last lines of a command's output, for a one-line error plus a pointer to the log. */
export function lastLines(output: string, count: number): string {
	return output.trimEnd().split('\n').slice(-count).join('\n');
}

/** The line that says why a command failed: the last one that is not make's own bookkeeping. */
export function failureLine(output: string): string {
	const lines = output
		.trimEnd()
		.split('\n')
		.filter((l) => l.trim() && !/^make(\[\d+\])?: /.test(l));
	return lines.at(-1)?.trim() ?? '';
}

/**
 * Characters a path may hold when it reaches make: make expands `$` in command-line variables and
 * hands recipes to the shell, and splits on spaces and colons (VPATH), so anything else could run a
 * command or mean another path. Paths with other characters are refused, not quoted.
 */
const MAKE_SAFE_PATH = /^[A-Za-z0-9._+,@~/-]+$/;
/** A compiler flag passed through EXTRA_CFLAGS: a dash, then the same characters plus = . */
const MAKE_SAFE_FLAG = /^-[A-Za-z0-9._+,@~/=-]+$/;

function firstUnsafe(text: string, allowed: RegExp): string {
	const bad = [...text].find((c) => !allowed.test(c)) ?? text[0] ?? '';
	const code = bad.codePointAt(0) ?? 0;
	return code < 0x21 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : bad;
}

/** Throws if `path` cannot be given to make as it is (see MAKE_SAFE_PATH). */
export function assertMakeSafePath(path: string, what: string, error: (message: string) => Error): void {
	if (MAKE_SAFE_PATH.test(path)) return;
	throw error(
		`${what} '${printable(path)}' has a character make or the shell would interpret ('${firstUnsafe(path, /[A-Za-z0-9._+,@~/-]/)}'); ` +
			'use a path of letters, digits and ._+,@~/-',
	);
}

/** Throws if a compiler flag could be read by make or the shell as more than a flag. */
export function assertMakeSafeFlag(flag: string, what: string, error: (message: string) => Error): void {
	if (MAKE_SAFE_FLAG.test(flag)) return;
	throw error(
		`${what} '${printable(flag)}' is not a plain compiler flag ('${firstUnsafe(flag, /[A-Za-z0-9._+,@~/=-]/)}'): ` +
			'flags start with - and use letters, digits and ._+,@~/=-',
	);
}
