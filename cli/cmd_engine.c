/* The engine's face: nook create, run and start (parsing and output; the
 * work is in runtime/engine.c and runtime/monitor.c).  Exit codes as
 * docker's: run returns the container's code, 125 when nook fails, 126
 * when the command cannot be invoked, 127 when it is not found. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <string.h>

enum { EXIT_NOOK = 125, EXIT_CANNOT_INVOKE = 126, EXIT_NOT_FOUND = 127 };

enum {
	OPT_NAME = 256,
	OPT_RM,
	OPT_ENTRYPOINT,
	OPT_HOSTNAME,
	OPT_NETWORK,
	OPT_USERNS,
	OPT_READ_ONLY,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_PRIVILEGED,
	OPT_SECURITY_OPT,
	OPT_LABEL,
};

const struct cli_options cli_run_options = {
    "+:de:itu:v:w:l:",
    (const struct option[]){{"name", required_argument, NULL, OPT_NAME},
			    {"rm", no_argument, NULL, OPT_RM},
			    {"detach", no_argument, NULL, 'd'},
			    {"interactive", no_argument, NULL, 'i'},
			    {"tty", no_argument, NULL, 't'},
			    {"env", required_argument, NULL, 'e'},
			    {"workdir", required_argument, NULL, 'w'},
			    {"user", required_argument, NULL, 'u'},
			    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
			    {"hostname", required_argument, NULL, OPT_HOSTNAME},
			    {"network", required_argument, NULL, OPT_NETWORK},
			    {"userns", required_argument, NULL, OPT_USERNS},
			    {"read-only", no_argument, NULL, OPT_READ_ONLY},
			    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
			    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
			    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
			    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
			    {"volume", required_argument, NULL, 'v'},
			    {"label", required_argument, NULL, 'l'},
			    {0}}};

struct run_args {
	struct rt_engine_opts o;
	bool detach;
};

static void run_args_release(struct run_args *a)
{
	strv_free(a->o.env);
	strv_free(a->o.cap_add);
	strv_free(a->o.cap_drop);
	strv_free(a->o.volumes);
	strv_free(a->o.labels);
}

static int security_opt(struct cli_globals *g, struct rt_engine_opts *o, const char *v)
{
	if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges=true") ||
	    !strcmp(v, "no-new-privileges:true"))
		o->no_new_privs = true;
	else if (!strcmp(v, "seccomp=unconfined") || !strcmp(v, "seccomp:unconfined"))
		o->seccomp_unconfined = true;
	else
		return cli_usage_error(g,
				       "--security-opt '%s': want no-new-privileges or "
				       "seccomp=unconfined",
				       v);
	return 0;
}

static int run_parse(struct cli_globals *g, int argc, char **argv, struct run_args *a)
{
	struct rt_engine_opts *o = &a->o;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_run_options.shortopts, cli_run_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_RM:
			o->rm = true;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'e':
			strv_push(&o->env, optarg);
			break;
		case 'w':
			o->workdir = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case OPT_ENTRYPOINT:
			o->entrypoint = optarg;
			break;
		case OPT_HOSTNAME:
			o->hostname = optarg;
			break;
		case OPT_NETWORK:
			o->network = optarg;
			break;
		case OPT_USERNS:
			o->userns = optarg;
			break;
		case OPT_READ_ONLY:
			o->read_only = true;
			break;
		case OPT_CAP_ADD:
			strv_push(&o->cap_add, optarg);
			break;
		case OPT_CAP_DROP:
			strv_push(&o->cap_drop, optarg);
			break;
		case OPT_PRIVILEGED:
			o->privileged = true;
			break;
		case OPT_SECURITY_OPT:
			if ((rc = security_opt(g, o, optarg)) != 0)
				return rc;
			break;
		case 'v':
			strv_push(&o->volumes, optarg);
			break;
		case 'l':
			strv_push(&o->labels, optarg);
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	if (o->workdir && *o->workdir != '/')
		return cli_usage_error(g, "-w '%s': the working directory must be absolute",
				       o->workdir);
	if (o->user && !*o->user)
		return cli_usage_error(g, "-u: empty user");
	o->image = argv[optind];
	o->cmd = argv + optind + 1;
	return 0;
}

/* The exit code of a failed start, as docker's. */
static int start_exit(const struct error *err)
{
	if (strstr(err->msg, "not found") || strstr(err->msg, "No such file"))
		return EXIT_NOT_FOUND;
	if (err->code == EACCES || err->code == ENOEXEC || err->code == EPERM ||
	    strstr(err->msg, "ermission denied"))
		return EXIT_CANNOT_INVOKE;
	return EXIT_NOOK;
}

