// Where a citation can be read: the sections of docs/contract.md, the contract the model's rules cite.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CONTRACT_PATH = fileURLToPath(new URL('../../docs/contract.md', import.meta.url));
/** What a citation names: `§2.3`, `§4 #7` is read as section §4. */
const CITED = /§(\d+(?:\.\d+)*)/g;
const HEADING = /^#{1,4} §(\d+(?:\.\d+)*) (.+)$/gm;

/** Section number -> heading title, from the contract text. */
export function contractSections(text: string = readFileSync(CONTRACT_PATH, 'utf8')): Map<string, string> {
	return new Map([...text.matchAll(HEADING)].map((m) => [m[1]!, m[2]!.trim()]));
}

/** The section numbers a citation names, in order, once each. */
export function citedSections(citation: string): string[] {
	return [...new Set([...citation.matchAll(CITED)].map((m) => m[1]!))];
}
