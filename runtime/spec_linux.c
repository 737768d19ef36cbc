/* The "linux" section of config.json: namespaces, id maps, devices, paths
 * to mask, propagation, sysctls, personality and the objects other parts
 * of runtime/ parse themselves (resources, seccomp, timeOffsets). */
#include "runtime/internal.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/personality.h>

/* (uid_t)-1 means "no change" to the kernel: no id may be it, but a map
 * may be that long. */
#define ID_MAX 4294967294LL
#define IDMAP_SIZE_MAX 4294967295LL

/* Known to runc or the spec, not implemented by nook: refused so nobody
 * believes a label or policy is in force. */
static const struct {
	const char *key;
	const char *what;
} linux_refused[] = {
    {"intelRdt", "Intel RDT"},
    {"memoryPolicy", "setting a memory policy"},
    {"netDevices", "moving network devices"},
};

static const struct {
	const char *name;
	unsigned long flags;
} propagation_table[] = {
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"private", MS_PRIVATE},
    {"unbindable", MS_UNBINDABLE},
    {"rshared", MS_REC | MS_SHARED},
    {"rslave", MS_REC | MS_SLAVE},
    {"rprivate", MS_REC | MS_PRIVATE},
    {"runbindable", MS_REC | MS_UNBINDABLE},
};

static const struct {
	const char *name;
	unsigned long value;
} personality_domains[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
};

