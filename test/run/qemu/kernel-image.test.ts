// The kernel image of a QEMU run: the release read from a bzImage's boot header, Debian package
// names ordered by version, and the KVM modules with their dependencies in load order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bzImageRelease, compareVersions, kvmModules, moduleDepends, resolveKernelImage } from '../../../src/run/qemu/kernel-image.js';
import { tempDir } from '../../helpers.js';
import { fakeBzImage } from './fake-bzimage.js';

/** A module file whose .modinfo strings say what it depends on. */
function fakeModule(dir: string, file: string, depends: string): void {
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, file), Buffer.from(`\x7fELF junk\0license=GPL\0depends=${depends}\0name=${file}\0`, 'latin1'));
}

describe('bzImage release', () => {
	test('is the first word of the setup header version string', async () => {
		const path = fakeBzImage('6.12.117-fkt (root@build) #1 SMP PREEMPT_DYNAMIC');
		expect(bzImageRelease(path)).toBe('6.12.117-fkt');
		expect(await resolveKernelImage(path, tempDir(), () => {})).toEqual({ image: path, release: '6.12.117-fkt', modules: [] });
	});

	test('a file that is no bzImage, and a missing file, are named', () => {
		const notImage = fakeBzImage('6.1.0', 'ELF!');
		expect(() => bzImageRelease(notImage)).toThrow(`kernel image ${notImage} is not an x86 bzImage (no boot header)`);
		expect(() => bzImageRelease('/nonexistent/bzImage')).toThrow('kernel image /nonexistent/bzImage does not exist');
	});
});

describe('Debian kernel packages', () => {
	test('the newest ABI wins, numerically', () => {
		const names = ['linux-image-6.1.0-9-amd64', 'linux-image-6.1.0-56-amd64', 'linux-image-6.1.0-47-amd64'];
		expect([...names].sort(compareVersions)).toEqual(['linux-image-6.1.0-9-amd64', 'linux-image-6.1.0-47-amd64', 'linux-image-6.1.0-56-amd64']);
	});
});

describe('KVM modules', () => {
	test('depends= is read from the module strings, dashes and underscores alike', () => {
		expect(moduleDepends(Buffer.from('x\0depends=kvm,ccp\0vermagic=6.1\0', 'latin1'))).toEqual(['kvm', 'ccp']);
		expect(moduleDepends(Buffer.from('x\0depends=\0', 'latin1'))).toEqual([]);
		expect(moduleDepends(Buffer.from('x\0depends=snd-pcm\0', 'latin1'))).toEqual(['snd_pcm']);
	});

	test('both vendor modules with their dependencies, each once, dependencies first', () => {
		const root = tempDir('fkt-mod-');
		fakeModule(join(root, 'kernel/arch/x86/kvm'), 'kvm.ko', 'irqbypass');
		fakeModule(join(root, 'kernel/arch/x86/kvm'), 'kvm-intel.ko', 'kvm');
		fakeModule(join(root, 'kernel/arch/x86/kvm'), 'kvm-amd.ko', 'kvm,ccp');
		fakeModule(join(root, 'kernel/virt/lib'), 'irqbypass.ko', '');
		fakeModule(join(root, 'kernel/drivers/crypto/ccp'), 'ccp.ko', '');
		expect(kvmModules(root).map((p) => p.slice(root.length + 1))).toEqual([
			'kernel/virt/lib/irqbypass.ko',
			'kernel/arch/x86/kvm/kvm.ko',
			'kernel/arch/x86/kvm/kvm-intel.ko',
			'kernel/drivers/crypto/ccp/ccp.ko',
			'kernel/arch/x86/kvm/kvm-amd.ko',
		]);
	});

	test('a missing dependency names the module and who needs it', () => {
		const root = tempDir('fkt-mod-');
		fakeModule(join(root, 'kvm'), 'kvm.ko', 'irqbypass');
		fakeModule(join(root, 'kvm'), 'kvm-intel.ko', 'kvm');
		expect(() => kvmModules(root)).toThrow(`module irqbypass (needed by kvm <- kvm_intel) is not in ${root}`);
	});
});
