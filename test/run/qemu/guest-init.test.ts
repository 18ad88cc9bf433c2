// The real guest init, built by buildGuestInit, run on this machine in its host test mode (pid other
// than 1: plan path as argument, nothing mounted, no module loaded, exit instead of power-off)
// against fixture binaries that pass, crash, hang, leave children behind or end mid-line.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildGuestInit, parseGuestLine } from '../../../src/run/qemu/initramfs.js';
import { REPO, tempDir } from '../../helpers.js';

let init: string;
let dir: string;
let cache: string;

beforeAll(async () => {
	cache = join(tempDir('fkt-guest-cache-'), 'cache');
	init = await buildGuestInit(cache);
	dir = tempDir('fkt-guest-');
	mkdirSync(join(dir, 'bin'));
	execFileSync('gcc', ['-O1', '-Wall', '-o', join(dir, 'bin', 'fixture'), join(REPO, 'test/fixtures/guest/guest_fixture.c')]);
}, 120_000);

/** The host's taint flags: the init reads the same file before and after each binary. */
const taint = () => readFileSync('/proc/sys/kernel/tainted', 'utf8').trim();

/**
 * Runs the init on a plan (written into the shared folder, so `bin/fixture` is relative to it) and
 * returns what it printed, without kmsg lines: this machine's kernel log is not ours to predict.
 */
function runInit(name: string, plan: string) {
	const planPath = join(dir, `${name}.plan`);
	writeFileSync(planPath, plan);
	const started = Date.now();
	const r = spawnSync(init, [planPath], { encoding: 'utf8', timeout: 30_000 });
	const lines = r.stdout.split('\n').filter((l) => parseGuestLine(l)?.kind !== 'kmsg');
	return { code: r.status, stderr: r.stderr, lines, seconds: (Date.now() - started) / 1000 };
}

/** The protocol lines framing one run of `id` with the given output lines and end. */
function framed(id: string, output: readonly string[], end: string): string[] {
	const t = taint();
	return [`fkt-init: start ${release()}`, `fkt-init: begin ${id}`, ...output, `fkt-init: end ${id} ${end} tainted=${t},${t}`, 'fkt-init: done', ''];
}

test('the init is built once into the cache and then reused', async () => {
	const built = statSync(init).mtimeMs;
	expect(await buildGuestInit(cache)).toBe(init);
	expect(statSync(init).mtimeMs).toBe(built);
	expect(readdirSync(cache)).toEqual(['fkt_guest_init']);
});

