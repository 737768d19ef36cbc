/* cgroups/ and runtime/resources.c: conversions, key validation, the
 * JSON parser's errors, and — on this machine's real v2 hierarchy —
 * groups, freezing, signals, destruction and the eBPF device filter.
 * Every group made here is /<hierarchy>/nook-test-<pid>-<n> and is
 * removed by the test's teardown, also when the test fails. */
#include "cgroups/internal.h"
#include "runtime/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <cmocka.h>

/* --------------------------------------------------------- conversions -- */

static void test_shares_to_weight(void **state)
{
	(void)state;
	assert_int_equal(cg_cpu_shares_to_weight(0), 0);
	assert_int_equal(cg_cpu_shares_to_weight(2), 1);
	assert_int_equal(cg_cpu_shares_to_weight(1024), 39);
	assert_int_equal(cg_cpu_shares_to_weight(262144), 10000);
	assert_int_equal(cg_cpu_shares_to_weight(1u << 30), 10000);
}

static void test_blkio_weight(void **state)
{
	(void)state;
	assert_int_equal(cg_blkio_weight_to_io_weight(0), 0);
	assert_int_equal(cg_blkio_weight_to_io_weight(10), 1);
	assert_int_equal(cg_blkio_weight_to_io_weight(500), 4950);
	assert_int_equal(cg_blkio_weight_to_io_weight(1000), 10000);
}

static void test_swap_math(void **state)
{
	struct error err = {0};
	int64_t out;
	bool set;

	(void)state;
	assert_int_equal(cg_swap_to_v2(0, -1, &out, &set, &err), 0);
	assert_true(set);
	assert_int_equal(out, -1);
	assert_int_equal(cg_swap_to_v2(0, 100, &out, &set, &err), 0);
	assert_false(set);
	assert_int_equal(cg_swap_to_v2(-1, 100, &out, &set, &err), 0);
	assert_true(set);
	assert_int_equal(out, -1);
	assert_int_equal(cg_swap_to_v2(300, 100, &out, &set, &err), 0);
	assert_int_equal(out, 200);
	assert_int_equal(cg_swap_to_v2(100, 100, &out, &set, &err), 0);
	assert_int_equal(out, 0);
	assert_int_equal(cg_swap_to_v2(50, 100, &out, &set, &err), -1);
	assert_non_null(strstr(err.msg, "greater than or equal to memory.limit"));
	assert_int_equal(cg_swap_to_v2(200, 0, &out, &set, &err), -1);
	assert_non_null(strstr(err.msg, "without a memory limit"));
	assert_int_equal(cg_swap_to_v2(200, -1, &out, &set, &err), -1);
}

/* /proc/PID/cgroup lines: a controller matches a whole list element
 * ("cpu" is not "cpuset"), NULL the v2 line, name= hierarchies by name. */
static void test_proc_cgroup_path(void **state)
{
	static const char text[] = "12:cpuset:/s\n4:cpu,cpuacct:/a/b\n1:name=systemd:/sd\n"
				   "0::/v2\n";
	static const struct {
		const char *ctrl, *want;
	} cases[] = {
	    {"cpu", "/a/b"}, {"cpuacct", "/a/b"},     {"cpuset", "/s"},
	    {NULL, "/v2"},   {"name=systemd", "/sd"}, {"memory", NULL},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char copy[sizeof(text)];
		const char *got;

		memcpy(copy, text, sizeof(text));
		got = cg_proc_cgroup_path(copy, cases[i].ctrl);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
	}
}

static void test_file_names(void **state)
{
	static const char *const good[] = {"memory.max", "cgroup.max.depth", "hugetlb.2MB.max",
					   "io.bfq.weight", "memory.swap.max", "misc.max"};
	static const char *const bad[] = {"memory",        "memory.",      ".max",
					  "memory/../x.y", "../memory.max", "memory..max",
					  "Memory.max",    "memory.max/",  "memory.a b",
					  "memory.max\n",  "",             "io.max."};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(cg_file_name_valid(good[i]));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(cg_file_name_valid(bad[i]));
}

static void test_hugepage_sizes(void **state)
{
	uint64_t b;

	(void)state;
	assert_int_equal(cg_hugepage_size_parse("2MB", &b), 0);
	assert_int_equal(b, 2u << 20);
	assert_int_equal(cg_hugepage_size_parse("1GB", &b), 0);
	assert_int_equal(b, 1u << 30);
	assert_int_equal(cg_hugepage_size_parse("64KB", &b), 0);
	assert_int_equal(b, 64u << 10);
	assert_int_equal(cg_hugepage_size_parse("2mb", &b), -1);
	assert_int_equal(cg_hugepage_size_parse("0MB", &b), -1);
	assert_int_equal(cg_hugepage_size_parse("MB", &b), -1);
	assert_int_equal(cg_hugepage_size_parse("2M", &b), -1);
	assert_int_equal(cg_hugepage_size_parse("2MB/../x", &b), -1);
}

