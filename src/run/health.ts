// Kernel health around a test binary: new WARN/BUG/Oops lines in the kernel log (when readable) and
// a change of /proc/sys/kernel/tainted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Health {
	/** Kernel log lines that report trouble, or null when the log is not readable. */
	readonly troubleLines: readonly string[] | null;
	readonly tainted: string | null;
}

const TROUBLE = /WARNING:|BUG:|Oops|general protection fault|kernel BUG|Call Trace:/;

/** The kernel log lines that report trouble. */
export function troubleOf(lines: readonly string[]): string[] {
	return lines.filter((l) => TROUBLE.test(l));
}

export function readHealth(): Health {
	const dmesg = spawnSync('dmesg', [], { encoding: 'utf8', timeout: 10_000, maxBuffer: 1 << 26 });
	let tainted: string | null = null;
	try {
		tainted = readFileSync('/proc/sys/kernel/tainted', 'utf8').trim();
	} catch {
		// Not Linux, or /proc hidden: no taint check.
	}
	return { troubleLines: dmesg.status === 0 ? troubleOf(dmesg.stdout.split('\n')) : null, tainted };
}

export function healthFindings(before: Health, after: Health): string[] {
	const findings: string[] = [];
	if (before.troubleLines && after.troubleLines && after.troubleLines.length > before.troubleLines.length) {
		const added = after.troubleLines.slice(before.troubleLines.length);
		findings.push(`kernel log: ${added.length} new WARN/BUG/Oops line(s), first: ${added[0]!.trim()}`);
	}
	if (before.tainted !== null && after.tainted !== null && before.tainted !== after.tainted) {
		findings.push(`kernel taint changed from ${before.tainted} to ${after.tainted}`);
	}
	return findings;
}
