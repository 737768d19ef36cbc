/* cgroups: the cgroup v2 manager.  Finds the v2 hierarchy (pure v2 at
 * /sys/fs/cgroup or hybrid at /sys/fs/cgroup/unified), creates a
 * container's group, applies and updates limits, freezes, kills, lists
 * and removes it.  nook is cgroup v2 only.  A limit whose controller the
 * hierarchy lacks is an error naming the controller and the hierarchy:
 * nook never runs a container without a limit it was asked to apply.
 * Functions run in the runtime (parent) process unless noted. */
#ifndef NOOK_CGROUPS_H
#define NOOK_CGROUPS_H

#include "base/base.h"

/* The limits of linux.resources, in cgroup v2 terms.  Built by the runtime
 * from config.json; see cgroups/resources.h-free accessors below. */
struct cg_resources;

struct cg_resources *cg_resources_new(void);
void cg_resources_free(struct cg_resources *r);
/* True when r asks for no limit at all (nothing to apply). */
bool cg_resources_empty(const struct cg_resources *r);

struct cg_group {
	char *root;  /* mountpoint of the v2 hierarchy */
	char *path;  /* group path below it, starting with '/' ("/nook/ID") */
	int dirfd;   /* O_DIRECTORY fd of the group (usable with CLONE_INTO_CGROUP) */
};

/* Mountpoint of the cgroup v2 hierarchy; -1 (ENOENT) if there is none. */
int cg_hierarchy_find(char **mountpoint, struct error *err);

/* Create the group at path (parents as needed, controllers enabled in each
 * ancestor's cgroup.subtree_control as res needs) and apply res (may be
 * NULL).  On failure nothing is left behind. */
int cg_group_create(struct cg_group *g, const char *path, const struct cg_resources *res,
		    struct error *err);
/* Open an existing group. */
int cg_group_open(struct cg_group *g, const char *path, struct error *err);
void cg_group_release(struct cg_group *g);

int cg_group_add_pid(const struct cg_group *g, pid_t pid, struct error *err);
int cg_group_update(const struct cg_group *g, const struct cg_resources *res, struct error *err);
/* Freeze or thaw, waiting until cgroup.events reports the new state. */
int cg_group_freeze(const struct cg_group *g, bool freeze, struct error *err);
/* 1 frozen, 0 not, -1 error. */
int cg_group_frozen(const struct cg_group *g);
/* SIGKILL uses cgroup.kill; other signals go to each process. */
int cg_group_signal(const struct cg_group *g, int sig, struct error *err);
/* Processes in the group (and its descendants), as seen from nook. */
int cg_group_pids(const struct cg_group *g, pid_t **pids, size_t *n, struct error *err);
/* Kill what is left, wait until the group is empty, remove it. */
int cg_group_destroy(struct cg_group *g, struct error *err);

#endif
