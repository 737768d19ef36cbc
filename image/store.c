/* The store: directories, the SQLite database, and the sweep of leftovers. */
#include "image/internal.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
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
    "CREATE TABLE IF NOT EXISTS engine_containers ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, image_id TEXT NOT NULL, image TEXT NOT NULL,"
    "  created INTEGER NOT NULL, config TEXT NOT NULL, dir TEXT NOT NULL,"
    "  ready INTEGER NOT NULL DEFAULT 0, monitor INTEGER NOT NULL DEFAULT 0,"
    "  monitor_start INTEGER NOT NULL DEFAULT 0, pid INTEGER NOT NULL DEFAULT 0,"
    "  pid_start INTEGER NOT NULL DEFAULT 0, started INTEGER NOT NULL DEFAULT 0,"
    "  finished INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT 0,"
    "  oom INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX IF NOT EXISTS engine_containers_name ON engine_containers(name);"
    "CREATE TABLE IF NOT EXISTS volumes ("
    "  name TEXT PRIMARY KEY, created INTEGER NOT NULL, anonymous INTEGER NOT NULL,"
    "  state INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS volume_users ("
    "  volume TEXT NOT NULL, ctr TEXT NOT NULL, PRIMARY KEY (volume, ctr));"
    "CREATE INDEX IF NOT EXISTS volume_users_ctr ON volume_users(ctr);"
    /* Version 7: a container's volume links go with its row, in the same
     * statement. */
    "CREATE TRIGGER IF NOT EXISTS volume_users_release AFTER DELETE ON engine_containers BEGIN "
    "DELETE FROM volume_users WHERE ctr = OLD.id; END;"
    "CREATE VIEW IF NOT EXISTS layer_refs AS SELECT l.diff_id, l.size,"
    "  (SELECT COUNT(*) FROM image_layers il WHERE il.diff_id = l.diff_id) AS refcount"
    "  FROM layers l;";

static const char *const subdirs[] = {"blobs", "blobs/sha256", "layers", "tmp", "containers",
				       "trash"};

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
	/* The log kept between commands still holds the last command's
	 * frames, which SQLite, rebuilding its index, counts as not yet
	 * copied: the first write would go after them, into new blocks.
	 * Copying them (the pages are in the database already) lets it start
	 * the log over, in blocks the file owns (see db_reserve). */
	if (!s->wal_settled) {
		sqlite3_exec(s->db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL);
		s->wal_settled = true;
	}
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

/* Bump when the schema changes; upgrades run once, in one transaction
 * (SQLite's DDL is transactional: a kill -9 mid-upgrade leaves the old
 * schema and version, which the next command upgrades again). */
#define SCHEMA_VERSION 7
/* Size of the write-ahead log kept on disk (see db_reserve). */
#define WAL_RESERVE (512 << 10)

static int db_int(struct img_store *s, const char *sql, int64_t *out, struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(s, sql, err);
	int rc;

	if (!q)
		return -1;
	rc = sqlite3_step(q);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot read the store");
	return 0;
}

/* The store must stay usable on a full disk: listing, rmi and prune are
 * what frees space.  So nothing an ordinary open does may need a new disk
 * block.  WAL mode is stored in the database file and set once, here;
 * the log and its index are kept between commands (SQLITE_FCNTL_PERSIST_WAL
 * on every connection) instead of being created and deleted by each one;
 * and the log is grown once to WAL_RESERVE, and the database by as many
 * free pages, so a later transaction of that size overwrites blocks the
 * files already own. */
static int db_reserve(struct img_store *s, struct error *err)
{
	static const char fill[] = "CREATE TABLE IF NOT EXISTS reserve(b BLOB);"
				   "INSERT INTO reserve VALUES (zeroblob(%d))";

	_cleanup_free_ char *sql = xasprintf(fill, WAL_RESERVE);

	if (img_db_exec(s, sql, err) < 0)
		return -1;
	return img_db_exec(s, "DROP TABLE reserve", err);
}

