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
	/* When set: called in the parent as soon as the init runs in its
	 * namespaces, while it sets itself up (the engine makes the
	 * container's network there); a failure aborts the create. */
	int (*spawned)(void *arg, pid_t pid, struct error *err);
	void *spawned_arg;
	/* When set: a network namespace nobody uses yet, lo up (the engine's
	 * monitor makes one while it waits), where the init is born instead
	 * of a new one of its own, when the config asks for a new one and no
	 * user namespace. */
	bool has_fresh_netns;
	int fresh_netns_fd;
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
	/* With a pty relayed by us: typed, they detach (the process runs
	 * on; a child of ours keeps its terminal open).  NULL: none. */
	const struct rt_detach_keys *detach_keys;
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
/* The default config.json with the profile applied; caller frees. */
char *rt_profile_spec(bool rootless, const struct rt_profile_opts *o, struct error *err);

/* `spec` and `features`.  profile NULL: runc's defaults. */
int rt_spec_write(const char *bundle, bool rootless, const struct rt_profile_opts *profile,
		  struct error *err);
char *rt_features(void);

/* ------------------------------------------------------------- engine -- */

/* The engine (runtime/engine*.c, runtime/monitor.c): containers made from
 * images, recorded in the image store, each run by a monitor process. */
struct rt_engine_opts {
	const char *name;       /* NULL: generated */
	const char *image;
	const char *image_id;	/* its id if resolved already; NULL: here */
	char **cmd;             /* replaces the image's Cmd when not empty */
	const char *entrypoint; /* NULL: the image's; "" none */
	char **env;             /* KEY=VAL (or KEY: taken from our environment) */
	const char *workdir, *user, *hostname;
	const char *network;    /* none, host, bridge, NAME, container:REF, pasta[:OPTS],
				 * slirp4netns[:OPTS];
				 * NULL: config's (rootless: none) */
	char **publish;         /* -p values */
	bool publish_all;       /* -P: the image's ExposedPorts */
	char **network_aliases, **dns, **add_hosts;
	const char *ip, *ip6, *mac;
	const char *userns;     /* NULL/"host" or "keep-id" (rootless) */
	bool read_only, privileged, no_new_privs, seccomp_unconfined;
	bool rm, tty, interactive;
	char **cap_add, **cap_drop;
	char **volumes;         /* HOST:CTR[:ro|rw] */
	char **labels;          /* KEY=VAL */
	char **annotations;	/* KEY=VAL, the spec's annotations */
	const char *stop_signal;  /* NULL: the image's StopSignal, else SIGTERM */
	int stop_timeout;	  /* seconds stop waits before SIGKILL; -1: 10 */
	unsigned timeout;	  /* podman's --timeout: SIGKILL after this many
				   * seconds of running; 0 none */
	char **ulimits;		  /* NAME=SOFT[:HARD] (docker's names, -1 unlimited) */
	const char *seccomp_file; /* a docker-format seccomp profile */
	char **mounts;		  /* --mount type=bind|tmpfs,... */
	char **tmpfs;		  /* DST[:OPTIONS] */
	/* Limits, docker's syntax (NULL: none): sizes as "512m", cpus as
	 * "1.5", cpuset as "0-2,4". */
	const char *memory, *memory_swap, *memory_reservation, *cpus, *cpuset_cpus;
	const char *cpu_shares, *pids_limit;
	bool init; /* --init: PID 1 reaps and forwards (RT_ANNOTATION_INIT) */
	uint64_t log_max_size;  /* --log-opt max-size; 0: no cap */
	int log_max_file;       /* --log-opt max-file; 0: 1 */
	/* The runtime's state root (a tmpfs, as /run is): the bundle of a
	 * --rm container (mount point, config.json, log, socket) is made
	 * under it, RT_ENGINE_RM_DIR/<id>, not in the store.  NULL: the
	 * store's engine/ for every container. */
	const char *run_root;
	/* run: the monitor starts the container as soon as it is made, and
	 * syncs its config.json to disk then, off the path of `run -d` (a
	 * kept bundle's config.json is synced, as docker syncs its
	 * container's config, for the host's crash, not a kill). */
	bool started_now;
};
/* Under run_root: where --rm bundles go ('@' is in no container id, so no
 * container's state directory is this one). */
