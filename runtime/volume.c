/* The engine's named and anonymous volumes: a directory
 * <storage root>/volumes/NAME/_data per volume (docker's layout), a row in
 * the store per volume, a link per container that mounts it.
 *
 * Crash safety by ordering, under one lock (flock on volumes/) so a
 * half-made volume seen under it is always a killed command's:
 *   create: row (CREATING) -> directories -> READY.  A CREATING row is
 *           finished by the next create of the name, or removed by rm or
 *           prune.
 *   remove: REMOVING (refused while a container uses it, in the same
 *           statement) -> the directory -> the row.  A REMOVING row is
 *           finished by the next rm, create or prune, and no container can
 *           start using it meanwhile.
 *
 * A volume made with options (docker's local driver: type, device, o) is
 * a mount of its own on its _data directory: made when a container is
 * created with it or started (so also after the host restarted), kept
 * until the volume is removed, which unmounts it before it deletes
 * anything (a bind of a host directory is never emptied). */
#include "runtime/internal.h"
#include "image/image.h"
#include "namespaces/namespaces.h"
#include "overlayfs/overlayfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

char *rt_volume_path(struct img_store *s, const char *name)
{
	return xasprintf("%s/volumes/%s/_data", img_store_root(s), name);
}

static int vol_name_check(const char *name, struct error *err)
{
	/* A single path component, as container names are. */
	if (!rt_engine_name_valid(name))
		return error_set(err, EINVAL,
				 "invalid volume name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				 "allowed",
				 name);
	return 0;
}

/* volumes/ made, opened and locked (flock on the directory itself);
 * returns its fd, which holds the lock until closed. */
static int vol_lock(struct img_store *s, struct error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/volumes", img_store_root(s));
	_cleanup_close_ int fd = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create '%s'", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return error_sys(err, "cannot lock '%s'", dir);
	return steal_fd(&fd);
}

/* ------------------------------------------- local driver options -- */

/* docker's local driver options, -o type=T -o device=D [-o o=OPTS], as a
 * JSON object's text ("{}" for none); NULL with err set otherwise. */
static char *options_json(char *const *opts, struct error *err)
{
	json_object *o = json_object_new_object(), *type = NULL, *dev = NULL;
	char *out = NULL;

	for (char *const *p = opts; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);

		if (!eq || (strcmp(k, "type") && strcmp(k, "device") && strcmp(k, "o"))) {
			error_set(err, EINVAL,
				  "invalid volume option '%s': the local driver takes type=, "
				  "device= and o=",
				  *p);
			goto out;
		}
		json_object_object_add(o, k, json_object_new_string(eq + 1));
	}
	if (json_object_object_length(o) &&
	    (!json_object_object_get_ex(o, "type", &type) || !*json_object_get_string(type) ||
	     !json_object_object_get_ex(o, "device", &dev) || !*json_object_get_string(dev))) {
		error_set(err, EINVAL, "volume options need type= and device= (o= is optional)");
		goto out;
	}
	out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	json_object_put(o);
	return out;
}

/* What mount(2) makes of a volume's options. */
struct vol_mount {
	char *type, *device, *data; /* data: o's options that are not flags */
	unsigned long flags;
};

static void vol_mount_release(struct vol_mount *m)
{
	free(m->type);
	free(m->device);
	free(m->data);
}

static char *jstring(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? xstrdup(json_object_get_string(v))
						     : xstrdup("");
}

/* type=none with o=bind (or rbind) binds device, a path on the host, as
 * docker's; anything else mounts device as a file system of its type. */
