/* The store: directories, the SQLite database, and the sweep of leftovers. */
#include "image/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

/* Layers are referenced through image_layers (their reference count is
 * the number of rows naming them); containers pin their image. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS images ("
	"  id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL,"
	"  created INTEGER NOT NULL, loaded INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS manifests ("
	"  digest TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  media_type TEXT NOT NULL, size INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS layers ("
	"  diff_id TEXT PRIMARY KEY, size INTEGER NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS image_layers ("
	"  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL, diff_id TEXT NOT NULL REFERENCES layers(diff_id),"
	"  blob_digest TEXT NOT NULL, media_type TEXT NOT NULL, blob_size INTEGER NOT NULL,"
	"  PRIMARY KEY (image_id, idx));"
	"CREATE INDEX IF NOT EXISTS image_layers_diff ON image_layers(diff_id);"
	"CREATE TABLE IF NOT EXISTS tags ("
	"  name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);"
	"CREATE TABLE IF NOT EXISTS containers ("
	"  key TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id),"
	"  dir TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE VIEW IF NOT EXISTS layer_refs AS SELECT l.diff_id, l.size,"
	"  (SELECT COUNT(*) FROM image_layers il WHERE il.diff_id = l.diff_id) AS refcount"
	"  FROM layers l;";

static const char *const subdirs[] = {"blobs", "blobs/sha256", "layers", "tmp", "containers"};

int img_db_error(struct img_store *s, struct error *err, const char *what)
{
	return error_set(err, EIO, "%s: database '%s/nook.db': %s", what, s->root,
			 sqlite3_errmsg(s->db));
}

int img_db_exec(struct img_store *s, const char *sql, struct error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return img_db_error(s, err, "cannot update the store");
	return 0;
}

/* IMMEDIATE: take the write lock up front, so two writers never both
 * read and then deadlock upgrading (which SQLite reports as SQLITE_BUSY
 * without calling the busy handler). */
int img_db_begin(struct img_store *s, struct error *err)
{
	return img_db_exec(s, "BEGIN IMMEDIATE", err);
}

int img_db_commit(struct img_store *s, struct error *err)
{
	return img_db_exec(s, "COMMIT", err);
}

void img_db_rollback(struct img_store *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *img_db_prepare(struct img_store *s, const char *sql, struct error *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		img_db_error(s, err, "cannot query the store");
		return NULL;
	}
	return st;
}

static int db_open(struct img_store *s, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/nook.db", s->root);
	int rc;

	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return error_set(err, EIO, "cannot open database '%s': %s", path,
				 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(s->db, 60000);
	/* Switching to WAL can report BUSY without the busy handler while
	 * another process creates the database: retry for a while. */
	for (int i = 0;; i++) {
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			break;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || i > 600)
			return img_db_error(s, err, "cannot set WAL mode");
		usleep(50000);
	}
	if (img_db_exec(s, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", err) < 0)
		return -1;
	if (img_db_begin(s, err) < 0)
		return -1;
	if (img_db_exec(s, schema, err) < 0) {
		img_db_rollback(s);
		return -1;
	}
	return img_db_commit(s, err);
}

/* tmp/ holds one staging directory per running command, each flock'ed by
 * its owner.  One we can lock belongs to a command that died: remove it.
 * Returns how many were found (its files may have reached layers/ or
 * blobs/ unreferenced, so the caller sweeps). */
static int tmp_clean(struct img_store *s)
{
	_cleanup_close_ int tfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int stale = 0;

	if (tfd < 0)
		return 0;
	d = fdopendir(steal_fd(&tfd));
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_close_ int fd = -1;
		struct error e;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue;
		stale++;
		if (rm_rf_at(dirfd(d), de->d_name, &e) < 0)
			log_warn("cannot remove stale '%s': %s", de->d_name, e.msg);
	}
	return stale;
}

struct img_store *img_store_open(const struct img_store_opts *o, struct error *err)
{
	struct img_store *s = xzalloc(sizeof(*s));
	const char *root = o && o->root ? o->root : IMG_DEFAULT_ROOT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	s->rootfd = s->gcfd = -1;
	s->max_layer_size = o && o->max_layer_size ? o->max_layer_size : IMG_DEFAULT_MAX_LAYER_SIZE;
	s->jobs = o && o->jobs > 0 ? o->jobs : (ncpu > 0 ? (int)ncpu : 1);
	if (mkdir_p(root, 0700, err) < 0)
		goto fail;
	s->root = realpath(root, NULL);
	if (!s->root) {
		error_sys(err, "cannot resolve storage root '%s'", root);
		goto fail;
	}
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		error_sys(err, "cannot open storage root '%s'", s->root);
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		if (mkdirat(s->rootfd, subdirs[i], 0700) < 0 && errno != EEXIST) {
			error_sys(err, "cannot create '%s/%s'", s->root, subdirs[i]);
			goto fail;
		}
	s->gcfd = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->gcfd < 0) {
		error_sys(err, "cannot open '%s/gc.lock'", s->root);
		goto fail;
	}
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0 || db_open(s, err) < 0)
		goto fail;
	/* A command killed mid-way (kill -9, power loss) left its staging dir
	 * and perhaps unreferenced layers/blobs: the next command collects
	 * them.  Files only become visible through the database, so nothing
	 * half-made is ever seen meanwhile. */
	if (tmp_clean(s) > 0) {
		struct error e;

		if (img_store_sweep(s, false, NULL, &e) < 0)
			log_warn("sweep: %s", e.msg);
	}
	return s;
