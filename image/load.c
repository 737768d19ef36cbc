/* nook load: OCI image layouts (directory or tar) and docker-save
 * archives. */
#include "image/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define MAX_DOC (16u << 20)

static const char *const manifest_types[] = {
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
};
static const char *const index_types[] = {
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
};
static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.diff.tar",
};

/* uname machine -> OCI architecture (and variant). */
static const struct {
	const char *machine, *arch, *variant;
} arches[] = {
	{"x86_64", "amd64", NULL}, {"aarch64", "arm64", NULL}, {"armv7l", "arm", "v7"},
	{"armv6l", "arm", "v6"},   {"i686", "386", NULL},      {"i386", "386", NULL},
	{"ppc64le", "ppc64le", NULL}, {"s390x", "s390x", NULL}, {"riscv64", "riscv64", NULL},
};

static bool in_table(const char *s, const char *const *t, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, t[i]))
			return true;
	return false;
}

int img_platform_parse(const char *spec, struct img_platform *p, struct error *err)
{
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (spec) {
		if (sscanf(spec, "%31[^/]/%31[^/]/%31s", p->os, p->arch, p->variant) < 2)
			return error_set(err, EINVAL, "invalid platform '%s' (os/arch[/variant])", spec);
		return 0;
	}
	strcpy(p->os, "linux");
	uname(&u);
	snprintf(p->arch, sizeof(p->arch), "%s", u.machine);
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (!strcmp(u.machine, arches[i].machine)) {
			snprintf(p->arch, sizeof(p->arch), "%s", arches[i].arch);
			snprintf(p->variant, sizeof(p->variant), "%s",
				 arches[i].variant ? arches[i].variant : "");
		}
	return 0;
}

/* ------------------------------------------------- typed JSON access -- */

/* Every field of an image document is checked for its type before use:
 * json-c asserts (and aborts nook) when, say, an array function is given a
 * string.  A JSON null counts as absent, as in the Go decoders that wrote
 * most images.  Errors name the document and the field:
 * "manifest sha256:…: field 'layers' must be an array, not a string". */

static const char *jtype_name(enum json_type t)
{
	switch (t) {
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	case json_type_double:
		return "a number";
	case json_type_boolean:
		return "a boolean";
	default:
		return "null";
	}
}

static int jtype_error(const char *doc, const char *path, const char *key, struct json_object *v,
		       enum json_type want, struct error *err)
{
	return error_set(err, EINVAL, "%s: field '%s%s%s' must be %s, not %s", doc, path,
			 *path && *key ? "." : "", key, jtype_name(want),
			 jtype_name(json_object_get_type(v)));
}

/* o[key] of type want (o an object); *out NULL when absent and optional. */
static int jfield(struct json_object *o, const char *doc, const char *path, const char *key,
		  enum json_type want, bool required, struct json_object **out, struct error *err)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			return error_set(err, EINVAL, "%s: field '%s%s%s' is missing", doc, path,
					 *path ? "." : "", key);
		return 0;
	}
	if (!json_object_is_type(v, want))
		return jtype_error(doc, path, key, v, want, err);
	*out = v;
	return 0;
}

static int jstring(struct json_object *o, const char *doc, const char *path, const char *key,
		   bool required, const char **out, struct error *err)
{
	struct json_object *v;

	*out = NULL;
	if (jfield(o, doc, path, key, json_type_string, required, &v, err) < 0)
		return -1;
	if (v)
		*out = json_object_get_string(v);
	return 0;
}

/* Element i of array a, of type want. */
static int jelem(struct json_object *a, size_t i, const char *doc, const char *key,
		 enum json_type want, struct json_object **out, struct error *err)
{
	char where[96];

	*out = json_object_array_get_idx(a, i);
	if (*out && json_object_is_type(*out, want))
		return 0;
	snprintf(where, sizeof(where), "%s[%zu]", key, i);
	return jtype_error(doc, where, "", *out, want, err);
}

/* An optional array of strings (Entrypoint, Env, RepoTags…). */
static int jstrings(struct json_object *o, const char *doc, const char *path, const char *key,
		    struct json_object **out, struct error *err)
{
	struct json_object *a, *v;
	char where[96];

