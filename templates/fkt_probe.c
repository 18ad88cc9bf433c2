// SPDX-License-Identifier: GPL-2.0-only
/*
 * fkt_probe - report this machine's XSAVE features and KVM's view of them as JSON
 *
 * Part of fpu-kvm-testgen ("fpu-kvm-testgen probe" builds and runs it). It reads the host CPUID
 * XSAVE leaves and XCR0, the arch_prctl XCOMP masks, and /dev/kvm's KVM_GET_SUPPORTED_CPUID,
 * KVM_CAP_XSAVE2, KVM_GET_MSR_INDEX_LIST and KVM_X86_XCOMP_GUEST_SUPP, without asking for any
 * permission. An ioctl the kernel does not have becomes null (or an empty list), never a missing
 * or malformed member: the report must stay valid JSON on old kernels too.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define ARCH_GET_XCOMP_SUPP		0x1021
#define ARCH_GET_XCOMP_GUEST_PERM	0x1024
#define FKT_KVM_CAP_XSAVE2		208
#define FKT_XCOMP_GUEST_SUPP		0
#define MAX_CPUID_ENTRIES		256
#define FKT_MSR_IA32_XFD		0x1c4
#define FKT_MSR_IA32_XFD_ERR		0x1c5

static void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

static int cpu_is_intel(void)
{
	uint32_t r[4];

	cpuid_count(0, 0, r);
	/* "GenuineIntel" in EBX, EDX, ECX */
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

/*
 * A kernel with both vendor modules built in lists both in /sys/module;
 * only the one for this CPU's vendor is running.
 */
static const char *backend(void)
{
	int intel = !access("/sys/module/kvm_intel", F_OK);
	int amd = !access("/sys/module/kvm_amd", F_OK);

	if (!access("/sys/module/kvm_pvm", F_OK))
		return "pvm";
	if (intel && amd)
		return cpu_is_intel() ? "vmx" : "svm";
	if (intel)
		return "vmx";
	if (amd)
		return "svm";
	return "other";
}

/* The release comes from the kernel's build (LOCALVERSION is free text): escape it for JSON. */
static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_host(void)
{
	const char *sep = "";
	uint32_t r[4], i;

	cpuid_count(1, 0, r);
	printf("  \"cpu\": {\n    \"cpuid1Ecx\": \"0x%x\",\n", r[2]);
	/* XGETBV is only valid with OSXSAVE, which the kernel sets on every XSAVE machine. */
	printf("    \"xcr0\": \"0x%llx\",\n",
	       (r[2] & (1u << 27)) ? (unsigned long long)xgetbv0() : 0ull);
	cpuid_count(7, 0, r);
	printf("    \"cpuid7Edx\": \"0x%x\",\n", r[3]);
	cpuid_count(0xd, 1, r);
	printf("    \"cpuidD1Eax\": \"0x%x\",\n    \"components\": {", r[0]);
	for (i = 2; i < 19; i++) {
		cpuid_count(0xd, i, r);
		/* Only user (XCR0) components with a size: XSS components report offset 0. */
		if (!r[0] || !r[1])
			continue;
		printf("%s\n      \"%u\": { \"offset\": %u, \"size\": %u }", sep, i, r[1], r[0]);
		sep = ",";
	}
	printf("\n    }\n  },\n");
}

/* The schema wants the member even without the ioctl: a kernel that fails it offers no leaves. */
static void print_kvm_leaves(int fd)
{
	struct kvm_cpuid2 *cpuid;
	const char *sep = "";
	uint32_t i;

	cpuid = calloc(1, sizeof(*cpuid) + MAX_CPUID_ENTRIES * sizeof(cpuid->entries[0]));
	if (!cpuid)
		exit(1);
	cpuid->nent = MAX_CPUID_ENTRIES;
	if (ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid))
		cpuid->nent = 0;
	printf("    \"supportedCpuid\": [");
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 0x1 && e->function != 0x7 && e->function != 0xd)
			continue;
		printf("%s\n      { \"function\": %u, \"index\": %u, ", sep, e->function, e->index);
		printf("\"eax\": %u, \"ebx\": %u, \"ecx\": %u, \"edx\": %u }",
		       e->eax, e->ebx, e->ecx, e->edx);
		sep = ",";
	}
	printf("%s],\n", *sep ? "\n    " : "");
	free(cpuid);
}

