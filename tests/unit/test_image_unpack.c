/* Tar-name cleaning, whiteout classification, digests, and an unpack of a
 * layer with whiteouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image/internal.h"

static void clean_ok(const char *in, const char *want)
{
	char *out = NULL;
	struct error e = {0};

	assert_int_equal(img_tar_name_clean(in, &out, &e), 0);
	assert_string_equal(out, want);
	free(out);
}

static void clean_bad(const char *in)
{
	char *out = NULL;
	struct error e = {0};

	assert_int_equal(img_tar_name_clean(in, &out, &e), -1);
	assert_non_null(strstr(e.msg, ".."));
}

static void test_tar_name_clean(void **state)
{
	(void)state;
	clean_ok("a/b", "a/b");
	clean_ok("/etc/passwd", "etc/passwd");
	clean_ok("///./a//./b/", "a/b");
	clean_ok("./", "");
	clean_ok("..a/b..", "..a/b..");
	clean_bad("../x");
	clean_bad("a/../../x");
	clean_bad("/..");
	clean_bad("a/..");
}

static void test_whiteout_kind(void **state)
{
	enum img_whiteout k;
	const char *t;
	struct error e;

	(void)state;
	assert_int_equal(img_whiteout_kind("file", &k, &t, &e), 0);
	assert_int_equal(k, IMG_WH_NONE);
	assert_int_equal(img_whiteout_kind(".wh.file", &k, &t, &e), 0);
	assert_int_equal(k, IMG_WH_FILE);
	assert_string_equal(t, "file");
	assert_int_equal(img_whiteout_kind(".wh..wh..opq", &k, &t, &e), 0);
	assert_int_equal(k, IMG_WH_OPAQUE);
	assert_int_equal(img_whiteout_kind(".wh..wh.plnk", &k, &t, &e), 0);
	assert_int_equal(k, IMG_WH_META);
	assert_int_equal(img_whiteout_kind(".wh..", &k, &t, &e), -1);
	assert_int_equal(img_whiteout_kind(".wh.", &k, &t, &e), -1);
	assert_int_equal(img_whiteout_kind(".wh..", &k, &t, &e), -1);
}

static void test_digest(void **state)
{
	char d[72];

	(void)state;
	img_digest_buf("", 0, d);
	assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_true(img_digest_valid(d));
	assert_false(img_digest_valid("sha256:E3B0"));
	assert_false(img_digest_valid("md5:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	assert_string_equal(img_digest_hex(d), d + 7);
}

static void add(struct archive *a, const char *name, mode_t type, const char *data)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = data ? strlen(data) : 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_write_header(a, e);
	if (len)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

/* A gzip layer with a file, a whiteout and an opaque dir. */
static void test_unpack_whiteouts(void **state)
{
	char tmpl[] = "/tmp/nook-unit-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *blob = xasprintf("%s/layer.tgz", dir), *root = xasprintf("%s/root", dir);
	struct archive *a = archive_write_new();
	struct error e = {0};
	char got[72];
	uint64_t size;
	struct stat st;
	int fd, rfd;
	char v[4] = "";

	(void)state;
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, blob), ARCHIVE_OK);
	add(a, "dir", AE_IFDIR, NULL);
	add(a, "dir/.wh..wh..opq", AE_IFREG, NULL);
	add(a, ".wh.gone", AE_IFREG, NULL);
	add(a, "/abs/file", AE_IFREG, "hello");
	archive_write_close(a);
	archive_write_free(a);
	mkdir(root, 0755);
	fd = open(blob, O_RDONLY | O_CLOEXEC);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(img_layer_unpack(fd, rfd, NULL, 0, NULL, got, &size, &e), 0);
	assert_true(img_digest_valid(got));
	assert_int_equal(fstatat(rfd, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	assert_int_equal(fstatat(rfd, "abs/file", &st, 0), 0);
	assert_int_equal(st.st_size, 5);
	if (getuid() == 0) {
		int dfd = openat(rfd, "dir", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		assert_int_equal(fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v)), 1);
		assert_int_equal(v[0], 'y');
		close(dfd);
	}
	/* The same stream with a wrong diff_id is refused. */
	lseek(fd, 0, SEEK_SET);
	rm_rf_at(AT_FDCWD, root, &e);
	mkdir(root, 0755);
	close(rfd);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(img_layer_unpack(fd, rfd, "sha256:0000000000000000000000000000000000000000000000000000000000000000", 0, NULL, NULL, NULL, &e), -1);
	assert_non_null(strstr(e.msg, got));
	close(fd);
	close(rfd);
	rm_rf_at(AT_FDCWD, dir, &e);
}

