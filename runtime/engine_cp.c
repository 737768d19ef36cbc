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
 * (a symlink) is replaced, not followed.
 *
 * Ownership as docker's (its code, not its manual): into a container,
 * what is made keeps the source's uid and gid, taken as the container's
 * ids (mapped through its user namespace when it has one); with -a, when
 * the container has a user (-u or the image's User), everything belongs
 * to that user instead.  Out of a container, files belong to who runs
 * nook, -a or not; a tar stream carries the container's ids.  (podman's
 * cp differs: its -a is on by default, and gives everything copied in the
 * container's user, root when it has none.) */
#include "runtime/internal.h"
#include "image/image.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Deeper trees are refused (each level holds two fds). */
#define CP_MAX_DEPTH 128

/* Ids of the container as ids of nook's namespace and back: its user
 * namespace's mappings (none: the same ids). */
struct cp_ids {
	struct ns_idmap *uids, *gids;
	size_t n_uids, n_gids;
};

struct cp {
	bool to_ctr;	     /* the destination is the container's */
	struct img_tar *tar; /* set: the destination is this tar stream */
	int depth;
	const struct cp_ids *ids;
	bool fixed; /* to_ctr: everything owned by uid:gid (nook's ids) */
	uid_t uid;
	gid_t gid;
};

static int copy_entry(struct cp *cp, int sdir, const char *sname, int ddir, const char *dname,
		      struct error *err);

/* The id outside of container id id; false when the mapping lacks it. */
static bool id_out(const struct ns_idmap *m, size_t n, uint32_t id, uint32_t *out)
{
	if (!n) {
		*out = id;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
			*out = m[i].host_id + (id - m[i].container_id);
			return true;
		}
	return false;
}

/* The container's id of id outside; the overflow id (as the kernel
 * shows it) when unmapped. */
static uint32_t id_in(const struct ns_idmap *m, size_t n, uint32_t id)
{
	if (!n)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].host_id && id - m[i].host_id < m[i].size)
			return m[i].container_id + (id - m[i].host_id);
	return 65534;
}

/* The container's ids *uid, *gid as nook's (for chown). */
static int ids_out(const struct cp_ids *ids, uint32_t *uid, uint32_t *gid, const char *name,
		   struct error *err)
{
	uint32_t u, g;

	if (!id_out(ids->uids, ids->n_uids, *uid, &u) || !id_out(ids->gids, ids->n_gids, *gid, &g))
		return error_set(err, EINVAL,
				 "cannot copy '%s': its owner %u:%u has no id in the container's "
				 "user namespace",
				 name, *uid, *gid);
	*uid = u;
	*gid = g;
	return 0;
}

/* Who owns the copy of st in the container (nook's ids). */
static int copy_owner(const struct cp *cp, const struct stat *st, const char *name, uid_t *uid,
		      gid_t *gid, struct error *err)
{
	uint32_t u = st->st_uid, g = st->st_gid;

	if (cp->fixed) {
		*uid = cp->uid;
		*gid = cp->gid;
		return 0;
	}
	if (ids_out(cp->ids, &u, &g, name, err) < 0)
		return -1;
	*uid = u;
	*gid = g;
	return 0;
}

/* The symlink just made at name in dir gets the owner: through an fd of
 * the link itself, checked to be one, so an entry the container swapped
 * in meanwhile is never chowned. */
