/* The cgroup v1 backend: finding the v1 hierarchies, deciding which
 * hierarchy applies each write (v2 first), runc's OCI -> v1 conversions,
 * and creating, opening, freezing and removing a container's v1 groups.
 *
 * Kept apart from the v2 code as crun keeps its v1 and v2 managers apart:
 * v2 stays the path every limit takes when it can, and this file only sees
 * the controllers a v2 hierarchy lacks (a hybrid host's, or all of them
 * on a pure v1 host). */
#include "cgroups/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define V1_WAIT_MS 10000

void cg_v1_dirs_free(struct cg_v1_dir *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++) {
		free(d[i].mnt);
		strv_free(d[i].ctrls);
		free(d[i].path);
		if (d[i].dirfd >= 0)
			close(d[i].dirfd);
	}
	free(d);
}

static bool v1_off(void)
{
	const char *e = getenv("NOOK_CGROUP_V1");

	return e && (!strcmp(e, "off") || !strcmp(e, "0"));
}

struct cg_v1_dir *cg_v1_lookup(struct cg_v1_dir *d, size_t n, const char *c)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; d[i].ctrls && d[i].ctrls[j]; j++)
			if (!strcmp(d[i].ctrls[j], c))
				return &d[i];
	return NULL;
}

/* The controllers the kernel knows, from /proc/cgroups. */
static char **known_controllers(void)
{
	_cleanup_free_ char *text = NULL;
	char **v = NULL;
	struct error e;

	if (file_read_at(AT_FDCWD, "/proc/cgroups", 0, &text, NULL, &e) < 0)
		return NULL;
	for (char *p = text, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char name[64];

		if (line[0] != '#' && sscanf(line, "%63s", name) == 1)
			strv_push(&v, name);
	}
	return v;
}

