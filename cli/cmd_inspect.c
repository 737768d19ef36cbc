/* nook inspect: containers (and images) as docker's JSON, or through a
 * --format template. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <time.h>

/* ----------------------------------------------------------- inspect -- */

static struct json_object *time_json(int64_t ns)
{
	char buf[64];
	struct tm tm;
	time_t t = (time_t)(ns / 1000000000);
	int n;

	if (!ns)
		return json_object_new_string("0001-01-01T00:00:00Z");
	gmtime_r(&t, &tm);
	n = (int)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - (size_t)n, ".%09lldZ", (long long)(ns % 1000000000));
	return json_object_new_string(buf);
}

static struct json_object *inspect_one(struct img_store *s, const struct rt_context *ctx,
				       const struct img_ctr *c)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	struct json_object *cfg = json_tokener_parse(c->config), *v, *mounts;
	enum rt_engine_status run = rt_engine_status(c);
	_cleanup_free_ char *name = xasprintf("/%s", c->name);

	json_object_object_add(o, "Id", json_object_new_string(c->id));
	json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(o, "Image", json_object_new_string(c->image_id));
	json_object_object_add(o, "Created", time_json(c->created));
	const char *state = cli_ctr_state(ctx, c);

	json_object_object_add(st, "Status", json_object_new_string(state));
	json_object_object_add(st, "Running", json_object_new_boolean(run == RT_ENGINE_RUNNING));
	json_object_object_add(st, "Paused", json_object_new_boolean(!strcmp(state, "paused")));
	json_object_object_add(st, "OOMKilled", json_object_new_boolean(c->oom));
	json_object_object_add(st, "Pid",
			       json_object_new_int(run == RT_ENGINE_RUNNING ? c->pid : 0));
	json_object_object_add(st, "ExitCode", json_object_new_int(c->exit_code));
	json_object_object_add(st, "StartedAt", time_json(c->started));
	json_object_object_add(st, "FinishedAt", time_json(c->finished));
	/* Why the last start failed (rt_engine_start records it). */
	json_object_object_add(
	    st, "Error",
	    json_object_new_string(cfg && json_object_object_get_ex(cfg, "Error", &v)
				       ? json_object_get_string(v)
				       : ""));
	json_object_object_add(o, "State", st);
	if (cfg && json_object_object_get_ex(cfg, "Config", &v))
		json_object_object_add(o, "Config", json_object_get(v));
	if (cfg && json_object_object_get_ex(cfg, "HostConfig", &v))
		json_object_object_add(o, "HostConfig", json_object_get(v));
	mounts = rt_engine_mounts_json(s, c);
	json_object_object_add(o, "Mounts", mounts);
	json_object_object_add(o, "NetworkSettings", rt_engine_net_settings(s, c));
	json_object_put(cfg);
	return o;
}

const struct cli_options cli_inspect_options = {
    ":f:", (const struct option[]){{"format", required_argument, NULL, 'f'},
				   {"type", required_argument, NULL, 'T'},
				   {0}}};

/* One name: a container (unless --type image), else an image (unless
 * --type container), as docker looks them up. */
static struct json_object *inspect_find(struct img_store *s, const struct rt_context *ctx,
					const char *ref, const char *type, struct error *err)
{
	struct img_ctr c;

	if (strcmp(type, "image")) {
		struct json_object *o;

		if (img_ctr_find(s, ref, &c, err) == 0) {
			o = inspect_one(s, ctx, &c);
			img_ctr_release(&c);
			return o;
		}
		if (err->code != ENOENT || !strcmp(type, "container"))
			return NULL;
	}
	{
		_cleanup_free_ char *json = NULL;
		struct error e2 = {0};

		if (img_inspect(s, ref, &json, &e2) < 0) {
			if (!strcmp(type, "image"))
				*err = e2;
			else
				error_set(err, ENOENT, "no such container or image: %s", ref);
			return NULL;
		}
		return json_tokener_parse(json);
	}
}

int cli_cmd_inspect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_template_ struct cli_template *t = NULL;
	struct rt_context ctx = {.root = g->root};
	const char *format = NULL, *type = "";
	struct json_object *a;
	struct error err = {0};
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, cli_inspect_options.shortopts,
				cli_inspect_options.longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'T':
			type = optarg;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (*type && strcmp(type, "container") && strcmp(type, "image"))
		return cli_usage_error(g, "--type '%s': want container or image", type);
	if (format && !(t = cli_format_template(g, format, format, NULL, &rc)))
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	a = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		struct json_object *o;

		memset(&err, 0, sizeof(err));
		if (!(o = inspect_find(s, &ctx, argv[i], type, &err)))
			rc = cli_error(g, &err);
		else
			json_object_array_add(a, o);
	}
	if (t) {
		size_t n = json_object_array_length(a);
		_cleanup_free_ struct json_object **rows = xzalloc((n + 1) * sizeof(*rows));
		int r;

		for (size_t i = 0; i < n; i++)
			rows[i] = json_object_array_get_idx(a, i);
		if ((r = cli_format_print(g, t, rows, n)) != 0)
			rc = r;
	} else {
		printf("%s\n", json_object_to_json_string_ext(
				   a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(a);
	return rc;
}

/* ------------------------------------------------------ images --format -- */

static const char *const image_headers[] = {
    "ID",      "IMAGE ID",  "Repository", "REPOSITORY", "Tag",	"TAG", "CreatedSince",
    "CREATED", "CreatedAt", "CREATED AT", "Size",	"SIZE", NULL};

static struct json_object *image_row(const struct img_info *im, const char *name)
{
	struct json_object *o = json_object_new_object();
	const char *colon = name ? strrchr(name, ':') : NULL;
	_cleanup_free_ char *repo = colon ? xstrndup(name, (size_t)(colon - name)) : NULL;
	char buf[64];
	time_t t = (time_t)im->created;
	struct tm tm;

	snprintf(buf, sizeof(buf), "%.12s", im->id + 7);
	json_object_object_add(o, "ID", json_object_new_string(buf));
	json_object_object_add(o, "Repository",
			       json_object_new_string(repo ? img_name_familiar(repo) : "<none>"));
	json_object_object_add(o, "Tag", json_object_new_string(colon ? colon + 1 : "<none>"));
	cli_human_duration(((int64_t)time(NULL) - im->created) * 1000000000, buf, sizeof(buf) - 4);
	strcat(buf, " ago");
	json_object_object_add(o, "CreatedSince", json_object_new_string(buf));
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
	json_object_object_add(o, "CreatedAt", json_object_new_string(buf));
	cli_human_size(im->size, buf);
	json_object_object_add(o, "Size", json_object_new_string(buf));
	return o;
}

int cli_images_format(struct cli_globals *g, const char *format, const struct img_info *v, size_t n)
{
	_cleanup_template_ struct cli_template *t = NULL;
	struct json_object **rows = NULL;
	size_t cnt = 0;
	int rc = 0;

	if (!(t = cli_format_template(g, format, format, image_headers, &rc)))
		return rc;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k == 0 || v[i].names[k]; k++) {
			rows = xrealloc(rows, (cnt + 1) * sizeof(*rows));
			rows[cnt++] = image_row(&v[i], v[i].names[k]);
		}
	rc = cli_format_print(g, t, rows, cnt);
	for (size_t i = 0; i < cnt; i++)
		json_object_put(rows[i]);
	free(rows);
	return rc;
}
