/* `nook spec`: the config.json runc's `spec` writes (hostname "nook"),
 * and its rootless variant.  The content is data: tables below, turned
 * into JSON in runc's field order. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <string.h>

struct default_mount {
	const char *destination, *type, *source;
	const char *options[8]; /* NULL-terminated */
	bool rootless_skip;	/* left out of the rootless config */
};

static const struct default_mount default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}, false},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}, false},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
     false},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}, false},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}, false},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}, false},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}, true},
};

/* An unprivileged user cannot mount a fresh sysfs outside a network
 * namespace it owns, so the rootless config binds the host's read-only. */
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}, false};

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					   NULL};
static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};

static const char *const default_masked[] = {"/proc/acpi",
					     "/proc/asound",
					     "/proc/kcore",
					     "/proc/keys",
					     "/proc/latency_stats",
					     "/proc/timer_list",
					     "/proc/timer_stats",
					     "/proc/sched_debug",
					     "/sys/firmware",
					     "/proc/scsi",
					     "/sys/devices/virtual/powercap",
					     NULL};
/* runc's read-only /proc paths; docker's profile uses the same list. */
const char *const rt_default_readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

/* Namespaces in runc's order; the rootless config has no network namespace
 * (it could not be given any connectivity) and adds a user namespace. */
static const struct {
	const char *type;
	bool rootful, rootless;
} default_namespaces[] = {
    {"pid", true, true},   {"network", true, false}, {"ipc", true, true},   {"uts", true, true},
    {"mount", true, true}, {"cgroup", true, true},   {"user", false, true},
};

static json_object *strv_json(const char *const *v, bool rootless)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; v[i]; i++) {
		/* uid=/gid= options name host ids a rootless user cannot use. */
		if (rootless && (str_has_prefix(v[i], "uid=") || str_has_prefix(v[i], "gid=")))
			continue;
		json_object_array_add(arr, json_object_new_string(v[i]));
	}
	return arr;
}

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *default_process(void)
{
	json_object *p = json_object_new_object(), *user = json_object_new_object();
	json_object *caps = json_object_new_object(), *rl = json_object_new_object();
	json_object *rlimits = json_object_new_array(), *args = json_object_new_array();

	add(p, "terminal", json_object_new_boolean(1));
	add(user, "uid", json_object_new_int(0));
	add(user, "gid", json_object_new_int(0));
	add(p, "user", user);
	json_object_array_add(args, json_object_new_string("sh"));
	add(p, "args", args);
	add(p, "env", strv_json(default_env, false));
	add(p, "cwd", json_object_new_string("/"));
	add(caps, "bounding", strv_json(default_caps, false));
	add(caps, "effective", strv_json(default_caps, false));
	add(caps, "permitted", strv_json(default_caps, false));
	add(p, "capabilities", caps);
	add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	add(rl, "hard", json_object_new_int(1024));
	add(rl, "soft", json_object_new_int(1024));
	json_object_array_add(rlimits, rl);
	add(p, "rlimits", rlimits);
	add(p, "noNewPrivileges", json_object_new_boolean(1));
	return p;
}

static json_object *mount_json(const struct default_mount *m, bool rootless)
{
	json_object *o = json_object_new_object();

	add(o, "destination", json_object_new_string(m->destination));
	add(o, "type", json_object_new_string(m->type));
	add(o, "source", json_object_new_string(m->source));
	if (m->options[0])
		add(o, "options", strv_json(m->options, rootless));
	return o;
}

static json_object *default_mounts_json(bool rootless)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++) {
		const struct default_mount *m = &default_mounts[i];

		if (rootless && m->rootless_skip)
			continue;
		if (rootless && !strcmp(m->destination, "/sys"))
			m = &rootless_sys;
		json_object_array_add(arr, mount_json(m, rootless));
	}
	return arr;
}

static json_object *idmap_entry(unsigned int container_id, unsigned int host_id,
				unsigned int size)
{
	json_object *m = json_object_new_object();

	add(m, "containerID", json_object_new_int64(container_id));
	add(m, "hostID", json_object_new_int64(host_id));
	add(m, "size", json_object_new_int64(size));
	return m;
}

/* The caller's id as root and, when file (/etc/subuid, /etc/subgid) grants
 * it a range, that range as ids 1..N (mapped through newuidmap). */
static json_object *idmap_json(unsigned int host_id, const char *file)
{
	json_object *arr = json_object_new_array();
	struct ns_subid sub;
	struct error err;

	json_object_array_add(arr, idmap_entry(0, host_id, 1));
	if (ns_subid_find(file, getuid(), &sub, &err) == 0)
		json_object_array_add(arr, idmap_entry(1, sub.start, sub.count));
	return arr;
}

static json_object *default_linux(bool rootless)
{
	json_object *l = json_object_new_object(), *ns = json_object_new_array();

	if (rootless) {
		add(l, "uidMappings", idmap_json(getuid(), "/etc/subuid"));
		add(l, "gidMappings", idmap_json(getgid(), "/etc/subgid"));
	} else {
		/* The device cgroup denies everything; the default devices
		 * nook creates are allowed by the runtime on top. */
		json_object *res = json_object_new_object(), *devs = json_object_new_array();
		json_object *deny = json_object_new_object();

		add(deny, "allow", json_object_new_boolean(0));
		add(deny, "access", json_object_new_string("rwm"));
		json_object_array_add(devs, deny);
		add(res, "devices", devs);
		add(l, "resources", res);
	}
	for (size_t i = 0; i < ARRAY_SIZE(default_namespaces); i++) {
		json_object *o;

		if (rootless ? !default_namespaces[i].rootless : !default_namespaces[i].rootful)
			continue;
		o = json_object_new_object();
		add(o, "type", json_object_new_string(default_namespaces[i].type));
		json_object_array_add(ns, o);
	}
	add(l, "namespaces", ns);
	add(l, "maskedPaths", strv_json(default_masked, false));
	add(l, "readonlyPaths", strv_json(rt_default_readonly, false));
	return l;
}

json_object *rt_spec_default_doc(bool rootless)
{
	json_object *doc = json_object_new_object(), *root = json_object_new_object();

	add(doc, "ociVersion", json_object_new_string(NOOK_OCI_VERSION));
	add(doc, "process", default_process());
	add(root, "path", json_object_new_string("rootfs"));
	add(root, "readonly", json_object_new_boolean(1));
	add(doc, "root", root);
	add(doc, "hostname", json_object_new_string("nook"));
	add(doc, "mounts", default_mounts_json(rootless));
	add(doc, "linux", default_linux(rootless));
	return doc;
}

char *rt_spec_default(bool rootless)
{
	json_object *doc = rt_spec_default_doc(rootless);
	char *text;

	text = xasprintf("%s\n",
			 json_object_to_json_string_ext(
			     doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
				      JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return text;
}

int rt_spec_write(const char *bundle, bool rootless, const struct rt_profile_opts *profile,
		  struct error *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;

	if (!bundle || !*bundle)
		bundle = ".";
	dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_sys(err, "cannot open bundle '%s'", bundle);
	if (faccessat(dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set(err, EEXIST, "File config.json exists. Remove it first");
	text = profile ? rt_profile_spec(rootless, profile, err) : rt_spec_default(rootless);
	if (!text)
		return -1;
	return file_write_atomic_at(dfd, "config.json", text, strlen(text), 0666, err);
}
