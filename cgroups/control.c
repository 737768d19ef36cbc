/* Acting on a group's processes: freeze/thaw, signals, listing, and
 * tearing the group down. */
#include "cgroups/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CG_WAIT_MS 10000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Value of "key N" in a flat-keyed file's text; -1 if absent. */
static int64_t keyed_value(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	}
	return -1;
}

/* Wait until cgroup.events shows "key want".  The kernel signals changes
 * of cgroup.events as POLLPRI on an fd that has read it; poll() is also
 * bounded to 100 ms so a missed wake-up costs little. */
static int events_wait(int dirfd, const char *key, int64_t want, struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	int64_t deadline = now_ms() + CG_WAIT_MS;

	if (fd < 0)
		return error_sys(err, "cannot open 'cgroup.events'");
	for (;;) {
		char buf[256];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		struct pollfd pfd = {.fd = fd, .events = POLLPRI};
		int64_t left;

		if (n < 0)
			return error_sys(err, "cannot read 'cgroup.events'");
		buf[n] = '\0';
		if (keyed_value(buf, key) == want)
			return 0;
		left = deadline - now_ms();
		if (left <= 0)
			return error_set(err, ETIMEDOUT,
					 "timed out after %d ms waiting for cgroup.events '%s %lld'",
					 CG_WAIT_MS, key, (long long)want);
		if (poll(&pfd, 1, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
			return error_sys(err, "cannot poll 'cgroup.events'");
	}
}

int cg_group_freeze(const struct cg_group *g, bool freeze, struct error *err)
{
	if (g->dirfd < 0)
		return cg_v1_freeze(g, freeze, err);
	if (cg_write_file(g->dirfd, "cgroup.freeze", freeze ? "1" : "0", err) < 0 ||
	    events_wait(g->dirfd, "frozen", freeze ? 1 : 0, err) < 0)
		return error_prefix(err, "cannot %s cgroup %s%s", freeze ? "freeze" : "thaw",
				    g->root, g->path);
	return 0;
}

int cg_group_frozen(const struct cg_group *g)
{
	_cleanup_free_ char *text = NULL;
	struct error e;
	int64_t v;

	if (g->dirfd < 0)
		return cg_v1_frozen(g);
	if (file_read_at(g->dirfd, "cgroup.events", 4096, &text, NULL, &e) < 0)
		return -1;
	v = keyed_value(text, "frozen");
	return v < 0 ? -1 : v == 1;
}

/* Call fn for every child group of dirfd (an O_DIRECTORY fd of its own,
 * closed after the call).  A child that vanished meanwhile is skipped. */
static int each_child(int dirfd, int (*fn)(int parent, int sub, const char *name, void *ctx,
					   struct error *err),
		      void *ctx, struct error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	/* A fresh open file description: readdir must not move the offset of
	 * the caller's fd. */
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_sys(err, "cannot list cgroup");
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int sub = -1;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			if (errno == ENOENT)
				continue;
			return error_sys(err, "cannot open cgroup '%s'", de->d_name);
		}
		if (fn(fd, sub, de->d_name, ctx, err) < 0)
			return -1;
	}
	return 0;
}

/* Append the pids of cgroup.procs of dirfd and of every group below. */
struct pids_ctx {
	pid_t **pids;
	size_t *n;
};


static int pids_child(int parent, int sub, const char *name, void *ctx, struct error *err)
{
	struct pids_ctx *c = ctx;

	(void)parent;
	(void)name;
	return cg_pids_collect(sub, c->pids, c->n, err);
}

int cg_pids_collect(int dirfd, pid_t **pids, size_t *n, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	struct pids_ctx c = {pids, n};

	if (file_read_at(dirfd, "cgroup.procs", 0, &text, NULL, err) < 0)
		return -1;
	for (char *p = text, *save = NULL, *t; (t = strtok_r(p, "\n", &save)); p = NULL) {
		int64_t v;

		if (parse_int64(t, &v) < 0 || v <= 0)
			continue;
		*pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
		(*pids)[(*n)++] = (pid_t)v;
	}
	return each_child(dirfd, pids_child, &c, err);
}

