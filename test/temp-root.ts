// Vitest global setup: every temporary file of a test run (the tests' own folders, and what the tool
// and the compilers they start put in TMPDIR) goes under one folder, removed when the run ends, so
// repeated runs do not fill the disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
	const root = mkdtempSync(join(tmpdir(), 'fkt-test-run-'));
	process.env.TMPDIR = root;
	return () => rmSync(root, { recursive: true, force: true });
}