static int vol_mount_parse(const char *options, struct vol_mount *m, struct error *err)
{
	json_object *o = json_tokener_parse(options);
	_cleanup_free_ char *opts = NULL;
	char *save = NULL;

	*m = (struct vol_mount){0};
	if (!o)
		return error_set(err, EINVAL, "bad volume options '%s'", options);
	m->type = jstring(o, "type");
	m->device = jstring(o, "device");
	opts = jstring(o, "o");
	json_object_put(o);
	for (char *opt = strtok_r(opts, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		unsigned long set, clear, prop;
		bool rec;
		int r = ns_mount_option(opt, &set, &clear, &prop, &rec);

		if (r < 0)
			return error_set(err, EINVAL, "volume option o=%s: '%s' is not supported",
					 opts, opt);
		if (r > 0) {
			char *d =
			    xasprintf("%s%s%s", m->data ? m->data : "", m->data ? "," : "", opt);

			free(m->data);
			m->data = d;
		}
		m->flags = (m->flags & ~clear) | set;
	}
	if (!strcmp(m->type, "none") && !(m->flags & MS_BIND))
		return error_set(err, EINVAL, "volume option type=none needs o=bind");
	if ((m->flags & MS_BIND) && m->device[0] != '/')
		return error_set(err, EINVAL,
				 "volume option device=%s: a bind needs an absolute path",
				 m->device);
	return 0;
}

/* mount(2) of m on path (type=none o=bind: a bind, then the flags by a
 * remount, which a bind ignores). */
static int vol_mount_now(const char *name, const struct vol_mount *m, const char *path,
			 struct error *err)
{
	unsigned long bind = m->flags & (MS_BIND | MS_REC), rest = m->flags & ~bind;
	bool ok;

	if (bind)
		ok = mount(m->device, path, NULL, bind, NULL) == 0 &&
		     (!rest || mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | rest, NULL) == 0);
	else
		ok = mount(m->device, path, m->type, m->flags, m->data) == 0;
	if (ok)
		return 0;
	error_sys(err, "cannot mount volume %s (%s, type %s)", name, m->device, m->type);
	if (bind && ovl_is_mounted(path))
		umount2(path, MNT_DETACH);
	return -1;
}

/* Under the lock: the volume's own mount on its _data, unless there;
 * *ro (optional): whether its options make it read-only. */
static int vol_mount(struct img_store *s, const struct img_vol *v, bool *ro, struct error *err)
{
	_cleanup_free_ char *path = rt_volume_path(s, v->name);
	struct vol_mount m;
	int r = -1;

	if (vol_mount_parse(v->options, &m, err) < 0)
		goto out;
	if (ro)
		*ro = (m.flags & MS_RDONLY) != 0;
	if (!ovl_is_mounted(path) && vol_mount_now(v->name, &m, path, err) < 0)
		goto out;
	r = 0;
out:
	vol_mount_release(&m);
	return r;
}

/* Under the lock: nothing mounted on name's _data any more (stacked
 * mounts one by one, a busy one lazily). */
static int vol_unmount(struct img_store *s, const char *name, struct error *err)
{
	_cleanup_free_ char *path = rt_volume_path(s, name);

	for (int i = 0; i < 16 && ovl_is_mounted(path); i++)
		if (umount2(path, UMOUNT_NOFOLLOW) < 0 &&
		    (errno != EBUSY || umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0))
			return error_sys(err, "cannot unmount volume %s", name);
	if (ovl_is_mounted(path))
		return error_set(err, EBUSY, "cannot unmount volume %s", name);
	return 0;
}

/* Under the lock: the steps after a REMOVING mark.  Unmounted first: the
 * directory holds only what the volume itself wrote. */
static int vol_finish_remove(struct img_store *s, int dfd, const char *name, struct error *err)
{
	fault_point("volume-rm-marked");
	if (vol_unmount(s, name, err) < 0)
		return -1;
	fault_point("volume-rm-unmounted");
	if (rm_rf_at(dfd, name, err) < 0 && err->code != ENOENT)
		return -1;
	fault_point("volume-rm-data");
	return img_vol_forget(s, name, err);
}

static int vol_remove_locked(struct img_store *s, int dfd, const char *name, struct error *err)
{
	if (img_vol_remove_begin(s, name, err) < 0)
		return -1;
	return vol_finish_remove(s, dfd, name, err);
}

