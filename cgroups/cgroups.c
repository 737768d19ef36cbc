/* Finding the v2 hierarchy, creating and opening groups, enabling
 * controllers and writing limits. */
#include "cgroups/internal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Where a v2 hierarchy may be mounted, preferred first. */
static const char *const hierarchy_candidates[] = {
	"/sys/fs/cgroup",         /* pure v2 (unified) host */
	"/sys/fs/cgroup/unified", /* hybrid host (systemd's layout) */
};

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int cg_hierarchy_find(char **mountpoint, struct error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(hierarchy_candidates); i++) {
		if (is_cgroup2(hierarchy_candidates[i])) {
			*mountpoint = xstrdup(hierarchy_candidates[i]);
			return 0;
		}
	}
	return error_set(err, ENOENT,
			 "no cgroup v2 hierarchy (neither /sys/fs/cgroup nor "
			 "/sys/fs/cgroup/unified is cgroup2)");
}

int cg_write_file(int dirfd, const char *file, const char *value, struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return error_sys(err, "cannot open '%s'", file);
	/* One write(): cgroup files take a value per write call. */
	if (write(fd, value, strlen(value)) < 0)
		return error_sys(err, "cannot write '%s' to '%s'", value, file);
	return 0;
}

/* "/nook//ID/" -> components; "." and ".." are refused so a
 * cgroupsPath cannot climb out of the hierarchy. */
int cg_path_split(const char *path, char ***out, struct error *err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_strv_ char **v = NULL;
	char *save = NULL;

	if (!path || path[0] != '/')
		return error_set(err, EINVAL, "cgroup path '%s' is not absolute", path ? path : "");
	copy = xstrdup(path);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, ".") || !strcmp(c, ".."))
			return error_set(err, EINVAL, "cgroup path '%s' has a '%s' component",
					 path, c);
		strv_push(&v, c);
	}
	if (!v)
		return error_set(err, EINVAL, "cgroup path '%s' names the hierarchy root", path);
	*out = steal_pointer(&v);
	return 0;
}

static char *join_components(char **v, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = p = xmalloc(len);
	*p = '\0';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "/%s", v[i]);
	return s;
}

int cg_path_normalize(const char *path, char **out, struct error *err)
{
	_cleanup_strv_ char **v = NULL;

	if (cg_path_split(path, &v, err) < 0)
		return -1;
	*out = join_components(v, strv_len(v));
	return 0;
}

static int open_dir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Is word in the space-separated list? */
bool cg_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n) {
		bool start = p == list || p[-1] == ' ' || p[-1] == '\n';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';

		if (start && end)
			return true;
	}
	return false;
}

static bool strv_has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Controllers res writes to, without "cgroup" (core files need none):
 * *ctrls (with the OCI name asking for each in *origins) must be there;
 * *optional are those only "no limit" writes use, enabled when present. */
static void needed_controllers(const struct cg_resources *res, char ***ctrls, char ***origins,
			       char ***optional)
{
	for (size_t i = 0; res && i < res->n_w; i++) {
		char c[64];

		if (!cg_file_controller(res->w[i].file, c, sizeof(c)) || !strcmp(c, "cgroup") ||
		    strv_has(*ctrls, c) || (res->w[i].flags & CG_WRITE_NO_LIMIT))
			continue;
		strv_push(ctrls, c);
		strv_push(origins, res->w[i].origin);
	}
	for (size_t i = 0; res && i < res->n_w; i++) {
		char c[64];

		if ((res->w[i].flags & CG_WRITE_NO_LIMIT) &&
		    cg_file_controller(res->w[i].file, c, sizeof(c)) && !strv_has(*ctrls, c) &&
		    !strv_has(*optional, c))
			strv_push(optional, c);
	}
}

/* Controllers enabled for every container when the hierarchy has them,
 * limits or not (runc and crun enable them all): their usage files are
 * what `events --stats` reports. */
static const char *const usage_controllers[] = {"cpu", "io", "memory", "pids"};

/* Best effort: a usage controller that cannot be enabled only costs
 * figures, an optional one (only "no limit" writes use it) nothing. */
static void enable_best_effort(int dirfd, const char *avail, const char *enabled,
			       const char *const *ctrls, size_t n, const char *root,
			       const char *where)
{
	char buf[256] = "";
	struct error err;
	size_t len = 0;

	for (size_t i = 0; i < n && len + 70 < sizeof(buf); i++)
		if (cg_word_in(avail, ctrls[i]) && !cg_word_in(enabled, ctrls[i]))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s+%s",
						len ? " " : "", ctrls[i]);
	if (len && cg_write_file(dirfd, "cgroup.subtree_control", buf, &err) < 0)
		log_debug("cannot enable \"%s\" in %s%s: %s", buf, root, where, err.msg);
}