static void test_access_parse(void **state)
{
	(void)state;
	assert_int_equal(cg_dev_access_parse("rwm"), 7);
	assert_int_equal(cg_dev_access_parse("r"), CG_DEV_READ);
	assert_int_equal(cg_dev_access_parse("mw"), CG_DEV_MKNOD | CG_DEV_WRITE);
	assert_int_equal(cg_dev_access_parse(""), -1);
	assert_int_equal(cg_dev_access_parse("rx"), -1);
}

/* ------------------------------------------------- rt_resources_parse -- */

static struct cg_resources *parse_ok(const char *json)
{
	json_object *o = json_tokener_parse(json);
	struct cg_resources *res = NULL;
	struct error err = {0};

	assert_non_null(o);
	if (rt_resources_parse(o, &res, &err) < 0)
		fail_msg("unexpected error: %s", err.msg);
	json_object_put(o);
	return res;
}

static void parse_fails(const char *json, const char *msg)
{
	json_object *o = json_tokener_parse(json);
	struct cg_resources *res = NULL;
	struct error err = {0};

	assert_non_null(o);
	assert_int_equal(rt_resources_parse(o, &res, &err), -1);
	assert_null(res);
	json_object_put(o);
	if (!strstr(err.msg, msg))
		fail_msg("expected \"%s\" in \"%s\"", msg, err.msg);
}

/* The value written to file, "" if none (the last one if several). */
static const char *written(const struct cg_resources *r, const char *file)
{
	const char *found = "", *f, *v;

	for (size_t i = 0; i < cg_resources_count(r); i++) {
		cg_resources_get(r, i, &f, &v);
		if (!strcmp(f, file))
			found = v;
	}
	return found;
}

static void test_parse_values(void **state)
{
	struct cg_resources *r;

	(void)state;
	r = parse_ok("{\"memory\":{\"limit\":1048576,\"reservation\":524288,\"swap\":3145728},"
		     "\"cpu\":{\"shares\":1024,\"quota\":-1,\"period\":100000,\"cpus\":\"0-1\","
		     "\"mems\":\"0\",\"idle\":1,\"burst\":1000},"
		     "\"pids\":{\"limit\":0},"
		     "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":"
		     "[{\"major\":8,\"minor\":0,\"rate\":1000}]},"
		     "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		     "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3,\"hcaObjects\":100}},"
		     "\"unified\":{\"memory.high\":\"900000\",\"cgroup.max.depth\":\"2\"}}");
	assert_string_equal(written(r, "memory.max"), "1048576");
	assert_string_equal(written(r, "memory.low"), "524288");
	assert_string_equal(written(r, "memory.swap.max"), "2097152");
	assert_string_equal(written(r, "cpu.weight"), "39");
	assert_string_equal(written(r, "cpu.max"), "max 100000");
	assert_string_equal(written(r, "cpu.max.burst"), "1000");
	assert_string_equal(written(r, "cpu.idle"), "1");
	assert_string_equal(written(r, "cpuset.cpus"), "0-1");
	assert_string_equal(written(r, "cpuset.mems"), "0");
	assert_string_equal(written(r, "pids.max"), ""); /* 0: not set (runc) */
	assert_string_equal(written(r, "io.bfq.weight"), "500");
	assert_string_equal(written(r, "io.max"), "8:0 rbps=1000");
	assert_string_equal(written(r, "hugetlb.2MB.max"), "4194304");
	assert_string_equal(written(r, "rdma.max"), "mlx5_0 hca_handle=3 hca_object=100");
	assert_string_equal(written(r, "memory.high"), "900000");
	assert_string_equal(written(r, "cgroup.max.depth"), "2");
	/* No devices in the config: only the defaults. */
	assert_int_equal(cg_resources_device_count(r), 11);
	cg_resources_free(r);

	r = parse_ok("{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":50000},"
		     "\"pids\":{\"limit\":64}}");
	assert_string_equal(written(r, "memory.max"), "max");
	assert_string_equal(written(r, "memory.swap.max"), "max");
	assert_string_equal(written(r, "cpu.max"), "50000 100000"); /* runc's default period */
	assert_string_equal(written(r, "pids.max"), "64");
	cg_resources_free(r);

	r = parse_ok("{\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":-1}}");
	assert_string_equal(written(r, "cpu.max"), "max 100000");
	assert_string_equal(written(r, "pids.max"), "max");
	cg_resources_free(r);

	/* crun accepts these: asking for the OOM killer, a null swappiness. */
	r = parse_ok("{\"memory\":{\"disableOOMKiller\":false,\"swappiness\":null}}");
	assert_int_equal(cg_resources_count(r), 0);
	cg_resources_free(r);
}

