/* runtime/ internals shared between its files: the parsed OCI spec, the
 * container state record and helpers of the lifecycle. */
#ifndef NOOK_RUNTIME_INTERNAL_H
#define NOOK_RUNTIME_INTERNAL_H

#include "runtime/runtime.h"
#include "namespaces/namespaces.h"
#include "cgroups/cgroups.h"

#include <json-c/json.h>
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
 * "config.json: linux.namespaces[2].type: unknown namespace \"foo\"". */
int rt_spec_parse(struct rt_spec *spec, const char *json, const char *bundle, struct error *err);
int rt_spec_load(struct rt_spec *spec, const char *bundle, struct error *err);
void rt_spec_release(struct rt_spec *spec);
/* Parse a process.json for exec (the "process" object alone). */
int rt_process_parse(struct rt_process *p, json_object *obj, const char *where, struct error *err);
void rt_process_release(struct rt_process *p);
/* True if the spec asks for a namespace of this kind (new or joined). */
const struct rt_namespace *rt_spec_namespace(const struct rt_spec *spec, int flag);

/* The default config.json of `spec` (runc's defaults); rootless variant
 * adds a user namespace mapping the caller's ids. */
char *rt_spec_default(bool rootless);
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
/* Child side: install the filter (no_new_privs must already be set or the
 * process must hold CAP_SYS_ADMIN). */
int rt_seccomp_load(const struct rt_seccomp *s, struct error *err);

/* --------------------------------------------------------- resources -- */

/* linux.resources (JSON) -> cgroup limits.  Errors name the JSON path. */
int rt_resources_parse(json_object *resources, struct cg_resources **out, struct error *err);

/* ---------------------------------------------------------------- hooks -- */

/* Run the hooks of one kind in order with the state JSON on stdin; a
 * hook that fails or times out fails the call (the rest do not run).
 * Each hook: fork+execve with args (or [path]) and env (or empty), fds
 * 0-2 only, default signals; stdout+stderr captured, the tail put in the
 * error ("prestart hook /p[0] failed: exit status 3: ..."); killed with
 * SIGKILL after timeout seconds ("... timed out after N s").  SIGPIPE is
 * blocked during the call (a hook need not read stdin); SIGCHLD must not
 * be ignored.  Usable in a single-threaded child after clone. */
int rt_hooks_run(const struct rt_spec *spec, enum rt_hook_kind kind, const char *state_json,
		 struct error *err);
const char *rt_hook_kind_name(enum rt_hook_kind kind);

#endif
