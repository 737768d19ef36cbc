/* linux.seccomp: compile the OCI section with libseccomp into classic BPF
 * in the runtime process, load the BPF with the raw seccomp() syscall in
 * the child.
 *
 * Why export BPF instead of calling seccomp_load() in the child: the
 * filter is built (and every config error reported) before anything is
 * created, and the child, running between clone() and exec(), only does one
 * syscall with memory that already exists — no allocation, no library
 * state. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define WHERE "config.json: linux.seccomp"

/* Which actions carry a return code (errnoRet / defaultErrnoRet). */
enum act_data { ACT_PLAIN, ACT_ERRNO, ACT_TRACE };

static const struct {
	const char *name;
	uint32_t action;
	enum act_data data;
} action_table[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_PLAIN},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_ERRNO},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_TRACE},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_PLAIN},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} op_table[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	uint32_t arch;
} arch_table[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

/* Flags go straight to seccomp(2): the filter is loaded by us, not by
 * libseccomp, so libseccomp's attributes would not reach the kernel. */
static const struct {
	const char *name;
	unsigned int flag;
} flag_table[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* ------------------------------------------------------- JSON access -- */

/* obj[key] of the given type.  Absent or null: *out = NULL and 0. */
static int field_get(json_object *obj, const char *key, json_type type, json_object **out,
		     const char *path, struct error *err)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, type)) {
		char where[RT_JSON_PATH_MAX];

		rt_json_path(where, path, key);
		return rt_json_type_error(where, type, v, err);
	}
	*out = v;
	return 0;
}

static int uint_get(json_object *v, uint64_t max, uint64_t *out, const char *path,
		    struct error *err)
{
	if (!json_object_is_type(v, json_type_int))
		return rt_json_type_error(path, json_type_int, v, err);
	/* json-c keeps values above INT64_MAX as uint64; anything that reads
	 * negative as int64 and is not such a value is negative. */
	if (json_object_get_int64(v) < 0)
		return error_set(err, EINVAL, "%s: must not be negative", path);
	*out = json_object_get_uint64(v);
	if (*out > max)
		return error_set(err, EINVAL, "%s: %llu is out of range (at most %llu)", path,
				 (unsigned long long)*out, (unsigned long long)max);
	return 0;
}

/* ---------------------------------------------------------- actions -- */

/* action + optional return code -> libseccomp action.  key_ret names the
 * return-code field for messages ("errnoRet" or "defaultErrnoRet"). */
static int action_parse(json_object *obj, const char *key, const char *key_ret, const char *path,
			uint32_t *out, struct error *err)
{
	json_object *jact, *jret;
	const char *name;
	uint64_t ret = EPERM;

	if (field_get(obj, key, json_type_string, &jact, path, err) < 0 ||
	    field_get(obj, key_ret, json_type_int, &jret, path, err) < 0)
		return -1;
	if (!jact)
		return error_set(err, EINVAL, "%s.%s: required", path, key);
	name = json_object_get_string(jact);
	for (size_t i = 0; i < ARRAY_SIZE(action_table); i++) {
		if (strcmp(name, action_table[i].name) != 0)
			continue;
		if (action_table[i].action == SCMP_ACT_NOTIFY)
			return error_set(err, ENOTSUP,
					 "%s.%s: SCMP_ACT_NOTIFY is not supported by nook "
					 "(it needs a seccomp agent at listenerPath)",
					 path, key);
		if (jret) {
			char where[256];

			snprintf(where, sizeof(where), "%s.%s", path, key_ret);
			/* The spec: an action that takes no errno MUST fail. */
			if (action_table[i].data == ACT_PLAIN)
				return error_set(err, EINVAL, "%s: not valid with action %s", where,
						 name);
			if (uint_get(jret, SECCOMP_RET_DATA, &ret, where, err) < 0)
				return -1;
		}
		switch (action_table[i].data) {
		case ACT_ERRNO:
			*out = SCMP_ACT_ERRNO((uint32_t)ret);
			break;
		case ACT_TRACE:
			*out = SCMP_ACT_TRACE((uint32_t)ret);
			break;
		case ACT_PLAIN:
			*out = action_table[i].action;
			break;
		}
		return 0;
	}
	return error_set(err, EINVAL, "%s.%s: unknown action \"%s\"", path, key, name);
}

