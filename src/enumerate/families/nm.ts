// #NM from XFD-armed tile use and the XFD_ERR life cycle (docs/contract.md §2.11).
import type { Op } from '../../model/index.js';
import { valuesOf, type Family } from '../family.js';
import { TILEDATA, createVcpu, enableAllInGuest, getMsr, getXsave2, requestGuestPerm, setCpuid, setMsr } from './steps.js';

export const nmXfdErr: Family = {
	id: 'nm.xfd-err',
	title: 'tile use with XFD armed: #NM, XFD_ERR as the guest and the host see it, clearing and retrying',
	parameters: [
		{ name: 'arm', values: valuesOf('arm-by-guest', 'arm-by-host') },
		{ name: 'clear', values: valuesOf('clear-by-guest', 'clear-by-host', 'no-clear') },
		{ name: 'retry', values: valuesOf('disarm-and-retry', 'retry-armed') },
	],
	exhaustive: true,
	requires: () => ['amx', 'xfd', 'vmx', 'guest'],
	build(v, ctx) {
		const prefix = [requestGuestPerm, createVcpu, setCpuid('supported')];
		const arm: Op = v.arm === 'arm-by-host' ? setMsr('XFD', TILEDATA) : { op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA };
		const clear: Op[] =
			v.clear === 'clear-by-guest' ? [{ op: 'guest.wrmsr', msr: 'XFD_ERR', value: '0x0' }] : v.clear === 'clear-by-host' ? [setMsr('XFD_ERR', '0x0')] : [];
		const retry: Op[] =
			v.retry === 'disarm-and-retry' ? [{ op: 'guest.wrmsr', msr: 'XFD', value: '0x0' }, { op: 'guest.tile_load' }] : [{ op: 'guest.tile_load' }];
		return [
			...prefix,
			...enableAllInGuest(prefix, ctx),
			arm,
			{ op: 'guest.tile_load' },
			{ op: 'guest.rdmsr', msr: 'XFD_ERR' },
			getMsr('XFD_ERR'),
			...clear,
			getMsr('XFD_ERR'),
			...retry,
			getMsr('XFD_ERR'),
			getXsave2,
		];
	},
};