	if (jfield(o, doc, path, key, json_type_array, false, &a, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", key);
	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (jelem(a, i, doc, where, json_type_string, &v, err) < 0)
			return -1;
	if (out)
		*out = a;
	return 0;
}

/* A descriptor's size: a non-negative integer.  *out stays untouched when
 * it is absent. */
static int jsize(struct json_object *o, const char *doc, const char *path, uint64_t *out,
		 struct error *err)
{
	struct json_object *v;

	if (jfield(o, doc, path, "size", json_type_int, false, &v, err) < 0)
		return -1;
	if (v && json_object_get_int64(v) < 0)
		return error_set(err, EINVAL, "%s: field '%s%ssize' must not be negative", doc,
				 path, *path ? "." : "");
	if (v)
		*out = (uint64_t)json_object_get_int64(v);
	return 0;
}

/* ------------------------------------------------------ the documents -- */

/* *match: the descriptor's platform (when it has one) is the wanted one. */
static int platform_match(struct json_object *desc, const char *doc, const char *path,
			  const struct img_platform *want, bool *match, struct error *err)
{
	struct json_object *p;
	const char *os, *arch, *v;
	char where[96];

	*match = false;
	snprintf(where, sizeof(where), "%s%splatform", path, *path ? "." : "");
	if (jfield(desc, doc, path, "platform", json_type_object, false, &p, err) < 0 ||
	    (p && (jstring(p, doc, where, "os", false, &os, err) < 0 ||
		   jstring(p, doc, where, "architecture", false, &arch, err) < 0 ||
		   jstring(p, doc, where, "variant", false, &v, err) < 0)))
		return -1;
	if (!p || !os || strcmp(os, want->os) || !arch || strcmp(arch, want->arch))
		return 0;
	*match = !want->variant[0] || !v || !strcmp(v, want->variant);
	return 0;
}

/* Read the blob a descriptor names from the layout, verified; *obj is its
 * JSON, an object. */
static int read_desc(int srcfd, struct json_object *desc, const char *doc, const char *path,
		     char **data, size_t *len, struct json_object **obj, struct error *err)
{
	const char *digest, *hex;
	_cleanup_free_ char *blob = NULL;
	uint64_t size = UINT64_MAX;
	char got[72];

	if (jstring(desc, doc, path, "digest", true, &digest, err) < 0 ||
	    jsize(desc, doc, path, &size, err) < 0)
		return -1;
	hex = img_digest_hex(digest);
	if (!hex)
		return error_set(err, EINVAL, "%s: unsupported or invalid digest '%s'", doc,
				 digest);
	blob = xasprintf("blobs/sha256/%s", hex);
	if (img_src_read(srcfd, blob, MAX_DOC, data, len, err) < 0)
		return error_prefix(err, "blob %s", digest);
	img_digest_buf(*data, *len, got);
	if (strcmp(got, digest) || (size != UINT64_MAX && size != *len))
		goto bad;
	*obj = json_tokener_parse(*data);
	if (!*obj || !json_object_is_type(*obj, json_type_object)) {
		json_object_put(*obj);
		*obj = NULL;
		return error_set(err, EINVAL, "blob %s is not a JSON object", digest);
	}
	return 0;
bad:
	free(*data);
	*data = NULL;
	return error_set(err, EINVAL, "blob %s: digest or size does not match its descriptor, refusing it",
			 digest);
}

/* What runtime/ and cli/ later read from a config (img_config_get) is
 * checked here, so that the store only ever holds well-typed configs. */
static int config_check(struct json_object *c, const char *doc, struct error *err)
{
	static const char *const strvs[] = {"Entrypoint", "Cmd", "Env"};
	static const char *const strs[] = {"WorkingDir", "User", "StopSignal"};
	struct json_object *conf;
	const char *v;

	if (jstring(c, doc, "", "created", false, &v, err) < 0 ||
	    jstring(c, doc, "", "architecture", false, &v, err) < 0 ||
	    jstring(c, doc, "", "os", false, &v, err) < 0 ||
	    jfield(c, doc, "", "config", json_type_object, false, &conf, err) < 0)
		return -1;
	for (size_t i = 0; conf && i < ARRAY_SIZE(strvs); i++)
		if (jstrings(conf, doc, "config", strvs[i], NULL, err) < 0)
			return -1;
	for (size_t i = 0; conf && i < ARRAY_SIZE(strs); i++)
		if (jstring(conf, doc, "config", strs[i], false, &v, err) < 0)
			return -1;
	return 0;
}

/* layers: the manifest's layer descriptors (OCI), or docker's Layers
 * paths (checked by the caller). */
static int plan_layers(struct img_plan *p, struct json_object *config, const char *cdoc,
		       struct json_object *layers, const char *mdoc, bool docker_paths,
		       struct error *err)
{
	struct json_object *rootfs, *diffs;
	size_t n = layers ? json_object_array_length(layers) : 0;

	if (config_check(config, cdoc, err) < 0 ||
	    jfield(config, cdoc, "", "rootfs", json_type_object, true, &rootfs, err) < 0 ||
	    jfield(rootfs, cdoc, "rootfs", "diff_ids", json_type_array, true, &diffs, err) < 0)
		return -1;
	if (json_object_array_length(diffs) != n)
		return error_set(err, EINVAL, "%s: rootfs.diff_ids does not match the %zu layers",
				 cdoc, n);
	p->layers = xzalloc((n + 1) * sizeof(*p->layers));
	p->nlayers = n;
	for (size_t i = 0; i < n; i++) {
		struct json_object *d, *df;
		struct img_layer_plan *l = &p->layers[i];
		const char *diff, *digest, *mt;
		char where[32];

		if (jelem(diffs, i, cdoc, "rootfs.diff_ids", json_type_string, &df, err) < 0)
			return -1;
		diff = json_object_get_string(df);
		if (!img_digest_valid(diff))
			return error_set(err, EINVAL, "%s: invalid diff_id '%s'", cdoc, diff);
		l->diff_id = xstrdup(diff);
		if (docker_paths)
			continue; /* filled by the caller */
		snprintf(where, sizeof(where), "layers[%zu]", i);
		if (jelem(layers, i, mdoc, "layers", json_type_object, &d, err) < 0 ||
		    jstring(d, mdoc, where, "digest", true, &digest, err) < 0 ||
		    jstring(d, mdoc, where, "mediaType", true, &mt, err) < 0 ||
		    jsize(d, mdoc, where, &l->size, err) < 0)
			return -1;
		if (!img_digest_valid(digest))
			return error_set(err, EINVAL, "%s: %s: invalid digest '%s'", mdoc, where,
					 digest);
		if (!in_table(mt, layer_types, ARRAY_SIZE(layer_types)))
			return error_set(err, EINVAL, "layer %s: unsupported media type '%s'",
					 digest, mt);
		l->digest = xstrdup(digest);
		l->media_type = xstrdup(mt);
		l->src = xasprintf("blobs/sha256/%s", img_digest_hex(l->digest));
	}
	return 0;
}

/* An OCI ref.name that is a tag without a repository: the tag grammar,
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool is_bare_tag(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void add_name(struct img_plan *p, const char *ann)
{
	struct img_ref r;
	struct error e;
	_cleanup_free_ char *full = NULL;

	/* A bare "latest" (umoci, skopeo oci:dir:tag) is a tag without a
	 * repository: the image is loaded untagged. */
	if (!ann || (!strchr(ann, '/') && !strchr(ann, ':')) || img_ref_parse(ann, &r, &e) < 0)
		return;
	if (r.tag) {
		full = xasprintf("%s:%s", r.name, r.tag);
		if (!p->names || !in_table(full, (const char *const *)p->names, strv_len(p->names)))
			strv_push(&p->names, full);
	}
	img_ref_release(&r);
}

/* desc: a checked object of document doc at path. */
static int oci_manifest(int srcfd, struct json_object *desc, const char *doc, const char *path,
			struct img_plan *p, struct error *err)
{
	_cleanup_free_ char *cfg = NULL, *mdoc = NULL, *cdoc = NULL;
	struct json_object *m = NULL, *c = NULL, *cdesc, *layers;
	const char *mt;
	size_t clen;
	int rc = -1;

