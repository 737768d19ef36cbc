/* The engine's commands on running containers: exec, attach, pause,
 * unpause, top, stats, cp, port (the work is in runtime/engine_ops.c and
 * runtime/engine_cp.c).
 * exec's exit codes are docker's: the command's own, 126 when it cannot
 * be invoked, 127 when it is not found, 125 when nook fails. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

enum {
	OPT_PRIVILEGED = 256,
	OPT_ENV_FILE,
	OPT_DETACH_KEYS,
	OPT_NO_STDIN,
	OPT_NO_STREAM,
	OPT_FORMAT,
};

/* -------------------------------------------------------------- exec -- */

const struct cli_options cli_exec_options = {
    "+:ditu:w:e:",
    (const struct option[]){{"interactive", no_argument, NULL, 'i'},
			    {"tty", no_argument, NULL, 't'},
			    {"detach", no_argument, NULL, 'd'},
			    {"env", required_argument, NULL, 'e'},
			    {"env-file", required_argument, NULL, OPT_ENV_FILE},
			    {"user", required_argument, NULL, 'u'},
			    {"workdir", required_argument, NULL, 'w'},
			    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
			    {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
			    {0}}};

/* -e KEY=VAL as is; -e KEY takes KEY from our environment (dropped when
 * we have none), as docker does. */
static void env_add(char ***env, const char *kv)
{
	const char *v;
	_cleanup_free_ char *s = NULL;

	if (strchr(kv, '=')) {
		strv_push(env, kv);
		return;
	}
	if (!(v = getenv(kv)))
		return;
	s = xasprintf("%s=%s", kv, v);
	strv_push(env, s);
}

/* docker's --env-file: a KEY=VAL (or KEY) a line; blank lines and lines
 * starting with # are skipped. */
static int env_file(struct cli_globals *g, const char *path, char ***env)
{
	_cleanup_free_ char *text = NULL;
	struct error err;
	char *line, *save = NULL;

	if (file_read_at(AT_FDCWD, path, 1 << 20, &text, NULL, &err) < 0)
		return cli_usage_error(g, "--env-file: %s", err.msg);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		line[strcspn(line, "\r")] = '\0';
		if (!*line || *line == '#')
			continue;
		if (*line == '=')
			return cli_usage_error(g, "--env-file %s: invalid line '%s'", path, line);
		env_add(env, line);
	}
	return 0;
}

/* The code of a failed exec, from where it failed. */
static int exec_fail_code(const struct error *err)
{
	if (!strncmp(err->msg, "cannot execute", 14))
		return err->code == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
	if (strstr(err->msg, "working directory"))
		return EXIT_CANNOT_INVOKE;
	return EXIT_NOOK;
}

/* Point fd at /dev/null (the command's stdio is ours otherwise). */
static int to_null(int fd)
{
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	return null < 0 || dup2(null, fd) < 0 ? -1 : 0;
}

static int exec_run(struct cli_globals *g, const char *ref, struct rt_engine_exec_opts *o,
		    bool input)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	int status = 0, r, saved = -1;

	if (!(s = cli_store_open(g, &err))) {
		cli_error(g, &err);
		return EXIT_NOOK;
	}
	/* Without -i the command reads nothing of ours; detached, it holds
	 * none of our stdio (our stderr is kept for our own errors). */
	if ((!input || o->detach) && to_null(0) < 0)
		return cli_fail(g, "cannot open /dev/null"), EXIT_NOOK;
	if (o->detach &&
	    ((saved = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0 || to_null(1) < 0 || to_null(2) < 0))
		return cli_fail(g, "cannot open /dev/null"), EXIT_NOOK;
	r = rt_engine_exec(s, &ctx, ref, o, &status, &err);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (r < 0) {
		cli_error(g, &err);
		return exec_fail_code(&err);
	}
	return status;
}

