/* Layer unpacking.  libarchive only parses the stream; every file is made
 * by us with *at() calls on a parent directory that was resolved inside
 * the layer (openat2 RESOLVE_IN_ROOT), so no name, symlink or hardlink in
 * a layer can make us write outside the layer directory. */
#include "image/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define READ_BUF (256 * 1024)
#ifndef EARLY_WRITEBACK
#define EARLY_WRITEBACK (64 * 1024)
#endif

int img_tar_name_clean(const char *name, char **out, struct error *err)
{
	_cleanup_free_ char *buf = xmalloc(strlen(name) + 1);
	const char *p = name;
	size_t n = 0;

	while (*p) {
		const char *e;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchrnul(p, '/');
		len = (size_t)(e - p);
		if (len == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		/* GNU tar refuses member names containing "..": refusing is
		 * simpler to reason about than deciding which ones climb. */
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return error_set(err, EINVAL, "refusing member name '%s': it contains '..'",
					 name);
		if (n)
			buf[n++] = '/';
		memcpy(buf + n, p, len);
		n += len;
		p = e;
	}
	buf[n] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

int img_whiteout_kind(const char *base, enum img_whiteout *kind, const char **target,
		      struct error *err)
{
	const char *t = base + 4;

	*kind = IMG_WH_NONE;
	*target = NULL;
	if (!str_has_prefix(base, ".wh."))
		return 0;
	if (!strcmp(base, ".wh..wh..opq")) {
		*kind = IMG_WH_OPAQUE;
		return 0;
	}
	if (str_has_prefix(base, ".wh..wh.")) {
		*kind = IMG_WH_META;
		return 0;
	}
	if (!*t || !strcmp(t, ".") || !strcmp(t, "..") || strchr(t, '/'))
		return error_set(err, EINVAL, "refusing whiteout '%s'", base);
	*kind = IMG_WH_FILE;
	*target = t;
	return 0;
}

/* ------------------------------------------------------------ streams -- */

struct outer {
	int fd;
	char *buf;
	uint64_t read;
};

static la_ssize_t outer_read(struct archive *a, void *data, const void **buf)
{
	struct outer *o = data;

	for (;;) {
		ssize_t n = read(o->fd, o->buf, READ_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			archive_set_error(a, errno, "read error");
		else
			o->read += (uint64_t)n;
		*buf = o->buf;
		return n;
	}
}

/* The uncompressed stream is made by a reader thread (read, inflate, hash
 * for the diff_id, count against the bomb limit) and handed to the tar
 * parser in this thread through a small ring of slots, so decompression
 * and hashing overlap with file creation, as `tar -xz` overlaps gzip. */
#define SLOT_SIZE (1024 * 1024)
#define NSLOTS 8

struct slot {
	char *buf;
	size_t len;
};

struct inner {
	struct archive *outer;
	const struct outer *src;
	const struct img_unpack_watch *watch;
	struct timespec last;
	struct img_hash hash;
	uint64_t total, max;
	/* Ring: the reader fills slots [tail, head), the parser owns the slot
	 * at tail while it reads it (released on its next call). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct slot slots[NSLOTS];
	size_t head, tail;
	bool holding; /* the parser holds slot tail */
	bool eof, stop;
	bool padded; /* the missing end of the last 512-byte block was given */
	pthread_t thread;
	bool running;
	int failed; /* errno-style reason of a refused stream */
	char why[300];
};

static void inner_fail(struct inner *c, int code, const char *why)
{
	pthread_mutex_lock(&c->lock);
	c->failed = code;
	snprintf(c->why, sizeof(c->why), "%s", why);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void inner_watch(struct inner *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((double)(now.tv_sec - c->last.tv_sec) + (double)(now.tv_nsec - c->last.tv_nsec) / 1e9 >=
	    IMG_WATCH_INTERVAL) {
		c->last = now;
		c->watch->fn(c->watch->data, c->src->read, c->total);
	}
}

/* Wait for a free slot; NULL when the parser has gone away. */
static struct slot *inner_free_slot(struct inner *c)
{
	struct slot *s = NULL;

	pthread_mutex_lock(&c->lock);
	while (!c->stop && c->head - c->tail >= NSLOTS)
		pthread_cond_wait(&c->cond, &c->lock);
	if (!c->stop)
		s = &c->slots[c->head % NSLOTS];
	pthread_mutex_unlock(&c->lock);
	return s;
}

static void inner_publish(struct inner *c, bool eof)
{
	pthread_mutex_lock(&c->lock);
	if (c->slots[c->head % NSLOTS].len)
		c->head++;
	c->eof = eof;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void *inner_reader(void *data)
{
	struct inner *c = data;
	struct slot *s = inner_free_slot(c);

	if (s)
		s->len = 0;
	while (s) {
		const void *b;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(c->outer, &b, &size, &off);

		if (r == ARCHIVE_EOF) {
			inner_publish(c, true);
			break;
		}
		if (r < ARCHIVE_WARN) {
			char why[300];

			snprintf(why, sizeof(why), "corrupt or truncated layer stream: %s",
				 archive_error_string(c->outer) ? archive_error_string(c->outer)
								: "read error");
			inner_fail(c, EIO, why);
			break;
		}
		c->total += size;
		if (c->total > c->max) {
			char why[300];

			snprintf(why, sizeof(why),
				 "layer is larger than the limit of %llu uncompressed bytes",
				 (unsigned long long)c->max);
			inner_fail(c, EFBIG, why);
			break;
		}
		img_hash_update(&c->hash, b, size);
		if (c->watch)
			inner_watch(c);
		while (size) {
			size_t n = SLOT_SIZE - s->len < size ? SLOT_SIZE - s->len : size;

			memcpy(s->buf + s->len, b, n);
			s->len += n;
			b = (const char *)b + n;
			size -= n;
			if (s->len == SLOT_SIZE) {
				inner_publish(c, false);
				if (!(s = inner_free_slot(c)))
					break;
				s->len = 0;
			}
		}
	}
	return NULL;
}

/* The tar reader's callback: the next filled slot, 0 at the end.
 *
 * A stream that ends inside a 512-byte block gets the rest of the block as
 * zeros first: Go's archive/tar writes an entry's padding only when the
 * next header or Close comes, so a layer written without Close (umoci
 * insert) ends right after its last file's data; umoci, podman and skopeo
 * read it.  The zeros are not hashed, so the diff_id check still covers
 * exactly the bytes of the stream: a layer cut short by accident fails it,
 * and one cut by more than the padding stays "truncated". */
static la_ssize_t inner_read(struct archive *a, void *data, const void **buf)
{
	static const char zeros[512];
	struct inner *c = data;
	la_ssize_t n;

	pthread_mutex_lock(&c->lock);
	if (c->holding) {
		c->tail++;
		c->holding = false;
		pthread_cond_broadcast(&c->cond);
	}
	while (!c->failed && !c->eof && c->head == c->tail)
		pthread_cond_wait(&c->cond, &c->lock);
	if (c->head != c->tail) {
		c->holding = true;
		*buf = c->slots[c->tail % NSLOTS].buf;
		n = (la_ssize_t)c->slots[c->tail % NSLOTS].len;
	} else if (c->failed) {
		archive_set_error(a, c->failed, "%s", c->why);
		n = -1;
	} else if (!c->padded && c->total % 512) {
		c->padded = true;
		*buf = zeros;
		n = (la_ssize_t)(512 - c->total % 512);
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* Stop the reader (if it still runs) and wait for it: after this the
 * hash, total and failure fields are ours to read. */
static void inner_finish(struct inner *c)
{
	if (!c->running)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	c->running = false;
}

/* ------------------------------------------------------------ entries -- */

struct dirtime {
	char *path;
	struct timespec ts[2];
};

struct unpack {
	struct archive *a;
	bool plain; /* img_tar_extract: not a layer (see image.h) */
	int rootfd;
	int pfd; /* cached parent directory of pdir, or -1 */
	char *pdir;
	struct dirtime *dirs;
	size_t ndirs;
};

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

/* Owner, then mode (chown clears setuid/setgid), then xattrs (chown clears
 * security.capability), on an fd of the file itself. */
static int apply_meta(int fd, struct archive_entry *e, const char *name, bool plain,
		      struct error *err)
{
	const char *xname;
	const void *val;
	size_t size;

	if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return error_sys(err, "cannot chown '%s'", name);
	if (fchmod(fd, archive_entry_mode(e) & 07777) < 0)
		return error_sys(err, "cannot chmod '%s'", name);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xname, &val, &size) == ARCHIVE_OK) {
		/* overlayfs metadata (redirects, opaque, metacopy) comes from
		 * our whiteout conversion only: a layer forging it could
		 * redirect lookups of the stacked view. */
		if (str_has_prefix(xname, "trusted.overlay.") ||
		    str_has_prefix(xname, "user.overlay."))
			continue;
		/* Into a container: what its root could set itself, not the
		 * host's trusted.* or security labels. */
		if (plain &&
		    (!str_has_prefix(xname, "user.") && strcmp(xname, "security.capability")))
			continue;
		if (fsetxattr(fd, xname, val, size, 0) < 0) {
			if (errno == ENOTSUP)
				continue;
			return error_sys(err, "cannot set xattr '%s' on '%s'", xname, name);
		}
	}
	return 0;
}

static int write_data(struct unpack *u, int fd, struct archive_entry *e, const char *name,
		      struct error *err)
{
	int64_t end = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(u->a, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return error_set(err, EIO, "cannot read '%s' from the layer: %s", name,
					 archive_error_string(u->a));
		for (size_t done = 0; done < size;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, size - done,
					   off + (off_t)done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return error_sys(err, "cannot write '%s'", name);
			done += (size_t)n;
		}
		if (off + (int64_t)size > end)
			end = off + (int64_t)size;
	}
	/* Sparse files end in a hole. */
	if (archive_entry_size(e) > end && ftruncate(fd, archive_entry_size(e)) < 0)
		return error_sys(err, "cannot size '%s'", name);
	/* Start writeback now, so the syncfs() before the layer is recorded
	 * finds less to wait for; durability still comes from that syncfs. */
	if (end >= EARLY_WRITEBACK)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

static int make_hardlink(struct unpack *u, int pfd, const char *base, const char *name,
			 const char *target, struct error *err)
{
	_cleanup_free_ char *clean = NULL;
	_cleanup_close_ int tfd = -1;
	_cleanup_free_ char *proc = NULL;
	struct stat st;

	if (img_tar_name_clean(target, &clean, err) < 0)
		return error_prefix(err, "hardlink '%s'", name);
	/* The target is looked up inside the layer like any other name, and
	 * its last component is not followed: "/etc/shadow" means the
	 * layer's etc/shadow, which must be a regular file made earlier. */
	tfd = open_in_root(u->rootfd, clean, O_PATH | O_NOFOLLOW, ROOT_CREATE_NONE, err);
	if (tfd < 0)
		return error_set(err, ENOENT,
				 "refusing hardlink '%s': target '%s' is not a file of the layer",
				 name, target);
	if (fstat(tfd, &st) < 0)
		return error_sys(err, "cannot stat hardlink target '%s'", target);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL,
				 "refusing hardlink '%s': target '%s' is not a regular file", name,
				 target);
	if (linkat(tfd, "", pfd, base, AT_EMPTY_PATH) == 0)
		return 0;
	proc = xasprintf("/proc/self/fd/%d", tfd);
	if (linkat(AT_FDCWD, proc, pfd, base, AT_SYMLINK_FOLLOW) < 0)
		return error_sys(err, "cannot create hardlink '%s'", name);
	return 0;
}

static bool is_whiteout_node(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* Rootless, overlayfs is mounted with "userxattr" inside the user's
 * namespace (trusted.* is out of its reach), and reads user.overlay.*. */
static const char *opaque_xattr(void)
{
	static int nested = -1;

	if (nested < 0)
		nested = userns_nested();
	return nested ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

static int mark_opaque(int fd, const char *name, struct error *err)
{
	if (fsetxattr(fd, opaque_xattr(), "y", 1, 0) < 0)
		return error_sys(err, "cannot mark '%s' opaque", name);
	return 0;
}

/* The image spec: "Whiteout files MUST only apply to resources in
 * lower/parent layers.  Files that are present in the same layer as a
 * whiteout file can only be hidden by whiteout files in subsequent
 * layers."  The layer directory starts empty, so whatever already sits at
 * the whiteout's target was made by this layer and stays: a file or
 * symlink already covers the lower one; a directory becomes opaque, since
 * the lower directory is gone and only this layer's contents remain.  Only
 * a name this layer has not made becomes overlayfs' whiteout (a 0/0
 * character device).  Nothing is removed, so the parent fd cache stays
 * valid. */
static int make_whiteout(int pfd, enum img_whiteout kind, const char *target,
			 const char *name, struct error *err)
{
	_cleanup_close_ int dfd = -1;
	struct stat st;

	if (kind == IMG_WH_OPAQUE)
		return mark_opaque(pfd, name, err);
	if (fstatat(pfd, target, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISDIR(st.st_mode))
			return 0;
		dfd = openat(pfd, target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return error_sys(err, "cannot open directory for '%s'", name);
		return mark_opaque(dfd, name, err);
	}
	if (errno != ENOENT)
		return error_sys(err, "cannot stat whiteout target of '%s'", name);
	if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
		return error_sys(err, "cannot create whiteout for '%s'", name);
	return 0;
}

static int record_dir(struct unpack *u, const char *path, struct archive_entry *e)
{
	if ((u->ndirs & 63) == 0)
		u->dirs = xrealloc(u->dirs, (u->ndirs + 64) * sizeof(*u->dirs));
	u->dirs[u->ndirs].path = xstrdup(path);
	entry_times(e, u->dirs[u->ndirs].ts);
	u->ndirs++;
	return 0;
}

static int make_node(struct unpack *u, struct archive_entry *e, int pfd, const char *base,
		     const char *clean, const char *name, struct error *err)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec ts[2];
	_cleanup_close_ int fd = -1;

	entry_times(e, ts);
	switch (type) {
	case AE_IFREG:
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return error_sys(err, "cannot create '%s'", name);
		if (write_data(u, fd, e, name, err) < 0 ||
		    apply_meta(fd, e, name, u->plain, err) < 0)
			return -1;
		if (futimens(fd, ts) < 0)
			return error_sys(err, "cannot set times of '%s'", name);
		return 0;
	case AE_IFDIR:
		if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			return error_sys(err, "cannot create directory '%s'", name);
		fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return error_sys(err, "cannot open directory '%s'", name);
		if (apply_meta(fd, e, name, u->plain, err) < 0)
			return -1;
		/* Later entries change its mtime: set it at the end. */
		return record_dir(u, clean, e);
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(e) ? archive_entry_symlink(e) : "", pfd, base) < 0)
			return error_sys(err, "cannot create symlink '%s'", name);
		break;
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		/* In a user namespace no device node can be made (nor opened
		 * if it could): rootless stores leave them out, as podman's. */
		if (type != AE_IFIFO && userns_nested()) {
			log_debug("rootless: device node '%s' left out", name);
			return 0;
		}
		/* cp into a container makes no device node: one of the host's
		 * disks would be the container's to open. */
		if (type != AE_IFIFO && u->plain) {
			log_warn("device node '%s' left out", name);
			return 0;
		}
		if (mknodat(pfd, base, type | 0600, archive_entry_rdev(e)) < 0)
			return error_sys(err, "cannot create node '%s'", name);
		if (fchmodat(pfd, base, archive_entry_mode(e) & 07777, 0) < 0)
			return error_sys(err, "cannot chmod '%s'", name);
		break;
	default:
		return 0; /* sockets and the like: nothing to make */
	}
	if (fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return error_sys(err, "cannot chown '%s'", name);
	if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_mode(e) & 07777, 0) < 0)
		return error_sys(err, "cannot chmod '%s'", name);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return error_sys(err, "cannot set times of '%s'", name);
	return 0;
}

/* The parent directory of the last entry stays open for the next one in
 * the same directory (tar streams list a directory's files together).
 * The fd is what open_in_root() gave for that path, and stays what it
 * would give again as long as no entry removes anything: entries only
 * add names, except replacements and whiteouts, which call
 * parent_forget() before removing. */
static void parent_forget(struct unpack *u)
{
	if (u->pfd >= 0)
		close(u->pfd);
	u->pfd = -1;
	free(u->pdir);
	u->pdir = NULL;
}

/* Forget the cache before a removal; when the entry is using the cached fd
 * as its parent, hand it to *owned (closed when the entry is done). */
static void parent_drop(struct unpack *u, int pfd, int *owned)
{
	if (u->pfd >= 0 && u->pfd == pfd) {
		*owned = steal_fd(&u->pfd);
		free(u->pdir);
		u->pdir = NULL;
	}
	parent_forget(u);
}

static int parent_open(struct unpack *u, const char *dir, struct error *err)
{
	int fd;

	if (u->pfd >= 0 && !strcmp(u->pdir, dir))
		return u->pfd;
	fd = open_in_root(u->rootfd, dir, O_RDONLY | O_DIRECTORY, ROOT_CREATE_DIR, err);
	if (fd < 0)
		return -1;
	parent_forget(u);
	u->pfd = fd;
	u->pdir = xstrdup(dir);
	return fd;
}

static int apply_entry(struct unpack *u, struct archive_entry *e, struct error *err)
{
	const char *name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
	_cleanup_free_ char *clean = NULL;
	_cleanup_close_ int rootdir = -1, owned = -1;
	int pfd; /* borrowed: u->rootfd or the cached parent */
	enum img_whiteout kind;
	const char *target, *base;
	char *slash;
	struct stat st;
	bool is_dir = archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e);
	bool whiteout = false; /* replacing this layer's whiteout of base */

	if (img_tar_name_clean(name, &clean, err) < 0)
		return -1;
	if (!*clean && u->plain)
		return 0; /* the destination keeps its own owner and mode */
	if (!*clean) {
		/* "./": the layer root itself. */
		if (!is_dir)
			return error_set(err, EINVAL, "refusing '%s': the layer root must be a directory", name);
		rootdir = openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootdir < 0 || apply_meta(rootdir, e, name, u->plain, err) < 0)
			return rootdir < 0 ? error_sys(err, "cannot open layer root") : -1;
		return record_dir(u, "", e);
	}
	slash = strrchr(clean, '/');
	if (slash) {
		*slash = '\0';
		base = slash + 1;
		/* Resolved as the container will see it: a symlink planted by
		 * an earlier entry ("etc -> /etc", "x -> ../../..") leads to a
		 * place inside the layer, never to the host. */
		pfd = parent_open(u, clean, err);
		if (pfd < 0)
			return error_prefix(err, "cannot unpack '%s'", name);
		*slash = '/';
	} else {
		base = clean;
		pfd = u->rootfd;
	}
	if (u->plain)
		kind = IMG_WH_NONE;
	else if (img_whiteout_kind(base, &kind, &target, err) < 0)
		return error_prefix(err, "cannot unpack '%s'", name);
	if (kind == IMG_WH_META)
		return 0;
	if (kind != IMG_WH_NONE)
		return make_whiteout(pfd, kind, target, name, err);

	/* Replace what an earlier entry made, as tar does; a directory over a
	 * directory keeps its contents. */
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !(S_ISDIR(st.st_mode) && is_dir)) {
		if (u->plain && (S_ISDIR(st.st_mode) || is_dir))
			return error_set(err, EEXIST, "cannot overwrite %s '%s' with a %s",
					 is_dir ? "non-directory" : "directory", name,
					 is_dir ? "directory" : "non-directory");
		whiteout = is_whiteout_node(&st);
		if (archive_entry_hardlink(e)) {
			_cleanup_free_ char *t = NULL;

			if (img_tar_name_clean(archive_entry_hardlink(e), &t, err) < 0)
				return -1;
			if (!strcmp(t, clean))
				return 0;
		}
		parent_drop(u, pfd, &owned);
		if (rm_rf_at(pfd, base, err) < 0)
			return -1;
	}
	if (archive_entry_hardlink(e))
		return make_hardlink(u, pfd, base, name, archive_entry_hardlink(e), err);
	if (make_node(u, e, pfd, base, clean, name, err) < 0)
		return -1;
	/* A directory over this layer's own whiteout: the whiteout still
	 * hides the lower directory, so only this layer's contents show. */
	if (whiteout && is_dir) {
		_cleanup_close_ int dfd =
		    openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (dfd < 0)
			return error_sys(err, "cannot open directory '%s'", name);
		return mark_opaque(dfd, name, err);
	}
	return 0;
}

static void fix_dir_times(struct unpack *u)
{
	for (size_t i = u->ndirs; i-- > 0;) {
		struct error e;
		int fd = *u->dirs[i].path
				 ? open_in_root(u->rootfd, u->dirs[i].path,
						O_RDONLY | O_DIRECTORY | O_NOFOLLOW, ROOT_CREATE_NONE, &e)
				 : openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			futimens(fd, u->dirs[i].ts);
			close(fd);
		}
	}
}

