/* The last steps before a container process execs: its environment,
 * session, limits, scheduling, credentials, capabilities, seccomp.  Shared
 * by the container init and `exec`.  Runs in the child, single-threaded. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

int rt_sync_send(int fd, int type, pid_t pid, const struct error *err)
{
	struct rt_sync_msg m = {.type = type, .pid = pid};

	if (err)
		m.err = *err;
	while (send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int rt_sync_recv(int fd, struct rt_sync_msg *msg, struct error *err)
{
	ssize_t n;

	do
		n = recv(fd, msg, sizeof(*msg), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_sys(err, "cannot read from the container init");
	if (n != sizeof(*msg))
		return error_set(err, EPIPE, "container init exited unexpectedly");
	msg->err.msg[sizeof(msg->err.msg) - 1] = '\0';
	return 0;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* 0 if path is a regular file we may execute, else -1 with errno saying
 * why (EISDIR for a directory, EACCES for another non-regular file), so the
 * message never carries a stale errno: clients map "no such file" to 127
 * and everything else to 126, as for runc. */
static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return errno = EISDIR, -1;
	if (!S_ISREG(st.st_mode))
		return errno = EACCES, -1;
	return access(path, X_OK);
}

char *rt_process_lookup(const struct rt_process *p, struct error *err)
{
	const char *prog = p->args[0], *path;
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (strchr(prog, '/')) {
		if (check_executable(prog) < 0)
			return error_sys(err, "cannot execute '%s'", prog), NULL;
		return xstrdup(prog);
	}
	/* The container's PATH, not ours: the program is looked up as the
	 * container's shell would. */
	path = env_get(p->env, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	copy = xstrdup(path);
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *full = xasprintf("%s/%s", *dir ? dir : ".", prog);

		if (check_executable(full) == 0)
			return steal_pointer(&full);
	}
	/* Clients (podman, containerd) look for runc's exact words. */
	error_set(err, ENOENT, "cannot execute '%s': executable file not found in $PATH", prog);
	return NULL;
}

/* HOME of uid from the container's /etc/passwd, as runc and crun set it
 * when process.env has none; "/" when there is no such file or entry.  The
 * file is the image's: read inside the root, only a regular file of
 * bounded size (a FIFO or a huge file there must not hang or bloat the
 * init). */
static char *home_of(uid_t uid, struct error *err)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	if (rootfd < 0)
		return error_sys(err, "cannot open /"), NULL;
	if (file_read_in_root(rootfd, "/etc/passwd", 4 << 20, &text, NULL, err) < 0) {
		if (err->code == ENOENT || err->code == ENOTDIR)
			return xstrdup("/");
		return error_prefix(err, "cannot find HOME of uid %u", (unsigned)uid), NULL;
	}
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[7] = {0}, *rest = line;
		uint64_t v;
		size_t n = 0;

		/* name:password:uid:gid:gecos:home:shell */
		while (n < ARRAY_SIZE(f) && rest) {
			f[n++] = rest;
			rest = strchr(rest, ':');
			if (rest)
				*rest++ = '\0';
		}
		if (n < 6 || parse_uint64(f[2], &v) < 0 || v != uid)
			continue;
		return xstrdup(*f[5] ? f[5] : "/");
	}
	return xstrdup("/");
}

