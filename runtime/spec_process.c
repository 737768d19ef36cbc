/* The "process" object of config.json, also the whole of an exec
 * process.json: what runs, as whom, with which privileges and limits. */
#include "runtime/internal.h"

#include <linux/ioprio.h>
#include <linux/sched.h>
#include <string.h>

#define ID_MAX 4294967294LL /* (uid_t)-1 means "no change" to the kernel */

static const char *const capset_names[RT_CAP__COUNT] = {
    [RT_CAP_BOUNDING] = "bounding",	  [RT_CAP_EFFECTIVE] = "effective",
    [RT_CAP_INHERITABLE] = "inheritable", [RT_CAP_PERMITTED] = "permitted",
    [RT_CAP_AMBIENT] = "ambient",
};

/* Fields runc (or the spec) knows and nook does not implement: refused,
 * never dropped, so nobody believes a profile or policy is in force. */
static const struct {
	const char *key;
	const char *what;
} process_refused[] = {
    {"apparmorProfile", "AppArmor"},
    {"execCPUAffinity", "exec CPU affinity"},
};

/* process.scheduler.policy and .flags (sched_setattr(2)); SCHED_ISO is in
 * the spec but no kernel implements it. */
static const struct {
	const char *name;
	uint32_t value;
} sched_policies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_IDLE", SCHED_IDLE}, {"SCHED_DEADLINE", SCHED_DEADLINE},
};

