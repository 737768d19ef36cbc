/* cgroups/ internals shared between its files. */
#ifndef NOOK_CGROUPS_INTERNAL_H
#define NOOK_CGROUPS_INTERNAL_H

#include "cgroups/cgroups.h"

struct cg_write {
	char *file;
	char *value;
	char *alt_file;  /* NULL or written instead when file is missing */
	char *alt_value;
	char *origin;    /* OCI name, for messages */
	unsigned flags;  /* CG_WRITE_* */
	char *v1_file;   /* NULL, or the cgroup v1 form of this write */
	char *v1_value;
	bool v1_only;    /* file is NULL: only a v1 hierarchy can apply it */
};

/* Internal write flag (v1.c): when this write fails with EINVAL, write
 * the next one first and then this one again (memory limit vs memsw,
 * cfs period vs quota: the kernel checks each against the other). */
#define CG_WRITE_V1_PAIR (1u << 8)

/* One v1 hierarchy, and the container's group in it. */
struct cg_v1_dir {
	char *mnt;    /* "/sys/fs/cgroup/cpu,cpuacct" */
	char **ctrls; /* {"cpu", "cpuacct"} */
	char *path;   /* the container's group below mnt (a relative
		       * cgroupsPath may put it elsewhere than the v2 one) */
	int dirfd;    /* the group, or -1 */
};

struct cg_resources {
	struct cg_write *w;
	size_t n_w;
	struct cg_device_rule *dev;
	size_t n_dev;
	bool devices_set;
};

/* "memory.max" -> "memory" into buf; false if there is no '.'. */
bool cg_file_controller(const char *file, char *buf, size_t len);

/* devices.c: build, load and attach the eBPF filter for rules to the
 * group directory fd, then detach the filters attached before it. */
int cg_devices_apply(int dirfd, const struct cg_device_rule *rules, size_t n, struct error *err);

/* cgroups.c: open "file" of the group for writing and write value. */
int cg_write_file(int dirfd, const char *file, const char *value, struct error *err);
/* cgroups.c: res's writes (not devices) to the group dirfd, in order. */
int cg_writes_apply(int dirfd, const char *root, const char *path, const struct cg_resources *res,
		    struct error *err);
/* cgroups.c: "/a//b" -> {"a", "b"}; "." and ".." refused. */
int cg_path_split(const char *path, char ***out, struct error *err);
/* cgroups.c: is word in the space-separated list? */
bool cg_word_in(const char *list, const char *word);
/* control.c: pids of cgroup.procs of dirfd and every group below. */
int cg_pids_collect(int dirfd, pid_t **pids, size_t *n, struct error *err);
/* control.c: rmdir every group below dirfd, then name in parent (EBUSY
 * retried briefly: a css goes away after its last task). */
int cg_dir_remove(int parent, const char *name, int dirfd, struct error *err);

/* v1.c: the mounted v1 hierarchies with controllers (none when
 * NOOK_CGROUP_V1=off); dirfds -1. */
int cg_v1_find(struct cg_v1_dir **out, size_t *n, struct error *err);
void cg_v1_dirs_free(struct cg_v1_dir *d, size_t n);
/* v1.c: the same, with the named hierarchies ("name=systemd" among
 * ctrls), read afresh. */
int cg_v1_scan_all(struct cg_v1_dir **out, size_t *n, struct error *err);
/* v1.c: the v1 hierarchy holding controller c (in d[0..n)), or NULL. */
struct cg_v1_dir *cg_v1_lookup(struct cg_v1_dir *d, size_t n, const char *c);
/* v1.c: split res into what the v2 hierarchy applies (*v2; NULL
 * without one) and what each v1 hierarchy applies ((*v1)[i] for v1
 * dirs[i], NULL for none), with join[i] true where a limit needs the
 * group (or on a pure v1 host, everywhere).  Errors name the OCI field
 * no hierarchy can apply. */
int cg_v1_route(const struct cg_resources *res, const char *root, struct cg_v1_dir *dirs,
		size_t n, struct cg_resources **v2, struct cg_resources ***v1, bool **join,
		struct error *err);
/* v1.c: create the group d->path in d (d->dirfd set) and apply res. */
int cg_v1_create(struct cg_v1_dir *d, const struct cg_resources *res, struct error *err);
/* v1.c: apply res to the existing group d->dirfd. */
int cg_v1_apply(struct cg_v1_dir *d, const struct cg_resources *res, struct error *err);
/* v1.c: set each v1 hierarchy's group path (p's entry for it, else
 * g->path; normalized) in g->v1[0..n_v1). */
int cg_v1_paths_set(struct cg_group *g, const struct cg_paths *p, struct error *err);
/* v1.c: open the group of every v1 hierarchy where it exists (paths as
 * p gives them). */
int cg_v1_open(struct cg_group *g, const struct cg_paths *p, struct error *err);
/* paths.c: the path of the line of /proc/PID/cgroup text (changed in
 * place) for the hierarchy holding ctrl (NULL: the v2 line "0::"). */
const char *cg_proc_cgroup_path(char *text, const char *ctrl);
/* cgroups.c: "/a//b/" -> "/a/b" (cg_path_split's checks). */
int cg_path_normalize(const char *path, char **out, struct error *err);
/* v1.c: pure v1 freezer, signals, usage figures. */
int cg_v1_freeze(const struct cg_group *g, bool freeze, struct error *err);
int cg_v1_frozen(const struct cg_group *g);
int cg_v1_stats(const struct cg_group *g, struct cg_stats *st, struct error *err);
/* v1.c: the v1 group to list processes from (pure v1 host), or -1. */
int cg_v1_procs_fd(const struct cg_group *g);
/* v1.c: rmdir the v1 groups (after their processes are gone). */
int cg_v1_remove(struct cg_group *g, struct error *err);

#endif
