/* namespaces: the mechanisms that give a process its own view of the
 * system — namespace creation and joining, user-namespace id maps, and the
 * container's root filesystem (mounts, devices, masked and read-only paths,
 * pivot_root).  Policy (which namespaces, which mounts) comes from the
 * caller.  Unless noted, functions run in the container's init process
 * after clone(), before exec, single-threaded: they allocate only through
 * base's x*alloc helpers and report failures through struct error. */
#ifndef NOOK_NAMESPACES_H
#define NOOK_NAMESPACES_H

#include "base/base.h"

#include <sched.h>

/* ------------------------------------------------------- namespace table -- */

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* OCI name ("pid", "network", "mount", "ipc", "uts", "user", "cgroup",
 * "time") -> CLONE_NEW* flag; 0 if unknown. */
int ns_flag_from_name(const char *name);
/* CLONE_NEW* -> OCI name / /proc/PID/ns/ file name ("net", "mnt", ...). */
const char *ns_name_from_flag(int flag);
const char *ns_proc_name(int flag);
/* Every flag the table knows, in the order namespaces must be joined:
 * user first (it grants the rights to join the others), mount last. */
extern const int ns_join_order[];
extern const size_t ns_join_order_len;

/* Join the namespace at path (a /proc/PID/ns/X file or a bind mount of one)
 * of kind flag.  Checks the file is a namespace of that kind. */
int ns_join(const char *path, int flag, struct error *err);

/* A new time namespace with clock offsets, for our next child only:
 * unshare(CLONE_NEWTIME) makes it our children's, the offsets are written
 * before anyone enters it.  The caller clones (without CLONE_NEWTIME),
 * then calls ns_time_restore(*restore_fd) to switch back. */
struct ns_time_offset {
	const char *clock; /* "monotonic" or "boottime" */
	int64_t secs;
	long nanosecs;
};
int ns_time_prepare(const struct ns_time_offset *offs, size_t n, int *restore_fd,
		    struct error *err);
int ns_time_restore(int restore_fd);

/* ------------------------------------------------------ nook's binary -- */

/* Cut this process loose from nook's binary (CVE-2019-5736): replace
 * every mapping of it with an anonymous copy in place and point
 * /proc/self/exe at an empty sealed memfd, so that nothing the container
 * runs can reach, execute or write the host file.  For the child nook
 * clones into a container, first thing after clone (before any hook or
 * exec), single-threaded, before its capabilities are dropped (needs
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in its user namespace).  The
 * caller must not write to nook's global data meanwhile (nothing does).
 * Allocates through base's x*alloc helpers. */
int ns_exe_detach(struct error *err);

/* --------------------------------------------------------------- id maps -- */

struct ns_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* Write /proc/PID/uid_map and gid_map (runs in the parent, after clone).
 * When deny_setgroups, "deny" is written to /proc/PID/setgroups first (as
 * an unprivileged writer must). */
int ns_idmap_write(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
		   const struct ns_idmap *gids, size_t n_gids, bool deny_setgroups,
		   struct error *err);

/* ----------------------------------------------------------------- rootfs -- */

struct ns_mount {
	char *destination; /* absolute path inside the container */
	char *type;        /* "bind", "proc", "tmpfs", ... or NULL (bind if options say so) */
	char *source;
	char **options;    /* OCI mount options as given: "ro", "rbind", "mode=755", ... */
};

struct ns_device {
	char *path;        /* inside the container, e.g. /dev/fuse */
	char type;         /* 'c', 'b', 'u' (unbuffered char) or 'p' (fifo) */
	int64_t major, minor;
	bool has_mode;
	mode_t mode;       /* permission bits */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct ns_rootfs {
	const char *rootfs;          /* absolute host path of the root */
	bool readonly;               /* root.readonly */
	unsigned long propagation;   /* rootfsPropagation as MS_* flags; 0 = MS_REC|MS_PRIVATE */
	const struct ns_mount *mounts;
	size_t n_mounts;
	const struct ns_device *devices; /* linux.devices, made besides the defaults */
	size_t n_devices;
	bool userns;                 /* in a new user namespace: bind host devices, no mknod */
	char *const *masked_paths;   /* NULL-terminated or NULL */
	char *const *readonly_paths; /* NULL-terminated or NULL */
	int console_fd;              /* pty slave to bind on /dev/console, or -1 */
	bool no_pivot;               /* MS_MOVE + chroot instead of pivot_root */
	/* Host path of the container's own cgroup.  When set (no cgroup
	 * namespace of its own), a "cgroup" mount binds this directory instead
	 * of mounting the whole hierarchy, as runc does. */
	const char *cgroup_dir;
};

/* Translate one OCI mount option into flags.  Returns 0 if known (and
 * fills the out values), 1 if it is filesystem data to pass as-is.
 * set/clear are MS_* flags; *recursive is true for runc's recursive
 * attributes (rro, rnosuid, ...), whose set/clear apply to the whole
 * subtree with mount_setattr(AT_RECURSIVE); propagation is MS_SHARED,
 * MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, | MS_REC for the r- forms; rbind
 * is set = MS_BIND|MS_REC.  Every out value is zeroed first.  Returns -1
 * (errno EOPNOTSUPP) for options nook knows but refuses: idmap, ridmap.
 * tmpcopyup is known and sets no flag. */
int ns_mount_option(const char *opt, unsigned long *set, unsigned long *clear,
		    unsigned long *propagation, bool *recursive);

/* In the container's new mount namespace, before pivot_root: make the
 * rootfs a private mount point, perform every mount (each destination
 * resolved inside the rootfs; see open_in_root), create the default
 * devices and /dev symlinks plus r->devices, bind the console.
 * As in runc, devices and /dev symlinks are made only when r->mounts
 * mounts /dev; /dev/core only when it mounts proc on /proc.  proc and
 * sysfs are refused on a destination reached through a symlink.  Mount
 * options "idmap", "ridmap" fail with EOPNOTSUPP; "tmpcopyup" (tmpfs only)
 * fills the tmpfs with a copy of the directory it covers.
 * r->propagation MS_SHARED on "/" makes pivot_root fail (not handled). */
int ns_rootfs_mount(const struct ns_rootfs *r, struct error *err);
/* pivot_root (or chroot with no_pivot) into r->rootfs; cwd becomes "/". */
int ns_rootfs_pivot(const struct ns_rootfs *r, struct error *err);
/* After pivot: bind the pty slave (an open fd) onto /dev/console. */
int ns_console_bind(int slave_fd, struct error *err);
/* After pivot: masked paths, read-only paths, read-only root.  Missing
 * masked/read-only paths are skipped; a path through a /proc magic link
 * fails (ELOOP); masking needs /dev/null to be the real null device.
 * Read-only paths are read-only recursively (submounts included). */
int ns_rootfs_finish(const struct ns_rootfs *r, struct error *err);

#endif
