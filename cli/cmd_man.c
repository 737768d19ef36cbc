/* `nook __man`: the nook(1) man page in roff, generated from the command
 * tables.  `make man` runs it on the built binary, so the page describes
 * exactly the commands, usages and options that binary has: one section
 * per command, families (oci, image, system) with theirs nested. */
#include "cli/cli.h"

#include <string.h>

/* Text for roff: backslashes and dashes escaped; \& keeps a leading '.'
 * or '\'' from reading as a request. */
static void text(const char *s)
{
	fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void bold(const char *s)
{
	fputs("\\fB", stdout);
	text(s);
	fputs("\\fR", stdout);
}

static void italic(const char *s)
{
	fputs("\\fI", stdout);
	text(s);
	fputs("\\fR", stdout);
}

/* "--name ARG" (and its short letter) on a line of its own. */
static void option_line(const char *name, int letter, const char *arg)
{
	char word[80];

	if (letter) {
		snprintf(word, sizeof(word), "-%c", letter);
		bold(word);
		fputs(", ", stdout);
	}
	snprintf(word, sizeof(word), "--%s", name);
	bold(word);
	if (arg) {
		putchar(' ');
		italic(arg);
	}
	fputs("\n.br\n", stdout);
}

static void globals(unsigned mask)
{
	for (size_t k = 0; k < cli_global_options_n; k++) {
		const struct cli_global_option *o = &cli_global_options[k];
		char word[64];

		if (!(mask & o->id))
			continue;
		fputs(".TP\n", stdout);
		if (o->alias) {
			bold(o->alias);
			fputs(", ", stdout);
		}
		snprintf(word, sizeof(word), "--%s", o->name);
		bold(word);
		if (o->arg) {
			putchar(' ');
			italic(o->arg);
		}
		putchar('\n');
		text(o->help);
		putchar('\n');
	}
}

static void command(const char *prog, const struct cli_command *c)
{
	char arg[64];

	printf(".SS \"");
	text(prog);
	putchar(' ');
	text(c->name);
	printf("\"\n");
	bold(prog);
	putchar(' ');
	bold(c->name);
	if (c->usage[0]) {
		putchar(' ');
		text(c->usage);
	}
	printf("\n.PP\n");
	text(c->help);
	printf("\n.PP\nOptions:\n.RS\n");
	for (const struct option *o = c->opts ? c->opts->longopts : NULL; o && o->name; o++) {
		if (o->has_arg == required_argument)
			cli_option_arg(c, o, arg, sizeof(arg));
		option_line(o->name, cli_option_short(c->opts, o),
			    o->has_arg == required_argument ? arg : NULL);
	}
	if (c->flags & CLI_STORE)
		option_line("storage-root", 0, "DIR");
	option_line("help", 'h', NULL);
	printf(".RE\n");
}

static void table(const struct cli_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cli_command *c = &t->commands[i];

		if (c->flags & CLI_HIDDEN)
			continue;
		if (!c->sub) {
			command(t->prog, c);
			continue;
		}
		printf(".SS \"");
		text(c->sub->prog);
		printf("\"\n");
		bold(c->sub->prog);
		putchar(' ');
		text(c->usage);
		printf("\n.PP\n");
		text(c->sub->help);
		printf("\nIts global options, before its commands:\n");
		globals(c->sub->globals);
		table(c->sub);
	}
}

/* "nook is an OCI container runtime." -> "an OCI container runtime" */
static void name_line(const struct cli_table *t)
{
	_cleanup_free_ char *s = xasprintf("%s is ", t->prog);
	const char *h = str_has_prefix(t->help, s) ? t->help + strlen(s) : t->help;
	_cleanup_free_ char *line = xstrdup(h);
	size_t n = strlen(line);

	if (n && line[n - 1] == '.')
		line[n - 1] = '\0';
	text(line);
}

int cli_cmd_man(int argc, char **argv, struct cli_globals *g)
{
	int rc = cli_only_args(g, argc, argv, 0, 0);

	if (rc)
		return rc;
	printf(".TH NOOK 1 \"\" \"nook %s\" \"User Commands\"\n.nh\n", NOOK_VERSION);
	printf(".SH NAME\nnook, nook\\-oci \\- ");
	name_line(g->top);
	printf("\n.SH SYNOPSIS\n");
	bold(g->top->prog);
	printf(" [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n.br\n");
	bold("nook-oci");
	printf(" [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR ... (the same as \\fBnook oci\\fR)\n");
	printf(".SH DESCRIPTION\n");
	text(g->top->help);
	printf("\nEvery command answers \\fB\\-\\-help\\fR, as does \\fBnook help\\fR "
	       "\\fICOMMAND\\fR.\n\\fBnook completion bash\\fR|\\fBzsh\\fR|\\fBfish\\fR "
	       "prints a shell completion script.\n");
	printf(".SH GLOBAL OPTIONS\nThey stand before the command: "
	       "\\fBnook \\-\\-storage\\-root\\fR \\fIDIR\\fR \\fBimages\\fR.\n");
	globals(g->top->globals);
	printf(".SH COMMANDS\n");
	table(g->top);
	printf(".SH SEE ALSO\n\\fBrunc\\fR(8), \\fBcrun\\fR(1), \\fBpodman\\fR(1)\n");
	return 0;
}
