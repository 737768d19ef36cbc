/* cli: argument parsing, the command tables, output.  The only folder that
 * prints to the user or decides exit codes. */
#ifndef NOOK_CLI_H
#define NOOK_CLI_H

#include "base/base.h"

/* Options shared by every command of a family (the global flags). */
struct cli_globals {
	const char *root;         /* --root (oci) */
	const char *storage_root; /* --storage-root (images) */
	const char *log_file;
	bool log_json;
	bool debug;
	bool systemd_cgroup;
	const char *prog;         /* "nook oci" / "nook-oci" / "nook", for messages */
};

/* A command handler returns the process exit code.  argv[0] is the
 * command name; options are parsed by the handler (getopt_long_only). */
struct cli_command {
	const char *name;
	int (*handler)(int argc, char **argv, struct cli_globals *g);
	const char *usage; /* arguments, e.g. "[--bundle DIR] ID" */
	const char *help;  /* one line */
};

/* Print "PROG: msg" on stderr (and to the --log file as a log line);
 * returns exit code 1 for `return cli_fail(...)`. */
int cli_error(const struct cli_globals *g, const struct error *err);
int cli_fail(const struct cli_globals *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error (unknown flag, wrong argument count): exit code 2 per
 * convention... runc uses 1; we follow runc for the oci family. */
int cli_usage(const struct cli_globals *g, const struct cli_command *c);
/* Print the help of one command (generated from the table). */
void cli_print_command_help(FILE *f, const char *prog, const struct cli_command *c);
/* Handles "--help"/"-h" anywhere in argv: prints help, returns true. */
bool cli_wants_help(int argc, char **argv);

/* Command families. */
int cli_oci_main(int argc, char **argv, const char *prog);
int cli_oci_update(int argc, char **argv, struct cli_globals *g);
int cli_oci_events(int argc, char **argv, struct cli_globals *g);

/* Image commands (cli/cmd_image.c, cli/cmd_mount.c). */
struct img_store;
/* Open the image store of --storage-root / $NOOK_STORAGE_ROOT. */
struct img_store *cli_store_open(struct cli_globals *g, struct error *err);
int cli_image_main(int argc, char **argv, struct cli_globals *g);
int cli_system_main(int argc, char **argv, struct cli_globals *g);
int cli_cmd_load(int argc, char **argv, struct cli_globals *g);
int cli_cmd_import(int argc, char **argv, struct cli_globals *g);
int cli_cmd_images(int argc, char **argv, struct cli_globals *g);
int cli_cmd_tag(int argc, char **argv, struct cli_globals *g);
int cli_cmd_rmi(int argc, char **argv, struct cli_globals *g);
int cli_cmd_save(int argc, char **argv, struct cli_globals *g);
int cli_cmd_bundle(int argc, char **argv, struct cli_globals *g);
int cli_image_mount(int argc, char **argv, struct cli_globals *g);
int cli_image_unmount(int argc, char **argv, struct cli_globals *g);

#endif