/* ---------------------------------------------------------- syscalls -- */

static int arg_parse(json_object *ja, const char *path, struct scmp_arg_cmp *out, struct error *err)
{
	json_object *jidx, *jval, *jval2, *jop;
	char where[256];
	uint64_t idx, val = 0, val2 = 0;
	const char *name;

	if (!json_object_is_type(ja, json_type_object))
		return rt_json_type_error(path, json_type_object, ja, err);
	if (field_get(ja, "index", json_type_int, &jidx, path, err) < 0 ||
	    field_get(ja, "value", json_type_int, &jval, path, err) < 0 ||
	    field_get(ja, "valueTwo", json_type_int, &jval2, path, err) < 0 ||
	    field_get(ja, "op", json_type_string, &jop, path, err) < 0)
		return -1;
	if (!jidx)
		return error_set(err, EINVAL, "%s.index: required", path);
	if (!jval)
		return error_set(err, EINVAL, "%s.value: required", path);
	if (!jop)
		return error_set(err, EINVAL, "%s.op: required", path);
	snprintf(where, sizeof(where), "%s.index", path);
	if (uint_get(jidx, 5, &idx, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "%s.value", path);
	if (uint_get(jval, UINT64_MAX, &val, where, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "%s.valueTwo", path);
	if (jval2 && uint_get(jval2, UINT64_MAX, &val2, where, err) < 0)
		return -1;
	name = json_object_get_string(jop);
	for (size_t i = 0; i < ARRAY_SIZE(op_table); i++) {
		if (strcmp(name, op_table[i].name) == 0) {
			/* MASKED_EQ: value is the mask, valueTwo the datum —
			 * the same order as libseccomp's arguments. */
			*out = (struct scmp_arg_cmp){
			    .arg = (unsigned int)idx,
			    .op = op_table[i].op,
			    .datum_a = val,
			    .datum_b = val2,
			};
			return 0;
		}
	}
	return error_set(err, EINVAL, "%s.op: unknown operator \"%s\"", path, name);
}

static int rule_add(scmp_filter_ctx ctx, int nr, uint32_t action, const struct scmp_arg_cmp *args,
		    unsigned int nargs, const char *path, const char *sc, struct error *err)
{
	int r = seccomp_rule_add_array(ctx, action, nr, nargs, args);

	if (r < 0)
		return error_set(err, -r, "%s: cannot add a rule for \"%s\": %s", path, sc,
				 strerror(-r));
	return 0;
}

/* One syscalls[] entry.
 *
 * Arguments follow runc (and so the profiles written for it, Docker's
 * among them): when every condition has a different index they are
 * AND-ed in one rule; when any index appears twice, libseccomp cannot
 * express the comparison in one rule and every condition becomes a rule of
 * its own, so they are OR-ed. */
static int syscall_parse(scmp_filter_ctx ctx, json_object *js, uint32_t def_action,
			 const char *path, struct error *err)
{
	json_object *jnames, *jargs;
	struct scmp_arg_cmp args[6 * 8];
	unsigned int nargs = 0, seen[6] = {0};
	bool repeated = false;
	uint32_t action;
	char where[256];
	size_t n;

	if (!json_object_is_type(js, json_type_object))
		return rt_json_type_error(path, json_type_object, js, err);
	if (field_get(js, "names", json_type_array, &jnames, path, err) < 0 ||
	    field_get(js, "args", json_type_array, &jargs, path, err) < 0)
		return -1;
	if (!jnames)
		return error_set(err, EINVAL, "%s.names: required", path);
	if (action_parse(js, "action", "errnoRet", path, &action, err) < 0)
		return -1;

	n = jargs ? json_object_array_length(jargs) : 0;
	if (n > ARRAY_SIZE(args))
		return error_set(err, E2BIG, "%s.args: more than %zu conditions", path,
				 ARRAY_SIZE(args));
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "%s.args[%zu]", path, i);
		if (arg_parse(json_object_array_get_idx(jargs, i), where, &args[nargs], err) < 0)
			return -1;
		if (seen[args[nargs].arg]++)
			repeated = true;
		nargs++;
	}

	n = json_object_array_length(jnames);
	for (size_t i = 0; i < n; i++) {
		json_object *jn = json_object_array_get_idx(jnames, i);
		const char *name;
		int nr;

		snprintf(where, sizeof(where), "%s.names[%zu]", path, i);
		if (!jn || !json_object_is_type(jn, json_type_string))
			return rt_json_type_error(where, json_type_string, jn, err);
		name = json_object_get_string(jn);
		/* libseccomp resolves names it knows on any architecture (to
		 * a negative pseudo number where the native one lacks it);
		 * names it does not know at all are skipped like runc and
		 * crun do: profiles list syscalls newer than this libseccomp. */
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			log_debug("seccomp: skipping unknown syscall \"%s\" (%s)", name, where);
			continue;
		}
		/* The kernel would do the same without the rule, and
		 * libseccomp refuses it. */
		if (action == def_action)
			continue;
		if (!repeated) {
			if (rule_add(ctx, nr, action, args, nargs, where, name, err) < 0)
				return -1;
			continue;
		}
		for (unsigned int a = 0; a < nargs; a++)
			if (rule_add(ctx, nr, action, &args[a], 1, where, name, err) < 0)
				return -1;
	}
	return 0;
}

