/* overlayfs: stacked container roots.  Not safe after clone() in a child
 * (allocates). */
#ifndef NOOK_OVERLAYFS_H
#define NOOK_OVERLAYFS_H

#include "base/base.h"

struct ovl_opts {
	char *const *lower; /* absolute paths, top layer first */
	const char *upper;  /* NULL: read-only view */
	const char *work;   /* with upper */
	const char *empty;  /* an empty dir, used as a second layer when a
			     * read-only view has only one (overlayfs needs two) */
	bool scratch;       /* the upper is thrown away after one use: overlayfs's
			     * "volatile", which never syncs it, not even at
			     * unmount, and refuses to mount it again after a
			     * crash of the host */
	bool idmap;	    /* the lower layers are seen through idmapped
			     * mounts of userns_fd's map (--userns=auto;
			     * root only, Linux 6.8+ for the new mount API) */
	int userns_fd;
};

/* Mount an overlay on target.  Uses the new mount API (fsopen("overlay"),
 * one "lowerdir+" per layer, so any number of layers fits) and falls back
 * to mount(2) with a lowerdir= string on kernels without it (or when
 * $NOOK_OVL_LEGACY is set); when that string would not fit a page, the
 * layers are named by O_PATH fds from inside /proc/self/fd, which briefly
 * changes the process's cwd: do not call it while other threads use
 * relative paths. */
int ovl_mount(const struct ovl_opts *o, const char *target, struct error *err);
/* Unmount target (lazily if busy). */
int ovl_unmount(const char *target, struct error *err);
/* Whether target is the root of a mount. */
bool ovl_is_mounted(const char *target);

#endif
