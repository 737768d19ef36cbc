/* The security profile docker and podman give a container by default, as
 * data: the seccomp allow-list with its argument filters, the capability
 * set, the masked and read-only /proc and /sys paths, no_new_privs.  The
 * tables follow moby's profiles/seccomp/default.json and oci/defaults.go
 * (podman's containers/common starts from the same seccomp list; its
 * capability set and paths differ and are its own tables here).
 *
 * Why a container needs this beyond its namespaces: root in a container
 * is root on the host kernel.  The seccomp list keeps the kernel interfaces
 * that are not namespaced (keyrings, kernel modules, clock setting, bpf,
 * perf, personality flags that weaken ASLR, AF_VSOCK sockets to the
 * hypervisor) and the ones that open new attack surface (unshare/clone of
 * namespaces, mount) out of reach unless the capability that guards them
 * is granted anyway. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <string.h>

/* ------------------------------------------------------- seccomp data -- */

/* Architectures a rule may be limited to (docker's GOARCH names). */
enum {
	ARCH_AMD64 = 1 << 0,
	ARCH_X86 = 1 << 1,
	ARCH_X32 = 1 << 2,
	ARCH_ARM = 1 << 3,
	ARCH_ARM64 = 1 << 4,
	ARCH_S390 = 1 << 5, /* s390 and s390x */
	ARCH_PPC64LE = 1 << 6,
	ARCH_RISCV64 = 1 << 7,
};

/* The filter is built for the architecture nook runs on, with the
 * compatibility ABIs a process there can also enter (a 32-bit binary on
 * x86_64 uses the i386 table): each is filtered, never left open. */
#if defined(__x86_64__)
#define ARCH_NATIVE ARCH_AMD64
static const char *const profile_arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					     NULL};
#elif defined(__aarch64__)
#define ARCH_NATIVE ARCH_ARM64
static const char *const profile_arches[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL};
#elif defined(__s390x__)
#define ARCH_NATIVE ARCH_S390
static const char *const profile_arches[] = {"SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARCH_NATIVE ARCH_PPC64LE
static const char *const profile_arches[] = {"SCMP_ARCH_PPC64LE", NULL};
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH_NATIVE ARCH_RISCV64
static const char *const profile_arches[] = {"SCMP_ARCH_RISCV64", NULL};
#else
#define ARCH_NATIVE 0
static const char *const profile_arches[] = {NULL};
#endif

/* Everything a normal program needs and the kernel namespaces or checks
 * by itself. */
/* clang-format off */
static const char *const sc_base[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir",
    "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
    "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
    "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
    "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
    "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
    "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents",
    "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
    "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
    "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
    "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
    "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
    "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill", "landlock_add_rule",
    "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
    "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr",
    "lstat", "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
    "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
    "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
    "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
    "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
    "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read",
    "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
    "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
    "sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
    "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget",
    "semop", "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg",
    "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32",
    "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
    "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
    "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
    "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice",
    "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
    "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice",
    "wait4", "waitid", "waitpid", "write", "writev", NULL};
/* clang-format on */

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The namespace flags clone() may not carry without CAP_SYS_ADMIN: a new
 * user namespace is where most kernel privilege escalations start. */
#define CLONE_NS_FLAGS                                                                             \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |     \
		    CLONE_NEWNET | CLONE_NEWCGROUP))

/* personality(2) values a container may set: Linux, 32-bit Linux (uname
 * says i686), UNAME26, both, and the query 0xffffffff.  Not the flags
 * that switch ASLR off (ADDR_NO_RANDOMIZE) or map page zero. */
#define PER_LINUX32_ 0x0008
#define UNAME26_     0x0020000

enum sc_act { SC_ALLOW, SC_ENOSYS };
#define CAP(c)	     (1ULL << (c))
#define CAP_PERFMON_ 38
#define CAP_BPF_     39

struct sc_rule {
	const char *const *names;
	enum sc_act act;
	/* One argument condition (or none: op NULL). */
	const char *op;
	unsigned int index;
	uint64_t value;
	unsigned int arches;	 /* 0: every architecture, else only these */
	unsigned int not_arches; /* never on these */
	uint64_t cap;		 /* only when the bounding set holds these */
	uint64_t not_cap;	 /* only when it holds none of these */
};

#define RULE(n, ...)                                                                               \
	{                                                                                          \
		.names = n, __VA_ARGS__                                                            \
	}

