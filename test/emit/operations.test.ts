// One registry of operations (src/model/ops.ts OPERATIONS): the TypeScript type checks that it names
// every operation of the model; these check that the emitted C executes and prints what it declares,
// that the model observes nothing else, and that the documentation is the registry's.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateRequest } from '../../src/emit/generate-request.js';
import { expectedCase } from '../../src/emit/expected.js';
import { expectedCaseSchema } from '../../src/emit/expected-schema.js';
import { buildSuite } from '../../src/enumerate/suite.js';
import { OPERATIONS, REVISION_ORDER, UNSPECIFIED, VALUE_FORMATS, evaluate, type OpName } from '../../src/model/index.js';
import { REPO } from '../helpers.js';

const template = readFileSync(join(REPO, 'templates/fkt_common.h.ejs'), 'utf8');
const entries = Object.entries(OPERATIONS) as [OpName, (typeof OPERATIONS)[OpName]][];

/** The field and format tables of docs/expected-format.md, rendered from the registry. */
function fieldTables(): string {
	const rows = entries.map(([name, op]) => {
		const fields = Object.entries(op.observes).map(([field, f]) => `\`${field}\` ${f.format}${'doc' in f ? ` (${f.doc})` : ''}`);
		return `| \`${name}\` | ${fields.join(', ')} |`;
	});
	const formats = Object.entries(VALUE_FORMATS).map(([name, f]) => `| ${name} | ${f.doc} |`);
	return ['| op | fields |', '|---|---|', ...rows, '', '| format | written as |', '|---|---|', ...formats].join('\n') + '\n';
}

/** The model inputs of every shipped platform profile under every revision. */
const everySuite = () =>
	readdirSync(join(REPO, 'platforms')).flatMap((file) =>
		REVISION_ORDER.map((kernel) => generateRequest({ platform: file.replace(/\.yaml$/, ''), kernel, seed: '1', strength: '3' })),
	);

describe('operations registry', () => {
	test('every operation has a case in the C step executor', () => {
		expect(Object.values(OPERATIONS).filter((op) => !template.includes(`\tcase ${op.cEnum}:`))).toEqual([]);
	});

	test('C enum names are unique and the C name table is rendered from the registry, not written by hand', () => {
		const names = Object.values(OPERATIONS).map((op) => op.cEnum);
		expect(new Set(names).size).toBe(names.length);
		for (const name of names) expect(template.includes(`[${name}] =`)).toBe(false);
	});

	test('the emitted C prints every field an operation observes', () => {
		const fields = new Set(entries.flatMap(([, op]) => Object.keys(op.observes)));
		expect([...fields].filter((field) => !template.includes(`(line, "${field}"`))).toEqual([]);
	});

	test('docs/expected-format.md lists the fields of the registry', () => {
		const doc = readFileSync(join(REPO, 'docs/expected-format.md'), 'utf8');
		const table = /<!-- fields:begin -->\n([^]*?)<!-- fields:end -->/.exec(doc)?.[1];
		expect(table).toBe(fieldTables());
	});

	test('on every shipped platform and revision, the arguments of every step are what the registry declares', () => {
		for (const { platform, rev } of everySuite())
			for (const c of buildSuite({ platform, rev, seed: 1, strength: 3 }).cases) expectedCaseSchema.parse(expectedCase(c, platform, rev));
	});

	test('on every shipped platform and revision, the model observes only declared fields, in their formats', () => {
		const wrong = new Set<string>();
		for (const { platform, rev } of everySuite()) {
			for (const c of buildSuite({ platform, rev, seed: 1, strength: 3 }).cases) {
				evaluate(c.steps, platform, rev).results.forEach((r, i) => {
					const op = OPERATIONS[c.steps[i]!.op];
					for (const [field, value] of Object.entries(r.outcome)) {
						const declared = (op.observes as Record<string, { format: keyof typeof VALUE_FORMATS }>)[field];
						// A mask may be a bits: matcher; any field may be unspecified.
						const ok =
							declared &&
							(value === UNSPECIFIED || VALUE_FORMATS[declared.format].pattern.test(value) || (declared.format === 'hex' && value.startsWith('bits:')));
						if (!ok) wrong.add(`${c.steps[i]!.op} ${field}=${value}`);
					}
				});
			}
		}
		expect([...wrong]).toEqual([]);
	});
});
