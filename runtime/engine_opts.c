/* The engine's run/create options beyond the first slice, as docker and
 * podman spell them: --annotation, --ulimit, --security-opt seccomp=FILE,
 * --mount, --tmpfs, the limits (-m, --memory-swap, --memory-reservation,
 * --cpus, --cpu-shares, --cpuset-cpus, --pids-limit) and --init, turned
 * into config.json; and what inspect shows of them.
 *
 * Every option is checked by rt_engine_opts_check before the container is
 * recorded, so bad input leaves nothing behind; a limit the host cannot
 * apply is found by rt_engine_limits_probe, also before the record. */
#include "runtime/internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static json_object *child(json_object *o, const char *key, json_type type)
{
	json_object *c;

	if (json_object_object_get_ex(o, key, &c) && json_object_is_type(c, type))
		return c;
	c = type == json_type_array ? json_object_new_array() : json_object_new_object();
	json_object_object_add(o, key, c);
	return c;
}

/* ----------------------------------------------------------- ulimits -- */

/* --ulimit NAME=SOFT[:HARD]: docker's names (nofile, nproc, ...), -1
 * for unlimited, HARD defaulting to SOFT. */
static int ulimit_parse(const char *spec, char type[32], uint64_t *soft, uint64_t *hard,
			struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *eq = strchr(copy, '='), *colon;
	int64_t v[2];

	if (!eq || eq == copy || eq - copy > 20)
		goto bad;
	*eq++ = '\0';
	snprintf(type, 32, "RLIMIT_%s", copy);
	for (char *p = type; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (rt_rlimit_from_name(type) < 0)
		return error_set(err, EINVAL, "invalid ulimit '%s': unknown type '%s'", spec, copy);
	colon = strchr(eq, ':');
	if (colon)
		*colon++ = '\0';
	if (parse_int64(eq, &v[0]) < 0 || v[0] < -1 ||
	    (colon ? parse_int64(colon, &v[1]) < 0 || v[1] < -1 : (v[1] = v[0], false)))
		goto bad;
	*soft = v[0] < 0 ? UINT64_MAX : (uint64_t)v[0];
	*hard = v[1] < 0 ? UINT64_MAX : (uint64_t)v[1];
	if (*soft > *hard)
		return error_set(err, EINVAL,
				 "invalid ulimit '%s': the soft limit is above the hard limit",
				 spec);
	return 0;
bad:
	return error_set(err, EINVAL, "invalid ulimit '%s': want NAME=SOFT[:HARD]", spec);
}

static void ulimit_add(json_object *p, const char *type, uint64_t soft, uint64_t hard)
{
	json_object *rl = child(p, "rlimits", json_type_array), *o = json_object_new_object();
	json_object *t;

	for (size_t i = json_object_array_length(rl); i-- > 0;)
		if (json_object_object_get_ex(json_object_array_get_idx(rl, i), "type", &t) &&
		    !strcmp(json_object_get_string(t), type))
			json_object_array_del_idx(rl, i, 1);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "hard", json_object_new_uint64(hard));
	json_object_object_add(o, "soft", json_object_new_uint64(soft));
	json_object_array_add(rl, o);
}

/* ------------------------------------------------------------ mounts -- */

/* What --tmpfs and --mount type=tmpfs may say (the kernel's tmpfs
 * options and the generic flags); anything else is refused here rather
 * than by mount(2) after the container was made. */
static const char *const tmpfs_flags[] = {"rw",	      "ro",	     "exec",  "noexec", "suid",
					  "nosuid",   "dev",	     "nodev", "atime",	"noatime",
					  "relatime", "strictatime", NULL};
static const char *const tmpfs_keys[] = {
    "size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=", NULL};

static bool tmpfs_option_valid(const char *opt)
{
	for (size_t i = 0; tmpfs_flags[i]; i++)
		if (!strcmp(opt, tmpfs_flags[i]))
			return true;
	for (size_t i = 0; tmpfs_keys[i]; i++)
		if (str_has_prefix(opt, tmpfs_keys[i]) && opt[strlen(tmpfs_keys[i])])
			return true;
	return false;
}

