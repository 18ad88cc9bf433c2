// Benchmarks with targets: prints figures and their ratio to the target. Not a test: it never fails
// the build, it reports. Run with `npm run bench`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { evaluate, platformSchema, revision, toPlatform } from '../dist/model/index.js';
import { buildSuite } from '../dist/enumerate/suite.js';
import { parseKtap } from '../dist/ktap/parse.js';
import { compareCase } from '../dist/compare/compare.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function report(name, value, unit, target, better) {
	// Ratio = figure / target: at most 1 meets a "lower" target, at least 1 meets a "higher" one.
	const ratio = value / target;
	const meets = better === 'lower' ? ratio <= 1 : ratio >= 1;
	const verdict = meets ? 'meets target' : 'MISSES target';
	console.log(
		`${name.padEnd(44)} ${value.toFixed(1).padStart(10)} ${unit.padEnd(8)} target ${better === 'lower' ? '<' : '>'} ${target} ${unit}  ratio ${ratio.toFixed(2)}  ${verdict}`,
	);
}

// 1. Full default suite, process start included.
const runs = [];
for (let i = 0; i < 7; i++) {
	const out = mkdtempSync(join(tmpdir(), 'fkt-bench-'));
	const t0 = performance.now();
	const r = spawnSync(process.execPath, [join(repo, 'bin/fpu-kvm-testgen.js'), 'generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out], {
		encoding: 'utf8',
	});
	runs.push(performance.now() - t0);
	rmSync(out, { recursive: true, force: true });
	if (r.status !== 0) throw new Error(`generate failed: ${r.stdout}${r.stderr}`);
}
report('generate full suite (spr, v6.12), median of 7', median(runs), 'ms', 1000, 'lower');

// 2. Step-function throughput over the steps of the whole suite.
const platform = toPlatform(platformSchema.parse(YAML.parse(readFileSync(join(repo, 'platforms/spr.yaml'), 'utf8'))));
const rev = revision('v6.12');
const suite = buildSuite({ platform, rev, seed: 1, strength: 3 });
let steps = 0;
const t0 = performance.now();
while (performance.now() - t0 < 1500) {
	for (const c of suite.cases) steps += evaluate(c.steps, platform, rev).results.length;
}
const perSecond = steps / ((performance.now() - t0) / 1000);
report('step() throughput (whole suite, repeated)', perSecond / 1000, 'k step/s', 100, 'higher');

// 3. Parsing a 100k-line KTAP log of our own format (observation lines and results) and comparing
// every case with its expectations, as the runner does.
const CASES = 33334;
const ktapLines = ['TAP version 13', `1..${CASES}`];
const expectedCases = new Map();
for (let i = 1; i <= CASES; i++) {
	const id = `case.${i}`;
	ktapLines.push(`# fkt ${id} 0 arch_prctl.get ret=0 value=0x602e7`, `# fkt ${id} 1 vcpu.get_xsave2 ret=0 size=11008 xstate_bv=0x602e7`, `ok ${i} ${id}`);
	const step = (index, op, expect) => ({ index, op, args: {}, expect, rule: 'r', summary: 's', citation: 'c' });
	expectedCases.set(id, {
		id,
		family: 'bench',
		title: 't',
		origin: 'covering-array',
		requires: [],
		skip: null,
		steps: [
			step(0, 'arch_prctl.get', { ret: '0', value: '0x602e7' }),
			step(1, 'vcpu.get_xsave2', { ret: '0', size: '11008', xstate_bv: 'bits:must=0x3,may=0x602e7' }),
		],
	});
}
const ktapLog = ktapLines.join('\n') + '\n';
const scope = { platform: 'spr', revision: 'v6.12', backend: 'vmx', target: 'native' };
const parses = [];
for (let i = 0; i < 5; i++) {
	const t = performance.now();
	const doc = parseKtap(ktapLog);
	const byCase = new Map();
	for (const o of doc.observations) byCase.set(o.caseId, [...(byCase.get(o.caseId) ?? []), o]);
	let passed = 0;
	for (const test of doc.tests) {
		const run = { binary: 'fkt_bench_test', result: test, observations: byCase.get(test.name) ?? [], stopped: null, durationMs: null, log: [] };
		if (compareCase(expectedCases.get(test.name), run, [], scope).status === 'PASS') passed++;
	}
	parses.push(performance.now() - t);
	if (passed !== CASES) throw new Error(`bench log: ${passed} of ${CASES} cases passed`);
}
report(`KTAP parse + compare, ${ktapLines.length} lines, median of 5`, median(parses), 'ms', 1000, 'lower');

