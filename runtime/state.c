/* Container state on disk: ROOT/ID/{state.json,config.json,exec.fifo}. */
#include "runtime/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

int rt_root_open(const struct rt_context *ctx, bool create, struct error *err)
{
	int fd;

	if (create && mkdir_p(ctx->root, 0700, err) < 0)
		return error_prefix(err, "cannot create state directory");
	fd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open state directory '%s'", ctx->root);
	return fd;
}

int rt_id_check(const char *id, struct error *err)
{
	size_t n = strlen(id);

	if (n == 0)
		return error_set(err, EINVAL, "invalid container ID: empty");
	/* The id is a whole file name twice: the state dir ROOT/ID and the
	 * cgroup /nook/ID.  Both hold at most NAME_MAX bytes. */
	if (n > RT_ID_MAX)
		return error_set(err, ENAMETOOLONG,
				 "invalid container ID: %zu characters, at most %d allowed", n,
				 RT_ID_MAX);
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return error_set(err, EINVAL, "invalid container ID \"%s\"", id);
	/* The id names a directory under ROOT: no '/', no control chars. */
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+'))
			return error_set(err, EINVAL,
					 "invalid container ID \"%s\": only [A-Za-z0-9_+.-] allowed", id);
	}
	return 0;
}

int rt_state_dir_open(const struct rt_context *ctx, const char *id, struct error *err)
{
	_cleanup_close_ int root = -1;
	int fd;

	if (rt_id_check(id, err) < 0)
		return -1;
	root = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 && errno != ENOENT)
		return error_sys(err, "cannot open state directory '%s'", ctx->root);
	fd = root < 0 ? -1 : openat(root, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return error_set(err, ENOENT, "container \"%s\" does not exist", id);
		return error_sys(err, "cannot open state of container \"%s\"", id);
	}
	return fd;
}

int rt_state_lock(int dirfd, struct error *err)
{
	while (flock(dirfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return error_sys(err, "cannot lock container state");
	}
	return 0;
}

void rt_state_unlock(int dirfd)
{
	flock(dirfd, LOCK_UN);
}

/* Is create still holding the dir?  Asked through a descriptor of our
 * own: a lock on another open file description conflicts with it. */
static bool dir_locked(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return false;
	return errno == EWOULDBLOCK;
}

int rt_state_dir_create(int root_fd, const char *id, struct error *err)
{
	int fd;

	if (mkdirat(root_fd, id, 0711) < 0) {
		if (errno == EEXIST)
			return error_set(err, EEXIST, "container \"%s\" already exists", id);
		return error_sys(err, "cannot create state directory for \"%s\"", id);
	}
	fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open state directory for \"%s\"", id);
	if (rt_state_lock(fd, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int rt_state_dir_remove(int root_fd, const char *id, struct error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			   ? 0
			   : error_sys(err, "cannot open state of container \"%s\"", id);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return error_sys(err, "cannot read state of container \"%s\"", id);
	}
	/* state.json goes last: until then the dir still says which cgroup
	 * and init it stands for, so an interrupted delete can be repeated. */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "state.json"))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, err) < 0)
			return error_prefix(err, "container \"%s\"", id);
	}
	fault_point("delete-files");
	if (unlinkat(dirfd(d), "state.json", 0) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove state of container \"%s\"", id);
	fault_point("delete-state");
	if (unlinkat(root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove state directory of container \"%s\"", id);
	return 0;
}

static char *json_dup_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

