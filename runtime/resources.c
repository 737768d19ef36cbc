/* linux.resources (JSON) -> struct cg_resources: the OCI names, their
 * validation and their conversion to cgroup v2 files, following runc so a
 * config.json means the same under both.  This is also where the policy
 * lives that every container gets the default device allow-list. */
#include "runtime/internal.h"

#include <string.h>

#define R "linux.resources"

/* Messages name the JSON path; rt_resources_parse() puts "config.json: "
 * in front once. */
static int perr(struct error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct error *err, const char *path, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set(err, EINVAL, "%s: %s", path, msg);
}

/* A member of type t.  0 absent (or null), 1 present, -1 wrong type. */
static int get_typed(json_object *o, const char *key, json_type t, const char *path,
		     json_object **out, struct error *err)
{
	if (!o || !json_object_object_get_ex(o, key, out) || !*out ||
	    json_object_is_type(*out, json_type_null))
		return 0;
	if (!json_object_is_type(*out, t))
		return rt_json_type_error(path, t, *out, err);
	return 1;
}

static int get_int(json_object *o, const char *key, const char *base, int64_t *v,
		   struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.%s", base, key);
	json_object *x;
	int r = get_typed(o, key, json_type_int, path, &x, err);

	if (r == 1) {
		errno = 0;
		*v = json_object_get_int64(x);
		if (errno == ERANGE || (*v == INT64_MAX && json_object_get_uint64(x) > INT64_MAX))
			return perr(err, path, "out of range");
	}
	return r;
}

static int get_string(json_object *o, const char *key, const char *base, const char **v,
		      struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.%s", base, key);
	json_object *x;
	int r = get_typed(o, key, json_type_string, path, &x, err);

	if (r == 1)
		*v = json_object_get_string(x);
	return r;
}

static int get_bool(json_object *o, const char *key, const char *base, bool *v, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.%s", base, key);
	json_object *x;
	int r = get_typed(o, key, json_type_boolean, path, &x, err);

	if (r == 1)
		*v = json_object_get_boolean(x);
	return r;
}

/* A negative value is "no limit": "max", which needs no controller
 * (CG_WRITE_NO_LIMIT: written where the controller is, skipped where it
 * is not). */
