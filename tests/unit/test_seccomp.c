/* rt_seccomp_compile / rt_seccomp_load: config errors name their JSON path;
 * compiled filters, loaded in a forked child, do what the config says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "runtime/internal.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int compile(const char *json, struct rt_seccomp *s, struct error *err)
{
	json_object *obj = json_tokener_parse(json);
	int r;

	assert_non_null(obj);
	r = rt_seccomp_compile(obj, s, err);
	json_object_put(obj);
	return r;
}

/* Compile what must compile; the message otherwise. */
static void compile_ok(const char *json, struct rt_seccomp *s)
{
	struct error err = {0};

	if (compile(json, s, &err) < 0)
		fail_msg("%s", err.msg);
}

/* What a probe records: 0 on success, -errno on failure. */
static long probe(long r)
{
	return r < 0 ? -errno : 0;
}

typedef void (*probe_fn)(long *res, size_t n);

/* The child's exit code when the kernel (or valgrind) has no seccomp(). */
#define NO_SECCOMP_SYSCALL 102

/* Fork; the child sets no_new_privs, loads the filter, runs fn and writes
 * its results back.  Returns the child's wait status.  Where seccomp() does
 * not exist (valgrind), releases s and skips the test. */
static int run_filtered(struct rt_seccomp *s, probe_fn fn, long *res, size_t n)
{
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct error err;
		long out[16] = {0};

		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (rt_seccomp_load(s, &err) < 0)
			_exit(err.code == ENOSYS ? NO_SECCOMP_SYSCALL : 100);
		fn(out, n);
		if (write(p[1], out, n * sizeof(long)) != (ssize_t)(n * sizeof(long)))
			_exit(101);
		_exit(0);
	}
	close(p[1]);
	memset(res, 0x55, n * sizeof(long));
	(void)read_all(p[0], res, n * sizeof(long));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == NO_SECCOMP_SYSCALL) {
		rt_seccomp_release(s);
		skip();
	}
	return status;
}

/* ------------------------------------------------------------ errors -- */

static void test_compile_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
	     "\"SCMP_ACT_ERRNO\"},{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":"
	     "[\"a\"],\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"getcwd\"],\"action\":"
	     "\"SCMP_ACT_FOO\"}]}",
	     "config.json: linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\""},
	    {"{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
	     "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""},
	    {"{}", "config.json: linux.seccomp.defaultAction: required"},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}",
	     "config.json: linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}",
	     "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\""},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpgid\"],"
	     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
	     "\"SCMP_CMP_ALMOST\"}]}]}",
	     "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator "
	     "\"SCMP_CMP_ALMOST\""},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpgid\"],"
	     "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":"
	     "\"SCMP_CMP_EQ\"}]}]}",
	     "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range"},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"getcwd\","
	     "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	     "config.json: linux.seccomp.syscalls[0].names: expected an array, got a string"},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[42],"
	     "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	     "config.json: linux.seccomp.syscalls[0].names[0]: expected a string, got an integer"},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":\"SCMP_ARCH_X86\"}",
	     "config.json: linux.seccomp.architectures: expected an array, got a string"},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],"
	     "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":-1}]}",
	     "config.json: linux.seccomp.syscalls[0].errnoRet: must not be negative"},
	    {"{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":1}",
	     "config.json: linux.seccomp.defaultErrnoRet: not valid with action SCMP_ACT_KILL"},
	    {"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY is not supported"},
	    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\"}",
	     "config.json: linux.seccomp.listenerPath: seccomp notify agents are not supported"},
	    {"[]", "config.json: linux.seccomp: expected an object, got an array"},
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct rt_seccomp s;
		struct error err = {0};

		if (compile(cases[i].json, &s, &err) == 0) {
			rt_seccomp_release(&s);
			fail_msg("case %zu compiled but should not", i);
		}
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
		assert_null(s.bpf);
	}
}

/* ------------------------------------------------------------- rules -- */

