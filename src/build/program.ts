// Our own small C programs (the probe, the guest init): compiled from templates/ into the cache, again
// only when the source is newer, built beside their final name and renamed so that a parallel run
// never executes a half-linked file.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { failureLine, runCommand } from '../command.js';
import { InfrastructureError } from '../errors.js';

export interface ProgramRequest {
	readonly source: string;
	readonly binary: string;
	/** Link statically, for an initramfs without libc. */
	readonly static: boolean;
	/** What it is, for the error line: 'the probe'. */
	readonly what: string;
	readonly warnings: readonly string[];
}

const MINUTE = 60_000;

export async function buildProgram(request: ProgramRequest): Promise<string> {
	const { binary, source } = request;
	if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
	mkdirSync(dirname(binary), { recursive: true });
	const temp = `${binary}.tmp-${process.pid}`;
	const link = request.static ? ['-static'] : [];
	const result = await runCommand(['gcc', '-O2', ...request.warnings, ...link, '-o', temp, source], { timeoutMs: MINUTE });
	if (result.code !== 0) {
		rmSync(temp, { force: true });
		const why = failureLine(result.output);
		if (!why) throw new InfrastructureError(`building ${request.what} failed: gcc not found: apt-get install gcc`);
		if (/cannot find -lc\b/.test(result.output))
			throw new InfrastructureError(`building ${request.what} failed: ${why}; a static libc is needed: apt-get install libc6-dev`);
		throw new InfrastructureError(`building ${request.what} failed: ${why}`);
	}
	renameSync(temp, binary);
	return binary;
}
