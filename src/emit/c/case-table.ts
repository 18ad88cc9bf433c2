// Turns expected cases into the C case tables of the emitted selftests: one designated initializer
// per step, wrapped to the kernel's 100-column limit.
import { OPERATIONS, REQUIREMENTS, REQUIREMENT_TABLE, USER_SUPPORTED, fingerprint, platformSchema, toPlatform, type XfdMsr } from '../../model/index.js';
import type { ExpectedCase, ExpectedDocument, ExpectedStep } from '../expected-schema.js';

const MAX_COLUMNS = 100;
const TAB = 8;

const MSRS: Record<XfdMsr, string> = { XFD: 'MSR_IA32_XFD', XFD_ERR: 'MSR_IA32_XFD_ERR' };

function cpuidEnum(variant: string): string {
	return 'FKT_CPUID_' + variant.toUpperCase().replace(/-/g, '_');
}

function hexLiteral(text: string): string {
	return BigInt(text) > 0xffffffffn ? `${text}ull` : text;
}

/** The designated-initializer fields of one step, without the expect array. */
function stepFields(step: ExpectedStep): string[] {
	const fields = [`.op = ${OPERATIONS[step.op].cEnum}`];
	const flags: string[] = [];
	if ('save' in step.args && step.args.save === true) flags.push('FKT_SAVE');
	if ('pointer' in step.args && step.args.pointer === 'bad') flags.push('FKT_BAD_POINTER');
	switch (step.op) {
		case 'arch_prctl.get':
			fields.push(`.prctl = ${step.args.option}`);
			break;
		case 'arch_prctl.req':
			fields.push(`.prctl = ${step.args.option}`, `.feature = ${step.args.feature}`);
			break;
		case 'arch_prctl.unknown':
			fields.push(`.prctl = 0x${step.args.option.toString(16)}`);
			break;
		case 'kvm.check_extension':
			fields.push(`.cap = ${step.args.cap}`);
			break;
		case 'kvm.get_device_attr':
			fields.push(`.attr_group = ${step.args.group}`, `.attr = ${step.args.attr}`);
			break;
		case 'vm.create_vcpu':
			if (step.args.library === true) flags.push('FKT_LIBRARY_VCPU');
			break;
		case 'vcpu.set_cpuid2':
			fields.push(`.cpuid = ${cpuidEnum(step.args.variant)}`);
			break;
		case 'vcpu.set_xcrs': {
			const a = step.args;
			fields.push(`.xcr = ${a.index}`, `.nr_xcrs = ${a.nr_xcrs}`);
			if (a.flags !== 0) fields.push(`.xcrs_flags = ${a.flags}`);
			if (a.xcr0 === 'saved') flags.push('FKT_FROM_SAVED');
			else fields.push(`.value = ${hexLiteral(a.xcr0)}`);
			break;
		}
		case 'vcpu.set_xsave': {
			const image = step.args.image;
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
			fields.push(`.msr = ${MSRS[step.args.msr]}`);
			break;
		case 'vcpu.set_msr':
			fields.push(`.msr = ${MSRS[step.args.msr]}`);
			if (step.args.value === 'saved') flags.push('FKT_FROM_SAVED');
			else fields.push(`.value = ${hexLiteral(step.args.value)}`);
			break;
		case 'guest.set_cr4_osxsave':
			if (step.args.enable) flags.push('FKT_ENABLE');
			break;
		case 'guest.xsetbv':
			fields.push(`.xcr = ${step.args.ecx}`, `.value = ${hexLiteral(step.args.xcr0)}`);
			break;
		case 'guest.rdmsr':
			fields.push(`.msr = ${MSRS[step.args.msr]}`);
			break;
		case 'guest.wrmsr':
			fields.push(`.msr = ${MSRS[step.args.msr]}`, `.value = ${hexLiteral(step.args.value)}`);
			break;
	}
	if (flags.length) fields.splice(1, 0, `.flags = ${flags.join(' | ')}`);
	return fields;
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
		// Most steps fit on one line; the rest break between fields, the expectations on lines of their own.
		const oneLine = `\t{ ${fields.join(', ')}, .expect = { ${expect.join(', ')} } },`;
		if (columns(oneLine) <= MAX_COLUMNS) return [oneLine];
		return [...wrap('\t{ ', '\t  ', fields, ','), ...wrap('\t  .expect = { ', '\t\t      ', expect, ' } },')];
	});
}

/** The FKT_NEEDS_* flag of each requirement, one bit each in the table's order, values aligned at column 32. */
export function needsDefines(): string[] {
	return REQUIREMENTS.map((r, bit) => {
		const name = `#define ${REQUIREMENT_TABLE[r].cNeeds}`;
		return `${name}${'\t'.repeat(Math.ceil((32 - name.length) / TAB))}BIT(${bit})`;
	});
}

export function caseEntry(c: ExpectedCase, n: number): string[] {
	const needs = c.requires.map((r) => REQUIREMENT_TABLE[r].cNeeds).join(' | ') || '0';
	const skip = c.skip === null ? 'NULL' : `"${c.skip}"`;
	return [`\t{ "${c.id}",`, ...wrap('\t  ', '\t  ', [needs, skip, `fkt_steps_${n}`, `ARRAY_SIZE(fkt_steps_${n})`], ' },')];
}

/** The C view of the fingerprint of the platform a document was generated for (fkt_built_for). */
export function fingerprintView(doc: ExpectedDocument): { id: string; modelled: string; fields: string[] } {
	const f = fingerprint(toPlatform(platformSchema.parse(doc.platform.profile)));
	const bool = (v: boolean) => (v ? 'true' : 'false');
	const byBit = (key: 'offset' | 'size') => f.layout.map((c) => `[${c.bit}] = ${c[key]}`);
	return {
		id: doc.platform.id,
		modelled: `0x${USER_SUPPORTED.toString(16)}ull`,
		fields: [
			`\t.backend = "${f.backend}",`,
			`\t.xcr0 = ${hexLiteral(`0x${f.xcr0.toString(16)}`)},`,
			`\t.xfd = ${bool(f.xfd)}, .amx = ${bool(f.amx)}, .xsaves = ${bool(f.xsaves)},`,
			`\t.kvm_xcr0 = ${hexLiteral(`0x${f.kvmXcr0.toString(16)}`)},`,
			`\t.kvm_xfd = ${bool(f.kvmXfd)}, .kvm_amx = ${bool(f.kvmAmx)}, .kvm_xsave = ${bool(f.kvmXsave)},`,
			`\t.kvm_xfd_msrs = ${bool(f.kvmXfdMsrs)},`,
			...wrap('\t.offset = { ', '\t\t    ', byBit('offset'), ' },'),
			...wrap('\t.size = { ', '\t\t  ', byBit('size'), ' },'),
		],
	};
}
