/* runtime/ internals shared between its files: the parsed OCI spec, the
 * container state record and helpers of the lifecycle. */
#ifndef NOOK_RUNTIME_INTERNAL_H
#define NOOK_RUNTIME_INTERNAL_H

#include "runtime/runtime.h"
#include "namespaces/namespaces.h"
#include "cgroups/cgroups.h"

#include <json-c/json.h>
#include <signal.h>
#include <sys/resource.h>

/* ------------------------------------------------------------ the spec -- */

struct rt_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* Capability sets as bitmasks of capability numbers (all < 64). */
enum rt_capset { RT_CAP_BOUNDING, RT_CAP_EFFECTIVE, RT_CAP_INHERITABLE, RT_CAP_PERMITTED, RT_CAP_AMBIENT, RT_CAP__COUNT };

struct rt_process {
	bool terminal;
	unsigned int console_height, console_width;
	char **args;
	char **env;
	char *cwd;
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_caps; /* process.capabilities present */
	uint64_t caps[RT_CAP__COUNT];
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_scheduler; /* process.scheduler */
	struct ns_sched scheduler;
	bool has_io_priority; /* process.ioPriority */
	int io_priority_class; /* IOPRIO_CLASS_* */
	int io_priority;
};

enum rt_hook_kind {
	RT_HOOK_PRESTART,
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	RT_HOOK__COUNT
};

struct rt_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds; 0 = none */
};

struct rt_namespace {
	int flag;   /* CLONE_NEW* */
	char *path; /* join this one; NULL = new */
};

struct rt_sysctl {
	char *key;
	char *value;
};

struct rt_spec {
	json_object *doc;   /* the whole parsed config.json (owned) */
	char *oci_version;
	struct rt_process process;
	char *root_path;    /* absolute (made absolute against the bundle) */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct ns_mount *mounts;
	size_t n_mounts;
	struct rt_hook *hooks[RT_HOOK__COUNT];
	size_t n_hooks[RT_HOOK__COUNT];
	json_object *annotations; /* borrowed from doc, may be NULL */

	/* linux */
	struct rt_namespace *namespaces;
	size_t n_namespaces;
	struct ns_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct ns_device *devices;
	size_t n_devices;
	char *cgroups_path;
	json_object *resources;   /* linux.resources, borrowed from doc, may be NULL */
	json_object *seccomp;     /* linux.seccomp, borrowed from doc, may be NULL */
	char **masked_paths;
	char **readonly_paths;
	unsigned long rootfs_propagation; /* MS_* or 0 */
	struct rt_sysctl *sysctl;
	size_t n_sysctl;
	bool has_personality;
	unsigned long personality;
	json_object *time_offsets; /* linux.timeOffsets, borrowed, may be NULL */
};

/* Parse config.json text.  bundle is the bundle directory (root.path is made
 * absolute against it).  Errors name the JSON path:
 * "config.json: linux.namespaces[2].type: unknown namespace \"foo\"".
 * On failure spec is left released (zeroed); rt_spec_release is still safe. */
int rt_spec_parse(struct rt_spec *spec, const char *json, const char *bundle, struct error *err);
int rt_spec_load(struct rt_spec *spec, const char *bundle, struct error *err);
void rt_spec_release(struct rt_spec *spec);
/* Parse a process.json for exec (the "process" object alone).  where names
 * the object in messages: a JSON path ("process" -> "process.args: ...") or,
 * when it ends in ".json", a file ("process.json: args: ...").  obj is
 * borrowed.  On failure p is left released (zeroed). */
int rt_process_parse(struct rt_process *p, json_object *obj, const char *where, struct error *err);
void rt_process_release(struct rt_process *p);
/* True if the spec asks for a namespace of this kind (new or joined). */
const struct rt_namespace *rt_spec_namespace(const struct rt_spec *spec, int flag);

/* The default config.json of `spec` (runc's defaults); rootless variant
 * adds a user namespace mapping the caller's ids. */
char *rt_spec_default(bool rootless);
/* The same as a JSON document (the caller puts it). */
json_object *rt_spec_default_doc(bool rootless);
/* The OCI features document. */
char *rt_features_json(void);

/* Capability names: "CAP_SYS_ADMIN" -> 21; -1 if unknown. */
int rt_cap_from_name(const char *name);
const char *rt_cap_name(int cap);
int rt_cap_last(void);
/* Apply process capabilities.  Child side: raw syscalls, no allocation.
 * The caller first does prctl(PR_SET_KEEPCAPS, 1), then setgroups/
 * setresgid/setresuid to the process user, then calls this, which: raises
 * effective to permitted (setresuid cleared it), drops the bounding set,
 * capset()s effective/permitted/inheritable, clears and raises ambient, and
 * resets PR_SET_KEEPCAPS to 0.  !p->has_caps means every set empty.  A
 * capability the runtime does not hold itself fails the call, naming it
 * (as runc); ones above cap_last_cap are ignored with a warning. */