describe('guest init in host test mode', () => {
	test('a passing KTAP binary: its output verbatim between begin and end; modules are skipped here', () => {
		const r = runInit('pass', '# a comment\n\ncase-timeout 5\nmodule modules/kvm.ko.zst\nexec pass bin/fixture ktap\n');
		expect(r.code).toBe(0);
		expect(r.stderr).toBe('');
		const t = Number(taint());
		expect(r.lines.map(parseGuestLine)).toEqual([
			{ kind: 'start', release: release() },
			{ kind: 'module', name: 'kvm.ko.zst', status: 'skipped' },
			{ kind: 'begin', id: 'pass' },
			null,
			null,
			null,
			{ kind: 'end', id: 'pass', result: { how: 'exit', code: 0 }, taintedBefore: t, taintedAfter: t },
			{ kind: 'done' },
			null,
		]);
		expect(r.lines.slice(3, 6)).toEqual(['1..2', 'ok 1 a', 'ok 2 b']);
	});

	test('a segfault after one result', () => {
		const r = runInit('segfault', 'exec seg ./bin/fixture segfault\n');
		expect(r.lines).toEqual(framed('seg', ['ok 1 a'], 'signal=SIGSEGV'));
		expect(parseGuestLine(r.lines.at(-3)!)).toMatchObject({ kind: 'end', result: { how: 'signal', signal: 'SIGSEGV' } });
	});

	test('a hang after one result: stopped with SIGTERM one case timeout after that result', () => {
		const r = runInit('hang', 'case-timeout 1\nexec hang bin/fixture hang\n');
		expect(r.lines).toEqual(framed('hang', ['ok 1 a'], 'timeout'));
		expect(parseGuestLine(r.lines.at(-3)!)).toMatchObject({ kind: 'end', result: { how: 'timeout' } });
		// SIGKILL would come 2 s after SIGTERM.
		expect(r.seconds).toBeGreaterThanOrEqual(1);
		expect(r.seconds).toBeLessThan(3);
	});

	test('a hang that ignores SIGTERM: SIGKILL 2 s later', () => {
		const r = runInit('hang-hard', 'case-timeout 1\nexec hard bin/fixture hang-hard\n');
		expect(r.lines).toEqual(framed('hard', ['ok 1 a'], 'timeout'));
		expect(r.seconds).toBeGreaterThanOrEqual(3);
		expect(r.seconds).toBeLessThan(6);
	});

	test('results written in pieces, each within the case timeout, keep the binary running', () => {
		const r = runInit('slow', 'case-timeout 1\nexec slow bin/fixture slow\n');
		expect(r.lines).toEqual(framed('slow', ['not ok 1 x', 'ok 2 x', 'not ok 3 x', 'ok 4 x', 'not ok 5 x', 'ok 6 x'], 'exit=0'));
		expect(r.seconds).toBeGreaterThan(1.5);
	});

	test('a child left running is killed with the group, and the run does not wait for it', () => {
		const r = runInit('fork', 'case-timeout 30\nexec fork bin/fixture fork\n');
		const child = r.lines.find((l) => l.startsWith('# child '));
		expect(child).toBeDefined();
		expect(r.lines).toEqual(framed('fork', [child!, 'ok 1 a'], 'exit=0'));
		expect(existsSync(`/proc/${child!.slice('# child '.length)}`)).toBe(false);
		expect(r.seconds).toBeLessThan(10);
	});

	test('output without a final newline: the end line still starts a line of its own', () => {
		const r = runInit('no-newline', 'exec nonl bin/fixture no-newline\n');
		expect(r.lines).toEqual(framed('nonl', ['ok 1 a', 'partial'], 'exit=3'));
	});

	test('a binary that does not exist: cannot exec, exit 127, and the next one still runs', () => {
		const r = runInit('missing', 'exec missing bin/missing\nexec pass bin/fixture ktap\n');
		const t = taint();
		expect(r.lines).toEqual([
			`fkt-init: start ${release()}`,
			'fkt-init: begin missing',
			'fkt-init: cannot exec bin/missing: ENOENT',
			`fkt-init: end missing exit=127 tainted=${t},${t}`,
			'fkt-init: begin pass',
			'1..2',
			'ok 1 a',
			'ok 2 b',
			`fkt-init: end pass exit=0 tainted=${t},${t}`,
			'fkt-init: done',
			'',
		]);
		expect(parseGuestLine(r.lines[2]!)).toEqual({ kind: 'cannot-exec', path: 'bin/missing', error: 'ENOENT' });
	});

	test('the data directive sends everything to that file (relative to the plan) and nothing to stdout', () => {
		writeFileSync(join(dir, 'data.log'), '');
		const r = runInit('data', 'data data.log\nexec pass bin/fixture ktap\n');
		expect(r.code).toBe(0);
		expect(r.lines).toEqual(['']);
		expect(
			readFileSync(join(dir, 'data.log'), 'utf8')
				.split('\n')
				.filter((l) => parseGuestLine(l)?.kind !== 'kmsg'),
		).toEqual(framed('pass', ['1..2', 'ok 1 a', 'ok 2 b'], 'exit=0'));
	});

	test('require-kvm: the binaries run only where /dev/kvm opens', () => {
		const r = runInit('kvm', 'require-kvm\nexec pass bin/fixture ktap\n');
		let kvm: string | null = null;
		try {
			closeSync(openSync('/dev/kvm', 'r+'));
		} catch (error) {
			kvm = (error as NodeJS.ErrnoException).code!;
		}
		if (kvm === null) expect(r.lines).toEqual(framed('pass', ['1..2', 'ok 1 a', 'ok 2 b'], 'exit=0'));
		else expect(r.lines).toEqual([`fkt-init: start ${release()}`, `fkt-init: no-kvm ${kvm}`, 'fkt-init: done', '']);
	});

	test('a bad plan or no plan: one fatal line and a failing exit', () => {
		const bad = runInit('bad', 'case-timeout 1\nbogus x\nexec pass bin/fixture ktap\n');
		expect(bad.code).toBe(1);
		expect(bad.lines).toEqual(['fkt-init: fatal plan line 2: bad directive bogus', '']);
		expect(runInit('double-space', 'exec a  bin/fixture\n').lines).toEqual(['fkt-init: fatal plan line 1: empty word', '']);
		const none = spawnSync(init, [join(dir, 'none.plan')], { encoding: 'utf8' });
		expect(none.status).toBe(1);
		expect(parseGuestLine(none.stdout.trimEnd())).toEqual({ kind: 'fatal', what: `cannot read plan ${join(dir, 'none.plan')}: ENOENT` });
	});
});
