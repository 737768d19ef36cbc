/* cli: argument parsing, the command tables, output.  The only folder that
 * prints to the user or decides exit codes.
 *
 * One dispatcher (cli/dispatch.c) serves every table: it parses the global
 * options that stand before a command (`nook --storage-root DIR images`,
 * `nook oci --root DIR list`, runc's `nook-oci --root X --log F create`),
 * finds the command, answers `--help` from the table, does the shared setup
 * the command's flags ask for, and calls its handler.  A family (oci,
 * image, system) is a command whose entry points at a nested table. */
#ifndef NOOK_CLI_H
#define NOOK_CLI_H

#include "base/base.h"

#include <getopt.h>

struct cli_table;

/* The global options, parsed once before the command; the shared setup
 * fills in defaults. */
struct cli_globals {
	const char *root;         /* --root: container state (oci) */
	const char *storage_root; /* --storage-root or $NOOK_STORAGE_ROOT; NULL: default */
	const char *log_file;     /* --log */
	const char *log_format;   /* --log-format text|json */
	const char *log_level;    /* --log-level error|warn|info|debug */
	bool debug;
	bool systemd_cgroup;
	bool log_ready;
	bool oci; /* a command of the oci family (nook oci, nook-oci) */
	unsigned globals_seen; /* global options of the tables walked through */
	int usage_exit;        /* exit code of a usage error: 2, runc's 1 for oci */
	const char *prog;      /* "nook", "nook oci", "nook-oci", "nook image" */
	const struct cli_command *cmd; /* the command being run */
	const struct cli_table *top;   /* the table argv[0] named (completion, man page) */
	/* run: the name of the container directories its monitor makes
	 * ahead (img_store_opts.spare); NULL none */
	const char *engine_spare;
};

/* What the dispatcher prepares before a command's handler runs. */
enum cli_flags {
	/* Uses the container state root: --root checked, defaulted. */
	CLI_STATE = 1 << 0,
	/* Uses the image store: --storage-root is also accepted after the
	 * command (anywhere before "--"), $NOOK_STORAGE_ROOT is read, an
	 * empty path refused.  The handler opens the store (cli_store_open)
	 * after its own arguments are checked, so a usage error creates
	 * nothing. */
	CLI_STORE = 1 << 1,
	/* Options end at the first operand (exec ID CMD..., ps ID PS-ARGS):
	 * a --help after it belongs to the container's command. */
	CLI_OPERANDS_END = 1 << 2,
	/* Left out of help, completion and the man page (__complete, __man). */
	CLI_HIDDEN = 1 << 3,
	/* What the operands name, for completion (cli/cmd_completion.c):
	 * CLI_ARGS_CONTAINER: the first operand is an existing OCI container
	 * of --root; CLI_ARGS_IMAGE: every operand is an image of the store,
	 * or only the first one with CLI_ARGS_PATH; CLI_ARGS_PATH: the (other)
	 * operands are paths. */
	CLI_ARGS_CONTAINER = 1 << 4,
	CLI_ARGS_IMAGE = 1 << 5,
	CLI_ARGS_PATH = 1 << 6,
};

/* The global options a table accepts before its commands (a mask). */
enum cli_global {
	CLI_G_ROOT = 1 << 0,
	CLI_G_STORAGE_ROOT = 1 << 1,
	CLI_G_LOG = 1 << 2,
	CLI_G_LOG_FORMAT = 1 << 3,
	CLI_G_LOG_LEVEL = 1 << 4,
	CLI_G_DEBUG = 1 << 5,
	CLI_G_SYSTEMD_CGROUP = 1 << 6,
	CLI_G_CRIU = 1 << 7,
	CLI_G_ROOTLESS = 1 << 8,
	CLI_G_VERSION = 1 << 9,
	CLI_G_HELP = 1 << 10,
};
#define CLI_G_LOGGING (CLI_G_LOG | CLI_G_LOG_FORMAT | CLI_G_LOG_LEVEL | CLI_G_DEBUG)

/* The global options (one table for every level, cli/dispatch.c). */
struct cli_global_option {
	enum cli_global id;
	const char *name;
	const char *alias; /* a short spelling, e.g. "-h" */
	const char *arg;   /* value name; NULL for a flag */
	bool nonempty;	   /* an empty value is refused (a path) */
	const char *help;
};
extern const struct cli_global_option cli_global_options[];
extern const size_t cli_global_options_n;
/* The option of mask that arg spells ("-root", "--root", "--root=X"),
 * *value set to what follows '=' (or NULL); NULL when none.  Prints
 * nothing (completion walks words with it). */
