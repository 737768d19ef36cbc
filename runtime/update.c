/* `update`: new limits for a running container.  The new values are merged
 * into the container's saved config.json (so a later update or exec sees
 * them) and written to its cgroup. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <string.h>

/* Deep-merge src into dst (objects merged key by key, the rest replaced). */
static void json_merge(json_object *dst, json_object *src)
{
	json_object_object_foreach(src, key, val)
	{
		json_object *cur;

		if (json_object_is_type(val, json_type_object) &&
		    json_object_object_get_ex(dst, key, &cur) && json_object_is_type(cur, json_type_object))
			json_merge(cur, val);
		else
			json_object_object_add(dst, key, json_object_get(val));
	}
}

int rt_container_update(const struct rt_context *ctx, const char *id, const char *resources_json,
			struct error *err)
{
	struct rt_state st = {0};
	struct cg_group g = {.dirfd = -1};
	struct cg_resources *res = NULL;
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *text = NULL;
	json_object *doc = NULL, *update = NULL, *linux_obj, *cur;
	enum rt_status s;
	int r = -1, has = 0;

	dirfd = rt_state_dir_open(ctx, id, err);
	if (dirfd < 0 || rt_state_lock(dirfd, err) < 0 || rt_state_read(dirfd, id, &st, err) < 0)
		return -1;
	s = rt_state_status(dirfd, &st);
	if (s == RT_STATUS_STOPPED || s == RT_STATUS_CREATING) {
		error_set(err, EINVAL, "container \"%s\" is %s", id, rt_status_name(s));
		goto out;
	}
	update = json_tokener_parse(resources_json);
	if (!update || !json_object_is_type(update, json_type_object)) {
		error_set(err, EINVAL, "resources: not a JSON object");
		goto out;
	}
	if (file_read_at(dirfd, "config.json", 0, &text, NULL, err) < 0)
		goto out;
	doc = json_tokener_parse(text);
	if (!doc) {
		error_set(err, EINVAL, "container \"%s\": corrupt saved config.json", id);
		goto out;
	}
	if (!json_object_object_get_ex(doc, "linux", &linux_obj)) {
		linux_obj = json_object_new_object();
		json_object_object_add(doc, "linux", linux_obj);
	}
	if (!json_object_object_get_ex(linux_obj, "resources", &cur)) {
		cur = json_object_new_object();
		json_object_object_add(linux_obj, "resources", cur);
	}
	json_merge(cur, update);
	if (rt_resources_parse(cur, &res, err) < 0)
		goto out;
	/* A limit v2 cannot take makes v1 groups the container lacked (on a
	 * hybrid host): recorded first, so that a delete after a kill -9
	 * from here on still looks for them. */
	if (!st.cgroup_v1 && cg_group_may_use_v1(res)) {
		st.cgroup_v1 = true;
		if (rt_state_write(dirfd, &st, err) < 0)
			goto out;
	}
	has = rt_state_cgroup(&st, &g, err);
	if (has < 0)
		goto out;
	if (has == 0) {
		error_set(err, ENOTSUP, "container \"%s\" has no cgroup: cannot update its limits", id);
		goto out;
	}
	if (cg_group_update(&g, res, err) < 0)
		goto out;
	{
		const char *out = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);

		r = file_write_atomic_at(dirfd, "config.json", out, strlen(out), 0600, err);
	}
out:
	if (has > 0)
		cg_group_release(&g);
	cg_resources_free(res);
	json_object_put(update);
	json_object_put(doc);
	rt_state_release(&st);
	return r;
}