static const struct {
	const char *name;
	unsigned long flag;
} personality_flags[] = {
    {"UNAME26", UNAME26},
    {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
    {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
    {"MMAP_PAGE_ZERO", MMAP_PAGE_ZERO},
    {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
    {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
    {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
    {"SHORT_INODE", SHORT_INODE},
    {"WHOLE_SECONDS", WHOLE_SECONDS},
    {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
    {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
};

/* An array member: *arr (NULL if absent), its path and length. */
static int get_array(json_object *obj, const char *key, json_object **arr,
		     char path[RT_JSON_PATH_MAX], size_t *n, struct error *err)
{
	*n = 0;
	if (rt_json_typed(obj, "linux", key, json_type_array, arr, err) < 0)
		return -1;
	rt_json_path(path, "linux", key);
	if (*arr)
		*n = json_object_array_length(*arr);
	return 0;
}

static int expect_object(json_object *o, const char *path, struct error *err)
{
	if (!json_object_is_type(o, json_type_object))
		return rt_json_type_error(path, json_type_object, o, err);
	return 0;
}

static int parse_namespace(struct rt_spec *spec, json_object *o, const char *path,
			   struct error *err)
{
	struct rt_namespace *ns = &spec->namespaces[spec->n_namespaces];
	_cleanup_free_ char *type = NULL, *nspath = NULL;
	int flag;

	if (expect_object(o, path, err) < 0 ||
	    rt_json_string(o, path, "type", true, &type, err) < 0 ||
	    rt_json_string(o, path, "path", false, &nspath, err) < 0)
		return -1;
	flag = ns_flag_from_name(type);
	if (!flag)
		return error_set(err, EINVAL, "%s.type: unknown namespace \"%s\"", path, type);
	if (rt_spec_namespace(spec, flag))
		return error_set(err, EINVAL, "%s.type: duplicate namespace \"%s\"", path, type);
	if (nspath && *nspath && nspath[0] != '/')
		return error_set(err, EINVAL, "%s.path: \"%s\" is not an absolute path", path,
				 nspath);
	ns->flag = flag;
	if (nspath && *nspath)
		ns->path = steal_pointer(&nspath);
	spec->n_namespaces++;
	return 0;
}

static int parse_namespaces(struct rt_spec *spec, json_object *obj, struct error *err)
{
	char path[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *arr;
	size_t n;

	if (get_array(obj, "namespaces", &arr, path, &n, err) < 0)
		return -1;
	spec->namespaces = xzalloc((n + 1) * sizeof(*spec->namespaces));
	for (size_t i = 0; i < n; i++) {
		rt_json_path_index(epath, path, i);
		if (parse_namespace(spec, json_object_array_get_idx(arr, i), epath, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_idmaps(json_object *obj, const char *key, struct ns_idmap **out, size_t *n_out,
			struct error *err)
{
	char path[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *arr;
	size_t n;

	if (get_array(obj, key, &arr, path, &n, err) < 0)
		return -1;
	if (!arr)
		return 0;
	*out = xzalloc((n + 1) * sizeof(**out));
	*n_out = n;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		int64_t c = 0, h = 0, s = 0;

		rt_json_path_index(epath, path, i);
		if (expect_object(o, epath, err) < 0)
			return -1;
		if (!rt_json_member(o, "containerID") || !rt_json_member(o, "hostID") ||
		    !rt_json_member(o, "size"))
			return error_set(err, EINVAL,
					 "%s: containerID, hostID and size are required", epath);
		/* The kernel's rule for a map line: ids below 2^32-1 and the
		 * range not wrapping, i.e. id + size <= 2^32-1.  So the full
		 * identity map "0 0 4294967295" (what the initial user
		 * namespace shows, and what crun and runc pass through) is
		 * valid. */
		if (rt_json_int(o, epath, "containerID", 0, ID_MAX, NULL, &c, err) < 0 ||
		    rt_json_int(o, epath, "hostID", 0, ID_MAX, NULL, &h, err) < 0 ||
		    rt_json_int(o, epath, "size", 1, IDMAP_SIZE_MAX, NULL, &s, err) < 0)
			return -1;
		if (c + s > IDMAP_SIZE_MAX || h + s > IDMAP_SIZE_MAX)
			return error_set(err, ERANGE,
					 "%s: containerID %lld or hostID %lld plus size %lld goes "
					 "past %lld",
					 epath, (long long)c, (long long)h, (long long)s,
					 (long long)IDMAP_SIZE_MAX);
		(*out)[i] = (struct ns_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)s};
	}
	return 0;
}

static int parse_device(struct ns_device *d, json_object *o, const char *path, struct error *err)
{
	_cleanup_free_ char *type = NULL;
	bool has_major = false, has_minor = false, has_mode = false;
	int64_t v = 0;

	if (expect_object(o, path, err) < 0 ||
	    rt_json_string(o, path, "path", true, &d->path, err) < 0 ||
	    rt_json_string(o, path, "type", true, &type, err) < 0)
		return -1;
	if (d->path[0] != '/')
		return error_set(err, EINVAL, "%s.path: \"%s\" is not an absolute path", path,
				 d->path);
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return error_set(err, EINVAL, "%s.type: unknown device type \"%s\" (c, b, u or p)",
				 path, type);
	d->type = type[0];
	if (rt_json_int(o, path, "major", 0, UINT32_MAX, &has_major, &d->major, err) < 0 ||
	    rt_json_int(o, path, "minor", 0, UINT32_MAX, &has_minor, &d->minor, err) < 0)
		return -1;
	if (d->type != 'p' && (!has_major || !has_minor))
		return error_set(err, EINVAL, "%s: major and minor are required for type %c", path,
				 d->type);
	/* podman passes the device's whole st_mode (S_IFCHR|0600): the type
	 * bits are accepted when they name the device's own type, as runc
	 * (which ORs them into mknod's mode anyway) accepts them. */
	if (rt_json_int(o, path, "fileMode", 0, S_IFMT | 07777, &has_mode, &v, err) < 0)
		return -1;
	if (v & S_IFMT) {
		mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

		if (((mode_t)v & S_IFMT) != want)
			return error_set(err, EINVAL,
					 "%s.fileMode: %#llo names another file type than \"%c\"",
					 path, (unsigned long long)v, d->type);
	}
	d->has_mode = has_mode;
	d->mode = (mode_t)v & 07777;
	if (rt_json_int(o, path, "uid", 0, ID_MAX, &d->has_uid, &v, err) < 0)
		return -1;
	d->uid = (uid_t)v;
	if (rt_json_int(o, path, "gid", 0, ID_MAX, &d->has_gid, &v, err) < 0)
		return -1;
	d->gid = (gid_t)v;
	return 0;
}

static int parse_devices(struct rt_spec *spec, json_object *obj, struct error *err)
{
	char path[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *arr;
	size_t n;

	if (get_array(obj, "devices", &arr, path, &n, err) < 0)
		return -1;
	if (!arr)
		return 0;
	spec->devices = xzalloc((n + 1) * sizeof(*spec->devices));
	for (size_t i = 0; i < n; i++) {
		rt_json_path_index(epath, path, i);
		spec->n_devices = i + 1;
		if (parse_device(&spec->devices[i], json_object_array_get_idx(arr, i), epath, err) <
		    0)
			return -1;
	}
	return 0;
}

static int parse_paths(json_object *obj, const char *key, char ***out, struct error *err)
{
	char path[RT_JSON_PATH_MAX];

	if (rt_json_strv(obj, "linux", key, out, err) < 0)
		return -1;
	rt_json_path(path, "linux", key);
	for (size_t i = 0; *out && (*out)[i]; i++)
		if ((*out)[i][0] != '/')
			return error_set(err, EINVAL, "%s[%zu]: \"%s\" is not an absolute path",
					 path, i, (*out)[i]);
	return 0;
}

static int parse_propagation(struct rt_spec *spec, json_object *obj, struct error *err)
{
	_cleanup_free_ char *s = NULL;

	if (rt_json_string(obj, "linux", "rootfsPropagation", false, &s, err) < 0)
		return -1;
	if (!s || !*s)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(propagation_table); i++)
		if (!strcmp(s, propagation_table[i].name)) {
			spec->rootfs_propagation = propagation_table[i].flags;
			return 0;
		}
	return error_set(err, EINVAL, "linux.rootfsPropagation: unknown propagation \"%s\"", s);
}

static int parse_sysctl(struct rt_spec *spec, json_object *obj, struct error *err)
{
	json_object *sys;
	size_t i = 0;

	if (rt_json_typed(obj, "linux", "sysctl", json_type_object, &sys, err) < 0)
		return -1;
	if (!sys)
		return 0;
	spec->sysctl =
	    xzalloc(((size_t)json_object_object_length(sys) + 1) * sizeof(*spec->sysctl));
	json_object_object_foreach(sys, key, val)
	{
		char path[RT_JSON_PATH_MAX];

		snprintf(path, sizeof(path), "linux.sysctl[\"%s\"]", key);
		if (!*key)
			return error_set(err, EINVAL, "%s: empty sysctl name", path);
		spec->sysctl[i].key = xstrdup(key);
		spec->n_sysctl = i + 1;
		if (rt_json_value_string(val, path, &spec->sysctl[i].value, err) < 0)
			return -1;
		i++;
	}
	return 0;
}

static int parse_personality(struct rt_spec *spec, json_object *obj, struct error *err)
{
	_cleanup_free_ char *domain = NULL;
	_cleanup_strv_ char **flags = NULL;
	const char *path = "linux.personality";
	json_object *pers;
	size_t i;

	if (rt_json_typed(obj, "linux", "personality", json_type_object, &pers, err) < 0)
		return -1;
	if (!pers)
		return 0;
	if (rt_json_string(pers, path, "domain", true, &domain, err) < 0 ||
	    rt_json_strv(pers, path, "flags", &flags, err) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(personality_domains); i++)
		if (!strcmp(domain, personality_domains[i].name))
			break;
	if (i == ARRAY_SIZE(personality_domains))
		return error_set(err, EINVAL, "%s.domain: unknown domain \"%s\" (LINUX or LINUX32)",
				 path, domain);
	spec->personality = personality_domains[i].value;
	for (size_t f = 0; flags && flags[f]; f++) {
		for (i = 0; i < ARRAY_SIZE(personality_flags); i++)
			if (!strcmp(flags[f], personality_flags[i].name))
				break;
		if (i == ARRAY_SIZE(personality_flags))
			return error_set(err, EINVAL, "%s.flags[%zu]: unknown flag \"%s\"", path, f,
					 flags[f]);
		spec->personality |= personality_flags[i].flag;
	}
	spec->has_personality = true;
	return 0;
}

/* {"monotonic": {"secs": -3, "nanosecs": 5}, "boottime": {...}}: the
 * values are written to /proc/PID/timens_offsets by whoever sets up the
 * time namespace; here only their shape is checked. */
static int parse_time_offsets(struct rt_spec *spec, json_object *obj, struct error *err)
{
	json_object *to;

	if (rt_json_typed(obj, "linux", "timeOffsets", json_type_object, &to, err) < 0)
		return -1;
	if (!to)
		return 0;
	json_object_object_foreach(to, key, val)
	{
		char path[RT_JSON_PATH_MAX];
		int64_t v;

		rt_json_path(path, "linux.timeOffsets", key);
		if (strcmp(key, "monotonic") && strcmp(key, "boottime"))
			return error_set(err, EINVAL, "%s: unknown clock (monotonic or boottime)",
					 path);
		if (expect_object(val, path, err) < 0 ||
		    rt_json_int(val, path, "secs", INT64_MIN, INT64_MAX, NULL, &v, err) < 0 ||
		    rt_json_int(val, path, "nanosecs", 0, 999999999, NULL, &v, err) < 0)
			return -1;
	}
	spec->time_offsets = to;
	return 0;
}

/* The user-namespace rules runc enforces, with the config's own names. */
static int check_userns(struct rt_spec *spec, struct error *err)
{
	const struct rt_namespace *user = rt_spec_namespace(spec, CLONE_NEWUSER);

	const char *which = spec->n_uid_mappings ? "linux.uidMappings" : "linux.gidMappings";

	if (!user && (spec->n_uid_mappings || spec->n_gid_mappings))
		return error_set(err, EINVAL,
				 "%s: given without a user namespace in linux.namespaces", which);
	which = !spec->n_uid_mappings ? "linux.uidMappings" : "linux.gidMappings";
	if (user && !user->path && (!spec->n_uid_mappings || !spec->n_gid_mappings))
		return error_set(err, EINVAL, "%s: required for a new user namespace", which);
	if (spec->time_offsets && !rt_spec_namespace(spec, CLONE_NEWTIME))
		return error_set(err, EINVAL,
				 "linux.timeOffsets: given without a time namespace in "
				 "linux.namespaces");
	return 0;
}

int rt_spec_parse_linux(struct rt_spec *spec, json_object *obj, struct error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(linux_refused); i++)
		if (rt_json_refuse(obj, "linux", linux_refused[i].key, linux_refused[i].what, err) <
		    0)
			return -1;
	if (rt_json_selinux_label(obj, "linux", "mountLabel", err) < 0 ||
	    parse_namespaces(spec, obj, err) < 0 ||
	    parse_idmaps(obj, "uidMappings", &spec->uid_mappings, &spec->n_uid_mappings, err) < 0 ||
	    parse_idmaps(obj, "gidMappings", &spec->gid_mappings, &spec->n_gid_mappings, err) < 0 ||
	    parse_devices(spec, obj, err) < 0 ||
	    rt_json_string(obj, "linux", "cgroupsPath", false, &spec->cgroups_path, err) < 0 ||
	    rt_json_typed(obj, "linux", "resources", json_type_object, &spec->resources, err) < 0 ||
	    rt_json_typed(obj, "linux", "seccomp", json_type_object, &spec->seccomp, err) < 0 ||
	    parse_paths(obj, "maskedPaths", &spec->masked_paths, err) < 0 ||
	    parse_paths(obj, "readonlyPaths", &spec->readonly_paths, err) < 0 ||
	    parse_propagation(spec, obj, err) < 0 || parse_sysctl(spec, obj, err) < 0 ||
	    parse_personality(spec, obj, err) < 0 || parse_time_offsets(spec, obj, err) < 0)
		return -1;
	return check_userns(spec, err);
}