static bool in_strv(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* One mountinfo line of a v1 hierarchy mounted at its root: the mount
 * point and the controllers among its super options ("rw,cpu,cpuacct").
 * A named hierarchy without controllers (name=systemd) is not one, unless
 * named is true: then "name=..." counts as a controller. */
static bool parse_mount(char *line, char **known, bool named, char **mnt, char ***ctrls)
{
	char *f[6] = {0}, *save = NULL, *sep, *tok;
	size_t i = 0;

	sep = strstr(line, " - ");
	if (!sep)
		return false;
	*sep = '\0';
	for (char *p = line; i < ARRAY_SIZE(f) && (tok = strtok_r(p, " ", &save)); p = NULL)
		f[i++] = tok;
	if (i < 5 || strcmp(f[3], "/") != 0)
		return false;
	save = NULL;
	tok = strtok_r(sep + 3, " ", &save);
	if (!tok || strcmp(tok, "cgroup") != 0 || !strtok_r(NULL, " ", &save))
		return false;
	tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return false;
	for (char *p = tok, *s2 = NULL, *o; (o = strtok_r(p, ",", &s2)); p = NULL)
		if (in_strv(known, o) || (named && str_has_prefix(o, "name=")))
			strv_push(ctrls, o);
	if (!*ctrls)
		return false;
	*mnt = xstrdup(f[4]);
	return true;
}

/* The hierarchies do not move during one command, and create, delete and
 * the removal of the parent each ask: /proc/self/mountinfo and
 * /proc/cgroups are read once per process.  Not safe for threads (nook's
 * runtime commands have none). */
static struct cg_v1_dir *v1_cache;
static size_t v1_cache_n;
static bool v1_cached;

/* Every v1 hierarchy in /proc/self/mountinfo (named ones too when
 * named), the first mount of each. */
static int scan(bool named, struct cg_v1_dir **out, size_t *n, struct error *err)
{
	_cleanup_strv_ char **known = NULL;
	_cleanup_free_ char *text = NULL;
	struct cg_v1_dir *d = NULL;
	size_t count = 0;

	if (file_read_at(AT_FDCWD, "/proc/self/mountinfo", 0, &text, NULL, err) < 0)
		return error_prefix(err, "cannot find the cgroup v1 hierarchies");
	known = known_controllers();
	for (char *p = text, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL) {
		_cleanup_strv_ char **ctrls = NULL;
		char *mnt = NULL;

		if (!strstr(line, " - cgroup ") || !parse_mount(line, known, named, &mnt, &ctrls))
			continue;
		/* The same hierarchy mounted twice: the first mount wins. */
		if (cg_v1_lookup(d, count, ctrls[0])) {
			free(mnt);
			continue;
		}
		d = xrealloc(d, (count + 1) * sizeof(*d));
		d[count++] =
		    (struct cg_v1_dir){.mnt = mnt, .ctrls = steal_pointer(&ctrls), .dirfd = -1};
	}
	*out = d;
	*n = count;
	return 0;
}

static int v1_scan(struct error *err)
{
	if (scan(false, &v1_cache, &v1_cache_n, err) < 0)
		return -1;
	v1_cached = true;
	return 0;
}

int cg_v1_scan_all(struct cg_v1_dir **out, size_t *n, struct error *err)
{
	*out = NULL;
	*n = 0;
	return v1_off() ? 0 : scan(true, out, n, err);
}

int cg_v1_find(struct cg_v1_dir **out, size_t *n, struct error *err)
{
	struct cg_v1_dir *d;

	*out = NULL;
	*n = 0;
	if (v1_off())
		return 0;
	if (!v1_cached && v1_scan(err) < 0)
		return -1;
	if (v1_cache_n == 0)
		return 0;
	d = xzalloc(v1_cache_n * sizeof(*d));
	for (size_t i = 0; i < v1_cache_n; i++)
		d[i] = (struct cg_v1_dir){.mnt = xstrdup(v1_cache[i].mnt),
					  .ctrls = strv_dup(v1_cache[i].ctrls),
					  .dirfd = -1};
	*out = d;
	*n = v1_cache_n;
	return 0;
}

bool cg_v1_available(void)
{
	struct cg_v1_dir *d;
	struct error e;
	size_t n;

	if (cg_v1_find(&d, &n, &e) < 0)
		return false;
	cg_v1_dirs_free(d, n);
	return n > 0;
}

/* ------------------------------------------------------ conversions -- */

static void copy_write(struct cg_resources *dst, const struct cg_write *w)
{
	if (w->alt_file)
		cg_resources_add_alt(dst, w->file, w->value, w->alt_file, w->alt_value, w->origin);
	else
		cg_resources_add(dst, w->file, w->value, w->flags, w->origin);
	dst->w[dst->n_w - 1].flags = w->flags;
}

static void add_flagged(struct cg_resources *t, const char *file, const char *value, unsigned flags,
			const char *origin)
{
	cg_resources_add(t, file, value, flags, origin);
}

/* v2's "max" is v1's -1 for byte and count limits. */
static const char *v1_limit(const char *v)
{
	return strcmp(v, "max") ? v : "-1";
}

/* The last memory.max of res before write i, or NULL. */
static const char *memory_limit_before(const struct cg_resources *res, size_t i)
{
	const char *v = NULL;

	for (size_t j = 0; j < i; j++)
		if (!strcmp(res->w[j].file, "memory.max"))
			v = res->w[j].value;
	return v;
}

/* io.max's "MAJ:MIN key=V" -> the blkio.throttle file and "MAJ:MIN V"
 * (v1's 0 is "no limit"). */
static int io_max_to_v1(const char *value, struct cg_resources *t, unsigned flags,
			const char *origin)
{
	static const struct {
		const char *key, *file;
	} keys[] = {
	    {"rbps", "blkio.throttle.read_bps_device"},
	    {"wbps", "blkio.throttle.write_bps_device"},
	    {"riops", "blkio.throttle.read_iops_device"},
	    {"wiops", "blkio.throttle.write_iops_device"},
	};
	char dev[32], key[16], val[32], buf[64];

	if (sscanf(value, "%31s %15[a-z]=%31s", dev, key, val) != 3)
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		if (strcmp(key, keys[k].key) != 0)
			continue;
		snprintf(buf, sizeof(buf), "%s %s", dev, strcmp(val, "max") ? val : "0");
		add_flagged(t, keys[k].file, buf, flags, origin);
		return 1;
	}
	return 0;
}