const struct cli_global_option *cli_global_find(unsigned mask, const char *arg, const char **value);

/* A command's options exactly as its handler parses them: the handler
 * passes both fields to getopt_long(_only) and the table entry points at
 * the same object, so completion and the man page cannot drift from the
 * parser.  A value's name (DIR, FILE, table|json) is read from the entry's
 * usage ("--bundle DIR", "-i PATH"). */
struct cli_options {
	const char *shortopts;
	const struct option *longopts; /* ends with a zeroed entry */
};

/* A handler returns the process exit code.  argv[0] is the command name;
 * getopt is reset (optind 0, opterr 0) before the call, so a handler only
 * runs its getopt loop.  Option strings start with ':' (after '+' where
 * options end at the first operand) so a missing value is told apart. */
struct cli_command {
	const char *name;
	int (*handler)(int argc, char **argv, struct cli_globals *g);
	unsigned flags; /* enum cli_flags */
	const char *usage; /* what follows the name, e.g. "[--bundle DIR] ID" */
	const char *help;  /* one line */
	const struct cli_table *sub; /* a family: the rest goes through sub */
	const struct cli_options *opts; /* what the handler's getopt takes; NULL: none */
};

struct cli_table {
	const char *prog; /* as in "usage: PROG COMMAND" */
	const char *help; /* one line */
	const struct cli_command *commands;
	size_t n;
	unsigned globals; /* enum cli_global: accepted before its commands */
	int usage_exit;
};

/* Run argv[0]'s command of t (argv[0] names the table's own word). */
int cli_dispatch(const struct cli_table *t, int argc, char **argv, struct cli_globals *g);

/* The tables. */
extern const struct cli_table cli_oci_table;
extern const struct cli_table cli_image_table;
extern const struct cli_table cli_system_table;

/* Print "PROG: msg" on stderr (and to the --log file as a log line);
 * return exit code 1 for `return cli_error(...)`. */