static bool dest_valid(const char *d)
{
	return d && d[0] == '/' && d[1] && !strstr(d, "/../") && !str_has_suffix(d, "/..");
}

/* A tmpfs: docker's defaults (noexec, nosuid, nodev) and then opts. */
static json_object *tmpfs_json(const char *dst, char **opts)
{
	json_object *m = json_object_new_object(), *o = json_object_new_array();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string("tmpfs"));
	json_object_object_add(m, "source", json_object_new_string("tmpfs"));
	json_object_array_add(o, json_object_new_string("noexec"));
	json_object_array_add(o, json_object_new_string("nosuid"));
	json_object_array_add(o, json_object_new_string("nodev"));
	for (char **v = opts; v && *v; v++)
		json_object_array_add(o, json_object_new_string(*v));
	json_object_object_add(m, "options", o);
	return m;
}

/* --tmpfs DST[:OPT,OPT...] */
static int tmpfs_parse(const char *spec, json_object **out, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	_cleanup_strv_ char **opts = NULL;
	char *colon = strchr(copy, ':'), *save = NULL;

	if (colon)
		*colon++ = '\0';
	if (!dest_valid(copy))
		return error_set(err, EINVAL,
				 "invalid --tmpfs '%s': want /CONTAINER-PATH[:OPTIONS]", spec);
	for (char *t = colon ? strtok_r(colon, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		if (!tmpfs_option_valid(t))
			return error_set(err, EINVAL, "invalid --tmpfs '%s': unknown option '%s'",
					 spec, t);
		strv_push(&opts, t);
	}
	if (out)
		*out = tmpfs_json(copy, opts);
	return 0;
}

struct mount_spec {
	char *type, *src, *dst, *propagation, *size, *mode;
	bool ro, nocopy;
};

static void mount_spec_release(struct mount_spec *m)
{
	free(m->type);
	free(m->src);
	free(m->dst);
	free(m->propagation);
	free(m->size);
	free(m->mode);
}

static const char *const propagations[] = {"private", "rprivate", "shared", "rshared",
					   "slave",   "rslave",	  NULL};

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

static int bool_value(const char *v, bool *out)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

/* One KEY[=VALUE] of --mount into m; a message in why when it is bad. */
static const char *mount_field(struct mount_spec *m, const char *key, const char *val)
{
	static const struct {
		const char *const names[4];
		size_t off;
	} strs[] = {
	    {{"type"}, offsetof(struct mount_spec, type)},
	    {{"source", "src"}, offsetof(struct mount_spec, src)},
	    {{"destination", "dst", "target"}, offsetof(struct mount_spec, dst)},
	    {{"bind-propagation"}, offsetof(struct mount_spec, propagation)},
	    {{"tmpfs-size"}, offsetof(struct mount_spec, size)},
	    {{"tmpfs-mode"}, offsetof(struct mount_spec, mode)},
	};

	if (!strcmp(key, "readonly") || !strcmp(key, "ro"))
		return bool_value(val, &m->ro) < 0 ? "readonly takes true or false" : NULL;
	if (!strcmp(key, "volume-nocopy"))
		return bool_value(val, &m->nocopy) < 0 ? "volume-nocopy takes true or false" : NULL;
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		for (size_t k = 0; k < 4 && strs[i].names[k]; k++) {
			char **slot = (char **)((char *)m + strs[i].off);

			if (strcmp(key, strs[i].names[k]))
				continue;
			if (!val || !*val)
				return "a value is missing";
			if (*slot)
				return "a field is given twice";
			*slot = xstrdup(val);
			return NULL;
		}
	}
	return "unknown field";
}

/* --mount type=bind|tmpfs|volume,source=,destination=,readonly,...
 * (docker's syntax).  A bind or tmpfs gives *out (when out is not NULL);
 * a volume fills *vol instead (name NULL: anonymous). */
