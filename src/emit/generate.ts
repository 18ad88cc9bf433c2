// The generate job: suite -> expected.json, manifest.json and the C selftests, written atomically
// into the output folder.
import { buildSuite } from '../enumerate/suite.js';
import { renderSelftests } from './c/render.js';
import { expectedDocument, manifest, type GenerateRequest } from './expected.js';
import type { ExpectedDocument, Manifest } from './expected-schema.js';
import { selftestsPath } from './layout.js';
import { writeOutputFiles } from './write-output.js';

export interface Generated {
	readonly expected: ExpectedDocument;
	readonly manifest: Manifest;
	/** Emitted C by path under the output folder (selftests/...). */
	readonly selftests: ReadonlyMap<string, string>;
}

export function generate(request: GenerateRequest): Generated {
	const suite = buildSuite(request);
	const expected = expectedDocument(request, suite);
	const selftests = new Map([...renderSelftests(expected)].map(([path, content]) => [selftestsPath(path), content]));
	return { expected, manifest: manifest(request, suite, expected), selftests };
}

/** Stable JSON: two-space indent and a final newline, so identical inputs give identical bytes. */
export function toJson(value: unknown): string {
	return JSON.stringify(value, null, 2) + '\n';
}

export function writeGenerated(outDir: string, generated: Generated): void {
	writeOutputFiles(outDir, new Map([['expected.json', toJson(generated.expected)], ['manifest.json', toJson(generated.manifest)], ...generated.selftests]));
}
