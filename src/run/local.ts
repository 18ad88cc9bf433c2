// Runs executions on this machine's kernel: each binary in its own process group, up to `jobs` at a
// time, with the kernel's health read before and after each.
import type { ExecutionHooks, ExecutionOutcome, Execution, Executor, Stop } from './executor.js';
import { stopForExit } from './executor.js';
import { healthFindings, readHealth } from './health.js';
import { runBinary, type BinaryRun } from './run-binary.js';

export function localExecutor(options: { readonly caseTimeoutMs: number; readonly jobs: number }): Executor {
	return {
		async run(executions, hooks, deadline) {
			const outcomes: ExecutionOutcome[] = new Array(executions.length);
			let next = 0;
			const worker = async () => {
				for (let i = next++; i < executions.length; i = next++) outcomes[i] = await runOne(executions[i]!, hooks, deadline, options.caseTimeoutMs);
			};
			await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
			return outcomes;
		},
	};
}

async function runOne(execution: Execution, hooks: ExecutionHooks, deadline: number, caseTimeoutMs: number): Promise<ExecutionOutcome> {
	const before = readHealth();
	const binary = await runBinary(execution.path, execution.args, {
		caseTimeoutMs,
		deadline,
		heartbeat: (results, elapsed) => hooks.onHeartbeat(execution, results, elapsed),
		onTest: (test, observations) => hooks.onTest(execution, test, observations),
	});
	return {
		output: binary.output,
		doc: binary.doc,
		stop: stopOf(binary),
		durationMs: binary.durationMs,
		health: healthFindings(before, readHealth()),
		notRun: null,
	};
}

function stopOf(binary: BinaryRun): Stop | null {
	if (binary.stopped === 'case-timeout') return { status: 'TIMEOUT', reason: 'no result within the per-case timeout; the binary was stopped' };
	if (binary.stopped === 'deadline') return { status: 'TIMEOUT', reason: 'the overall timeout was reached' };
	return stopForExit(binary.code, binary.signal);
}
