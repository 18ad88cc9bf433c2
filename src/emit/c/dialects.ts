// The differences between KVM selftests API generations, in one place. Everything else in the
// emitted C is common to the dialects.

/** 'selftests-6.10': kvm_util.h without kvm_util_base.h (6.10+); 'selftests-6.0': struct kvm_vcpu API with kvm_util_base.h (6.0-6.9). */
export const DIALECTS = ['selftests-6.10', 'selftests-6.0'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface DialectSnippets {
	readonly name: string;
	/** Before the system includes. */
	readonly prelude: string;
	/** Right after vm_create_with_one_vcpu(), so that guest exception fix-ups work. */
	readonly afterVcpuCreate: string;
	/** fkt_host_xcr0(): XCR0 of this process, with the library's xgetbv() where it has one. */
	readonly hostXcr0: string;
}

export const DIALECT_SNIPPETS: Record<Dialect, DialectSnippets> = {
	// 6.10+: lib.mk defines _GNU_SOURCE; descriptor tables and handlers are set up at VM creation.
	'selftests-6.10': {
		name: '6.10+',
		prelude: '',
		afterVcpuCreate: '',
		hostXcr0: 'static inline uint64_t fkt_host_xcr0(void)\n{\n\treturn xgetbv(0);\n}\n',
	},
	// 6.0-6.9: the test defines _GNU_SOURCE and installs the descriptor tables itself.
	'selftests-6.0': {
		name: '6.0-6.9',
		prelude: '\n#define _GNU_SOURCE\n',
		afterVcpuCreate: '\t\tvm_init_descriptor_tables(ctx->vm);\n\t\tvcpu_init_descriptor_tables(ctx->vcpu);\n',
		// No xgetbv() in these libraries.
		hostXcr0:
			'static inline uint64_t fkt_host_xcr0(void)\n{\n\tuint32_t eax, edx;\n\n' +
			'\t__asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));\n\treturn eax | (uint64_t)edx << 32;\n}\n',
	},
};