/* Why a hybrid host's v1 controller did not step in. */
static const char *v1_hint(const char *origin)
{
	const char *e = getenv("NOOK_CGROUP_V1");

	if (str_has_prefix(origin, "linux.resources.unified"))
		return " (linux.resources.unified needs cgroup v2, as with runc)";
	if (e && (!strcmp(e, "off") || !strcmp(e, "0")))
		return " (the cgroup v1 backend is off: NOOK_CGROUP_V1=off)";
	return " (nor does a cgroup v1 hierarchy)";
}

/* Make the controllers available to the children of the group dirfd
 * (at `where` below root): check its cgroup.controllers and add them to
 * its cgroup.subtree_control, with the usage and optional controllers. */
static int enable_in(int dirfd, const char *root, const char *where, char **ctrls, char **origins,
		     char **optional, struct error *err)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;

	if (file_read_at(dirfd, "cgroup.controllers", 0, &avail, NULL, err) < 0 ||
	    file_read_at(dirfd, "cgroup.subtree_control", 0, &enabled, NULL, err) < 0)
		return error_prefix(err, "cgroup %s%s", root, where);
	enable_best_effort(dirfd, avail, enabled, usage_controllers, ARRAY_SIZE(usage_controllers),
			   root, where);
	if (optional) {
		_cleanup_free_ char *now = NULL;

		/* Read again: the usage controllers may have just come on. */
		if (file_read_at(dirfd, "cgroup.subtree_control", 0, &now, NULL, err) < 0)
			return error_prefix(err, "cgroup %s%s", root, where);
		enable_best_effort(dirfd, avail, now, (const char *const *)optional,
				   strv_len(optional), root, where);
	}
	for (size_t i = 0; ctrls && ctrls[i]; i++) {
		_cleanup_free_ char *plus = NULL;

		if (cg_word_in(enabled, ctrls[i]))
			continue;
		if (!cg_word_in(avail, ctrls[i]))
			return error_set(err, ENOTSUP,
					 "cannot apply %s: the %s controller is not available in "
					 "the cgroup v2 hierarchy at %s%s%s",
					 origins[i], ctrls[i], root, where,
					 strcmp(root, "/sys/fs/cgroup") ? v1_hint(origins[i]) : "");
		plus = xasprintf("+%s", ctrls[i]);
		if (cg_write_file(dirfd, "cgroup.subtree_control", plus, err) < 0)
			return error_prefix(err, "cannot enable the %s controller in %s%s",
					    ctrls[i], root, where);
	}
	return 0;
}

/* One write: the alternative file where the first is missing, and a
 * missing file that is fine to miss skipped.  1 skipped, 0 done, -1 error. */
static int write_one(int dirfd, const struct cg_write *w, const char *root, const char *path,
		     struct error *err)
{
	const char *file = w->file, *value = w->value;

	if (w->alt_file && faccessat(dirfd, file, F_OK, 0) < 0 && errno == ENOENT) {
		file = w->alt_file;
		value = w->alt_value;
	}
	if (cg_write_file(dirfd, file, value, err) == 0)
		return 0;
	if (err->code == ENOENT && (w->flags & (CG_WRITE_MISSING_OK | CG_WRITE_NO_LIMIT))) {
		log_debug("cgroup %s%s: no %s, %s not applied", root, path, file, w->origin);
		return 1;
	}
	return -1;
}

int cg_writes_apply(int dirfd, const char *root, const char *path, const struct cg_resources *res,
		    struct error *err)
{
	for (size_t i = 0; res && i < res->n_w; i++) {
		const struct cg_write *w = &res->w[i];

		if (write_one(dirfd, w, root, path, err) >= 0)
			continue;
		/* The kernel checks a pair of v1 files against each other
		 * (memory.limit_in_bytes <= memory.memsw.limit_in_bytes):
		 * raising both needs the other order, as runc does it. */
		if (err->code == EINVAL && (w->flags & CG_WRITE_V1_PAIR) && i + 1 < res->n_w &&
		    write_one(dirfd, &res->w[i + 1], root, path, err) >= 0 &&
		    write_one(dirfd, w, root, path, err) >= 0) {
			i++;
			continue;
		}
		return error_prefix(err, "cannot apply %s to cgroup %s%s", w->origin, root, path);
	}
	return 0;
}