static int mount_parse(const char *spec, json_object **out, struct rt_vmount *vol,
		       struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	struct mount_spec m = {0};
	const char *why = NULL;
	char *save = NULL;
	struct stat st;
	int r = -1;

	for (char *t = strtok_r(copy, ",", &save); t && !why; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');

		if (eq)
			*eq++ = '\0';
		if ((why = mount_field(&m, t, eq)))
			error_set(err, EINVAL, "invalid --mount '%s': %s: '%s'", spec, why, t);
	}
	if (why)
		goto out;
	if (!m.type)
		why = "type= is missing (bind, tmpfs or volume)";
	else if (strcmp(m.type, "bind") && strcmp(m.type, "tmpfs") && strcmp(m.type, "volume"))
		why = "type must be bind, tmpfs or volume";
	else if (!strcmp(m.type, "volume") && (m.size || m.mode || m.propagation))
		why = "tmpfs-* and bind-propagation are not for type=volume";
	else if (!strcmp(m.type, "volume") && m.src && !rt_engine_name_valid(m.src))
		why = "source= of a volume is a name: [a-zA-Z0-9][a-zA-Z0-9_.-]+";
	else if (strcmp(m.type, "volume") && m.nocopy)
		why = "volume-nocopy is for type=volume";
	else if (!dest_valid(m.dst))
		why = "destination= must be an absolute path other than /";
	else if (!strcmp(m.type, "bind") && (!m.src || m.src[0] != '/'))
		why = "a bind mount needs an absolute source=";
	else if (!strcmp(m.type, "bind") && (m.size || m.mode))
		why = "tmpfs-size and tmpfs-mode are for type=tmpfs";
	else if (!strcmp(m.type, "tmpfs") && (m.src || m.propagation))
		why = "source and bind-propagation are for type=bind";
	else if (m.propagation && !in_list(propagations, m.propagation))
		why = "bind-propagation must be [r]private, [r]shared or [r]slave";
	if (why) {
		error_set(err, EINVAL, "invalid --mount '%s': %s", spec, why);
		goto out;
	}
	if (!strcmp(m.type, "volume")) {
		if (out)
			*out = NULL;
		if (vol) {
			vol->name = m.src ? xstrdup(m.src) : NULL;
			vol->dst = xstrdup(m.dst);
			vol->ro = m.ro;
			vol->nocopy = m.nocopy;
		}
		r = 0;
		goto out;
	}
	if (!strcmp(m.type, "bind") && stat(m.src, &st) < 0) {
		error_sys(err, "invalid --mount '%s': bind source '%s'", spec, m.src);
		goto out;
	}
	if (!strcmp(m.type, "tmpfs")) {
		_cleanup_strv_ char **opts = NULL;
		_cleanup_free_ char *size = NULL, *mode = NULL;
		uint64_t n;

		if (m.size && parse_size(m.size, &n) < 0) {
			error_set(err, EINVAL, "invalid --mount '%s': tmpfs-size '%s'", spec,
				  m.size);
			goto out;
		}
		if (m.mode &&
		    (strspn(m.mode, "01234567") != strlen(m.mode) || strlen(m.mode) > 4)) {
			error_set(err, EINVAL, "invalid --mount '%s': tmpfs-mode '%s' is not octal",
				  spec, m.mode);
			goto out;
		}
		if (m.size) {
			size = xasprintf("size=%llu", (unsigned long long)n);
			strv_push(&opts, size);
		}
		if (m.mode) {
			mode = xasprintf("mode=%s", m.mode);
			strv_push(&opts, mode);
		}
		strv_push(&opts, m.ro ? "ro" : "rw");
		if (out)
			*out = tmpfs_json(m.dst, opts);
	} else if (out) {
		json_object *j = json_object_new_object(), *o = json_object_new_array();

		json_object_object_add(j, "destination", json_object_new_string(m.dst));
		json_object_object_add(j, "type", json_object_new_string("bind"));
		json_object_object_add(j, "source", json_object_new_string(m.src));
		json_object_array_add(o, json_object_new_string("rbind"));
		json_object_array_add(
		    o, json_object_new_string(m.propagation ? m.propagation : "rprivate"));
		json_object_array_add(o, json_object_new_string(m.ro ? "ro" : "rw"));
		json_object_object_add(j, "options", o);
		*out = j;
	}
	r = 0;
out:
	mount_spec_release(&m);
	return r;
}

