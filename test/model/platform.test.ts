// Platform profiles: validation, derived boot-time values, and the probe mapping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
	kvmSupportedXcr0,
	platformFromProbe,
	platformSchema,
	probeSchema,
	probedKvmXcr0,
	revision,
	revisionForProbe,
	toPlatform,
} from '../../src/model/index.js';
import { REPO, shippedPlatform } from '../helpers.js';

describe('shipped platforms', () => {
	test('spr: AMX host with the 2816-byte default buffer', () => {
		const p = shippedPlatform('spr');
		expect(p.userMax).toBe(0x602e7n);
		expect(p.userDefault).toBe(0x202e7n);
		expect(p.userDefaultSize).toBe(2816);
		expect(p.dynamicEnabled).toBe(true);
		expect(kvmSupportedXcr0(p, revision('v6.12'))).toBe(0x602e7n);
		expect(kvmSupportedXcr0(p, revision('fpu-kvm-v1'))).toBe(0x2e7n);
	});

	test('tcg-max: KVM on SVM drops MPX from 0x21f', () => {
		const p = shippedPlatform('tcg-max');
		expect(p.userMax).toBe(0x21fn);
		expect(p.userDefaultSize).toBe(2696);
		expect(p.dynamicEnabled).toBe(false);
		expect(kvmSupportedXcr0(p, revision('v6.12'))).toBe(0x207n);
	});

	test('zen1-avx: x87, SSE, AVX only', () => {
		const p = shippedPlatform('zen1-avx');
		expect(p.userDefaultSize).toBe(832);
		expect(kvmSupportedXcr0(p, revision('mainline'))).toBe(0x7n);
	});
});

describe('profile validation', () => {
	const spr = () =>
		JSON.parse(
			JSON.stringify(
				platformSchema.parse({ id: 'x', description: 'x', cpu: { xcr0: '0x602e7', xfd: true, amx: true, xsaves: true }, kvm: { backend: 'vmx', mpx: false } }),
			),
		);
	const issue = (data: unknown) => {
		const r = platformSchema.safeParse(data);
		return r.success ? null : `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`;
	};

	test('accepts a consistent profile', () => expect(issue(spr())).toBeNull());
	test('AMX bits need AMX, XFD and XSAVES', () =>
		expect(issue({ ...spr(), cpu: { ...spr().cpu, xfd: false } })).toBe('cpu.xcr0: AMX bits need cpu.amx, cpu.xfd and cpu.xsaves'));
	test('x87 and SSE are mandatory', () => expect(issue({ ...spr(), cpu: { ...spr().cpu, xcr0: '0x602e5' } })).toBe('cpu.xcr0: must include x87 and SSE (0x3)'));
	test('kvm.mpx needs MPX in XCR0', () =>
		expect(issue({ ...spr(), kvm: { backend: 'vmx', mpx: true } })).toBe('kvm.mpx: kvm.mpx needs both MPX bits in cpu.xcr0'));
	test('unknown keys are rejected', () => expect(issue({ ...spr(), extra: 1 })).toMatch(/Unrecognized key/));
	test('a non-hex mask is rejected', () => expect(issue({ ...spr(), cpu: { ...spr().cpu, xcr0: '602e7' } })).toBe('cpu.xcr0: must be a hex mask like 0x602e7'));
	test('an unknown backend is rejected', () => expect(issue({ ...spr(), kvm: { backend: 'hvf', mpx: false } })).toMatch(/^kvm\.backend: /));
});

