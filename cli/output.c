/* Error and help output. */
#include "cli/cli.h"

#include <string.h>

int cli_error(const struct cli_globals *g, const struct error *err)
{
	const char *msg = err->msg[0] ? err->msg : "unknown error";

	fprintf(stderr, "%s: %s\n", g && g->prog ? g->prog : "nook", msg);
	/* --log: the same line for conmon / containerd's shim to read back. */
	if (log_fd() >= 0 && log_fd() != 2)
		log_error("%s", msg);
	return 1;
}

int cli_fail(const struct cli_globals *g, const char *fmt, ...)
{
	struct error err;
	va_list ap;

	err.code = 0;
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
	va_end(ap);
	return cli_error(g, &err);
}

void cli_print_command_help(FILE *f, const char *prog, const struct cli_command *c)
{
	fprintf(f, "usage: %s %s %s\n\n%s\n", prog, c->name, c->usage ? c->usage : "", c->help);
}

int cli_usage(const struct cli_globals *g, const struct cli_command *c)
{
	cli_print_command_help(stderr, g->prog, c);
	return 1;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "-help"))
			return true;
	}
	return false;
}
