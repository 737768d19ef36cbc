/* The engine's containers: create (record, then bundle), status from the
 * kernel, kill, stop, wait and remove.  The monitor that runs a container
 * is in runtime/monitor.c.
 *
 * Crash safety by ordering.  create records the row first (the name is
 * taken there, atomically), makes the bundle (itself restartable), and
 * marks the row ready last.  remove goes the other way: kills the monitor
 * and the container, deletes the runtime state, the log, the bundle, and
 * forgets the row last, every step treating "already gone" as done, so
 * `rm -f` finishes what a killed create or rm left. */
#include "runtime/internal.h"
#include "image/image.h"

#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static const char *const adjectives[] = {
    "admiring", "brave",  "calm",  "clever", "eager",  "elated",  "festive",	"gallant",
    "happy",	"jolly",  "keen",  "lucid",  "modest", "nifty",	  "optimistic", "pensive",
    "quirky",	"serene", "stoic", "tender", "upbeat", "vibrant", "wizardly",	"zealous",
};
static const char *const nouns[] = {
    "babbage",	"curie",   "darwin",   "euler",	  "fermat",  "galois", "hopper",  "hypatia",
    "kepler",	"lamport", "lovelace", "meitner", "noether", "pascal", "ritchie", "shannon",
    "thompson", "turing",  "volhard",  "wozniak", "yalow",   "zuse",   "knuth",	  "torvalds",
};

int rt_random_bytes(void *buf, size_t n, struct error *err)
{
	/* getrandom(2): one call where /dev/urandom took three. */
	for (size_t got = 0; got < n;) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);

		if (r < 0 && errno != EINTR)
			return error_sys(err, "cannot get random bytes");
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

int64_t rt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------ config -- */

struct edit {
	const struct rt_engine_opts *o;
	const char *id;
	const struct rt_net_setup *net;
	struct img_store *s;
	struct rt_vmount *vols; /* the volumes it mounts */
	size_t n_vols;
	const struct img_idrange *idmap; /* --userns=auto: its range */
};

static struct json_object *child(struct json_object *o, const char *key, json_type type)
{
	struct json_object *c;

	if (json_object_object_get_ex(o, key, &c) && json_object_is_type(c, type))
		return c;
	c = type == json_type_array ? json_object_new_array() : json_object_new_object();
	json_object_object_add(o, key, c);
	return c;
}

/* Remove the strings equal to s (case-insensitive) from array a. */
static void array_remove(struct json_object *a, const char *s)
{
	for (size_t i = json_object_array_length(a); i-- > 0;)
		if (!strcasecmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
			json_object_array_del_idx(a, i, 1);
}

static const char *cap_full(const char *name, char buf[64])
{
	snprintf(buf, 64, "%s%s", strncasecmp(name, "CAP_", 4) ? "CAP_" : "", name);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return buf;
}

/* --cap-add, --cap-drop (docker: drops first, then adds; ALL names every
 * capability).  Docker's seccomp list opens calls guarded by a capability
 * when it is granted, so the filter is rebuilt for the new bounding set. */
static int caps_edit(struct json_object *doc, const struct rt_engine_opts *o, struct error *err)
{
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	struct json_object *p = child(doc, "process", json_type_object);
	struct json_object *caps = child(p, "capabilities", json_type_object);
	struct json_object *lx, *b;
	uint64_t bounding = 0;
	char buf[64];

	for (char **v = o->cap_drop; v && *v; v++)
		if (strcasecmp(*v, "ALL") && rt_cap_from_name(cap_full(*v, buf)) < 0)
			return error_set(err, EINVAL, "unknown capability '%s'", *v);
	for (char **v = o->cap_add; v && *v; v++)
		if (strcasecmp(*v, "ALL") && rt_cap_from_name(cap_full(*v, buf)) < 0)
			return error_set(err, EINVAL, "unknown capability '%s'", *v);
	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		struct json_object *a = child(caps, sets[k], json_type_array);

		for (char **v = o->cap_drop; v && *v; v++) {
			if (!strcasecmp(*v, "ALL"))
				while (json_object_array_length(a))
					json_object_array_del_idx(a, 0, 1);
			else
				array_remove(a, cap_full(*v, buf));
		}
		for (char **v = o->cap_add; v && *v; v++) {
			if (!strcasecmp(*v, "ALL")) {
				while (json_object_array_length(a))
					json_object_array_del_idx(a, 0, 1);
				for (int c = 0; c <= rt_cap_last(); c++)
					json_object_array_add(
					    a, json_object_new_string(rt_cap_name(c)));
				continue;
			}
			array_remove(a, cap_full(*v, buf));
			json_object_array_add(a, json_object_new_string(cap_full(*v, buf)));
		}
	}
	b = child(caps, "bounding", json_type_array);
	for (size_t i = 0; i < json_object_array_length(b); i++) {
		int c = rt_cap_from_name(json_object_get_string(json_object_array_get_idx(b, i)));

		if (c >= 0 && c < 64)
			bounding |= 1ull << c;
	}
	if (!o->privileged && !o->seccomp_unconfined && (o->cap_add || o->cap_drop) &&
	    json_object_object_get_ex(doc, "linux", &lx))
		json_object_object_add(lx, "seccomp", rt_profile_seccomp(bounding));
	return 0;
}