int rt_caps_apply(const struct rt_process *p, struct error *err);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 if unknown. */
int rt_rlimit_from_name(const char *name);

/* ------------------------------------------- JSON helpers of the parser -- */

/* Shared by runtime/spec*.c.  parent is the JSON path of the object holding
 * key ("" at the top, "process", "linux.devices[3]"); messages name
 * parent.key: "process.terminal: expected a boolean, got a string".  A key
 * that is absent or JSON null counts as absent: *present is set false and
 * *out is left alone.  Numbers must be JSON integers within [min, max]. */
#define RT_JSON_PATH_MAX 256
void rt_json_path(char buf[RT_JSON_PATH_MAX], const char *parent, const char *key);
void rt_json_path_index(char buf[RT_JSON_PATH_MAX], const char *parent, size_t i);
/* The one message of runtime/ for a JSON value of the wrong type (config
 * parser, resources, seccomp): "PATH: expected an integer, got a string".
 * got NULL counts as a JSON null.  Returns -1. */
int rt_json_type_error(const char *path, enum json_type want, json_object *got, struct error *err);
/* The member, or NULL when absent or null. */
json_object *rt_json_member(json_object *obj, const char *key);
/* *out = the member if it has type t (NULL if absent); wrong type fails. */
int rt_json_typed(json_object *obj, const char *parent, const char *key, enum json_type t,
		  json_object **out, struct error *err);
/* Value checks, path being the value's own path. */
int rt_json_value_string(json_object *v, const char *path, char **out, struct error *err);
int rt_json_value_int(json_object *v, const char *path, int64_t min, int64_t max, int64_t *out,
		      struct error *err);
int rt_json_value_uint64(json_object *v, const char *path, uint64_t *out, struct error *err);
/* Member versions.  rt_json_string frees nothing: *out must be NULL. */
int rt_json_string(json_object *obj, const char *parent, const char *key, bool required,
		   char **out, struct error *err);
int rt_json_bool(json_object *obj, const char *parent, const char *key, bool *out,
		 struct error *err);
int rt_json_int(json_object *obj, const char *parent, const char *key, int64_t min, int64_t max,
		bool *present, int64_t *out, struct error *err);
int rt_json_uint64(json_object *obj, const char *parent, const char *key, bool *present,
		   uint64_t *out, struct error *err);
/* Array of strings -> NULL-terminated vector (an empty array gives an
 * empty vector, absent leaves *out NULL). */
int rt_json_strv(json_object *obj, const char *parent, const char *key, char ***out,
		 struct error *err);
/* Fails with "<parent.key>: <what> is not supported by nook" if the key is
 * present (an empty string, array or object counts as absent). */
int rt_json_refuse(json_object *obj, const char *parent, const char *key, const char *what,
		   struct error *err);

/* An SELinux label (linux.mountLabel, process.selinuxLabel): must be a
 * string; empty or absent asks for nothing.  Refused (ENOTSUP) where
 * SELinux is enabled, since nook cannot apply it; ignored with a debug
 * line where it is not, as crun does. */
int rt_json_selinux_label(json_object *obj, const char *parent, const char *key, struct error *err);

/* The "linux" section of config.json (runtime/spec_linux.c): fills the
 * linux fields of spec; obj is the section (borrowed from spec->doc). */
int rt_spec_parse_linux(struct rt_spec *spec, json_object *obj, struct error *err);

/* ------------------------------------------------------------- seccomp -- */

/* A compiled filter: classic BPF from libseccomp, plus the flags for the
 * seccomp() syscall.  Compiled in the runtime process (errors reported
 * before anything is created), loaded in the child just before exec. */
struct rt_seccomp {
	void *bpf;           /* struct sock_filter[] */
	size_t bpf_len;      /* number of instructions */
	unsigned int flags;  /* SECCOMP_FILTER_FLAG_* */
};

int rt_seccomp_compile(json_object *seccomp, struct rt_seccomp *out, struct error *err);
void rt_seccomp_release(struct rt_seccomp *s);
/* rt_seccomp_compile through the filter cache under the state root
 * (root/.seccomp@cache): a profile compiled before is read back (after
 * checking it is intact and was made for exactly this profile, libseccomp,
 * architecture, kernel and nook), others are compiled and stored.  A
 * cache that cannot be used (root NULL or read-only, not private) only
 * costs the compile. */
