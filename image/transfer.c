/* nook import (a one-layer image from a root filesystem) and nook save (an
 * OCI layout archive). */
#include "image/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#define LAYER_FILE "layer.blob"

/* A full disk says so ("Write error: No space left on device"). */
static int write_failed(struct archive *w, struct error *err)
{
	int e = archive_errno(w);

	return error_set(err, e > 0 ? e : EIO, "cannot write layer: %s%s%s",
			 archive_error_string(w), e > 0 ? ": " : "", e > 0 ? strerror(e) : "");
}

/* Tar a directory tree (read only: archive_read_disk walks it without
 * following symlinks) into fd, names relative to the directory.  More than
 * max bytes of file data is refused. */
static int tar_dir(const char *dir, int fd, uint64_t max, struct error *err)
{
	uint64_t total = 0;
	struct archive *disk = archive_read_disk_new(), *w = archive_write_new();
	struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
	struct archive_entry *e = NULL;
	size_t plen = strlen(dir);
	char *buf = xmalloc(1 << 17);
	int rc = -1;

	while (plen > 1 && dir[plen - 1] == '/')
		plen--;
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_standard_lookup(disk);
	archive_write_set_format_pax_restricted(w);
	archive_entry_linkresolver_set_strategy(lr, archive_format(w));
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK ||
	    archive_read_disk_open(disk, dir) != ARCHIVE_OK) {
		error_set(err, EIO, "cannot read '%s': %s", dir, archive_error_string(disk));
		goto out;
	}
	for (;;) {
		struct archive_entry *sparse = NULL;
		_cleanup_free_ char *name = NULL;
		const char *p;
		int r;

		e = archive_entry_new();
		r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			error_set(err, EIO, "cannot read '%s': %s", dir, archive_error_string(disk));
			goto out;
		}
		archive_read_disk_descend(disk);
		p = archive_entry_pathname(e) + plen;
		while (*p == '/')
			p++;
		name = xasprintf("./%s", p);
		archive_entry_copy_pathname(e, name);
		archive_entry_linkify(lr, &e, &sparse);
		if (e) {
			if (archive_write_header(w, e) < ARCHIVE_WARN) {
				write_failed(w, err);
				goto out;
			}
			if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
				la_ssize_t n;

				while ((n = archive_read_data(disk, buf, 1 << 17)) > 0) {
					total += (uint64_t)n;
					if (total > max) {
						error_set(err, EFBIG,
							  "'%s' holds more than the layer size "
							  "limit of %llu bytes",
							  dir, (unsigned long long)max);
						goto out;
					}
					archive_write_data(w, buf, (size_t)n);
				}
			}
			archive_entry_free(e);
		}
		e = NULL;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		write_failed(w, err);
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(e);
	archive_entry_linkresolver_free(lr);
	archive_read_free(disk);
	archive_write_free(w);
	free(buf);
	return rc;
}

/* sha256 of the uncompressed stream of a (compressed) layer blob, at most
 * max bytes of it (a decompression bomb is refused here, not only when the
 * layer is unpacked). */
static int diff_id_of(int fd, uint64_t max, char out[72], struct error *err)
{
	uint64_t total = 0;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct img_hash h;
	int rc = -1;

	img_hash_init(&h);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	if (lseek(fd, 0, SEEK_SET) < 0 || archive_read_open_fd(a, fd, 1 << 17) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		error_set(err, EIO, "cannot read layer: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		const void *b;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(a, &b, &size, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			error_set(err, EIO, "corrupt layer stream: %s", archive_error_string(a));
			goto out;
		}
		total += size;
		if (total > max) {
			error_set(err, EFBIG,
				  "layer is larger than the limit of %llu uncompressed bytes",
				  (unsigned long long)max);
			goto out;
		}
		img_hash_update(&h, b, size);
	}
	img_hash_final(&h, out);
	rc = 0;
out:
	img_hash_release(&h);
	archive_read_free(a);
	return rc;
}

static const char *host_arch(void)
{
	static struct utsname u;

	uname(&u);
	if (!strcmp(u.machine, "x86_64"))
		return "amd64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	return u.machine;
}

int img_import(struct img_store *s, const char *src, const char *name, char **id,
	       struct error *err)
{
	struct img_staging st;
	struct img_plan plan = {0};
	struct img_layer_plan *l;
	_cleanup_close_ int out = -1, in = -1;
	struct json_object *c, *rootfs, *diffs, *hist, *h, *m, *d, *la;
	char digest[72], diff[72], created[64];
	struct img_ref ref = {0};
	struct stat sb;
	uint64_t size;
	int rc = -1;

