/* The OCI runtime face: `nook oci COMMAND` and `nook-oci COMMAND`, with
 * runc's command names, flags, output and exit codes, so podman
 * (--runtime) and containerd's runc shim (BinaryName) can drive nook. */
#include "cli/cli.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

static struct rt_context ctx_of(const struct cli_globals *g)
{
	return (struct rt_context){.root = g->root};
}

enum { OPT_PID_FILE = 256, OPT_CONSOLE_SOCKET, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING, OPT_PRESERVE_FDS,
       OPT_ROOTLESS, OPT_CWD, OPT_NO_NEW_PRIVS, OPT_FORMAT, OPT_PROFILE, OPT_PRIVILEGED };

/* create's options, also run's. */
// clang-format off
#define CREATE_LONGOPTS                                                                            \
	{"bundle", required_argument, NULL, 'b'},                                                  \
	{"pid-file", required_argument, NULL, OPT_PID_FILE},                                       \
	{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},                           \
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},                                             \
	{"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},                                 \
	{"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS}
// clang-format on

/* The options of each command, for its getopt and its table entry. */
static const struct cli_options create_options = {
    "+:b:", (const struct option[]){CREATE_LONGOPTS, {NULL, 0, NULL, 0}}};
static const struct cli_options run_options = {
    "+:b:dk", (const struct option[]){CREATE_LONGOPTS,
				      {"detach", no_argument, NULL, 'd'},
				      {"keep", no_argument, NULL, 'k'},
				      {NULL, 0, NULL, 0}}};
static const struct cli_options kill_options = {
    "+:a", (const struct option[]){{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}}};
static const struct cli_options delete_options = {
    "+:f", (const struct option[]){{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}}};
static const struct cli_options list_options = {
    "+:f:q", (const struct option[]){{"format", required_argument, NULL, 'f'},
				     {"quiet", no_argument, NULL, 'q'},
				     {NULL, 0, NULL, 0}}};
static const struct cli_options ps_options = {
    "+:f:", (const struct option[]){{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}}};
static const struct cli_options exec_options = {
    "+:p:tde:u:c:", (const struct option[]){
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
		    }};
static const struct cli_options spec_options = {
    "+:b:", (const struct option[]){{"rootless", no_argument, NULL, OPT_ROOTLESS},
				    {"bundle", required_argument, NULL, 'b'},
				    {"profile", required_argument, NULL, OPT_PROFILE},
				    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
				    {NULL, 0, NULL, 0}}};

static int parse_fds(struct cli_globals *g, const char *s, int *out)
{
	int64_t v;

	if (parse_int64(s, &v) < 0 || v < 0 || v > 1000)
		return cli_usage_error(g, "--preserve-fds: invalid number \"%s\"", s);
	*out = (int)v;
	return 0;
}

static int parse_create(int argc, char **argv, struct cli_globals *g, bool run,
			struct rt_create_opts *o)
{
	const struct cli_options *opts = run ? &run_options : &create_options;
	int c, rc;

