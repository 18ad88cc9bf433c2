// Runs an external command without a shell, with a timeout, capturing its output.
import { spawn } from 'node:child_process';

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

export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
	return new Promise((resolvePromise) => {
		const [file, ...args] = argv;
		const child = spawn(file!, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
			resolvePromise({ code: null, signal: null, timedOut: false, output: `${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}` });
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
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
	const lines = output.trimEnd().split('\n').filter((l) => l.trim() && !/^make(\[\d+\])?: /.test(l));
	return lines.at(-1)?.trim() ?? '';
}
