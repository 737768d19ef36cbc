/* Adding images: a staging directory under tmp/, verified blobs, layers
 * unpacked in parallel, then one rename per new file and one transaction.
 * Until that transaction commits nothing of the new image is visible; if
 * we die before, the next command removes the staging dir and sweeps
 * whatever was renamed already (nothing references it). */
#include "image/internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

void img_plan_release(struct img_plan *p)
{
	free(p->config);
	free(p->manifest);
	free(p->manifest_type);
	for (size_t i = 0; i < p->nlayers; i++) {
		free(p->layers[i].digest);
		free(p->layers[i].media_type);
		free(p->layers[i].diff_id);
		free(p->layers[i].src);
	}
	free(p->layers);
	strv_free(p->names);
	strv_free(p->bare_tags);
	memset(p, 0, sizeof(*p));
}

int img_src_read(int srcfd, const char *path, size_t max, char **out, size_t *len,
		 struct error *err)
{
	_cleanup_close_ int fd = open_in_root(srcfd, path, O_RDONLY, ROOT_CREATE_NONE, err);

	if (fd < 0)
		return -1;
	return img_fd_read(fd, max, out, len, err);
}

int img_fd_read(int fd, size_t max, char **out, size_t *len, struct error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_sys(err, "cannot read");
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return error_set(err, EFBIG, "document larger than %zu bytes", max);
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_pointer(&buf);
	return 0;
}

int img_staging_init(struct img_store *s, struct img_staging *st, struct error *err)
{
	char tmpl[64], final[64];
	int fd;

	memset(st, 0, sizeof(*st));
	st->dirfd = st->srcfd = -1;
	/* Made under a dot name (which tmp_clean skips) and locked before it
	 * gets its real name, so no sweep can take it for a dead one. */
	for (int i = 0;; i++) {
		unsigned r;

		if (getentropy(&r, sizeof(r)) < 0)
			r = (unsigned)time(NULL) ^ (unsigned)i;
		snprintf(tmpl, sizeof(tmpl), "tmp/.new-%d-%08x", (int)getpid(), r);
		snprintf(final, sizeof(final), "stage-%d-%08x", (int)getpid(), r);
		if (mkdirat(s->rootfd, tmpl, 0700) == 0)
			break;
		if (errno != EEXIST || i > 100)
			return error_sys(err, "cannot create '%s/%s'", s->root, tmpl);
	}
	fd = openat(s->rootfd, tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		error_sys(err, "cannot open '%s/%s'", s->root, tmpl);
		if (fd >= 0)
			close(fd);
		unlinkat(s->rootfd, tmpl, AT_REMOVEDIR);
		return -1;
	}
	st->dirfd = fd;
	st->name = xasprintf("tmp/%s", final);
	if (renameat(s->rootfd, tmpl, s->rootfd, st->name) < 0 ||
	    mkdirat(fd, "blobs", 0700) < 0 || mkdirat(fd, "layers", 0700) < 0) {
		error_sys(err, "cannot prepare '%s/%s'", s->root, st->name);
		img_staging_release(s, st);
		return -1;
	}
	/* Shared gc lock from before we look at what the store has until our
	 * transaction commits: a sweep cannot remove a layer we decided to
	 * reuse, nor one we renamed in but have not yet recorded. */
	for (;;) {
		if (flock(s->gcfd, LOCK_SH) < 0) {
			error_sys(err, "cannot lock '%s/gc.lock'", s->root);
			img_staging_release(s, st);
			return -1;
		}
		/* A deletion killed between our open and now (trash/ fills
		 * only under the exclusive lock) may hold a recorded layer in
		 * the trash: finish it before trusting what is recorded. */
		if (img_store_trash_empty(s))
			return 0;
		flock(s->gcfd, LOCK_UN);
		if (img_store_recover(s, err) < 0) {
			img_staging_release(s, st);
			return -1;
		}
	}
}