static void probe_getcwd(long *res, size_t n)
{
	char buf[256];

	(void)n;
	res[0] = probe(syscall(SYS_getcwd, buf, sizeof(buf)));
	res[1] = probe(syscall(SYS_getpid));
	res[2] = probe(syscall(SYS_getppid));
}

static void test_errno_rule(void **state)
{
	struct rt_seccomp s;
	long res[3];
	int status;
	(void)state;

	/* Unknown names are skipped; socketcall does not exist on x86_64
	 * but libseccomp knows it (other arches), so it must not fail. */
	compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		   "{\"names\":[\"nook_no_such_syscall\",\"getcwd\",\"socketcall\"],"
		   "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
		   "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		   "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		   &s);
	assert_non_null(s.bpf);
	assert_true(s.bpf_len > 0);
	assert_int_equal(s.flags, 0);
	status = run_filtered(&s, probe_getcwd, res, 3);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(res[0], -38);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], -EPERM); /* errnoRet absent: EPERM */
	rt_seccomp_release(&s);
	assert_null(s.bpf);
}

static void probe_args(long *res, size_t n)
{
	(void)n;
	res[0] = probe(syscall(SYS_getpgid, 0));
	res[1] = probe(syscall(SYS_getpgid, 1));
	res[2] = probe(syscall(SYS_getpgid, 2));
	res[3] = probe(syscall(SYS_getpriority, PRIO_PROCESS, 0));
	res[4] = probe(syscall(SYS_getpriority, PRIO_PROCESS, 4194305));
	res[5] = probe(syscall(SYS_getpriority, PRIO_PGRP, 4194305));
	res[6] = probe(syscall(SYS_getsid, 0x12345));
	res[7] = probe(syscall(SYS_getsid, 0x22345));
}

static void test_arg_conditions(void **state)
{
	struct rt_seccomp s;
	long res[8];
	int status;
	(void)state;

	compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		   /* same index twice: OR */
		   "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77,"
		   "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
		   "{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]},"
		   /* different indexes: AND */
		   "{\"names\":[\"getpriority\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77,"
		   "\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
		   "{\"index\":1,\"value\":4194305,\"op\":\"SCMP_CMP_EQ\"}]},"
		   /* value is the mask, valueTwo the datum */
		   "{\"names\":[\"getsid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":77,"
		   "\"args\":[{\"index\":0,\"value\":983040,\"valueTwo\":65536,"
		   "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
		   &s);
	status = run_filtered(&s, probe_args, res, 8);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], -77);
	assert_int_equal(res[2], -77);
	assert_int_equal(res[3], 0);
	assert_int_equal(res[4], -77);
	assert_int_not_equal(res[5], -77);
	assert_int_equal(res[6], -77);	   /* 0x12345 & 0xf0000 == 0x10000 */
	assert_int_not_equal(res[7], -77); /* 0x22345 & 0xf0000 == 0x20000 */
	rt_seccomp_release(&s);
}

/* Enough for the probe and for exiting; everything else gets the default. */
#define ALLOW_BASICS                                                                               \
	"{\"names\":[\"write\",\"exit\",\"exit_group\",\"rt_sigreturn\",\"getpid\",\"brk\","       \
	"\"mmap\",\"munmap\",\"futex\",\"rt_sigprocmask\",\"sigaltstack\",\"madvise\"],"           \
	"\"action\":\"SCMP_ACT_ALLOW\"}"

static void test_default_errno_allow_list(void **state)
{
	struct rt_seccomp s;
	long res[3];
	int status;
	(void)state;

	compile_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		   "\"syscalls\":[" ALLOW_BASICS "]}",
		   &s);
	status = run_filtered(&s, probe_getcwd, res, 3);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(res[0], -38);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], -38);
	rt_seccomp_release(&s);

	/* Without defaultErrnoRet: EPERM. */
	compile_ok("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
		   "\"syscalls\":[" ALLOW_BASICS "]}",
		   &s);
	status = run_filtered(&s, probe_getcwd, res, 3);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(res[0], -EPERM);
	assert_int_equal(res[1], 0);
	assert_int_equal(res[2], -EPERM);
	rt_seccomp_release(&s);
}

