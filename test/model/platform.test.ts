// Platform profiles: validation, derived boot-time values, and the probe mapping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { kvmSupportedXcr0, platformFromProbe, platformSchema, probeSchema, revision, toPlatform } from '../../src/model/index.js';
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
	const spr = () => JSON.parse(JSON.stringify(platformSchema.parse({ id: 'x', description: 'x', cpu: { xcr0: '0x602e7', xfd: true, amx: true, xsaves: true }, kvm: { backend: 'vmx', mpx: false } })));
	const issue = (data: unknown) => {
		const r = platformSchema.safeParse(data);
		return r.success ? null : `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`;
	};

	test('accepts a consistent profile', () => expect(issue(spr())).toBeNull());
	test('AMX bits need AMX, XFD and XSAVES', () => expect(issue({ ...spr(), cpu: { ...spr().cpu, xfd: false } })).toBe('cpu.xcr0: AMX bits need cpu.amx, cpu.xfd and cpu.xsaves'));
	test('x87 and SSE are mandatory', () => expect(issue({ ...spr(), cpu: { ...spr().cpu, xcr0: '0x602e5' } })).toBe('cpu.xcr0: must include x87 and SSE (0x3)'));
	test('kvm.mpx needs MPX in XCR0', () => expect(issue({ ...spr(), kvm: { backend: 'vmx', mpx: true } })).toBe('kvm.mpx: kvm.mpx needs both MPX bits in cpu.xcr0'));
	test('unknown keys are rejected', () => expect(issue({ ...spr(), extra: 1 })).toMatch(/Unrecognized key/));
	test('a non-hex mask is rejected', () => expect(issue({ ...spr(), cpu: { ...spr().cpu, xcr0: '602e7' } })).toBe('cpu.xcr0: must be a hex mask like 0x602e7'));
	test('an unknown backend is rejected', () => expect(issue({ ...spr(), kvm: { backend: 'hvf', mpx: false } })).toMatch(/^kvm\.backend: /));
});

describe('probe mapping', () => {
	test('this machine kind (Zen 1, PVM) maps to a zen1-like host profile', () => {
		const probe = probeSchema.parse(JSON.parse(readFileSync(join(REPO, 'test/fixtures/probe/zen1-pvm.json'), 'utf8')));
		const file = platformFromProbe(probe);
		expect(file).toEqual({
			id: 'host',
			description: 'this machine (probed: Linux 6.18.0-pvm, KVM backend pvm)',
			cpu: { xcr0: '0x7', xfd: false, amx: false, xsaves: true },
			kvm: { backend: 'pvm', mpx: false },
		});
		expect(toPlatform(platformSchema.parse(file)).userDefaultSize).toBe(832);
	});

	test('an AMX host maps XFD from 0xD.1 EAX[4] and AMX from 7.0 EDX[24]', () => {
		const file = platformFromProbe(
			probeSchema.parse({
				format: 'fpu-kvm-testgen/probe/1',
				kernelRelease: '6.12.0',
				backend: 'vmx',
				devKvm: true,
				cpu: { xcr0: '0x602e7', cpuidD1Eax: '0x1f', cpuid7Edx: '0x1000000' },
				kvm: { supportedXcr0: '0x602e7' },
			}),
		);
		expect(file.cpu).toEqual({ xcr0: '0x602e7', xfd: true, amx: true, xsaves: true });
		expect(toPlatform(platformSchema.parse(file)).hasAmx).toBe(true);
	});
});
