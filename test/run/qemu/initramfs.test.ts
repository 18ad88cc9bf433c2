// The initramfs writer checked with Debian's cpio, the plan file and the host-side protocol parser.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseGuestLine, planText, writeInitramfs, type GuestPlan, type InitramfsEntry } from '../../../src/run/qemu/initramfs.js';
import { tempDir } from '../../helpers.js';

/** Runs cpio on the decompressed archive, without a shell; dates in UTC, C locale. */
function cpio(archive: string, args: readonly string[]): string {
	const r = spawnSync('cpio', args, { input: gunzipSync(readFileSync(archive)), env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
	expect(r.status, r.stderr.toString()).toBe(0);
	return r.stdout.toString('latin1');
}

function entries(dir: string): InitramfsEntry[] {
	const init = join(dir, 'init-source');
	writeFileSync(init, 'x'.repeat(1001));
	// Listed out of order: the writer sorts, and adds the missing parents fkt/ and fkt/bin/.
	return [
		{ path: 'fkt/plan', mode: 0o644, source: { data: 'exec a b\n' } },
		{ path: 'init', mode: 0o100755, source: { file: init } },
		{ path: 'fkt/bin/t', mode: 0o755, source: { data: Buffer.from([1, 2, 3, 4, 5]) } },
		{ path: 'fkt/modules', mode: 0o700, dir: true },
		{ path: 'dev/console', mode: 0o600, charDevice: { major: 5, minor: 1 } },
	];
}

describe('writeInitramfs', () => {
	test('cpio lists exactly the members, in order, with modes and sizes; contents come back', () => {
		const dir = tempDir('fkt-initramfs-');
		const archive = join(dir, 'initrd.cpio.gz');
		const r = writeInitramfs(archive, entries(dir));
		expect(r).toEqual({ bytes: statSync(archive).size, files: 3 });
		expect(cpio(archive, ['-itv']).split('\n')).toEqual([
			'drwxr-xr-x   2 root     root            0 Jan  1  1970 dev',
			'crw-------   1 root     root       5,   1 Jan  1  1970 dev/console',
			'drwxr-xr-x   2 root     root            0 Jan  1  1970 fkt',
			'drwxr-xr-x   2 root     root            0 Jan  1  1970 fkt/bin',
			'-rwxr-xr-x   1 root     root            5 Jan  1  1970 fkt/bin/t',
			'drwx------   2 root     root            0 Jan  1  1970 fkt/modules',
			'-rw-r--r--   1 root     root            9 Jan  1  1970 fkt/plan',
			'-rwxr-xr-x   1 root     root         1001 Jan  1  1970 init',
			'',
		]);
		// Sizes that are not multiples of 4 test the data padding of the members after them.
		expect(cpio(archive, ['-i', '--to-stdout', 'fkt/bin/t'])).toBe('\x01\x02\x03\x04\x05');
		expect(cpio(archive, ['-i', '--to-stdout', 'fkt/plan'])).toBe('exec a b\n');
		expect(cpio(archive, ['-i', '--to-stdout', 'init'])).toBe('x'.repeat(1001));
	});

	test('the same entries in any order give the same bytes; no temporary file is left', () => {
		const dir = tempDir('fkt-initramfs-');
		const list = entries(dir);
		writeInitramfs(join(dir, 'a.cpio.gz'), list);
		writeInitramfs(join(dir, 'b.cpio.gz'), [...list].reverse());
		writeInitramfs(join(dir, 'a.cpio.gz'), list);
		expect(readFileSync(join(dir, 'a.cpio.gz')).equals(readFileSync(join(dir, 'b.cpio.gz')))).toBe(true);
		expect(readdirSync(dir).sort()).toEqual(['a.cpio.gz', 'b.cpio.gz', 'init-source']);
	});

	test('an archive over the limit is refused with its size, and nothing is written', () => {
		const dir = tempDir('fkt-initramfs-');
		const archive = join(dir, 'initrd.cpio.gz');
		// 116 (header + "big") + 2000 (data) + 124 (trailer) bytes.
		const small = () => writeInitramfs(archive, [{ path: 'big', mode: 0o644, source: { data: 'a'.repeat(2000) } }], { maxBytes: 1000 });
		expect(small).toThrow(new UsageError('initramfs too large: 2240 bytes uncompressed (limit 1000 bytes)'));
		const large = () => writeInitramfs(archive, [{ path: 'big', mode: 0o644, source: { data: Buffer.alloc(3 * 1024 * 1024) } }], { maxBytes: 1024 * 1024 });
		expect(large).toThrow(new UsageError('initramfs too large: 3.0 MiB uncompressed (limit 1.0 MiB)'));
		expect(existsSync(archive)).toBe(false);
	});

	test('bad entries are usage errors', () => {
		const dir = tempDir('fkt-initramfs-');
		const write = (list: InitramfsEntry[]) => () => writeInitramfs(join(dir, 'x.cpio.gz'), list);
		const file = (path: string, mode = 0o644): InitramfsEntry => ({ path, mode, source: { data: '' } });
		expect(write([file('a'), file('a')])).toThrow(new UsageError('initramfs entry a is listed twice'));
		expect(write([file('/init')])).toThrow(new UsageError('initramfs entry path "/init" must be relative, without empty, . or .. parts'));
		expect(write([file('fkt/../init')])).toThrow(new UsageError('initramfs entry path "fkt/../init" must be relative, without empty, . or .. parts'));
		expect(write([file('init'), file('init/x')])).toThrow(new UsageError('initramfs entry init/x is inside init, which is not a folder'));
		expect(write([file('init', 0o040755)])).toThrow(new UsageError('initramfs entry init: mode 0o40755 does not fit a regular file'));
		expect(write([{ path: 'init', mode: 0o755, source: { file: join(dir, 'missing') } }])).toThrow(
			new UsageError(`cannot read initramfs source ${join(dir, 'missing')}: ENOENT`),
		);
	});
});

describe('planText', () => {
	const plan: GuestPlan = {
		data: '/dev/ttyS1',
		caseTimeoutSeconds: 30,
		modules: ['/fkt/modules/kvm.ko', '/fkt/modules/kvm-amd.ko.xz'],
		requireKvm: true,
		execs: [
			{ id: 'core', path: '/fkt/bin/fkt_core_test', args: [] },
			{ id: 'core.case-1', path: 'bin/fkt_core_test', args: ['core.case-1', '-v'] },
		],
	};

	test('one directive a line', () => {
		expect(planText(plan)).toBe(
			[
				'# fpu-kvm-testgen guest plan',
				'data /dev/ttyS1',
				'case-timeout 30',
				'module /fkt/modules/kvm.ko',
				'module /fkt/modules/kvm-amd.ko.xz',
				'require-kvm',
				'exec core /fkt/bin/fkt_core_test',
				'exec core.case-1 bin/fkt_core_test core.case-1 -v',
				'',
			].join('\n'),
		);
		expect(planText({ ...plan, modules: [], requireKvm: false, execs: [] })).toBe('# fpu-kvm-testgen guest plan\ndata /dev/ttyS1\ncase-timeout 30\n');
	});

	test('whitespace, empty words and a bad timeout are refused', () => {
		const exec = plan.execs[0]!;
		expect(() => planText({ ...plan, execs: [{ ...exec, id: 'a b' }] })).toThrow(
			new UsageError('guest plan: id "a b" must be non-empty and contain no whitespace'),
		);
		expect(() => planText({ ...plan, execs: [{ ...exec, path: 'bin/x\n' }] })).toThrow(
			new UsageError('guest plan: path "bin/x\\n" must be non-empty and contain no whitespace'),
		);
		expect(() => planText({ ...plan, execs: [{ ...exec, args: [''] }] })).toThrow(
			new UsageError('guest plan: argument "" must be non-empty and contain no whitespace'),
		);
		expect(() => planText({ ...plan, modules: ['a\tb.ko'] })).toThrow(
			new UsageError('guest plan: module "a\\tb.ko" must be non-empty and contain no whitespace'),
		);
		expect(() => planText({ ...plan, data: '' })).toThrow(new UsageError('guest plan: data device "" must be non-empty and contain no whitespace'));
		expect(() => planText({ ...plan, caseTimeoutSeconds: 0.5 })).toThrow(
			new UsageError('guest plan: case timeout 0.5 must be a whole number of seconds, at least 1'),
		);
	});
});

describe('parseGuestLine', () => {
	test('every protocol line kind', () => {
		const cases: [string, unknown][] = [
			['fkt-init: start 6.12.117-fkt', { kind: 'start', release: '6.12.117-fkt' }],
			['fkt-init: module kvm.ko ok', { kind: 'module', name: 'kvm.ko', status: 'ok' }],
			['fkt-init: module kvm.ko skipped', { kind: 'module', name: 'kvm.ko', status: 'skipped' }],
			['fkt-init: module kvm-amd.ko.xz error=ENODEV', { kind: 'module', name: 'kvm-amd.ko.xz', status: 'error', error: 'ENODEV' }],
			['fkt-init: module x.ko error=1234', { kind: 'module', name: 'x.ko', status: 'error', error: '1234' }],
			['fkt-init: no-kvm ENOENT', { kind: 'no-kvm', error: 'ENOENT' }],
			['fkt-init: begin core.case-1', { kind: 'begin', id: 'core.case-1' }],
			['fkt-init: end core exit=0 tainted=0,512', { kind: 'end', id: 'core', result: { how: 'exit', code: 0 }, taintedBefore: 0, taintedAfter: 512 }],
			[
				'fkt-init: end core signal=SIGSEGV tainted=0,0',
				{ kind: 'end', id: 'core', result: { how: 'signal', signal: 'SIGSEGV' }, taintedBefore: 0, taintedAfter: 0 },
			],
			['fkt-init: end core timeout tainted=-,-', { kind: 'end', id: 'core', result: { how: 'timeout' }, taintedBefore: null, taintedAfter: null }],
			['fkt-init: kmsg WARNING: CPU: 0 PID: 1 at arch/x86/kvm/x86.c:1 x', { kind: 'kmsg', text: 'WARNING: CPU: 0 PID: 1 at arch/x86/kvm/x86.c:1 x' }],
			['fkt-init: cannot exec bin/x: ENOENT', { kind: 'cannot-exec', path: 'bin/x', error: 'ENOENT' }],
			['fkt-init: fatal cannot read plan /fkt/plan: ENOENT', { kind: 'fatal', what: 'cannot read plan /fkt/plan: ENOENT' }],
			['fkt-init: done', { kind: 'done' }],
			['fkt-init: done\r', { kind: 'done' }],
		];
		for (const [line, event] of cases) expect(parseGuestLine(line), line).toEqual(event);
	});

	test('anything else is test output', () => {
		for (const line of [
			'',
			'ok 1 a',
			'# fkt perm.get.supp.bad-pointer 0 arch_prctl.get ret=-EFAULT',
			' fkt-init: done',
			'fkt-init:done',
			'fkt-init: done now',
			'fkt-init: hello',
			'fkt-init: begin',
			'fkt-init: begin a b',
			'fkt-init: module kvm.ko',
			'fkt-init: end core exit=x tainted=0,0',
			'fkt-init: end core exit=0',
			'fkt-init: end core crashed tainted=0,0',
		]) {
			expect(parseGuestLine(line), line).toBeNull();
		}
	});
});