/* prewarm.c: an engine monitor waiting for its container loads what the
 * last container's start needed (rt_prewarm), and after a start keeps
 * what this one needed for the next (rt_prewarm_remember).  ROOT is the
 * runtime's state root.  rt_prewarm returns an fd to keep open until the
 * container is made (-1: nothing loaded).  rt_prewarm_netns makes a
 * network namespace with lo up: its fd, -1 none, -2 the caller could not
 * get back to its own and must exit.  rt_prewarm_exe cuts the monitor
 * loose from nook's binary, so that its container's init is born so. */
int rt_prewarm(const char *root);
int rt_prewarm_netns(void);
void rt_prewarm_exe(void);
void rt_prewarm_remember(const char *root);

int rt_seccomp_prepare(const char *root, json_object *seccomp, struct rt_seccomp *out,
		       struct error *err);
/* The cache key: SHA-256 of the profile with its object keys sorted, and
 * of what else decides the compiled filter. */
void rt_seccomp_cache_key(json_object *seccomp, uint8_t key[SHA256_LEN]);
/* Child side: install the filter (no_new_privs must already be set or the
 * process must hold CAP_SYS_ADMIN). */
int rt_seccomp_load(const struct rt_seccomp *s, struct error *err);

/* A docker-format seccomp profile (moby's: archMap, includes/excludes)
 * -> a linux.seccomp object for a container with this bounding set on
 * this machine; *out is the caller's.  Errors name the profile's field. */
int rt_seccomp_from_docker(json_object *profile, uint64_t bounding, json_object **out,
			   struct error *err);

/* ------------------------------------------------ engine options -- */

/* runtime/engine_opts.c.  rt_engine_opts_check: every option of o well
 * formed (before anything is recorded).  rt_engine_opts_edit: the
 * options into config.json doc (annotations, rlimits, seccomp=FILE,
 * mounts, tmpfs, linux.resources, --init); call after the capabilities
 * are final.  rt_engine_opts_json: inspect's Config and HostConfig
 * fields of them.  rt_engine_limits_probe: make and remove the cgroup
 * the container id will get with the limits of o: fails, naming the
 * limit, when the host cannot apply one. */
/* docker's names of containers and volumes: [a-zA-Z0-9][a-zA-Z0-9_.-]+,
 * at most 128 bytes (a single path component). */
bool rt_engine_name_valid(const char *name);
int rt_engine_opts_check(const struct rt_engine_opts *o, struct error *err);
int rt_engine_opts_edit(json_object *doc, const struct rt_engine_opts *o, struct error *err);
void rt_engine_opts_json(json_object *config, json_object *host, const struct rt_engine_opts *o);
int rt_engine_limits_probe(const struct rt_engine_opts *o, const char *id, struct error *err);
/* A volume a container mounts (-v NAME:/p, -v /p, --mount type=volume,
 * the image's Volumes).  rt_engine_volumes_attach: each made when
 * missing (name NULL: anonymous) and linked to container ctr, in the
 * order docker mounts them; image_volumes are the image's Volumes.
 * rt_engine_volumes_json: their bind mounts into the mounts array. */
struct rt_vmount {
	char *name; /* NULL until attached when anonymous */
	char *dst;
	bool ro, nocopy;
};
void rt_vmounts_free(struct rt_vmount *v, size_t n);
int rt_engine_volumes_attach(struct img_store *s, const struct rt_engine_opts *o,
			     char **image_volumes, const char *ctr, struct rt_vmount **out,
			     size_t *n, struct error *err);
void rt_engine_volumes_json(json_object *mounts, struct img_store *s, const struct rt_vmount *v,
			    size_t n);

/* --------------------------------------------------------- resources -- */

/* linux.resources (JSON) -> cgroup limits.  Errors name the JSON path. */
int rt_resources_parse(json_object *resources, struct cg_resources **out, struct error *err);
/* runtime/rootless.c: in a user namespace other than the host's (a
 * rootless nook), *without is set: the container gets no cgroup; a real
 * limit in res is then refused naming it, unless $NOOK_CGROUPS=disabled
 * (the user's explicit opt-out). */
/* runtime/userns.c: --userns host|keep-id|auto of engine containers.
 * check: the mode is known and possible here; keep_id_user: "UID:GID" of
 * the user outside for keep-id (NULL otherwise); edit: the user namespace
 * and its maps added to config.json (auto: range's).  auto_alloc: for
 * auto, container ctr's range from the pool (nook.conf's userns_pool,
 * else the "containers" entries of /etc/subuid and /etc/subgid) into
 * *out, 1; 0 for other modes.  auto_dirs: the store, the engine dir and
 * the container's dir made reachable for the container's root only. */