static int fail(struct cli_globals *g, const struct error *err, int code)
{
	cli_error(g, err);
	return code;
}

void cli_store_freep(struct img_store **s)
{
	img_store_free(*s);
}

static int create_or_run(int argc, char **argv, struct cli_globals *g, bool run)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL;
	struct run_args a = {0};
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	int rc, afd = -1, status = 0;

	g->usage_exit = EXIT_NOOK;
	if ((rc = run_parse(g, argc, argv, &a)) != 0)
		goto out;
	rc = EXIT_NOOK;
	if (!(s = cli_store_open(g, &err)) || rt_engine_create(s, &a.o, &id, &err) < 0) {
		rc = fail(g, &err, EXIT_NOOK);
		goto out;
	}
	if (!run) {
		printf("%s\n", id);
		rc = 0;
		goto out;
	}
	if (rt_engine_start(s, &ctx, id, !a.detach, &afd, &err) < 0) {
		rc = fail(g, &err, start_exit(&err));
		goto out;
	}
	if (a.detach) {
		printf("%s\n", id);
		rc = 0;
		goto out;
	}
	fflush(stdout);
	rc = rt_engine_attach(afd, a.o.tty, a.o.interactive, &status, &err) < 0
		 ? fail(g, &err, EXIT_NOOK)
		 : status;
	close(afd);
out:
	run_args_release(&a);
	return rc;
}

int cli_cmd_create(int argc, char **argv, struct cli_globals *g)
{
	return create_or_run(argc, argv, g, false);
}

int cli_cmd_run(int argc, char **argv, struct cli_globals *g)
{
	return create_or_run(argc, argv, g, true);
}

const struct cli_options cli_start_options = {
    ":ai", (const struct option[]){
	       {"attach", no_argument, NULL, 'a'}, {"interactive", no_argument, NULL, 'i'}, {0}}};

int cli_cmd_start(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	bool attach = false, input = false;
	int c, rc, afd = -1, status = 0;

	while ((c = getopt_long(argc, argv, cli_start_options.shortopts, cli_start_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			attach = true;
			break;
		case 'i':
			input = true;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, attach ? 1 : -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	for (int i = optind; i < argc; i++) {
		struct img_ctr ct;
		bool tty;

		memset(&err, 0, sizeof(err));
		if (img_ctr_find(s, argv[i], &ct, &err) < 0) {
			rc = cli_error(g, &err);
			continue;
		}
		tty = strstr(ct.config, "\"Tty\":true") != NULL;
		img_ctr_release(&ct);
		if (rt_engine_start(s, &ctx, argv[i], attach, &afd, &err) < 0) {
			rc = cli_error(g, &err);
			continue;
		}
		if (!attach) {
			printf("%s\n", argv[i]);
			continue;
		}
		fflush(stdout);
		rc = rt_engine_attach(afd, tty, input, &status, &err) < 0 ? cli_error(g, &err)
									  : status;
		close(afd);
	}
	return rc;
}

/* nook __monitor ROOT STORE_ROOT ID DIR FLAGS SYNC_FD ATTACH_FD */
int cli_cmd_monitor(int argc, char **argv, struct cli_globals *g)
{
	int64_t sync_fd, attach_fd;

	if (argc != 8 || parse_int64(argv[6], &sync_fd) < 0 ||
	    parse_int64(argv[7], &attach_fd) < 0 || sync_fd < 3 || sync_fd > INT32_MAX ||
	    attach_fd > INT32_MAX)
		return cli_usage_error(g, "for nook's own use");
	rt_engine_monitor(argv[1], argv[2], argv[3], argv[4], argv[5], (int)sync_fd,
			  (int)attach_fd);
}