	if (read_desc(srcfd, desc, doc, path, &p->manifest, &p->manifest_len, &m, err) < 0)
		return -1;
	mdoc = xasprintf("manifest %s",
			 json_object_get_string(json_object_object_get(desc, "digest")));
	if (jstring(m, mdoc, "", "mediaType", false, &mt, err) < 0)
		goto out;
	p->manifest_type = xstrdup(mt ? mt : manifest_types[0]);
	if (!in_table(p->manifest_type, manifest_types, ARRAY_SIZE(manifest_types))) {
		error_set(err, EINVAL, "%s: unsupported media type '%s'", mdoc, p->manifest_type);
		goto out;
	}
	if (jfield(m, mdoc, "", "config", json_type_object, true, &cdesc, err) < 0 ||
	    jfield(m, mdoc, "", "layers", json_type_array, false, &layers, err) < 0 ||
	    read_desc(srcfd, cdesc, mdoc, "config", &cfg, &clen, &c, err) < 0)
		goto out;
	cdoc =
	    xasprintf("config %s", json_object_get_string(json_object_object_get(cdesc, "digest")));
	if (plan_layers(p, c, cdoc, layers, mdoc, false, err) < 0)
		goto out;
	p->config = steal_pointer(&cfg);
	p->config_len = clen;
	rc = 0;
out:
	json_object_put(m);
	json_object_put(c);
	return rc;
}

/* The manifest an entry of index.json stands for: itself, or for a nested
 * index the entry for the wanted platform (*sub holds it). */
static int index_select(int srcfd, struct json_object *d, const char *path,
			const struct img_platform *plat, struct json_object **sub,
			struct json_object **sel, struct error *err)
{
	_cleanup_free_ char *data = NULL, *doc = NULL;
	struct json_object *mans, *e;
	const char *mt;
	size_t len;
	bool match;

