/* `cp`: files between the host and an engine container.
 *
 * The container's side is hostile: its processes can plant symlinks,
 * swap a file for a directory or a device node while we copy.  So every
 * path of the container is resolved inside its root (openat2
 * RESOLVE_IN_ROOT: "..", absolute and climbing symlinks stay in it), and
 * below that the copy walks by directory fds, never following a symlink
 * (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW).  A file is opened as O_PATH, checked
 * to be a regular file on that very fd, and only then reopened for
 * reading: a device node swapped in is never opened on the host.  A file
 * is written under a temporary name and renamed into place, so a failed
 * copy leaves no half-written file and an entry planted at the name
 * (a symlink) is replaced, not followed. */
#include "runtime/internal.h"
#include "image/image.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Deeper trees are refused (each level holds two fds). */
#define CP_MAX_DEPTH 128

struct cp {
	bool to_ctr;	     /* the destination is the container's */
	struct img_tar *tar; /* set: the destination is this tar stream */
	int depth;
};

static int copy_entry(struct cp *cp, int sdir, const char *sname, int ddir, const char *dname,
		      struct error *err);

/* The open file of an O_PATH fd, for reading (same inode). */
static int reopen(int pathfd, int flags, struct error *err)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", pathfd);
	fd = open(p, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_sys(err, "cannot open a file to copy");
	return fd;
}

/* Copy the regular file src (an fd open for reading) to dname in ddir:
 * written as a temporary file there, renamed over dname last. */
static int copy_file(struct cp *cp, int src, const struct stat *st, int ddir, const char *dname,
		     struct error *err)
{
	char tmp[64];
	_cleanup_close_ int dst = -1;
	mode_t mode = st->st_mode & 07777;
	char buf[65536];

	/* A set-id file of the container stays a plain file on the host:
	 * a setuid-root program there would be the container's way to root
	 * on the host. */
	if (!cp->to_ctr)
		mode &= (mode_t) ~(S_ISUID | S_ISGID);
	for (unsigned i = 0;; i++) {
		snprintf(tmp, sizeof(tmp), ".nook-cp-%d-%u", (int)getpid(), i);
		dst = openat(ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (dst >= 0)
			break;
		if (errno != EEXIST || i > 100)
			return error_sys(err, "cannot create a file beside '%s'", dname);
	}
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_sys(err, "cannot read '%s'", dname);
			goto fail;
		}
		if (n == 0)
			break;
		if (write_all(dst, buf, (size_t)n) < 0) {
			error_sys(err, "cannot write '%s'", dname);
			goto fail;
		}
	}
	if (fchmod(dst, mode) < 0 || renameat(ddir, tmp, ddir, dname) < 0) {
		error_sys(err, "cannot write '%s'", dname);
		goto fail;
	}
	return 0;
fail:
	unlinkat(ddir, tmp, 0);
	return -1;
}

/* The directory sfd (open for reading; taken over) and what it holds
 * into the tar stream, named dname and dname/... */
static int tar_dir(struct cp *cp, int sfd, const struct stat *st, const char *dname,
		   struct error *err)
{
	_cleanup_closedir_ DIR *d = fdopendir(sfd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		error_sys(err, "cannot read directory '%s'", dname);
		close(sfd);
		return -1;
	}
	if (img_tar_add(cp->tar, dname, st, NULL, -1, err) < 0)
		return -1;
	cp->depth++;
	while (r == 0 && (e = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		child = xasprintf("%s/%s", dname, e->d_name);
		r = copy_entry(cp, dirfd(d), e->d_name, -1, child, err);
	}
	cp->depth--;
	return r;
}

/* Copy the directory sfd (open for reading) into dname under ddir,
 * made when missing. */
static int copy_dir(struct cp *cp, int sfd, const struct stat *st, int ddir, const char *dname,
		    struct error *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r = 0;

	if (cp->depth >= CP_MAX_DEPTH) {
		close(sfd);
		return error_set(err, ELOOP, "'%s': directories nested deeper than %d", dname,
				 CP_MAX_DEPTH);
	}
	if (cp->tar)
		return tar_dir(cp, sfd, st, dname, err);
	if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create directory '%s'", dname);
	/* O_NOFOLLOW: a symlink raced in at the name is not entered. */
	dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_sys(err, "cannot open directory '%s'", dname);
	d = fdopendir(sfd);
	if (!d) {
		error_sys(err, "cannot read directory '%s'", dname);
		close(sfd);
		return -1;
	}
	cp->depth++;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((r = copy_entry(cp, dirfd(d), e->d_name, dfd, e->d_name, err)) < 0)
			break;
	}
	cp->depth--;
	if (r == 0 && fchmod(dfd, st->st_mode & 0777) < 0)
		return error_sys(err, "cannot set the mode of '%s'", dname);
	return r;
}

