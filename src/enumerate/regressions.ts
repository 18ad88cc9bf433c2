// One fixed row for every bug in docs/contract.md §4, built from the "observable that catches it" column.
import { FPSSE, XTILE, YMM, hex, kvmSupportedXcr0, markLibraryVcpus, type Op, type Requirement } from '../model/index.js';
import type { BuildContext, TestCase } from './case.js';
import { requirementsOf } from './case.js';
import {
	TILEDATA,
	createVcpu,
	enableAllInGuest,
	enableOsxsave,
	getGuestPerm,
	getHostPerm,
	getMsr,
	getXcrs,
	getXsave2,
	requestGuestPerm,
	setCpuid,
	xsetbv,
} from './families/steps.js';

interface Regression {
	readonly name: string;
	readonly bug: string;
	readonly commit: string;
	readonly title: string;
	readonly requires?: readonly Requirement[];
	readonly steps: (ctx: BuildContext) => Op[];
}

const supportedCpuid: Op = { op: 'kvm.get_supported_cpuid' };
const withAmxVcpu = [requestGuestPerm, createVcpu, setCpuid('supported')];

const REGRESSIONS: readonly Regression[] = [
	{
		name: 'perm-request-overwrite',
		bug: '#1',
		commit: '063452fd94d1',
		title: 'guest permission after REQ(18) keeps the defaults; supported CPUID keeps x87/SSE; XSETBV(x87|SSE|XTILE) succeeds',
		steps: () => [requestGuestPerm, getGuestPerm, supportedCpuid, createVcpu, setCpuid('supported'), enableOsxsave, xsetbv(FPSSE | XTILE), getXcrs],
	},
	{
		name: 'uabi-size-base',
		bug: '#2',
		commit: 'd187ba531230',
		title: 'KVM_GET_XSAVE2 without AMX copies 4096 bytes, matching KVM_CAP_XSAVE2',
		steps: () => [{ op: 'kvm.check_extension', cap: 'KVM_CAP_XSAVE2' }, createVcpu, setCpuid('supported'), getXsave2],
	},
	{
		name: 'xtilecfg-filter',
		bug: '#3',
		commit: '55cd57b596e8',
		title: 'without permission supported XCR0 has neither XTILE bit and XSETBV(supported) succeeds',
		steps: (ctx) => {
			const prefix = [createVcpu, setCpuid('supported')];
			return [supportedCpuid, ...prefix, ...enableAllInGuest(prefix, ctx), getXcrs];
		},
	},
	{
		name: 'unpermitted-sizes',
		bug: '#4',
		commit: '1ffce0924a8c',
		title: 'KVM_GET_SUPPORTED_CPUID 0xD sizes and sub-leaves without permission exclude XTILEDATA',
		steps: () => [supportedCpuid],
	},
	{
		name: 'user-xfeatures-limited',
		bug: '#5',
		commit: 'ad856280ddea',
		title: 'KVM_GET_XSAVE2 XSTATE_BV stays within the guest CPUID plus x87/SSE after loading every host feature',
		steps: (ctx) => [
			createVcpu,
			setCpuid('fp-sse-only'),
			{ op: 'vcpu.set_xsave', image: { base: 'zero', xstate_bv: hex(kvmSupportedXcr0(ctx.platform, ctx.rev) & ~XTILE) } },
			getXsave2,
		],
	},
	{
		name: 'fpsse-always-allowed',
		bug: '#6',
		commit: 'a1020a25e697',
		title: 'without leaf 0xD, KVM_SET_XSAVE(x87|SSE) succeeds and KVM_GET_XSAVE2 reports x87|SSE',
		steps: () => [createVcpu, setCpuid('no-leaf-d'), { op: 'vcpu.set_xsave', image: { base: 'zero', xstate_bv: hex(FPSSE) } }, getXsave2],
	},
	{
		name: 'gsx-reinstated',
		bug: '#7',
		commit: 'ee519b3a2ae3',
		title: 'before KVM_SET_CPUID2, KVM_SET_XCRS(x87|SSE|AVX) is -EINVAL',
		steps: () => [createVcpu, { op: 'vcpu.set_xcrs', xcr0: hex(FPSSE | YMM), index: 0, nr_xcrs: 1, flags: 0 }, getXcrs],
	},
	{
		name: 'set-xsave-hidden-feature',
		bug: '#8',
		commit: '8647c52e9504',
		title: 'KVM_SET_XSAVE with a host feature hidden from the guest CPUID is accepted',
		steps: () => [createVcpu, setCpuid('fp-sse-only'), { op: 'vcpu.set_xsave', image: { base: 'zero', xstate_bv: hex(FPSSE | YMM) } }],
	},
	{
		name: 'xstate-bv-cleared-when-xfd-armed',
		bug: '#9',
		commit: 'b45f72177594',
		title: 'live tiles, guest arms XFD, host loads an image with XSTATE_BV[18]=1: it is stored as 0',
		requires: ['amx', 'xfd', 'vmx'],
		steps: (ctx) => [
			...withAmxVcpu,
			...enableAllInGuest(withAmxVcpu, ctx),
			{ op: 'guest.tile_load' },
			{ op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA },
			{ op: 'vcpu.set_xsave', image: { base: 'zero', xstate_bv: hex(FPSSE | XTILE) } },
			getXsave2,
			{ op: 'guest.rdmsr', msr: 'XFD' },
		],
	},
	{
		name: 'xfd-state-hotplug',
		bug: '#10',
		commit: '10e4b5166df9',
		title: 'after a CPU offline/online cycle the guest still gets #NM from XFD-armed tile use',
		requires: ['amx', 'xfd', 'vmx'],
		steps: (ctx) => [
			...withAmxVcpu,
			...enableAllInGuest(withAmxVcpu, ctx),
			{ op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA },
			{ op: 'host.cpu_hotplug' },
			{ op: 'guest.tile_load' },
			getMsr('XFD_ERR'),
		],
	},
	{
		name: 'init-tiledata-zero',
		bug: '#11',
		commit: '471f0aa7fa64',
		title: 'KVM_GET_XSAVE2 after the AMX reallocation writes zeros for init-state tile data',
		requires: ['amx'],
		steps: () => [...withAmxVcpu, getXsave2],
	},
	{
		name: 'xfd-cpuid-consistency',
		bug: '#12',
		commit: 'e9737468829c',
		title: 'KVM_GET_SUPPORTED_CPUID advertises XFD for sub-leaf 18 only with 0xD.1 EAX[4]',
		steps: () => [requestGuestPerm, supportedCpuid],
	},
	{
		name: 'cr0-ts-nm-keeps-xfd-err',
		bug: '#13',
		commit: "(post-6.12) KVM: VMX: Don't modify guest XFD_ERR if CR0.TS=1",
		title: 'a CR0.TS #NM with XFD passed through leaves the guest XFD_ERR as the guest wrote it',
		requires: ['amx', 'xfd', 'vmx'],
		steps: (ctx) => [
			...withAmxVcpu,
			...enableAllInGuest(withAmxVcpu, ctx),
			{ op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA },
			{ op: 'guest.wrmsr', msr: 'XFD', value: '0x0' },
			{ op: 'guest.wrmsr', msr: 'XFD_ERR', value: TILEDATA },
			{ op: 'guest.cr0_ts_nm' },
			{ op: 'guest.rdmsr', msr: 'XFD_ERR' },
			getMsr('XFD_ERR'),
		],
	},
	{
		name: 'post-run-cpuid-flags',
		bug: '#14',
		commit: '5.17-rc2 "KVM: x86: Check .flags in kvm_cpuid_check_equal() too"',
		title: 'after KVM_RUN, KVM_SET_CPUID2 differing only in flags is -EINVAL and an identical one succeeds',
		steps: () => [createVcpu, setCpuid('supported'), enableOsxsave, setCpuid('flags-differ'), setCpuid('same-as-current')],
	},
	{
		name: 'guest-perm-ret-and-realloc-source',
		bug: 'A-era',
		commit: 'AMX series v6 01/21 (int ret = 0); c270ce393dfd (in_use)',
		title: 'REQ_XCOMP_GUEST_PERM returns exactly 0; SET_CPUID2 reallocation leaves guest XFD 0 and the VMM permission alone',
		steps: () => [requestGuestPerm, createVcpu, setCpuid('supported'), getMsr('XFD'), getHostPerm, getGuestPerm],
	},
];

export function regressionCases(ctx: BuildContext): TestCase[] {
	return REGRESSIONS.map((r) => {
		const steps = markLibraryVcpus(r.steps(ctx));
		return {
			id: `regression.${r.name}`,
			family: 'regression',
			title: r.title,
			origin: 'regression',
			requires: requirementsOf(steps, r.requires ?? []),
			steps,
			regression: { bug: r.bug, commit: r.commit },
		};
	});
}
