/* registries.conf (image/regconf.c): the TOML subset podman's files use,
 * short names resolved by alias, search registries and short-name-mode,
 * [[registry]] prefixes (longest wins), and broken files refused with the
 * line that is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/internal.h"

static char path[] = "/tmp/nook-regconf-XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	unsetenv("CONTAINERS_REGISTRIES_CONF");
	return fd < 0 ? -1 : close(fd);
}

static int teardown(void **state)
{
	(void)state;
	return unlink(path);
}

static void conf(const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The candidates joined by spaces, or "error: <message>". */
static char *cands(const char *ref)
{
	_cleanup_strv_ char **v = NULL;
	struct error e = {0};
	char *out = xstrdup("");

	if (img_ref_candidates(ref, path, &v, &e) < 0) {
		free(out);
		return xasprintf("error: %s", e.msg);
	}
	for (size_t i = 0; v[i]; i++) {
		char *n = xasprintf("%s%s%s", out, i ? " " : "", v[i]);

		free(out);
		out = n;
	}
	return out;
}

#define assert_cands(ref, want)                                                                    \
	do {                                                                                       \
		char *got_ = cands(ref);                                                           \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

static void test_short_names(void **state)
{
	(void)state;
	conf("# comment\n"
	     "unqualified-search-registries = [\"quay.io\", # first\n"
	     "   'docker.io',\n"
	     "]\n"
	     "short-name-mode = \"permissive\"\n"
	     "[aliases]\n"
	     "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
	     "\"team/tool\" = \"example.com:5000/tools/tool\"\n");
	assert_cands("fedora:39", "registry.fedoraproject.org/fedora:39");
	assert_cands("team/tool@sha256:"
		     "0000000000000000000000000000000000000000000000000000000000000000",
		     "example.com:5000/tools/tool@sha256:"
		     "0000000000000000000000000000000000000000000000000000000000000000");
	assert_cands("busybox", "quay.io/busybox docker.io/busybox");
	/* Qualified: as given, whatever the file says. */
	assert_cands("localhost/x:1", "localhost/x:1");
	assert_cands("127.0.0.1:5000/x", "127.0.0.1:5000/x");
}

static void test_modes(void **state)
{
	(void)state;
	conf("unqualified-search-registries = [\"a.example\", \"b.example\"]\n");
	assert_cands("x", "error: short name 'x' is ambiguous (2 unqualified-search-registries, "
			  "short-name-mode enforcing): give the registry or add an alias");
	conf("unqualified-search-registries = [\"a.example\"]\n");
	assert_cands("x", "a.example/x");
	conf("unqualified-search-registries = []\n");
	char *got = cands("x");
	assert_true(strstr(got, "names no unqualified-search-registries") != NULL);
	free(got);
	/* No key at all: docker's rule (docker.io). */
	conf("[[registry]]\nlocation = \"a.example\"\n");
	assert_cands("x", "x");
}

static void test_registry_tables(void **state)
{
	struct img_ref r;
	struct error e = {0};
	char *loc = NULL;
	bool insecure = true;

	(void)state;
	conf("[[registry]]\n"
	     "prefix = \"example.com\"\n"
	     "insecure = true\n"
	     "[[registry.mirror]]\n"
	     "location = \"ignored.example\"\n"
	     "[[registry]]\n"
	     "prefix = \"example.com/team\"\n"
	     "location = \"mirror.example:5000/t\"\n");
	assert_int_equal(img_ref_parse("example.com/team/app:1", &r, &e), 0);
	assert_int_equal(img_regconf_registry(path, &r, &loc, &insecure, &e), 0);
	assert_string_equal(loc, "mirror.example:5000/t/app");
	assert_false(insecure); /* the longer prefix's entry */
	free(loc);
	img_ref_release(&r);
	assert_int_equal(img_ref_parse("example.com/teamwork:1", &r, &e), 0);
	assert_int_equal(img_regconf_registry(path, &r, &loc, &insecure, &e), 0);
	assert_null(loc);
	assert_true(insecure); /* "example.com/team" is no prefix of teamwork */
	img_ref_release(&r);
}

static void test_broken(void **state)
{
	static const char *const bad[][2] = {
	    {"unqualified-search-registries = [\"a\"\n", "expected ',' or ']'"},
	    {"short-name-mode = \"lax\"\n", "short-name-mode: expected enforcing"},
	    {"\n\nkey \"x\"\n", ":3: expected '='"},
	    {"x = \"unterminated\n", "unterminated string"},
	    {"[aliases\n", "unterminated table header"},
	    {"[[registry]]\ninsecure = \"yes\"\n", "expected true or false"},
	    {"a = 1 b\n", "expected the end of the line"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *got;

		conf(bad[i][0]);
		got = cands("x");
		if (!strstr(got, bad[i][1]) || !str_has_prefix(got, "error: "))
			fail_msg("%s: got '%s'", bad[i][0], got);
		free(got);
	}
}

static void test_missing_file(void **state)
{
	_cleanup_strv_ char **v = NULL;
	struct error e = {0};

	(void)state;
	/* Asked for by name: an error; the default path missing: docker's rule. */
	assert_int_equal(img_ref_candidates("x", "/nonexistent/registries.conf", &v, &e), -1);
	assert_true(strstr(e.msg, "cannot read registries.conf") != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short_names),	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_registry_tables), cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
