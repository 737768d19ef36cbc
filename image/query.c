/* Reading and changing what the store records: listing, references, tags,
 * removal, inspection, users of an image. */
#include "image/internal.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

void img_info_release(struct img_info *i)
{
	free(i->id);
	strv_free(i->names);
	memset(i, 0, sizeof(*i));
}

void img_info_array_free(struct img_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		img_info_release(&v[i]);
	free(v);
}

static char **query_strv(struct img_store *s, const char *sql, const char *arg)
{
	sqlite3_stmt *q = NULL;
	char **v = xzalloc(sizeof(char *));

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return v;
	if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(q) == SQLITE_ROW)
		strv_push(&v, (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

static int64_t query_int(struct img_store *s, const char *sql, const char *arg)
{
	sqlite3_stmt *q = NULL;
	int64_t r = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW)
		r = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return r;
}

#define SIZE_SQL "SELECT COALESCE(SUM(l.size), 0) FROM image_layers il JOIN layers l " \
		 "ON l.diff_id = il.diff_id WHERE il.image_id = ?1"

int img_list(struct img_store *s, bool all, struct img_info **out, size_t *n, struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(
		s, "SELECT id, created FROM images ORDER BY created DESC, loaded DESC", err);
	struct img_info *v = NULL;
	size_t cnt = 0;

	if (!q)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 0);
		char **names = query_strv(s, "SELECT name FROM tags WHERE image_id = ?1 ORDER BY name", id);

		if (!all && !names[0]) {
			strv_free(names);
			continue;
		}
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt].id = xstrdup(id);
		v[cnt].names = names;
		v[cnt].created = sqlite3_column_int64(q, 1);
		v[cnt].size = (uint64_t)query_int(s, SIZE_SQL, id);
		v[cnt].nlayers = (size_t)query_int(s, "SELECT COUNT(*) FROM image_layers WHERE image_id = ?1", id);
		cnt++;
	}
	sqlite3_finalize(q);
	*out = v;
	*n = cnt;
	return 0;
}

