/* `nook oci update`: runc's flags, turned into an OCI linux.resources
 * object for the runtime. */
#include "cli/cli.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>

/* "64m", "1.5G", "1024" -> bytes (base/str.c, no floating point); "-1"
 * stays -1 (unlimited).  A JSON int64 holds the result. */
static int parse_bytes(struct cli_globals *g, const char *flag, const char *s, int64_t *out)
{
	uint64_t v;
	int r;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	r = parse_size(s, &v);
	if (r < 0 && errno == EINVAL)
		return cli_usage_error(g, "--%s: invalid size \"%s\" (like 1048576, 256m or 1.5g)",
				       flag, s);
	if (r < 0 || v > INT64_MAX)
		return cli_usage_error(g, "--%s: size \"%s\" is too large", flag, s);
	*out = (int64_t)v;
	return 0;
}

static json_object *section(json_object *res, const char *name)
{
	json_object *o;

	if (!json_object_object_get_ex(res, name, &o)) {
		o = json_object_new_object();
		json_object_object_add(res, name, o);
	}
	return o;
}

/* Which JSON field each flag sets, and how its value is read: one list,
 * expanded into the field table and into the getopt options (in the same
 * order, so getopt's index is the field's). */
enum kind { K_BYTES, K_INT, K_UINT, K_STRING };
#define UPDATE_FLAGS(X)                                                                            \
	X("memory", "memory", "limit", K_BYTES)                                                    \
	X("memory-reservation", "memory", "reservation", K_BYTES)                                  \
	X("memory-swap", "memory", "swap", K_BYTES)                                                \
	X("kernel-memory", "memory", "kernel", K_BYTES)                                            \
	X("kernel-memory-tcp", "memory", "kernelTCP", K_BYTES)                                     \
	X("cpu-shares", "cpu", "shares", K_UINT)                                                   \
	X("cpu-share", "cpu", "shares", K_UINT)                                                    \
	X("cpu-quota", "cpu", "quota", K_INT)                                                      \
	X("cpu-period", "cpu", "period", K_UINT)                                                   \
	X("cpu-burst", "cpu", "burst", K_UINT)                                                     \
	X("cpu-rt-runtime", "cpu", "realtimeRuntime", K_INT)                                       \
	X("cpu-rt-period", "cpu", "realtimePeriod", K_UINT)                                        \
	X("cpuset-cpus", "cpu", "cpus", K_STRING)                                                  \
	X("cpuset-mems", "cpu", "mems", K_STRING)                                                  \
	X("pids-limit", "pids", "limit", K_INT)                                                    \
	X("blkio-weight", "blockIO", "weight", K_UINT)
#define UPDATE_FIELD(flag, sec, field, kind)  {flag, sec, field, kind},
#define UPDATE_OPTION(flag, sec, field, kind) {flag, required_argument, NULL, 0},

static const struct {
	const char *flag;
	const char *section;
	const char *field;
	enum kind kind;
} update_flags[] = {UPDATE_FLAGS(UPDATE_FIELD)};

const struct cli_options cli_oci_update_options = {
    "+:r:",
    (const struct option[]){UPDATE_FLAGS(UPDATE_OPTION){"resources", required_argument, NULL, 'r'},
			    {NULL, 0, NULL, 0}}};

int cli_oci_update(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = {.root = g->root};
	const char *resources_file = NULL;
	json_object *res = json_object_new_object();
	_cleanup_free_ char *text = NULL;
	struct error err;
	int c, idx = -1, rc = 1;

	while ((c = getopt_long_only(argc, argv, cli_oci_update_options.shortopts,
				     cli_oci_update_options.longopts, &idx)) != -1) {
		if (c == 'r') {
			resources_file = optarg;
			continue;
		}
		if (c != 0 || idx < 0 || (size_t)idx >= ARRAY_SIZE(update_flags)) {
			rc = cli_bad_option(g, c, argv);
			goto out;
		}
		{
			size_t i = (size_t)idx;
			json_object *sec = section(res, update_flags[i].section);
			int64_t v;

			switch (update_flags[i].kind) {
			case K_STRING:
				json_object_object_add(sec, update_flags[i].field,
						       json_object_new_string(optarg));
				continue;
			case K_BYTES:
				if ((rc = parse_bytes(g, update_flags[i].flag, optarg, &v)) != 0)
					goto out;
				break;
			case K_INT:
			case K_UINT:
				if (parse_int64(optarg, &v) < 0 ||
				    (update_flags[i].kind == K_UINT && v < 0))
					goto bad;
				break;
			}
			json_object_object_add(sec, update_flags[i].field, json_object_new_int64(v));
			continue;
bad:
			rc = cli_usage_error(g, "--%s: invalid value \"%s\"", update_flags[i].flag,
					     optarg);
			goto out;
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		goto out;
	rc = 1;
	if (resources_file) {
		json_object *file;

		if (file_read_at(AT_FDCWD, !strcmp(resources_file, "-") ? "/dev/stdin" : resources_file,
				 0, &text, NULL, &err) < 0) {
			cli_error(g, &err);
			goto out;
		}
		file = json_tokener_parse(text);
		if (!file || !json_object_is_type(file, json_type_object)) {
			json_object_put(file);
			cli_fail(g, "%s: not a JSON object", resources_file);
			goto out;
		}
		/* Flags given beside -r win. */
		json_object_object_foreach(res, k, v) json_object_object_add(file, k, json_object_get(v));
		json_object_put(res);
		res = file;
	}
	if (rt_container_update(&ctx, argv[optind], json_object_to_json_string(res), &err) < 0) {
		cli_error(g, &err);
		goto out;
	}
	rc = 0;
out:
	json_object_put(res);
	return rc;
}
