/* `exec`: a new process in a running container — its namespaces, its
 * cgroup, its seccomp filter, and the process settings of config.json
 * unless overridden. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

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
		p->has_caps = true;
		for (int s = 0; s < RT_CAP__COUNT; s++)
			p->caps[s] |= 1ULL << cap;
	}
	return 0;
}

static int open_namespaces(const struct rt_spec *spec, pid_t pid, struct exec_ns *out,
			   size_t *n, struct error *err)
{
	*n = 0;
	for (size_t o = 0; o < ns_join_order_len; o++) {
		int flag = ns_join_order[o];
		char path[64];
		int fd;

		if (!rt_spec_namespace(spec, flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_proc_name(flag));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return error_sys(err, "cannot open %s", path);
		out[*n].flag = flag;
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

__attribute__((noreturn)) static void exec_child_main(struct exec_child *c)
{
	struct error err = {0};
	char cwd[4096];
	sigset_t all;

	sigfillset(&all);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	/* The v1 groups (CLONE_INTO_CGROUP reaches only v2): joined first,
	 * before the fds that reach them are closed. */
	if (c->cg && cg_group_enter(c->cg, 0, &err) < 0)
		goto fail;
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
	/* User first (it grants the right to join the rest), mount last (it
	 * moves our root and cwd into the container). */
	for (size_t i = 0; i < c->n_ns; i++) {
		if (c->ns[i].flag == CLONE_NEWPID)
			continue; /* the parent joined it for us before clone */
		if (setns(c->ns[i].fd, c->ns[i].flag) < 0) {
			error_sys(&err, "cannot join the container's %s namespace",
				  ns_name_from_flag(c->ns[i].flag));
			goto fail;
		}
		if (c->ns[i].flag == CLONE_NEWUSER && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
			error_sys(&err, "cannot become root in the container's user namespace");
			goto fail;
		}
	}
	for (size_t i = 0; i < c->n_ns; i++)
		close(c->ns[i].fd);
	if (c->p->terminal && c->console_sock >= 0 &&
	    rt_console_setup(c->p, c->console_sock, false, &err) < 0)
		goto fail;
	if (chdir(c->p->cwd) < 0) {
		error_sys(&err, "cannot change to working directory '%s'", c->p->cwd);
		goto fail;
	}
	/* As for the init: a cwd outside the container's root is refused. */
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/') {
		error_set(&err, EPERM, "working directory '%s' is outside the container root",
			  c->p->cwd);
		goto fail;
	}
	rt_process_exec(c->p, c->seccomp, c->preserve_fds, c->sync_fd, &err);
fail:
	rt_sync_send(c->sync_fd, RT_SYNC_ERROR, 0, &err);
	_exit(127);
}