struct img_idrange;
int rt_userns_check(const char *mode, struct error *err);
char *rt_userns_keep_id_user(const char *mode);
int rt_userns_edit(struct json_object *doc, const char *mode, const struct img_idrange *range,
		   struct error *err);
int rt_userns_auto_alloc(struct img_store *s, const char *mode, const char *ctr,
			 struct img_idrange *out, struct error *err);
int rt_userns_auto_dirs(const char *store_root, const char *edir, const char *dir,
			const struct img_idrange *r, struct error *err);
/* Not root of the host: *base the delegated subtree the container's group
 * goes under (res then loses its device rules), else *without (no group;
 * an error naming res's limits and why none can be applied, unless
 * NOOK_CGROUPS=disabled). */
int rt_rootless_cgroup_plan(struct cg_resources *res, char **base, bool *without,
			    struct error *err);

/* ---------------------------------------------------------------- hooks -- */

/* Run the hooks of one kind in order with the state JSON on stdin; a
 * hook that fails or times out fails the call (the rest do not run),
 * except for poststart and poststop: there each failure is a log_warn()
 * line, the rest still run and the call returns 0 (runtime spec).
 * Each hook: fork+execve with args (or [path]) and env (or empty), fds
 * 0-2 only, default signals; stdout+stderr captured, the tail put in the
 * error ("prestart hook /p[0] failed: exit status 3: ..."); killed with
 * SIGKILL after timeout seconds ("... timed out after N s").  SIGPIPE is
 * blocked during the call (a hook need not read stdin); SIGCHLD must not
 * be ignored.  Usable in a single-threaded child after clone. */
int rt_hooks_run(const struct rt_spec *spec, enum rt_hook_kind kind, const char *state_json,
		 struct error *err);
const char *rt_hook_kind_name(enum rt_hook_kind kind);


/* --------------------------------------------------------------- state -- */

/* What nook records about a container in ROOT/ID/state.json.  The status
 * is not stored but derived each time from the kernel: is the init process
 * (pid + start time) alive, does the exec fifo still exist, is the cgroup
 * frozen. */
struct rt_state {
	char *id;
	pid_t pid;
	uint64_t pid_start;  /* /proc/PID/stat starttime, guards against pid reuse */
	pid_t creator;       /* pid of the `create` process while creating */
	bool creating;
	bool poststart;      /* the config has poststart hooks (true if unknown) */
	bool poststop;       /* and poststop hooks (true if unknown) */
	char *bundle;
	char *rootfs;
	char *cgroup_path;   /* below the v2 hierarchy, or NULL when none */
	bool cgroup_v1;      /* it may have v1 groups (true if unknown) */
	/* v1 hierarchies whose group is not at cgroup_path (a relative
	 * linux.cgroupsPath, resolved per hierarchy) */
	struct cg_v1_path *cgroup_v1_paths;
	size_t n_cgroup_v1_paths;
	char created[64];
	char *owner;
	json_object *annotations; /* owned */
};

/* Open (and create when create is true) ROOT; returns a dir fd. */
int rt_root_open(const struct rt_context *ctx, bool create, struct error *err);
/* Valid container ids: [A-Za-z0-9_+.-], not "." or "..", 1 to RT_ID_MAX
 * bytes (a state dir name and a cgroup name: NAME_MAX each). */
#define RT_ID_MAX 255
int rt_id_check(const char *id, struct error *err);
/* Open ROOT/ID (O_DIRECTORY); ENOENT -> "container \"ID\" does not exist". */
int rt_state_dir_open(const struct rt_context *ctx, const char *id, struct error *err);
/* Exclusive lock on the container dir (flock), held until the fd closes
 * or rt_state_unlock.  create holds it from mkdir until the container is
 * recorded as created. */
int rt_state_lock(int dirfd, struct error *err);
void rt_state_unlock(int dirfd);
/* mkdir ROOT/ID and lock it; returns the dir fd.  EEXIST: "container
 * \"ID\" already exists". */
int rt_state_dir_create(int root_fd, const char *id, struct error *err);
/* Remove ROOT/ID with state.json last (a kill -9 in between leaves a dir
 * that still names its cgroup and init); gone already is not an error. */
