/* docker's seccomp profile format (moby's profiles/seccomp) -> the OCI
 * linux.seccomp object the runtime compiles.  What docker's daemon does
 * before handing a profile to runc: archMap entries for the architecture
 * nook runs on give the architectures, and a rule exists only when its
 * includes/excludes (capabilities of the container, architecture, minimum
 * kernel) say so.  The result goes through the same compiler and the same
 * BPF cache (keyed by its hash) as every other profile. */
#include "runtime/internal.h"

#include <string.h>
#include <sys/utsname.h>

/* The Go architecture name docker's includes.arches compare with, and
 * its libseccomp name. */
#if defined(__x86_64__)
#define NATIVE_GOARCH "amd64"
#define NATIVE_SCMP   "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define NATIVE_GOARCH "arm64"
#define NATIVE_SCMP   "SCMP_ARCH_AARCH64"
#elif defined(__s390x__)
#define NATIVE_GOARCH "s390x"
#define NATIVE_SCMP   "SCMP_ARCH_S390X"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_GOARCH "ppc64le"
#define NATIVE_SCMP   "SCMP_ARCH_PPC64LE"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_GOARCH "riscv64"
#define NATIVE_SCMP   "SCMP_ARCH_RISCV64"
#else
#define NATIVE_GOARCH ""
#define NATIVE_SCMP   ""
#endif

static bool strv_json_has(json_object *a, const char *s)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
			return true;
	return false;
}

/* "5.8" against the running kernel's release. */
static bool kernel_at_least(const char *want)
{
	struct utsname u;
	unsigned a = 0, b = 0, x = 0, y = 0;

	if (uname(&u) < 0 || sscanf(want, "%u.%u", &a, &b) < 1 ||
	    sscanf(u.release, "%u.%u", &x, &y) < 1)
		return true;
	return x > a || (x == a && y >= b);
}

static int filter_get(json_object *rule, const char *key, const char *where, json_object **out,
		      struct error *err)
{
	*out = NULL;
	if (!json_object_object_get_ex(rule, key, out) || !*out)
		return 0;
	if (!json_object_is_type(*out, json_type_object))
		return rt_json_type_error(where, json_type_object, *out, err);
	return 0;
}

/* 1: the rule applies, 0: it does not, -1: malformed. */
static int rule_applies(json_object *rule, uint64_t bounding, const char *where, struct error *err)
{
	json_object *inc, *exc, *v;

	if (filter_get(rule, "includes", where, &inc, err) < 0 ||
	    filter_get(rule, "excludes", where, &exc, err) < 0)
		return -1;
	if (inc) {
		if (json_object_object_get_ex(inc, "arches", &v) && json_object_array_length(v) &&
		    !strv_json_has(v, NATIVE_GOARCH))
			return 0;
		if (json_object_object_get_ex(inc, "caps", &v))
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				int c = rt_cap_from_name(
				    json_object_get_string(json_object_array_get_idx(v, i)));

				if (c < 0 || c >= 64 || !(bounding >> c & 1))
					return 0;
			}
		if (json_object_object_get_ex(inc, "minKernel", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    !kernel_at_least(json_object_get_string(v)))
			return 0;
	}
	if (exc) {
		if (json_object_object_get_ex(exc, "arches", &v) && strv_json_has(v, NATIVE_GOARCH))
			return 0;
		if (json_object_object_get_ex(exc, "caps", &v))
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				int c = rt_cap_from_name(
				    json_object_get_string(json_object_array_get_idx(v, i)));

				if (c >= 0 && c < 64 && (bounding >> c & 1))
					return 0;
			}
	}
	return 1;
}

static void copy_key(json_object *from, json_object *to, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(from, key, &v) && v)
		json_object_object_add(to, key, json_object_get(v));
}

/* architectures, or archMap's entries for this machine (with their
 * compatibility ABIs). */
static json_object *arches(json_object *profile)
{
	json_object *map, *v, *out;

	if (json_object_object_get_ex(profile, "architectures", &v) &&
	    json_object_is_type(v, json_type_array))
		return json_object_get(v);
	if (!json_object_object_get_ex(profile, "archMap", &map) ||
	    !json_object_is_type(map, json_type_array))
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(map); i++) {
		json_object *e = json_object_array_get_idx(map, i), *a, *subs;

		if (!json_object_object_get_ex(e, "architecture", &a) ||
		    strcmp(json_object_get_string(a), NATIVE_SCMP))
			continue;
		json_object_array_add(out, json_object_get(a));
		if (json_object_object_get_ex(e, "subArchitectures", &subs) &&
		    json_object_is_type(subs, json_type_array))
			for (size_t k = 0; k < json_object_array_length(subs); k++)
				json_object_array_add(
				    out, json_object_get(json_object_array_get_idx(subs, k)));
	}
	return out;
}

int rt_seccomp_from_docker(json_object *profile, uint64_t bounding, json_object **out,
			   struct error *err)
{
	json_object *oci, *sys = NULL, *list, *a;

	if (!json_object_object_get_ex(profile, "defaultAction", &a) ||
	    !json_object_is_type(a, json_type_string))
		return error_set(err, EINVAL, "defaultAction is missing");
	if (json_object_object_get_ex(profile, "syscalls", &sys) && sys &&
	    !json_object_is_type(sys, json_type_array))
		return rt_json_type_error("syscalls", json_type_array, sys, err);
	oci = json_object_new_object();
	list = json_object_new_array();
	copy_key(profile, oci, "defaultAction");
	copy_key(profile, oci, "defaultErrnoRet");
	copy_key(profile, oci, "flags");
	if ((a = arches(profile)))
		json_object_object_add(oci, "architectures", a);
	for (size_t i = 0; sys && i < json_object_array_length(sys); i++) {
		json_object *rule = json_object_array_get_idx(sys, i), *r, *names, *name;
		char where[64];
		int applies;

		snprintf(where, sizeof(where), "syscalls[%zu]", i);
		if (!json_object_is_type(rule, json_type_object)) {
			json_object_put(oci);
			json_object_put(list);
			return rt_json_type_error(where, json_type_object, rule, err);
		}
		applies = rule_applies(rule, bounding, where, err);
		if (applies < 0) {
			json_object_put(oci);
			json_object_put(list);
			return -1;
		}
		if (!applies)
			continue;
		r = json_object_new_object();
		/* docker's older profiles name one call as "name". */
		if (json_object_object_get_ex(rule, "names", &names) && names) {
			json_object_object_add(r, "names", json_object_get(names));
		} else if (json_object_object_get_ex(rule, "name", &name) && name) {
			names = json_object_new_array();
			json_object_array_add(names, json_object_get(name));
			json_object_object_add(r, "names", names);
		}
		copy_key(rule, r, "action");
		copy_key(rule, r, "errnoRet");
		copy_key(rule, r, "args");
		json_object_array_add(list, r);
	}
	json_object_object_add(oci, "syscalls", list);
	*out = oci;
	return 0;
}
