/* Scheduling of the container's process: process.scheduler
 * (sched_setattr) and process.ioPriority (ioprio_set).  Both apply to the
 * calling thread and are inherited across execve and fork.  A real-time
 * policy or a raised priority needs CAP_SYS_NICE, which the runtime holds
 * until the process capabilities are applied: these run before that, so
 * the container gets what its config asked for and no more (its own
 * capabilities decide whether it may raise them later). */
#include "namespaces/namespaces.h"

#include <linux/ioprio.h>
#include <string.h>
#include <sys/syscall.h>

/* The kernel's struct sched_attr, size SCHED_ATTR_SIZE_VER1 (glibc has no
 * wrapper, and <linux/sched/types.h> clashes with <sched.h>). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

int ns_sched_set(const struct ns_sched *s, struct error *err)
{
	struct sched_attr_v1 a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = s->policy;
	a.sched_flags = s->flags;
	a.sched_nice = s->nice;
	a.sched_priority = s->priority;
	a.sched_runtime = s->runtime;
	a.sched_deadline = s->deadline;
	a.sched_period = s->period;
	if (syscall(SYS_sched_setattr, 0, &a, 0U) < 0)
		return error_sys(err, "cannot set the scheduler (policy %u, priority %u, nice %d)",
				 s->policy, s->priority, s->nice);
	return 0;
}

int ns_ioprio_set(int class, int level, struct error *err)
{
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(class, level)) < 0)
		return error_sys(err, "cannot set the I/O priority (class %d, priority %d)", class,
				 level);
	return 0;
}