/* ------------------------------------------------------ whole section -- */

static int arches_parse(scmp_filter_ctx ctx, json_object *jarches, struct error *err)
{
	size_t n = json_object_array_length(jarches);

	for (size_t i = 0; i < n; i++) {
		json_object *ja = json_object_array_get_idx(jarches, i);
		const char *name;
		size_t k;
		int r;

		if (!ja || !json_object_is_type(ja, json_type_string)) {
			char where[RT_JSON_PATH_MAX];

			rt_json_path_index(where, WHERE ".architectures", i);
			return rt_json_type_error(where, json_type_string, ja, err);
		}
		name = json_object_get_string(ja);
		for (k = 0; k < ARRAY_SIZE(arch_table); k++)
			if (strcmp(name, arch_table[k].name) == 0)
				break;
		if (k == ARRAY_SIZE(arch_table))
			return error_set(err, EINVAL,
					 WHERE ".architectures[%zu]: unknown architecture \"%s\"",
					 i, name);
		/* The native architecture is in every new context already. */
		r = seccomp_arch_add(ctx, arch_table[k].arch);
		if (r < 0 && r != -EEXIST)
			return error_set(err, -r, WHERE ".architectures[%zu]: cannot add %s: %s", i,
					 name, strerror(-r));
	}
	return 0;
}

