/* namespaces/ internals shared between its files. */
#ifndef NOOK_NAMESPACES_INTERNAL_H
#define NOOK_NAMESPACES_INTERNAL_H

#include "namespaces/namespaces.h"

/* One mount's options, folded from ns_mount_option() over every option. */
struct ns_mount_opts {
	unsigned long set, clear;	  /* MS_* flags of the mount itself */
	unsigned long rec_set, rec_clear; /* MS_* flags applied recursively (rro, rnosuid, ...) */
	unsigned long propagation;	  /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE [| MS_REC] */
	char **data;			  /* filesystem options, in order */
	bool copyup;			  /* tmpcopyup */
};

/* Fold m->options into out.  Refused options (idmap, ridmap) fail with
 * a message naming the mount.  out->data must be released with strv_free. */
int ns_mount_opts_parse(const struct ns_mount *m, struct ns_mount_opts *out, struct error *err);

/* tmpcopyup: copy the tree of the directory src into the (still detached)
 * tmpfs mount tmpfs, owner, mode and times included; the root's too but
 * for what o's mode=, uid=, gid= set.  Nothing in src is followed (see
 * copyup.c); what names the mount. */
int ns_tmpfs_copyup(int src, int tmpfs, const struct ns_mount_opts *o, const char *what,
		    struct error *err);

/* Is path, ignoring repeated and trailing slashes, equal to want ("/dev")? */
bool ns_path_is(const char *path, const char *want);

/* Apply the mount-level flags of (set, clear) to the mount whose root fd
 * refers to, with mount_setattr(); recursive applies them to the whole
 * subtree.  Only flags named in set/clear are touched, so flags the kernel
 * locked in a user namespace are never cleared by omission; an explicit
 * clear of a locked flag is dropped (as runc keeps locked flags). */
int ns_mount_setattr(int fd, unsigned long set, unsigned long clear, bool recursive,
		     const char *what, struct error *err);
/* Set propagation (MS_* | MS_REC) on the mount at fd's root.  0 is a no-op. */
int ns_mount_propagate(int fd, unsigned long propagation, const char *what, struct error *err);
/* Clone the tree at dirfd/path (AT_EMPTY_PATH when path is ""), detached. */
int ns_tree_clone(int dirfd, const char *path, bool recursive, struct error *err);
/* Attach the detached mount tree onto the inode target refers to. */
int ns_tree_attach(int tree, int target, const char *what, struct error *err);

/* Default devices, r->devices, /dev symlinks and the console, in the rootfs
 * opened at rootfd (before pivot_root). */
int ns_devices_setup(const struct ns_rootfs *r, int rootfd, bool have_dev, bool have_proc,
		     struct error *err);

#endif
