// Runs one emitted test binary in its own process group with a per-case timeout (no new result line
// for that long: SIGTERM, then SIGKILL) and an overall deadline, keeping everything it printed and
// parsing it as it arrives.
import { spawn } from 'node:child_process';
import { KtapStream, type KtapDocument, type KtapTest, type Observation } from '../ktap/parse.js';

export interface BinaryRun {
	readonly output: string;
	readonly doc: KtapDocument;
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	/** Why the runner stopped it, if it did. */
	readonly stopped: 'case-timeout' | 'deadline' | null;
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
	readonly onTest?: (test: KtapTest, observations: readonly Observation[]) => void;
	readonly env?: NodeJS.ProcessEnv;
}

const KILL_GRACE_MS = 2000;

export function runBinary(path: string, args: readonly string[], options: BinaryRunOptions): Promise<BinaryRun> {
	const started = Date.now();
	return new Promise((resolve) => {
		const child = spawn(path, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
		const chunks: Buffer[] = [];
		let results = 0;
		let lastProgress = started;
		// stdout and stderr share one stream, in arrival order, as on a terminal.
		const ktap = new KtapStream((test, observations) => {
			results++;
			lastProgress = Date.now();
			options.onTest?.(test, observations);
		});
		let stopped: BinaryRun['stopped'] = null;
		const stop = (why: NonNullable<BinaryRun['stopped']>) => {
			if (stopped) return;
			stopped = why;
			signalGroup(child.pid, 'SIGTERM');
			setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
		};
		const onData = (data: Buffer) => {
			chunks.push(data);
			ktap.write(data);
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		const watchdog = setInterval(() => {
			const now = Date.now();
			if (now >= options.deadline) stop('deadline');
			else if (now - lastProgress > options.caseTimeoutMs) stop('case-timeout');
		}, 100);
		const heartbeat = options.heartbeat
			? setInterval(() => options.heartbeat!(results, Date.now() - started), options.heartbeatMs ?? 10_000)
			: null;
		const finish = (code: number | null, signal: NodeJS.Signals | null) => {
			clearInterval(watchdog);
			if (heartbeat) clearInterval(heartbeat);
			// Forked case children may outlive the binary; the group goes with it.
			signalGroup(child.pid, 'SIGKILL');
			resolve({ output: Buffer.concat(chunks).toString('utf8'), doc: ktap.end(), code, signal, stopped, durationMs: Date.now() - started });
		};
		child.on('error', (error) => {
			onData(Buffer.from(`\n# runner: cannot start ${path}: ${(error as NodeJS.ErrnoException).code ?? error.message}\n`));
			finish(null, null);
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