static int unpack_entries(struct unpack *u, struct inner *in, struct error *err)
{
	struct archive_entry *e;

	for (;;) {
		int r = archive_read_next_header(u->a, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN) {
			inner_finish(in);
			if (in->failed)
				return error_set(err, in->failed, "%s", in->why);
			return error_set(err, EIO, "corrupt layer: %s", archive_error_string(u->a));
		}
		if (apply_entry(u, e, err) < 0) {
			inner_finish(in);
			if (in->failed)
				return error_set(err, in->failed, "%s", in->why);
			return -1;
		}
	}
}

int img_layer_unpack(int fd, int destfd, const char *diff_id, uint64_t max_size,
		     const struct img_unpack_watch *watch, char diff_out[72], uint64_t *size_out,
		     struct error *err)
{
	struct outer o = {.fd = fd, .buf = xmalloc(READ_BUF)};
	struct inner in = {.max = max_size ? max_size : IMG_DEFAULT_MAX_LAYER_SIZE};
	struct archive *outer = archive_read_new(), *a = archive_read_new();
	struct archive_entry *e;
	struct unpack u = {.a = a, .rootfd = destfd, .pfd = -1};
	char got[72];
	int rc = -1;

	img_hash_init(&in.hash);
	pthread_mutex_init(&in.lock, NULL);
	pthread_cond_init(&in.cond, NULL);
	for (size_t i = 0; i < NSLOTS; i++)
		in.slots[i].buf = xmalloc(SLOT_SIZE);
	in.outer = outer;
	in.src = &o;
	in.watch = watch && watch->fn ? watch : NULL;
	clock_gettime(CLOCK_MONOTONIC, &in.last);
	/* Outer: decompress (gzip, zstd, or nothing) to a raw byte stream. */
	archive_read_support_filter_gzip(outer);
	archive_read_support_filter_zstd(outer);
	archive_read_support_format_raw(outer);
	if (archive_read_open(outer, &o, NULL, outer_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(outer, &e) != ARCHIVE_OK) {
		error_set(err, EIO, "cannot read layer: %s", archive_error_string(outer));
		goto out;
	}
	if (pthread_create(&in.thread, NULL, inner_reader, &in) != 0) {
		error_set(err, EAGAIN, "cannot start the layer reader thread");
		goto out;
	}
	in.running = true;
	/* Inner: parse tar from the uncompressed stream. */
	archive_read_support_format_tar(a);
	if (archive_read_open(a, &in, NULL, inner_read, NULL) != ARCHIVE_OK) {
		inner_finish(&in);
		if (in.failed)
			error_set(err, in.failed, "%s", in.why);
		else
			error_set(err, EIO, "cannot read layer: %s", archive_error_string(a));
		goto out;
	}
	if (unpack_entries(&u, &in, err) < 0)
		goto out;
	/* The digest covers the whole uncompressed stream, padding included. */
	for (;;) {
		const void *b;
		la_ssize_t n = inner_read(a, &in, &b);

		if (n == 0)
			break;
		if (n < 0) {
			inner_finish(&in);
			error_set(err, in.failed ? in.failed : EIO, "%s", in.why);
			goto out;
		}
	}
	inner_finish(&in);
	parent_forget(&u);
	fix_dir_times(&u);
	img_hash_final(&in.hash, got);
	if (diff_id && strcmp(diff_id, got)) {
		error_set(err, EINVAL, "layer %s: uncompressed content has digest %s", diff_id, got);
		goto out;
	}
	if (diff_out)
		memcpy(diff_out, got, 72);
	if (size_out)
		*size_out = in.total;
	rc = 0;
out:
	inner_finish(&in);
	parent_forget(&u);
	img_hash_release(&in.hash);
	for (size_t i = 0; i < NSLOTS; i++)
		free(in.slots[i].buf);
	pthread_cond_destroy(&in.cond);
	pthread_mutex_destroy(&in.lock);
	archive_read_free(a);
	archive_read_free(outer);
	for (size_t i = 0; i < u.ndirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	free(o.buf);
	return rc;
}

int img_tar_extract(int fd, int destfd,
		    int (*owner)(void *data, uint32_t *uid, uint32_t *gid, struct error *err),
		    void *data, struct error *err)
{
	struct unpack u = {.plain = true, .rootfd = destfd, .pfd = -1};
	struct archive_entry *e;
	int rc = -1;

	if (img_libs_load(IMG_LIB_ARCHIVE, err) < 0)
		return -1;
	u.a = archive_read_new();
	archive_read_support_filter_gzip(u.a);
	archive_read_support_filter_zstd(u.a);
	archive_read_support_format_tar(u.a);
	if (archive_read_open_fd(u.a, fd, READ_BUF) != ARCHIVE_OK) {
		error_set(err, EIO, "cannot read the tar stream: %s", archive_error_string(u.a));
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(u.a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			error_set(err, EIO, "corrupt tar stream: %s", archive_error_string(u.a));
			goto out;
		}
		if (owner) {
			uint32_t uid = (uint32_t)archive_entry_uid(e);
			uint32_t gid = (uint32_t)archive_entry_gid(e);

			if (owner(data, &uid, &gid, err) < 0)
				goto out;
			archive_entry_set_uid(e, uid);
			archive_entry_set_gid(e, gid);
		}
		if (apply_entry(&u, e, err) < 0)
			goto out;
	}
	parent_forget(&u);
	fix_dir_times(&u);
	rc = 0;
out:
	parent_forget(&u);
	archive_read_free(u.a);
	for (size_t i = 0; i < u.ndirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	return rc;
}