/* -v HOST:CTR[:ro|rw]: a recursive bind mount.  Both paths absolute; the
 * host path must exist (docker would create it; refusing is safer than
 * making directories on the host from a typo). */
static int volume_add(struct json_object *mounts, const char *spec, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *host = copy, *ctr = strchr(copy, ':'), *mode = NULL;
	struct json_object *m, *opts;
	struct stat st;

	if (ctr) {
		*ctr++ = '\0';
		mode = strchr(ctr, ':');
		if (mode)
			*mode++ = '\0';
	}
	if (!ctr || *host != '/' || *ctr != '/' ||
	    (mode && strcmp(mode, "ro") && strcmp(mode, "rw")))
		return error_set(err, EINVAL,
				 "invalid volume specification '%s': want /HOST:/CONTAINER[:ro|rw]",
				 spec);
	if (stat(host, &st) < 0)
		return error_sys(err, "invalid volume specification '%s': '%s'", spec, host);
	m = json_object_new_object();
	opts = json_object_new_array();
	json_object_object_add(m, "destination", json_object_new_string(ctr));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(host));
	json_object_array_add(opts, json_object_new_string("rbind"));
	json_object_array_add(opts, json_object_new_string("rprivate"));
	json_object_array_add(opts,
			      json_object_new_string(mode && !strcmp(mode, "ro") ? "ro" : "rw"));
	json_object_object_add(m, "options", opts);
	json_object_array_add(mounts, m);
	return 0;
}

