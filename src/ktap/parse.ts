// Our own KTAP/TAP parser for the output of kselftest binaries: KTAP v1 and TAP 13 as printed by
// tools/testing/selftests/kselftest.h, with the `# fkt` observation lines of the emitted selftests.
// The logs come from test binaries that crash, get killed or share a terminal with stderr, so the
// parser never throws: what it cannot make sense of becomes a diagnostic or a problem.
import { StringDecoder } from 'node:string_decoder';

export type KtapStatus = 'pass' | 'fail' | 'skip' | 'xfail' | 'todo' | 'error';

export interface Observation {
	readonly caseId: string;
	readonly step: number;
	readonly op: string;
	readonly fields: Readonly<Record<string, string>>;
	readonly line: number;
}

export interface KtapTest {
	readonly number: number | null;
	readonly name: string;
	readonly status: KtapStatus;
	readonly directive: { readonly kind: 'SKIP' | 'TODO' | 'XFAIL'; readonly reason: string } | null;
	readonly diagnostics: readonly string[];
	readonly subtests: readonly KtapTest[];
	readonly line: number;
}

export interface KtapDocument {
	readonly version: string | null;
	readonly plan: { readonly count: number; readonly skipAll?: string } | null;
	readonly tests: readonly KtapTest[];
	readonly observations: readonly Observation[];
	/** The binary's own verdicts: "fkt-mismatch <case> <step> <field> expected=<matcher> observed=<value>". */
	readonly mismatches: readonly {
		readonly caseId: string;
		readonly step: number;
		readonly field: string;
		readonly expected: string;
		/** null: the step printed no such field. */
		readonly observed: string | null;
	}[];
	readonly totals: Readonly<Record<string, number>> | null;
	readonly exitCode: number | null;
	readonly problems: readonly string[];
	readonly truncated: boolean;
}

type Directive = NonNullable<KtapTest['directive']>;
type Plan = NonNullable<KtapDocument['plan']>;
export type Mismatch = KtapDocument['mismatches'][number];

/** The fkt lines of a log up to a point: the observation lines and the binary's own mismatch verdicts. */
export interface FktLines {
	readonly observations: readonly Observation[];
	readonly mismatches: readonly Mismatch[];
}

/** Longer lines are cut: a runaway line must not cost time or memory in every later step. */
const MAX_LINE_CHARS = 1024 * 1024;
/** A log where everything is wrong (every number out of order) is described by its first problems. */
const MAX_PROBLEMS = 1000;