#define RT_ENGINE_RM_DIR ".engine@rm"
/* The annotation that makes the container's init stay as PID 1: it forks,
 * the child execs the process, the init reaps every zombie, forwards the
 * signals it gets to the child and exits with the child's status. */
#define RT_ANNOTATION_INIT "io.github.nook.init"
/* Record the container, then make its bundle (overlay root, config.json:
 * default spec, docker's profile, the options).  *id gets its id; made
 * (NULL: not asked) its record as it now stands, for a start that follows
 * (img_ctr_release). */
int rt_engine_create(struct img_store *s, const struct rt_engine_opts *o, char **id,
		     struct img_ctr *made, struct error *err);

/* runtime/network_rootless.c: `--network pasta[:OPT,...]` and
 * `--network slirp4netns[:OPT,...]`, with -p values publish (NULL: none).
 * is: the value names one of them; check: the options and ports parse
 * (one line naming the bad one); edit: config.json gets the createRuntime
 * hook that runs `nook __network NETWORK [PORT...]`; start (in that hook):
 * the helper connects the network namespace of pid and publishes the
 * ports (one line naming what failed). */
bool rt_network_is_rootless(const char *network);
int rt_network_rootless_check(const char *network, char *const *publish, struct error *err);
int rt_network_rootless_edit(struct json_object *doc, const char *network, char *const *publish,
			     struct error *err);
int rt_network_rootless_start(const char *network, char *const *publish, pid_t pid,
			      struct error *err);

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
/* The exit code of a start that failed with err, as docker's: 127 the
 * command is not found, 126 it cannot be invoked, else 125. */
int rt_engine_start_exit(const struct error *err);
/* A monitor spawned ahead of its container (`nook run`): forked and
 * exec'd before the container is created, so that its start overlaps
 * the create; it waits for rt_engine_start_spawned to name the
 * container.  Released unused, it exits having done nothing. */
struct rt_monitor_spawn {
	int sync_fd, attach_fd; /* -1: none */
	pid_t first;		/* an exec'd one's first child, to reap; 0 none */
};
/* warm_netns: the container will likely have a network namespace of its
 * own (rt_engine_wants_netns): the monitor makes one while it waits. */
/* spare_name (and the store at spare_root): the directories of the
 * container about to be created, made meanwhile (img_spare_make); the
 * client opens its store with the same img_store_opts.spare.  Root only
 * (a monitor forked, not exec'd); otherwise ignored. */
int rt_engine_monitor_spawn(const struct rt_context *ctx, bool attach, bool warm_netns,
			    const char *spare_root, const char *spare_name,
			    struct rt_monitor_spawn *sp, struct error *err);
/* Whether a monitor spawned ahead is forked, not exec'd (as root outside
 * a user namespace): only a forked one makes the spare directories. */
bool rt_engine_monitor_forks(void);
/* Whether a container of o will have a new network namespace that nook
 * makes as root outside any user namespace (none, bridge, a network). */
bool rt_engine_wants_netns(const struct rt_engine_opts *o);
void rt_monitor_spawn_release(struct rt_monitor_spawn *sp);
/* rt_engine_start with the monitor spawned ahead (sp, whose fds it takes;
 * attach as sp was spawned); NULL: one of its own.  fresh: the record
 * rt_engine_create just made (it is not looked up again, and has no last
 * run to clean up after); NULL: ref is looked up. */
int rt_engine_start_spawned(struct img_store *s, const struct rt_context *ctx, const char *ref,
			    const struct img_ctr *fresh, bool attach, struct rt_monitor_spawn *sp,
			    int *attach_fd, struct error *err);
/* The monitor process (`nook __monitor`, exec'd by rt_engine_start):
 * never returns. */
_Noreturn int rt_engine_monitor(const char *root, const char *store_root, const char *id,
				const char *dir, const char *flags, int sync_fd, int attach_fd);
/* Stream the container's output to our stdout/stderr, our stdin to it
 * (when it was made with -i), our signals to it (unless !sig_proxy:
 * docker's --sig-proxy=false), until it exits: *status gets its exit
 * code.  ENOLINK when the monitor went away first.  A --rm container
 * (ref, in store s) is gone when this returns: its monitor hands the
 * removal to the attached client, which has the store open already (the
 * monitor would have to open it, ~1 ms), and does it itself when the
 * client goes away before it is done.  keys: the detach keys read on our
 * stdin (NULL: ctrl-p ctrl-q); typed, they detach: *status 0, the
 * container goes on. */