/* Under the lock: make the directories of a CREATING row, mark it READY. */
static int vol_finish_create(struct img_store *s, int dfd, const char *name, struct error *err)
{
	_cleanup_close_ int vfd = -1;

	fault_point("volume-recorded");
	if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create volume '%s'", name);
	vfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vfd < 0 || (mkdirat(vfd, "_data", 0755) < 0 && errno != EEXIST))
		return error_sys(err, "cannot create volume '%s'", name);
	fault_point("volume-made");
	return img_vol_set_state(s, name, IMG_VOL_READY, err);
}

/* KEY=VAL (or KEY: an empty value) each, as a JSON object's text; NULL
 * with err set on an empty key. */
static char *labels_json(char *const *labels, struct error *err)
{
	json_object *o = json_object_new_object();
	char *out;

	for (char *const *l = labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);

		if (!*k) {
			json_object_put(o);
			error_set(err, EINVAL, "invalid label '%s': want KEY=VALUE", *l);
			return NULL;
		}
		json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

int rt_volume_create(struct img_store *s, const char *name, bool anonymous, char *const *labels,
		     char *const *opts, char **out, struct error *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *gen = NULL, *lj = labels_json(labels, err), *oj = NULL;
	struct img_vol v;
	struct vol_mount m = {0};

	if (!name) {
		uint8_t rnd[32];
		char hex[65];

		if (rt_random_bytes(rnd, sizeof(rnd), err) < 0)
			return -1;
		sha256_hex(rnd, hex);
		name = gen = xstrdup(hex);
	}
	if (!lj || !(oj = options_json(opts, err)))
		return -1;
	/* What mount would refuse, refused now. */
	if (strcmp(oj, "{}")) {
		int r = vol_mount_parse(oj, &m, err);

		vol_mount_release(&m);
		if (r < 0)
			return -1;
	}
	if (vol_name_check(name, err) < 0 || (dfd = vol_lock(s, err)) < 0)
		return -1;
	if (img_vol_get(s, name, &v, err) == 0) {
		enum img_vol_state st = v.state;

		img_vol_release(&v);
		if (st == IMG_VOL_READY)
			return error_set(err, EEXIST, "volume \"%s\" already exists", name);
		/* A killed command's: finish its removal, or its creation. */
		if (st == IMG_VOL_REMOVING && vol_finish_remove(s, dfd, name, err) < 0)
			return -1;
		if (st == IMG_VOL_REMOVING &&
		    img_vol_add(s, name, anonymous, lj, oj, rt_now_ns(), err) < 0)
			return -1;
	} else if (err->code != ENOENT ||
		   img_vol_add(s, name, anonymous, lj, oj, rt_now_ns(), err) < 0) {
		return -1;
	}
	if (vol_finish_create(s, dfd, name, err) < 0)
		return -1;
	if (out)
		*out = xstrdup(name);
	return 0;
}

int rt_volume_remove(struct img_store *s, const char *name, struct error *err)
{
	_cleanup_close_ int dfd = vol_lock(s, err);

	if (dfd < 0)
		return -1;
	return vol_remove_locked(s, dfd, name, err);
}

/* Does the label filter f ("KEY" or "KEY=VALUE") match the labels? */
static bool label_match(json_object *labels, const char *f)
{
	const char *eq = strchr(f, '=');
	_cleanup_free_ char *k = eq ? xstrndup(f, (size_t)(eq - f)) : xstrdup(f);
	json_object *v;

	return json_object_object_get_ex(labels, k, &v) &&
	       (!eq || !strcmp(json_object_get_string(v), eq + 1));
}

/* docker's volume prune filters: every label= must match; when there are
 * label!= ones, a volume that matches them all is kept. */
static bool prune_wanted(const struct rt_volume_filter *f, const struct img_vol *v)
{
	json_object *labels;
	bool want = true, excluded = f->not_labels && f->not_labels[0];

	if (!(labels = json_tokener_parse(v->labels)))
		labels = json_object_new_object();
	for (char **l = f->labels; want && l && *l; l++)
		want = label_match(labels, *l);
	for (char **l = f->not_labels; want && excluded && l && *l; l++)
		excluded = label_match(labels, *l);
	json_object_put(labels);
	return want && !excluded;
}

int rt_volume_prune(struct img_store *s, const struct rt_volume_filter *f, char ***removed,
		    struct error *err)
{
	_cleanup_close_ int dfd = vol_lock(s, err);
	struct img_vol *v;
	size_t n;
	int r = 0;

	*removed = NULL;
	if (dfd < 0 || img_vol_list(s, NULL, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		/* In use, by a running container or a stopped one: never. */
		if (v[i].in_use)
			continue;
		/* A half-made or half-removed one goes either way: it was
		 * never listed, and no filter can be asked of it. */
		if (v[i].state == IMG_VOL_READY &&
		    ((!f->all && !v[i].anonymous) || !prune_wanted(f, &v[i])))
			continue;
		r = vol_remove_locked(s, dfd, v[i].name, err);
		if (r < 0 && err->code == EBUSY) /* taken meanwhile */
			r = 0;
		else if (r == 0 && v[i].state == IMG_VOL_READY)
			strv_push(removed, v[i].name);
	}
	img_vol_list_free(v, n);
	return r;
}

static json_object *vol_json(struct img_store *s, const struct img_vol *v)
{
	json_object *o = json_object_new_object();
	_cleanup_free_ char *path = rt_volume_path(s, v->name);
	time_t t = (time_t)(v->created / 1000000000);
	struct tm tm;
	char when[64];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "Name", json_object_new_string(v->name));
	json_object_object_add(o, "Driver", json_object_new_string("local"));
	json_object_object_add(o, "Mountpoint", json_object_new_string(path));
	json_object_object_add(o, "CreatedAt", json_object_new_string(when));
	json_object *labels = json_tokener_parse(v->labels);

	json_object_object_add(o, "Labels", labels ? labels : json_object_new_object());
	json_object_object_add(o, "Scope", json_object_new_string("local"));
	{
		json_object *opts = json_tokener_parse(v->options);

		json_object_object_add(o, "Options", opts ? opts : json_object_new_object());
	}
	json_object_object_add(o, "Anonymous", json_object_new_boolean(v->anonymous));
	json_object_object_add(o, "InUse", json_object_new_boolean(v->in_use));
	return o;
}

static bool list_wanted(const struct rt_volume_filter *f, const struct img_vol *v)
{
	bool named = !f->names || !f->names[0];

	for (char **p = f->names; !named && p && *p; p++)
		named = strstr(v->name, *p) != NULL;
	return named && !f->no_driver && (f->dangling < 0 || f->dangling == !v->in_use) &&
	       prune_wanted(f, v);
}

int rt_volume_list(struct img_store *s, const struct rt_volume_filter *f, char ***names,
		   struct error *err)
{
	struct img_vol *v;
	size_t n;

	*names = NULL;
	if (img_vol_list(s, NULL, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i].state == IMG_VOL_READY && (!f || list_wanted(f, &v[i])))
			strv_push(names, v[i].name);
	img_vol_list_free(v, n);
	return 0;
}

char *rt_volume_inspect(struct img_store *s, const char *name, struct error *err)
{
	struct img_vol v;
	json_object *o;
	char *out;

	if (img_vol_get(s, name, &v, err) < 0)
		return NULL;
	if (v.state != IMG_VOL_READY) {
		img_vol_release(&v);
		error_set(err, ENOENT, "no such volume: %s", name);
		return NULL;
	}
	o = vol_json(s, &v);
	img_vol_release(&v);
	out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

/* ------------------------------------------------- for the engine -- */

int rt_volume_attach(struct img_store *s, const char *name, const char *ctr, char **out, bool *ro,
		     struct error *err)
{
	_cleanup_free_ char *made = NULL;
	struct img_vol v;
	bool existed = false;
	int r = 0;

	*ro = false;
	/* docker's -v NAME:/path makes a missing volume. */
	if (rt_volume_create(s, name, name == NULL, NULL, NULL, &made, err) < 0) {
		if (err->code != EEXIST)
			return -1;
		made = xstrdup(name);
		existed = true;
	}
	if (img_vol_use(s, made, ctr, err) < 0)
		return -1;
	/* One with options (only one made before: this call makes none) is
	 * mounted now: what the image has there is copied into it
	 * (rt_volume_copy_up), not under it. */
	if (existed) {
		if (img_vol_get(s, made, &v, err) < 0)
			return -1;
		if (strcmp(v.options, "{}")) {
			_cleanup_close_ int dfd = vol_lock(s, err);

			r = dfd < 0 ? -1 : vol_mount(s, &v, ro, err);
		}
		img_vol_release(&v);
		if (r < 0)
			return -1;
	}
	*out = steal_pointer(&made);
	return 0;
}

int rt_volumes_mount(struct img_store *s, const struct img_ctr *c, struct error *err)
{
	_cleanup_close_ int dfd = -1;
	struct img_vol *v;
	size_t n;
	int r = 0;

	/* Only a named volume has options, and only -v NAME:/path and
	 * --mount name one: a container with neither (most; their lists are
	 * empty, "[]") costs no query. */
	if (!strstr(c->config, "\"Binds\":[\"") && !strstr(c->config, "\"Mounts\":[\""))
		return 0;
	if (img_vol_mounted_of_ctr(s, c->id, &v, &n, err) < 0)
		return -1;
	if (n && (dfd = vol_lock(s, err)) < 0)
		r = -1;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = vol_mount(s, &v[i], NULL, err);
	img_vol_list_free(v, n);
	return r;
}

int rt_volume_copy_up(struct img_store *s, const char *name, const char *rootfs, const char *dest,
		      struct error *err)
{
	_cleanup_free_ char *data = rt_volume_path(s, name);
	_cleanup_close_ int rfd = -1, src = -1, dst = -1;
	struct stat st;
	struct error e2;
	int n = 0;

	dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return error_sys(err, "cannot open volume '%s'", name);
	/* Only into an empty volume, as docker. */
	{
		_cleanup_closedir_ DIR *d = NULL;
		int fd = dup(dst);
		struct dirent *e;

		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return error_sys(err, "cannot read volume '%s'", name);
		}
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				n++;
	}
	if (n)
		return 0;
	rfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return error_sys(err, "cannot open '%s'", rootfs);
	/* Resolved inside the container's root: a symlink in the image
	 * cannot point the copy at the host. */
	src = open_in_root(rfd, dest, O_RDONLY | O_DIRECTORY, ROOT_CREATE_NONE, &e2);
	if (src < 0 || fstat(src, &st) < 0)
		return 0; /* nothing there in the image */
	return ns_tree_copy(src, dst, dest, err);
}

/* ----------------------------------------------------- inspect Mounts -- */

/* The destination of one -v spec ("SRC:DST[:MODE]" or "/DST") into *dst,
 * its MODE into *mode ("" when none); false when it is neither. */
static bool bind_spec_split(const char *spec, char **dst, char **mode)
{
	const char *c1 = strchr(spec, ':'), *c2;

	if (!c1) {
		*dst = xstrdup(spec);
		*mode = xstrdup("");
		return *spec == '/';
	}
	c2 = strchr(c1 + 1, ':');
	*dst = c2 ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)) : xstrdup(c1 + 1);
	*mode = xstrdup(c2 ? c2 + 1 : "");
	return true;
}