/* Copy sname of sdir (or sdir itself when sname is NULL: an O_PATH fd)
 * to dname of ddir, without following a symlink at either end. */
static int copy_entry(struct cp *cp, int sdir, const char *sname, int ddir, const char *dname,
		      struct error *err)
{
	_cleanup_close_ int pfd = -1, fd = -1;
	struct stat st;

	pfd = sname ? openat(sdir, sname, O_PATH | O_NOFOLLOW | O_CLOEXEC)
		    : fcntl(sdir, F_DUPFD_CLOEXEC, 3);
	if (pfd < 0 || fstat(pfd, &st) < 0)
		return error_sys(err, "cannot open '%s'", sname ? sname : dname);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(pfd, "", target, sizeof(target) - 1);

		if (n < 0)
			return error_sys(err, "cannot read symlink '%s'", dname);
		target[n] = '\0';
		/* Copied as the link it is; never followed here. */
		if (cp->tar)
			return img_tar_add(cp->tar, dname, &st, target, -1, err);
		if (unlinkat(ddir, dname, 0) < 0 && errno != ENOENT && errno != EISDIR)
			return error_sys(err, "cannot replace '%s'", dname);
		if (symlinkat(target, ddir, dname) < 0)
			return error_sys(err, "cannot create symlink '%s'", dname);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = reopen(pfd, O_RDONLY | O_DIRECTORY, err);
		if (fd < 0)
			return -1;
		return copy_dir(cp, steal_fd(&fd), &st, ddir, dname, err);
	}
	/* Out of the container, set-id bits are dropped, in a tar too: who
	 * extracts it as root would get the container's setuid program. */
	if (cp->tar && !cp->to_ctr)
		st.st_mode &= (mode_t) ~(S_ISUID | S_ISGID);
	/* A device node or fifo goes into a tar as its header: never
	 * opened. */
	if (cp->tar && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)))
		return img_tar_add(cp->tar, dname, &st, NULL, -1, err);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL,
				 "'%s' is not a regular file, directory or symlink: not copied",
				 dname);
	fd = reopen(pfd, O_RDONLY, err);
	if (fd < 0)
		return -1;
	if (cp->tar)
		return img_tar_add(cp->tar, dname, &st, NULL, fd, err);
	return copy_file(cp, fd, &st, ddir, dname, err);
}

/* The root of c as its processes see it (running: with its mounts), or
 * the bundle's root. */
static int ctr_root(const struct img_ctr *c, struct error *err)
{
	_cleanup_free_ char *p = NULL;
	int fd;

	if (rt_engine_status(c) == RT_ENGINE_RUNNING)
		p = xasprintf("/proc/%d/root", (int)c->pid);
	else
		p = xasprintf("%s/rootfs", c->dir);
	fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open the root of container %s", c->name);
	return fd;
}

/* Split p (modified: trailing slashes dropped) into its last name,
 * returned (a pointer into p; "" for "/"), and *parent (allocated). */
static char *split(char *p, char **parent)
{
	size_t n = strlen(p);
	char *slash;

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	slash = strrchr(p, '/');
	if (!slash) {
		*parent = xstrdup(".");
		return p;
	}
	*parent = slash == p ? xstrdup("/") : xstrndup(p, (size_t)(slash - p));
	return slash + 1;
}

static int dir_open(int rootfd, const char *path, struct error *err)
{
	int fd;

	if (rootfd >= 0)
		return open_in_root(rootfd, path, O_PATH | O_DIRECTORY, ROOT_CREATE_NONE, err);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? error_sys(err, "cannot open directory '%s'", path) : fd;
}

/* The destination directory: path itself when it is one (the copy keeps
 * the source's name, src_name), else path's parent (the copy is named
 * after path's last name).  rootfd >= 0: resolved inside it.  *name may
 * point into *keep (the caller frees it). */
