// A hand-built run report with one case of every status, for the reporter tests.
import { summarise, UNEXPECTED, type CaseResult, type RunReport } from '../../src/compare/result.js';

export const xsetbvDifference = {
	step: 3,
	op: 'guest.xsetbv',
	field: 'vector',
	expected: 'GP',
	observed: 'none',
	rule: 'xcr.avx-without-sse',
	citation: '§2.10 rule 3',
} as const;

/** An XFAIL difference: the model expects 4096, the known issue KI-7 predicts what was observed. */
export const uabiSizeDifference = {
	step: 3,
	op: 'vcpu.get_xsave2',
	field: 'size',
	expected: '4096',
	observed: '2696',
	rule: 'xsave.uabi-size',
	citation: '§2.7 rule 2',
	predicted: '2696',
	deviations: ['KI-7'],
} as const;

export const passCase: CaseResult = {
	id: 'perm.get.supp',
	family: 'perm',
	binary: 'fkt_perm',
	status: 'PASS',
	reason: null,
	difference: null,
	differences: [],
	knownIssue: null,
	note: null,
	durationMs: 12,
	log: ['fkt perm.get.supp 0 arch_prctl.get ret=0 value=0x602e7'],
};

export const failCase: CaseResult = {
	id: 'xcr0.guest-xsetbv.avx-without-sse',
	family: 'xcr0',
	binary: 'fkt_xcr0',
	status: 'FAIL',
	reason: null,
	difference: xsetbvDifference,
	differences: [],
	knownIssue: null,
	note: null,
	durationMs: 40.4,
	log: ['fkt xcr0.guest-xsetbv.avx-without-sse 2 vcpu.set_cpuid2 ret=0 leafd.xcr0=0x7', 'fkt xcr0.guest-xsetbv.avx-without-sse 3 guest.xsetbv vector=none'],
};

export const skipCase: CaseResult = {
	id: 'nm.xfd-err.arm-by-guest',
	family: 'nm',
	binary: 'fkt_nm',
	status: 'SKIP',
	reason: 'platform tcg-max lacks amx, xfd',
	difference: null,
	differences: [],
	knownIssue: null,
	note: null,
	durationMs: null,
	log: [],
};

export const xfailCase: CaseResult = {
	id: 'regression.uabi-size-base',
	family: 'regression',
	binary: 'fkt_regression',
	status: 'XFAIL',
	reason: 'uabi size reported without the base area',
	difference: uabiSizeDifference,
	differences: [uabiSizeDifference],
	knownIssue: { id: 'KI-7', reason: 'uabi size reported without the base area', url: 'https://example.org/ki/7' },
	note: null,
	durationMs: 3,
	log: ['fkt regression.uabi-size-base 3 vcpu.get_xsave2 ret=0 size=2696 xstate_bv=0x3'],
};

export const xpassCase: CaseResult = {
	id: 'regression.xfd-err-leak',
	family: 'regression',
	binary: 'fkt_regression',
	status: 'XPASS',
	reason: null,
	difference: null,
	differences: [],
	knownIssue: { id: 'KI-9', reason: 'XFD_ERR leaks into the host' },
	note: null,
	durationMs: 5,
	log: [],
};

export const timeoutCase: CaseResult = {
	id: 'sequence.tour-03',
	family: 'sequence',
	binary: 'fkt_sequence',
	status: 'TIMEOUT',
	reason: 'no output for 30 s',
	difference: { step: 5, op: 'guest.tileloadd', field: 'vector', expected: 'NM', observed: null, rule: 'nm.xfd-armed', citation: '§2.11 rule 1' },
	differences: [],
	knownIssue: null,
	note: null,
	durationMs: 30000,
	log: ['fkt sequence.tour-03 4 vcpu.set_msr nmsrs=1'],
};

export const crashCase: CaseResult = {
	id: 'sequence.tour-04',
	family: 'sequence',
	binary: 'fkt_sequence',
	status: 'CRASH',
	reason: 'killed by SIGSEGV',
	difference: null,
	differences: [],
	knownIssue: null,
	note: null,
	durationMs: 7,
	log: [],
};

export const errorCase: CaseResult = {
	id: 'perm.req.bad-feature',
	family: 'perm',
	binary: 'fkt_perm',
	status: 'ERROR',
	reason: 'malformed fkt line',
	difference: null,
	differences: [],
	knownIssue: null,
	note: null,
	durationMs: 1,
	log: ['fkt perm.req.bad-feature x arch_prctl.req'],
};

export const everyStatusCases: readonly CaseResult[] = [passCase, failCase, skipCase, xfailCase, xpassCase, timeoutCase, crashCase, errorCase];

/** A report over these cases, with the summary and exit code they imply. */
export function reportOf(cases: readonly CaseResult[], health: RunReport['health'] = [], staleKnownIssues: readonly string[] = []): RunReport {
	return {
		format: 'fpu-kvm-testgen/run/1',
		platform: 'spr-amx',
		revision: 'v6.9',
		backend: 'kvm_intel',
		target: 'native',
		modelHash: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
		cases,
		summary: summarise(cases),
		health,
		staleKnownIssues,
		outputProblems: [],
		exitCode: cases.some((c) => UNEXPECTED.has(c.status)) ? 1 : 0,
	};
}

export const everyStatusReport: RunReport = reportOf(everyStatusCases, [
	{ finding: 'WARNING: CPU: 3 PID: 812 at arch/x86/kernel/fpu/xstate.c:1512', cases: ['sequence.tour-03', 'sequence.tour-04'] },
]);
