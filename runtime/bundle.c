/* Bundles and mounts made from images: an overlay root over an image's
 * layers and a config.json from the runtime's default spec with the
 * image config on top.
 *
 * Each step is ordered so that a kill -9 between any two leaves a state
 * the next command finishes: `bundle` records the user of the image
 * first, then makes its directories, mounts, and writes config.json last
 * (so a bundle without config.json is an unfinished one, which `bundle`
 * run again completes); `bundle --remove` goes the other way round and
 * forgets the record last, treating "not mounted" and "already gone" as
 * done. */
#include "runtime/internal.h"
#include "image/image.h"
#include "overlayfs/overlayfs.h"
#include "namespaces/namespaces.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

/* A bundle's user key in the store: this and its absolute path. */
#define BUNDLE_KEY "bundle:"

/* Image files read to resolve a user are small; a bigger one is refused. */
#define MAX_ID_FILE (4u << 20)

/* ------------------------------------------------------------- users -- */

/* Read /etc/passwd or /etc/group of the image.  Resolved inside the root
 * (open_in_root: a symlink there cannot reach the host's files), and only
 * a regular file: opened as O_PATH first, so a FIFO cannot block us and a
 * device node of the image is never opened on the host.  ENOENT when the
 * image has none. */
static int id_file_read(int rootfd, const char *path, char **out, struct error *err)
{
	_cleanup_close_ int pfd = -1, fd = -1;
	_cleanup_free_ char *proc = NULL, *buf = NULL;
	struct stat st;
	size_t len = 0, cap;

	pfd = open_in_root(rootfd, path, O_PATH, ROOT_CREATE_NONE, err);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) < 0)
		return error_sys(err, "cannot stat '%s' of the image", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "'%s' of the image is not a regular file", path);
	if ((uint64_t)st.st_size > MAX_ID_FILE)
		return error_set(err, EFBIG, "'%s' of the image is larger than %u bytes", path,
				 MAX_ID_FILE);
	proc = xasprintf("/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open '%s' of the image", path);
	/* Room for what stat saw, grown should the file grow meanwhile (a
	 * buffer of the whole bound costs an mmap and munmap per run). */
	cap = (size_t)st.st_size + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap = cap * 2 > MAX_ID_FILE + 2 ? MAX_ID_FILE + 2 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_sys(err, "cannot read '%s' of the image", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_ID_FILE)
			return error_set(err, EFBIG, "'%s' of the image is larger than %u bytes",
					 path, MAX_ID_FILE);
	}
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

/* Find the line of data (passwd or group format) whose first field, or
 * third when by_id, is key; its fields go to f[]. */
