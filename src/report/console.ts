// All terminal printing lives here; the other stages return data.
import pc from 'picocolors';
import type { BuildResult } from '../build/build.js';
import { minutesSeconds, type KernelBuildResult } from '../build/kernel.js';
import { CASE_STATUSES, type CaseResult, type RunReport } from '../compare/result.js';
import { contractSections, citedSections } from './contract.js';
import { describeOutcome } from './difference.js';
import type { BaselineDiff } from '../compare/baseline.js';
import type { ExpectedCase, Manifest } from '../emit/expected-schema.js';
import type { TreeInfo } from '../tree/detect.js';
import type { ExplainedStep } from '../enumerate/explain.js';
import type { Behaviour, Op, Platform, Probe, RevisionId, RuleId } from '../model/index.js';
import { rule } from '../model/index.js';
import { printable } from '../input-file.js';

export type Print = (line: string) => void;

export function printGenerateSummary(print: Print, m: Manifest, outDir: string): void {
	print(`${m.generator.name} ${m.generator.version}: platform ${m.platform}, revision ${m.revision}, seed ${m.seed}, strength ${m.strength}`);
	print(
		`wrote ${outDir}/expected.json: ${m.cases.total} cases, ${m.cases.steps} steps (${m.cases.runnable} runnable, ${m.cases.skipped} skipped on ${m.platform})`,
	);
	print(`wrote ${outDir}/manifest.json: model ${m.modelHash.slice(0, 19)}`);
	const t = m.coverage.transitions;
	print(
		`coverage: ${m.coverage.tuples.covered}/${m.coverage.tuples.required} t-way tuples, ` +
			`${t.covered}/${t.reachable} transitions (${t.states} abstract states reachable, ${t.unreachableStates.length} unreachable), ` +
			`${m.coverage.regressions} regression rows`,
	);
}

export function printCaseList(print: Print, cases: readonly ExpectedCase[]): void {
	for (const c of cases) {
		const needs = c.requires.length ? ` [${c.requires.join(',')}]` : '';
		const skip = c.skip ? pc.yellow(` (skip: ${c.skip})`) : '';
		print(`${c.id}${needs}${skip}`);
	}
}

export function formatOp(op: Op): string {
	const { op: name, ...args } = op;
	const parts = Object.entries(args).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
	return [name, ...parts].join(' ');
}

export function printExplain(print: Print, header: { id: string; title: string; platform: string; builtFor: string }, steps: readonly ExplainedStep[]): void {
	print(pc.bold(header.id));
	print(`  ${header.title}`);
	print(`  platform ${header.platform}; steps built for ${header.builtFor}; outcome under every revision:`);
	const width = Math.max(...steps.flatMap((s) => s.byRevision.map((r) => r.outcome.length)));
	steps.forEach((s, i) => {
		print('');
		print(`${String(i + 1).padStart(3)}. ${formatOp(s.op)}`);
		for (const r of s.byRevision) {
			print(`       ${r.revision.padEnd(11)} ${r.outcome.padEnd(width)}  ${r.rule ?? ''}`);
		}
		for (const id of new Set(s.byRevision.map((r) => r.rule).filter((r): r is RuleId => r !== null))) {
			const { summary, citation } = rule(id);
			print(pc.dim(`       ${id}: ${summary} [${citation}]`));
		}
	});
	// Where every cited section can be read.
	const sections = contractSections();
	const order = (n: string) =>
		n
			.split('.')
			.map((p) => p.padStart(3, '0'))
			.join('.');
	const cited = [...new Set(steps.flatMap((s) => s.byRevision.flatMap((r) => (r.rule ? citedSections(rule(r.rule).citation) : []))))].sort((a, b) =>
		order(a) < order(b) ? -1 : 1,
	);
	print('');
	print(`  read in docs/contract.md: ${cited.map((n) => `§${n} ${sections.get(n) ?? '(missing)'}`).join('; ')}`);
}

