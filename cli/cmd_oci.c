/* The OCI runtime face: `nook oci COMMAND` and `nook-oci COMMAND`, with
 * runc's command names, flags, output and exit codes, so podman
 * (--runtime) and containerd's runc shim (BinaryName) can drive nook. */
#include "cli/cli.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <string.h>
#include <sys/stat.h>

static int oci_help(int argc, char **argv, struct cli_globals *g);

/* Parse "--opt VALUE"/"--opt=VALUE" for the few value-taking global flags. */
static const char *global_value(int *i, int argc, char **argv, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	while (*a == '-')
		a++;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static const char *default_root(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		return "/run/nook";
	/* Rootless: state belongs to the user, never to a shared path. */
	if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/nook", xdg);
	else
		snprintf(buf, sizeof(buf), "/run/user/%u/nook", (unsigned)geteuid());
	return buf;
}

static struct rt_context ctx_of(const struct cli_globals *g)
{
	return (struct rt_context){.root = g->root};
}

/* Each handler: reset getopt, parse its flags, call the runtime. */
#define OPTS_BEGIN() optind = 0, opterr = 0

static int bad_option(struct cli_globals *g, const char *cmd, char **argv)
{
	return cli_fail(g, "%s: unknown or incomplete option '%s' (see '%s %s --help')", cmd,
			argv[optind - 1], g->prog, cmd);
}

static int want_args(struct cli_globals *g, const char *cmd, int have, int min, int max)
{
	if (have < min || (max >= 0 && have > max)) {
		if (min == max)
			cli_fail(g, "\"%s\" requires exactly %d argument%s", cmd, min, min == 1 ? "" : "s");
		else
			cli_fail(g, "\"%s\": wrong number of arguments", cmd);
		return -1;
	}
	return 0;
}

enum { OPT_PID_FILE = 256, OPT_CONSOLE_SOCKET, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING, OPT_PRESERVE_FDS,
       OPT_ROOTLESS, OPT_CWD, OPT_NO_NEW_PRIVS, OPT_FORMAT };

static const struct option create_opts[] = {
	{"bundle", required_argument, NULL, 'b'},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
	{"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
	{"detach", no_argument, NULL, 'd'},
	{"keep", no_argument, NULL, 'k'},
	{NULL, 0, NULL, 0},
};

static int parse_fds(struct cli_globals *g, const char *s, int *out)
{
	int64_t v;

	if (parse_int64(s, &v) < 0 || v < 0 || v > 1000)
		return cli_fail(g, "--preserve-fds: invalid number \"%s\"", s), -1;
	*out = (int)v;
	return 0;
}

static int parse_create(int argc, char **argv, struct cli_globals *g, bool run,
			struct rt_create_opts *o)
{
	int c;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, run ? "+b:dk" : "+b:", create_opts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case OPT_PID_FILE: o->pid_file = optarg; break;
		case OPT_CONSOLE_SOCKET: o->console_socket = optarg; break;
		case OPT_NO_PIVOT: o->no_pivot = true; break;
		case OPT_NO_NEW_KEYRING: o->no_new_keyring = true; break;
		case OPT_PRESERVE_FDS:
			if (parse_fds(g, optarg, &o->preserve_fds) < 0)
				return -1;
			break;
		case 'd':
		case 'k':
			if (!run)
				return bad_option(g, argv[0], argv), -1;
			if (c == 'd')
				o->detach = true;
			break;
		default: return bad_option(g, argv[0], argv), -1;
		}
	}
	return want_args(g, argv[0], argc - optind, 1, 1);
}

