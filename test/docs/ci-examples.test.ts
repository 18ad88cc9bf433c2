// The CI recipe (docs/ci-bare-metal-amx.md, examples/ci/*.yml) against the real command line: both YAML
// files parse; every fpu-kvm-testgen invocation in their scripts and in the doc's shell blocks names a
// command and options the CLI has; artifacts are published whatever the result; a failing check fails the job.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { program } from '../../src/cli/main.js';
import { REPO } from '../helpers.js';

const GITHUB = 'examples/ci/github-actions.yml';
const GITLAB = 'examples/ci/gitlab-ci.yml';
const DOC = 'docs/ci-bare-metal-amx.md';
const TGLX = 'https://git.kernel.org/pub/scm/linux/kernel/git/tglx/devel.git';

const read = (file: string) => readFileSync(join(REPO, file), 'utf8');

type Yaml = Record<string, any>;

function parseYaml(file: string): { doc: Yaml; problems: string[] } {
	const parsed = YAML.parseDocument(read(file), { uniqueKeys: true });
	return { doc: parsed.toJS() as Yaml, problems: [...parsed.errors, ...parsed.warnings].map((e) => e.message) };
}

// ---- shell text -> fpu-kvm-testgen invocations ----

/** Logical lines: comments dropped, backslash continuations joined. */
function logicalLines(script: string): string[] {
	const lines: string[] = [];
	let pending = '';
	for (const raw of script.split('\n')) {
		const line = raw.replace(/(^|\s)#.*$/, '');
		if (/\\\s*$/.test(line)) {
			pending += line.replace(/\\\s*$/, ' ');
			continue;
		}
		lines.push(pending + line);
		pending = '';
	}
	if (pending) lines.push(pending);
	return lines;
}

/** Shell words, quotes removed; control operators and redirections as tokens of their own. */
function shellWords(line: string): string[] {
	const words: string[] = [];
	let word = '';
	let quote: '"' | "'" | null = null;
	let started = false;
	const end = () => {
		if (started) words.push(word);
		word = '';
		started = false;
	};
	for (let i = 0; i < line.length; i++) {
		const c = line[i]!;
		if (quote) {
			if (c === quote) quote = null;
			else word += c;
		} else if (c === '"' || c === "'") {
			quote = c;
			started = true;
		} else if (/\s/.test(c)) {
			end();
		} else if (c === '|' || c === ';' || c === '&' || c === '>' || c === '<') {
			end();
			words.push(c);
		} else {
			word += c;
			started = true;
		}
	}
	end();
	return words;
}

const OPERATOR = /^[|;&<>]$/;
const CLI_WORD = /(^|\/)fpu-kvm-testgen(\.js)?$/;

interface Invocation {
	readonly source: string;
	/** The words after the program name, up to the end of the simple command. */
	readonly words: readonly string[];
}

function invocationsIn(script: string, source: string): Invocation[] {
	const found: Invocation[] = [];
	for (const line of logicalLines(script)) {
		const words = shellWords(line);
		words.forEach((w, i) => {
			if (!CLI_WORD.test(w)) return;
			const stop = words.findIndex((x, j) => j > i && OPERATOR.test(x));
			found.push({ source, words: words.slice(i + 1, stop === -1 ? undefined : stop) });
		});
	}
	return found;
}

/** The shell text of a fenced block: all of it for sh/bash, the `$ ` commands (and their continuations) for console. */
function fencedShell(markdown: string): { lang: string; text: string }[] {
	const blocks: { lang: string; text: string }[] = [];
	for (const m of markdown.matchAll(/^([ \t]*)```(\w*)[^\n]*\n([\s\S]*?)^\1```/gm)) {
		const lang = m[2]!;
		const body = m[3]!.split('\n').map((l) => l.slice(m[1]!.length));
		if (['sh', 'bash', 'shell'].includes(lang)) blocks.push({ lang, text: body.join('\n') });
		if (lang === 'console') {
			const commands: string[] = [];
			let continuing = false;
			for (const l of body) {
				if (l.startsWith('$ ')) commands.push(l.slice(2));
				else if (continuing) commands.push(l);
				continuing = (l.startsWith('$ ') || continuing) && /\\\s*$/.test(l);
			}
			blocks.push({ lang, text: commands.join('\n') });
		}
	}
	return blocks;
}

// ---- the scripts of each file ----

interface Script {
	readonly where: string;
	readonly text: string;
}

function githubScripts(doc: Yaml): Script[] {
	return Object.entries(doc.jobs as Yaml).flatMap(([job, spec]) =>
		((spec as Yaml).steps as Yaml[])
			.map((step, i) => ({ step, i }))
			.filter(({ step }) => typeof step.run === 'string')
			.map(({ step, i }) => ({ where: `jobs.${job}.steps[${i}]`, text: step.run as string })),
	);
}

const GITLAB_KEYWORDS = new Set(['workflow', 'variables', 'stages', 'default', 'include', 'image', 'services', 'cache', 'before_script', 'after_script']);
const SCRIPT_KEYS = ['before_script', 'script', 'after_script'] as const;

function deepMerge(base: Yaml, over: Yaml): Yaml {
	const out: Yaml = { ...base };
	for (const [k, v] of Object.entries(over)) {
		const isMap = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
		out[k] = isMap(v) && isMap(base[k]) ? deepMerge(base[k], v) : v;
	}
	return out;
}

/** GitLab jobs with `extends` resolved the way GitLab does it (hashes merged deeply, arrays replaced). */
function gitlabJobs(doc: Yaml): Record<string, Yaml> {
	const resolve = (spec: Yaml): Yaml => {
		const parents = spec.extends === undefined ? [] : [spec.extends].flat();
		const base = parents.reduce((acc: Yaml, p: string) => deepMerge(acc, resolve(doc[p])), {});
		const { extends: _extends, ...own } = spec;
		return deepMerge(base, own);
	};
	return Object.fromEntries(
		Object.entries(doc)
			.filter(([k]) => !k.startsWith('.') && !GITLAB_KEYWORDS.has(k))
			.map(([k, v]) => [k, resolve(v as Yaml)]),
	);
}

function gitlabScripts(job: string, spec: Yaml): Script[] {
	return SCRIPT_KEYS.flatMap((key) => [spec[key] ?? []].flat().map((text: unknown, i: number) => ({ where: `${job}.${key}[${i}]`, text: text as string })));
}

// ---- the real command line ----

/** The command tree of src/cli/main.ts; building it runs nothing. */
const cliTree = (): Command => program(() => {}, { exitCode: 0 });

const HELP = new Set(['-h', '--help']);

/** What is wrong with an invocation: an unknown command, or an option its command does not have. */
function problemsOf(root: Command, words: readonly string[]): string[] {
	const problems: string[] = [];
	let cmd = root;
	const path: string[] = [];
	let i = 0;
	for (; i < words.length && !words[i]!.startsWith('-'); i++) {
		const sub = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
		if (!sub) break;
		cmd = sub;
		path.push(words[i]!);
	}
	const name = path.join(' ') || 'fpu-kvm-testgen';
	const alone = words.some((w) => HELP.has(w)) || (!path.length && words.length === 1 && ['--version', '-V'].includes(words[0]!));
	if (!path.length && !alone) {
		problems.push(`unknown command '${words[0] ?? ''}' (known: ${root.commands.map((c) => c.name()).join(', ')})`);
		return problems;
	}
	if (cmd.commands.length && !alone) problems.push(`'${name}' needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')})`);
	for (; i < words.length; i++) {
		const w = words[i]!;
		if (w === '--') break;
		if (!w.startsWith('-') || w === '-') continue;
		const flag = w.startsWith('--') ? w.split('=')[0]! : w.slice(0, 2);
		if (HELP.has(flag)) continue;
		const option = cmd.options.find((o) => o.long === flag || o.short === flag);
		if (!option) {
			problems.push(`'${name}' has no option ${flag}`);
			continue;
		}
		// A value of its own (e.g. --cflags -mgeneral-regs-only) is not an option.
		const inline = w.startsWith('--') ? w.includes('=') : w.length > 2;
		if (option.required && !option.variadic && !inline) i++;
	}
	return problems;
}

// ---- what the files hold ----

const github = parseYaml(GITHUB);
const gitlab = parseYaml(GITLAB);
const doc = read(DOC);

const githubInvocations = githubScripts(github.doc).flatMap((s) => invocationsIn(s.text, `${GITHUB} ${s.where}`));
const gitlabJobsResolved = gitlabJobs(gitlab.doc);
const gitlabScriptList = Object.entries(gitlabJobsResolved).flatMap(([job, spec]) => gitlabScripts(job, spec));
const gitlabInvocations = gitlabScriptList.flatMap((s) => (typeof s.text === 'string' ? invocationsIn(s.text, `${GITLAB} ${s.where}`) : []));
const docBlocks = fencedShell(doc);
const docInvocations = docBlocks.flatMap((b, i) => invocationsIn(b.text, `${DOC} block ${i + 1} (${b.lang})`));
const allInvocations = [...githubInvocations, ...gitlabInvocations, ...docInvocations];

const startsWith = (inv: Invocation, ...command: string[]) => command.every((w, i) => inv.words[i] === w);
const FORBIDDEN_IN_CHECK = [/\|\|\s*(true|:)(\s|;|$)/m, /\bset\s+\+e\b/, /\|\|\s*exit\s+0\b/];

describe('the YAML examples parse', () => {
	test.each([GITHUB, GITLAB])('%s has no YAML errors or warnings', (file) => {
		expect((file === GITHUB ? github : gitlab).problems).toEqual([]);
	});

	test('every run and script entry is shell text that bash accepts', () => {
		const scripts = [...githubScripts(github.doc), ...gitlabScriptList];
		// A GitLab script line with ': ' in it silently becomes a mapping: every entry must be a string.
		expect(scripts.filter((s) => typeof s.text !== 'string').map((s) => s.where)).toEqual([]);
		const rejected = scripts.filter((s) => spawnSync('bash', ['-n'], { input: s.text, encoding: 'utf8' }).status !== 0);
		expect(rejected.map((s) => s.where)).toEqual([]);
	});
});

describe('every fpu-kvm-testgen invocation exists in the real CLI', () => {
	const root = cliTree();

	test('the checker itself: unknown commands and options are caught, option values are not options', () => {
		expect(problemsOf(root, ['check', '--no-such-option'])).toHaveLength(1);
		expect(problemsOf(root, ['run', '--kernel', 'v6.12'])).toHaveLength(1); // --kernel belongs to check
		expect(problemsOf(root, ['no-such-command'])).toHaveLength(1);
		expect(problemsOf(root, ['tree'])).toHaveLength(1);
		expect(problemsOf(root, ['tree', 'prepare', '--debian', '6.12'])).toEqual([]);
		expect(problemsOf(root, ['build', '--tree', 'debian:6.12', '--cflags', '-mgeneral-regs-only', '-j4'])).toEqual([]);
		expect(invocationsIn('x=1; npx fpu-kvm-testgen run --json r.json | tee log # --bogus', 'here').map((i) => i.words)).toEqual([['run', '--json', 'r.json']]);
	});

	test('the files run both modes', () => {
		for (const list of [githubInvocations, gitlabInvocations, docInvocations]) {
			expect(list.some((inv) => startsWith(inv, 'check') && !inv.words.includes('--kernel-image'))).toBe(true);
			expect(list.some((inv) => startsWith(inv, 'kernel', 'build'))).toBe(true);
			expect(list.some((inv) => startsWith(inv, 'check') && inv.words.includes('--kernel-image'))).toBe(true);
		}
		for (const inv of [...githubInvocations, ...gitlabInvocations].filter((i) => startsWith(i, 'check'))) {
			for (const report of ['--json', '--junit', '--ktap', '--known-issues']) expect(inv.words, inv.source).toContain(report);
		}
	});

	for (const { source, words } of allInvocations) {
		test(`${source}: ${words.join(' ')}`, () => {
			expect(problemsOf(root, words)).toEqual([]);
		});
	}
});

describe('GitHub Actions workflow', () => {
	const wf = github.doc;
	const jobs = wf.jobs as Record<string, Yaml>;
	const runsCli = (step: Yaml) => typeof step.run === 'string' && invocationsIn(step.run, '').length > 0;

	test('runs on push, pull_request and workflow_dispatch, on a self-hosted amx runner', () => {
		expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
		for (const job of Object.values(jobs)) expect(job['runs-on']).toEqual(expect.arrayContaining(['self-hosted', 'amx']));
		const inputs = wf.on.workflow_dispatch.inputs as Yaml;
		expect(inputs.kernel_repo.default).toBe(TGLX);
		expect(inputs.kernel_branch.default).toBe('x86/fpu-kvm');
		expect(jobs.vm!.steps.some((s: Yaml) => /git clone --depth 1 --branch "\$KERNEL_BRANCH" "\$KERNEL_REPO"/.test(s.run ?? ''))).toBe(true);
	});

	test('each job uploads its artifacts with if: always()', () => {
		for (const [name, job] of Object.entries(jobs)) {
			const uploads = (job.steps as Yaml[]).filter((s) => typeof s.uses === 'string' && s.uses.startsWith('actions/upload-artifact@'));
			expect(uploads, name).toHaveLength(1);
			expect(String(uploads[0]!.if).replace(/^\$\{\{\s*|\s*\}\}$/g, '')).toBe('always()');
			const paths = String(uploads[0]!.with.path);
			for (const p of ['out/report.json', 'out/junit.xml', 'out/results.ktap', 'out/logs/', 'out/expected.json', 'out/manifest.json'])
				expect(paths, name).toContain(p);
		}
	});

	test('a non-zero exit of the tool fails the job', () => {
		expect(wf.defaults?.run?.shell).toBe('bash'); // bash -eo pipefail
		for (const [name, job] of Object.entries(jobs)) {
			expect(job['continue-on-error'] ?? false, name).toBe(false);
			for (const step of (job.steps as Yaml[]).filter(runsCli)) {
				expect(step['continue-on-error'] ?? false, `${name}: ${step.name}`).toBe(false);
				expect(step.shell ?? 'bash').toBe('bash');
				for (const pattern of FORBIDDEN_IN_CHECK) expect(step.run, `${name}: ${step.name}`).not.toMatch(pattern);
			}
		}
	});
});

describe('GitLab CI', () => {
	const jobs = gitlabJobsResolved;

	test('both jobs run on the amx runner and publish artifacts and the JUnit report always', () => {
		expect(Object.keys(jobs).sort()).toEqual(['native', 'vm']);
		for (const [name, job] of Object.entries(jobs)) {
			expect(job.tags, name).toContain('amx');
			expect(job.artifacts.when, name).toBe('always');
			expect(job.artifacts.reports.junit, name).toBe('out/junit.xml');
			for (const p of ['out/report.json', 'out/junit.xml', 'out/results.ktap', 'out/logs/', 'out/expected.json', 'out/manifest.json'])
				expect(job.artifacts.paths, name).toContain(p);
		}
		expect(gitlab.doc.variables.KERNEL_REPO.value).toBe(TGLX);
		expect(gitlab.doc.variables.KERNEL_BRANCH.value).toBe('x86/fpu-kvm');
	});

	test('a non-zero exit of the tool fails the job', () => {
		for (const [name, job] of Object.entries(jobs)) {
			expect(job.allow_failure ?? false, name).toBe(false);
			for (const s of gitlabScripts(name, job).filter((s) => invocationsIn(s.text, '').length > 0)) {
				expect(s.where).not.toMatch(/after_script/); // after_script cannot fail a job
				for (const pattern of FORBIDDEN_IN_CHECK) expect(s.text, s.where).not.toMatch(pattern);
			}
		}
	});
});

describe('the doc', () => {
	test('its shell blocks hold the commands of both modes, sharding, known issues and baseline', () => {
		expect(docInvocations.length).toBeGreaterThanOrEqual(8);
		const used = new Set(docInvocations.flatMap((inv) => inv.words.filter((w) => w.startsWith('--'))));
		for (const option of ['--shard', '--known-issues', '--baseline', '--kernel', '--kernel-image', '--accel', '--cpu', '--json', '--junit', '--ktap']) {
			expect([...used]).toContain(option);
		}
	});
});
