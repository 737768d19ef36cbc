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

static int check_sysctl(const struct rt_spec *spec, const struct rt_sysctl *s, struct error *err)
{
	if (strstr(s->key, "..") || strchr(s->key, '/'))
		return error_set(err, EINVAL, "config.json: linux.sysctl: invalid name \"%s\"", s->key);
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
	const struct rt_namespace *uts = rt_spec_namespace(spec, CLONE_NEWUTS);
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
	if ((spec->hostname && *spec->hostname) && (!uts || uts->path))
		return error_set(err, EINVAL,
				 "config.json: hostname: setting the hostname needs a new uts namespace");
	if ((spec->domainname && *spec->domainname) && (!uts || uts->path))
		return error_set(err, EINVAL,
				 "config.json: domainname: setting the domainname needs a new uts namespace");
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
