// The layout of an output folder, in one place: where generate puts the emitted C, where build puts
// objects and binaries, what each family's binary is called, where run keeps its logs.
import { join } from 'node:path';
import type { ExpectedCase, ExpectedDocument } from './expected-schema.js';

/** The emitted C: one copy for every selftests API dialect. */
const SELFTESTS = 'selftests';

/** A file of the emitted C, relative to the output folder. */
export function selftestsPath(file: string): string {
	return `${SELFTESTS}/${file}`;
}

/** The folder name of a build: binaries of one dialect and linkage. */
export function buildName(dialect: string, isStatic: boolean): string {
	return isStatic ? `${dialect}-static` : dialect;
}

export const layout = {
	selftests: (outDir: string) => join(outDir, SELFTESTS),
	objects: (outDir: string, build: string) => join(outDir, 'build', build),
	binaries: (outDir: string, build: string) => join(outDir, 'bin', build),
	logs: (outDir: string) => join(outDir, 'logs'),
	qemuLogs: (outDir: string) => join(outDir, 'logs', 'qemu'),
};

/** The test binary a family becomes: fkt_xcr0_guest_xsetbv_test. */
export function testName(family: string): string {
	return `fkt_${family.replace(/[.-]/g, '_')}_test`;
}

/** The cases of each family, in suite order: one binary per family. */
export function familiesOf(doc: Pick<ExpectedDocument, 'cases'>): Map<string, ExpectedCase[]> {
	const families = new Map<string, ExpectedCase[]>();
	for (const c of doc.cases) families.set(c.family, [...(families.get(c.family) ?? []), c]);
	return families;
}
