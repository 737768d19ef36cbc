/* The engine's lifecycle commands: ps, logs, stop, kill, rm, wait,
 * inspect. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* docker's "3 minutes", "About an hour", "5 seconds". */
static void human_duration(int64_t ns, char *buf, size_t size)
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

static void status_text(const struct img_ctr *c, char *buf, size_t size)
{
	char d[64];

	switch (rt_engine_status(c)) {
	case RT_ENGINE_RUNNING:
		human_duration(rt_now_ns() - c->started, d, sizeof(d));
		snprintf(buf, size, "Up %s", d);
		break;
	case RT_ENGINE_EXITED:
		human_duration(rt_now_ns() - (c->finished ? c->finished : c->started), d,
			       sizeof(d));
		if (c->finished)
			snprintf(buf, size, "Exited (%d) %s ago", c->exit_code, d);
		else
			snprintf(buf, size, "Exited (unknown: its monitor died)");
		break;
	default:
		snprintf(buf, size, "Created");
		break;
	}
}

/* The command as docker shows it: quoted, cut at 20 columns. */
static void command_text(const struct img_ctr *c, char *buf, size_t size)
{
	_cleanup_free_ char *cfg = xasprintf("%s/config.json", c->dir);
	_cleanup_free_ char *text = NULL, *joined = xstrdup("");
	struct json_object *doc, *p, *args;
	struct error err;

	if (file_read_at(AT_FDCWD, cfg, 1 << 20, &text, NULL, &err) < 0 ||
	    !(doc = json_tokener_parse(text))) {
		snprintf(buf, size, "\"\"");
		return;
	}
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
	if (strlen(joined) > 20)
		snprintf(buf, size, "\"%.19s…\"", joined);
	else
		snprintf(buf, size, "\"%s\"", joined);
}

const struct cli_options cli_ps_options = {
    ":aq", (const struct option[]){
	       {"all", no_argument, NULL, 'a'}, {"quiet", no_argument, NULL, 'q'}, {0}}};

int cli_cmd_ps(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct img_ctr *v = NULL;
	struct error err = {0};
	bool all = false, quiet = false;
	struct rt_context ctx = {.root = g->root};
	size_t n = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_ps_options.shortopts, cli_ps_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_ctr_list(s, &v, &n, &err) < 0)
		return cli_error(g, &err);
	if (!quiet)
		printf("%-12s  %-20s  %-22s  %-16s  %-30s  %s\n", "CONTAINER ID", "IMAGE",
		       "COMMAND", "CREATED", "STATUS", "NAMES");
	for (size_t i = 0; i < n; i++) {
		char st[96], cmd[64], created[64];

		if (!all && rt_engine_status(&v[i]) != RT_ENGINE_RUNNING)
			continue;
		if (quiet) {
			printf("%.12s\n", v[i].id);
			continue;
		}
		status_text(&v[i], st, sizeof(st));
		if (rt_engine_paused(&ctx, &v[i]))
			snprintf(st + strlen(st), sizeof(st) - strlen(st), " (Paused)");
		command_text(&v[i], cmd, sizeof(cmd));
		human_duration(rt_now_ns() - v[i].created, created, sizeof(created) - 4);
		strcat(created, " ago");
		printf("%-12.12s  %-20s  %-22s  %-16s  %-30s  %s\n", v[i].id, v[i].image, cmd,
		       created, st, v[i].name);
	}
	img_ctr_list_free(v, n);
	return 0;
}

/* -------------------------------------------------------------- logs -- */

const struct cli_options cli_logs_options = {
    ":fn:t", (const struct option[]){{"follow", no_argument, NULL, 'f'},
				     {"tail", required_argument, NULL, 'n'},
				     {"timestamps", no_argument, NULL, 't'},
				     {0}}};

/* Print the records of buf[0..len) (whole lines only); returns what it
 * used. */
static size_t logs_print(const char *buf, size_t len, bool ts)
{
	size_t used = 0;

	while (used < len) {
		const char *line = buf + used, *nl = memchr(line, '\n', len - used);
		const char *sp1, *sp2;
		size_t l;

		if (!nl)
			break;
		l = (size_t)(nl - line);
		used += l + 1;
		sp1 = memchr(line, ' ', l);
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1)) : NULL;
		if (!sp2)
			continue;
		{
			int fd = !strncmp(sp1 + 1, "stderr", 6) ? 2 : 1;
			FILE *f = fd == 2 ? stderr : stdout;

			if (ts)
				fprintf(f, "%.*s ", (int)(sp1 - line), line);
			fprintf(f, "%.*s\n", (int)(nl - sp2 - 1), sp2 + 1);
		}
	}
	fflush(stdout);
	return used;
}

/* The offset where the last n records start, read backwards from the end
 * in blocks: --tail does not read the whole log. */
static off_t tail_offset(int fd, off_t size, int64_t n)
{
	char buf[8192];
	off_t pos = size;
	int64_t seen = 0;

	if (n < 0)
		return 0;
	if (n == 0)
		return size;
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;

		pos -= (off_t)chunk;
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			return 0;
		for (size_t i = chunk; i-- > 0;) {
			if (buf[i] != '\n' || pos + (off_t)i == size - 1)
				continue;
			if (++seen == n)
				return pos + (off_t)i + 1;
		}
	}
	return 0;
}

