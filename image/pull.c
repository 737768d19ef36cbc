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

#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

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
	int blobsfd; /* src/blobs/sha256 in the staging dir */
	char *what;  /* the reference as given, for messages */
	const struct img_pull_opts *o;
	struct img_pull_result *res;
};

/* ------------------------------------------------------------- blobs -- */

struct fetch_tick {
	struct pull *p;
	const char *digest;
	uint64_t size;
};

static void on_fetch(void *data, uint64_t got)
{
	struct fetch_tick *t = data;
	struct img_layer_progress e = {
	    .event = IMG_LAYER_FETCH, .digest = t->digest, .read = got, .size = t->size};

	t->p->o->progress(t->p->o->progress_data, &e);
}

/* Fetch blob digest (size bytes) into src/blobs/sha256/<hex>, verified as
 * it streams: written under a temporary name, renamed only when complete
 * with the right digest and size. */
static int fetch_blob(struct pull *p, const char *digest, uint64_t size, bool layer,
		      struct error *err)
{
	const char *hex = img_digest_hex(digest);
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	struct img_hash h;
	struct img_http_res res = {0};
	struct fetch_tick t = {.p = p, .digest = digest, .size = size};
	struct img_http_req req = {.method = "GET", .max = size, .body_fd = -1, .hash = &h};
	char got[72];
	int rc = -1;

	if (!hex)
		return error_set(err, EINVAL, "%s: invalid blob digest '%s'", p->what, digest);
	if (faccessat(p->blobsfd, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	tmp = xasprintf("%s.part", hex);
	fd = openat(p->blobsfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_sys(err, "cannot create staging blob");
	path = xasprintf("/v2/%s/blobs/%s", p->reg.repo, digest);
	req.path = path;
	req.sink_fd = fd;
	if (layer && p->o->progress) {
		req.tick = on_fetch;
		req.tick_data = &t;
	}
	img_hash_init(&h);
	if (img_registry_request(&p->reg, &req, &res, err) < 0) {
		error_prefix(err, "blob %s", digest);
		goto out;
	}
	if (res.status != 200) {
		_cleanup_free_ char *what = xasprintf("%s: blob %s", p->what, digest);

		img_registry_error(&p->reg, &res, what, err);
		goto out;
	}
	img_hash_final(&h, got);
	if (strcmp(got, digest)) {
		error_set(err, EINVAL, "blob %s: content has digest %s, refusing it", digest, got);
		goto out;
	}
	if (res.received != size) {
		error_set(err, EINVAL, "blob %s: size %llu, descriptor says %llu", digest,
			  (unsigned long long)res.received, (unsigned long long)size);
		goto out;
	}
	if (renameat(p->blobsfd, tmp, p->blobsfd, hex) < 0) {
		error_sys(err, "cannot stage blob %s", digest);
		goto out;
	}
	if (layer) {
		p->res->fetched++;
		p->res->fetched_bytes += size;
	}
	rc = 0;
out:
	img_hash_release(&h);
	img_http_res_release(&res);
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

/* The config and every layer the store does not hold. */
static int fetch_blobs(struct pull *p, const char *man, struct error *err)
{
	struct json_object *o = json_tokener_parse(man), *cfg, *layers;
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
	if (fetch_blob(p, digest, size, false, err) < 0)
		goto out;
	if (json_object_object_get_ex(o, "layers", &layers) &&
	    json_object_is_type(layers, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(layers); i++) {
			char where[32];

			snprintf(where, sizeof(where), "layers[%zu]", i);
			if (desc_of(p, json_object_array_get_idx(layers, i), where, &digest, &size,
				    err) < 0)
				goto out;
			p->res->layers++;
			/* Only a blob the database records is complete. */
			if (img_store_vouches(p->s, "blobs/sha256", img_digest_hex(digest)))
				continue;
			if (fetch_blob(p, digest, size, true, err) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
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

int img_pull(struct img_store *s, const struct img_pull_opts *o, struct img_pull_result *res,
	     struct error *err)
{
	struct pull p = {.s = s, .o = o, .res = res, .blobsfd = -1};
	_cleanup_free_ char *man = NULL, *type = NULL;
	struct img_plan *plans = NULL;
	struct img_platform plat;
	char digest[72];
	size_t len = 0, n = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (img_ref_parse(o->ref, &p.ref, err) < 0)
		return -1;
	p.what = img_ref_string(&p.ref);
	if (img_platform_parse(o->platform, &plat, err) < 0 ||
	    img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO | IMG_LIB_CURL, err) < 0 ||
	    img_registry_open(&p.reg, &p.ref, "pull", o->insecure, err) < 0)
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
	img_staging_release(s, &p.st);
done:
	img_registry_close(&p.reg);
	img_ref_release(&p.ref);
	free(p.what);
	return rc;
}
