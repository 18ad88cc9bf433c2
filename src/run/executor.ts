// Where test binaries run: on this machine (local.ts) or inside a booted kernel (qemu/). The suite
// logic in run-suite.ts hands an executor a batch of executions and gets one outcome per execution.
import type { CaseRun } from '../compare/compare.js';
import type { ExpectedCase } from '../emit/expected-schema.js';
import { KtapStream, type KtapDocument, type FktLines, type KtapTest } from '../ktap/parse.js';

/** One run of one test binary: the whole family, or the cases named in args. */
export interface Execution {
	/** Unique within a batch; also names the run in logs. */
	readonly id: string;
	/** The test's name, e.g. fkt_core_test. */
	readonly binary: string;
	/** The binary on this machine. */
	readonly path: string;
	readonly args: readonly string[];
	readonly cases: readonly ExpectedCase[];
}

export type Stop = NonNullable<CaseRun['stopped']>;

export interface ExecutionOutcome {
	readonly output: string;
	readonly doc: KtapDocument;
	/** Why the binary ended without reporting every case (timeout, signal, bad exit), or null. */
	readonly stop: Stop | null;
	readonly durationMs: number;
	/** Kernel health findings while it ran. */
	readonly health: readonly string[];
	/** Set when the target died (a guest panic): the cases the binary did not reach are reported as not run. */
	readonly notRun: string | null;
	/** Set when the run was interrupted (SuiteRunRequest.abort) while the binary ran or before it started. */
	readonly interrupted?: boolean;
}

export interface ExecutionHooks {
	/** A top-level result line of the execution is complete. */
	readonly onTest: (execution: Execution, test: KtapTest, seen: FktLines) => void;
	readonly onHeartbeat: (execution: Execution, results: number, elapsedMs: number) => void;
}

export interface Executor {
	/**
	 * Runs a batch; outcomes in the order of the executions. Once abort fires, the running binaries are
	 * stopped, no other starts, and their outcomes are `interrupted`.
	 */
	run(executions: readonly Execution[], hooks: ExecutionHooks, deadline: number, abort?: AbortSignal): Promise<ExecutionOutcome[]>;
}

/** How kselftest binaries end: 0 all passed, 1 some case failed, 4 all skipped. */
export function stopForExit(code: number | null, signal: NodeJS.Signals | string | null): Stop | null {
	if (signal) return { status: 'CRASH', reason: `the test binary died from ${signal}` };
	if (code === null) return { status: 'ERROR', reason: 'the test binary could not be started' };
	if (![0, 1, 4].includes(code)) {
		const hint = code === 254 ? ' (a TEST_ASSERT failed)' : '';
		return { status: 'ERROR', reason: `the test binary exited with code ${code}${hint}` };
	}
	return null;
}

/** 'interrupted (SIGINT)' when the run was aborted with the signal's name as the reason, else 'interrupted'. */
export function interruptedStop(abort: AbortSignal | undefined): Stop {
	const reason: unknown = abort?.reason;
	return { status: 'ERROR', reason: typeof reason === 'string' && reason ? `interrupted (${reason})` : 'interrupted' };
}

/** The outcome of an execution that the interruption kept from starting. */
export function notStarted(abort: AbortSignal | undefined): ExecutionOutcome {
	return { output: '', doc: new KtapStream().end(), stop: interruptedStop(abort), durationMs: 0, health: [], notRun: null, interrupted: true };
}