int rt_state_read(int dirfd, const char *id, struct rt_state *st, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	json_object *doc, *v;
	char *created;

	memset(st, 0, sizeof(*st));
	if (file_read_at(dirfd, "state.json", 0, &text, NULL, err) < 0) {
		if (err->code == ENOENT)
			return error_set(err, ENOENT, "container \"%s\" does not exist", id);
		return error_prefix(err, "container \"%s\"", id);
	}
	doc = json_tokener_parse(text);
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return error_set(err, EINVAL, "container \"%s\": corrupt state.json", id);
	}
	st->id = xstrdup(id);
	if (json_object_object_get_ex(doc, "pid", &v))
		st->pid = (pid_t)json_object_get_int(v);
	if (json_object_object_get_ex(doc, "pid_start", &v))
		st->pid_start = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(doc, "creator", &v))
		st->creator = (pid_t)json_object_get_int(v);
	if (json_object_object_get_ex(doc, "creating", &v))
		st->creating = json_object_get_boolean(v);
	/* Written by create; a state without them may have hooks. */
	st->poststart = st->poststop = true;
	if (json_object_object_get_ex(doc, "poststart", &v))
		st->poststart = json_object_get_boolean(v);
	if (json_object_object_get_ex(doc, "poststop", &v))
		st->poststop = json_object_get_boolean(v);
	st->bundle = json_dup_string(doc, "bundle");
	st->rootfs = json_dup_string(doc, "rootfs");
	st->cgroup_path = json_dup_string(doc, "cgroup_path");
	if (json_object_object_get_ex(doc, "cgroup_v1_paths", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, ctrl, path)
		{
			if (!json_object_is_type(path, json_type_string))
				continue;
			st->cgroup_v1_paths =
			    xrealloc(st->cgroup_v1_paths,
				     (st->n_cgroup_v1_paths + 1) * sizeof(*st->cgroup_v1_paths));
			st->cgroup_v1_paths[st->n_cgroup_v1_paths++] = (struct cg_v1_path){
			    .ctrl = xstrdup(ctrl), .path = xstrdup(json_object_get_string(path))};
		}
	}
	/* Written by create; a state without it may have v1 groups. */
	st->cgroup_v1 = true;
	if (json_object_object_get_ex(doc, "cgroup_v1", &v))
		st->cgroup_v1 = json_object_get_boolean(v);
	st->owner = json_dup_string(doc, "owner");
	created = json_dup_string(doc, "created");
	if (created)
		snprintf(st->created, sizeof(st->created), "%s", created);
	free(created);
	if (json_object_object_get_ex(doc, "annotations", &v))
		st->annotations = json_object_get(v);
	json_object_put(doc);
	return 0;
}

static void json_add_string(json_object *o, const char *key, const char *s)
{
	if (s)
		json_object_object_add(o, key, json_object_new_string(s));
}

int rt_state_write(int dirfd, const struct rt_state *st, struct error *err)
{
	json_object *doc = json_object_new_object();
	const char *text;
	int r;

	json_object_object_add(doc, "id", json_object_new_string(st->id));
	json_object_object_add(doc, "pid", json_object_new_int(st->pid));
	json_object_object_add(doc, "pid_start", json_object_new_int64((int64_t)st->pid_start));
	json_object_object_add(doc, "creator", json_object_new_int(st->creator));
	json_object_object_add(doc, "creating", json_object_new_boolean(st->creating));
	json_object_object_add(doc, "poststart", json_object_new_boolean(st->poststart));
	json_object_object_add(doc, "poststop", json_object_new_boolean(st->poststop));
	json_add_string(doc, "bundle", st->bundle);
	json_add_string(doc, "rootfs", st->rootfs);
	json_add_string(doc, "cgroup_path", st->cgroup_path);
	json_object_object_add(doc, "cgroup_v1", json_object_new_boolean(st->cgroup_v1));
	if (st->n_cgroup_v1_paths) {
		json_object *paths = json_object_new_object();

		for (size_t i = 0; i < st->n_cgroup_v1_paths; i++)
			json_object_object_add(paths, st->cgroup_v1_paths[i].ctrl,
					       json_object_new_string(st->cgroup_v1_paths[i].path));
		json_object_object_add(doc, "cgroup_v1_paths", paths);
	}
	json_add_string(doc, "created", st->created);
	json_add_string(doc, "owner", st->owner);
	if (st->annotations)
		json_object_object_add(doc, "annotations", json_object_get(st->annotations));
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	r = file_write_atomic_at(dirfd, "state.json", text, strlen(text), 0600, err);
	json_object_put(doc);
	return r;
}

void rt_state_release(struct rt_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	{
		struct cg_paths p = {.path = st->cgroup_path,
				     .v1 = st->cgroup_v1_paths,
				     .n_v1 = st->n_cgroup_v1_paths};

		cg_paths_release(&p);
	}
	free(st->owner);
	json_object_put(st->annotations);
	memset(st, 0, sizeof(*st));
}