/* The v1 writes for write i of res, as runc's fs driver does them, into t.
 * 1 converted, 0 no v1 form (linux.resources.unified, a v2-only file). */
static int to_v1(const struct cg_resources *res, size_t i, struct cg_resources *t)
{
	const struct cg_write *w = &res->w[i];
	const char *f = w->file, *v = w->value, *o = w->origin;
	unsigned fl = w->flags & (CG_WRITE_MISSING_OK | CG_WRITE_NO_LIMIT);
	char buf[96];
	size_t len = strlen(f);

	if (w->v1_file) {
		add_flagged(t, w->v1_file, w->v1_value, fl, o);
		return 1;
	}
	/* runc refuses unified on v1 (ErrV1NoUnified): those keys name v2
	 * files, and guessing their v1 meaning would apply something else. */
	if (str_has_prefix(o, "linux.resources.unified"))
		return 0;
	if (!strcmp(f, "memory.max")) {
		add_flagged(t, "memory.limit_in_bytes", v1_limit(v), fl | CG_WRITE_V1_PAIR, o);
	} else if (!strcmp(f, "memory.low")) {
		add_flagged(t, "memory.soft_limit_in_bytes", v1_limit(v), fl, o);
	} else if (!strcmp(f, "memory.swap.max")) {
		/* OCI's swap is memory+swap, which is what memsw takes; v2
		 * got the difference. */
		const char *mem = memory_limit_before(res, i);
		uint64_t a, b;

		if (!strcmp(v, "max") || !mem || !strcmp(mem, "max"))
			snprintf(buf, sizeof(buf), "-1");
		else if (parse_uint64(v, &a) == 0 && parse_uint64(mem, &b) == 0)
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(a + b));
		else
			return 0;
		/* Without swap accounting there is no memsw file: "-1" and
		 * "no more than memory" then need nothing (runc). */
		if (!strcmp(buf, "-1") || !strcmp(v, "0"))
			fl |= CG_WRITE_MISSING_OK;
		add_flagged(t, "memory.memsw.limit_in_bytes", buf, fl, o);
	} else if (!strcmp(f, "cpu.max")) {
		char quota[32], period[32];

		if (sscanf(v, "%31s %31s", quota, period) != 2)
			return 0;
		/* Period first; on EINVAL the quota first (runc). */
		add_flagged(t, "cpu.cfs_period_us", period, fl | CG_WRITE_V1_PAIR, o);
		add_flagged(t, "cpu.cfs_quota_us", v1_limit(quota), fl, o);
	} else if (!strcmp(f, "cpu.max.burst")) {
		add_flagged(t, "cpu.cfs_burst_us", v, fl, o);
	} else if (!strcmp(f, "cpu.idle") || !strcmp(f, "cpuset.cpus") ||
		   !strcmp(f, "cpuset.mems") || !strcmp(f, "pids.max") || !strcmp(f, "rdma.max") ||
		   !strcmp(f, "misc.max")) {
		add_flagged(t, f, v, fl, o);
	} else if (!strcmp(f, "io.bfq.weight")) {
		/* The raw OCI weight, which v1 takes as it is. */
		bool dev = strchr(v, ':') != NULL;

		cg_resources_add_alt(t, dev ? "blkio.bfq.weight_device" : "blkio.bfq.weight", v,
				     dev ? "blkio.weight_device" : "blkio.weight", v, o);
	} else if (!strcmp(f, "io.max")) {
		return io_max_to_v1(v, t, fl, o);
	} else if (str_has_prefix(f, "hugetlb.") && len > 4 && !strcmp(f + len - 4, ".max")) {
		snprintf(buf, sizeof(buf), "%.*s.limit_in_bytes", (int)(len - 4), f);
		add_flagged(t, buf, v1_limit(v), fl, o);
	} else {
		return 0;
	}
	return 1;
}

