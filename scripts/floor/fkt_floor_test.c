// SPDX-License-Identifier: GPL-2.0-only
/*
 * fkt_floor_test - the cheapest possible case, as the floor the runner's per-case cost is measured
 * against: fork, create a VM with one vCPU, one GUEST_SYNC, destroy, wait. Prints the mean in us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"

static void guest_code(void)
{
	GUEST_SYNC(0);
}

int main(int argc, char *argv[])
{
	int i, n = argc > 1 ? atoi(argv[1]) : 50;
	struct timeval start, end;

	gettimeofday(&start, NULL);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (!pid) {
			struct kvm_vcpu *vcpu;
			struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, guest_code);
			struct ucall uc;

			vcpu_run(vcpu);
			TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC, "no GUEST_SYNC");
			kvm_vm_free(vm);
			exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	gettimeofday(&end, NULL);
	printf("%ld\n", ((end.tv_sec - start.tv_sec) * 1000000L + end.tv_usec - start.tv_usec) / n);
	return 0;
}
