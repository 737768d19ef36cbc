/* The engine's face: nook create, run and start (parsing and output; the
 * work is in runtime/engine.c and runtime/monitor.c).  Exit codes as
 * docker's: run returns the container's code, 125 when nook fails, 126
 * when the command cannot be invoked, 127 when it is not found. */
#include "cli/cli.h"
#include "image/image.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/random.h>

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
	OPT_PULL,
	OPT_NETWORK_ALIAS,
	OPT_IP,
	OPT_IP6,
	OPT_MAC,
	OPT_DNS,
	OPT_ADD_HOST,
	OPT_ENV_FILE,
	OPT_ANNOTATION,
	OPT_STOP_SIGNAL,
	OPT_STOP_TIMEOUT,
	OPT_TIMEOUT,
	OPT_SIG_PROXY,
	OPT_ULIMIT,
	OPT_MOUNT,
	OPT_TMPFS,
	OPT_MEMORY_SWAP,
	OPT_MEMORY_RESERVATION,
	OPT_CPUS,
	OPT_CPUSET_CPUS,
	OPT_PIDS_LIMIT,
	OPT_INIT,
	OPT_DETACH_KEYS,
	OPT_LOG_OPT,
};

const struct cli_options cli_run_options = {
    "+:de:itu:v:w:l:p:Pm:c:",
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
			    {"pull", required_argument, NULL, OPT_PULL},
			    {"publish", required_argument, NULL, 'p'},
			    {"publish-all", no_argument, NULL, 'P'},
			    {"network-alias", required_argument, NULL, OPT_NETWORK_ALIAS},
			    {"ip", required_argument, NULL, OPT_IP},
			    {"ip6", required_argument, NULL, OPT_IP6},
			    {"mac-address", required_argument, NULL, OPT_MAC},
			    {"dns", required_argument, NULL, OPT_DNS},
			    {"add-host", required_argument, NULL, OPT_ADD_HOST},
			    {"env-file", required_argument, NULL, OPT_ENV_FILE},
			    {"annotation", required_argument, NULL, OPT_ANNOTATION},
			    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
			    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
			    {"timeout", required_argument, NULL, OPT_TIMEOUT},
			    {"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
			    {"ulimit", required_argument, NULL, OPT_ULIMIT},
			    {"mount", required_argument, NULL, OPT_MOUNT},
			    {"tmpfs", required_argument, NULL, OPT_TMPFS},
			    {"memory", required_argument, NULL, 'm'},
			    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
			    {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
			    {"cpus", required_argument, NULL, OPT_CPUS},
			    {"cpu-shares", required_argument, NULL, 'c'},
			    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
			    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
			    {"init", no_argument, NULL, OPT_INIT},
			    {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
			    {"log-opt", required_argument, NULL, OPT_LOG_OPT},
			    {0}}};

struct run_args {
	struct rt_engine_opts o;
	bool detach, sig_proxy;
	char **env_files;
	const char *pull; /* --pull=always|missing|never */
	struct rt_detach_keys keys;
	const char *keys_spec;
};

static void run_args_release(struct run_args *a)
{
	strv_free(a->env_files);
	strv_free(a->o.annotations);
	strv_free(a->o.ulimits);
	strv_free(a->o.mounts);
	strv_free(a->o.tmpfs);
	strv_free(a->o.env);
	strv_free(a->o.cap_add);
	strv_free(a->o.cap_drop);
	strv_free(a->o.volumes);
	strv_free(a->o.labels);
	strv_free(a->o.publish);
	strv_free(a->o.network_aliases);
	strv_free(a->o.dns);
	strv_free(a->o.add_hosts);
}

static int security_opt(struct cli_globals *g, struct rt_engine_opts *o, const char *v)
{
	if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges=true") ||
	    !strcmp(v, "no-new-privileges:true"))
		o->no_new_privs = true;
	else if (!strcmp(v, "seccomp=unconfined") || !strcmp(v, "seccomp:unconfined"))
		o->seccomp_unconfined = true;
	else if ((str_has_prefix(v, "seccomp=") || str_has_prefix(v, "seccomp:")) && v[8])
		o->seccomp_file = v + 8;
	else
		return cli_usage_error(g,
				       "--security-opt '%s': want no-new-privileges, "
				       "seccomp=unconfined or seccomp=FILE",
				       v);
	return 0;
}

/* docker's --env-file: a KEY=VALUE (the value as written) or KEY (taken
 * from our environment) per line; blank lines and # comments skipped. */
static int env_file_read(struct cli_globals *g, const char *path, char ***env)
{
	_cleanup_free_ char *text = NULL;
	struct error err = {0};
	size_t lineno = 0;

	if (file_read_at(AT_FDCWD, path, 1 << 20, &text, NULL, &err) < 0)
		return cli_usage_error(g, "--env-file: %s", err.msg);
	for (char *l = text, *next; l; l = next) {
		size_t klen;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		l += strspn(l, " \t");
		if (*l && l[strlen(l) - 1] == '\r')
			l[strlen(l) - 1] = '\0';
		if (!*l || *l == '#')
			continue;
		klen = strcspn(l, "=");
		if (!klen)
			return cli_usage_error(g, "--env-file %s:%zu: no variable name", path,
					       lineno);
		if (strcspn(l, " \t") < klen)
			return cli_usage_error(g,
					       "--env-file %s:%zu: variable '%.*s' contains "
					       "whitespace",
					       path, lineno, (int)klen, l);
		strv_push(env, l);
	}
	return 0;
}

/* A number of seconds for --stop-timeout and --timeout. */
static int seconds(struct cli_globals *g, const char *opt, const char *v, int64_t *out)
{
	if (parse_int64(v, out) < 0 || *out < 0 || *out > 86400 * 365 * 10)
		return cli_usage_error(g, "%s '%s': not a number of seconds", opt, v);
	return 0;
}

static int run_parse(struct cli_globals *g, int argc, char **argv, struct run_args *a)
{
	struct rt_engine_opts *o = &a->o;
	_cleanup_strv_ char **env = NULL;
	int64_t n;
	struct error err;
	int c, rc;

	o->stop_timeout = -1;
	a->sig_proxy = true;
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
		case OPT_PULL:
			a->pull = optarg;
			break;
		case 'p':
			strv_push(&o->publish, optarg);
			break;
		case 'P':
			o->publish_all = true;
			break;
		case OPT_NETWORK_ALIAS:
			strv_push(&o->network_aliases, optarg);
			break;
		case OPT_IP:
			o->ip = optarg;
			break;
		case OPT_IP6:
			o->ip6 = optarg;
			break;
		case OPT_MAC:
			o->mac = optarg;
			break;
		case OPT_DNS:
			strv_push(&o->dns, optarg);
			break;
		case OPT_ADD_HOST:
			strv_push(&o->add_hosts, optarg);
			break;
		case OPT_ENV_FILE:
			strv_push(&a->env_files, optarg);
			break;
		case OPT_ANNOTATION:
			strv_push(&o->annotations, optarg);
			break;
		case OPT_STOP_SIGNAL:
			o->stop_signal = optarg;
			break;
		case OPT_STOP_TIMEOUT:
			if ((rc = seconds(g, "--stop-timeout", optarg, &n)) != 0)
				return rc;
			o->stop_timeout = (int)n;
			break;
		case OPT_TIMEOUT:
			if ((rc = seconds(g, "--timeout", optarg, &n)) != 0)
				return rc;
			o->timeout = (unsigned)n;
			break;
		case OPT_SIG_PROXY:
			if (!optarg || !strcmp(optarg, "true"))
				a->sig_proxy = true;
			else if (!strcmp(optarg, "false"))
				a->sig_proxy = false;
			else
				return cli_usage_error(g, "--sig-proxy '%s': true or false",
						       optarg);
			break;
		case OPT_ULIMIT:
			strv_push(&o->ulimits, optarg);
			break;
		case OPT_MOUNT:
			strv_push(&o->mounts, optarg);
			break;
		case OPT_TMPFS:
			strv_push(&o->tmpfs, optarg);
			break;
		case 'm':
			o->memory = optarg;
			break;
		case OPT_MEMORY_SWAP:
			o->memory_swap = optarg;
			break;
		case OPT_MEMORY_RESERVATION:
			o->memory_reservation = optarg;
			break;
		case OPT_CPUS:
			o->cpus = optarg;
			break;
		case 'c':
			o->cpu_shares = optarg;
			break;
		case OPT_CPUSET_CPUS:
			o->cpuset_cpus = optarg;
			break;
		case OPT_PIDS_LIMIT:
			o->pids_limit = optarg;
			break;
		case OPT_INIT:
			o->init = true;
			break;
		case OPT_DETACH_KEYS:
			a->keys_spec = optarg;
			break;
		case OPT_LOG_OPT:
			if ((rc = cli_log_opt(g, optarg, &o->log_max_size, &o->log_max_file)) != 0)
				return rc;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, -1)) != 0)
		return rc;
	/* docker's order: the env files first, -e over them. */
	for (char **f = a->env_files; f && *f; f++)
		if ((rc = env_file_read(g, *f, &env)) != 0)
			return rc;
	for (char **v = o->env; v && *v; v++)
		strv_push(&env, *v);
	strv_free(o->env);
	o->env = steal_pointer(&env);
	if (o->workdir && *o->workdir != '/')
		return cli_usage_error(g, "-w '%s': the working directory must be absolute",
				       o->workdir);
	if (o->user && (!*o->user || *o->user == ':' || o->user[strlen(o->user) - 1] == ':'))
		return cli_usage_error(g, "-u '%s': want USER[:GROUP] (names or numbers)", o->user);
	if (rt_detach_keys_parse(a->keys_spec, &a->keys, &err) < 0)
		return cli_usage_error(g, "%s", err.msg);
	o->image = argv[optind];
	o->cmd = argv + optind + 1;
	return 0;
}

