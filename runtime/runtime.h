/* runtime: container lifecycle and policy — what happens in which order,
 * per the OCI runtime spec.  cli/ calls these; nothing here prints to the
 * user or exits.  Container state lives under ctx->root/ID/. */
#ifndef NOOK_RUNTIME_H
#define NOOK_RUNTIME_H

#include "base/base.h"

struct rt_context {
	const char *root; /* state directory (runc --root), e.g. /run/nook */
};

enum rt_status { RT_STATUS_CREATING, RT_STATUS_CREATED, RT_STATUS_RUNNING, RT_STATUS_PAUSED, RT_STATUS_STOPPED };
const char *rt_status_name(enum rt_status s);

struct rt_create_opts {
	const char *bundle;         /* default "." */
	const char *pid_file;       /* NULL = none */
	const char *console_socket; /* NULL = none */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;           /* fds 3..3+N-1 passed to the container */
	bool detach;                /* run only */
};

/* Container summary, as `list` and `state` show it. */
struct rt_info {
	char *id;
	pid_t pid; /* 0 when stopped */
	enum rt_status status;
	char *bundle;
	char *rootfs;
	char created[64];
	char *owner;
};
void rt_info_release(struct rt_info *i);

int rt_container_create(const struct rt_context *ctx, const char *id,
			const struct rt_create_opts *o, struct error *err);
int rt_container_start(const struct rt_context *ctx, const char *id, struct error *err);
/* create+start.  Foreground (o->detach false): forwards signals, reaps and
 * returns the exit code in *status (128+N when killed by signal N). */
int rt_container_run(const struct rt_context *ctx, const char *id, const struct rt_create_opts *o,
		     int *status, struct error *err);
/* The OCI state document (JSON text, caller frees). */
int rt_container_state(const struct rt_context *ctx, const char *id, char **json, struct error *err);
int rt_container_info(const struct rt_context *ctx, const char *id, struct rt_info *out,
		      struct error *err);
int rt_container_list(const struct rt_context *ctx, struct rt_info **out, size_t *n,
		      struct error *err);
int rt_container_kill(const struct rt_context *ctx, const char *id, int sig, bool all,
		      struct error *err);
int rt_container_delete(const struct rt_context *ctx, const char *id, bool force,
			struct error *err);
int rt_container_pause(const struct rt_context *ctx, const char *id, struct error *err);
int rt_container_resume(const struct rt_context *ctx, const char *id, struct error *err);
int rt_container_pids(const struct rt_context *ctx, const char *id, pid_t **pids, size_t *n,
		      struct error *err);

struct rt_exec_opts {
	const char *process_file; /* process.json, or NULL to use the fields below */
	char **args;
	bool tty;
	bool detach;
	const char *cwd;
	char **env;               /* added to the container's env */
	const char *user;         /* "uid[:gid]" */
	char **caps;              /* added capabilities */
	bool no_new_privs;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
};
int rt_container_exec(const struct rt_context *ctx, const char *id, const struct rt_exec_opts *o,
		      int *status, struct error *err);

/* Merge resources_json (an OCI linux.resources object) into the
 * container's limits and apply them to its cgroup. */
int rt_container_update(const struct rt_context *ctx, const char *id, const char *resources_json,
			struct error *err);

/* `events`.  Each event is one line of JSON, as runc prints them:
 * {"type":"stats","id":ID,"data":{"cpu":…,"memory":…,"pids":…,"blkio":…}}
 * and {"type":"oom","id":ID}.  The container must not be stopped.
 * rt_container_stats gives one stats event (caller frees).
 * rt_container_events calls emit with a stats event every interval_ms and
 * an oom event for each OOM kill counted in the container's memory.events
 * (watched with POLLPRI), until the container's init exits (0) or emit
 * returns < 0 (0: the reader is gone). */
int rt_container_stats(const struct rt_context *ctx, const char *id, char **event,
		       struct error *err);
