/* rt_hooks_run: state on stdin, args and env, failures with the hook's
 * output, timeouts, hooks that ignore stdin, order, no leaked fds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "runtime/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/nook-test-hooks.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct error err;
	(void)state;
	return rm_rf_at(AT_FDCWD, tmpdir, &err);
}

static char *slurp(const char *name)
{
	char path[128];
	char *out = NULL;
	struct error err;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (file_read_at(AT_FDCWD, path, 0, &out, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	return out;
}

/* A spec holding hooks of one kind, each "/bin/sh -c SCRIPT". */
struct hookset {
	struct rt_spec spec;
	struct rt_hook hooks[4];
	char *argv[4][6];
	char scripts[4][512];
};

static void add_sh(struct hookset *hs, enum rt_hook_kind kind, const char *script, int timeout)
{
	size_t i = hs->spec.n_hooks[kind]++;

	snprintf(hs->scripts[i], sizeof(hs->scripts[i]), "%s", script);
	hs->argv[i][0] = "sh";
	hs->argv[i][1] = "-c";
	hs->argv[i][2] = hs->scripts[i];
	hs->hooks[i] = (struct rt_hook){.path = "/bin/sh", .args = hs->argv[i], .timeout = timeout};
	hs->spec.hooks[kind] = hs->hooks;
}

static void test_state_on_stdin(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	const char *json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"created\"}";
	char script[256];
	_cleanup_free_ char *got = NULL;
	(void)state;

	snprintf(script, sizeof(script), "cat > %s/state", tmpdir);
	add_sh(&hs, RT_HOOK_CREATE_RUNTIME, script, 5);
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_CREATE_RUNTIME, json, &err), 0);
	got = slurp("state");
	assert_string_equal(got, json);
}

static void test_args_and_env(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	char script[256];
	char *env[] = {"FOO=bar baz", NULL};
	_cleanup_free_ char *got = NULL;
	(void)state;

	snprintf(script, sizeof(script), "echo \"$0|$1|$FOO|${HOME:-nohome}\" > %s/out", tmpdir);
	add_sh(&hs, RT_HOOK_PRESTART, script, 0);
	hs.argv[0][3] = "first";
	hs.argv[0][4] = "second";
	hs.hooks[0].env = env;
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_PRESTART, "{}", &err), 0);
	got = slurp("out");
	/* Only the hook's env: nothing of ours (HOME) leaks in. */
	assert_string_equal(got, "first|second|bar baz|nohome\n");
}

static void test_no_args_means_path(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	(void)state;

	hs.hooks[0] = (struct rt_hook){.path = "/bin/true"};
	hs.spec.hooks[RT_HOOK_POSTSTOP] = hs.hooks;
	hs.spec.n_hooks[RT_HOOK_POSTSTOP] = 1;
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_POSTSTOP, "{}", &err), 0);
}

static void test_failure_carries_output(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	(void)state;

	add_sh(&hs, RT_HOOK_PRESTART, "echo starting; echo 'no network for you' >&2; exit 3", 0);
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_PRESTART, "{}", &err), -1);
	assert_string_equal(err.msg, "prestart hook /bin/sh[0] failed: exit status 3: "
				     "starting no network for you");

	/* Long output: the tail is kept and the message stays bounded. */
	memset(&hs, 0, sizeof(hs));
	add_sh(&hs, RT_HOOK_CREATE_CONTAINER,
	       "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done; "
	       "echo THE END >&2; kill -SEGV $$",
	       0);
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_CREATE_CONTAINER, "{}", &err), -1);
	if (!strstr(err.msg,
		    "createContainer hook /bin/sh[0] failed: killed by signal SIGSEGV: ..."))
		fail_msg("%s", err.msg);
	assert_true(str_has_suffix(err.msg, "line1999 THE END"));
}

static void test_exec_failure(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	(void)state;

	hs.hooks[0] = (struct rt_hook){.path = "/nonexistent/hook"};
	hs.spec.hooks[RT_HOOK_CREATE_CONTAINER] = hs.hooks;
	hs.spec.n_hooks[RT_HOOK_CREATE_CONTAINER] = 1;
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_CREATE_CONTAINER, "{}", &err), -1);
	assert_string_equal(err.msg,
			    "createContainer hook /nonexistent/hook[0] failed: exit status "
			    "127: cannot execute /nonexistent/hook: No such file or directory");
}