static bool is_hex(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* A name that is tagged: "docker.io/library/busybox:latest", else NULL. */
static char *tag_of(struct img_store *s, const char *ref)
{
	struct img_ref r;
	struct error e;
	char *full = NULL;

	if (img_ref_parse(ref, &r, &e) < 0)
		return NULL;
	if (r.tag && !r.digest) {
		full = xasprintf("%s:%s", r.name, r.tag);
		if (!query_int(s, "SELECT COUNT(*) FROM tags WHERE name = ?1", full)) {
			free(full);
			full = NULL;
		}
	}
	img_ref_release(&r);
	return full;
}

/* The image tagged ref ("busybox:1" as docker.io/library/busybox:1), or
 * NULL. */
static char *tagged_image(struct img_store *s, const char *ref)
{
	_cleanup_free_ char *full = NULL;
	struct img_ref r;
	struct error e;
	char **v, *id;

	if (img_ref_parse(ref, &r, &e) < 0)
		return NULL;
	if (r.tag && !r.digest)
		full = xasprintf("%s:%s", r.name, r.tag);
	img_ref_release(&r);
	if (!full)
		return NULL;
	v = query_strv(s, "SELECT image_id FROM tags WHERE name = ?1", full);
	id = v[0] ? xstrdup(v[0]) : NULL;
	strv_free(v);
	return id;
}

int img_resolve(struct img_store *s, const char *ref, char **id, struct error *err)
{
	const char *hex = str_has_prefix(ref, "sha256:") ? ref + 7 : ref;
	struct img_ref r;
	struct error e;

	/* An image's own id, as the engine passes it on: one lookup. */
	if (hex != ref && strlen(hex) == 64 && is_hex(hex)) {
		char **v = query_strv(s, "SELECT id FROM images WHERE id = ?1", ref);

		if (v[0]) {
			*id = xstrdup(v[0]);
			strv_free(v);
			return 0;
		}
		strv_free(v);
	}
	if ((*id = tagged_image(s, ref)))
		return 0;
	if (strchr(ref, '@') && img_ref_parse(ref, &r, &e) == 0) {
		char **v = query_strv(s, "SELECT image_id FROM manifests WHERE digest = ?1", r.digest);

		img_ref_release(&r);
		if (v[0]) {
			*id = xstrdup(v[0]);
			strv_free(v);
			return 0;
		}
		strv_free(v);
	}
	if (is_hex(hex)) {
		_cleanup_free_ char *pat = xasprintf("sha256:%s%%", hex);
		char **v = query_strv(s, "SELECT id FROM images WHERE id LIKE ?1", pat);
		size_t n = strv_len(v);

		if (n == 1) {
			*id = xstrdup(v[0]);
			strv_free(v);
			return 0;
		}
		strv_free(v);
		if (n > 1)
			return error_set(err, EINVAL, "short ID '%s' is ambiguous", ref);
	}
	return error_set(err, ENOENT, "%s: image not known", ref);
}

int img_tag(struct img_store *s, const char *src, const char *dst, struct error *err)
{
	_cleanup_free_ char *id = NULL, *full = NULL;
	sqlite3_stmt *q;
	struct img_ref r;
	int rc;

	if (img_ref_parse(dst, &r, err) < 0)
		return -1;
	if (r.digest) {
		img_ref_release(&r);
		return error_set(err, EINVAL, "cannot tag with a digest: '%s'", dst);
	}
	full = xasprintf("%s:%s", r.name, r.tag);
	img_ref_release(&r);
	if (img_db_begin(s, err) < 0)
		return -1;
	if (img_resolve(s, src, &id, err) < 0) {
		img_db_rollback(s);
		return -1;
	}
	q = img_db_prepare(s, "INSERT OR REPLACE INTO tags(name, image_id) VALUES (?1, ?2)", err);
	if (!q) {
		img_db_rollback(s);
		return -1;
	}
	sqlite3_bind_text(q, 1, full, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : img_db_error(s, err, "cannot tag");
	sqlite3_finalize(q);
	if (rc == 0)
		return img_db_commit(s, err);
	img_db_rollback(s);
	return -1;
}

static int exec1(struct img_store *s, const char *sql, const char *arg, struct error *err)
{
	sqlite3_stmt *q = img_db_prepare(s, sql, err);
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : img_db_error(s, err, "cannot update the store");
	sqlite3_finalize(q);
	return rc;
}

static int delete_image(struct img_store *s, const char *id, char ***removed, struct error *err)
{
	char **tags = query_strv(s, "SELECT name FROM tags WHERE image_id = ?1", id);

	for (size_t i = 0; tags[i]; i++) {
		_cleanup_free_ char *line = xasprintf("Untagged: %s", img_name_familiar(tags[i]));

		strv_push(removed, line);
	}
	strv_free(tags);
	if (exec1(s, "DELETE FROM tags WHERE image_id = ?1", id, err) < 0 ||
	    exec1(s, "DELETE FROM image_layers WHERE image_id = ?1", id, err) < 0 ||
	    exec1(s, "DELETE FROM manifests WHERE image_id = ?1", id, err) < 0 ||
	    exec1(s, "DELETE FROM images WHERE id = ?1", id, err) < 0)
		return -1;
	{
		_cleanup_free_ char *line = xasprintf("Deleted: %s", id);

		strv_push(removed, line);
	}
	return 0;
}

static int remove_locked(struct img_store *s, const char *ref, bool force, char ***removed,
			 struct error *err)
{
	_cleanup_free_ char *tag = tag_of(s, ref), *id = NULL;
	int64_t users, ntags;

	if (img_resolve(s, ref, &id, err) < 0)
		return -1;
	users = query_int(s, "SELECT COUNT(*) FROM containers WHERE image_id = ?1", id);
	ntags = query_int(s, "SELECT COUNT(*) FROM tags WHERE image_id = ?1", id);
	if (users && !force)
		return error_set(err, EBUSY, "image %s is in use by %lld container(s) or mount(s)",
				 ref, (long long)users);
	if (tag && (ntags > 1 || users)) {
		_cleanup_free_ char *line = xasprintf("Untagged: %s", img_name_familiar(tag));

		strv_push(removed, line);
		return exec1(s, "DELETE FROM tags WHERE name = ?1", tag, err);
	}
	if (!tag && ntags > 1 && !force)
		return error_set(err, EBUSY,
				 "image %s is referenced by %lld names: remove them or use -f", ref,
				 (long long)ntags);
	if (users) /* forced: keep what containers use, untagged */
		return exec1(s, "DELETE FROM tags WHERE image_id = ?1", id, err);
	return delete_image(s, id, removed, err);
}

/* The end of rmi and prune, inside their transaction and under the gc
 * lock held exclusively: the rows of layers no image uses go, and what
 * the database then no longer vouches for moves into the trash before
 * COMMIT.  A kill before COMMIT leaves the rows, and the next command
 * puts the files back; after COMMIT it deletes them.  Nothing is ever
 * deleted in place, so no recorded layer is ever seen half-deleted. */
static int forget_commit(struct img_store *s, const char *what, uint64_t *reclaimed,
			 struct error *err)
{
	_cleanup_free_ char *trashed = xasprintf("%s-trashed", what);
	_cleanup_free_ char *committed = xasprintf("%s-committed", what);

	if (img_db_exec(s,
			"DELETE FROM layers WHERE diff_id NOT IN "
			"(SELECT diff_id FROM image_layers)",
			err) < 0) {
		img_db_rollback(s);
		return -1;
	}
	img_store_collect(s);
	fault_point(trashed);
	if (img_db_commit(s, err) < 0) {
		img_db_rollback(s);
		img_store_recover_locked(s, NULL);
		return -1;
	}
	fault_point(committed);
	img_store_recover_locked(s, reclaimed);
	return 0;
}

static int lock_gc(struct img_store *s, struct error *err)
{
	if (flock(s->gcfd, LOCK_EX) < 0)
		return error_sys(err, "cannot lock '%s/gc.lock'", s->root);
	/* A deletion a killed command left half done, first. */
	img_store_recover_locked(s, NULL);
	return 0;
}

int img_remove(struct img_store *s, const char *ref, bool force, char ***removed,
	       struct error *err)
{
	int rc = -1;

	if (!*removed)
		*removed = xzalloc(sizeof(char *));
	if (lock_gc(s, err) < 0)
		return -1;
	if (img_db_begin(s, err) < 0)
		goto out;
	if (remove_locked(s, ref, force, removed, err) < 0) {
		img_db_rollback(s);
		goto out;
	}
	rc = forget_commit(s, "rmi", NULL, err);
out:
	flock(s->gcfd, LOCK_UN);
	return rc;
}

int img_prune(struct img_store *s, bool all, char ***removed, uint64_t *reclaimed,
	      struct error *err)
{
	char **ids;
	int rc = -1;

	*removed = xzalloc(sizeof(char *));
	*reclaimed = 0;
	if (lock_gc(s, err) < 0)
		return -1;
	if (img_db_begin(s, err) < 0)
		goto out;
	ids = query_strv(s,
			 all ? "SELECT id FROM images WHERE id NOT IN (SELECT image_id FROM containers)"
			     : "SELECT id FROM images WHERE id NOT IN (SELECT image_id FROM tags) "
			       "AND id NOT IN (SELECT image_id FROM containers)",
			 NULL);
	for (size_t i = 0; ids[i]; i++)
		if (delete_image(s, ids[i], removed, err) < 0) {
			strv_free(ids);
			img_db_rollback(s);
			goto out;
		}
	strv_free(ids);
	rc = forget_commit(s, "prune", reclaimed, err);
out:
	flock(s->gcfd, LOCK_UN);
	return rc;
}

/* ------------------------------------------------------------ inspect -- */

static struct json_object *strv_json(char **v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int img_inspect(struct img_store *s, const char *ref, char **out, struct error *err)
{
	_cleanup_free_ char *id = NULL, *cfg = NULL;
	struct json_object *o, *c, *v;
	char **tags, **diffs, **digests, **layer_dirs, **mdig;
	size_t len;
	char created[64] = "";
	int64_t t;

	if (img_resolve(s, ref, &id, err) < 0 || img_blob_read(s, id, &cfg, &len, err) < 0)
		return -1;
	c = json_tokener_parse(cfg);
	o = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(id));
	tags = query_strv(s, "SELECT name FROM tags WHERE image_id = ?1 ORDER BY name", id);
	json_object_object_add(o, "RepoTags", strv_json(tags));
	mdig = query_strv(s, "SELECT manifest_digest FROM images WHERE id = ?1", id);
	digests = xzalloc(sizeof(char *));
	for (size_t i = 0; tags[i] && mdig[0]; i++) {
		_cleanup_free_ char *name = xstrndup(tags[i], (size_t)(strrchr(tags[i], ':') - tags[i]));
		_cleanup_free_ char *d = xasprintf("%s@%s", name, mdig[0]);

		strv_push(&digests, d);
	}
	json_object_object_add(o, "RepoDigests", strv_json(digests));
	json_object_object_add(o, "ManifestDigest", json_object_new_string(mdig[0] ? mdig[0] : ""));
	t = query_int(s, "SELECT created FROM images WHERE id = ?1", id);
	{
		struct tm tm;
		time_t tt = (time_t)t;

		gmtime_r(&tt, &tm);
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	json_object_object_add(o, "Created", json_object_new_string(created));
	json_object_object_add(o, "Size", json_object_new_int64(query_int(s, SIZE_SQL, id)));
	if (c && json_object_object_get_ex(c, "architecture", &v))
		json_object_object_add(o, "Architecture", json_object_get(v));
	if (c && json_object_object_get_ex(c, "os", &v))
		json_object_object_add(o, "Os", json_object_get(v));
	if (c && json_object_object_get_ex(c, "config", &v))
		json_object_object_add(o, "Config", json_object_get(v));
	diffs = query_strv(s, "SELECT diff_id FROM image_layers WHERE image_id = ?1 ORDER BY idx", id);
	v = json_object_new_object();
	json_object_object_add(v, "Type", json_object_new_string("layers"));
	json_object_object_add(v, "Layers", strv_json(diffs));
	json_object_object_add(o, "RootFS", v);
	img_layer_paths(s, id, &layer_dirs, err);
	json_object_object_add(o, "LayerDirs", strv_json(layer_dirs));
	*out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	json_object_put(c);
	strv_free(tags);
	strv_free(mdig);
	strv_free(digests);
	strv_free(diffs);
	strv_free(layer_dirs);
	return 0;
}

int img_df(struct img_store *s, struct img_df *df, struct error *err)
{
	(void)err;
	memset(df, 0, sizeof(*df));
	df->images = (size_t)query_int(s, "SELECT COUNT(*) FROM images", NULL);
	df->images_active = (size_t)query_int(
		s, "SELECT COUNT(DISTINCT image_id) FROM containers", NULL);
	df->layers = (size_t)query_int(s, "SELECT COUNT(*) FROM layers", NULL);
	df->layers_size = (uint64_t)query_int(s, "SELECT COALESCE(SUM(size), 0) FROM layers", NULL);
	df->images_size = df->layers_size;
	/* Reclaimable: layers no image used by a container needs. */
	df->layers_reclaimable = (uint64_t)query_int(
		s, "SELECT COALESCE(SUM(size), 0) FROM layers WHERE diff_id NOT IN "
		   "(SELECT il.diff_id FROM image_layers il JOIN containers c ON c.image_id = il.image_id)",
		NULL);
	df->images_reclaimable = df->layers_reclaimable;
	df->containers = (size_t)query_int(s, "SELECT COUNT(*) FROM containers", NULL);
	return 0;
}

/* ------------------------------------------------------------- config -- */

static char **json_strv(struct json_object *o, const char *key)
{
	struct json_object *a;
	char **v;

	if (!o || !json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
		return NULL;
	v = xzalloc(sizeof(char *));
	for (size_t i = 0; i < json_object_array_length(a); i++)
		strv_push(&v, json_object_get_string(json_object_array_get_idx(a, i)));
	return v;
}

int img_config_get(struct img_store *s, const char *ref, struct img_config *c, struct error *err)
{
	_cleanup_free_ char *id = NULL, *cfg = NULL;
	struct json_object *o, *conf = NULL, *v;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (img_resolve(s, ref, &id, err) < 0 || img_blob_read(s, id, &cfg, &len, err) < 0)
		return -1;
	o = json_tokener_parse(cfg);
	if (!o)
		return error_set(err, EINVAL, "config of %s is not valid JSON", id);
	json_object_object_get_ex(o, "config", &conf);
	c->entrypoint = json_strv(conf, "Entrypoint");
	c->cmd = json_strv(conf, "Cmd");
	c->env = json_strv(conf, "Env");
	if (conf && json_object_object_get_ex(conf, "WorkingDir", &v) && json_object_get_string_len(v))
		c->workdir = xstrdup(json_object_get_string(v));
	if (conf && json_object_object_get_ex(conf, "User", &v) && json_object_get_string_len(v))
		c->user = xstrdup(json_object_get_string(v));
	if (conf && json_object_object_get_ex(conf, "StopSignal", &v) && json_object_get_string_len(v))
		c->stop_signal = xstrdup(json_object_get_string(v));
	if (conf && json_object_object_get_ex(conf, "ExposedPorts", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, port, unused)
		{
			(void)unused;
			strv_push(&c->exposed_ports, port);
		}
	}
	if (conf && json_object_object_get_ex(conf, "Volumes", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, path, unused)
		{
			(void)unused;
			strv_push(&c->volumes, path);
		}
	}
	json_object_put(o);
	return 0;
}

void img_config_release(struct img_config *c)
{
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->env);
	free(c->workdir);
	free(c->user);
	free(c->stop_signal);
	strv_free(c->exposed_ports);
	strv_free(c->volumes);
	memset(c, 0, sizeof(*c));
}

int img_layer_paths(struct img_store *s, const char *id, char ***paths, struct error *err)
{
	char **diffs = query_strv(
		s, "SELECT diff_id FROM image_layers WHERE image_id = ?1 ORDER BY idx DESC", id);

	(void)err;
	*paths = xzalloc(sizeof(char *));
	for (size_t i = 0; diffs[i]; i++) {
		_cleanup_free_ char *p = xasprintf("%s/layers/%s/diff", s->root, diffs[i] + 7);

		strv_push(paths, p);
	}
	strv_free(diffs);
	return 0;
}

/* -------------------------------------------------------------- users -- */

/* The directory of a user key: the first 32 hex digits of its SHA-256.
 * Hashed with base's SHA-256, not libcrypto: loading and initialising
 * libcrypto cost `nook run` (and the --rm monitor) about 10 million
 * instructions for one short hash. */
static char *user_dir(struct img_store *s, const char *key)
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256_init(&h);
	sha256_update(&h, key, strlen(key));
	sha256_final(&h, d);
	sha256_hex(d, hex);
	return xasprintf("%s/containers/%.32s", s->root, hex);
}

/* merged is the mount point of rt_image_mount ("mount:" keys); a bundle
 * mounts its root in the bundle, so its user does without one. */
static int user_dirs_make(struct img_store *s, const char *key, const char *d, struct error *err)
{
	static const char *const sub[] = {"upper", "work", "merged"};
	size_t n = str_has_prefix(key, "bundle:") ? 2 : ARRAY_SIZE(sub);

	/* A bundle's (a container's): perhaps made ahead, with the same
	 * modes (img_spare_make). */
	if (n == 2 && img_store_spare_take(s, d))
		return 0;
	if (mkdir(d, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create '%s'", d);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", d, sub[i]);

		/* upper is the root directory of the container (overlayfs shows
		 * the upper dir's mode there): 0755, or only root could use the
		 * root.  The user's directory around it keeps others out. */
		if (mkdir(p, i == 1 ? 0700 : 0755) < 0 && errno != EEXIST)
			return error_sys(err, "cannot create '%s'", p);
	}
	return 0;
}

int img_user_insert(struct img_store *s, const char *key, const char *id, int conflict,
		    struct error *err)
{
	_cleanup_free_ char *d = user_dir(s, key);
	sqlite3_stmt *q = img_db_prepare(
	    s, "INSERT INTO containers(key, image_id, dir, created) VALUES (?1, ?2, ?3, ?4)", err);
	int rc;

	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, d, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (int64_t)time(NULL));
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_CONSTRAINT)
		return error_set(err, conflict, "'%s' already exists", key);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot record container");
	return 0;
}