static int cmd_create(int argc, char **argv, struct cli_globals *g)
{
	struct rt_create_opts o = {0};
	struct rt_context ctx = ctx_of(g);
	struct error err;

	if (parse_create(argc, argv, g, false, &o) < 0)
		return 1;
	if (rt_container_create(&ctx, argv[optind], &o, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_run(int argc, char **argv, struct cli_globals *g)
{
	struct rt_create_opts o = {0};
	struct rt_context ctx = ctx_of(g);
	struct error err;
	int status;

	if (parse_create(argc, argv, g, true, &o) < 0)
		return 1;
	if (rt_container_run(&ctx, argv[optind], &o, &status, &err) < 0)
		return cli_error(g, &err);
	return status;
}

/* Commands whose only argument is the container id. */
static int simple_id(int argc, char **argv, struct cli_globals *g)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};

	OPTS_BEGIN();
	if (getopt_long_only(argc, argv, "+", none, NULL) != -1)
		return bad_option(g, argv[0], argv), -1;
	return want_args(g, argv[0], argc - optind, 1, 1);
}

static int cmd_start(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	struct error err;

	if (simple_id(argc, argv, g) < 0)
		return 1;
	if (rt_container_start(&ctx, argv[optind], &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_state(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	_cleanup_free_ char *json = NULL;
	struct error err;

	if (simple_id(argc, argv, g) < 0)
		return 1;
	if (rt_container_state(&ctx, argv[optind], &json, &err) < 0)
		return cli_error(g, &err);
	printf("%s\n", json);
	return 0;
}

static int cmd_pause(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	struct error err;
	int r;

	if (simple_id(argc, argv, g) < 0)
		return 1;
	if (!strcmp(argv[0], "pause"))
		r = rt_container_pause(&ctx, argv[optind], &err);
	else
		r = rt_container_resume(&ctx, argv[optind], &err);
	return r < 0 ? cli_error(g, &err) : 0;
}

static int cmd_kill(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	struct rt_context ctx = ctx_of(g);
	struct error err;
	bool all = false;
	int c, sig = 15;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return bad_option(g, argv[0], argv);
		all = true;
	}
	if (want_args(g, argv[0], argc - optind, 1, 2) < 0)
		return 1;
	if (argc - optind == 2) {
		sig = signal_parse(argv[optind + 1]);
		if (sig < 0)
			return cli_fail(g, "unknown signal \"%s\"", argv[optind + 1]);
	}
	if (rt_container_kill(&ctx, argv[optind], sig, all, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_delete(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	struct rt_context ctx = ctx_of(g);
	struct error err;
	bool force = false;
	int c;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return bad_option(g, argv[0], argv);
		force = true;
	}
	if (want_args(g, argv[0], argc - optind, 1, 1) < 0)
		return 1;
	if (rt_container_delete(&ctx, argv[optind], force, &err) < 0) {
		/* runc: --force on a container that does not exist succeeds. */
		if (force && err.code == ENOENT)
			return 0;
		return cli_error(g, &err);
	}
	return 0;
}

static int cmd_list(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"quiet", no_argument, NULL, 'q'},
					     {NULL, 0, NULL, 0}};
	struct rt_context ctx = ctx_of(g);
	struct rt_info *v = NULL;
	const char *format = "table";
	bool quiet = false;
	struct error err;
	size_t n;
	int c;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return bad_option(g, argv[0], argv);
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_fail(g, "invalid format \"%s\": expected table or json", format);
	if (want_args(g, argv[0], argc - optind, 0, 0) < 0)
		return 1;
	if (rt_container_list(&ctx, &v, &n, &err) < 0)
		return cli_error(g, &err);
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", v[i].id);
	} else if (!strcmp(format, "json")) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "ociVersion", json_object_new_string(NOOK_OCI_VERSION));
			json_object_object_add(o, "id", json_object_new_string(v[i].id));
			json_object_object_add(o, "pid", json_object_new_int(v[i].pid));
			json_object_object_add(o, "status",
					       json_object_new_string(rt_status_name(v[i].status)));
			json_object_object_add(o, "bundle", json_object_new_string(v[i].bundle));
			json_object_object_add(o, "rootfs", json_object_new_string(v[i].rootfs));
			json_object_object_add(o, "created", json_object_new_string(v[i].created));
			json_object_object_add(o, "owner", json_object_new_string(v[i].owner));
			json_object_array_add(a, o);
		}
		printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(a);
	} else {
		printf("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
		for (size_t i = 0; i < n; i++)
			printf("%-12s %-8d %-10s %-40s %-32s %s\n", v[i].id, (int)v[i].pid,
			       rt_status_name(v[i].status), v[i].bundle, v[i].created,
			       v[i].owner[0] ? v[i].owner : "root");
	}
	for (size_t i = 0; i < n; i++)
		rt_info_release(&v[i]);
	free(v);
	return 0;
}