static int spec_edit(struct json_object *doc, void *data, struct error *err)
{
	const struct edit *e = data;
	const struct rt_engine_opts *o = e->o;
	struct rt_profile_opts po = {.profile = RT_PROFILE_DOCKER, .privileged = o->privileged};
	struct json_object *p = child(doc, "process", json_type_object), *lx;
	struct json_object *mounts = child(doc, "mounts", json_type_array);
	char host[13];

	if (rt_profile_apply(doc, &po, err) < 0 || caps_edit(doc, o, err) < 0)
		return -1;
	if (o->no_new_privs)
		json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(true));
	if (o->seccomp_unconfined && json_object_object_get_ex(doc, "linux", &lx))
		json_object_object_del(lx, "seccomp");
	snprintf(host, sizeof(host), "%.12s", e->id);
	json_object_object_add(doc, "hostname",
			       json_object_new_string(o->hostname ? o->hostname : host));
	if (rt_engine_net_spec(doc, e->net, err) < 0 ||
	    rt_userns_edit(doc, o->userns, e->idmap, err) < 0 ||
	    rt_network_rootless_edit(doc, o->network, o->publish, err) < 0)
		return -1;
	if (o->read_only)
		json_object_object_add(child(doc, "root", json_type_object), "readonly",
				       json_object_new_boolean(true));
	if (o->tty) {
		json_object_object_add(p, "terminal", json_object_new_boolean(true));
		json_object_array_add(child(p, "env", json_type_array),
				      json_object_new_string("TERM=xterm"));
	}
	for (char **v = o->volumes; v && *v; v++)
		if (**v == '/' && strchr(*v, ':') && volume_add(mounts, *v, err) < 0)
			return -1;
	rt_engine_volumes_json(mounts, e->s, e->vols, e->n_vols);
	for (char **v = o->labels; v && *v; v++) {
		_cleanup_free_ char *k = xstrdup(*v);
		char *eq = strchr(k, '=');

		if (eq)
			*eq++ = '\0';
		json_object_object_add(child(doc, "annotations", json_type_object), k,
				       json_object_new_string(eq ? eq : ""));
	}
	return rt_engine_opts_edit(doc, o, err);
}

/* Replace KEY=... in env, or append. */
static void env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (char **v = *env; v && *v; v++)
		if (!strncmp(*v, kv, klen) && (*v)[klen] == '=') {
			free(*v);
			*v = xstrdup(kv);
			return;
		}
	strv_push(env, kv);
}

/* The command line over the image config, as docker does: --entrypoint
 * replaces Entrypoint and drops the image's Cmd; a command replaces Cmd. */