static bool opaque_at(int rfd, const char *path)
{
	char v[4] = "";
	int dfd = openat(rfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;

	assert_true(dfd >= 0);
	n = fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v));
	close(dfd);
	return n == 1 && v[0] == 'y';
}

/* Image spec, whiteouts: "Whiteout files MUST only apply to resources in
 * lower/parent layers.  Files that are present in the same layer as a
 * whiteout file can only be hidden by whiteout files in subsequent
 * layers."  A whiteout never removes what its own layer made. */
static void test_unpack_whiteout_same_layer(void **state)
{
	char tmpl[] = "/tmp/nook-unit-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *blob = xasprintf("%s/layer.tar", dir),
			    *root = xasprintf("%s/root", dir);
	struct archive *a = archive_write_new();
	struct error e = {0};
	struct stat st;
	char buf[16] = "";
	int fd, rfd, ffd;

	(void)state;
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, blob), ARCHIVE_OK);
	add(a, "a", AE_IFDIR, NULL);
	add(a, "a/file", AE_IFREG, "kept");
	add(a, "a/.wh.file", AE_IFREG, NULL);
	add(a, "d", AE_IFDIR, NULL);
	add(a, "d/x", AE_IFREG, "x");
	add(a, ".wh.d", AE_IFREG, NULL);
	add(a, ".wh.w", AE_IFREG, NULL);
	add(a, "w", AE_IFDIR, NULL);
	add(a, "w/y", AE_IFREG, "y");
	add(a, ".wh.v", AE_IFREG, NULL);
	add(a, "v", AE_IFREG, "v");
	add(a, ".wh.gone", AE_IFREG, NULL);
	archive_write_close(a);
	archive_write_free(a);
	mkdir(root, 0755);
	fd = open(blob, O_RDONLY | O_CLOEXEC);
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(img_layer_unpack(fd, rfd, NULL, 0, NULL, NULL, NULL, &e), 0);
	/* A file made earlier in the layer stays, with its content. */
	ffd = openat(rfd, "a/file", O_RDONLY | O_CLOEXEC);
	assert_true(ffd >= 0);
	assert_int_equal(read(ffd, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "kept");
	close(ffd);
	assert_int_equal(fstatat(rfd, "d/x", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(fstatat(rfd, "w/y", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(rfd, "v", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	/* The lower layers' d and w are still hidden: opaque directories. */
	if (getuid() == 0) {
		assert_true(opaque_at(rfd, "d"));
		assert_true(opaque_at(rfd, "w"));
		assert_false(opaque_at(rfd, "a"));
	}
	/* A name the layer never made becomes an overlayfs whiteout. */
	assert_int_equal(fstatat(rfd, "gone", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	close(fd);
	close(rfd);
	rm_rf_at(AT_FDCWD, dir, &e);
}

/* libs.c's stubs carry the libraries' own names but are hidden: a lookup
 * in the process's global scope, which is what any library in the process
 * gets when it calls EVP_sha256 or archive_read_new (libarchive calling
 * its own exported functions, an NSS module linking libcrypto), finds the
 * real library (this test links both), never nook's stub. */
static void test_stubs_hidden(void **state)
{
	(void)state;
	assert_ptr_not_equal(dlsym(RTLD_DEFAULT, "EVP_sha256"), (void *)&EVP_sha256);
	assert_ptr_not_equal(dlsym(RTLD_DEFAULT, "archive_read_new"), (void *)&archive_read_new);
	assert_ptr_not_equal(dlsym(RTLD_DEFAULT, "archive_entry_free"),
			     (void *)&archive_entry_free);
	/* and the stubs still reach the real functions */
	assert_non_null(EVP_sha256());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tar_name_clean),
	    cmocka_unit_test(test_whiteout_kind),
	    cmocka_unit_test(test_digest),
	    cmocka_unit_test(test_unpack_whiteouts),
	    cmocka_unit_test(test_unpack_whiteout_same_layer),
	    cmocka_unit_test(test_stubs_hidden),
	};
	struct error e;

	if (img_libs_load(IMG_LIB_ARCHIVE | IMG_LIB_CRYPTO, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
