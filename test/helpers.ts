// Shared test helpers: shipped platforms and a fresh temporary folder.
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
