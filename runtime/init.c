/* The container init: what the cloned child does, in order, from birth in
 * its new namespaces to the exec of the container's process.  Every step
 * that fails sends the error to the parent over the sync socket and exits;
 * the parent then tears everything down. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static int wait_for(struct rt_init *in, int type, pid_t *pid, struct error *err)
{
	struct rt_sync_msg m;

	if (rt_sync_recv(in->sync_fd, &m, err) < 0)
		return -1;
	if (m.type != type)
		return error_set(err, EPROTO, "unexpected message %d from the runtime", m.type);
	if (pid)
		*pid = m.pid;
	return 0;
}

static int join_namespaces(const struct rt_spec *spec, struct error *err)
{
	for (size_t o = 0; o < ns_join_order_len; o++) {
		for (size_t i = 0; i < spec->n_namespaces; i++) {
			const struct rt_namespace *ns = &spec->namespaces[i];

			/* pid and time only take effect for children: the parent
			 * joined those before clone(); user was joined first. */
			if (ns->flag != ns_join_order[o] || !ns->path || ns->flag == CLONE_NEWPID ||
			    ns->flag == CLONE_NEWTIME || ns->flag == CLONE_NEWUSER)
				continue;
			if (ns_join(ns->path, ns->flag, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int write_proc_self(const char *file, const char *value, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/%s", file);

	return file_write_at(AT_FDCWD, path, value, err);
}

static int apply_sysctls(const struct rt_spec *spec, struct error *err)
{
	for (size_t i = 0; i < spec->n_sysctl; i++) {
		_cleanup_free_ char *path = xasprintf("/proc/sys/%s", spec->sysctl[i].key);

		for (char *c = path + strlen("/proc/sys/"); *c; c++)
			if (*c == '.')
				*c = '/';
		if (file_write_at(AT_FDCWD, path, spec->sysctl[i].value, err) < 0)
			return error_prefix(err, "cannot set sysctl %s", spec->sysctl[i].key);
	}
	return 0;
}

static void rootfs_from_spec(const struct rt_spec *spec, struct ns_rootfs *r)
{
	memset(r, 0, sizeof(*r));
	r->rootfs = spec->root_path;
	r->readonly = spec->root_readonly;
	r->propagation = spec->rootfs_propagation;
	r->mounts = spec->mounts;
	r->n_mounts = spec->n_mounts;
	r->devices = spec->devices;
	r->n_devices = spec->n_devices;
	r->userns = rt_spec_namespace(spec, CLONE_NEWUSER) != NULL;
	r->masked_paths = spec->masked_paths;
	r->readonly_paths = spec->readonly_paths;
	r->console_fd = -1;
}

static int state_for_hook(struct rt_init *in, pid_t host_pid, char **out)
{
	struct rt_state st = {
		.id = (char *)in->id,
		.pid = host_pid,
		.bundle = (char *)in->bundle,
		.annotations = in->spec->annotations,
	};

	*out = rt_state_json(&st, RT_STATUS_CREATED, false);
	return 0;
}

static int init_steps(struct rt_init *in, struct error *err)
{
	const struct rt_spec *spec = in->spec;
	const struct rt_process *p = &spec->process;
	bool new_mntns = false, has_hooks;
	struct ns_rootfs r;
	pid_t host_pid = 0;
	_cleanup_free_ char *fifo = NULL, *exe = NULL;
	int fd;

	if (wait_for(in, RT_SYNC_GO, &host_pid, err) < 0)
		return -1;
	if (in->join_user_fd >= 0 && setns(in->join_user_fd, CLONE_NEWUSER) < 0)
		return error_sys(err, "cannot join the user namespace");
	if (rt_spec_namespace(spec, CLONE_NEWUSER)) {
		/* Become root of the new user namespace (uid 0 is mapped). */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return error_sys(err, "cannot become root in the user namespace (is 0 mapped?)");
	}
	if (join_namespaces(spec, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_namespaces; i++)
		if (spec->namespaces[i].flag == CLONE_NEWNS && !spec->namespaces[i].path)
			new_mntns = true;
	/* The cgroup namespace is made here, after clone3 put us into the
	 * container's cgroup, so its root is that cgroup. */
	if (rt_spec_namespace(spec, CLONE_NEWCGROUP) && !rt_spec_namespace(spec, CLONE_NEWCGROUP)->path &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return error_sys(err, "cannot create the cgroup namespace");
	if (!in->no_new_keyring) {
		/* A fresh session keyring so the container cannot reach the
		 * host's keys; kernels without keyrings are fine. */
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, in->id) < 0 && errno != ENOSYS)
			log_debug("cannot join a new session keyring: %s", strerror(errno));
	}
	if (p->has_oom_score_adj) {
		char v[16];

		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		if (write_proc_self("oom_score_adj", v, err) < 0)
			return -1;
	}
	if (spec->hostname && *spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return error_sys(err, "cannot set hostname");
	if (spec->domainname && *spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return error_sys(err, "cannot set domainname");

	rootfs_from_spec(spec, &r);
	r.no_pivot = in->no_pivot;
	r.cgroup_dir = in->cgroup_dir;
	if (new_mntns && ns_rootfs_mount(&r, err) < 0)
		return -1;
	has_hooks = spec->n_hooks[RT_HOOK_PRESTART] || spec->n_hooks[RT_HOOK_CREATE_RUNTIME];
	if (has_hooks) {
		if (rt_sync_send(in->sync_fd, RT_SYNC_HOOKS, 0, NULL) < 0)
			return error_sys(err, "cannot reach the runtime");
		if (wait_for(in, RT_SYNC_HOOKS_DONE, NULL, err) < 0)
			return -1;
	}
	if (spec->n_hooks[RT_HOOK_CREATE_CONTAINER]) {
		_cleanup_free_ char *state = NULL;

		state_for_hook(in, host_pid, &state);
		if (rt_hooks_run(spec, RT_HOOK_CREATE_CONTAINER, state, err) < 0)
			return -1;
	}
	if (new_mntns && ns_rootfs_pivot(&r, err) < 0)
		return -1;
	if (p->terminal && in->console_sock >= 0 && rt_console_setup(p, in->console_sock, true, err) < 0)
		return -1;
	/* Sysctls go in before readonlyPaths make /proc/sys read-only. */
	if (apply_sysctls(spec, err) < 0)
		return -1;
	if (new_mntns && ns_rootfs_finish(&r, err) < 0)
		return -1;
	if (spec->has_personality && personality(spec->personality) < 0)
		return error_sys(err, "cannot set personality");
	if (chdir(p->cwd) < 0)
		return error_sys(err, "cannot change to working directory '%s'", p->cwd);
	{
		/* The working directory must be inside the container's root: a
		 * cwd reached through a leaked fd (CVE-2024-21626) would be
		 * "(unreachable)" and getcwd() fails. */
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
			return error_set(err, EPERM, "working directory '%s' is outside the container root",
					 p->cwd);
	}
	exe = rt_process_lookup(p, err);
	if (!exe)
		return -1;

	/* Ready: the parent records "created" and exits; we wait until
	 * `start` opens the other end of exec.fifo. */
	if (rt_sync_created(in->sync_fd, err) < 0)
		return -1;
	fifo = xasprintf("/proc/self/fd/%d", in->fifo_fd);
	/* The runtime is gone from here on: failures go to our stderr. */
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open exec.fifo");
	if (write(fd, "0", 1) != 1)
		return error_sys(err, "cannot write exec.fifo");
	close(fd);
	close(in->fifo_fd);

	if (spec->n_hooks[RT_HOOK_START_CONTAINER]) {
		_cleanup_free_ char *state = NULL;

		state_for_hook(in, host_pid, &state);
		if (rt_hooks_run(spec, RT_HOOK_START_CONTAINER, state, err) < 0)
			return -1;
	}
	return rt_process_exec(p, in->seccomp, in->preserve_fds, in->sync_fd, err);
}

void rt_init_main(struct rt_init *in)
{
	struct error err = {0};
	sigset_t all;

	/* The parent blocked signals around clone(); the container process
	 * starts with the default mask and dispositions. */
	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	/* Until it execs, the init is nook's binary inside the container: a
	 * process exec'd into a created container must not be able to open
	 * /proc/1/exe (to overwrite nook, CVE-2019-5736) or /proc/1/fd. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	{
		/* Drop every fd inherited from the runtime (state dir, cgroup dir,
		 * ...) but what the init needs: none can then be reached through
		 * /proc/self/fd, e.g. as process.cwd (CVE-2024-21626). */
		int keep[1024 + 4];
		size_t n = 0;

		keep[n++] = in->sync_fd;
		keep[n++] = in->fifo_fd;
		keep[n++] = in->console_sock;
		keep[n++] = in->join_user_fd;
		for (int i = 0; i < in->preserve_fds && i < 1024; i++)
			keep[n++] = 3 + i;
		fds_close_except(3, keep, n);
	}
	if (init_steps(in, &err) < 0) {
		/* After CREATED the parent is gone; tell the user on stderr. */
		if (rt_sync_send(in->sync_fd, RT_SYNC_ERROR, 0, &err) < 0) {
			dprintf(2, "nook: %s\n", err.msg);
			_exit(127);
		}
		_exit(1);
	}
	_exit(1);
}
