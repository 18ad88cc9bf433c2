// The format of expected.json and manifest.json. The JSON Schema in schema/ is generated from these.
import { z } from 'zod';
import { OPERATIONS, REQUIREMENTS, argsSchema, platformSchema, type OpArgs, type OpName } from '../model/index.js';

const matcher = z.string().describe('literal value, "*" (unspecified), or "bits:must=0xM,may=0xN"');

const stepCommon = { index: z.number().int().min(0), rule: z.string(), summary: z.string(), citation: z.string() };

/** One schema per operation, from the registry: its own arguments and the fields it observes. */
function stepSchema<K extends OpName>(name: K) {
	const observed = Object.fromEntries(Object.keys(OPERATIONS[name].observes).map((field) => [field, matcher.optional()]));
	// The schema refuses a field the operation does not observe; the stages read the result as a field map.
	const expect = z.object(observed).strict() as unknown as z.ZodType<Readonly<Record<string, string>>>;
	return z.object({ ...stepCommon, op: z.literal(name), args: argsSchema(name), expect }).strict();
}

/** A step of expected.json: typed by its operation, so a stage reading args needs no casts. */
export type ExpectedStep = {
	[K in OpName]: {
		readonly index: number;
		readonly op: K;
		readonly args: OpArgs<K>;
		readonly expect: Readonly<Record<string, string>>;
		readonly rule: string;
		readonly summary: string;
		readonly citation: string;
	};
}[OpName];

const [firstOp, ...otherOps] = Object.keys(OPERATIONS) as [OpName, ...OpName[]];
// One schema per operation cannot be typed through a map over names; ExpectedStep says what it accepts.
export const expectedStepSchema = z.discriminatedUnion('op', [stepSchema(firstOp), ...otherOps.map(stepSchema)]) as unknown as z.ZodType<ExpectedStep>;

export const expectedCaseSchema = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
		family: z.string(),
		title: z.string(),
		origin: z.enum(['covering-array', 'transition', 'regression', 'exhaustive']),
		requires: z.array(z.enum(REQUIREMENTS)),
		skip: z.string().nullable().describe('why the platform cannot run the case, or null'),
		regression: z.object({ bug: z.string(), commit: z.string() }).strict().optional(),
		steps: z.array(expectedStepSchema),
	})
	.strict();

const behaviourSchema = z
	.object({
		id: z.string(),
		summary: z.string(),
		kernels: z.string(),
		citation: z.string(),
		assumption: z.boolean(),
	})
	.strict();

export const expectedDocumentSchema = z
	.object({
		format: z.literal('fpu-kvm-testgen/expected/1'),
		generator: z.object({ name: z.literal('fpu-kvm-testgen'), version: z.string() }).strict(),
		modelHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
		seed: z.number().int().min(0),
		strength: z.number().int().min(1),
		platform: z
			.object({
				id: z.string(),
				description: z.string(),
				backend: z.string(),
				userMax: z.string(),
				kvmSupportedXcr0: z.string(),
				/** The whole profile, so the run stage can evaluate the model with known deviations applied. */
				profile: platformSchema,
			})
			.strict(),
		revision: z.object({ id: z.string(), description: z.string(), behaviours: z.array(behaviourSchema) }).strict(),
		cases: z.array(expectedCaseSchema),
	})
	.strict()
	.superRefine((doc, ctx) => {
		// Refinements, not .min(1): the JSON Schema in schema/ stays as it is.
		if (!doc.cases.length) ctx.addIssue({ code: 'custom', path: ['cases'], message: 'must list at least one case' });
		const duplicate = firstDuplicate(doc.cases.map((c) => c.id));
		// Results are matched to cases by id: a second case with one would never be compared.
		if (duplicate) ctx.addIssue({ code: 'custom', path: ['cases', duplicate.index, 'id'], message: `duplicate case id ${duplicate.id}` });
	});

/** The first id seen before, and where it is. */
function firstDuplicate(ids: readonly string[]): { id: string; index: number } | null {
	const seen = new Set<string>();
	for (const [index, id] of ids.entries()) {
		if (seen.has(id)) return { id, index };
		seen.add(id);
	}
	return null;
}

export type ExpectedCase = z.infer<typeof expectedCaseSchema>;
export type ExpectedDocument = z.infer<typeof expectedDocumentSchema>;

export const manifestSchema = z
	.object({
		format: z.literal('fpu-kvm-testgen/manifest/1'),
		generator: z.object({ name: z.literal('fpu-kvm-testgen'), version: z.string() }).strict(),
		modelHash: z.string(),
		seed: z.number().int(),
		strength: z.number().int(),
		platform: z.string(),
		revision: z.string(),
		cases: z
			.object({
				total: z.number().int(),
				runnable: z.number().int(),
				skipped: z.number().int(),
				steps: z.number().int(),
				byFamily: z.record(z.string(), z.number().int()),
				byOrigin: z.record(z.string(), z.number().int()),
			})
			.strict(),
		coverage: z
			.object({
				families: z.array(
					z
						.object({
							family: z.string(),
							strength: z.string(),
							cases: z.number().int(),
							tuplesCovered: z.number().int(),
							tuplesRequired: z.number().int(),
						})
						.strict(),
				),
				tuples: z.object({ covered: z.number().int(), required: z.number().int() }).strict(),
				transitions: z
					.object({
						states: z.number().int(),
						covered: z.number().int(),
						reachable: z.number().int(),
						unreachableStates: z.array(z.string()),
					})
					.strict(),
				regressions: z.number().int(),
			})
			.strict(),
	})
	.strict();

export type Manifest = z.infer<typeof manifestSchema>;

/** JSON Schema of expected.json, for people who consume it outside this tool. */
export function expectedJsonSchema(): unknown {
	return z.toJSONSchema(expectedDocumentSchema, { target: 'draft-2020-12' });
}
