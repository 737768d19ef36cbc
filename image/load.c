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

struct platform {
	char os[32], arch[32], variant[32];
};

static int platform_parse(const char *spec, struct platform *p, struct error *err)
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

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool platform_match(struct json_object *desc, const struct platform *want)
{
	struct json_object *p;
	const char *v;

	if (!json_object_object_get_ex(desc, "platform", &p))
		return false;
	if (!jstr(p, "os") || strcmp(jstr(p, "os"), want->os) || !jstr(p, "architecture") ||
	    strcmp(jstr(p, "architecture"), want->arch))
		return false;
	v = jstr(p, "variant");
	return !want->variant[0] || !v || !strcmp(v, want->variant);
}

/* Read the blob a descriptor names from the layout, verified. */
static int read_desc(int srcfd, struct json_object *desc, char **data, size_t *len,
		     struct json_object **obj, struct error *err)
{
	const char *digest = jstr(desc, "digest");
	const char *hex = img_digest_hex(digest);
	struct json_object *jsize;
	_cleanup_free_ char *path = NULL;
	char got[72];

	if (!hex)
		return error_set(err, EINVAL, "unsupported or invalid digest '%s'",
				 digest ? digest : "(none)");
	path = xasprintf("blobs/sha256/%s", hex);
	if (img_src_read(srcfd, path, MAX_DOC, data, len, err) < 0)
		return error_prefix(err, "blob %s", digest);
	img_digest_buf(*data, *len, got);
	if (strcmp(got, digest))
		goto bad;
	if (json_object_object_get_ex(desc, "size", &jsize) &&
	    (uint64_t)json_object_get_int64(jsize) != *len)
		goto bad;
	*obj = json_tokener_parse(*data);
	if (!*obj)
		return error_set(err, EINVAL, "blob %s is not valid JSON", digest);
	return 0;
bad:
	free(*data);
	*data = NULL;
	return error_set(err, EINVAL, "blob %s: digest or size does not match its descriptor, refusing it",
			 digest);
}

static int plan_layers(struct img_plan *p, struct json_object *config, struct json_object *layers,
		       bool docker_paths, struct error *err)
{
	struct json_object *rootfs, *diffs;
	size_t n = layers ? json_object_array_length(layers) : 0;

	if (!json_object_object_get_ex(config, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &diffs) ||
	    !json_object_is_type(diffs, json_type_array) || json_object_array_length(diffs) != n)
		return error_set(err, EINVAL, "image config: rootfs.diff_ids does not match the %zu layers", n);
	p->layers = xzalloc((n + 1) * sizeof(*p->layers));
	p->nlayers = n;
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(layers, i);
		struct img_layer_plan *l = &p->layers[i];
		const char *diff = json_object_get_string(json_object_array_get_idx(diffs, i));
		struct json_object *sz;

		if (!img_digest_valid(diff))
			return error_set(err, EINVAL, "invalid diff_id '%s'", diff ? diff : "");
		l->diff_id = xstrdup(diff);
		if (docker_paths)
			continue; /* filled by the caller */
		if (!img_digest_valid(jstr(d, "digest")))
			return error_set(err, EINVAL, "layer %zu: invalid digest", i);
		if (!in_table(jstr(d, "mediaType"), layer_types, ARRAY_SIZE(layer_types)))
			return error_set(err, EINVAL, "layer %s: unsupported media type '%s'",
					 jstr(d, "digest"), jstr(d, "mediaType") ? jstr(d, "mediaType") : "");
		l->digest = xstrdup(jstr(d, "digest"));
		l->media_type = xstrdup(jstr(d, "mediaType"));
		l->size = json_object_object_get_ex(d, "size", &sz) ? (uint64_t)json_object_get_int64(sz) : 0;
		l->src = xasprintf("blobs/sha256/%s", img_digest_hex(l->digest));
	}
	return 0;
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

static int oci_manifest(int srcfd, struct json_object *desc, struct img_plan *p, struct error *err)
{
	_cleanup_free_ char *cfg = NULL;
	struct json_object *m = NULL, *c = NULL, *cdesc, *layers = NULL;
	size_t clen;
	int rc = -1;

	if (read_desc(srcfd, desc, &p->manifest, &p->manifest_len, &m, err) < 0)
		return -1;
	p->manifest_type = xstrdup(jstr(m, "mediaType") ? jstr(m, "mediaType") : manifest_types[0]);
	if (!in_table(p->manifest_type, manifest_types, ARRAY_SIZE(manifest_types))) {
		error_set(err, EINVAL, "manifest %s: unsupported media type '%s'", jstr(desc, "digest"),
			  p->manifest_type);
		goto out;
	}
	if (!json_object_object_get_ex(m, "config", &cdesc)) {
		error_set(err, EINVAL, "manifest %s has no config", jstr(desc, "digest"));
		goto out;
	}
	if (read_desc(srcfd, cdesc, &cfg, &clen, &c, err) < 0)
		goto out;
	json_object_object_get_ex(m, "layers", &layers);
	if (plan_layers(p, c, layers, false, err) < 0)
		goto out;
	p->config = steal_pointer(&cfg);
	p->config_len = clen;
	rc = 0;
out:
	json_object_put(m);
	json_object_put(c);
	return rc;
}

