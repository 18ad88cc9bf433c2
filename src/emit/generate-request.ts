// The generate request from what a user names: a platform (a shipped profile, a profile file, or
// 'host' from a probe report), a kernel revision (or 'host'), the seed and strength as typed.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { UsageError } from '../errors.js';
import { INPUT_LIMITS, checkYamlNesting, firstIssue, printable, quoted, readInputFile } from '../input-file.js';
import {
	REVISION_ORDER,
	isRevisionId,
	platformFromProbe,
	platformSchema,
	probeSchema,
	revision,
	revisionForProbe,
	toPlatform,
	type Platform,
	type Probe,
	type Revision,
} from '../model/index.js';
import type { GenerateRequest } from './expected.js';
import { modelHash } from './model-hash.js';

const PLATFORM_DIR = fileURLToPath(new URL('../../platforms/', import.meta.url));

/** The suite as the user names it (--platform, --kernel, --seed, --strength, --probe). */
export interface SuiteSpec {
	readonly platform: string;
	readonly kernel: string;
	readonly seed: string;
	readonly strength: string;
	/** The probe report that 'host' reads (default: defaultProbePath()). */
	readonly probe?: string;
}

export function generateRequest(spec: SuiteSpec): GenerateRequest {
	return {
		platform: loadPlatform(spec.platform, spec.probe),
		rev: loadRevision(spec.kernel, spec.probe),
		seed: parseSeed(spec.seed),
		strength: parseStrength(spec.strength),
		modelHash: modelHash(),
	};
}

function shippedPlatforms(): string[] {
	return readdirSync(PLATFORM_DIR)
		.filter((n) => n.endsWith('.yaml'))
		.map((n) => n.slice(0, -'.yaml'.length))
		.sort();
}

/** A profile or probe report: JSON if its name says so, else YAML (of which JSON is a subset). */
function readStructured(path: string, what: string, maxBytes: number): unknown {
	const text = readInputFile(path, what, maxBytes);
	const json = path.endsWith('.json');
	if (!json) checkYamlNesting(text, `${what} ${printable(path)}`);
	try {
		return json ? JSON.parse(text) : YAML.parse(text);
	} catch (error) {
		// Parser messages quote the input: one line of it, escaped.
		throw new UsageError(`${what} ${printable(path)} is not valid ${json ? 'JSON' : 'YAML'}: ${quoted((error as Error).message.split('\n')[0]!)}`);
	}
}

export function defaultProbePath(): string {
	const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
	return join(cache, 'fpu-kvm-testgen', 'probe.json');
}

/** A shipped profile by id, 'host' from a probe report, or a path to a user's own YAML/JSON profile. */
function loadPlatform(name: string, probePath = defaultProbePath()): Platform {
	if (name === 'host') return probedPlatform(readProbe(probePath), probePath);
	const shipped = shippedPlatforms();
	const path = shipped.includes(name) ? join(PLATFORM_DIR, `${name}.yaml`) : /[/.]/.test(name) ? name : null;
	if (!path) throw new UsageError(`unknown platform '${quoted(name)}' (known: ${[...shipped, 'host'].join(', ')}, or a path to a profile file)`);
	return validatedPlatform(readStructured(path, 'platform file', INPUT_LIMITS.profile), `platform file ${printable(path)}`);
}

function readProbe(probePath: string): Probe {
	if (!existsSync(probePath)) {
		throw new UsageError(`platform host needs a probe report: ${printable(probePath)} does not exist (run 'fpu-kvm-testgen probe' or pass --probe FILE)`);
	}
	const parsed = probeSchema.safeParse(readStructured(probePath, 'probe report', INPUT_LIMITS.probe));
	if (!parsed.success) throw new UsageError(`probe report ${printable(probePath)} is malformed: ${firstIssue(parsed.error)}`);
	return parsed.data;
}

/**
 * The platform of a probe report, refused (UsageError) when the report passes its own schema but
 * describes a machine no profile may (XCR0 bits outside the user components, a component below 576).
 */
export function probedPlatform(probe: Probe, source: string): Platform {
	return validatedPlatform(platformFromProbe(probe), `probe report ${printable(source)}`);
}

/** `what` names where the profile came from, already printable. */
function validatedPlatform(data: unknown, what: string): Platform {
	const parsed = platformSchema.safeParse(data);
	if (!parsed.success) throw new UsageError(`${what} is malformed: ${firstIssue(parsed.error)}`);
	return toPlatform(parsed.data);
}

function loadRevision(name: string, probePath = defaultProbePath()): Revision {
	if (name === 'host') {
		const probe = readProbe(probePath);
		const mapped = revisionForProbe(probe);
		if (!mapped) throw new UsageError(`cannot map kernel release '${quoted(probe.kernelRelease)}' of ${printable(probePath)} to a revision; pass --kernel`);
		return revision(mapped.revision);
	}
	if (!isRevisionId(name)) throw new UsageError(`unknown kernel revision '${quoted(name)}' (known: ${REVISION_ORDER.join(', ')})`);
	return revision(name);
}

function parseSeed(text: string): number {
	if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) {
		throw new UsageError(`bad --seed '${quoted(text)}': expected an integer from 0 to 4294967295`);
	}
	return Number(text);
}

function parseStrength(text: string): number {
	if (!/^[1-4]$/.test(text)) throw new UsageError(`bad --strength '${quoted(text)}': expected 1, 2, 3 or 4`);
	return Number(text);
}
