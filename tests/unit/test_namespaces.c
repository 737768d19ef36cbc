/* namespaces/: mount option table, rootfs mounts, devices, pivot_root,
 * masked and read-only paths — above all the attacks a hostile rootfs can
 * try.  Runs as root.  Every test that mounts does so in a forked child
 * with its own (rprivate) mount namespace; the parent then checks that its
 * own mount table and the host paths an escape would touch are unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "namespaces/namespaces.h"

#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

/* ------------------------------------------------------------ fixture -- */

struct fx {
	char dir[64];	  /* mkdtemp'd, removed in teardown whatever happens */
	char rootfs[128]; /* dir/rootfs: a tiny busybox root */
	char src[128];	  /* dir/src: a host directory to bind */
	char *mountinfo;  /* the test process's mount table before the test */
};

/* Host paths an escaping mount or device would create. */
static const char *const host_canaries[] = {
    "/etc/nook-escape", "/etc/nook-escape-file", "/nook-dotdot", "/nook-magic", "/nook-dev-escape",
};

static char *read_text(const char *path)
{
	struct error err;
	char *s = NULL;

	if (file_read_at(AT_FDCWD, path, 0, &s, NULL, &err) < 0)
		return NULL;
	return s;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	char buf[65536];
	ssize_t n;

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return -1;
	return n < 0 ? -1 : 0;
}

static int setup(void **state)
{
	struct fx *fx = xzalloc(sizeof(*fx));
	struct error err;
	char p[256];

	strcpy(fx->dir, "/tmp/nook-ns-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->rootfs, sizeof(fx->rootfs), "%s/rootfs", fx->dir);
	snprintf(fx->src, sizeof(fx->src), "%s/src", fx->dir);
	*state = fx;
	const char *dirs[] = {"bin", "etc", "tmp", "proc", "sys", "dev"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->rootfs, dirs[i]);
		if (mkdir_p(p, 0755, &err) < 0)
			return -1;
	}
	if (mkdir_p(fx->src, 0755, &err) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/bin/busybox", fx->rootfs);
	if (copy_file("/bin/busybox", p, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/etc", fx->rootfs);
	if (file_create_at(AT_FDCWD, p, NULL, 0, 0755, &err) == 0)
		return -1; /* sanity: etc is a directory */
	snprintf(p, sizeof(p), "%s/etc/marker", fx->rootfs);
	if (file_create_at(AT_FDCWD, p, "inside\n", 7, 0644, &err) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/etc/passwd", fx->rootfs);
	if (file_create_at(AT_FDCWD, p, "root:x:0:0::/:/bin/sh\n", 22, 0644, &err) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/file", fx->src);
	if (file_create_at(AT_FDCWD, p, "host\n", 5, 0644, &err) < 0)
		return -1;
	fx->mountinfo = read_text("/proc/self/mountinfo");
	return fx->mountinfo ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	struct error err;

	if (!fx)
		return 0;
	if (fx->dir[0])
		rm_rf_at(AT_FDCWD, fx->dir, &err);
	free(fx->mountinfo);
	free(fx);
	return 0;
}

/* ------------------------------------------------- running in a child -- */

/* Checks inside the forked child: report and fail the child. */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s (errno: %s)\n", __FILE__,         \
				__LINE__, #c, strerror(errno));                                    \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)
#define CHECK_OK(call)                                                                             \
	do {                                                                                       \
		struct error e_ = {0};                                                             \
		struct error *ERR = &e_;                                                           \
		if ((call) < 0) {                                                                  \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,       \
				e_.msg);                                                           \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

typedef int (*child_fn)(struct fx *fx);

/* The mount table without what other programs on the machine mount and
 * unmount meanwhile in their own temporary directories (a test suite
 * running beside us): only /tmp mounts outside our fixture are dropped;
 * an escaping mount lands on a host path such as /etc or /. */
static char *mounts_of_interest(const char *text, const char *dir)
{
	char *out = xzalloc(strlen(text) + 1), *o = out;
	const char *line = text;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line + 1) : strlen(line);
		char mp[4096] = "";

		sscanf(line, "%*s %*s %*s %*s %4095s", mp);
		if (!str_has_prefix(mp, "/tmp/") || str_has_prefix(mp, dir)) {
			memcpy(o, line, len);
			o += len;
		}
		line += len;
	}
	return out;
}

static void assert_host_untouched(struct fx *fx)
{
	_cleanup_free_ char *now = read_text("/proc/self/mountinfo");
	_cleanup_free_ char *a = NULL, *b = NULL;

	assert_non_null(now);
	a = mounts_of_interest(now, fx->dir);
	b = mounts_of_interest(fx->mountinfo, fx->dir);
	assert_string_equal(a, b);
	for (size_t i = 0; i < ARRAY_SIZE(host_canaries); i++)
		if (access(host_canaries[i], F_OK) == 0)
			fail_msg("escape: host path %s exists", host_canaries[i]);
}

static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(st))
		fprintf(stderr, "child killed by signal %d\n", WTERMSIG(st));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs fn in a child with a private mount namespace of its own: whatever
 * it mounts dies with it and cannot propagate to the host. */
static void run_in_mntns(struct fx *fx, child_fn fn)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(99);
		_exit(fn(fx));
	}
	assert_int_equal(wait_child(pid), 0);
	assert_host_untouched(fx);
}

static struct ns_rootfs rootfs_of(struct fx *fx)
{
	return (struct ns_rootfs){.rootfs = fx->rootfs, .console_fd = -1};
}

/* Finds the topmost mount at mountpoint in our mountinfo: fills the mount
 * options, the fs type and the super options. */
static bool mnt_find(const char *mountpoint, char *mopts, char *fstype, char *sopts)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		char mp[4096], mo[1024], ty[256], so[1024];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s %1023s", mp, mo) != 2 ||
		    sscanf(sep + 3, "%255s %*s %1023s", ty, so) != 2)
			continue;
		if (strcmp(mp, mountpoint))
			continue;
		found = true;
		strcpy(mopts, mo);
		strcpy(fstype, ty);
		strcpy(sopts, so);
	}
	return found;
}

