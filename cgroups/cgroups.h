/* cgroups: the cgroup manager.  Finds the v2 hierarchy (pure v2 at
 * /sys/fs/cgroup or hybrid at /sys/fs/cgroup/unified) and the v1
 * hierarchies, creates a container's group, applies and updates limits,
 * freezes, kills, lists and removes it.
 *
 * cgroup v2 comes first: every limit whose controller the v2 hierarchy has
 * is applied there, and freeze, kill and the device filter use v2 wherever
 * a v2 hierarchy exists.  A limit whose controller is a v1 one (a hybrid
 * host's, or any on a pure v1 host) is applied in that controller's v1
 * hierarchy, in a group at the same path, with runc's v1 conversions
 * (v1.c).  On a hybrid host v1 groups are made only when a limit needs
 * a v1 controller, and then also in the v1 usage controllers (cpu,
 * cpuacct, memory, pids, blkio) for the figures; on a pure v1 host the
 * container joins every v1 hierarchy, as runc does.  A limit no hierarchy can apply is an error naming it:
 * nook never runs a container without a limit it was asked to apply.
 * NOOK_CGROUP_V1=off in the environment turns the v1 backend off (nook
 * then never creates, writes or joins a v1 group).
 * Functions run in the runtime (parent) process unless noted. */
#ifndef NOOK_CGROUPS_H
#define NOOK_CGROUPS_H

#include "base/base.h"

/* ------------------------------------------------------------ limits -- */

/* The limits of linux.resources, in cgroup v2 terms: an ordered list of
 * interface-file writes ("memory.max" <- "1048576") plus a device rule
 * list.  The runtime builds one from config.json (runtime/resources.c:
 * JSON paths, OCI -> v2 conversions, the default device allow-list); this
 * folder only checks controllers, writes files and loads the device
 * filter.  Every write remembers the OCI name it came from, so a missing
 * controller is reported as the limit the user asked for. */
struct cg_resources;

struct cg_resources *cg_resources_new(void);
void cg_resources_free(struct cg_resources *r);
/* True when r asks for no limit and has no device rules (nothing to apply). */
bool cg_resources_empty(const struct cg_resources *r);

enum cg_write_flags {
	/* The file missing (ENOENT) is not an error: memory.swap.max "max"
	 * on a kernel without swap accounting, as runc does. */
	CG_WRITE_MISSING_OK = 1 << 0,
	/* The value asks for no limit ("max"): the controller is enabled if
	 * the hierarchy has it and the write done, as runc does (so `update`
	 * can lift a limit); without the controller the write is skipped,
	 * since a group the controller does not cover is not limited by it.
	 * Implies CG_WRITE_MISSING_OK. */
	CG_WRITE_NO_LIMIT = 1 << 1,
};

/* Append a write of value to the interface file `file` ("memory.max";
 * its controller is the part before the first '.', "cgroup" meaning the
 * core files).  origin is the OCI name for messages
 * ("linux.resources.memory").  Writes happen in the order added; the same
 * file may appear more than once (io.max takes one device per write).
 * file must pass cg_file_name_valid (checked by the caller). */
void cg_resources_add(struct cg_resources *r, const char *file, const char *value,
		      unsigned flags, const char *origin);
/* A write with its cgroup v1 form, for a value v1 takes differently from
 * what the v2 file gets (cpu.shares, not the converted cpu.weight).  file
 * NULL: only v1 has the knob (memory.swappiness, net_cls.classid); where
 * no v1 hierarchy has the controller, that is an error naming origin.
 * Writes without a v1 form are converted as runc does (memory.max ->
 * memory.limit_in_bytes, cpu.max -> cpu.cfs_quota_us/cfs_period_us, ...),
 * except linux.resources.unified ones, which need cgroup v2. */
void cg_resources_add_v1(struct cg_resources *r, const char *file, const char *value,
			 const char *v1_file, const char *v1_value, unsigned flags,
			 const char *origin);
/* Like cg_resources_add, with an alternative: if `file` does not exist,
 * write alt_value to alt_file instead (io.bfq.weight, else io.weight). */
