/* The "tmpcopyup" mount option (runc, crun): a fresh tmpfs starts with a
 * copy of the directory it is about to cover, so a read-only container still
 * finds the image's files under a writable /run or /tmp.
 *
 * The source is the container's image: untrusted.  The copy runs before
 * pivot_root, where an absolute symlink would resolve on the host, so nothing
 * is ever followed: each entry is opened relative to its parent's fd with
 * O_NOFOLLOW, checked for its type on the opened fd, and symlinks are
 * recreated as symlinks.  The target is the detached tmpfs itself (reachable
 * only through our fd), so no other process can race the copy there.  Hard
 * links become separate files; extended attributes (file capabilities
 * included) are not copied, as with runc. */
#include "namespaces/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Deeper trees are refused rather than risking the stack. */
#define COPY_MAX_DEPTH 128

struct copy {
	const char *what; /* the mount destination, for messages */
	struct error *err;
};

static int copy_fail(const struct copy *c, const char *name)
{
	return error_sys(c->err, "cannot copy '%s' into the tmpfs on '%s'", name, c->what);
}

/* Owner, mode and times of st onto the new fd.  chown before chmod: chown
 * clears set-id bits. */
static int copy_meta(const struct copy *c, int fd, const struct stat *st, const char *name)
{
	const struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
	    futimens(fd, ts) < 0)
		return copy_fail(c, name);
	return 0;
}

static int copy_file(const struct copy *c, int src, int dst, const char *name)
{
	_cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct stat st;
	char buf[65536];
	ssize_t n;

	if (in < 0 || fstat(in, &st) < 0)
		return copy_fail(c, name);
	/* Swapped for something else since the directory was read. */
	if (!S_ISREG(st.st_mode))
		return errno = EINVAL, copy_fail(c, name);
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return copy_fail(c, name);
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) < 0)
			return copy_fail(c, name);
	}
	return copy_meta(c, out, &st, name);
}

static int copy_link(const struct copy *c, int src, int dst, const char *name,
		     const struct stat *st)
{
	char target[4096];
	ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

	if (n < 0)
		return copy_fail(c, name);
	target[n] = '\0';
	if (symlinkat(target, dst, name) < 0 ||
	    fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return copy_fail(c, name);
	return 0;
}

static int copy_node(const struct copy *c, int dst, const char *name, const struct stat *st)
{
	/* Devices and FIFOs are never opened; the name was just made in our
	 * private tmpfs, so the path-based calls cannot be redirected. */
	if (mknodat(dst, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0 ||
	    fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
		return copy_fail(c, name);
	return 0;
}

static int copy_dir(const struct copy *c, int src, int dst, int depth);

static int copy_subdir(const struct copy *c, int src, int dst, const char *name, int depth)
{
	_cleanup_close_ int in = -1, out = -1;
	struct stat st;

	in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return copy_fail(c, name);
	if (mkdirat(dst, name, 0700) < 0)
		return copy_fail(c, name);
	out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (out < 0)
		return copy_fail(c, name);
	if (copy_dir(c, in, out, depth + 1) < 0)
		return -1;
	return copy_meta(c, out, &st, name);
}

static int copy_dir(const struct copy *c, int src, int dst, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int fd;

	if (depth > COPY_MAX_DEPTH)
		return error_set(c->err, ELOOP,
				 "cannot copy into the tmpfs on '%s': more than %d levels", c->what,
				 COPY_MAX_DEPTH);
	fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return copy_fail(c, ".");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return copy_fail(c, ".");
	}
	while ((errno = 0, e = readdir(d))) {
		struct stat st;
		int r;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return copy_fail(c, e->d_name);
		switch (st.st_mode & S_IFMT) {
		case S_IFDIR:
			r = copy_subdir(c, fd, dst, e->d_name, depth);
			break;
		case S_IFREG:
			r = copy_file(c, fd, dst, e->d_name);
			break;
		case S_IFLNK:
			r = copy_link(c, fd, dst, e->d_name, &st);
			break;
		case S_IFCHR:
		case S_IFBLK:
		case S_IFIFO:
			r = copy_node(c, dst, e->d_name, &st);
			break;
		default:
			r = 0; /* sockets: meaningless without their listener */
		}
		if (r < 0)
			return -1;
	}
	if (errno)
		return copy_fail(c, ".");
	return 0;
}

/* Does the mount's data name this option ("mode=", "uid=")? */
static bool has_data(const struct ns_mount_opts *o, const char *prefix)
{
	for (char **d = o->data; d && *d; d++)
		if (!strncmp(*d, prefix, strlen(prefix)))
			return true;
	return false;
}

int ns_tmpfs_copyup(int src, int tmpfs, const struct ns_mount_opts *o, const char *what,
		    struct error *err)
{
	struct copy c = {.what = what, .err = err};
	_cleanup_close_ int in = -1, out = -1;
	struct stat st, now;

	in = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	out = openat(tmpfs, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in < 0 || out < 0 || fstat(in, &st) < 0 || fstat(out, &now) < 0)
		return copy_fail(&c, what);
	if (copy_dir(&c, in, out, 0) < 0)
		return -1;
	/* The tmpfs replaces the directory: it takes its owner and mode too
	 * (runc keeps the covered directory's mode), except what the mount's
	 * own mode=, uid=, gid= asked for. */
	if (has_data(o, "mode="))
		st.st_mode = now.st_mode;
	if (has_data(o, "uid="))
		st.st_uid = now.st_uid;
	if (has_data(o, "gid="))
		st.st_gid = now.st_gid;
	return copy_meta(&c, out, &st, what);
}

int ns_tree_copy(int src, int dst, const char *what, struct error *err)
{
	struct ns_mount_opts none = {0};

	return ns_tmpfs_copyup(src, dst, &none, what, err);
}
