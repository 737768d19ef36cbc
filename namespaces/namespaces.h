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
 * then calls ns_for_children_restore(*restore_fd, CLONE_NEWTIME) to switch
 * back.  Runs in the runtime. */
struct ns_time_offset {
	const char *clock; /* "monotonic" or "boottime" */
	int64_t secs;
	long nanosecs;
};
int ns_time_prepare(const struct ns_time_offset *offs, size_t n, int *restore_fd,
		    struct error *err);

/* ----------------------------------------------- spawning (runtime side) -- */
/* These run in the runtime process, around the clone of a container's
 * init or of an exec'd process (runtime/spawn.c orders them). */

/* clone3() with flags (CLONE_NEW*), born in the cgroup of cgroup_fd
 * (CLONE_INTO_CGROUP) unless it is -1, SIGCHLD on exit.  Returns 0 in the
 * child, its pid in the parent, -1 (errno) on failure.  The caller blocks
 * signals around it (the child must not run the parent's handlers). */
pid_t ns_clone(int flags, int cgroup_fd);
/* ns_clone into the pid namespace pidns_fd without switching the caller's
 * pid_for_children (which a rootless nook could not switch back): a
 * helper process joins it and clones with CLONE_PARENT, so the result is
 * the caller's child all the same.  Same returns as ns_clone. */
pid_t ns_clone_in_pidns(int pidns_fd, int flags, int cgroup_fd);
/* Open a namespace file (a /proc/PID/ns/X or a bind mount of one) that must
 * be of kind flag (checked with NS_GET_NSTYPE).  Returns an O_CLOEXEC fd. */
int ns_open_path(const char *path, int flag, struct error *err);
/* Open /proc/PID/ns/<flag's name>. */
int ns_open_pid(pid_t pid, int flag, struct error *err);
/* setns(fd, flag), the failure naming the namespace. */
int ns_enter(int fd, int flag, struct error *err);
/* Our next children are born in the pid namespace fd (we stay in ours):
 * *restore_fd gets our own pid_for_children namespace, for
 * ns_for_children_restore(*restore_fd, CLONE_NEWPID). */
int ns_pid_enter_for_children(int fd, int *restore_fd, struct error *err);
/* A network namespace has no switch for children: we enter fd ourselves
 * for one clone, and *restore_fd gets our own, for
 * ns_for_children_restore(*restore_fd, CLONE_NEWNET) right after. */
int ns_net_enter_for_clone(int fd, int *restore_fd, struct error *err);
/* Switch our children's pid or time namespace, or our own network one,
 * back to nook's own (flag CLONE_NEWPID, CLONE_NEWTIME or CLONE_NEWNET);
 * closes restore_fd; -1 is a no-op.  A failure must stop the caller:
 * every later child would be born inside the container's namespace.
 * NOOK_FAULT_FAIL=ns-pid-restore, ns-time-restore or ns-net-restore makes
 * it fail (tests). */
int ns_for_children_restore(int restore_fd, int flag, struct error *err);
/* A new network namespace with lo up, left at once: its fd (O_CLOEXEC),
 * or -1.  -2: the caller could not get back to its own namespace and
 * must not go on (it would make a network's host side in the new one). */
int ns_net_fresh(struct error *err);
/* unshare(flag) for one new namespace of the caller (the init makes its
 * cgroup namespace so, once clone3 has put it into its cgroup). */
int ns_unshare(int flag, struct error *err);
/* PR_SET_DUMPABLE 0: no process of the container can open our
 * /proc/PID/{exe,mem,fd} once we enter its namespaces. */
int ns_dumpable_clear(struct error *err);
/* PR_SET_PDEATHSIG: sig (0 = none) when our parent dies.  The kernel
 * clears it when our credentials change (e.g. setresuid in a new user
 * namespace).  Safe in the child after clone. */
int ns_parent_death_signal(int sig, struct error *err);
/* PR_SET_CHILD_SUBREAPER: orphans of the container are reparented to us. */
int ns_child_subreaper_set(struct error *err);
/* /proc/self/cmdline becomes args (len bytes: NUL-separated strings,
 * the last NUL-terminated) and, comm not NULL, /proc/self/comm comm.  The
 * old argument strings are overwritten in place first, so even when the
 * kernel refuses PR_SET_MM_MAP (an error is returned) they are gone.
 * procfd: a procfs directory (self/stat is read there). */
int ns_cmdline_replace(int procfd, const char *args, size_t len, const char *comm,
		       struct error *err);

/* ------------------------------------------------------ nook's binary -- */