/* The OCI device rules as v1 devices.allow/deny writes.  nook's rules
 * say "the last matching rule wins, unmatched is denied"; v1 keeps a
 * default and a list of exceptions.  The last "all devices, rwm" rule
 * sets the default (rules before it are overridden); without one the
 * default is deny, and every later rule becomes an exception. */
static void devices_to_v1(const struct cg_resources *res, struct cg_resources *t)
{
	static const char *const origin = "linux.resources.devices";
	const unsigned rwm = CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD;
	size_t start = 0;
	bool allow = false;

	for (size_t i = 0; i < res->n_dev; i++) {
		const struct cg_device_rule *r = &res->dev[i];

		if (r->type == 'a' && r->access == rwm) {
			start = i + 1;
			allow = r->allow;
		}
	}
	add_flagged(t, allow ? "devices.allow" : "devices.deny", "a", 0, origin);
	for (size_t i = start; i < res->n_dev; i++) {
		const struct cg_device_rule *r = &res->dev[i];
		char maj[16] = "*", min[16] = "*", acc[4] = "", buf[64];
		size_t k = 0;

		if (r->major != CG_DEV_WILDCARD)
			snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
		if (r->minor != CG_DEV_WILDCARD)
			snprintf(min, sizeof(min), "%lld", (long long)r->minor);
		if (r->access & CG_DEV_READ)
			acc[k++] = 'r';
		if (r->access & CG_DEV_WRITE)
			acc[k++] = 'w';
		if (r->access & CG_DEV_MKNOD)
			acc[k++] = 'm';
		acc[k] = '\0';
		snprintf(buf, sizeof(buf), "%c %s:%s %s", r->type, maj, min, acc);
		add_flagged(t, r->allow ? "devices.allow" : "devices.deny", buf, 0, origin);
	}
}

/* ----------------------------------------------------------- routing -- */

/* Move t's writes to the per-hierarchy lists; false (nothing moved) if
 * one has no v1 hierarchy, its controller named in *missing. */
static bool place_v1(struct cg_resources *t, struct cg_v1_dir *dirs, size_t n,
		     struct cg_resources **v1, bool *join, bool limit, char *missing, size_t len)
{
	_cleanup_free_ size_t *idx = xmalloc((t->n_w + 1) * sizeof(size_t));

	for (size_t k = 0; k < t->n_w; k++) {
		char c[64];
		struct cg_v1_dir *d;

		if (!cg_file_controller(t->w[k].file, c, sizeof(c)) ||
		    !(d = cg_v1_lookup(dirs, n, c))) {
			snprintf(missing, len, "%s", c);
			return false;
		}
		idx[k] = (size_t)(d - dirs);
	}
	for (size_t k = 0; k < t->n_w; k++) {
		if (!v1[idx[k]])
			v1[idx[k]] = cg_resources_new();
		copy_write(v1[idx[k]], &t->w[k]);
		if (limit)
			join[idx[k]] = true;
	}
	return true;
}

/* Hybrid: once a limit puts the container into a v1 hierarchy, it also
 * joins the v1 usage controllers, as runc does, so that `events --stats`,
 * `podman stats` and `ctr task metrics` read its own figures rather than
 * the parent's.  Without such a limit it joins no v1 hierarchy at all. */
static void join_usage(struct cg_v1_dir *dirs, size_t n, bool *join)
{
	static const char *const usage[] = {"cpu", "cpuacct", "memory", "pids", "blkio"};
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= join[i];
	for (size_t k = 0; any && k < ARRAY_SIZE(usage); k++) {
		struct cg_v1_dir *d = cg_v1_lookup(dirs, n, usage[k]);

		if (d)
			join[d - dirs] = true;
	}
}