int rt_state_dir_remove(int root_fd, const char *id, struct error *err);
int rt_state_read(int dirfd, const char *id, struct rt_state *st, struct error *err);
int rt_state_write(int dirfd, const struct rt_state *st, struct error *err);
void rt_state_release(struct rt_state *st);
enum rt_status rt_state_status(int dirfd, const struct rt_state *st);
/* The OCI state document for st with status s (JSON text, caller frees). */
char *rt_state_json(const struct rt_state *st, enum rt_status s, bool pretty);
/* The init process is alive (same pid and start time, not a zombie). */
bool rt_state_alive(const struct rt_state *st);
/* Write pid as text to path, atomically (tmp + rename in its directory). */
int rt_pid_file_write(const char *path, pid_t pid, struct error *err);
/* After a container's cgroup is gone: remove the default parent /nook
 * when it is empty (never a parent chosen by linux.cgroupsPath). */
void rt_cgroup_parent_cleanup(const char *cgroup_path, bool v1);
/* Open the container's cgroup when it has one: 1 opened, 0 none, -1 error. */
int rt_state_cgroup(const struct rt_state *st, struct cg_group *g, struct error *err);
/* The OOM killer killed a process in the container's cgroup (its
 * memory.events oom_kill).  false without a cgroup, memory controller or
 * once the group is gone. */
bool rt_state_oom_killed(const struct rt_state *st);


/* ---------------------------------------------------- create and init -- */

/* Messages on the parent<->init socket (SOCK_SEQPACKET).  Plain bytes:
 * the child fills struct error and sends it as is. */
enum rt_sync_type {
	RT_SYNC_GO = 1,     /* parent -> init: id maps written; pid = host pid */
	RT_SYNC_HOOKS,      /* init -> parent: run prestart + createRuntime now */
	RT_SYNC_HOOKS_DONE, /* parent -> init */
	RT_SYNC_CREATED,    /* init -> parent: ready, about to wait on exec.fifo */
	RT_SYNC_ERROR,      /* init -> parent: err says what failed */
	RT_SYNC_RECORDED,   /* parent -> init: state says created; wait for start */
};

struct rt_sync_msg {
	int type;
	pid_t pid;
	struct error err;
};

int rt_sync_send(int fd, int type, pid_t pid, const struct error *err);
/* Receives one message; EOF -> -1 with EPIPE. */
int rt_sync_recv(int fd, struct rt_sync_msg *msg, struct error *err);

/* Everything the container init needs, prepared by the parent before
 * clone().  The child gets its own copy of the memory (no CLONE_VM). */
struct rt_init {
	const struct rt_spec *spec;
	const char *id;
	const char *bundle;
	int sync_fd;        /* child end of the sync socket */
	int fifo_fd;        /* O_PATH fd of ROOT/ID/exec.fifo */
	int console_sock;   /* connected --console-socket, or -1 */
	const struct rt_seccomp *seccomp; /* NULL = none */
	bool no_new_keyring;
	int preserve_fds;
	int join_user_fd;   /* user namespace to join first, or -1 */
	bool no_pivot;      /* --no-pivot: MS_MOVE + chroot */
	/* An unprivileged runtime maps the new user namespace through
	 * newuidmap, which needs the init dumpable until then. */
	bool rootless_maps;
	const char *cgroup_dir; /* host path of its cgroup when it gets no cgroupns */
};

/* The container init after clone(): never returns (execs or _exit). */
__attribute__((noreturn)) void rt_init_main(struct rt_init *in);

/* Checks done before anything is created: sysctls valid for the requested
 * namespaces, hostname only with a UTS namespace, and so on. */
int rt_spec_validate(const struct rt_spec *spec, struct error *err);

/* What rt_process_prepare leaves for the final execve. */
struct rt_exec {
	char *path; /* args[0] looked up in the process PATH */
	char **env; /* process.env, with HOME added when it has none */
	/* With no_new_privileges the filter is loaded last, by
	 * rt_process_seccomp_late(), after the init's handshake with the
	 * runtime (as runc): then only the exec.fifo steps and execve must
	 * pass it. */
	const struct rt_seccomp *seccomp_late;
};
/* Child side, shared by the init and exec, after the working directory is
 * set: every step that can fail before execve, in the order runc uses —
 * HOME from the container's /etc/passwd, a session of its own, rlimits,
 * scheduler, I/O priority, close-on-exec on every fd above stdio but the
 * preserve_fds ones and sync_fd, seccomp when !no_new_privileges (it needs
 * CAP_SYS_ADMIN), user and groups, capabilities, umask, the program lookup
 * (as that user), no_new_privs, seccomp when no_new_privileges.  After it
 * the seccomp filter is in force: the caller does only what it must before
 * rt_process_execve (send, open, write).  out is released with
 * rt_exec_release (or by the exec). */
int rt_process_prepare(const struct rt_process *p, const struct rt_seccomp *seccomp,
		       int preserve_fds, int sync_fd, struct rt_exec *out, struct error *err);
