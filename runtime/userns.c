/* `nook run --userns=MODE`: the engine container's user namespace.
 * "host" (default): the one nook runs in (the rootless user's own, where
 * root is the user).  "keep-id" (rootless, as podman's): a user namespace
 * of its own where the user keeps its uid and gid, the rest of the range
 * around it, and the command runs as the user.  "auto" (root, as
 * podman's): a user namespace of its own whose 65536 ids are a private
 * range of host ids, taken from a pool in the store (image/idpool.c); the
 * image's layers are seen through idmapped mounts of that map. */
#include "runtime/internal.h"
#include "image/image.h"
#include "namespaces/namespaces.h"
#include "network/network.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define KEEP_ID_RANGE 65537u /* the user and its 65536 subordinate ids */
#define AUTO_RANGE    65536u /* ids of a --userns=auto container */

/* The id outside that id 0 inside maps to, from /proc/self/{u,g}id_map. */
static int outside_root(const char *file, uint32_t *out, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long in, host, n;

	if (file_read_at(AT_FDCWD, file, 4096, &text, NULL, err) < 0)
		return -1;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (sscanf(l, "%llu %llu %llu", &in, &host, &n) == 3 && in == 0) {
			*out = (uint32_t)host;
			return 0;
		}
	return error_set(err, EINVAL, "%s maps no root", file);
}

int rt_userns_check(const char *mode, struct error *err)
{
	if (!mode || !strcmp(mode, "host"))
		return 0;
	if (!strcmp(mode, "auto")) {
		if (geteuid() != 0 || userns_nested())
			return error_set(err, EINVAL,
					 "--userns=auto: only for root (a rootless nook has one "
					 "range: use host or keep-id)");
		return 0;
	}
	if (strcmp(mode, "keep-id"))
		return error_set(err, EINVAL, "--userns '%s': expected host, keep-id or auto",
				 mode);
	if (!userns_nested())
		return error_set(err, EINVAL,
				 "--userns=keep-id: only for rootless nook (not root)");
	return 0;
}

char *rt_userns_keep_id_user(const char *mode)
{
	uint32_t uid, gid;
	struct error err;

	if (!mode || strcmp(mode, "keep-id") ||
	    outside_root("/proc/self/uid_map", &uid, &err) < 0 ||
	    outside_root("/proc/self/gid_map", &gid, &err) < 0)
		return NULL;
	return xasprintf("%u:%u", uid, gid);
}

/* id -> 0 (the user, root of nook's namespace), 0..id-1 -> 1..id, and
 * id+1.. -> id+1..: every id of nook's namespace used once. */
static struct json_object *keep_id_map(uint32_t id)
{
	struct json_object *a = json_object_new_array();
	const uint32_t spans[3][3] = {
	    {0, 1, id}, {id, 0, 1}, {id + 1, id + 1, KEEP_ID_RANGE - id - 1}};

	for (size_t i = 0; i < 3; i++) {
		struct json_object *m;

		if (!spans[i][2] || (i == 2 && id + 1 >= KEEP_ID_RANGE))
			continue;
		m = json_object_new_object();
		json_object_object_add(m, "containerID", json_object_new_int64(spans[i][0]));
		json_object_object_add(m, "hostID", json_object_new_int64(spans[i][1]));
		json_object_object_add(m, "size", json_object_new_int64(spans[i][2]));
		json_object_array_add(a, m);
	}
	return a;
}

static struct json_object *auto_map(uint32_t host, uint32_t size)
{
	struct json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int64(0));
	json_object_object_add(m, "hostID", json_object_new_int64(host));
	json_object_object_add(m, "size", json_object_new_int64(size));
	json_object_array_add(a, m);
	return a;
}

/* A new user namespace in doc with these maps. */
static int userns_add(struct json_object *doc, struct json_object *uids, struct json_object *gids,
		      struct error *err)
{
	struct json_object *lx, *ns, *u;

	if (!json_object_object_get_ex(doc, "linux", &lx) ||
	    !json_object_object_get_ex(lx, "namespaces", &ns)) {
		json_object_put(uids);
		json_object_put(gids);
		return error_set(err, EINVAL, "config.json: no linux.namespaces");
	}
	u = json_object_new_object();
	json_object_object_add(u, "type", json_object_new_string("user"));
	json_object_array_add(ns, u);
	json_object_object_add(lx, "uidMappings", uids);
	json_object_object_add(lx, "gidMappings", gids);
	return 0;
}

int rt_userns_edit(struct json_object *doc, const char *mode, const struct img_idrange *range,
		   struct error *err)
{
	uint32_t uid, gid;

