/* The engine's volume records (volumes, volume_users).  A volume's row is
 * written before its directory exists and forgotten after the directory
 * is gone (runtime/volume.c orders the steps); its state says how far it
 * got.  volume_users links a container to each volume it mounts: a volume
 * with a link to a container that exists is in use and cannot be
 * removed.  A link whose container is gone (a create killed before its
 * row, a remove killed after it) counts for nothing. */
#include "image/internal.h"

#include <string.h>

#define VOL_COLS "name, created, anonymous, state, labels, options"

/* In use: a link to a container that still has a row. */
#define VOL_IN_USE                                                                                 \
	"EXISTS (SELECT 1 FROM volume_users u JOIN engine_containers c ON c.id = u.ctr "           \
	"WHERE u.volume = v.name)"

static void vol_read(sqlite3_stmt *q, struct img_vol *v)
{
	const unsigned char *t = sqlite3_column_text(q, 0);

	v->name = xstrdup(t ? (const char *)t : "");
	v->created = sqlite3_column_int64(q, 1);
	v->anonymous = sqlite3_column_int64(q, 2) != 0;
	v->state = (enum img_vol_state)sqlite3_column_int64(q, 3);
	t = sqlite3_column_text(q, 4);
	v->labels = xstrdup(t ? (const char *)t : "{}");
	t = sqlite3_column_text(q, 5);
	v->options = xstrdup(t ? (const char *)t : "{}");
	v->in_use = sqlite3_column_int64(q, 6) != 0;
}

void img_vol_release(struct img_vol *v)
{
	free(v->name);
	free(v->labels);
	free(v->options);
}

void img_vol_list_free(struct img_vol *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img_vol_release(&v[i]);
	free(v);
}

/* sql with a, b, c (NULL: unbound) as ?1, ?2, ?5 and x, y as ?3, ?4. */
static int vol_exec(struct img_store *s, const char *sql, const char *a, const char *b,
		    const char *c, int64_t x, int64_t y, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0 || !(q = img_db_prepare(s, sql, err)))
		return -1;
	sqlite3_bind_text(q, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(q, 2, b, -1, SQLITE_STATIC);
	if (c)
		sqlite3_bind_text(q, 5, c, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, x);
	sqlite3_bind_int64(q, 4, y);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT)
		return error_set(err, EEXIST, "volume \"%s\" already exists", a);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot update volume");
	return 0;
}

int img_vol_add(struct img_store *s, const char *name, bool anonymous, const char *labels,
		const char *options, int64_t created, struct error *err)
{
	return vol_exec(s,
			"INSERT INTO volumes(name, labels, options, created, anonymous, state) "
			"VALUES (?1, coalesce(?2, '{}'), coalesce(?5, '{}'), ?3, ?4, 0)",
			name, labels, options, created, anonymous, err);
}

int img_vol_set_state(struct img_store *s, const char *name, enum img_vol_state st,
		      struct error *err)
{
	return vol_exec(s, "UPDATE volumes SET state = ?3 WHERE name = ?1 AND ?4 = 0", name, NULL,
			NULL, st, 0, err);
}

/* The volumes sql (VOL_COLS and VOL_IN_USE of "volumes v") selects with
 * arg as ?1. */
static int vol_query(struct img_store *s, const char *sql, const char *arg, struct img_vol **out,
		     size_t *n, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	*out = NULL;
	*n = 0;
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s, sql, err);
	if (!q)
		return -1;
	if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		vol_read(q, &(*out)[(*n)++]);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		img_vol_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return img_db_error(s, err, "cannot list volumes");
	}
	return 0;
}

int img_vol_list(struct img_store *s, const char *name, struct img_vol **out, size_t *n,
		 struct error *err)
{
	return vol_query(s,
			 "SELECT " VOL_COLS ", " VOL_IN_USE " FROM volumes v "
			 "WHERE ?1 IS NULL OR name = ?1 ORDER BY created",
			 name, out, n, err);
}

int img_vol_mounted_of_ctr(struct img_store *s, const char *ctr, struct img_vol **out, size_t *n,
			   struct error *err)
{
	return vol_query(
	    s,
	    "SELECT " VOL_COLS ", " VOL_IN_USE " FROM volumes v "
	    "JOIN volume_users w ON w.volume = v.name "
	    "WHERE w.ctr = ?1 AND v.options != '{}' AND v.state = 1 ORDER BY v.created",
	    ctr, out, n, err);
}

int img_vol_get(struct img_store *s, const char *name, struct img_vol *out, struct error *err)
{
	struct img_vol *v;
	size_t n;

	if (img_vol_list(s, name, &v, &n, err) < 0)
		return -1;
	if (!n) {
		free(v);
		return error_set(err, ENOENT, "no such volume: %s", name);
	}
	*out = v[0];
	free(v);
	return 0;
}

int img_vol_remove_begin(struct img_store *s, const char *name, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	/* One statement: the check and the mark cannot be split by a
	 * container that starts using it (img_vol_use wants it ready). */
	q = img_db_prepare(s,
			   "UPDATE volumes AS v SET state = 2 WHERE name = ?1 AND NOT " VOL_IN_USE
			   " RETURNING name",
			   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot remove volume");
	{
		struct img_vol v;

		if (img_vol_get(s, name, &v, err) < 0)
			return -1;
		img_vol_release(&v);
	}
	return error_set(err, EBUSY, "volume %s is in use by a container: remove it first", name);
}

int img_vol_forget(struct img_store *s, const char *name, struct error *err)
{
	if (img_db_begin(s, err) < 0)
		return -1;
	if (vol_exec(s, "DELETE FROM volume_users WHERE volume = ?1", name, NULL, NULL, 0, 0, err) <
		0 ||
	    vol_exec(s, "DELETE FROM volumes WHERE name = ?1", name, NULL, NULL, 0, 0, err) < 0) {
		img_db_rollback(s);
		return -1;
	}
	return img_db_commit(s, err);
}

int img_vol_use(struct img_store *s, const char *name, const char *ctr, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "INSERT OR IGNORE INTO volume_users(volume, ctr) SELECT name, ?2 "
			   "FROM volumes WHERE name = ?1 AND state = 1 RETURNING volume",
			   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, ctr, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot record the use of volume");
	return error_set(err, ENOENT, "volume %s does not exist or is being removed", name);
}

int img_vol_of_ctr(struct img_store *s, const char *ctr, char ***anonymous, struct error *err)
{
	sqlite3_stmt *q;
	int rc;

	*anonymous = NULL;
	if (img_libs_load(IMG_LIB_SQLITE3, err) < 0)
		return -1;
	q = img_db_prepare(s,
			   "SELECT v.name FROM volume_users u JOIN volumes v ON v.name = u.volume "
			   "WHERE u.ctr = ?1 AND v.anonymous = 1",
			   err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, ctr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		strv_push(anonymous, (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		strv_free(*anonymous);
		*anonymous = NULL;
		return img_db_error(s, err, "cannot list the volumes of a container");
	}
	return 0;
}
