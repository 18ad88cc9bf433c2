// The probe run inside the kernel under test: what KVM offers there decides the platform and the
// model revision of the suite, as on a machine running that kernel natively.
import { InfrastructureError } from '../../errors.js';
import type { Probe } from '../../model/index.js';
import { keepProbeReport, probeBinary } from '../probe.js';
import { bootGuest, type QemuTarget } from './boot.js';

export async function probeInGuest(target: QemuTarget, reportPath: string, deadline: number): Promise<Probe> {
	const probe = await probeBinary(target.cacheDir, true);
	const lines: string[] = [];
	let exit: string | null = null;
	const record = await bootGuest(
		target,
		[{ id: 'probe', hostPath: probe, args: [] }],
		{
			onBegin: () => {},
			onOutput: (_id, line) => lines.push(line),
			onEnd: (_id, event) => {
				const r = event.result;
				exit = r.how === 'timeout' ? 'timed out' : r.how === 'signal' ? `died from ${r.signal}` : r.code === 0 ? null : `exited with ${r.code}`;
			},
		},
		deadline,
	);
	if (record.end.kind !== 'done')
		throw new InfrastructureError(`the probe in the guest did not finish: the boot ended with ${record.end.kind} (console log: ${record.consoleLog})`);
	if (exit) throw new InfrastructureError(`the probe in the guest ${exit} (console log: ${record.consoleLog})`);
	return keepProbeReport(lines.join('\n'), reportPath);
}