static void test_kill_process(void **state)
{
	struct rt_seccomp s;
	long res[3];
	uint32_t act = SECCOMP_RET_KILL_PROCESS;
	int status;
	(void)state;

	/* libseccomp asks the kernel whether it has the action (valgrind
	 * does not pass the question on). */
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0)
		skip();
	compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		   "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}",
		   &s);
	status = run_filtered(&s, probe_getcwd, res, 3);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	rt_seccomp_release(&s);
}

static void test_arches_and_flags(void **state)
{
	struct rt_seccomp s, native;
	long res[3];
	int status;
	(void)state;

	compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		   "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
		   &native);
	compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		   "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\","
		   "\"SCMP_ARCH_AARCH64\"],"
		   "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\","
		   "\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
		   "\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
		   &s);
	/* One section of rules per architecture. */
	assert_true(s.bpf_len > native.bpf_len);
	/* WAIT_KILLABLE_RECV needs a listener; it is dropped. */
	assert_int_equal(s.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
				      SECCOMP_FILTER_FLAG_TSYNC);
	rt_seccomp_release(&native);
	status = run_filtered(&s, probe_getcwd, res, 3);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(res[0], -EPERM);
	assert_int_equal(res[1], 0);
	rt_seccomp_release(&s);
}

static void test_rule_matching_default_is_skipped(void **state)
{
	struct rt_seccomp s;
	(void)state;

	/* libseccomp refuses a rule whose action is the default one; the
	 * rule changes nothing, so it is dropped, not an error. */
	compile_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		   "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		   &s);
	rt_seccomp_release(&s);
}

/* The cache key ignores key order and whitespace, and nothing else. */
static void test_cache_key_canonical(void **state)
{
	static const char *const same[] = {
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
	    "{ \"syscalls\" : [ { \"errnoRet\": 1, \"action\": \"SCMP_ACT_ERRNO\", "
	    "\"names\": [ \"mkdir\" ] } ],\n \"defaultAction\": \"SCMP_ACT_ALLOW\" }",
	};
	static const char *const other[] = {
	    /* errno, name, order of an array, the default, an added field */
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":2}]}",
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"rmdir\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"rmdir\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"rmdir\",\"mkdir\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
	    "{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"mkdir\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
	    "\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}",
	};
	uint8_t want[SHA256_LEN], key[SHA256_LEN], keys[ARRAY_SIZE(other)][SHA256_LEN];
	json_object *o;

	(void)state;
	o = json_tokener_parse(same[0]);
	rt_seccomp_cache_key(o, want);
	json_object_put(o);
	o = json_tokener_parse(same[1]);
	rt_seccomp_cache_key(o, key);
	json_object_put(o);
	assert_memory_equal(key, want, SHA256_LEN);
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		o = json_tokener_parse(other[i]);
		assert_non_null(o);
		rt_seccomp_cache_key(o, keys[i]);
		json_object_put(o);
		assert_memory_not_equal(keys[i], want, SHA256_LEN);
		for (size_t j = 0; j < i; j++)
			assert_memory_not_equal(keys[i], keys[j], SHA256_LEN);
	}
}

/* The rules of a profile entry naming syscall name with this action. */
static bool profile_has(json_object *prof, const char *name, const char *action)
{
	json_object *sys = json_object_object_get(prof, "syscalls");

	for (size_t i = 0; i < json_object_array_length(sys); i++) {
		json_object *r = json_object_array_get_idx(sys, i);
		json_object *names = json_object_object_get(r, "names");

		if (strcmp(json_object_get_string(json_object_object_get(r, "action")), action))
			continue;
		for (size_t j = 0; j < json_object_array_length(names); j++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
				    name))
				return true;
	}
	return false;
}

/* docker's includes/excludes: CAP_SYS_ADMIN opens unshare and mount and
 * lifts the clone flag filter and clone3's ENOSYS; the profile compiles
 * either way. */