int cli_cmd_exec(int argc, char **argv, struct cli_globals *g)
{
	struct rt_engine_exec_opts o = {0};
	_cleanup_strv_ char **env = NULL;
	struct rt_detach_keys keys;
	const char *keys_spec = NULL;
	struct error err = {0};
	bool input = false;
	int c, rc;

	g->usage_exit = EXIT_NOOK;
	while ((c = getopt_long(argc, argv, cli_exec_options.shortopts, cli_exec_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			input = true;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'e':
			if (!*optarg || *optarg == '=')
				return cli_usage_error(g, "-e '%s': want KEY=VALUE or KEY", optarg);
			env_add(&env, optarg);
			break;
		case OPT_ENV_FILE:
			if ((rc = env_file(g, optarg, &env)) != 0)
				return rc;
			break;
		case 'u':
			if (!*optarg)
				return cli_usage_error(g, "-u: empty user");
			o.user = optarg;
			break;
		case 'w':
			if (*optarg != '/')
				return cli_usage_error(
				    g, "-w '%s': the working directory must be absolute", optarg);
			o.workdir = optarg;
			break;
		case OPT_PRIVILEGED:
			o.privileged = true;
			break;
		case OPT_DETACH_KEYS:
			keys_spec = optarg;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 2, -1)) != 0)
		return rc;
	if (rt_detach_keys_parse(keys_spec, &keys, &err) < 0)
		return cli_usage_error(g, "%s", err.msg);
	/* docker's: with -it our input goes through them (ctrl-p ctrl-q
	 * unless --detach-keys); typed, exec returns and the command runs
	 * on. */
	if (o.tty && input)
		o.detach_keys = &keys;
	if (o.detach && o.tty)
		return cli_usage_error(g, "-d and -t: a detached command has no terminal to use");
	o.cmd = argv + optind + 1;
	o.env = env;
	return exec_run(g, argv[optind], &o, input);
}

/* ------------------------------------------------------------ attach -- */