static void test_timeout_kills(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	char *argv[] = {"sleep", "10", NULL};
	struct timespec a, b;
	double took;
	(void)state;

	hs.hooks[0] = (struct rt_hook){.path = "/bin/sleep", .args = argv, .timeout = 1};
	hs.spec.hooks[RT_HOOK_CREATE_RUNTIME] = hs.hooks;
	hs.spec.n_hooks[RT_HOOK_CREATE_RUNTIME] = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_CREATE_RUNTIME, "{}", &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_string_equal(err.msg, "createRuntime hook /bin/sleep timed out after 1 s");
	assert_int_equal(err.code, ETIMEDOUT);
	assert_true(took >= 0.9 && took < 3.0);
	/* Killed and reaped: no child of ours is left. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_hook_ignoring_large_stdin(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	size_t len = 4 << 20;
	_cleanup_free_ char *big = xmalloc(len + 1);
	sigset_t mask, pending;
	(void)state;

	memset(big, 'x', len);
	big[len] = '\0';
	/* Exits at once, and one that exits later while the pipe is full. */
	add_sh(&hs, RT_HOOK_POSTSTART, "exit 0", 0);
	add_sh(&hs, RT_HOOK_POSTSTART, "sleep 0.2", 5);
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_POSTSTART, big, &err), 0);
	/* We are alive, SIGPIPE is neither left blocked nor pending. */
	sigprocmask(SIG_BLOCK, NULL, &mask);
	assert_false(sigismember(&mask, SIGPIPE));
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
}

static void test_order_and_stop_on_failure(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	char script[256];
	_cleanup_free_ char *got = NULL;
	(void)state;

	for (int i = 1; i <= 3; i++) {
		snprintf(script, sizeof(script), "echo %d >> %s/order", i, tmpdir);
		add_sh(&hs, RT_HOOK_START_CONTAINER, script, 5);
	}
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_START_CONTAINER, "{}", &err), 0);
	got = slurp("order");
	assert_string_equal(got, "1\n2\n3\n");
	free(got);

	snprintf(hs.scripts[1], sizeof(hs.scripts[1]), "exit 1");
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_START_CONTAINER, "{}", &err), -1);
	assert_string_equal(err.msg, "startContainer hook /bin/sh[1] failed: exit status 1");
	got = slurp("order");
	assert_string_equal(got, "1\n2\n3\n1\n");
}

/* Runtime spec: a failing poststart/poststop hook is a warning and the
 * remaining hooks still run. */
static void test_post_hooks_keep_going(void **state)
{
	static const enum rt_hook_kind kinds[] = {RT_HOOK_POSTSTART, RT_HOOK_POSTSTOP};
	(void)state;

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct hookset hs = {0};
		struct error err = {0};
		char script[256];
		_cleanup_free_ char *got = NULL;

		snprintf(script, sizeof(script), "echo 1 >> %s/post%zu; exit 3", tmpdir, k);
		add_sh(&hs, kinds[k], script, 5);
		add_sh(&hs, kinds[k], "/nonexistent/hook", 5);
		snprintf(script, sizeof(script), "echo 3 >> %s/post%zu", tmpdir, k);
		add_sh(&hs, kinds[k], script, 5);
		assert_int_equal(rt_hooks_run(&hs.spec, kinds[k], "{}", &err), 0);
		assert_int_equal(err.code, 0);
		got = slurp(k ? "post1" : "post0");
		assert_string_equal(got, "1\n3\n");
	}
}

static void test_no_fd_leak(void **state)
{
	struct hookset hs = {0};
	struct error err = {0};
	char script[128];
	int fd = open("/dev/null", O_RDONLY); /* deliberately inheritable */
	(void)state;

	assert_true(fd > 2);
	snprintf(script, sizeof(script), "test ! -e /proc/self/fd/%d", fd);
	add_sh(&hs, RT_HOOK_PRESTART, script, 5);
	assert_int_equal(rt_hooks_run(&hs.spec, RT_HOOK_PRESTART, "{}", &err), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_on_stdin),
	    cmocka_unit_test(test_args_and_env),
	    cmocka_unit_test(test_no_args_means_path),
	    cmocka_unit_test(test_failure_carries_output),
	    cmocka_unit_test(test_exec_failure),
	    cmocka_unit_test(test_timeout_kills),
	    cmocka_unit_test(test_hook_ignoring_large_stdin),
	    cmocka_unit_test(test_order_and_stop_on_failure),
	    cmocka_unit_test(test_post_hooks_keep_going),
	    cmocka_unit_test(test_no_fd_leak),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
