/* Unit tests for base/: signal names, number parsing, in-root path
 * resolution (the symlink-escape defence), fd hygiene, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/base.h"

#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char tmpdir[] = "/tmp/nook-test-base.XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/nook-test-base.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	struct error err;

	(void)state;
	return rm_rf_at(AT_FDCWD, tmpdir, &err);
}

static void test_signal_parse(void **state)
{
	(void)state;
	assert_int_equal(signal_parse("KILL"), SIGKILL);
	assert_int_equal(signal_parse("SIGKILL"), SIGKILL);
	assert_int_equal(signal_parse("sigterm"), SIGTERM);
	assert_int_equal(signal_parse("9"), 9);
	assert_int_equal(signal_parse("SIGRTMIN+2"), SIGRTMIN + 2);
	assert_int_equal(signal_parse("RTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(signal_parse("NOPE"), -1);
	assert_int_equal(signal_parse("0"), -1);
	assert_int_equal(signal_parse("65"), -1);
	assert_int_equal(signal_parse(""), -1);
	assert_int_equal(signal_parse("9x"), -1);
}

static void test_parse_numbers(void **state)
{
	int64_t i;
	uint64_t u;

	(void)state;
	assert_int_equal(parse_int64("-12", &i), 0);
	assert_int_equal(i, -12);
	assert_int_equal(parse_int64("12abc", &i), -1);
	assert_int_equal(parse_int64("", &i), -1);
	assert_int_equal(parse_uint64("-1", &u), -1);
	assert_int_equal(parse_uint64("18446744073709551615", &u), 0);
	assert_int_equal(parse_uint64("18446744073709551616", &u), -1);
}

static void test_error_prefix(void **state)
{
	struct error err;

	(void)state;
	errno = ENOENT;
	error_sys(&err, "cannot open '%s'", "x");
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "cannot open 'x': No such file or directory");
	error_prefix(&err, "bundle");
	assert_string_equal(err.msg, "bundle: cannot open 'x': No such file or directory");
}

/* A message with a 2000-character path still ends with its cause. */
static void test_error_long_keeps_cause(void **state)
{
	char path[2001];
	struct error err;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	errno = ENOENT;
	error_sys(&err, "cannot open '%s'", path);
	assert_int_equal(err.code, ENOENT);
	assert_true(strlen(err.msg) < sizeof(err.msg));
	assert_true(str_has_prefix(err.msg, "cannot open '/aaa"));
	assert_true(str_has_suffix(err.msg, "aaa': No such file or directory"));
	assert_non_null(strstr(err.msg, "\xe2\x80\xa6"));

	/* A long prefix is shortened, the message under it kept whole. */
	errno = EACCES;
	error_sys(&err, "cannot open 'x'");
	error_prefix(&err, "bundle '%s'", path);
	assert_true(str_has_prefix(err.msg, "bundle '/aaa"));
	assert_true(str_has_suffix(err.msg, "aa': cannot open 'x': Permission denied"));

	/* A long message under a short prefix: the end survives. */
	error_sys(&err, "cannot open '%s'", path);
	error_prefix(&err, "ctx");
	assert_true(str_has_prefix(err.msg, "ctx: cannot open '/aaa"));
	assert_true(str_has_suffix(err.msg, "': Permission denied"));
	assert_true(strlen(err.msg) < sizeof(err.msg));

	/* error_set: the end of the text is kept too. */
	error_set(&err, EINVAL, "%s: the reason", path);
	assert_true(str_has_suffix(err.msg, "aaa: the reason"));

	/* Cuts never split a UTF-8 sequence. */
	{
		char u[2001];

		for (size_t i = 0; i + 1 < sizeof(u); i += 2)
			u[i] = '\xc3', u[i + 1] = '\xa9'; /* e-acute */
		u[sizeof(u) - 1] = '\0';
		error_set(&err, EINVAL, "x%s", u);
		for (const char *c = err.msg; *c; c++)
			if (((unsigned char)*c & 0xc0) == 0x80)
				assert_true(((unsigned char)c[-1] & 0x80) != 0);
		assert_true(str_has_suffix(err.msg, "\xc3\xa9"));
	}
}

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("1024", &v), 0);
	assert_true(v == 1024);
	assert_int_equal(parse_size("256m", &v), 0);
	assert_true(v == 256ULL << 20);
	assert_int_equal(parse_size("1G", &v), 0);
	assert_true(v == 1ULL << 30);
	assert_int_equal(parse_size("1.5g", &v), 0);
	assert_true(v == 3ULL << 29);
	assert_int_equal(parse_size("4kb", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size("4KiB", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size("0.5k", &v), 0);
	assert_true(v == 512);
	assert_int_equal(parse_size("7b", &v), 0);
	assert_true(v == 7);
	assert_int_equal(parse_size("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_size("17179869183g", &v), 0);
	assert_true(v == UINT64_MAX - (1ULL << 30) + 1);
	assert_int_equal(parse_size("17179869183.999999999999g", &v), 0);
	assert_true(v > UINT64_MAX - (1ULL << 30) + 1);

	/* Overflow edges: ERANGE, never a wrapped value. */
	static const char *const big[] = {
	    "18446744073709551616",	   "17179869184g",   "16777216t", "16384p",
	    "99999999999999999999999999p", "17179869184.0g", "16384.0p"};
	for (size_t i = 0; i < ARRAY_SIZE(big); i++) {
		errno = 0;
		assert_int_equal(parse_size(big[i], &v), -1);
		assert_int_equal(errno, ERANGE);
	}
	static const char *const bad[] = {"",	 "1e30", "nan",	 "inf",	  "-1", "+1",
					  " 1",	 "1 ",	 "1.",	 ".5",	  "1x", "1gg",
					  "1ib", "0x10", "1,5g", "1.5.g", "m"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		assert_int_equal(parse_size(bad[i], &v), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(parse_size(NULL, &v), -1);
}

static void test_parse_duration(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_duration("1s", &v), 0);
	assert_true(v == 1000000000ULL);
	assert_int_equal(parse_duration("500ms", &v), 0);
	assert_true(v == 500000000ULL);
	assert_int_equal(parse_duration("2m", &v), 0);
	assert_true(v == 120000000000ULL);
	assert_int_equal(parse_duration("1m30s", &v), 0);
	assert_true(v == 90000000000ULL);
	assert_int_equal(parse_duration("1.5s", &v), 0);
	assert_true(v == 1500000000ULL);
	assert_int_equal(parse_duration("3", &v), 0);
	assert_true(v == 3000000000ULL);
	assert_int_equal(parse_duration("1h2m3s4ms5us6ns", &v), 0);
	assert_true(v == 3723004005006ULL);
	assert_int_equal(parse_duration("10\xc2\xb5s", &v), 0);
	assert_true(v == 10000);
	assert_int_equal(parse_duration("18446744073709551615ns", &v), 0);
	assert_true(v == UINT64_MAX);

	static const char *const big[] = {"18446744073709551616ns", "5124096h",
					  "18446744073709551615ns1ns", "99999999999999999999h",
					  "18446744074s"};
	for (size_t i = 0; i < ARRAY_SIZE(big); i++) {
		errno = 0;
		assert_int_equal(parse_duration(big[i], &v), -1);
		assert_int_equal(errno, ERANGE);
	}
	static const char *const bad[] = {"",	 "1e30s", "nan", "inf",	 "-1s",	 "+1s", "1m30", "s",
					  "1.s", "1 s",	  "1d",	 "1sec", "0x1s", "1s ", ".5s"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		assert_int_equal(parse_duration(bad[i], &v), -1);
		assert_int_equal(errno, EINVAL);
	}
}

static void test_mkdir_p_empty(void **state)
{
	_cleanup_free_ char *deep = xasprintf("%s/a/b//c/", tmpdir);
	struct error err;
	struct stat st;

	(void)state;
	assert_int_equal(mkdir_p("", 0755, &err), -1);
	assert_non_null(strstr(err.msg, "empty path"));
	assert_int_equal(mkdir_p(deep, 0755, &err), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir_p("/", 0755, &err), 0);
	/* Again (all there), then one more level (its parent there). */
	assert_int_equal(mkdir_p(deep, 0755, &err), 0);
	{
		_cleanup_free_ char *more = xasprintf("%s/a/b/c/d/e", tmpdir);
		_cleanup_free_ char *file = xasprintf("%s/a/f", tmpdir);
		_cleanup_free_ char *under = xasprintf("%s/a/f/g/h", tmpdir);

		assert_int_equal(mkdir_p(more, 0755, &err), 0);
		assert_int_equal(stat(more, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		/* A file in the way is an error, not a directory. */
		close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
		assert_int_equal(mkdir_p(under, 0755, &err), -1);
		assert_int_equal(err.code, ENOTDIR);
	}
}

/* A root with an absolute symlink to the host's tmpdir/outside and a
 * climbing one: both must resolve inside the root. */
static void test_open_in_root_symlink_escape(void **state)
{
	_cleanup_free_ char *root = xasprintf("%s/root", tmpdir);
	_cleanup_free_ char *outside = xasprintf("%s/outside", tmpdir);
	_cleanup_free_ char *link = xasprintf("%s/root/abs", tmpdir);
	_cleanup_free_ char *link2 = xasprintf("%s/root/climb", tmpdir);
	_cleanup_close_ int rfd = -1;
	struct error err;
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(symlink("../../../../../outside", link2), 0);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rfd >= 0);

	fd = open_in_root(rfd, "/abs/planted", O_PATH, ROOT_CREATE_FILE, &err);
	assert_true(fd >= 0);
	close(fd);
	fd = open_in_root(rfd, "climb/x/y", O_PATH | O_DIRECTORY, ROOT_CREATE_DIR, &err);
	assert_true(fd >= 0);
	close(fd);
	fd = open_in_root(rfd, "../../../../etc/dir", O_PATH | O_DIRECTORY, ROOT_CREATE_DIR, &err);
	assert_true(fd >= 0);
	close(fd);

	/* Nothing was created outside the root... */
	{
		_cleanup_free_ char *p1 = xasprintf("%s/planted", outside);
		_cleanup_free_ char *p2 = xasprintf("%s/x", outside);

		assert_int_equal(stat(p1, &st), -1);
		assert_int_equal(stat(p2, &st), -1);
	}
	/* ...but where the symlinks point inside the root. */
	{
		_cleanup_free_ char *p1 = xasprintf("%s%s/planted", root, outside);
		_cleanup_free_ char *p2 = xasprintf("%s/outside/x/y", root);
		_cleanup_free_ char *p3 = xasprintf("%s/etc/dir", root);

		assert_int_equal(stat(p1, &st), 0);
		assert_int_equal(stat(p2, &st), 0);
		assert_int_equal(stat(p3, &st), 0);
	}
}

static void test_open_in_root_magic_link_refused(void **state)
{
	_cleanup_free_ char *root = xasprintf("%s/root2", tmpdir);
	_cleanup_free_ char *link = xasprintf("%s/root2/self", tmpdir);
	_cleanup_close_ int rfd = -1;
	struct error err;

	(void)state;
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(symlink("/proc/self/root", link), 0);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* /proc is not inside this root, so "self" dangles inside it. */
	assert_int_equal(open_in_root(rfd, "self/etc/passwd", O_RDONLY, ROOT_CREATE_NONE, &err), -1);
	assert_non_null(strstr(err.msg, "self/etc/passwd"));
}

static void test_fds_close_except(void **state)
{
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY),
	    c = open("/dev/null", O_RDONLY);
	int keep[] = {b};

	(void)state;
	assert_true(a > 2 && b > a && c > b);
	assert_int_equal(fds_close_except(a, keep, 1), 0);
	assert_int_equal(fcntl(a, F_GETFD), -1);
	assert_true(fcntl(b, F_GETFD) >= 0);
	assert_int_equal(fcntl(c, F_GETFD), -1);
	close(b);
}

/* In a child whose seccomp filter refuses close_range (as a profile that
 * does not list it does), both sweeps still close or mark every fd. */
static int sweep_without_close_range(int err_no)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int a, b, c, d, keep[1];

	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err_no), SCMP_SYS(close_range), 0) < 0 ||
	    seccomp_load(ctx) < 0)
		return 10;
	if (syscall(SYS_close_range, 100U, 100U, 0U) == 0 || errno != err_no)
		return 11;
	a = open("/dev/null", O_RDONLY);
	b = open("/dev/null", O_RDONLY);
	c = open("/dev/null", O_RDONLY);
	keep[0] = b;
	if (fds_close_except(a, keep, 1) < 0)
		return 12;
	if (fcntl(a, F_GETFD) != -1 || fcntl(b, F_GETFD) < 0 || fcntl(c, F_GETFD) != -1)
		return 13;
	d = open("/dev/null", O_RDONLY); /* not close-on-exec */
	keep[0] = b;
	fcntl(b, F_SETFD, FD_CLOEXEC);
	if (fds_close_from(3, keep, 1) < 0)
		return 14;
	if (fcntl(d, F_GETFD) != FD_CLOEXEC || fcntl(b, F_GETFD) != 0)
		return 15;
	return 0;
}