static int apply_writes(int dirfd, const char *root, const char *path,
			const struct cg_resources *res, struct error *err)
{
	if (cg_writes_apply(dirfd, root, path, res, err) < 0)
		return -1;
	if (res && res->devices_set && cg_devices_apply(dirfd, res->dev, res->n_dev, err) < 0)
		return error_prefix(err, "cannot apply linux.resources.devices to cgroup %s%s",
				    root, path);
	return 0;
}

int cg_group_create_in(struct cg_group *g, const char *root, const char *path,
		       const struct cg_resources *res, struct error *err)
{
	_cleanup_strv_ char **v = NULL, **ctrls = NULL, **origins = NULL, **optional = NULL;
	_cleanup_close_ int rootfd = -1, cur = -1;
	_cleanup_free_ int *parent_fds = NULL;
	size_t n, made_from;
	bool made_any = false;

	g->dirfd = -1;
	g->v1 = NULL;
	g->n_v1 = 0;
	if (cg_path_split(path, &v, err) < 0)
		return -1;
	n = strv_len(v);
	rootfd = open_dir_at(AT_FDCWD, root);
	if (rootfd < 0)
		return error_sys(err, "cannot open the cgroup hierarchy at %s", root);
	needed_controllers(res, &ctrls, &origins, &optional);

	/* Walk down with *at() calls, keeping every level's fd so that a
	 * rollback removes exactly the directories this call made. */
	parent_fds = xmalloc(n * sizeof(int));
	made_from = n;
	cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return error_sys(err, "cannot duplicate fd");
	for (size_t i = 0; i < n; i++) {
		int next;

		{
			_cleanup_free_ char *where = join_components(v, i);

			if (enable_in(cur, root, where, ctrls, origins, optional, err) < 0) {
				n = i;
				goto rollback;
			}
		}
		if (mkdirat(cur, v[i], 0755) == 0) {
			if (!made_any)
				made_from = i;
			made_any = true;
		} else if (errno != EEXIST || i == n - 1 || made_any) {
			/* The group itself must be new: two containers must
			 * never share one. */
			_cleanup_free_ char *p = join_components(v, i + 1);

			error_sys(err, "cannot create cgroup %s%s", root, p);
			n = i;
			goto rollback;
		}
		next = open_dir_at(cur, v[i]);
		parent_fds[i] = steal_fd(&cur);
		if (next < 0) {
			_cleanup_free_ char *p = join_components(v, i + 1);

			error_sys(err, "cannot open cgroup %s%s", root, p);
			n = i + 1;
			goto rollback;
		}
		cur = next;
	}
	if (apply_writes(cur, root, path, res, err) < 0)
		goto rollback;
	for (size_t i = 0; i < n; i++)
		close(parent_fds[i]);
	g->root = xstrdup(root);
	g->path = join_components(v, strv_len(v));
	g->dirfd = steal_fd(&cur);
	return 0;

rollback:
	/* parent_fds[i] is the directory holding v[i]; remove the ones made
	 * here, deepest first. */
	for (size_t i = n; i-- > 0;) {
		if (made_any && i >= made_from)
			unlinkat(parent_fds[i], v[i], AT_REMOVEDIR);
		close(parent_fds[i]);
	}
	return -1;
}

/* The v2 hierarchy, or NULL (pure v1); the v1 hierarchies.  Neither is
 * an error.  only_writing: for a group about to be made with these
 * writes; with a v2 hierarchy and nothing to write no v1 group is made
 * (cg_v1_route), so the v1 hierarchies are not looked for (that reads
 * /proc/self/mountinfo, ~0.1 ms on a host with many mounts). */
static int hierarchies(const struct cg_resources *only_writing, char **root,
		       struct cg_v1_dir **dirs, size_t *n, struct error *err)
{
	struct error e2;

	*root = NULL;
	*dirs = NULL;
	*n = 0;
	if (cg_hierarchy_find(root, &e2) < 0)
		*root = NULL;
	if (*root && only_writing && only_writing->n_w == 0)
		return 0;
	if (cg_v1_find(dirs, n, err) < 0) {
		free(*root);
		*root = NULL;
		return -1;
	}
	if (!*root && *n == 0)
		return error_set(err, ENOENT,
				 "no cgroup hierarchy (neither cgroup v2 at /sys/fs/cgroup or "
				 "/sys/fs/cgroup/unified nor a cgroup v1 hierarchy)");
	return 0;
}

static void route_free(struct cg_resources *v2, struct cg_resources **v1, bool *join, size_t n)
{
	cg_resources_free(v2);
	for (size_t i = 0; v1 && i < n; i++)
		cg_resources_free(v1[i]);
	free(v1);
	free(join);
}

