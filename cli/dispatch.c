/* The one dispatcher: global options, command lookup, generated help and
 * the shared setup a command's flags ask for.  It allocates nothing and
 * opens nothing but the --log file, so `nook oci run` pays only for
 * walking two small tables. */
#include "cli/cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <seccomp.h>
#include <string.h>

/* The global options, one table for every level; each cli_table picks
 * the ones it accepts (runc's before an oci command, podman's before the
 * others).  A name matches with one or two dashes, as runc's flags do;
 * values as "--opt VALUE" or "--opt=VALUE". */
const struct cli_global_option cli_global_options[] = {
    {CLI_G_ROOT, "root", NULL, "DIR", true, "container state (default /run/nook)"},
    {CLI_G_STORAGE_ROOT, "storage-root", NULL, "DIR", true,
     "image store (default $NOOK_STORAGE_ROOT, else /var/lib/nook)"},
    {CLI_G_LOG, "log", NULL, "FILE", false, "write log lines and errors to FILE"},
    {CLI_G_LOG_FORMAT, "log-format", NULL, "text|json", false, "format of the --log lines"},
    {CLI_G_LOG_LEVEL, "log-level", NULL, "LEVEL", false, "error, warn (default), info or debug"},
    {CLI_G_DEBUG, "debug", NULL, NULL, false, "log at debug level"},
    {CLI_G_SYSTEMD_CGROUP, "systemd-cgroup", NULL, NULL, false, "(not supported yet)"},
    {CLI_G_CRIU, "criu", NULL, "PATH", false, "(accepted for runc compatibility; no checkpoint)"},
    {CLI_G_ROOTLESS, "rootless", NULL, "auto|true|false", false,
     "(accepted for runc compatibility; decided by euid)"},
    {CLI_G_VERSION, "version", "-v", NULL, false, "print the version"},
    {CLI_G_HELP, "help", "-h", NULL, false, "show this help"},
};
const size_t cli_global_options_n = ARRAY_SIZE(cli_global_options);

