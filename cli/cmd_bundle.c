/* nook image mount/unmount and nook bundle: overlay roots from images. */
#include "cli/cli.h"
#include "image/image.h"
#include "overlayfs/overlayfs.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#define OPT_STORAGE_ROOT 1000

static void store_freep(struct img_store **s)
{
	img_store_free(*s);
}
#define _cleanup_store_ _cleanup_(store_freep)

static int parse_store_only(int argc, char **argv, struct cli_globals *g, const char *usage)
{
	static const struct option opts[] = {
		{"storage-root", required_argument, NULL, OPT_STORAGE_ROOT}, {0}};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != OPT_STORAGE_ROOT)
			return cli_fail(g, "usage: %s", usage);
		g->storage_root = optarg;
	}
	return 0;
}

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

	if (parse_store_only(argc, argv, g, "nook image mount IMAGE") || argc - optind != 1)
		return cli_fail(g, "usage: nook image mount IMAGE");
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

	if (parse_store_only(argc, argv, g, "nook image unmount IMAGE") || argc - optind != 1)
		return cli_fail(g, "usage: nook image unmount IMAGE");
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

static struct json_object *jstrv(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void add_mount(struct json_object *mounts, const char *dst, const char *type,
		      const char *src, const char *const *opts)
{
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", jstrv(opts));
	json_object_array_add(mounts, m);
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

static char *bundle_config(const struct img_config *c, int rootfd)
{
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
		"/proc/scsi", NULL};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					       "/proc/sysrq-trigger", NULL};
	static const char *const nss[] = {"pid", "network", "ipc", "uts", "mount", NULL};
	static const char *const default_env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	struct json_object *args = json_object_new_array(), *u = json_object_new_object();
	struct json_object *capo = json_object_new_object(), *root = json_object_new_object();
	struct json_object *mounts = json_object_new_array(), *lnx = json_object_new_object();
	struct json_object *ns = json_object_new_array(), *rl = json_object_new_object();
	struct json_object *rls = json_object_new_array();
	int64_t uid, gid;
	char *out;

	for (char **v = c->entrypoint; v && *v; v++)
		json_object_array_add(args, json_object_new_string(*v));
	for (char **v = c->cmd; v && *v; v++)
		json_object_array_add(args, json_object_new_string(*v));
	if (json_object_array_length(args) == 0)
		json_object_array_add(args, json_object_new_string("sh"));
	json_object_object_add(o, "ociVersion", json_object_new_string(NOOK_OCI_VERSION));
	json_object_object_add(p, "terminal", json_object_new_boolean(false));
	resolve_user(c->user, rootfd, &uid, &gid);
	json_object_object_add(u, "uid", json_object_new_int64(uid));
	json_object_object_add(u, "gid", json_object_new_int64(gid));
	json_object_object_add(p, "user", u);
	json_object_object_add(p, "args", args);
	json_object_object_add(p, "env", jstrv(c->env ? (const char *const *)c->env : default_env));
	json_object_object_add(p, "cwd", json_object_new_string(c->workdir ? c->workdir : "/"));
	json_object_object_add(capo, "bounding", jstrv(caps));
	json_object_object_add(capo, "effective", jstrv(caps));
	json_object_object_add(capo, "permitted", jstrv(caps));
	json_object_object_add(p, "capabilities", capo);
	json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(rl, "hard", json_object_new_int(1024));
	json_object_object_add(rl, "soft", json_object_new_int(1024));
	json_object_array_add(rls, rl);
	json_object_object_add(p, "rlimits", rls);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(true));
	json_object_object_add(o, "process", p);
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(false));
	json_object_object_add(o, "root", root);
	json_object_object_add(o, "hostname", json_object_new_string("nook"));
	add_mount(mounts, "/proc", "proc", "proc", NULL);
	add_mount(mounts, "/dev", "tmpfs", "tmpfs",
		  (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	add_mount(mounts, "/dev/pts", "devpts", "devpts",
		  (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666",
					"mode=0620", "gid=5", NULL});
	add_mount(mounts, "/dev/shm", "tmpfs", "shm",
		  (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
	add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue",
		  (const char *const[]){"nosuid", "noexec", "nodev", NULL});
	add_mount(mounts, "/sys", "sysfs", "sysfs",
		  (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL});
	json_object_object_add(o, "mounts", mounts);
	for (const char *const *n = nss; *n; n++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "type", json_object_new_string(*n));
		json_object_array_add(ns, e);
	}
	json_object_object_add(lnx, "namespaces", ns);
	json_object_object_add(lnx, "maskedPaths", jstrv(masked));
	json_object_object_add(lnx, "readonlyPaths", jstrv(readonly));
	json_object_object_add(o, "linux", lnx);
	out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE));
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

int cli_cmd_bundle(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {
		{"remove", no_argument, NULL, 'r'},
		{"storage-root", required_argument, NULL, OPT_STORAGE_ROOT}, {0}};
	_cleanup_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL, *abs = NULL, *key = NULL, *sdir = NULL, *rootfs = NULL;
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int dfd = -1, rfd = -1;
	struct img_config cfg;
	struct error err = {0}, e2;
	bool remove = false;
	int c;

	optind = 1;
	if (cli_wants_help(argc, argv)) {
		printf("usage: nook bundle [--storage-root DIR] IMAGE DIR | --remove DIR\n");
		return 0;
	}
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			remove = true;
		else if (c == OPT_STORAGE_ROOT)
			g->storage_root = optarg;
		else
			return cli_fail(g, "usage: nook bundle IMAGE DIR | --remove DIR");
	}
	if (argc - optind != (remove ? 1 : 2))
		return cli_fail(g, "usage: nook bundle IMAGE DIR | --remove DIR");
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
	dfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || file_write_atomic_at(dfd, "config.json", json, strlen(json), 0644, &err) < 0) {
		ovl_unmount(rootfs, &e2);
		img_user_remove(s, key, &e2);
		return err.msg[0] ? cli_error(g, &err) : cli_fail(g, "cannot open '%s'", abs);
	}
	return 0;
}