int cg_v1_route(const struct cg_resources *res, const char *root, struct cg_v1_dir *dirs, size_t n,
		struct cg_resources **v2, struct cg_resources ***v1, bool **join, struct error *err)
{
	_cleanup_free_ char *avail = NULL;

	*v2 = root ? cg_resources_new() : NULL;
	*v1 = xzalloc((n + 1) * sizeof(**v1));
	*join = xzalloc(n + 1);
	if (root) {
		_cleanup_free_ char *p = xasprintf("%s/cgroup.controllers", root);

		if (file_read_at(AT_FDCWD, p, 0, &avail, NULL, err) < 0)
			return error_prefix(err, "cgroup %s", root);
	} else {
		/* Pure v1: the container joins every hierarchy, as with runc,
		 * so that freezer, pids and usage figures exist for it. */
		for (size_t i = 0; i < n; i++)
			(*join)[i] = true;
	}
	for (size_t i = 0; res && i < res->n_w; i++) {
		const struct cg_write *w = &res->w[i];
		struct cg_resources *t = cg_resources_new();
		bool limit = !(w->flags & CG_WRITE_NO_LIMIT), placed = false, no_form = false;
		char c[64] = "", missing[64] = "";

		cg_file_controller(w->file, c, sizeof(c));
		if (root && !w->v1_only && (!strcmp(c, "cgroup") || cg_word_in(avail, c))) {
			copy_write(*v2, w);
			cg_resources_free(t);
			continue;
		}
		if (to_v1(res, i, t))
			placed = place_v1(t, dirs, n, *v1, *join, limit, missing, sizeof(missing));
		else
			no_form = true;
		cg_resources_free(t);
		if (placed)
			continue;
		if (root && !w->v1_only) {
			/* The v2 code skips a "no limit" write or names the
			 * controller it lacks. */
			copy_write(*v2, w);
		} else if (limit && no_form) {
			return error_set(
			    err, ENOTSUP,
			    "cannot apply %s: no cgroup v2 hierarchy, and %s has no v1 "
			    "form%s",
			    w->origin, w->file,
			    str_has_prefix(w->origin, "linux.resources.unified")
				? " (linux.resources.unified needs cgroup v2, as with runc)"
				: "");
		} else if (limit) {
			return error_set(
			    err, ENOTSUP,
			    "cannot apply %s: %s%s%sno cgroup v1 hierarchy has the %s "
			    "controller%s",
			    w->origin, w->v1_only ? "cgroup v2 has no " : "",
			    w->v1_only ? w->v1_file : "", w->v1_only ? " and " : "",
			    missing[0] ? missing : c,
			    v1_off() ? " (the cgroup v1 backend is off: NOOK_CGROUP_V1=off)" : "");
		}
	}
	if (root)
		join_usage(dirs, n, *join);
	if (res && res->devices_set) {
		if (root) {
			for (size_t i = 0; i < res->n_dev; i++)
				cg_resources_add_device(*v2, &res->dev[i]);
			cg_resources_devices_set(*v2);
		} else {
			struct cg_resources *t = cg_resources_new();
			char missing[64];
			bool ok;

			devices_to_v1(res, t);
			ok = place_v1(t, dirs, n, *v1, *join, true, missing, sizeof(missing));
			cg_resources_free(t);
			if (!ok)
				return error_set(
				    err, ENOTSUP,
				    "cannot apply linux.resources.devices: no cgroup v2 "
				    "hierarchy and no cgroup v1 devices hierarchy");
		}
	}
	return 0;
}

/* ------------------------------------------------------------ groups -- */

static int open_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A new cpuset group starts with no cpus and no mems, and nothing can join
 * it: copy the parent's, as runc does. */
