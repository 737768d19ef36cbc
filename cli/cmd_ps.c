/* The engine's lifecycle commands: ps, stop, kill, rm, wait, restart,
 * rename, container prune. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <regex.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* docker's "3 minutes", "About an hour", "5 seconds". */
void cli_human_duration(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns / 1000000000;

	if (s < 1)
		snprintf(buf, size, "Less than a second");
	else if (s == 1)
		snprintf(buf, size, "1 second");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, size, "About a minute");
	else if (s < 3600)
		snprintf(buf, size, "%lld minutes", (long long)(s / 60));
	else if (s / 3600 == 1)
		snprintf(buf, size, "About an hour");
	else if (s < 48 * 3600)
		snprintf(buf, size, "%lld hours", (long long)(s / 3600));
	else
		snprintf(buf, size, "%lld days", (long long)(s / 86400));
}

/* docker's State: created, running, paused, exited.  Paused is what the
 * kernel says (the cgroup freezer, read by the runtime's state). */
const char *cli_ctr_state(const struct rt_context *ctx, const struct img_ctr *c)
{
	enum rt_engine_status st = rt_engine_status(c);
	struct rt_info info;
	struct error err;
	bool paused = false;

	if (st == RT_ENGINE_RUNNING && rt_container_info(ctx, c->id, &info, &err) == 0) {
		paused = info.status == RT_STATUS_PAUSED;
		rt_info_release(&info);
	}
	return paused ? "paused" : rt_engine_status_name(st);
}

static void status_text(const struct img_ctr *c, const char *state, char *buf, size_t size)
{
	char d[64];

	if (!strcmp(state, "running") || !strcmp(state, "paused")) {
		cli_human_duration(rt_now_ns() - c->started, d, sizeof(d));
		snprintf(buf, size, "Up %s%s", d, !strcmp(state, "paused") ? " (Paused)" : "");
	} else if (!strcmp(state, "exited")) {
		cli_human_duration(rt_now_ns() - (c->finished ? c->finished : c->started), d,
				   sizeof(d));
		if (c->finished)
			snprintf(buf, size, "Exited (%d) %s ago", c->exit_code, d);
		else
			snprintf(buf, size, "Exited (unknown: its monitor died)");
	} else {
		snprintf(buf, size, "Created");
	}
}

/* The command as docker shows it: quoted, cut at 20 columns unless
 * --no-trunc. */
static char *command_text(const struct img_ctr *c, bool trunc)
{
	_cleanup_free_ char *cfg = xasprintf("%s/config.json", c->dir);
	_cleanup_free_ char *text = NULL, *joined = xstrdup("");
	struct json_object *doc, *p, *args;
	struct error err;

	if (file_read_at(AT_FDCWD, cfg, 1 << 20, &text, NULL, &err) < 0 ||
	    !(doc = json_tokener_parse(text)))
		return xstrdup("\"\"");
	if (json_object_object_get_ex(doc, "process", &p) &&
	    json_object_object_get_ex(p, "args", &args))
		for (size_t i = 0; i < json_object_array_length(args); i++) {
			char *n =
			    xasprintf("%s%s%s", joined, i ? " " : "",
				      json_object_get_string(json_object_array_get_idx(args, i)));
			free(joined);
			joined = n;
		}
	json_object_put(doc);
	if (trunc && strlen(joined) > 20)
		return xasprintf("\"%.19s…\"", joined);
	return xasprintf("\"%s\"", joined);
}

/* One row of ps: the fields --format and --filter see (docker's names). */
static struct json_object *ps_row(const struct rt_context *ctx, const struct img_ctr *c, bool trunc)
{
	struct json_object *o = json_object_new_object(), *cfg = json_tokener_parse(c->config);
	struct json_object *v, *labels = NULL;
	const char *state = cli_ctr_state(ctx, c);
	char buf[128];
	_cleanup_free_ char *cmd = command_text(c, trunc);
	time_t t = (time_t)(c->created / 1000000000);
	struct tm tm;