/* nook's binary opened read-only through a private bind mount of it that
 * is read-only and attached nowhere (made in the caller's mount
 * namespace: call it before cloning into a new one), for ns_exe_detach;
 * -1 when the kernel cannot (no open_tree): the child then copies. */
int ns_exe_open(void);
/* Cut this process loose from nook's binary (CVE-2019-5736): replace
 * every mapping of it in place -- code and read-only data by the same
 * pages through file (from ns_exe_open, or -1), the rest by anonymous
 * copies -- and point /proc/self/exe at an empty sealed memfd, so that
 * nothing the container runs can reach, execute or write the host file.
 * For the child nook clones into a container, first thing after clone
 * (before any hook or exec), or for an engine monitor before it clones
 * one (it runs nothing of the container's itself): single-threaded,
 * before its capabilities are dropped (needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE in its user namespace).  The caller must not
 * write to nook's global data meanwhile (nothing does).  Allocates
 * through base's x*alloc helpers. */
int ns_exe_detach(int file, struct error *err);
/* Whether this process was cut loose by ns_exe_detach, itself or in the
 * parent it was forked from: its children need not be. */
bool ns_exe_detached(void);

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

/* A user namespace with these maps and nothing in it, for idmapped mounts
 * (namespaces/idmap.c): a child makes it, we write its maps (root only)
 * and keep its fd; the child is gone on return.  An O_CLOEXEC fd. */
int ns_userns_open_mapped(const struct ns_idmap *uids, size_t n_uids, const struct ns_idmap *gids,
			  size_t n_gids, struct error *err);

/* -------------------------------------------------------------- rootless -- */
/* namespaces/rootless.c: an ordinary user's nook, as root of its own user
 * namespace.  These run in the CLI process, before any command work. */

/* A subordinate id range of /etc/subuid or /etc/subgid. */
struct ns_subid {
	uint32_t start;
	uint32_t count; /* at most 65536 are used */
};
/* The first range of file for uid (by name or number): 0, or 1 when the
 * file or the entry is missing. */
int ns_subid_find(const char *file, uid_t uid, struct ns_subid *out, struct error *err);
/* The same for the entry of a name (a user that need not exist, as
 * podman's "containers"), its whole count. */
int ns_subid_find_name(const char *file, const char *name, struct ns_subid *out, struct error *err);
/* The rootless maps for uid/gid: itself to 0, its subordinate range to
 * 1..N (*n = 2).  Fails (one actionable line) when it has no range. */
int ns_rootless_maps(uid_t uid, gid_t gid, struct ns_idmap uids[2], struct ns_idmap gids[2],
		     size_t *n, struct error *err);
/* Write the maps of an unprivileged caller's child user namespace: the
 * caller's own id directly (setgroups denied), anything else through
 * newuidmap/newgidmap (their absence is a one-line error naming the
 * package). */
int ns_idmap_write_rootless(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
			    const struct ns_idmap *gids, size_t n_gids, struct error *err);
/* Join (or first create) the user and mount namespace that every rootless
 * command of state root run_dir shares, and become root in it.  A small
 * "pause" process holds them (pid in run_dir/pause.pid, created under
 * run_dir/pause.lock).  Must be called single-threaded.  Errors are one
 * actionable line: no subordinate ids, no newuidmap, user namespaces
 * restricted by the host. */
int ns_rootless_enter(const char *run_dir, struct error *err);
/* Create the directory path 0700 if missing, then check it is a directory
 * (not a symlink), ours, and closed to others: for a per-user directory
 * whose name others can guess (/tmp/nook-UID). */
int ns_rootless_dir(const char *path, struct error *err);
/* Bind the network namespace of pid onto a new file target (for pasta);
 * ns_netns_unbind undoes it (unmount, unlink; errors ignored). */
int ns_netns_bind(pid_t pid, const char *target, struct error *err);
void ns_netns_unbind(const char *target);

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
	/* No mount namespace of its own or joined: the container shares the
	 * runtime's.  Nothing is mounted (that would change the host's mount
	 * table); ns_rootfs_pivot only chroots into rootfs, as runc and crun
	 * do without one. */
	bool no_mntns;
	/* Host path of the container's own cgroup.  When set (no cgroup
	 * namespace of its own), a "cgroup" mount binds this directory instead
	 * of mounting the whole hierarchy, as runc does. */
	const char *cgroup_dir;
	/* A host with cgroup v1 hierarchies: a "cgroup" mount is a tmpfs
	 * holding each of these, as runc lays it out (n_cgroup_views 0: the
	 * cgroup2 mount above). */
	const struct ns_cgroup_view *cgroup_views;
	size_t n_cgroup_views;
	/* The container has a cgroup namespace (new or joined): the
	 * hierarchies are mounted afresh, rooted at its groups; without one
	 * the views' own_dir are bound instead. */
	bool cgroupns;
};