static const struct sc_rule sc_rules[] = {
    RULE(sc_base, .act = SC_ALLOW),
    /* Needs no capability since kernel 4.8 (ptrace can no longer bypass
     * the filter), which nook requires anyway. */
    RULE(NAMES("process_vm_readv", "process_vm_writev", "ptrace"), .act = SC_ALLOW),
    /* AF_VSOCK (40) talks to the hypervisor, outside every namespace. */
    RULE(NAMES("socket"), .act = SC_ALLOW, .op = "SCMP_CMP_NE", .index = 0, .value = 40),
    RULE(NAMES("personality"), .act = SC_ALLOW, .op = "SCMP_CMP_EQ", .index = 0, .value = 0),
    RULE(NAMES("personality"), .act = SC_ALLOW, .op = "SCMP_CMP_EQ", .index = 0,
	 .value = PER_LINUX32_),
    RULE(NAMES("personality"), .act = SC_ALLOW, .op = "SCMP_CMP_EQ", .index = 0, .value = UNAME26_),
    RULE(NAMES("personality"), .act = SC_ALLOW, .op = "SCMP_CMP_EQ", .index = 0,
	 .value = UNAME26_ | PER_LINUX32_),
    RULE(NAMES("personality"), .act = SC_ALLOW, .op = "SCMP_CMP_EQ", .index = 0,
	 .value = 0xffffffffu),
    RULE(NAMES("sync_file_range2", "swapcontext"), .act = SC_ALLOW, .arches = ARCH_PPC64LE),
    RULE(NAMES("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
	       "cacheflush", "set_tls"),
	 .act = SC_ALLOW, .arches = ARCH_ARM | ARCH_ARM64),
    RULE(NAMES("arch_prctl"), .act = SC_ALLOW, .arches = ARCH_AMD64 | ARCH_X32),
    RULE(NAMES("modify_ldt"), .act = SC_ALLOW, .arches = ARCH_AMD64 | ARCH_X32 | ARCH_X86),
    RULE(NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"), .act = SC_ALLOW,
	 .arches = ARCH_S390),
    RULE(NAMES("riscv_flush_icache"), .act = SC_ALLOW, .arches = ARCH_RISCV64),
    RULE(NAMES("open_by_handle_at"), .act = SC_ALLOW, .cap = CAP(CAP_DAC_READ_SEARCH)),
    RULE(NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
	       "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
	       "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
	       "setns", "syslog", "umount", "umount2", "unshare"),
	 .act = SC_ALLOW, .cap = CAP(CAP_SYS_ADMIN)),
    /* Without CAP_SYS_ADMIN, clone() only without namespace flags (s390
     * swaps the first two arguments). */
    RULE(NAMES("clone"), .act = SC_ALLOW, .op = "SCMP_CMP_MASKED_EQ", .index = 0,
	 .value = CLONE_NS_FLAGS, .not_arches = ARCH_S390, .not_cap = CAP(CAP_SYS_ADMIN)),
    RULE(NAMES("clone"), .act = SC_ALLOW, .op = "SCMP_CMP_MASKED_EQ", .index = 1,
	 .value = CLONE_NS_FLAGS, .arches = ARCH_S390, .not_cap = CAP(CAP_SYS_ADMIN)),
    /* clone3 passes its flags in memory, which a filter cannot read: it
     * fails with ENOSYS so libc falls back to clone(), which is checked. */
    RULE(NAMES("clone3"), .act = SC_ENOSYS, .not_cap = CAP(CAP_SYS_ADMIN)),
    RULE(NAMES("reboot"), .act = SC_ALLOW, .cap = CAP(CAP_SYS_BOOT)),
    RULE(NAMES("chroot"), .act = SC_ALLOW, .cap = CAP(CAP_SYS_CHROOT)),
    RULE(NAMES("delete_module", "init_module", "finit_module"), .act = SC_ALLOW,
	 .cap = CAP(CAP_SYS_MODULE)),
    RULE(NAMES("acct"), .act = SC_ALLOW, .cap = CAP(CAP_SYS_PACCT)),
    RULE(NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
	       "ptrace"),
	 .act = SC_ALLOW, .cap = CAP(CAP_SYS_PTRACE)),
    RULE(NAMES("iopl", "ioperm"), .act = SC_ALLOW, .cap = CAP(CAP_SYS_RAWIO)),
    RULE(NAMES("settimeofday", "stime", "clock_settime", "clock_settime64"), .act = SC_ALLOW,
	 .cap = CAP(CAP_SYS_TIME)),
    RULE(NAMES("vhangup"), .act = SC_ALLOW, .cap = CAP(CAP_SYS_TTY_CONFIG)),
    RULE(NAMES("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
	 .act = SC_ALLOW, .cap = CAP(CAP_SYS_NICE)),
    RULE(NAMES("syslog"), .act = SC_ALLOW, .cap = CAP(CAP_SYSLOG)),
    RULE(NAMES("bpf"), .act = SC_ALLOW, .cap = CAP(CAP_BPF_)),
    RULE(NAMES("perf_event_open"), .act = SC_ALLOW, .cap = CAP(CAP_PERFMON_)),
};

