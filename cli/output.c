/* Error output: one line on stderr (and in the --log file) per failure. */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

static void emit(const struct cli_globals *g, const char *what, const char *msg)
{
	fprintf(stderr, "%s: %s\n", what, msg);
	/* --log: the same line for conmon / containerd's shim to read back. */
	if (log_fd() >= 0 && log_fd() != 2)
		log_error("%s", msg);
	(void)g;
}

int cli_error(const struct cli_globals *g, const struct error *err)
{
	emit(g, g && g->prog ? g->prog : "nook", err->msg[0] ? err->msg : "unknown error");
	return 1;
}

int cli_fail(const struct cli_globals *g, const char *fmt, ...)
{
	struct error err;
	va_list ap;

	va_start(ap, fmt);
	error_setv(&err, 0, fmt, ap);
	va_end(ap);
	return cli_error(g, &err);
}

int cli_usage_error(const struct cli_globals *g, const char *fmt, ...)
{
	char what[128], msg[sizeof(((struct error *)0)->msg)];
	struct error err;
	va_list ap;

	if (g->cmd)
		snprintf(what, sizeof(what), "%s %s", g->prog, g->cmd->name);
	else
		snprintf(what, sizeof(what), "%s", g->prog);
	va_start(ap, fmt);
	error_setv(&err, EINVAL, fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s (see '%s --help')", err.msg, what);
	emit(g, what, msg);
	return g->usage_exit;
}

int cli_bad_option(const struct cli_globals *g, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[64];

	/* An unknown short option (maybe inside a cluster, "-qz") is named
	 * by optopt; anything else by the argument, without its "=value". */
	if (c == '?' && optopt > 0 && optopt < 256 && !str_has_prefix(arg, "--"))
		snprintf(name, sizeof(name), "-%c", optopt);
	else
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	if (c == ':')
		return cli_usage_error(g, "option '%s' needs a value", name);
	return cli_usage_error(g, "unknown option '%s'", name);
}

int cli_want_args(const struct cli_globals *g, int have, int min, int max)
{
	if (have >= min && (max < 0 || have <= max))
		return 0;
	if (min == max && min == 0)
		return cli_usage_error(g, "takes no arguments");
	if (min == max)
		return cli_usage_error(g, "requires exactly %d argument%s", min,
				       min == 1 ? "" : "s");
	if (max < 0)
		return cli_usage_error(g, "requires at least %d argument%s", min,
				       min == 1 ? "" : "s");
	return cli_usage_error(g, "requires %d to %d arguments", min, max);
}

int cli_only_args(const struct cli_globals *g, int argc, char **argv, int min, int max)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};
	int c = getopt_long(argc, argv, ":", none, NULL);

	if (c != -1)
		return cli_bad_option(g, c, argv);
	return cli_want_args(g, argc - optind, min, max);
}
