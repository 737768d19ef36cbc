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
	     struct img_push_result *res, struct error *err)
{
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
	if (img_registry_open(&p.reg, &dst, "pull,push", insecure, err) < 0)
		goto out;
	p.from = mount_source(s, id, &dst);
	for (size_t i = 0; layers[i]; i++)
		if (push_blob(&p, layers[i], err) < 0)
			goto out;
	if (push_blob(&p, id, err) < 0 ||
	    put_manifest(&p, &dst, man, len,
			 mtype[0] ? mtype[0] : "application/vnd.oci.image.manifest.v1+json",
			 err) < 0)
		goto out;
	res->name = steal_pointer(&name);
	if (res->mounted)
		res->mounted_from = steal_pointer(&p.from);
	snprintf(res->digest, sizeof(res->digest), "%s", mdig[0]);
	rc = 0;
out:
	free(p.from);
	img_registry_close(&p.reg);
	img_ref_release(&dst);
	return rc;
}
