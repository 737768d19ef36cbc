/* auth.json (image/auth.c): base64, and credentials stored, read back and
 * removed in podman's format, mode 0600, other entries kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/internal.h"

static void test_base64(void **state)
{
	/* RFC 4648's vectors. */
	static const char *const v[][2] = {{"", ""},
					   {"f", "Zg=="},
					   {"fo", "Zm8="},
					   {"foo", "Zm9v"},
					   {"foob", "Zm9vYg=="},
					   {"fooba", "Zm9vYmE="},
					   {"foobar", "Zm9vYmFy"}};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char *s = img_base64(v[i][0], strlen(v[i][0]));

		assert_string_equal(s, v[i][1]);
		free(s);
	}
}

static char dir[] = "/tmp/nook-auth-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	setenv("REGISTRY_AUTH_FILE", "/tmp/nook-auth-unset", 1);
	return 0;
}

static int teardown(void **state)
{
	struct error e;

	(void)state;
	return rm_rf_at(AT_FDCWD, dir, &e);
}

static void test_roundtrip(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/sub/auth.json", dir);
	_cleanup_free_ char *text = NULL;
	char *user = NULL, *pass = NULL;
	struct error e = {0};
	struct stat sb;

	(void)state;
	setenv("REGISTRY_AUTH_FILE", path, 1);
	assert_int_equal(img_auth_get("r.example:5000", &user, &pass, &e), 0);
	assert_null(user);
	assert_int_equal(img_auth_set("r.example:5000", "alice", "pa:ss", &e), 0);
	assert_int_equal(img_auth_set("other.example", "bob", "x", &e), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(file_read_at(AT_FDCWD, path, 0, &text, NULL, &e), 0);
	assert_non_null(strstr(text, "\"auths\""));
	assert_non_null(strstr(text, "\"auth\":\"YWxpY2U6cGE6c3M=\""));
	assert_int_equal(img_auth_get("r.example:5000", &user, &pass, &e), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "pa:ss"); /* split at the first ':' */
	free(user);
	free(pass);
	assert_int_equal(img_auth_remove("r.example:5000", &e), 0);
	assert_int_equal(img_auth_remove("r.example:5000", &e), -1);
	assert_int_equal(e.code, ENOENT);
	assert_int_equal(img_auth_get("other.example", &user, &pass, &e), 0);
	assert_string_equal(user, "bob");
	free(user);
	free(pass);
}

static void test_bad_file(void **state)
{
	_cleanup_free_ char *path = xasprintf("%s/bad.json", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *user = NULL, *pass = NULL;
	struct error e = {0};

	(void)state;
	setenv("REGISTRY_AUTH_FILE", path, 1);
	assert_int_equal(file_write_atomic_at(dfd, "bad.json", "{\"auths\": []}", 13, 0600, &e), 0);
	assert_int_equal(img_auth_get("r", &user, &pass, &e), -1);
	assert_non_null(strstr(e.msg, "'auths' must be an object"));
	assert_int_equal(file_write_atomic_at(dfd, "bad.json",
					      "{\"auths\": {\"r\": {\"auth\": \"!!\"}}}", 32, 0600,
					      &e),
			 0);
	assert_int_equal(img_auth_get("r", &user, &pass, &e), -1);
	assert_non_null(strstr(e.msg, "not base64"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_bad_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
