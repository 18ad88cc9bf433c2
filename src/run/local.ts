// Runs executions on this machine's kernel: each binary in its own process group, up to `jobs` at a
// time, with the kernel's health read before and after each.
import type { ExecutionHooks, ExecutionOutcome, Execution, Executor, Stop } from './executor.js';
import { interruptedStop, notStarted, stopForExit } from './executor.js';
import { healthFindings, readHealth } from './health.js';
import { runBinary, type BinaryRun } from './run-binary.js';

export function localExecutor(options: { readonly caseTimeoutMs: number; readonly jobs: number }): Executor {
	return {
		async run(executions, hooks, deadline, abort) {
			const outcomes: ExecutionOutcome[] = new Array(executions.length);
			let next = 0;
			const worker = async () => {
				for (let i = next++; i < executions.length; i = next++) {
					// After an interruption no binary starts; the ones running are stopped by runBinary.
					outcomes[i] = abort?.aborted ? notStarted(abort) : await runOne(executions[i]!, hooks, deadline, options.caseTimeoutMs, abort);
				}
			};
			await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
			return outcomes;
		},
	};
}

async function runOne(
	execution: Execution,
	hooks: ExecutionHooks,
	deadline: number,
	caseTimeoutMs: number,
	abort: AbortSignal | undefined,
): Promise<ExecutionOutcome> {
	const before = readHealth();
	const binary = await runBinary(execution.path, execution.args, {
		caseTimeoutMs,
		deadline,
		heartbeat: (results, elapsed) => hooks.onHeartbeat(execution, results, elapsed),
		onTest: (test, seen) => hooks.onTest(execution, test, seen),
		abort,
	});
	return {
		output: binary.output,
		doc: binary.doc,
		stop: stopOf(binary, abort),
		durationMs: binary.durationMs,
		health: healthFindings(before, readHealth()),
		notRun: null,
		interrupted: binary.stopped === 'interrupted',
	};
}

function stopOf(binary: BinaryRun, abort: AbortSignal | undefined): Stop | null {
	if (binary.stopped === 'case-timeout') return { status: 'TIMEOUT', reason: 'no result within the per-case timeout; the binary was stopped' };
	if (binary.stopped === 'deadline') return { status: 'TIMEOUT', reason: 'the overall timeout was reached' };
	if (binary.stopped === 'interrupted') return interruptedStop(abort);
	return stopForExit(binary.code, binary.signal);
}
