/* Policy for a runtime that is not root of the host (a rootless nook in
 * its user namespace, or under a rootless podman): which cgroup it may
 * use (a delegated subtree, cgroups/delegate.c, or none). */
#include "runtime/internal.h"

#include <string.h>

int rt_rootless_cgroup_plan(struct cg_resources *res, char **base, bool *without, struct error *err)
{
	const char *opt = getenv("NOOK_CGROUPS");
	struct error why;
	char names[512];

	*without = false;
	*base = NULL;
	if (geteuid() == 0 && !userns_nested())
		return 0;
	/* A delegated subtree: the container's group goes below it.  The
	 * device filter stays off: loading it needs privilege in the host's
	 * user namespace, and a user namespace cannot create device nodes,
	 * only bind the host's few. */
	if (cg_delegated_find(base, &why) == 0) {
		cg_resources_devices_clear(res);
		return 0;
	}
	/* The host's cgroup tree belongs to host root: without a delegated
	 * subtree nothing can be limited, and a limit silently not applied
	 * would be a lie. */
	*without = true;
	if (!cg_resources_limits(res, names, sizeof(names)))
		return 0;
	if (opt && !strcmp(opt, "disabled"))
		return 0;
	return error_set(err, EPERM,
			 "rootless: no delegated cgroup (%s), so these limits cannot be applied: "
			 "%s (drop them, or set NOOK_CGROUPS=disabled to run without them)",
			 why.msg, names);
}
