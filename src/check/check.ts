// `check` in one job: the kernel under test → probe → platform and revision → generate → the plan
// (tree, flags, linking) → tree → build → the run job (run, reports, summary, baseline).
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSelftests } from '../build/build.js';
import { generateRequest, probedPlatform, type SuiteSpec } from '../emit/generate-request.js';
import { generate, writeGenerated } from '../emit/generate.js';
import { InfrastructureError } from '../errors.js';
import { revisionForProbe } from '../model/index.js';
import { printBuildSummary, printGenerateSummary, printProbe, type Print } from '../report/console.js';
import { runProbe } from '../run/probe.js';
import { probeInGuest } from '../run/qemu/guest-probe.js';
import type { RunRequest } from '../run/run-command.js';
import { resolveTree } from '../tree/resolve.js';
import { checkPlan, type PlanChoices } from './plan.js';
import { kernelUnderTest, runAndReport } from './run-job.js';

/** What `check` asks for, every option checked (the CLI does that before any work). */
export interface CheckRequest {
	/** The suite as named: read once the probe report, which 'host' stands for, is written. */
	readonly suite: Omit<SuiteSpec, 'probe'>;
	readonly choices: PlanChoices;
	/** Where the probe report, the prepared trees and the library builds are kept. */
	readonly cacheDir: string;
	/** The run, but for its dialect: the tree decides that. */
	readonly run: Omit<RunRequest, 'dialect'>;
}

/** The exit code: 0 when every case was as expected. */
export async function runCheck(request: CheckRequest, print: Print): Promise<number> {
	const { run, cacheDir } = request;
	const qemu = await kernelUnderTest(run, print);
	const probePath = join(cacheDir, qemu ? `probe-${qemu.kernel.release}.json` : 'probe.json');
	const probe = qemu ? await probeInGuest(qemu, probePath, Date.now() + run.overallTimeoutMs) : await runProbe(cacheDir, probePath);
	printProbe(print, probe, probedPlatform(probe, probePath), revisionForProbe(probe), probePath);
	// Without KVM every case would SKIP and the run would look green.
	if (!probe.devKvm) throw new InfrastructureError(`no usable /dev/kvm ${qemu ? 'in the guest' : 'on this machine'}: the suite cannot run (see ${probePath})`);
	const generated = generate(generateRequest({ ...request.suite, probe: probePath }));
	writeGenerated(resolve(run.outDir), generated);
	printGenerateSummary(print, generated.manifest, run.outDir);
	const plan = checkPlan(probe, { ...request.choices, inQemu: qemu !== undefined });
	if (plan.treeReason) print(`selftests library: ${plan.tree} (${plan.treeReason})`);
	const tree = await resolveTree(plan.tree, cacheDir, print);
	if (plan.cflagsReason) print(`compiler flags: ${plan.cflags.join(' ')} (${plan.cflagsReason})`);
	const built = await buildSelftests({
		tree,
		outDir: resolve(run.outDir),
		cacheDir,
		cflags: plan.cflags,
		werror: false,
		static: plan.static,
		jobs: availableParallelism(),
		progress: print,
	});
	printBuildSummary(print, built, run.outDir);
	return runAndReport({ ...run, dialect: tree.dialect }, qemu, print, probedPlatform(probe, probePath));
}