	*sel = d;
	if (jstring(d, "index.json", path, "mediaType", false, &mt, err) < 0)
		return -1;
	if (!in_table(mt, index_types, ARRAY_SIZE(index_types)))
		return 0;
	*sel = NULL;
	if (read_desc(srcfd, d, "index.json", path, &data, &len, sub, err) < 0)
		return -1;
	doc = xasprintf("index %s", json_object_get_string(json_object_object_get(d, "digest")));
	if (jfield(*sub, doc, "", "manifests", json_type_array, true, &mans, err) < 0)
		return -1;
	for (size_t k = 0; k < json_object_array_length(mans) && !*sel; k++) {
		char where[32];

		snprintf(where, sizeof(where), "manifests[%zu]", k);
		if (jelem(mans, k, doc, "manifests", json_type_object, &e, err) < 0 ||
		    platform_match(e, doc, where, plat, &match, err) < 0)
			return -1;
		if (match)
			*sel = e;
	}
	if (!*sel)
		return error_set(err, ENOENT, "%s has no image for %s/%s%s%s", doc, plat->os,
				 plat->arch, plat->variant[0] ? "/" : "", plat->variant);
	return 0;
}

static int load_oci(int srcfd, const struct img_platform *plat, struct img_plan **plans, size_t *n,
		    struct error *err)
{
	_cleanup_free_ char *data = NULL;
	struct json_object *index = NULL, *mans;
	size_t len, count;
	int rc = -1;