static int chown_link(int dir, const char *name, uid_t uid, gid_t gid, struct error *err)
{
	_cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return error_sys(err, "cannot open symlink '%s'", name);
	if (!S_ISLNK(st.st_mode))
		return error_set(err, EAGAIN, "'%s' was replaced while copying", name);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return error_sys(err, "cannot chown symlink '%s'", name);
	return 0;
}

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
	/* Owner first: chown clears the set-id bits fchmod then gives. */
	if (cp->to_ctr) {
		uid_t uid;
		gid_t gid;

		if (copy_owner(cp, st, dname, &uid, &gid, err) < 0)
			goto fail;
		if (fchown(dst, uid, gid) < 0) {
			error_sys(err, "cannot chown '%s'", dname);
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
	_cleanup_close_ int dfd = -1, src = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	uid_t uid = 0;
	gid_t gid = 0;
	int r = 0;

	if (cp->depth >= CP_MAX_DEPTH) {
		close(sfd);
		return error_set(err, ELOOP, "'%s': directories nested deeper than %d", dname,
				 CP_MAX_DEPTH);
	}
	if (cp->tar)
		return tar_dir(cp, sfd, st, dname, err);
	src = sfd;
	/* Its owner known before anything is made. */
	if (cp->to_ctr && copy_owner(cp, st, dname, &uid, &gid, err) < 0)
		return -1;
	if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create directory '%s'", dname);
	/* O_NOFOLLOW: a symlink raced in at the name is not entered. */
	dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_sys(err, "cannot open directory '%s'", dname);
	d = fdopendir(src);
	if (!d)
		return error_sys(err, "cannot read directory '%s'", dname);
	src = -1; /* d has it */
	cp->depth++;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((r = copy_entry(cp, dirfd(d), e->d_name, dfd, e->d_name, err)) < 0)
			break;
	}
	cp->depth--;
	if (r == 0 && cp->to_ctr && fchown(dfd, uid, gid) < 0)
		return error_sys(err, "cannot chown '%s'", dname);
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
	/* A tar of the container's files carries its ids. */
	if (cp->tar && !cp->to_ctr) {
		st.st_uid = id_in(cp->ids->uids, cp->ids->n_uids, st.st_uid);
		st.st_gid = id_in(cp->ids->gids, cp->ids->n_gids, st.st_gid);
	}
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
		if (cp->to_ctr) {
			uid_t uid;
			gid_t gid;

			if (copy_owner(cp, &st, dname, &uid, &gid, err) < 0)
				return -1;
			return chown_link(ddir, dname, uid, gid, err);
		}
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

/* The container a cp works on: its root (ctr_root), its id mappings and,
 * for -a, the owner of what is copied in. */
struct cp_ctr {
	int rootfd;
	struct rt_spec spec;
	struct cp_ids ids;
};

static void cp_ctr_release(struct cp_ctr *x)
{
	if (x->rootfd >= 0)
		close(x->rootfd);
	rt_spec_release(&x->spec);
}

/* docker's -a: the container's user when it has one (-u, or the image's
 * User: a process user other than root), else nothing (cp->fixed
 * stays false: the source's ids, as without -a). */
static int archive_owner(struct cp *cp, const struct cp_ctr *x, const struct img_ctr *c,
			 struct error *err)
{
	json_object *cfg = json_tokener_parse(c->config), *conf, *user;
	bool named = json_object_object_get_ex(cfg, "Config", &conf) &&
		     json_object_object_get_ex(conf, "User", &user) &&
		     *json_object_get_string(user);
	uint32_t uid = x->spec.process.uid, gid = x->spec.process.gid;

	json_object_put(cfg);
	if (!named && !uid && !gid)
		return 0;
	if (ids_out(&x->ids, &uid, &gid, "the container's user", err) < 0)
		return -1;
	cp->fixed = true;
	cp->uid = uid;
	cp->gid = gid;
	return 0;
}

/* Open the container ref names, which must be completely created. */
static int cp_ctr_open(struct img_store *s, const char *ref, struct cp *cp, bool archive,
		       struct cp_ctr *x, struct error *err)
{
	struct img_ctr c;
	int r = -1;

	memset(x, 0, sizeof(*x));
	x->rootfd = -1;
	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	if (!c.ready) {
		error_set(err, EINVAL, "container %s is not completely created", ref);
		goto out;
	}
	if (rt_spec_load(&x->spec, c.dir, err) < 0) {
		error_prefix(err, "container %s", ref);
		goto out;
	}
	x->ids = (struct cp_ids){x->spec.uid_mappings, x->spec.gid_mappings, x->spec.n_uid_mappings,
				 x->spec.n_gid_mappings};
	cp->ids = &x->ids;
	if (archive && cp->to_ctr && archive_owner(cp, x, &c, err) < 0)
		goto out;
	if ((x->rootfd = ctr_root(&c, err)) >= 0)
		r = 0;
out:
	img_ctr_release(&c);
	return r;
}

/* The extracted tar's owners: the archive's ids as the container's, or
 * -a's user (img_tar_extract's owner callback). */
static int tar_owner(void *data, uint32_t *uid, uint32_t *gid, struct error *err)
{
	const struct cp *cp = data;

	if (cp->fixed) {
		*uid = cp->uid;
		*gid = cp->gid;
		return 0;
	}
	return ids_out(cp->ids, uid, gid, "an entry of the tar stream", err);
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
		 bool to_ctr, const struct rt_cp_opts *o, struct error *err)
{
	_cleanup_close_ int src = -1, ddir = -1;
	_cleanup_free_ char *kb = NULL, *kd = NULL;
	const char *src_path = to_ctr ? host_path : ctr_path;
	const char *dst_path = to_ctr ? ctr_path : host_path;
	const char *sname, *dname;
	struct cp cp = {.to_ctr = to_ctr};
	/* -L follows a symlink at the source path itself (docker's).  In
	 * the container it is resolved inside its root like every other
	 * link there, as a chroot would: never out to the host. */
	int nofollow = o->follow ? 0 : O_NOFOLLOW;
	struct cp_ctr x;
	int r = -1;

	if (!*ctr_path || !*host_path)
		return error_set(err, EINVAL, "cp: empty path");
	if (cp_ctr_open(s, ref, &cp, o->archive, &x, err) < 0)
		goto out;
	/* Without -L the source itself, not what a symlink there points to. */
	src = to_ctr ? open(src_path, O_PATH | nofollow | O_CLOEXEC)
		     : open_in_root(x.rootfd, src_path, O_PATH | nofollow, ROOT_CREATE_NONE, err);
	if (src < 0) {
		if (to_ctr)
			error_sys(err, "cannot open '%s'", src_path);
		else
			error_prefix(err, "in the container");
		goto out;
	}
	/* Named after the path given (a followed link's name, not its
	 * target's: docker's). */
	sname = src_name(src_path, &kb);
	ddir = dest_open(to_ctr ? x.rootfd : -1, dst_path, sname, &kd, &dname, err);
	if (ddir < 0) {
		if (to_ctr)
			error_prefix(err, "in the container");
		goto out;
	}
	r = copy_entry(&cp, src, NULL, ddir, dname, err);
out:
	cp_ctr_release(&x);
	return r;
}

int rt_engine_cp_tar(struct img_store *s, const char *ref, const char *ctr_path, bool to_ctr,
		     const struct rt_cp_opts *o, int fd, struct error *err)
{
	_cleanup_close_ int target = -1;
	_cleanup_free_ char *keep = NULL;
	struct cp cp = {.to_ctr = to_ctr};
	struct cp_ctr x;
	int r = -1;

	if (!*ctr_path)
		return error_set(err, EINVAL, "cp: empty path");
	if (cp_ctr_open(s, ref, &cp, o->archive, &x, err) < 0)
		goto out;
	if (to_ctr) {
		/* A directory that exists, as docker wants it; what the
		 * stream holds is made inside it and nowhere else
		 * (img_tar_extract resolves every name in it). */
		target =
		    open_in_root(x.rootfd, ctr_path, O_RDONLY | O_DIRECTORY, ROOT_CREATE_NONE, err);
		if (target < 0)
			error_prefix(err, "in the container");
		else if ((r = img_tar_extract(fd, target, tar_owner, &cp, err)) < 0)
			error_prefix(err, "cannot extract into '%s'", ctr_path);
		goto out;
	}
	/* The path itself, not what a symlink there points to (-L: what it
	 * points to, inside the root). */
	target = open_in_root(x.rootfd, ctr_path, O_PATH | (o->follow ? 0 : O_NOFOLLOW),
			      ROOT_CREATE_NONE, err);
	if (target < 0) {
		error_prefix(err, "in the container");
		goto out;
	}
	if (!(cp.tar = img_tar_new(fd, err)))
		goto out;
	r = copy_entry(&cp, target, NULL, -1, src_name(ctr_path, &keep), err);
	if (r == 0)
		r = img_tar_close(cp.tar, err);
	img_tar_free(cp.tar);
out:
	cp_ctr_release(&x);
	return r;
}
