// Every citation in src/ can be followed inside the repository: each section it names is a heading of
// docs/contract.md, each bug row (§4 #N) and open question (§5 item N) exists, and explain says where.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RULES, allBehaviours } from '../../src/model/index.js';
import { CONTRACT_PATH, citedSections, contractSections } from '../../src/report/contract.js';
import { REPO, runCli } from '../helpers.js';

const contract = readFileSync(CONTRACT_PATH, 'utf8');
const sections = contractSections(contract);

function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((n) => {
		const p = join(dir, n);
		return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
	});
}

/** The text of one top-level section (up to the next heading of the same level). */
function sectionText(number: string): string {
	const start = contract.search(new RegExp(`^## §${number.replace('.', '\\.')} `, 'm'));
	const rest = contract.slice(start + 1);
	const end = rest.search(/^## /m);
	return end < 0 ? rest : rest.slice(0, end);
}

describe('docs/contract.md', () => {
	test('has every section the spec numbers: §0-§5 with their subsections', () => {
		const expected = ['0', '1', '1.1', '1.2', '1.3', '2', ...Array.from({ length: 12 }, (_, i) => `2.${i + 1}`), '3', '3.1', '3.2', '3.3', '4', '5'];
		expect([...sections.keys()]).toEqual(expected);
	});

	test('every § a source file cites is a heading there', () => {
		const missing = sources(join(REPO, 'src')).flatMap((file) =>
			citedSections(readFileSync(file, 'utf8'))
				.filter((n) => !sections.has(n))
				.map((n) => `${relative(REPO, file)}: §${n}`),
		);
		expect(missing).toEqual([]);
	});

	test('every rule and behaviour cites at least one section, and §4 #N and §5 item N exist', () => {
		const citations = [...Object.values(RULES).map((r) => r.citation), ...allBehaviours().map((b) => b.citation)];
		expect(citations.filter((c) => citedSections(c).length === 0)).toEqual([]);
		const text = sources(join(REPO, 'src'))
			.map((f) => readFileSync(f, 'utf8'))
			.join('\n');
		const bugs = [...new Set([...text.matchAll(/§4 #(\d+)/g)].map((m) => m[1]!))];
		const bugRows = sectionText('4');
		expect(bugs.filter((n) => !new RegExp(`^\\| #${n} \\|`, 'm').test(bugRows))).toEqual([]);
		const items = [...new Set([...text.matchAll(/§5 item (\d+)/g)].map((m) => m[1]!))];
		const questions = sectionText('5');
		expect(items.filter((n) => !new RegExp(`^${n}\\. `, 'm').test(questions))).toEqual([]);
		expect(bugs.length + items.length).toBeGreaterThan(10);
	});

	test('explain ends by saying where each cited section can be read', () => {
		const r = runCli(['explain', 'regression.uabi-size-base']);
		expect(r.code).toBe(0);
		expect(r.out.trim().split('\n').at(-1)).toBe(
			'  read in docs/contract.md: §0 Differences at a glance; §1.3 Per vCPU; §2.2 vCPU creation; §2.3 KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2); §2.6 KVM_SET_CPUID2 (and KVM_SET_CPUID); §2.7 KVM_GET_XSAVE, KVM_GET_XSAVE2, KVM_SET_XSAVE',
		);
	});
});
