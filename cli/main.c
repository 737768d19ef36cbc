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
	 &cli_oci_table, NULL},
	{"image", NULL, 0, "COMMAND ...", "manage images (inspect, mount, prune, ...)",
	 &cli_image_table, NULL},
	{"system", NULL, 0, "COMMAND ...", "store-wide information and cleanup", &cli_system_table,
	 NULL},
	CLI_IMAGES_ENTRY("images"),
	CLI_LOAD_ENTRY,
	CLI_IMPORT_ENTRY,
	CLI_SAVE_ENTRY,
	CLI_TAG_ENTRY,
	CLI_RMI_ENTRY("rmi"),
	CLI_PULL_ENTRY,
	CLI_PUSH_ENTRY,
	CLI_REGISTRY_ENTRIES,
	{"bundle", cli_cmd_bundle, CLI_STORE | CLI_ARGS_IMAGE | CLI_ARGS_PATH,
	 "IMAGE DIR | --remove DIR", "make an OCI bundle from an image", NULL, &cli_bundle_options},
	{"run", cli_cmd_run, CLI_ENGINE_FLAGS | CLI_OPERANDS_END | CLI_ARGS_IMAGE, CLI_RUN_USAGE,
	 "run a command in a new container", NULL, &cli_run_options},
	{"create", cli_cmd_create, CLI_ENGINE_FLAGS | CLI_OPERANDS_END | CLI_ARGS_IMAGE,
	 CLI_RUN_USAGE, "create a container (start it with 'start')", NULL, &cli_run_options},
	{"start", cli_cmd_start, CLI_ENGINE_FLAGS, "[-a] [-i] [--detach-keys KEYS] CONTAINER...",
	 "start created or stopped containers", NULL, &cli_start_options},
	{"ps", cli_cmd_ps, CLI_ENGINE_FLAGS,
	 "[-a] [-q] [-n N] [-l] [--no-trunc] [--filter KEY=VALUE] [--format table|json|TEMPLATE]",
	 "list containers (filters: status, name, label, ancestor, id, exited)", NULL,
	 &cli_ps_options},
	{"logs", cli_cmd_logs, CLI_ENGINE_FLAGS,
	 "[-f] [--tail N] [-t] [--since TIME] [--until TIME] CONTAINER",
	 "print a container's output", NULL, &cli_logs_options},
	{"stop", cli_cmd_stop, CLI_ENGINE_FLAGS, "[-t SECONDS] CONTAINER...",
	 "stop containers (SIGTERM, then SIGKILL)", NULL, &cli_stop_options},
	{"kill", cli_cmd_kill, CLI_ENGINE_FLAGS, "[-s SIGNAL] CONTAINER...",
	 "send a signal to containers (default SIGKILL)", NULL, &cli_kill_options},
	{"rm", cli_cmd_rm, CLI_ENGINE_FLAGS, "[-f] [-v] CONTAINER...",
	 "remove containers (-f: running ones too; -v: their anonymous volumes)", NULL,
	 &cli_rm_options},
	{"wait", cli_cmd_wait, CLI_ENGINE_FLAGS, "CONTAINER...",
	 "wait for containers to exit; print their exit codes", NULL, NULL},
	{"restart", cli_cmd_restart, CLI_ENGINE_FLAGS, "[-t SECONDS] CONTAINER...",
	 "stop and start containers again", NULL, &cli_stop_options},
	{"rename", cli_cmd_rename, CLI_ENGINE_FLAGS, "CONTAINER NAME", "rename a container", NULL,
	 NULL},
	{"container", NULL, 0, "COMMAND ...", "manage containers (prune)", &cli_container_table,
	 NULL},
	{"volume", NULL, 0, "COMMAND ...", "manage volumes (create, ls, inspect, rm, prune)",
	 &cli_volume_table, NULL},
	{"network", NULL, 0, "COMMAND ...", "manage networks (create, ls, inspect, rm, prune)",
	 &cli_network_table, NULL},
	CLI_CTR_ENTRIES,
	{"inspect", cli_cmd_inspect, CLI_ENGINE_FLAGS,
	 "[--format TEMPLATE] [--type container|image] NAME...",
	 "print containers' (or images') details as a JSON array", NULL, &cli_inspect_options},
	{"version", cmd_version, 0, "", "print the version", NULL, NULL},
	{"completion", cli_cmd_completion, 0, "bash|zsh|fish",
	 "print a shell completion script (source it, or see 'make install')", NULL, NULL},
	{"__complete", cli_cmd_complete, CLI_HIDDEN | CLI_STATE, "-- WORD...",
	 "the candidates for the last word (for the completion scripts)", NULL, NULL},
	{"__monitor", cli_cmd_monitor, CLI_HIDDEN, "ROOT STORE-ROOT ID DIR FLAGS SYNC-FD ATTACH-FD",
	 "a container's monitor (started by run and start)", NULL, NULL},
	{"__network", cli_cmd_network_hook, CLI_HIDDEN, "NETWORK [PORT...]",
	 "connect a container to pasta or slirp4netns (its createRuntime hook; state on stdin)",
	 NULL, NULL},
	{"__man", cli_cmd_man, CLI_HIDDEN, "", "print the nook(1) man page (make man)", NULL, NULL},
};

