// The fingerprint a suite carries and how a machine differs from it, on the probe reports of the
// machines of this kind: the Intel Xeon with AMX whose PVM KVM offers guests 0x2e7 and no XFD, and
// the AMD EPYC, each against the shipped spr profile and against itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateRequest, probedPlatform } from '../../src/emit/generate-request.js';
import { elsewhereReason, fingerprint, fingerprintDifferences, probeSchema } from '../../src/model/index.js';
import { REPO } from '../helpers.js';

const probed = (name: string) => {
	const path = join(REPO, 'test/fixtures/probe', `${name}.json`);
	return fingerprint(probedPlatform(probeSchema.parse(JSON.parse(readFileSync(path, 'utf8'))), path));
};
const spr = fingerprint(generateRequest({ platform: 'spr', kernel: 'v6.12', seed: '1', strength: '3' }).platform);
const KVM_OFFERS_NOTHING_OF_SPR = ['KVM XFD no (spr: yes)', 'KVM AMX no (spr: yes)', 'KVM XSAVE no (spr: yes)', 'KVM XFD MSRs no (spr: yes)'];

describe('fingerprint differences', () => {
	test('Intel Xeon with AMX under PVM: the CPU is spr, what KVM offers is not', () => {
		expect(fingerprintDifferences('spr', spr, probed('intel-amx-pvm'))).toEqual([
			'KVM backend pvm (spr: vmx)',
			'KVM XCR0 0x2e7 (spr: 0x602e7)',
			...KVM_OFFERS_NOTHING_OF_SPR,
		]);
	});

	test('AMD EPYC under PVM: no AMX or PKRU, and AVX-512 where AMD puts it (no MPX area before it)', () => {
		expect(fingerprintDifferences('spr', spr, probed('epyc-pvm'))).toEqual([
			'KVM backend pvm (spr: vmx)',
			'XCR0 0xe7 (spr: 0x602e7)',
			'XFD no (spr: yes)',
			'AMX no (spr: yes)',
			'KVM XCR0 0xe7 (spr: 0x602e7)',
			...KVM_OFFERS_NOTHING_OF_SPR,
			'xstate 5 832+64 (spr: 1088+64)',
			'xstate 6 896+512 (spr: 1152+512)',
			'xstate 7 1408+1024 (spr: 1664+1024)',
			'xstate 9 absent (spr: 2688+8)',
			'xstate 17 absent (spr: 2752+64)',
			'xstate 18 absent (spr: 2816+8192)',
		]);
	});

	test.each(['intel-amx-pvm', 'epyc-pvm', 'icelake-pvm', 'zen1-pvm'])('%s against itself: the suite applies', (name) => {
		expect(elsewhereReason('host', probed(name), probed(name))).toBeNull();
	});

	test('the SKIP reason names the platform and every difference in one line', () => {
		expect(elsewhereReason('spr', spr, probed('intel-amx-pvm'))).toBe(
			'built for platform spr; this machine has KVM backend pvm (spr: vmx), KVM XCR0 0x2e7 (spr: 0x602e7), ' + KVM_OFFERS_NOTHING_OF_SPR.join(', '),
		);
	});
});