void rt_exec_release(struct rt_exec *x);
/* execve; returns only on error. */
/* Load x->seccomp_late if set (once). */
int rt_process_seccomp_late(struct rt_exec *x, struct error *err);
int rt_process_execve(const struct rt_exec *x, const struct rt_process *p, struct error *err);
/* rt_process_prepare, then rt_process_execve.  Returns only on error. */
int rt_process_exec(const struct rt_process *p, const struct rt_seccomp *seccomp,
		    int preserve_fds, int sync_fd, struct error *err);

/* --init (runtime/init_pid1.c): the spec asks for RT_ANNOTATION_INIT.
 * rt_init_fork_exec: fork; the child execs x (returns only with its
 * error, in the child); the caller stays PID 1, reaping and forwarding
 * signals, and exits with the child's status (never returns). */
bool rt_init_stays(const struct rt_spec *spec);
int rt_init_fork_exec(const struct rt_exec *x, const struct rt_process *p, int sync_fd, int *fifo_w,
		      struct error *err);
/* PID 1 is a fork of nook's monitor: its argv names the host's store,
 * state root and bundle, and /proc/1/cmdline is readable by every process
 * of the container.  rt_init_retitle makes it "nook-init -- ARGS..." (as
 * docker's tini shows "/sbin/docker-init -- CMD"), comm "nook-init".
 * Called before the late seccomp filter (it needs prctl) and the fork
 * (the command never sees the old one).  procfd: a procfs directory. */
void rt_init_retitle(int procfd, const struct rt_process *p);
/* Child side, after the container's root is in place: open a pty from the
 * container's /dev/ptmx, send the master over console_sock, make the slave
 * the controlling terminal and stdio (and /dev/console when asked). */
int rt_console_setup(const struct rt_process *p, int console_sock, bool bind_console,
		     struct error *err);
/* Look the program up in the PATH of env (inside the current root). */
char *rt_process_lookup(const struct rt_process *p, struct error *err);

/* ------------------------------------------------------------ spawning -- */

/* The spawn sequence shared by create (the init) and exec (runtime/spawn.c).
 * Order: rt_spawn_init, set the inputs, rt_spawn_open, rt_spawn_clone,
 * talk over sync_fd, rt_spawn_console; on any failure after the clone
 * rt_spawn_kill; always rt_spawn_release. */
struct rt_spawn {
	/* inputs */
	int flags;              /* CLONE_NEW* the child is born with */
	int cgroup_fd;          /* cgroup it is born in, or -1 */
	int pid_ns_fd;          /* pid namespace it is born in, or -1 */
	int net_ns_fd;          /* network namespace it is born in, or -1 */
	const struct ns_time_offset *time_offs; /* with CLONE_NEWTIME in flags: */
	size_t n_time_offs;     /* a new time namespace with these offsets */
	bool keep_blocked;      /* on success leave every signal blocked */
	bool parent_death;      /* the child gets SIGKILL if we die (PR_SET_PDEATHSIG)
				 * until it clears it itself (rt_sync_created) */
	/* set by the calls */
	pid_t pid;              /* the child, 0 when none */
	int sync_fd;            /* our end of the sync socket (SOCK_SEQPACKET) */
	int child_sync_fd;      /* the child's end; closed in the parent after clone */
	int console_sock;       /* the child sends its pty master here, or -1 */
	int console_peer;       /* we receive it here (no --console-socket), or -1 */
	sigset_t saved_mask;    /* the mask before clone */
};

void rt_spawn_init(struct rt_spawn *s);
/* The sync socket, and the console socket: connected to console_socket
 * when given, else a socketpair when terminal. */
int rt_spawn_open(struct rt_spawn *s, bool terminal, const char *console_socket,
		  struct error *err);
/* Enter the pid namespace (and make the time namespace) for children,
 * clone3() the child into them and the cgroup, switch back (checked: a
 * failure kills and reaps the child), close the child's socket end.  The
 * child runs child(arg), which must not return.  Signals are blocked
 * across the clone and restored unless keep_blocked. */
int rt_spawn_clone(struct rt_spawn *s, void (*child)(void *), void *arg, struct error *err);
/* Receive the pty master from the child (*master -1 when none expected). */
int rt_spawn_console(struct rt_spawn *s, int *master, struct error *err);
/* SIGKILL and reap the child, if any. */
void rt_spawn_kill(struct rt_spawn *s);
void rt_spawn_release(struct rt_spawn *s);
/* Init side: report CREATED, then wait until the runtime has recorded it
 * (RT_SYNC_RECORDED).  Fails when the runtime died first: an init nobody
 * recorded must end instead of waiting on exec.fifo forever. */