/* The row first, the directories after it: a kill in between leaves a
 * recorded user without directories, which img_user_prepare (the same
 * command run again) makes and img_user_remove does not need.  Never a
 * directory nothing records. */
int img_user_add(struct img_store *s, const char *key, const char *id, char **dir,
		 struct error *err)
{
	_cleanup_free_ char *d = user_dir(s, key);

	if (img_db_begin(s, err) < 0)
		return -1;
	if (img_user_insert(s, key, id, EEXIST, err) < 0) {
		img_db_rollback(s);
		return -1;
	}
	if (img_db_commit(s, err) < 0)
		return -1;
	fault_point("user-recorded");
	if (user_dirs_make(s, key, d, err) < 0) {
		struct error e2;

		/* A full disk: no recorded user is left without its
		 * directories (only a kill leaves one, for img_user_prepare). */
		img_user_remove(s, key, &e2);
		return -1;
	}
	*dir = steal_pointer(&d);
	return 0;
}

int img_user_prepare(struct img_store *s, const char *key, char **dir, struct error *err)
{
	_cleanup_free_ char *d = NULL;

	if (img_user_get(s, key, NULL, &d, err) < 0 || user_dirs_make(s, key, d, err) < 0)
		return -1;
	*dir = steal_pointer(&d);
	return 0;
}