static int set_user(const struct rt_process *p, struct error *err)
{
	/* Supplementary groups first (needs CAP_SETGID), and always: an empty
	 * list must clear the groups root had in the runtime. */
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0 &&
	    !(errno == EPERM && p->n_additional_gids == 0))
		return error_sys(err, "cannot set additional groups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return error_sys(err, "cannot set gid to %u", (unsigned)p->gid);
	/* Keep the permitted set across the uid change; rt_caps_apply sets
	 * the final sets from it. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return error_sys(err, "cannot set keepcaps");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return error_sys(err, "cannot set uid to %u", (unsigned)p->uid);
	return 0;
}

/* Steps that act on the process while it still runs as the runtime's
 * root, before its own identity and capabilities are taken on. */
static int set_process_attrs(const struct rt_process *p, struct error *err)
{
	/* Its own session, terminal or not: in the caller's session it could
	 * push keystrokes into the caller's terminal with TIOCSTI.  A process
	 * given a pty is already the leader of the session that owns it. */
	if (setsid() < 0 && (errno != EPERM || getsid(0) != getpid()))
		return error_sys(err, "cannot start a new session");
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return error_sys(err, "cannot set rlimit %d to %llu/%llu",
					 p->rlimits[i].resource, (unsigned long long)rl.rlim_cur,
					 (unsigned long long)rl.rlim_max);
	}
	if (p->has_scheduler && ns_sched_set(&p->scheduler, err) < 0)
		return error_prefix(err, "process.scheduler");
	if (p->has_io_priority && ns_ioprio_set(p->io_priority_class, p->io_priority, err) < 0)
		return error_prefix(err, "process.ioPriority");
	return 0;
}

int rt_process_prepare(const struct rt_process *p, const struct rt_seccomp *seccomp,
		       int preserve_fds, int sync_fd, struct rt_exec *out, struct error *err)
{
	int keep[1024];
	size_t nkeep = 0;

	memset(out, 0, sizeof(*out));
	out->env = p->env ? strv_dup(p->env) : xzalloc(sizeof(char *));
	if (!env_get(p->env, "HOME")) {
		_cleanup_free_ char *home = home_of(p->uid, err), *kv = NULL;

		if (!home)
			return -1;
		kv = xasprintf("HOME=%s", home);
		strv_push(&out->env, kv);
	}
	if (set_process_attrs(p, err) < 0)
		return -1;
	/* Nothing of nook's may cross into the container: every fd above
	 * stdio but the preserved ones is closed on exec.  Done before any
	 * seccomp filter, which may refuse close_range or fcntl. */
	for (int i = 0; i < preserve_fds && nkeep < ARRAY_SIZE(keep); i++)
		keep[nkeep++] = 3 + i;
	if (fds_close_from(3, keep, nkeep) < 0)
		return error_sys(err, "cannot close inherited file descriptors");
	if (sync_fd >= 0 && fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		return error_sys(err, "cannot mark the sync socket close-on-exec");
	/* Without no_new_privs the filter must go in while we still hold
	 * CAP_SYS_ADMIN (as runc does); it then also covers the steps below. */
	if (seccomp && !p->no_new_privileges && rt_seccomp_load(seccomp, err) < 0)
		return -1;
	if (set_user(p, err) < 0 || rt_caps_apply(p, err) < 0)
		return -1;
	if (p->has_umask)
		umask(p->umask);
	/* Looked up as the process's user: what it cannot execute fails here,
	 * at create, not after start. */
	out->path = rt_process_lookup(p, err);
	if (!out->path)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_sys(err, "cannot set no_new_privs");
	/* With no_new_privs the filter goes in last, so that as few of our
	 * own syscalls as possible (the caller's report that it is ready,
	 * then execve) must be allowed by it, as runc does. */
	if (seccomp && p->no_new_privileges)
		out->seccomp_late = seccomp;
	return 0;
}

int rt_process_seccomp_late(struct rt_exec *x, struct error *err)
{
	const struct rt_seccomp *s = steal_pointer(&x->seccomp_late);

	return s ? rt_seccomp_load(s, err) : 0;
}

void rt_exec_release(struct rt_exec *x)
{
	free(x->path);
	strv_free(x->env);
	memset(x, 0, sizeof(*x));
}

int rt_process_execve(const struct rt_exec *x, const struct rt_process *p, struct error *err)
{
	execve(x->path, p->args, x->env);
	return error_sys(err, "cannot execute '%s'", p->args[0]);
}

int rt_process_exec(const struct rt_process *p, const struct rt_seccomp *seccomp, int preserve_fds,
		    int sync_fd, struct error *err)
{
	struct rt_exec x;

	if (rt_process_prepare(p, seccomp, preserve_fds, sync_fd, &x, err) < 0 ||
	    rt_process_seccomp_late(&x, err) < 0)
		return -1;
	return rt_process_execve(&x, p, err);
}