struct rt_detach_keys;
int rt_engine_attach(struct img_store *s, const struct rt_context *ctx, const char *ref, int fd,
		     bool tty, bool input, bool sig_proxy, const struct rt_detach_keys *keys,
		     int *status, struct error *err);
int rt_engine_kill(struct img_store *s, const struct rt_context *ctx, const char *ref, int sig,
		   struct error *err);
/* Stop signal, then SIGKILL after timeout seconds (< 0: the container's
 * --stop-timeout, else 10); waits for the exit. */
int rt_engine_stop(struct img_store *s, const struct rt_context *ctx, const char *ref,
		   int timeout, struct error *err);
/* Wait for the container to exit; *code its exit code. */
int rt_engine_wait(struct img_store *s, const char *ref, int *code, struct error *err);
/* Remove a container: a running one only with force (killed first). */
int rt_engine_remove(struct img_store *s, const struct rt_context *ctx, const char *ref,
		     bool force, struct error *err);
/* rt_engine_remove, then the container's anonymous volumes (rm -v, and
 * --rm, as docker). */
int rt_engine_remove_volumes(struct img_store *s, const struct rt_context *ctx, const char *ref,
			     bool force, struct error *err);
int rt_engine_rename(struct img_store *s, const char *ref, const char *name, struct error *err);
/* Remove every container that is not running; *removed their ids
 * (strv_free). */
int rt_engine_prune(struct img_store *s, const struct rt_context *ctx, char ***removed,
		    struct error *err);
/* Engine volumes (runtime/volume.c).  rt_volume_path: NAME's _data
 * directory (caller frees).  rt_volume_create: name NULL gives a random
 * name; anonymous: made for a container (-v /path, the image's Volumes);
 * labels KEY=VAL (NULL: none; an empty KEY is EINVAL); opts: docker's
 * local driver options type=, device=, o= (NULL: none; a volume with
 * them is a mount of its own); EEXIST when a volume has the name; *out
 * (optional) its name.  rt_volume_remove: EBUSY while a container uses
 * it; a mounted volume is unmounted before anything is deleted.
 * rt_volume_prune: the volumes no container uses (running or not) that f
 * selects, as docker 23+'s volume prune: anonymous ones only unless
 * f->all; *removed their names.
 * rt_volume_list: the names; rt_volume_inspect: docker's JSON object.
 * rt_volume_attach: the volume (made when missing; name NULL: a new
 * anonymous one) linked to container ctr; *out its name; *ro whether
 * its options make it read-only (then mounted, as one with options is).
 * rt_volume_copy_up: an empty volume gets the image's content at dest
 * inside rootfs (resolved in the root), as docker does on first use. */
char *rt_volume_path(struct img_store *s, const char *name);
struct rt_volume_filter {
	bool all;	   /* named volumes too (-a, or --filter all=true) */
	char **labels;	   /* label=KEY[=VALUE]: every one must match */
	char **not_labels; /* label!=KEY[=VALUE]: kept when all of them match */
	/* volume ls only: */
	char **names;	   /* name=PART: the name contains one of them */
	int dangling;	   /* dangling=true (1): used by no container; false
			    * (0): used by one; -1: either */
	bool no_driver;	   /* driver=X where X is not "local": none match */
};
int rt_volume_create(struct img_store *s, const char *name, bool anonymous, char *const *labels,
		     char *const *opts, char **out, struct error *err);
int rt_volume_remove(struct img_store *s, const char *name, struct error *err);
int rt_volume_prune(struct img_store *s, const struct rt_volume_filter *f, char ***removed,
		    struct error *err);
/* docker inspect's Mounts of c: the volumes (Name, Driver), binds and
 * --mount tmpfs its bundle mounts, with Source, Destination, Mode, RW,
 * Propagation.  An empty array when it has no bundle. */
struct json_object *rt_engine_mounts_json(struct img_store *s, const struct img_ctr *c);
/* The volumes f lets through (NULL: all), docker's volume ls filters. */
int rt_volume_list(struct img_store *s, const struct rt_volume_filter *f, char ***names,
		   struct error *err);
char *rt_volume_inspect(struct img_store *s, const char *name, struct error *err);
int rt_volume_attach(struct img_store *s, const char *name, const char *ctr, char **out,
		     bool *ro, struct error *err);
