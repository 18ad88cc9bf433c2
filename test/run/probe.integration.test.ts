// The probe for real: our C program built with gcc, run on this machine, its report validated and
// used by `generate --platform host --kernel host`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { probeSchema } from '../../src/model/index.js';
import { REPO, runCli, tempDir } from '../helpers.js';

const cli = (...args: string[]) => runCli(args);

test('probe reports this machine and generate uses it as platform host', () => {
	const dir = tempDir();
	const report = join(dir, 'probe.json');
	const r = cli('probe', '--out', report, '--cache', join(dir, 'cache'));
	expect(r.code, r.out).toBe(0);
	const probe = probeSchema.parse(JSON.parse(readFileSync(report, 'utf8')));
	const lines = r.out.trim().split('\n');
	expect(lines[0]).toBe(`probe: Linux ${probe.kernelRelease}, KVM backend ${probe.backend}, /dev/kvm ${probe.devKvm ? 'usable' : 'NOT usable'}`);
	expect(lines[1]).toMatch(new RegExp(`^platform host: XCR0 ${probe.cpu.xcr0}, XFD (yes|no), AMX (yes|no), `));
	expect(lines.at(-1)).toBe(`wrote ${report}`);
	// x87 and SSE are always enabled on a machine that runs this tool.
	expect(BigInt(probe.cpu.xcr0) & 3n).toBe(3n);
	const gen = cli('generate', '--platform', 'host', '--kernel', 'host', '--probe', report, '--out', join(dir, 'out'));
	expect(gen.code, gen.out).toBe(0);
	expect(gen.out).toMatch(/^fpu-kvm-testgen 0\.1\.0: platform host, revision (v5\.16|fpu-kvm-v1|v5\.17|v6\.12|mainline), seed 1, strength 3$/m);
});

test('probe --cache keeps its report in that cache: nothing lands in the default one', () => {
	const dir = tempDir();
	const home = join(dir, 'xdg');
	const r = runCli(['probe', '--cache', join(dir, 'cache')], { env: { ...process.env, XDG_CACHE_HOME: home } });
	expect(r.code, r.out).toBe(0);
	expect(r.out.trim().split('\n').at(-1)).toBe(`wrote ${join(dir, 'cache', 'probe.json')}`);
	expect(existsSync(home)).toBe(false);
});

// The probe binary itself, compiled here rather than through the CLI: these tests check what it
// prints, whatever the report schema accepts at the moment.
describe.skipIf(!existsSync('/dev/kvm'))('the probe binary on /dev/kvm (needs /dev/kvm)', () => {
	const PVM = existsSync('/sys/module/kvm_pvm');
	const [major, minor] = release().split('.').map(Number) as [number, number];
	const HAS_XCOMP_ATTR = major * 1000 + minor >= 5017;

	function build(source: string, name: string, dir: string): string {
		const binary = join(dir, name);
		execFileSync('gcc', ['-Wall', '-O2', '-o', binary, join(REPO, source)], { timeout: 60_000 });
		return binary;
	}

	function runJson(command: readonly string[]) {
		const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: 60_000 });
		expect(r.error).toBeUndefined();
		expect(r.status, r.stdout + r.stderr).toBe(0);
		// JSON.parse, not the schema: an invalid report (such as `null0`) fails right here.
		return JSON.parse(r.stdout) as { devKvm: boolean; kvm: Record<string, unknown> | null };
	}

	test('reports the MSR index list and the XCOMP attribute of this kernel', () => {
		const dir = tempDir();
		const probe = runJson([build('templates/fkt_probe.c', 'fkt_probe', dir)]);
		expect(probe.devKvm).toBe(true);
		const kvm = probe.kvm!;
		expect(Object.keys(kvm)).toEqual(['apiVersion', 'capXsave2', 'msrIndexList', 'supportedCpuid', 'xcompGuestSupp']);
		expect(kvm.msrIndexList).toEqual({ xfd: expect.any(Boolean), xfdErr: expect.any(Boolean) });
		// KVM_X86_XCOMP_GUEST_SUPP came with 5.17 (this machine runs 6.18).
		if (HAS_XCOMP_ATTR) expect(kvm.xcompGuestSupp).toMatch(/^0x[0-9a-f]{1,16}$/);
		else expect(kvm.xcompGuestSupp).toBeNull();
		// The PVM machines this runs on have no XFD (CPUID 0xD.1 EAX bit 4), so KVM lists neither MSR.
		if (PVM) expect(kvm.msrIndexList).toEqual({ xfd: false, xfdErr: false });
	});

	test('prints valid JSON with null members when the kernel fails KVM_GET_DEVICE_ATTR and KVM_GET_MSR_INDEX_LIST', () => {
		const dir = tempDir();
		const probeBin = build('templates/fkt_probe.c', 'fkt_probe', dir);
		const wrapper = build('test/fixtures/programs/fkt_seccomp_einval.c', 'fkt_seccomp_einval', dir);
		const probe = runJson([wrapper, probeBin]);
		expect(probe.devKvm).toBe(true);
		const kvm = probe.kvm!;
		expect(kvm.xcompGuestSupp).toBeNull();
		expect(kvm.msrIndexList).toBeNull();
		// The filter fails only those two: the rest of the report is still there.
		expect(kvm.apiVersion).toBe(12);
		expect(Array.isArray(kvm.supportedCpuid) && kvm.supportedCpuid.length > 0).toBe(true);
	});
});
