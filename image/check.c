/* nook system check: does the store hold what its database says, and
 * nothing else?  And the tree digest recorded for every layer when it is
 * unpacked, which the check compares with what is on disk. */
#include "image/internal.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#define READ_CHUNK (1 << 17)

/* One running sha256 over the entries in a fixed order (names sorted
 * within each directory), so the unpack and the check agree whatever
 * order readdir returns. */
struct tree_sum {
	struct img_hash h;
	uint64_t files;
	char *buf;
};

static int entry_digest(int dfd, const char *name, const char *path, const struct stat *st,
			struct tree_sum *t, struct error *err)
{
	char hdr[80], link[4096] = "";
	uint64_t size = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;
	int n;

	if (S_ISLNK(st->st_mode)) {
		ssize_t l = readlinkat(dfd, name, link, sizeof(link) - 1);

		if (l < 0)
			return error_sys(err, "cannot read link '%s'", path);
		link[l] = '\0';
	}
	img_hash_update(&t->h, path, strlen(path) + 1);
	n = snprintf(hdr, sizeof(hdr), "%o %u %u %llu %llx", (unsigned)st->st_mode,
		     (unsigned)st->st_uid, (unsigned)st->st_gid, (unsigned long long)size,
		     S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? (unsigned long long)st->st_rdev
								  : 0ULL);
	img_hash_update(&t->h, hdr, (size_t)n + 1);
	img_hash_update(&t->h, link, strlen(link) + 1);
	t->files++;
	if (S_ISREG(st->st_mode) && size) {
		_cleanup_close_ int fd =
		    openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NOATIME | O_CLOEXEC);
		ssize_t r;

		if (fd < 0)
			return error_sys(err, "cannot open '%s'", path);
		while ((r = read(fd, t->buf, READ_CHUNK)) > 0)
			img_hash_update(&t->h, t->buf, (size_t)r);
		if (r < 0)
			return error_sys(err, "cannot read '%s'", path);
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(int dfd, const char *prefix, struct tree_sum *t, struct error *err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	_cleanup_strv_ char **names = xzalloc(sizeof(char *));
	struct dirent *de;
	size_t n = 0;

	if (!d) {
		close(dfd);
		return error_sys(err, "cannot read '%s'", *prefix ? prefix : ".");
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			strv_push(&names, de->d_name);
			n++;
		}
	qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		path = *prefix ? xasprintf("%s/%s", prefix, names[i]) : xstrdup(names[i]);
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			return error_sys(err, "cannot stat '%s'", path);
		if (entry_digest(dirfd(d), names[i], path, &st, t, err) < 0)
			return -1;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				return error_sys(err, "cannot open '%s'", path);
			if (walk(sub, path, t, err) < 0)
				return -1;
		}
	}
	return 0;
}

int img_tree_digest(int dirfd, uint64_t *files, char out[72], struct error *err)
{
	struct tree_sum t = {.buf = xmalloc(READ_CHUNK)};
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		free(t.buf);
		return error_sys(err, "cannot read layer");
	}
	img_hash_init(&t.h);
	rc = walk(fd, "", &t, err);
	free(t.buf);
	if (rc < 0) {
		img_hash_release(&t.h);
		return -1;
	}
	img_hash_final(&t.h, out);
	*files = t.files;
	return 0;
}

/* ------------------------------------------------------------ check -- */

static void problem(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(char ***v, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		strv_push(v, line);
}

static void check_db(struct img_store *s, char ***v)
{
	static const char *const pragmas[] = {"PRAGMA integrity_check", "PRAGMA foreign_key_check"};

	for (size_t i = 0; i < ARRAY_SIZE(pragmas); i++) {
		struct error e;
		sqlite3_stmt *q = img_db_prepare(s, pragmas[i], &e);

		if (!q) {
			problem(v, "database: %s", e.msg);
			continue;
		}
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *r = (const char *)sqlite3_column_text(q, 0);

			if (i == 0 && r && !strcmp(r, "ok"))
				continue;
			problem(v, "database: %s: %s", pragmas[i] + 7, r ? r : "(null)");
		}
		sqlite3_finalize(q);
	}
}

