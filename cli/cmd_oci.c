/* The OCI runtime face (placeholder until the lifecycle lands). */
#include "cli/cli.h"

int cli_oci_main(int argc, char **argv, const char *prog)
{
	struct cli_globals g = {.prog = prog};

	(void)argc;
	(void)argv;
	return cli_fail(&g, "not implemented yet");
}
