// run --kernel-image refuses what it cannot boot or run before starting QEMU: one line, exit 2.
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runCli, tempDir } from '../../helpers.js';
import { fakeBzImage } from './fake-bzimage.js';

const image = () => fakeBzImage('6.12.0-fake (nobody@nowhere) #1');

test('a suite that was not built statically is named with the command that builds it', () => {
	const dir = tempDir('fkt-qemu-cli-');
	const out = join(dir, 'out');
	expect(runCli(['generate', '--platform', 'tcg-max', '--kernel', 'v6.12', '--out', out]).code).toBe(0);
	const r = runCli(['run', '--out', out, '--kernel-image', image(), '--accel', 'tcg', '--cache', join(dir, 'cache')]);
	expect(r.code).toBe(2);
	expect(r.out.trim().split('\n').pop()).toBe(
		`fpu-kvm-testgen: error: the suite in ${out} is not built statically: run 'fpu-kvm-testgen build --static --tree DIR --out ${out}'`,
	);
});

test.each([
	['--memory', '0', "bad --memory '0': expected a whole number from 1 to 999999"],
	['--smp', 'two', "bad --smp 'two': expected a whole number from 1 to 999999"],
])('%s %s is refused', (option, value, message) => {
	const dir = tempDir('fkt-qemu-cli-');
	const r = runCli(['run', '--out', dir, '--kernel-image', image(), option, value]);
	expect([r.code, r.out.trim()]).toEqual([2, `fpu-kvm-testgen: error: ${message}`]);
});

test('QEMU options without --kernel-image are named, not ignored', () => {
	const r = runCli(['run', '--out', tempDir(), '--accel', 'tcg', '--cpu', 'max']);
	expect([r.code, r.out.trim()]).toEqual([2, 'fpu-kvm-testgen: error: --accel, --cpu only apply with --kernel-image']);
});
