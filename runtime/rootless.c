/* Policy for a runtime that is not root of the host (a rootless nook in
 * its user namespace, or under a rootless podman): which cgroup it may
 * use. */
#include "runtime/internal.h"

#include <string.h>

int rt_rootless_cgroup_plan(const struct cg_resources *res, bool *without, struct error *err)
{
	const char *opt = getenv("NOOK_CGROUPS");
	char names[512];

	*without = false;
	if (geteuid() == 0 && !userns_nested())
		return 0;
	/* The host's cgroup tree belongs to host root: without a delegated
	 * subtree nothing can be limited, and a limit silently not applied
	 * would be a lie.  The device filter is no loss here: a user
	 * namespace cannot create device nodes, only bind the host's few. */
	*without = true;
	if (!cg_resources_limits(res, names, sizeof(names)))
		return 0;
	if (opt && !strcmp(opt, "disabled"))
		return 0;
	return error_set(err, EPERM,
			 "rootless: no delegated cgroup, so these limits cannot be applied: %s "
			 "(drop them, or set NOOK_CGROUPS=disabled to run without them)",
			 names);
}