const VERSION_LINE = /^K?TAP version \d+$/;
// Up to 15 digits keeps every count and number a safe integer.
const PLAN_LINE = /^1\.\.(\d{1,15})\s*(?:#\s*([\s\S]*))?$/;
const RESULT_START = /^(?:not ok|ok)(?=\s|$)/;
const TEST_NUMBER = /^\s+(\d{1,15})(?=\s|$)/;
const DIRECTIVE = /^(SKIP|TODO|XFAIL)\b/i;
const EXIT_LINE = /^exit=(-?\d{1,9})\s*$/;
const TOTAL_ENTRY = /^([A-Za-z_]+):(\d{1,15})$/;
const STEP_NUMBER = /^\d{1,9}$/;
/** What an fkt-mismatch line says for a field the step did not print. */
const MISSING = '(missing)';

/** Parses a whole log at once. */
export function parseKtap(input: string | Buffer): KtapDocument {
	const stream = new KtapStream();
	stream.write(input);
	return stream.end();
}

/**
 * Parses a log as it arrives, in chunks cut anywhere (mid-line, mid-character), and reports each
 * top-level test as soon as its result line is complete, so a runner can print a line per case while
 * the binary still runs. end() gives the same document parseKtap gives for the whole log.
 */
export class KtapStream {
	private readonly problems: string[] = [];
	private readonly parser = new Parser(this.problems);
	private readonly decoder = new StringDecoder('utf8');
	private partial = '';
	/** The partial line grew past MAX_LINE_CHARS: the rest of it up to the newline is dropped. */
	private cutting = false;
	private lineNo = 0;
	private started = false;
	private invalidUtf8 = false;

	/** onTest also gets every fkt line seen so far (those of the test come before its result line). */
	constructor(private readonly onTest?: (test: KtapTest, seen: FktLines) => void) {}

	write(chunk: string | Buffer): void {
		let text: string;
		if (typeof chunk === 'string') text = chunk;
		else {
			text = this.decoder.write(chunk);
			// The decoder replaces invalid sequences with U+FFFD; a real U+FFFD is the bytes EF BF BD.
			if (!this.invalidUtf8 && text.includes('\uFFFD') && !chunk.includes(REPLACEMENT_BYTES)) this.invalidUtf8 = true;
		}
		if (!this.started && text !== '') {
			this.started = true;
			if (text.startsWith('\uFEFF')) text = text.slice(1);
		}
		let from = 0;
		for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
			this.append(text.slice(from, nl));
			this.completeLine();
			from = nl + 1;
		}
		this.append(text.slice(from));
	}

	end(): KtapDocument {
		const rest = this.decoder.end();
		if (rest !== '') {
			this.invalidUtf8 = true;
			this.append(rest);
		}
		const endsMidLine = this.partial !== '' || this.cutting;
		if (endsMidLine) {
			this.completeLine();
			this.problems.push('truncated: last line has no newline');
			this.parser.markTruncated();
		}
		if (this.invalidUtf8) this.problems.unshift('invalid UTF-8 replaced');
		return this.parser.finish();
	}

	private append(text: string): void {
		if (this.cutting || text === '') return;
		this.partial += text;
		if (this.partial.length > MAX_LINE_CHARS) {
			this.problems.push(`line ${this.lineNo + 1} longer than 1 MiB truncated`);
			this.partial = cutLine(this.partial);
			this.cutting = true;
		}
	}

	private completeLine(): void {
		let line = this.partial;
		this.partial = '';
		this.cutting = false;
		if (line.endsWith('\r')) line = line.slice(0, -1);
		this.lineNo++;
		const test = this.parser.line(line, this.lineNo);
		if (test && this.onTest) this.onTest(test, this.parser.soFar);
	}
}

const REPLACEMENT_BYTES = Buffer.from('\uFFFD', 'utf8');

/** The first MAX_LINE_CHARS characters, without splitting a surrogate pair. */
function cutLine(line: string): string {
	const last = line.charCodeAt(MAX_LINE_CHARS - 1);
	return line.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_LINE_CHARS - 1 : MAX_LINE_CHARS);
}

/** One nesting level: the top-level test list or the subtests of one parent. */
interface Level {
	indent: number;
	readonly firstLine: number;
	version: string | null;
	plan: Plan | null;
	/** The plan came after results (allowed by TAP), so no result may follow it. */
	planClosed: boolean;
	readonly tests: KtapTest[];
	/** Diagnostics since the previous result line; they belong to the next one. */
	pending: string[];
	/** A finished block of subtests waiting for this level's next result line (their parent's). */
	child: Level | null;
	/** From a `# Subtest: name` header: names the parent if its result line never comes. */
	name: string | null;
	nextChildName: string | null;
	lastNumber: number;
	/** The numbers seen: 1..inOrderUpTo while they come in order (the usual case), then a set. */
	inOrderUpTo: number;
	readonly otherNumbers: Set<number>;
}

function newLevel(indent: number, firstLine: number): Level {
	return {
		indent,
		firstLine,
		version: null,
		plan: null,
		planClosed: false,
		tests: [],
		pending: [],
		child: null,
		name: null,
		nextChildName: null,
		lastNumber: 0,
		inOrderUpTo: 0,
		otherNumbers: new Set(),
	};
}

/** A level that printed nothing of KTAP's structure (stray indented `#` lines) is no subtest. */
function hasStructure(level: Level): boolean {
	return level.tests.length > 0 || level.plan !== null || level.version !== null;
}