static void check_layers(struct img_store *s, char ***v, size_t *nlayers)
{
	struct error e;
	sqlite3_stmt *q = img_db_prepare(
	    s,
	    "SELECT l.diff_id, l.files, l.content, "
	    "(SELECT COUNT(*) FROM image_layers il WHERE il.diff_id = l.diff_id) FROM layers l",
	    &e);

	if (!q) {
		problem(v, "database: %s", e.msg);
		return;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *diff = (const char *)sqlite3_column_text(q, 0);
		const char *want = (const char *)sqlite3_column_text(q, 2);
		const char *hex = img_digest_hex(diff);
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		uint64_t files;
		char got[72];

		(*nlayers)++;
		if (!hex) {
			problem(v, "layer %s: invalid digest", diff ? diff : "(null)");
			continue;
		}
		if (sqlite3_column_int64(q, 3) == 0)
			problem(v, "layer %s: recorded but used by no image", diff);
		path = xasprintf("layers/%s/diff", hex);
		fd = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			problem(v, "layer %s: '%s/%s' is missing", diff, s->root, path);
			continue;
		}
		if (!want)
			continue; /* recorded by a nook that did not keep digests */
		if (img_tree_digest(fd, &files, got, &e) < 0)
			problem(v, "layer %s: %s", diff, e.msg);
		else if (strcmp(got, want) || files != (uint64_t)sqlite3_column_int64(q, 1))
			problem(v,
				"layer %s: content differs from what was unpacked (%llu files, "
				"%llu recorded)",
				diff, (unsigned long long)files,
				(unsigned long long)sqlite3_column_int64(q, 1));
	}
	sqlite3_finalize(q);
}

static void check_blobs(struct img_store *s, char ***v)
{
	struct error e;
	sqlite3_stmt *q = img_db_prepare(s,
					 "SELECT id FROM images UNION SELECT digest FROM manifests "
					 "UNION SELECT blob_digest FROM image_layers",
					 &e);

	if (!q) {
		problem(v, "database: %s", e.msg);
		return;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *digest = (const char *)sqlite3_column_text(q, 0);
		const char *hex = img_digest_hex(digest);
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -1;
		char got[72];

		if (!hex) {
			problem(v, "blob %s: invalid digest", digest ? digest : "(null)");
			continue;
		}
		path = xasprintf("blobs/sha256/%s", hex);
		fd = openat(s->rootfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			problem(v, "blob %s: missing", digest);
		else if (img_digest_fd(fd, got, NULL, &e) < 0)
			problem(v, "blob %s: %s", digest, e.msg);
		else if (strcmp(got, digest))
			problem(v, "blob %s: content has digest %s", digest, got);
	}
	sqlite3_finalize(q);
}

static void check_users(struct img_store *s, char ***v, size_t *nusers)
{
	struct error e;
	sqlite3_stmt *q = img_db_prepare(s, "SELECT key, dir FROM containers", &e);

	if (!q) {
		problem(v, "database: %s", e.msg);
		return;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		const char *dir = (const char *)sqlite3_column_text(q, 1);
		struct stat st;

		(*nusers)++;
		if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			problem(
			    v,
			    "%s: directory '%s' is missing (an interrupted command: run it again)",
			    key, dir ? dir : "");
	}
	sqlite3_finalize(q);
}

/* Every entry of the store's directories is recorded, the trash is
 * empty and tmp/ holds only live commands' staging dirs. */
static void check_unreferenced(struct img_store *s, char ***v)
{
	static const char *const dirs[] = {"layers", "blobs/sha256", "containers", "trash", "tmp"};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_close_ int fd =
		    openat(s->rootfd, dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		if (fd < 0 || !(d = fdopendir(steal_fd(&fd)))) {
			problem(v, "'%s/%s' cannot be read", s->root, dirs[i]);
			continue;
		}
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (!strcmp(dirs[i], "tmp")) {
				_cleanup_close_ int sfd =
				    openat(dirfd(d), de->d_name,
					   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

				if (sfd >= 0 && flock(sfd, LOCK_EX | LOCK_NB) < 0)
					continue; /* a live command's */
				problem(v, "'%s/tmp/%s': left by a killed command", s->root,
					de->d_name);
			} else if (!strcmp(dirs[i], "trash")) {
				problem(v, "'%s/trash/%s': a deletion not finished", s->root,
					de->d_name);
			} else if (!img_store_vouches(s, dirs[i], de->d_name)) {
				problem(v, "'%s/%s/%s': not referenced by the database", s->root,
					dirs[i], de->d_name);
			}
		}
	}
}

int img_store_check(struct img_store *s, char ***problems, struct img_check_stats *stats,
		    struct error *err)
{
	struct img_check_stats st = {0};
	char **v;

	if (img_libs_load(IMG_LIB_CRYPTO, err) < 0)
		return -1;
	v = xzalloc(sizeof(char *));
	/* Exclusive: no load is half way between its files and its rows. */
	if (flock(s->gcfd, LOCK_EX) < 0) {
		strv_free(v);
		return error_sys(err, "cannot lock '%s/gc.lock'", s->root);
	}
	check_db(s, &v);
	check_layers(s, &v, &st.layers);
	check_blobs(s, &v);
	check_users(s, &v, &st.users);
	check_unreferenced(s, &v);
	flock(s->gcfd, LOCK_UN);
	{
		struct error e;
		sqlite3_stmt *q = img_db_prepare(s, "SELECT COUNT(*) FROM images", &e);

		if (q && sqlite3_step(q) == SQLITE_ROW)
			st.images = (size_t)sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	if (stats)
		*stats = st;
	*problems = v;
	return 0;
}