/* The volumes with options that container c uses, mounted (a start). */
int rt_volumes_mount(struct img_store *s, const struct img_ctr *c, struct error *err);
int rt_volume_copy_up(struct img_store *s, const char *name, const char *rootfs, const char *dest,
		      struct error *err);

/* The log of a container: <dir>.log, one record a line:
 * "RFC3339NANO stdout|stderr TEXT"; with --log-opt max-size also the
 * rotated <dir>.log.1 (newer) ... <dir>.log.N (older). */
char *rt_engine_log_path(const struct img_ctr *c);
#define RT_ENGINE_LOG_FILES_MAX 100
/* The files of log (rt_engine_log_path) that exist, oldest first (the log
 * itself last); strv_free. */
char **rt_engine_log_files(const char *log);
/* Bytes a container takes (its writable layer and logs; runtime/engine_df.c). */
uint64_t rt_engine_size(struct img_store *s, const struct img_ctr *c);
/* Remove the log and its rotated files (missing ones are fine). */
int rt_engine_log_remove(const struct img_ctr *c, struct error *err);

/* --------------------------------------------------- engine networks -- */

/* runtime/networks.c: bridge networks of the engine (the default one,
 * "nook", is recorded on first use). */
struct rt_network_opts {
	const char *name;
	const char *subnet;  /* CIDR; NULL: a free /24 of 10.89.0.0/16 */
	const char *gateway; /* NULL: the subnet's first address */
	bool internal;       /* no NAT, no forwarding: containers reach only each other */
	bool ipv6;           /* dual-stack (set by subnet6 too) */
	const char *subnet6; /* IPv6 CIDR; NULL with ipv6: a ULA /64 from the name */
};
/* Record it, then make its bridge and nftables elements (in the caller's
 * network namespace). */
int rt_network_create(struct img_store *s, const struct rt_network_opts *o, struct error *err);
/* EBUSY while containers use it; EPERM for the default network. */
int rt_network_remove(struct img_store *s, const char *name, struct error *err);
/* Every network without containers but the default; *removed their
 * names (strv_free). */
int rt_network_prune(struct img_store *s, char ***removed, struct error *err);
/* `nook network connect`: ctr (running) joins network as one more
 * interface, ethN (ip: that address, NULL: the next free; ip6: that v6
 * address on a dual-stack network, NULL: derived; aliases: NULL for
 * none); every hosts file on the network learns its name.
 * `disconnect` undoes it (force: also when the veth cannot be removed);
 * the network a container was created on stays. */
int rt_network_connect(struct img_store *s, const char *network, const char *ctr, const char *ip,
		       const char *ip6, char **aliases, struct error *err);
int rt_network_disconnect(struct img_store *s, const char *network, const char *ctr, bool force,
			  struct error *err);
/* docker's NetworkSettings of c (inspect): addresses, gateway, MAC,
 * ports and one entry a network.  Never fails: what cannot be read is
 * left out. */
struct json_object *rt_engine_net_settings(struct img_store *s, const struct img_ctr *c);
/* ----------------------------------------- engine: running containers -- */

/* The operations on a running engine container (runtime/engine_ops.c,
 * runtime/engine_cp.c): exec, pause, top, stats, attach, cp. */
struct rt_engine_exec_opts {
	char **cmd;          /* the command, not empty */
	char **env;          /* KEY=VAL, over the container's */
	const char *user;    /* USER[:GROUP], names resolved in the container */
	const char *workdir; /* absolute; NULL: the container's */
	bool tty, detach;
	bool privileged;     /* every capability (the seccomp filter stays) */
	const struct rt_detach_keys *detach_keys; /* -it: docker's exec --detach-keys */
};
/* Run a command in a running container through rt_container_exec, with
 * the container's profile (capabilities, seccomp, no_new_privs).
 * Foreground: *status its exit code.  EINVAL when the container is not
 * running or paused. */
int rt_engine_exec(struct img_store *s, const struct rt_context *ctx, const char *ref,
		   const struct rt_engine_exec_opts *o, int *status, struct error *err);
/* Freeze (pause true) or thaw the container's cgroup. */
int rt_engine_pause(struct img_store *s, const struct rt_context *ctx, const char *ref,
		    bool pause, struct error *err);