static bool has_opt(const char *list, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = list; (p = strstr(p, opt)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static char *in_root(struct fx *fx, const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s%s", fx->rootfs, rel);
	return buf[i];
}

/* --------------------------------------------------- option table ------ */

static void test_mount_option_table(void **state)
{
	unsigned long set, clear, prop;
	bool rec;

	(void)state;
	assert_int_equal(ns_mount_option("ro", &set, &clear, &prop, &rec), 0);
	assert_true(set == MS_RDONLY && !clear && !prop && !rec);
	assert_int_equal(ns_mount_option("rw", &set, &clear, &prop, &rec), 0);
	assert_true(!set && clear == MS_RDONLY);
	assert_int_equal(ns_mount_option("rbind", &set, &clear, &prop, &rec), 0);
	assert_true(set == (MS_BIND | MS_REC) && !rec);
	assert_int_equal(ns_mount_option("rslave", &set, &clear, &prop, &rec), 0);
	assert_true(prop == (MS_SLAVE | MS_REC) && !set);
	assert_int_equal(ns_mount_option("private", &set, &clear, &prop, &rec), 0);
	assert_true(prop == MS_PRIVATE);
	assert_int_equal(ns_mount_option("rro", &set, &clear, &prop, &rec), 0);
	assert_true(set == MS_RDONLY && rec);
	assert_int_equal(ns_mount_option("ratime", &set, &clear, &prop, &rec), 0);
	assert_true(clear == MS_NOATIME && rec);
	assert_int_equal(ns_mount_option("strictatime", &set, &clear, &prop, &rec), 0);
	assert_true(set == MS_STRICTATIME && !rec);
	assert_int_equal(ns_mount_option("nosuid", &set, &clear, &prop, &rec), 0);
	assert_true(set == MS_NOSUID);
	assert_int_equal(ns_mount_option("mode=755", &set, &clear, &prop, &rec), 1);
	assert_int_equal(ns_mount_option("size=65536k", &set, &clear, &prop, &rec), 1);
	assert_int_equal(ns_mount_option("idmap", &set, &clear, &prop, &rec), -1);
	assert_int_equal(ns_mount_option("ridmap", &set, &clear, &prop, &rec), -1);
	assert_int_equal(ns_mount_option("tmpcopyup", &set, &clear, &prop, &rec), 0);
	assert_true(set == 0 && clear == 0 && prop == 0 && !rec);
}

static int child_idmap_option_refused(struct fx *fx)
{
	char *o[] = {"rbind", "idmap", NULL};
	struct ns_mount m[] = {
	    {.destination = "/data", .type = "bind", .source = fx->src, .options = o}};
	struct ns_rootfs r = rootfs_of(fx);
	struct error err = {0};

	r.mounts = m;
	r.n_mounts = 1;
	CHECK(ns_rootfs_mount(&r, &err) < 0);
	CHECK(err.code == EOPNOTSUPP && strstr(err.msg, "idmap") && strstr(err.msg, "/data"));
	return 0;
}

static void test_idmap_mount_refused_not_ignored(void **state)
{
	run_in_mntns(*state, child_idmap_option_refused);
}

/* ------------------------------------------------------------ mounts --- */

static int child_mounts_land(struct fx *fx)
{
	char *tmp_o[] = {"nosuid", "nodev", "size=1m", "mode=751", NULL};
	char *proc_o[] = {"nosuid", "noexec", "nodev", NULL};
	char *bind_o[] = {"bind", "ro", "noexec", NULL};
	char *file_o[] = {"rbind", "nosuid", NULL};
	char *pts_o[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL};
	char *cg_o[] = {"nosuid", "nodev", "noexec", "relatime", "ro", NULL};
	char *mq_o[] = {"nosuid", "nodev", "noexec", "shared", NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = proc_o},
	    {.destination = "/tmp", .type = "tmpfs", .source = "tmpfs", .options = tmp_o},
	    {.destination = "/data/deep", .type = "bind", .source = fx->src, .options = bind_o},
	    {.destination = "/etc/hostfile", .type = NULL, .source = NULL, .options = file_o},
	    {.destination = "/dev/pts", .type = "devpts", .source = "devpts", .options = pts_o},
	    {.destination = "/sys/fs/cgroup",
	     .type = "cgroup",
	     .source = "cgroup",
	     .options = cg_o},
	    {.destination = "/dev/mqueue", .type = "mqueue", .source = "mqueue", .options = mq_o},
	};
	struct ns_rootfs r = rootfs_of(fx);
	char mo[1024], ty[256], so[1024], p[256];
	char *content;

	snprintf(p, sizeof(p), "%s/file", fx->src);
	m[3].source = p;
	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	CHECK_OK(ns_rootfs_mount(&r, ERR));

	CHECK(mnt_find(fx->rootfs, mo, ty, so));
	CHECK(mnt_find(in_root(fx, "/proc"), mo, ty, so));
	CHECK(!strcmp(ty, "proc") && has_opt(mo, "nosuid") && has_opt(mo, "noexec"));
	CHECK(mnt_find(in_root(fx, "/tmp"), mo, ty, so));
	CHECK(!strcmp(ty, "tmpfs") && has_opt(mo, "nosuid") && has_opt(mo, "nodev"));
	CHECK(has_opt(so, "size=1024k") && has_opt(so, "mode=751"));
	CHECK(mnt_find(in_root(fx, "/data/deep"), mo, ty, so));
	CHECK(has_opt(mo, "ro") && has_opt(mo, "noexec"));
	CHECK(open(in_root(fx, "/data/deep/new"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 &&
	      errno == EROFS);
	/* A file source gets a file destination. */
	CHECK(mnt_find(in_root(fx, "/etc/hostfile"), mo, ty, so));
	CHECK(has_opt(mo, "rw") && has_opt(mo, "nosuid"));
	content = read_text(in_root(fx, "/etc/hostfile"));
	CHECK(content && !strcmp(content, "host\n"));
	free(content);
	CHECK(mnt_find(in_root(fx, "/dev/pts"), mo, ty, so) && !strcmp(ty, "devpts"));
	CHECK(has_opt(so, "ptmxmode=666") && has_opt(so, "mode=620"));
	/* "cgroup" is the unified hierarchy. */
	CHECK(mnt_find(in_root(fx, "/sys/fs/cgroup"), mo, ty, so) && !strcmp(ty, "cgroup2"));
	CHECK(has_opt(mo, "ro") && has_opt(mo, "nosuid") && has_opt(mo, "relatime"));
	CHECK(mnt_find(in_root(fx, "/dev/mqueue"), mo, ty, so) && !strcmp(ty, "mqueue"));
	CHECK(has_opt(mo, "noexec"));
	return 0;
}

static void test_mounts_land_at_destination_with_flags(void **state)
{
	run_in_mntns(*state, child_mounts_land);
}

/* "ro" on an rbind reaches the submounts too (runc and crun set it on the
 * top mount only, leaving a submount writable), as "rro" does. */
static int child_recursive_ro(struct fx *fx)
{
	char *ro_o[] = {"rbind", "ro", NULL};
	char *rro_o[] = {"rbind", "rro", NULL};
	struct ns_mount m[] = {
	    {.destination = "/top-ro", .type = "bind", .source = fx->src, .options = ro_o},
	    {.destination = "/all-ro", .type = "bind", .source = fx->src, .options = rro_o},
	};
	struct ns_rootfs r = rootfs_of(fx);
	char sub[256];

	snprintf(sub, sizeof(sub), "%s/sub", fx->src);
	CHECK(mkdir(sub, 0755) == 0 && mount("tmpfs", sub, "tmpfs", 0, "size=64k") == 0);
	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(open(in_root(fx, "/top-ro/x"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 &&
	      errno == EROFS);
	CHECK(open(in_root(fx, "/top-ro/sub/x"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 &&
	      errno == EROFS);
	CHECK(open(in_root(fx, "/all-ro/sub/y"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 &&
	      errno == EROFS);
	return 0;
}

static void test_rbind_ro_vs_rro_submounts(void **state)
{
	run_in_mntns(*state, child_recursive_ro);
}

/* rootfs/evil -> /etc: a mount on "/evil/nook-escape" must land in the
 * rootfs's etc, never on the host's /etc (CVE-2021-30465 family). */
static int child_symlink_escape(struct fx *fx)
{
	char *tmp_o[] = {"size=1m", NULL};
	char *bind_o[] = {"bind", NULL};
	char p[256];
	struct ns_mount m[] = {
	    {.destination = "/evil/nook-escape",
	     .type = "tmpfs",
	     .source = "tmpfs",
	     .options = tmp_o},
	    {.destination = "/evil/nook-escape-file",
	     .type = "bind",
	     .source = p,
	     .options = bind_o},
	};
	struct ns_rootfs r = rootfs_of(fx);
	char mo[1024], ty[256], so[1024];

	snprintf(p, sizeof(p), "%s/file", fx->src);
	CHECK(symlink("/etc", in_root(fx, "/evil")) == 0);
	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(mnt_find(in_root(fx, "/etc/nook-escape"), mo, ty, so) && !strcmp(ty, "tmpfs"));
	CHECK(mnt_find(in_root(fx, "/etc/nook-escape-file"), mo, ty, so));
	CHECK(!mnt_find("/etc/nook-escape", mo, ty, so));
	CHECK(access("/etc/nook-escape", F_OK) < 0 && access("/etc/nook-escape-file", F_OK) < 0);
	return 0;
}

static void test_mount_destination_symlink_to_host_escape(void **state)
{
	run_in_mntns(*state, child_symlink_escape);
}

/* A symlink in the middle of the path, pointing up and out with "..". */
static int child_dotdot_escape(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/../../../nook-dotdot",
	     .type = "tmpfs",
	     .source = "tmpfs",
	     .options = o},
	    {.destination = "/up/nook-dotdot2", .type = "tmpfs", .source = "tmpfs", .options = o},
	};
	struct ns_rootfs r = rootfs_of(fx);
	char mo[1024], ty[256], so[1024];

	CHECK(symlink("../../../../../..", in_root(fx, "/up")) == 0);
	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(mnt_find(in_root(fx, "/nook-dotdot"), mo, ty, so));
	CHECK(mnt_find(in_root(fx, "/nook-dotdot2"), mo, ty, so));
	CHECK(access("/nook-dotdot2", F_OK) < 0);
	return 0;
}

static void test_mount_destination_dotdot_escape(void **state)
{
	run_in_mntns(*state, child_dotdot_escape);
}

/* /proc/self/root is the host's root before pivot_root: a destination
 * through it must be refused, not followed. */
static int child_magiclink_escape(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = o},
	    {.destination = "/proc/self/root/nook-magic",
	     .type = "tmpfs",
	     .source = "tmpfs",
	     .options = o},
	};
	struct ns_rootfs r = rootfs_of(fx);
	struct error err = {0};

	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	CHECK(ns_rootfs_mount(&r, &err) < 0);
	CHECK(access("/nook-magic", F_OK) < 0);
	return 0;
}

static void test_mount_destination_proc_magiclink_escape(void **state)
{
	run_in_mntns(*state, child_magiclink_escape);
}

/* rootfs/proc -> /etc: proc mounted elsewhere would dodge the masked paths
 * (CVE-2019-19921); refuse. */
static int child_proc_symlink(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = o}};
	struct ns_rootfs r = rootfs_of(fx);
	struct error err = {0};
	char mo[1024], ty[256], so[1024];

	CHECK(rmdir(in_root(fx, "/proc")) == 0 && symlink("/etc", in_root(fx, "/proc")) == 0);
	r.mounts = m;
	r.n_mounts = 1;
	CHECK(ns_rootfs_mount(&r, &err) < 0);
	CHECK(strstr(err.msg, "symlink"));
	CHECK(!mnt_find(in_root(fx, "/etc"), mo, ty, so));
	return 0;
}

static void test_proc_mount_through_symlink_redirect(void **state)
{
	run_in_mntns(*state, child_proc_symlink);
}

/* ----------------------------------------------------------- devices --- */

static char *dev_o[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};

static int child_devices(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = o},
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o},
	};
	struct ns_device d[] = {
	    {.path = "/dev/fuse",
	     .type = 'c',
	     .major = 10,
	     .minor = 229,
	     .has_mode = true,
	     .mode = 0600,
	     .has_uid = true,
	     .uid = 1000,
	     .has_gid = true,
	     .gid = 1001},
	    {.path = "/dev/sub/loopx",
	     .type = 'b',
	     .major = 7,
	     .minor = 0,
	     .has_mode = true,
	     .mode = 0640},
	    {.path = "/dev/fifo", .type = 'p', .has_mode = true, .mode = 0620},
	    {.path = "/dev/../../../nook-dev-escape", .type = 'c', .major = 1, .minor = 3},
	};
	struct ns_rootfs r = rootfs_of(fx);
	struct stat st;
	char link[64];
	ssize_t n;

	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	r.devices = d;
	r.n_devices = ARRAY_SIZE(d);
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(stat(in_root(fx, "/dev/null"), &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(st.st_rdev == makedev(1, 3) && (st.st_mode & 07777) == 0666);
	CHECK(stat(in_root(fx, "/dev/tty"), &st) == 0 && st.st_rdev == makedev(5, 0));
	CHECK(stat(in_root(fx, "/dev/urandom"), &st) == 0 && st.st_rdev == makedev(1, 9));
	CHECK(stat(in_root(fx, "/dev/fuse"), &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(st.st_rdev == makedev(10, 229) && (st.st_mode & 07777) == 0600);
	CHECK(st.st_uid == 1000 && st.st_gid == 1001);
	CHECK(stat(in_root(fx, "/dev/sub/loopx"), &st) == 0 && S_ISBLK(st.st_mode));
	CHECK(st.st_rdev == makedev(7, 0) && (st.st_mode & 07777) == 0640);
	CHECK(stat(in_root(fx, "/dev/fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK((st.st_mode & 07777) == 0620);
	/* "/dev/../../.." climbs to the rootfs's root, not the host's. */
	CHECK(stat(in_root(fx, "/nook-dev-escape"), &st) == 0 && S_ISCHR(st.st_mode));
	n = readlink(in_root(fx, "/dev/ptmx"), link, sizeof(link) - 1);
	CHECK(n > 0 && (link[n] = '\0', !strcmp(link, "pts/ptmx")));
	n = readlink(in_root(fx, "/dev/fd"), link, sizeof(link) - 1);
	CHECK(n > 0 && (link[n] = '\0', !strcmp(link, "/proc/self/fd")));
	n = readlink(in_root(fx, "/dev/stderr"), link, sizeof(link) - 1);
	CHECK(n > 0 && (link[n] = '\0', !strcmp(link, "/proc/self/fd/2")));
	n = readlink(in_root(fx, "/dev/core"), link, sizeof(link) - 1);
	CHECK(n > 0 && (link[n] = '\0', !strcmp(link, "/proc/kcore")));
	return 0;
}

static void test_devices_created_with_numbers_modes_owners(void **state)
{
	run_in_mntns(*state, child_devices);
}

/* A device path through a symlink to the host's /dev must not create a
 * node in the host's /dev. */
static int child_device_symlink(struct fx *fx)
{
	struct ns_mount m[] = {
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o}};
	struct ns_device d[] = {
	    {.path = "/dev/hostdev/nook-escape", .type = 'c', .major = 1, .minor = 7}};
	struct ns_rootfs r = rootfs_of(fx);
	struct stat st;

	r.mounts = m;
	r.n_mounts = 1;
	r.devices = d;
	r.n_devices = 1;
	/* Planted after /dev is mounted would need a hook; plant it in the
	 * image's /etc and point the device there through a link in /dev. */
	m[0].destination = "/dev";
	CHECK(symlink("/etc", in_root(fx, "/etc-link")) == 0);
	d[0].path = "/etc-link/nook-escape";
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(stat(in_root(fx, "/etc/nook-escape"), &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(access("/etc/nook-escape", F_OK) < 0);
	return 0;
}

static void test_device_path_symlink_to_host_escape(void **state)
{
	run_in_mntns(*state, child_device_symlink);
}

static int console_slave = -1;

static int child_console(struct fx *fx)
{
	struct ns_mount m[] = {
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o}};
	struct ns_rootfs r = rootfs_of(fx);
	struct stat want, got;

	r.mounts = m;
	r.n_mounts = 1;
	r.console_fd = console_slave;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(fstat(console_slave, &want) == 0);
	CHECK(stat(in_root(fx, "/dev/console"), &got) == 0 && S_ISCHR(got.st_mode));
	CHECK(got.st_rdev == want.st_rdev);
	return 0;
}

/* The pty is opened before the child's mount namespace exists, as a
 * runtime's parent would: the bind must still find it. */
static void test_console_bind_of_pty_slave(void **state)
{
	int master, slave;

	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	console_slave = slave;
	run_in_mntns(*state, child_console);
	close(master);
	close(slave);
}

/* ------------------------------------------------ pivot and after it --- */

static int run_busybox(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execv("/bin/busybox", argv);
		_exit(127);
	}
	return pid < 0 ? -1 : wait_child(pid);
}

static int child_pivot(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = o},
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o},
	};
	struct ns_rootfs r = rootfs_of(fx);
	char *marker_argv[] = {"busybox", "test", "-f", "/etc/marker", NULL};
	char line[4096];
	FILE *f;
	struct stat a, b;

	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK_OK(ns_rootfs_pivot(&r, ERR));
	CHECK(access("/etc/marker", F_OK) == 0);
	CHECK(access(fx->dir, F_OK) < 0 && errno == ENOENT);
	CHECK(access("/usr", F_OK) < 0);
	CHECK(run_busybox(marker_argv) == 0);
	/* ".." of the root is the root: the old root is gone, not above. */
	CHECK(stat("/", &a) == 0 && stat("/../../..", &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	/* No mount of the host's tree is left in the namespace. */
	f = fopen("/proc/self/mountinfo", "re");
	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];

		CHECK(sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1);
		if (strcmp(mp, "/") && !str_has_prefix(mp, "/proc") &&
		    !str_has_prefix(mp, "/dev")) {
			fprintf(stderr, "left over mount: %s", line);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

static void test_pivot_root_old_root_unreachable(void **state)
{
	run_in_mntns(*state, child_pivot);
}

static int child_no_pivot(struct fx *fx)
{
	struct ns_rootfs r = rootfs_of(fx);

	r.no_pivot = true;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK_OK(ns_rootfs_pivot(&r, ERR));
	CHECK(access("/etc/marker", F_OK) == 0 && access("/usr", F_OK) < 0);
	return 0;
}

static void test_no_pivot_chroots_into_rootfs(void **state)
{
	run_in_mntns(*state, child_no_pivot);
}

/* Masked paths, a symlinked masked path and a magic-link one. */
static int child_masked(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = o},
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o},
	};
	/* /proc/kcore: in every default list, absent on kernels without it. */
	char *masked[] = {
	    "/etc/marker",   "/secretdir", "/link-to-passwd", "/does/not/exist", "/proc/kcore",
	    "/proc/version", NULL};
	struct ns_rootfs r = rootfs_of(fx);
	_cleanup_free_ char *s = NULL, *pw = NULL;
	struct stat st;
	int fd;

	CHECK(mkdir(in_root(fx, "/secretdir"), 0755) == 0);
	CHECK(close(open(in_root(fx, "/secretdir/key"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) ==
	      0);
	/* Absolute target: pivoted, it must mean the container's /etc/passwd. */
	CHECK(symlink("/etc/passwd", in_root(fx, "/link-to-passwd")) == 0);
	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	r.masked_paths = masked;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK_OK(ns_rootfs_pivot(&r, ERR));
	CHECK_OK(ns_rootfs_finish(&r, ERR));
	s = read_text("/etc/marker");
	CHECK(s && !*s);
	pw = read_text("/etc/passwd");
	CHECK(pw && !*pw);
	CHECK(access("/secretdir/key", F_OK) < 0 && errno == ENOENT);
	CHECK(open("/secretdir/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0600) < 0 && errno == EROFS);
	CHECK(stat("/proc/version", &st) == 0 && S_ISCHR(st.st_mode));
	fd = open("/proc/version", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && read(fd, &st, 1) == 0);
	close(fd);
	return 0;
}

static void test_masked_paths_including_symlink_target(void **state)
{
	run_in_mntns(*state, child_masked);
}

static int child_masked_magiclink(struct fx *fx)
{
	char *o[] = {NULL};
	struct ns_mount m[] = {
	    {.destination = "/proc", .type = "proc", .source = "proc", .options = o},
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o},
	};
	char *masked[] = {"/proc/self/cwd/etc/marker", NULL};
	struct ns_rootfs r = rootfs_of(fx);
	struct error err = {0};

	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	r.masked_paths = masked;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK_OK(ns_rootfs_pivot(&r, ERR));
	CHECK(ns_rootfs_finish(&r, &err) < 0 && err.code == ELOOP);
	return 0;
}

static void test_masked_path_through_proc_magiclink_refused(void **state)
{
	run_in_mntns(*state, child_masked_magiclink);
}

/* An image whose /dev/null is a regular file must not get its contents
 * laid over masked files. */
static int child_masked_fake_null(struct fx *fx)
{
	char *masked[] = {"/etc/passwd", NULL};
	struct ns_rootfs r = rootfs_of(fx);
	struct error err = {0};

	CHECK(close(open(in_root(fx, "/dev/null"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0);
	r.masked_paths = masked;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK_OK(ns_rootfs_pivot(&r, ERR));
	CHECK(ns_rootfs_finish(&r, &err) < 0 && strstr(err.msg, "null device"));
	return 0;
}

static void test_masked_paths_fake_dev_null_refused(void **state)
{
	run_in_mntns(*state, child_masked_fake_null);
}

static int child_readonly(struct fx *fx)
{
	char *tmp_o[] = {"size=1m", NULL};
	struct ns_mount m[] = {
	    {.destination = "/tmp", .type = "tmpfs", .source = "tmpfs", .options = tmp_o},
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o},
	};
	char *ro[] = {"/etc", "/missing/ro", NULL};
	struct ns_rootfs r = rootfs_of(fx);
	int fd;

	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	r.readonly = true;
	r.readonly_paths = ro;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK_OK(ns_rootfs_pivot(&r, ERR));
	CHECK_OK(ns_rootfs_finish(&r, ERR));
	CHECK(open("/newfile", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS);
	CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS);
	CHECK(open("/etc/marker", O_WRONLY | O_CLOEXEC) < 0 && errno == EROFS);
	/* Mounts on top keep their own flags. */
	fd = open("/tmp/ok", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
	return 0;
}

static void test_readonly_root_and_paths_reject_writes(void **state)
{
	run_in_mntns(*state, child_readonly);
}

/* ---------------------------------------------------- user namespaces --- */

/* Runs fn in a child that unshares user+mount namespaces; the parent maps
 * root to root (as a runtime's parent writes maps after clone). */
static void run_in_userns(struct fx *fx, child_fn fn)
{
	int ready[2], go[2];
	struct ns_idmap map = {0, 0, 65536};
	struct error err;
	pid_t pid;
	char c = 0;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(30);
		/* Private first, as real root: what the user namespace inherits
		 * then cannot reach the host. */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(99);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(98);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1 || c != 'g')
			_exit(97);
		_exit(fn(fx));
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	if (ns_idmap_write(pid, &map, 1, &map, 1, false, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(ready[0]);
	close(go[1]);
	assert_int_equal(wait_child(pid), 0);
	assert_host_untouched(fx);
}

static int child_userns_devices(struct fx *fx)
{
	char *o[] = {NULL};
	char *sys_o[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	struct ns_mount m[] = {
	    {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = dev_o},
	    {.destination = "/sys", .type = "sysfs", .source = "sysfs", .options = sys_o},
	    {.destination = "/tmp", .type = "tmpfs", .source = "tmpfs", .options = o},
	};
	struct ns_device d[] = {{.path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229}};
	struct ns_rootfs r = rootfs_of(fx);
	char mo[1024], ty[256], so[1024];
	struct stat st;
	int fd;

	CHECK(getuid() == 0);
	/* The premise: mknod is refused here. */
	CHECK(mknod(in_root(fx, "/tmp-null"), S_IFCHR | 0666, makedev(1, 3)) < 0 && errno == EPERM);
	r.mounts = m;
	r.n_mounts = ARRAY_SIZE(m);
	r.devices = access("/dev/fuse", F_OK) == 0 ? d : NULL;
	r.n_devices = r.devices ? 1 : 0;
	r.userns = true;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(stat(in_root(fx, "/dev/null"), &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(st.st_rdev == makedev(1, 3));
	CHECK(mnt_find(in_root(fx, "/dev/null"), mo, ty, so));
	fd = open(in_root(fx, "/dev/null"), O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK(stat(in_root(fx, "/dev/zero"), &st) == 0 && st.st_rdev == makedev(1, 5));
	if (r.devices)
		CHECK(stat(in_root(fx, "/dev/fuse"), &st) == 0 && st.st_rdev == makedev(10, 229));
	/* sysfs without a network namespace: host /sys bound, read-only. */
	CHECK(mnt_find(in_root(fx, "/sys"), mo, ty, so) && !strcmp(ty, "sysfs"));
	CHECK(has_opt(mo, "ro") && has_opt(mo, "nosuid"));
	return 0;
}

static void test_userns_mknod_refused_devices_bound_from_host(void **state)
{
	run_in_userns(*state, child_userns_devices);
}

/* In a user namespace, a bind asking for "rw,suid" of a host mount that is
 * ro,nosuid must not unlock those flags (the kernel locks them); the mount
 * must still succeed with the host's restrictions kept. */
static int child_userns_locked(struct fx *fx)
{
	char *o[] = {"rbind", "rw", "suid", "nodev", NULL};
	struct ns_mount m[] = {
	    {.destination = "/data", .type = "bind", .source = fx->src, .options = o}};
	struct ns_rootfs r = rootfs_of(fx);
	char mo[1024], ty[256], so[1024];

	r.mounts = m;
	r.n_mounts = 1;
	r.userns = true;
	CHECK_OK(ns_rootfs_mount(&r, ERR));
	CHECK(mnt_find(in_root(fx, "/data"), mo, ty, so));
	CHECK(has_opt(mo, "ro") && has_opt(mo, "nosuid") && has_opt(mo, "nodev"));
	CHECK(open(in_root(fx, "/data/new"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 &&
	      errno == EROFS);
	return 0;
}

static int locked_src_prepare(struct fx *fx)
{
	/* A ro,nosuid tmpfs at src, made as real root in the child's private
	 * namespace: the user namespace below inherits it locked. */
	return mount("tmpfs", fx->src, "tmpfs", MS_RDONLY | MS_NOSUID, "size=64k");
}

static int child_userns_locked_outer(struct fx *fx);

static void test_userns_bind_cannot_unlock_host_ro_nosuid(void **state)
{
	run_in_mntns(*state, child_userns_locked_outer);
}

/* Nested: private mntns as root (src mounted ro,nosuid), then a user+mount
 * namespace; this process writes its own maps through a helper child,
 * since a process cannot write its own gid_map without setgroups deny. */
static int child_userns_locked_outer(struct fx *fx)
{
	struct ns_idmap map = {0, 0, 65536};
	struct error err = {0};
	int sync[2];
	pid_t me = getpid(), helper;
	char c;

	CHECK(locked_src_prepare(fx) == 0);
	CHECK(pipe2(sync, O_CLOEXEC) == 0);
	helper = fork();
	CHECK(helper >= 0);
	if (helper == 0) {
		if (read(sync[0], &c, 1) != 1)
			_exit(1);
		_exit(ns_idmap_write(me, &map, 1, &map, 1, false, &err) < 0 ? 2 : 0);
	}
	CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0);
	CHECK(write(sync[1], "g", 1) == 1);
	CHECK(wait_child(helper) == 0);
	return child_userns_locked(fx);
}

/* ------------------------------------------------------------ joining --- */

static int child_join(struct fx *fx)
{
	struct error err = {0};

	(void)fx;
	CHECK(ns_join("/proc/self/ns/net", CLONE_NEWNS, &err) < 0 && err.code == EINVAL);
	CHECK(strstr(err.msg, "network") && strstr(err.msg, "mount"));
	CHECK(ns_join("/etc/passwd", CLONE_NEWNET, &err) < 0);
	CHECK(ns_join("/nonexistent/ns", CLONE_NEWNET, &err) < 0 && err.code == ENOENT);
	CHECK_OK(ns_join("/proc/self/ns/uts", CLONE_NEWUTS, ERR));
	return 0;
}

static void test_join_wrong_namespace_kind_refused(void **state)
{
	run_in_mntns(*state, child_join);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mount_option_table),
	    T(test_idmap_mount_refused_not_ignored),
	    T(test_mounts_land_at_destination_with_flags),
	    T(test_rbind_ro_vs_rro_submounts),
	    T(test_mount_destination_symlink_to_host_escape),
	    T(test_mount_destination_dotdot_escape),
	    T(test_mount_destination_proc_magiclink_escape),
	    T(test_proc_mount_through_symlink_redirect),
	    T(test_devices_created_with_numbers_modes_owners),
	    T(test_device_path_symlink_to_host_escape),
	    T(test_console_bind_of_pty_slave),
	    T(test_pivot_root_old_root_unreachable),
	    T(test_no_pivot_chroots_into_rootfs),
	    T(test_masked_paths_including_symlink_target),
	    T(test_masked_path_through_proc_magiclink_refused),
	    T(test_masked_paths_fake_dev_null_refused),
	    T(test_readonly_root_and_paths_reject_writes),
	    T(test_userns_mknod_refused_devices_bound_from_host),
	    T(test_userns_bind_cannot_unlock_host_ro_nosuid),
	    T(test_join_wrong_namespace_kind_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
