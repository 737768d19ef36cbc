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
		if (!ns || ns->path)
			return error_set(err, EINVAL,
					 "config.json: linux.sysctl: \"%s\" needs a new %s namespace",
					 s->key, ns_name_from_flag(sysctl_table[i].ns));
		return 0;
	}
	return error_set(err, EINVAL,
			 "config.json: linux.sysctl: \"%s\" is not namespaced and would change the host",
			 s->key);
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
	if (!rt_spec_namespace(spec, CLONE_NEWNS))
		return error_set(err, EINVAL,
				 "config.json: linux.namespaces: a mount namespace is required");
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
