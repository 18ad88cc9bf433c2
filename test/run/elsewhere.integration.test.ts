// A suite generated for another platform (spr), built and run here: the runner and the binaries
// compare the platform's fingerprint with this machine and skip every case with the same one line
// naming the difference, instead of failing by the hundred.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generateRequest, probedPlatform } from '../../src/emit/generate-request.js';
import { elsewhereReason, fingerprint, probeSchema } from '../../src/model/index.js';
import { runReportSchema } from '../../src/report/json.js';
import { runCli, tempDir } from '../helpers.js';

const TEN_MINUTES = 600_000;

test.skipIf(!existsSync('/dev/kvm'))(
	'a suite for spr on this machine: every case SKIPs with the fingerprint difference, from the runner and from the binary alike',
	() => {
		const dir = tempDir('fkt-elsewhere-');
		const out = join(dir, 'out');
		const probe = join(dir, 'probe.json');
		expect(runCli(['probe', '--out', probe, '--cache', join(dir, 'cache')]).code).toBe(0);
		const spr = generateRequest({ platform: 'spr', kernel: 'v6.12', seed: '1', strength: '3' }).platform;
		const here = probedPlatform(probeSchema.parse(JSON.parse(readFileSync(probe, 'utf8'))), probe);
		const reason = elsewhereReason('spr', fingerprint(spr), fingerprint(here));
		expect(runCli(['generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out]).code).toBe(0);
		const built = runCli(['build', '--tree', 'debian:6.12', '--out', out, '--cflags', '-mgeneral-regs-only']);
		expect(built.code, built.out).toBe(0);

		const json = join(dir, 'report.json');
		const run = runCli(['run', '--out', out, '--family', 'perm.get', 'kvm.query', '--json', json]);
		expect(run.code, run.out).toBe(0);
		const report = runReportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
		// Bare-metal Sapphire Rapids with KVM on VMX is spr: there the suite applies and runs.
		if (reason === null) return expect(report.summary.SKIP).toBeLessThan(report.cases.length);
		expect(report.cases.length).toBeGreaterThan(0);
		expect(report.cases.filter((c) => c.status !== 'SKIP' || c.reason !== reason).map((c) => c.id)).toEqual([]);

		const binary = spawnSync(join(out, 'bin', 'selftests-6.10', 'fkt_perm_get_test'), { encoding: 'utf8', timeout: 60_000 });
		const results = binary.stdout.split('\n').filter((l) => /^(not )?ok /.test(l));
		expect(results.length).toBe(report.cases.filter((c) => c.family === 'perm.get').length);
		expect(results.filter((l) => !l.endsWith(` # SKIP ${reason}`))).toEqual([]);
		expect(binary.status).toBe(0);
	},
	TEN_MINUTES,
);