/*
 * Whether KVM lets user space save and restore the XFD MSRs (KVM_GET_MSRS/KVM_SET_MSRS on a vCPU):
 * it lists them only from 5.17 on and only where it offers XFD to guests. The first call, with room
 * for none, only learns the count (E2BIG); any other failure, of either call, gives null.
 */
static void print_msr_index_list(int fd)
{
	struct kvm_msr_list head = { .nmsrs = 0 }, *list;
	int xfd = 0, xfd_err = 0;
	uint32_t i;

	if (ioctl(fd, KVM_GET_MSR_INDEX_LIST, &head) && errno != E2BIG) {
		printf("    \"msrIndexList\": null,\n");
		return;
	}
	list = calloc(1, sizeof(*list) + head.nmsrs * sizeof(list->indices[0]));
	if (!list)
		exit(1);
	list->nmsrs = head.nmsrs;
	if (head.nmsrs && ioctl(fd, KVM_GET_MSR_INDEX_LIST, list)) {
		printf("    \"msrIndexList\": null,\n");
		free(list);
		return;
	}
	for (i = 0; i < list->nmsrs; i++) {
		xfd |= list->indices[i] == FKT_MSR_IA32_XFD;
		xfd_err |= list->indices[i] == FKT_MSR_IA32_XFD_ERR;
	}
	printf("    \"msrIndexList\": { \"xfd\": %s, \"xfdErr\": %s },\n",
	       xfd ? "true" : "false", xfd_err ? "true" : "false");
	free(list);
}

static void print_kvm(void)
{
	uint64_t supp = 0;
	struct kvm_device_attr attr = {
		.group = 0, .attr = FKT_XCOMP_GUEST_SUPP, .addr = (uint64_t)&supp,
	};
	int fd = open("/dev/kvm", O_RDWR);

	printf("  \"devKvm\": %s,\n", fd >= 0 ? "true" : "false");
	if (fd < 0) {
		printf("  \"kvm\": null\n");
		return;
	}
	printf("  \"kvm\": {\n");
	printf("    \"apiVersion\": %d,\n", ioctl(fd, KVM_GET_API_VERSION, 0));
	printf("    \"capXsave2\": %d,\n", ioctl(fd, KVM_CHECK_EXTENSION, FKT_KVM_CAP_XSAVE2));
	print_msr_index_list(fd);
	print_kvm_leaves(fd);
	/* No such attribute before 5.17: null, and the caller falls back to CPUID 0xD.0. */
	if (ioctl(fd, KVM_GET_DEVICE_ATTR, &attr))
		printf("    \"xcompGuestSupp\": null\n  },\n");
	else
		printf("    \"xcompGuestSupp\": \"0x%llx\"\n  },\n", (unsigned long long)supp);
	close(fd);
}

static void print_prctl(const char *name, int option, const char *end)
{
	uint64_t value = 0;

	if (syscall(SYS_arch_prctl, option, &value))
		printf("  \"%s\": null%s\n", name, end);
	else
		printf("  \"%s\": \"0x%llx\"%s\n", name, (unsigned long long)value, end);
}

int main(void)
{
	struct utsname u;

	if (uname(&u))
		strcpy(u.release, "unknown");
	printf("{\n  \"format\": \"fpu-kvm-testgen/probe/1\",\n  \"kernelRelease\": ");
	print_json_string(u.release);
	printf(",\n  \"backend\": \"%s\",\n", backend());
	print_host();
	print_kvm();
	print_prctl("xcompSupp", ARCH_GET_XCOMP_SUPP, ",");
	print_prctl("xcompGuestPerm", ARCH_GET_XCOMP_GUEST_PERM, "");
	printf("}\n");
	/* A report cut short (a full disk, a closed pipe) must not pass for a complete one. */
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