function countLeadingSpaces(line: string): number {
	let n = 0;
	while (line.charCodeAt(n) === 32) n++;
	return n;
}

class Parser {
	private readonly observations: Observation[] = [];
	private readonly mismatches: Mismatch[] = [];
	private totals: Record<string, number> | null = null;
	private exitCode: number | null = null;
	private truncated = false;
	private readonly root = newLevel(0, 1);
	private readonly stack: Level[] = [this.root];
	/** The top level sits at the indentation of the first structural line (logs may be indented). */
	private rootIndentKnown = false;
	private droppedProblems = 0;

	constructor(private readonly problems: string[]) {}

	get soFar(): FktLines {
		return { observations: this.observations, mismatches: this.mismatches };
	}

	markTruncated(): void {
		this.truncated = true;
	}

	private get top(): Level {
		return this.stack[this.stack.length - 1]!;
	}

	/** Takes one line; returns the top-level test it completed, if it did. */
	line(raw: string, lineNo: number): KtapTest | null {
		const indent = countLeadingSpaces(raw);
		const content = raw.slice(indent);
		const body = content.trimEnd();
		if (body === '') return null;
		if (VERSION_LINE.test(body)) this.version(this.enter(indent, lineNo, true), body, lineNo);
		else if (body.startsWith('1..') && PLAN_LINE.test(body)) this.plan(this.enter(indent, lineNo, false), body, lineNo);
		else if (RESULT_START.test(body)) {
			const level = this.enter(indent, lineNo, false);
			this.result(level, body, lineNo);
			if (level === this.root) return level.tests[level.tests.length - 1]!;
		} else if (body.startsWith('Bail out!')) this.bailOut(this.enter(indent, lineNo, false), body, lineNo);
		else if (body.startsWith('#')) this.diagnostic(this.enterForDiagnostic(indent, lineNo), content, lineNo);
		// Unknown lines (stderr, kernel messages) are not part of any subtest's structure.
		else this.top.pending.push(raw);
		return null;
	}

	/** The level a structural line at this indentation belongs to, opening or closing subtests. */
	private enter(indent: number, lineNo: number, isVersion: boolean): Level {
		if (!this.rootIndentKnown) {
			this.rootIndentKnown = true;
			this.root.indent = indent;
			return this.root;
		}
		while (this.stack.length > 1 && indent < this.top.indent) this.closeTop();
		// A version line starts a new test: the open block's parent never printed its result line.
		if (isVersion && this.stack.length > 1 && indent === this.top.indent && hasStructure(this.top)) this.closeTop();
		if (indent > this.top.indent) this.openChild(indent, lineNo, isVersion);
		return this.top;
	}

	private enterForDiagnostic(indent: number, lineNo: number): Level {
		return this.rootIndentKnown ? this.enter(indent, lineNo, false) : this.root;
	}

	private openChild(indent: number, lineNo: number, isVersion: boolean): void {
		const parent = this.top;
		let child = parent.child;
		parent.child = null;
		// A second block at the same indentation continues the first, unless it starts a new test.
		if (child && (child.indent !== indent || (isVersion && hasStructure(child)))) {
			if (hasStructure(child)) this.abandon(parent, child, false);
			child = null;
		}
		if (!child) {
			child = newLevel(indent, lineNo);
			child.name = parent.nextChildName;
			parent.nextChildName = null;
		}
		this.stack.push(child);
	}

	/** Ends the innermost level; its subtests wait for the parent's result line. */
	private closeTop(): void {
		const child = this.stack.pop()!;
		const parent = this.top;
		for (const text of child.pending) parent.pending.push(text);
		child.pending = [];
		parent.child = child;
	}

	/** The subtests of a finished block, checked against their plan. */
	private subtestsOf(child: Level, parentLine: number): KtapTest[] {
		const { plan, tests } = child;
		if (plan && plan.skipAll === undefined && plan.count !== tests.length) {
			this.problem(`line ${parentLine}: planned ${plural(plan.count, 'subtest')}, saw ${tests.length}`);
		}
		return tests;
	}

