// The house rules of src/: data flows one way through the pipeline stages, so a module never imports
// from a stage after its own, and no module reaches itself through its imports.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO } from './helpers.js';

/** Pipeline order; '(shared)' is the top of src/ (errors, external commands, input files). */
const STAGES = ['(shared)', 'model', 'ktap', 'enumerate', 'emit', 'tree', 'build', 'compare', 'run', 'report', 'check', 'cli'];
const SRC = join(REPO, 'src');

function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
	});
}

const stageOf = (file: string) => {
	const parts = relative(SRC, file).split('/');
	return parts.length === 1 ? '(shared)' : parts[0]!;
};

/** Each module's relative imports, as paths of .ts files. */
const graph = new Map(
	sources(SRC).map((file) => [
		file,
		[...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts')),
	]),
);

describe('architecture of src/', () => {
	test('every top-level folder is a known stage', () => {
		expect([...new Set([...graph.keys()].map(stageOf))].filter((s) => !STAGES.includes(s))).toEqual([]);
	});

	test('no import from a later stage', () => {
		const backwards = [...graph].flatMap(([file, imports]) =>
			imports.filter((to) => STAGES.indexOf(stageOf(to)) > STAGES.indexOf(stageOf(file))).map((to) => `${relative(SRC, file)} -> ${relative(SRC, to)}`),
		);
		expect(backwards).toEqual([]);
	});

	test('no import cycle', () => {
		const cycles: string[] = [];
		const state = new Map<string, 'open' | 'done'>();
		const stack: string[] = [];
		const visit = (file: string) => {
			state.set(file, 'open');
			stack.push(file);
			for (const to of graph.get(file) ?? []) {
				if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to].map((f) => relative(SRC, f)).join(' -> '));
				else if (!state.has(to)) visit(to);
			}
			stack.pop();
			state.set(file, 'done');
		};
		for (const file of graph.keys()) if (!state.has(file)) visit(file);
		expect(cycles).toEqual([]);
	});

	test('the checks see the real graph: known edges between stages are in it', () => {
		const has = (from: string, to: string) => graph.get(join(SRC, from))?.includes(join(SRC, to)) === true;
		expect([has('cli/main.ts', 'run/run-command.ts'), has('run/run-suite.ts', 'compare/compare.ts'), has('compare/compare.ts', 'model/index.ts')]).toEqual([
			true,
			true,
			true,
		]);
	});

	test('the output folder layout is spelled in one module: emit/layout.ts', () => {
		const spelled = [...graph.keys()]
			.filter((file) => !file.endsWith('/emit/layout.ts'))
			.filter((file) => /'(bin|logs|selftests)'|`selftests\//.test(readFileSync(file, 'utf8')))
			.map((file) => relative(SRC, file));
		expect(spelled).toEqual([]);
	});
});