	snprintf(buf, sizeof(buf), "%.*s", trunc ? 12 : 64, c->id);
	json_object_object_add(o, "ID", json_object_new_string(buf));
	json_object_object_add(o, "Image", json_object_new_string(c->image));
	json_object_object_add(o, "Command", json_object_new_string(cmd));
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	json_object_object_add(o, "CreatedAt", json_object_new_string(buf));
	cli_human_duration(rt_now_ns() - c->created, buf, sizeof(buf) - 4);
	strcat(buf, " ago");
	json_object_object_add(o, "RunningFor", json_object_new_string(buf));
	json_object_object_add(o, "Ports", json_object_new_string(""));
	json_object_object_add(o, "State", json_object_new_string(state));
	status_text(c, state, buf, sizeof(buf));
	json_object_object_add(o, "Status", json_object_new_string(buf));
	json_object_object_add(o, "Names", json_object_new_string(c->name));
	if (cfg && json_object_object_get_ex(cfg, "Config", &v) &&
	    json_object_object_get_ex(v, "Labels", &v) && json_object_is_type(v, json_type_object))
		labels = json_object_get(v);
	json_object_object_add(o, "Labels", labels ? labels : json_object_new_object());
	json_object_object_add(o, "Mounts", json_object_new_string(""));
	json_object_object_add(o, "Networks", json_object_new_string(""));
	json_object_put(cfg);
	return o;
}

/* --filter KEY=VALUE: the same key ORs, different keys AND (docker's). */
struct ps_filter {
	char **keys, **values;
};

static const char *const filter_keys[] = {"status", "name", "label", "ancestor", "id", "exited"};
static const char *const states[] = {"created", "restarting", "running", "removing",
				     "paused",	"exited",     "dead"};

static int filter_add(struct cli_globals *g, struct ps_filter *f, const char *arg)
{
	_cleanup_free_ char *k = xstrdup(arg);
	char *v = strchr(k, '=');
	size_t i;
	int64_t code;

	if (!v)
		return cli_usage_error(g, "--filter '%s': want KEY=VALUE", arg);
	*v++ = '\0';
	for (i = 0; i < ARRAY_SIZE(filter_keys) && strcmp(k, filter_keys[i]); i++)
		;
	if (i == ARRAY_SIZE(filter_keys))
		return cli_usage_error(
		    g, "--filter '%s': unknown filter (status, name, label, ancestor, id, exited)",
		    arg);
	if (!strcmp(k, "status")) {
		for (i = 0; i < ARRAY_SIZE(states) && strcmp(v, states[i]); i++)
			;
		if (i == ARRAY_SIZE(states))
			return cli_usage_error(g, "--filter '%s': unknown status", arg);
	}
	if (!strcmp(k, "exited") && (parse_int64(v, &code) < 0 || code < 0 || code > 255))
		return cli_usage_error(g, "--filter '%s': want an exit code", arg);
	if (!strcmp(k, "name")) {
		regex_t re;

		if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
			return cli_usage_error(g, "--filter '%s': not a regular expression", arg);
		regfree(&re);
	}
	strv_push(&f->keys, k);
	strv_push(&f->values, v);
	return 0;
}

static bool filter_one(struct img_store *s, const struct img_ctr *c, struct json_object *row,
		       const char *key, const char *v)
{
	const char *state = json_object_get_string(json_object_object_get(row, "State"));

	if (!strcmp(key, "status"))
		return !strcmp(state, v);
	if (!strcmp(key, "id"))
		return str_has_prefix(c->id, v);
	if (!strcmp(key, "exited")) {
		int64_t code;

		return !strcmp(state, "exited") && c->finished && parse_int64(v, &code) == 0 &&
		       c->exit_code == code;
	}
	if (!strcmp(key, "name")) {
		regex_t re;
		bool m;

		if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
			return false;
		m = regexec(&re, c->name, 0, NULL, 0) == 0;
		regfree(&re);
		return m;
	}
	if (!strcmp(key, "label")) {
		_cleanup_free_ char *k = xstrdup(v);
		char *want = strchr(k, '=');
		struct json_object *l;

		if (want)
			*want++ = '\0';
		return json_object_object_get_ex(json_object_object_get(row, "Labels"), k, &l) &&
		       (!want || !strcmp(json_object_get_string(l), want));
	}
	/* ancestor: the image as named at create, or what the name resolves
	 * to now (a tag, a full or short id). */
	if (!strcmp(c->image, v))
		return true;
	{
		_cleanup_free_ char *id = NULL;
		struct error err;

		return img_resolve(s, v, &id, &err) == 0 && !strcmp(id, c->image_id);
	}
}