	if (img_src_read(srcfd, "index.json", MAX_DOC, &data, &len, err) < 0)
		return -1;
	index = json_tokener_parse(data);
	if (!index || !json_object_is_type(index, json_type_object)) {
		error_set(err, EINVAL, "index.json: not an OCI image index");
		goto out;
	}
	if (jfield(index, "index.json", "", "manifests", json_type_array, true, &mans, err) < 0)
		goto out;
	count = json_object_array_length(mans);
	*plans = xzalloc((count + 1) * sizeof(**plans));
	for (size_t i = 0; i < count; i++) {
		struct json_object *d, *ann, *sub = NULL, *sel;
		const char *name = NULL, *ref = NULL, *want;
		struct img_plan *p = NULL;
		char where[32], awhere[48];
		bool match;
		int r;

		snprintf(where, sizeof(where), "manifests[%zu]", i);
		snprintf(awhere, sizeof(awhere), "%s.annotations", where);
		if (jelem(mans, i, "index.json", "manifests", json_type_object, &d, err) < 0 ||
		    jfield(d, "index.json", where, "annotations", json_type_object, false, &ann,
			   err) < 0 ||
		    (ann && (jstring(ann, "index.json", awhere, "io.containerd.image.name", false,
				     &name, err) < 0 ||
			     jstring(ann, "index.json", awhere, "org.opencontainers.image.ref.name",
				     false, &ref, err) < 0)) ||
		    platform_match(d, "index.json", where, plat, &match, err) < 0)
			goto out;
		if (index_select(srcfd, d, where, plat, &sub, &sel, err) < 0) {
			json_object_put(sub);
			goto out;
		}
		if (sel == d && count > 1 && json_object_object_get(d, "platform") && !match) {
			json_object_put(sub);
			continue;
		}
		if (jstring(sel, "index.json", where, "digest", true, &want, err) < 0) {
			json_object_put(sub);
			goto out;
		}
		/* Several entries of one manifest (several tags): one image. */
		for (size_t k = 0; k < *n; k++) {
			char dg[72];

			img_digest_buf((*plans)[k].manifest, (*plans)[k].manifest_len, dg);
			if (!strcmp(dg, want))
				p = &(*plans)[k];
		}
		if (!p) {
			p = &(*plans)[(*n)++];
			r = oci_manifest(srcfd, sel, sel == d ? "index.json" : "nested index",
					 sel == d ? where : "", p, err);
			if (r < 0) {
				json_object_put(sub);
				goto out;
			}
		}
		add_name(p, ann ? name : NULL);
		if (ann && !name && ref && is_bare_tag(ref)) {
			if (!p->bare_tags || !in_table(ref, (const char *const *)p->bare_tags,
						       strv_len(p->bare_tags)))
				strv_push(&p->bare_tags, ref);
		} else if (ann && !name) {
			add_name(p, ref);
		}
		json_object_put(sub);
	}
	if (*n == 0) {
		error_set(err, ENOENT, "no image in the layout for %s/%s", plat->os, plat->arch);
		goto out;
	}
	rc = 0;
out:
	json_object_put(index);
	return rc;
}

static const char *sniff_type(int fd)
{
	unsigned char m[4] = {0};

	if (pread(fd, m, 4, 0) == 4) {
		if (m[0] == 0x1f && m[1] == 0x8b)
			return "application/vnd.oci.image.layer.v1.tar+gzip";
		if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
			return "application/vnd.oci.image.layer.v1.tar+zstd";
	}
	return "application/vnd.oci.image.layer.v1.tar";
}

/* docker save: manifest.json lists config and layer files by path.  We
 * hash them (their digests are what an OCI manifest needs) and write the
 * OCI manifest docker never had. */
static int docker_image(int srcfd, struct json_object *arr, size_t idx, struct img_plan *p,
			struct error *err)
{
	struct json_object *e, *c = NULL, *layers, *tags, *m, *cd, *la;
	_cleanup_free_ char *cdoc = NULL;
	const char *cpath;
	char where[32], cdig[72];
	int rc = -1;

	snprintf(where, sizeof(where), "[%zu]", idx);
	if (jelem(arr, idx, "manifest.json", "", json_type_object, &e, err) < 0 ||
	    jstring(e, "manifest.json", where, "Config", true, &cpath, err) < 0 ||
	    jstrings(e, "manifest.json", where, "Layers", &layers, err) < 0 ||
	    jstrings(e, "manifest.json", where, "RepoTags", &tags, err) < 0)
		return -1;
	if (img_src_read(srcfd, cpath, MAX_DOC, &p->config, &p->config_len, err) < 0)
		return -1;
	cdoc = xasprintf("config '%s'", cpath);
	c = json_tokener_parse(p->config);
	if (!c || !json_object_is_type(c, json_type_object)) {
		json_object_put(c);
		return error_set(err, EINVAL, "%s is not a JSON object", cdoc);
	}
	if (plan_layers(p, c, cdoc, layers, "manifest.json", true, err) < 0)
		goto out;
	m = json_object_new_object();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(manifest_types[0]));
	cd = json_object_new_object();
	img_digest_buf(p->config, p->config_len, cdig);
	json_object_object_add(cd, "mediaType",
			       json_object_new_string("application/vnd.oci.image.config.v1+json"));
	json_object_object_add(cd, "digest", json_object_new_string(cdig));
	json_object_object_add(cd, "size", json_object_new_int64((int64_t)p->config_len));
	json_object_object_add(m, "config", cd);
	la = json_object_new_array();
	json_object_object_add(m, "layers", la);
	for (size_t i = 0; i < p->nlayers; i++) {
		struct img_layer_plan *l = &p->layers[i];
		const char *path = json_object_get_string(json_object_array_get_idx(layers, i));
		_cleanup_close_ int fd = -1;
		struct json_object *d = json_object_new_object();
		char dg[72];

		json_object_array_add(la, d);
		if (!path || (fd = open_in_root(srcfd, path, O_RDONLY, ROOT_CREATE_NONE, err)) < 0) {
			json_object_put(m);
			goto out;
		}
		if (img_digest_fd(fd, dg, &l->size, err) < 0) {
			json_object_put(m);
			goto out;
		}
		l->digest = xstrdup(dg);
		l->media_type = xstrdup(sniff_type(fd));
		l->src = xstrdup(path);
		json_object_object_add(d, "mediaType", json_object_new_string(l->media_type));
		json_object_object_add(d, "digest", json_object_new_string(dg));
		json_object_object_add(d, "size", json_object_new_int64((int64_t)l->size));
	}
	p->manifest = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	p->manifest_len = strlen(p->manifest);
	p->manifest_type = xstrdup(manifest_types[0]);
	json_object_put(m);
	for (size_t i = 0; tags && i < json_object_array_length(tags); i++)
		add_name(p, json_object_get_string(json_object_array_get_idx(tags, i)));
	rc = 0;
out:
	json_object_put(c);
	return rc;
}

