// The probe for real: our C program built with gcc, run on this machine, its report validated and
// used by `generate --platform host --kernel host`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { probeSchema } from '../../src/model/index.js';
import { runCli, tempDir } from '../helpers.js';

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
	expect(gen.out).toMatch(/^fpu-kvm-testgen 0\.1\.0: platform host, revision (fpu-kvm-v1|v5\.17|v6\.12|mainline), seed 1, strength 3$/m);
});
