// Turns command-line strings into validated inputs, or a UsageError naming the problem.
import { UsageError } from '../errors.js';
import { quoted } from '../input-file.js';
import { DIALECTS, type Dialect } from '../tree/detect.js';

export function parseJobs(text: string): number {
	if (!/^[1-9]\d{0,2}$/.test(text)) throw new UsageError(`bad --jobs '${quoted(text)}': expected a number of parallel jobs from 1 to 999`);
	return Number(text);
}

export function parseDialect(text: string): Dialect {
	const dialect = DIALECTS.find((d) => d === text);
	if (!dialect) throw new UsageError(`unknown --dialect '${quoted(text)}' (known: ${DIALECTS.join(', ')})`);
	return dialect;
}

export function parseSeconds(text: string, option: string): number {
	if (!/^[1-9]\d{0,5}$/.test(text)) throw new UsageError(`bad ${option} '${quoted(text)}': expected a number of seconds from 1 to 999999`);
	return Number(text);
}

export function parsePositive(text: string, option: string): number {
	if (!/^[1-9]\d{0,5}$/.test(text)) throw new UsageError(`bad ${option} '${quoted(text)}': expected a whole number from 1 to 999999`);
	return Number(text);
}