/* ------------------------------------------------ the other defaults -- */

static const char *const docker_caps[] = {"CAP_CHOWN",
					  "CAP_DAC_OVERRIDE",
					  "CAP_FSETID",
					  "CAP_FOWNER",
					  "CAP_MKNOD",
					  "CAP_NET_RAW",
					  "CAP_SETGID",
					  "CAP_SETUID",
					  "CAP_SETFCAP",
					  "CAP_SETPCAP",
					  "CAP_NET_BIND_SERVICE",
					  "CAP_SYS_CHROOT",
					  "CAP_KILL",
					  "CAP_AUDIT_WRITE",
					  NULL};
/* containers.conf default_capabilities: docker's without MKNOD, NET_RAW
 * and AUDIT_WRITE. */
static const char *const podman_caps[] = {"CAP_CHOWN",	 "CAP_DAC_OVERRIDE", "CAP_FOWNER",
					  "CAP_FSETID",	 "CAP_KILL",	     "CAP_NET_BIND_SERVICE",
					  "CAP_SETFCAP", "CAP_SETGID",	     "CAP_SETPCAP",
					  "CAP_SETUID",	 "CAP_SYS_CHROOT",   NULL};

/* Kernel information that is not namespaced (kernel memory, keyrings of
 * every user, timers and scheduler state of the host) is hidden; kernel
 * tunables are visible but read-only. */
static const char *const docker_masked[] = {"/proc/asound",
					    "/proc/acpi",
					    "/proc/interrupts",
					    "/proc/kcore",
					    "/proc/keys",
					    "/proc/latency_stats",
					    "/proc/timer_list",
					    "/proc/timer_stats",
					    "/proc/sched_debug",
					    "/proc/scsi",
					    "/sys/firmware",
					    "/sys/devices/virtual/powercap",
					    NULL};
static const char *const podman_masked[] = {"/proc/acpi",	 "/proc/kcore",
					    "/proc/keys",	 "/proc/latency_stats",
					    "/proc/sched_debug", "/proc/scsi",
					    "/proc/timer_list",	 "/proc/timer_stats",
					    "/sys/dev/block",	 "/sys/devices/virtual/powercap",
					    "/sys/firmware",	 "/sys/fs/selinux",
					    "/proc/interrupts",	 NULL};
static const char *const podman_readonly[] = {
    "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

static const struct {
	const char *name;
	enum rt_profile profile;
	const char *const *caps, *const *masked, *const *readonly;
} profiles[] = {
    {"docker", RT_PROFILE_DOCKER, docker_caps, docker_masked, rt_default_readonly},
    {"podman", RT_PROFILE_PODMAN, podman_caps, podman_masked, podman_readonly},
};

/* --------------------------------------------------------- building -- */

int rt_profile_parse(const char *name, enum rt_profile *out, struct error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++) {
		if (strcmp(name, profiles[i].name) == 0) {
			*out = profiles[i].profile;
			return 0;
		}
	}
	return error_set(err, EINVAL, "unknown profile \"%s\" (known: docker, podman)", name);
}

/* docker's includes/excludes: the architecture nook runs on and the
 * container's bounding set decide which rules exist. */
static bool rule_applies(const struct sc_rule *r, uint64_t caps)
{
	if (r->arches && !(r->arches & ARCH_NATIVE))
		return false;
	if (r->not_arches & ARCH_NATIVE)
		return false;
	if ((caps & r->cap) != r->cap)
		return false;
	return !(caps & r->not_cap);
}

static json_object *strv_to_json(const char *const *v)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; v[i]; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

static json_object *rule_json(const struct sc_rule *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "names", strv_to_json(r->names));
	if (r->act == SC_ENOSYS) {
		json_object_object_add(o, "action", json_object_new_string("SCMP_ACT_ERRNO"));
		json_object_object_add(o, "errnoRet", json_object_new_int(ENOSYS));
	} else {
		json_object_object_add(o, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	}
	if (r->op) {
		json_object *args = json_object_new_array(), *a = json_object_new_object();

		json_object_object_add(a, "index", json_object_new_int((int)r->index));
		json_object_object_add(a, "value", json_object_new_int64((int64_t)r->value));
		json_object_object_add(a, "op", json_object_new_string(r->op));
		json_object_array_add(args, a);
		json_object_object_add(o, "args", args);
	}
	return o;
}