static int load_docker(int srcfd, struct img_plan **plans, size_t *n, struct error *err)
{
	_cleanup_free_ char *data = NULL;
	struct json_object *arr;
	size_t len, count;
	int rc = -1;

	if (img_src_read(srcfd, "manifest.json", MAX_DOC, &data, &len, err) < 0)
		return -1;
	arr = json_tokener_parse(data);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return error_set(err, EINVAL, "manifest.json: not a docker-save manifest");
	}
	count = json_object_array_length(arr);
	*plans = xzalloc((count + 1) * sizeof(**plans));
	for (size_t i = 0; i < count; i++) {
		if (docker_image(srcfd, arr, i, &(*plans)[i], err) < 0) {
			*n = i + 1;
			goto out;
		}
	}
	*n = count;
	rc = 0;
out:
	json_object_put(arr);
	return rc;
}

/* Unpack the outer archive (a layout or docker-save tar) into dstfd.  Its
 * names get the same treatment as layer names; only directories, regular
 * files and symlinks (docker's legacy format links layer.tar files) are
 * made, each with *at() calls on a parent resolved inside dstfd. */
int img_archive_extract(int infd, int dstfd, struct error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = -1;

	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, infd, 256 * 1024) != ARCHIVE_OK) {
		error_set(err, EIO, "cannot read archive: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		_cleanup_free_ char *clean = NULL;
		_cleanup_close_ int pfd = -1, fd = -1;
		char *slash, *base;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			error_set(err, EIO, "corrupt archive: %s", archive_error_string(a));
			goto out;
		}
		if (img_tar_name_clean(archive_entry_pathname(e) ? archive_entry_pathname(e) : "",
				       &clean, err) < 0)
			goto out;
		if (!*clean || archive_entry_hardlink(e))
			continue;
		slash = strrchr(clean, '/');
		if (slash)
			*slash = '\0';
		base = slash ? slash + 1 : clean;
		pfd = open_in_root(dstfd, slash ? clean : ".", O_RDONLY | O_DIRECTORY,
				   ROOT_CREATE_DIR, err);
		if (pfd < 0)
			goto out;
		switch (archive_entry_filetype(e)) {
		case AE_IFDIR:
			if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST) {
				error_sys(err, "cannot create '%s'", base);
				goto out;
			}
			break;
		case AE_IFLNK:
			if (symlinkat(archive_entry_symlink(e), pfd, base) < 0) {
				error_sys(err, "cannot create '%s'", base);
				goto out;
			}
			break;
		case AE_IFREG:
			fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0) {
				error_sys(err, "cannot create '%s'", base);
				goto out;
			}
			if (archive_read_data_into_fd(a, fd) != ARCHIVE_OK) {
				error_set(err, EIO, "cannot extract '%s': %s", base, archive_error_string(a));
				goto out;
			}
			break;
		default:
			break;
		}
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