static int db_upgrade(struct img_store *s, struct error *err)
{
	int64_t version;
	bool fresh;

	if (img_db_begin(s, err) < 0)
		return -1;
	if (db_int(s, "PRAGMA user_version", &version, err) < 0)
		goto fail;
	if (version >= SCHEMA_VERSION)
		return img_db_commit(s, err);
	fresh = version == 0;
	if (img_db_exec(s, schema, err) < 0)
		goto fail;
	/* Version 2: what a layer held when it was unpacked (system check). */
	if (version < 2 &&
	    img_db_exec(s, "ALTER TABLE layers ADD COLUMN files INTEGER;"
			   "ALTER TABLE layers ADD COLUMN content TEXT", err) < 0)
		goto fail;
	/* Version 5: a volume's labels (volume create --label), a JSON object. */
	if (version < 5 &&
	    img_db_exec(s, "ALTER TABLE volumes ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'",
			err) < 0)
		goto fail;
	/* Version 6: a volume's local driver options (volume create -o). */
	if (version < 6 &&
	    img_db_exec(s, "ALTER TABLE volumes ADD COLUMN options TEXT NOT NULL DEFAULT '{}'",
			err) < 0)
		goto fail;
	fault_point("store-upgrading");
	{
		_cleanup_free_ char *v = xasprintf("PRAGMA user_version=%d", SCHEMA_VERSION);

		if (img_db_exec(s, v, err) < 0)
			goto fail;
	}
	if (img_db_commit(s, err) < 0)
		return -1;
	return fresh ? db_reserve(s, err) : 0;
fail:
	img_db_rollback(s);
	return -1;
}

/* A relaxed connection (the engine's create, start and monitor) leaves
 * its commits in the log instead of copying them into the database, which
 * costs an fsync of the log and one of the database each time: it does
 * not checkpoint before its first write nor when it closes.  SQLite checks
 * after each commit that the log holds fewer than WAL_RELAXED_PAGES pages
 * and checkpoints when it does, so the log stays inside WAL_RESERVE (the
 * blocks it owns; see db_reserve) in a run of engine commands.  A log an
 * image command left longer than that is copied at that first commit. */
#define WAL_RELAXED_PAGES 100
_Static_assert(WAL_RELAXED_PAGES * (4096 + 24) < WAL_RESERVE,
	       "the relaxed log outgrows its reserve");

static int db_relax(struct img_store *s, struct error *err)
{
	_cleanup_free_ char *sql = xasprintf("PRAGMA wal_autocheckpoint=%d", WAL_RELAXED_PAGES);

	if (img_sqlite_db_flag(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1) != SQLITE_OK)
		return img_db_error(s, err, "cannot configure the store");
	s->wal_settled = true;
	return img_db_exec(s, sql, err);
}

static int db_open(struct img_store *s, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/nook.db", s->root);
	int64_t version = 0;
	int persist = 1;
	int rc;

	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return error_set(err, EIO, "cannot open database '%s': %s", path,
				 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(s->db, 60000);
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	/* NORMAL in WAL mode: a commit is not fsync'd, only each checkpoint
	 * is (the log first, then the database), so the database is never
	 * corrupt; the last commits before a power loss may be lost. */
	if (img_db_exec(s,
			s->relaxed ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
				     "PRAGMA temp_store=MEMORY"
				   : "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; "
				     "PRAGMA temp_store=MEMORY",
			err) < 0)
		return -1;
	if (s->relaxed && db_relax(s, err) < 0)
		return -1;
	if (db_int(s, "PRAGMA user_version", &version, err) < 0)
		return -1;
	if (version >= SCHEMA_VERSION)
		return 0;
	/* A new store (or an old one): switch to WAL once.  This can report
	 * BUSY without the busy handler while another process creates the
	 * database: retry for a while. */
	for (int i = 0;; i++) {
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			break;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || i > 600)
			return img_db_error(s, err, "cannot set WAL mode");
		usleep(50000);
	}
	return db_upgrade(s, err);
}

/* ---------------------------------------------------------- recovery -- */

/* What the database vouches for.  A layer directory, blob or container
 * directory the database does not name is never used: it is left over
 * from a killed command (or being filled by a live one, which holds the
 * gc lock shared while its files are not yet recorded). */
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


