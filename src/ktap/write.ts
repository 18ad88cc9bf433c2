// A small KTAP v1 writer: one flat list of results, each after its diagnostic lines. What it writes,
// parseKtap reads back with the same names, statuses, directives and diagnostics.

export interface KtapResultLine {
	readonly name: string;
	readonly ok: boolean;
	readonly directive?: { kind: 'SKIP' | 'TODO' | 'XFAIL'; reason: string };
	readonly diagnostics?: readonly string[];
}

const LINE_BREAK = /\r\n|\r|\n/;

/**
 * 'KTAP version 1', the plan, then per result its `# ` diagnostic lines and its result line.
 * Names and reasons are trimmed (TAP cannot carry surrounding whitespace) and must be one line;
 * a diagnostic with line breaks becomes several diagnostic lines.
 */
export function writeKtap(results: readonly KtapResultLine[]): string {
	const lines = ['KTAP version 1', `1..${results.length}`];
	results.forEach((result, index) => {
		for (const diagnostic of result.diagnostics ?? []) lines.push(...diagnosticLines(diagnostic));
		lines.push(resultLine(result, index + 1));
	});
	return lines.join('\n') + '\n';
}

function diagnosticLines(text: string): string[] {
	return text.split(LINE_BREAK).map((part) => (part === '' ? '#' : `# ${part}`));
}

function resultLine(result: KtapResultLine, number: number): string {
	const name = escapeName(singleLine(result.name, 'test name').trim());
	let line = `${result.ok ? 'ok' : 'not ok'} ${number}`;
	if (name !== '') line += ` ${name}`;
	if (result.directive) {
		const reason = singleLine(result.directive.reason, 'directive reason').trim();
		line += ` # ${result.directive.kind}${reason === '' ? '' : ` ${reason}`}`;
	}
	return line;
}

function singleLine(text: string, what: string): string {
	if (LINE_BREAK.test(text)) throw new RangeError(`KTAP ${what} must be one line: ${JSON.stringify(text)}`);
	return text;
}

/**
 * TAP escapes `#` (and so `\`) in descriptions; a name that starts like TAP's `- ` separator gets
 * one more, which the parser strips.
 */
function escapeName(name: string): string {
	const escaped = name.replace(/[\\#]/g, '\\$&');
	return /^-\s/.test(escaped) ? `- ${escaped}` : escaped;
}
