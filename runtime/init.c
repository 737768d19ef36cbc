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

/* Every /proc write of the init goes through procfd, nook's own procfs
 * (ns_procfs_open): the config's mounts can cover the container's /proc,
 * never that one. */
static int apply_sysctls(const struct rt_spec *spec, int procfd, struct error *err)
{
	for (size_t i = 0; i < spec->n_sysctl; i++)
		if (ns_sysctl_write(procfd, spec->sysctl[i].key, spec->sysctl[i].value, err) < 0)
			return -1;
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
	/* Also when nook itself runs in a user namespace (rootless): no mknod. */
	r->userns = rt_spec_namespace(spec, CLONE_NEWUSER) != NULL || userns_nested();
	r->masked_paths = spec->masked_paths;
	r->readonly_paths = spec->readonly_paths;
	r->console_fd = -1;
}

/* The hierarchies a "cgroup" mount shows on a host with cgroup v1. */
struct init_views {
	struct cg_view *cg;
	struct ns_cgroup_view *ns;
	size_t n;
};

static void init_views_release(struct init_views *v)
{
	cg_views_free(v->cg, v->n);
	free(v->ns);
}

/* A "cgroup" mount on a host with cgroup v1 shows the init's own group
 * of each hierarchy (runc's layout).  Read now, once clone3 and the
 * runtime have put it into its groups and before a cgroup namespace of
 * its own hides the host's paths.  None when no such mount is asked for
 * or the host is pure v2. */
static int cgroup_views_for(const struct rt_spec *spec, struct init_views *v, struct error *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (!spec->mounts[i].type || strcmp(spec->mounts[i].type, "cgroup") != 0)
			continue;
		if (cg_views_find(&v->cg, &v->n, err) < 0)
			return -1;
		v->ns = xzalloc((v->n + 1) * sizeof(*v->ns));
		for (size_t j = 0; j < v->n; j++)
			v->ns[j] = (struct ns_cgroup_view){.name = v->cg[j].name,
							   .options = v->cg[j].options,
							   .own_dir = v->cg[j].own_dir};
		return 0;
	}
	return 0;
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

/* The working directory, made inside the root when missing (as runc
 * does), before a read-only root would forbid it.  It is made through
 * open_in_root, so a symlink in the image cannot place it outside; the
 * chdir is by path either way and checked by the caller (getcwd). */
static int enter_cwd(const char *cwd, bool in_new_root, struct error *err)
{
	_cleanup_close_ int rootfd = -1, fd = -1;

	if (chdir(cwd) == 0)
		return 0;
	if (errno != ENOENT || !in_new_root)
		return error_sys(err, "cannot change to working directory '%s'", cwd);
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_sys(err, "cannot open /");
	fd = open_in_root(rootfd, cwd, O_PATH | O_DIRECTORY, ROOT_CREATE_DIR, err);
	if (fd < 0)
		return error_prefix(err, "working directory '%s'", cwd);
	/* Closed first: a cwd naming /proc/self/fd/N must not find them. */
	close(steal_fd(&fd));
	close(steal_fd(&rootfd));
	if (chdir(cwd) < 0)
		return error_sys(err, "cannot change to working directory '%s'", cwd);
	return 0;
}

static bool new_namespace(const struct rt_spec *spec, int flag)
{
	const struct rt_namespace *ns = rt_spec_namespace(spec, flag);

	return ns && !ns->path;
}

/* Everything up to "created": every step that can fail is here, so that
 * `create` reports it.  On success the process's identity, limits and
 * seccomp filter are in place and x holds what execve needs. */
static int init_setup(struct rt_init *in, pid_t *host_pid, int *procfd, struct rt_exec *x,
		      struct error *err)
{
	const struct rt_spec *spec = in->spec;
	const struct rt_process *p = &spec->process;
	/* New or joined: the root is mounted and pivoted into either way. */
	bool mntns = rt_spec_namespace(spec, CLONE_NEWNS) != NULL, has_hooks;
	_cleanup_(init_views_release) struct init_views views = {0};
	struct ns_rootfs r;