static int flags_parse(json_object *jflags, unsigned int *out, struct error *err)
{
	size_t n = json_object_array_length(jflags);

	for (size_t i = 0; i < n; i++) {
		json_object *jf = json_object_array_get_idx(jflags, i);
		const char *name;
		size_t k;

		if (!jf || !json_object_is_type(jf, json_type_string)) {
			char where[RT_JSON_PATH_MAX];

			rt_json_path_index(where, WHERE ".flags", i);
			return rt_json_type_error(where, json_type_string, jf, err);
		}
		name = json_object_get_string(jf);
		for (k = 0; k < ARRAY_SIZE(flag_table); k++)
			if (strcmp(name, flag_table[k].name) == 0)
				break;
		if (k == ARRAY_SIZE(flag_table))
			return error_set(err, EINVAL, WHERE ".flags[%zu]: unknown flag \"%s\"", i,
					 name);
		*out |= flag_table[k].flag;
	}
	/* WAIT_KILLABLE_RECV only changes how notifications to a listener
	 * wait; without a listener (nook has none) the kernel refuses it. */
	if (*out & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
		log_debug("seccomp: ignoring SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (no listener)");
		*out &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	return 0;
}

/* Serialise the filter as classic BPF through a memfd. */
static int bpf_export(scmp_filter_ctx ctx, struct rt_seccomp *out, struct error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ void *buf = NULL;
	struct stat st;
	ssize_t n;
	int r;

	fd = memfd_create("nook-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot create memfd for the seccomp filter");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return error_set(err, -r, "cannot export the seccomp filter: %s", strerror(-r));
	if (fstat(fd, &st) < 0)
		return error_sys(err, "cannot stat the seccomp filter");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return error_set(err, E2BIG, "seccomp filter has an invalid size (%lld bytes)",
				 (long long)st.st_size);
	buf = xmalloc((size_t)st.st_size);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return error_sys(err, "cannot rewind the seccomp filter");
	n = read_all(fd, buf, (size_t)st.st_size);
	if (n != st.st_size)
		return error_set(err, EIO, "cannot read the seccomp filter back");
	out->bpf = steal_pointer(&buf);
	out->bpf_len = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

int rt_seccomp_compile(json_object *seccomp, struct rt_seccomp *out, struct error *err)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	json_object *jarches, *jflags, *jsys, *jlp, *jlm;
	uint32_t def_action;
	unsigned int flags = 0;
	char where[64];

	*out = (struct rt_seccomp){0};
	if (!json_object_is_type(seccomp, json_type_object))
		return rt_json_type_error(WHERE, json_type_object, seccomp, err);
	if (field_get(seccomp, "architectures", json_type_array, &jarches, WHERE, err) < 0 ||
	    field_get(seccomp, "flags", json_type_array, &jflags, WHERE, err) < 0 ||
	    field_get(seccomp, "syscalls", json_type_array, &jsys, WHERE, err) < 0 ||
	    field_get(seccomp, "listenerPath", json_type_string, &jlp, WHERE, err) < 0 ||
	    field_get(seccomp, "listenerMetadata", json_type_string, &jlm, WHERE, err) < 0)
		return -1;
	if (jlp && json_object_get_string_len(jlp) > 0)
		return error_set(err, ENOTSUP,
				 WHERE
				 ".listenerPath: seccomp notify agents are not supported by nook");
	if (jlm && json_object_get_string_len(jlm) > 0)
		return error_set(
		    err, ENOTSUP,
		    WHERE ".listenerMetadata: needs listenerPath, which nook does not support");
	if (action_parse(seccomp, "defaultAction", "defaultErrnoRet", WHERE, &def_action, err) < 0)
		return -1;
	if (jflags && flags_parse(jflags, &flags, err) < 0)
		return -1;

	ctx = seccomp_init(def_action);
	if (!ctx)
		return error_set(err, ENOMEM, "cannot create a seccomp filter");
	if (jarches && arches_parse(ctx, jarches, err) < 0)
		return -1;
	/* Syscall numbers in a binary tree instead of one chain: docker's
	 * profile loads in a third of the time (0.33 ms, not 0.95), as the
	 * kernel, to build its cache of always-allowed syscalls, runs the
	 * filter for every syscall number and arch; and every syscall of
	 * the container is decided in a few comparisons.  A libseccomp
	 * without it (before 2.5) gives the chain. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		log_debug("seccomp: libseccomp cannot sort the filter into a tree");
	for (size_t i = 0; jsys && i < json_object_array_length(jsys); i++) {
		snprintf(where, sizeof(where), WHERE ".syscalls[%zu]", i);
		if (syscall_parse(ctx, json_object_array_get_idx(jsys, i), def_action, where, err) <
		    0)
			return -1;
	}
	if (bpf_export(ctx, out, err) < 0)
		return -1;
	out->flags = flags;
	return 0;
}

void rt_seccomp_release(struct rt_seccomp *s)
{
	free(s->bpf);
	*s = (struct rt_seccomp){0};
}

int rt_seccomp_load(const struct rt_seccomp *s, struct error *err)
{
	struct sock_fprog prog = {
	    .len = (unsigned short)s->bpf_len,
	    .filter = s->bpf,
	};
	long r;

	if (!s->bpf || s->bpf_len == 0)
		return 0;
	/* With TSYNC a positive result is the id of a thread that could not
	 * be synchronised; any non-zero result means no filter. */
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
	if (r < 0)
		return error_sys(err, "cannot load the seccomp filter");
	if (r > 0)
		return error_set(
		    err, EAGAIN,
		    "cannot load the seccomp filter: thread %ld could not be synchronised", r);
	return 0;
}

/* ----------------------------------------------------------- the cache --
 *
 * Compiling docker's profile with libseccomp costs more than the rest of
 * a container start, and the result depends only on the profile, the
 * libseccomp version, the architecture and kernel it runs on, and nook's
 * own compiler code.  So each distinct profile is compiled once and its
 * BPF kept in ROOT/.seccomp@cache/<sha256 of all that>.bpf.
 *
 * The cache decides what the kernel enforces, so it is read as untrusted:
 * the directory must be ours and closed to others (0700, our uid), the file
 * a regular file of ours that nobody else can write, with a header naming
 * the key it was made for and the SHA-256 of the whole entry.  Any
 * mismatch (a truncated file, a flipped byte, a filter swapped in for
 * another) means a compile and a fresh entry; any trouble with the cache
 * itself (read-only root, a foreign directory) means a compile, as without
 * a cache.  Entries are written whole under a temporary name and renamed,
 * so two creates filling the same entry each leave a complete file. */

/* '@' is not allowed in container ids (rt_id_check): no container's state
 * directory can be this one; the leading dot keeps it out of `list`. */
#define CACHE_DIR ".seccomp@cache"
#define CACHE_MAGIC "NOOKBPF\1"
/* Bump when the compiler above changes what it emits for a profile. */
#define CACHE_FORMAT "nook seccomp cache 2"

struct cache_header {
	char magic[8];
	uint32_t flags; /* SECCOMP_FILTER_FLAG_* for seccomp() */
	uint32_t count; /* instructions that follow */
	uint8_t key[SHA256_LEN];
	uint8_t sum[SHA256_LEN]; /* entry_hash() */
};

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON with object keys sorted and no whitespace: the same profile gives
 * the same text whatever the order of its keys. */
static void canon_add(struct sha256 *h, json_object *v)
{
	const char *text;

	switch (json_object_get_type(v)) {
	case json_type_object: {
		size_t n = (size_t)json_object_object_length(v), i = 0;
		_cleanup_free_ const char **keys = xmalloc((n ? n : 1) * sizeof(*keys));

		json_object_object_foreach(v, key, val)
		{
			(void)val;
			keys[i++] = key;
		}
		qsort(keys, n, sizeof(*keys), names_cmp);
		sha256_update(h, "{", 1);
		for (i = 0; i < n; i++) {
			json_object *s = json_object_new_string(keys[i]);

			if (i)
				sha256_update(h, ",", 1);
			canon_add(h, s);
			json_object_put(s);
			sha256_update(h, ":", 1);
			canon_add(h, json_object_object_get(v, keys[i]));
		}
		sha256_update(h, "}", 1);
		return;
	}
	case json_type_array:
		sha256_update(h, "[", 1);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				sha256_update(h, ",", 1);
			canon_add(h, json_object_array_get_idx(v, i));
		}
		sha256_update(h, "]", 1);
		return;
	default:
		/* Scalars as json-c prints them: strings escaped, integers
		 * in decimal (a uint64 above INT64_MAX as such), null. */
		text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		sha256_update(h, text, strlen(text));
		return;
	}
}