json_object *rt_profile_seccomp(uint64_t bounding)
{
	json_object *s = json_object_new_object(), *sys = json_object_new_array();

	/* Anything not listed fails with EPERM, as docker's does. */
	json_object_object_add(s, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(s, "defaultErrnoRet", json_object_new_int(EPERM));
	json_object_object_add(s, "architectures", strv_to_json(profile_arches));
	for (size_t i = 0; i < ARRAY_SIZE(sc_rules); i++)
		if (rule_applies(&sc_rules[i], bounding))
			json_object_array_add(sys, rule_json(&sc_rules[i]));
	json_object_object_add(s, "syscalls", sys);
	return s;
}

/* obj[key] as an object, made (or replaced) when it is not one. */
static json_object *object_child(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	v = json_object_new_object();
	json_object_object_add(obj, key, v);
	return v;
}

/* The capabilities nook itself may hand out: its own bounding set (root
 * on this kind of host may lack some, and granting one it lacks fails). */
uint64_t rt_runtime_bounding(void)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long mask = 0;
	struct error e;
	const char *p;

	if (file_read_at(AT_FDCWD, "/proc/self/status", 0, &text, NULL, &e) < 0)
		return 0;
	p = strstr(text, "\nCapBnd:");
	if (!p || sscanf(p + 8, "%llx", &mask) != 1)
		return 0;
	return mask;
}

int rt_profile_apply(json_object *doc, const struct rt_profile_opts *o, struct error *err)
{
	json_object *process, *linux_, *caps, *names;
	uint64_t bounding = 0;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(profiles); k++)
		if (profiles[k].profile == o->profile)
			break;
	if (k == ARRAY_SIZE(profiles))
		return error_set(err, EINVAL, "unknown security profile %d", (int)o->profile);
	if (!json_object_is_type(doc, json_type_object))
		return error_set(err, EINVAL, "config.json: expected an object");
	process = object_child(doc, "process");
	linux_ = object_child(doc, "linux");

	/* --privileged: every capability nook holds, no filter, nothing
	 * masked, and setuid binaries work (no no_new_privs). */
	names = json_object_new_array();
	if (o->privileged) {
		uint64_t held = rt_runtime_bounding();

		for (int c = 0; c <= rt_cap_last() && c < 64; c++) {
			if (!rt_cap_name(c) || !((held >> c) & 1))
				continue;
			json_object_array_add(names, json_object_new_string(rt_cap_name(c)));
			bounding |= 1ULL << c;
		}
	} else {
		for (size_t i = 0; profiles[k].caps[i]; i++) {
			int c = rt_cap_from_name(profiles[k].caps[i]);

			json_object_array_add(names, json_object_new_string(profiles[k].caps[i]));
			bounding |= 1ULL << c;
		}
	}
	/* Inheritable and ambient stay empty: an exec'd program keeps only
	 * what file capabilities give it, within the bounding set. */
	caps = json_object_new_object();
	json_object_object_add(caps, "bounding", names);
	json_object_object_add(caps, "effective", json_object_get(names));
	json_object_object_add(caps, "permitted", json_object_get(names));
	json_object_object_add(process, "capabilities", caps);
	json_object_object_add(process, "noNewPrivileges", json_object_new_boolean(!o->privileged));

	if (o->privileged) {
		json_object *res, *devs, *all;

		json_object_object_del(linux_, "seccomp");
		json_object_object_del(linux_, "maskedPaths");
		json_object_object_del(linux_, "readonlyPaths");
		/* And every device, as docker's and podman's ("a *:* rwm"),
		 * where there is a device filter (not rootless). */
		if (json_object_object_get_ex(linux_, "resources", &res) &&
		    json_object_is_type(res, json_type_object)) {
			devs = json_object_new_array();
			all = json_object_new_object();
			json_object_object_add(all, "allow", json_object_new_boolean(1));
			json_object_object_add(all, "access", json_object_new_string("rwm"));
			json_object_array_add(devs, all);
			json_object_object_add(res, "devices", devs);
		}
		return 0;
	}
	json_object_object_add(linux_, "seccomp", rt_profile_seccomp(bounding));
	json_object_object_add(linux_, "maskedPaths", strv_to_json(profiles[k].masked));
	json_object_object_add(linux_, "readonlyPaths", strv_to_json(profiles[k].readonly));
	return 0;
}

char *rt_profile_spec(bool rootless, const struct rt_profile_opts *o, struct error *err)
{
	json_object *doc = rt_spec_default_doc(rootless);
	char *text;

	if (rt_profile_apply(doc, o, err) < 0) {
		json_object_put(doc);
		return NULL;
	}
	text = xasprintf("%s\n",
			 json_object_to_json_string_ext(
			     doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
				      JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return text;
}