static const struct {
	const char *name;
	uint64_t value;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},
    {"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
    {"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},
    {"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
    {"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
};

/* process.ioPriority.class (ioprio_set(2)). */
static const struct {
	const char *name;
	int value;
} ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
    {"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
    {"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
};

static int parse_args(struct rt_process *p, json_object *obj, const char *base, struct error *err)
{
	json_object *arr = rt_json_member(obj, "args");
	char path[RT_JSON_PATH_MAX];

	rt_json_path(path, base, "args");
	if (!arr || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0)
		return error_set(err, EINVAL, "%s: must be a non-empty array of strings", path);
	if (rt_json_strv(obj, base, "args", &p->args, err) < 0)
		return -1;
	return 0;
}

static int parse_env(struct rt_process *p, json_object *obj, const char *base, struct error *err)
{
	char path[RT_JSON_PATH_MAX];

	if (rt_json_strv(obj, base, "env", &p->env, err) < 0)
		return -1;
	rt_json_path(path, base, "env");
	for (size_t i = 0; p->env && p->env[i]; i++) {
		const char *eq = strchr(p->env[i], '=');

		if (!eq || eq == p->env[i])
			return error_set(err, EINVAL,
					 "%s[%zu]: \"%s\" is not of the form KEY=VALUE", path, i,
					 p->env[i]);
	}
	return 0;
}

static int parse_console_size(struct rt_process *p, json_object *obj, const char *base,
			      struct error *err)
{
	char path[RT_JSON_PATH_MAX];
	json_object *cs;
	int64_t h = 0, w = 0;

	if (rt_json_typed(obj, base, "consoleSize", json_type_object, &cs, err) < 0)
		return -1;
	if (!cs)
		return 0;
	rt_json_path(path, base, "consoleSize");
	if (rt_json_int(cs, path, "height", 0, UINT16_MAX, NULL, &h, err) < 0 ||
	    rt_json_int(cs, path, "width", 0, UINT16_MAX, NULL, &w, err) < 0)
		return -1;
	p->console_height = (unsigned int)h;
	p->console_width = (unsigned int)w;
	return 0;
}

static int parse_user(struct rt_process *p, json_object *obj, const char *base, struct error *err)
{
	char path[RT_JSON_PATH_MAX], gpath[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *user, *gids;
	int64_t v = 0;

	if (rt_json_typed(obj, base, "user", json_type_object, &user, err) < 0)
		return -1;
	if (!user)
		return 0; /* root, as runc treats a missing user */
	rt_json_path(path, base, "user");
	if (rt_json_int(user, path, "uid", 0, ID_MAX, NULL, &v, err) < 0)
		return -1;
	p->uid = (uid_t)v;
	v = 0;
	if (rt_json_int(user, path, "gid", 0, ID_MAX, NULL, &v, err) < 0)
		return -1;
	p->gid = (gid_t)v;
	if (rt_json_int(user, path, "umask", 0, 0777, &p->has_umask, &v, err) < 0)
		return -1;
	if (p->has_umask)
		p->umask = (mode_t)v;

	if (rt_json_typed(user, path, "additionalGids", json_type_array, &gids, err) < 0)
		return -1;
	if (!gids)
		return 0;
	rt_json_path(gpath, path, "additionalGids");
	p->n_additional_gids = json_object_array_length(gids);
	p->additional_gids = xzalloc((p->n_additional_gids + 1) * sizeof(gid_t));
	for (size_t i = 0; i < p->n_additional_gids; i++) {
		rt_json_path_index(epath, gpath, i);
		if (rt_json_value_int(json_object_array_get_idx(gids, i), epath, 0, ID_MAX, &v,
				      err) < 0)
			return -1;
		p->additional_gids[i] = (gid_t)v;
	}
	return 0;
}

static int parse_capset(uint64_t *mask, json_object *caps, const char *path, const char *name,
			struct error *err)
{
	_cleanup_strv_ char **names = NULL;
	char spath[RT_JSON_PATH_MAX];

	if (rt_json_strv(caps, path, name, &names, err) < 0)
		return -1;
	rt_json_path(spath, path, name);
	for (size_t i = 0; names && names[i]; i++) {
		int cap = rt_cap_from_name(names[i]);

		if (cap < 0)
			return error_set(err, EINVAL, "%s[%zu]: unknown capability \"%s\"", spath,
					 i, names[i]);
		/* Like runc: a capability this kernel does not have cannot be
		 * granted, and asking for it is not worth failing over (images
		 * list new capabilities before every kernel has them). */
		if (cap > rt_cap_last()) {
			log_debug("%s: ignoring %s, unknown to the running kernel", spath,
				  names[i]);
			continue;
		}
		*mask |= UINT64_C(1) << cap;
	}
	return 0;
}

static int parse_caps(struct rt_process *p, json_object *obj, const char *base, struct error *err)
{
	char path[RT_JSON_PATH_MAX];
	json_object *caps;

	if (rt_json_typed(obj, base, "capabilities", json_type_object, &caps, err) < 0)
		return -1;
	if (!caps)
		return 0;
	p->has_caps = true;
	rt_json_path(path, base, "capabilities");
	for (size_t s = 0; s < RT_CAP__COUNT; s++)
		if (parse_capset(&p->caps[s], caps, path, capset_names[s], err) < 0)
			return -1;
	return 0;
}

static int parse_rlimit(struct rt_process *p, size_t i, json_object *o, const char *path,
			struct error *err)
{
	_cleanup_free_ char *type = NULL;
	struct rt_rlimit *r = &p->rlimits[i];
	char tpath[RT_JSON_PATH_MAX];

	if (!json_object_is_type(o, json_type_object))
		return rt_json_type_error(path, json_type_object, o, err);
	if (rt_json_string(o, path, "type", true, &type, err) < 0)
		return -1;
	rt_json_path(tpath, path, "type");
	r->resource = rt_rlimit_from_name(type);
	if (r->resource < 0)
		return error_set(err, EINVAL, "%s: unknown rlimit \"%s\"", tpath, type);
	for (size_t j = 0; j < i; j++)
		if (p->rlimits[j].resource == r->resource)
			return error_set(err, EINVAL, "%s: duplicate rlimit \"%s\"", tpath, type);
	if (!rt_json_member(o, "soft") || !rt_json_member(o, "hard"))
		return error_set(err, EINVAL, "%s: both soft and hard are required", path);
	if (rt_json_uint64(o, path, "soft", NULL, &r->soft, err) < 0 ||
	    rt_json_uint64(o, path, "hard", NULL, &r->hard, err) < 0)
		return -1;
	if (r->soft > r->hard)
		return error_set(err, EINVAL, "%s: soft limit %llu is greater than hard limit %llu",
				 path, (unsigned long long)r->soft, (unsigned long long)r->hard);
	return 0;
}

static int parse_rlimits(struct rt_process *p, json_object *obj, const char *base,
			 struct error *err)
{
	char path[RT_JSON_PATH_MAX], epath[RT_JSON_PATH_MAX];
	json_object *arr;
	size_t n;

	if (rt_json_typed(obj, base, "rlimits", json_type_array, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	rt_json_path(path, base, "rlimits");
	n = json_object_array_length(arr);
	p->rlimits = xzalloc((n + 1) * sizeof(*p->rlimits));
	for (size_t i = 0; i < n; i++) {
		rt_json_path_index(epath, path, i);
		p->n_rlimits = i + 1;
		if (parse_rlimit(p, i, json_object_array_get_idx(arr, i), epath, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_sched_flags(struct ns_sched *s, json_object *obj, const char *path,
			     struct error *err)
{
	_cleanup_strv_ char **names = NULL;
	char fpath[RT_JSON_PATH_MAX];

	if (rt_json_strv(obj, path, "flags", &names, err) < 0)
		return -1;
	rt_json_path(fpath, path, "flags");
	for (size_t i = 0; names && names[i]; i++) {
		size_t j = 0;

		while (j < ARRAY_SIZE(sched_flags) && strcmp(sched_flags[j].name, names[i]))
			j++;
		if (j == ARRAY_SIZE(sched_flags))
			return error_set(err, EINVAL, "%s[%zu]: unknown scheduler flag \"%s\"",
					 fpath, i, names[i]);
		s->flags |= sched_flags[j].value;
	}
	return 0;
}

static int parse_scheduler(struct rt_process *p, json_object *obj, const char *base,
			   struct error *err)
{
	_cleanup_free_ char *policy = NULL;
	char path[RT_JSON_PATH_MAX], ppath[RT_JSON_PATH_MAX];
	struct ns_sched *s = &p->scheduler;
	json_object *sch;
	int64_t v = 0;
	size_t i = 0;

	if (rt_json_typed(obj, base, "scheduler", json_type_object, &sch, err) < 0)
		return -1;
	if (!sch)
		return 0;
	rt_json_path(path, base, "scheduler");
	if (rt_json_string(sch, path, "policy", true, &policy, err) < 0)
		return -1;
	while (i < ARRAY_SIZE(sched_policies) && strcmp(sched_policies[i].name, policy))
		i++;
	rt_json_path(ppath, path, "policy");
	if (i == ARRAY_SIZE(sched_policies))
		return error_set(err, EINVAL, "%s: unknown or unsupported policy \"%s\"", ppath,
				 policy);
	s->policy = sched_policies[i].value;
	if (rt_json_int(sch, path, "nice", -20, 19, NULL, &v, err) < 0)
		return -1;
	s->nice = (int32_t)v;
	v = 0;
	if (rt_json_int(sch, path, "priority", 0, 99, NULL, &v, err) < 0)
		return -1;
	s->priority = (uint32_t)v;
	if (parse_sched_flags(s, sch, path, err) < 0 ||
	    rt_json_uint64(sch, path, "runtime", NULL, &s->runtime, err) < 0 ||
	    rt_json_uint64(sch, path, "deadline", NULL, &s->deadline, err) < 0 ||
	    rt_json_uint64(sch, path, "period", NULL, &s->period, err) < 0)
		return -1;
	p->has_scheduler = true;
	return 0;
}

static int parse_io_priority(struct rt_process *p, json_object *obj, const char *base,
			     struct error *err)
{
	_cleanup_free_ char *cls = NULL;
	char path[RT_JSON_PATH_MAX], cpath[RT_JSON_PATH_MAX];
	json_object *io;
	int64_t v = 0;
	size_t i = 0;

	if (rt_json_typed(obj, base, "ioPriority", json_type_object, &io, err) < 0)
		return -1;
	if (!io)
		return 0;
	rt_json_path(path, base, "ioPriority");
	if (rt_json_string(io, path, "class", true, &cls, err) < 0)
		return -1;
	while (i < ARRAY_SIZE(ioprio_classes) && strcmp(ioprio_classes[i].name, cls))
		i++;
	rt_json_path(cpath, path, "class");
	if (i == ARRAY_SIZE(ioprio_classes))
		return error_set(err, EINVAL, "%s: unknown class \"%s\"", cpath, cls);
	if (rt_json_int(io, path, "priority", 0, 7, NULL, &v, err) < 0)
		return -1;
	p->io_priority_class = ioprio_classes[i].value;
	p->io_priority = (int)v;
	p->has_io_priority = true;
	return 0;
}

static int parse_process(struct rt_process *p, json_object *obj, const char *base,
			 struct error *err)
{
	char path[RT_JSON_PATH_MAX];
	int64_t v = 0;

	for (size_t i = 0; i < ARRAY_SIZE(process_refused); i++)
		if (rt_json_refuse(obj, base, process_refused[i].key, process_refused[i].what,
				   err) < 0)
			return -1;
	if (rt_json_selinux_label(obj, base, "selinuxLabel", err) < 0 ||
	    rt_json_bool(obj, base, "terminal", &p->terminal, err) < 0 ||
	    parse_console_size(p, obj, base, err) < 0 || parse_args(p, obj, base, err) < 0 ||
	    parse_env(p, obj, base, err) < 0 ||
	    rt_json_string(obj, base, "cwd", true, &p->cwd, err) < 0)
		return -1;
	rt_json_path(path, base, "cwd");
	if (p->cwd[0] != '/')
		return error_set(err, EINVAL, "%s: \"%s\" is not an absolute path", path, p->cwd);
	if (parse_user(p, obj, base, err) < 0 || parse_caps(p, obj, base, err) < 0 ||
	    parse_rlimits(p, obj, base, err) < 0 ||
	    rt_json_bool(obj, base, "noNewPrivileges", &p->no_new_privileges, err) < 0 ||
	    rt_json_int(obj, base, "oomScoreAdj", -1000, 1000, &p->has_oom_score_adj, &v, err) <
		0 ||
	    parse_scheduler(p, obj, base, err) < 0 || parse_io_priority(p, obj, base, err) < 0)
		return -1;
	p->oom_score_adj = (int)v;
	return 0;
}

int rt_process_parse(struct rt_process *p, json_object *obj, const char *where, struct error *err)
{
	/* "process.json" names a file: paths inside start at its top. */
	bool file = str_has_suffix(where, ".json");
	const char *base = file ? "" : where;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(obj, json_type_object)) {
		if (file)
			return error_set(err, EINVAL, "%s: expected a JSON object", where);
		return rt_json_type_error(where, json_type_object, obj, err);
	}
	if (parse_process(p, obj, base, err) < 0) {
		rt_process_release(p);
		if (file)
			error_prefix(err, "%s", where);
		return -1;
	}
	return 0;
}

void rt_process_release(struct rt_process *p)
{
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->additional_gids);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}