void cg_resources_add_alt(struct cg_resources *r, const char *file, const char *value,
			  const char *alt_file, const char *alt_value, const char *origin);
/* Number of writes, and the i-th (file, value); for tests and `update`. */
size_t cg_resources_count(const struct cg_resources *r);
void cg_resources_get(const struct cg_resources *r, size_t i, const char **file,
		      const char **value);
/* How many writes set a real limit (not "no limit"); their OCI names
 * ("linux.resources.memory.limit", else the file) joined by ", " into buf. */
size_t cg_resources_limits(const struct cg_resources *r, char *buf, size_t len);

/* One device rule of the eBPF device filter (OCI linux.resources.devices). */
enum cg_dev_access { CG_DEV_MKNOD = 1, CG_DEV_READ = 2, CG_DEV_WRITE = 4 };
#define CG_DEV_WILDCARD (-1)
struct cg_device_rule {
	bool allow;
	char type;       /* 'a' (all), 'c' or 'b' */
	int64_t major;   /* CG_DEV_WILDCARD or 0..UINT32_MAX */
	int64_t minor;   /* CG_DEV_WILDCARD or 0..UINT32_MAX */
	unsigned access; /* CG_DEV_* bits */
};
/* Append a rule.  Rules are evaluated in order and, for each requested
 * access bit, the LAST rule that matches the device and holds that bit
 * decides; a bit no rule matches is denied.  Once a resources object has a
 * rule, applying it replaces the group's device filter; with no rule the
 * filter is left as it is.  cg_resources_devices_set(r) makes an empty list
 * count as "deny everything". */
void cg_resources_add_device(struct cg_resources *r, const struct cg_device_rule *rule);
void cg_resources_devices_set(struct cg_resources *r);
/* Load ahead the device filter of instructions insns (len bytes, as
 * cg_devices_last gave them): the next group whose rules build exactly
 * these gets it without a second load.  The program's fd (keep it open),
 * or -1 when it was not loaded. */
int cg_devices_prewarm(const void *insns, size_t len);
/* Close what cg_devices_prewarm loaded if nothing took it. */
void cg_devices_prewarm_drop(void);
/* The instructions of the last device filter attached; false if none. */
bool cg_devices_last(const void **insns, size_t *len);
/* Drop every device rule, and the filter with them (applying r leaves
 * the group's filter as it is). */
void cg_resources_devices_clear(struct cg_resources *r);
size_t cg_resources_device_count(const struct cg_resources *r);
const struct cg_device_rule *cg_resources_device(const struct cg_resources *r, size_t i);
/* "rwm" -> bits; -1 on an empty string or another letter. */
int cg_dev_access_parse(const char *s);

/* Conversions, as runc does them (0 in = "unset" out where noted). */
/* cpu.shares (2..262144) -> cpu.weight (1..10000); 0 -> 0. */
uint64_t cg_cpu_shares_to_weight(uint64_t shares);
/* blkio weight (10..1000) -> io.weight (1..10000); 0 -> 0. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight);
/* OCI memory.swap (memory+swap) -> memory.swap.max.  *out is -1 for "max",
 * or the bytes, and *set false when nothing is to be written.  memory is
 * the OCI memory.limit (0 = unset, -1 = unlimited).  Errors like runc: a
 * swap limit without a memory limit, swap below the memory limit. */
int cg_swap_to_v2(int64_t swap, int64_t memory, int64_t *out, bool *set, struct error *err);
/* True if name is a plausible interface file: "<controller>.<rest>",
 * controller [a-z0-9_]+, rest [a-zA-Z0-9_.-]+, no "..", no '/'. */
bool cg_file_name_valid(const char *name);
/* Hugepage size "2MB", "1GB", "64KB" -> bytes; -1 if malformed. */
int cg_hugepage_size_parse(const char *s, uint64_t *bytes);

/* ------------------------------------------------------------ groups -- */

struct cg_v1_dir;