int cg_group_create_paths(struct cg_group *g, const struct cg_paths *p,
			  const struct cg_resources *res, struct error *err)
{
	static const struct cg_resources nothing;
	_cleanup_free_ char *root = NULL;
	struct cg_resources *v2 = NULL, **v1 = NULL;
	struct cg_v1_dir *dirs = NULL;
	bool *join = NULL;
	size_t n = 0;
	int r = -1;

	memset(g, 0, sizeof(*g));
	g->dirfd = -1;
	/* Every path checked before anything is made. */
	for (size_t i = 0; i < p->n_v1; i++) {
		_cleanup_free_ char *norm = NULL;

		if (cg_path_normalize(p->v1[i].path, &norm, err) < 0)
			return -1;
	}
	if (hierarchies(res ? res : &nothing, &root, &dirs, &n, err) < 0)
		return -1;
	if (cg_v1_route(res, root, dirs, n, &v2, &v1, &join, err) < 0)
		goto out;
	if (root) {
		if (cg_group_create_in(g, root, p->path, v2, err) < 0)
			goto out;
	} else if (cg_path_normalize(p->path, &g->path, err) < 0) {
		goto out;
	}
	g->v1 = steal_pointer(&dirs);
	g->n_v1 = n;
	if (cg_v1_paths_set(g, p, err) < 0) {
		struct error e2;

		if (cg_group_destroy(g, &e2) < 0)
			log_warn("%s", e2.msg);
		cg_group_release(g);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct error e2;

		if (!join[i] || cg_v1_create(&g->v1[i], v1[i], err) == 0)
			continue;
		/* Undo: the groups made so far are empty. */
		if (cg_group_destroy(g, &e2) < 0)
			log_warn("%s", e2.msg);
		cg_group_release(g);
		goto out;
	}
	r = 0;
out:
	cg_v1_dirs_free(dirs, n);
	route_free(v2, v1, join, n);
	return r;
}

int cg_group_create(struct cg_group *g, const char *path, const struct cg_resources *res,
		    struct error *err)
{
	const struct cg_paths p = {.path = (char *)path};

	return cg_group_create_paths(g, &p, res, err);
}

int cg_group_open_in(struct cg_group *g, const char *root, const char *path, struct error *err)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *norm = NULL, *rel = NULL;
	_cleanup_close_ int rootfd = -1;
	int fd;

	g->dirfd = -1;
	g->v1 = NULL;
	g->n_v1 = 0;
	if (cg_path_split(path, &v, err) < 0)
		return -1;
	norm = join_components(v, strv_len(v));
	rootfd = open_dir_at(AT_FDCWD, root);
	if (rootfd < 0)
		return error_sys(err, "cannot open the cgroup hierarchy at %s", root);
	fd = open_dir_at(rootfd, norm + 1);
	if (fd < 0)
		return error_sys(err, "cannot open cgroup %s%s", root, norm);
	g->root = xstrdup(root);
	g->path = steal_pointer(&norm);
	g->dirfd = fd;
	return 0;
}

bool cg_group_may_use_v1(const struct cg_resources *res)
{
	_cleanup_free_ char *root = NULL;
	struct error e;

	return cg_hierarchy_find(&root, &e) < 0 || (res && res->n_w > 0);
}

int cg_group_open_paths(struct cg_group *g, const struct cg_paths *p, bool v1, struct error *err)
{
	static const struct cg_resources nothing;
	_cleanup_free_ char *root = NULL;
	struct cg_v1_dir *dirs = NULL;
	size_t n = 0;

	memset(g, 0, sizeof(*g));
	g->dirfd = -1;
	if (hierarchies(v1 ? NULL : &nothing, &root, &dirs, &n, err) < 0)
		return -1;
	cg_v1_dirs_free(dirs, n);
	if (root) {
		if (cg_group_open_in(g, root, p->path, err) < 0)
			return -1;
	} else if (cg_path_normalize(p->path, &g->path, err) < 0) {
		return -1;
	}
	if (v1 && cg_v1_open(g, p, err) < 0) {
		cg_group_release(g);
		return -1;
	}
	if (!root && cg_v1_procs_fd(g) < 0) {
		error_set(err, ENOENT, "cannot open cgroup %s: in no cgroup v1 hierarchy", p->path);
		cg_group_release(g);
		return -1;
	}
	return 0;
}

int cg_group_open(struct cg_group *g, const char *path, bool v1, struct error *err)
{
	const struct cg_paths p = {.path = (char *)path};

	return cg_group_open_paths(g, &p, v1, err);
}