static int cpuset_inherit(int parent, int dirfd, struct error *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = NULL, *theirs = NULL;

		if (file_read_at(dirfd, files[i], 0, &mine, NULL, err) < 0)
			return -1;
		if (mine[0] != '\n' && mine[0] != '\0')
			continue;
		if (file_read_at(parent, files[i], 0, &theirs, NULL, err) < 0)
			return -1;
		theirs[strcspn(theirs, "\n")] = '\0';
		if (theirs[0] && cg_write_file(dirfd, files[i], theirs, err) < 0)
			return -1;
	}
	return 0;
}

static char *components_join(char **v, size_t n)
{
	_cleanup_free_ char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s/%s", s, v[i]);

		free(s);
		s = next;
	}
	return steal_pointer(&s);
}

int cg_v1_create(struct cg_v1_dir *d, const struct cg_resources *res, struct error *err)
{
	const char *path = d->path;
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ int *fds = NULL;
	bool cpuset = in_strv(d->ctrls, "cpuset"), made_any = false;
	size_t n, made_from = 0, opened = 0;
	int cur;

	if (cg_path_split(path, &v, err) < 0)
		return -1;
	n = strv_len(v);
	fds = xmalloc((n + 1) * sizeof(int));
	cur = open_dir(AT_FDCWD, d->mnt);
	if (cur < 0)
		return error_sys(err, "cannot open the cgroup v1 hierarchy at %s", d->mnt);
	/* fds[i] is the directory holding v[i]. */
	for (size_t i = 0; i < n; i++) {
		fds[i] = cur;
		opened = i + 1;
		if (mkdirat(cur, v[i], 0755) == 0) {
			if (!made_any)
				made_from = i;
			made_any = true;
		} else if (errno != EEXIST || i == n - 1 || made_any) {
			/* The group itself must be new, as in v2. */
			_cleanup_free_ char *p = components_join(v, i + 1);

			error_sys(err, "cannot create cgroup %s%s", d->mnt, p);
			goto rollback;
		}
		cur = open_dir(fds[i], v[i]);
		if (cur < 0) {
			_cleanup_free_ char *p = components_join(v, i + 1);

			error_sys(err, "cannot open cgroup %s%s", d->mnt, p);
			goto rollback;
		}
		if (cpuset && made_any && cpuset_inherit(fds[i], cur, err) < 0) {
			close(cur);
			error_prefix(err, "cgroup %s%s", d->mnt, path);
			goto rollback;
		}
	}
	if (cg_writes_apply(cur, d->mnt, path, res, err) < 0) {
		close(cur);
		goto rollback;
	}
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	d->dirfd = cur;
	return 0;

rollback:
	for (size_t i = opened; i-- > 0;) {
		if (made_any && i >= made_from)
			unlinkat(fds[i], v[i], AT_REMOVEDIR);
		close(fds[i]);
	}
	return -1;
}

int cg_v1_apply(struct cg_v1_dir *d, const struct cg_resources *res, struct error *err)
{
	return cg_writes_apply(d->dirfd, d->mnt, d->path, res, err);
}

/* p's path for the hierarchy d, or NULL (it is p->path). */
static const char *path_for(const struct cg_paths *p, const struct cg_v1_dir *d)
{
	for (size_t i = 0; p && i < p->n_v1; i++)
		if (in_strv(d->ctrls, p->v1[i].ctrl))
			return p->v1[i].path;
	return NULL;
}