static const struct cli_command container_commands[] = {
	{"prune", cli_cmd_container_prune, CLI_ENGINE_FLAGS, "",
	 "remove every container that is not running", NULL, NULL},
};

const struct cli_table cli_container_table = {
	.prog = "nook container",
	.help = "Manage containers.",
	.commands = container_commands,
	.n = ARRAY_SIZE(container_commands),
	.globals = CLI_G_ROOT | CLI_G_STORAGE_ROOT | CLI_G_HELP,
	.usage_exit = 2,
};

static const struct cli_command volume_commands[] = {
    {"create", cli_cmd_volume_create, CLI_STORE,
     "[--label KEY=VALUE] [-d local] [-o type=T -o device=D [-o o=OPTS]] [NAME]",
     "create a volume (a generated name without NAME); with -o, a mount of its own (docker's "
     "local driver: type=tmpfs device=tmpfs o=size=64m, or type=none o=bind device=/path)",
     NULL, &cli_volume_create_options},
    {"ls", cli_cmd_volume_ls, CLI_STORE, "[-q] [-f|--filter KEY=VALUE]...",
     "list volumes (filters: dangling=true|false, driver, label=KEY[=VALUE], name=PART)", NULL,
     &cli_volume_ls_options},
    {"inspect", cli_cmd_volume_inspect, CLI_STORE, "VOLUME...",
     "print volumes' details as a JSON array", NULL, NULL},
    {"rm", cli_cmd_volume_rm, CLI_STORE, "[-f] VOLUME...",
     "remove volumes no container uses (-f: a missing one is no error)", NULL,
     &cli_volume_rm_options},
    {"prune", cli_cmd_volume_prune, CLI_STORE, "[-a] [-f] [--filter label=KEY[=VALUE]]",
     "remove the anonymous volumes no container uses (-a: named ones too; filters: label, "
     "label!, all)",
     NULL, &cli_volume_prune_options},
};

const struct cli_table cli_volume_table = {
    .prog = "nook volume",
    .help = "Manage volumes.",
    .commands = volume_commands,
    .n = ARRAY_SIZE(volume_commands),
    .globals = CLI_G_STORAGE_ROOT | CLI_G_HELP,
    .usage_exit = 2,
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
	struct cli_globals g = {.prog = "nook", .top = &top_table};
	const char *base;

	if (argc < 1)
		return 2;
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "nook-oci")) {
		g.prog = "nook-oci";
		g.top = &cli_oci_table;
		g.oci = true;
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