static int cmd_ps(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	struct rt_context ctx = ctx_of(g);
	_cleanup_free_ pid_t *pids = NULL;
	const char *format = "table";
	struct error err;
	size_t n;
	int c;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return bad_option(g, argv[0], argv);
		format = optarg;
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_fail(g, "invalid format \"%s\": expected table or json", format);
	if (want_args(g, argv[0], argc - optind, 1, -1) < 0)
		return 1;
	if (rt_container_pids(&ctx, argv[optind], &pids, &n, &err) < 0)
		return cli_error(g, &err);
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	/* Like runc: run ps(1) with the given options (default -ef) and keep
	 * the header and the lines of the container's processes. */
	{
		_cleanup_free_ char *cmd = NULL;
		char line[4096];
		FILE *p;
		int pid_col = -1;
		bool header = true;

		cmd = xstrdup("ps");
		if (argc - optind > 1) {
			for (int i = optind + 1; i < argc; i++) {
				char *next;

				for (const char *s = argv[i]; *s; s++)
					if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-,=_", *s))
						return cli_fail(g, "ps: unsupported character in option \"%s\"", argv[i]);
				next = xasprintf("%s %s", cmd, argv[i]);
				free(cmd);
				cmd = next;
			}
		} else {
			free(cmd);
			cmd = xstrdup("ps -ef");
		}
		fflush(stdout);
		p = popen(cmd, "re");
		if (!p)
			return cli_fail(g, "cannot run ps");
		while (fgets(line, sizeof(line), p)) {
			if (header) {
				char *save = NULL, *copy = xstrdup(line);
				int col = 0;

				for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), col++)
					if (!strcmp(t, "PID"))
						pid_col = col;
				free(copy);
				fputs(line, stdout);
				header = false;
				if (pid_col < 0)
					break;
				continue;
			}
			{
				char *save = NULL, *copy = xstrdup(line), *t;
				int col = 0;
				int64_t v = -1;

				for (t = strtok_r(copy, " \t\n", &save); t && col < pid_col;
				     t = strtok_r(NULL, " \t\n", &save))
					col++;
				if (t)
					parse_int64(t, &v);
				for (size_t i = 0; i < n; i++)
					if (v == pids[i])
						fputs(line, stdout);
				free(copy);
			}
		}
		if (pclose(p) != 0 && pid_col < 0)
			return cli_fail(g, "ps: no PID column in the output of '%s'", cmd);
	}
	return 0;
}