/* c runs and its cgroup is frozen. */
bool rt_engine_paused(const struct rt_context *ctx, const struct img_ctr *c);
/* Send sig to the container's init; thaw: a paused container is thawed
 * after it, so the signal is delivered.  rt_engine_signal_thaws: whether
 * docker would thaw for sig (SIGKILL, or c's stop signal, or any when c
 * names none). */
int rt_engine_signal(const struct rt_context *ctx, const char *id, int sig, bool thaw,
		     struct error *err);
bool rt_engine_signal_thaws(struct img_store *s, const struct img_ctr *c, int sig);
/* The host pids of the processes in a running container's cgroup (free). */
int rt_engine_pids(struct img_store *s, const struct rt_context *ctx, const char *ref,
		   pid_t **pids, size_t *n, struct error *err);

/* What `stats` shows; has_* false where this host cannot tell (a cgroup
 * v2 controller that is not enabled, host networking). */
struct rt_engine_stats {
	bool has_cpu, has_memory, has_io, has_net;
	uint64_t cpu_usec;            /* cumulative */
	int64_t at_ns;                /* CLOCK_MONOTONIC when read */
	uint64_t mem_usage, mem_limit; /* limit UINT64_MAX: none */
	uint64_t pids;
	uint64_t blk_read, blk_write, net_rx, net_tx;
};
int rt_engine_stats_read(const struct rt_context *ctx, const struct img_ctr *c,
			 struct rt_engine_stats *out, struct error *err);

/* Detach keys, docker's --detach-keys: "ctrl-p,ctrl-q" (the default),
 * each a letter, @ [ \ ] ^ _ after "ctrl-", or a single character. */
struct rt_detach_keys {
	unsigned char seq[16];
	size_t n;
};
/* NULL or "": the default.  EINVAL for anything else malformed. */
int rt_detach_keys_parse(const char *spec, struct rt_detach_keys *k, struct error *err);
/* Where a client's input stands in the sequence. */
struct rt_detach_state {
	const struct rt_detach_keys *keys;
	size_t matched;
};
/* Filter n bytes of input: *out (room for n + 16 bytes) gets what goes to
 * the container (a partial match held back, released when it breaks).
 * true when the whole sequence was typed: the client detaches and the
 * bytes after it are dropped. */
bool rt_detach_filter(struct rt_detach_state *st, const unsigned char *in, size_t n,
		      unsigned char *out, size_t *out_n);

/* The monitor's attach socket: <dir>.sock of the container (unlinked by
 * the monitor at exit, by rm after a killed one). */
char *rt_engine_sock_path(const struct img_ctr *c);
/* Connect to a running container's monitor (`nook attach`): *fd for
 * rt_engine_attach, *tty and *input as the container was made.  EBUSY
 * when another client is attached, EINVAL when it is not running. */
int rt_engine_connect(struct img_store *s, const char *ref, int *fd, bool *tty, bool *input,
		      struct error *err);

/* `cp`: copy between the host and a container's root (running: the root
 * its processes see, with their mounts; else the bundle's root).  Every
 * path in the container is resolved inside that root (RESOLVE_IN_ROOT:
 * also the link -L follows), and what is copied is walked by fds without
 * following symlinks, so nothing of the container can point the copy at
 * the host's files.
 * to_ctr: host_path -> ctr_path, else ctr_path -> host_path.  Directories
 * recursively, as docker cp: into an existing directory the source keeps
 * its name. */
struct rt_cp_opts {
	/* -a: into a container with a user (-u, the image's User), what is
	 * copied belongs to that user; otherwise, as without it, it keeps
	 * the source's uid and gid as the container's ids (docker's code;
	 * its manual says otherwise).  Out of a container files belong to
	 * who runs nook either way. */
	bool archive;
	bool follow; /* -L: a symlink at the source path is followed (in the
		      * container: inside its root) */
};
int rt_engine_cp(struct img_store *s, const char *ref, const char *ctr_path, const char *host_path,
		 bool to_ctr, const struct rt_cp_opts *o, struct error *err);
/* cp with "-": to_ctr, the tar stream on fd is extracted into the
 * directory ctr_path (which must exist), owned as o says; else ctr_path
 * (not followed when a symlink, unless o->follow) and what it holds are
 * written to fd as a tar with the container's ids, named after its last
 * name.  Paths resolved inside the container's root. */
int rt_engine_cp_tar(struct img_store *s, const char *ref, const char *ctr_path, bool to_ctr,
		     const struct rt_cp_opts *o, int fd, struct error *err);

#endif
