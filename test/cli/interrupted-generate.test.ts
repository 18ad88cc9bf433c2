// generate killed by SIGINT or SIGTERM at any moment: the output folder is either untouched or the
// complete result of one run, never files of two seeds side by side, and no temporary file stays.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO, runCli, tempDir } from '../helpers.js';

function generate(out: string, seed: number, killAfterMs: number, signal: NodeJS.Signals): Promise<void> {
	const child = spawn(process.execPath, [
		join(REPO, 'bin/fpu-kvm-testgen.js'),
		'generate',
		'--platform',
		'spr',
		'--kernel',
		'v6.12',
		'--seed',
		String(seed),
		'--out',
		out,
	]);
	const timer = setTimeout(() => child.kill(signal), killAfterMs);
	return new Promise((resolve) =>
		child.on('exit', () => {
			clearTimeout(timer);
			resolve();
		}),
	);
}

/** The seed every generated file says it was made with; throws on a mix. */
function seedOf(out: string): number {
	const expected = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as { seed: number };
	const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { seed: number };
	const header = readFileSync(join(out, 'selftests/x86_64/fkt_core_test.c'), 'utf8');
	const seeds = new Set([expected.seed, manifest.seed, Number(/seed (\d+)/.exec(header)?.[1])]);
	if (seeds.size !== 1) throw new Error(`files of several seeds: ${[...seeds].join(', ')}`);
	return expected.seed;
}

const temps = (out: string): string[] =>
	readdirSync(out, { recursive: true })
		.map(String)
		.filter((n) => /\.tmp-\d+$/.test(n) || n.endsWith('.fkt-lock'));

describe('generate interrupted at any moment', () => {
	const delays = [30, 120, 250, 400, 550, 700, 900, 1200];
	test.each(['SIGINT', 'SIGTERM'] as const)(
		'%s into a new folder: nothing, or one complete result',
		async (signal) => {
			const outcomes: string[] = [];
			for (const delay of delays) {
				const out = join(tempDir('fkt-gen-int-'), 'out');
				await generate(out, 7, delay, signal);
				if (!existsSync(out)) {
					outcomes.push('untouched');
					continue;
				}
				expect(temps(out)).toEqual([]);
				expect(seedOf(out)).toBe(7);
				outcomes.push('complete');
			}
			// Killed before Node has even loaded the tool: untouched.
			expect(outcomes[0]).toBe('untouched');
		},
		120_000,
	);

	test('SIGTERM while overwriting a folder of another seed: all old or all new', async () => {
		for (const delay of delays) {
			const out = join(tempDir('fkt-gen-int-'), 'out');
			expect(runCli(['generate', '--platform', 'spr', '--kernel', 'v6.12', '--seed', '1', '--out', out]).code).toBe(0);
			await generate(out, 2, delay, 'SIGTERM');
			expect(temps(out)).toEqual([]);
			expect([1, 2]).toContain(seedOf(out));
		}
	}, 120_000);
});