static void test_profile_follows_caps(void **state)
{
	uint64_t docker = (1ULL << 0) | (1ULL << 1) | (1ULL << 3) | (1ULL << 4) | (1ULL << 5) |
			  (1ULL << 6) | (1ULL << 7) | (1ULL << 8) | (1ULL << 10) | (1ULL << 13) |
			  (1ULL << 18) | (1ULL << 27) | (1ULL << 29) | (1ULL << 31);
	json_object *p;
	struct rt_seccomp s;
	struct error err;

	(void)state;
	p = rt_profile_seccomp(docker);
	assert_false(profile_has(p, "unshare", "SCMP_ACT_ALLOW"));
	assert_false(profile_has(p, "mount", "SCMP_ACT_ALLOW"));
	assert_true(profile_has(p, "clone3", "SCMP_ACT_ERRNO"));
	assert_true(profile_has(p, "clone", "SCMP_ACT_ALLOW"));
	assert_true(profile_has(p, "chroot", "SCMP_ACT_ALLOW"));
	assert_false(profile_has(p, "ptrace", "SCMP_ACT_ERRNO"));
	assert_int_equal(rt_seccomp_compile(p, &s, &err), 0);
	rt_seccomp_release(&s);
	json_object_put(p);

	p = rt_profile_seccomp(docker | (1ULL << 21));
	assert_true(profile_has(p, "unshare", "SCMP_ACT_ALLOW"));
	assert_true(profile_has(p, "mount", "SCMP_ACT_ALLOW"));
	assert_false(profile_has(p, "clone3", "SCMP_ACT_ERRNO"));
	assert_int_equal(rt_seccomp_compile(p, &s, &err), 0);
	rt_seccomp_release(&s);
	json_object_put(p);

	p = rt_profile_seccomp(0);
	assert_false(profile_has(p, "chroot", "SCMP_ACT_ALLOW"));
	json_object_put(p);
}

static json_object *from_docker(const char *text, uint64_t bounding, struct error *err)
{
	json_object *in = json_tokener_parse(text), *out = NULL;
	int r;

	assert_non_null(in);
	r = rt_seccomp_from_docker(in, bounding, &out, err);
	json_object_put(in);
	return r < 0 ? NULL : out;
}

/* A docker-format profile (--security-opt seccomp=FILE): archMap for
 * this machine, includes/excludes by capability, architecture and
 * kernel, the legacy "name"; the result compiles. */
static void test_docker_profile(void **state)
{
	static const char prof[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
	    "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
	    "\"subArchitectures\":[\"SCMP_ARCH_X86\"]},"
	    "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
	    "\"syscalls\":["
	    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	    "{\"name\":\"write\",\"action\":\"SCMP_ACT_ALLOW\"},"
	    "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\","
	    "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	    "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\","
	    "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	    "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\","
	    "\"includes\":{\"arches\":[\"s390x\", \"ppc64le\"]}},"
	    "{\"names\":[\"futex\"],\"action\":\"SCMP_ACT_ALLOW\","
	    "\"includes\":{\"minKernel\":\"99.0\"}}]}";
	struct rt_seccomp s;
	struct error err = {0};
	json_object *p, *a;

	(void)state;
	p = from_docker(prof, 1ull << 21 /* CAP_SYS_ADMIN */, &err);
	assert_non_null(p);
	assert_true(profile_has(p, "read", "SCMP_ACT_ALLOW"));
	assert_true(profile_has(p, "write", "SCMP_ACT_ALLOW"));
	assert_true(profile_has(p, "mount", "SCMP_ACT_ALLOW"));
	assert_false(profile_has(p, "chroot", "SCMP_ACT_ALLOW"));
	assert_false(profile_has(p, "bpf", "SCMP_ACT_ALLOW"));
	assert_false(profile_has(p, "futex", "SCMP_ACT_ALLOW"));
	assert_int_equal(json_object_get_int(json_object_object_get(p, "defaultErrnoRet")), 1);
#if defined(__x86_64__)
	a = json_object_object_get(p, "architectures");
	assert_int_equal(json_object_array_length(a), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 1)),
			    "SCMP_ARCH_X86");
