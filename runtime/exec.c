/* `exec`: a new process in a running container — its namespaces, its
 * cgroup, its seccomp filter, and the process settings of config.json
 * unless overridden. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

struct exec_ns {
	int flag;
	int fd;
};

/* "KEY=V": replace an existing KEY in env or append. */
static void env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; *env && (*env)[i]; i++) {
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(env, kv);
}

static int parse_user(const char *s, struct rt_process *p, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	uint64_t v;

	if (colon)
		*colon = '\0';
	if (parse_uint64(copy, &v) < 0 || v > UINT32_MAX - 1)
		return error_set(err, EINVAL, "--user: \"%s\" is not UID[:GID]", s);
	p->uid = (uid_t)v;
	if (colon) {
		if (parse_uint64(colon + 1, &v) < 0 || v > UINT32_MAX - 1)
			return error_set(err, EINVAL, "--user: \"%s\" is not UID[:GID]", s);
		p->gid = (gid_t)v;
	}
	return 0;
}

/* The process to run: process.json, or config.json's process with the
 * command line's overrides. */
static int exec_process(const struct rt_spec *spec, const struct rt_exec_opts *o,
			struct rt_process *p, struct error *err)
{
	const struct rt_process *base = &spec->process;

	memset(p, 0, sizeof(*p));
	if (o->process_file) {
		_cleanup_free_ char *text = NULL;
		json_object *doc;
		int r;

		if (file_read_at(AT_FDCWD, o->process_file, 0, &text, NULL, err) < 0)
			return error_prefix(err, "--process");
		doc = json_tokener_parse(text);
		if (!doc)
			return error_set(err, EINVAL, "%s: invalid JSON", o->process_file);
		r = rt_process_parse(p, doc, "process.json", err);
		json_object_put(doc);
		return r;
	}
	if (!o->args || !o->args[0])
		return error_set(err, EINVAL, "exec needs a command or --process");
	*p = *base;
	p->args = strv_dup(o->args);
	p->env = strv_dup(base->env);
	p->cwd = xstrdup(o->cwd ? o->cwd : base->cwd);
	p->terminal = o->tty;
	p->rlimits = NULL;
	p->n_rlimits = 0;
	p->additional_gids = NULL;
	p->n_additional_gids = 0;
	if (base->n_additional_gids) {
		p->additional_gids = xmalloc(base->n_additional_gids * sizeof(gid_t));
		memcpy(p->additional_gids, base->additional_gids, base->n_additional_gids * sizeof(gid_t));
		p->n_additional_gids = base->n_additional_gids;
	}
	for (size_t i = 0; o->env && o->env[i]; i++)
		env_set(&p->env, o->env[i]);
	if (o->user && parse_user(o->user, p, err) < 0)
		return -1;
	if (o->no_new_privs)
		p->no_new_privileges = true;
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = rt_cap_from_name(o->caps[i]);

		if (cap < 0)
			return error_set(err, EINVAL, "--cap: unknown capability \"%s\"", o->caps[i]);
		/* Bounding, effective and permitted only, as runc and crun: in
		 * the inheritable and ambient sets it would survive the exec of
		 * a non-root user's program, and with a file's inheritable
		 * capabilities come back (CVE-2022-29162). */
		p->has_caps = true;
		p->caps[RT_CAP_BOUNDING] |= 1ULL << cap;
		p->caps[RT_CAP_EFFECTIVE] |= 1ULL << cap;
		p->caps[RT_CAP_PERMITTED] |= 1ULL << cap;
	}
	return 0;
}

/* The container's namespaces, in the order they are joined. */
static int open_namespaces(const struct rt_spec *spec, pid_t pid, struct exec_ns *out,
			   size_t *n, struct error *err)
{
	*n = 0;
	for (size_t o = 0; o < ns_join_order_len; o++) {
		int flag = ns_join_order[o], fd;

		if (!rt_spec_namespace(spec, flag))
			continue;
		fd = ns_open_pid(pid, flag, err);
		if (fd < 0)
			return -1;
		out[*n].flag = flag;
		out[(*n)++].fd = fd;
	}
	/* Without a mount namespace the container is only chrooted into its
	 * root (ns_rootfs_pivot): so is the process exec'd into it, or it
	 * would run in the host's root.  Flag 0 marks that fd, joined last. */
	if (!rt_spec_namespace(spec, CLONE_NEWNS)) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return error_sys(err, "cannot open %s", path);
		out[*n].flag = 0;
		out[(*n)++].fd = fd;
	}
	return 0;
}

struct exec_child {
	const struct rt_process *p;
	const struct rt_seccomp *seccomp;
	const struct exec_ns *ns;
	size_t n_ns;
	int sync_fd;
	int console_sock;
	int preserve_fds;
	const struct cg_group *cg; /* NULL, or the container's groups */
};

