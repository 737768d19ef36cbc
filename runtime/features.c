/* `nook features`: the OCI Features structure (runtime-spec features.md,
 * features-linux.md) — what this build of nook recognizes, independent of
 * what the host kernel offers. */
#include "runtime/internal.h"

#include <seccomp.h>

/* Mount options nook's mount code translates into flags (the rest of an
 * options list is passed to the filesystem as data). */
static const char *const mount_options[] = {
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "symfollow",
    "sync",
    "tmpcopyup",
    "unbindable",
};

static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network",
					 "pid",	   "time", "user",  "uts"};

/* SCMP_ACT_NOTIFY is left out: nook has no seccomp agent to hand the
 * listener to, and refuses it in linux.seccomp. */
static const char *const seccomp_actions[] = {
    "SCMP_ACT_ALLOW",	    "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",   "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
    "SCMP_CMP_EQ", "SCMP_CMP_GE",	 "SCMP_CMP_GT", "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};
/* OCI name, libseccomp name: only archs this libseccomp resolves are listed. */
static const struct {
	const char *oci, *scmp;
} seccomp_archs[] = {
    {"SCMP_ARCH_AARCH64", "aarch64"},
    {"SCMP_ARCH_ARM", "arm"},
    {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},
    {"SCMP_ARCH_MIPS64N32", "mips64n32"},
    {"SCMP_ARCH_MIPSEL", "mipsel"},
    {"SCMP_ARCH_MIPSEL64", "mipsel64"},
    {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    {"SCMP_ARCH_PARISC", "parisc"},
    {"SCMP_ARCH_PARISC64", "parisc64"},
    {"SCMP_ARCH_PPC", "ppc"},
    {"SCMP_ARCH_PPC64", "ppc64"},
    {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_RISCV64", "riscv64"},
    {"SCMP_ARCH_S390", "s390"},
    {"SCMP_ARCH_S390X", "s390x"},
    {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_X86", "x86"},
    {"SCMP_ARCH_X86_64", "x86_64"},
};
/* WAIT_KILLABLE_RECV only matters with a listener (SCMP_ACT_NOTIFY), so it
 * is recognized and ignored: known, not supported. */
static const char *const seccomp_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static json_object *names_json(const char *const *v, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}
#define NAMES(a) names_json(a, ARRAY_SIZE(a))

static json_object *enabled(bool on)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(on));
	return o;
}

static json_object *capabilities_json(void)
{
	json_object *arr = json_object_new_array();
	const char *name;

	for (int cap = 0; (name = rt_cap_name(cap)) != NULL; cap++)
		json_object_array_add(arr, json_object_new_string(name));
	return arr;
}

static json_object *seccomp_json(void)
{
	json_object *s = enabled(true), *archs = json_object_new_array();

	json_object_object_add(s, "actions", NAMES(seccomp_actions));
	json_object_object_add(s, "operators", NAMES(seccomp_operators));
	for (size_t i = 0; i < ARRAY_SIZE(seccomp_archs); i++)
		if (seccomp_arch_resolve_name(seccomp_archs[i].scmp) != 0)
			json_object_array_add(archs, json_object_new_string(seccomp_archs[i].oci));
	json_object_object_add(s, "archs", archs);
	json_object_object_add(s, "knownFlags", NAMES(seccomp_flags));
	json_object_object_add(s, "supportedFlags",
			       names_json(seccomp_flags, ARRAY_SIZE(seccomp_flags) - 1));
	return s;
}

static json_object *linux_json(void)
{
	json_object *l = json_object_new_object(), *cg = json_object_new_object();
	json_object *ext = json_object_new_object();

	json_object_object_add(l, "namespaces", NAMES(namespaces));
	json_object_object_add(l, "capabilities", capabilities_json());
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(0));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	/* linux.resources.rdma is written to rdma.max (v2 and v1). */
	json_object_object_add(cg, "rdma", json_object_new_boolean(1));
	json_object_object_add(l, "cgroup", cg);
	json_object_object_add(l, "seccomp", seccomp_json());
	json_object_object_add(l, "apparmor", enabled(false));
	json_object_object_add(l, "selinux", enabled(false));
	json_object_object_add(l, "intelRdt", enabled(false));
	json_object_object_add(ext, "idmap", enabled(false));
	json_object_object_add(l, "mountExtensions", ext);
	/* linux.netDevices is refused (spec_linux.c). */
	json_object_object_add(l, "netDevices", enabled(false));
	return l;
}

char *rt_features_json(void)
{
	json_object *doc = json_object_new_object(), *ann = json_object_new_object();
	const struct scmp_version *sv = seccomp_version();
	const char *hooks[RT_HOOK__COUNT];
	char *text;

	for (int k = 0; k < RT_HOOK__COUNT; k++)
		hooks[k] = rt_hook_kind_name(k);
	json_object_object_add(doc, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(doc, "ociVersionMax", json_object_new_string(NOOK_OCI_VERSION));
	json_object_object_add(doc, "hooks", NAMES(hooks));
	json_object_object_add(doc, "mountOptions", NAMES(mount_options));
	/* No annotation of config.json changes what nook does. */
	json_object_object_add(doc, "potentiallyUnsafeConfigAnnotations", json_object_new_array());
	json_object_object_add(doc, "linux", linux_json());
	if (sv) {
		char *v = xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);

		json_object_object_add(ann, "io.github.seccomp.libseccomp.version",
				       json_object_new_string(v));
		free(v);
	}
	json_object_object_add(ann, "io.github.nook.version", json_object_new_string(NOOK_VERSION));
	json_object_object_add(doc, "annotations", ann);
	text = xasprintf("%s\n", json_object_to_json_string_ext(
				     doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return text;
}

char *rt_features(void)
{
	return rt_features_json();
}