	/** A block of subtests whose parent never printed its result line: the parent is an error. */
	private abandon(parent: Level, child: Level, atEnd: boolean): void {
		const number = parent.lastNumber + 1;
		const subtests = this.subtestsOf(child, child.firstLine);
		const ending = atEnd ? 'output ended' : 'a new subtest started';
		this.problem(`line ${child.firstLine}: test ${number} has subtests but no result line (${ending})`);
		if (atEnd) this.truncated = true;
		this.checkNumber(parent, null, child.firstLine);
		parent.tests.push({
			number,
			name: child.name ?? '',
			status: 'error',
			directive: null,
			diagnostics: takePending(parent),
			subtests,
			line: child.firstLine,
		});
	}

	private version(level: Level, body: string, lineNo: number): void {
		if (level.version === null && level.tests.length === 0 && level.plan === null) level.version = body;
		else this.problem(`line ${lineNo}: unexpected version line ignored`);
	}

	private plan(level: Level, body: string, lineNo: number): void {
		if (level.plan) {
			this.problem(`line ${lineNo}: second plan ignored`);
			return;
		}
		const [, count, comment] = PLAN_LINE.exec(body)!;
		// kselftest's ksft_exit_skip before any test: `1..0 # SKIP reason`.
		const skip = Number(count) === 0 && comment !== undefined ? /^SKIP\b/i.exec(comment.trim()) : null;
		level.plan = skip ? { count: 0, skipAll: comment!.trim().slice(skip[0].length).trim() } : { count: Number(count) };
		level.planClosed = level.tests.length > 0;
	}

	private result(level: Level, body: string, lineNo: number): void {
		const parsed = parseResultLine(body);
		const subtests = level.child ? this.subtestsOf(level.child, lineNo) : [];
		level.child = null;
		const diagnostics = takePending(level);
		if (parsed.comment !== '') diagnostics.push(parsed.comment);
		if (level === this.root) this.exitFromComment(parsed.comment);
		if (level.planClosed) {
			this.problem(`line ${lineNo}: result after the closing plan`);
			level.planClosed = false;
		}
		this.checkNumber(level, parsed.number, lineNo);
		const { number, name, status, directive } = parsed;
		level.tests.push({ number, name, status, directive, diagnostics, subtests, line: lineNo });
	}

	/** kselftest's runner ends a failed binary's result line with `# exit=N`. */
	private exitFromComment(comment: string): void {
		const exit = EXIT_LINE.exec(comment);
		if (exit) this.exitCode = Number(exit[1]);
	}

	private checkNumber(level: Level, number: number | null, lineNo: number): void {
		// An unnumbered result takes the next number, as in TAP.
		const n = number ?? level.lastNumber + 1;
		const isDuplicate = n <= level.inOrderUpTo || level.otherNumbers.has(n);
		if (isDuplicate || n !== level.lastNumber + 1) {
			const where = level === this.root ? 'test' : `line ${lineNo}: subtest`;
			this.problem(`${where} ${n} ${isDuplicate ? 'duplicated' : 'out of order'}`);
		}
		if (n === level.inOrderUpTo + 1 && level.otherNumbers.size === 0) level.inOrderUpTo = n;
		else level.otherNumbers.add(n);
		level.lastNumber = n;
	}

	private bailOut(level: Level, body: string, lineNo: number): void {
		const reason = body.slice('Bail out!'.length).trim();
		this.problem(reason ? `bailed out at line ${lineNo}: ${reason}` : `bailed out at line ${lineNo}`);
		this.truncated = true;
		level.pending.push(body);
	}

	private diagnostic(level: Level, content: string, lineNo: number): void {
		const text = content.startsWith('# ') ? content.slice(2) : content.slice(1);
		level.pending.push(text);
		if (text === 'fkt' || text.startsWith('fkt ')) this.observation(text, lineNo);
		else if (text === 'fkt-mismatch' || text.startsWith('fkt-mismatch ')) this.mismatch(text, lineNo);
		else if (text.startsWith('Subtest:')) this.subtestHeader(level, text.slice('Subtest:'.length).trim());
		else if (level === this.root && text.startsWith('Totals:')) this.totalsLine(text, lineNo);
		else if (level === this.root && EXIT_LINE.test(text)) this.exitCode = Number(EXIT_LINE.exec(text)![1]);
	}