int img_user_dirs(struct img_store *s, const char *key, char **dir, struct error *err)
{
	_cleanup_free_ char *d = user_dir(s, key);

	if (user_dirs_make(s, key, d, err) < 0)
		return -1;
	*dir = steal_pointer(&d);
	return 0;
}

int img_user_get(struct img_store *s, const char *key, char **id, char **dir, struct error *err)
{
	char **v = query_strv(s, "SELECT image_id || char(10) || dir FROM containers WHERE key = ?1", key);
	char *nl;

	if (!v[0]) {
		strv_free(v);
		return error_set(err, ENOENT, "'%s' is not known", key);
	}
	nl = strchr(v[0], '\n');
	if (id)
		*id = xstrndup(v[0], (size_t)(nl - v[0]));
	if (dir)
		*dir = xstrdup(nl + 1);
	strv_free(v);
	return 0;
}

/* The directory moves into the trash inside the transaction that forgets
 * the row (a kill before COMMIT: the next open puts it back), and is
 * deleted after (by the caller when left).  Gc lock shared, so no sweep
 * empties the trash under us. */
int img_user_remove_left(struct img_store *s, const char *key, char **left, struct error *err)
{
	_cleanup_free_ char *d = user_dir(s, key), *trashed = NULL;
	const char *name;
	_cleanup_free_ char *rel = NULL;
	int rc = -1;

	name = strrchr(d, '/') + 1;
	rel = xasprintf("containers/%s", name);
	if (flock(s->gcfd, LOCK_SH) < 0)
		return error_sys(err, "cannot lock '%s/gc.lock'", s->root);
	if (img_db_begin(s, err) < 0)
		goto out;
	if (exec1(s, "DELETE FROM containers WHERE key = ?1", key, err) < 0 ||
	    img_trash_put(s, s->rootfd, rel, "user", name, &trashed, err) < 0) {
		img_db_rollback(s);
		goto out;
	}
	fault_point("user-trashed");
	if (img_db_commit(s, err) < 0) {
		if (trashed)
			renameat(s->rootfd, trashed, s->rootfd, rel);
		img_db_rollback(s);
		goto out;
	}
	rc = 0;
	if (left) {
		*left = steal_pointer(&trashed);
	} else if (trashed) {
		struct error e;

		if (rm_rf_at(s->rootfd, trashed, &e) < 0)
			log_warn("cannot empty the trash: %s", e.msg);
	}
out:
	flock(s->gcfd, LOCK_UN);
	return rc;
}

int img_user_remove(struct img_store *s, const char *key, struct error *err)
{
	return img_user_remove_left(s, key, NULL, err);
}