static void config_adjust(struct img_config *c, void *data)
{
	const struct rt_engine_opts *o = ((const struct edit *)data)->o;

	if (o->entrypoint) {
		strv_free(c->entrypoint);
		c->entrypoint = NULL;
		if (*o->entrypoint)
			strv_push(&c->entrypoint, o->entrypoint);
		strv_free(c->cmd);
		c->cmd = NULL;
	}
	if (o->cmd && o->cmd[0]) {
		strv_free(c->cmd);
		c->cmd = strv_dup(o->cmd);
	}
	if (!c->env)
		strv_push(&c->env,
			  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	for (char **v = o->env; v && *v; v++) {
		const char *val;
		_cleanup_free_ char *kv = NULL;

		if (strchr(*v, '=')) {
			env_set(&c->env, *v);
		} else if ((val = getenv(*v))) {
			kv = xasprintf("%s=%s", *v, val);
			env_set(&c->env, kv);
		}
	}
	if (o->workdir) {
		free(c->workdir);
		c->workdir = xstrdup(o->workdir);
	}
	if (o->user) {
		free(c->user);
		c->user = xstrdup(o->user);
	} else if (o->userns && !strcmp(o->userns, "keep-id")) {
		free(c->user);
		c->user = rt_userns_keep_id_user(o->userns);
	}
}

static struct json_object *jstrv(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* docker's HostConfig.LogConfig; the monitor reads the cap from here. */
static struct json_object *log_config(const struct rt_engine_opts *o)
{
	struct json_object *l = json_object_new_object(), *c = json_object_new_object();

	json_object_object_add(l, "Type", json_object_new_string("k8s-file"));
	if (o->log_max_size) {
		json_object_object_add(c, "max-size",
				       json_object_new_int64((int64_t)o->log_max_size));
		json_object_object_add(c, "max-file",
				       json_object_new_int(o->log_max_file ? o->log_max_file : 1));
	}
	json_object_object_add(l, "Config", c);
	return l;
}

/* What inspect shows as Config and HostConfig (docker's field names). */
static char *options_json(const struct rt_engine_opts *o)
{
	struct json_object *doc = json_object_new_object(), *c = json_object_new_object();
	struct json_object *h = json_object_new_object(), *labels = json_object_new_object();
	struct json_object *sec = json_object_new_array();
	char *out;

	json_object_object_add(c, "Image", json_object_new_string(o->image));
	json_object_object_add(c, "Cmd", o->cmd && o->cmd[0] ? jstrv(o->cmd) : NULL);
	json_object_object_add(c, "Entrypoint", jstr(o->entrypoint));
	json_object_object_add(c, "Env", jstrv(o->env));
	json_object_object_add(c, "WorkingDir",
			       json_object_new_string(o->workdir ? o->workdir : ""));
	json_object_object_add(c, "User", json_object_new_string(o->user ? o->user : ""));
	json_object_object_add(c, "Hostname", jstr(o->hostname));
	json_object_object_add(c, "Tty", json_object_new_boolean(o->tty));
	json_object_object_add(c, "OpenStdin", json_object_new_boolean(o->interactive));
	for (char **v = o->labels; v && *v; v++) {
		_cleanup_free_ char *k = xstrdup(*v);
		char *eq = strchr(k, '=');

		if (eq)
			*eq++ = '\0';
		json_object_object_add(labels, k, json_object_new_string(eq ? eq : ""));
	}
	json_object_object_add(c, "Labels", labels);
	json_object_object_add(h, "AutoRemove", json_object_new_boolean(o->rm));
	json_object_object_add(h, "NetworkMode",
			       json_object_new_string(o->network ? o->network : "default"));
	json_object_object_add(h, "ReadonlyRootfs", json_object_new_boolean(o->read_only));
	json_object_object_add(h, "Privileged", json_object_new_boolean(o->privileged));
	json_object_object_add(h, "CapAdd", jstrv(o->cap_add));
	json_object_object_add(h, "CapDrop", jstrv(o->cap_drop));
	json_object_object_add(h, "Binds", jstrv(o->volumes));
	if (o->no_new_privs)
		json_object_array_add(sec, json_object_new_string("no-new-privileges"));
	if (o->seccomp_unconfined)
		json_object_array_add(sec, json_object_new_string("seccomp=unconfined"));
	if (o->seccomp_file) {
		_cleanup_free_ char *v = xasprintf("seccomp=%s", o->seccomp_file);

		json_object_array_add(sec, json_object_new_string(v));
	}
	json_object_object_add(h, "SecurityOpt", sec);
	rt_engine_opts_json(c, h, o);
	json_object_object_add(h, "LogConfig", log_config(o));
	json_object_object_add(doc, "Config", c);
	json_object_object_add(doc, "HostConfig", h);
	out = xstrdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return out;
}

static int name_check(const char *name, struct error *err);

int rt_engine_rename(struct img_store *s, const char *ref, const char *name, struct error *err)
{
	struct img_ctr c;
	int r;

	if (name_check(name, err) < 0 || img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	r = img_ctr_rename(s, c.id, name, err);
	img_ctr_release(&c);
	return r;
}

int rt_engine_prune(struct img_store *s, const struct rt_context *ctx, char ***removed,
		    struct error *err)
{
	struct img_ctr *v;
	size_t n;

	*removed = NULL;
	if (img_ctr_list(s, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (rt_engine_status(&v[i]) == RT_ENGINE_RUNNING)
			continue;
		if (rt_engine_remove(s, ctx, v[i].id, false, err) < 0) {
			img_ctr_list_free(v, n);
			return -1;
		}
		strv_push(removed, v[i].id);
	}
	img_ctr_list_free(v, n);
	return 0;
}

bool rt_engine_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* docker's [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
	return n >= 2 && n <= 128 && isalnum((unsigned char)name[0]) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		   n;
}

static int name_check(const char *name, struct error *err)
{
	if (!rt_engine_name_valid(name))
		return error_set(err, EINVAL,
				 "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				 "allowed",
				 name);
	return 0;
}

static int options_check(const struct rt_engine_opts *o, struct error *err)
{
	if (o->name && name_check(o->name, err) < 0)
		return -1;
	for (char **v = o->env; v && *v; v++)
		if (!**v || **v == '=')
			return error_set(err, EINVAL, "invalid environment variable '%s'", *v);
	return rt_engine_opts_check(o, err);
}

/* A container's anonymous volumes (listed before its row went, which
 * took their links with it: image/store.c), so none of them is in use by
 * it.  Best effort: a volume left over is what `volume prune` removes. */
static void volumes_remove(struct img_store *s, char **anon)
{
	struct error e;

	for (char **n = anon; n && *n; n++)
		rt_volume_remove(s, *n, &e);
}

int rt_engine_create(struct img_store *s, const struct rt_engine_opts *o, char **id,
		     struct img_ctr *made, struct error *err)
{
	struct img_ctr c = {0};
	_cleanup_free_ char *image_id = NULL, *name = NULL, *config = NULL, *dir = NULL;
	_cleanup_free_ char *edir = NULL, *key = NULL;
	_cleanup_(rt_net_setup_freep) struct rt_net_setup *net = NULL;
	uint8_t rnd[32];
	char hex[65];
	struct edit e;
	struct error e2;
	struct img_idrange range;
	struct img_config cfg = {0};
	int mapped, rc = -1;

	if (options_check(o, err) < 0)
		return -1;
	if (o->image_id)
		image_id = xstrdup(o->image_id);
	else if (img_resolve(s, o->image, &image_id, err) < 0)
		return -1;
	if (rt_random_bytes(rnd, sizeof(rnd), err) < 0)
		return -1;
	sha256_hex(rnd, hex);
	if (rt_engine_limits_probe(o, hex, err) < 0)
		return -1;
	if (o->rm && o->run_root && !(o->userns && !strcmp(o->userns, "auto"))) {
		/* A --rm container's bundle is of no use after the host
		 * restarts (its volatile root cannot be mounted again): on the
		 * runtime's tmpfs its directories and files cost no disk
		 * writes to make and remove.  Its root's upper layer stays in
		 * the store, on disk (what the container writes may be big).
		 * The state root is the runtime's: private to its owner.  Not
		 * for --userns=auto: the container's root must search every
		 * directory above its bundle, which nook sees to in the store. */
		if (mkdir_p(o->run_root, 0700, err) < 0)
			return -1;
		edir = xasprintf("%s/%s", o->run_root, RT_ENGINE_RM_DIR);
	} else {
		edir = xasprintf("%s/engine", img_store_root(s));
	}
	if (mkdir(edir, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create '%s'", edir);
	dir = xasprintf("%s/%s", edir, hex);
	/* The bundle's user key goes in with the container's row. */
	if (!(key = rt_bundle_key(dir, err)))
		return -1;
	config = options_json(o);
	c.id = hex;
	c.image_id = image_id;
	c.image = (char *)o->image;
	c.created = rt_now_ns();
	c.config = config;
	c.dir = dir;
	if (o->name) {
		c.name = (char *)o->name;
		if (img_ctr_add(s, &c, key, err) < 0)
			return -1;
	} else {
		/* A generated name that is taken: another one. */
		for (int i = 0;; i++) {
			uint8_t r[2];

			if (rt_random_bytes(r, sizeof(r), err) < 0)
				return -1;
			free(name);
			name = xasprintf("%s_%s", adjectives[r[0] % ARRAY_SIZE(adjectives)],
					 nouns[r[1] % ARRAY_SIZE(nouns)]);
			if (i > 8) {
				char *n2 = xasprintf("%s%d", name, i);

				free(name);
				name = n2;
			}
			c.name = name;
			if (img_ctr_add(s, &c, key, err) == 0)
				break;
			if (err->code != EEXIST || i > 100)
				return -1;
		}
	}
	fault_point("engine-recorded");
	e = (struct edit){.o = o, .id = hex, .s = s};
	if ((mapped = rt_userns_auto_alloc(s, o->userns, hex, &range, err)) < 0)
		goto undo_volumes;
	e.idmap = mapped ? &range : NULL;
	/* The image's config, read once: its Volumes now, the rest for the
	 * bundle. */
	if (img_config_get(s, image_id, &cfg, err) < 0 ||
	    rt_engine_volumes_attach(s, o, cfg.volumes, hex, &e.vols, &e.n_vols, err) < 0)
		goto undo_volumes;
	if (rt_engine_net_create(s, o, hex, c.name, dir, &net, err) < 0)
		goto undo_volumes;
	e.net = net;
	if (rt_bundle_make_mapped(s, image_id, &cfg, dir, o->rm, !o->rm && !o->started_now, key,
				  e.idmap, config_adjust, spec_edit, &e, err) < 0)
		goto undo_net; /* the bundle maker undid its part (but the key) */
	if (e.idmap && rt_userns_auto_dirs(img_store_root(s), edir, dir, e.idmap, err) < 0) {
		rt_bundle_remove(s, dir, &e2);
		goto undo_net;
	}
	for (size_t i = 0; i < e.n_vols; i++) {
		_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);

		if (!e.vols[i].nocopy &&
		    rt_volume_copy_up(s, e.vols[i].name, rootfs, e.vols[i].dst, err) < 0) {
			rt_bundle_remove(s, dir, &e2);
			goto undo_net;
		}
	}
	rt_vmounts_free(e.vols, e.n_vols);
	e.vols = NULL;
	fault_point("engine-bundled");
	/* A `run` marks it ready when it records the start (or its
	 * failure): a commit less before the container starts.  Killed in
	 * between, it is one `rm` removes and `start` refuses. */
	if (!o->started_now && img_ctr_set_ready(s, hex, err) < 0)
		goto out;
	*id = xstrdup(hex);
	if (made) {
		*made = (struct img_ctr){.id = xstrdup(hex),
					 .name = xstrdup(c.name),
					 .image_id = xstrdup(image_id),
					 .image = xstrdup(o->image),
					 .created = c.created,
					 .config = xstrdup(config),
					 .dir = xstrdup(dir),
					 .ready = true};
	}
	rc = 0;
	goto out;
undo_net:
	rt_engine_net_remove(s, hex, dir, true, &e2);
undo_volumes:
	rt_vmounts_free(e.vols, e.n_vols);
	img_user_remove(s, key, &e2);
	{
		_cleanup_strv_ char **anon = NULL;

		img_vol_of_ctr(s, hex, &anon, &e2);
		if (img_ctr_remove(s, hex, &e2) == 0)
			volumes_remove(s, anon);
	}
out:
	img_config_release(&cfg);
	return rc;
}

int rt_engine_start_exit(const struct error *err)
{
	if (strstr(err->msg, "not found") || strstr(err->msg, "No such file"))
		return 127;
	if (err->code == EACCES || err->code == ENOEXEC || err->code == EPERM ||
	    strstr(err->msg, "ermission denied"))
		return 126;
	return 125;
}

/* ------------------------------------------------------------ status -- */

static bool alive(pid_t pid, uint64_t start)
{
	return pid > 0 && start && proc_start_time(pid) == start;
}

enum rt_engine_status rt_engine_status(const struct img_ctr *c)
{
	if (c->pid > 0 && alive(c->pid, c->pid_start))
		return RT_ENGINE_RUNNING;
	if (c->pid > 0 || c->finished)
		return RT_ENGINE_EXITED;
	return RT_ENGINE_CREATED;
}

const char *rt_engine_status_name(enum rt_engine_status st)
{
	static const char *const names[] = {"created", "running", "exited"};

	return names[st];
}

/* ---------------------------------------------------- kill, stop, rm -- */

int rt_engine_kill(struct img_store *s, const struct rt_context *ctx, const char *ref, int sig,
		   struct error *err)
{
	struct img_ctr c;
	int r;

	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	if (rt_engine_status(&c) != RT_ENGINE_RUNNING) {
		error_set(err, EINVAL, "container %s is not running", ref);
		img_ctr_release(&c);
		return -1;
	}
	r = rt_engine_signal(ctx, c.id, sig, rt_engine_signal_thaws(s, &c, sig), err);
	img_ctr_release(&c);
	return r;
}

/* Poll the record until the container is not running (timeout_ms < 0:
 * forever); 1 when it still runs. */
static int wait_exit(struct img_store *s, const char *id, int timeout_ms, struct img_ctr *out,
		     struct error *err)
{
	for (int waited = 0;; waited += 20) {
		struct img_ctr c;

		if (img_ctr_find(s, id, &c, err) < 0)
			return -1;
		/* Exited: the monitor has recorded it (or is dead). */
		if (rt_engine_status(&c) != RT_ENGINE_RUNNING &&
		    (c.finished || !alive(c.monitor, c.monitor_start))) {
			if (out)
				*out = c;
			else
				img_ctr_release(&c);
			return 0;
		}
		img_ctr_release(&c);
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return 1;
		usleep(20000);
	}
}

int rt_engine_stop(struct img_store *s, const struct rt_context *ctx, const char *ref, int timeout,
		   struct error *err)
{
	struct img_ctr c;
	struct img_config cfg;
	_cleanup_free_ char *id = NULL;
	struct json_object *cdoc, *cc = NULL, *v;
	int r, sig = SIGTERM;

	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	id = xstrdup(c.id);
	r = rt_engine_status(&c) == RT_ENGINE_RUNNING;
	/* --stop-signal, else the image's StopSignal, else SIGTERM (docker's
	 * order); -t, else --stop-timeout, else 10 seconds. */
	cdoc = json_tokener_parse(c.config);
	if (json_object_object_get_ex(cdoc, "Config", &cc) &&
	    json_object_object_get_ex(cc, "StopSignal", &v) &&
	    signal_parse(json_object_get_string(v)) > 0)
		sig = signal_parse(json_object_get_string(v));
	else if (r && img_config_get(s, c.image_id, &cfg, err) == 0) {
		if (cfg.stop_signal && signal_parse(cfg.stop_signal) > 0)
			sig = signal_parse(cfg.stop_signal);
		img_config_release(&cfg);
	}
	if (timeout < 0)
		timeout =
		    json_object_object_get_ex(cc, "StopTimeout", &v) ? json_object_get_int(v) : 10;
	json_object_put(cdoc);
	img_ctr_release(&c);
	if (!r)
		return 0; /* docker: stopping a stopped container succeeds */
	if (rt_engine_signal(ctx, id, sig, true, err) < 0 && err->code != ESRCH)
		return -1;
	r = wait_exit(s, id, timeout * 1000, NULL, err);
	if (r <= 0)
		return r;
	if (rt_container_kill(ctx, id, SIGKILL, true, err) < 0 && err->code != ESRCH)
		return -1;
	return wait_exit(s, id, -1, NULL, err) < 0 ? -1 : 0;
}

int rt_engine_wait(struct img_store *s, const char *ref, int *code, struct error *err)
{
	struct img_ctr c;
	_cleanup_free_ char *id = NULL;

	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	id = xstrdup(c.id);
	img_ctr_release(&c);
	if (wait_exit(s, id, -1, &c, err) < 0)
		return -1;
	*code = c.finished ? c.exit_code : (c.pid ? 255 : 0);
	img_ctr_release(&c);
	return 0;
}

/* Is a runtime state of id there (ENOENT-style errors mean no)? */
static int state_delete(const struct rt_context *ctx, const char *id, struct error *err)
{
	struct rt_info info;

	if (rt_container_info(ctx, id, &info, err) < 0)
		return 0;
	rt_info_release(&info);
	return rt_container_delete(ctx, id, true, err);
}

/* A removal the monitor handed to its client (rt_engine_remove_handed). */
struct handed {
	void (*destroyed)(void *arg);
	void *arg;
};

/* What lies beside the state: the log, the attach socket a killed monitor
 * left, the bundle. */
static int files_remove(struct img_store *s, const struct img_ctr *c, char **left,
			struct error *err)
{
	_cleanup_free_ char *sock = NULL;

	if (rt_engine_log_remove(c, err) < 0)
		return -1;
	sock = rt_engine_sock_path(c);
	if (unlink(sock) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove '%s'", sock);
	if (rt_bundle_remove_left(s, c->dir, left, err) < 0 && err->code != ENOENT)
		return -1;
	fault_point("engine-rm-bundle");
	return 0;
}

/* anon: the container's anonymous volumes, listed before its removal
 * drops their links (NULL: not asked). */
static int engine_remove(struct img_store *s, const struct rt_context *ctx, const char *ref,
			 bool force, const struct handed *h, char ***anon, char **left,
			 struct error *err)
{
	struct img_ctr c;
	bool others_monitor;
	int r = -1;

	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	if (anon && img_vol_of_ctr(s, c.id, anon, err) < 0)
		goto out;
	if (rt_engine_status(&c) == RT_ENGINE_RUNNING && !force) {
		error_set(err, EBUSY,
			  "cannot remove container %s: it is running: stop it first or use -f",
			  ref);
		goto out;
	}
	/* The monitor first, so it does not race us cleaning up (unless it
	 * handed the removal to us: then it only waits for us). */
	others_monitor = !h && c.monitor != getpid();
	if (others_monitor && alive(c.monitor, c.monitor_start))
		kill(c.monitor, SIGKILL);
	if (alive(c.pid, c.pid_start))
		kill(c.pid, SIGKILL);
	fault_point("engine-rm-killed");
	/* Handed to us: the files while the monitor destroys the container,
	 * the state (what it left of it) after. */
	if (h) {
		if (files_remove(s, &c, left, err) < 0)
			goto out;
		h->destroyed(h->arg);
	}
	if (state_delete(ctx, c.id, err) < 0 ||
	    rt_engine_net_remove(s, c.id, c.dir, others_monitor, err) < 0)
		goto out;
	fault_point("engine-rm-state");
	if (!h && files_remove(s, &c, left, err) < 0)
		goto out;
	r = img_ctr_remove(s, c.id, err); /* its volume links with it */
out:
	img_ctr_release(&c);
	return r;
}

int rt_engine_remove(struct img_store *s, const struct rt_context *ctx, const char *ref, bool force,
		     struct error *err)
{
	return engine_remove(s, ctx, ref, force, NULL, NULL, NULL, err);
}

/* The container, then the anonymous volumes it had (docker's rm -v, and
 * what --rm does). */
static int remove_with_volumes(struct img_store *s, const struct rt_context *ctx, const char *ref,
			       bool force, const struct handed *h, char **left, struct error *err)
{
	_cleanup_strv_ char **anon = NULL;

	if (engine_remove(s, ctx, ref, force, h, &anon, left, err) < 0)
		return -1;
	for (char **n = anon; n && *n; n++)
		if (rt_volume_remove(s, *n, err) < 0 && err->code != ENOENT)
			return -1;
	return 0;
}

int rt_engine_remove_handed(struct img_store *s, const struct rt_context *ctx, const char *ref,
			    void (*destroyed)(void *arg), void *arg, char **left,
			    struct error *err)
{
	struct handed h = {destroyed, arg};

	return remove_with_volumes(s, ctx, ref, true, &h, left, err);
}

int rt_engine_remove_volumes(struct img_store *s, const struct rt_context *ctx, const char *ref,
			     bool force, struct error *err)
{
	return remove_with_volumes(s, ctx, ref, force, NULL, NULL, err);
}
