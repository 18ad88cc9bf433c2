// The run job of `run` and `check`: the kernel under test (booted in QEMU or this machine's), the run
// of the output folder, its reports, its summary and the comparison with a baseline.
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { probedPlatform } from '../emit/generate-request.js';
import type { Platform } from '../model/index.js';
import { runProbe } from '../run/probe.js';
import { compareWithBaseline } from '../compare/baseline.js';
import { printBaseline, printRunSummary, type Print } from '../report/console.js';
import { writeReports } from '../report/write.js';
import type { QemuTarget } from '../run/qemu/boot.js';
import { prepareQemuTarget } from '../run/qemu/target.js';
import { runOutputFolder, type RunRequest } from '../run/run-command.js';

/** The `run` command: the exit code, 0 when every case was as expected. */
export async function runTests(request: RunRequest, print: Print): Promise<number> {
	const target = await kernelUnderTest(request, print);
	// This machine can be asked what the binaries will ask it; a guest only by a boot of its own.
	const machine = target ? null : await thisMachine(request.cacheDir);
	return runAndReport(request, target, print, machine);
}

/** This machine as the probe sees it, the probe report kept in the cache where `check` keeps it. */
async function thisMachine(cacheDir: string): Promise<Platform> {
	const probePath = join(cacheDir, 'probe.json');
	return probedPlatform(await runProbe(cacheDir, probePath), probePath);
}

/** The QEMU target of request.qemu, or undefined to run on this machine's kernel. */
export async function kernelUnderTest(request: RunRequest, print: Print): Promise<QemuTarget | undefined> {
	return request.qemu ? prepareQemuTarget(request.qemu, resolve(request.outDir), request.caseTimeoutMs, print) : undefined;
}

/** Runs the built suite (inside `target` when given), writes the reports and prints the summary; the exit code. */
export async function runAndReport(request: RunRequest, target: QemuTarget | undefined, print: Print, machine: Platform | null): Promise<number> {
	// Ctrl-C or a CI runner's SIGTERM stops the running binaries; the summary and the reports of what
	// finished still come out. A second signal finds no handler and ends the process at once.
	const interrupt = new AbortController();
	const onSignal = (signal: NodeJS.Signals) => interrupt.abort(signal);
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	const report = await runOutputFolder(request, target, interrupt.signal, machine).finally(() => {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
	});
	writeReports(report, request.reports);
	const signal = interrupt.signal.aborted ? (interrupt.signal.reason as NodeJS.Signals) : null;
	printRunSummary(print, report, signal);
	if (request.baseline) printBaseline(print, compareWithBaseline(report, request.baseline));
	// 128 + the signal's number, as a shell reports a command that a signal ended: 130 SIGINT, 143 SIGTERM.
	return signal ? 128 + constants.signals[signal] : report.exitCode;
}
