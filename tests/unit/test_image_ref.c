/* Reference parsing by docker's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "image/image.h"

static void check(const char *in, const char *name, const char *tag, const char *digest)
{
	struct img_ref r;
	struct error e = {0};

	assert_int_equal(img_ref_parse(in, &r, &e), 0);
	assert_string_equal(r.name, name);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	img_ref_release(&r);
}

static void test_short_names(void **state)
{
	(void)state;
	check("busybox", "docker.io/library/busybox", "latest", NULL);
	check("busybox:1.36", "docker.io/library/busybox", "1.36", NULL);
	check("user/app", "docker.io/user/app", "latest", NULL);
	check("index.docker.io/library/x", "docker.io/library/x", "latest", NULL);
}

static void test_domains(void **state)
{
	(void)state;
	check("localhost/app:v1", "localhost/app", "v1", NULL);
	check("example.com:5000/a/b", "example.com:5000/a/b", "latest", NULL);
	check("quay.io/x/y:tag", "quay.io/x/y", "tag", NULL);
}

static void test_digest(void **state)
{
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char buf[200];

	(void)state;
	snprintf(buf, sizeof(buf), "busybox@%s", d);
	check(buf, "docker.io/library/busybox", NULL, d);
	snprintf(buf, sizeof(buf), "busybox:1@%s", d);
	check(buf, "docker.io/library/busybox", "1", d);
}

/* The parts a registry client needs, and the full string back. */
static void parts(const char *in, const char *domain, const char *path, const char *full)
{
	struct img_ref r;
	struct error e = {0};
	char *s;

	assert_int_equal(img_ref_parse(in, &r, &e), 0);
	assert_string_equal(r.domain, domain);
	assert_string_equal(r.path, path);
	s = img_ref_string(&r);
	assert_string_equal(s, full);
	free(s);
	img_ref_release(&r);
}

static void test_normalised(void **state)
{
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char in[200], full[200];

	(void)state;
	parts("busybox", "docker.io", "library/busybox", "docker.io/library/busybox:latest");
	parts("index.docker.io/user/app:2", "docker.io", "user/app", "docker.io/user/app:2");
	parts("localhost:5000/x", "localhost:5000", "x", "localhost:5000/x:latest");
	parts("localhost/a/b:c", "localhost", "a/b", "localhost/a/b:c");
	parts("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "127.0.0.1:5000/a/b:latest");
	parts("[::1]:5000/x", "[::1]:5000", "x", "[::1]:5000/x:latest");
	snprintf(in, sizeof(in), "busybox@%s", d);
	snprintf(full, sizeof(full), "docker.io/library/busybox@%s", d);
	parts(in, "docker.io", "library/busybox", full);
	snprintf(in, sizeof(in), "localhost:5000/x:1@%s", d);
	snprintf(full, sizeof(full), "localhost:5000/x:1@%s", d);
	parts(in, "localhost:5000", "x", full);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    "UPPER",
	    "a//b",
	    "a:",
	    "-a",
	    "a@sha256:12",
	    "a:b:c",
	    "a/..",
	    "x@md5:abc",
	    "localhost:5000/X",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
	struct img_ref r;
	struct error e;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(img_ref_parse(bad[i], &r, &e), -1);
}

static void test_familiar(void **state)
{
	(void)state;
	assert_string_equal(img_name_familiar("docker.io/library/busybox"), "busybox");
	assert_string_equal(img_name_familiar("docker.io/user/app"), "user/app");
	assert_string_equal(img_name_familiar("quay.io/x/y"), "quay.io/x/y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short_names), cmocka_unit_test(test_domains),
	    cmocka_unit_test(test_digest),	cmocka_unit_test(test_normalised),
	    cmocka_unit_test(test_invalid),	cmocka_unit_test(test_familiar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
