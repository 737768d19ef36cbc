/* Typed, path-naming accessors over json-c for the config.json parser.
 * Every wrong type is an error naming the JSON path, never a crash or a
 * silent default: a config that says something nook did not understand
 * must not start a container that is less confined than asked for. */
#include "runtime/internal.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

static const char *const type_names[] = {
    [json_type_null] = "null",	      [json_type_boolean] = "a boolean",
    [json_type_double] = "a number",  [json_type_int] = "an integer",
    [json_type_object] = "an object", [json_type_array] = "an array",
    [json_type_string] = "a string",
};

int rt_json_type_error(const char *path, enum json_type want, json_object *got, struct error *err)
{
	enum json_type t = json_object_get_type(got);

	return error_set(err, EINVAL, "%s: expected %s, got %s", path, type_names[want],
			 type_names[t]);
}

void rt_json_path(char buf[RT_JSON_PATH_MAX], const char *parent, const char *key)
{
	if (!parent || !*parent)
		snprintf(buf, RT_JSON_PATH_MAX, "%s", key);
	else
		snprintf(buf, RT_JSON_PATH_MAX, "%s.%s", parent, key);
}

void rt_json_path_index(char buf[RT_JSON_PATH_MAX], const char *parent, size_t i)
{
	snprintf(buf, RT_JSON_PATH_MAX, "%s[%zu]", parent, i);
}

json_object *rt_json_member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v; /* NULL for JSON null too */
}

int rt_json_typed(json_object *obj, const char *parent, const char *key, enum json_type t,
		  json_object **out, struct error *err)
{
	json_object *v = rt_json_member(obj, key);
	char path[RT_JSON_PATH_MAX];

	*out = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, t)) {
		rt_json_path(path, parent, key);
		return rt_json_type_error(path, t, v, err);
	}
	*out = v;
	return 0;
}

int rt_json_value_string(json_object *v, const char *path, char **out, struct error *err)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return rt_json_type_error(path, json_type_string, v, err);
	s = json_object_get_string(v);
	/* "\u0000" is valid JSON; as a C string it would silently cut a path
	 * short ("/etc\u0000/x" -> "/etc"), so refuse it. */
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return error_set(err, EINVAL, "%s: contains a NUL character", path);
	*out = xstrdup(s);
	return 0;
}

int rt_json_value_int(json_object *v, const char *path, int64_t min, int64_t max, int64_t *out,
		      struct error *err)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return rt_json_type_error(path, json_type_int, v, err);
	n = json_object_get_int64(v);
	/* json-c keeps integers above INT64_MAX as uint64 and clamps them
	 * here to INT64_MAX: still out of any range we accept below it. */
	if (n < min || n > max || (n == INT64_MAX && json_object_get_uint64(v) != (uint64_t)n))
		return error_set(err, ERANGE, "%s: %s is out of range [%lld, %lld]", path,
				 json_object_to_json_string(v), (long long)min, (long long)max);
	*out = n;
	return 0;
}

int rt_json_value_uint64(json_object *v, const char *path, uint64_t *out, struct error *err)
{
	if (!json_object_is_type(v, json_type_int))
		return rt_json_type_error(path, json_type_int, v, err);
	if (json_object_get_int64(v) < 0)
		return error_set(err, ERANGE, "%s: %s must not be negative", path,
				 json_object_to_json_string(v));
	*out = json_object_get_uint64(v);
	return 0;
}

int rt_json_string(json_object *obj, const char *parent, const char *key, bool required, char **out,
		   struct error *err)
{
	json_object *v = rt_json_member(obj, key);
	char path[RT_JSON_PATH_MAX];

	rt_json_path(path, parent, key);
	if (!v) {
		if (required)
			return error_set(err, EINVAL, "%s: required field is missing", path);
		return 0;
	}
	return rt_json_value_string(v, path, out, err);
}

int rt_json_bool(json_object *obj, const char *parent, const char *key, bool *out,
		 struct error *err)
{
	json_object *v;

	if (rt_json_typed(obj, parent, key, json_type_boolean, &v, err) < 0)
		return -1;
	if (v)
		*out = json_object_get_boolean(v);
	return 0;
}

int rt_json_int(json_object *obj, const char *parent, const char *key, int64_t min, int64_t max,
		bool *present, int64_t *out, struct error *err)
{
	json_object *v = rt_json_member(obj, key);
	char path[RT_JSON_PATH_MAX];

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	rt_json_path(path, parent, key);
	return rt_json_value_int(v, path, min, max, out, err);
}

int rt_json_uint64(json_object *obj, const char *parent, const char *key, bool *present,
		   uint64_t *out, struct error *err)
{
	json_object *v = rt_json_member(obj, key);
	char path[RT_JSON_PATH_MAX];

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	rt_json_path(path, parent, key);
	return rt_json_value_uint64(v, path, out, err);
}

int rt_json_strv(json_object *obj, const char *parent, const char *key, char ***out,
		 struct error *err)
{
	_cleanup_strv_ char **v = NULL;
	char path[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *arr;
	size_t n;

	if (rt_json_typed(obj, parent, key, json_type_array, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	rt_json_path(path, parent, key);
	n = json_object_array_length(arr);
	v = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		rt_json_path_index(epath, path, i);
		if (rt_json_value_string(json_object_array_get_idx(arr, i), epath, &v[i], err) < 0)
			return -1;
	}
	*out = steal_pointer(&v);
	return 0;
}

int rt_json_refuse(json_object *obj, const char *parent, const char *key, const char *what,
		   struct error *err)
{
	json_object *v = rt_json_member(obj, key);
	char path[RT_JSON_PATH_MAX];

	/* An empty value asks for nothing, and some tools write "" or {}
	 * for an unset field. */
	if (!v ||
	    (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0) ||
	    (json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0) ||
	    (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0))
		return 0;
	rt_json_path(path, parent, key);
	return error_set(err, ENOTSUP, "%s: %s is not supported by nook", path, what);
}

/* SELinux is on when selinuxfs is mounted where libselinux looks for it
 * (crun checks /proc/mounts for selinuxfs). */
static bool selinux_enabled(void)
{
	struct statfs sf;

	return statfs("/sys/fs/selinux", &sf) == 0 && sf.f_type == (typeof(sf.f_type))SELINUX_MAGIC;
}

int rt_json_selinux_label(json_object *obj, const char *parent, const char *key, struct error *err)
{
	json_object *v;
	char path[RT_JSON_PATH_MAX];

	if (rt_json_typed(obj, parent, key, json_type_string, &v, err) < 0)
		return -1;
	if (!v || json_object_get_string_len(v) == 0)
		return 0;
	rt_json_path(path, parent, key);
	/* nook cannot apply a label: where SELinux enforces, running
	 * without it would be less confined than asked, so refuse.  Without
	 * SELinux a label means nothing and crun ignores it (its
	 * add_selinux_mount_label() and set_selinux_exec_label() do nothing
	 * then); so do we. */
	if (selinux_enabled())
		return error_set(err, ENOTSUP, "%s: SELinux labels are not supported by nook",
				 path);
	log_debug("%s: SELinux is not enabled on this host, label \"%s\" ignored", path,
		  json_object_get_string(v));
	return 0;
}