/* ----------------------------------------------------------- volumes -- */

void rt_vmounts_free(struct rt_vmount *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].dst);
	}
	free(v);
}

/* -v HOST:CTR[:ro|rw] (a bind: 0), NAME:CTR[:ro|rw] or CTR (a named or
 * anonymous volume: 1, *vol filled when vol is not NULL); -1 malformed. */
static int vspec_parse(const char *spec, struct rt_vmount *vol, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *a = copy, *b = strchr(copy, ':'), *mode = NULL;

	if (b) {
		*b++ = '\0';
		mode = strchr(b, ':');
		if (mode)
			*mode++ = '\0';
	}
	if (!b) { /* CTR: an anonymous volume */
		b = a;
		a = NULL;
	}
	if (!dest_valid(b) || (a && *a != '/' && !rt_engine_name_valid(a)) ||
	    (mode && strcmp(mode, "ro") && strcmp(mode, "rw")))
		return error_set(err, EINVAL,
				 "invalid volume specification '%s': want /HOST:/CONTAINER, "
				 "NAME:/CONTAINER (each [:ro|rw]) or /CONTAINER",
				 spec);
	if (a && *a == '/')
		return 0;
	if (vol) {
		vol->name = a ? xstrdup(a) : NULL;
		vol->dst = xstrdup(b);
		vol->ro = mode && !strcmp(mode, "ro");
		vol->nocopy = false;
	}
	return 1;
}

static bool covered(const struct rt_vmount *v, size_t n, const char *dst)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].dst, dst))
			return true;
	return false;
}

/* The destinations of the binds and tmpfs mounts the user asked for. */
static bool user_mount_at(const struct rt_engine_opts *o, const char *dst)
{
	for (char **v = o->volumes; v && *v; v++) {
		const char *c = strchr(*v, ':');

		if (**v == '/' && c && !strncmp(c + 1, dst, strlen(dst)) &&
		    (c[1 + strlen(dst)] == '\0' || c[1 + strlen(dst)] == ':'))
			return true;
	}
	for (char **v = o->tmpfs; v && *v; v++)
		if (!strncmp(*v, dst, strlen(dst)) &&
		    ((*v)[strlen(dst)] == '\0' || (*v)[strlen(dst)] == ':'))
			return true;
	for (char **v = o->mounts; v && *v; v++) {
		json_object *m = NULL, *d;
		struct error e;
		bool hit;

		if (mount_parse(*v, &m, NULL, &e) < 0 || !m)
			continue;
		hit = json_object_object_get_ex(m, "destination", &d) &&
		      !strcmp(json_object_get_string(d), dst);
		json_object_put(m);
		if (hit)
			return true;
	}
	return false;
}