void img_staging_release(struct img_store *s, struct img_staging *st)
{
	struct error e;

	if (st->srcfd >= 0)
		close(st->srcfd);
	if (st->name) {
		if (rm_rf_at(s->rootfd, st->name, &e) < 0 &&
		    rm_rf_at(s->rootfd, st->name, &e) < 0)
			log_warn("cannot remove staging dir: %s", e.msg);
		if (st->name[0] == '.')
			unlinkat(s->rootfd, st->name, AT_REMOVEDIR);
	}
	if (st->dirfd >= 0)
		close(st->dirfd);
	flock(s->gcfd, LOCK_UN);
	free(st->name);
	memset(st, 0, sizeof(*st));
	st->dirfd = st->srcfd = -1;
}

static bool store_has(struct img_store *s, const char *fmt, const char *hex)
{
	_cleanup_free_ char *p = xasprintf(fmt, hex);

	return faccessat(s->rootfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int blob_mismatch(const char *want, const char *got, uint64_t want_size, uint64_t size,
			 struct error *err)
{
	if (strcmp(want, got))
		return error_set(err, EINVAL, "blob %s: content has digest %s, refusing it", want,
				 got);
	if (want_size != size)
		return error_set(err, EINVAL, "blob %s: size %llu, descriptor says %llu", want,
				 (unsigned long long)size, (unsigned long long)want_size);
	return 0;
}

/* Put the verified blob of a layer in staging blobs/<hex> (unless the store
 * has it). */
static int stage_layer_blob(struct img_store *s, struct img_staging *st,
			    struct img_layer_plan *l, struct error *err)
{
	const char *hex = img_digest_hex(l->digest);
	_cleanup_free_ char *dst = NULL, *tmp = NULL;
	_cleanup_close_ int in = -1, out = -1;
	char got[72];
	uint64_t size;

	if (!hex)
		return error_set(err, EINVAL, "invalid layer digest '%s'", l->digest);
	dst = xasprintf("blobs/%s", hex);
	if (store_has(s, "blobs/sha256/%s", hex) || faccessat(st->dirfd, dst, F_OK, 0) == 0)
		return 0;
	in = open_in_root(st->srcfd, l->src, O_RDONLY, ROOT_CREATE_NONE, err);
	if (in < 0)
		return error_prefix(err, "layer %s", l->digest);
	if (st->src_owned) {
		/* Our own extraction of an archive: verify in place, link. */
		_cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", in);

		if (img_digest_fd(in, got, &size, err) < 0 ||
		    blob_mismatch(l->digest, got, l->size, size, err) < 0)
			return -1;
		if (linkat(AT_FDCWD, proc, st->dirfd, dst, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
			return error_sys(err, "cannot stage blob %s", l->digest);
		return 0;
	}
	tmp = xasprintf("%s.tmp", dst);
	out = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		return error_sys(err, "cannot create staging blob");
	if (img_copy_hash(in, out, got, &size, err) < 0 ||
	    blob_mismatch(l->digest, got, l->size, size, err) < 0)
		return -1;
	if (renameat(st->dirfd, tmp, st->dirfd, dst) < 0)
		return error_sys(err, "cannot stage blob %s", l->digest);
	return 0;
}

static int stage_bytes(struct img_store *s, struct img_staging *st, const char *digest,
		       const char *data, size_t len, struct error *err)
{
	const char *hex = img_digest_hex(digest);
	_cleanup_close_ int bfd = -1;

	if (store_has(s, "blobs/sha256/%s", hex))
		return 0;
	bfd = openat(st->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return error_sys(err, "cannot open staging blobs");
	return file_write_atomic_at(bfd, hex, data, len, 0644, err);
}

/* ------------------------------------------------------------ unpacking -- */

struct job {
	struct img_layer_plan *l;
	struct img_layer_plan *dups[8]; /* same layer elsewhere in the plans */
	char dir[32];                   /* layers/job-N in staging */
	struct error err;
	int rc;
};

struct pool {
	struct img_store *s;
	struct img_staging *st;
	struct job *jobs;
	size_t n;
	atomic_size_t next;
	pthread_mutex_t lock;
	int (*fn)(struct pool *p, struct job *j);
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A progress event for one job, serialised by the pool lock. */
struct tick {
	struct pool *p;
	struct job *j;
	struct timespec t0;
};

static void report(struct tick *t, enum img_layer_event ev, uint64_t read, uint64_t bytes)
{
	struct img_layer_progress e = {.event = ev,
				       .digest = t->j->l->digest,
				       .diff_id = t->j->l->diff_id,
				       .read = read,
				       .size = t->j->l->size,
				       .bytes = bytes,
				       .seconds = since(&t->t0)};

	if (!t->p->st->progress)
		return;
	pthread_mutex_lock(&t->p->lock);
	t->p->st->progress(t->p->st->progress_data, &e);
	pthread_mutex_unlock(&t->p->lock);
}

static void on_tick(void *data, uint64_t read, uint64_t bytes)
{
	report(data, IMG_LAYER_PROGRESS, read, bytes);
}

static int run_job(struct pool *p, struct job *j)
{
	const char *hex = img_digest_hex(j->l->digest);
	_cleanup_free_ char *blob = NULL, *diff = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	struct tick t = {.p = p, .j = j};
	struct img_unpack_watch watch = {.fn = p->st->progress ? on_tick : NULL, .data = &t};
	char got[72];
	uint64_t size = 0;

	clock_gettime(CLOCK_MONOTONIC, &t.t0);
	report(&t, IMG_LAYER_START, 0, 0);
	blob = xasprintf("blobs/%s", hex);
	fd = openat(p->st->dirfd, blob, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(blob);
		blob = xasprintf("blobs/sha256/%s", hex);
		fd = openat(p->s->rootfd, blob, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return error_sys(&j->err, "cannot open blob %s", j->l->digest);
	diff = xasprintf("%s/diff", j->dir);
	if (mkdirat(p->st->dirfd, j->dir, 0700) < 0 || mkdirat(p->st->dirfd, diff, 0755) < 0)
		return error_sys(&j->err, "cannot create layer dir");
	dfd = openat(p->st->dirfd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_sys(&j->err, "cannot open layer dir");
	if (img_layer_unpack(fd, dfd, j->l->diff_id, p->s->max_layer_size, &watch, got, &size,
			     &j->err) < 0)
		return error_prefix(&j->err, "layer %s", j->l->digest);
	if (!j->l->diff_id)
		j->l->diff_id = xstrdup(got);
	j->l->unpacked = size;
	for (size_t i = 0; i < ARRAY_SIZE(j->dups) && j->dups[i]; i++)
		j->dups[i]->unpacked = size;
	report(&t, IMG_LAYER_DONE, j->l->size, size);
	return 0;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);

		if (i >= p->n)
			return NULL;
		p->jobs[i].rc = p->fn(p, &p->jobs[i]);
	}
}

/* Run p->fn over the jobs on up to s->jobs threads, the calling thread
 * included.  meanwhile (may be NULL) runs on the calling thread first,
 * while the others work. */
static int pool_run(struct pool *p, int (*meanwhile)(struct pool *p, struct error *err),
		    struct error *err)
{
	long ncpu = p->s->jobs > 0 ? p->s->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	size_t jobs = ncpu > 0 ? (size_t)ncpu : 1;
	size_t nthreads = jobs < p->n ? jobs : p->n;
	pthread_t th[64];
	size_t started = 0;
	int rc = 0;

	if (nthreads > ARRAY_SIZE(th))
		nthreads = ARRAY_SIZE(th);
	if (!meanwhile && nthreads > 0)
		nthreads--;
	atomic_init(&p->next, 0);
	pthread_mutex_init(&p->lock, NULL);
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, p) != 0)
			break;
	if (meanwhile)
		rc = meanwhile(p, err);
	worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p->lock);
	for (size_t i = 0; i < p->n && rc == 0; i++)
		if (p->jobs[i].rc < 0) {
			*err = p->jobs[i].err;
			rc = -1;
		}
	return rc;
}

static int unpack_all(struct img_store *s, struct img_staging *st, struct job *jobs, size_t n,
		      struct error *err)
{
	struct pool p = {.s = s, .st = st, .jobs = jobs, .n = n, .fn = run_job};

	return pool_run(&p, NULL, err);
}

/* What each unpacked layer holds on disk (img_tree_digest), recorded for
 * `system check`.  Read back from the page cache by threads while the
 * main thread waits for syncfs to write the same files out, so on a real
 * disk it adds little to a load. */
static int digest_job(struct pool *p, struct job *j)
{
	_cleanup_free_ char *diff = xasprintf("%s/diff", j->dir);
	_cleanup_close_ int dfd =
		openat(p->st->dirfd, diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0)
		return error_sys(&j->err, "cannot open layer dir");
	if (img_tree_digest(dfd, &j->l->files, j->l->content, &j->err) < 0)
		return error_prefix(&j->err, "layer %s", j->l->digest);
	for (size_t k = 0; k < ARRAY_SIZE(j->dups) && j->dups[k]; k++) {
		j->dups[k]->files = j->l->files;
		memcpy(j->dups[k]->content, j->l->content, sizeof(j->l->content));
	}
	return 0;
}

/* Everything staged reaches the disk before the database says it
 * exists. */
static int sync_staging(struct pool *p, struct error *err)
{
	if (syncfs(p->st->dirfd) < 0)
		return error_sys(err, "cannot sync the store");
	return 0;
}

static int digest_and_sync(struct img_store *s, struct img_staging *st, struct job *jobs, size_t n,
			   struct error *err)
{
	struct pool p = {.s = s, .st = st, .jobs = jobs, .n = n, .fn = digest_job};

	return pool_run(&p, sync_staging, err);
}

/* --------------------------------------------------------------- commit -- */

static int64_t parse_created(const char *config)
{
	struct tm tm = {0};
	const char *p = strstr(config, "\"created\"");

	if (!p || !(p = strchr(p + 9, '"')))
		return 0;
	if (!strptime(p + 1, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static int bind_exec(sqlite3_stmt *q, struct img_store *s, struct error *err)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE)
		return img_db_error(s, err, "cannot record image");
	return 0;
}

static int record(struct img_store *s, struct img_plan *plans, size_t n, struct error *err)
{
	static const char *const sql[] = {
		"INSERT OR IGNORE INTO images(id, manifest_digest, created, loaded) "
		"VALUES (?1, ?2, ?3, ?4)",
		"INSERT OR IGNORE INTO manifests(digest, image_id, media_type, size) "
		"VALUES (?1, ?2, ?3, ?4)",
		"INSERT INTO layers(diff_id, size, created, files, content) "
		"VALUES (?1, ?2, ?3, ?4, ?5) "
		"ON CONFLICT(diff_id) DO UPDATE SET size = max(size, excluded.size), "
		"files = COALESCE(excluded.files, files), "
		"content = COALESCE(excluded.content, content)",
		"INSERT OR IGNORE INTO image_layers(image_id, idx, diff_id, blob_digest, "
		"media_type, blob_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		"INSERT OR REPLACE INTO tags(name, image_id) VALUES (?1, ?2)",
	};
	sqlite3_stmt *q[ARRAY_SIZE(sql)] = {0};
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	for (size_t i = 0; i < ARRAY_SIZE(sql); i++)
		if (!(q[i] = img_db_prepare(s, sql[i], err)))
			goto out;
	for (size_t i = 0; i < n; i++) {
		struct img_plan *p = &plans[i];

		sqlite3_bind_text(q[0], 1, p->config_digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(q[0], 2, p->manifest_digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q[0], 3, p->created);
		sqlite3_bind_int64(q[0], 4, now);
		if (bind_exec(q[0], s, err) < 0)
			goto out;
		sqlite3_bind_text(q[1], 1, p->manifest_digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(q[1], 2, p->config_digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(q[1], 3, p->manifest_type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q[1], 4, (int64_t)p->manifest_len);
		if (bind_exec(q[1], s, err) < 0)
			goto out;
		for (size_t k = 0; k < p->nlayers; k++) {
			struct img_layer_plan *l = &p->layers[k];

			sqlite3_bind_text(q[2], 1, l->diff_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q[2], 2, (int64_t)l->unpacked);
			sqlite3_bind_int64(q[2], 3, now);
			if (l->content[0]) {
				sqlite3_bind_int64(q[2], 4, (int64_t)l->files);
				sqlite3_bind_text(q[2], 5, l->content, -1, SQLITE_STATIC);
			}
			if (bind_exec(q[2], s, err) < 0)
				goto out;
			sqlite3_bind_text(q[3], 1, p->config_digest, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q[3], 2, (int64_t)k);
			sqlite3_bind_text(q[3], 3, l->diff_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(q[3], 4, l->digest, -1, SQLITE_STATIC);
			sqlite3_bind_text(q[3], 5, l->media_type, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q[3], 6, (int64_t)l->size);
			if (bind_exec(q[3], s, err) < 0)
				goto out;
		}
		for (size_t k = 0; p->names && p->names[k]; k++) {
			sqlite3_bind_text(q[4], 1, p->names[k], -1, SQLITE_STATIC);
			sqlite3_bind_text(q[4], 2, p->config_digest, -1, SQLITE_STATIC);
			if (bind_exec(q[4], s, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < ARRAY_SIZE(q); i++)
		sqlite3_finalize(q[i]);
	return rc;
}

static struct job *find_job(struct job *jobs, size_t n, const char *diff_id)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].l->diff_id && diff_id && !strcmp(jobs[i].l->diff_id, diff_id))
			return &jobs[i];
	return NULL;
}

/* What one publish moved into the store, to move back if it cannot
 * commit. */
struct moved {
	char **from, **to; /* staging-relative, store-relative */
};

static void moved_undo(struct img_store *s, struct img_staging *st, struct moved *m)
{
	for (size_t i = 0; m->to && m->to[i]; i++)
		if (renameat(s->rootfd, m->to[i], st->dirfd, m->from[i]) < 0)
			log_warn("cannot move '%s' back: %s", m->to[i], strerror(errno));
}

/* Move a staged file or dir into the store.  Called inside the write
 * transaction: nobody else can record anything meanwhile, so an entry
 * already there that the database does not vouch for is a killed
 * command's (possibly incomplete): it goes into our staging dir, to be
 * deleted with it.  One the database records is complete: ours is not
 * needed. */
static int move_in(struct img_store *s, struct img_staging *st, const char *dir, const char *hex,
		   const char *from, struct moved *m, struct error *err)
{
	_cleanup_free_ char *to = xasprintf("%s/%s", dir, hex);
	_cleanup_free_ char *junk = xasprintf("%s.old", from);

	if (img_store_vouches(s, dir, hex))
		return 0;
	if (!strcmp(dir, "blobs/sha256") &&
	    faccessat(s->rootfd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0; /* a blob is renamed in whole after its digest was checked */
	if (renameat(s->rootfd, to, st->dirfd, junk) < 0 && errno != ENOENT)
		return error_sys(err, "cannot move '%s/%s' aside", s->root, to);
	if (renameat2(st->dirfd, from, s->rootfd, to, RENAME_NOREPLACE) < 0) {
		if (errno == ENOENT)
			return 0; /* staged once for two plans: moved already */
		return error_sys(err, "cannot move '%s' into the store", to);
	}
	strv_push(&m->from, from);
	strv_push(&m->to, to);
	return 0;
}

static int move_all(struct img_store *s, struct img_staging *st, struct img_plan *plans, size_t n,
		    struct job *jobs, size_t njobs, struct moved *m, struct error *err)
{
	for (size_t i = 0; i < njobs; i++)
		if (move_in(s, st, "layers", img_digest_hex(jobs[i].l->diff_id), jobs[i].dir, m,
			    err) < 0)
			return -1;
	fault_point("load-moved-layers");
	for (size_t i = 0; i < n; i++) {
		struct img_plan *p = &plans[i];
		const char *digests[2] = {p->config_digest, p->manifest_digest};

		for (size_t k = 0; k < p->nlayers + 2; k++) {
			const char *hex =
				img_digest_hex(k < 2 ? digests[k] : p->layers[k - 2].digest);
			_cleanup_free_ char *from = xasprintf("blobs/%s", hex);

			if (faccessat(st->dirfd, from, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
				continue; /* the store had it when we staged */
			if (move_in(s, st, "blobs/sha256", hex, from, m, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* The files move in and the rows are written in one transaction: a kill
 * before COMMIT leaves the files unrecorded (the next command's sweep
 * removes them, and no load trusts them meanwhile); a COMMIT that fails
 * (a full disk) moves them back into the staging dir, which is removed. */
static int publish(struct img_store *s, struct img_staging *st, struct img_plan *plans, size_t n,
		   struct job *jobs, size_t njobs, struct error *err)
{
	struct moved m = {xzalloc(sizeof(char *)), xzalloc(sizeof(char *))};
	int rc = -1;

	if (img_db_begin(s, err) < 0)
		goto out;
	if (move_all(s, st, plans, n, jobs, njobs, &m, err) < 0 || record(s, plans, n, err) < 0)
		goto undo;
	fault_point("load-recorded");
	if (img_db_commit(s, err) == 0) {
		rc = 0;
		goto out;
	}
undo:
	moved_undo(s, st, &m);
	img_db_rollback(s);
out:
	strv_free(m.from);
	strv_free(m.to);
	return rc;
}

int img_staging_commit(struct img_store *s, struct img_staging *st, struct img_plan *plans,
		       size_t n, struct error *err)
{
	_cleanup_free_ struct job *jobs = NULL;
	size_t njobs = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		total += plans[i].nlayers;
	jobs = xzalloc((total + 1) * sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		struct img_plan *p = &plans[i];

		img_digest_buf(p->config, p->config_len, p->config_digest);
		img_digest_buf(p->manifest, p->manifest_len, p->manifest_digest);
		if (!p->created)
			p->created = parse_created(p->config);
		for (size_t k = 0; k < p->nlayers; k++) {
			struct img_layer_plan *l = &p->layers[k];
			const char *dhex = l->diff_id ? img_digest_hex(l->diff_id) : NULL;
			struct job *j;

			if (l->diff_id && !dhex)
				return error_set(err, EINVAL, "invalid diff_id '%s'", l->diff_id);
			if (stage_layer_blob(s, st, l, err) < 0)
				return -1;
			/* Only a layer the database records is complete: a
			 * directory without its row is a killed command's. */
			if (dhex && img_store_vouches(s, "layers", dhex)) {
				if (st->progress) {
					struct img_layer_progress e = {.event = IMG_LAYER_REUSED,
								       .digest = l->digest,
								       .diff_id = l->diff_id,
								       .size = l->size};

					st->progress(st->progress_data, &e);
				}
				continue;
			}
			j = find_job(jobs, njobs, l->diff_id);
			if (j) {
				for (size_t d = 0; d < ARRAY_SIZE(j->dups); d++)
					if (!j->dups[d]) {
						j->dups[d] = l;
						break;
					}
				continue;
			}
			jobs[njobs].l = l;
			snprintf(jobs[njobs].dir, sizeof(jobs[njobs].dir), "layers/job-%zu", njobs);
			njobs++;
		}
		if (stage_bytes(s, st, p->config_digest, p->config, p->config_len, err) < 0 ||
		    stage_bytes(s, st, p->manifest_digest, p->manifest, p->manifest_len, err) < 0)
			return -1;
	}
	if (unpack_all(s, st, jobs, njobs, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < plans[i].nlayers; k++)
			if (!plans[i].layers[k].unpacked) {
				struct job *j = find_job(jobs, njobs, plans[i].layers[k].diff_id);

				if (j)
					plans[i].layers[k].unpacked = j->l->unpacked;
			}
	if (digest_and_sync(s, st, jobs, njobs, err) < 0)
		return -1;
	fault_point("load-staged");
	return publish(s, st, plans, n, jobs, njobs, err);
}
