/* Mount attributes through the new mount API: clone, set flags, attach.
 *
 * Why not mount(2) + MS_REMOUNT: after mounting onto /proc/self/fd/N, the
 * fd still names the covered directory, not the new mount, so a remount
 * would need the destination resolved a second time — a window in which a
 * path inside the container's rootfs could be swapped.  With open_tree()/
 * fsmount() the new mount has an fd of its own: its flags are set while it
 * is still detached (never visible with the wrong flags), it is attached
 * onto the exact inode open_in_root() resolved, and its propagation is set
 * through the same fd afterwards. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const struct {
	unsigned long ms;
	uint64_t attr;
} ms_attr[] = {
    {MS_RDONLY, MOUNT_ATTR_RDONLY},	    {MS_NOSUID, MOUNT_ATTR_NOSUID},
    {MS_NODEV, MOUNT_ATTR_NODEV},	    {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
    {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
};

#define MS_ATIME_ANY (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static void to_attr(unsigned long set, unsigned long clear, struct mount_attr *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(ms_attr); i++) {
		if (set & ms_attr[i].ms)
			a->attr_set |= ms_attr[i].attr;
		else if (clear & ms_attr[i].ms)
			a->attr_clr |= ms_attr[i].attr;
	}
	/* atime is one three-valued field: change it only when asked. */
	if ((set | clear) & MS_ATIME_ANY) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			a->attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME || clear & MS_RELATIME)
			a->attr_set |= MOUNT_ATTR_STRICTATIME;
		else
			a->attr_set |= MOUNT_ATTR_RELATIME;
	}
}

/* The flags the mount at fd carries now, as MOUNT_ATTR_* (atime included). */
static uint64_t current_attr(int fd)
{
	static const struct {
		unsigned long st;
		uint64_t attr;
	} st_attr[] = {
	    {ST_RDONLY, MOUNT_ATTR_RDONLY},	    {ST_NOSUID, MOUNT_ATTR_NOSUID},
	    {ST_NODEV, MOUNT_ATTR_NODEV},	    {ST_NOEXEC, MOUNT_ATTR_NOEXEC},
	    {ST_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {ST_NOATIME, MOUNT_ATTR_NOATIME},
	    {ST_RELATIME, MOUNT_ATTR_RELATIME},
	};
	struct statvfs sv;
	uint64_t a = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(st_attr); i++)
		if (sv.f_flag & st_attr[i].st)
			a |= st_attr[i].attr;
	if (!(sv.f_flag & (ST_NOATIME | ST_RELATIME)))
		a |= MOUNT_ATTR_STRICTATIME;
	return a;
}

int ns_mount_setattr(int fd, unsigned long set, unsigned long clear, bool recursive,
		     const char *what, struct error *err)
{
	struct mount_attr a = {0};
	unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);

	to_attr(set, clear, &a);
	if (!a.attr_set && !a.attr_clr)
		return 0;
	if (mount_setattr(fd, "", flags, &a, sizeof(a)) == 0)
		return 0;
	if (errno != EPERM)
		return error_sys(err, "cannot set mount flags of '%s'", what);
	/* In a user namespace the kernel locks ro/nosuid/nodev/noexec/atime of
	 * mounts inherited from a more privileged namespace, and clearing them
	 * fails.  Setting is always allowed, so keep what the mount already
	 * has (runc does the same with statfs flags) and retry: the container
	 * gets at least the restrictions it asked for, never fewer than the
	 * host imposed. */
	uint64_t cur = current_attr(fd);

	a.attr_clr &= ~(cur & ~MOUNT_ATTR__ATIME);
	if (a.attr_clr & MOUNT_ATTR__ATIME &&
	    (a.attr_set & MOUNT_ATTR__ATIME) != (cur & MOUNT_ATTR__ATIME)) {
		a.attr_clr &= ~MOUNT_ATTR__ATIME;
		a.attr_set &= ~MOUNT_ATTR__ATIME;
	}
	if ((!a.attr_set && !a.attr_clr) || mount_setattr(fd, "", flags, &a, sizeof(a)) == 0)
		return 0;
	return error_sys(err, "cannot set mount flags of '%s'", what);
}

int ns_mount_propagate(int fd, unsigned long propagation, const char *what, struct error *err)
{
	struct mount_attr a = {.propagation = propagation & ~MS_REC};
	unsigned int flags = AT_EMPTY_PATH | (propagation & MS_REC ? AT_RECURSIVE : 0);

	if (!a.propagation)
		return 0;
	if (mount_setattr(fd, "", flags, &a, sizeof(a)) < 0)
		return error_sys(err, "cannot set propagation of '%s'", what);
	return 0;
}

int ns_tree_clone(int dirfd, const char *path, bool recursive, struct error *err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int fd;

	if (!*path)
		flags |= AT_EMPTY_PATH;
	fd = open_tree(dirfd, path, flags);
	if (fd < 0)
		return error_sys(err, "cannot clone mount tree of '%s'", *path ? path : "(fd)");
	return fd;
}

int ns_tree_attach(int tree, int target, const char *what, struct error *err)
{
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return error_sys(err, "cannot attach mount on '%s'", what);
	return 0;
}
