/* Entering the rootfs (pivot_root) and the steps that need it entered:
 * masked paths, read-only paths, read-only root. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

/* rootfsPropagation values that apply only once the root is in place. */
static int root_propagate(const struct ns_rootfs *r, struct error *err)
{
	if (!(r->propagation & (MS_SHARED | MS_UNBINDABLE)))
		return 0;
	if (mount(NULL, "/", NULL, r->propagation, NULL) < 0)
		return error_sys(err, "cannot set propagation of the root");
	return 0;
}

int ns_rootfs_pivot(const struct ns_rootfs *r, struct error *err)
{
	_cleanup_close_ int oldroot = -1, newroot = -1;

	if (r->no_mntns) {
		/* The runtime's own mount namespace: no MS_MOVE, no pivot, which
		 * would change the host's mount table.  A chroot keeps the
		 * container's paths inside its root. */
		if (chroot(r->rootfs) < 0)
			return error_sys(err, "cannot chroot into '%s'", r->rootfs);
		if (chdir("/") < 0)
			return error_sys(err, "cannot chdir to '/'");
		return 0;
	}

	newroot = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return error_sys(err, "cannot open rootfs '%s'", r->rootfs);
	if (fchdir(newroot) < 0)
		return error_sys(err, "cannot chdir to rootfs '%s'", r->rootfs);

	if (r->no_pivot) {
		/* Weaker than pivot_root: the old root stays reachable by a
		 * process that can chroot again (CAP_SYS_CHROOT).  Only for
		 * roots that cannot be pivoted (an initramfs). */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return error_sys(err, "cannot move rootfs onto '/'");
		if (chroot(".") < 0)
			return error_sys(err, "cannot chroot into rootfs");
		if (chdir("/") < 0)
			return error_sys(err, "cannot chdir to '/'");
		return root_propagate(r, err);
	}

	oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return error_sys(err, "cannot open old root");
	/* pivot_root(".", ".") stacks the old root on top of the new one, so no
	 * directory inside the container is needed to hold it (a writable
	 * put_old would be a way back to the host). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return error_sys(err, "cannot pivot_root into '%s'", r->rootfs);
	if (fchdir(oldroot) < 0)
		return error_sys(err, "cannot chdir to old root");
	/* Make the old root a slave before detaching it, so the unmount does
	 * not propagate to the host's mounts when "/" was shared. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return error_sys(err, "cannot make old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return error_sys(err, "cannot detach old root");
	if (chdir("/") < 0)
		return error_sys(err, "cannot chdir to '/'");
	return root_propagate(r, err);
}

int ns_chroot_fd(int dirfd, struct error *err)
{
	if (fchdir(dirfd) < 0 || chroot(".") < 0)
		return error_sys(err, "cannot chroot into the container's root");
	if (chdir("/") < 0)
		return error_sys(err, "cannot chdir to '/'");
	return 0;
}

/* Missing masked/read-only paths are skipped, as runc does: the defaults
 * list paths (/proc/acpi, /sys/firmware) that not every kernel has. */
static bool is_missing(const struct error *err)
{
	return err->code == ENOENT || err->code == ENOTDIR;
}

/* open_in_root(O_PATH) of a masked or read-only path: 0 with *fd = -1 when
 * it does not exist. */
static int open_if_present(int rootfd, const char *path, int *fd, struct error *err)
{
	*fd = open_in_root(rootfd, path, O_PATH, ROOT_CREATE_NONE, err);
	if (*fd >= 0)
		return 0;
	if (!is_missing(err))
		return -1;
	error_clear(err);
	return 0;
}

static int mask_path(int rootfd, int nullfd, const char *path, struct error *err)
{
	_cleanup_close_ int fd = -1, mfd = -1, fsfd = -1;
	struct stat st;

	if (open_if_present(rootfd, path, &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return error_sys(err, "cannot stat masked path '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		/* An empty read-only tmpfs hides the directory's entries (runc
		 * does the same); read-only, so it cannot be filled either. */
		fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return error_sys(err, "cannot create tmpfs to mask '%s'", path);
		mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
			      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				  MOUNT_ATTR_NOEXEC);
		if (mfd < 0)
			return error_sys(err, "cannot mount tmpfs to mask '%s'", path);
	} else {
		mfd = ns_tree_clone(nullfd, "", false, err);
		if (mfd < 0)
			return error_prefix(err, "cannot mask '%s'", path);
	}
	return ns_tree_attach(mfd, fd, path, err);
}

static int readonly_path(int rootfd, const char *path, struct error *err)
{
	_cleanup_close_ int fd = -1, tree = -1;

	if (open_if_present(rootfd, path, &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;
	/* Bind onto itself, then read-only for the whole subtree (runc's
	 * remount only reaches the top mount: /proc/sys/fs/binfmt_misc below
	 * /proc/sys would stay writable).  Only RDONLY is set; the other
	 * flags, locked or not, stay as they are. */
	tree = ns_tree_clone(fd, "", true, err);
	if (tree < 0)
		return error_prefix(err, "cannot make '%s' read-only", path);
	if (ns_mount_setattr(tree, MS_RDONLY, 0, true, path, err) < 0)
		return -1;
	return ns_tree_attach(tree, fd, path, err);
}

/* The container's /dev/null masks files; check it really is the null
 * device, or an image shipping a regular file there would put its own
 * contents over /proc/kcore and friends. */
static int open_null(int rootfd, struct error *err)
{
	_cleanup_close_ int fd = open_in_root(rootfd, "/dev/null", O_PATH, ROOT_CREATE_NONE, err);
	struct stat st;

	if (fd < 0)
		return error_prefix(err, "cannot mask paths");
	if (fstat(fd, &st) < 0)
		return error_sys(err, "cannot stat /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return error_set(err, EINVAL,
				 "cannot mask paths: /dev/null is not the null device");
	return steal_fd(&fd);
}

int ns_rootfs_finish(const struct ns_rootfs *r, struct error *err)
{
	_cleanup_close_ int rootfd = -1, nullfd = -1;

	/* After pivot_root "/" is the container root; resolving in it still
	 * matters for RESOLVE_NO_MAGICLINKS: a masked path through
	 * /proc/self/root or /proc/1/cwd must not be followed. */
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_sys(err, "cannot open '/'");
	for (char *const *p = r->masked_paths; p && *p; p++) {
		if (nullfd < 0) {
			nullfd = open_null(rootfd, err);
			if (nullfd < 0)
				return -1;
		}
		if (mask_path(rootfd, nullfd, *p, err) < 0)
			return -1;
	}
	for (char *const *p = r->readonly_paths; p && *p; p++)
		if (readonly_path(rootfd, *p, err) < 0)
			return -1;
	/* The root mount only (like runc): mounts on top keep their own flags.
	 * Setting RDONLY alone leaves every other, possibly locked, flag. */
	if (r->readonly && ns_mount_setattr(rootfd, MS_RDONLY, 0, false, "/", err) < 0)
		return -1;
	return 0;
}
