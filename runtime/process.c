/* The last steps before a container process execs: credentials, limits,
 * capabilities, seccomp.  Shared by the container init and `exec`.  Runs
 * in the child, single-threaded. */
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

int rt_process_exec(const struct rt_process *p, const struct rt_seccomp *seccomp,
		    int preserve_fds, int sync_fd, struct error *err)
{
	_cleanup_free_ char *exe = NULL;
	int keep[1024];
	size_t nkeep = 0;

	exe = rt_process_lookup(p, err);
	if (!exe)
		return -1;
	for (int i = 0; i < preserve_fds && nkeep < ARRAY_SIZE(keep); i++)
		keep[nkeep++] = 3 + i;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};

		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return error_sys(err, "cannot set rlimit %d to %llu/%llu",
					 p->rlimits[i].resource, (unsigned long long)rl.rlim_cur,
					 (unsigned long long)rl.rlim_max);
	}
	/* Without no_new_privs the filter must go in while we still hold
	 * CAP_SYS_ADMIN (as runc does); it then also covers the steps below. */
	if (seccomp && !p->no_new_privileges && rt_seccomp_load(seccomp, err) < 0)
		return -1;
	if (set_user(p, err) < 0)
		return -1;
	if (rt_caps_apply(p, err) < 0)
		return -1;
	if (p->has_umask)
		umask(p->umask);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_sys(err, "cannot set no_new_privs");
	/* Nothing of nook's may cross into the container: every fd above
	 * stdio but the preserved ones is closed on exec. */
	if (fds_close_from(3, keep, nkeep) < 0)
		return error_sys(err, "cannot close inherited file descriptors");
	if (sync_fd >= 0 && sync_fd >= 3 + preserve_fds)
		fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
	/* Last: after this only execve runs under the filter. */
	if (seccomp && p->no_new_privileges && rt_seccomp_load(seccomp, err) < 0)
		return -1;
	execve(exe, p->args, p->env);
	return error_sys(err, "cannot execute '%s'", p->args[0]);
}