static int cmd_exec(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"tty", no_argument, NULL, 't'},
		{"detach", no_argument, NULL, 'd'},
		{"cwd", required_argument, NULL, OPT_CWD},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"cap", required_argument, NULL, 'c'},
		{"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
		{"pid-file", required_argument, NULL, OPT_PID_FILE},
		{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
		{NULL, 0, NULL, 0},
	};
	struct rt_context ctx = ctx_of(g);
	struct rt_exec_opts o = {0};
	_cleanup_strv_ char **env = NULL, **caps = NULL;
	struct error err;
	int c, status;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, "+p:tde:u:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.process_file = optarg; break;
		case 't': o.tty = true; break;
		case 'd': o.detach = true; break;
		case OPT_CWD: o.cwd = optarg; break;
		case 'e':
			if (!strchr(optarg, '='))
				return cli_fail(g, "--env: \"%s\" is not KEY=VALUE", optarg);
			strv_push(&env, optarg);
			break;
		case 'u': o.user = optarg; break;
		case 'c': strv_push(&caps, optarg); break;
		case OPT_NO_NEW_PRIVS: o.no_new_privs = true; break;
		case OPT_PID_FILE: o.pid_file = optarg; break;
		case OPT_CONSOLE_SOCKET: o.console_socket = optarg; break;
		case OPT_PRESERVE_FDS:
			if (parse_fds(g, optarg, &o.preserve_fds) < 0)
				return 1;
			break;
		default: return bad_option(g, argv[0], argv);
		}
	}
	if (argc - optind < 1)
		return cli_fail(g, "\"exec\" requires a container id");
	if (!o.process_file && argc - optind < 2)
		return cli_fail(g, "\"exec\" requires a command or --process");
	if (o.process_file && argc - optind > 1)
		return cli_fail(g, "\"exec\": give either --process or a command, not both");
	o.args = argv + optind + 1;
	o.env = env;
	o.caps = caps;
	/* 255 as runc and crun: clients (podman exec) read any other status
	 * as the exit code of the process that ran. */
	if (rt_container_exec(&ctx, argv[optind], &o, &status, &err) < 0) {
		cli_error(g, &err);
		return 255;
	}
	return status;
}

static int cmd_spec(int argc, char **argv, struct cli_globals *g)
{
	static const struct option opts[] = {{"rootless", no_argument, NULL, OPT_ROOTLESS},
					     {"bundle", required_argument, NULL, 'b'},
					     {NULL, 0, NULL, 0}};
	const char *bundle = ".";
	bool rootless = false;
	struct error err;
	int c;

	OPTS_BEGIN();
	while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == OPT_ROOTLESS)
			rootless = true;
		else
			return bad_option(g, argv[0], argv);
	}
	if (want_args(g, argv[0], argc - optind, 0, 0) < 0)
		return 1;
	if (rt_spec_write(bundle, rootless, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_features(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_free_ char *json = NULL;

	(void)argv;
	if (argc != 1)
		return cli_fail(g, "\"features\" takes no arguments");
	json = rt_features();
	printf("%s\n", json);
	return 0;
}

static const struct cli_command oci_commands[] = {
	{"spec", cmd_spec, "[--rootless] [--bundle DIR]", "write a default config.json"},
	{"create", cmd_create,
	 "[--bundle DIR] [--pid-file F] [--console-socket SOCK] [--no-pivot] [--no-new-keyring] "
	 "[--preserve-fds N] ID",
	 "create a container from a bundle; its process waits for 'start'"},
	{"start", cmd_start, "ID", "start the process of a created container"},
	{"run", cmd_run, "[--detach] [create options] ID",
	 "create and start a container; in the foreground, exit with its status"},
	{"state", cmd_state, "ID", "print the OCI state of a container"},
	{"kill", cmd_kill, "[--all] ID [SIGNAL]", "send a signal (default SIGTERM) to a container"},
	{"delete", cmd_delete, "[--force] ID", "delete a container (--force: also a running one)"},
	{"list", cmd_list, "[--format table|json] [-q]", "list containers"},
	{"exec", cmd_exec,
	 "[--process FILE | [--tty] [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--cap CAP]... "
	 "[--no-new-privs]] [--detach] [--pid-file F] [--console-socket SOCK] [--preserve-fds N] "
	 "ID [COMMAND ARGS...]",
	 "run a new process in a running container"},
	{"ps", cmd_ps, "[--format table|json] ID [PS OPTIONS]", "list the processes of a container"},
	{"pause", cmd_pause, "ID", "freeze every process of a container"},
	{"resume", cmd_pause, "ID", "thaw a paused container"},
	{"update", cli_oci_update,
	 "[--memory N] [--memory-swap N] [--memory-reservation N] [--cpu-quota N] [--cpu-period N] "
	 "[--cpu-shares N] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] "
	 "[-r resources.json] ID",
	 "change the resource limits of a running container"},
	{"events", cli_oci_events, "[--stats] [--interval DURATION] ID",
	 "print usage statistics and OOM events of a container as JSON lines"},
	{"features", cmd_features, "", "print the OCI features document"},
	{"help", oci_help, "", "show this help"},
};

static void oci_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		"OCI runtime commands (runc-compatible).\n\n"
		"global options:\n"
		"  --root DIR          state directory (default /run/nook)\n"
		"  --log FILE          write log lines and errors to FILE\n"
		"  --log-format FMT    text or json\n"
		"  --debug             debug logging\n"
		"  --systemd-cgroup    (not supported yet)\n"
		"  --version           print the version\n\ncommands:\n",
		prog);
	for (size_t i = 0; i < ARRAY_SIZE(oci_commands); i++)
		fprintf(f, "  %-10s %s\n", oci_commands[i].name, oci_commands[i].help);
}

