/* Making a process inside namespaces: clone3() into a cgroup, opening and
 * entering namespace files, and entering a pid namespace "for children
 * only" around a clone.  These are the privileged steps runtime/spawn.c
 * puts in order for both `create` and `exec`. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

pid_t ns_clone(int flags, int cgroup_fd)
{
	struct clone_args args = {
	    .flags = (uint64_t)(unsigned)flags,
	    .exit_signal = SIGCHLD,
	};

	if (cgroup_fd >= 0) {
		/* Born inside its cgroup: the container never runs a single
		 * instruction outside its limits, and a `delete -f` that finds
		 * the cgroup finds every process of the container. */
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int ns_open_path(const char *path, int flag, struct error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return error_sys(err, "cannot open namespace '%s'", path);
	/* A config naming a net namespace as "pid", or a plain file, must
	 * fail here with a clear message, not join something else later. */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return error_sys(err, "'%s' is not a namespace", path);
	if (type != flag)
		return error_set(err, EINVAL, "'%s' is a %s namespace, not %s", path,
				 ns_name_from_flag(type) ? ns_name_from_flag(type) : "unknown",
				 ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "unknown");
	return steal_fd(&fd);
}

int ns_open_pid(pid_t pid, int flag, struct error *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_proc_name(flag));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open %s", path);
	return fd;
}

int ns_enter(int fd, int flag, struct error *err)
{
	if (setns(fd, flag) < 0)
		return error_sys(err, "cannot join the container's %s namespace",
				 ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "");
	return 0;
}

int ns_unshare(int flag, struct error *err)
{
	if (unshare(flag) < 0)
		return error_sys(err, "cannot create the %s namespace",
				 ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "");
	return 0;
}

int ns_pid_enter_for_children(int fd, int *restore_fd, struct error *err)
{
	_cleanup_close_ int saved = -1;

	*restore_fd = -1;
	saved = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return error_sys(err, "cannot open /proc/self/ns/pid_for_children");
	/* Changes only where our next children are born; we stay where we
	 * are, and switch back right after the clone. */
	if (setns(fd, CLONE_NEWPID) < 0)
		return error_sys(err, "cannot join the container's pid namespace");
	*restore_fd = steal_fd(&saved);
	return 0;
}

int ns_for_children_restore(int restore_fd, int flag, struct error *err)
{
	int r;

	if (restore_fd < 0)
		return 0;
	r = setns(restore_fd, flag);
	if (r < 0)
		error_sys(err, "cannot switch back to nook's own %s namespace",
			  ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "");
	/* Test-only: a switch back that fails, to prove the caller stops
	 * and cleans up instead of cloning more children into the
	 * container's namespace. */
	else if (fault_fail(flag == CLONE_NEWPID ? "ns-pid-restore" : "ns-time-restore")) {
		error_set(err, EPERM, "cannot switch back to nook's own %s namespace (injected)",
			  ns_name_from_flag(flag));
		r = -1;
	}
	close(restore_fd);
	return r;
}

int ns_dumpable_clear(struct error *err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return error_sys(err, "cannot make the process non-dumpable");
	return 0;
}

int ns_parent_death_signal(int sig, struct error *err)
{
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
		return error_sys(err, "cannot set the parent-death signal");
	return 0;
}

int ns_child_subreaper_set(struct error *err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return error_sys(err, "cannot become a child subreaper");
	return 0;
}