	if (wait_for(in, RT_SYNC_GO, host_pid, err) < 0)
		return -1;
	/* Rootless: newuidmap (setuid, checking /proc/PID is the user's)
	 * has mapped us; nothing of the container has run yet (runc does
	 * the same). */
	if (in->rootless_maps && ns_dumpable_clear(err) < 0)
		return -1;
	if (in->join_user_fd >= 0 && ns_enter(in->join_user_fd, CLONE_NEWUSER, err) < 0)
		return -1;
	if (rt_spec_namespace(spec, CLONE_NEWUSER)) {
		/* Become root of the new user namespace (uid 0 is mapped). */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return error_sys(err,
					 "cannot become root in the user namespace (is 0 mapped?)");
	}
	if (join_namespaces(spec, err) < 0)
		return -1;
	if (mntns && cgroup_views_for(spec, &views, err) < 0)
		return -1;
	/* The cgroup namespace is made here, after clone3 put us into the
	 * container's cgroup, so its root is that cgroup. */
	if (new_namespace(spec, CLONE_NEWCGROUP) && ns_unshare(CLONE_NEWCGROUP, err) < 0)
		return -1;
	if (!in->no_new_keyring) {
		/* A fresh session keyring so the container cannot reach the
		 * host's keys; kernels without keyrings are fine. */
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, in->id) < 0 && errno != ENOSYS)
			log_debug("cannot join a new session keyring: %s", strerror(errno));
	}
	if (new_namespace(spec, CLONE_NEWNET) && ns_loopback_up(err) < 0)
		return -1;
	/* Opened before any config mount exists (see apply_sysctls). */
	*procfd = ns_procfs_open(err);
	if (*procfd < 0)
		return -1;
	if (spec->hostname && *spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return error_sys(err, "cannot set hostname");
	if (spec->domainname && *spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return error_sys(err, "cannot set domainname");

	rootfs_from_spec(spec, &r);
	r.no_pivot = in->no_pivot;
	r.cgroup_dir = in->cgroup_dir;
	r.cgroup_views = views.ns;
	r.n_cgroup_views = views.n;
	r.cgroupns = rt_spec_namespace(spec, CLONE_NEWCGROUP) != NULL;
	r.no_mntns = !mntns;
	if (mntns && ns_rootfs_mount(&r, err) < 0)
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

		state_for_hook(in, *host_pid, &state);
		if (rt_hooks_run(spec, RT_HOOK_CREATE_CONTAINER, state, err) < 0)
			return -1;
	}
	if (ns_rootfs_pivot(&r, err) < 0)
		return -1;
	if (p->terminal && in->console_sock >= 0 &&
	    rt_console_setup(p, in->console_sock, mntns, err) < 0)
		return -1;
	/* After the hooks, as runc: a prestart hook may create the interface
	 * a net.* sysctl names.  The config's mounts are in place by now and
	 * may cover /proc/sys: procfd, opened before them, is not covered. */
	if (apply_sysctls(spec, *procfd, err) < 0)
		return -1;
	if (enter_cwd(p->cwd, mntns, err) < 0)
		return -1;
	if (mntns && ns_rootfs_finish(&r, err) < 0)
		return -1;
	if (spec->has_personality && personality(spec->personality) < 0)
		return error_sys(err, "cannot set personality");
	{
		/* The working directory must be inside the container's root: a
		 * cwd reached through a leaked fd (CVE-2024-21626) would be
		 * "(unreachable)" and getcwd() fails. */
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
			return error_set(err, EPERM,
					 "working directory '%s' is outside the container root",
					 p->cwd);
	}
	/* exec.fifo (mode 0600) is opened for writing after the switch to
	 * the process's user: give it to that user, as only it and the
	 * runtime's root need to reach it. */
	if ((p->uid != 0 || p->gid != 0) &&
	    fchownat(in->fifo_fd, "", p->uid, p->gid, AT_EMPTY_PATH) < 0)
		return error_sys(err, "cannot give exec.fifo to uid %u", (unsigned)p->uid);
	return rt_process_prepare(p, in->seccomp, in->preserve_fds, in->sync_fd, x, err);
}

/* After "created": wait for `start`, then exec.  The exec.fifo write end
 * stays open (close-on-exec) until execve: `start` reads our '0', then
 * EOF when the exec succeeded, or the error text when it failed.  The
 * seccomp filter is in force here, so this does as little as it can:
 * open and write the fifo, run startContainer hooks if any, execve. */