static int oci_help(int argc, char **argv, struct cli_globals *g)
{
	(void)argc;
	(void)argv;
	oci_usage(stdout, g->prog);
	return 0;
}

static int open_log(struct cli_globals *g, const char *format)
{
	enum log_format fmt = LOG_FORMAT_TEXT;
	int fd = 2;

	if (format && !strcmp(format, "json"))
		fmt = LOG_FORMAT_JSON;
	else if (format && strcmp(format, "text"))
		return cli_fail(g, "--log-format: unknown format \"%s\": expected text or json", format);
	if (g->log_file && *g->log_file) {
		fd = open(g->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return cli_fail(g, "cannot open log file '%s': %s", g->log_file, strerror(errno));
	}
	log_init(fd, fd == 2 ? LOG_FORMAT_TEXT : fmt, g->debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	return 0;
}

int cli_oci_main(int argc, char **argv, const char *prog)
{
	struct cli_globals g = {.prog = prog, .root = default_root()};
	const char *log_format = NULL, *v;
	int i;

	log_init(2, LOG_FORMAT_TEXT, LOG_LEVEL_WARN);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if ((v = global_value(&i, argc, argv, "root"))) {
			g.root = v;
		} else if ((v = global_value(&i, argc, argv, "log-format"))) {
			log_format = v;
		} else if ((v = global_value(&i, argc, argv, "log"))) {
			g.log_file = v;
		} else if ((v = global_value(&i, argc, argv, "criu"))) {
			/* accepted for compatibility; checkpoint is not implemented */
		} else if ((v = global_value(&i, argc, argv, "rootless"))) {
			/* runc's --rootless auto|true|false: nook decides by euid */
		} else if (!strcmp(a, "--debug") || !strcmp(a, "-debug")) {
			g.debug = true;
		} else if (!strcmp(a, "--systemd-cgroup") || !strcmp(a, "-systemd-cgroup")) {
			g.systemd_cgroup = true;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-v") || !strcmp(a, "-version")) {
			printf("%s version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", prog, NOOK_VERSION,
			       NOOK_OCI_VERSION, seccomp_version()->major, seccomp_version()->minor,
			       seccomp_version()->micro);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "-help")) {
			oci_usage(stdout, prog);
			return 0;
		} else {
			return cli_fail(&g, "unknown global option '%s' (see '%s --help')", a, prog);
		}
	}
	if (open_log(&g, log_format) != 0)
		return 1;
	if (g.systemd_cgroup)
		return cli_fail(&g, "--systemd-cgroup: the systemd cgroup driver is not supported yet; "
				    "nook manages cgroup v2 directly (use cgroupfs)");
	if (i >= argc) {
		oci_usage(stderr, prog);
		return 1;
	}
	for (size_t k = 0; k < ARRAY_SIZE(oci_commands); k++) {
		const struct cli_command *c = &oci_commands[k];

		if (strcmp(argv[i], c->name))
			continue;
		if (cli_wants_help(argc - i, argv + i)) {
			cli_print_command_help(stdout, prog, c);
			return 0;
		}
		return c->handler(argc - i, argv + i, &g);
	}
	return cli_fail(&g, "unknown command \"%s\" (see '%s --help')", argv[i], prog);
}