	if (img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO, err) < 0 ||
	    (name && img_ref_parse(name, &ref, err) < 0))
		return -1;
	if (ref.digest) {
		img_ref_release(&ref);
		return error_set(err, EINVAL, "cannot import as a digest: '%s'", name);
	}
	if (img_staging_init(s, &st, err) < 0) {
		img_ref_release(&ref);
		return -1;
	}
	out = openat(st.dirfd, LAYER_FILE, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		error_sys(err, "cannot create staging layer");
		goto done;
	}
	if (strcmp(src, "-") && stat(src, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (tar_dir(src, out, s->max_layer_size, err) < 0)
			goto done;
	} else {
		in = strcmp(src, "-") ? open(src, O_RDONLY | O_CLOEXEC) : fcntl(0, F_DUPFD_CLOEXEC, 3);
		if (in < 0) {
			error_sys(err, "cannot open '%s'", src);
			goto done;
		}
		if (img_copy_hash_max(in, out, s->max_layer_size, digest, &size, err) < 0) {
			error_prefix(err, "cannot import '%s'", src);
			goto done;
		}
	}
	if (img_digest_fd(out, digest, &size, err) < 0 ||
	    diff_id_of(out, s->max_layer_size, diff, err) < 0)
		goto done;
	fault_point("import-copied");
	st.srcfd = fcntl(st.dirfd, F_DUPFD_CLOEXEC, 3);
	st.src_owned = true;
	plan.layers = l = xzalloc(sizeof(*l));
	plan.nlayers = 1;
	l->digest = xstrdup(digest);
	l->size = size;
	l->diff_id = xstrdup(diff);
	l->src = xstrdup(LAYER_FILE);
	{
		unsigned char mg[4] = {0};

		if (pread(out, mg, 4, 0) < 0)
			mg[0] = 0;
		l->media_type = xstrdup(mg[0] == 0x1f && mg[1] == 0x8b
						? "application/vnd.oci.image.layer.v1.tar+gzip"
					: mg[0] == 0x28 && mg[1] == 0xb5
						? "application/vnd.oci.image.layer.v1.tar+zstd"
						: "application/vnd.oci.image.layer.v1.tar");
	}
	plan.created = (int64_t)time(NULL);
	{
		struct tm tm;
		time_t t = (time_t)plan.created;

		gmtime_r(&t, &tm);
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	c = json_object_new_object();
	json_object_object_add(c, "created", json_object_new_string(created));
	json_object_object_add(c, "architecture", json_object_new_string(host_arch()));
	json_object_object_add(c, "os", json_object_new_string("linux"));
	json_object_object_add(c, "config", json_object_new_object());
	rootfs = json_object_new_object();
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	diffs = json_object_new_array();
	json_object_array_add(diffs, json_object_new_string(diff));
	json_object_object_add(rootfs, "diff_ids", diffs);
	json_object_object_add(c, "rootfs", rootfs);
	hist = json_object_new_array();
	h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(created));
	json_object_object_add(h, "created_by", json_object_new_string("nook import"));
	json_object_array_add(hist, h);
	json_object_object_add(c, "history", hist);
	plan.config = xstrdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
	plan.config_len = strlen(plan.config);
	json_object_put(c);

	m = json_object_new_object();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType",
			       json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
	d = json_object_new_object();
	img_digest_buf(plan.config, plan.config_len, digest);
	json_object_object_add(d, "mediaType",
			       json_object_new_string("application/vnd.oci.image.config.v1+json"));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)plan.config_len));
	json_object_object_add(m, "config", d);
	la = json_object_new_array();
	d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(l->media_type));
	json_object_object_add(d, "digest", json_object_new_string(l->digest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)l->size));
	json_object_array_add(la, d);
	json_object_object_add(m, "layers", la);
	plan.manifest = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	plan.manifest_len = strlen(plan.manifest);
	plan.manifest_type = xstrdup("application/vnd.oci.image.manifest.v1+json");
	json_object_put(m);
	if (ref.name) {
		_cleanup_free_ char *full = xasprintf("%s:%s", ref.name, ref.tag);

		strv_push(&plan.names, full);
	}
	if (img_staging_commit(s, &st, &plan, 1, err) < 0)
		goto done;
	*id = xstrdup(plan.config_digest);
	rc = 0;
done:
	img_plan_release(&plan);
	img_ref_release(&ref);
	img_staging_release(s, &st);
	return rc;
}

/* --------------------------------------------------------------- save -- */

static int add_file(struct archive *w, const char *name, const void *data, size_t len,
		    struct error *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(w, e) != ARCHIVE_OK ||
	    (len && archive_write_data(w, data, len) != (la_ssize_t)len))
		rc = error_set(err, EIO, "cannot write archive: %s", archive_error_string(w));
	archive_entry_free(e);
	return rc;
}

static int add_dir(struct archive *w, const char *name)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_mtime(e, 0, 0);
	rc = archive_write_header(w, e) == ARCHIVE_OK ? 0 : -1;
	archive_entry_free(e);
	return rc;
}

static int add_blob(struct img_store *s, struct archive *w, const char *digest, char ***done,
		    struct error *err)
{
	_cleanup_free_ char *path = xasprintf("blobs/sha256/%s", img_digest_hex(digest));
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct archive_entry *e;
	struct stat sb;
	ssize_t n;