struct cg_group {
	char *root;  /* mountpoint of the v2 hierarchy; NULL on a pure v1 host */
	char *path;  /* group path below it, starting with '/' ("/nook/ID") */
	int dirfd;   /* O_DIRECTORY fd of the v2 group (usable with CLONE_INTO_CGROUP);
		      * -1 on a pure v1 host */
	struct cg_v1_dir *v1; /* the v1 groups at the same path (internal.h) */
	size_t n_v1;
};

/* A container's group path in one v1 hierarchy where it is not the v2
 * one: ctrl names the hierarchy by one of its controllers. */
struct cg_v1_path {
	char *ctrl;
	char *path;
};

/* Where a container's groups are: path in the v2 hierarchy and in every
 * v1 hierarchy v1[] does not list. */
struct cg_paths {
	char *path;
	struct cg_v1_path *v1;
	size_t n_v1;
};

/* linux.cgroupsPath as runc's cgroupfs driver resolves it: an absolute
 * path names the group in every hierarchy; a relative one is below the
 * calling process's own group, in each hierarchy on its own
 * (/proc/self/cgroup), so p->v1 lists the v1 hierarchies where that
 * differs from the v2 result (none with NOOK_CGROUP_V1=off).  Paths are
 * checked when the groups are made or opened. */
int cg_paths_resolve(struct cg_paths *p, const char *path, struct error *err);
void cg_paths_release(struct cg_paths *p);

/* Mountpoint of the cgroup v2 hierarchy; -1 (ENOENT) if there is none. */
int cg_hierarchy_find(char **mountpoint, struct error *err);
/* For a runtime that is not root of the host (cgroups/delegate.c): the
 * top of the delegated v2 subtree the caller runs in (its own group and
 * the ancestors whose directory, cgroup.procs and cgroup.subtree_control
 * are owned by the effective uid), as a path below the hierarchy
 * ("/user.slice/.../user@1000.service"; caller frees).  An error names
 * what is missing: a v2 hierarchy, the caller's group being its own, or
 * nsdelegate on the mount. */
int cg_delegated_find(char **path, struct error *err);

/* Create the group at path (parents as needed, controllers enabled in each
 * ancestor's cgroup.subtree_control as res needs) and apply res (may be
 * NULL).  On failure nothing is left behind (directories made by this
 * call are removed; controllers enabled in shared parents stay enabled).
 * path must start with '/' and hold no "." or ".." component. */
int cg_group_create(struct cg_group *g, const char *path, const struct cg_resources *res,
		    struct error *err);
/* Same, with the v1 groups where p puts them. */
int cg_group_create_paths(struct cg_group *g, const struct cg_paths *p,
			  const struct cg_resources *res, struct error *err);
/* Same, under an explicit hierarchy mountpoint (tests, or a caller that
 * already knows it). */
int cg_group_create_in(struct cg_group *g, const char *root, const char *path,
		       const struct cg_resources *res, struct error *err);
/* Whether a group made with res on this host may get v1 groups: false
 * with a v2 hierarchy and nothing to write (the device filter is v2's).
 * Recorded before the group is made, so that opening and removing it can
 * skip the v1 hierarchies (reading /proc/self/mountinfo, probing each). */
bool cg_group_may_use_v1(const struct cg_resources *res);
/* Open an existing group; v1: look for its v1 groups too. */
int cg_group_open(struct cg_group *g, const char *path, bool v1, struct error *err);
int cg_group_open_paths(struct cg_group *g, const struct cg_paths *p, bool v1, struct error *err);
int cg_group_open_in(struct cg_group *g, const char *root, const char *path, struct error *err);
/* Frees the strings and closes dirfd; safe on a zeroed group with dirfd -1. */
void cg_group_release(struct cg_group *g);

int cg_group_add_pid(const struct cg_group *g, pid_t pid, struct error *err);
/* Put pid (0: the calling process) into the group's v1 groups, the ones
 * CLONE_INTO_CGROUP cannot reach.  Called for the init before it is let
 * go, and by an exec'd process before it joins the container.  Nothing to
 * do without v1 groups.  Safe after fork (no allocation). */