	private observation(text: string, lineNo: number): void {
		const parsed = parseObservation(text, lineNo);
		if (typeof parsed === 'string') this.problem(`line ${lineNo}: malformed fkt line (${parsed})`);
		else this.observations.push(parsed);
	}

	private mismatch(text: string, lineNo: number): void {
		const [, caseId, step, field, expected, observed, ...rest] = text.trim().split(/\s+/);
		const value = (token: string | undefined, key: string) => (token?.startsWith(`${key}=`) ? token.slice(key.length + 1) : null);
		const wanted = value(expected, 'expected');
		const seen = value(observed, 'observed');
		if (!caseId || !step || !STEP_NUMBER.test(step) || !field || wanted === null || seen === null || rest.length)
			return this.problem(`line ${lineNo}: malformed fkt-mismatch line`);
		this.mismatches.push({ caseId, step: Number(step), field, expected: wanted, observed: seen === MISSING ? null : seen });
	}

	/** KUnit prints the header inside the subtest (before its plan), TAP 14 just before it. */
	private subtestHeader(level: Level, name: string): void {
		const isInside = level !== this.root && level.tests.length === 0 && level.plan === null && level.name === null;
		if (isInside) level.name = name;
		else level.nextChildName = name;
	}

	private totalsLine(text: string, lineNo: number): void {
		const totals: Record<string, number> = {};
		for (const entry of text.slice('Totals:'.length).trim().split(/\s+/)) {
			const match = TOTAL_ENTRY.exec(entry);
			if (match) setOwn(totals, match[1]!, Number(match[2]));
			else if (entry !== '') this.problem(`line ${lineNo}: malformed Totals entry "${entry}"`);
		}
		this.totals = totals;
	}

	private problem(text: string): void {
		if (this.problems.length < MAX_PROBLEMS) this.problems.push(text);
		else this.droppedProblems++;
	}

	/** kselftest's closing Totals line must agree with the result lines it sums up. */
	private checkTotals(): void {
		if (!this.totals) return;
		for (const status of ['pass', 'fail', 'skip', 'xfail'] as const) {
			const said = this.totals[status];
			const seen = this.root.tests.filter((t) => t.status === status).length;
			if (said !== undefined && said !== seen) this.problem(`Totals says ${status}:${said}, the result lines have ${seen}`);
		}
	}

	finish(): KtapDocument {
		this.closeAll();
		const { root } = this;
		if (!root.plan) this.problem('missing plan');
		else if (root.plan.count !== root.tests.length && root.plan.skipAll === undefined) {
			this.problem(`planned ${plural(root.plan.count, 'test')}, saw ${root.tests.length}`);
			if (root.tests.length < root.plan.count) this.truncated = true;
		}
		this.checkTotals();
		if (this.exitCode !== null && this.exitCode !== 0) this.problem(`the log says the binary exited with ${this.exitCode}`);
		if (this.droppedProblems > 0) this.problems.push(`${this.droppedProblems} more problems not listed`);
		return {
			version: root.version,
			plan: root.plan,
			tests: root.tests,
			observations: this.observations,
			mismatches: this.mismatches,
			totals: this.totals,
			exitCode: this.exitCode,
			problems: this.problems,
			truncated: this.truncated,
		};
	}

	/** At the end of the output every open block of subtests is missing its parent's result line. */
	private closeAll(): void {
		for (;;) {
			const level = this.top;
			if (level.child) {
				if (hasStructure(level.child)) this.abandon(level, level.child, true);
				level.child = null;
			}
			if (this.stack.length === 1) return;
			this.closeTop();
		}
	}
}