	for (size_t i = 0; *done && (*done)[i]; i++)
		if (!strcmp((*done)[i], digest))
			return 0;
	strv_push(done, digest);
	fd = openat(s->rootfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0)
		return error_sys(err, "cannot open blob %s", digest);
	e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, sb.st_size);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(w, e) != ARCHIVE_OK) {
		archive_entry_free(e);
		return error_set(err, EIO, "cannot write archive: %s", archive_error_string(w));
	}
	archive_entry_free(e);
	buf = xmalloc(1 << 17);
	while ((n = read(fd, buf, 1 << 17)) > 0)
		if (archive_write_data(w, buf, (size_t)n) != n)
			return error_set(err, EIO, "cannot write archive: %s", archive_error_string(w));
	return n < 0 ? error_sys(err, "cannot read blob %s", digest) : 0;
}

char **img_db_strv(struct img_store *s, const char *sql, const char *arg)
{
	sqlite3_stmt *q = NULL;
	char **v = xzalloc(sizeof(char *));

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return v;
	sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(q) == SQLITE_ROW)
		strv_push(&v, (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

/* Whether another of the names being saved has the same tag in another
 * repository ("a:1" and "b:1"): the tag alone would then pick either. */
static bool tag_shared(char *const *refs, size_t i, const struct img_ref *r)
{
	for (size_t j = 0; refs[j]; j++) {
		struct img_ref o;
		struct error e;
		bool same;

		if (j == i || str_has_prefix(refs[j], "sha256:") || strchr(refs[j], '@') ||
		    img_ref_parse(refs[j], &o, &e) < 0)
			continue;
		same = o.tag && !strcmp(o.tag, r->tag) && strcmp(o.name, r->name);
		img_ref_release(&o);
		if (same)
			return true;
	}
	return false;
}

int img_save(struct img_store *s, char *const *refs, int fd, struct error *err)
{
	struct archive *w;
	struct json_object *index, *mans;
	_cleanup_strv_ char **done = xzalloc(sizeof(char *));
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	const char *js;
	int rc = -1;

	if (img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO, err) < 0)
		return -1;
	w = archive_write_new();
	index = json_object_new_object();
	mans = json_object_new_array();
	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "mediaType",
			       json_object_new_string("application/vnd.oci.image.index.v1+json"));
	json_object_object_add(index, "manifests", mans);
	archive_write_set_format_pax_restricted(w);
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK || add_dir(w, "blobs") < 0 ||
	    add_dir(w, "blobs/sha256") < 0) {
		error_set(err, EIO, "cannot write archive: %s", archive_error_string(w));
		goto out;
	}
	for (size_t i = 0; refs[i]; i++) {
		_cleanup_free_ char *id = NULL;
		_cleanup_strv_ char **m = NULL, **blobs = NULL;
		struct json_object *d, *ann;
		struct img_ref r;
		struct error e;
		char **mt;

		if (img_resolve(s, refs[i], &id, err) < 0)
			goto out;
		m = img_db_strv(s, "SELECT manifest_digest FROM images WHERE id = ?1", id);
		blobs = img_db_strv(s, "SELECT blob_digest FROM image_layers WHERE image_id = ?1 ORDER BY idx", id);
		if (!m[0]) {
			error_set(err, ENOENT, "%s: no manifest", refs[i]);
			goto out;
		}
		if (add_blob(s, w, m[0], &done, err) < 0 || add_blob(s, w, id, &done, err) < 0)
			goto out;
		for (size_t k = 0; blobs[k]; k++)
			if (add_blob(s, w, blobs[k], &done, err) < 0)
				goto out;
		d = json_object_new_object();
		mt = img_db_strv(s, "SELECT media_type || char(10) || size FROM manifests WHERE digest = ?1", m[0]);
		if (mt[0]) {
			char *nl = strchr(mt[0], '\n');

			*nl = '\0';
			json_object_object_add(d, "mediaType", json_object_new_string(mt[0]));
			json_object_object_add(d, "digest", json_object_new_string(m[0]));
			json_object_object_add(d, "size", json_object_new_int64(atoll(nl + 1)));
		}
		strv_free(mt);
		/* Named when saved by name: both the full name (containerd)
		 * and the tag (OCI, as umoci and skopeo oci:DIR:TAG use it)
		 * are recorded.  A tag two saved images share would be
		 * ambiguous: ref.name is then the full name, as podman's
		 * oci-archive writes it (the spec's grammar allows both). */
		if (!str_has_prefix(refs[i], "sha256:") && !strchr(refs[i], '@') &&
		    img_ref_parse(refs[i], &r, &e) == 0) {
			_cleanup_free_ char *full = xasprintf("%s:%s", r.name, r.tag);

			ann = json_object_new_object();
			json_object_object_add(ann, "io.containerd.image.name", json_object_new_string(full));
			json_object_object_add(
			    ann, "org.opencontainers.image.ref.name",
			    json_object_new_string(tag_shared(refs, i, &r) ? full : r.tag));
			json_object_object_add(d, "annotations", ann);
			img_ref_release(&r);
		}
		json_object_array_add(mans, d);
	}
	js = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (add_file(w, "oci-layout", layout, strlen(layout), err) < 0 ||
	    add_file(w, "index.json", js, strlen(js), err) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		error_set(err, EIO, "cannot write archive: %s", archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(w);
	json_object_put(index);
	return rc;
}