static bool id_file_find(char *data, const char *key, bool by_id, char *f[7])
{
	for (char *line = data, *next; line && *line; line = next) {
		int i = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		memset(f, 0, 7 * sizeof(*f));
		for (char *p = line; i < 7 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (i >= 3 && !strcmp(f[by_id ? 2 : 0], key))
			return true;
	}
	return false;
}

/* An image's User as docker and runc read it: "user[:group]", each a name
 * or a number.  A name must be in the image's /etc/passwd (or
 * /etc/group); a numeric user found there takes its group from there.
 * Anything else is refused with docker's message rather than run as
 * root. */
int rt_user_resolve(const char *spec, int rootfd, int64_t *uid, int64_t *gid, struct error *err)
{
	_cleanup_free_ char *user = xstrdup(spec && *spec ? spec : "0");
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	char *grp = strchr(user, ':'), *f[7];
	bool numeric;
	struct error e;

	*gid = 0;
	if (grp)
		*grp++ = '\0';
	numeric = parse_int64(user, uid) == 0 && *uid >= 0 && *uid <= UINT32_MAX;
	if (id_file_read(rootfd, "/etc/passwd", &passwd, &e) < 0) {
		/* A number needs no passwd (it would only give the group). */
		if (e.code != ENOENT && !numeric)
			return error_set(err, e.code, "unable to find user %s: %s", user, e.msg);
		if (!numeric)
			return error_set(
			    err, ENOENT,
			    "unable to find user %s: no matching entries in passwd file", user);
	} else if (id_file_find(passwd, user, numeric, f)) {
		if (!numeric && (parse_int64(f[2], uid) < 0 || *uid < 0 || *uid > UINT32_MAX))
			return error_set(err, EINVAL, "user %s: invalid uid '%s' in passwd file",
					 user, f[2]);
		if (f[3] && parse_int64(f[3], gid) < 0)
			*gid = 0;
	} else if (!numeric) {
		return error_set(err, ENOENT,
				 "unable to find user %s: no matching entries in passwd file",
				 user);
	}
	if (!grp || !*grp)
		return 0;
	if (parse_int64(grp, gid) == 0 && *gid >= 0 && *gid <= UINT32_MAX)
		return 0;
	if (id_file_read(rootfd, "/etc/group", &group, &e) < 0) {
		if (e.code != ENOENT)
			return error_set(err, e.code, "unable to find group %s: %s", grp, e.msg);
		return error_set(err, ENOENT,
				 "unable to find group %s: no matching entries in group file", grp);
	}
	if (!id_file_find(group, grp, false, f))
		return error_set(err, ENOENT,
				 "unable to find group %s: no matching entries in group file", grp);
	if (parse_int64(f[2], gid) < 0 || *gid < 0 || *gid > UINT32_MAX)
		return error_set(err, EINVAL, "group %s: invalid gid '%s' in group file", grp,
				 f[2]);
	return 0;
}

/* ------------------------------------------------------------ config -- */

static struct json_object *jstrv(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The runtime's default spec (what `nook oci spec` writes) with the image
 * config on top: Entrypoint+Cmd, Env, WorkingDir, User.  The root is the
 * writable overlay, and no terminal, so `nook oci run` works from a script. */
static char *bundle_config(const struct img_config *c, int rootfd, rt_bundle_edit_fn *edit,
			   void *data, bool compact, struct error *err)
{
	struct json_object *o = rt_spec_default_doc(false), *p, *root, *u, *args, *env;
	bool has_path = false;
	int64_t uid, gid;
	char *out;

	if (!o || !json_object_object_get_ex(o, "process", &p) ||
	    !json_object_object_get_ex(o, "root", &root)) {
		json_object_put(o);
		error_set(err, EINVAL, "cannot build the default spec");
		return NULL;
	}
	if (rt_user_resolve(c->user, rootfd, &uid, &gid, err) < 0) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(root, "readonly", json_object_new_boolean(false));
	json_object_object_add(p, "terminal", json_object_new_boolean(false));
	if (c->entrypoint || c->cmd) {
		args = jstrv(c->entrypoint);
		for (char **v = c->cmd; v && *v; v++)
			json_object_array_add(args, json_object_new_string(*v));
		if (json_object_array_length(args) > 0)
			json_object_object_add(p, "args", args);
		else
			json_object_put(args);
	}
	if (c->env) {
		/* The image's environment replaces the default, as docker does;
		 * a PATH is added when it has none. */
		env = jstrv(c->env);
		for (char **v = c->env; *v; v++)
			has_path |= str_has_prefix(*v, "PATH=");
		if (!has_path)
			json_object_array_add(
			    env, json_object_new_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/"
							"sbin:/usr/bin:/sbin:/bin"));
		json_object_object_add(p, "env", env);
	}
	if (c->workdir && *c->workdir)
		json_object_object_add(p, "cwd", json_object_new_string(c->workdir));
	u = json_object_new_object();
	json_object_object_add(u, "uid", json_object_new_int64(uid));
	json_object_object_add(u, "gid", json_object_new_int64(gid));
	json_object_object_add(p, "user", u);
	if (edit && edit(o, data, err) < 0) {
		json_object_put(o);
		return NULL;
	}
	out = xasprintf("%s\n",
			json_object_to_json_string_ext(
			    o, compact ? JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE
				       : JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
					     JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

/* ------------------------------------------------------------ mounts -- */

/* Mount an image's layers on target, with the user's private upper/work
 * under udir when rw (scratch: see ovl_opts). */
static int root_mount(struct img_store *s, const char *id, const char *udir, const char *target,
		      bool rw, bool scratch, const struct img_idrange *idmap, struct error *err)
{
	_cleanup_strv_ char **lower = NULL;
	_cleanup_free_ char *upper = xasprintf("%s/upper", udir),
			    *work = xasprintf("%s/work", udir);
	_cleanup_close_ int userns = -1;
	struct ovl_opts o = {.upper = rw ? upper : NULL,
			     .work = rw ? work : NULL,
			     .empty = upper,
			     .scratch = scratch,
			     .userns_fd = -1};

	if (img_layer_paths(s, id, &lower, err) < 0)
		return -1;
	o.lower = lower;
	if (idmap) {
		struct ns_idmap u = {0, idmap->uid, idmap->size}, g = {0, idmap->gid, idmap->size};

		/* The container's root directory is the upper one's: its
		 * root must own it to use it. */
		if (chown(upper, idmap->uid, idmap->gid) < 0)
			return error_sys(err, "cannot give '%s' to the container's root", upper);
		userns = ns_userns_open_mapped(&u, 1, &g, 1, err);
		if (userns < 0)
			return -1;
		o.idmap = true;
		o.userns_fd = userns;
	}
	return ovl_mount(&o, target, err);
}

/* Unmount target when something is mounted there; "not mounted" and "no
 * such directory" are done already. */
static int root_unmount(const char *target, struct error *err)
{
	if (!ovl_is_mounted(target))
		return 0;
	return ovl_unmount(target, err);
}

/* Record (or find) the user key of image id, with its directories. */
static int user_open(struct img_store *s, const char *key, const char *id, char **udir,
		     bool *existed, struct error *err)
{
	_cleanup_free_ char *old = NULL;

	*existed = false;
	if (img_user_add(s, key, id, udir, err) == 0)
		return 0;
	if (err->code != EEXIST || img_user_get(s, key, &old, NULL, err) < 0)
		return -1;
	if (strcmp(old, id))
		return error_set(err, EEXIST, "'%s' is in use for image %s", key, old);
	*existed = true;
	return img_user_prepare(s, key, udir, err);
}

int rt_image_mount(struct img_store *s, const char *image, char **merged, struct error *err)
{
	_cleanup_free_ char *id = NULL, *udir = NULL, *key = NULL, *m = NULL;
	bool existed;
	struct error e2;

	if (img_resolve(s, image, &id, err) < 0)
		return -1;
	key = xasprintf("mount:%s", id);
	if (user_open(s, key, id, &udir, &existed, err) < 0)
		return -1;
	m = xasprintf("%s/merged", udir);
	if (!ovl_is_mounted(m) && root_mount(s, id, udir, m, false, false, NULL, err) < 0) {
		if (!existed)
			img_user_remove(s, key, &e2);
		return -1;
	}
	*merged = steal_pointer(&m);
	return 0;
}

int rt_image_unmount(struct img_store *s, const char *image, struct error *err)
{
	_cleanup_free_ char *id = NULL, *udir = NULL, *key = NULL, *m = NULL;

	if (img_resolve(s, image, &id, err) < 0)
		return -1;
	key = xasprintf("mount:%s", id);
	if (img_user_get(s, key, NULL, &udir, err) < 0)
		return error_set(err, ENOENT, "%s is not mounted", image);
	m = xasprintf("%s/merged", udir);
	if (root_unmount(m, err) < 0)
		return -1;
	return img_user_remove(s, key, err);
}

/* ----------------------------------------------------------- bundles -- */

/* The absolute path of dir, also when dir itself is gone (a remove killed
 * after deleting it): its parent resolved, its name appended. */
static char *bundle_path(const char *dir, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(dir), *copy2 = xstrdup(dir), *parent = NULL;
	char *abs = realpath(dir, NULL);
	const char *base;

	if (abs)
		return abs;
	if (errno != ENOENT) {
		error_sys(err, "cannot resolve '%s'", dir);
		return NULL;
	}
	base = basename(copy);
	parent = realpath(dirname(copy2), NULL);
	if (!parent || !strcmp(base, ".") || !strcmp(base, "..") || !strcmp(base, "/")) {
		error_sys(err, "cannot resolve '%s'", dir);
		return NULL;
	}
	return xasprintf("%s/%s", strcmp(parent, "/") ? parent : "", base);
}

/* Write config.json as an unnamed file linked in when complete, so a
 * kill leaves no temporary file in the user's directory (which would keep
 * `bundle --remove` from removing it).  Falls back to a named temporary
 * file where O_TMPFILE is not supported.  sync: synced before it is
 * linked in.  Not the bundle of a --rm container: it is of no use after a
 * crash of the host anyway (its volatile root cannot be mounted again),
 * and the sync is a disk flush `run --rm` would wait for. */
static int config_write(int dfd, const char *json, bool sync, struct error *err)
{
	_cleanup_close_ int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	_cleanup_free_ char *proc = NULL;
	size_t len = strlen(json);

	if (fd < 0)
		return file_write_atomic_at(dfd, "config.json", json, len, 0644, err);
	if (fchmod(fd, 0644) < 0 || write_all(fd, json, len) < 0 || (sync && fdatasync(fd) < 0))
		return error_sys(err, "cannot write config.json");
	proc = xasprintf("/proc/self/fd/%d", fd);
	if (unlinkat(dfd, "config.json", 0) < 0 && errno != ENOENT)
		return error_sys(err, "cannot replace config.json");
	if (linkat(AT_FDCWD, proc, dfd, "config.json", AT_SYMLINK_FOLLOW) < 0)
		return error_sys(err, "cannot write config.json");
	return 0;
}

/* Remove what file_write_atomic_at of a killed create left. */
static void config_tmp_remove(const char *abs)
{
	_cleanup_closedir_ DIR *d = opendir(abs);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (str_has_prefix(de->d_name, ".config.json.tmp"))
			unlinkat(dirfd(d), de->d_name, 0);
}

/* Undo a create that failed: the same steps as remove. */
static void bundle_undo(struct img_store *s, const char *abs, const char *key, bool made_dir)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", abs);
	struct error e;

	if (root_unmount(rootfs, &e) < 0)
		return; /* keep the record: `bundle --remove` retries */
	rmdir(rootfs);
	if (made_dir)
		rmdir(abs);
	img_user_remove(s, key, &e);
}

int rt_bundle_create(struct img_store *s, const char *image, const char *dir, struct error *err)
{
	return rt_bundle_make(s, image, dir, false, NULL, NULL, NULL, err);
}

int rt_bundle_make(struct img_store *s, const char *image, const char *dir, bool scratch,
		   void (*adjust)(struct img_config *c, void *data), rt_bundle_edit_fn *edit,
		   void *data, struct error *err)
{
	_cleanup_free_ char *id = NULL;
	struct img_config cfg = {0};
	int r;

	if (img_resolve(s, image, &id, err) < 0 || img_config_get(s, id, &cfg, err) < 0)
		return -1;
	r = rt_bundle_make_mapped(s, id, &cfg, dir, scratch, !scratch, NULL, NULL, adjust, edit,
				  data, err);
	img_config_release(&cfg);
	return r;
}

char *rt_bundle_key(const char *dir, struct error *err)
{
	_cleanup_free_ char *abs = bundle_path(dir, err);

	return abs ? xasprintf(BUNDLE_KEY "%s", abs) : NULL;
}

int rt_bundle_make_mapped(struct img_store *s, const char *id, struct img_config *cfg,
			  const char *dir, bool scratch, bool sync, const char *recorded,
			  const struct img_idrange *idmap,
			  void (*adjust)(struct img_config *c, void *data), rt_bundle_edit_fn *edit,
			  void *data, struct error *err)
{
	_cleanup_free_ char *abs = NULL, *key = NULL, *udir = NULL, *rootfs = NULL;
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int dfd = -1, rfd = -1;
	bool made_dir, existed;
	struct stat st;

	if (adjust)
		adjust(cfg, data);
	made_dir = stat(dir, &st) < 0;
	if (mkdir_p(dir, 0755, err) < 0)
		return -1;
	/* The key recorded names the bundle's absolute path already. */
	if (recorded && str_has_prefix(recorded, BUNDLE_KEY)) {
		key = xstrdup(recorded);
		abs = xstrdup(recorded + strlen(BUNDLE_KEY));
	} else if (recorded) {
		return error_set(err, EINVAL, "'%s' is not a bundle's key", recorded);
	} else if (!(abs = bundle_path(dir, err))) {
		return -1;
	} else {
		key = xasprintf(BUNDLE_KEY "%s", abs);
	}
	rootfs = xasprintf("%s/rootfs", abs);
	existed = false;
	if (recorded ? img_user_dirs(s, key, &udir, err) < 0
		     : user_open(s, key, id, &udir, &existed, err) < 0) {
		if (made_dir)
			rmdir(abs);
		return -1;
	}
	dfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		error_sys(err, "cannot open '%s'", abs);
		goto fail;
	}
	/* config.json is written last: with it the bundle is complete. */
	if (existed && faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set(err, EEXIST, "bundle '%s' already exists", abs);
	fault_point("bundle-recorded");
	if (mkdirat(dfd, "rootfs", 0755) < 0 && errno != EEXIST) {
		error_sys(err, "cannot create '%s'", rootfs);
		goto fail;
	}
	if (!ovl_is_mounted(rootfs) &&
	    root_mount(s, id, udir, rootfs, true, scratch, idmap, err) < 0)
		goto fail;
	fault_point("bundle-mounted");
	rfd = openat(dfd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0) {
		error_sys(err, "cannot open '%s'", rootfs);
		goto fail;
	}
	/* A scratch bundle's config is read by nook alone, once: compact. */
	json = bundle_config(cfg, rfd, edit, data, scratch, err);
	if (!json || config_write(dfd, json, sync, err) < 0)
		goto fail;
	return 0;
fail:
	bundle_undo(s, abs, key, made_dir);
	return -1;
}

void rt_bundle_root_release(const char *dir)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
	struct error e;

	if (root_unmount(rootfs, &e) < 0)
		log_debug("%s", e.msg);
}

int rt_bundle_remove(struct img_store *s, const char *dir, struct error *err)
{
	return rt_bundle_remove_left(s, dir, NULL, err);
}

int rt_bundle_remove_left(struct img_store *s, const char *dir, char **left, struct error *err)
{
	_cleanup_free_ char *abs = bundle_path(dir, err), *key = NULL, *rootfs = NULL;
	_cleanup_free_ char *cfg = NULL;

	if (!abs)
		return -1;
	key = xasprintf(BUNDLE_KEY "%s", abs);
	rootfs = xasprintf("%s/rootfs", abs);
	cfg = xasprintf("%s/config.json", abs);
	if (img_user_get(s, key, NULL, NULL, err) < 0)
		return error_set(err, ENOENT, "'%s' is not a bundle made by nook", dir);
	/* First what makes it a bundle, so an interrupted remove is never
	 * taken for a complete bundle. */
	if (unlink(cfg) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove '%s'", cfg);
	fault_point("bundle-remove-config");
	if (root_unmount(rootfs, err) < 0)
		return -1;
	fault_point("bundle-remove-unmounted");
	if (rmdir(rootfs) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove '%s'", rootfs);
	config_tmp_remove(abs);
	/* The directory may hold the user's own files: then it stays. */
	if (rmdir(abs) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		return error_sys(err, "cannot remove '%s'", abs);
	fault_point("bundle-remove-dirs");
	return img_user_remove_left(s, key, left, err);
}