static void add_num(struct cg_resources *res, const char *file, int64_t v, const char *origin)
{
	char buf[32];

	if (v < 0) {
		cg_resources_add(res, file, "max", CG_WRITE_NO_LIMIT, origin);
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	cg_resources_add(res, file, buf, 0, origin);
}

static int parse_memory(json_object *m, struct cg_resources *res, struct error *err)
{
	static const char *const base = R ".memory";
	int64_t limit = 0, reservation = 0, swap = 0, v, out;
	bool b, set;

	if (get_int(m, "limit", base, &limit, err) < 0 ||
	    get_int(m, "reservation", base, &reservation, err) < 0 ||
	    get_int(m, "swap", base, &swap, err) < 0)
		return -1;
	if (limit < -1)
		return perr(err, R ".memory.limit", "must be -1 or at least 0");
	if (reservation < -1)
		return perr(err, R ".memory.reservation", "must be -1 or at least 0");
	/* 0 means "not set", as in runc. */
	if (limit != 0)
		add_num(res, "memory.max", limit, base);
	if (cg_swap_to_v2(swap, limit, &out, &set, err) < 0)
		return error_prefix(err, R ".memory.swap");
	if (set) {
		/* Without swap accounting the file is missing; runc then
		 * ignores "max" and "0" (nothing to limit), and so do we. */
		unsigned flags = out < 0 ? CG_WRITE_NO_LIMIT : out == 0 ? CG_WRITE_MISSING_OK : 0;
		char buf[32];

		snprintf(buf, sizeof(buf), out < 0 ? "max" : "%lld", (long long)out);
		cg_resources_add(res, "memory.swap.max", buf, flags, base);
	}
	if (reservation != 0)
		add_num(res, "memory.low", reservation, base);
	if (get_int(m, "kernel", base, &v, err) == 1 || get_int(m, "kernelTCP", base, &v, err) == 1)
		log_debug("linux.resources.memory.kernel/kernelTCP are deprecated and ignored");
	if (err->code)
		return -1;
	/* cgroup v1 knobs only.  crun refuses both on v2 ("cannot set memory
	 * swappiness with cgroupv2"); runc's fs2 drops them silently.  They
	 * go to a v1 memory hierarchy or are refused there, naming the field:
	 * a container must not run believing a setting is in force. */
	switch (get_int(m, "swappiness", base, &v, err)) {
	case -1:
		return -1;
	case 1:
		/* runc: -1 (or unset) leaves the kernel's value. */
		if (v == -1)
			break;
		if (v < 0 || v > 100)
			return perr(err, R ".memory.swappiness", "must be between 0 and 100");
		{
			char buf[32];

			snprintf(buf, sizeof(buf), "%lld", (long long)v);
			cg_resources_add_v1(res, NULL, NULL, "memory.swappiness", buf, 0,
					    R ".memory.swappiness");
		}
	}
	switch (get_bool(m, "disableOOMKiller", base, &b, err)) {
	case -1:
		return -1;
	case 1:
		if (b)
			cg_resources_add_v1(res, NULL, NULL, "memory.oom_control", "1", 0,
					    R ".memory.disableOOMKiller");
	}
	if (get_bool(m, "useHierarchy", base, &b, err) < 0 ||
	    get_bool(m, "checkBeforeUpdate", base, &b, err) < 0)
		return -1;
	return 0;
}

static bool cpulist_valid(const char *s)
{
	return *s && strspn(s, "0123456789,-") == strlen(s);
}

static int parse_cpu(json_object *c, struct cg_resources *res, struct error *err)
{
	static const char *const base = R ".cpu";
	int64_t shares = 0, quota = 0, period = 0, burst, rt = 0, idle;
	int has_burst;
	const char *s;
	char buf[64];

	if (get_int(c, "shares", base, &shares, err) < 0 ||
	    get_int(c, "quota", base, &quota, err) < 0 ||
	    get_int(c, "period", base, &period, err) < 0 ||
	    (has_burst = get_int(c, "burst", base, &burst, err)) < 0)
		return -1;
	if (shares < 0)
		return perr(err, R ".cpu.shares", "must not be negative");
	if (shares) {
		char raw[32];

		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)cg_cpu_shares_to_weight((uint64_t)shares));
		snprintf(raw, sizeof(raw), "%lld", (long long)shares);
		cg_resources_add_v1(res, "cpu.weight", buf, "cpu.shares", raw, 0, base);
	}
	if (period < 0)
		return perr(err, R ".cpu.period", "must not be negative");
	if (quota != 0 || period != 0) {
		/* runc (fs2 setCpu) and crun: a quota of 0 or -1 is "max", no
		 * period is the kernel's default of 100000 us. */
		long long p = period ? period : 100000;

		if (quota > 0)
			snprintf(buf, sizeof(buf), "%lld %lld", (long long)quota, p);
		else
			snprintf(buf, sizeof(buf), "max %lld", p);
		cg_resources_add(res, "cpu.max", buf, quota > 0 ? 0 : CG_WRITE_NO_LIMIT, base);
	}
	if (has_burst) {
		if (burst < 0)
			return perr(err, R ".cpu.burst", "must not be negative");
		add_num(res, "cpu.max.burst", burst, base);
	}
	/* Only cgroup v1 has real-time limits: the cgroups code applies them
	 * in a v1 cpu hierarchy or refuses them naming the field.  Period
	 * first, as runc. */
	for (size_t i = 0; i < 2; i++) {
		const char *key = i ? "realtimeRuntime" : "realtimePeriod";
		_cleanup_free_ char *origin = xasprintf(R ".cpu.%s", key);

		switch (get_int(c, key, base, &rt, err)) {
		case -1:
			return -1;
		case 1:
			if (rt == 0)
				break;
			snprintf(buf, sizeof(buf), "%lld", (long long)rt);
			cg_resources_add_v1(res, NULL, NULL,
					    i ? "cpu.rt_runtime_us" : "cpu.rt_period_us", buf, 0,
					    origin);
		}
	}
	switch (get_int(c, "idle", base, &idle, err)) {
	case -1:
		return -1;
	case 1:
		if (idle != 0 && idle != 1)
			return perr(err, R ".cpu.idle", "must be 0 or 1");
		add_num(res, "cpu.idle", idle, base);
	}
	for (size_t i = 0; i < 2; i++) {
		const char *key = i ? "mems" : "cpus";
		_cleanup_free_ char *path = xasprintf(R ".cpu.%s", key);
		int r = get_string(c, key, base, &s, err);

		if (r < 0)
			return -1;
		if (r == 0 || !*s)
			continue;
		if (!cpulist_valid(s))
			return perr(err, path, "invalid list \"%s\"", s);
		cg_resources_add(res, i ? "cpuset.mems" : "cpuset.cpus", s, 0, base);
	}
	return 0;
}

