/* The SQLite store: import, tags, resolution, removal and the sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/internal.h"

#include <dirent.h>

static void test_store_lifecycle(void **state)
{
	char tmpl[] = "/tmp/nook-unit-store-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir),
			    *sroot = xasprintf("%s/store", dir);
	_cleanup_free_ char *file = xasprintf("%s/hello", rootfs);
	struct img_store_opts o = {.root = sroot};
	struct img_store *s;
	struct error e = {0};
	char *id = NULL, *id2 = NULL, **removed = NULL;
	struct img_info *v;
	size_t n;
	int fd;

	(void)state;
	mkdir(rootfs, 0755);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hi\n", 3), 3);
	close(fd);
	s = img_store_open(&o, &e);
	assert_non_null(s);
	assert_int_equal(img_import(s, rootfs, "test/img:1", &id, &e), 0);
	assert_true(img_digest_valid(id));
	assert_int_equal(img_tag(s, "test/img:1", "other", &e), 0);
	assert_int_equal(img_resolve(s, "docker.io/library/other:latest", &id2, &e), 0);
	assert_string_equal(id, id2);
	free(id2);
	{
		char shortid[13];

		memcpy(shortid, id + 7, 12);
		shortid[12] = '\0';
		assert_int_equal(img_resolve(s, shortid, &id2, &e), 0);
		assert_string_equal(id, id2);
		free(id2);
	}
	assert_int_equal(img_resolve(s, "nothere", &id2, &e), -1);
	assert_int_equal(e.code, ENOENT);
	assert_int_equal(img_list(s, false, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strv_len(v[0].names), 2);
	img_info_array_free(v, n);
	/* By ID with two names: refused without force. */
	assert_int_equal(img_remove(s, id, false, &removed, &e), -1);
	assert_int_equal(img_remove(s, "other", false, &removed, &e), 0);
	assert_int_equal(img_remove(s, "test/img:1", false, &removed, &e), 0);
	assert_int_equal(img_list(s, true, &v, &n, &e), 0);
	assert_int_equal(n, 0);
	free(v);
	strv_free(removed);
	img_store_free(s);
	free(id);
	rm_rf_at(AT_FDCWD, dir, &e);
}

static void put(const char *dir, const char *name, const char *data, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	chmod(p, mode);
}

static void digest_of(const char *dir, uint64_t *files, char out[72])
{
	struct error e;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(img_tree_digest(fd, files, out, &e), 0);
	close(fd);
}

/* The digest recorded at unpack time: the same tree gives the same digest
 * whatever order it was made in; a changed mode, content, link target or
 * a missing file changes it. */
static void test_tree_digest(void **state)
{
	char tmpl[] = "/tmp/nook-unit-tree-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/b", dir);
	_cleanup_free_ char *asub = xasprintf("%s/a/sub", dir), *bsub = xasprintf("%s/b/sub", dir);
	_cleanup_free_ char *blink = xasprintf("%s/b/link", dir),
			    *alink = xasprintf("%s/a/link", dir);
	char da[72], db[72];
	uint64_t fa, fb;
	struct error e;

	(void)state;
	mkdir(a, 0755);
	mkdir(b, 0755);
	/* a: x, sub/, sub/y, link; b: the same made the other way round */
	put(a, "x", "one", 0644);
	mkdir(asub, 0700);
	put(asub, "y", "two", 0600);
	assert_int_equal(symlink("x", alink), 0);
	assert_int_equal(symlink("x", blink), 0);
	mkdir(bsub, 0700);
	put(bsub, "y", "two", 0600);
	put(b, "x", "one", 0644);
	digest_of(a, &fa, da);
	digest_of(b, &fb, db);
	assert_int_equal(fa, 4);
	assert_int_equal(fb, 4);
	assert_string_equal(da, db);
	put(b, "x", "one", 0755);
	digest_of(b, &fb, db);
	assert_string_not_equal(da, db);
	put(b, "x", "One", 0644);
	digest_of(b, &fb, db);
	assert_string_not_equal(da, db);
	put(b, "x", "one", 0644);
	unlink(blink);
	assert_int_equal(symlink("y", blink), 0);
	digest_of(b, &fb, db);
	assert_string_not_equal(da, db);
	unlink(blink);
	digest_of(b, &fb, db);
	assert_int_equal(fb, 3);
	rm_rf_at(AT_FDCWD, dir, &e);
}

static char *only_entry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *name = NULL;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			assert_null(name);
			name = xstrdup(de->d_name);
		}
	closedir(d);
	return name;
}

/* A deletion killed before its transaction committed left a recorded
 * layer in the trash: the next open puts it back; a trash entry nothing
 * records is deleted. */
static void test_trash_finish(void **state)
{
	char tmpl[] = "/tmp/nook-unit-trash-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir),
			    *sroot = xasprintf("%s/store", dir);
	_cleanup_free_ char *layers = xasprintf("%s/layers", sroot), *hex = NULL;
	_cleanup_free_ char *from = NULL, *to = NULL,
			    *junk = xasprintf("%s/trash/layer-%064d", sroot, 0);
	struct img_store_opts o = {.root = sroot};
	struct img_store *s;
	struct error e = {0};
	char *id = NULL, **problems = NULL;

	(void)state;
	mkdir(rootfs, 0755);
	put(rootfs, "hello", "hi\n", 0644);
	s = img_store_open(&o, &e);
	assert_non_null(s);
	assert_int_equal(img_import(s, rootfs, "t:1", &id, &e), 0);
	img_store_free(s);
	hex = only_entry(layers);
	from = xasprintf("%s/%s", layers, hex);
	to = xasprintf("%s/trash/layer-%s", sroot, hex);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(mkdir(junk, 0700), 0);
	s = img_store_open(&o, &e);
	assert_non_null(s);
	assert_int_equal(access(from, F_OK), 0);
	assert_int_equal(access(junk, F_OK), -1);
	assert_int_equal(img_store_check(s, &problems, NULL, &e), 0);
	assert_null(problems[0]);
	strv_free(problems);
	img_store_free(s);
	free(id);
	rm_rf_at(AT_FDCWD, dir, &e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_store_lifecycle),
					   cmocka_unit_test(test_tree_digest),
					   cmocka_unit_test(test_trash_finish)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