static bool filter_match(struct img_store *s, const struct ps_filter *f, const struct img_ctr *c,
			 struct json_object *row)
{
	for (size_t k = 0; k < ARRAY_SIZE(filter_keys); k++) {
		bool asked = false, any = false;

		for (size_t i = 0; f->keys && f->keys[i]; i++) {
			if (strcmp(f->keys[i], filter_keys[k]))
				continue;
			asked = true;
			any = any || filter_one(s, c, row, f->keys[i], f->values[i]);
		}
		if (asked && !any)
			return false;
	}
	return true;
}

static const char *const ps_headers[] = {
    "ID",	  "CONTAINER ID", "Image",    "IMAGE", "Command", "COMMAND", "CreatedAt",
    "CREATED AT", "RunningFor",	  "CREATED",  "Ports", "PORTS",	  "State",   "STATE",
    "Status",	  "STATUS",	  "Names",    "NAMES", "Labels",  "LABELS",  "Mounts",
    "MOUNTS",	  "Networks",	  "NETWORKS", NULL};
#define PS_TABLE                                                                                   \
	"table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t"      \
	"{{.Names}}"

/* --format: "table" (the default), "json" (one object a line, as
 * docker's), or a template.  NULL, with the error reported, on a bad
 * template. */
struct cli_template *cli_format_template(struct cli_globals *g, const char *format,
					 const char *table, const char *const *headers, int *rc)
{
	struct cli_template *t;
	struct error err = {0};

	if (!format || !strcmp(format, "table"))
		format = table;
	else if (!strcmp(format, "json"))
		format = "{{json .}}";
	t = cli_template_new(format, headers, &err);
	if (!t) {
		cli_error(g, &err);
		*rc = CLI_EXIT_NOOK;
	}
	return t;
}

/* Print rows through t (a header first for a table); 0 or 125 after an
 * error line (an unknown field). */
int cli_format_print(struct cli_globals *g, const struct cli_template *t,
		     struct json_object *const *rows, size_t n)
{
	_cleanup_strv_ char **out = xzalloc(sizeof(char *));
	struct error err = {0};

	if (cli_template_table(t)) {
		_cleanup_free_ char *h = cli_template_header(t);

		strv_push(&out, h);
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *line = NULL;

		if (cli_template_render(t, rows[i], &line, &err) < 0) {
			cli_error(g, &err);
			return CLI_EXIT_NOOK;
		}
		strv_push(&out, line);
	}
	if (cli_template_table(t))
		cli_table_print(stdout, out);
	else
		for (size_t i = 0; out[i]; i++)
			printf("%s\n", out[i]);
	return 0;
}

const struct cli_options cli_ps_options = {
    ":aqn:lf:", (const struct option[]){{"all", no_argument, NULL, 'a'},
					{"quiet", no_argument, NULL, 'q'},
					{"last", required_argument, NULL, 'n'},
					{"latest", no_argument, NULL, 'l'},
					{"no-trunc", no_argument, NULL, 'T'},
					{"filter", required_argument, NULL, 'f'},
					{"format", required_argument, NULL, 'F'},
					{0}}};

struct ps_args {
	bool all, quiet, trunc;
	int64_t last;
	const char *format;
	struct ps_filter filter;
};

static int ps_parse(struct cli_globals *g, int argc, char **argv, struct ps_args *a)
{
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_ps_options.shortopts, cli_ps_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			a->all = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'l':
			a->last = 1;
			break;
		case 'T':
			a->trunc = false;
			break;
		case 'F':
			a->format = optarg;
			break;
		case 'n':
			if (parse_int64(optarg, &a->last) < 0 || a->last < 0)
				return cli_usage_error(g, "-n '%s': not a number", optarg);
			break;
		case 'f':
			if ((rc = filter_add(g, &a->filter, optarg)) != 0)
				return rc;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	return cli_want_args(g, argc - optind, 0, 0);
}

