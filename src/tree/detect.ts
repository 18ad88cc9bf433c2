// Recognises a kernel tree: its release, the KVM selftests layout and the selftests API dialect.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * The KVM selftests API generations a build is for: 'selftests-6.10', kvm_util.h without
 * kvm_util_base.h (6.10+); 'selftests-6.0', the struct kvm_vcpu API with kvm_util_base.h (6.0-6.9);
 * 'selftests-5.16', the VM-and-vCPU-id API of v5.16 (the tglx x86/fpu-kvm branch).
 * The emitted C is one copy for all: fkt_common.h tells them apart with the preprocessor.
 */
export const DIALECTS = ['selftests-6.10', 'selftests-6.0', 'selftests-5.16'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface TreeInfo {
	readonly root: string;
	readonly release: string;
	/** Folder of the x86 tests under tools/testing/selftests/kvm: x86_64 up to 6.12, x86 after. */
	readonly archDir: 'x86_64' | 'x86';
	readonly dialect: Dialect;
	/**
	 * INSTALL_HDR_PATH for the selftests Makefile when the uapi headers were installed outside the
	 * tree (a v5.16 tree, kept clean); absent: the tree's own usr/include.
	 */
	readonly headers?: string;
}

export const KVM_SELFTESTS = 'tools/testing/selftests/kvm';

function makefileVar(makefile: string, name: string): string | undefined {
	return new RegExp(`^${name}\\s*=\\s*(\\S*)`, 'm').exec(makefile)?.[1];
}

export function detectTree(root: string): TreeInfo {
	const makefilePath = join(root, 'Makefile');
	if (!existsSync(makefilePath)) throw new UsageError(`${root} is not a kernel tree: it has no Makefile`);
	const makefile = readFileSync(makefilePath, 'utf8');
	const version = makefileVar(makefile, 'VERSION');
	const patchlevel = makefileVar(makefile, 'PATCHLEVEL');
	if (!version || !patchlevel || !existsSync(join(root, 'arch/x86'))) {
		throw new UsageError(`${root} is not a kernel tree: its Makefile has no VERSION/PATCHLEVEL or it has no arch/x86`);
	}
	const sublevel = makefileVar(makefile, 'SUBLEVEL') || '0';
	const kvm = join(root, KVM_SELFTESTS);
	if (!existsSync(join(kvm, 'lib'))) throw new UsageError(`kernel tree ${root} has no KVM selftests (${KVM_SELFTESTS}/lib is missing)`);
	const archDir = existsSync(join(kvm, 'x86_64')) ? 'x86_64' : existsSync(join(kvm, 'x86')) ? 'x86' : null;
	if (!archDir) throw new UsageError(`kernel tree ${root} has no x86 KVM selftests (${KVM_SELFTESTS}/x86_64 or x86)`);
	return { root, release: `${version}.${patchlevel}.${sublevel}`, archDir, dialect: detectDialect(kvm) };
}

function detectDialect(kvm: string): Dialect {
	const testUtil = readFileSync(join(kvm, 'include/test_util.h'), 'utf8');
	if (!testUtil.includes('TEST_REQUIRE')) {
		// fkt_common.h's test: no TEST_REQUIRE (6.0) and no include/ucall_common.h (5.17).
		const kvmUtil = join(kvm, 'include/kvm_util.h');
		const v516 =
			!existsSync(join(kvm, 'include/ucall_common.h')) &&
			!existsSync(join(kvm, 'include/kvm_util_base.h')) &&
			existsSync(kvmUtil) &&
			readFileSync(kvmUtil, 'utf8').includes('vm_create_default(');
		if (v516) return 'selftests-5.16';
		throw new UsageError(
			`the KVM selftests of this tree predate 6.0 (no TEST_REQUIRE) but are not of v5.16 (kvm_util.h with vm_create_default(), no kvm_util_base.h or ucall_common.h): only the v5.16 and 6.0+ dialects are supported`,
		);
	}
	return existsSync(join(kvm, 'include/kvm_util_base.h')) ? 'selftests-6.0' : 'selftests-6.10';
}
