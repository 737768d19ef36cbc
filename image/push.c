/* nook push: an image of the store to a registry (OCI distribution API).
 * Blobs first, each skipped when the registry has it (HEAD) and otherwise
 * uploaded in one PUT after a POST opened the upload; the manifest last,
 * so the registry never names an image whose blobs it lacks.  The store is
 * only read. */
#include "image/internal.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

struct push {
	struct img_store *s;
	struct img_registry reg;
	struct img_push_result *res;
	const char *what; /* the destination, for messages */
	char *from;	  /* another repository of the registry naming the image */
};

static int blob_exists(struct push *p, const char *digest, bool *has, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->reg.repo, digest);
	struct img_http_res res = {0};
	struct img_http_req req = {.method = "HEAD", .path = path, .sink_fd = -1, .body_fd = -1};
	int rc = 0;

	if (img_registry_request(&p->reg, &req, &res, err) < 0)
		return error_prefix(err, "cannot push %s", p->what);
	*has = res.status == 200;
	if (res.status != 200 && res.status != 404) {
		_cleanup_free_ char *what = xasprintf("cannot push %s", p->what);

		rc = img_registry_error(&p->reg, &res, what, err);
	}
	img_http_res_release(&res);
	return rc;
}

/* POST opens an upload session; its Location takes the blob in one PUT
 * with the digest the registry checks the content against.  When the
 * image has a name in another repository of the registry, the POST asks
 * to mount the blob from there first (201: done, nothing sent). */
static int upload_blob(struct push *p, const char *digest, struct error *err)
{
	_cleanup_free_ char *path = p->from ? xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s",
							p->reg.repo, digest, p->from)
					    : xasprintf("/v2/%s/blobs/uploads/", p->reg.repo);
	_cleanup_free_ char *blob = xasprintf("blobs/sha256/%s", img_digest_hex(digest));
	_cleanup_free_ char *what = xasprintf("cannot push %s: blob %s", p->what, digest);
	_cleanup_free_ char *put = NULL;
	_cleanup_close_ int fd = openat(p->s->rootfd, blob, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct img_http_res res = {0};
	struct img_http_req req = {.method = "POST", .path = path, .sink_fd = -1, .body_fd = -1};
	struct stat sb;
	int rc = -1;

	if (fd < 0 || fstat(fd, &sb) < 0)
		return error_sys(err, "cannot open blob %s of the store", digest);
	if (img_registry_request(&p->reg, &req, &res, err) < 0) {
		error_prefix(err, "%s", what);
		goto out;
	}
	if (p->from && res.status == 201) {
		p->res->mounted++;
		rc = 0;
		goto out;
	}
	if (res.status != 202 || !res.location) {
		img_registry_error(&p->reg, &res, what, err);
		goto out;
	}
	put =
	    xasprintf("%s%sdigest=%s", res.location, strchr(res.location, '?') ? "&" : "?", digest);
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.path = put;
	req.content_type = "application/octet-stream";
	req.body_fd = fd;
	req.body_size = (uint64_t)sb.st_size;
	req.sink_fd = -1;
	if (img_registry_request(&p->reg, &req, &res, err) < 0) {
		error_prefix(err, "%s", what);
		goto out;
	}
	if (res.status != 201) {
		img_registry_error(&p->reg, &res, what, err);
		goto out;
	}
	p->res->uploaded++;
	p->res->uploaded_bytes += (uint64_t)sb.st_size;
	rc = 0;
out:
	img_http_res_release(&res);
	return rc;
}

static int push_blob(struct push *p, const char *digest, struct error *err)
{
	bool has = false;

	if (!img_digest_valid(digest))
		return error_set(err, EINVAL, "invalid blob digest '%s' in the store", digest);
	p->res->blobs++;
	if (blob_exists(p, digest, &has, err) < 0)
		return -1;
	return has ? 0 : upload_blob(p, digest, err);
}