static int parse_pids(json_object *p, struct cg_resources *res, struct error *err)
{
	int64_t limit = 0;
	int r = get_int(p, "limit", R ".pids", &limit, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return perr(err, R ".pids.limit", "is required");
	/* runc (fs2 setPids) writes nothing for 0 and "max" for -1; crun
	 * "max" for any negative value.  Both are "no limit". */
	if (limit != 0)
		add_num(res, "pids.max", limit, R ".pids");
	return 0;
}

static int device_numbers(json_object *d, const char *path, int64_t *major, int64_t *minor,
			  struct error *err)
{
	if (get_int(d, "major", path, major, err) != 1 || get_int(d, "minor", path, minor, err) != 1)
		return err->code ? -1 : perr(err, path, "major and minor are required");
	if (*major < 0 || *major > UINT32_MAX || *minor < 0 || *minor > UINT32_MAX)
		return perr(err, path, "invalid major/minor %lld:%lld", (long long)*major,
			    (long long)*minor);
	return 0;
}

static int parse_blkio(json_object *b, struct cg_resources *res, struct error *err)
{
	static const char *const base = R ".blockIO";
	static const struct {
		const char *key, *name;
	} throttles[] = {
		{"throttleReadBpsDevice", "rbps"},
		{"throttleWriteBpsDevice", "wbps"},
		{"throttleReadIOPSDevice", "riops"},
		{"throttleWriteIOPSDevice", "wiops"},
	};
	int64_t weight = 0, leaf;
	json_object *arr;
	char raw[64], conv[64];
	int r;

	if ((r = get_int(b, "weight", base, &weight, err)) < 0)
		return -1;
	if (r == 1 && weight != 0) {
		if (weight < 10 || weight > 1000)
			return perr(err, R ".blockIO.weight", "must be between 10 and 1000");
		/* BFQ takes the v1 weight as is; io.weight needs runc's
		 * conversion. */
		snprintf(raw, sizeof(raw), "%lld", (long long)weight);
		snprintf(conv, sizeof(conv), "%llu",
			 (unsigned long long)cg_blkio_weight_to_io_weight((uint64_t)weight));
		cg_resources_add_alt(res, "io.bfq.weight", raw, "io.weight", conv, base);
	}
	if (get_int(b, "leafWeight", base, &leaf, err) == 1)
		log_debug("linux.resources.blockIO.leafWeight is ignored on cgroup v2");
	if (err->code)
		return -1;
	r = get_typed(b, "weightDevice", json_type_array, R ".blockIO.weightDevice", &arr, err);
	for (size_t i = 0; r == 1 && i < json_object_array_length(arr); i++) {
		_cleanup_free_ char *path = xasprintf(R ".blockIO.weightDevice[%zu]", i);
		json_object *d = json_object_array_get_idx(arr, i);
		int64_t major, minor, w = 0;

		if (!json_object_is_type(d, json_type_object))
			return rt_json_type_error(path, json_type_object, d, err);
		if (device_numbers(d, path, &major, &minor, err) < 0 ||
		    get_int(d, "weight", path, &w, err) < 0)
			return -1;
		if (w == 0)
			continue;
		if (w < 10 || w > 1000)
			return perr(err, path, "weight must be between 10 and 1000");
		snprintf(raw, sizeof(raw), "%lld:%lld %lld", (long long)major, (long long)minor,
			 (long long)w);
		snprintf(conv, sizeof(conv), "%lld:%lld %llu", (long long)major, (long long)minor,
			 (unsigned long long)cg_blkio_weight_to_io_weight((uint64_t)w));
		cg_resources_add_alt(res, "io.bfq.weight", raw, "io.weight", conv, base);
	}
	if (r < 0)
		return -1;
	for (size_t t = 0; t < ARRAY_SIZE(throttles); t++) {
		_cleanup_free_ char *apath = xasprintf(R ".blockIO.%s", throttles[t].key);

		r = get_typed(b, throttles[t].key, json_type_array, apath, &arr, err);
		if (r < 0)
			return -1;
		for (size_t i = 0; r == 1 && i < json_object_array_length(arr); i++) {
			_cleanup_free_ char *path = xasprintf("%s[%zu]", apath, i);
			json_object *d = json_object_array_get_idx(arr, i);
			int64_t major, minor, rate = 0;
			char buf[96];

			if (!json_object_is_type(d, json_type_object))
				return rt_json_type_error(path, json_type_object, d, err);
			if (device_numbers(d, path, &major, &minor, err) < 0 ||
			    get_int(d, "rate", path, &rate, err) < 0)
				return -1;
			if (rate < 0)
				return perr(err, path, "rate must not be negative");
			/* v1's 0 meant "no limit"; v2 says it with "max". */
			if (rate == 0)
				snprintf(buf, sizeof(buf), "%lld:%lld %s=max", (long long)major,
					 (long long)minor, throttles[t].name);
			else
				snprintf(buf, sizeof(buf), "%lld:%lld %s=%lld", (long long)major,
					 (long long)minor, throttles[t].name, (long long)rate);
			cg_resources_add(res, "io.max", buf, rate == 0 ? CG_WRITE_NO_LIMIT : 0,
					 base);
		}
	}
	return 0;
}

static int parse_hugepages(json_object *arr, struct cg_resources *res, struct error *err)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		_cleanup_free_ char *path = xasprintf(R ".hugepageLimits[%zu]", i);
		_cleanup_free_ char *file = NULL;
		json_object *h = json_object_array_get_idx(arr, i);
		const char *size = NULL;
		int64_t limit = 0;
		uint64_t bytes;
		int r;

		if (!json_object_is_type(h, json_type_object))
			return rt_json_type_error(path, json_type_object, h, err);
		if ((r = get_string(h, "pageSize", path, &size, err)) < 0)
			return -1;
		if (r == 0 || cg_hugepage_size_parse(size, &bytes) < 0)
			return perr(err, path, "invalid pageSize \"%s\" (like \"2MB\" or \"1GB\")",
				    size ? size : "");
		if ((r = get_int(h, "limit", path, &limit, err)) < 0)
			return -1;
		if (r == 0 || limit < 0)
			return perr(err, path, "limit is required and must not be negative");
		file = xasprintf("hugetlb.%s.max", size);
		add_num(res, file, limit, R ".hugepageLimits");
	}
	return 0;
}