int cg_v1_paths_set(struct cg_group *g, const struct cg_paths *p, struct error *err)
{
	for (size_t i = 0; i < g->n_v1; i++) {
		const char *own = path_for(p, &g->v1[i]);

		free(g->v1[i].path);
		g->v1[i].path = NULL;
		if (!own)
			g->v1[i].path = xstrdup(g->path);
		else if (cg_path_normalize(own, &g->v1[i].path, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_open(struct cg_group *g, const struct cg_paths *p, struct error *err)
{
	if (cg_v1_find(&g->v1, &g->n_v1, err) < 0 || cg_v1_paths_set(g, p, err) < 0)
		return -1;
	for (size_t i = 0; i < g->n_v1; i++) {
		_cleanup_free_ char *full = xasprintf("%s%s", g->v1[i].mnt, g->v1[i].path);

		g->v1[i].dirfd = open_dir(AT_FDCWD, full);
	}
	return 0;
}

int cg_group_enter(const struct cg_group *g, pid_t pid, struct error *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < g->n_v1; i++) {
		if (g->v1[i].dirfd < 0)
			continue;
		/* cgroup.procs moves the whole thread group. */
		if (cg_write_file(g->v1[i].dirfd, "cgroup.procs", buf, err) < 0)
			return error_prefix(err, "cannot move process %d into cgroup %s%s",
					    (int)pid, g->v1[i].mnt, g->v1[i].path);
	}
	return 0;
}

static struct cg_v1_dir *joined(const struct cg_group *g, const char *c)
{
	struct cg_v1_dir *d = cg_v1_lookup(g->v1, g->n_v1, c);

	return d && d->dirfd >= 0 ? d : NULL;
}

int cg_v1_procs_fd(const struct cg_group *g)
{
	static const char *const prefer[] = {"pids", "freezer", "memory", "cpu"};

	for (size_t i = 0; i < ARRAY_SIZE(prefer); i++)
		if (joined(g, prefer[i]))
			return joined(g, prefer[i])->dirfd;
	for (size_t i = 0; i < g->n_v1; i++)
		if (g->v1[i].dirfd >= 0)
			return g->v1[i].dirfd;
	return -1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cg_v1_frozen(const struct cg_group *g)
{
	struct cg_v1_dir *d = joined(g, "freezer");
	_cleanup_free_ char *text = NULL;
	struct error e;

	if (!d)
		return 0;
	if (file_read_at(d->dirfd, "freezer.state", 0, &text, NULL, &e) < 0)
		return -1;
	return str_has_prefix(text, "FROZEN");
}

int cg_v1_freeze(const struct cg_group *g, bool freeze, struct error *err)
{
	struct cg_v1_dir *d = joined(g, "freezer");
	const char *want = freeze ? "FROZEN" : "THAWED";
	int64_t deadline = mono_ms() + V1_WAIT_MS;

	if (!d)
		return error_set(err, ENOTSUP,
				 "cannot %s cgroup %s: no cgroup v2 hierarchy and no v1 freezer",
				 freeze ? "freeze" : "thaw", g->path);
	/* freezer.state passes through FREEZING; writing FROZEN again
	 * retries the tasks that were busy (runc does the same). */
	for (;;) {
		_cleanup_free_ char *text = NULL;

		if (cg_write_file(d->dirfd, "freezer.state", want, err) < 0 ||
		    file_read_at(d->dirfd, "freezer.state", 0, &text, NULL, err) < 0)
			return error_prefix(err, "cannot %s cgroup %s%s",
					    freeze ? "freeze" : "thaw", d->mnt, d->path);
		if (str_has_prefix(text, want))
			return 0;
		if (mono_ms() > deadline)
			return error_set(err, ETIMEDOUT, "timed out %s cgroup %s%s",
					 freeze ? "freezing" : "thawing", d->mnt, d->path);
		usleep(1000);
	}
}

int cg_v1_remove(struct cg_group *g, struct error *err)
{
	for (size_t i = 0; i < g->n_v1; i++) {
		struct cg_v1_dir *d = &g->v1[i];
		_cleanup_close_ int rootfd = -1;

		if (d->dirfd < 0)
			continue;
		rootfd = open_dir(AT_FDCWD, d->mnt);
		if (rootfd < 0)
			return error_sys(err, "cannot open the cgroup v1 hierarchy at %s", d->mnt);
		if (cg_dir_remove(rootfd, d->path + 1, d->dirfd, err) < 0)
			return error_prefix(err, "cgroup %s%s", d->mnt, d->path);
		close(d->dirfd);
		d->dirfd = -1;
	}
	return 0;
}