int cli_cmd_ps(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_template_ struct cli_template *t = NULL;
	struct rt_context ctx = {.root = g->root};
	struct ps_args a = {.trunc = true, .last = -1};
	struct json_object **rows = NULL;
	struct img_ctr *v = NULL;
	struct error err = {0};
	size_t n = 0, shown = 0;
	int rc;

	if ((rc = ps_parse(g, argc, argv, &a)) != 0)
		goto out;
	/* -n and -l look at every state, as docker's, and so does asking
	 * for a state (status=, exited=). */
	for (size_t i = 0; a.filter.keys && a.filter.keys[i]; i++)
		if (!strcmp(a.filter.keys[i], "status") || !strcmp(a.filter.keys[i], "exited"))
			a.all = true;
	if (a.last >= 0)
		a.all = true;
	if (!a.quiet && !(t = cli_format_template(g, a.format, PS_TABLE, ps_headers, &rc)))
		goto out;
	if (!(s = cli_store_open(g, &err)) || img_ctr_list(s, &v, &n, &err) < 0) {
		rc = cli_error(g, &err);
		goto out;
	}
	rows = xzalloc((n + 1) * sizeof(*rows));
	for (size_t i = 0; i < n && (a.last < 0 || (int64_t)shown < a.last); i++) {
		struct json_object *row = ps_row(&ctx, &v[i], a.trunc);
		const char *state = json_object_get_string(json_object_object_get(row, "State"));

		if ((!a.all && strcmp(state, "running") && strcmp(state, "paused")) ||
		    !filter_match(s, &a.filter, &v[i], row)) {
			json_object_put(row);
			continue;
		}
		if (a.quiet) {
			printf("%s\n", json_object_get_string(json_object_object_get(row, "ID")));
			json_object_put(row);
		} else {
			rows[shown] = row;
		}
		shown++;
	}
	if (!a.quiet)
		rc = cli_format_print(g, t, rows, shown);
	for (size_t i = 0; rows && i < shown; i++)
		json_object_put(rows[i]);
out:
	free(rows);
	img_ctr_list_free(v, n);
	strv_free(a.filter.keys);
	strv_free(a.filter.values);
	return rc;
}

/* -------------------------------------------------- stop, kill, wait -- */

const struct cli_options cli_stop_options = {
    ":t:", (const struct option[]){{"time", required_argument, NULL, 't'}, {0}}};

/* Run fn on each container named from argv[optind]; one error line per
 * failure, the rest goes on. */
typedef int each_fn(struct img_store *s, const struct rt_context *ctx, const char *ref, void *data,
		    struct error *err);

static int each(struct cli_globals *g, int argc, char **argv, each_fn *fn, void *data)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	int rc;

	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	for (int i = optind; i < argc; i++) {
		memset(&err, 0, sizeof(err));
		if (fn(s, &ctx, argv[i], data, &err) < 0)
			rc = cli_error(g, &err);
	}
	return rc;
}

static int stop_one(struct img_store *s, const struct rt_context *ctx, const char *ref, void *data,
		    struct error *err)
{
	if (rt_engine_stop(s, ctx, ref, *(int *)data, err) < 0)
		return -1;
	printf("%s\n", ref);
	return 0;
}

/* stop's and restart's -t SECONDS (default -1: the container's
 * --stop-timeout, else 10) into *secs; 0 or the usage error's exit code. */
static int stop_time(struct cli_globals *g, int argc, char **argv, int *secs)
{
	int64_t t = -1;
	int c;

	while ((c = getopt_long(argc, argv, cli_stop_options.shortopts, cli_stop_options.longopts,
				NULL)) != -1) {
		if (c != 't')
			return cli_bad_option(g, c, argv);
		if (parse_int64(optarg, &t) < 0 || t < 0 || t > 86400 * 365)
			return cli_usage_error(g, "-t '%s': not a number of seconds", optarg);
	}
	*secs = (int)t;
	return 0;
}