static const char *const layer_q[] = {"SELECT 1 FROM image_layers WHERE diff_id = ?1", NULL};
static const char *const blob_q[] = {"SELECT 1 FROM images WHERE id = ?1",
				     "SELECT 1 FROM manifests WHERE digest = ?1",
				     "SELECT 1 FROM image_layers WHERE blob_digest = ?1", NULL};
static const char *const user_q[] = {"SELECT 1 FROM containers WHERE dir = ?1", NULL};

/* Kinds of store entries.  In trash/ an entry is named "<kind>-<name>"
 * (or "junk-..." for what is never restored). */
static const struct store_kind {
	const char *kind, *dir, *prefix; /* prefix: turns a name into what queries take */
	const char *const *queries;
} kinds[] = {
	{"layer", "layers", "sha256:", layer_q},
	{"blob", "blobs/sha256", "sha256:", blob_q},
	{"user", "containers", NULL, user_q},
};

static bool kind_used(struct img_store *s, const struct store_kind *k, const char *name)
{
	_cleanup_free_ char *arg = k->prefix ? xasprintf("%s%s", k->prefix, name)
					     : xasprintf("%s/%s/%s", s->root, k->dir, name);

	for (size_t i = 0; k->queries[i]; i++)
		if (db_has(s, k->queries[i], arg))
			return true;
	return false;
}

bool img_store_vouches(struct img_store *s, const char *dir, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].dir, dir))
			return kind_used(s, &kinds[i], name);
	return false;
}

int img_trash_put(struct img_store *s, int fromfd, const char *from, const char *kind,
		  const char *name, char **moved_to, struct error *err)
{
	for (unsigned i = 0;; i++) {
		_cleanup_free_ char *to = i ? xasprintf("trash/junk-%s-%s-%d-%u", kind, name,
							 (int)getpid(), i)
					    : xasprintf("trash/%s-%s", kind, name);

		if (renameat2(fromfd, from, s->rootfd, to, RENAME_NOREPLACE) == 0) {
			if (moved_to)
				*moved_to = steal_pointer(&to);
			return 0;
		}
		if (errno == ENOENT)
			return 0; /* already gone */
		if (errno != EEXIST || i > 1000)
			return error_sys(err, "cannot move '%s' to '%s/trash'", from, s->root);
	}
}

/* ".del-<name>": an entry a process is deleting (img_trash_delete), left
 * alone while it holds its lock (a dead one holds none). */