/* Does arg spell option o?  Sets *value to what follows '=' (or NULL). */
static bool global_match(const struct cli_global_option *o, const char *arg, const char **value)
{
	const char *a = arg + (arg[1] == '-' ? 2 : 1);
	size_t n = strlen(o->name);

	*value = NULL;
	if (o->alias && !strcmp(arg, o->alias))
		return true;
	if (strncmp(a, o->name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return false;
	if (a[n] == '=')
		*value = a + n + 1;
	return true;
}

/* One option at argv[*i]: its value taken (from "=..." or the next
 * argument, then *i advances).  NULL with a usage error reported when the
 * option is unknown to mask or its value is missing or empty. */
static const struct cli_global_option *global_take(const struct cli_globals *g, unsigned mask,
						   int *i, int argc, char **argv,
						   const char **value, int *rc)
{
	const char *arg = argv[*i];

	for (size_t k = 0; k < ARRAY_SIZE(cli_global_options); k++) {
		const struct cli_global_option *o = &cli_global_options[k];

		if (!(mask & o->id) || !global_match(o, arg, value))
			continue;
		if (o->arg && !*value) {
			if (*i + 1 >= argc) {
				*rc = cli_usage_error(g, "option '%s' needs a value", arg);
				return NULL;
			}
			*value = argv[++*i];
		} else if (!o->arg && *value) {
			*rc = cli_usage_error(g, "option '--%s' takes no value", o->name);
			return NULL;
		}
		if (o->nonempty && !**value) {
			*rc = cli_usage_error(g, "--%s: empty path", o->name);
			return NULL;
		}
		return o;
	}
	*rc = cli_usage_error(g, "unknown global option '%.*s'", (int)strcspn(arg, "="), arg);
	return NULL;
}

const struct cli_global_option *cli_global_find(unsigned mask, const char *arg, const char **value)
{
	for (size_t k = 0; k < ARRAY_SIZE(cli_global_options); k++)
		if ((mask & cli_global_options[k].id) &&
		    global_match(&cli_global_options[k], arg, value))
			return &cli_global_options[k];
	return NULL;
}

static void print_version(const char *prog)
{
	printf("%s version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", prog, NOOK_VERSION,
	       NOOK_OCI_VERSION, seccomp_version()->major, seccomp_version()->minor,
	       seccomp_version()->micro);
}

static void print_globals(FILE *f, unsigned mask)
{
	for (size_t k = 0; k < ARRAY_SIZE(cli_global_options); k++) {
		const struct cli_global_option *o = &cli_global_options[k];
		char left[64];

		if (!(mask & o->id))
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
}

static void print_table_help(FILE *f, const struct cli_table *t, const struct cli_globals *g)
{
	fprintf(f, "usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n%s\n\nglobal options:\n",
		g->prog, t->help);
	print_globals(f, t->globals);
	fprintf(f, "\ncommands:\n");
	for (size_t i = 0; i < t->n; i++)
		if (!(t->commands[i].flags & CLI_HIDDEN))
			fprintf(f, "  %-12s %s\n", t->commands[i].name, t->commands[i].help);
	fprintf(f, "\n'%s COMMAND --help' (or '%s help COMMAND') describes a command.\n", g->prog,
		g->prog);
}

static const struct {
	const char *option, *usage_has;
	const char *text;
} option_notes[] = {
    {"format", "TEMPLATE", cli_template_help},
    {"since", "TIME", cli_time_help},
    {"log-opt", "max-size", cli_log_opt_help},
};

void cli_print_command_help(FILE *f, const struct cli_globals *g, const struct cli_command *c)
{
	unsigned mask = g->globals_seen & ~(unsigned)(CLI_G_HELP | CLI_G_VERSION);

	fprintf(f, "usage: %s %s%s%s\n\n%s\n", g->prog, c->name, c->usage[0] ? " " : "", c->usage,
		c->help);
	fprintf(f, "\nglobal options (before the command: %s [GLOBAL OPTIONS] %s ...):\n", g->prog,
		c->name);
	/* Only the paths the command uses. */
	if (!(c->flags & CLI_STATE))
		mask &= ~(unsigned)CLI_G_ROOT;
	if (!(c->flags & CLI_STORE))
		mask &= ~(unsigned)CLI_G_STORAGE_ROOT;
	print_globals(f, mask);
	if (c->flags & CLI_STORE)
		fprintf(f, "--storage-root DIR is also accepted after the command.\n");
	/* The longer story of some options, once per command that takes one. */
	for (size_t k = 0; k < ARRAY_SIZE(option_notes); k++)
		for (const struct option *o = c->opts ? c->opts->longopts : NULL; o && o->name; o++)
			if (!strcmp(o->name, option_notes[k].option) &&
			    strstr(c->usage, option_notes[k].usage_has)) {
				fprintf(f, "\n%s", option_notes[k].text);
				break;
			}
}

static const struct cli_command *find(const struct cli_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->commands[i].name, name))
			return &t->commands[i];
	return NULL;
}

/* --log, --log-format, --log-level, --debug: once, when the command (or
 * the error) is known.  Errors and warnings go to stderr without --log. */
static int log_setup(struct cli_globals *g)
{
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	enum log_level level = LOG_LEVEL_WARN;
	enum log_format fmt = LOG_FORMAT_TEXT;
	int fd = 2;

	if (g->log_ready)
		return 0;
	g->log_ready = true;
	log_init(2, LOG_FORMAT_TEXT, LOG_LEVEL_WARN);
	if (g->log_format && !strcmp(g->log_format, "json"))
		fmt = LOG_FORMAT_JSON;
	else if (g->log_format && strcmp(g->log_format, "text"))
		return cli_usage_error(
		    g, "--log-format: unknown format \"%s\": expected text or json", g->log_format);
	if (g->log_level) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(levels); k++)
			if (!strcmp(g->log_level, levels[k]))
				break;
		if (k == ARRAY_SIZE(levels) && strcmp(g->log_level, "warning"))
			return cli_usage_error(g,
					       "--log-level: unknown level \"%s\": expected "
					       "error, warn, info or debug",
					       g->log_level);
		level = k < ARRAY_SIZE(levels) ? (enum log_level)k : LOG_LEVEL_WARN;
	}
	if (g->debug)
		level = LOG_LEVEL_DEBUG;
	/* runc: an empty --log is the default, stderr. */
	if (g->log_file && *g->log_file) {
		fd = open(g->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return cli_fail(g, "cannot open log file '%s': %s", g->log_file,
					strerror(errno));
	}
	log_init(fd, fd == 2 ? LOG_FORMAT_TEXT : fmt, level);
	return 0;
}

/* CLI_STORE: take --storage-root out of the command's arguments (the
 * spelling after the command that scripts use), then $NOOK_STORAGE_ROOT. */