int rt_engine_volumes_attach(struct img_store *s, const struct rt_engine_opts *o,
			     char **image_volumes, const char *ctr, struct rt_vmount **out,
			     size_t *n, struct error *err)
{
	struct rt_vmount *v = NULL;
	size_t k = 0;

	/* What the user asked for, then the image's Volumes no mount covers
	 * (docker's order). */
	for (char **p = o->volumes; p && *p; p++) {
		struct rt_vmount m;

		if (vspec_parse(*p, &m, err) == 1) {
			v = xrealloc(v, (k + 1) * sizeof(*v));
			v[k++] = m;
		}
	}
	for (char **p = o->mounts; p && *p; p++) {
		struct rt_vmount m = {0};
		json_object *j = NULL;

		if (mount_parse(*p, &j, &m, err) < 0)
			goto fail;
		json_object_put(j);
		if (m.dst) {
			v = xrealloc(v, (k + 1) * sizeof(*v));
			v[k++] = m;
		}
	}
	for (char **p = image_volumes; p && *p; p++) {
		if (!dest_valid(*p) || covered(v, k, *p) || user_mount_at(o, *p))
			continue;
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = (struct rt_vmount){.dst = xstrdup(*p)};
	}
	for (size_t i = 0; i < k; i++) {
		char *name = NULL;
		bool ro = false;

		if (rt_volume_attach(s, v[i].name, ctr, &name, &ro, err) < 0)
			goto fail;
		/* A new bind of a read-only mount is writable: the volume's
		 * own o=ro holds in the container only if its mount says so. */
		v[i].ro |= ro;
		free(v[i].name);
		v[i].name = name;
	}
	*out = v;
	*n = k;
	return 0;
fail:
	rt_vmounts_free(v, k);
	return -1;
}

void rt_engine_volumes_json(json_object *mounts, struct img_store *s, const struct rt_vmount *v,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *src = rt_volume_path(s, v[i].name);
		json_object *m = json_object_new_object(), *o = json_object_new_array();

		json_object_object_add(m, "destination", json_object_new_string(v[i].dst));
		json_object_object_add(m, "type", json_object_new_string("bind"));
		json_object_object_add(m, "source", json_object_new_string(src));
		json_object_array_add(o, json_object_new_string("rbind"));
		json_object_array_add(o, json_object_new_string("rprivate"));
		json_object_array_add(o, json_object_new_string(v[i].ro ? "ro" : "rw"));
		json_object_object_add(m, "options", o);
		json_object_array_add(mounts, m);
	}
}

/* ------------------------------------------------------------ limits -- */

/* --cpus "1.5" -> nano CPUs (docker's NanoCPUs); -1 if malformed. */
static int64_t cpus_parse(const char *s)
{
	int64_t whole = 0, frac = 0, scale = 1000000000;
	const char *p = s;

	if (!isdigit((unsigned char)*p) && *p != '.')
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if ((whole = whole * 10 + (*p - '0')) > 1000000)
			return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	if (*p || (p == s + 1 && *s == '.'))
		return -1;
	return whole * 1000000000 + frac;
}