const struct cli_options cli_attach_options = {
    ":", (const struct option[]){{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
				 {"no-stdin", no_argument, NULL, OPT_NO_STDIN},
				 {0}}};

int cli_cmd_attach(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_context ctx = {.root = g->root};
	struct rt_detach_keys keys;
	const char *spec = NULL;
	struct error err = {0};
	bool tty, input, no_stdin = false;
	int c, rc, fd, status = 0;

	while ((c = getopt_long(argc, argv, cli_attach_options.shortopts,
				cli_attach_options.longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DETACH_KEYS:
			spec = optarg;
			break;
		case OPT_NO_STDIN:
			no_stdin = true;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	if (rt_detach_keys_parse(spec, &keys, &err) < 0)
		return cli_usage_error(g, "%s", err.msg);
	if (!(s = cli_store_open(g, &err)) ||
	    rt_engine_connect(s, argv[optind], &fd, &tty, &input, &err) < 0)
		return cli_error(g, &err);
	fflush(stdout);
	rc = rt_engine_attach(s, &ctx, argv[optind], fd, tty, input && !no_stdin, true, &keys,
			      &status, &err) < 0
		 ? cli_error(g, &err)
		 : status;
	close(fd);
	return rc;
}

/* ----------------------------------------------------- pause, unpause -- */

static int pause_each(struct cli_globals *g, int argc, char **argv, bool pause)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	int rc = cli_only_args(g, argc, argv, 1, -1);

	if (rc)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	for (int i = optind; i < argc; i++) {
		memset(&err, 0, sizeof(err));
		if (rt_engine_pause(s, &ctx, argv[i], pause, &err) < 0)
			rc = cli_error(g, &err);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

int cli_cmd_pause(int argc, char **argv, struct cli_globals *g)
{
	return pause_each(g, argc, argv, true);
}

int cli_cmd_unpause(int argc, char **argv, struct cli_globals *g)
{
	return pause_each(g, argc, argv, false);
}

/* --------------------------------------------------------------- top -- */

/* The column of "PID" in ps's header line; -1 when none. */
static int pid_column(const char *header)
{
	_cleanup_free_ char *h = xstrdup(header);
	char *tok, *save = NULL;
	int i = 0;

	for (tok = strtok_r(h, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), i++)
		if (!strcmp(tok, "PID"))
			return i;
	return -1;
}

static bool line_pid_in(const char *line, int col, const pid_t *pids, size_t n)
{
	_cleanup_free_ char *l = xstrdup(line);
	char *tok, *save = NULL;
	int64_t v;
	int i = 0;

	for (tok = strtok_r(l, " \t", &save); tok && i < col; tok = strtok_r(NULL, " \t", &save))
		i++;
	if (!tok || parse_int64(tok, &v) < 0)
		return false;
	for (size_t k = 0; k < n; k++)
		if (pids[k] == v)
			return true;
	return false;
}

/* ps ARGS (default -ef) on the host, its output read whole. */
static int ps_output(char **args, char **out, struct error *err)
{
	_cleanup_strv_ char **argvv = NULL;
	int p[2], ws;
	pid_t pid;
	size_t len = 0, cap = 0;

	*out = NULL;
	strv_push(&argvv, "ps");
	if (!args[0])
		strv_push(&argvv, "-ef");
	for (char **a = args; *a; a++)
		strv_push(&argvv, *a);
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_sys(err, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return error_sys(err, "fork");
	}
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(127);
		execvp("ps", argvv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			*out = xrealloc(*out, cap + 1);
		}
		n = read(p[0], *out + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(*out)[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return error_set(err, EINVAL, "ps %s failed (exit %d)", args[0] ? args[0] : "-ef",
				 WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	return 0;
}

int cli_cmd_top(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *text = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	static const struct option none[] = {{NULL, 0, NULL, 0}};
	char *line, *save = NULL;
	size_t n = 0;
	int c, col, rc;

	/* Options after the container belong to ps ("+": ours end there). */
	if ((c = getopt_long(argc, argv, "+:", none, NULL)) != -1)
		return cli_bad_option(g, c, argv);
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    rt_engine_pids(s, &ctx, argv[optind], &pids, &n, &err) < 0 ||
	    ps_output(argv + optind + 1, &text, &err) < 0)
		return cli_error(g, &err);
	line = strtok_r(text, "\n", &save);
	if (!line || (col = pid_column(line)) < 0)
		return cli_fail(g, "ps %s: its output has no PID column",
				argv[optind + 1] ? argv[optind + 1] : "-ef");
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)))
		if (line_pid_in(line, col, pids, n))
			printf("%s\n", line);
	return 0;
}

/* ------------------------------------------------------------- stats -- */

const struct cli_options cli_stats_options = {
    ":a", (const struct option[]){{"all", no_argument, NULL, 'a'},
				  {"no-stream", no_argument, NULL, OPT_NO_STREAM},
				  {"format", required_argument, NULL, OPT_FORMAT},
				  {0}}};

/* docker's sizes: binary units for memory (MiB), decimal for I/O (kB). */
static void size_text(uint64_t v, bool binary, char *buf, size_t size)
{
	static const char *const bin[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	static const char *const dec[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double d = (double)v, base = binary ? 1024 : 1000;
	size_t u = 0;

	while (d >= base && u < 5) {
		d /= base;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lluB", (unsigned long long)v);
	else
		snprintf(buf, size, "%.4g%s", d, binary ? bin[u] : dec[u]);
}

struct stat_row {
	char id[13];
	char name[130];
	char cpu[16], mem_usage[48], mem_perc[16], net[48], blk[48], pids[24];
};

static void stats_row(const struct img_ctr *c, const struct rt_engine_stats *a,
		      const struct rt_engine_stats *b, struct stat_row *r)
{
	char x[24], y[24];

	snprintf(r->id, sizeof(r->id), "%.12s", c->id);
	snprintf(r->name, sizeof(r->name), "%s", c->name);
	if (b->has_cpu && b->at_ns > a->at_ns)
		snprintf(r->cpu, sizeof(r->cpu), "%.2f%%",
			 (double)(b->cpu_usec - a->cpu_usec) * 1000.0 * 100.0 /
			     (double)(b->at_ns - a->at_ns));
	else
		snprintf(r->cpu, sizeof(r->cpu), "--");
	if (b->has_memory) {
		size_text(b->mem_usage, true, x, sizeof(x));
		if (b->mem_limit == UINT64_MAX) {
			snprintf(y, sizeof(y), "--");
			snprintf(r->mem_perc, sizeof(r->mem_perc), "--");
		} else {
			size_text(b->mem_limit, true, y, sizeof(y));
			snprintf(r->mem_perc, sizeof(r->mem_perc), "%.2f%%",
				 b->mem_limit ? (double)b->mem_usage * 100.0 / (double)b->mem_limit
					      : 0.0);
		}
		snprintf(r->mem_usage, sizeof(r->mem_usage), "%s / %s", x, y);
	} else {
		snprintf(r->mem_usage, sizeof(r->mem_usage), "-- / --");
		snprintf(r->mem_perc, sizeof(r->mem_perc), "--");
	}
	if (b->has_net) {
		size_text(b->net_rx, false, x, sizeof(x));
		size_text(b->net_tx, false, y, sizeof(y));
		snprintf(r->net, sizeof(r->net), "%s / %s", x, y);
	} else {
		snprintf(r->net, sizeof(r->net), "-- / --");
	}
	if (b->has_io) {
		size_text(b->blk_read, false, x, sizeof(x));
		size_text(b->blk_write, false, y, sizeof(y));
		snprintf(r->blk, sizeof(r->blk), "%s / %s", x, y);
	} else {
		snprintf(r->blk, sizeof(r->blk), "-- / --");
	}
	snprintf(r->pids, sizeof(r->pids), "%llu", (unsigned long long)b->pids);
}

static void row_print(const struct stat_row *r, bool json)
{
	struct json_object *o;

	if (!json) {
		printf("%-14s %-20s %-8s %-22s %-8s %-16s %-16s %s\n", r->id, r->name, r->cpu,
		       r->mem_usage, r->mem_perc, r->net, r->blk, r->pids);
		return;
	}
	/* docker's `stats --format json` keys. */
	o = json_object_new_object();
	json_object_object_add(o, "BlockIO", json_object_new_string(r->blk));
	json_object_object_add(o, "CPUPerc", json_object_new_string(r->cpu));
	json_object_object_add(o, "Container", json_object_new_string(r->id));
	json_object_object_add(o, "ID", json_object_new_string(r->id));
	json_object_object_add(o, "MemPerc", json_object_new_string(r->mem_perc));
	json_object_object_add(o, "MemUsage", json_object_new_string(r->mem_usage));
	json_object_object_add(o, "Name", json_object_new_string(r->name));
	json_object_object_add(o, "NetIO", json_object_new_string(r->net));
	json_object_object_add(o, "PIDs", json_object_new_string(r->pids));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

struct stats_args {
	bool all, stream, json;
	char **refs;
};

/* The containers to show: those named (each must exist), else the
 * running ones (-a: all). */
static int stats_targets(struct cli_globals *g, struct img_store *s, const struct stats_args *a,
			 struct img_ctr **out, size_t *n)
{
	struct error err = {0};
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!a->refs[0]) {
		struct img_ctr *v;
		size_t m;

		if (img_ctr_list(s, &v, &m, &err) < 0)
			return cli_error(g, &err);
		*out = xmalloc((m ? m : 1) * sizeof(**out));
		for (size_t i = 0; i < m; i++) {
			if (a->all || rt_engine_status(&v[i]) == RT_ENGINE_RUNNING)
				(*out)[(*n)++] = v[i];
			else
				img_ctr_release(&v[i]);
		}
		free(v);
		return 0;
	}
	*out = xmalloc(strv_len(a->refs) * sizeof(**out));
	for (char **r = a->refs; *r; r++) {
		if (img_ctr_find(s, *r, &(*out)[*n], &err) < 0)
			rc = cli_error(g, &err);
		else
			(*n)++;
	}
	return rc;
}

static int stats_show(struct cli_globals *g, const struct stats_args *a, struct img_ctr *v,
		      size_t n)
{
	struct rt_context ctx = {.root = g->root};
	struct rt_engine_stats *prev = xmalloc((n ? n : 1) * sizeof(*prev));
	struct rt_engine_stats cur;
	struct error err;
	bool first = true;
	int rc = 0;

	/* A first sample for the CPU share: the next one is 0.5 s later. */
	for (size_t i = 0; i < n; i++)
		rt_engine_stats_read(&ctx, &v[i], &prev[i], &err);
	for (;;) {
		struct timespec ts = {.tv_sec = first ? 0 : 1, .tv_nsec = first ? 500000000 : 0};

		nanosleep(&ts, NULL);
		if (a->stream && !a->json)
			printf("\033[2J\033[H");
		if (!a->json)
			printf("%-14s %-20s %-8s %-22s %-8s %-16s %-16s %s\n", "CONTAINER ID",
			       "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O",
			       "BLOCK I/O", "PIDS");
		for (size_t i = 0; i < n; i++) {
			struct stat_row r;

			memset(&err, 0, sizeof(err));
			if (rt_engine_stats_read(&ctx, &v[i], &cur, &err) < 0) {
				/* Stopped: docker shows zeros; so do we. */
				memset(&cur, 0, sizeof(cur));
				if (err.code != EINVAL)
					rc = cli_error(g, &err);
			}
			stats_row(&v[i], &prev[i], &cur, &r);
			row_print(&r, a->json);
			prev[i] = cur;
		}
		fflush(stdout);
		first = false;
		if (!a->stream)
			break;
	}
	free(prev);
	return rc;
}

int cli_cmd_stats(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct stats_args a = {.stream = true};
	struct img_ctr *v = NULL;
	struct error err = {0};
	size_t n = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_stats_options.shortopts, cli_stats_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			a.all = true;
			break;
		case OPT_NO_STREAM:
			a.stream = false;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return cli_usage_error(g, "--format '%s': want table or json",
						       optarg);
			a.json = !strcmp(optarg, "json");
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	a.refs = argv + optind;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	rc = stats_targets(g, s, &a, &v, &n);
	/* The store is not held while we sample. */
	img_store_free(s);
	s = NULL;
	if (n)
		rc |= stats_show(g, &a, v, n);
	img_ctr_list_free(v, n);
	return rc;
}

/* ---------------------------------------------------------------- cp -- */

/* "CONTAINER:PATH" as docker reads it: a colon before any slash, and
 * not a path that starts with / or . (a local file may hold a colon). */
static const char *ctr_split(const char *arg, char **ctr)
{
	const char *colon = strchr(arg, ':');

	*ctr = NULL;
	if (!colon || arg[0] == '/' || arg[0] == '.' || memchr(arg, '/', (size_t)(colon - arg)))
		return NULL;
	*ctr = xstrndup(arg, (size_t)(colon - arg));
	return colon + 1;
}

/* docker's "-": `cp CTR:PATH -` writes a tar of PATH to stdout, `cp -
 * CTR:DIR` extracts a tar from stdin into DIR. */
static int cp_tar(struct cli_globals *g, const char *src, const char *dst, const char *sc,
		  const char *sp, const char *dc, const char *dp, const struct rt_cp_opts *o)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct error err = {0};
	bool to_ctr = !strcmp(src, "-");
	const char *ctr = to_ctr ? dc : sc, *path = to_ctr ? dp : sp;

	if (!strcmp(src, "-") == !strcmp(dst, "-") || !ctr || !*ctr)
		return cli_usage_error(g,
				       "'-' (a tar stream) goes with CONTAINER:PATH on the other "
				       "side");
	if (!*path)
		return cli_usage_error(g, "'%s': want CONTAINER:PATH", to_ctr ? dst : src);
	if (!to_ctr && isatty(1))
		return cli_usage_error(g, "will not write a tar stream to a terminal: redirect "
					  "stdout");
	if (!(s = cli_store_open(g, &err)) ||
	    rt_engine_cp_tar(s, ctr, path, to_ctr, o, to_ctr ? 0 : 1, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

const struct cli_options cli_cp_options = {
    ":aL", (const struct option[]){
	       {"archive", no_argument, NULL, 'a'}, {"follow-link", no_argument, NULL, 'L'}, {0}}};

int cli_cmd_cp(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *sc = NULL, *dc = NULL;
	struct rt_cp_opts o = {0};
	struct error err = {0};
	const char *sp, *dp;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_cp_options.shortopts, cli_cp_options.longopts,
				NULL)) != -1) {
		if (c == 'a')
			o.archive = true;
		else if (c == 'L')
			o.follow = true;
		else
			return cli_bad_option(g, c, argv);
	}
	if ((rc = cli_want_args(g, argc - optind, 2, 2)) != 0)
		return rc;
	sp = ctr_split(argv[optind], &sc);
	dp = ctr_split(argv[optind + 1], &dc);
	if (!strcmp(argv[optind], "-") || !strcmp(argv[optind + 1], "-"))
		return cp_tar(g, argv[optind], argv[optind + 1], sc, sp, dc, dp, &o);
	if (!sc == !dc)
		return cli_usage_error(g, "one of the paths must be CONTAINER:PATH, the other a "
					  "host path");
	if (!*(sc ? sc : dc) || !*(sc ? sp : dp))
		return cli_usage_error(g, "'%s': want CONTAINER:PATH",
				       argv[sc ? optind : optind + 1]);
	if (!(s = cli_store_open(g, &err)) ||
	    (sc ? rt_engine_cp(s, sc, sp, argv[optind + 1], false, &o, &err)
		: rt_engine_cp(s, dc, dp, argv[optind], true, &o, &err)) < 0)
		return cli_error(g, &err);
	return 0;
}
