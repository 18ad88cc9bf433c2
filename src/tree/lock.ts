// A lock file so that two runs preparing the same tree (CI jobs, parallel tests) take turns.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InfrastructureError } from '../errors.js';

const POLL_MS = 200;

function holderAlive(lock: string): boolean {
	try {
		process.kill(Number(readFileSync(lock, 'utf8')), 0);
		return true;
	} catch {
		return false;
	}
}

export async function withLock<T>(lock: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
	mkdirSync(dirname(lock), { recursive: true });
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			writeFileSync(lock, String(process.pid), { flag: 'wx' });
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			// A lock left by a process that died would otherwise block every later run.
			if (!holderAlive(lock)) rmSync(lock, { force: true });
			else if (Date.now() > deadline) throw new InfrastructureError(`timed out waiting for ${lock} (held by pid ${readFileSync(lock, 'utf8')})`);
			else await new Promise((r) => setTimeout(r, POLL_MS));
		}
	}
	try {
		return await work();
	} finally {
		rmSync(lock, { force: true });
	}
}
