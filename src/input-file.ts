// Reading the files users hand the tool (platform profiles, probe reports, known-issue files,
// expected.json, baselines) so that none can hang it or exhaust its memory: only regular files, only
// up to a size limit, and every refusal one line that names the file.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { Lexer } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { UsageError } from './errors.js';

const MiB = 1024 * 1024;

/** Limits per kind of input: far above any real file of that kind, far below what exhausts memory. */
export const INPUT_LIMITS = {
	profile: 1 * MiB,
	probe: 1 * MiB,
	knownIssues: 1 * MiB,
	/** A generated expected.json is a few MiB (953 cases: 3 MiB); a run report is smaller still. */
	expected: 64 * MiB,
	baseline: 64 * MiB,
} as const;

/** Bytes read per system call. */
const CHUNK = 64 * 1024;

/** C0 controls, DEL, C1 controls (0x9b is a CSI to some terminals), line and paragraph separators, bidi overrides. */
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text from an input made safe to print in one line: control characters, escapes and newlines escaped. */
export function printable(text: string): string {
	return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? escapeCode(c.charCodeAt(0)));
}

function escapeCode(code: number): string {
	return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function sizeText(bytes: number): string {
	return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

/**
 * The text of a user's input file. Refuses (UsageError) anything but a regular file, a file larger
 * than maxBytes and text that is not UTF-8. A FIFO or device must not block or stream forever: the
 * path is checked before it is opened, opened non-blocking (a FIFO without a writer would otherwise
 * block in open), and the open file checked again, in case the path was swapped in between.
 */
export function readInputFile(path: string, what: string, maxBytes: number): string {
	const name = `${what} ${printable(path)}`;
	checkStats(statOrRefuse(path, what), name, maxBytes);
	let fd: number;
	try {
		fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
	} catch (error) {
		throw cannotRead(what, path, error);
	}
	try {
		checkStats(fstatSync(fd), name, maxBytes);
		return decode(readAtMost(fd, maxBytes, name), name);
	} finally {
		closeSync(fd);
	}
}

function statOrRefuse(path: string, what: string): Stats {
	try {
		return statSync(path);
	} catch (error) {
		throw cannotRead(what, path, error);
	}
}

function cannotRead(what: string, path: string, error: unknown): UsageError {
	return new UsageError(`cannot read ${what} ${printable(path)}: ${(error as NodeJS.ErrnoException).code ?? printable(String(error))}`);
}

function checkStats(stats: Stats, name: string, maxBytes: number): void {
	if (!stats.isFile()) throw new UsageError(`${name} is not a regular file`);
	if (stats.size > maxBytes) throw tooLarge(name, maxBytes);
}

function tooLarge(name: string, maxBytes: number): UsageError {
	return new UsageError(`${name} is larger than ${sizeText(maxBytes)}`);
}

/** Reads to the end, but never more than maxBytes: the file may grow after it was checked. */
function readAtMost(fd: number, maxBytes: number, name: string): Buffer {
	const chunks: Buffer[] = [];
	let total = 0;
	for (;;) {
		const chunk = Buffer.allocUnsafe(CHUNK);
		const n = readSync(fd, chunk, 0, CHUNK, null);
		if (n === 0) return Buffer.concat(chunks, total);
		total += n;
		if (total > maxBytes) throw tooLarge(name, maxBytes);
		chunks.push(chunk.subarray(0, n));
	}
}

function decode(bytes: Buffer, name: string): string {
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new UsageError(`${name} is not UTF-8 text`);
	}
}

/** Longest stretch of an input quoted in a message: a key of a megabyte must not become the message. */
const QUOTE_MAX = 200;
/** Longest message made of another module's message that may quote inputs. */
export const MESSAGE_MAX = 1000;

/** At most max characters of a text from an input, printable. */
export function quoted(text: string, max = QUOTE_MAX): string {
	return printable(text.length > max ? `${text.slice(0, max)}...` : text);
}

/** The first problem a schema check found, as 'path: message': both may quote the input (keys, values). */
export function firstIssue(error: ZodError): string {
	const issue = error.issues[0]!;
	const path = issue.path.length ? issue.path.map((p) => quoted(String(p))).join('.') : '(top level)';
	return `${path}: ${quoted(issue.message)}`;
}

/** Deepest nesting within one line a YAML input may have; real profiles and known-issue files nest 3 deep. */
const YAML_DEPTH_MAX = 64;

/**
 * Refuses YAML nested deeper than YAML_DEPTH_MAX before it is parsed: the parser recurses per
 * level and spends seconds on a megabyte of '[' (or of '- - - ...') before it fails. The lexer is
 * linear and cheap, and its indicators are tokens of their own (a bracket in a quoted string is not).
 * Nesting by indentation needs a line per level and is bounded by the size limit.
 */
export function checkYamlNesting(text: string, name: string): void {
	let flow = 0;
	let itemsInLine = 0;
	for (const token of new Lexer().lex(text)) {
		if (token === '[' || token === '{') flow++;
		else if (token === ']' || token === '}') flow--;
		else if (token === '-' || token === '?') itemsInLine++;
		else if (token === '\n') itemsInLine = 0;
		if (flow + itemsInLine > YAML_DEPTH_MAX) throw new UsageError(`${name} nests deeper than ${YAML_DEPTH_MAX} levels`);
	}
}

/** How a JSON input is named and checked: `label` starts every message, `failsAs` says what a schema failure means. */
export interface JsonInput<T> {
	readonly what: string;
	readonly label: string;
	readonly maxBytes: number;
	readonly schema: ZodType<T>;
	readonly failsAs: string;
}

/** A JSON input file checked against its schema: one reader for expected.json and run reports. */
export function readJsonInput<T>(path: string, input: JsonInput<T>): T {
	let data: unknown;
	try {
		data = JSON.parse(readInputFile(path, input.what, input.maxBytes));
	} catch (error) {
		if (error instanceof UsageError) throw error;
		// V8's message quotes the start of the text.
		throw new UsageError(`${input.label} is not valid JSON: ${quoted((error as Error).message)}`);
	}
	const parsed = input.schema.safeParse(data);
	if (!parsed.success) throw new UsageError(`${input.label} ${input.failsAs}: ${firstIssue(parsed.error)}`);
	return parsed.data;
}