/** One row per behaviour: which revisions have it, then what it is and where it comes from. */
export function printRevisions(
	print: Print,
	revisions: readonly RevisionId[],
	behaviours: readonly { behaviour: Behaviour; in: readonly boolean[] }[],
	seed: { added: readonly Behaviour[]; removed: readonly Behaviour[] },
): void {
	const width = Math.max(...behaviours.map((b) => b.behaviour.id.length));
	print(`${''.padEnd(width)}  ${revisions.map((r) => r.padEnd(10)).join(' ')}`.trimEnd());
	for (const { behaviour, in: present } of behaviours) {
		const marks = present.map((p) => (p ? 'yes' : '-').padEnd(10)).join(' ');
		const assumed = behaviour.assumedIn ? ` (assumption in ${behaviour.assumedIn.join(', ')})` : '';
		print(`${behaviour.id.padEnd(width)}  ${marks}${assumed}`.trimEnd());
	}
	print('');
	for (const { behaviour } of behaviours) {
		print(`${behaviour.id}: ${behaviour.summary}`);
		print(pc.dim(`    kernels: ${behaviour.kernels} [${behaviour.citation}]`));
	}
	print('');
	print('fpu-kvm-v1 against v5.16 (what the seed series changes, as userspace can see it):');
	for (const b of seed.added) print(`  + ${b.id} (${b.seedPatch ? `seed ${b.seedPatch}` : "the branch's 5.16-rc base"})`);
	for (const b of seed.removed) print(`  - ${b.id}${b.alsoIn?.includes('v5.16') ? ' (a 5.16.y backport the 5.16-rc based branch predates)' : ''}`);
	print("  3/6 to 6/6 add functions for KVM that the branch's KVM never calls (kvm-v5.16-unchanged)");
}

export function printTree(print: Print, tree: TreeInfo): void {
	print(`tree ${tree.root}: Linux ${tree.release}, selftests in ${tree.archDir}/, dialect ${tree.dialect}`);
}

export function printBuildSummary(print: Print, result: BuildResult, outDir: string): void {
	for (const w of result.warnings) print(pc.yellow(w));
	const binDir = result.binaries.length ? result.binaries[0]!.slice(0, result.binaries[0]!.lastIndexOf('/')) : outDir;
	print(
		`built ${result.binaries.length} tests into ${binDir} ` +
			`(library ${result.libraryCached ? 'cached' : 'built'}, ${result.warnings.length} warnings in emitted files)`,
	);
}

export function printProbe(
	print: Print,
	probe: Probe,
	platform: Platform,
	mapped: { revision: string; approximate: boolean } | null,
	reportPath: string,
): void {
	const yesNo = (b: boolean) => (b ? 'yes' : 'no');
	print(`probe: Linux ${probe.kernelRelease}, KVM backend ${probe.backend}, /dev/kvm ${probe.devKvm ? 'usable' : 'NOT usable'}`);
	print(
		`platform host: XCR0 0x${platform.userMax.toString(16)}, XFD ${yesNo(platform.hasXfd)}, AMX ${yesNo(platform.hasAmx)}, ` +
			`default XSAVE size ${platform.userDefaultSize}`,
	);
	const kvm = platform.kvm;
	print(
		`KVM offers guests: XCR0 0x${kvm.xcr0.toString(16)}, XFD ${yesNo(kvm.xfd)}, AMX ${yesNo(kvm.amx)}, ` +
			`CPUID.XSAVE ${yesNo(kvm.xsave)}, XFD MSRs ${yesNo(kvm.xfdMsrs)}`,
	);
	print(
		mapped
			? `kernel revision: ${mapped.revision}${mapped.approximate ? ' (approximate for this release)' : ''}`
			: 'kernel revision: none matches this release; pass --kernel',
	);
	print(`wrote ${reportPath}`);
}

/** Terminal lines name a known issue by its id; its reason is printed once, in the summary. */
function terminalReason(r: CaseResult): string | null {
	if (r.knownIssue && r.status === 'SKIP') return `known issue ${r.knownIssue.id}`;
	const why = describeOutcome(r);
	return r.note ? `${why ?? ''}${why ? '; ' : ''}${r.note}` : why;
}

