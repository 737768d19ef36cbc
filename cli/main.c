/* nook's entry point: the top-level command table.  Invoked as
 * "nook-oci" (argv[0]) it is exactly "nook oci". */
#include "cli/cli.h"

#include <libgen.h>
#include <string.h>

static int cmd_oci(int argc, char **argv, struct cli_globals *g)
{
	(void)g;
	return cli_oci_main(argc, argv, "nook oci");
}

static const struct cli_command top_commands[] = {
	{"oci", cmd_oci, "[GLOBAL OPTIONS] COMMAND ...", "OCI runtime commands (runc-compatible)"},
	{"image", cli_image_main, "COMMAND ...", "manage images (inspect, mount, prune, ...)"},
	{"images", cli_cmd_images, "[-a] [-q] [--format table|json]", "list images"},
	{"load", cli_cmd_load, "[-i PATH] [--quiet]", "load an OCI layout or docker-save archive"},
	{"import", cli_cmd_import, "TARBALL|DIR|- [NAME[:TAG]]", "make a one-layer image from a rootfs"},
	{"save", cli_cmd_save, "-o FILE IMAGE...", "write images as an OCI layout archive"},
	{"tag", cli_cmd_tag, "SOURCE TARGET", "add a name to an image"},
	{"rmi", cli_cmd_rmi, "[-f] IMAGE...", "remove images"},
	{"bundle", cli_cmd_bundle, "IMAGE DIR | --remove DIR", "make an OCI bundle from an image"},
	{"system", cli_system_main, "df|prune|check", "store-wide information and cleanup"},
};

static void top_help(FILE *f)
{
	fprintf(f, "usage: nook COMMAND [OPTIONS] [ARGS]\n\n"
		   "nook is an OCI container runtime.\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(top_commands); i++)
		fprintf(f, "  %-10s %s\n", top_commands[i].name, top_commands[i].help);
	fprintf(f, "\n'nook COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	struct cli_globals g = {.prog = "nook"};
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "nook-oci"))
		return cli_oci_main(argc, argv, "nook-oci");
	if (argc < 2) {
		top_help(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		top_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("nook version %s\nspec: %s\n", NOOK_VERSION, NOOK_OCI_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(top_commands); i++)
		if (!strcmp(argv[1], top_commands[i].name))
			return top_commands[i].handler(argc - 1, argv + 1, &g);
	return cli_fail(&g, "unknown command '%s' (see 'nook --help')", argv[1]);
}
