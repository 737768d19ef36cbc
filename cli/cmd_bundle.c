/* nook image mount/unmount and nook bundle: overlay roots from images. */
#include "cli/cli.h"
#include "image/image.h"
#include "overlayfs/overlayfs.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

static void store_freep(struct img_store **s)
{
	img_store_free(*s);
}
#define _cleanup_store_ _cleanup_(store_freep)

/* Mount an image's layers on dir/merged (or target) with the user's
 * private upper/work when rw. */
static int mount_root(struct img_store *s, const char *id, const char *dir, const char *target,
		      bool rw, struct error *err)
{
	_cleanup_strv_ char **lower = NULL;
	_cleanup_free_ char *upper = xasprintf("%s/upper", dir), *work = xasprintf("%s/work", dir);
	struct ovl_opts o = {.upper = rw ? upper : NULL, .work = rw ? work : NULL, .empty = upper};

	if (img_layer_paths(s, id, &lower, err) < 0)
		return -1;
	o.lower = lower;
	return ovl_mount(&o, target, err);
}

int cli_image_mount(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL, *dir = NULL, *key = NULL, *merged = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_resolve(s, argv[optind], &id, &err) < 0)
		return cli_error(g, &err);
	key = xasprintf("mount:%s", id);
	if (img_user_add(s, key, id, &dir, &err) < 0) {
		if (err.code != EEXIST || img_user_get(s, key, NULL, &dir, &err) < 0)
			return cli_error(g, &err);
	}
	merged = xasprintf("%s/merged", dir);
	if (!ovl_is_mounted(merged) && mount_root(s, id, dir, merged, false, &err) < 0) {
		struct error e2;

		img_user_remove(s, key, &e2);
		return cli_error(g, &err);
	}
	printf("%s\n", merged);
	return 0;
}

