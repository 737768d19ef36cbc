/* The engine's container records (engine_containers): one row per
 * container `nook create`/`run` made.  Names are unique by the table's
 * UNIQUE index, so of two concurrent creates with one name exactly one
 * INSERT succeeds. */
#include "image/internal.h"

#include <string.h>

#define CTR_COLS                                                                                   \
	"id, name, image_id, image, created, config, dir, ready, monitor, monitor_start, pid, "    \
	"pid_start, started, finished, exit_code, oom"

static char *col_str(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return xstrdup(t ? (const char *)t : "");
}

static void ctr_read(sqlite3_stmt *q, struct img_ctr *c)
{
	c->id = col_str(q, 0);
	c->name = col_str(q, 1);
	c->image_id = col_str(q, 2);
	c->image = col_str(q, 3);
	c->created = sqlite3_column_int64(q, 4);
	c->config = col_str(q, 5);
	c->dir = col_str(q, 6);
	c->ready = (int)sqlite3_column_int64(q, 7) != 0;
	c->monitor = (pid_t)sqlite3_column_int64(q, 8);
	c->monitor_start = (uint64_t)sqlite3_column_int64(q, 9);
	c->pid = (pid_t)sqlite3_column_int64(q, 10);
	c->pid_start = (uint64_t)sqlite3_column_int64(q, 11);
	c->started = sqlite3_column_int64(q, 12);
	c->finished = sqlite3_column_int64(q, 13);
	c->exit_code = (int)sqlite3_column_int64(q, 14);
	c->oom = (int)sqlite3_column_int64(q, 15) != 0;
}

void img_ctr_release(struct img_ctr *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->image_id);
	free(c->image);
	free(c->config);
	free(c->dir);
	memset(c, 0, sizeof(*c));
}

void img_ctr_list_free(struct img_ctr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img_ctr_release(&v[i]);
	free(v);
}

/* One transaction for both rows: a commit less in every create. */
int img_ctr_add(struct img_store *s, const struct img_ctr *c, const char *user_key,
		struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0 || img_db_begin(s, err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "INSERT INTO engine_containers(id, name, image_id, image, created, "
			   "config, dir) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			   err);
	if (!q)
		goto fail;
	sqlite3_bind_text(q, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, c->image_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, c->image, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, c->created);
	sqlite3_bind_text(q, 6, c->config, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, c->dir, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT) {
		error_set(err, EEXIST, "the container name \"%s\" is already in use", c->name);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		img_db_error(s, err, "cannot record container");
		goto fail;
	}
	/* Not EEXIST when the key is taken: that is a name taken. */
	if ((user_key && img_user_insert(s, user_key, c->image_id, EBUSY, err) < 0) ||
	    img_db_commit(s, err) < 0)
		goto fail;
	return 0;
fail:
	img_db_rollback(s);
	return -1;
}

/* Run an UPDATE/DELETE with id as ?1 and up to five integers ?2..?6. */
static int ctr_exec(struct img_store *s, const char *sql, const char *id, int64_t a, int64_t b,
		    int64_t c, int64_t d, int64_t e, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s, sql, err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, a);
	sqlite3_bind_int64(q, 3, b);
	sqlite3_bind_int64(q, 4, c);
	sqlite3_bind_int64(q, 5, d);
	sqlite3_bind_int64(q, 6, e);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot update container");
	return 0;
}

int img_ctr_set_ready(struct img_store *s, const char *id, struct error *err)
{
	return ctr_exec(s, "UPDATE engine_containers SET ready = 1 WHERE id = ?1", id, 0, 0, 0, 0,
			0, err);
}

int img_ctr_set_started(struct img_store *s, const char *id, pid_t monitor, uint64_t monitor_start,
			pid_t pid, uint64_t pid_start, int64_t started, struct error *err)
{
	return ctr_exec(s,
			"UPDATE engine_containers SET ready = 1, monitor = ?2, monitor_start = ?3, "
			"pid = ?4, pid_start = ?5, started = ?6, "
			"config = json_remove(config, '$.Error') WHERE id = ?1",
			id, monitor, (int64_t)monitor_start, pid, (int64_t)pid_start, started, err);
}

int img_ctr_set_exited(struct img_store *s, const char *id, int exit_code, int64_t finished,
		       bool oom, struct error *err)
{
	return ctr_exec(s,
			"UPDATE engine_containers SET exit_code = ?2, finished = ?3, oom = ?4 "
			"WHERE id = ?1",
			id, exit_code, finished, oom, 0, 0, err);
}

int img_ctr_set_error(struct img_store *s, const char *id, int exit_code, const char *msg,
		      struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "UPDATE engine_containers SET ready = 1, exit_code = ?2, "
			   "config = json_set(config, '$.Error', ?3) WHERE id = ?1",
			   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, exit_code);
	sqlite3_bind_text(q, 3, msg, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot update container");
	return 0;
}

int img_ctr_rename(struct img_store *s, const char *id, const char *name, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s, "UPDATE engine_containers SET name = ?2 WHERE id = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT)
		return error_set(err, EEXIST, "the container name \"%s\" is already in use", name);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot rename container");
	return 0;
}

int img_ctr_remove(struct img_store *s, const char *id, struct error *err)
{
	return ctr_exec(s, "DELETE FROM engine_containers WHERE id = ?1", id, 0, 0, 0, 0, 0, err);
}

int img_ctr_list(struct img_store *s, struct img_ctr **out, size_t *n, struct error *err)
{
	struct img_ctr *v = NULL;
	size_t cnt = 0;
	sqlite3_stmt *q;
	int rc;

	*out = NULL;
	*n = 0;
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s, "SELECT " CTR_COLS " FROM engine_containers ORDER BY created DESC",
			   err);
	if (!q)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		ctr_read(q, &v[cnt++]);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		img_ctr_list_free(v, cnt);
		return img_db_error(s, err, "cannot list containers");
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* A full id or a name first; else a unique id prefix. */
int img_ctr_find(struct img_store *s, const char *ref, struct img_ctr *out, struct error *err)
{
	sqlite3_stmt *q;
	size_t len = strlen(ref);
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(
	    s, "SELECT " CTR_COLS " FROM engine_containers WHERE id = ?1 OR name = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		ctr_read(q, out);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot find container");
	if (len == 0 || len > 64 || strspn(ref, "0123456789abcdef") != len)
		return error_set(err, ENOENT, "no such container: %s", ref);
	q = img_db_prepare(s,
			   "SELECT " CTR_COLS
			   " FROM engine_containers WHERE substr(id, 1, ?2) = ?1 "
			   "LIMIT 2",
			   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)len);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (found++ == 0)
			ctr_read(q, out);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		img_ctr_release(out);
		return img_db_error(s, err, "cannot find container");
	}
	if (found > 1) {
		img_ctr_release(out);
		return error_set(err, EINVAL,
				 "container prefix '%s' is ambiguous: more than one container "
				 "matches",
				 ref);
	}
	if (!found)
		return error_set(err, ENOENT, "no such container: %s", ref);
	return 0;
}