describe('probe mapping', () => {
	const probeFixture = (name: string) => probeSchema.parse(JSON.parse(readFileSync(join(REPO, 'test/fixtures/probe', name), 'utf8')));

	test('a Zen 1 host under PVM maps to a zen1-like profile', () => {
		const file = platformFromProbe(probeFixture('zen1-pvm.json'));
		expect(file).toEqual({
			id: 'host',
			description: 'this machine (probed: Linux 6.18.0-pvm, KVM backend pvm)',
			cpu: { xcr0: '0x7', xfd: false, amx: false, xsaves: true, components: { '2': { offset: 576, size: 256 } } },
			// The report lists no leaf 1 and no MSR index list: KVM offers no XSAVE bit, and the XFD MSRs follow XFD.
			kvm: { backend: 'pvm', mpx: false, offer: { xcr0: '0x7', xfd: false, amx: false, xsave: false, xfdMsrs: false } },
		});
		expect(toPlatform(platformSchema.parse(file)).userDefaultSize).toBe(832);
	});

	test('an AMD host with AVX-512 keeps its own component offsets (no MPX gap)', () => {
		const probe = probeFixture('epyc-pvm.json');
		const platform = toPlatform(platformSchema.parse(platformFromProbe(probe)));
		expect(platform.userMax).toBe(0xe7n);
		expect(platform.layout.get(7)).toEqual({ offset: 1408, size: 1024 });
		// 1408 + 1024, where Intel's layout would give 2688.
		expect(platform.userDefaultSize).toBe(2432);
		expect(probedKvmXcr0(probe)).toBe(0xe7n);
	});

	test('an AMX host maps XFD from 0xD.1 EAX[4] and AMX from 7.0 EDX[24]', () => {
		const probe = probeFixture('zen1-pvm.json');
		const amx = { ...probe, cpu: { ...probe.cpu, xcr0: '0x602e7', cpuidD1Eax: '0x1f', cpuid7Edx: '0x1000000', components: {} } };
		const file = platformFromProbe(amx);
		expect(file.cpu).toEqual({ xcr0: '0x602e7', xfd: true, amx: true, xsaves: true, components: {} });
		expect(toPlatform(platformSchema.parse(file)).hasAmx).toBe(true);
	});

	// Before 5.17 the probe decides: only the seed series answers ARCH_GET_XCOMP_GUEST_PERM.
	test.each([
		['5.16.10', null, 'v5.16', false],
		['5.16.10-fpu-kvm', '0x202e7', 'fpu-kvm-v1', false],
		['5.16.0-rc5-fpu-kvm', '0x2e7', 'fpu-kvm-v1', false],
		['5.15.0-91-generic', null, 'v5.16', true],
		['5.17.0', '0x2e7', 'v5.17', false],
		['6.1.0-28-amd64', '0x2e7', 'v6.12', true],
		['6.12.117', '0x2e7', 'v6.12', false],
		['6.18.44-fc-v669', '0xe7', 'mainline', false],
	])('kernel release %s with ARCH_GET_XCOMP_GUEST_PERM %s maps to %s (approximate: %s)', (kernelRelease, xcompGuestPerm, revision, approximate) => {
		expect(revisionForProbe({ kernelRelease, xcompGuestPerm })).toEqual({ revision, approximate });
	});

	// Real probe reports, one per kernel generation, taken inside kernels booted under QEMU TCG -cpu max
	// and on the machines of this kind.
	test.each([
		['tcg-5.16.10.json', '5.16.10+', 'v5.16', false],
		['tcg-5.16.10-fpu-kvm.json', '5.16.10+', 'fpu-kvm-v1', false],
		['tcg-5.17.0.json', '5.17.0+', 'v5.17', false],
		['tcg-6.1.json', '6.1.0-57-amd64', 'v6.12', true],
		['tcg-6.12.117.json', '6.12.117', 'v6.12', false],
		['icelake-pvm.json', '6.18.44-fc-v1045', 'mainline', false],
	])('probe report %s (Linux %s) maps to %s (approximate: %s)', (name, release, revision, approximate) => {
		const probe = probeFixture(name);
		expect(probe.kernelRelease).toBe(release);
		expect(revisionForProbe(probe)).toEqual({ revision, approximate });
	});

	test('a release that is not a version maps to nothing', () => {
		expect(revisionForProbe({ kernelRelease: 'weird', xcompGuestPerm: null })).toBeNull();
	});
});