static int store_setup(struct cli_globals *g, int *argc, char **argv)
{
	const struct cli_global_option *sr = NULL;
	const char *env;
	int rc = 0;

	for (size_t k = 0; k < ARRAY_SIZE(cli_global_options) && !sr; k++)
		if (cli_global_options[k].id == CLI_G_STORAGE_ROOT)
			sr = &cli_global_options[k];
	for (int i = 1; i < *argc && strcmp(argv[i], "--");) {
		const char *v;
		int next = i;

		if (argv[i][0] != '-' || !global_match(sr, argv[i], &v)) {
			i++;
			continue;
		}
		if (!global_take(g, CLI_G_STORAGE_ROOT, &next, *argc, argv, &g->storage_root, &rc))
			return rc;
		/* Drop argv[i..next]; the array stays NULL-terminated. */
		memmove(&argv[i], &argv[next + 1], sizeof(*argv) * (size_t)(*argc - next));
		*argc -= next + 1 - i;
	}
	env = getenv("NOOK_STORAGE_ROOT");
	if (!g->storage_root && env) {
		if (!*env)
			return cli_usage_error(g, "NOOK_STORAGE_ROOT is set but empty "
						  "(unset it or name a directory)");
		g->storage_root = env;
	}
	return 0;
}

/* Is --help asked of this command (before "--", and for CLI_OPERANDS_END
 * commands before the first operand)? */
static bool wants_help(const struct cli_command *c, int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    !strcmp(argv[i], "-help"))
			return true;
		if ((c->flags & CLI_OPERANDS_END) && argv[i][0] != '-')
			break;
	}
	return false;
}

static int run_command(const struct cli_command *c, int argc, char **argv, struct cli_globals *g)
{
	int rc;

	g->cmd = c;
	if (wants_help(c, argc, argv)) {
		cli_print_command_help(stdout, g, c);
		return 0;
	}
	if ((rc = log_setup(g)) != 0)
		return rc;
	if (g->systemd_cgroup)
		return cli_fail(g,
				"--systemd-cgroup: the systemd cgroup driver is not supported yet; "
				"nook manages cgroup v2 directly (use cgroupfs)");
	if ((c->flags & CLI_STATE) && !g->root)
		g->root = cli_default_root();
	if ((c->flags & CLI_STORE) && (rc = store_setup(g, &argc, argv)) != 0)
		return rc;
	if ((rc = cli_rootless_setup(g, g->oci)) != 0)
		return rc;
	optind = 0;
	opterr = 0;
	return c->handler(argc, argv, g);
}

/* "help" and "help COMMAND" at any level, as git and runc have. */
static int help_command(const struct cli_table *t, int argc, char **argv, struct cli_globals *g)
{
	const struct cli_command *c;

	if (argc < 2) {
		print_table_help(stdout, t, g);
		return 0;
	}
	if (!(c = find(t, argv[1])))
		return cli_usage_error(g, "unknown command '%s'", argv[1]);
	if (c->sub) {
		g->prog = c->sub->prog;
		print_table_help(stdout, c->sub, g);
		return 0;
	}
	cli_print_command_help(stdout, g, c);
	return 0;
}

int cli_dispatch(const struct cli_table *t, int argc, char **argv, struct cli_globals *g)
{
	const struct cli_command *c;
	int i, rc = 0;

	g->usage_exit = t->usage_exit;
	g->globals_seen |= t->globals;
	g->cmd = NULL;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const struct cli_global_option *o;
		const char *v;

		if (!(o = global_take(g, t->globals, &i, argc, argv, &v, &rc)))
			return rc;
		switch (o->id) {
		case CLI_G_ROOT:
			g->root = v;
			break;
		case CLI_G_STORAGE_ROOT:
			g->storage_root = v;
			break;
		case CLI_G_LOG:
			g->log_file = v;
			break;
		case CLI_G_LOG_FORMAT:
			g->log_format = v;
			break;
		case CLI_G_LOG_LEVEL:
			g->log_level = v;
			break;
		case CLI_G_DEBUG:
			g->debug = true;
			break;
		case CLI_G_SYSTEMD_CGROUP:
			g->systemd_cgroup = true;
			break;
		case CLI_G_CRIU:     /* no checkpoint/restore */
		case CLI_G_ROOTLESS: /* nook decides by euid */
			break;
		case CLI_G_VERSION:
			print_version(g->prog);
			return 0;
		case CLI_G_HELP:
			print_table_help(stdout, t, g);
			return 0;
		}
	}
	if (i >= argc) {
		if ((rc = log_setup(g)) != 0)
			return rc;
		print_table_help(stderr, t, g);
		return t->usage_exit;
	}
	if (!strcmp(argv[i], "help"))
		return help_command(t, argc - i, argv + i, g);
	if (!(c = find(t, argv[i]))) {
		if ((rc = log_setup(g)) != 0)
			return rc;
		return cli_usage_error(g, "unknown command '%s'", argv[i]);
	}
	if (c->sub) {
		g->prog = c->sub->prog;
		g->oci = g->oci || c->sub == &cli_oci_table;
		return cli_dispatch(c->sub, argc - i, argv + i, g);
	}
	return run_command(c, argc - i, argv + i, g);
}