static int put_manifest(struct push *p, const struct img_ref *dst, const char *man, size_t len,
			const char *type, struct error *err)
{
	_cleanup_free_ char *path =
	    xasprintf("/v2/%s/manifests/%s", p->reg.repo, dst->tag ? dst->tag : dst->digest);
	_cleanup_free_ char *what = xasprintf("cannot push %s: manifest", p->what);
	struct img_http_res res = {0};
	struct img_http_req req = {.method = "PUT",
				   .path = path,
				   .content_type = type,
				   .body = man,
				   .body_len = len,
				   .sink_fd = -1,
				   .body_fd = -1};
	int rc = 0;

	if (img_registry_request(&p->reg, &req, &res, err) < 0)
		return error_prefix(err, "%s", what);
	if (res.status != 201)
		rc = img_registry_error(&p->reg, &res, what, err);
	img_http_res_release(&res);
	return rc;
}

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_V2	"application/vnd.docker.distribution.manifest.v2+json"

/* Media types of the two formats, by position: a manifest is converted by
 * replacing each with its counterpart (the blobs stay the same bytes, so
 * the image ID, the config's digest, does not change). */
static const char *const media_types[][2] = {
    {"application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"},
    {"application/vnd.oci.image.layer.v1.tar+gzip",
     "application/vnd.docker.image.rootfs.diff.tar.gzip"},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
     "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"},
};

/* The counterpart of type in format (1: docker), or NULL when it has none
 * (zstd and uncompressed layers have no docker schema 2 type). */
static const char *media_type_in(const char *type, int to)
{
	for (size_t i = 0; i < ARRAY_SIZE(media_types); i++)
		if (!strcmp(type, media_types[i][0]) || !strcmp(type, media_types[i][1]))
			return media_types[i][to];
	return NULL;
}

static int convert_desc(struct json_object *d, int to, const char *what, struct error *err)
{
	struct json_object *mt;
	const char *now, *want;

	if (!d || !json_object_object_get_ex(d, "mediaType", &mt) ||
	    !json_object_is_type(mt, json_type_string))
		return error_set(err, EINVAL, "%s: a descriptor without mediaType", what);
	now = json_object_get_string(mt);
	want = media_type_in(now, to);
	if (!want)
		return error_set(err, ENOTSUP, "%s: %s has no %s media type", what, now,
				 to ? "docker schema 2" : "OCI");
	json_object_object_add(d, "mediaType", json_object_new_string(want));
	json_object_object_del(d, "annotations");
	return 0;
}

/* The manifest man as format ("oci" or "v2s2"): *out and *type allocated;
 * a copy of man when it is in that format already. */
