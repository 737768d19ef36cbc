/* Detach keys (runtime/engine_ops.c): docker's --detach-keys syntax and
 * the filter that holds a partial sequence back from the container. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "runtime/runtime.h"

#include <string.h>

static void parse_ok(const char *spec, const char *want, size_t n)
{
	struct rt_detach_keys k;
	struct error err = {0};

	assert_int_equal(rt_detach_keys_parse(spec, &k, &err), 0);
	assert_int_equal(k.n, n);
	assert_memory_equal(k.seq, want, n);
}

static void parse_bad(const char *spec)
{
	struct rt_detach_keys k;
	struct error err = {0};

	assert_int_equal(rt_detach_keys_parse(spec, &k, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "--detach-keys"));
}

static void test_parse(void **state)
{
	(void)state;
	parse_ok(NULL, "\x10\x11", 2);
	parse_ok("", "\x10\x11", 2);
	parse_ok("ctrl-a,d",
		 "\x01"
		 "d",
		 2);
	parse_ok("ctrl-Z", "\x1a", 1);
	parse_ok("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\x00\x1b\x1c\x1d\x1e\x1f", 6);
	parse_ok(",,q,,", "q", 1);
	parse_bad("ctrl-%");
	parse_bad("ctrl-");
	parse_bad("ctrl-ab");
	parse_bad("ab");
	parse_bad(",");
	parse_bad("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q");
}

/* Feed chunks; the bytes let through and whether it detached. */
static bool feed(struct rt_detach_state *st, const char *const *chunks, char *out, size_t *len)
{
	*len = 0;
	for (; *chunks; chunks++) {
		unsigned char buf[64];
		size_t n;
		bool d =
		    rt_detach_filter(st, (const unsigned char *)*chunks, strlen(*chunks), buf, &n);

		memcpy(out + *len, buf, n);
		*len += n;
		if (d)
			return true;
	}
	return false;
}

static void test_filter(void **state)
{
	struct rt_detach_keys k;
	struct rt_detach_state st = {.keys = &k};
	struct error err;
	char out[256];
	size_t n;

	(void)state;
	assert_int_equal(rt_detach_keys_parse(NULL, &k, &err), 0);
	/* The sequence split across reads still detaches; nothing of it
	 * reaches the container, nor what follows it. */
	assert_true(feed(&st, (const char *const[]){"ab\x10", "\x11zz", NULL}, out, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "ab", 2);
	/* A broken sequence lets the held key through, in order. */
	st.matched = 0;
	assert_false(feed(&st, (const char *const[]){"a\x10", "b", NULL}, out, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(out,
			    "a\x10"
			    "b",
			    3);
	/* ctrl-p ctrl-p ctrl-q: the first is released, the rest detaches. */
	st.matched = 0;
	assert_true(feed(&st, (const char *const[]){"\x10\x10\x11", NULL}, out, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(out, "\x10", 1);
	/* A one-key sequence. */
	assert_int_equal(rt_detach_keys_parse("q", &k, &err), 0);
	st.matched = 0;
	assert_true(feed(&st, (const char *const[]){"xyq", NULL}, out, &n));
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