static int init_start(struct rt_init *in, pid_t host_pid, int procfd, struct rt_exec *x,
		      int *fifo_w, struct error *err)
{
	const struct rt_spec *spec = in->spec;
	char path[64];

	/* Through nook's own procfs (no /proc needed in the root, no config
	 * mount in the way), with one openat: the filter may be in force. */
	snprintf(path, sizeof(path), "self/fd/%d", in->fifo_fd);
	*fifo_w = openat(procfd, path, O_WRONLY | O_CLOEXEC);
	if (*fifo_w < 0)
		return error_sys(err, "cannot open exec.fifo");
	if (write(*fifo_w, "0", 1) != 1)
		return error_sys(err, "cannot write exec.fifo");
	close(in->fifo_fd);
	in->fifo_fd = -1;
	if (rt_init_stays(spec))
		rt_init_retitle(procfd, &spec->process);
	/* The no_new_privs filter last: under it only the hooks below, the
	 * report of a failure on the fifo and execve. */
	if (rt_process_seccomp_late(x, err) < 0)
		return -1;
	if (spec->n_hooks[RT_HOOK_START_CONTAINER]) {
		_cleanup_free_ char *state = NULL;

		state_for_hook(in, host_pid, &state);
		if (rt_hooks_run(spec, RT_HOOK_START_CONTAINER, state, err) < 0)
			return -1;
	}
	if (rt_init_stays(spec))
		return rt_init_fork_exec(x, &spec->process, in->sync_fd, fifo_w, err);
	return rt_process_execve(x, &spec->process, err);
}

/* Prepared by the runtime's setup: signals back to defaults, no parent
 * death signal, not dumpable, none of the runtime's fds. */
static int init_enter(struct rt_init *in, struct error *err)
{
	int keep[1024 + 4];
	size_t n = 0;
	sigset_t all;

	/* The parent blocked signals around clone(); the container process
	 * starts with the default mask and dispositions. */
	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	if (sigprocmask(SIG_UNBLOCK, &all, NULL) < 0)
		return error_sys(err, "cannot unblock signals");
	/* Until it execs, the init is nook's binary inside the container: a
	 * process exec'd into a created container must not be able to open
	 * /proc/1/exe (to overwrite nook, CVE-2019-5736) or /proc/1/fd.  A
	 * failure here is a failure of the container, never ignored. */
	if (!in->rootless_maps && ns_dumpable_clear(err) < 0)
		return -1;
	/* Drop every fd inherited from the runtime (state dir, cgroup dir,
	 * ...) but what the init needs: none can then be reached through
	 * /proc/self/fd, e.g. as process.cwd (CVE-2024-21626). */
	keep[n++] = in->sync_fd;
	keep[n++] = in->fifo_fd;
	keep[n++] = in->console_sock;
	keep[n++] = in->join_user_fd;
	for (int i = 0; i < in->preserve_fds && i < 1024; i++)
		keep[n++] = 3 + i;
	if (fds_close_except(3, keep, n) < 0)
		return error_sys(err, "cannot close the runtime's file descriptors");
	return 0;
}

void rt_init_main(struct rt_init *in)
{
	struct error err = {0};
	struct rt_exec x = {0};
	pid_t host_pid = 0;
	int fifo_w = -1, procfd = -1;

	if (init_enter(in, &err) < 0 || init_setup(in, &host_pid, &procfd, &x, &err) < 0) {
		if (rt_sync_send(in->sync_fd, RT_SYNC_ERROR, 0, &err) < 0)
			dprintf(2, "nook: %s\n", err.msg);
		_exit(1);
	}
	/* Ready: the parent records "created", answers, and exits; a parent
	 * killed before it recorded us leaves nothing to wait for. */
	if (rt_sync_created(in->sync_fd, &err) < 0)
		_exit(1);
	init_start(in, host_pid, procfd, &x, &fifo_w, &err);
	/* `start` is reading the fifo: it prints this.  Without the fifo
	 * (it could not be opened) only our stderr is left. */
	if (fifo_w < 0 || write_all(fifo_w, err.msg, strlen(err.msg)) < 0)
		dprintf(2, "nook: %s\n", err.msg);
	_exit(127);
}
