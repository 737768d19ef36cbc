/* cli_time_parse: the TIME of logs --since/--until. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cli/cli.h"

#include <string.h>

#define S 1000000000LL
static const int64_t now = 1764504000LL * S; /* 2025-11-30T12:00:00Z */

static void expect(const char *text, int64_t want)
{
	struct error err = {0};
	int64_t got = 0;

	if (cli_time_parse(text, now, &got, &err) < 0)
		fail_msg("%s: %s", text, err.msg);
	if (got != want)
		fail_msg("%s: got %lld, want %lld", text, (long long)got, (long long)want);
}

static void expect_bad(const char *text)
{
	struct error err = {0};
	int64_t got;

	assert_int_equal(cli_time_parse(text, now, &got, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, text));
}

static void test_rfc3339(void **state)
{
	(void)state;
	expect("2025-11-30T12:00:00Z", now);
	expect("2025-11-30T12:00:00.5Z", now + S / 2);
	expect("2025-11-30T12:00:00.000000001Z", now + 1);
	expect("2025-11-30T14:00:00+02:00", now);
	expect("2025-11-30T10:30:00-01:30", now);
	expect("2025-11-30", now - 12 * 3600 * S);
	expect("1970-01-01T00:00:00Z", 0);
}

static void test_unix_and_durations(void **state)
{
	(void)state;
	expect("1764504000", now);
	expect("1764504000.25", now + S / 4);
	expect("10m", now - 600 * S);
	expect("1h30m", now - 5400 * S);
	expect("500ms", now - S / 2);
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("");
	expect_bad("yesterday");
	expect_bad("2025-13-01");
	expect_bad("2025-11-30T25:00:00Z");
	expect_bad("2025-11-30T12:00:00Zjunk");
	expect_bad("2025-11-30T12:00");
	expect_bad("12.");
	expect_bad("-5m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3339),
	    cmocka_unit_test(test_unix_and_durations),
	    cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