	if (rt_userns_check(mode, err) < 0)
		return -1;
	if (!mode || !strcmp(mode, "host"))
		return 0;
	if (!strcmp(mode, "auto")) {
		if (!range)
			return error_set(err, EINVAL, "--userns=auto: no range allocated");
		return userns_add(doc, auto_map(range->uid, range->size),
				  auto_map(range->gid, range->size), err);
	}
	if (outside_root("/proc/self/uid_map", &uid, err) < 0 ||
	    outside_root("/proc/self/gid_map", &gid, err) < 0)
		return -1;
	if (uid >= KEEP_ID_RANGE || gid >= KEEP_ID_RANGE)
		return error_set(err, ERANGE, "--userns=keep-id: uid %u or gid %u above %u", uid,
				 gid, KEEP_ID_RANGE - 1);
	return userns_add(doc, keep_id_map(uid), keep_id_map(gid), err);
}

/* -------------------------------------------------------------- auto -- */

#define AUTO_POOL_USER "containers" /* podman's root-auto-userns-user */

/* "START:SIZE" of nook.conf's userns_pool. */
static int pool_parse(const char *v, struct img_idpool *p, const char *path, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(v);
	char *colon = strchr(copy, ':');
	uint64_t start, size;

	if (colon)
		*colon++ = '\0';
	if (!colon || parse_uint64(copy, &start) < 0 || parse_uint64(colon, &size) < 0 || !start ||
	    !size || start + size > UINT32_MAX)
		return error_set(err, EINVAL,
				 "%s: userns_pool '%s': want START:SIZE (host ids above 0, below "
				 "2^32-1)",
				 path, v);
	p->uid_start = p->gid_start = (uint32_t)start;
	p->uid_size = p->gid_size = (uint32_t)size;
	return 0;
}

/* nook.conf's userns_pool, else the /etc/subuid and /etc/subgid ranges of
 * "containers", as podman. */
static int pool_of_host(struct img_idpool *p, struct error *err)
{
	struct net_config cfg;
	struct ns_subid su, sg;
	const char *path = rt_net_config_path();
	int r = 0;

	if (net_config_load(path, &cfg, err) < 0)
		return -1;
	if (cfg.userns_pool)
		r = pool_parse(cfg.userns_pool, p, path, err);
	net_config_release(&cfg);
	if (r < 0 || p->uid_size)
		return r;
	if ((r = ns_subid_find_name("/etc/subuid", AUTO_POOL_USER, &su, err)) < 0 ||
	    (r == 0 && (r = ns_subid_find_name("/etc/subgid", AUTO_POOL_USER, &sg, err)) < 0))
		return -1;
	if (r > 0)
		return error_set(err, ENOENT,
				 "--userns=auto: no id pool: give user '" AUTO_POOL_USER
				 "' ranges in /etc/subuid and /etc/subgid (usermod "
				 "--add-subuids 2147483647-2214592511 --add-subgids "
				 "2147483647-2214592511 " AUTO_POOL_USER
				 ") or set userns_pool = START:SIZE in %s",
				 path);
	*p = (struct img_idpool){su.start, su.count, sg.start, sg.count};
	return 0;
}

/* The container's root (host uid range->uid) must reach its root
 * directory: every directory above the store needs search permission
 * for others, or the container's init, cloned into its user namespace
 * before it mounts the root, gets EACCES at the first one. */
static int path_reachable(const char *dir, struct error *err)
{
	_cleanup_free_ char *p = xstrdup(dir);

	for (char *slash = strrchr(p, '/'); slash && slash != p; slash = strrchr(p, '/')) {
		struct stat st;

		*slash = '\0';
		if (stat(p, &st) < 0)
			return error_sys(err, "cannot stat '%s'", p);
		if (!(st.st_mode & S_IXOTH))
			return error_set(
			    err, EACCES,
			    "--userns=auto: '%s' is closed to others (mode %03o), so "
			    "the container's root cannot reach its root directory: "
			    "chmod o+x it, or use a store below searchable directories",
			    p, (unsigned)(st.st_mode & 0777));
	}
	return 0;
}

int rt_userns_auto_alloc(struct img_store *s, const char *mode, const char *ctr,
			 struct img_idrange *out, struct error *err)
{
	struct img_idpool pool = {0};

	if (!mode || strcmp(mode, "auto"))
		return 0;
	if (rt_userns_check(mode, err) < 0 || path_reachable(img_store_root(s), err) < 0 ||
	    pool_of_host(&pool, err) < 0)
		return -1;
	if (img_idpool_alloc(s, &pool, AUTO_RANGE, ctr, out, err) < 0)
		return -1;
	fault_point("userns-allocated");
	return 1;
}

int rt_userns_auto_dirs(const char *store_root, const char *edir, const char *dir,
			const struct img_idrange *r, struct error *err)
{
	/* Searchable, not listable: the container's root passes through the
	 * store and its engine directory to its own, and sees nothing else.
	 * Its own directory is its root's alone (as podman's userdata): no
	 * other user of the host may look into the container's root. */
	if (chmod(store_root, 0711) < 0 || chmod(edir, 0711) < 0)
		return error_sys(err, "cannot open '%s' for the container's root", edir);
	if (chown(dir, r->uid, r->gid) < 0 || chmod(dir, 0700) < 0)
		return error_sys(err, "cannot give '%s' to the container's root", dir);
	return 0;
}