int rt_sync_created(int sync_fd, struct error *err);
/* --preserve-fds N: fds 3..3+N-1 must all have been open when nook
 * started (fds_inherited_end), else "unable to stat preserved-fd K". */
int rt_preserved_fds_check(int n, struct error *err);

/* --------------------------------------------------------- launching -- */

/* One container being brought up; shared by create, run and start. */
struct rt_launch {
	struct rt_spec spec;
	struct rt_state st;
	struct rt_seccomp seccomp;
	struct cg_group cg;
	bool has_cg;
	bool dir_created;
	int root_fd;
	int dirfd;
	pid_t pid;
	int console_master; /* foreground run with a terminal */
	sigset_t saved_mask;
};

/* foreground: the caller stays the parent (run); signals stay blocked on
 * success so the caller can take them with a signalfd. */
int rt_launch_create(struct rt_launch *l, const struct rt_context *ctx, const char *id,
		  const struct rt_create_opts *o, bool foreground, struct error *err);
/* Kill the init, remove the cgroup and state dir. */
void rt_launch_abort(struct rt_launch *l, const char *id);
void rt_launch_release(struct rt_launch *l);
/* Wait for our child pid: forward every signal to it, proxy a terminal
 * master (or -1) to stdio, reap orphans.  sfd is a signalfd of all
 * signals (blocked).  *status gets the exit code (128+N for signal N). */
int rt_supervise(pid_t pid, int master, int sfd, int *status);
/* rt_supervise, our input to the pty master going through the detach
 * keys (keys NULL or no pty: none); 1 when they were typed (pid runs on,
 * master is the caller's to keep open). */
int rt_supervise_keys(pid_t pid, int master, int sfd, const struct rt_detach_keys *keys,
		      int *status);
/* Copy our terminal's size to a pty master. */
void rt_resize_pty(int master);
/* After the init of a run has exited: cgroup, poststop hooks, state dir. */
int rt_container_destroy(const struct rt_context *ctx, const char *id, struct error *err);

/* ------------------------------------------------------ engine bundles -- */

struct img_config;
struct json_object;
/* rt_bundle_create with two hooks: adjust changes the image config before
 * the spec is made from it (command-line overrides; strings and vectors
 * it puts there are freed by img_config_release), edit the finished spec
 * (security profile, mounts, ...).  scratch: the root's upper layer is
 * removed with the bundle and never mounted again (a --rm container), so
 * it is mounted volatile (ovl_opts.scratch): unmounting it does not sync
 * the file system, about 1 ms of each `run --rm`. */
/* rt_engine_remove of a --rm container whose monitor handed its removal
 * to us (rt_engine_attach): the same steps, but the monitor, which waits
 * for us to finish, is not killed, and the root's upper layer is left in
 * the store's trash for it to delete after we returned (*left: its path
 * under the store root, or NULL; img_user_remove_left).  The monitor
 * destroys the container meanwhile: what does not touch the container's
 * state (its bundle, log and socket) goes first, then destroyed(arg)
 * waits for the monitor; whatever of the state it left, we delete. */
int rt_engine_remove_handed(struct img_store *s, const struct rt_context *ctx, const char *ref,
			    void (*destroyed)(void *arg), void *arg, char **left,
			    struct error *err);
/* Unmount the root of the bundle dir from nook's mount namespace (a
 * running container keeps its own copy); errors are logged only. */
void rt_bundle_root_release(const char *dir);
/* rt_bundle_remove, the user's directory left as img_user_remove_left
 * leaves it (left NULL: deleted). */
int rt_bundle_remove_left(struct img_store *s, const char *dir, char **left, struct error *err);
typedef int rt_bundle_edit_fn(struct json_object *doc, void *data, struct error *err);
int rt_bundle_make(struct img_store *s, const char *image, const char *dir, bool scratch,
		   void (*adjust)(struct img_config *c, void *data), rt_bundle_edit_fn *edit,
		   void *data, struct error *err);
/* The user key of the bundle at dir (made or not yet) in the store. */
char *rt_bundle_key(const char *dir, struct error *err);
/* rt_bundle_make of image id (resolved) whose config the caller read
 * (cfg: adjusted here, released by the caller), its layers seen through
 * idmapped mounts of idmap (container id 0 at idmap->uid and ->gid; NULL:
 * as they are stored), the root's upper directory owned by the range's
 * root; config.json synced to disk when sync (rt_bundle_make: unless
 * scratch).  recorded: the bundle's key (rt_bundle_key of dir) the caller
 * recorded a moment ago (img_ctr_add), and removes should this fail before
 * its directories are made; NULL: recorded here. */
