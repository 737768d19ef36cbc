/* namespaces/procfs.c: the init's private procfs and the writes through it.
 * Runs as root (a fresh proc mount needs CAP_SYS_ADMIN); nothing is
 * attached anywhere, so nothing needs cleaning up but fds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "namespaces/namespaces.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

static void test_sysctl_names_that_leave_sys_refused(void **state)
{
	static const char *const bad[] = {"../../etc/passwd", "kernel/../../x", "kernel..x",
					  ".kernel.x",	      "kernel.x.",	"",
					  "/kernel.x"};
	struct error err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Refused before the fd is used. */
		assert_int_equal(ns_sysctl_write(-1, bad[i], "1", &err), -1);
		assert_int_equal(err.code, EINVAL);
	}
}

static void test_procfs_is_a_detached_procfs_root(void **state)
{
	_cleanup_free_ char *before = NULL, *after = NULL;
	_cleanup_close_ int fd = -1, f = -1;
	struct error err;
	struct statfs sfs;
	struct stat st;
	char buf[64];

	(void)state;
	assert_int_equal(file_read_at(AT_FDCWD, "/proc/self/mountinfo", 0, &before, NULL, &err), 0);
	fd = ns_procfs_open(&err);
	assert_true(fd >= 0);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	assert_int_equal(sfs.f_type, PROC_SUPER_MAGIC);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_ino, 1);
	/* Detached: our mount table did not change. */
	assert_int_equal(file_read_at(AT_FDCWD, "/proc/self/mountinfo", 0, &after, NULL, &err), 0);
	assert_string_equal(before, after);
	f = openat(fd, "sys/kernel/ostype", O_RDONLY | O_CLOEXEC);
	assert_true(f >= 0);
	assert_true(read(f, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "Linux", 5);
}

static void test_procfs_write_follows_no_symlink_nor_leaves_procfs(void **state)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *adj = NULL;
	struct error err;

	(void)state;
	fd = ns_procfs_open(&err);
	assert_true(fd >= 0);
	/* "self" and "thread-self" are symlinks: refused, not followed. */
	assert_int_equal(ns_procfs_write(fd, "self/oom_score_adj", "0", &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_int_equal(ns_procfs_write(fd, "thread-self/comm", "x", &err), -1);
	assert_int_equal(ns_procfs_write(fd, "../etc/nook-procfs-escape", "x", &err), -1);
	assert_int_equal(err.code, EXDEV);
	assert_int_equal(access("/etc/nook-procfs-escape", F_OK), -1);
	assert_int_equal(ns_procfs_write(fd, "/etc/nook-procfs-escape", "x", &err), -1);
	assert_int_equal(access("/etc/nook-procfs-escape", F_OK), -1);
	/* Our own file, through the pid the procfs numbers us by: write back
	 * what is there, so nothing changes. */
	assert_int_equal(file_read_at(AT_FDCWD, "/proc/self/oom_score_adj", 0, &adj, NULL, &err),
			 0);
	assert_int_equal(ns_procfs_write_self(fd, "oom_score_adj", adj, &err), 0);
}

static void test_procfs_reopen_of_an_fd(void **state)
{
	_cleanup_close_ int fd = -1, w = -1;
	struct error err;
	int p[2];
	char c = 0;

	(void)state;
	fd = ns_procfs_open(&err);
	assert_true(fd >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	w = ns_procfs_reopen(fd, p[1], O_WRONLY, &err);
	assert_true(w >= 0);
	assert_int_equal(write(w, "y", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'y');
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sysctl_names_that_leave_sys_refused),
	    cmocka_unit_test(test_procfs_is_a_detached_procfs_root),
	    cmocka_unit_test(test_procfs_write_follows_no_symlink_nor_leaves_procfs),
	    cmocka_unit_test(test_procfs_reopen_of_an_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