int rt_container_events(const struct rt_context *ctx, const char *id, unsigned interval_ms,
			int (*emit)(const char *event, void *data), void *data,
			struct error *err);

/* The annotation `state` adds for a stopped container whose processes
 * the kernel's OOM killer killed. */
#define RT_ANNOTATION_OOM_KILLED "io.github.nook.oom-killed"
/* *killed: the kernel's OOM killer killed a process of the container
 * (memory.events oom_kill of its cgroup is not zero), e.g. the engine's
 * inspect "OOMKilled".  Known until the container is deleted (a foreground
 * run deletes it when its init exits: its status, 137, tells instead). */
int rt_container_oom_killed(const struct rt_context *ctx, const char *id, bool *killed,
			    struct error *err);

/* Bundles and mounts made from images (runtime/bundle.c).  Each survives
 * a kill -9 between any two steps: the same command run again finishes
 * it.  rt_bundle_create: dir gets rootfs/ (a writable overlay over the
 * image) and config.json (the default spec with the image's Entrypoint,
 * Cmd, Env, WorkingDir and User, a named user or group resolved in the
 * image's /etc/passwd and /etc/group, refused when missing).  EEXIST when
 * dir is a complete bundle already.  rt_bundle_remove undoes it.
 * rt_image_mount: a read-only view of the image, *merged its path. */
struct img_store;
struct img_ctr;
int rt_bundle_create(struct img_store *s, const char *image, const char *dir, struct error *err);
int rt_bundle_remove(struct img_store *s, const char *dir, struct error *err);
int rt_image_mount(struct img_store *s, const char *image, char **merged, struct error *err);
int rt_image_unmount(struct img_store *s, const char *image, struct error *err);

/* Default security profiles for containers (runtime/profile.c): docker's
 * and podman's seccomp allow-list (with its clone/clone3, personality and
 * socket argument filters), capability set, masked and read-only /proc
 * and /sys paths, no_new_privs.  The /dev of the default config.json is
 * already a private tmpfs holding only the default devices. */
enum rt_profile { RT_PROFILE_DOCKER, RT_PROFILE_PODMAN };
struct rt_profile_opts {
	enum rt_profile profile;
	/* docker --privileged: every capability, no seccomp filter, no
	 * masked or read-only paths, no no_new_privs. */
	bool privileged;
};
struct json_object;
/* "docker", "podman" -> the profile; EINVAL otherwise. */
int rt_profile_parse(const char *name, enum rt_profile *out, struct error *err);
/* Set process.capabilities, process.noNewPrivileges, linux.seccomp,
 * linux.maskedPaths and linux.readonlyPaths of doc (a config.json object,
 * borrowed) to the profile's.  Callers that change the capabilities
 * afterwards (--cap-add) rebuild linux.seccomp with rt_profile_seccomp:
 * docker's list opens calls guarded by a capability when it is granted. */
int rt_profile_apply(struct json_object *doc, const struct rt_profile_opts *o, struct error *err);
/* The linux.seccomp object for a container with this bounding set (bit N
 * = capability N); caller owns it. */
struct json_object *rt_profile_seccomp(uint64_t bounding);
/* rt_spec_default_json with the profile applied; caller frees. */
char *rt_profile_spec(bool rootless, const struct rt_profile_opts *o, struct error *err);

/* `spec` and `features`.  profile NULL: runc's defaults. */
int rt_spec_write(const char *bundle, bool rootless, const struct rt_profile_opts *profile,
		  struct error *err);
/* The config.json text `spec` writes (runc's defaults, hostname "nook");
 * caller frees.  Callers that make bundles start from it. */
char *rt_spec_default_json(bool rootless);
char *rt_features(void);

/* ------------------------------------------------------------- engine -- */

/* The engine (runtime/engine*.c, runtime/monitor.c): containers made from
 * images, recorded in the image store, each run by a monitor process. */