// 4. Building the emitted suite against a prepared Debian 6.12 tree (prepared first, not timed).
const cli = (...args) => {
	const t = performance.now();
	const r = spawnSync(process.execPath, [join(repo, 'bin/fpu-kvm-testgen.js'), ...args], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
	return performance.now() - t;
};
cli('tree', 'prepare', '--debian', '6.12');
const out = mkdtempSync(join(tmpdir(), 'fkt-bench-build-'));
const cache = mkdtempSync(join(tmpdir(), 'fkt-bench-cache-'));
cli('generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out);
const tree = ['--tree', 'debian:6.12', '--out', out];
// A fresh cache: the tree is found again (already unpacked elsewhere) by path, the library is built.
const treeRoot = join(process.env.XDG_CACHE_HOME || join(process.env.HOME, '.cache'), 'fpu-kvm-testgen/trees/linux-source-6.12');
const cold = cli('build', '--tree', treeRoot, '--out', out, '--cache', cache);
rmSync(join(out, 'build'), { recursive: true, force: true });
rmSync(join(out, 'bin'), { recursive: true, force: true });
const warm = cli('build', ...tree);
const noop = cli('build', ...tree);
report('build full suite, library included (cold cache)', cold / 1000, 's', 60, 'lower');
report('build full suite, library cached', warm / 1000, 's', 60, 'lower');
report('no-op rebuild', noop / 1000, 's', 2, 'lower');
rmSync(out, { recursive: true, force: true });
rmSync(cache, { recursive: true, force: true });

// 5. Per-case run overhead against the floor (fork + VM + one GUEST_SYNC + destroy), on this machine's KVM.
if (existsSync('/dev/kvm')) {
	const floorOut = mkdtempSync(join(tmpdir(), 'fkt-bench-floor-'));
	mkdirSync(join(floorOut, 'selftests/x86_64'), { recursive: true });
	copyFileSync(join(repo, 'scripts/floor/fkt_floor_test.c'), join(floorOut, 'selftests/x86_64/fkt_floor_test.c'));
	cli('build', '--tree', 'debian:6.12', '--out', floorOut, '--cflags', '-mgeneral-regs-only');
	// The selftests library prints a random seed first; the mean is the last line.
	const floorUs = Number(spawnSync(join(floorOut, 'bin/selftests-6.10/fkt_floor_test'), ['50'], { encoding: 'utf8' }).stdout.trim().split('\n').pop());
	const suite = mkdtempSync(join(tmpdir(), 'fkt-bench-run-'));
	const probe = join(floorOut, 'probe.json');
	cli('probe', '--out', probe);
	cli('generate', '--platform', 'host', '--kernel', 'host', '--probe', probe, '--out', suite);
	cli('build', '--tree', 'debian:6.12', '--out', suite, '--cflags', '-mgeneral-regs-only');
	const t = performance.now();
	spawnSync(process.execPath, [join(repo, 'bin/fpu-kvm-testgen.js'), 'run', '--out', suite, '--json', join(suite, 'report.json')], { encoding: 'utf8' });
	const runMs = performance.now() - t;
	const runReport = JSON.parse(readFileSync(join(suite, 'report.json'), 'utf8'));
	const executed = runReport.cases.length - runReport.summary.SKIP;
	const perCaseMs = runMs / executed;
	console.log(
		`floor: fork + VM + one GUEST_SYNC + destroy = ${(floorUs / 1000).toFixed(2)} ms; run: ${executed} executed cases in ${(runMs / 1000).toFixed(1)} s`,
	);
	report('run overhead per executed case vs the floor', perCaseMs / (floorUs / 1000), 'x floor', 1.5, 'lower');
	rmSync(floorOut, { recursive: true, force: true });
	rmSync(suite, { recursive: true, force: true });
} else {
	console.log('run overhead: skipped, /dev/kvm is not available');
}
