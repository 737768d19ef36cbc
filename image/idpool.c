/* The pool of id ranges for `--userns=auto` (root): one range of ids per
 * container, in the store's database beside the containers they serve.
 *
 * Table (made on first use): userns_ranges, one row per container with
 * the first host uid and gid of its range; the uid is the key, and every
 * allocation reads the taken ranges and inserts a free one inside one
 * IMMEDIATE transaction, so concurrent `run`s serialize on SQLite's write
 * lock and never get overlapping ranges.
 *
 * A container's range goes with its row in engine_containers (a trigger),
 * so `rm` releases it in the same statement.  A create killed after the
 * allocation leaves the range with a container that is not ready and
 * never will be (start refuses it): the next allocation takes such a
 * range back once the process that made it (pid and start time, recorded
 * with the range) is gone, and ranges of containers no longer recorded
 * at all.  So a kill -9 leaks no range past the next allocation. */
#include "image/internal.h"

#include <string.h>

static const char pool_schema[] =
    "CREATE TABLE IF NOT EXISTS userns_ranges (uid INTEGER PRIMARY KEY, gid INTEGER NOT NULL, "
    "size INTEGER NOT NULL, ctr TEXT NOT NULL UNIQUE, pid INTEGER NOT NULL, "
    "pid_start INTEGER NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS userns_release AFTER DELETE ON engine_containers BEGIN "
    "DELETE FROM userns_ranges WHERE ctr = OLD.id; END;";

/* Ranges of containers gone, or not ready while their creator is dead. */
static int pool_sweep(struct img_store *s, struct error *err)
{
	sqlite3_stmt *q;
	int64_t *dead = NULL;
	size_t n = 0;
	int rc;

	if (img_db_exec(s,
			"DELETE FROM userns_ranges WHERE ctr NOT IN "
			"(SELECT id FROM engine_containers)",
			err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "SELECT r.uid, r.pid, r.pid_start FROM userns_ranges r JOIN "
			   "engine_containers c ON c.id = r.ctr WHERE c.ready = 0",
			   err);
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		pid_t pid = (pid_t)sqlite3_column_int64(q, 1);
		uint64_t start = (uint64_t)sqlite3_column_int64(q, 2);

		if (pid > 0 && proc_start_time(pid) == start)
			continue; /* its create still runs */
		dead = xrealloc(dead, (n + 1) * sizeof(*dead));
		dead[n++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(dead);
		return img_db_error(s, err, "cannot read the id pool");
	}
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		q = img_db_prepare(s, "DELETE FROM userns_ranges WHERE uid = ?1", err);
		if (!q)
			break;
		sqlite3_bind_int64(q, 1, dead[i]);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	free(dead);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot sweep the id pool");
	return 0;
}

static bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

/* The first slot k (uid start + k*size, gid likewise) inside the pool
 * that no taken range overlaps; -1 when none. */
static int64_t slot_find(struct img_store *s, const struct img_idpool *p, uint32_t size,
			 struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(s, "SELECT uid, gid, size FROM userns_ranges", err);
	uint64_t(*taken)[3] = NULL, slots;
	size_t n = 0;
	int rc;

	if (!q)
		return -2;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		taken = xrealloc(taken, (n + 1) * sizeof(*taken));
		for (int c = 0; c < 3; c++)
			taken[n][c] = (uint64_t)sqlite3_column_int64(q, c);
		n++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(taken);
		img_db_error(s, err, "cannot read the id pool");
		return -2;
	}
	slots = (p->uid_size < p->gid_size ? p->uid_size : p->gid_size) / size;
	for (uint64_t k = 0; k < slots; k++) {
		uint64_t u = p->uid_start + k * size, g = p->gid_start + k * size;
		bool free_slot = true;

		for (size_t i = 0; i < n && free_slot; i++)
			free_slot = !overlaps(u, size, taken[i][0], taken[i][2]) &&
				    !overlaps(g, size, taken[i][1], taken[i][2]);
		if (free_slot) {
			free(taken);
			return (int64_t)k;
		}
	}
	free(taken);
	error_set(err, ENOSPC,
		  "--userns=auto: no free range of %u ids left in the pool %u-%llu (%zu in use)",
		  size, p->uid_start, (unsigned long long)p->uid_start + p->uid_size - 1, n);
	return -1;
}

static int range_insert(struct img_store *s, const struct img_idrange *r, const char *ctr,
			struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(s,
					 "INSERT INTO userns_ranges(uid, gid, size, ctr, pid, "
					 "pid_start) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					 err);
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, r->uid);
	sqlite3_bind_int64(q, 2, r->gid);
	sqlite3_bind_int64(q, 3, r->size);
	sqlite3_bind_text(q, 4, ctr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, getpid());
	sqlite3_bind_int64(q, 6, (int64_t)proc_start_time(getpid()));
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot record the id range");
	return 0;
}

int img_idpool_alloc(struct img_store *s, const struct img_idpool *pool, uint32_t size,
		     const char *ctr, struct img_idrange *out, struct error *err)
{
	int64_t k;

	if (!size || pool->uid_size < size || pool->gid_size < size)
		return error_set(err, ENOSPC, "--userns=auto: the pool has fewer than %u ids",
				 size);
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0 || img_db_begin(s, err) < 0)
		return -1;
	if (img_db_exec(s, pool_schema, err) < 0 || pool_sweep(s, err) < 0)
		goto fail;
	k = slot_find(s, pool, size, err);
	if (k < 0)
		goto fail;
	out->uid = pool->uid_start + (uint32_t)k * size;
	out->gid = pool->gid_start + (uint32_t)k * size;
	out->size = size;
	if (range_insert(s, out, ctr, err) < 0)
		goto fail;
	/* Killed here, the transaction is rolled back: nothing taken. */
	fault_point("idpool-insert");
	return img_db_commit(s, err);
fail:
	img_db_rollback(s);
	return -1;
}