static bool rdma_name_valid(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == '=' || *s == '/' || *s > '~')
			return false;
	return true;
}

static int parse_rdma(json_object *o, struct cg_resources *res, struct error *err)
{
	json_object_object_foreach(o, dev, val)
	{
		_cleanup_free_ char *path = xasprintf(R ".rdma[\"%s\"]", dev);
		int64_t handles = 0, objects = 0;
		int rh, ro;
		char buf[160];
		int n;

		if (!rdma_name_valid(dev))
			return perr(err, R ".rdma", "invalid device name \"%s\"", dev);
		if (!json_object_is_type(val, json_type_object))
			return rt_json_type_error(path, json_type_object, val, err);
		if ((rh = get_int(val, "hcaHandles", path, &handles, err)) < 0 ||
		    (ro = get_int(val, "hcaObjects", path, &objects, err)) < 0)
			return -1;
		if (handles < 0 || objects < 0)
			return perr(err, path, "limits must not be negative");
		if (!rh && !ro)
			continue;
		n = snprintf(buf, sizeof(buf), "%s", dev);
		if (rh)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, " hca_handle=%lld",
				      (long long)handles);
		if (ro)
			snprintf(buf + n, sizeof(buf) - (size_t)n, " hca_object=%lld",
				 (long long)objects);
		cg_resources_add(res, "rdma.max", buf, 0, R ".rdma");
	}
	return 0;
}