static int dest_open(int rootfd, const char *path, const char *src_name, char **keep,
		     const char **name, struct error *err)
{
	_cleanup_free_ char *parent = NULL;
	struct error e;
	int fd = dir_open(rootfd, path, &e);

	if (fd >= 0) {
		*name = src_name;
		return fd;
	}
	*keep = xstrdup(path);
	*name = split(*keep, &parent);
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return error_set(err, EINVAL, "'%s': not a name to copy to", path);
	fd = dir_open(rootfd, parent, err);
	return fd < 0 ? error_prefix(err, "destination '%s'", path) : fd;
}

/* The root of the container ref names (ctr_root), which must be
 * completely created. */
static int ref_root(struct img_store *s, const char *ref, struct error *err)
{
	struct img_ctr c;
	int fd;

	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	if (!c.ready) {
		error_set(err, EINVAL, "container %s is not completely created", ref);
		img_ctr_release(&c);
		return -1;
	}
	fd = ctr_root(&c, err);
	img_ctr_release(&c);
	return fd;
}

/* The name the copy of path gets: its last one ("root" for "/"). */
static const char *src_name(const char *path, char **keep)
{
	_cleanup_free_ char *parent = NULL;
	const char *name;

	*keep = xstrdup(path);
	name = split(*keep, &parent);
	return !*name || !strcmp(name, ".") || !strcmp(name, "..") ? "root" : name;
}

int rt_engine_cp(struct img_store *s, const char *ref, const char *ctr_path, const char *host_path,
		 bool to_ctr, struct error *err)
{
	_cleanup_close_ int rootfd = -1, src = -1, ddir = -1;
	_cleanup_free_ char *kb = NULL, *kd = NULL;
	const char *src_path = to_ctr ? host_path : ctr_path;
	const char *dst_path = to_ctr ? ctr_path : host_path;
	const char *sname, *dname;
	struct cp cp = {.to_ctr = to_ctr};

	if (!*ctr_path || !*host_path)
		return error_set(err, EINVAL, "cp: empty path");
	rootfd = ref_root(s, ref, err);
	if (rootfd < 0)
		return -1;
	/* The source itself, not what a symlink there points to (docker
	 * cp without -L). */
	src = to_ctr ? open(src_path, O_PATH | O_NOFOLLOW | O_CLOEXEC)
		     : open_in_root(rootfd, src_path, O_PATH | O_NOFOLLOW, ROOT_CREATE_NONE, err);
	if (src < 0)
		return to_ctr ? error_sys(err, "cannot open '%s'", src_path)
			      : error_prefix(err, "in the container");
	sname = src_name(src_path, &kb);
	ddir = dest_open(to_ctr ? rootfd : -1, dst_path, sname, &kd, &dname, err);
	if (ddir < 0)
		return to_ctr ? error_prefix(err, "in the container") : -1;
	return copy_entry(&cp, src, NULL, ddir, dname, err);
}

int rt_engine_cp_tar(struct img_store *s, const char *ref, const char *ctr_path, bool to_ctr,
		     int fd, struct error *err)
{
	_cleanup_close_ int rootfd = -1, target = -1;
	_cleanup_free_ char *keep = NULL;
	struct cp cp = {.to_ctr = to_ctr};
	int r;

	if (!*ctr_path)
		return error_set(err, EINVAL, "cp: empty path");
	rootfd = ref_root(s, ref, err);
	if (rootfd < 0)
		return -1;
	if (to_ctr) {
		/* A directory that exists, as docker wants it; what the
		 * stream holds is made inside it and nowhere else
		 * (img_tar_extract resolves every name in it). */
		target =
		    open_in_root(rootfd, ctr_path, O_RDONLY | O_DIRECTORY, ROOT_CREATE_NONE, err);
		if (target < 0)
			return error_prefix(err, "in the container");
		return img_tar_extract(fd, target, err) < 0
			   ? error_prefix(err, "cannot extract into '%s'", ctr_path)
			   : 0;
	}
	/* The path itself, not what a symlink there points to. */
	target = open_in_root(rootfd, ctr_path, O_PATH | O_NOFOLLOW, ROOT_CREATE_NONE, err);
	if (target < 0)
		return error_prefix(err, "in the container");
	if (!(cp.tar = img_tar_new(fd, err)))
		return -1;
	r = copy_entry(&cp, target, NULL, -1, src_name(ctr_path, &keep), err);
	if (r == 0)
		r = img_tar_close(cp.tar, err);
	img_tar_free(cp.tar);
	return r;
}