int img_source_plan(int srcfd, const char *what, const struct img_platform *plat,
		    struct img_plan **plans, size_t *n, struct error *err)
{
	if (faccessat(srcfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return load_oci(srcfd, plat, plans, n, err);
	if (faccessat(srcfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return load_docker(srcfd, plans, n, err);
	return error_set(err, EINVAL, "%s is neither an OCI image layout nor a docker-save archive",
			 what);
}

static int open_source(struct img_store *s, struct img_staging *st, const char *path,
		       struct error *err)
{
	_cleanup_close_ int in = -1;
	struct stat sb;

	if (path) {
		in = open(path, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return error_sys(err, "cannot open '%s'", path);
		if (fstat(in, &sb) < 0)
			return error_sys(err, "cannot stat '%s'", path);
		if (S_ISDIR(sb.st_mode)) {
			st->srcfd = steal_fd(&in);
			return 0;
		}
	} else {
		in = fcntl(0, F_DUPFD_CLOEXEC, 3);
		if (in < 0)
			return error_sys(err, "cannot read stdin");
	}
	if (mkdirat(st->dirfd, "src", 0700) < 0)
		return error_sys(err, "cannot create staging dir");
	st->srcfd = openat(st->dirfd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->srcfd < 0)
		return error_sys(err, "cannot open staging dir");
	st->src_owned = true;
	(void)s;
	return img_archive_extract(in, st->srcfd, err) < 0
		       ? error_prefix(err, "%s", path ? path : "stdin")
		       : 0;
}

/* nook load --name (see img_load_opts.name), applied to the plans before
 * anything is committed: a refused name leaves the store untouched. */
static int name_plans(struct img_plan *plans, size_t n, const char *name, struct error *err)
{
	struct img_ref r = {0};
	const char *slash = strrchr(name, '/');
	bool has_tag = strchr(slash ? slash : name, ':') != NULL;
	struct img_plan *unnamed = NULL;
	size_t named = 0;
	int rc = -1;

	if (strchr(name, '@'))
		return error_set(err, EINVAL, "--name '%s': a name, not a digest", name);
	if (img_ref_parse(name, &r, err) < 0)
		return error_prefix(err, "--name");
	for (size_t i = 0; i < n; i++) {
		struct img_plan *p = &plans[i];

		for (size_t k = 0; p->bare_tags && p->bare_tags[k]; k++) {
			_cleanup_free_ char *full = xasprintf("%s:%s", r.name, p->bare_tags[k]);

			if (!p->names ||
			    !in_table(full, (const char *const *)p->names, strv_len(p->names)))
				strv_push(&p->names, full);
			named++;
		}
		if (p->names)
			continue;
		if (unnamed) {
			error_set(err, EINVAL,
				  "--name '%s': the archive holds several images without a name",
				  name);
			goto out;
		}
		unnamed = p;
	}
	if (unnamed) {
		_cleanup_free_ char *full = xasprintf("%s:%s", r.name, has_tag ? r.tag : "latest");

		strv_push(&unnamed->names, full);
		named++;
	}
	if (!named) {
		error_set(err, EINVAL, "--name '%s': every image in the archive has a name already",
			  name);
		goto out;
	}
	rc = 0;
out:
	img_ref_release(&r);
	return rc;
}

int img_load(struct img_store *s, const struct img_load_opts *o, char ***loaded,
	     struct error *err)
{
	struct img_staging st;
	struct img_plan *plans = NULL;
	struct img_platform plat;
	size_t n = 0;
	int rc = -1;

	if (img_platform_parse(o->platform, &plat, err) < 0 ||
	    img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO, err) < 0)
		return -1;
	if (img_staging_init(s, &st, err) < 0)
		return -1;
	st.progress = o->progress;
	st.progress_data = o->progress_data;
	if (open_source(s, &st, o->path, err) < 0)
		goto out;
	rc = img_source_plan(st.srcfd, o->path ? o->path : "stdin", &plat, &plans, &n, err);
	if (rc == 0 && o->name)
		rc = name_plans(plans, n, o->name, err);
	if (rc == 0)
		rc = img_staging_commit(s, &st, plans, n, err);
	if (rc == 0 && loaded) {
		*loaded = xzalloc(sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			if (plans[i].names)
				for (size_t k = 0; plans[i].names[k]; k++)
					strv_push(loaded, plans[i].names[k]);
			else
				strv_push(loaded, plans[i].config_digest);
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		img_plan_release(&plans[i]);
	free(plans);
	img_staging_release(s, &st);
	return rc;
}
