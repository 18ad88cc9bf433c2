// Shared test helpers: shipped platforms and a fresh temporary folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { platformSchema, toPlatform, type Platform } from '../src/model/index.js';

export const REPO = new URL('..', import.meta.url).pathname;

export function shippedPlatform(id: string): Platform {
	return toPlatform(platformSchema.parse(YAML.parse(readFileSync(join(REPO, 'platforms', `${id}.yaml`), 'utf8'))));
}

export function tempDir(prefix = 'fkt-'): string {
	return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Runs the built command line as a user would: a real process; its exit code and everything it printed.
 * Colour is off unless the caller's env asks for it: CI runners set CI, which turns picocolors on.
 */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
	const r = spawnSync(process.execPath, [join(REPO, 'bin/fpu-kvm-testgen.js'), ...args], {
		encoding: 'utf8',
		timeout: options.timeoutMs ?? 600_000,
		env: { NO_COLOR: '1', ...(options.env ?? process.env) },
	});
	return { code: r.status, out: r.stdout + r.stderr };
}
