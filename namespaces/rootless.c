/* Rootless: the user namespace an ordinary user's nook runs in.
 *
 * Every engine and image command of an unprivileged user runs as root of
 * one user namespace per state root (podman's "pause process" design): the
 * first command forks a small process that creates the user namespace and
 * a mount namespace and then only sleeps; every later command joins both.
 * So the image store, the containers' overlay mounts and their processes
 * stay reachable from one command to the next (a process in a sibling
 * namespace with the same map could not signal or join them).
 *
 * The map gives the user's own id to root and, through the setuid helpers
 * newuidmap/newgidmap (which check /etc/subuid and /etc/subgid), the
 * user's subordinate range to ids 1..N.  Nothing here gives the user more
 * than the kernel gives any process in a user namespace it created. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SUBID_MAX 65536u

/* --------------------------------------------------------- subid files -- */

/* The first entry of file named name or idbuf (NULL: not looked at);
 * its count capped at cap. */
static int subid_lookup(const char *file, const char *name, const char *idbuf, uint32_t cap,
			struct ns_subid *out, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (file_read_at(AT_FDCWD, file, 1 << 20, &text, &len, err) < 0) {
		if (err->code == ENOENT)
			return 1;
		return -1;
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *key = line, *start = strchr(line, ':'), *count;
		uint64_t st, c;

		if (!start || !(count = strchr(start + 1, ':')))
			continue;
		*start++ = '\0';
		*count++ = '\0';
		if ((!idbuf || strcmp(key, idbuf)) && (!name || strcmp(key, name)))
			continue;
		if (parse_uint64(start, &st) < 0 || parse_uint64(count, &c) < 0 || !c ||
		    st + c > UINT32_MAX)
			continue;
		out->start = (uint32_t)st;
		out->count = (uint32_t)(c > cap ? cap : c);
		return 0;
	}
	return 1;
}

int ns_subid_find(const char *file, uid_t uid, struct ns_subid *out, struct error *err)
{
	struct passwd *pw = getpwuid(uid);
	char idbuf[16];

	snprintf(idbuf, sizeof(idbuf), "%u", (unsigned)uid);
	return subid_lookup(file, pw ? pw->pw_name : NULL, idbuf, SUBID_MAX, out, err);
}

int ns_subid_find_name(const char *file, const char *name, struct ns_subid *out, struct error *err)
{
	return subid_lookup(file, name, NULL, UINT32_MAX, out, err);
}

/* --------------------------------------------------------------- id maps -- */

/* Run newuidmap or newgidmap for pid with the map m; the setuid helper
 * checks every range against /etc/subuid or /etc/subgid. */
static int idmap_helper(const char *prog, pid_t pid, const struct ns_idmap *m, size_t n,
			struct error *err)
{
	char **argv = xzalloc((3 + 3 * n) * sizeof(*argv));
	int status, pipefd[2];
	char msg[256] = "";
	size_t k = 0;
	ssize_t got;
	pid_t child;

