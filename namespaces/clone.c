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
#include <sys/wait.h>

pid_t ns_clone(int flags, int cgroup_fd)
{
	struct clone_args args = {
	    .flags = (uint64_t)(unsigned)flags,
	    /* CLONE_PARENT: the caller's own exit signal (SIGCHLD), which
	     * clone3 wants left 0. */
	    .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
	};

	if (cgroup_fd >= 0) {
		/* Born inside its cgroup: the container never runs a single
		 * instruction outside its limits, and a `delete -f` that finds
		 * the cgroup finds every process of the container. */
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0)
		userns_forget(); /* perhaps a new one, and pid 1 as we were */
	return pid;
}

pid_t ns_clone_in_pidns(int pidns_fd, int flags, int cgroup_fd)
{
	int pfd[2], e;
	pid_t helper, pid = -1;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	helper = fork();
	if (helper < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	if (helper == 0) {
		/* The helper joins the pid namespace for its children and
		 * never goes back: switching back to nook's own would need
		 * CAP_SYS_ADMIN over the host's pid namespace, which a nook in
		 * a user namespace of its own (rootless) does not have.  Its
		 * child is made nook's (CLONE_PARENT), so nook waits for it as
		 * for any child; the helper itself exits at once. */
		close(pfd[0]);
		userns_forget();
		if (setns(pidns_fd, CLONE_NEWPID) < 0)
			pid = -1;
		else
			pid = ns_clone(flags | CLONE_PARENT, cgroup_fd);
		if (pid == 0) {
			close(pfd[1]);
			return 0;
		}
		e = pid < 0 ? errno : 0;
		if (write(pfd[1], &pid, sizeof(pid)) != sizeof(pid) ||
		    write(pfd[1], &e, sizeof(e)) != sizeof(e))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &pid, sizeof(pid)) != sizeof(pid) || read(pfd[0], &e, sizeof(e)) != sizeof(e)) {
		pid = -1;
		e = EIO;
	}
	close(pfd[0]);
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		errno = e;
	return pid;
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
	userns_forget();
	return 0;
}

int ns_unshare(int flag, struct error *err)
{
	if (unshare(flag) < 0)
		return error_sys(err, "cannot create the %s namespace",
				 ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "");
	userns_forget();
	return 0;
}

/* setns(fd, flag), *restore_fd getting what /proc/self/ns/<ours> was. */
static int enter_saving(const char *ours, int fd, int flag, int *restore_fd, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/ns/%s", ours);
	_cleanup_close_ int saved = -1;

	*restore_fd = -1;
	saved = open(path, O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return error_sys(err, "cannot open %s", path);
	if (setns(fd, flag) < 0)
		return error_sys(err, "cannot join the container's %s namespace",
				 ns_name_from_flag(flag));
	userns_forget();
	*restore_fd = steal_fd(&saved);
	return 0;
}

int ns_pid_enter_for_children(int fd, int *restore_fd, struct error *err)
{
	/* Changes only where our next children are born; we stay where we
	 * are, and switch back right after the clone. */
	return enter_saving("pid_for_children", fd, CLONE_NEWPID, restore_fd, err);
}

int ns_net_enter_for_clone(int fd, int *restore_fd, struct error *err)
{
	return enter_saving("net", fd, CLONE_NEWNET, restore_fd, err);
}

int ns_for_children_restore(int restore_fd, int flag, struct error *err)
{
	int r;

	if (restore_fd < 0)
		return 0;
	r = setns(restore_fd, flag);
	userns_forget();
	if (r < 0)
		error_sys(err, "cannot switch back to nook's own %s namespace",
			  ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "");
	/* Test-only: a switch back that fails, to prove the caller stops
	 * and cleans up instead of cloning more children into the
	 * container's namespace. */
	else if (fault_fail(flag == CLONE_NEWPID   ? "ns-pid-restore"
			    : flag == CLONE_NEWNET ? "ns-net-restore"
						   : "ns-time-restore")) {
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