int rt_container_exec(const struct rt_context *ctx, const char *id, const struct rt_exec_opts *o,
		      int *status, struct error *err)
{
	struct rt_spec spec = {0};
	struct rt_state st = {0};
	struct rt_process proc = {0};
	struct rt_seccomp sc = {0};
	struct cg_group g = {.dirfd = -1};
	struct exec_ns ns[16];
	size_t n_ns = 0;
	_cleanup_close_ int dirfd = -1, self_pid = -1, console_sock = -1, console_peer = -1,
			    master = -1, sfd = -1;
	_cleanup_free_ char *text = NULL;
	struct exec_child child;
	struct rt_sync_msg m;
	sigset_t all, old;
	int sv[2] = {-1, -1}, has_cg = 0, r = -1;
	enum rt_status s;
	pid_t pid = -1;
	ssize_t n;

	*status = 0;
	dirfd = rt_state_dir_open(ctx, id, err);
	if (dirfd < 0 || rt_state_read(dirfd, id, &st, err) < 0)
		return -1;
	s = rt_state_status(dirfd, &st);
	if (s != RT_STATUS_RUNNING && s != RT_STATUS_CREATED) {
		error_set(err, EINVAL, "cannot exec in a %s container", rt_status_name(s));
		goto out;
	}
	if (file_read_at(dirfd, "config.json", 0, &text, NULL, err) < 0 ||
	    rt_spec_parse(&spec, text, st.bundle ? st.bundle : "/", err) < 0)
		goto out;
	if (exec_process(&spec, o, &proc, err) < 0)
		goto out;
	if (proc.terminal && !o->console_socket && o->detach) {
		error_set(err, EINVAL, "cannot allocate a pseudo-TTY without --console-socket when detached");
		goto out;
	}
	if (spec.seccomp && rt_seccomp_compile(spec.seccomp, &sc, err) < 0)
		goto out;
	if (open_namespaces(&spec, st.pid, ns, &n_ns, err) < 0)
		goto out;
	/* The init may have died while we opened its namespaces. */
	if (!rt_state_alive(&st)) {
		error_set(err, ESRCH, "container \"%s\" stopped", id);
		goto out;
	}
	has_cg = rt_state_cgroup(&st, &g, err);
	if (has_cg < 0)
		goto out;
	if (o->console_socket) {
		console_sock = unix_connect(o->console_socket, err);
		if (console_sock < 0)
			goto out;
	} else if (proc.terminal) {
		int cs[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cs) < 0) {
			error_sys(err, "socketpair");
			goto out;
		}
		console_sock = cs[0];
		console_peer = cs[1];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		error_sys(err, "socketpair");
		goto out;
	}
	/* Non-dumpable before anything of ours enters the container: a
	 * process in it then cannot open /proc/PID/exe, /proc/PID/mem or the
	 * fds of the process we fork into its pid namespace (the runc
	 * CVE-2019-5736 overwrite).  execve() of the container's program
	 * makes it dumpable again. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (size_t i = 0; i < n_ns; i++) {
		if (ns[i].flag != CLONE_NEWPID)
			continue;
		self_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self_pid < 0 || setns(ns[i].fd, CLONE_NEWPID) < 0) {
			error_sys(err, "cannot join the container's pid namespace");
			goto out;
		}
	}
	child = (struct exec_child){.p = &proc,
				    .seccomp = spec.seccomp ? &sc : NULL,
				    .ns = ns,
				    .n_ns = n_ns,
				    .sync_fd = sv[1],
				    .console_sock = console_sock,
				    .preserve_fds = o->preserve_fds,
				    .cg = has_cg > 0 ? &g : NULL};
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	{
		struct clone_args args = {.exit_signal = SIGCHLD};

		if (has_cg > 0 && g.dirfd >= 0) {
			args.flags = CLONE_INTO_CGROUP;
			args.cgroup = (uint64_t)g.dirfd;
		}
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid == 0) {
		close(sv[0]);
		exec_child_main(&child);
	}
	if (self_pid >= 0)
		setns(self_pid, CLONE_NEWPID);
	close(sv[1]);
	sv[1] = -1;
	if (pid < 0) {
		error_sys(err, "cannot create the process");
		goto out_mask;
	}
	/* The sync socket is close-on-exec: EOF means the exec happened. */
	do
		n = recv(sv[0], &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(m) && m.type == RT_SYNC_ERROR) {
		*err = m.err;
		waitpid(pid, NULL, 0);
		goto out_mask;
	}
	if (console_peer >= 0) {
		master = fd_recv(console_peer, err);
		if (master < 0)
			goto out_mask;
	}
	if (o->pid_file) {
		if (rt_pid_file_write(o->pid_file, pid, err) < 0)
			goto out_mask;
	}
	if (o->detach) {
		r = 0;
		goto out_mask;
	}
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0) {
		error_sys(err, "signalfd");
		goto out_mask;
	}
	if (master >= 0)
		rt_resize_pty(master);
	if (rt_supervise(pid, master, sfd, status) < 0)
		error_sys(err, "waiting for the process");
	else
		r = 0;
out_mask:
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	if (sv[0] >= 0)
		close(sv[0]);
	for (size_t i = 0; i < n_ns; i++)
		close(ns[i].fd);
	if (has_cg > 0)
		cg_group_release(&g);
	rt_seccomp_release(&sc);
	if (o->process_file)
		rt_process_release(&proc);
	else {
		strv_free(proc.args);
		strv_free(proc.env);
		free(proc.cwd);
		free(proc.additional_gids);
	}
	rt_spec_release(&spec);
	rt_state_release(&st);
	return r;
}
