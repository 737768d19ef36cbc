/* `nook run --userns=MODE`: the engine container's user namespace.
 * "host" (default): the one nook runs in (the rootless user's own, where
 * root is the user).  "keep-id" (rootless, as podman's): a user namespace
 * of its own where the user keeps its uid and gid, the rest of the range
 * around it, and the command runs as the user. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <string.h>

#define KEEP_ID_RANGE 65537u /* the user and its 65536 subordinate ids */

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
	if (strcmp(mode, "keep-id"))
		return error_set(err, EINVAL, "--userns '%s': expected host or keep-id", mode);
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

int rt_userns_edit(struct json_object *doc, const char *mode, struct error *err)
{
	struct json_object *lx, *ns, *u;
	uint32_t uid, gid;

	if (rt_userns_check(mode, err) < 0)
		return -1;
	if (!mode || !strcmp(mode, "host"))
		return 0;
	if (outside_root("/proc/self/uid_map", &uid, err) < 0 ||
	    outside_root("/proc/self/gid_map", &gid, err) < 0)
		return -1;
	if (uid >= KEEP_ID_RANGE || gid >= KEEP_ID_RANGE)
		return error_set(err, ERANGE, "--userns=keep-id: uid %u or gid %u above %u", uid,
				 gid, KEEP_ID_RANGE - 1);
	if (!json_object_object_get_ex(doc, "linux", &lx) ||
	    !json_object_object_get_ex(lx, "namespaces", &ns))
		return error_set(err, EINVAL, "config.json: no linux.namespaces");
	u = json_object_new_object();
	json_object_object_add(u, "type", json_object_new_string("user"));
	json_object_array_add(ns, u);
	json_object_object_add(lx, "uidMappings", keep_id_map(uid));
	json_object_object_add(lx, "gidMappings", keep_id_map(gid));
	return 0;
}