static bool cpuset_valid(const char *s)
{
	if (!*s)
		return false;
	while (*s) {
		size_t n = strspn(s, "0123456789");

		if (!n)
			return false;
		s += n;
		if (*s == '-') {
			n = strspn(++s, "0123456789");
			if (!n)
				return false;
			s += n;
		}
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return true;
}

struct limits {
	bool any;
	int64_t memory, swap, reservation, nano_cpus, shares, pids;
};

/* docker's rules: memory at least 6 MiB, swap only with memory and not
 * below it (-1 unlimited), reservation not above memory, cpus within the
 * host's CPUs. */
static int limits_parse(const struct rt_engine_opts *o, struct limits *l, struct error *err)
{
	uint64_t n;

	*l = (struct limits){0};
	if (o->memory) {
		if (parse_size(o->memory, &n) < 0 || n > INT64_MAX)
			return error_set(err, EINVAL, "invalid --memory '%s': want a size as 512m",
					 o->memory);
		if (n < 6 << 20)
			return error_set(err, EINVAL, "invalid --memory '%s': the minimum is 6m",
					 o->memory);
		l->memory = (int64_t)n;
	}
	if (o->memory_swap) {
		if (!strcmp(o->memory_swap, "-1"))
			l->swap = -1;
		else if (parse_size(o->memory_swap, &n) < 0 || n > INT64_MAX)
			return error_set(err, EINVAL,
					 "invalid --memory-swap '%s': want a size or -1",
					 o->memory_swap);
		else
			l->swap = (int64_t)n;
		if (!o->memory)
			return error_set(err, EINVAL, "--memory-swap needs --memory");
		if (l->swap > 0 && l->swap < l->memory)
			return error_set(err, EINVAL,
					 "--memory-swap '%s' is below --memory '%s' (it counts "
					 "memory plus swap)",
					 o->memory_swap, o->memory);
	}
	if (o->memory_reservation) {
		if (parse_size(o->memory_reservation, &n) < 0 || n > INT64_MAX)
			return error_set(err, EINVAL, "invalid --memory-reservation '%s'",
					 o->memory_reservation);
		l->reservation = (int64_t)n;
		if (o->memory && l->reservation > l->memory)
			return error_set(err, EINVAL,
					 "--memory-reservation must not be above --memory");
	}
	if (o->cpus) {
		/* Asked only here: it reads a file, and create parses the
		 * limits four times. */
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		l->nano_cpus = cpus_parse(o->cpus);
		if (l->nano_cpus < 10000000 || (ncpu > 0 && l->nano_cpus > ncpu * 1000000000LL))
			return error_set(
			    err, EINVAL,
			    "invalid --cpus '%s': the range is 0.01 to %ld (CPUs here)", o->cpus,
			    ncpu);
	}
	if (o->cpu_shares &&
	    (parse_int64(o->cpu_shares, &l->shares) < 0 || l->shares < 0 || l->shares > 262144))
		return error_set(err, EINVAL, "invalid --cpu-shares '%s': 0 to 262144",
				 o->cpu_shares);
	if (o->cpuset_cpus && !cpuset_valid(o->cpuset_cpus))
		return error_set(err, EINVAL, "invalid --cpuset-cpus '%s': want a list as 0-2,4",
				 o->cpuset_cpus);
	if (o->pids_limit && (parse_int64(o->pids_limit, &l->pids) < 0 || l->pids < -1))
		return error_set(err, EINVAL, "invalid --pids-limit '%s': a number, -1 unlimited",
				 o->pids_limit);
	l->any = o->memory || o->memory_reservation || o->cpus || l->shares || o->cpuset_cpus ||
		 l->pids > 0;
	return 0;
}

/* linux.resources as docker's daemon fills it: cpus as a quota over
 * a 100 ms period, shares below 2 raised to 2 (the kernel's minimum). */
static json_object *limits_json(const struct rt_engine_opts *o, const struct limits *l)
{
	json_object *r = json_object_new_object();

	if (l->memory || l->reservation) {
		json_object *m = child(r, "memory", json_type_object);

		if (l->memory)
			json_object_object_add(m, "limit", json_object_new_int64(l->memory));
		if (l->swap)
			json_object_object_add(m, "swap", json_object_new_int64(l->swap));
		if (l->reservation)
			json_object_object_add(m, "reservation",
					       json_object_new_int64(l->reservation));
	}
	if (l->nano_cpus || l->shares || o->cpuset_cpus) {
		json_object *c = child(r, "cpu", json_type_object);

		if (l->nano_cpus) {
			json_object_object_add(c, "period", json_object_new_uint64(100000));
			json_object_object_add(c, "quota",
					       json_object_new_int64(l->nano_cpus / 10000));
		}
		if (l->shares)
			json_object_object_add(
			    c, "shares",
			    json_object_new_uint64(l->shares < 2 ? 2 : (uint64_t)l->shares));
		if (o->cpuset_cpus)
			json_object_object_add(c, "cpus", json_object_new_string(o->cpuset_cpus));
	}
	if (l->pids > 0)
		json_object_object_add(child(r, "pids", json_type_object), "limit",
				       json_object_new_int64(l->pids));
	return r;
}

int rt_engine_limits_probe(const struct rt_engine_opts *o, const char *id, struct error *err)
{
	struct cg_resources *res = NULL;
	struct cg_group g = {.dirfd = -1};
	struct limits l;
	json_object *j;
	_cleanup_free_ char *path = NULL, *base = NULL;
	bool v1, without;
	int r;

	if (limits_parse(o, &l, err) < 0)
		return -1;
	if (!l.any)
		return 0;
	j = limits_json(o, &l);
	r = rt_resources_parse(j, &res, err);
	json_object_put(j);
	if (r < 0)
		return -1;
	/* Rootless: below the delegated subtree, or refused here. */
	r = rt_rootless_cgroup_plan(res, &base, &without, err);
	if (r < 0 || without) {
		cg_resources_free(res);
		return r;
	}
	/* The group the container will get, made and removed again: what the
	 * host cannot apply fails here, naming the limit, before anything of
	 * the container exists. */
	path = xasprintf("%s/nook/%s", base && strcmp(base, "/") ? base : "", id);
	v1 = cg_group_may_use_v1(res);
	r = cg_group_create(&g, path, res, err);
	cg_resources_free(res);
	if (r < 0)
		return error_prefix(err, "cannot apply the limits");
	cg_group_release(&g);
	if (cg_group_remove_if_empty(path, v1, err) < 0)
		return -1;
	rt_cgroup_parent_cleanup(path, v1);
	return 0;
}

/* ------------------------------------------------------------- check -- */

int rt_engine_opts_check(const struct rt_engine_opts *o, struct error *err)
{
	struct limits l;

	for (char **v = o->annotations; v && *v; v++)
		if (**v == '=' || !**v)
			return error_set(err, EINVAL, "invalid annotation '%s': want KEY=VALUE",
					 *v);
	if (o->stop_signal && signal_parse(o->stop_signal) <= 0)
		return error_set(err, EINVAL, "invalid stop signal '%s'", o->stop_signal);
	for (char **v = o->ulimits; v && *v; v++) {
		char type[32];
		uint64_t s, h;

		if (ulimit_parse(*v, type, &s, &h, err) < 0)
			return -1;
	}
	for (char **v = o->tmpfs; v && *v; v++)
		if (tmpfs_parse(*v, NULL, err) < 0)
			return -1;
	for (char **v = o->mounts; v && *v; v++)
		if (mount_parse(*v, NULL, NULL, err) < 0)
			return -1;
	for (char **v = o->volumes; v && *v; v++)
		if (vspec_parse(*v, NULL, err) < 0)
			return -1;
	if (o->seccomp_file && o->seccomp_unconfined)
		return error_set(err, EINVAL,
				 "--security-opt seccomp=unconfined and seccomp=FILE conflict");
	return limits_parse(o, &l, err);
}

/* ------------------------------------------------------------- spec -- */

static uint64_t doc_bounding(json_object *doc)
{
	json_object *p, *c, *b;
	uint64_t bounding = 0;

	if (!json_object_object_get_ex(doc, "process", &p) ||
	    !json_object_object_get_ex(p, "capabilities", &c) ||
	    !json_object_object_get_ex(c, "bounding", &b))
		return 0;
	for (size_t i = 0; i < json_object_array_length(b); i++) {
		int cap = rt_cap_from_name(json_object_get_string(json_object_array_get_idx(b, i)));

		if (cap >= 0 && cap < 64)
			bounding |= 1ull << cap;
	}
	return bounding;
}

/* --security-opt seccomp=FILE: docker's profile format, turned into
 * linux.seccomp for the container's capabilities and architecture, then
 * compiled (and cached by its hash) like any other. */
static int seccomp_file(json_object *doc, const char *path, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	json_object *profile, *oci = NULL;
	int r;

	if (file_read_at(AT_FDCWD, path, 4 << 20, &text, NULL, err) < 0)
		return error_prefix(err, "seccomp profile");
	profile = json_tokener_parse(text);
	if (!profile || !json_object_is_type(profile, json_type_object)) {
		json_object_put(profile);
		return error_set(err, EINVAL, "seccomp profile '%s' is not a JSON object", path);
	}
	r = rt_seccomp_from_docker(profile, doc_bounding(doc), &oci, err);
	json_object_put(profile);
	/* Compiled once here too: a profile libseccomp refuses fails
	 * create, not every start. */
	if (r == 0) {
		struct rt_seccomp sc;

		r = rt_seccomp_compile(oci, &sc, err);
		if (r == 0)
			rt_seccomp_release(&sc);
		else
			json_object_put(oci);
	}
	if (r < 0)
		return error_prefix(err, "seccomp profile '%s'", path);
	json_object_object_add(child(doc, "linux", json_type_object), "seccomp", oci);
	return 0;
}

static void kv_add(json_object *obj, const char *kv)
{
	_cleanup_free_ char *k = xstrdup(kv);
	char *eq = strchr(k, '=');

	if (eq)
		*eq++ = '\0';
	json_object_object_add(obj, k, json_object_new_string(eq ? eq : ""));
}

int rt_engine_opts_edit(json_object *doc, const struct rt_engine_opts *o, struct error *err)
{
	json_object *p = child(doc, "process", json_type_object);
	json_object *mounts = child(doc, "mounts", json_type_array);
	struct limits l;

	for (char **v = o->annotations; v && *v; v++)
		kv_add(child(doc, "annotations", json_type_object), *v);
	if (o->init)
		json_object_object_add(child(doc, "annotations", json_type_object),
				       RT_ANNOTATION_INIT, json_object_new_string("true"));
	for (char **v = o->ulimits; v && *v; v++) {
		char type[32];
		uint64_t s, h;

		if (ulimit_parse(*v, type, &s, &h, err) < 0)
			return -1;
		ulimit_add(p, type, s, h);
	}
	if (o->seccomp_file && !o->privileged && seccomp_file(doc, o->seccomp_file, err) < 0)
		return -1;
	for (char **v = o->tmpfs; v && *v; v++) {
		json_object *m;

		if (tmpfs_parse(*v, &m, err) < 0)
			return -1;
		json_object_array_add(mounts, m);
	}
	for (char **v = o->mounts; v && *v; v++) {
		json_object *m;

		if (mount_parse(*v, &m, NULL, err) < 0)
			return -1;
		if (m)
			json_object_array_add(mounts, m);
	}
	if (limits_parse(o, &l, err) < 0)
		return -1;
	if (l.any)
		json_object_object_add(child(doc, "linux", json_type_object), "resources",
				       limits_json(o, &l));
	return 0;
}

/* ------------------------------------------------------------ inspect -- */

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

void rt_engine_opts_json(json_object *config, json_object *host, const struct rt_engine_opts *o)
{
	json_object *ann = json_object_new_object();
	struct limits l;
	struct error e;

	if (o->stop_signal)
		json_object_object_add(config, "StopSignal",
				       json_object_new_string(o->stop_signal));
	if (o->stop_timeout >= 0)
		json_object_object_add(config, "StopTimeout", json_object_new_int(o->stop_timeout));
	json_object_object_add(config, "Timeout", json_object_new_int64(o->timeout));
	for (char **v = o->annotations; v && *v; v++)
		kv_add(ann, *v);
	json_object_object_add(host, "Annotations", ann);
	json_object_object_add(host, "Ulimits", strv_json(o->ulimits));
	json_object_object_add(host, "Mounts", strv_json(o->mounts));
	json_object_object_add(host, "Tmpfs", strv_json(o->tmpfs));
	json_object_object_add(host, "Init", json_object_new_boolean(o->init));
	if (limits_parse(o, &l, &e) < 0)
		return;
	json_object_object_add(host, "Memory", json_object_new_int64(l.memory));
	json_object_object_add(host, "MemorySwap", json_object_new_int64(l.swap));
	json_object_object_add(host, "MemoryReservation", json_object_new_int64(l.reservation));
	json_object_object_add(host, "NanoCpus", json_object_new_int64(l.nano_cpus));
	json_object_object_add(host, "CpuShares", json_object_new_int64(l.shares));
	json_object_object_add(host, "CpusetCpus",
			       json_object_new_string(o->cpuset_cpus ? o->cpuset_cpus : ""));
	json_object_object_add(host, "PidsLimit", json_object_new_int64(l.pids));
}