#else
	(void)a;
#endif
	assert_int_equal(rt_seccomp_compile(p, &s, &err), 0);
	rt_seccomp_release(&s);
	json_object_put(p);

	p = from_docker(prof, 0, &err);
	assert_false(profile_has(p, "mount", "SCMP_ACT_ALLOW"));
	assert_true(profile_has(p, "chroot", "SCMP_ACT_ALLOW"));
	json_object_put(p);

	assert_null(from_docker("{\"syscalls\":[]}", 0, &err));
	assert_non_null(strstr(err.msg, "defaultAction"));
	assert_null(from_docker("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", 0, &err));
	assert_null(
	    from_docker("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[1]}", 0, &err));
	assert_null(from_docker("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
				"[{\"names\":[\"read\"],\"includes\":[]}]}",
				0, &err));
}

/* ------------------------------------------------------ filter shape -- */

/* The instructions the kernel runs for syscall nr of the native arch with
 * all arguments 0, up to the RET; -1 at anything else the walk does not
 * know (the test then fails). */
static int path_length(const struct sock_filter *f, size_t n, int nr)
{
	const struct seccomp_data d = {.nr = nr, .arch = AUDIT_ARCH_X86_64};
	uint32_t a = 0, mem[BPF_MEMWORDS] = {0};
	int steps = 0;

	for (size_t pc = 0; pc < n; pc++, steps++) {
		const struct sock_filter *i = &f[pc];
		bool jump;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(d))
				return -1;
			memcpy(&a, (const char *)&d + i->k, 4);
			continue;
		case BPF_LD | BPF_MEM:
			a = mem[i->k % BPF_MEMWORDS];
			continue;
		case BPF_ST:
			mem[i->k % BPF_MEMWORDS] = a;
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			continue;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			continue;
		case BPF_RET | BPF_K:
			return steps + 1;
		case BPF_JMP | BPF_JEQ | BPF_K:
			jump = a == i->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			jump = a > i->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			jump = a >= i->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			jump = (a & i->k) != 0;
			break;
		default:
			return -1;
		}
		pc += jump ? i->jt : i->jf;
	}
	return -1;
}

/* docker's profile compiles to a tree over the syscall numbers, not one
 * long chain: the kernel runs the filter for every syscall number when it
 * loads it (its cache of always-allowed syscalls), and again for every
 * syscall of the container.  As a chain, the longest path ran past 300
 * instructions. */
static void test_default_profile_is_a_tree(void **state)
{
#if defined(__x86_64__)
	json_object *p = rt_profile_seccomp(~0ull);
	struct rt_seccomp s;
	struct error err = {0};
	int longest = 0;

	(void)state;
	assert_non_null(p);
	if (rt_seccomp_compile(p, &s, &err) < 0)
		fail_msg("%s", err.msg);
	for (int nr = 0; nr < 500; nr++) {
		int len = path_length(s.bpf, s.bpf_len, nr);

		if (len < 0)
			fail_msg("syscall %d: the walk met an instruction it does not know", nr);
		if (len > longest)
			longest = len;
	}
	print_message("longest path: %d of %zu instructions\n", longest, s.bpf_len);
	assert_true(longest <= 64);
	rt_seccomp_release(&s);
	json_object_put(p);
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_compile_errors),
	    cmocka_unit_test(test_errno_rule),
	    cmocka_unit_test(test_arg_conditions),
	    cmocka_unit_test(test_default_errno_allow_list),
	    cmocka_unit_test(test_kill_process),
	    cmocka_unit_test(test_arches_and_flags),
	    cmocka_unit_test(test_rule_matching_default_is_skipped),
	    cmocka_unit_test(test_cache_key_canonical),
	    cmocka_unit_test(test_profile_follows_caps),
	    cmocka_unit_test(test_docker_profile),
	    cmocka_unit_test(test_default_profile_is_a_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