static bool trash_busy(int dfd, const char *name)
{
	_cleanup_close_ int fd = -1;

	if (!str_has_prefix(name, ".del-"))
		return false;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* Finish interrupted deletions.  An entry "<kind>-<name>" whose owner is
 * still recorded (its transaction never committed) goes back where it
 * was; everything else is deleted.  Under the gc lock held exclusively. */
static void trash_finish(struct img_store *s, uint64_t *reclaimed)
{
	_cleanup_close_ int tfd = openat(s->rootfd, "trash", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (tfd < 0 || !(d = fdopendir(steal_fd(&tfd))))
		return;
	while ((de = readdir(d))) {
		struct error e;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    trash_busy(dirfd(d), de->d_name))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			size_t kl = strlen(kinds[i].kind);
			const char *name = de->d_name + kl + 1;
			_cleanup_free_ char *home = NULL;

			if (strncmp(de->d_name, kinds[i].kind, kl) || de->d_name[kl] != '-' ||
			    !kind_used(s, &kinds[i], name))
				continue;
			home = xasprintf("%s/%s", kinds[i].dir, name);
			if (renameat2(dirfd(d), de->d_name, s->rootfd, home, RENAME_NOREPLACE) == 0)
				break;
		}
		if (faccessat(dirfd(d), de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (reclaimed)
			*reclaimed += du_at(dirfd(d), de->d_name);
		if (rm_rf_at(dirfd(d), de->d_name, &e) < 0)
			log_warn("cannot empty the trash: %s", e.msg);
	}
}

/* Move what nothing vouches for (a killed load's files, an old nook's
 * half-deleted layers) to the trash. */
void img_store_collect(struct img_store *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		_cleanup_close_ int fd =
			openat(s->rootfd, kinds[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		if (fd < 0 || !(d = fdopendir(steal_fd(&fd))))
			continue;
		while ((de = readdir(d))) {
			struct error e;

			if (de->d_name[0] == '.' || kind_used(s, &kinds[i], de->d_name))
				continue;
			if (img_trash_put(s, dirfd(d), de->d_name, kinds[i].kind, de->d_name, NULL,
					  &e) < 0)
				log_warn("sweep: %s", e.msg);
		}
	}
}

/* tmp/ holds one staging directory per running command, each flock'ed by
 * its owner.  One we can lock belongs to a command that died: with move
 * it goes to the trash (its files may have reached layers/ or blobs/
 * unreferenced, and a non-empty trash makes the next command sweep).
 * Returns how many were found. */
static int tmp_clean(struct img_store *s, bool move)
{
	_cleanup_close_ int tfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int stale = 0;

	if (tfd < 0 || !(d = fdopendir(steal_fd(&tfd))))
		return 0;
	while ((de = readdir(d))) {
		_cleanup_close_ int fd = -1;
		struct error e;

		/* ".new-PID-..." is a staging dir before its owner locked it. */
		if (de->d_name[0] == '.' &&
		    (!str_has_prefix(de->d_name, ".new-") ||
		     kill((pid_t)atoi(de->d_name + 5), 0) == 0 || errno != ESRCH))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue;
		stale++;
		if (move && img_trash_put(s, dirfd(d), de->d_name, "junk", de->d_name, NULL, &e) < 0)
			log_warn("cannot remove stale '%s': %s", de->d_name, e.msg);
	}
	return stale;
}

int img_spare_make(const char *root, const char *name)
{
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", root);
	_cleanup_free_ char *stage = xasprintf(".new-%d-spare-%s", (int)getpid(), name);
	_cleanup_free_ char *spare = xasprintf("spare-%s", name);
	_cleanup_close_ int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct error e;
	int fd;

	/* Made under a name tmp_clean leaves to a live maker, locked, then
	 * given the name the client looks for: complete or not there. */
	if (tfd < 0 || mkdirat(tfd, stage, 0700) < 0)
		return -1;
	fd = openat(tfd, stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && mkdirat(fd, "upper", 0755) == 0 &&
	    mkdirat(fd, "work", 0700) == 0 && renameat(tfd, stage, tfd, spare) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	rm_rf_at(tfd, stage, &e);
	return -1;
}

void img_spare_drop(const char *root, const char *name, int fd)
{
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", root);
	_cleanup_free_ char *spare = xasprintf("spare-%s", name);
	_cleanup_close_ int tfd = -1;
	struct stat a, b;
	struct error e;

	if (fd < 0)
		return;
	/* Still ours (not taken): deleted while it is locked, so no sweep
	 * deletes it beside us. */
	tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd >= 0 && fstat(fd, &a) == 0 && fstatat(tfd, spare, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		rm_rf_at(tfd, spare, &e);
	close(fd);
}

bool img_store_spare_take(struct img_store *s, const char *dir)
{
	_cleanup_free_ char *spare = NULL;

	if (!s->spare)
		return false;
	spare = xasprintf("tmp/spare-%s", s->spare);
	free(s->spare);
	s->spare = NULL;
	return renameat2(s->rootfd, spare, AT_FDCWD, dir, RENAME_NOREPLACE) == 0;
}

static bool trash_empty(struct img_store *s)
{
	_cleanup_close_ int tfd = openat(s->rootfd, "trash", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (tfd < 0 || !(d = fdopendir(steal_fd(&tfd))))
		return true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !trash_busy(dirfd(d), de->d_name))
			return false;
	return true;
}

int img_trash_delete(const char *root, const char *left, struct error *err)
{
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int gcfd = -1, fd = -1;
	_cleanup_free_ char *busy = NULL;
	const char *name = str_has_prefix(left, "trash/") ? left + 6 : NULL;

	if (!name || !*name || *name == '.' || strchr(name, '/'))
		return error_set(err, EINVAL, "'%s' is not in the trash", left);
	if (rootfd < 0)
		return error_sys(err, "cannot open storage root '%s'", root);
	gcfd = openat(rootfd, "gc.lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (gcfd < 0 || flock(gcfd, LOCK_SH) < 0)
		return error_sys(err, "cannot lock '%s/gc.lock'", root);
	/* Locked and renamed under the gc lock (no sweep is deleting it
	 * meanwhile) to a name sweeps skip while it is locked: the next
	 * command neither waits for us nor deletes it beside us.  Killed, we
	 * hold no lock, and the next command's sweep deletes it. */
	fd = openat(rootfd, left, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : error_sys(err, "cannot open '%s/%s'", root, left);
	busy = xasprintf("trash/.del-%s", name);
	if (flock(fd, LOCK_EX) < 0 || renameat(rootfd, left, rootfd, busy) < 0)
		return error_sys(err, "cannot take '%s/%s'", root, left);
	flock(gcfd, LOCK_UN);
	fault_point("trash-delete");
	return rm_rf_at(rootfd, busy, err);
}

void img_store_recover_locked(struct img_store *s, uint64_t *reclaimed)
{
	trash_finish(s, reclaimed); /* first: puts back what a rolled back rmi moved */
	tmp_clean(s, true);
	img_store_collect(s);
	trash_finish(s, reclaimed);
}

int img_store_recover(struct img_store *s, struct error *err)
{
	if (trash_empty(s) && tmp_clean(s, false) == 0)
		return 0;
	/* Exclusive: no load is between looking at the store and recording
	 * what it added, no rmi between forgetting and deleting. */
	if (flock(s->gcfd, LOCK_EX) < 0)
		return error_sys(err, "cannot lock '%s/gc.lock'", s->root);
	img_store_recover_locked(s, NULL);
	flock(s->gcfd, LOCK_UN);
	return 0;
}

bool img_store_trash_empty(struct img_store *s)
{
	return trash_empty(s);
}

/* The store's directories.  Made in this order: with the last one there,
 * all are (a kill while they were made leaves the last one missing). */
static int subdirs_make(struct img_store *s, struct error *err)
{
	if (faccessat(s->rootfd, subdirs[ARRAY_SIZE(subdirs) - 1], F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		if (mkdirat(s->rootfd, subdirs[i], 0700) < 0 && errno != EEXIST)
			return error_sys(err, "cannot create '%s/%s'", s->root, subdirs[i]);
	return 0;
}

struct img_store *img_store_open(const struct img_store_opts *o, struct error *err)
{
	struct img_store *s = xzalloc(sizeof(*s));
	const char *root = o && o->root ? o->root : IMG_DEFAULT_ROOT;

	s->rootfd = s->gcfd = -1;
	s->max_layer_size = o && o->max_layer_size ? o->max_layer_size : IMG_DEFAULT_MAX_LAYER_SIZE;
	s->jobs = o && o->jobs > 0 ? o->jobs : 0; /* 0: the online CPUs, asked when needed */
	s->relaxed = o && o->relaxed;
	s->spare = o && o->spare ? xstrdup(o->spare) : NULL;
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
	if (subdirs_make(s, err) < 0)
		goto fail;
	s->gcfd = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->gcfd < 0) {
		error_sys(err, "cannot open '%s/gc.lock'", s->root);
		goto fail;
	}
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0 || db_open(s, err) < 0)
		goto fail;
	/* A command killed mid-way (kill -9, power loss) left its staging dir,
	 * perhaps unreferenced layers/blobs, or a deletion half done in
	 * trash/: the next command finishes it.  Files only become visible
	 * through the database, so nothing half-made is ever seen meanwhile. */
	if (img_store_recover(s, err) < 0)
		goto fail;
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
	free(s->spare);
	free(s);
}

const char *img_store_root(const struct img_store *s)
{
	return s->root;
}

int img_store_sweep(struct img_store *s, bool wait, uint64_t *reclaimed, struct error *err)
{
	/* Exclusive against every load (they hold it shared from before they
	 * look at what is present until their transaction commits), so what
	 * is unreferenced now cannot be about to become referenced. */
	if (flock(s->gcfd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (!wait && errno == EWOULDBLOCK)
			return 0;
		return error_sys(err, "cannot lock '%s/gc.lock'", s->root);
	}
	img_store_recover_locked(s, reclaimed);
	flock(s->gcfd, LOCK_UN);
	return 0;
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
