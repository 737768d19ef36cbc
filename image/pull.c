/* nook pull: an image from a registry, through the load path.
 *
 * The manifest and the blobs it names are fetched into the staging dir as
 * an OCI image layout (src/index.json, src/blobs/sha256/…), each blob
 * hashed while it streams and refused when its content does not match
 * its digest.  The layout then goes through exactly what `nook load` does
 * with an archive it unpacked (img_source_plan, img_staging_commit): the
 * same checks of the documents, the same verification and unpacking, the
 * same single transaction.  A killed pull leaves a staging dir the next
 * command removes, never a half image.  A layer blob the store already
 * holds is not fetched: the staging code finds it in the store. */
#include "image/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_MANIFEST (4u << 20)
#define MAX_CONFIG   (16u << 20)

#define MT_OCI_MANIFEST	 "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX	 "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_V2	 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST	 "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V1	 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_V1_JWS "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* What we take, best first; schema 1 is asked for only to refuse it with
 * a clear message instead of a registry's "manifest unknown". */
static const char accept_all[] =
    MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_V2 ", " MT_DOCKER_V1_JWS
		 ";q=0.1, " MT_DOCKER_V1 ";q=0.1";

struct pull {
	struct img_store *s;
	struct img_registry reg;
	struct img_ref ref;
	struct img_staging st;
	int blobsfd;	    /* src/blobs/sha256 in the staging dir */
	int partfd;	    /* tmp/.partial of the store: blobs being fetched (-1: none) */
	bool keep_partials; /* the pull failed in a transfer: resume it next time */
	char *what;	    /* the reference as given, for messages */
	const struct img_pull_opts *o;
	struct img_pull_result *res;
};

/* ------------------------------------------------------------- blobs -- */

/* Blobs are fetched three at a time, as docker does: enough to fill a
 * link, few enough not to starve each other. */
#define PARALLEL_BLOBS 3

