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

static void test_store_lifecycle(void **state)
{
	char tmpl[] = "/tmp/nook-unit-store-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir), *sroot = xasprintf("%s/store", dir);
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

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_store_lifecycle)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