int cli_cmd_logs(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *path = NULL, *id = NULL;
	_cleanup_close_ int fd = -1;
	struct img_ctr ct;
	struct error err = {0};
	bool follow = false, ts = false;
	int64_t tail = -1;
	char buf[65536];
	size_t have = 0;
	struct stat st;
	off_t off;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_logs_options.shortopts, cli_logs_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 't':
			ts = true;
			break;
		case 'n':
			if (!strcmp(optarg, "all"))
				tail = -1;
			else if (parse_int64(optarg, &tail) < 0 || tail < 0)
				return cli_usage_error(g, "--tail '%s': not a number", optarg);
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_ctr_find(s, argv[optind], &ct, &err) < 0)
		return cli_error(g, &err);
	path = rt_engine_log_path(&ct);
	id = xstrdup(ct.id);
	img_ctr_release(&ct);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : cli_fail(g, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return cli_fail(g, "cannot stat '%s': %s", path, strerror(errno));
	off = tail_offset(fd, st.st_size, tail);
	if (lseek(fd, off, SEEK_SET) < 0)
		return cli_fail(g, "cannot seek '%s': %s", path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_fail(g, "cannot read '%s': %s", path, strerror(errno));
		if (n == 0) {
			bool running;

			if (!follow)
				break;
			if (img_ctr_find(s, id, &ct, &err) < 0)
				break; /* removed */
			running = rt_engine_status(&ct) == RT_ENGINE_RUNNING || !ct.finished;
			if (rt_engine_status(&ct) != RT_ENGINE_RUNNING && ct.finished)
				running = false;
			if (rt_engine_status(&ct) == RT_ENGINE_CREATED)
				running = false;
			img_ctr_release(&ct);
			if (!running) {
				/* What the monitor wrote before recording the exit. */
				n = read(fd, buf + have, sizeof(buf) - have);
				if (n <= 0)
					break;
			} else {
				usleep(100000);
				continue;
			}
		}
		have += (size_t)n;
		used = logs_print(buf, have, ts);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (have == sizeof(buf)) /* a record longer than buf: as it is */
			have = 0;
	}
	return 0;
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

static struct json_object *inspect_one(const struct img_ctr *c, bool paused)
{
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	struct json_object *cfg = json_tokener_parse(c->config), *v, *mounts;
	enum rt_engine_status s = rt_engine_status(c);
	_cleanup_free_ char *name = xasprintf("/%s", c->name);

	json_object_object_add(o, "Id", json_object_new_string(c->id));
	json_object_object_add(o, "Name", json_object_new_string(name));
	json_object_object_add(o, "Image", json_object_new_string(c->image_id));
	json_object_object_add(o, "Created", time_json(c->created));
	json_object_object_add(
	    st, "Status", json_object_new_string(paused ? "paused" : rt_engine_status_name(s)));
	json_object_object_add(st, "Running", json_object_new_boolean(s == RT_ENGINE_RUNNING));
	json_object_object_add(st, "Paused", json_object_new_boolean(paused));
	json_object_object_add(st, "OOMKilled", json_object_new_boolean(c->oom));
	json_object_object_add(st, "Pid", json_object_new_int(s == RT_ENGINE_RUNNING ? c->pid : 0));
	json_object_object_add(st, "ExitCode", json_object_new_int(c->exit_code));
	json_object_object_add(st, "StartedAt", time_json(c->started));
	json_object_object_add(st, "FinishedAt", time_json(c->finished));
	json_object_object_add(o, "State", st);
	if (cfg && json_object_object_get_ex(cfg, "Config", &v))
		json_object_object_add(o, "Config", json_object_get(v));
	mounts = json_object_new_array();
	if (cfg && json_object_object_get_ex(cfg, "HostConfig", &v)) {
		struct json_object *binds;

		json_object_object_add(o, "HostConfig", json_object_get(v));
		if (json_object_object_get_ex(v, "Binds", &binds))
			for (size_t i = 0; i < json_object_array_length(binds); i++) {
				_cleanup_free_ char *b = xstrdup(
				    json_object_get_string(json_object_array_get_idx(binds, i)));
				char *dst = strchr(b, ':'), *mode;
				struct json_object *m = json_object_new_object();

				if (!dst)
					continue;
				*dst++ = '\0';
				mode = strchr(dst, ':');
				if (mode)
					*mode++ = '\0';
				json_object_object_add(m, "Type", json_object_new_string("bind"));
				json_object_object_add(m, "Source", json_object_new_string(b));
				json_object_object_add(m, "Destination",
						       json_object_new_string(dst));
				json_object_object_add(
				    m, "RW", json_object_new_boolean(!mode || strcmp(mode, "ro")));
				json_object_array_add(mounts, m);
			}
	}
	json_object_object_add(o, "Mounts", mounts);
	json_object_put(cfg);
	return o;
}

int cli_cmd_inspect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct json_object *a;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	a = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		struct img_ctr c;

		memset(&err, 0, sizeof(err));
		if (img_ctr_find(s, argv[i], &c, &err) < 0) {
			rc = cli_error(g, &err);
			continue;
		}
		json_object_array_add(a, inspect_one(&c, rt_engine_paused(&ctx, &c)));
		img_ctr_release(&c);
	}
	printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return rc;
}