int cg_group_enter(const struct cg_group *g, pid_t pid, struct error *err);
/* True when the group has v1 groups (`features`, tests). */
bool cg_v1_available(void);
/* Write res's limits (and replace the device filter when res has rules).
 * A controller not yet enabled for the group is enabled first. */
int cg_group_update(const struct cg_group *g, const struct cg_resources *res, struct error *err);
/* Freeze or thaw, waiting (up to 10 s) until cgroup.events reports the new
 * state. */
int cg_group_freeze(const struct cg_group *g, bool freeze, struct error *err);
/* 1 frozen, 0 not, -1 error. */
int cg_group_frozen(const struct cg_group *g);
/* SIGKILL uses cgroup.kill; other signals go to each process. */
int cg_group_signal(const struct cg_group *g, int sig, struct error *err);
/* Processes in the group (and its descendants), as seen from nook.
 * *pids is allocated (free()). */
int cg_group_pids(const struct cg_group *g, pid_t **pids, size_t *n, struct error *err);
/* rmdir the group at path if it is empty; a group in use (EBUSY,
 * ENOTEMPTY) or already gone is not an error. */
int cg_group_remove_if_empty(const char *path, bool v1, struct error *err);
/* Kill what is left, wait until the group is empty, remove it and its
 * sub-groups, then release g.  A group already gone is not an error.
 * Parents ("/nook") are left in place. */
int cg_group_destroy(struct cg_group *g, struct error *err);

/* ------------------------------------------------------------- views -- */

/* One hierarchy of a container's "cgroup" mount on a host with cgroup v1
 * hierarchies, laid out as runc does: a directory `name` under a tmpfs
 * (the host mount's own name: "memory", "cpu,cpuacct", "systemd",
 * "unified") holding the hierarchy.  options: of a fresh "cgroup" mount
 * of it ("cpu,cpuacct", "name=systemd"); NULL for the cgroup2 one.
 * own_dir: host path of the calling process's group in it. */
struct cg_view {
	char *name;
	char *options;
	char *own_dir;
};

/* The views, v1 hierarchies first (mountinfo order), then unified/ on a
 * hybrid host.  None (n 0) on a pure v2 host and with NOOK_CGROUP_V1=off
 * (nook then shows the v2 hierarchy alone, as before).  Called by the
 * container init once it is in its groups, before its cgroup namespace. */
int cg_views_find(struct cg_view **out, size_t *n, struct error *err);
void cg_views_free(struct cg_view *v, size_t n);

/* ------------------------------------------------------------- stats -- */

struct cg_kv {
	char key[48];
	uint64_t value;
};

struct cg_io_stat {
	unsigned major, minor;
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

#define CG_MAX UINT64_MAX /* a limit of "max" */

/* What `events --stats` shows.  has_* says whether the controller's files
 * were there (a controller not enabled leaves its part zero). */
struct cg_stats {
	bool has_cpu;
	uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
	uint64_t cpu_nr_periods, cpu_nr_throttled, cpu_throttled_usec;
	bool has_memory;
	uint64_t mem_current, mem_max, mem_peak;
	uint64_t swap_current, swap_max;
	struct cg_kv *mem_stat; /* memory.stat, in file order */
	size_t n_mem_stat;
	bool has_pids;
	uint64_t pids_current, pids_max;
	struct cg_io_stat *io;  /* io.stat, one per device */
	size_t n_io;
	/* memory.events */
	uint64_t ev_low, ev_high, ev_max, ev_oom, ev_oom_kill;
};

/* Fill st (zeroed first).  Files of controllers that are not enabled are
 * skipped; other read errors fail. */
int cg_group_stats(const struct cg_group *g, struct cg_stats *st, struct error *err);
void cg_stats_release(struct cg_stats *st);
/* memory.events oom and oom_kill counts (0 and 0 when the memory
 * controller is not enabled).  For the OOM event of `events`. */
int cg_group_oom(const struct cg_group *g, uint64_t *oom, uint64_t *oom_kill, struct error *err);

#endif
