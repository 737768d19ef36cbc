/* nook's entry point and its top-level command table.  Invoked as
 * "nook-oci" (argv[0]) it is exactly "nook oci". */
#include "cli/cli.h"

#include <string.h>

static int cmd_version(int argc, char **argv, struct cli_globals *g)
{
	int rc = cli_only_args(g, argc, argv, 0, 0);

	if (rc)
		return rc;
	printf("nook version %s\nspec: %s\n", NOOK_VERSION, NOOK_OCI_VERSION);
	return 0;
}

static const struct cli_command top_commands[] = {
	{"oci", NULL, 0, "[GLOBAL OPTIONS] COMMAND ...", "OCI runtime commands (runc-compatible)",
	 &cli_oci_table},
	{"image", NULL, 0, "COMMAND ...", "manage images (inspect, mount, prune, ...)",
	 &cli_image_table},
	{"system", NULL, 0, "COMMAND ...", "store-wide information and cleanup", &cli_system_table},
	{"images", cli_cmd_images, CLI_STORE, CLI_IMAGES_USAGE, "list images", NULL},
	{"load", cli_cmd_load, CLI_STORE, CLI_LOAD_USAGE, CLI_LOAD_HELP, NULL},
	{"import", cli_cmd_import, CLI_STORE, CLI_IMPORT_USAGE, CLI_IMPORT_HELP, NULL},
	{"save", cli_cmd_save, CLI_STORE, CLI_SAVE_USAGE, CLI_SAVE_HELP, NULL},
	{"tag", cli_cmd_tag, CLI_STORE, "SOURCE TARGET", "add a name to an image", NULL},
	{"rmi", cli_cmd_rmi, CLI_STORE, "[-f] IMAGE...", "remove images", NULL},
	{"bundle", cli_cmd_bundle, CLI_STORE, "IMAGE DIR | --remove DIR",
	 "make an OCI bundle from an image", NULL},
	{"version", cmd_version, 0, "", "print the version", NULL},
};

static const struct cli_table top_table = {
	.prog = "nook",
	.help = "nook is an OCI container runtime.",
	.commands = top_commands,
	.n = ARRAY_SIZE(top_commands),
	.globals = CLI_G_ROOT | CLI_G_STORAGE_ROOT | CLI_G_LOGGING | CLI_G_VERSION | CLI_G_HELP,
	.usage_exit = 2,
};

/* argv[0] "nook-oci" is exactly "nook oci". */
static int cli_main(int argc, char **argv)
{
	struct cli_globals g = {.prog = "nook"};
	const char *base;

	if (argc < 1)
		return 2;
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "nook-oci")) {
		g.prog = "nook-oci";
		return cli_dispatch(&cli_oci_table, argc, argv, &g);
	}
	return cli_dispatch(&top_table, argc, argv, &g);
}

int main(int argc, char **argv)
{
	/* Before nook opens anything: which fds the caller passed us
	 * (--preserve-fds may only hand those to a container). */
	fds_inherited_note();
	return cli_main(argc, argv);
}
