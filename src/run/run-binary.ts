// Runs one emitted test binary in its own process group with a per-case timeout (no new result line
// for that long: SIGTERM, then SIGKILL), an overall deadline and an abort signal, keeping everything
// it printed and parsing it as it arrives. The run ends once the binary has exited and its output has
// drained, at most a short grace later: a descendant that left the process group (setsid) and holds
// the pipe open must not hold the run up. Such descendants are found by a mark in their environment
// and killed with the group, so no process is left behind.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KtapStream, type KtapDocument, type FktLines, type KtapTest } from '../ktap/parse.js';

export interface BinaryRun {
	readonly output: string;
	readonly doc: KtapDocument;
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	/** Why the runner stopped it, if it did. */
	readonly stopped: 'case-timeout' | 'deadline' | 'interrupted' | null;
	readonly durationMs: number;
}

export interface BinaryRunOptions {
	readonly caseTimeoutMs: number;
	/** Absolute time (Date.now()) after which the binary is stopped. */
	readonly deadline: number;
	/** Called every heartbeatMs while the binary runs, with the number of results seen so far. */
	readonly heartbeat?: (results: number, elapsedMs: number) => void;
	readonly heartbeatMs?: number;
	/** Called for each top-level result as soon as its line is complete. */
	readonly onTest?: (test: KtapTest, seen: FktLines) => void;
	readonly env?: NodeJS.ProcessEnv;
	/** Stops the binary as a timeout does (SIGTERM, then SIGKILL); an aborted signal starts nothing. */
	readonly abort?: AbortSignal;
}

const KILL_GRACE_MS = 2000;
/** After the binary has exited, how long the rest of its output may take to come through the pipe. */
const DRAIN_GRACE_MS = 500;
/** After SIGKILL: a binary that has not exited is stuck in the kernel, and the run goes on without it. */
const STUCK_MS = 2000;
/**
 * Every process the binary starts inherits this variable, wherever it moves: setsid() takes it out of
 * the process group and its parent's exit out of the binary's tree, but not out of its environment.
 * (/proc/<pid>/task/<tid>/children would lose it the moment its parent exits, and does not exist
 * without CONFIG_PROC_CHILDREN, which the PVM host of the README's example lacks.)
 */
const MARK_VARIABLE = 'FKT_RUN_MARK';

export function runBinary(path: string, args: readonly string[], options: BinaryRunOptions): Promise<BinaryRun> {
	const started = Date.now();
	if (options.abort?.aborted)
		return Promise.resolve({ output: '', doc: new KtapStream().end(), code: null, signal: null, stopped: 'interrupted', durationMs: 0 });
	return new Promise((resolve) => {
		const markValue = randomUUID();
		const env = { ...(options.env ?? process.env), [MARK_VARIABLE]: markValue };
		const child = spawn(path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
		const chunks: Buffer[] = [];
		let results = 0;
		let lastProgress = started;
		// stdout and stderr share one stream, in arrival order, as on a terminal.
		const ktap = new KtapStream((test, seen) => {
			results++;
			lastProgress = Date.now();
			options.onTest?.(test, seen);
		});
		let stopped: BinaryRun['stopped'] = null;
		let exited = false;
		let done = false;
		const timers: NodeJS.Timeout[] = [];
		const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));
		const onData = (data: Buffer) => {
			chunks.push(data);
			ktap.write(data);
		};
		const stop = (why: NonNullable<BinaryRun['stopped']>) => {
			// A binary that has exited needs no stopping: what is left is its output draining.
			if (stopped || exited) return;
			stopped = why;
			signalGroup(child.pid, 'SIGTERM');
			later(KILL_GRACE_MS, () => signalGroup(child.pid, 'SIGKILL'));
			later(KILL_GRACE_MS + STUCK_MS, () => {
				onData(Buffer.from(`\n# runner: ${path} did not exit ${STUCK_MS / 1000} s after SIGKILL (stuck in the kernel?); the run went on without it\n`));
				finish(null, null);
			});
		};
		const onAbort = () => stop('interrupted');
		options.abort?.addEventListener('abort', onAbort, { once: true });
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		const watchdog = setInterval(() => {
			const now = Date.now();
			if (now >= options.deadline) stop('deadline');
			else if (now - lastProgress > options.caseTimeoutMs) stop('case-timeout');
		}, 100);
		const heartbeat = options.heartbeat ? setInterval(() => options.heartbeat!(results, Date.now() - started), options.heartbeatMs ?? 10_000) : null;
		const finish = (code: number | null, signal: NodeJS.Signals | null) => {
			if (done) return;
			done = true;
			clearInterval(watchdog);
			if (heartbeat) clearInterval(heartbeat);
			for (const timer of timers) clearTimeout(timer);
			options.abort?.removeEventListener('abort', onAbort);
			// A holder of the pipe that cannot be found (it cleared its environment) must not keep the run waiting.
			child.stdout?.destroy();
			child.stderr?.destroy();
			const run: BinaryRun = { output: Buffer.concat(chunks).toString('utf8'), doc: ktap.end(), code, signal, stopped, durationMs: Date.now() - started };
			// Forked case children may outlive the binary; the group goes with it, and so does every
			// descendant that left the group.
			signalGroup(child.pid, 'SIGKILL');
			void killMarked(`${MARK_VARIABLE}=${markValue}`).then(() => resolve(run));
		};
		child.on('error', (error) => {
			onData(Buffer.from(`\n# runner: cannot start ${path}: ${(error as NodeJS.ErrnoException).code ?? error.message}\n`));
			finish(null, null);
		});
		child.on('exit', (code, signal) => {
			exited = true;
			// 'close' normally follows at once; it does not while a descendant holds the pipe open.
			later(DRAIN_GRACE_MS, () => finish(code, signal));
		});
		child.on('close', finish);
	});
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// The group is gone already.
	}
}

/** How often, and how long at most, to look for marked processes until the last has died. */
const KILL_POLL_MS = 10;
const KILL_WAIT_MS = 1000;

/**
 * SIGKILL for every process whose environment holds the mark, again for those that fork meanwhile,
 * until none is left (SIGKILL takes a moment to end a process) or KILL_WAIT_MS have passed.
 */
async function killMarked(mark: string): Promise<void> {
	const until = Date.now() + KILL_WAIT_MS;
	for (;;) {
		const marked = markedProcesses(mark);
		if (!marked.length || Date.now() >= until) return;
		for (const pid of marked) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// It ended by itself meanwhile.
			}
		}
		await sleep(KILL_POLL_MS);
	}
}

/**
 * The live processes whose environment holds the mark. A process that has died (a zombie) has no
 * environment left to read, nor has one of another user: neither is found.
 */
function markedProcesses(mark: string): number[] {
	let names: string[];
	try {
		names = readdirSync('/proc');
	} catch {
		return [];
	}
	const pids: number[] = [];
	for (const name of names) {
		const pid = Number(name);
		if (!Number.isInteger(pid) || pid === process.pid) continue;
		try {
			if (readFileSync(`/proc/${name}/environ`).includes(mark)) pids.push(pid);
		} catch {
			// Gone, or not ours to read.
		}
	}
	return pids;
}
