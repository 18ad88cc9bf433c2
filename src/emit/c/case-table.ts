// Turns expected cases into the C case tables of the emitted selftests: one designated initializer
// per step, wrapped to the kernel's 100-column limit.
import { OPERATIONS, isOpName } from '../../model/index.js';
import type { ExpectedCase, ExpectedStep } from '../expected-schema.js';

const MAX_COLUMNS = 100;
const TAB = 8;

const NEEDS: Record<string, string> = {
	amx: 'FKT_NEEDS_AMX',
	xfd: 'FKT_NEEDS_XFD',
	vmx: 'FKT_NEEDS_VMX',
	guest: 'FKT_NEEDS_GUEST',
	'cpu-hotplug': 'FKT_NEEDS_CPU_HOTPLUG',
};

const MSRS: Record<string, string> = { XFD: 'FKT_MSR_XFD', XFD_ERR: 'FKT_MSR_XFD_ERR' };

function cpuidEnum(variant: string): string {
	return 'FKT_CPUID_' + variant.toUpperCase().replace(/-/g, '_');
}

function hexLiteral(text: string): string {
	return BigInt(text) > 0xffffffffn ? `${text}ull` : text;
}

/** The designated-initializer fields of one step, without the expect array. */
function stepFields(step: ExpectedStep): string[] {
	const a = step.args as Record<string, unknown>;
	const fields = [`.op = ${isOpName(step.op) ? OPERATIONS[step.op].cEnum : fail(`no C operation for ${step.op}`)}`];
	const flags: string[] = [];
	const str = (key: string) => String(a[key]);
	if (a.save === true) flags.push('FKT_SAVE');
	if (a.pointer === 'bad') flags.push('FKT_BAD_POINTER');
	switch (step.op) {
		case 'arch_prctl.get':
			fields.push(`.option = ${str('option')}`);
			break;
		case 'arch_prctl.req':
			fields.push(`.option = ${str('option')}`, `.number = ${str('feature')}`);
			break;
		case 'arch_prctl.unknown':
			fields.push(`.option = 0x${Number(a.option).toString(16)}`);
			break;
		case 'kvm.check_extension':
			fields.push(`.option = ${str('cap')}`);
			break;
		case 'kvm.get_device_attr':
			fields.push(`.number = ${str('group')}`, `.value = ${str('attr')}`);
			break;
		case 'vm.create_vcpu':
			if (a.library === true) flags.push('FKT_LIBRARY_VCPU');
			break;
		case 'vcpu.set_cpuid2':
			fields.push(`.option = ${cpuidEnum(str('variant'))}`);
			break;
		case 'vcpu.set_xcrs':
			fields.push(`.number = ${str('index')}`, `.nr_xcrs = ${str('nr_xcrs')}`);
			if (a.flags !== 0) fields.push(`.xcrs_flags = ${str('flags')}`);
			if (a.xcr0 === 'saved') flags.push('FKT_FROM_SAVED');
			else fields.push(`.value = ${hexLiteral(str('xcr0'))}`);
			break;
		case 'vcpu.set_xsave': {
			const image = a.image as Record<string, string>;
			if (image.base === 'saved') flags.push('FKT_FROM_SAVED');
			if (image.xstate_bv !== undefined) {
				flags.push('FKT_XSTATE_BV');
				fields.push(`.value = ${hexLiteral(image.xstate_bv)}`);
			}
			if (image.xcomp_bv) fields.push(`.xcomp_bv = ${hexLiteral(image.xcomp_bv)}`);
			if (image.header_reserved) fields.push(`.hdr_reserved = ${hexLiteral(image.header_reserved)}`);
			if (image.mxcsr) fields.push(`.mxcsr = ${image.mxcsr}`, '.has_mxcsr = true');
			break;
		}
		case 'vcpu.get_msr':
			fields.push(`.option = ${MSRS[str('msr')]}`);
			break;
		case 'vcpu.set_msr':
			fields.push(`.option = ${MSRS[str('msr')]}`);
			if (a.value === 'saved') flags.push('FKT_FROM_SAVED');
			else fields.push(`.value = ${hexLiteral(str('value'))}`);
			break;
		case 'guest.set_cr4_osxsave':
			fields.push(`.value = ${a.enable ? 1 : 0}`);
			break;
		case 'guest.xsetbv':
			fields.push(`.number = ${str('ecx')}`, `.value = ${hexLiteral(str('xcr0'))}`);
			break;
		case 'guest.rdmsr':
			fields.push(`.number = ${MSRS[str('msr')]}`);
			break;
		case 'guest.wrmsr':
			fields.push(`.number = ${MSRS[str('msr')]}`, `.value = ${hexLiteral(str('value'))}`);
			break;
	}
	if (flags.length) fields.splice(1, 0, `.flags = ${flags.join(' | ')}`);
	return fields;
}

function fail(message: string): never {
	throw new Error(message);
}

function columns(text: string): number {
	let col = 0;
	for (const ch of text) col = ch === '\t' ? col + TAB - (col % TAB) : col + 1;
	return col;
}

/** Joins items with ", " into lines that start with indent, breaking before the limit. */
function wrap(first: string, indent: string, items: readonly string[], last: string): string[] {
	const lines: string[] = [];
	let line = first;
	items.forEach((item, i) => {
		const piece = item + (i < items.length - 1 ? ',' : last);
		const candidate = line === first ? line + piece : `${line} ${piece}`;
		if (line !== first && columns(candidate) > MAX_COLUMNS) {
			lines.push(line);
			line = indent + piece;
		} else {
			line = candidate;
		}
	});
	lines.push(line);
	return lines;
}

export function stepInitializers(c: ExpectedCase): string[] {
	return c.steps.flatMap((step) => {
		const fields = stepFields(step);
		const expect = Object.entries(step.expect).map(([k, v]) => `"${k}=${v}"`);
		return [...wrap('\t{ ', '\t  ', fields, ','), ...wrap('\t  .expect = { ', '\t\t      ', expect, ' } },')];
	});
}

export function caseEntry(c: ExpectedCase, n: number): string[] {
	const needs = c.requires.map((r) => NEEDS[r]!).join(' | ') || '0';
	const skip = c.skip === null ? 'NULL' : `"${c.skip}"`;
	return [`\t{ "${c.id}",`, ...wrap('\t  ', '\t  ', [needs, skip, `fkt_steps_${n}`, `ARRAY_SIZE(fkt_steps_${n})`], ' },')];
}
