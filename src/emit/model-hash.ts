// The model hash names exactly the model code that computed the expectations: a SHA-256 over the
// compiled model modules, in name order.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MODEL_DIR = fileURLToPath(new URL('../model/', import.meta.url));

export function modelHash(): string {
	const hash = createHash('sha256');
	for (const name of readdirSync(MODEL_DIR)
		.filter((n) => /\.(js|ts)$/.test(n))
		.sort()) {
		hash
			.update(name)
			.update('\0')
			.update(readFileSync(MODEL_DIR + name))
			.update('\0');
	}
	return 'sha256:' + hash.digest('hex');
}
