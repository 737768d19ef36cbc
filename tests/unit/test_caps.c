/* rt_caps_apply: run in forked children, checked against what the kernel
 * shows in /proc/self/status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "runtime/internal.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define BIT(c) (1ULL << (c))

struct masks {
	uint64_t bnd, eff, prm, inh, amb;
};

static uint64_t field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	if (!p)
		fail_msg("no %s in \"%s\"", name, text);
	return strtoull(p + strlen(name), NULL, 16);
}

static void masks_parse(const char *text, struct masks *m)
{
	m->bnd = field(text, "CapBnd:");
	m->eff = field(text, "CapEff:");
	m->prm = field(text, "CapPrm:");
	m->inh = field(text, "CapInh:");
	m->amb = field(text, "CapAmb:");
}

enum child_mode { AS_ROOT, AS_USER_EXEC, LOSE_SYS_BOOT };

/* Fork; the child does what the runtime does before rt_caps_apply for
 * the mode, applies p and either writes its /proc/self/status or execs
 * busybox to print the status after exec.  On failure it writes
 * "ERR <message>".  Returns what the child wrote. */
static char *run_child(const struct rt_process *p, enum child_mode mode)
{
	static char buf[8192];
	int pp[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct error err = {0};
		char st[4096];
		int fd;

		close(pp[0]);
		if (mode == LOSE_SYS_BOOT) {
			struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
			struct __user_cap_data_struct d[2];

			/* A runtime that lacks a capability altogether. */
			syscall(SYS_capget, &h, d);
			d[0].effective &= ~(1U << CAP_SYS_BOOT);
			d[0].permitted &= ~(1U << CAP_SYS_BOOT);
			if (prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0) < 0 ||
			    syscall(SYS_capset, &h, d) < 0)
				_exit(90);
		}
		if (mode == AS_USER_EXEC) {
			gid_t g = 1000;

			if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(1, &g) < 0 ||
			    setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
				_exit(91);
		}
		if (rt_caps_apply(p, &err) < 0) {
			dprintf(pp[1], "ERR %s", err.msg);
			_exit(0);
		}
		if (mode == AS_USER_EXEC) {
			char *argv[] = {"busybox", "grep", "Cap", "/proc/self/status", NULL};
			char *envp[] = {NULL};

			dup2(pp[1], 1);
			execve("/bin/busybox", argv, envp);
			_exit(92);
		}
		fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read_all(fd, st, sizeof(st) - 1);
		if (n <= 0)
			_exit(93);
		(void)write_all(pp[1], st, (size_t)n);
		_exit(0);
	}
	close(pp[1]);
	n = read_all(pp[0], buf, sizeof(buf) - 1);
	close(pp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed: status %#x", status);
	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

static void test_sets_applied(void **state)
{
	struct rt_process p = {.has_caps = true};
	uint64_t nb = BIT(CAP_NET_BIND_SERVICE), ch = BIT(CAP_CHOWN), kill = BIT(CAP_KILL);
	struct masks m;
	char *out;
	(void)state;

	p.caps[RT_CAP_BOUNDING] = nb | ch | kill;
	p.caps[RT_CAP_PERMITTED] = nb | ch;
	p.caps[RT_CAP_EFFECTIVE] = ch;
	p.caps[RT_CAP_INHERITABLE] = nb;
	p.caps[RT_CAP_AMBIENT] = nb;
	out = run_child(&p, AS_ROOT);
	if (!strncmp(out, "ERR", 3))
		fail_msg("%s", out);
	masks_parse(out, &m);
	assert_int_equal(m.bnd, nb | ch | kill);
	assert_int_equal(m.prm, nb | ch);
	assert_int_equal(m.eff, ch);
	assert_int_equal(m.inh, nb);
	assert_int_equal(m.amb, nb);
}

static void test_no_capabilities_object_drops_all(void **state)
{
	struct rt_process p = {.has_caps = false};
	struct masks m;
	char *out;
	(void)state;

	/* Whatever is in caps[] must not count without has_caps. */
	p.caps[RT_CAP_EFFECTIVE] = p.caps[RT_CAP_PERMITTED] = BIT(CAP_CHOWN);
	out = run_child(&p, AS_ROOT);
	if (!strncmp(out, "ERR", 3))
		fail_msg("%s", out);
	masks_parse(out, &m);
	assert_int_equal(m.bnd, 0);
	assert_int_equal(m.prm, 0);
	assert_int_equal(m.eff, 0);
	assert_int_equal(m.inh, 0);
	assert_int_equal(m.amb, 0);
}

/* The whole runtime sequence for a non-root user: after exec, the ambient
 * capability is effective, and nothing else survived. */
static void test_user_ambient_survives_exec(void **state)
{
	struct rt_process p = {.has_caps = true};
	uint64_t nb = BIT(CAP_NET_BIND_SERVICE);
	struct masks m;
	char *out;
	(void)state;

	if (access("/bin/busybox", X_OK) < 0)
		skip();
	for (int s = 0; s < RT_CAP__COUNT; s++)
		p.caps[s] = nb;
	p.caps[RT_CAP_BOUNDING] |= BIT(CAP_CHOWN);
	p.caps[RT_CAP_PERMITTED] |= BIT(CAP_CHOWN);
	p.caps[RT_CAP_EFFECTIVE] |= BIT(CAP_CHOWN);
	out = run_child(&p, AS_USER_EXEC);
	if (!strncmp(out, "ERR", 3))
		fail_msg("%s", out);
	masks_parse(out, &m);
	assert_int_equal(m.eff, nb);
	assert_int_equal(m.prm, nb);
	assert_int_equal(m.amb, nb);
	assert_int_equal(m.inh, nb);
	assert_int_equal(m.bnd, nb | BIT(CAP_CHOWN));
}

static void test_cap_not_held_by_runtime_fails(void **state)
{
	struct rt_process p = {.has_caps = true};
	char *out;
	(void)state;

	p.caps[RT_CAP_BOUNDING] = BIT(CAP_SYS_BOOT) | BIT(CAP_CHOWN);
	p.caps[RT_CAP_PERMITTED] = p.caps[RT_CAP_EFFECTIVE] = BIT(CAP_SYS_BOOT);
	out = run_child(&p, LOSE_SYS_BOOT);
	assert_string_equal(
	    out, "ERR cannot grant CAP_SYS_BOOT: it is not in the runtime's bounding set");

	/* Some hosts (this project's CI among them) really lack one. */
	if (prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 0) {
		p.caps[RT_CAP_BOUNDING] = BIT(CAP_SYS_RESOURCE);
		p.caps[RT_CAP_PERMITTED] = p.caps[RT_CAP_EFFECTIVE] = 0;
		out = run_child(&p, AS_ROOT);
		assert_string_equal(out, "ERR cannot grant CAP_SYS_RESOURCE: it is not in the "
					 "runtime's bounding set");
	}
}

static void test_inconsistent_sets_fail(void **state)
{
	struct rt_process p = {.has_caps = true};
	char *out;
	(void)state;

	/* Ambient without inheritable is skipped, as runc does (its default
	 * spec asks for exactly that). */
	p.caps[RT_CAP_BOUNDING] = p.caps[RT_CAP_PERMITTED] = BIT(CAP_CHOWN);
	p.caps[RT_CAP_AMBIENT] = BIT(CAP_CHOWN);
	out = run_child(&p, AS_ROOT);
	assert_null(strstr(out, "ERR"));
	assert_non_null(strstr(out, "CapAmb:\t0000000000000000"));

	p.caps[RT_CAP_AMBIENT] = 0;
	p.caps[RT_CAP_EFFECTIVE] = BIT(CAP_KILL);
	out = run_child(&p, AS_ROOT);
	assert_string_equal(out,
			    "ERR process.capabilities: CAP_KILL is effective but not permitted");
}

static void test_caps_unknown_to_kernel_ignored(void **state)
{
	struct rt_process p = {.has_caps = true};
	struct masks m;
	char *out;
	(void)state;

	if (rt_cap_last() >= 63)
		skip();
	p.caps[RT_CAP_BOUNDING] = BIT(CAP_CHOWN) | BIT(63);
	out = run_child(&p, AS_ROOT);
	if (!strncmp(out, "ERR", 3))
		fail_msg("%s", out);
	masks_parse(out, &m);
	assert_int_equal(m.bnd, BIT(CAP_CHOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sets_applied),
	    cmocka_unit_test(test_no_capabilities_object_drops_all),
	    cmocka_unit_test(test_user_ambient_survives_exec),
	    cmocka_unit_test(test_cap_not_held_by_runtime_fails),
	    cmocka_unit_test(test_inconsistent_sets_fail),
	    cmocka_unit_test(test_caps_unknown_to_kernel_ignored),
	};

	if (geteuid() != 0) {
		printf("1..0 # SKIP capabilities tests need root\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
