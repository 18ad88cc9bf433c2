// The result tree every report is fed from: one entry per case, with the first differing step.

/** Where the suite ran: on the running kernel, or in QEMU with KVM or TCG (also a known-issues scope). */
export const TARGETS = ['native', 'qemu-kvm', 'qemu-tcg'] as const;
export type Target = (typeof TARGETS)[number];

export const CASE_STATUSES = ['PASS', 'FAIL', 'SKIP', 'XFAIL', 'XPASS', 'TIMEOUT', 'CRASH', 'ERROR'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses that make a run fail (exit code 1). */
export const UNEXPECTED: ReadonlySet<CaseStatus> = new Set(['FAIL', 'XPASS', 'TIMEOUT', 'CRASH', 'ERROR']);

/** Where observed and expected first part ways. */
export interface StepDifference {
	readonly step: number;
	readonly op: string;
	readonly field: string;
	readonly expected: string;
	/** null when the step printed no value for the field (or did not run at all). */
	readonly observed: string | null;
	readonly rule: string;
	readonly citation: string;
	/** What the known deviations in scope predict here, when that is not what the model expects. */
	readonly predicted?: string;
	/** The known deviations whose mechanism makes the prediction differ from the model. */
	readonly deviations?: readonly string[];
}

export interface KnownIssueRef {
	readonly id: string;
	readonly reason: string;
	readonly url?: string;
}

export interface CaseResult {
	readonly id: string;
	readonly family: string;
	/** The test binary that ran the case. */
	readonly binary: string;
	readonly status: CaseStatus;
	/** Why: the skip reason, the signal, the error, or the known issue's reason. */
	readonly reason: string | null;
	readonly difference: StepDifference | null;
	/** XFAIL: every difference from the model, each with what the deviations predicted. */
	readonly differences: readonly StepDifference[];
	readonly knownIssue: KnownIssueRef | null;
	/** Something the reader must know although the status is right, e.g. deviations that cancel out. */
	readonly note: string | null;
	readonly durationMs: number | null;
	/** This case's lines of output (observations and diagnostics), for logs and reports. */
	readonly log: readonly string[];
}

export interface RunReport {
	readonly format: 'fpu-kvm-testgen/run/1';
	readonly platform: string;
	readonly revision: string;
	readonly backend: string;
	readonly target: Target;
	readonly modelHash: string;
	readonly cases: readonly CaseResult[];
	readonly summary: Readonly<Record<CaseStatus, number>>;
	/** Kernel health findings (new WARN/BUG lines, taint changes) with the cases that were running. */
	readonly health: readonly { readonly finding: string; readonly cases: readonly string[] }[];
	/** Known issues in scope that explained nothing in this run. */
	readonly staleKnownIssues: readonly string[];
	/** What the KTAP parser found wrong in a binary's output (truncation, plan or Totals that disagree, duplicates). */
	readonly outputProblems: readonly { readonly binary: string; readonly problems: readonly string[] }[];
	readonly exitCode: 0 | 1;
}

export function summarise(cases: readonly CaseResult[]): Record<CaseStatus, number> {
	const summary = Object.fromEntries(CASE_STATUSES.map((s) => [s, 0])) as Record<CaseStatus, number>;
	for (const c of cases) summary[c.status]++;
	return summary;
}