static bool pid_is_zombie(pid_t pid)
{
	char path[64], buf[512];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

bool rt_state_alive(const struct rt_state *st)
{
	if (st->pid <= 0)
		return false;
	if (proc_start_time(st->pid) != st->pid_start)
		return false;
	return !pid_is_zombie(st->pid);
}

int rt_state_cgroup(const struct rt_state *st, struct cg_group *g, struct error *err)
{
	if (!st->cgroup_path)
		return 0;
	/* Each v1 group where create put it: a relative cgroupsPath may have
	 * put them at different places per hierarchy. */
	if (cg_group_open_paths(g,
				&(struct cg_paths){.path = st->cgroup_path,
						   .v1 = st->cgroup_v1_paths,
						   .n_v1 = st->n_cgroup_v1_paths},
				st->cgroup_v1, err) < 0)
		return -1;
	return 1;
}

bool rt_state_oom_killed(const struct rt_state *st)
{
	struct cg_group g = {.dirfd = -1};
	uint64_t oom = 0, kills = 0;
	struct error err;

	if (rt_state_cgroup(st, &g, &err) <= 0)
		return false;
	if (cg_group_oom(&g, &oom, &kills, &err) < 0)
		kills = 0;
	cg_group_release(&g);
	return kills > 0;
}

enum rt_status rt_state_status(int dirfd, const struct rt_state *st)
{
	struct cg_group g = {.dirfd = -1};
	struct error err;
	int frozen = 0;

	if (st->creating) {
		/* create holds the dir's lock until it has recorded the
		 * container; a free lock means it died half-way, and what it
		 * left is stopped (and removed by delete). */
		return dir_locked(dirfd) ? RT_STATUS_CREATING : RT_STATUS_STOPPED;
	}
	if (!rt_state_alive(st))
		return RT_STATUS_STOPPED;
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return RT_STATUS_CREATED;
	if (rt_state_cgroup(st, &g, &err) > 0) {
		frozen = cg_group_frozen(&g);
		cg_group_release(&g);
	}
	return frozen == 1 ? RT_STATUS_PAUSED : RT_STATUS_RUNNING;
}

char *rt_state_json(const struct rt_state *st, enum rt_status s, bool pretty)
{
	json_object *doc = json_object_new_object();
	char *r;

	json_object_object_add(doc, "ociVersion", json_object_new_string(NOOK_OCI_VERSION));
	json_object_object_add(doc, "id", json_object_new_string(st->id));
	json_object_object_add(doc, "pid",
			       json_object_new_int(s == RT_STATUS_STOPPED ? 0 : st->pid));
	json_object_object_add(doc, "status", json_object_new_string(rt_status_name(s)));
	json_add_string(doc, "bundle", st->bundle);
	json_add_string(doc, "rootfs", st->rootfs);
	json_add_string(doc, "created", st->created);
	json_add_string(doc, "owner", st->owner ? st->owner : "");
	if (st->annotations && json_object_object_length(st->annotations) > 0)
		json_object_object_add(doc, "annotations", json_object_get(st->annotations));
	r = xstrdup(json_object_to_json_string_ext(
		doc, pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				      JSON_C_TO_STRING_NOSLASHESCAPE
			    : JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return r;
}

int rt_pid_file_write(const char *path, pid_t pid, struct error *err)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	char buf[32];
	char *slash;
	int n;

	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		tmp = xstrdup(slash + 1);
	} else if (slash) {
		tmp = xstrdup(slash + 1);
		strcpy(dir, "/");
	} else {
		tmp = xstrdup(path);
		strcpy(dir, ".");
	}
	{
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0)
			return error_sys(err, "cannot open pid file directory '%s'", dir);
		if (file_write_atomic_at(dfd, tmp, buf, (size_t)n, 0644, err) < 0)
			return error_prefix(err, "pid file");
	}
	return 0;
}

void rt_cgroup_parent_cleanup(const char *cgroup_path, bool v1)
{
	struct error err;

	/* Only the default parent is nook's own; a parent named by
	 * linux.cgroupsPath belongs to whoever chose it. */
	if (!cgroup_path || !str_has_prefix(cgroup_path, "/nook/") || strchr(cgroup_path + 6, '/'))
		return;
	if (cg_group_remove_if_empty("/nook", v1, &err) < 0)
		log_debug("%s", err.msg);
}