	argv[k++] = xstrdup(prog);
	argv[k++] = xasprintf("%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		argv[k++] = xasprintf("%u", m[i].container_id);
		argv[k++] = xasprintf("%u", m[i].host_id);
		argv[k++] = xasprintf("%u", m[i].size);
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		strv_free(argv);
		return error_sys(err, "pipe");
	}
	child = fork();
	if (child == 0) {
		dup2(pipefd[1], 2);
		if (fault_fail("rootless-newidmap"))
			errno = ENOENT;
		else
			execvp(prog, argv);
		dprintf(2, "%s", errno == ENOENT ? "ENOENT" : strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	strv_free(argv);
	if (child < 0) {
		close(pipefd[0]);
		return error_sys(err, "fork");
	}
	got = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	msg[got > 0 ? got : 0] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return error_sys(err, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !strcmp(msg, "ENOENT"))
		return error_set(err, ENOENT,
				 "%s not found: install it (Debian: apt-get install uidmap) to map "
				 "the /etc/subuid and /etc/subgid ranges",
				 prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return error_set(err, EPERM, "%s failed%s%s", prog, *msg ? ": " : "", msg);
	return 0;
}

/* Whether the map is exactly "our own id, once": what an unprivileged
 * process may write itself. */
static bool own_id_only(const struct ns_idmap *m, size_t n, uint32_t id)
{
	return n == 1 && m[0].host_id == id && m[0].size == 1;
}

int ns_idmap_write_rootless(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
			    const struct ns_idmap *gids, size_t n_gids, struct error *err)
{
	bool uid_own = own_id_only(uids, n_uids, (uint32_t)geteuid());
	bool gid_own = own_id_only(gids, n_gids, (uint32_t)getegid());

	/* Our own ids need no helper; the gid map then needs setgroups
	 * denied (CVE-2014-8989), which ns_idmap_write does first. */
	if (uid_own && gid_own)
		return ns_idmap_write(pid, uids, n_uids, gids, n_gids, true, err);
	if (uid_own ? ns_idmap_write(pid, uids, n_uids, NULL, 0, false, err) < 0
		    : idmap_helper("newuidmap", pid, uids, n_uids, err) < 0)
		return -1;
	if (gid_own)
		return ns_idmap_write(pid, NULL, 0, gids, n_gids, true, err);
	return idmap_helper("newgidmap", pid, gids, n_gids, err);
}

int ns_rootless_maps(uid_t uid, gid_t gid, struct ns_idmap uids[2], struct ns_idmap gids[2],
		     size_t *n, struct error *err)
{
	struct ns_subid su, sg;
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : "?";
	int r;

	uids[0] = (struct ns_idmap){0, (uint32_t)uid, 1};
	gids[0] = (struct ns_idmap){0, (uint32_t)gid, 1};
	if ((r = ns_subid_find("/etc/subuid", uid, &su, err)) < 0)
		return -1;
	if (r == 0 && (r = ns_subid_find("/etc/subgid", uid, &sg, err)) < 0)
		return -1;
	if (r > 0)
		return error_set(err, ENOENT,
				 "user '%s' has no subordinate id range in /etc/subuid and "
				 "/etc/subgid: add one (usermod --add-subuids 100000-165535 "
				 "--add-subgids 100000-165535 %s)",
				 name, name);
	uids[1] = (struct ns_idmap){1, su.start, su.count};
	gids[1] = (struct ns_idmap){1, sg.start, sg.count};
	*n = 2;
	return 0;
}

/* ----------------------------------------------------- the pause process -- */

static int userns_error(struct error *err)
{
	int e = errno;

	if (e == EPERM || e == ENOSPC || e == EACCES)
		return error_set(err, e,
				 "cannot create a user namespace: unprivileged user namespaces "
				 "are restricted on this host (check the sysctls "
				 "kernel.unprivileged_userns_clone=1, user.max_user_namespaces>0, "
				 "kernel.apparmor_restrict_unprivileged_userns=0)");
	return error_set(err, e, "cannot create a user namespace: %s", strerror(e));
}

/* The pause process: in the new user namespace as root, it makes the
 * mount namespace every command shares, reports, and sleeps.  Its mounts
 * become slaves of the host's (the kernel already made them unable to
 * propagate back: a less privileged mount namespace never does). */
static __attribute__((noreturn)) void pause_main(int to_parent, int from_parent)
{
	char c = 0;
	sigset_t all;

	if (fault_fail("rootless-userns"))
		errno = EPERM;
	else if (unshare(CLONE_NEWUSER) == 0)
		c = 'u';
	userns_forget();
	if (c != 'u')
		c = (char)(errno & 0x7f);
	if (write(to_parent, &c, 1) != 1 || c != 'u')
		_exit(1);
	if (read(from_parent, &c, 1) != 1 || c != 'm')
		_exit(1);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		_exit(1);
	c = 'r';
	if (write(to_parent, &c, 1) != 1)
		_exit(1);
	if (chdir("/") < 0)
		_exit(1);
	/* Nothing of the command that started it: not its stdio (a caller
	 * waiting for EOF would hang), not the lock. */
	if (syscall(SYS_close_range, 0U, ~0U, 0U) < 0)
		_exit(1);
	if (open("/dev/null", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2)
		_exit(1);
	sigfillset(&all);
	sigdelset(&all, SIGTERM);
	sigdelset(&all, SIGKILL);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (;;)
		pause();
}

/* Fork the pause process (a grandchild, so init reaps it), map it, and
 * return its pid once its namespaces exist. */
static pid_t pause_start(const struct ns_idmap *uids, const struct ns_idmap *gids, size_t n,
			 struct error *err)
{
	_cleanup_close_ int up_r = -1, down_w = -1;
	int up[2], down[2], status;
	pid_t child, pid = 0;
	char c;

	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
		return error_sys(err, "pipe");
	child = fork();
	if (child == 0) {
		close(up[0]);
		close(down[1]);
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid == 0)
			pause_main(up[1], down[0]);
		if (write(up[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	up_r = up[0];
	down_w = down[1];
	if (child < 0)
		return error_sys(err, "fork");
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return error_sys(err, "waitpid");
	if (read(up_r, &pid, sizeof(pid)) != sizeof(pid) || pid <= 0)
		return error_set(err, EIO, "cannot start the rootless namespace process");
	if (read(up_r, &c, 1) != 1)
		return error_set(err, EIO, "the rootless namespace process died");
	if (c != 'u') {
		errno = c;
		kill(pid, SIGKILL);
		return userns_error(err);
	}
	if (ns_idmap_write_rootless(pid, uids, n, gids, n, err) < 0)
		goto fail;
	c = 'm';
	if (write(down_w, &c, 1) != 1 || read(up_r, &c, 1) != 1 || c != 'r') {
		error_set(err, EIO, "the rootless namespace process failed to set up");
		goto fail;
	}
	return pid;
fail:
	kill(pid, SIGKILL);
	return -1;
}

/* The pause process of pid file "pause.pid" in dirfd, if it still runs and
 * its user namespace is ours: its user and mount namespace fds. */
static int pause_open(int dirfd, int *userfd, int *mntfd)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long start;
	uid_t owner;
	int pid;

	if (file_read_at(dirfd, "pause.pid", 64, &text, NULL, &(struct error){0}) < 0 ||
	    sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0 || proc_start_time(pid) != start)
		return -1;
	*userfd = ns_open_pid(pid, CLONE_NEWUSER, &(struct error){0});
	if (*userfd < 0)
		return -1;
	/* Only a user namespace the user itself created is joined. */
	if (ioctl(*userfd, NS_GET_OWNER_UID, &owner) < 0 || owner != getuid()) {
		close(*userfd);
		return -1;
	}
	*mntfd = ns_open_pid(pid, CLONE_NEWNS, &(struct error){0});
	if (*mntfd < 0) {
		close(*userfd);
		return -1;
	}
	return 0;
}

int ns_rootless_enter(const char *run_dir, struct error *err)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1, userfd = -1, mntfd = -1;
	struct ns_idmap uids[2], gids[2];
	char cwd[PATH_MAX];
	bool have_cwd;
	size_t n = 0;

	dirfd = open(run_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0)
		return error_sys(err, "cannot open '%s'", run_dir);
	/* One pause process per state root, also under concurrent commands. */
	lockfd = openat(dirfd, "pause.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
		return error_sys(err, "cannot lock '%s/pause.lock'", run_dir);
	if (pause_open(dirfd, &userfd, &mntfd) < 0) {
		char buf[64];
		pid_t pid;

		if (ns_rootless_maps(getuid(), getgid(), uids, gids, &n, err) < 0)
			return -1;
		pid = pause_start(uids, gids, n, err);
		if (pid < 0)
			return -1;
		snprintf(buf, sizeof(buf), "%d %llu\n", (int)pid,
			 (unsigned long long)proc_start_time(pid));
		if (file_write_atomic_at(dirfd, "pause.pid", buf, strlen(buf), 0600, err) < 0 ||
		    pause_open(dirfd, &userfd, &mntfd) < 0) {
			kill(pid, SIGKILL);
			return error_prefix(err, "rootless namespace");
		}
	}
	have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	/* The user owns this user namespace: joining gives it every
	 * capability there, and none outside. */
	if (setns(userfd, CLONE_NEWUSER) < 0)
		return error_sys(err, "cannot join the rootless user namespace");
	userns_forget();
	if (setns(mntfd, CLONE_NEWNS) < 0)
		return error_sys(err, "cannot join the rootless mount namespace");
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return error_sys(err, "cannot become root of the rootless user namespace");
	/* The host's supplementary groups would show as nobody: drop them. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return error_sys(err, "setgroups");
	/* setns(CLONE_NEWNS) moved us to the namespace's root directory. */
	if (have_cwd && chdir(cwd) < 0 && chdir("/") < 0)
		return error_sys(err, "chdir");
	return 0;
}

int ns_rootless_dir(const char *path, struct error *err)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create '%s'", path);
	/* A name in a shared directory like /tmp: someone else may have made
	 * it first (a symlink to redirect our state, a dir they can read). */
	if (lstat(path, &st) < 0)
		return error_sys(err, "cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ENOTDIR, "'%s' is not a directory (a symlink?): refusing it",
				 path);
	if (st.st_uid != geteuid())
		return error_set(err, EPERM, "'%s' belongs to uid %u, not to us: refusing it", path,
				 (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return error_set(err, EPERM,
				 "'%s' is accessible to others (mode %03o): refusing it", path,
				 (unsigned)(st.st_mode & 0777));
	return 0;
}

int ns_netns_bind(pid_t pid, const char *target, struct error *err)
{
	char src[64];
	int fd;

	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_sys(err, "cannot create '%s'", target);
	close(fd);
	/* A file naming the namespace, so a helper without any capability
	 * (pasta drops them) can open it: /proc/PID/ns/net of a
	 * non-dumpable init would need CAP_SYS_PTRACE. */
	if (mount(src, target, NULL, MS_BIND, NULL) < 0) {
		int e = errno;

		unlink(target);
		errno = e;
		return error_sys(err, "cannot bind %s on '%s'", src, target);
	}
	return 0;
}

void ns_netns_unbind(const char *target)
{
	if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		log_debug("cannot unmount '%s': %s", target, strerror(errno));
	unlink(target);
}