void cg_group_release(struct cg_group *g)
{
	free(g->root);
	free(g->path);
	g->root = g->path = NULL;
	if (g->dirfd >= 0)
		close(g->dirfd);
	g->dirfd = -1;
	cg_v1_dirs_free(g->v1, g->n_v1);
	g->v1 = NULL;
	g->n_v1 = 0;
}

int cg_group_add_pid(const struct cg_group *g, pid_t pid, struct error *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (cg_write_file(g->dirfd, "cgroup.procs", buf, err) < 0)
		return error_prefix(err, "cannot move process %d into cgroup %s%s", (int)pid,
				    g->root, g->path);
	return 0;
}

static int update_v2(const struct cg_group *g, const struct cg_resources *res, struct error *err)
{
	_cleanup_strv_ char **v = NULL, **ctrls = NULL, **origins = NULL, **optional = NULL;
	_cleanup_close_ int cur = -1;
	size_t n;

	if (cg_resources_empty(res))
		return 0;
	if (cg_path_split(g->path, &v, err) < 0)
		return -1;
	n = strv_len(v);
	needed_controllers(res, &ctrls, &origins, &optional);
	cur = open_dir_at(AT_FDCWD, g->root);
	if (cur < 0)
		return error_sys(err, "cannot open the cgroup hierarchy at %s", g->root);
	for (size_t i = 0; (ctrls || optional) && i + 1 < n; i++) {
		_cleanup_free_ char *where = join_components(v, i);
		int next;

		if (enable_in(cur, g->root, where, ctrls, origins, optional, err) < 0)
			return -1;
		next = open_dir_at(cur, v[i]);
		if (next < 0)
			return error_sys(err, "cannot open cgroup %s%s/%s", g->root, where, v[i]);
		close(cur);
		cur = next;
	}
	if ((ctrls || optional) && n > 0) {
		_cleanup_free_ char *where = join_components(v, n - 1);

		if (enable_in(cur, g->root, where, ctrls, origins, optional, err) < 0)
			return -1;
	}
	return apply_writes(g->dirfd, g->root, g->path, res, err);
}

/* A hybrid host's container made without a group in a v1 hierarchy that
 * an update now needs: make it and move the container's processes in. */
static int v1_join_late(const struct cg_group *g, struct cg_v1_dir *d,
			const struct cg_resources *res, struct error *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (cg_group_pids(g, &pids, &n, err) < 0 || cg_v1_create(d, res, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", (int)pids[i]);
		if (cg_write_file(d->dirfd, "cgroup.procs", buf, err) < 0 && err->code != ESRCH)
			return error_prefix(err, "cannot move process %d into cgroup %s%s",
					    (int)pids[i], d->mnt, d->path);
	}
	return 0;
}

int cg_group_update(const struct cg_group *g, const struct cg_resources *res, struct error *err)
{
	const char *root = g->dirfd >= 0 ? g->root : NULL;
	struct cg_resources *v2 = NULL, **v1 = NULL;
	bool *join = NULL;
	int r = -1;

	if (cg_resources_empty(res))
		return 0;
	if (cg_v1_route(res, root, g->v1, g->n_v1, &v2, &v1, &join, err) < 0)
		goto out;
	if (g->dirfd >= 0 && update_v2(g, v2, err) < 0)
		goto out;
	for (size_t i = 0; i < g->n_v1; i++) {
		struct cg_v1_dir *d = &g->v1[i];

		if (d->dirfd >= 0 ? v1[i] && cg_v1_apply(d, v1[i], err) < 0
				  : join[i] && v1_join_late(g, d, v1[i], err) < 0)
			goto out;
	}
	r = 0;
out:
	route_free(v2, v1, join, g->n_v1);
	return r;
}

int cg_group_remove_if_empty(const char *path, bool v1, struct error *err)
{
	static const struct cg_resources nothing;
	_cleanup_free_ char *root = NULL;
	struct cg_v1_dir *dirs = NULL;
	size_t n = 0;
	int r = 0;

	if (hierarchies(v1 ? NULL : &nothing, &root, &dirs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i <= n && r == 0; i++) {
		const char *base = i < n ? dirs[i].mnt : root;
		_cleanup_free_ char *full = NULL;

		if (!base)
			continue;
		full = xasprintf("%s%s", base, path);
		if (rmdir(full) < 0 && errno != EBUSY && errno != ENOTEMPTY && errno != ENOENT)
			r = error_sys(err, "cannot remove cgroup %s", full);
	}
	cg_v1_dirs_free(dirs, n);
	return r;
}