export function printCaseResult(print: Print, r: CaseResult): void {
	const why = terminalReason(r);
	const colour = r.status === 'PASS' ? pc.green : r.status === 'SKIP' || r.status === 'XFAIL' ? pc.yellow : pc.red;
	print(`${colour(r.status.padEnd(7))} ${r.id}${why ? `  ${why.split('\n')[0]}` : ''}`);
}

export function printHeartbeat(print: Print, binary: string, results: number, total: number, elapsedMs: number): void {
	print(pc.dim(`... ${binary}: ${results}/${total} cases after ${Math.round(elapsedMs / 1000)} s`));
}

/** The closing summary: counts, then every case that did not pass, then kernel health findings. */
export function printRunSummary(print: Print, report: RunReport, interruptedBy: NodeJS.Signals | null = null): void {
	const counts = CASE_STATUSES.filter((s) => report.summary[s] > 0).map((s) => `${report.summary[s]} ${s}`);
	print('');
	const where = report.target === 'native' ? '' : ` in ${report.target}`;
	print(`${report.cases.length} cases on platform ${report.platform}, revision ${report.revision}, backend ${report.backend}${where}: ${counts.join(', ')}`);
	for (const r of report.cases.filter((c) => c.status !== 'PASS' && c.status !== 'SKIP')) {
		print(`  ${r.status.padEnd(7)} ${r.id}: ${terminalReason(r)?.split('\n')[0] ?? ''}`);
	}
	for (const r of report.cases.filter((c) => c.status === 'PASS' && c.note)) print(`  NOTE    ${r.id}: ${r.note}`);
	// A case counts for every known issue that explains one of its differences (or keeps it from running).
	const issues = new Map<string, { reason: string; count: number }>();
	for (const r of report.cases) {
		if (!r.knownIssue || r.status === 'XPASS' || r.status === 'FAIL') continue;
		const ids = new Set([r.knownIssue.id, ...r.differences.flatMap((d) => d.deviations ?? [])]);
		for (const id of ids)
			issues.set(id, { reason: id === r.knownIssue.id ? r.knownIssue.reason : (issues.get(id)?.reason ?? ''), count: (issues.get(id)?.count ?? 0) + 1 });
	}
	for (const [id, { reason, count }] of issues) print(`  known issue ${id} (${count} case${count === 1 ? '' : 's'})${reason ? `: ${reason}` : ''}`);
	for (const p of report.outputProblems)
		print(`  output of ${p.binary}: ${p.problems.slice(0, 3).join('; ')}${p.problems.length > 3 ? `; and ${p.problems.length - 3} more` : ''}`);
	if (report.staleKnownIssues.length) print(`  stale known issues (in scope, explained nothing in this run): ${report.staleKnownIssues.join(', ')}`);
	for (const h of report.health) print(pc.red(`  kernel health: ${h.finding} (while running ${h.cases.length} case(s), first ${h.cases[0]})`));
	if (interruptedBy) print(`result: INTERRUPTED by ${interruptedBy}: the cases that had not finished are ERROR 'interrupted (${interruptedBy})'`);
	else print(report.exitCode === 0 ? 'result: as expected' : 'result: UNEXPECTED (exit 1)');
}

export function printBaseline(print: Print, diff: BaselineDiff): void {
	const list = (label: string, ids: readonly string[]) => print(`${label}: ${ids.length ? ids.join(', ') : 'none'}`);
	print('compared with the baseline:');
	list('  new failures', diff.newFailures);
	list('  fixed', diff.fixed);
	list('  new cases', diff.newCases);
	list('  missing cases', diff.missingCases);
}

/**
 * One line, control characters escaped, whatever the message holds; only an infrastructure failure
 * that quotes a tool's own output (compiler errors) keeps its line breaks.
 */
export function printError(print: Print, message: string, multiline = false): void {
	const text = multiline ? message.split('\n').map(printable).join('\n') : printable(message);
	print(`fpu-kvm-testgen: error: ${text}`);
}

export function printKernelBuild(print: Print, result: KernelBuildResult): void {
	const how = result.cached ? 'cached' : `built in ${minutesSeconds(result.durationMs)}`;
	print(`bzImage: ${result.image} (Linux ${result.release}, ${how})`);
	print(`log: ${result.log}`);
}