static int load_oci(int srcfd, const struct platform *plat, struct img_plan **plans, size_t *n,
		    struct error *err)
{
	_cleanup_free_ char *data = NULL;
	struct json_object *index = NULL, *mans;
	size_t len, count;
	int rc = -1;

	if (img_src_read(srcfd, "index.json", MAX_DOC, &data, &len, err) < 0)
		return -1;
	index = json_tokener_parse(data);
	if (!index || !json_object_object_get_ex(index, "manifests", &mans) ||
	    !json_object_is_type(mans, json_type_array)) {
		error_set(err, EINVAL, "index.json: not an OCI image index");
		goto out;
	}
	count = json_object_array_length(mans);
	*plans = xzalloc((count + 1) * sizeof(**plans));
	for (size_t i = 0; i < count; i++) {
		struct json_object *d = json_object_array_get_idx(mans, i), *ann = NULL;
		struct json_object *sub = NULL, *sel = d, *subm;
		_cleanup_free_ char *subdata = NULL;
		struct img_plan *p = NULL;
		size_t sublen;

		json_object_object_get_ex(d, "annotations", &ann);
		if (in_table(jstr(d, "mediaType"), index_types, ARRAY_SIZE(index_types))) {
			sel = NULL;
			if (read_desc(srcfd, d, &subdata, &sublen, &sub, err) < 0)
				goto out;
			if (json_object_object_get_ex(sub, "manifests", &subm))
				for (size_t k = 0; k < json_object_array_length(subm) && !sel; k++)
					if (platform_match(json_object_array_get_idx(subm, k), plat))
						sel = json_object_array_get_idx(subm, k);
			if (!sel) {
				json_object_put(sub);
				error_set(err, ENOENT, "index %s has no image for %s/%s%s%s",
					  jstr(d, "digest"), plat->os, plat->arch,
					  plat->variant[0] ? "/" : "", plat->variant);
				goto out;
			}
		} else if (count > 1 && json_object_object_get_ex(d, "platform", &subm) &&
			   !platform_match(d, plat)) {
			continue;
		}
		/* Several entries of one manifest (several tags): one image. */
		for (size_t k = 0; k < *n; k++) {
			char dg[72];

			img_digest_buf((*plans)[k].manifest, (*plans)[k].manifest_len, dg);
			if (jstr(sel, "digest") && !strcmp(dg, jstr(sel, "digest")))
				p = &(*plans)[k];
		}
		if (!p) {
			p = &(*plans)[(*n)++];
			if (oci_manifest(srcfd, sel, p, err) < 0) {
				json_object_put(sub);
				goto out;
			}
		}
		add_name(p, jstr(ann, "io.containerd.image.name"));
		if (!jstr(ann, "io.containerd.image.name"))
			add_name(p, jstr(ann, "org.opencontainers.image.ref.name"));
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
static int docker_image(int srcfd, struct json_object *e, struct img_plan *p, struct error *err)
{
	struct json_object *c = NULL, *layers = NULL, *tags, *m, *cd, *la;
	const char *cpath = jstr(e, "Config");
	char cdig[72];
	int rc = -1;

	if (!cpath)
		return error_set(err, EINVAL, "manifest.json: entry without Config");
	if (img_src_read(srcfd, cpath, MAX_DOC, &p->config, &p->config_len, err) < 0)
		return -1;
	c = json_tokener_parse(p->config);
	if (!c)
		return error_set(err, EINVAL, "'%s' is not valid JSON", cpath);
	json_object_object_get_ex(e, "Layers", &layers);
	if (plan_layers(p, c, layers, true, err) < 0)
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
	if (json_object_object_get_ex(e, "RepoTags", &tags) && json_object_is_type(tags, json_type_array))
		for (size_t i = 0; i < json_object_array_length(tags); i++)
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
		if (docker_image(srcfd, json_object_array_get_idx(arr, i), &(*plans)[i], err) < 0) {
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

int img_load(struct img_store *s, const struct img_load_opts *o, char ***loaded,
	     struct error *err)
{
	struct img_staging st;
	struct img_plan *plans = NULL;
	struct platform plat;
	size_t n = 0;
	int rc = -1;

	if (platform_parse(o->platform, &plat, err) < 0)
		return -1;
	if (img_staging_init(s, &st, err) < 0)
		return -1;
	st.progress = o->progress;
	st.progress_data = o->progress_data;
	if (open_source(s, &st, o->path, err) < 0)
		goto out;
	if (faccessat(st.srcfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		rc = load_oci(st.srcfd, &plat, &plans, &n, err);
	else if (faccessat(st.srcfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		rc = load_docker(st.srcfd, &plans, &n, err);
	else
		rc = error_set(err, EINVAL, "%s is neither an OCI image layout nor a docker-save archive",
			       o->path ? o->path : "stdin");
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