int cli_image_unmount(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL, *dir = NULL, *key = NULL, *merged = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_resolve(s, argv[optind], &id, &err) < 0)
		return cli_error(g, &err);
	key = xasprintf("mount:%s", id);
	if (img_user_get(s, key, NULL, &dir, &err) < 0)
		return cli_fail(g, "%s is not mounted", argv[optind]);
	merged = xasprintf("%s/merged", dir);
	if (ovl_unmount(merged, &err) < 0 || img_user_remove(s, key, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

/* ------------------------------------------------------------- bundle -- */

static struct json_object *jstrv(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* "uid[:gid]" (numeric) or a name looked up in the image's /etc/passwd,
 * read inside the rootfs so a symlink there cannot point at the host's. */
static void resolve_user(const char *user, int rootfd, int64_t *uid, int64_t *gid)
{
	_cleanup_free_ char *name = xstrdup(user ? user : "0");
	_cleanup_free_ char *data = NULL;
	char *colon = strchr(name, ':');
	struct error e;
	int fd;

	*uid = 0;
	*gid = 0;
	if (colon)
		*colon = '\0';
	if (colon && parse_int64(colon + 1, gid) < 0)
		*gid = 0;
	if (parse_int64(name, uid) == 0)
		return;
	fd = open_in_root(rootfd, "/etc/passwd", O_RDONLY, ROOT_CREATE_NONE, &e);
	if (fd < 0)
		return;
	{
		_cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", fd);

		if (file_read_at(AT_FDCWD, proc, 1 << 20, &data, NULL, &e) < 0)
			data = NULL;
	}
	close(fd);
	for (char *line = data, *next; line && *line; line = next) {
		char *f[7] = {0};
		int i = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (char *p = line; i < 7 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (i >= 4 && !strcmp(f[0], name)) {
			parse_int64(f[2], uid);
			if (!colon)
				parse_int64(f[3], gid);
			return;
		}
	}
}

/* The runtime's default spec (what `nook oci spec` writes) with the image
 * config on top: Entrypoint+Cmd, Env, WorkingDir, User.  The root is the
 * writable overlay, and no terminal, so `nook oci run` works from a script. */
static char *bundle_config(const struct img_config *c, int rootfd)
{
	_cleanup_free_ char *def = rt_spec_default_json(false);
	struct json_object *o = json_tokener_parse(def), *p, *root, *u, *args, *env;
	bool has_path = false;
	int64_t uid, gid;
	char *out;

	if (!o || !json_object_object_get_ex(o, "process", &p) ||
	    !json_object_object_get_ex(o, "root", &root)) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(root, "readonly", json_object_new_boolean(false));
	json_object_object_add(p, "terminal", json_object_new_boolean(false));
	if (c->entrypoint || c->cmd) {
		args = jstrv(c->entrypoint);
		for (char **v = c->cmd; v && *v; v++)
			json_object_array_add(args, json_object_new_string(*v));
		if (json_object_array_length(args) > 0)
			json_object_object_add(p, "args", args);
		else
			json_object_put(args);
	}
	if (c->env) {
		/* The image's environment replaces the default, as docker does;
		 * a PATH is added when it has none. */
		env = jstrv(c->env);
		for (char **v = c->env; *v; v++)
			has_path |= str_has_prefix(*v, "PATH=");
		if (!has_path)
			json_object_array_add(env, json_object_new_string(
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
		json_object_object_add(p, "env", env);
	}
	if (c->workdir && *c->workdir)
		json_object_object_add(p, "cwd", json_object_new_string(c->workdir));
	resolve_user(c->user, rootfd, &uid, &gid);
	u = json_object_new_object();
	json_object_object_add(u, "uid", json_object_new_int64(uid));
	json_object_object_add(u, "gid", json_object_new_int64(gid));
	json_object_object_add(p, "user", u);
	out = xasprintf("%s\n", json_object_to_json_string_ext(
					o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
						   JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

static int bundle_remove(struct img_store *s, const char *dir, struct cli_globals *g)
{
	_cleanup_free_ char *abs = realpath(dir, NULL), *key = NULL, *rootfs = NULL;
	struct error err = {0};

	if (!abs)
		return cli_fail(g, "cannot resolve '%s': %s", dir, strerror(errno));
	key = xasprintf("bundle:%s", abs);
	rootfs = xasprintf("%s/rootfs", abs);
	if (img_user_get(s, key, NULL, NULL, &err) < 0)
		return cli_fail(g, "'%s' is not a bundle made by nook", dir);
	if (ovl_unmount(rootfs, &err) < 0)
		return cli_error(g, &err);
	rmdir(rootfs);
	{
		_cleanup_free_ char *cfg = xasprintf("%s/config.json", abs);

		unlink(cfg);
	}
	if (img_user_remove(s, key, &err) < 0)
		return cli_error(g, &err);
	rmdir(abs);
	return 0;
}

const struct cli_options cli_bundle_options = {
    ":", (const struct option[]){{"remove", no_argument, NULL, 'r'}, {0}}};

int cli_cmd_bundle(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL, *abs = NULL, *key = NULL, *sdir = NULL, *rootfs = NULL;
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int dfd = -1, rfd = -1;
	struct img_config cfg;
	struct error err = {0}, e2;
	bool remove = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_bundle_options.shortopts,
				cli_bundle_options.longopts, NULL)) != -1) {
		if (c != 'r')
			return cli_bad_option(g, c, argv);
		remove = true;
	}
	if ((rc = cli_want_args(g, argc - optind, remove ? 1 : 2, remove ? 1 : 2)) != 0)
		return rc;
	if (!*argv[argc - 1])
		return cli_usage_error(g, "DIR: empty path");
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	if (remove)
		return bundle_remove(s, argv[optind], g);
	if (img_resolve(s, argv[optind], &id, &err) < 0 || img_config_get(s, id, &cfg, &err) < 0)
		return cli_error(g, &err);
	if (mkdir_p(argv[optind + 1], 0755, &err) < 0 || !(abs = realpath(argv[optind + 1], NULL))) {
		img_config_release(&cfg);
		return err.msg[0] ? cli_error(g, &err) : cli_fail(g, "cannot resolve '%s'", argv[optind + 1]);
	}
	key = xasprintf("bundle:%s", abs);
	rootfs = xasprintf("%s/rootfs", abs);
	if (mkdir(rootfs, 0755) < 0 && errno != EEXIST) {
		img_config_release(&cfg);
		return cli_fail(g, "cannot create '%s': %s", rootfs, strerror(errno));
	}
	if (img_user_add(s, key, id, &sdir, &err) < 0) {
		img_config_release(&cfg);
		return cli_error(g, &err);
	}
	if (mount_root(s, id, sdir, rootfs, true, &err) < 0) {
		img_user_remove(s, key, &e2);
		img_config_release(&cfg);
		return cli_error(g, &err);
	}
	rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	json = bundle_config(&cfg, rfd);
	img_config_release(&cfg);
	if (!json)
		error_set(&err, EINVAL, "cannot build the default spec");
	dfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!json || dfd < 0 || file_write_atomic_at(dfd, "config.json", json, strlen(json), 0644, &err) < 0) {
		ovl_unmount(rootfs, &e2);
		img_user_remove(s, key, &e2);
		return err.msg[0] ? cli_error(g, &err) : cli_fail(g, "cannot open '%s'", abs);
	}
	return 0;
}