/* unified keys name interface files.  Only the files of controllers we
 * know, and of the core only the limits: "cgroup.procs" or "cgroup.kill"
 * as a key would let a config.json move or kill host processes. */
static const char *const unified_controllers[] = {
	"memory", "pids", "cpu", "cpuset", "io", "hugetlb", "misc", "rdma",
};
static const char *const unified_core_files[] = {
	"cgroup.max.depth",
	"cgroup.max.descendants",
};

static bool unified_key_allowed(const char *key)
{
	char ctrl[32];
	const char *dot;

	if (!cg_file_name_valid(key))
		return false;
	dot = strchr(key, '.');
	if ((size_t)(dot - key) >= sizeof(ctrl))
		return false;
	memcpy(ctrl, key, (size_t)(dot - key));
	ctrl[dot - key] = '\0';
	if (!strcmp(ctrl, "cgroup")) {
		for (size_t i = 0; i < ARRAY_SIZE(unified_core_files); i++)
			if (!strcmp(key, unified_core_files[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(unified_controllers); i++)
		if (!strcmp(ctrl, unified_controllers[i]))
			return true;
	return false;
}

static int parse_unified(json_object *o, struct cg_resources *res, struct error *err)
{
	json_object_object_foreach(o, key, val)
	{
		_cleanup_free_ char *origin = xasprintf(R ".unified[\"%s\"]", key);

		if (!unified_key_allowed(key))
			return perr(err, R ".unified", "invalid key \"%s\"", key);
		if (!json_object_is_type(val, json_type_string))
			return rt_json_type_error(origin, json_type_string, val, err);
		cg_resources_add(res, key, json_object_get_string(val), 0, origin);
	}
	return 0;
}

static int parse_device_rule(json_object *d, const char *path, struct cg_device_rule *rule,
			     struct error *err)
{
	const char *type = "a", *access = "rwm";
	int64_t major = CG_DEV_WILDCARD, minor = CG_DEV_WILDCARD;
	bool allow = false;
	int r, bits;

	if (!json_object_is_type(d, json_type_object))
		return rt_json_type_error(path, json_type_object, d, err);
	if ((r = get_bool(d, "allow", path, &allow, err)) < 0)
		return -1;
	if (r == 0)
		return perr(err, path, "allow is required");
	if (get_string(d, "type", path, &type, err) < 0 ||
	    get_string(d, "access", path, &access, err) < 0 ||
	    get_int(d, "major", path, &major, err) < 0 || get_int(d, "minor", path, &minor, err) < 0)
		return -1;
	if (strlen(type) != 1 || !strchr("abc", type[0]))
		return perr(err, path, "type must be \"a\", \"b\" or \"c\", not \"%s\"", type);
	if (major < -1 || major > UINT32_MAX || minor < -1 || minor > UINT32_MAX)
		return perr(err, path, "invalid major/minor %lld:%lld", (long long)major,
			    (long long)minor);
	if ((bits = cg_dev_access_parse(access)) < 0)
		return perr(err, path, "access must be letters of \"rwm\", not \"%s\"", access);
	*rule = (struct cg_device_rule){.allow = allow, .type = type[0], .major = major,
				       .minor = minor, .access = (unsigned)bits};
	return 0;
}

#define RWM (CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD)
/* What every container may use whatever its config says (runc's and
 * crun's list): the pseudo devices, ttys and ptys, and mknod of any node
 * (opening it is still filtered). */
static const struct cg_device_rule default_devices[] = {
	{true, 'c', CG_DEV_WILDCARD, CG_DEV_WILDCARD, CG_DEV_MKNOD},
	{true, 'b', CG_DEV_WILDCARD, CG_DEV_WILDCARD, CG_DEV_MKNOD},
	{true, 'c', 1, 3, RWM},   /* null */
	{true, 'c', 1, 5, RWM},   /* zero */
	{true, 'c', 1, 7, RWM},   /* full */
	{true, 'c', 1, 8, RWM},   /* random */
	{true, 'c', 1, 9, RWM},   /* urandom */
	{true, 'c', 5, 0, RWM},   /* tty */
	{true, 'c', 5, 1, RWM},   /* console */
	{true, 'c', 5, 2, RWM},   /* ptmx */
	{true, 'c', 136, CG_DEV_WILDCARD, RWM}, /* pts */
};

static int parse_devices(json_object *arr, struct cg_resources *res, struct error *err)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		_cleanup_free_ char *path = xasprintf(R ".devices[%zu]", i);
		struct cg_device_rule rule;

		if (parse_device_rule(json_object_array_get_idx(arr, i), path, &rule, err) < 0)
			return -1;
		cg_resources_add_device(res, &rule);
	}
	/* Appended after the config's rules, as runc does: the last matching
	 * rule wins, so a config cannot take these away. */
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++)
		cg_resources_add_device(res, &default_devices[i]);
	return 0;
}