static int convert_manifest(struct push *p, const char *man, const char *format, char **out,
			    size_t *len, char **type, struct error *err)
{
	int to = !strcmp(format, "v2s2");
	struct json_object *o = json_tokener_parse(man), *cfg, *layers;
	const char *text;
	int rc = -1;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "config", &cfg) ||
	    !json_object_object_get_ex(o, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		error_set(err, EINVAL,
			  "cannot push %s: the stored manifest is not an image manifest", p->what);
		goto out;
	}
	if (convert_desc(cfg, to, p->what, err) < 0)
		goto out;
	for (size_t i = 0; i < json_object_array_length(layers); i++)
		if (convert_desc(json_object_array_get_idx(layers, i), to, p->what, err) < 0)
			goto out;
	json_object_object_add(o, "mediaType",
			       json_object_new_string(to ? MT_DOCKER_V2 : MT_OCI_MANIFEST));
	if (to) {
		/* Docker schema 2 has none of these. */
		json_object_object_del(o, "annotations");
		json_object_object_del(o, "subject");
		json_object_object_del(o, "artifactType");
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*len = strlen(text);
	*out = xstrdup(text);
	*type = xstrdup(to ? MT_DOCKER_V2 : MT_OCI_MANIFEST);
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* A repository of dst's registry, other than dst's, that names image id. */
static char *mount_source(struct img_store *s, const char *id, const struct img_ref *dst)
{
	_cleanup_strv_ char **names =
	    img_db_strv(s, "SELECT name FROM tags WHERE image_id = ?1", id);
	char *from = NULL;

	for (size_t i = 0; names[i] && !from; i++) {
		struct img_ref r;
		struct error e;

		if (img_ref_parse(names[i], &r, &e) < 0)
			continue;
		if (!strcmp(r.domain, dst->domain) && strcmp(r.path, dst->path))
			from = xstrdup(r.path);
		img_ref_release(&r);
	}
	return from;
}

void img_push_result_release(struct img_push_result *r)
{
	free(r->name);
	free(r->mounted_from);
	memset(r, 0, sizeof(*r));
}

int img_push(struct img_store *s, const char *src, const char *dest, bool insecure,
	     const char *format, struct img_push_result *res, struct error *err)
{
	_cleanup_free_ char *conv = NULL, *conv_type = NULL, *location = NULL;
	struct img_ref conn = {0};
	bool conf_insecure = false;
	struct push p = {.s = s, .res = res};
	struct img_ref dst = {0};
	_cleanup_free_ char *id = NULL, *man = NULL, *name = NULL;
	_cleanup_strv_ char **mdig = NULL, **layers = NULL, **mtype = NULL;
	size_t len = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (!dest && str_has_prefix(src, "sha256:"))
		return error_set(err, EINVAL, "cannot push image ID '%s' without a destination",
				 src);
	if (img_ref_parse(dest ? dest : src, &dst, err) < 0)
		return -1;
	name = img_ref_string(&dst);
	p.what = name;
	if (img_libs_load(IMG_LIB_CRYPTO | IMG_LIB_CURL, err) < 0 ||
	    img_resolve(s, src, &id, err) < 0)
		goto out;
	mdig = img_db_strv(s, "SELECT manifest_digest FROM images WHERE id = ?1", id);
	layers = img_db_strv(
	    s, "SELECT blob_digest FROM image_layers WHERE image_id = ?1 ORDER BY idx", id);
	if (!mdig[0]) {
		error_set(err, ENOENT, "%s: no manifest in the store", src);
		goto out;
	}
	mtype = img_db_strv(s, "SELECT media_type FROM manifests WHERE digest = ?1", mdig[0]);
	if (img_blob_read(s, mdig[0], &man, &len, err) < 0)
		goto out;
	if (format && convert_manifest(&p, man, format, &conv, &len, &conv_type, err) < 0)
		goto out;
	/* registries.conf as for pull: blocked, insecure, another location. */
	if (img_regconf_registry(NULL, &dst, &location, &conf_insecure, err) < 0 ||
	    (location && img_ref_parse(location, &conn, err) < 0))
		goto out;
	if (img_registry_open(&p.reg, location ? &conn : &dst, "pull,push",
			      insecure || conf_insecure, err) < 0)
		goto out;
	p.from = mount_source(s, id, location ? &conn : &dst);
	for (size_t i = 0; layers[i]; i++)
		if (push_blob(&p, layers[i], err) < 0)
			goto out;
	if (push_blob(&p, id, err) < 0 || put_manifest(&p, &dst, conv ? conv : man, len,
						       conv_type  ? conv_type
						       : mtype[0] ? mtype[0]
								  : MT_OCI_MANIFEST,
						       err) < 0)
		goto out;
	res->name = steal_pointer(&name);
	if (res->mounted)
		res->mounted_from = steal_pointer(&p.from);
	if (conv)
		img_digest_buf(conv, len, res->digest);
	else
		snprintf(res->digest, sizeof(res->digest), "%s", mdig[0]);
	rc = 0;
out:
	free(p.from);
	img_registry_close(&p.reg);
	img_ref_release(&conn);
	img_ref_release(&dst);
	return rc;
}