static void test_parse_devices(void **state)
{
	struct cg_resources *r;
	const struct cg_device_rule *d;

	(void)state;
	r = parse_ok("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		     "{\"allow\":true,\"type\":\"b\",\"major\":7,\"access\":\"r\"}]}");
	assert_int_equal(cg_resources_device_count(r), 13);
	d = cg_resources_device(r, 0);
	assert_false(d->allow);
	assert_int_equal(d->type, 'a');
	assert_int_equal(d->major, CG_DEV_WILDCARD);
	assert_int_equal(d->access, 7);
	d = cg_resources_device(r, 1);
	assert_true(d->allow);
	assert_int_equal(d->type, 'b');
	assert_int_equal(d->major, 7);
	assert_int_equal(d->minor, CG_DEV_WILDCARD);
	assert_int_equal(d->access, CG_DEV_READ);
	/* The defaults come last, so they win. */
	d = cg_resources_device(r, 12);
	assert_int_equal(d->major, 136);
	cg_resources_free(r);

	/* No linux.resources at all still gets the default filter. */
	{
		struct error err = {0};

		assert_int_equal(rt_resources_parse(NULL, &r, &err), 0);
		assert_int_equal(cg_resources_device_count(r), 11);
		assert_false(cg_resources_empty(r));
		cg_resources_free(r);
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("{\"memory\":{\"limit\":1000,\"swap\":10}}",
		    "config.json: linux.resources.memory.swap: must be greater than or equal to "
		    "memory.limit");
	parse_fails("{\"memory\":{\"swap\":10}}",
		    "linux.resources.memory.swap: cannot set a swap limit without a memory limit");
	parse_fails("{\"memory\":{\"limit\":\"1G\"}}",
		    "config.json: linux.resources.memory.limit: expected an integer, got a string");
	parse_fails("{\"memory\":{\"swappiness\":101}}",
		    "config.json: linux.resources.memory.swappiness: must be between 0 and 100");
	parse_fails("{\"network\":{\"priorities\":[{\"name\":\"a b\",\"priority\":1}]}}",
		    "linux.resources.network.priorities[0]: invalid name");
	parse_fails("{\"cpu\":{\"cpus\":\"0-1;rm\"}}", "linux.resources.cpu.cpus: invalid list");
	parse_fails("{\"unified\":{\"foo.bar\":\"1\"}}",
		    "config.json: linux.resources.unified: invalid key \"foo.bar\"");
	parse_fails("{\"unified\":{\"cgroup.procs\":\"1\"}}",
		    "linux.resources.unified: invalid key \"cgroup.procs\"");
	parse_fails("{\"unified\":{\"memory.max/../../cgroup.procs\":\"1\"}}",
		    "linux.resources.unified: invalid key");
	parse_fails("{\"unified\":{\"memory.max\":1}}",
		    "linux.resources.unified[\"memory.max\"]: expected a string, got an integer");
	parse_fails("{\"blockIO\":{\"weight\":5}}", "linux.resources.blockIO.weight:");
	parse_fails("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"rate\":1}]}}",
		    "linux.resources.blockIO.throttleWriteIOPSDevice[0]: major and minor");
	parse_fails("{\"hugepageLimits\":[{\"pageSize\":\"2XB\",\"limit\":1}]}",
		    "linux.resources.hugepageLimits[0]: invalid pageSize \"2XB\"");
	parse_fails("{\"devices\":[{\"allow\":true},{\"allow\":true,\"type\":\"x\"}]}",
		    "linux.resources.devices[1]: type must be");
	parse_fails("{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}",
		    "linux.resources.devices[0]: access must be");
	parse_fails("{\"devices\":[{\"access\":\"rwm\"}]}",
		    "linux.resources.devices[0]: allow is required");
	parse_fails("{\"pids\":{}}", "linux.resources.pids.limit: is required");
	parse_fails("[]", "config.json: linux.resources: expected an object, got an array");
}

/* -------------------------------------------------- the real hierarchy -- */

struct fixture {
	char *root;
	char name[64]; /* "/nook-test-PID-N" */
	struct cg_group g;
	pid_t child;
};

static int setup_group(void **state)
{
	static int counter;
	struct fixture *f = xzalloc(sizeof(*f));
	struct error err;

	if (geteuid() != 0 || cg_hierarchy_find(&f->root, &err) < 0) {
		free(f);
		*state = NULL;
		return 0;
	}
	snprintf(f->name, sizeof(f->name), "/nook-test-%d-%d", (int)getpid(), ++counter);
	f->g.dirfd = -1;
	f->child = -1;
	*state = f;
	return 0;
}

#define REQUIRE_HIERARCHY(f)                                     \
	do {                                                     \
		if (!(f))                                        \
			skip();                                  \
	} while (0)

static char node_dir[64];

static void remove_node_dir(void)
{
	struct error err;

	if (node_dir[0])
		rm_rf_at(AT_FDCWD, node_dir, &err);
	node_dir[0] = '\0';
}

/* rmdir dir and the groups below it, deepest first, after cgroup.kill;
 * only ever called on our own nook-test-* groups. */
static void remove_tree(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_free_ char *kill_file = xasprintf("%s/cgroup.kill", dir);
	struct dirent *de;
	int fd;

	if (!d)
		return;
	fd = open(kill_file, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			(void)0;
		close(fd);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		remove_tree(sub);
	}
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}

static int teardown_group(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *dir = NULL;

	if (!f)
		return 0;
	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	cg_group_release(&f->g);
	remove_node_dir();
	dir = xasprintf("%s%s", f->root, f->name);
	remove_tree(dir);
	{
		struct stat st;

		assert_int_equal(stat(dir, &st), -1);
	}
	free(f->root);
	free(f);
	return 0;
}

static bool exists(const char *root, const char *path)
{
	_cleanup_free_ char *p = xasprintf("%s%s", root, path);
	struct stat st;

	return stat(p, &st) == 0;
}

static pid_t fork_sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static char *read_group_file(const struct cg_group *g, const char *file)
{
	char *text = NULL;
	struct error err;

	if (file_read_at(g->dirfd, file, 0, &text, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static void test_group_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *path = NULL;
	size_t n = 0;
	int status;

	REQUIRE_HIERARCHY(f);
	path = xasprintf("%s/ctr", f->name);
	if (cg_group_create_in(&f->g, f->root, path, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(f->g.dirfd >= 0);
	assert_string_equal(f->g.path, path);

	/* A second create of the same group is refused and leaves it. */
	{
		struct cg_group g2 = {.dirfd = -1};

		assert_int_equal(cg_group_create_in(&g2, f->root, path, NULL, &err), -1);
		assert_int_equal(err.code, EEXIST);
		assert_true(exists(f->root, path));
	}

	f->child = fork_sleeper();
	if (cg_group_add_pid(&f->g, f->child, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cg_group_pids(&f->g, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], f->child);

	assert_int_equal(cg_group_frozen(&f->g), 0);
	if (cg_group_freeze(&f->g, true, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cg_group_frozen(&f->g), 1);
	if (cg_group_freeze(&f->g, false, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cg_group_frozen(&f->g), 0);

	/* Other signals go to each process. */
	assert_int_equal(cg_group_signal(&f->g, SIGTERM, &err), 0);
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	f->child = -1;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

	/* Stats read without controllers: cpu.stat is core. */
	{
		struct cg_stats st;

		assert_int_equal(cg_group_stats(&f->g, &st, &err), 0);
		assert_true(st.has_cpu);
		assert_false(st.has_memory);
		cg_stats_release(&st);
	}
}

static void test_group_destroy_kills(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	_cleanup_free_ char *path = NULL;
	struct cg_group sub = {.dirfd = -1};
	pid_t second;
	int status;

	REQUIRE_HIERARCHY(f);
	path = xasprintf("%s/a/b", f->name);
	if (cg_group_create_in(&f->g, f->root, path, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	/* A sub-group made from inside, as a container with its own cgroup
	 * namespace would. */
	{
		_cleanup_free_ char *subpath = xasprintf("%s/inner", path);

		if (cg_group_create_in(&sub, f->root, subpath, NULL, &err) < 0)
			fail_msg("%s", err.msg);
	}
	f->child = fork_sleeper();
	second = fork_sleeper();
	assert_int_equal(cg_group_add_pid(&f->g, f->child, &err), 0);
	assert_int_equal(cg_group_add_pid(&sub, second, &err), 0);
	{
		_cleanup_free_ pid_t *pids = NULL;
		size_t n;

		assert_int_equal(cg_group_pids(&f->g, &pids, &n, &err), 0);
		assert_int_equal(n, 2);
	}
	cg_group_release(&sub);
	/* Frozen processes are killed too. */
	assert_int_equal(cg_group_freeze(&f->g, true, &err), 0);
	if (cg_group_destroy(&f->g, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(f->g.dirfd, -1);
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	f->child = -1;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(waitpid(second, &status, 0), second);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_false(exists(f->root, path));
	/* Parents are left for others. */
	{
		_cleanup_free_ char *parent = xasprintf("%s/a", f->name);

		assert_true(exists(f->root, parent));
	}
}

/* cgroup.controllers of the hierarchy's root (caller frees). */
static char *root_controllers(const struct fixture *f)
{
	_cleanup_free_ char *file = xasprintf("%s/cgroup.controllers", f->root);
	struct error err;
	char *avail = NULL;

	if (file_read_at(AT_FDCWD, file, 0, &avail, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	return avail;
}

static void test_memory_limit_unavailable(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	struct cg_resources *res = NULL;
	_cleanup_free_ char *path = NULL, *avail = NULL;
	json_object *o;

	REQUIRE_HIERARCHY(f);
	avail = root_controllers(f);
	if (strstr(avail, "memory"))
		skip(); /* a host with the memory controller: nothing to refuse */
	o = json_tokener_parse("{\"memory\":{\"limit\":1048576}}");
	assert_int_equal(rt_resources_parse(o, &res, &err), 0);
	json_object_put(o);
	path = xasprintf("%s/x/y", f->name);
	assert_int_equal(cg_group_create_in(&f->g, f->root, path, res, &err), -1);
	cg_resources_free(res);
	{
		_cleanup_free_ char *want = xasprintf(
			"cannot apply linux.resources.memory: the memory controller is not "
			"available in the cgroup v2 hierarchy at %s",
			f->root);

		if (!strstr(err.msg, want))
			fail_msg("got \"%s\"", err.msg);
	}
	if (strcmp(f->root, "/sys/fs/cgroup"))
		assert_non_null(strstr(err.msg, "cgroup v1"));
	/* Nothing was created. */
	assert_false(exists(f->root, f->name));
}

/* "No limit" values (pids -1, cpu quota -1, memory -1) need no
 * controller: on a hierarchy without them the group is made and
 * nothing is written; where a controller is there, "max" is written. */
static void test_no_limit_needs_no_controller(void **state)
{
	static const struct {
		const char *ctrl, *file, *want;
	} files[] = {
	    {"pids", "pids.max", "max"},
	    {"cpu", "cpu.max", "max 100000"},
	    {"memory", "memory.max", "max"},
	};
	struct fixture *f = *state;
	struct error err = {0};
	struct cg_resources *res = NULL;
	_cleanup_free_ char *path = NULL, *avail = NULL;
	json_object *o;

	REQUIRE_HIERARCHY(f);
	avail = root_controllers(f);
	o = json_tokener_parse(
	    "{\"pids\":{\"limit\":-1},\"cpu\":{\"quota\":-1},\"memory\":{\"limit\":-1}}");
	assert_int_equal(rt_resources_parse(o, &res, &err), 0);
	json_object_put(o);
	path = xasprintf("%s/nolimit", f->name);
	if (cg_group_create_in(&f->g, f->root, path, res, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		if (strstr(avail, files[i].ctrl)) {
			_cleanup_free_ char *v = read_group_file(&f->g, files[i].file);

			assert_string_equal(v, files[i].want);
		} else {
			assert_int_equal(faccessat(f->g.dirfd, files[i].file, F_OK, 0), -1);
		}
	}
	/* update with the same values works the same way. */
	assert_int_equal(cg_group_update(&f->g, res, &err), 0);
	cg_resources_free(res);
}

static void test_rollback_keeps_existing_parent(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	struct cg_resources *res;
	_cleanup_free_ char *path = NULL, *dir = NULL, *a = NULL;

	REQUIRE_HIERARCHY(f);
	dir = xasprintf("%s%s", f->root, f->name);
	assert_int_equal(mkdir(dir, 0755), 0);
	res = cg_resources_new();
	cg_resources_add(res, "cgroup.max.depth", "bogus", 0, "linux.resources.unified");
	path = xasprintf("%s/a/b", f->name);
	assert_int_equal(cg_group_create_in(&f->g, f->root, path, res, &err), -1);
	cg_resources_free(res);
	assert_non_null(strstr(err.msg, "cannot apply linux.resources.unified"));
	assert_int_equal(f->g.dirfd, -1);
	a = xasprintf("%s/a", f->name);
	assert_false(exists(f->root, a));
	assert_true(exists(f->root, f->name));
}

static void test_limits_written(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	struct cg_resources *res = NULL;
	_cleanup_free_ char *path = NULL, *avail = NULL, *v = NULL;
	json_object *o;

	REQUIRE_HIERARCHY(f);
	avail = root_controllers(f);
	o = json_tokener_parse(strstr(avail, "hugetlb")
				       ? "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":"
					 "4194304}],\"unified\":{\"cgroup.max.descendants\":\"5\"}}"
				       : "{\"unified\":{\"cgroup.max.descendants\":\"5\"}}");
	assert_int_equal(rt_resources_parse(o, &res, &err), 0);
	json_object_put(o);
	path = xasprintf("%s/p/ctr", f->name);
	if (cg_group_create_in(&f->g, f->root, path, res, &err) < 0)
		fail_msg("%s", err.msg);
	v = read_group_file(&f->g, "cgroup.max.descendants");
	assert_string_equal(v, "5");
	if (strstr(avail, "hugetlb")) {
		_cleanup_free_ char *h = read_group_file(&f->g, "hugetlb.2MB.max");
		_cleanup_free_ char *sc = NULL, *parent = xasprintf("%s%s/p/cgroup.subtree_control",
								  f->root, f->name);

		assert_string_equal(h, "4194304");
		assert_int_equal(file_read_at(AT_FDCWD, parent, 0, &sc, NULL, &err), 0);
		assert_non_null(strstr(sc, "hugetlb"));
	}
	/* update rewrites. */
	cg_resources_free(res);
	res = cg_resources_new();
	cg_resources_add(res, "cgroup.max.descendants", "7", 0, "linux.resources.unified");
	assert_int_equal(cg_group_update(&f->g, res, &err), 0);
	cg_resources_free(res);
	free(v);
	v = read_group_file(&f->g, "cgroup.max.descendants");
	assert_string_equal(v, "7");
	/* The group can be opened again by path. */
	{
		struct cg_group g2 = {.dirfd = -1};

		assert_int_equal(cg_group_open_in(&g2, f->root, path, &err), 0);
		assert_int_equal(cg_group_destroy(&g2, &err), 0);
		assert_false(exists(f->root, path));
	}
}

/* ----------------------------------------------------- device filter -- */

struct dev_probe {
	const char *what;
	int (*op)(const char *arg);
	const char *arg;
};

static int op_open_r(const char *p)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : (close(fd), 0);
}

static int op_open_w(const char *p)
{
	int fd = open(p, O_WRONLY | O_CLOEXEC);

	return fd < 0 ? -errno : (close(fd), 0);
}

static int op_open_rw(const char *p)
{
	int fd = open(p, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : (close(fd), 0);
}

/* Run op(arg) in a child started directly in the group with clone3
 * CLONE_INTO_CGROUP (as the runtime starts a container's init); returns
 * 0 or -errno from the child. */
static int in_group(const struct cg_group *g, int (*op)(const char *), const char *arg)
{
	struct clone_args args = {.flags = CLONE_INTO_CGROUP,
				  .exit_signal = SIGCHLD,
				  .cgroup = (uint64_t)g->dirfd};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	int status;

	/* valgrind has no clone3: there, fork and move ourselves in. */
	if (pid < 0 && errno == ENOSYS) {
		pid = fork();
		if (pid == 0) {
			struct error err;

			if (cg_group_add_pid(g, 0, &err) < 0)
				_exit(99);
		}
	}
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(-op(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

static int op_mknod(const char *spec)
{
	char type;
	unsigned major, minor;
	char path[128];

	sscanf(spec, "%c %u:%u", &type, &major, &minor);
	snprintf(path, sizeof(path), "%s/n-%c-%u-%u", node_dir, type, major, minor);
	unlink(path);
	if (mknod(path, (type == 'b' ? S_IFBLK : S_IFCHR) | 0600, makedev(major, minor)) < 0)
		return -errno;
	return 0;
}

static void make_node_dir(void)
{
	snprintf(node_dir, sizeof(node_dir), "/tmp/nook-test-dev-%d", (int)getpid());
	mkdir(node_dir, 0700);
}

static void test_devices_default_policy(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	struct cg_resources *res = NULL;
	_cleanup_free_ char *path = NULL, *kmsg = NULL;
	json_object *o;

	REQUIRE_HIERARCHY(f);
	make_node_dir();
	/* A typical config.json: deny everything, then the defaults. */
	o = json_tokener_parse("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
	assert_int_equal(rt_resources_parse(o, &res, &err), 0);
	json_object_put(o);
	path = xasprintf("%s/ctr", f->name);
	if (cg_group_create_in(&f->g, f->root, path, res, &err) < 0) {
		cg_resources_free(res);
		remove_node_dir();
		fail_msg("%s", err.msg);
	}
	cg_resources_free(res);

	assert_int_equal(in_group(&f->g, op_open_rw, "/dev/null"), 0);
	assert_int_equal(in_group(&f->g, op_open_r, "/dev/urandom"), 0);
	assert_int_equal(in_group(&f->g, op_open_rw, "/dev/full"), 0);
	/* /dev/kmsg (1:11) and /dev/loop0 (b 7:0) are not in the list. */
	assert_int_equal(in_group(&f->g, op_open_r, "/dev/kmsg"), -EPERM);
	assert_int_equal(in_group(&f->g, op_open_r, "/dev/loop0"), -EPERM);
	/* mknod of anything is allowed, opening what was made is not. */
	assert_int_equal(in_group(&f->g, op_mknod, "c 1:11"), 0);
	kmsg = xasprintf("%s/n-c-1-11", node_dir);
	assert_int_equal(in_group(&f->g, op_open_r, kmsg), -EPERM);
	assert_int_equal(in_group(&f->g, op_mknod, "b 7:0"), 0);
	/* Outside the group nothing changed. */
	assert_int_equal(op_open_r(kmsg), 0);
	remove_node_dir();
}

static void test_devices_last_rule_wins(void **state)
{
	struct fixture *f = *state;
	struct error err = {0};
	struct cg_resources *res = cg_resources_new();
	_cleanup_free_ char *path = NULL;
	static const struct cg_device_rule rules[] = {
		{true, 'a', CG_DEV_WILDCARD, CG_DEV_WILDCARD, 7},
		{false, 'c', 1, 3, CG_DEV_WRITE},
		{false, 'b', CG_DEV_WILDCARD, CG_DEV_WILDCARD, CG_DEV_MKNOD},
	};

	REQUIRE_HIERARCHY(f);
	make_node_dir();
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		cg_resources_add_device(res, &rules[i]);
	path = xasprintf("%s/ctr", f->name);
	if (cg_group_create_in(&f->g, f->root, path, res, &err) < 0) {
		cg_resources_free(res);
		remove_node_dir();
		fail_msg("%s", err.msg);
	}
	cg_resources_free(res);
	assert_int_equal(in_group(&f->g, op_open_r, "/dev/null"), 0);
	assert_int_equal(in_group(&f->g, op_open_w, "/dev/null"), -EPERM);
	/* Read allowed and write denied: O_RDWR is denied. */
	assert_int_equal(in_group(&f->g, op_open_rw, "/dev/null"), -EPERM);
	assert_int_equal(in_group(&f->g, op_open_rw, "/dev/zero"), 0);
	assert_int_equal(in_group(&f->g, op_mknod, "b 7:0"), -EPERM);
	assert_int_equal(in_group(&f->g, op_mknod, "c 1:3"), 0);

	/* update replaces the filter (it does not stack on the old one). */
	res = cg_resources_new();
	cg_resources_add_device(res, &rules[0]);
	if (cg_group_update(&f->g, res, &err) < 0) {
		cg_resources_free(res);
		remove_node_dir();
		fail_msg("%s", err.msg);
	}
	cg_resources_free(res);
	assert_int_equal(in_group(&f->g, op_open_rw, "/dev/null"), 0);
	assert_int_equal(in_group(&f->g, op_mknod, "b 7:0"), 0);

	/* An empty, set list denies everything. */
	res = cg_resources_new();
	cg_resources_devices_set(res);
	assert_int_equal(cg_group_update(&f->g, res, &err), 0);
	cg_resources_free(res);
	assert_int_equal(in_group(&f->g, op_open_r, "/dev/null"), -EPERM);
	remove_node_dir();
}

/* Frees what cg_v1_route gave back. */
static void route_release(struct cg_resources *v2, struct cg_resources **v1, bool *join, size_t n)
{
	cg_resources_free(v2);
	for (size_t i = 0; i < n; i++)
		cg_resources_free(v1[i]);
	free(v1);
	free(join);
}

/* The v1 backend's conversions, as runc's fs driver writes them: routed
 * for a pure v1 host (no v2 hierarchy), with made-up hierarchies (nothing
 * is read or written). */
static void test_v1_route(void **state)
{
	static const char *const names[] = {"memory", "cpu", "pids", "blkio", "hugetlb",
					    "devices", "net_cls"};
	struct cg_v1_dir dirs[ARRAY_SIZE(names)];
	struct cg_resources *r, *v2 = NULL, **v1 = NULL;
	struct error err = {0};
	bool *join = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		dirs[i] = (struct cg_v1_dir){.mnt = (char *)names[i], .ctrls = NULL, .dirfd = -1};
		strv_push(&dirs[i].ctrls, names[i]);
	}
	r = parse_ok("{\"memory\":{\"limit\":1048576,\"swap\":3145728,\"swappiness\":30},"
		     "\"cpu\":{\"shares\":1024,\"quota\":20000,\"period\":50000},"
		     "\"pids\":{\"limit\":-1},"
		     "\"blockIO\":{\"weight\":300,\"throttleReadBpsDevice\":"
		     "[{\"major\":8,\"minor\":0,\"rate\":4096}]},"
		     "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		     "\"network\":{\"classID\":1048577},"
		     "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
	assert_int_equal(cg_v1_route(r, NULL, dirs, ARRAY_SIZE(names), &v2, &v1, &join, &err), 0);
	assert_null(v2);
	assert_string_equal(written(v1[0], "memory.limit_in_bytes"), "1048576");
	/* memsw is memory+swap, as OCI's swap (v2 got the difference). */
	assert_string_equal(written(v1[0], "memory.memsw.limit_in_bytes"), "3145728");
	assert_string_equal(written(v1[0], "memory.swappiness"), "30");
	/* cpu.shares as given, not the v2 weight. */
	assert_string_equal(written(v1[1], "cpu.shares"), "1024");
	assert_string_equal(written(v1[1], "cpu.cfs_period_us"), "50000");
	assert_string_equal(written(v1[1], "cpu.cfs_quota_us"), "20000");
	assert_string_equal(written(v1[2], "pids.max"), "max");
	assert_string_equal(written(v1[3], "blkio.bfq.weight"), "300");
	assert_string_equal(written(v1[3], "blkio.throttle.read_bps_device"), "8:0 4096");
	assert_string_equal(written(v1[4], "hugetlb.2MB.limit_in_bytes"), "4194304");
	/* deny all, then the default allow-list as exceptions. */
	assert_string_equal(written(v1[5], "devices.deny"), "a");
	assert_string_equal(written(v1[5], "devices.allow"), "c 136:* rwm");
	assert_string_equal(written(v1[6], "net_cls.classid"), "1048577");
	/* Pure v1: every hierarchy is joined, limits or not. */
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_true(join[i]);
	cg_resources_free(r);
	route_release(v2, v1, join, ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		strv_free(dirs[i].ctrls);

	/* A v1-only field without its hierarchy is refused, naming it. */
	r = parse_ok("{\"network\":{\"classID\":1}}");
	dirs[0].ctrls = NULL;
	strv_push(&dirs[0].ctrls, "memory");
	assert_int_equal(cg_v1_route(r, NULL, dirs, 1, &v2, &v1, &join, &err), -1);
	assert_non_null(strstr(err.msg, "cannot apply linux.resources.network.classID: cgroup v2 "
					"has no net_cls.classid"));
	cg_resources_free(r);
	route_release(NULL, v1, join, 1);
	strv_free(dirs[0].ctrls);
}

/* Hybrid routing (a v2 root whose cgroup.controllers is a plain file
 * here): what v2 has goes there, the rest to v1; "no limit" values and the
 * device filter never make a v1 group, so a container without limits
 * stays out of the host's v1 hierarchies. */
static void test_v1_route_hybrid(void **state)
{
	static const char *const names[] = {"memory", "pids", "cpu", "freezer"};
	char root[] = "/tmp/nook-unit-route.XXXXXX";
	struct cg_v1_dir dirs[ARRAY_SIZE(names)];
	struct cg_resources *r, *v2 = NULL, **v1 = NULL;
	struct error err = {0};
	bool *join = NULL;
	_cleanup_free_ char *file = NULL;

	(void)state;
	assert_non_null(mkdtemp(root));
	file = xasprintf("%s/cgroup.controllers", root);
	assert_int_equal(file_create_at(AT_FDCWD, file, "pids\n", 5, 0644, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		dirs[i] = (struct cg_v1_dir){.mnt = (char *)names[i], .ctrls = NULL, .dirfd = -1};
		strv_push(&dirs[i].ctrls, names[i]);
	}
	/* No limits: nothing joins v1. */
	r = parse_ok("{\"pids\":{\"limit\":-1},\"memory\":{\"limit\":-1},"
		     "\"cpu\":{\"quota\":-1}}");
	assert_int_equal(cg_v1_route(r, root, dirs, ARRAY_SIZE(names), &v2, &v1, &join, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_false(join[i]);
	assert_true(v2->devices_set);
	assert_string_equal(written(v2, "pids.max"), "max");
	cg_resources_free(r);
	route_release(v2, v1, join, ARRAY_SIZE(names));
	/* A memory limit: memory in v1, with the usage controllers; pids stays
	 * in v2, which has it; freezer is not joined. */
	r = parse_ok("{\"memory\":{\"limit\":1048576},\"pids\":{\"limit\":5}}");
	assert_int_equal(cg_v1_route(r, root, dirs, ARRAY_SIZE(names), &v2, &v1, &join, &err), 0);
	assert_string_equal(written(v1[0], "memory.limit_in_bytes"), "1048576");
	assert_string_equal(written(v2, "pids.max"), "5");
	assert_true(join[0] && join[1] && join[2]);
	assert_false(join[3]);
	cg_resources_free(r);
	route_release(v2, v1, join, ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		strv_free(dirs[i].ctrls);
	unlink(file);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_route),
	    cmocka_unit_test(test_v1_route_hybrid),
	    cmocka_unit_test(test_shares_to_weight),
	    cmocka_unit_test(test_blkio_weight),
	    cmocka_unit_test(test_swap_math),
	    cmocka_unit_test(test_file_names),
	    cmocka_unit_test(test_proc_cgroup_path),
	    cmocka_unit_test(test_hugepage_sizes),
	    cmocka_unit_test(test_access_parse),
	    cmocka_unit_test(test_parse_values),
	    cmocka_unit_test(test_parse_devices),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test_setup_teardown(test_group_lifecycle, setup_group, teardown_group),
	    cmocka_unit_test_setup_teardown(test_group_destroy_kills, setup_group, teardown_group),
	    cmocka_unit_test_setup_teardown(test_memory_limit_unavailable, setup_group,
					    teardown_group),
	    cmocka_unit_test_setup_teardown(test_no_limit_needs_no_controller, setup_group,
					    teardown_group),
	    cmocka_unit_test_setup_teardown(test_rollback_keeps_existing_parent, setup_group,
					    teardown_group),
	    cmocka_unit_test_setup_teardown(test_limits_written, setup_group, teardown_group),
	    cmocka_unit_test_setup_teardown(test_devices_default_policy, setup_group,
					    teardown_group),
	    cmocka_unit_test_setup_teardown(test_devices_last_rule_wins, setup_group,
					    teardown_group),
	};

	/* This host's own management lives in its cgroup v1 hierarchies:
	 * the tests never let nook near them. */
	setenv("NOOK_CGROUP_V1", "off", 1);
	return cmocka_run_group_tests_name("cgroups", tests, NULL, NULL);
}