static void test_fds_close_without_close_range(void **state)
{
	int errs[] = {ENOSYS, EPERM};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		int status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			_exit(sweep_without_close_range(errs[i]));
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/* An image's file read by the runtime: inside the root only, a regular
 * file only (a FIFO must not block), bounded in size. */
static void test_file_read_in_root(void **state)
{
	_cleanup_free_ char *root = xasprintf("%s/root", tmpdir);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int rfd = -1;
	struct error err;
	size_t len = 0;

	(void)state;
	assert_int_equal(mkdir(root, 0755), 0);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rfd >= 0);
	{
		_cleanup_free_ char *host = xasprintf("%s/host", tmpdir);
		_cleanup_free_ char *link = xasprintf("%s/link", root);
		_cleanup_free_ char *fifo = xasprintf("%s/fifo", root);
		_cleanup_free_ char *big = xasprintf("%s/big", root);

		assert_int_equal(file_create_at(AT_FDCWD, host, "host", 4, 0644, &err), 0);
		assert_int_equal(symlink("../host", link), 0);
		assert_int_equal(mkfifo(fifo, 0644), 0);
		assert_int_equal(file_create_at(AT_FDCWD, big, "0123456789", 10, 0644, &err), 0);
	}
	assert_int_equal(file_read_in_root(rfd, "/big", 10, &text, &len, &err), 0);
	assert_string_equal(text, "0123456789");
	assert_int_equal(len, 10);
	free(text);
	text = NULL;
	assert_int_equal(file_read_in_root(rfd, "/big", 9, &text, NULL, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_int_equal(file_read_in_root(rfd, "/fifo", 10, &text, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* "../host" stays inside the root, where there is no host file. */
	assert_int_equal(file_read_in_root(rfd, "/link", 10, &text, NULL, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_null(text);
}

static void test_atomic_write(void **state)
{
	_cleanup_close_ int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct error err;

	(void)state;
	assert_int_equal(file_write_atomic_at(dfd, "f.json", "one", 3, 0600, &err), 0);
	assert_int_equal(file_write_atomic_at(dfd, "f.json", "two!", 4, 0600, &err), 0);
	assert_int_equal(file_read_at(dfd, "f.json", 0, &text, NULL, &err), 0);
	assert_string_equal(text, "two!");
	/* No temporary file is left next to it. */
	assert_int_equal(faccessat(dfd, ".f.json.tmp", F_OK, 0), -1);
}

/* FIPS 180-4 test vectors, fed whole and byte by byte (the buffering). */
static void sha256_check(const char *msg, size_t len, size_t repeat, const char *want)
{
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	struct sha256 s;

	sha256_init(&s);
	for (size_t r = 0; r < repeat; r++)
		sha256_update(&s, msg, len);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
	sha256_init(&s);
	for (size_t r = 0; r < repeat; r++)
		for (size_t i = 0; i < len; i++)
			sha256_update(&s, msg + i, 1);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_sha256(void **state)
{
	static const char two_blocks[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	sha256_check("", 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_check("abc", 3, 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_check(two_blocks, strlen(two_blocks), 1,
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_check("a", 1, 1000000,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signal_parse),
	    cmocka_unit_test(test_parse_numbers),
	    cmocka_unit_test(test_error_prefix),
	    cmocka_unit_test(test_error_long_keeps_cause),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_duration),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_empty, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_open_in_root_symlink_escape, setup_dir,
					    teardown_dir),
	    cmocka_unit_test_setup_teardown(test_open_in_root_magic_link_refused, setup_dir,
					    teardown_dir),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_fds_close_except),
	    cmocka_unit_test(test_fds_close_without_close_range),
	    cmocka_unit_test_setup_teardown(test_file_read_in_root, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_atomic_write, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