function takePending(level: Level): string[] {
	const pending = level.pending;
	level.pending = [];
	return pending;
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

interface ParsedResult extends Pick<KtapTest, 'number' | 'name' | 'status' | 'directive'> {
	/** Text after the description's `#` that is no SKIP/TODO/XFAIL directive ('' when none). */
	readonly comment: string;
}

/** `ok|not ok [number] [- ][description][ # directive or comment]`. */
function parseResultLine(body: string): ParsedResult {
	const ok = body.startsWith('ok');
	let rest = body.slice(ok ? 2 : 6);
	const numberMatch = TEST_NUMBER.exec(rest);
	const number = numberMatch ? Number(numberMatch[1]) : null;
	if (numberMatch) rest = rest.slice(numberMatch[0].length);
	const hash = directiveStart(rest);
	const name = unescapeName(stripDash((hash < 0 ? rest : rest.slice(0, hash)).trim()));
	const tail = hash < 0 ? '' : rest.slice(hash + 1).trim();
	const directiveMatch = DIRECTIVE.exec(tail);
	const directive: Directive | null = directiveMatch
		? { kind: directiveMatch[1]!.toUpperCase() as Directive['kind'], reason: tail.slice(directiveMatch[0].length).trim() }
		: null;
	const comment = directive ? '' : tail;
	return { number, name, status: statusOf(ok, directive, comment), directive, comment };
}

/** Index of the first unescaped `#` that starts a word, or -1. */
function directiveStart(text: string): number {
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 92 /* \ */) i++;
		else if (c === 35 /* # */ && (i === 0 || /\s/.test(text[i - 1]!))) return i;
	}
	return -1;
}

/** TAP writes `ok 1 - name`; the dash is punctuation, not part of the name. */
function stripDash(description: string): string {
	const match = /^-\s+/.exec(description);
	return match ? description.slice(match[0].length) : description;
}

/** TAP escapes `#` (and so `\`) in descriptions with a backslash. */
function unescapeName(name: string): string {
	return name.includes('\\') ? name.replace(/\\([\\#])/g, '$1') : name;
}

/** kselftest prints XFAIL as `ok` with the directive and errors as `not ok N # error msg`. */
function statusOf(ok: boolean, directive: Directive | null, comment: string): KtapStatus {
	switch (directive?.kind) {
		case 'SKIP':
			return 'skip';
		case 'XFAIL':
			return ok ? 'xfail' : 'fail';
		case 'TODO':
			return ok ? 'pass' : 'todo';
		default:
			if (ok) return 'pass';
			return /^error\b/i.test(comment) ? 'error' : 'fail';
	}
}

/** `fkt <case-id> <step> <op> <field>=<value> ...`, or why it is not one. */
function parseObservation(text: string, line: number): Observation | string {
	const words = spaceSeparated(text);
	if (words.length < 4) return 'too few parts';
	const [, caseId, step, op] = words as [string, string, string, string];
	if (!STEP_NUMBER.test(step)) return `step "${step}" is not a number`;
	const fields: Record<string, string> = {};
	for (let i = 4; i < words.length; i++) {
		const field = words[i]!;
		const eq = field.indexOf('=');
		if (eq <= 0) return `field "${field}" is not name=value`;
		setOwn(fields, field.slice(0, eq), field.slice(eq + 1));
	}
	return { caseId, step: Number(step), op, fields, line };
}

/** Words separated by runs of spaces or tabs; cheaper than a regex split on the 100k-line logs. */
function spaceSeparated(text: string): string[] {
	const words: string[] = [];
	let start = -1;
	for (let i = 0; i <= text.length; i++) {
		const c = i < text.length ? text.charCodeAt(i) : 32;
		const isSpace = c === 32 || c === 9;
		if (isSpace && start >= 0) {
			words.push(text.slice(start, i));
			start = -1;
		} else if (!isSpace && start < 0) start = i;
	}
	return words;
}

/** Plain assignment, except that a name from the log like __proto__ must stay an own property. */
function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
	if (name === '__proto__') Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
	else record[name] = value;
}