/* net_cls and net_prio exist in cgroup v1 only: applied in their v1
 * hierarchies or refused by the cgroups code, naming the field. */
static int parse_network(json_object *n, struct cg_resources *res, struct error *err)
{
	json_object *arr;
	int64_t id;
	char buf[64];
	int r;

	if ((r = get_int(n, "classID", R ".network", &id, err)) < 0)
		return -1;
	if (r == 1) {
		if (id < 0 || id > UINT32_MAX)
			return perr(err, R ".network.classID", "out of range");
		snprintf(buf, sizeof(buf), "%lld", (long long)id);
		cg_resources_add_v1(res, NULL, NULL, "net_cls.classid", buf, 0,
				    R ".network.classID");
	}
	r = get_typed(n, "priorities", json_type_array, R ".network.priorities", &arr, err);
	for (size_t i = 0; r == 1 && i < json_object_array_length(arr); i++) {
		_cleanup_free_ char *path = xasprintf(R ".network.priorities[%zu]", i);
		json_object *p = json_object_array_get_idx(arr, i);
		const char *name = NULL;
		int64_t prio = 0;

		if (!json_object_is_type(p, json_type_object))
			return rt_json_type_error(path, json_type_object, p, err);
		if (get_string(p, "name", path, &name, err) != 1 ||
		    get_int(p, "priority", path, &prio, err) < 0)
			return err->code ? -1 : perr(err, path, "name is required");
		/* An interface name: no blanks, so one write is one entry. */
		if (!*name || strlen(name) > 15 || strpbrk(name, " \t\n/") || prio < 0 ||
		    prio > UINT32_MAX)
			return perr(err, path, "invalid name or priority");
		snprintf(buf, sizeof(buf), "%s %lld", name, (long long)prio);
		cg_resources_add_v1(res, NULL, NULL, "net_prio.ifpriomap", buf, 0, path);
	}
	return r < 0 ? -1 : 0;
}

int rt_resources_parse(json_object *resources, struct cg_resources **out, struct error *err)
{
	struct cg_resources *res = cg_resources_new();
	json_object *o, *devices = NULL;
	int r;

	error_clear(err);
	if (resources && !json_object_is_type(resources, json_type_object)) {
		rt_json_type_error(R, json_type_object, resources, err);
		goto fail;
	}
#define SECTION(key, type, call)                                                   \
	do {                                                                       \
		r = get_typed(resources, key, type, R "." key, &o, err);           \
		if (r < 0 || (r == 1 && (call) < 0))                               \
			goto fail;                                                 \
	} while (0)
	SECTION("memory", json_type_object, parse_memory(o, res, err));
	SECTION("cpu", json_type_object, parse_cpu(o, res, err));
	SECTION("pids", json_type_object, parse_pids(o, res, err));
	SECTION("blockIO", json_type_object, parse_blkio(o, res, err));
	SECTION("hugepageLimits", json_type_array, parse_hugepages(o, res, err));
	SECTION("network", json_type_object, parse_network(o, res, err));
	SECTION("rdma", json_type_object, parse_rdma(o, res, err));
	SECTION("unified", json_type_object, parse_unified(o, res, err));
#undef SECTION
	if (get_typed(resources, "devices", json_type_array, R ".devices", &devices, err) < 0 ||
	    parse_devices(devices, res, err) < 0)
		goto fail;
	*out = res;
	return 0;
fail:
	cg_resources_free(res);
	return error_prefix(err, "config.json");
}