int cg_group_pids(const struct cg_group *g, pid_t **pids, size_t *n, struct error *err)
{
	_cleanup_free_ pid_t *v = NULL;
	size_t count = 0;
	int fd = g->dirfd >= 0 ? g->dirfd : cg_v1_procs_fd(g);

	if (fd < 0)
		return error_set(err, ENOENT, "cgroup %s: no group to list processes from",
				 g->path);
	if (cg_pids_collect(fd, &v, &count, err) < 0)
		return error_prefix(err, "cgroup %s%s", g->root ? g->root : "", g->path);
	*pids = steal_pointer(&v);
	*n = count;
	return 0;
}

static int signal_each(const struct cg_group *g, int sig, struct error *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (cg_group_pids(g, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return error_sys(err, "cannot send signal %d to process %d", sig,
					 (int)pids[i]);
	return 0;
}

int cg_group_signal(const struct cg_group *g, int sig, struct error *err)
{
	if (sig == SIGKILL && g->dirfd >= 0) {
		/* cgroup.kill (5.14+) kills every process of the subtree
		 * atomically, including ones forking right now. */
		if (cg_write_file(g->dirfd, "cgroup.kill", "1", err) == 0)
			return 0;
		if (err->code != ENOENT)
			return error_prefix(err, "cgroup %s%s", g->root, g->path);
	}
	return signal_each(g, sig, err);
}

static int rmdir_children(int dirfd, struct error *err);

static int rmdir_child(int parent, int sub, const char *name, void *ctx, struct error *err)
{
	(void)ctx;
	if (rmdir_children(sub, err) < 0)
		return -1;
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove cgroup '%s'", name);
	return 0;
}

/* rmdir every group below dirfd, deepest first. */
static int rmdir_children(int dirfd, struct error *err)
{
	return each_child(dirfd, rmdir_child, NULL, err);
}

/* rmdir can see EBUSY for a short while after the last task exited
 * (its css is still going away); retry briefly. */
static int rmdir_retry(int dirfd, const char *name)
{
	for (int i = 0; i < 100; i++) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		usleep(10000);
	}
	return -1;
}

int cg_dir_remove(int parent, const char *name, int dirfd, struct error *err)
{
	if (rmdir_children(dirfd, err) < 0)
		return -1;
	if (rmdir_retry(parent, name) < 0)
		return error_sys(err, "cannot remove cgroup '%s'", name);
	return 0;
}

/* Without cgroup.kill (pure v1): SIGKILL whatever is listed until
 * nothing is, since a process may fork while we read the list. */
static int kill_all(const struct cg_group *g, struct error *err)
{
	int64_t deadline = now_ms() + CG_WAIT_MS;

	for (;;) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (cg_group_pids(g, &pids, &n, err) < 0)
			return -1;
		if (n == 0)
			return 0;
		if (now_ms() > deadline)
			return error_set(err, ETIMEDOUT, "cannot empty cgroup %s: %zu processes left",
					 g->path, n);
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		usleep(10000);
	}
}

int cg_group_destroy(struct cg_group *g, struct error *err)
{
	_cleanup_close_ int rootfd = -1;

	if (!g->path || (g->dirfd < 0 && cg_v1_procs_fd(g) < 0))
		return 0;
	if (g->dirfd < 0) {
		/* A frozen v1 group would keep its processes from dying. */
		if (cg_v1_frozen(g) == 1 && cg_v1_freeze(g, false, err) < 0)
			return -1;
		if (kill_all(g, err) < 0)
			return -1;
	} else if (cg_group_signal(g, SIGKILL, err) < 0) {
		if (err->code != ENOENT)
			return -1;
	} else if (events_wait(g->dirfd, "populated", 0, err) < 0) {
		return error_prefix(err, "cannot empty cgroup %s%s", g->root, g->path);
	}
	if (g->dirfd >= 0) {
		rootfd = openat(AT_FDCWD, g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return error_sys(err, "cannot open the cgroup hierarchy at %s", g->root);
		if (cg_dir_remove(rootfd, g->path + 1, g->dirfd, err) < 0)
			return error_prefix(err, "cgroup %s", g->root);
	}
	if (cg_v1_remove(g, err) < 0)
		return -1;
	cg_group_release(g);
	return 0;
}