int rt_bundle_make_mapped(struct img_store *s, const char *id, struct img_config *cfg,
			  const char *dir, bool scratch, bool sync, const char *recorded,
			  const struct img_idrange *idmap,
			  void (*adjust)(struct img_config *c, void *data), rt_bundle_edit_fn *edit,
			  void *data, struct error *err);

/* The capabilities nook itself may hand out: its own bounding set
 * (profile.c; root on some hosts lacks a few). */
uint64_t rt_runtime_bounding(void);

/* A User as docker and runc read it, "user[:group]" (names or numbers),
 * looked up in /etc/passwd and /etc/group inside rootfd (bundle.c).
 * ENOENT with docker's message for a name that is not there. */
int rt_user_resolve(const char *spec, int rootfd, int64_t *uid, int64_t *gid, struct error *err);

/* n random bytes (an engine container's id, a generated name or volume). */
int rt_random_bytes(void *buf, size_t n, struct error *err);

/* A boolean of an engine container's recorded options (its config
 * JSON): section.key, false when missing (engine_ops.c). */
bool rt_engine_config_flag(const char *config, const char *section, const char *key);

/* The monitor's attach socket (engine_ops.c): listen (non-blocking,
 * mode 0600, a stale one replaced) and dial at path, however deep it is.
 * rt_attach_hello (monitor.c): wait for the monitor's greeting on a
 * dialled socket; EBUSY when it turned us away (another client). */
int rt_attach_listen(const char *path, struct error *err);
int rt_attach_dial(const char *path, struct error *err);
int rt_attach_hello(int fd, struct error *err);

/* runc's (and docker's) read-only /proc paths, NULL-terminated (spec_default.c). */
extern const char *const rt_default_readonly[];

/* ------------------------------------------- engine networking (engine_net.c) -- */

/* The network `bridge` means (bridge nook0 unless the config says). */
#define RT_NET_DEFAULT "nook"
/* $NOOK_CONFIG, else /etc/nook/nook.conf. */
const char *rt_net_config_path(void);
struct rt_net_setup;
void rt_net_setup_free(struct rt_net_setup *n);
void rt_net_setup_freep(struct rt_net_setup **n);
/* After the container row: its network (o->network, else the config's),
 * address and ports reserved, plan and /etc files written.  *out (even
 * on error: rt_net_setup_free) tells rt_engine_net_spec what to edit. */
int rt_engine_net_create(struct img_store *s, const struct rt_engine_opts *o, const char *id,
			 const char *name, const char *dir, struct rt_net_setup **out,
			 struct error *err);
int rt_engine_net_spec(struct json_object *doc, const struct rt_net_setup *n, struct error *err);
/* In the monitor, while the init pid sets itself up (rt_create_opts's
 * spawned): the veth into pid's network namespace, its address and
 * route, the published ports.  0 at once for a container without a
 * bridge network. */
int rt_engine_net_start(const char *dir, const char *id, pid_t pid, struct error *err);
/* After the exit: ports unpublished, the host veth gone. */
int rt_engine_net_stop(const char *dir, const char *id, struct error *err);
/* The relay of ports published on a dual-stack network to the host's
 * ::1 (network/proxy.c), made by rt_engine_net_start: the fd the
 * monitor polls (-1: none) and what it calls when that is readable. */
int rt_engine_net_proxy_fd(void);
void rt_engine_net_proxy_run(void);
/* rm, before the container's row goes (which releases its address and
 * ports): stop's undo, the host veth when links (not for the monitor
 * removing the container it saw exit, nor for the client it handed that
 * to: the kernel does it, or rt_engine_net_release), the files, the
 * others' hosts files.  "Already gone" is done. */
int rt_engine_net_remove(struct img_store *s, const char *id, const char *dir, bool links,
			 struct error *err);
/* In the monitor, once the client removed the --rm container handed to
 * it: the host veth, if the container's network namespace outlives it
 * (something else holds it).  Errors are logged. */
void rt_engine_net_release(const char *id);

/* The monitor's log writer (runtime/logfile.c).  max_size 0: no cap;
 * max_file: how many files at most (1: the log is emptied when full). */
struct rt_log {
	const char *path; /* borrowed */
	int fd;
	uint64_t size, max_size;
	int max_file;
};
int rt_log_open(struct rt_log *l, const char *path, uint64_t max_size, int max_file,
		struct error *err);
/* One record; rotates first when it would pass the cap.  Failures are
 * dropped records (the container must not stop for its log). */
void rt_log_write(struct rt_log *l, const char *stream, const char *text, size_t len);

#endif
