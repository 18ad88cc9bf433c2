// Rewrites the golden emitted files under test/fixtures/golden after a reviewed change to the
// templates: `npm run golden`, then read `git diff test/fixtures/golden`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
/** The files kept as golden: the dialect-neutral header and one small test file. */
const GOLDEN = ['x86_64/fkt_common.h', 'x86_64/fkt_perm_get_test.c'];
/** The model hash changes with every model edit; the golden files are about the templates. */
const normalise = (text) => text.replace(/sha256:[0-9a-f]+/g, 'sha256:<model>');

const out = mkdtempSync(join(tmpdir(), 'fkt-golden-'));
const r = spawnSync(process.execPath, [join(repo, 'bin/fpu-kvm-testgen.js'), 'generate', '--platform', 'spr', '--kernel', 'v6.12', '--out', out], {
	encoding: 'utf8',
});
if (r.status !== 0) throw new Error(r.stdout + r.stderr);
for (const path of GOLDEN) {
	const target = join(repo, 'test/fixtures/golden', path);
	mkdirSync(dirname(target), { recursive: true });
	writeFileSync(target, normalise(readFileSync(join(out, 'selftests', path), 'utf8')));
	console.log(`wrote test/fixtures/golden/${path}`);
}
rmSync(out, { recursive: true, force: true });