void rt_seccomp_cache_key(json_object *seccomp, uint8_t key[SHA256_LEN])
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	char head[512];
	struct sha256 h;
	int n;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	/* The kernel matters too: libseccomp picks what it emits by the
	 * seccomp API level the running kernel offers. */
	n = snprintf(head, sizeof(head), "%s\n%s\n%u.%u.%u\n%#x\n%s\n", CACHE_FORMAT,
		     NOOK_VERSION, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
		     seccomp_arch_native(), u.release);
	sha256_init(&h);
	sha256_update(&h, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1);
	canon_add(&h, seccomp);
	sha256_final(&h, key);
}

/* The SHA-256 of the whole entry but this sum: the flags the filter is
 * loaded with count as much as its instructions. */
static void entry_hash(const struct cache_header *hd, const void *bpf, uint8_t out[SHA256_LEN])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, hd, offsetof(struct cache_header, sum));
	sha256_update(&h, bpf, hd->count * sizeof(struct sock_filter));
	sha256_final(&h, out);
}

/* The cache directory, made when missing; -1 when there is none to use. */
static int cache_dir_open(const char *root)
{
	_cleanup_close_ int rfd = -1;
	struct error e;
	struct stat st;
	int fd;

	if (!root || mkdir_p(root, 0700, &e) < 0)
		return -1;
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	if (mkdirat(rfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = openat(rfd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Whoever can write here chooses the filter of the next container. */
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		log_debug("seccomp: not using the filter cache in '%s': not private to uid %u",
			  root, (unsigned)geteuid());
		close(fd);
		return -1;
	}
	return fd;
}

/* The cached filter for key, or -1 (with the reason logged). */
static int cache_read(int dfd, const char *name, const uint8_t key[SHA256_LEN],
		      struct rt_seccomp *out)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ void *bpf = NULL;
	struct cache_header hd;
	uint8_t sum[SHA256_LEN];
	size_t size;
	struct stat st;
	char c;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_debug("seccomp: no cached filter %s", name);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		goto bad;
	if (read_all(fd, &hd, sizeof(hd)) != (ssize_t)sizeof(hd) ||
	    memcmp(hd.magic, CACHE_MAGIC, sizeof(hd.magic)) != 0 ||
	    memcmp(hd.key, key, SHA256_LEN) != 0 || hd.count == 0 || hd.count > BPF_MAXINSNS)
		goto bad;
	size = (size_t)hd.count * sizeof(struct sock_filter);
	if (st.st_size != (off_t)(sizeof(hd) + size))
		goto bad;
	bpf = xmalloc(size);
	/* Exactly size bytes and then the end: nothing appended since. */
	if (read_all(fd, bpf, size) != (ssize_t)size || read(fd, &c, 1) != 0)
		goto bad;
	entry_hash(&hd, bpf, sum);
	if (memcmp(sum, hd.sum, SHA256_LEN) != 0)
		goto bad;
	out->bpf = steal_pointer(&bpf);
	out->bpf_len = hd.count;
	out->flags = hd.flags;
	return 0;
bad:
	log_debug("seccomp: cached filter %s is damaged or foreign: compiling again", name);
	return -1;
}

static void cache_write(int dfd, const char *name, const uint8_t key[SHA256_LEN],
			const struct rt_seccomp *s)
{
	size_t size = s->bpf_len * sizeof(struct sock_filter);
	_cleanup_free_ char *buf = xmalloc(sizeof(struct cache_header) + size);
	struct cache_header hd = {.flags = s->flags, .count = (uint32_t)s->bpf_len};
	struct error e;

	memcpy(hd.magic, CACHE_MAGIC, sizeof(hd.magic));
	memcpy(hd.key, key, SHA256_LEN);
	entry_hash(&hd, s->bpf, hd.sum);
	memcpy(buf, &hd, sizeof(hd));
	memcpy(buf + sizeof(hd), s->bpf, size);
	if (file_write_atomic_at(dfd, name, buf, sizeof(hd) + size, 0600, &e) < 0)
		log_debug("seccomp: cannot cache the filter: %s", e.msg);
	else
		log_debug("seccomp: cached the filter as %s", name);
}

int rt_seccomp_prepare(const char *root, json_object *seccomp, struct rt_seccomp *out,
		       struct error *err)
{
	_cleanup_close_ int dfd = -1;
	uint8_t key[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1], name[2 * SHA256_LEN + 8];

	*out = (struct rt_seccomp){0};
	dfd = json_object_is_type(seccomp, json_type_object) ? cache_dir_open(root) : -1;
	if (dfd < 0)
		return rt_seccomp_compile(seccomp, out, err);
	rt_seccomp_cache_key(seccomp, key);
	sha256_hex(key, hex);
	snprintf(name, sizeof(name), "%s.bpf", hex);
	if (cache_read(dfd, name, key, out) == 0) {
		log_debug("seccomp: using cached filter %s", name);
		return 0;
	}
	if (rt_seccomp_compile(seccomp, out, err) < 0)
		return -1;
	fault_point("seccomp-compiled");
	cache_write(dfd, name, key, out);
	fault_point("seccomp-cached");
	return 0;
}
