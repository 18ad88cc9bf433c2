// A case family: parameters with values (the first value of each is its default), the parameters
// covered at the core strength, constraints, and a builder from one row of values to steps.
import type { Op, Requirement } from '../model/index.js';
import type { BuildContext } from './case.js';

export interface FamilyValue {
	readonly id: string;
	/** An error-provoking value: at most one per case, so one error cannot mask another. */
	readonly invalid?: boolean;
}

export interface FamilyParameter {
	readonly name: string;
	readonly values: readonly FamilyValue[];
}

/** The value ids of one row, by parameter name. */
export type Values = Readonly<Record<string, string>>;

export interface Family {
	readonly id: string;
	readonly title: string;
	readonly parameters: readonly FamilyParameter[];
	/** Parameters covered at the core strength (3 by default); the rest at the base strength. */
	readonly core?: readonly string[];
	/** Rows for which this returns false are not generated. */
	readonly allowed?: (values: Values, ctx: BuildContext) => boolean;
	/** Every row instead of a covering array: for small families whose every combination matters. */
	readonly exhaustive?: boolean;
	readonly requires?: (values: Values) => readonly Requirement[];
	readonly build: (values: Values, ctx: BuildContext) => readonly Op[];
}

export function valuesOf(...ids: string[]): FamilyValue[] {
	return ids.map((id) => ({ id }));
}

export function invalidValuesOf(...ids: string[]): FamilyValue[] {
	return ids.map((id) => ({ id, invalid: true }));
}

/** A readable, stable id: family, the first parameter's value, then every non-default value. */
export function caseId(family: Family, values: Values): string {
	const parts = family.parameters.map((p, i) => (i === 0 || values[p.name] !== p.values[0]!.id ? values[p.name]! : null));
	return [family.id, ...parts.filter((p): p is string => p !== null)].join('.');
}
