// Runs a batch of executions inside one boot of the kernel under test: each execution's output is
// parsed as it streams in, exactly as for a binary run on this machine.
import { KtapStream } from '../../ktap/parse.js';
import type { Execution, ExecutionOutcome, Executor, Stop } from '../executor.js';
import { notStarted, stopForExit } from '../executor.js';
import { healthFindings, troubleOf } from '../health.js';
import { bootGuest, type BootRecord, type QemuTarget } from './boot.js';
import type { GuestEndResult } from './initramfs.js';

const HEARTBEAT_MS = 10_000;

interface Running {
	readonly execution: Execution;
	readonly stream: KtapStream;
	readonly output: string[];
	readonly started: number;
	results: number;
}

export function qemuExecutor(target: QemuTarget): Executor {
	return {
		async run(executions, hooks, deadline, abort) {
			// bootGuest takes no abort signal, so a boot that has begun runs to its end; none begins after one.
			if (abort?.aborted) return executions.map(() => notStarted(abort));
			const byId = new Map(executions.map((e) => [e.id, e]));
			const outcomes = new Map<string, ExecutionOutcome>();
			let current: Running | null = null;
			const heartbeat = setInterval(() => {
				if (current) hooks.onHeartbeat(current.execution, current.results, Date.now() - current.started);
			}, HEARTBEAT_MS);
			let record: BootRecord;
			try {
				record = await bootGuest(
					target,
					executions.map((e) => ({ id: e.id, hostPath: e.path, args: e.args })),
					{
						onBegin: (id) => {
							const execution = byId.get(id)!;
							const running: Running = {
								execution,
								output: [],
								started: Date.now(),
								results: 0,
								stream: new KtapStream((test, seen) => {
									running.results++;
									hooks.onTest(execution, test, seen);
								}),
							};
							current = running;
						},
						onOutput: (_id, line) => {
							current?.output.push(line);
							current?.stream.write(`${line}\n`);
						},
						onEnd: (id, event, kmsg) => {
							if (!current || current.execution.id !== id) return;
							const health = healthFindings(
								{ troubleLines: [], tainted: taint(event.taintedBefore) },
								{ troubleLines: troubleOf(kmsg), tainted: taint(event.taintedAfter) },
							);
							outcomes.set(id, finished(current, stopOfEnd(event.result), health));
							current = null;
						},
					},
					deadline,
				);
			} finally {
				clearInterval(heartbeat);
			}
			const interrupted = current as Running | null;
			if (interrupted) {
				// Where a silent guest stopped: the last line the binary printed.
				const last = interrupted.output.at(-1);
				const where = record.end.kind === 'silent' && last !== undefined ? ` (its last line: ${JSON.stringify(last.slice(0, 200))})` : '';
				outcomes.set(interrupted.execution.id, { ...finished(interrupted, stopOfBoot(record), []), notRun: `the guest ${endedHow(record)}${where}` });
			}
			return executions.map(
				(e) =>
					outcomes.get(e.id) ?? {
						output: '',
						doc: new KtapStream().end(),
						stop: null,
						durationMs: 0,
						health: [],
						notRun: `the guest ${endedHow(record)} before it ran`,
					},
			);
		},
	};
}

function stopOfEnd(result: GuestEndResult): Stop | null {
	if (result.how === 'timeout') return { status: 'TIMEOUT', reason: 'no result within the per-case timeout; the guest init stopped the binary' };
	return result.how === 'signal' ? stopForExit(null, result.signal) : stopForExit(result.code, null);
}

function taint(value: number | null): string | null {
	return value === null ? null : String(value);
}

function finished(running: Running, stop: Stop | null, health: readonly string[]): ExecutionOutcome {
	return { output: running.output.join('\n'), doc: running.stream.end(), stop, durationMs: Date.now() - running.started, health, notRun: null };
}

/** What stopped the case that was running when the boot ended. */
function stopOfBoot(record: BootRecord): Stop {
	const end = record.end;
	switch (end.kind) {
		case 'panic':
			return { status: 'CRASH', reason: `the guest kernel panicked: ${end.line}` };
		case 'silent':
			return {
				status: 'TIMEOUT',
				reason: `the guest printed nothing for ${end.seconds} s and was stopped${end.evidence ? `; its kernel said: ${end.evidence}` : ''}`,
			};
		case 'deadline':
			return { status: 'TIMEOUT', reason: 'the overall timeout was reached' };
		case 'exited':
			return { status: 'ERROR', reason: `QEMU exited (${end.signal ?? `code ${end.code}`}) while the case ran` };
		case 'done':
			return { status: 'ERROR', reason: 'the guest init finished without ending this run' };
	}
}

function endedHow(record: BootRecord): string {
	const end = record.end;
	const during = record.running ? ` during ${record.running}` : '';
	switch (end.kind) {
		case 'panic':
			return `kernel panicked${during}`;
		case 'silent':
			return `stopped responding${during}`;
		case 'deadline':
			return `was stopped at the overall timeout${during}`;
		case 'exited':
			return `exited${during}`;
		case 'done':
			return 'finished';
	}
}