	while ((c = getopt_long_only(argc, argv, opts->shortopts, opts->longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case OPT_PID_FILE: o->pid_file = optarg; break;
		case OPT_CONSOLE_SOCKET: o->console_socket = optarg; break;
		case OPT_NO_PIVOT: o->no_pivot = true; break;
		case OPT_NO_NEW_KEYRING: o->no_new_keyring = true; break;
		case OPT_PRESERVE_FDS:
			if ((rc = parse_fds(g, optarg, &o->preserve_fds)) != 0)
				return rc;
			break;
		case 'd':
		case 'k':
			if (!run)
				return cli_bad_option(g, c, argv);
			if (c == 'd')
				o->detach = true;
			break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	return cli_want_args(g, argc - optind, 1, 1);
}

static int cmd_create(int argc, char **argv, struct cli_globals *g)
{
	struct rt_create_opts o = {0};
	struct rt_context ctx = ctx_of(g);
	struct error err;
	int rc;

	if ((rc = parse_create(argc, argv, g, false, &o)) != 0)
		return rc;
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
	int rc;

	if ((rc = parse_create(argc, argv, g, true, &o)) != 0)
		return rc;
	if (rt_container_run(&ctx, argv[optind], &o, &status, &err) < 0)
		return cli_error(g, &err);
	return status;
}

static int cmd_start(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	struct error err;
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (rt_container_start(&ctx, argv[optind], &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_state(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	_cleanup_free_ char *json = NULL;
	struct error err;
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
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
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (!strcmp(argv[0], "pause"))
		r = rt_container_pause(&ctx, argv[optind], &err);
	else
		r = rt_container_resume(&ctx, argv[optind], &err);
	return r < 0 ? cli_error(g, &err) : 0;
}

static int cmd_kill(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	struct error err;
	bool all = false;
	int c, sig = 15;
	int rc;

	while ((c = getopt_long_only(argc, argv, kill_options.shortopts, kill_options.longopts,
				     NULL)) != -1) {
		if (c != 'a')
			return cli_bad_option(g, c, argv);
		all = true;
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 2)) != 0)
		return rc;
	if (argc - optind == 2) {
		sig = signal_parse(argv[optind + 1]);
		if (sig < 0)
			return cli_usage_error(g, "unknown signal \"%s\"", argv[optind + 1]);
	}
	if (rt_container_kill(&ctx, argv[optind], sig, all, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_delete(int argc, char **argv, struct cli_globals *g)
{
	struct rt_context ctx = ctx_of(g);
	struct error err;
	bool force = false;
	int c;
	int rc;

	while ((c = getopt_long_only(argc, argv, delete_options.shortopts, delete_options.longopts,
				     NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option(g, c, argv);
		force = true;
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
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
	struct rt_context ctx = ctx_of(g);
	struct rt_info *v = NULL;
	const char *format = "table";
	bool quiet = false;
	struct error err;
	size_t n;
	int c;
	int rc;

	while ((c = getopt_long_only(argc, argv, list_options.shortopts, list_options.longopts,
				     NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli_bad_option(g, c, argv);
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error(g, "--format: unknown format \"%s\": expected table or json",
				       format);
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
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
	struct rt_context ctx = ctx_of(g);
	_cleanup_free_ pid_t *pids = NULL;
	const char *format = "table";
	struct error err;
	size_t n;
	int c;
	int rc;

	while ((c = getopt_long_only(argc, argv, ps_options.shortopts, ps_options.longopts,
				     NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option(g, c, argv);
		format = optarg;
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error(g, "--format: unknown format \"%s\": expected table or json",
				       format);
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
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
						return cli_usage_error(g, "unsupported character in ps "
									  "option \"%s\"", argv[i]);
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
	struct rt_context ctx = ctx_of(g);
	struct rt_exec_opts o = {0};
	_cleanup_strv_ char **env = NULL, **caps = NULL;
	struct error err;
	int c, rc, status;

	while ((c = getopt_long_only(argc, argv, exec_options.shortopts, exec_options.longopts,
				     NULL)) != -1) {
		switch (c) {
		case 'p': o.process_file = optarg; break;
		case 't': o.tty = true; break;
		case 'd': o.detach = true; break;
		case OPT_CWD: o.cwd = optarg; break;
		case 'e':
			if (!strchr(optarg, '='))
				return cli_usage_error(g, "--env: \"%s\" is not KEY=VALUE", optarg);
			strv_push(&env, optarg);
			break;
		case 'u': o.user = optarg; break;
		case 'c': strv_push(&caps, optarg); break;
		case OPT_NO_NEW_PRIVS: o.no_new_privs = true; break;
		case OPT_PID_FILE: o.pid_file = optarg; break;
		case OPT_CONSOLE_SOCKET: o.console_socket = optarg; break;
		case OPT_PRESERVE_FDS:
			if ((rc = parse_fds(g, optarg, &o.preserve_fds)) != 0)
				return rc;
			break;
		default: return cli_bad_option(g, c, argv);
		}
	}
	if (argc - optind < 1)
		return cli_usage_error(g, "requires a container id");
	if (!o.process_file && argc - optind < 2)
		return cli_usage_error(g, "requires a command or --process");
	if (o.process_file && argc - optind > 1)
		return cli_usage_error(g, "give either --process or a command, not both");
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
	struct rt_profile_opts prof = {0};
	const char *bundle = ".", *profile = NULL;
	bool rootless = false;
	struct error err;
	int c;
	int rc;

	while ((c = getopt_long_only(argc, argv, spec_options.shortopts, spec_options.longopts,
				     NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == OPT_ROOTLESS)
			rootless = true;
		else if (c == OPT_PROFILE)
			profile = optarg;
		else if (c == OPT_PRIVILEGED)
			prof.privileged = true;
		else
			return cli_bad_option(g, c, argv);
	}
	if ((rc = cli_want_args(g, argc - optind, 0, 0)) != 0)
		return rc;
	if (prof.privileged && !profile)
		return cli_usage_error(g, "--privileged needs --profile");
	if (profile && rt_profile_parse(profile, &prof.profile, &err) < 0)
		return cli_error(g, &err);
	if (rt_spec_write(bundle, rootless, profile ? &prof : NULL, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static int cmd_features(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_free_ char *json = NULL;
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 0, 0)) != 0)
		return rc;
	json = rt_features();
	printf("%s\n", json);
	return 0;
}

#define CREATE_OPTS                                                                                \
	"[--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--no-pivot] [--no-new-keyring] " \
	"[--preserve-fds N]"

static const struct cli_command oci_commands[] = {
	{"spec", cmd_spec, 0, "[--rootless] [--bundle DIR] [--profile docker|podman [--privileged]]",
	 "write a default config.json (--profile: that engine's security defaults)", NULL,
	 &spec_options},
	{"create", cmd_create, CLI_STATE, CREATE_OPTS " ID",
	 "create a container from a bundle; its process waits for 'start'", NULL, &create_options},
	{"start", cmd_start, CLI_STATE | CLI_ARGS_CONTAINER, "ID",
	 "start the process of a created container", NULL, NULL},
	{"run", cmd_run, CLI_STATE, "[--detach] [--keep] " CREATE_OPTS " ID",
	 "create and start a container; in the foreground, exit with its status", NULL, &run_options},
	{"state", cmd_state, CLI_STATE | CLI_ARGS_CONTAINER, "ID", "print the OCI state of a container",
	 NULL, NULL},
	{"kill", cmd_kill, CLI_STATE | CLI_ARGS_CONTAINER, "[--all] ID [SIGNAL]",
	 "send a signal (default SIGTERM) to a container", NULL, &kill_options},
	{"delete", cmd_delete, CLI_STATE | CLI_ARGS_CONTAINER, "[--force] ID",
	 "delete a container (--force: also a running one)", NULL, &delete_options},
	{"list", cmd_list, CLI_STATE, "[--format table|json] [--quiet]", "list containers", NULL,
	 &list_options},
	{"exec", cmd_exec, CLI_STATE | CLI_OPERANDS_END | CLI_ARGS_CONTAINER,
	 "[--process FILE | [--tty] [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--cap CAP]... "
	 "[--no-new-privs]] [--detach] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] "
	 "ID [COMMAND ARGS...]",
	 "run a new process in a running container", NULL, &exec_options},
	{"ps", cmd_ps, CLI_STATE | CLI_OPERANDS_END | CLI_ARGS_CONTAINER,
	 "[--format table|json] ID [PS OPTIONS]", "list the processes of a container", NULL,
	 &ps_options},
	{"pause", cmd_pause, CLI_STATE | CLI_ARGS_CONTAINER, "ID",
	 "freeze every process of a container", NULL, NULL},
	{"resume", cmd_pause, CLI_STATE | CLI_ARGS_CONTAINER, "ID", "thaw a paused container", NULL,
	 NULL},
	{"update", cli_oci_update, CLI_STATE | CLI_ARGS_CONTAINER,
	 "[--memory SIZE] [--memory-swap SIZE] [--memory-reservation SIZE] [--kernel-memory SIZE] "
	 "[--kernel-memory-tcp SIZE] [--cpu-shares N] [--cpu-quota N] [--cpu-period N] "
	 "[--cpu-burst N] [--cpu-rt-runtime N] [--cpu-rt-period N] [--cpuset-cpus LIST] "
	 "[--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] [--resources FILE|-] ID",
	 "change the resource limits of a running container (SIZE like 256m or 1.5g)", NULL,
	 &cli_oci_update_options},
	{"events", cli_oci_events, CLI_STATE | CLI_ARGS_CONTAINER, "[--stats] [--interval DURATION] ID",
	 "print usage statistics and OOM events of a container as JSON lines (DURATION like 5s)", NULL,
	 &cli_oci_events_options},
	{"features", cmd_features, 0, "", "print the OCI features document", NULL, NULL},
};

const struct cli_table cli_oci_table = {
	.prog = "nook oci",
	.help = "OCI runtime commands (runc-compatible).",
	.commands = oci_commands,
	.n = ARRAY_SIZE(oci_commands),
	.globals = CLI_G_ROOT | CLI_G_LOGGING | CLI_G_SYSTEMD_CGROUP | CLI_G_CRIU | CLI_G_ROOTLESS |
		   CLI_G_VERSION | CLI_G_HELP,
	/* runc exits 1 for every error; podman and containerd read the log. */
	.usage_exit = 1,
};