static int exec_child_steps(struct exec_child *c, struct error *err)
{
	char cwd[4096];

	/* User first (it grants the right to join the rest), mount last (it
	 * moves our root and cwd into the container). */
	for (size_t i = 0; i < c->n_ns; i++) {
		if (c->ns[i].flag == CLONE_NEWPID)
			continue; /* born in it: the parent entered it for us */
		if (c->ns[i].flag == 0) {
			/* No mount namespace: chrooted like the init. */
			if (ns_chroot_fd(c->ns[i].fd, err) < 0)
				return -1;
			continue;
		}
		if (ns_enter(c->ns[i].fd, c->ns[i].flag, err) < 0)
			return -1;
		if (c->ns[i].flag == CLONE_NEWUSER && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			return error_sys(err, "cannot become root in the container's user namespace");
	}
	for (size_t i = 0; i < c->n_ns; i++)
		close(c->ns[i].fd);
	if (c->p->terminal && c->console_sock >= 0 &&
	    rt_console_setup(c->p, c->console_sock, false, err) < 0)
		return -1;
	if (chdir(c->p->cwd) < 0)
		return error_sys(err, "cannot change to working directory '%s'", c->p->cwd);
	/* As for the init: a cwd outside the container's root is refused. */
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return error_set(err, EPERM, "working directory '%s' is outside the container root",
				 c->p->cwd);
	return rt_process_exec(c->p, c->seccomp, c->preserve_fds, c->sync_fd, err);
}

static void exec_child_main(void *arg)
{
	struct exec_child *c = arg;
	struct error err = {0};
	sigset_t all;

	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	/* The v1 groups (CLONE_INTO_CGROUP reaches only v2): joined first,
	 * before the fds that reach them are closed. */
	if (c->cg && cg_group_enter(c->cg, 0, &err) < 0) {
		rt_sync_send(c->sync_fd, RT_SYNC_ERROR, 0, &err);
		_exit(127);
	}
	{
		/* Only what this child needs survives; the state dir and cgroup
		 * fds of the runtime must not be reachable from the container. */
		int keep[1024 + 20];
		size_t n = 0;

		keep[n++] = c->sync_fd;
		keep[n++] = c->console_sock;
		for (size_t i = 0; i < c->n_ns; i++)
			keep[n++] = c->ns[i].fd;
		for (int i = 0; i < c->preserve_fds && i < 1024; i++)
			keep[n++] = 3 + i;
		fds_close_except(3, keep, n);
	}
	exec_child_steps(c, &err);
	rt_sync_send(c->sync_fd, RT_SYNC_ERROR, 0, &err);
	_exit(127);
}

/* Wait for the exec: the sync socket is close-on-exec, so EOF means the
 * container's program runs; an ERROR message says why it does not. */
static int wait_exec(int sync_fd, pid_t pid, struct error *err)
{
	struct rt_sync_msg m;
	ssize_t n;

	do
		n = recv(sync_fd, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(m) && m.type == RT_SYNC_ERROR) {
		*err = m.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		return -1;
	}
	if (n < 0)
		return error_sys(err, "cannot read from the process (pid %d)", (int)pid);
	return 0;
}

struct exec_ctx {
	struct rt_spec spec;
	struct rt_state st;
	struct rt_process proc;
	struct rt_seccomp sc;
	struct cg_group g;
	int has_cg;
	struct exec_ns ns[16];
	size_t n_ns;
};

/* Everything the exec needs from the container, before any process. */
static int exec_prepare(const struct rt_context *ctx, const char *id, const struct rt_exec_opts *o,
			struct exec_ctx *x, struct error *err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *text = NULL;
	enum rt_status s;

	dirfd = rt_state_dir_open(ctx, id, err);
	if (dirfd < 0 || rt_state_read(dirfd, id, &x->st, err) < 0)
		return -1;
	s = rt_state_status(dirfd, &x->st);
	if (s != RT_STATUS_RUNNING && s != RT_STATUS_CREATED)
		return error_set(err, EINVAL, "cannot exec in a %s container", rt_status_name(s));
	if (file_read_at(dirfd, "config.json", 0, &text, NULL, err) < 0 ||
	    rt_spec_parse(&x->spec, text, x->st.bundle ? x->st.bundle : "/", err) < 0)
		return -1;
	if (exec_process(&x->spec, o, &x->proc, err) < 0)
		return -1;
	if (x->proc.terminal && !o->console_socket && o->detach)
		return error_set(err, EINVAL,
				 "cannot allocate a pseudo-TTY without --console-socket when detached");
	if (x->spec.seccomp && rt_seccomp_prepare(ctx->root, x->spec.seccomp, &x->sc, err) < 0)
		return -1;
	if (open_namespaces(&x->spec, x->st.pid, x->ns, &x->n_ns, err) < 0)
		return -1;
	/* The init may have died while we opened its namespaces. */
	if (!rt_state_alive(&x->st))
		return error_set(err, ESRCH, "container \"%s\" stopped", id);
	x->has_cg = rt_state_cgroup(&x->st, &x->g, err);
	return x->has_cg < 0 ? -1 : 0;
}

static void exec_ctx_release(struct exec_ctx *x, const struct rt_exec_opts *o)
{
	for (size_t i = 0; i < x->n_ns; i++)
		close(x->ns[i].fd);
	if (x->has_cg > 0)
		cg_group_release(&x->g);
	rt_seccomp_release(&x->sc);
	if (o->process_file) {
		rt_process_release(&x->proc);
	} else {
		strv_free(x->proc.args);
		strv_free(x->proc.env);
		free(x->proc.cwd);
		free(x->proc.additional_gids);
	}
	rt_spec_release(&x->spec);
	rt_state_release(&x->st);
}

/* Detached by its keys, the process runs on, but its terminal must stay
 * open: with the master closed it would read EIO and get SIGHUP.  A child
 * of ours keeps the master, in its own session with nothing else of ours
 * open (not our caller's stdio either: a reader of our output sees its
 * end), drops what the process writes, and exits once the last holder of
 * the terminal closes it. */
static int pty_keeper(int master, struct error *err)
{
	sigset_t none;
	int null;
	pid_t pid = fork();

	if (pid < 0)
		return error_sys(err, "cannot fork a keeper for the terminal");
	if (pid > 0)
		return 0;
	sigemptyset(&none);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* stdio first: null may be fd 3. */
	/* Still in our caller's foreground process group until setsid: when
	 * our caller exits first, its terminal's SIGHUP is pending here (all
	 * signals are blocked); ignoring it discards it. */
	signal(SIGHUP, SIG_IGN);
	if (null < 0 || setsid() < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0 || (master == 3 ? fcntl(3, F_SETFD, 0) : dup3(master, 3, 0)) < 0 ||
	    syscall(SYS_close_range, 4U, ~0U, 0U) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(1);
	for (;;) {
		char buf[4096];
		ssize_t n = read(3, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
	}
}

int rt_container_exec(const struct rt_context *ctx, const char *id, const struct rt_exec_opts *o,
		      int *status, struct error *err)
{
	struct exec_ctx x = {.g = {.dirfd = -1}};
	_cleanup_close_ int master = -1, sfd = -1;
	struct exec_child child;
	struct rt_spawn sp;
	sigset_t all;
	int r = -1;

	*status = 0;
	rt_spawn_init(&sp);
	if (rt_preserved_fds_check(o->preserve_fds, err) < 0)
		return -1;
	if (exec_prepare(ctx, id, o, &x, err) < 0)
		goto out;
	if (rt_spawn_open(&sp, x.proc.terminal, o->console_socket, err) < 0)
		goto out;
	/* Non-dumpable before anything of ours enters the container: a
	 * process in it then cannot open /proc/PID/exe, /proc/PID/mem or the
	 * fds of the process we fork into its pid namespace (the runc
	 * CVE-2019-5736 overwrite).  execve() of the container's program
	 * makes it dumpable again. */
	if (ns_dumpable_clear(err) < 0)
		goto out;
	for (size_t i = 0; i < x.n_ns; i++)
		if (x.ns[i].flag == CLONE_NEWPID)
			sp.pid_ns_fd = x.ns[i].fd;
	sp.cgroup_fd = x.has_cg > 0 ? x.g.dirfd : -1;
	sp.keep_blocked = true;
	child = (struct exec_child){.p = &x.proc,
				    .seccomp = x.spec.seccomp ? &x.sc : NULL,
				    .ns = x.ns,
				    .n_ns = x.n_ns,
				    .sync_fd = sp.child_sync_fd,
				    .console_sock = sp.console_sock,
				    .preserve_fds = o->preserve_fds,
				    .cg = x.has_cg > 0 ? &x.g : NULL};
	if (rt_spawn_clone(&sp, exec_child_main, &child, err) < 0)
		goto out;
	/* From here a failure must not leave the process running in the
	 * container: every error path below kills and reaps it. */
	if (wait_exec(sp.sync_fd, sp.pid, err) < 0 || rt_spawn_console(&sp, &master, err) < 0 ||
	    (o->pid_file && rt_pid_file_write(o->pid_file, sp.pid, err) < 0))
		goto out_kill;
	if (o->detach) {
		r = 0;
		goto out_mask;
	}
	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0) {
		error_sys(err, "signalfd");
		goto out_kill;
	}
	if (master >= 0)
		rt_resize_pty(master);
	switch (rt_supervise_keys(sp.pid, master, sfd, o->detach_keys, status)) {
	case -1:
		error_sys(err, "waiting for the process");
		goto out_kill;
	case 1:
		*status = 0;
		if (pty_keeper(master, err) < 0)
			goto out_kill;
		break;
	}
	sp.pid = 0;
	r = 0;
	goto out_mask;
out_kill:
	rt_spawn_kill(&sp);
out_mask:
	sigprocmask(SIG_SETMASK, &sp.saved_mask, NULL);
out:
	rt_spawn_release(&sp);
	exec_ctx_release(&x, o);
	return r;
}