/* The exit code of a failed start, as docker's. */
static int start_exit(const struct error *err)
{
	return rt_engine_start_exit(err);
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

/* A name no other run picks for the directories its monitor makes ahead. */
static bool spare_name(char out[33])
{
	uint8_t r[16];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		return false;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return true;
}

static int create_or_run(int argc, char **argv, struct cli_globals *g, bool run)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_free_ char *id = NULL, *image_id = NULL;
	struct run_args a = {0};
	struct rt_context ctx = {.root = g->root};
	struct rt_monitor_spawn sp = {-1, -1, 0};
	struct img_ctr made = {0};
	struct error err = {0};
	char spare[33];
	int rc, afd = -1, status = 0;

	g->usage_exit = EXIT_NOOK;
	if ((rc = run_parse(g, argc, argv, &a)) != 0)
		goto out;
	a.o.run_root = g->root;
	a.o.started_now = run;
	rc = EXIT_NOOK;
	/* The monitor starts (fork, exec) while we create the container,
	 * and makes its directories meanwhile (a forked one only). */
	if (run && rt_engine_monitor_forks() && spare_name(spare))
		g->engine_spare = spare;
	if ((run && rt_engine_monitor_spawn(&ctx, !a.detach, rt_engine_wants_netns(&a.o),
					    g->storage_root ? g->storage_root : IMG_DEFAULT_ROOT,
					    g->engine_spare, &sp, &err) < 0) ||
	    !(s = cli_store_open_engine(g, &err)) ||
	    cli_image_ensure(s, a.o.image, a.pull, &image_id, &err) < 0) {
		rc = fail(g, &err, EXIT_NOOK);
		goto out;
	}
	a.o.image_id = image_id;
	if (rt_engine_create(s, &a.o, &id, run ? &made : NULL, &err) < 0) {
		rc = fail(g, &err, EXIT_NOOK);
		goto out;
	}
	if (!run) {
		printf("%s\n", id);
		rc = 0;
		goto out;
	}
	if (rt_engine_start_spawned(s, &ctx, id, &made, !a.detach, &sp, &afd, &err) < 0) {
		rc = fail(g, &err, start_exit(&err));
		goto out;
	}
	if (a.detach) {
		printf("%s\n", id);
		rc = 0;
		goto out;
	}
	fflush(stdout);
	rc = rt_engine_attach(s, &ctx, id, afd, a.o.tty, a.o.interactive, a.sig_proxy, &a.keys,
			      &status, &err) < 0
		 ? fail(g, &err, EXIT_NOOK)
		 : status;
	close(afd);
out:
	img_ctr_release(&made);
	rt_monitor_spawn_release(&sp);
	run_args_release(&a);
	g->engine_spare = NULL; /* spare is ours, on the stack */
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
    ":ai", (const struct option[]){{"attach", no_argument, NULL, 'a'},
				   {"interactive", no_argument, NULL, 'i'},
				   {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
				   {0}}};

int cli_cmd_start(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_context ctx = {.root = g->root};
	struct error err = {0};
	bool attach = false, input = false;
	const char *keys_spec = NULL;
	struct rt_detach_keys keys;
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
		case OPT_DETACH_KEYS:
			keys_spec = optarg;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, attach ? 1 : -1)) != 0)
		return rc;
	if (rt_detach_keys_parse(keys_spec, &keys, &err) < 0)
		return cli_usage_error(g, "%s", err.msg);
	if (!(s = cli_store_open_engine(g, &err)))
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
		rc = rt_engine_attach(s, &ctx, argv[i], afd, tty, input, true, &keys, &status, &err) < 0
			 ? cli_error(g, &err)
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