struct rt_engine_opts {
	const char *name;       /* NULL: generated */
	const char *image;
	char **cmd;             /* replaces the image's Cmd when not empty */
	const char *entrypoint; /* NULL: the image's; "" none */
	char **env;             /* KEY=VAL (or KEY: taken from our environment) */
	const char *workdir, *user, *hostname;
	const char *network;    /* NULL/"none" or "host" */
	const char *userns;     /* NULL/"host" or "keep-id" (rootless) */
	bool read_only, privileged, no_new_privs, seccomp_unconfined;
	bool rm, tty, interactive;
	char **cap_add, **cap_drop;
	char **volumes;         /* HOST:CTR[:ro|rw] */
	char **labels;          /* KEY=VAL */
};
/* Record the container, then make its bundle (overlay root, config.json:
 * default spec, docker's profile, the options).  *id gets its id. */
int rt_engine_create(struct img_store *s, const struct rt_engine_opts *o, char **id,
		     struct error *err);

/* runtime/network_rootless.c: `--network pasta[:OPT,...]`.  is: the value
 * names pasta; edit: config.json gets the createRuntime hook that runs
 * `nook __network NETWORK`; start (in that hook): pasta connects the
 * network namespace of pid (one line naming what failed). */
bool rt_network_is_rootless(const char *network);
int rt_network_rootless_edit(struct json_object *doc, const char *network, struct error *err);
int rt_network_rootless_start(const char *network, pid_t pid, struct error *err);

/* CLOCK_REALTIME in nanoseconds (the records' times). */
int64_t rt_now_ns(void);

enum rt_engine_status { RT_ENGINE_CREATED, RT_ENGINE_RUNNING, RT_ENGINE_EXITED };
/* What the kernel says: the recorded pid still runs with its start time. */
enum rt_engine_status rt_engine_status(const struct img_ctr *c);
const char *rt_engine_status_name(enum rt_engine_status st);

/* Start a created or exited container under a new monitor (double
 * forked: it outlives us).  attach: *attach_fd gets our end of the
 * monitor's attach socket (rt_engine_attach), else -1.  stdin_fd: with
 * attach and -i, what the client copies to the container. */
int rt_engine_start(struct img_store *s, const struct rt_context *ctx, const char *ref,
		    bool attach, int *attach_fd, struct error *err);
/* The monitor process (`nook __monitor`, exec'd by rt_engine_start):
 * never returns. */
_Noreturn int rt_engine_monitor(const char *root, const char *store_root, const char *id,
				const char *dir, const char *flags, int sync_fd, int attach_fd);
/* Stream the container's output to our stdout/stderr, our stdin to it
 * (when it was made with -i), our signals to it, until it exits: *status
 * gets its exit code.  ENOLINK when the monitor went away first. */
int rt_engine_attach(int fd, bool tty, bool input, int *status, struct error *err);
int rt_engine_kill(struct img_store *s, const struct rt_context *ctx, const char *ref, int sig,
		   struct error *err);
/* Stop signal, then SIGKILL after timeout seconds; waits for the exit. */
int rt_engine_stop(struct img_store *s, const struct rt_context *ctx, const char *ref,
		   int timeout, struct error *err);
/* Wait for the container to exit; *code its exit code. */
int rt_engine_wait(struct img_store *s, const char *ref, int *code, struct error *err);
/* Remove a container: a running one only with force (killed first). */
int rt_engine_remove(struct img_store *s, const struct rt_context *ctx, const char *ref,
		     bool force, struct error *err);
int rt_engine_rename(struct img_store *s, const char *ref, const char *name, struct error *err);
/* Remove every container that is not running; *removed their ids
 * (strv_free). */
int rt_engine_prune(struct img_store *s, const struct rt_context *ctx, char ***removed,
		    struct error *err);
/* The log of a container: <dir>.log, one record a line:
 * "RFC3339NANO stdout|stderr TEXT". */
char *rt_engine_log_path(const struct img_ctr *c);

#endif
