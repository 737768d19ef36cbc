/* Policy checks on a parsed spec, done before anything is created, so a
 * config nook cannot honour fails with a message instead of half a
 * container. */
#include "runtime/internal.h"

#include <string.h>
#include <sys/stat.h>

/* Sysctls that are namespaced, and the namespace that makes them safe to
 * set (runc's list): anything else would change the host. */
static const struct {
	const char *prefix;
	bool exact;
	int ns;
} sysctl_table[] = {
	{"kernel.msgmax", true, CLONE_NEWIPC},   {"kernel.msgmnb", true, CLONE_NEWIPC},
	{"kernel.msgmni", true, CLONE_NEWIPC},   {"kernel.sem", true, CLONE_NEWIPC},
	{"kernel.shmall", true, CLONE_NEWIPC},   {"kernel.shmmax", true, CLONE_NEWIPC},
	{"kernel.shmmni", true, CLONE_NEWIPC},   {"kernel.shm_rmid_forced", true, CLONE_NEWIPC},
	{"fs.mqueue.", false, CLONE_NEWIPC},     {"net.", false, CLONE_NEWNET},
	{"kernel.hostname", true, CLONE_NEWUTS}, {"kernel.domainname", true, CLONE_NEWUTS},
};

/* A sysctl that sets what a config field also sets: which one wins would
 * depend on the order nook applies them.  runc refuses kernel.hostname
 * outright ("conflicts with the OCI hostname field", validate.go
 * sysctl()); kernel.domainname is how docker sets the NIS domain (it
 * predates the domainname field), so it is refused only beside one. */
static int check_sysctl_conflict(const struct rt_spec *spec, const struct rt_sysctl *s,
				 struct error *err)
{
	if (!strcmp(s->key, "kernel.hostname"))
		return error_set(
		    err, EINVAL,
		    "config.json: linux.sysctl: \"kernel.hostname\" conflicts with the "
		    "hostname field (set \"hostname\" instead)");
	if (!strcmp(s->key, "kernel.domainname") && spec->domainname && *spec->domainname)
		return error_set(
		    err, EINVAL,
		    "config.json: linux.sysctl: \"kernel.domainname\" conflicts with the "
		    "domainname field (set only one of them)");
	return 0;
}

/* A namespace joined by path may take its sysctls (a pod's containers
 * join the network namespace that carries them, as with runc), unless it
 * is the one nook itself runs in: then they would change the host.  A
 * path that cannot be read is left to the join, which reports it. */
static bool is_own_namespace(const char *path, int flag)
{
	char own[64];
	struct stat a, b;

	snprintf(own, sizeof(own), "/proc/self/ns/%s", ns_proc_name(flag));
	return stat(path, &a) == 0 && stat(own, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int check_sysctl(const struct rt_spec *spec, const struct rt_sysctl *s, struct error *err)
{
	if (strstr(s->key, "..") || strchr(s->key, '/'))
		return error_set(err, EINVAL, "config.json: linux.sysctl: invalid name \"%s\"", s->key);
	if (check_sysctl_conflict(spec, s, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++) {
		bool match = sysctl_table[i].exact ? !strcmp(s->key, sysctl_table[i].prefix)
						   : str_has_prefix(s->key, sysctl_table[i].prefix);
		const struct rt_namespace *ns;

		if (!match)
			continue;
		ns = rt_spec_namespace(spec, sysctl_table[i].ns);
		if (!ns)
			return error_set(err, EINVAL,
					 "config.json: linux.sysctl: \"%s\" needs a %s namespace",
					 s->key, ns_name_from_flag(sysctl_table[i].ns));
		if (ns->path && is_own_namespace(ns->path, sysctl_table[i].ns))
			return error_set(err, EINVAL,
					 "config.json: linux.sysctl: \"%s\" would change the host: the "
					 "%s namespace joined (%s) is nook's own",
					 s->key, ns_name_from_flag(sysctl_table[i].ns), ns->path);
		return 0;
	}
	return error_set(err, EINVAL,
			 "config.json: linux.sysctl: \"%s\" is not namespaced and would change the host",
			 s->key);
}

/* Without a mount namespace (new or joined) the container shares the
 * runtime's: nook only chroots into root.path.  What would need a mount is
 * refused rather than done on the host's mount table (runc refuses masked
 * and read-only paths there too, and mounts on the host otherwise). */
static int check_no_mntns(const struct rt_spec *spec, struct error *err)
{
	const char *what = NULL;

	if (spec->n_mounts)
		what = "mounts";
	else if (spec->masked_paths && spec->masked_paths[0])
		what = "linux.maskedPaths";
	else if (spec->readonly_paths && spec->readonly_paths[0])
		what = "linux.readonlyPaths";
	else if (spec->root_readonly)
		what = "root.readonly";
	else if (spec->n_devices)
		what = "linux.devices";
	else if (spec->rootfs_propagation)
		what = "linux.rootfsPropagation";
	if (!what)
		return 0;
	return error_set(err, EINVAL, "config.json: %s: needs a mount namespace (new or joined)",
			 what);
}

/* A joined mount namespace gets the rootfs mounted and pivoted into: if it
 * were the runtime's own (or the host's, pid 1's), that would change the
 * host's propagation and mount table and pivot the root of every host
 * process in it.  runc does not check; refuse it. */
static int check_joined_mntns(const struct rt_namespace *mnt, struct error *err)
{
	static const char *const own[] = {"/proc/self/ns/mnt", "/proc/1/ns/mnt"};
	struct stat st, o;

	if (!mnt || !mnt->path || stat(mnt->path, &st) < 0)
		return 0; /* joining reports what is wrong with the path */
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (stat(own[i], &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino)
			return error_set(
			    err, EINVAL,
			    "config.json: linux.namespaces: mount namespace '%s' is the "
			    "host's own: nook would mount and pivot_root in it",
			    mnt->path);
	return 0;
}

int rt_spec_validate(const struct rt_spec *spec, struct error *err)
{
	const struct rt_namespace *user = rt_spec_namespace(spec, CLONE_NEWUSER);
	struct stat st;

	if (stat(spec->root_path, &st) < 0)
		return error_sys(err, "config.json: root.path: '%s'", spec->root_path);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ENOTDIR, "config.json: root.path: '%s' is not a directory",
				 spec->root_path);
	if (!rt_spec_namespace(spec, CLONE_NEWNS) && check_no_mntns(spec, err) < 0)
		return -1;
	if (check_joined_mntns(rt_spec_namespace(spec, CLONE_NEWNS), err) < 0)
		return -1;
	/* hostname and domainname need a uts namespace, new or joined (as
	 * runc's validate.go uts()): checked by the parser. */
	if (user && !user->path && (!spec->n_uid_mappings || !spec->n_gid_mappings))
		return error_set(err, EINVAL,
				 "config.json: linux.uidMappings/gidMappings: a new user namespace needs "
				 "both mappings");
	if ((!user || user->path) && (spec->n_uid_mappings || spec->n_gid_mappings))
		return error_set(err, EINVAL,
				 "config.json: linux.uidMappings: mappings need a new user namespace");
	for (size_t i = 0; i < spec->n_sysctl; i++)
		if (check_sysctl(spec, &spec->sysctl[i], err) < 0)
			return -1;
	return 0;
}