/* The destination of one --mount spec (dst=, destination= or target=). */
static char *mount_spec_dst(const char *spec)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL;

	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (!strcmp(kv, "dst") || !strcmp(kv, "destination") || !strcmp(kv, "target"))
			return xstrdup(eq + 1);
	}
	return NULL;
}

/* MODE of the -v that mounted dst ("" for none or --mount), or NULL
 * when the user asked for no mount there. */
static char *user_mount_mode(json_object *host, const char *dst)
{
	json_object *a;

	if (json_object_object_get_ex(host, "Binds", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			_cleanup_free_ char *d = NULL;
			char *mode = NULL;

			if (bind_spec_split(json_object_get_string(json_object_array_get_idx(a, i)),
					    &d, &mode) &&
			    !strcmp(d, dst))
				return mode;
			free(mode);
		}
	if (json_object_object_get_ex(host, "Mounts", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			_cleanup_free_ char *d =
			    mount_spec_dst(json_object_get_string(json_object_array_get_idx(a, i)));

			if (d && !strcmp(d, dst))
				return xstrdup("");
		}
	return NULL;
}

static bool has_option(json_object *m, const char *opt)
{
	json_object *o;

	if (json_object_object_get_ex(m, "options", &o))
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(o, i)), opt))
				return true;
	return false;
}

