// Builds (once) and runs our probe program, validates its report and keeps it in the cache where
// `--platform host` finds it.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../build/program.js';
import { failureLine, runCommand } from '../command.js';
import { writeOutputFile } from '../emit/write-output.js';
import { InfrastructureError } from '../errors.js';
import { probeSchema, type Probe } from '../model/index.js';

const SOURCE = fileURLToPath(new URL('../../templates/fkt_probe.c', import.meta.url));
const MINUTE = 60_000;

/** The probe program, built once; statically linked for a guest's initramfs. */
export function probeBinary(cacheDir: string, isStatic = false): Promise<string> {
	const binary = join(cacheDir, isStatic ? 'fkt_probe-static' : 'fkt_probe');
	return buildProgram({ source: SOURCE, binary, static: isStatic, what: 'the probe', warnings: ['-Wall'] });
}

export async function runProbe(cacheDir: string, reportPath: string): Promise<Probe> {
	const result = await runCommand([await probeBinary(cacheDir)], { timeoutMs: MINUTE });
	if (result.code !== 0) throw new InfrastructureError(`the probe failed: ${failureLine(result.output) || `exit ${result.code}`}`);
	return keepProbeReport(result.output, reportPath);
}

/** Validates what the probe printed and keeps it where `--platform host` reads it. */
export function keepProbeReport(output: string, reportPath: string): Probe {
	let parsed: unknown;
	try {
		parsed = JSON.parse(output);
	} catch {
		throw new InfrastructureError('the probe printed something that is not JSON');
	}
	const probe = probeSchema.safeParse(parsed);
	if (!probe.success)
		throw new InfrastructureError(`the probe report does not match its schema: ${probe.error.issues[0]!.path.join('.')}: ${probe.error.issues[0]!.message}`);
	mkdirSync(dirname(reportPath), { recursive: true });
	writeOutputFile(reportPath, JSON.stringify(probe.data, null, 2) + '\n');
	return probe.data;
}
