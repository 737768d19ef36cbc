/* Mounting overlayfs roots. */
#include "overlayfs/overlayfs.h"

#include <fcntl.h>
#include <sched.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int sys_fsopen(const char *fs, unsigned flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *val, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, val, aux);
}

static int sys_fsmount(int fd, unsigned flags, unsigned attrs)
{
	return (int)syscall(SYS_fsmount, fd, flags, attrs);
}

static int sys_move_mount(int from, const char *fp, int to, const char *tp, unsigned flags)
{
	return (int)syscall(SYS_move_mount, from, fp, to, tp, flags);
}

/* Upper, work and flags: everything but the lower layers. */
static int config_rest(int fs, const struct ovl_opts *o, size_t nlower, struct error *err)
{
	if (nlower == 1 && !o->upper &&
	    sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", o->empty, 0) < 0)
		return error_sys(err, "overlay: cannot add '%s'", o->empty);
	if (o->upper && (sys_fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", o->upper, 0) < 0 ||
			 sys_fsconfig(fs, FSCONFIG_SET_STRING, "workdir", o->work, 0) < 0))
		return error_sys(err, "overlay: cannot set upper '%s'", o->upper);
	if (o->upper && o->scratch && sys_fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
		return error_sys(err, "overlay: cannot make '%s' volatile", o->upper);
	/* In a user namespace (rootless) trusted.* xattrs are out of reach:
	 * whiteouts and opaque dirs are user.overlay.* (image/unpack.c). */
	if (userns_nested() && sys_fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return error_sys(err, "overlay: cannot set userxattr");
	return 0;
}

/* The child of idmapped_create, in a mount namespace of its own. */
static int idmapped_stage(int fs, const struct ovl_opts *o, size_t nlower, const char *target,
			  struct error *err)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)o->userns_fd};
	_cleanup_free_ int *t = xzalloc(nlower * sizeof(*t));
	int r = -1;

	if (unshare(CLONE_NEWNS) < 0)
		return error_sys(err, "cannot make a mount namespace for idmapped layers");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_sys(err, "cannot make the idmapped layers' namespace private");
	/* Every layer cloned before any is covered: a layer named twice is
	 * still idmapped once, from the store's own directory. */
	for (size_t i = 0; i < nlower; i++)
		t[i] = -1;
	for (size_t i = 0; i < nlower; i++) {
		t[i] = (int)syscall(SYS_open_tree, AT_FDCWD, o->lower[i],
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
		if (t[i] < 0) {
			error_sys(err, "cannot clone layer '%s'", o->lower[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < nlower; i++) {
		if (syscall(SYS_mount_setattr, t[i], "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
			error_sys(err, "cannot idmap layer '%s'", o->lower[i]);
			goto out;
		}
		if (sys_move_mount(t[i], "", AT_FDCWD, o->lower[i], MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
		    sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", o->lower[i], 0) < 0) {
			error_sys(err, "overlay: cannot add idmapped layer '%s'", o->lower[i]);
			goto out;
		}
	}
	if (config_rest(fs, o, nlower, err) < 0)
		goto out;
	if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		error_sys(err, "cannot create overlay for '%s'", target);
		goto out;
	}
	r = 0;
out:
	for (size_t i = 0; i < nlower; i++)
		if (t[i] >= 0)
			close(t[i]);
	return r;
}

/* Idmapped layers (--userns=auto): overlayfs takes its private clone of
 * each layer when the overlay is created and refuses a detached mount, so
 * the idmapped clones must be attached somewhere first.  A child does it
 * in a mount namespace of its own, over the layer directories themselves,
 * and creates the overlay there; that namespace dies with the child, so
 * not even a kill -9 leaves one of those mounts behind, and the host
 * never sees them.  We mount what it created. */
static int idmapped_create(int fs, const struct ovl_opts *o, size_t nlower, const char *target,
			   struct error *err)
{
	struct error e = {0};
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return error_sys(err, "pipe");
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (idmapped_stage(fs, o, nlower, target, &e) == 0)
			_exit(0);
		if (write(pfd[1], &e, sizeof(e)) != (ssize_t)sizeof(e))
			_exit(2);
		_exit(1);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return error_sys(err, "fork");
	}
	n = read(pfd[0], &e, sizeof(e));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return error_sys(err, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n == (ssize_t)sizeof(e)) {
		e.msg[sizeof(e.msg) - 1] = '\0';
		*err = e;
		return -1;
	}
	return error_set(err, EIO, "cannot create the overlay of idmapped layers for '%s'", target);
}

/* Returns 1 when the kernel lacks what we need (caller falls back). */
static int mount_new_api(const struct ovl_opts *o, size_t nlower, const char *target,
			 struct error *err)
{
	_cleanup_close_ int fs = sys_fsopen("overlay", FSOPEN_CLOEXEC), mnt = -1;

	if (fs < 0)
		return errno == ENOSYS && !o->idmap ? 1 : error_sys(err, "fsopen(overlay)");
	if (o->idmap) {
		if (idmapped_create(fs, o, nlower, target, err) < 0)
			return -1;
	} else {
		for (size_t i = 0; i < nlower; i++)
			if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", o->lower[i], 0) < 0)
				return errno == EINVAL && i == 0
					   ? 1
					   : error_sys(err, "overlay: cannot add layer '%s'",
						       o->lower[i]);
		if (config_rest(fs, o, nlower, err) < 0)
			return -1;
		/* Before Linux 6.8 overlayfs parses its options the legacy
		 * way: "lowerdir+" is accepted as a string and refused only
		 * here, with EINVAL.  mount(2) then does it (and reports a
		 * real EINVAL). */
		if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return errno == EINVAL
				   ? 1
				   : error_sys(err, "cannot create overlay for '%s'", target);
	}
	mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, o->upper ? 0 : MOUNT_ATTR_RDONLY);
	if (mnt < 0)
		return error_sys(err, "cannot mount overlay on '%s'", target);
	if (sys_move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return error_sys(err, "cannot mount overlay on '%s'", target);
	return 0;
}

/* "lowerdir=A:B[:empty][,upperdir=U,workdir=W[,volatile]]" from the names
 * given. */
static char *legacy_opts(char *const *lower, size_t nlower, const char *upper, const char *work,
			 const char *empty, bool scratch)
{
	size_t len = 80 + (upper ? strlen(upper) + strlen(work) : strlen(empty)), pos;
	char *opts;

	for (size_t i = 0; i < nlower; i++)
		len += strlen(lower[i]) + 1;
	opts = xzalloc(len);
	pos = (size_t)snprintf(opts, len, "lowerdir=");
	for (size_t i = 0; i < nlower; i++)
		pos += (size_t)snprintf(opts + pos, len - pos, "%s%s", i ? ":" : "", lower[i]);
	if (nlower == 1 && !upper)
		pos += (size_t)snprintf(opts + pos, len - pos, ":%s", empty);
	if (upper)
		pos += (size_t)snprintf(opts + pos, len - pos, ",upperdir=%s,workdir=%s%s", upper,
					work, scratch ? ",volatile" : "");
	if (userns_nested())
		snprintf(opts + pos, len - pos, ",userxattr");
	return opts;
}

/* mount(2) copies at most a page of options, which ~40 layers of store
 * paths already fill.  So with many layers each directory is opened (O_PATH)
 * and named by its fd number, relative to /proc/self/fd: "12:13:14…", a few
 * bytes a layer, which fits overlayfs' own limit of 500 layers.  The kernel
 * resolves the names at mount time, in our cwd; the fds pin exactly the
 * directories we were given.  cwd is process-wide: callers are
 * single-threaded here (see overlayfs.h). */
static int mount_legacy_fds(const struct ovl_opts *o, size_t nlower, const char *target,
			    unsigned long flags, struct error *err)
{
	size_t n = nlower + 2;
	_cleanup_free_ int *fds = xzalloc(n * sizeof(*fds));
	_cleanup_strv_ char **names = xzalloc((n + 1) * sizeof(char *));
	_cleanup_free_ char *opts = NULL;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *extra[2] = {o->upper ? o->upper : o->empty, o->upper ? o->work : NULL};
	int rc = -1, saved;

	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	if (cwd < 0)
		return error_sys(err, "cannot open the current directory");
	for (size_t i = 0; i < n; i++) {
		const char *path = i < nlower ? o->lower[i] : extra[i - nlower];

		if (!path)
			continue;
		fds[i] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0) {
			error_sys(err, "overlay: cannot open layer '%s'", path);
			goto out;
		}
		names[i] = xasprintf("%d", fds[i]);
	}
	opts = legacy_opts(names, nlower, o->upper ? names[nlower] : NULL, names[nlower + 1],
			   names[nlower], o->scratch);
	if ((long)strlen(opts) >= sysconf(_SC_PAGESIZE)) {
		error_set(err, E2BIG, "overlay: %zu layers do not fit mount(2) options", nlower);
		goto out;
	}
	if (chdir("/proc/self/fd") < 0) {
		error_sys(err, "cannot enter /proc/self/fd");
		goto out;
	}
	rc = mount("overlay", target, "overlay", flags, opts);
	saved = errno;
	if (fchdir(cwd) < 0)
		log_warn("cannot return to the working directory: %s", strerror(errno));
	if (rc < 0) {
		errno = saved;
		error_sys(err, "cannot mount overlay on '%s'", target);
	}
out:
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static int mount_legacy(const struct ovl_opts *o, size_t nlower, const char *target,
			struct error *err)
{
	_cleanup_free_ char *opts = NULL;
	unsigned long flags = o->upper ? 0 : MS_RDONLY;

	/* ':' and ',' separate options and layers: refuse paths with them. */
	for (size_t i = 0; i < nlower; i++)
		if (strpbrk(o->lower[i], ":,"))
			return error_set(err, EINVAL, "overlay: layer path '%s' contains ':' or ','",
					 o->lower[i]);
	opts = legacy_opts(o->lower, nlower, o->upper, o->work, o->empty, o->scratch);
	if ((long)strlen(opts) >= sysconf(_SC_PAGESIZE))
		return mount_legacy_fds(o, nlower, target, flags, err);
	if (mount("overlay", target, "overlay", flags, opts) < 0)
		return error_sys(err, "cannot mount overlay on '%s'", target);
	return 0;
}

int ovl_mount(const struct ovl_opts *o, const char *target, struct error *err)
{
	size_t n = strv_len(o->lower);
	int r;

	if (n == 0)
		return error_set(err, EINVAL, "overlay on '%s': no layers", target);
	if (!getenv("NOOK_OVL_LEGACY") || o->idmap) {
		r = mount_new_api(o, n, target, err);
		if (r <= 0)
			return r;
		if (o->idmap)
			return error_set(err, ENOSYS,
					 "idmapped layers need the new mount API (Linux 6.8)");
	}
	return mount_legacy(o, n, target, err);
}

int ovl_unmount(const char *target, struct error *err)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EINVAL && !ovl_is_mounted(target))
		return 0;
	return error_sys(err, "cannot unmount '%s'", target);
}

bool ovl_is_mounted(const char *target)
{
	struct statx a, b;
	_cleanup_free_ char *parent = xasprintf("%s/..", target);

	if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &a) < 0)
		return false;
	if (a.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return (a.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
	if (statx(AT_FDCWD, parent, 0, STATX_BASIC_STATS, &b) < 0)
		return false;
	return a.stx_dev_major != b.stx_dev_major || a.stx_dev_minor != b.stx_dev_minor;
}