/* One mount of the bundle as docker's Mounts entry; NULL when the user
 * did not ask for it (/proc, /etc/hosts and the like). */
static json_object *mount_entry(struct img_store *s, json_object *host, json_object *m)
{
	json_object *d, *t, *src, *o;
	_cleanup_free_ char *mode = NULL, *vols = xasprintf("%s/volumes/", img_store_root(s));
	const char *dst, *type, *source, *name = NULL;
	_cleanup_free_ char *vname = NULL;

	if (!json_object_object_get_ex(m, "destination", &d) ||
	    !json_object_object_get_ex(m, "type", &t))
		return NULL;
	dst = json_object_get_string(d);
	type = json_object_get_string(t);
	source = json_object_object_get_ex(m, "source", &src) ? json_object_get_string(src) : "";
	if (!strcmp(type, "bind") && str_has_prefix(source, vols)) {
		const char *rest = source + strlen(vols), *slash = strchr(rest, '/');

		if (slash && !strcmp(slash, "/_data"))
			name = vname = xstrndup(rest, (size_t)(slash - rest));
	}
	/* A volume is listed also when the image's Volumes made it. */
	if (!(mode = user_mount_mode(host, dst)) && !name)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "Type", json_object_new_string(name ? "volume" : type));
	if (name)
		json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(o, "Source",
			       json_object_new_string(strcmp(type, "bind") ? "" : source));
	json_object_object_add(o, "Destination", json_object_new_string(dst));
	if (name)
		json_object_object_add(o, "Driver", json_object_new_string("local"));
	json_object_object_add(o, "Mode", json_object_new_string(mode ? mode : ""));
	json_object_object_add(o, "RW", json_object_new_boolean(!has_option(m, "ro")));
	json_object_object_add(
	    o, "Propagation",
	    json_object_new_string(name || strcmp(type, "bind") ? "" : "rprivate"));
	return o;
}

json_object *rt_engine_mounts_json(struct img_store *s, const struct img_ctr *c)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", c->dir), *text = NULL;
	json_object *out = json_object_new_array(), *cfg, *host = NULL, *spec, *mounts;
	struct error e;

	cfg = json_tokener_parse(c->config);
	if (!cfg || !json_object_object_get_ex(cfg, "HostConfig", &host) ||
	    file_read_at(AT_FDCWD, path, 16 << 20, &text, NULL, &e) < 0) {
		json_object_put(cfg);
		return out;
	}
	/* What the bundle mounts, in its order: the volumes with their
	 * names, the binds and tmpfs the user asked for. */
	spec = json_tokener_parse(text);
	if (spec && json_object_object_get_ex(spec, "mounts", &mounts))
		for (size_t i = 0; i < json_object_array_length(mounts); i++) {
			json_object *m = mount_entry(s, host, json_object_array_get_idx(mounts, i));

			if (m)
				json_object_array_add(out, m);
		}
	json_object_put(spec);
	json_object_put(cfg);
	return out;
}