/* One hierarchy of a "cgroup" mount on a host with cgroup v1. */
struct ns_cgroup_view {
	const char *name;    /* directory under the mount ("cpu,cpuacct") */
	const char *options; /* of a fresh "cgroup" mount; NULL: cgroup2 */
	const char *own_dir; /* host path of the container's group in it */
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
/* Copy the tree of the directory src into the directory dst (a fresh
 * volume: docker copies the image's content there on first use), owner,
 * mode and times included, dst's own too.  Nothing in src is followed
 * (src is an image's content: untrusted); what names dst in messages. */
int ns_tree_copy(int src, int dst, const char *what, struct error *err);
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
 * Propagation of "/" is r->propagation, except that unbindable waits for
 * ns_rootfs_pivot (rprivate until then).  shared on "/" is applied here
 * and again after the pivot.  Mounts onto /proc sub-paths are refused but
 * for a short allow-list (lxcfs files), as runc's checkProcMount; onto
 * /proc itself only proc or a procfs root.
 * A bind with "ro" (nosuid, nodev, noexec) and rbind has it on every
 * submount too, not only the top one. */
int ns_rootfs_mount(const struct ns_rootfs *r, struct error *err);
/* pivot_root (or chroot with no_pivot or no_mntns) into r->rootfs; cwd
 * becomes "/".  rootfsPropagation shared/unbindable is applied to the new
 * root here, after the pivot (before it, an unbindable "/" would refuse the
 * bind of the rootfs and of every bind source), as runc does. */
int ns_rootfs_pivot(const struct ns_rootfs *r, struct error *err);
/* chroot into the directory dirfd refers to (a /proc/PID/root opened
 * O_PATH); cwd becomes "/".  For a process exec'd into a container that
 * has no mount namespace of its own (see no_mntns). */
int ns_chroot_fd(int dirfd, struct error *err);
/* After pivot: bind the pty slave (an open fd) onto /dev/console. */
int ns_console_bind(int slave_fd, struct error *err);
/* After pivot: masked paths, read-only paths, read-only root.  Missing
 * masked/read-only paths are skipped; a path through a /proc magic link
 * fails (ELOOP); masking needs /dev/null to be the real null device.
 * Read-only paths are read-only recursively (submounts included). */
int ns_rootfs_finish(const struct ns_rootfs *r, struct error *err);

/* ---------------------------------------------------------------- procfs -- */

/* The init's own procfs, for every /proc write it makes: a fresh proc
 * mount of the caller's pid namespace, detached (so no mount of the
 * config can cover any part of it); when the kernel refuses one, a clone
 * of the current /proc, or that /proc itself; either way checked to be a
 * procfs root.  Call it
 * after joining the container's namespaces and before the config's mounts.
 * Returns the fd (O_CLOEXEC). */
int ns_procfs_open(struct error *err);
/* Write value to path (relative, "sys/kernel/domainname") below the
 * procfs at procfd: no symlink, magic link, "..", or mount crossing. */
int ns_procfs_write(int procfd, const char *path, const char *value, struct error *err);
/* The same for a file of the calling process ("oom_score_adj"). */
int ns_procfs_write_self(int procfd, const char *file, const char *value, struct error *err);
/* Open what our fd refers to anew, with flags (the /proc/self/fd/N trick,
 * e.g. a FIFO held O_PATH opened for writing), through procfd: works with
 * no /proc in the container's root, and no mount of the config in the way. */
int ns_procfs_reopen(int procfd, int fd, int flags, struct error *err);
/* Set a sysctl ("kernel.domainname") through the procfs at procfd.  Only
 * writes; whether the key is namespaced is the caller's policy. */
int ns_sysctl_write(int procfd, const char *key, const char *value, struct error *err);
/* ------------------------------------------------ process environment -- */

/* Bring lo up in the caller's network namespace: call only in one the
 * container created. */
int ns_loopback_up(struct error *err);

/* process.scheduler, for sched_setattr(2) on the calling thread. */
struct ns_sched {
	uint32_t policy;   /* SCHED_* */
	int32_t nice;
	uint32_t priority;
	uint64_t flags;    /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period; /* ns, SCHED_DEADLINE */
};
int ns_sched_set(const struct ns_sched *s, struct error *err);
/* ioprio_set(2) on the calling process: class IOPRIO_CLASS_*, level 0-7. */
int ns_ioprio_set(int class, int level, struct error *err);

#endif
