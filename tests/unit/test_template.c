/* cli/template.c: the Go-template subset of --format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cli/cli.h"

#include <json-c/json.h>
#include <string.h>

static const char data_json[] =
    "{\"Id\": \"abc\", \"Name\": \"/box\", \"Count\": 3, \"Ok\": true, \"None\": null,"
    " \"State\": {\"Status\": \"running\", \"Pid\": 42},"
    " \"Labels\": {\"b\": \"2\", \"a\": \"1\"}, \"Args\": [\"sh\", \"-c\", \"x y\"]}";

/* Render text against data_json: the output, or NULL with *err set. */
static char *render(const char *text, struct error *err)
{
	struct json_object *d = json_tokener_parse(data_json);
	struct cli_template *t;
	char *out = NULL;

	memset(err, 0, sizeof(*err));
	t = cli_template_new(text, NULL, err);
	if (t && cli_template_render(t, d, &out, err) < 0)
		out = NULL;
	cli_template_free(t);
	json_object_put(d);
	return out;
}

static void expect(const char *text, const char *want)
{
	struct error err;
	char *out = render(text, &err);

	if (!out)
		fail_msg("%s: %s", text, err.msg);
	assert_string_equal(out, want);
	free(out);
}

static void expect_error(const char *text, const char *msg_part)
{
	struct error err;
	char *out = render(text, &err);

	assert_null(out);
	assert_int_equal(err.code, EINVAL);
	if (!strstr(err.msg, msg_part))
		fail_msg("%s: %s", text, err.msg);
}

static void test_fields(void **state)
{
	(void)state;
	expect("{{.Id}} {{.Name}}", "abc /box");
	expect("{{.State.Status}}/{{.State.Pid}}", "running/42");
	expect("{{ .Count }} {{.Ok}} {{.None}}", "3 true <nil>");
	expect("plain", "plain");
	expect("a\\tb\\nc", "a\tb\nc");
	expect("{{.Labels}}", "map[a:1 b:2]");
	expect("{{.Args}}", "[sh -c x y]");
	expect("{{- .Id -}}", "abc");
}

static void test_functions(void **state)
{
	(void)state;
	expect("{{json .State}}", "{\"Status\":\"running\",\"Pid\":42}");
	expect("{{json .Name}}", "\"/box\"");
	expect("{{json .None}}", "null");
	expect("{{index .Labels \"a\"}}", "1");
	expect("{{index .Labels \"missing\"}}", "");
	expect("{{index .Args 2}}", "x y");
	expect("{{join .Args \",\"}}", "sh,-c,x y");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{{.Nope}}", "can't evaluate field Nope");
	expect_error("{{.State.Nope}}", "can't evaluate field Nope");
	expect_error("{{.Id.Deeper}}", "can't evaluate field Deeper");
	expect_error("{{.Id", "unclosed action");
	expect_error("{{upper .Id}}", "not supported");
	expect_error("{{}}", "empty action");
	expect_error("{{index .Labels \"a}}", "unterminated");
	expect_error("{{index .Args 9}}", "out of range");
	expect_error("{{join .Id \",\"}}", "join wants a list");
	expect_error("{{Id}}", "not supported");
	expect_error("{{json Id}}", "want a field");
}

static void test_table(void **state)
{
	static const char *const headers[] = {"Id", "CONTAINER ID", NULL};
	struct error err = {0};
	struct cli_template *t =
	    cli_template_new("table {{.Id}}\\t{{.State.Status}}", headers, &err);
	char *h, *rows[3] = {NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(t);
	assert_true(cli_template_table(t));
	h = cli_template_header(t);
	assert_string_equal(h, "CONTAINER ID\tSTATUS");
	rows[0] = h;
	rows[1] = "abc\tup";
	f = open_memstream(&buf, &len);
	cli_table_print(f, rows);
	fclose(f);
	/* Columns: the widest cell plus 3, at least 10 (Go's tabwriter as
	 * docker sets it up). */
	assert_string_equal(buf, "CONTAINER ID   STATUS\nabc            up\n");
	free(buf);
	free(h);
	cli_template_free(t);
	t = cli_template_new("{{.Id}}", NULL, &err);
	assert_false(cli_template_table(t));
	cli_template_free(t);
	rows[0] = "a\tb\tc";
	rows[1] = "…\tbb\tc";
	rows[2] = NULL;
	buf = NULL;
	f = open_memstream(&buf, &len);
	cli_table_print(f, rows);
	fclose(f);
	assert_string_equal(buf, "a         b         c\n…         bb        c\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_functions),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