fail:
	img_store_free(s);
	return NULL;
}

void img_store_free(struct img_store *s)
{
	if (!s)
		return;
	if (s->db)
		sqlite3_close(s->db);
	if (s->rootfd >= 0)
		close(s->rootfd);
	if (s->gcfd >= 0)
		close(s->gcfd);
	free(s->root);
	free(s);
}

const char *img_store_root(const struct img_store *s)
{
	return s->root;
}

static bool db_has(struct img_store *s, const char *sql, const char *arg)
{
	sqlite3_stmt *st = NULL;
	bool found = true; /* on error keep the file */

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return true;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_DONE)
		found = false;
	sqlite3_finalize(st);
	return found;
}

static uint64_t du_at(int dfd, const char *name)
{
	struct stat st;
	uint64_t total = 0;
	int fd;
	DIR *d;
	struct dirent *de;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	total = (uint64_t)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode))
		return total;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return total;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return total;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			total += du_at(dirfd(d), de->d_name);
	closedir(d);
	return total;
}

/* Sweep one directory of the store: remove entries whose name (a sha256
 * hex) no query references. */
static int sweep_dir(struct img_store *s, const char *dir, const char *const *queries,
		     const char *prefix, uint64_t *reclaimed)
{
	_cleanup_close_ int fd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (fd < 0)
		return 0;
	d = fdopendir(steal_fd(&fd));
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *digest = NULL;
		bool used = false;
		struct error e;

		if (de->d_name[0] == '.')
			continue;
		digest = xasprintf("%s%s", prefix, de->d_name);
		for (size_t i = 0; queries[i] && !used; i++)
			used = db_has(s, queries[i], digest);
		if (used)
			continue;
		if (reclaimed)
			*reclaimed += du_at(dirfd(d), de->d_name);
		if (rm_rf_at(dirfd(d), de->d_name, &e) < 0)
			log_warn("sweep: %s", e.msg);
	}
	return 0;
}

int img_store_sweep(struct img_store *s, bool wait, uint64_t *reclaimed, struct error *err)
{
	static const char *const layer_q[] = {
		"SELECT 1 FROM image_layers WHERE diff_id = ?1", NULL};
	static const char *const blob_q[] = {
		"SELECT 1 FROM images WHERE id = ?1",
		"SELECT 1 FROM manifests WHERE digest = ?1",
		"SELECT 1 FROM image_layers WHERE blob_digest = ?1", NULL};
	int rc;

	/* Exclusive against every load (they hold it shared from before they
	 * look at what is present until their transaction commits), so what
	 * is unreferenced now cannot be about to become referenced. */
	if (flock(s->gcfd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (!wait && errno == EWOULDBLOCK)
			return 0;
		return error_sys(err, "cannot lock '%s/gc.lock'", s->root);
	}
	rc = img_db_exec(s, "DELETE FROM layers WHERE diff_id NOT IN "
			    "(SELECT diff_id FROM image_layers)", err);
	if (rc == 0) {
		sweep_dir(s, "layers", layer_q, "sha256:", reclaimed);
		sweep_dir(s, "blobs/sha256", blob_q, "sha256:", reclaimed);
	}
	flock(s->gcfd, LOCK_UN);
	return rc;
}

int img_blob_read(struct img_store *s, const char *digest, char **out, size_t *len,
		  struct error *err)
{
	_cleanup_free_ char *path = NULL;
	const char *hex = img_digest_hex(digest);

	if (!hex)
		return error_set(err, EINVAL, "invalid digest '%s'", digest);
	path = xasprintf("blobs/sha256/%s", hex);
	return file_read_at(s->rootfd, path, 0, out, len, err);
}