struct fetch_tick {
	struct pull *p;
	const char *digest;
	uint64_t size;
	bool started;
	uint64_t first; /* bytes at the first tick (a resumed blob has some) */
	double t0, last;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Told at most every IMG_WATCH_INTERVAL and at the end: bytes, and the
 * rate of this transfer (for the ETA) as bytes and seconds. */
static void on_fetch(void *data, uint64_t got)
{
	struct fetch_tick *t = data;
	double n = now();
	struct img_layer_progress e = {
	    .event = IMG_LAYER_FETCH, .digest = t->digest, .read = got, .size = t->size};

	if (!t->started) {
		t->started = true;
		t->first = got;
		t->t0 = n;
	} else if (got < t->size && n - t->last < IMG_WATCH_INTERVAL) {
		return;
	}
	t->last = n;
	e.bytes = got - t->first;
	e.seconds = n - t->t0;
	t->p->o->progress(t->p->o->progress_data, &e);
}

/* One blob to fetch.  Its bytes go to tmp/.partial/<hex> of the store,
 * flock'ed while we write it: what a killed or cut off pull got there
 * stays, and the next pull asks only for the rest (HTTP Range), hashing
 * what the file holds first.  The digest is checked over the whole blob
 * either way.  When another pull holds that file, a private one in the
 * staging dir (no resume). */
struct blob_job {
	char *digest;
	uint64_t size;
	bool layer;
	bool done;  /* staged already (or completed from the partial) */
	int fd;	    /* the bytes so far */
	int dirfd;  /* borrowed: where fd's name is */
	char *name; /* of fd in dirfd */
	char *path; /* /v2/<repo>/blobs/<digest> */
	struct img_hash h;
	struct fetch_tick t;
	struct img_http_req req;
	struct img_http_res res;
};

static void blob_job_release(struct blob_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	img_hash_release(&j->h);
	img_http_res_release(&j->res);
	free(j->digest);
	free(j->name);
	free(j->path);
}

/* The partial file of hex, locked, when nobody else is writing it. */
static int partial_open(struct pull *p, const char *hex)
{
	struct stat a, b;
	int fd;

	if (p->partfd < 0)
		return -1;
	fd = openat(p->partfd, hex, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	/* Locked and still the file of that name: a pull that finished
	 * with it moved it away between our open and our lock. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 ||
	    fstatat(p->partfd, hex, &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
	    !S_ISREG(a.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Hash what the partial file holds and say where to go on from: its
 * length, or 0 after emptying it when it cannot be a prefix of the blob. */
static int partial_resume(struct blob_job *j, struct error *err)
{
	struct stat st;
	char buf[1 << 16];
	uint64_t have = 0;
	ssize_t n;

	if (fstat(j->fd, &st) < 0)
		return error_sys(err, "cannot read partial blob %s", j->digest);
	if ((uint64_t)st.st_size > j->size)
		goto restart;
	while ((n = pread(j->fd, buf, sizeof(buf), (off_t)have)) > 0) {
		img_hash_update(&j->h, buf, (size_t)n);
		have += (uint64_t)n;
	}
	if (n < 0)
		return error_sys(err, "cannot read partial blob %s", j->digest);
	if (have == j->size) {
		char got[72];

		img_hash_final(&j->h, got);
		img_hash_init(&j->h);
		if (!strcmp(got, j->digest)) {
			j->done = true;
			return 0;
		}
		goto restart;
	}
	j->req.range_from = have;
	return lseek(j->fd, 0, SEEK_END) < 0 ? error_sys(err, "cannot seek partial blob") : 0;
restart:
	img_hash_release(&j->h);
	img_hash_init(&j->h);
	if (ftruncate(j->fd, 0) < 0 || lseek(j->fd, 0, SEEK_SET) < 0)
		return error_sys(err, "cannot empty partial blob %s", j->digest);
	j->req.range_from = 0;
	return 0;
}

/* Ready job j for digest (size bytes): done when already staged. */
static int blob_prepare(struct pull *p, struct blob_job *j, const char *digest, uint64_t size,
			bool layer, struct error *err)
{
	const char *hex = img_digest_hex(digest);

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (!hex)
		return error_set(err, EINVAL, "%s: invalid blob digest '%s'", p->what, digest);
	j->digest = xstrdup(digest);
	j->size = size;
	j->layer = layer;
	img_hash_init(&j->h);
	if (faccessat(p->blobsfd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		j->done = true;
		return 0;
	}
	j->path = xasprintf("/v2/%s/blobs/%s", p->reg.repo, digest);
	j->req = (struct img_http_req){
	    .method = "GET", .path = j->path, .max = size, .body_fd = -1, .hash = &j->h};
	j->t = (struct fetch_tick){.p = p, .digest = j->digest, .size = size};
	if (layer && p->o->progress) {
		j->req.tick = on_fetch;
		j->req.tick_data = &j->t;
	}
	j->fd = partial_open(p, hex);
	if (j->fd >= 0) {
		j->dirfd = p->partfd;
		j->name = xstrdup(hex);
		if (partial_resume(j, err) < 0)
			return -1;
	} else {
		j->dirfd = p->blobsfd;
		j->name = xasprintf("%s.part", hex);
		j->fd = openat(p->blobsfd, j->name,
			       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (j->fd < 0)
			return error_sys(err, "cannot create staging blob");
	}
	j->req.sink_fd = j->fd;
	return 0;
}

/* Check what a request brought; on a resumed blob with the wrong digest
 * (the partial was not a prefix of it) *again says to fetch it whole. */
static int blob_check(struct pull *p, struct blob_job *j, bool *again, struct error *err)
{
	char got[72];

	*again = false;
	if (j->res.status != 200 && j->res.status != 206) {
		_cleanup_free_ char *what = xasprintf("%s: blob %s", p->what, j->digest);

		return img_registry_error(&p->reg, &j->res, what, err);
	}
	img_hash_final(&j->h, got);
	img_hash_init(&j->h);
	if (strcmp(got, j->digest) || j->res.received != j->size) {
		bool resumed = j->req.range_from && !j->res.restarted;

		/* Wrong bytes are not kept for a later resume. */
		if (ftruncate(j->fd, 0) < 0 || lseek(j->fd, 0, SEEK_SET) < 0)
			return error_sys(err, "cannot empty partial blob %s", j->digest);
		if (resumed) {
			j->req.range_from = 0;
			*again = true;
			return 0;
		}
		if (strcmp(got, j->digest))
			return error_set(err, EINVAL, "blob %s: content has digest %s, refusing it",
					 j->digest, got);
		return error_set(err, EINVAL, "blob %s: size %llu, descriptor says %llu", j->digest,
				 (unsigned long long)j->res.received, (unsigned long long)j->size);
	}
	return 0;
}

/* A job the batch left unfinished, alone: a 401 (a token to get), a
 * resumed blob to fetch whole. */
static int blob_retry(struct pull *p, struct blob_job *j, struct error *err)
{
	bool again = true;

	for (int tries = 0; again && tries < 2; tries++) {
		if (img_registry_request(&p->reg, &j->req, &j->res, err) < 0)
			return error_prefix(err, "blob %s", j->digest);
		if (blob_check(p, j, &again, err) < 0)
			return -1;
	}
	return 0;
}

/* The staged name of a complete, verified blob. */
static int blob_finish(struct pull *p, struct blob_job *j, struct error *err)
{
	const char *hex = img_digest_hex(j->digest);

	if (faccessat(p->blobsfd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (renameat(j->dirfd, j->name, p->blobsfd, hex) < 0)
		return error_sys(err, "cannot stage blob %s", j->digest);
	j->dirfd = -1; /* its name is no longer ours */
	if (j->layer) {
		p->res->fetched++;
		p->res->fetched_bytes += j->size;
	}
	return 0;
}

/* Fetch the jobs not done, PARALLEL_BLOBS at a time. */
static int blobs_fetch(struct pull *p, struct blob_job *jobs, size_t n, struct error *err)
{
	_cleanup_free_ struct img_http_req *reqs = xzalloc((n + 1) * sizeof(*reqs));
	_cleanup_free_ struct img_http_res *res = xzalloc((n + 1) * sizeof(*res));
	_cleanup_free_ struct error *errs = xzalloc((n + 1) * sizeof(*errs));
	_cleanup_free_ size_t *idx = xzalloc((n + 1) * sizeof(*idx));
	_cleanup_free_ int *rcs = xzalloc((n + 1) * sizeof(*rcs));
	size_t m = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (!jobs[i].done) {
			reqs[m] = jobs[i].req;
			idx[m++] = i;
		}
	img_registry_request_all(&p->reg, reqs, res, rcs, errs, m, PARALLEL_BLOBS);
	for (size_t k = 0; k < m; k++) {
		struct blob_job *j = &jobs[idx[k]];
		bool again = false;

		img_http_res_release(&j->res);
		j->res = res[k];
		if (rc < 0) {
			continue;
		} else if (rcs[k] < 0) {
			/* Cut off or timed out: what came is kept to resume. */
			*err = errs[k];
			rc = error_prefix(err, "blob %s", j->digest);
			p->keep_partials = err->code != EFBIG;
		} else if (j->res.status == 401 || (rc = blob_check(p, j, &again, err)) == 0) {
			if (j->res.status == 401 || again)
				rc = blob_retry(p, j, err);
		}
		if (rc == 0)
			j->done = true;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = blob_finish(p, &jobs[i], err);
	return rc;
}

/* ---------------------------------------------------------- manifests -- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A descriptor's digest and size, checked. */
static int desc_of(struct pull *p, struct json_object *d, const char *where, const char **digest,
		   uint64_t *size, struct error *err)
{
	struct json_object *v;

	*digest = jstr(d, "digest");
	if (!*digest || !img_digest_valid(*digest))
		return error_set(err, EINVAL, "%s: %s has no valid digest", p->what, where);
	if (!json_object_object_get_ex(d, "size", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return error_set(err, EINVAL, "%s: %s has no valid size", p->what, where);
	*size = (uint64_t)json_object_get_int64(v);
	return 0;
}

/* GET a manifest (by tag or digest); *type from its mediaType, else the
 * Content-Type.  Checked against digest when one is given. */
static int get_manifest(struct pull *p, const char *ref, const char *digest, char **out,
			size_t *len, char **type, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->reg.repo, ref);
	struct img_http_res res = {0};
	struct img_http_req req = {.method = "GET",
				   .path = path,
				   .accept = accept_all,
				   .max = MAX_MANIFEST,
				   .sink_fd = -1,
				   .body_fd = -1};
	struct json_object *o = NULL, *sv;
	const char *mt;
	char got[72];
	int rc = -1;

	if (img_registry_request(&p->reg, &req, &res, err) < 0) {
		error_prefix(err, "cannot pull %s", p->what);
		goto out;
	}
	if (res.status != 200) {
		_cleanup_free_ char *what = xasprintf("cannot pull %s", p->what);

		img_registry_error(&p->reg, &res, what, err);
		goto out;
	}
	img_digest_buf(res.body ? res.body : "", res.len, got);
	if (digest && strcmp(got, digest)) {
		error_set(err, EINVAL, "%s: manifest has digest %s, not %s, refusing it", p->what,
			  got, digest);
		goto out;
	}
	o = res.body ? json_tokener_parse(res.body) : NULL;
	if (!o || !json_object_is_type(o, json_type_object)) {
		error_set(err, EINVAL, "%s: the manifest is not a JSON object", p->what);
		goto out;
	}
	mt = jstr(o, "mediaType");
	if (!mt && res.ctype)
		mt = res.ctype;
	if ((json_object_object_get_ex(o, "schemaVersion", &sv) &&
	     json_object_is_type(sv, json_type_int) && json_object_get_int(sv) == 1) ||
	    (mt && (str_has_prefix(mt, MT_DOCKER_V1) || str_has_prefix(mt, MT_DOCKER_V1_JWS)))) {
		error_set(err, ENOTSUP,
			  "%s: docker schema 1 manifests are not supported (deprecated format: "
			  "push the image again with a current client)",
			  p->what);
		goto out;
	}
	*type = xstrdup(mt ? mt : MT_OCI_MANIFEST);
	*len = res.len;
	*out = steal_pointer(&res.body);
	rc = 0;
out:
	json_object_put(o);
	img_http_res_release(&res);
	return rc;
}

/* The entry of an index for the platform. */
static int select_platform(struct pull *p, const char *index, const struct img_platform *plat,
			   const char **digest, struct json_object **doc, struct error *err)
{
	struct json_object *o = json_tokener_parse(index), *mans;

	*doc = o;
	*digest = NULL;
	if (!o || !json_object_object_get_ex(o, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array))
		return error_set(err, EINVAL, "%s: the index has no manifest list", p->what);
	for (size_t i = 0; i < json_object_array_length(mans) && !*digest; i++) {
		struct json_object *e = json_object_array_get_idx(mans, i), *pl;
		const char *os, *arch, *var;

		if (!e || !json_object_object_get_ex(e, "platform", &pl))
			continue;
		os = jstr(pl, "os");
		arch = jstr(pl, "architecture");
		var = jstr(pl, "variant");
		if (os && arch && !strcmp(os, plat->os) && !strcmp(arch, plat->arch) &&
		    (!plat->variant[0] || !var || !strcmp(var, plat->variant)))
			*digest = jstr(e, "digest");
	}
	if (!*digest || !img_digest_valid(*digest))
		return error_set(err, ENOENT, "%s: no image for %s/%s%s%s", p->what, plat->os,
				 plat->arch, plat->variant[0] ? "/" : "", plat->variant);
	return 0;
}

/* The image manifest of the reference: itself, or from an index the one
 * for the platform. */
static int resolve_manifest(struct pull *p, char **man, size_t *len, char **type, struct error *err)
{
	struct img_platform plat;
	struct json_object *idx = NULL;
	const char *ref = p->ref.digest ? p->ref.digest : p->ref.tag;
	const char *digest;
	int rc;

	if (img_platform_parse(p->o->platform, &plat, err) < 0)
		return -1;
	if (get_manifest(p, ref, p->ref.digest, man, len, type, err) < 0)
		return -1;
	if (strcmp(*type, MT_OCI_INDEX) && strcmp(*type, MT_DOCKER_LIST))
		return 0;
	rc = select_platform(p, *man, &plat, &digest, &idx, err);
	if (rc == 0) {
		_cleanup_free_ char *d = xstrdup(digest);

		free(*man);
		free(*type);
		*man = *type = NULL;
		rc = get_manifest(p, d, d, man, len, type, err);
		if (rc == 0 && (!strcmp(*type, MT_OCI_INDEX) || !strcmp(*type, MT_DOCKER_LIST)))
			rc = error_set(err, EINVAL, "%s: an index inside an index", p->what);
	}
	json_object_put(idx);
	return rc;
}

/* The layout the load path reads: the manifest's blobs and an index.json
 * naming it (with the tag, unless pulled by digest alone). */
static int write_layout(struct pull *p, const char *man, size_t len, const char *type,
			char digest[72], struct error *err)
{
	struct json_object *idx = json_object_new_object(), *mans = json_object_new_array();
	struct json_object *d = json_object_new_object();
	const char *text;
	int rc;

	img_digest_buf(man, len, digest);
	if (file_write_atomic_at(p->blobsfd, img_digest_hex(digest), man, len, 0600, err) < 0) {
		json_object_put(idx);
		json_object_put(mans);
		json_object_put(d);
		return -1;
	}
	json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
	json_object_object_add(d, "mediaType", json_object_new_string(type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)len));
	if (p->ref.tag) {
		struct json_object *ann = json_object_new_object();
		_cleanup_free_ char *name = xasprintf("%s:%s", p->ref.name, p->ref.tag);

		json_object_object_add(ann, "io.containerd.image.name",
				       json_object_new_string(name));
		json_object_object_add(d, "annotations", ann);
	}
	json_object_array_add(mans, d);
	json_object_object_add(idx, "manifests", mans);
	text = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PLAIN);
	rc = file_write_atomic_at(p->st.srcfd, "index.json", text, strlen(text), 0600, err);
	json_object_put(idx);
	return rc;
}

/* The config and every layer the store does not hold, fetched together. */
static int fetch_blobs(struct pull *p, const char *man, struct error *err)
{
	struct json_object *o = json_tokener_parse(man), *cfg, *layers;
	struct blob_job *jobs = NULL;
	size_t n = 0, nl = 0;
	const char *digest;
	uint64_t size;
	int rc = -1;

	if (!o || !json_object_object_get_ex(o, "config", &cfg) ||
	    !json_object_is_type(cfg, json_type_object)) {
		error_set(err, EINVAL, "%s: the manifest has no config", p->what);
		goto out;
	}
	if (desc_of(p, cfg, "the config", &digest, &size, err) < 0)
		goto out;
	if (size > MAX_CONFIG) {
		error_set(err, EFBIG, "%s: config of %llu bytes is too large", p->what,
			  (unsigned long long)size);
		goto out;
	}
	if (json_object_object_get_ex(o, "layers", &layers) &&
	    json_object_is_type(layers, json_type_array))
		nl = json_object_array_length(layers);
	jobs = xzalloc((nl + 1) * sizeof(*jobs));
	for (size_t i = 0; i <= nl; i++)
		jobs[i].fd = -1;
	if (blob_prepare(p, &jobs[n++], digest, size, false, err) < 0)
		goto out;
	for (size_t i = 0; i < nl; i++) {
		char where[32];

		snprintf(where, sizeof(where), "layers[%zu]", i);
		if (desc_of(p, json_object_array_get_idx(layers, i), where, &digest, &size, err) <
		    0)
			goto out;
		p->res->layers++;
		/* Only a blob the database records is complete. */
		if (img_store_vouches(p->s, "blobs/sha256", img_digest_hex(digest)))
			continue;
		if (blob_prepare(p, &jobs[n++], digest, size, true, err) < 0)
			goto out;
	}
	rc = blobs_fetch(p, jobs, n, err);
out:
	for (size_t i = 0; i < n; i++) {
		/* Refused for what it is (a digest, a size, a status): the
		 * store stays as it was.  Still locked by us. */
		if (rc < 0 && !p->keep_partials && jobs[i].fd >= 0 && jobs[i].dirfd == p->partfd)
			unlinkat(p->partfd, jobs[i].name, 0);
		blob_job_release(&jobs[i]);
	}
	free(jobs);
	json_object_put(o);
	return rc;
}

/* A partial blob nobody resumed for this long is dropped by the next
 * pull: a resume is worth days, not a disk slowly filling. */
#define PARTIAL_MAX_AGE (3 * 24 * 3600)

static void partials_expire(struct pull *p)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(p->partfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	time_t now = time(NULL);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int f = -1;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		f = openat(p->partfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		/* Only a file no pull holds (its lock) and old enough. */
		if (f < 0 || flock(f, LOCK_EX | LOCK_NB) < 0 || fstat(f, &st) < 0 ||
		    now - st.st_mtime < PARTIAL_MAX_AGE)
			continue;
		unlinkat(p->partfd, de->d_name, 0);
	}
}

static int stage_source(struct pull *p, struct error *err)
{
	if (mkdirat(p->st.dirfd, "src", 0700) < 0 ||
	    (p->st.srcfd = openat(p->st.dirfd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(p->st.srcfd, "blobs", 0700) < 0 ||
	    mkdirat(p->st.srcfd, "blobs/sha256", 0700) < 0 ||
	    (p->blobsfd = openat(p->st.srcfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
		0)
		return error_sys(err, "cannot prepare the staging dir");
	p->st.src_owned = true; /* our own files: verified in place, linked */
	/* Best effort: without it blobs are fetched whole. */
	if (mkdirat(p->s->rootfd, "tmp/.partial", 0700) == 0 || errno == EEXIST)
		p->partfd = openat(p->s->rootfd, "tmp/.partial",
				   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (p->partfd >= 0)
		partials_expire(p);
	p->st.progress = p->o->progress;
	p->st.progress_data = p->o->progress_data;
	return 0;
}

void img_pull_result_release(struct img_pull_result *r)
{
	free(r->name);
	free(r->id);
	memset(r, 0, sizeof(*r));
}

/* Pull refstr (its registry named), from the location registries.conf
 * gives it. */
static int pull_one(struct img_store *s, const struct img_pull_opts *o, const char *refstr,
		    struct img_pull_result *res, struct error *err)
{
	_cleanup_free_ char *location = NULL;
	struct img_ref conn = {0};
	bool insecure = false;
	struct pull p = {.s = s, .o = o, .res = res, .blobsfd = -1, .partfd = -1};
	_cleanup_free_ char *man = NULL, *type = NULL;
	struct img_plan *plans = NULL;
	struct img_platform plat;
	char digest[72];
	size_t len = 0, n = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (img_ref_parse(refstr, &p.ref, err) < 0)
		return -1;
	p.what = img_ref_string(&p.ref);
	if (img_regconf_registry(o->registries_conf, &p.ref, &location, &insecure, err) < 0 ||
	    (location && img_ref_parse(location, &conn, err) < 0))
		goto done;
	if (img_platform_parse(o->platform, &plat, err) < 0 ||
	    img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO | IMG_LIB_CURL, err) < 0 ||
	    img_registry_open(&p.reg, location ? &conn : &p.ref, "pull", o->insecure || insecure,
			      err) < 0)
		goto done;
	if (img_staging_init(s, &p.st, err) < 0)
		goto done;
	if (stage_source(&p, err) < 0 || resolve_manifest(&p, &man, &len, &type, err) < 0 ||
	    fetch_blobs(&p, man, err) < 0 || write_layout(&p, man, len, type, digest, err) < 0)
		goto out;
	fault_point("pull-fetched");
	rc = img_source_plan(p.st.srcfd, p.what, &plat, &plans, &n, err);
	if (rc == 0)
		rc = img_staging_commit(s, &p.st, plans, n, err);
	if (rc == 0) {
		res->id = xstrdup(plans[0].config_digest);
		if (p.ref.tag)
			res->name = xasprintf("%s:%s", p.ref.name, p.ref.tag);
	}
out:
	for (size_t i = 0; i < n; i++)
		img_plan_release(&plans[i]);
	free(plans);
	if (p.blobsfd >= 0)
		close(p.blobsfd);
	if (p.partfd >= 0) {
		close(p.partfd);
		/* Gone once nothing is left to resume (not while another
		 * pull's file is in it). */
		unlinkat(s->rootfd, "tmp/.partial", AT_REMOVEDIR);
	}
	img_staging_release(s, &p.st);
done:
	img_registry_close(&p.reg);
	img_ref_release(&conn);
	img_ref_release(&p.ref);
	free(p.what);
	return rc;
}

int img_pull(struct img_store *s, const struct img_pull_opts *o, struct img_pull_result *res,
	     struct error *err)
{
	_cleanup_strv_ char **cands = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (img_ref_candidates(o->ref, o->registries_conf, &cands, err) < 0)
		return -1;
	/* Several unqualified-search registries: the first that has it,
	 * going on past one that lacks it, refuses or is down. */
	for (size_t i = 0; cands[i]; i++) {
		img_pull_result_release(res);
		rc = pull_one(s, o, cands[i], res, err);
		if (rc == 0 || !cands[i + 1] ||
		    (err->code != ENOENT && err->code != EACCES && err->code != EIO &&
		     err->code != EHOSTUNREACH))
			break;
	}
	return rc;
}

int img_tags_list(const char *ref, bool insecure, const char *registries_conf, char ***refs,
		  struct error *err)
{
	_cleanup_strv_ char **cands = NULL, **tags = NULL;
	_cleanup_free_ char *location = NULL, *path = NULL, *what = NULL;
	struct img_ref r = {0}, conn = {0};
	struct img_registry reg = {0};
	bool ins = false;
	int rc = -1;

	*refs = xzalloc(sizeof(char *));
	if (img_ref_candidates(ref, registries_conf, &cands, err) < 0 ||
	    img_ref_parse(cands[0], &r, err) < 0)
		return -1;
	what = xasprintf("cannot list the tags of %s", r.name);
	if (img_regconf_registry(registries_conf, &r, &location, &ins, err) < 0 ||
	    (location && img_ref_parse(location, &conn, err) < 0) ||
	    img_libs_load(IMG_LIB_CURL, err) < 0 ||
	    img_registry_open(&reg, location ? &conn : &r, "pull", insecure || ins, err) < 0)
		goto out;
	path = xasprintf("/v2/%s/tags/list", reg.repo);
	if (img_registry_list(&reg, path, "tags", what, &tags, err) < 0)
		goto out;
	for (size_t i = 0; tags[i]; i++) {
		_cleanup_free_ char *full = xasprintf("%s:%s", r.name, tags[i]);

		strv_push(refs, full);
	}
	rc = 0;
out:
	img_registry_close(&reg);
	img_ref_release(&conn);
	img_ref_release(&r);
	return rc;
}