int cli_error(const struct cli_globals *g, const struct error *err);
int cli_fail(const struct cli_globals *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error: "PROG CMD: msg (see 'PROG CMD --help')", one line;
 * returns g->usage_exit. */
int cli_usage_error(const struct cli_globals *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* For getopt's '?' and ':' (unknown option, missing value). */
int cli_bad_option(const struct cli_globals *g, int c, char **argv);
/* 0 when min <= have <= max (max -1: no limit), else a usage error's exit
 * code. */
int cli_want_args(const struct cli_globals *g, int have, int min, int max);
/* For commands without options: getopt (so "-x" is an unknown option,
 * anywhere before "--"), then cli_want_args. */
int cli_only_args(const struct cli_globals *g, int argc, char **argv, int min, int max);
/* The help of one command, generated from its entry. */
void cli_print_command_help(FILE *f, const struct cli_globals *g, const struct cli_command *c);

/* Image commands are in two tables (`nook load` = `nook image load`). */
#define CLI_IMAGES_USAGE "[-a] [-q] [--format table|json|TEMPLATE]"
#define CLI_LOAD_USAGE "[-i PATH] [--quiet] [--platform OS/ARCH] [--name REPO[:TAG]]"
#define CLI_LOAD_HELP "load an OCI layout or docker-save archive (stdin without -i)"
#define CLI_IMPORT_USAGE "TARBALL|DIR|- [NAME[:TAG]]"
#define CLI_IMPORT_HELP "make a one-layer image from a rootfs (tar, directory or -)"
#define CLI_SAVE_USAGE "[-o FILE] IMAGE..."
#define CLI_SAVE_HELP "write images as an OCI layout archive"
#define CLI_PULL_USAGE                                                                             \
	"[-q] [-a|--all-tags] [--platform OS/ARCH[/VARIANT]] [--tls-verify BOOL] "                 \
	"[--registries-conf FILE] IMAGE"
#define CLI_PULL_HELP "fetch an image from a registry"
/* Their entries, the same in both tables. */
#define CLI_IMAGES_ENTRY(name)                                                                     \
	{name, cli_cmd_images, CLI_STORE, CLI_IMAGES_USAGE, "list images", NULL, &cli_images_options}
#define CLI_LOAD_ENTRY                                                                             \
	{"load", cli_cmd_load, CLI_STORE, CLI_LOAD_USAGE, CLI_LOAD_HELP, NULL, &cli_load_options}
#define CLI_PULL_ENTRY                                                                             \
	{"pull", cli_cmd_pull, CLI_STORE, CLI_PULL_USAGE, CLI_PULL_HELP, NULL, &cli_pull_options}
#define CLI_PUSH_ENTRY                                                                             \
	{"push", cli_cmd_push, CLI_STORE | CLI_ARGS_IMAGE,                                         \
	 "[--tls-verify BOOL] [--format oci|v2s2] IMAGE [DESTINATION]",                            \
	 "send an image to a registry", NULL, &cli_push_options}
#define CLI_REGISTRY_ENTRIES                                                                       \
	{"login", cli_cmd_login, 0, "[-u USER] [--password-stdin] [--tls-verify BOOL] REGISTRY",  \
	 "store credentials for a registry (checked with it first)", NULL, &cli_login_options},    \
	{"logout", cli_cmd_logout, 0, "REGISTRY", "forget the credentials for a registry", NULL,   \
	 NULL},                                                                                    \
	{"search", cli_cmd_search, 0, "[--tls-verify BOOL] REGISTRY[/TERM]",                       \
	 "list the repositories of a registry's catalog (holding TERM)", NULL, &cli_tls_options}
#define CLI_IMPORT_ENTRY                                                                           \
	{"import", cli_cmd_import, CLI_STORE | CLI_ARGS_PATH, CLI_IMPORT_USAGE, CLI_IMPORT_HELP,   \
	 NULL, NULL}
#define CLI_SAVE_ENTRY                                                                             \
	{"save", cli_cmd_save, CLI_STORE | CLI_ARGS_IMAGE, CLI_SAVE_USAGE, CLI_SAVE_HELP, NULL,    \
	 &cli_save_options}
#define CLI_TAG_ENTRY                                                                              \
	{"tag", cli_cmd_tag, CLI_STORE | CLI_ARGS_IMAGE, "SOURCE TARGET", "add a name to an image", \
	 NULL, NULL}
#define CLI_RMI_ENTRY(name)                                                                        \
	{name, cli_cmd_rmi, CLI_STORE | CLI_ARGS_IMAGE, "[-f] IMAGE...", "remove images", NULL,    \
	 &cli_rmi_options}

/* Shell completion and the man page, generated from the tables
 * (cli/cmd_completion.c, cli/cmd_man.c). */
int cli_cmd_completion(int argc, char **argv, struct cli_globals *g);
int cli_cmd_complete(int argc, char **argv, struct cli_globals *g);
int cli_cmd_man(int argc, char **argv, struct cli_globals *g);
/* The short letter of long option o in opts (0: none). */
int cli_option_short(const struct cli_options *opts, const struct option *o);
/* The name of o's value in c's usage ("DIR"), else "VALUE". */
void cli_option_arg(const struct cli_command *c, const struct option *o, char *buf, size_t size);

/* Handlers shared by several tables. */
int cli_oci_update(int argc, char **argv, struct cli_globals *g);
int cli_oci_events(int argc, char **argv, struct cli_globals *g);
extern const struct cli_options cli_oci_update_options;
extern const struct cli_options cli_oci_events_options;

/* Image commands (cli/cmd_image.c, cli/cmd_bundle.c). */
struct img_store;
/* cli/rootless.c: the defaults that derive from the user.  Root:
 * /run/nook and the store's /var/lib/nook (NULL); others:
 * $XDG_RUNTIME_DIR/nook (else /tmp/nook-UID) and $XDG_DATA_HOME/nook (else
 * ~/.local/share/nook). */
const char *cli_default_root(void);
const char *cli_default_storage_root(void);
/* For an unprivileged caller, before the command's handler: the default
 * dirs made and checked (owned by the user, 0700, no symlink), and, for
 * engine and image commands, the user's namespace joined (see
 * ns_rootless_enter).  Returns 0 or the exit code after one error line. */
int cli_rootless_setup(struct cli_globals *g, bool oci);

/* Open the image store of g->storage_root (the dispatcher resolved it). */
struct img_store *cli_store_open(struct cli_globals *g, struct error *err);
/* The same for create, run and start: commits of the engine's container
 * records are not fsync'd (img_store_opts.relaxed). */
struct img_store *cli_store_open_engine(struct cli_globals *g, struct error *err);
extern const struct cli_options cli_load_options, cli_images_options, cli_rmi_options,
    cli_save_options, cli_bundle_options, cli_pull_options;
int cli_cmd_pull(int argc, char **argv, struct cli_globals *g);
int cli_cmd_push(int argc, char **argv, struct cli_globals *g);
/* run/create --pull=always|missing|never (NULL: missing) for image; *id
 * gets its id when it was found here (else NULL). */
int cli_image_ensure(struct img_store *s, const char *image, const char *policy, char **id,
		     struct error *err);
int cli_cmd_login(int argc, char **argv, struct cli_globals *g);
int cli_cmd_logout(int argc, char **argv, struct cli_globals *g);
int cli_cmd_search(int argc, char **argv, struct cli_globals *g);
extern const struct cli_options cli_login_options, cli_tls_options, cli_push_options;
int cli_cmd_load(int argc, char **argv, struct cli_globals *g);
int cli_cmd_import(int argc, char **argv, struct cli_globals *g);
int cli_cmd_images(int argc, char **argv, struct cli_globals *g);
int cli_cmd_tag(int argc, char **argv, struct cli_globals *g);
int cli_cmd_rmi(int argc, char **argv, struct cli_globals *g);
int cli_cmd_save(int argc, char **argv, struct cli_globals *g);
int cli_cmd_bundle(int argc, char **argv, struct cli_globals *g);
int cli_image_mount(int argc, char **argv, struct cli_globals *g);
int cli_image_unmount(int argc, char **argv, struct cli_globals *g);

/* A Go-template subset for --format (cli/template.c): {{.A.B}},
 * {{json .X}}, {{index .X "k"}}, {{join .X "sep"}}, a "table" prefix, the
 * escapes \t and \n.  cli_template_new: EINVAL on a syntax error; headers
 * are pairs FIELD, HEADER (NULL-terminated) for the table's header row, a
 * field without one shown in capitals.  cli_template_render: *out the
 * text for data (borrowed), caller frees; EINVAL naming an unknown
 * field. */
struct json_object;
struct cli_template;
/* The longer help of --format, --since/--until, --log-opt (the
 * dispatcher adds it to the help of commands that take them). */
extern const char cli_template_help[], cli_time_help[], cli_log_opt_help[];
struct cli_template *cli_template_new(const char *text, const char *const *headers,
				      struct error *err);
void cli_template_free(struct cli_template *t);
void cli_template_freep(struct cli_template **t);
#define _cleanup_template_ _cleanup_(cli_template_freep)
bool cli_template_table(const struct cli_template *t);
int cli_template_render(const struct cli_template *t, struct json_object *data, char **out,
			struct error *err);
/* The header row of a table template; caller frees. */
char *cli_template_header(const struct cli_template *t);
/* Print rows whose cells end at a tab, aligned as docker's tables (Go's
 * tabwriter: minimum width 10, padding 3). */
void cli_table_print(FILE *f, char *const *rows);
/* docker's exit codes for the engine's commands: nook itself failed, the
 * command cannot be invoked, it is not found. */
enum { EXIT_NOOK = 125, EXIT_CANNOT_INVOKE = 126, EXIT_NOT_FOUND = 127 };
#define CLI_EXIT_NOOK EXIT_NOOK
/* --format of ps, inspect, images: NULL or "table" -> table (the
 * default table template), "json" -> {{json .}}, else a template.  NULL
 * after reporting a syntax error, *rc then 125. */
struct cli_template *cli_format_template(struct cli_globals *g, const char *format,
					 const char *table, const char *const *headers, int *rc);
/* Print each row through t (a header row first for a table); 0, or 125
 * after one error line (an unknown field). */
int cli_format_print(struct cli_globals *g, const struct cli_template *t,
		     struct json_object *const *rows, size_t n);

/* The engine (cli/cmd_engine.c, cli/cmd_ps.c). */
void cli_store_freep(struct img_store **s);
struct rt_context;
struct img_ctr;
/* docker's State of c: created, running, paused (the kernel's freezer
 * state), exited. */
const char *cli_ctr_state(const struct rt_context *ctx, const struct img_ctr *c);
#define _cleanup_engine_store_ _cleanup_(cli_store_freep)
extern const struct cli_options cli_run_options, cli_start_options, cli_ps_options,
    cli_logs_options, cli_inspect_options, cli_stop_options, cli_kill_options, cli_rm_options;
int cli_cmd_create(int argc, char **argv, struct cli_globals *g);
int cli_cmd_run(int argc, char **argv, struct cli_globals *g);
int cli_cmd_start(int argc, char **argv, struct cli_globals *g);
int cli_cmd_ps(int argc, char **argv, struct cli_globals *g);
int cli_cmd_logs(int argc, char **argv, struct cli_globals *g);
int cli_cmd_stop(int argc, char **argv, struct cli_globals *g);
int cli_cmd_kill(int argc, char **argv, struct cli_globals *g);
int cli_cmd_wait(int argc, char **argv, struct cli_globals *g);
int cli_cmd_rm(int argc, char **argv, struct cli_globals *g);
int cli_cmd_inspect(int argc, char **argv, struct cli_globals *g);
int cli_cmd_restart(int argc, char **argv, struct cli_globals *g);
int cli_cmd_rename(int argc, char **argv, struct cli_globals *g);
int cli_cmd_container_prune(int argc, char **argv, struct cli_globals *g);
/* images --format TEMPLATE, one row an image name (cli/cmd_inspect.c):
 * 0 or 125. */
struct img_info;
int cli_images_format(struct cli_globals *g, const char *format, const struct img_info *v,
		      size_t n);
/* docker's "3 minutes", "About an hour" for ns nanoseconds. */
void cli_human_duration(int64_t ns, char *buf, size_t size);
/* system df and prune (cli/cmd_system.c). */
extern const struct cli_options cli_system_prune_options;
int cli_cmd_system_df(int argc, char **argv, struct cli_globals *g);
int cli_cmd_system_prune(int argc, char **argv, struct cli_globals *g);
/* "1.5MB" as docker prints sizes (cli/cmd_image.c). */
void cli_human_size(uint64_t n, char buf[32]);
extern const struct cli_table cli_container_table;
/* On running containers (cli/cmd_ctr.c, cli/cmd_cp.c). */
extern const struct cli_options cli_exec_options, cli_attach_options, cli_stats_options,
    cli_cp_options;
int cli_cmd_exec(int argc, char **argv, struct cli_globals *g);
int cli_cmd_attach(int argc, char **argv, struct cli_globals *g);
int cli_cmd_pause(int argc, char **argv, struct cli_globals *g);
int cli_cmd_unpause(int argc, char **argv, struct cli_globals *g);
int cli_cmd_top(int argc, char **argv, struct cli_globals *g);
int cli_cmd_stats(int argc, char **argv, struct cli_globals *g);
int cli_cmd_port(int argc, char **argv, struct cli_globals *g);
int cli_cmd_cp(int argc, char **argv, struct cli_globals *g);
#define CLI_CTR_ENTRIES                                                                            \
	{"exec", cli_cmd_exec, CLI_ENGINE_FLAGS | CLI_OPERANDS_END,                                \
	 "[-i] [-t] [-d] [--detach-keys KEYS] [-e KEY=VAL] [--env-file FILE] [-u USER[:GROUP]] "   \
	 "[-w DIR] [--privileged] CONTAINER COMMAND [ARG...]",                                     \
	 "run a command in a running container", NULL, &cli_exec_options},                         \
	{"attach", cli_cmd_attach, CLI_ENGINE_FLAGS,                                               \
	 "[--detach-keys KEYS] [--no-stdin] CONTAINER",                                            \
	 "connect to a running container's input and output (detach: ctrl-p ctrl-q)", NULL,        \
	 &cli_attach_options},                                                                     \
	{"pause", cli_cmd_pause, CLI_ENGINE_FLAGS, "CONTAINER...",                                 \
	 "freeze every process of containers", NULL, NULL},                                        \
	{"unpause", cli_cmd_unpause, CLI_ENGINE_FLAGS, "CONTAINER...",                             \
	 "thaw paused containers", NULL, NULL},                                                    \
	{"top", cli_cmd_top, CLI_ENGINE_FLAGS | CLI_OPERANDS_END, "CONTAINER [PS OPTIONS]",        \
	 "show a container's processes (ps -ef, or the ps options given)", NULL, NULL},            \
	{"stats", cli_cmd_stats, CLI_ENGINE_FLAGS, "[-a] [--no-stream] [--format table|json] "     \
	 "[CONTAINER...]",                                                                         \
	 "show containers' CPU, memory, pids and I/O", NULL, &cli_stats_options},                  \
	{"cp", cli_cmd_cp, CLI_ENGINE_FLAGS | CLI_ARGS_PATH,                                       \
	 "[-a] [-L] CONTAINER:PATH HOSTPATH|- | [-a] [-L] HOSTPATH|- CONTAINER:PATH",              \
	 "copy files out of or into a container (-: a tar stream on stdout or stdin; -L: follow "  \
	 "a symlink at the source; -a: into a container with a user, owned by that user, else "    \
	 "the source's ids, as docker)",                                                           \
	 NULL, &cli_cp_options},                                                                   \
	{"port", cli_cmd_port, CLI_ENGINE_FLAGS, "CONTAINER", "list a container's published ports",  \
	 NULL, NULL}
int cli_cmd_monitor(int argc, char **argv, struct cli_globals *g);
int cli_cmd_network_hook(int argc, char **argv, struct cli_globals *g);
/* Networks and published ports (cli/cmd_network.c). */
extern const struct cli_table cli_network_table;
int cli_cmd_port(int argc, char **argv, struct cli_globals *g);
int cli_cmd_volume_create(int argc, char **argv, struct cli_globals *g);
int cli_cmd_volume_ls(int argc, char **argv, struct cli_globals *g);
int cli_cmd_volume_inspect(int argc, char **argv, struct cli_globals *g);
int cli_cmd_volume_rm(int argc, char **argv, struct cli_globals *g);
int cli_cmd_volume_prune(int argc, char **argv, struct cli_globals *g);
extern const struct cli_table cli_volume_table;
extern const struct cli_options cli_volume_create_options, cli_volume_ls_options,
    cli_volume_rm_options, cli_volume_prune_options;
/* --log-opt max-size=SIZE[,max-file=N] (cli/cmd_logs.c): 0 or the
 * usage error's exit code. */
int cli_log_opt(struct cli_globals *g, const char *arg, uint64_t *max_size, int *max_file);
/* --since/--until TIME: RFC 3339 (2026-11-30T12:00:00Z, with a fraction
 * or an offset; a date alone), unix seconds (with a fraction), or a Go
 * duration before now (10m, 1h30m).  *ns since the epoch.  EINVAL. */
int cli_time_parse(const char *s, int64_t now, int64_t *ns, struct error *err);
#define CLI_RUN_USAGE                                                                              \
	"[--name NAME] [--rm] [-d] [-i] [-t] [-e KEY=VAL] [-w DIR] [-u USER[:GROUP]] "             \
	"[--entrypoint CMD] [--hostname NAME] "                                                    \
	"[--network MODE|pasta[:OPT,...]|slirp4netns[:OPT,...]] "                                  \
	"[--userns host|keep-id|auto] [-p [IP:]HOST:CTR[/PROTO]] [-P] "                          \
	"[--ip IP] [--ip6 IP] [--mac-address MAC] [--network-alias NAME] [--dns IP] "             \
	"[--add-host NAME:IP] "                                                                    \
	"[--read-only] "                \
	"[--cap-add CAP] [--cap-drop CAP] [--privileged] [--security-opt OPT] "                    \
	"[-v HOST:CTR|NAME:CTR|CTR[:ro|rw]] [-l KEY=VAL] [--pull always|missing|never] "          \
	"[--env-file FILE] [--annotation KEY=VAL] "                                                \
	"[--stop-signal SIG] [--stop-timeout SECONDS] [--timeout SECONDS] [--sig-proxy=false] "    \
	"[--ulimit NAME=SOFT[:HARD]] [--mount type=bind|tmpfs|volume,...] [--tmpfs DST[:OPTS]] "   \
	"[-m SIZE] [--memory-swap SIZE] [--memory-reservation SIZE] [--cpus N] "                   \
	"[--cpu-shares N] [--cpuset-cpus LIST] [--pids-limit N] [--init] [--detach-keys KEYS] "   \
	"[--log-opt max-size=SIZE[,max-file=N]] "                                                \
	"IMAGE [COMMAND [ARG...]]"
#define CLI_ENGINE_FLAGS (CLI_STATE | CLI_STORE)

#endif