int cli_cmd_stop(int argc, char **argv, struct cli_globals *g)
{
	int secs, rc = stop_time(g, argc, argv, &secs);

	return rc ? rc : each(g, argc, argv, stop_one, &secs);
}

const struct cli_options cli_kill_options = {
    ":s:", (const struct option[]){{"signal", required_argument, NULL, 's'}, {0}}};

static int kill_one(struct img_store *s, const struct rt_context *ctx, const char *ref, void *data,
		    struct error *err)
{
	if (rt_engine_kill(s, ctx, ref, *(int *)data, err) < 0)
		return -1;
	printf("%s\n", ref);
	return 0;
}

int cli_cmd_kill(int argc, char **argv, struct cli_globals *g)
{
	int sig = SIGKILL, c;

	while ((c = getopt_long(argc, argv, cli_kill_options.shortopts, cli_kill_options.longopts,
				NULL)) != -1) {
		if (c != 's')
			return cli_bad_option(g, c, argv);
		if ((sig = signal_parse(optarg)) <= 0)
			return cli_usage_error(g, "invalid signal '%s'", optarg);
	}
	return each(g, argc, argv, kill_one, &sig);
}

static int wait_one(struct img_store *s, const struct rt_context *ctx, const char *ref, void *data,
		    struct error *err)
{
	int code;

	(void)ctx;
	(void)data;
	if (rt_engine_wait(s, ref, &code, err) < 0)
		return -1;
	printf("%d\n", code);
	return 0;
}

int cli_cmd_wait(int argc, char **argv, struct cli_globals *g)
{
	int rc = cli_only_args(g, argc, argv, 1, -1);

	return rc ? rc : each(g, argc, argv, wait_one, NULL);
}

const struct cli_options cli_rm_options = {
    ":fv", (const struct option[]){
	       {"force", no_argument, NULL, 'f'}, {"volumes", no_argument, NULL, 'v'}, {0}}};

/* rm's -f and -v. */
struct rm_flags {
	bool force, volumes;
};

static int rm_one(struct img_store *s, const struct rt_context *ctx, const char *ref, void *data,
		  struct error *err)
{
	const struct rm_flags *f = data;

	if ((f->volumes ? rt_engine_remove_volumes(s, ctx, ref, f->force, err)
			: rt_engine_remove(s, ctx, ref, f->force, err)) < 0)
		return -1;
	printf("%s\n", ref);
	return 0;
}

int cli_cmd_rm(int argc, char **argv, struct cli_globals *g)
{
	struct rm_flags f = {0};
	int c;

	while ((c = getopt_long(argc, argv, cli_rm_options.shortopts, cli_rm_options.longopts,
				NULL)) != -1) {
		if (c == 'f')
			f.force = true;
		else if (c == 'v')
			f.volumes = true;
		else
			return cli_bad_option(g, c, argv);
	}
	return each(g, argc, argv, rm_one, &f);
}

static int restart_one(struct img_store *s, const struct rt_context *ctx, const char *ref,
		       void *data, struct error *err)
{
	int afd;

	if (rt_engine_stop(s, ctx, ref, *(int *)data, err) < 0 ||
	    rt_engine_start(s, ctx, ref, false, &afd, err) < 0)
		return -1;
	printf("%s\n", ref);
	return 0;
}

int cli_cmd_restart(int argc, char **argv, struct cli_globals *g)
{
	int secs, rc = stop_time(g, argc, argv, &secs);

	return rc ? rc : each(g, argc, argv, restart_one, &secs);
}

int cli_cmd_rename(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 2, 2)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    rt_engine_rename(s, argv[optind], argv[optind + 1], &err) < 0)
		return cli_error(g, &err);
	return 0;
}

int cli_cmd_container_prune(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **removed = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	rc = rt_engine_prune(s, &ctx, &removed, &err) < 0 ? cli_error(g, &err) : 0;
	for (size_t i = 0; removed && removed[i]; i++)
		printf("%s\n", removed[i]);
	return rc;
}
