/* A procfs of nook's own for the init's /proc writes (sysctls,
 * oom_score_adj).
 *
 * Why not write "/proc/sys/..." by path: the config's mounts may cover any
 * part of the container's /proc (a bind of a directory over /proc/sys/kernel
 * holding "domainname -> /hostfs/some-setting"), and the init writes as real
 * root: a path lookup would follow the attacker's tree and change a host
 * file or a host-wide setting.  Instead the init takes a handle on a procfs
 * root before any config mount exists and opens every file beneath it with
 * no symlink, no magic link and no mount crossing allowed.  The handle is
 * the /proc of the mount namespace the init was cloned into, opened before
 * any config mount (the config's mounts land below the container's root,
 * never on it, and after pivot_root it is detached: nothing can be mounted
 * on it any more).  Only when that is not a procfs root does the init make
 * a fresh proc superblock as a detached mount: dropping such a mount at exec
 * costs a synchronize_rcu() (about 1 ms of every `run`), the plain handle
 * nothing.  Which procfs instance it is does not matter for what is written
 * through it: sysctls act on the writer's namespaces, and "self" resolves in
 * any procfs whose pid namespace holds the init. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#define PROC_ROOT_INO 1

/* A fresh procfs of the caller's pid namespace, detached; -1 with errno. */
static int procfs_fresh(void)
{
	_cleanup_close_ int fsfd = fsopen("proc", FSOPEN_CLOEXEC);

	if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	return fsmount(fsfd, FSMOUNT_CLOEXEC,
		       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

static bool procfs_root(int fd)
{
	struct statfs sfs;
	struct stat st;

	return fstatfs(fd, &sfs) == 0 && fstat(fd, &st) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
	       st.st_ino == PROC_ROOT_INO;
}

int ns_procfs_open(struct error *err)
{
	_cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;

	if (fd >= 0 && procfs_root(fd))
		return steal_fd(&fd);
	if (fd >= 0)
		close(steal_fd(&fd));
	fd = procfs_fresh();
	if (fd < 0) {
		/* The kernel refuses a new proc instance for a pid namespace
		 * our user namespace does not own (a joined pid namespace).
		 * Clone the /proc this mount namespace has now, before any
		 * config mount: what lies below it (binfmt_misc) is never
		 * crossed, RESOLVE_NO_XDEV stops at every submount. */
		int saved = errno;

		fd = open_tree(AT_FDCWD, "/proc",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				   AT_SYMLINK_NOFOLLOW);
		/* Nor that without CAP_SYS_ADMIN over this mount namespace
		 * (a user namespace without a mount namespace of its own):
		 * then /proc itself, as it is before any config mount. */
		if (fd < 0)
			fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			errno = saved;
			return error_sys(err, "cannot mount a private procfs");
		}
	}
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return error_sys(err, "cannot stat the private procfs");
	if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
		return error_set(err, EINVAL, "the private procfs is not the root of a procfs");
	return steal_fd(&fd);
}

/* path relative to the procfs root, resolved strictly beneath it. */
static int procfs_openat(int procfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return (int)syscall(SYS_openat2, procfd, path, &how, sizeof(how));
}

int ns_procfs_write(int procfd, const char *path, const char *value, struct error *err)
{
	_cleanup_close_ int fd = procfs_openat(procfd, path, O_WRONLY);
	struct statfs sfs;
	size_t len = strlen(value);
	ssize_t w;

	if (fd < 0)
		return error_sys(err, "cannot open /proc/%s", path);
	/* openat2 kept us on the procfs mount; check the file agrees. */
	if (fstatfs(fd, &sfs) < 0)
		return error_sys(err, "cannot stat /proc/%s", path);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return error_set(err, EXDEV, "/proc/%s is not on procfs", path);
	w = write(fd, value, len);
	if (w < 0)
		return error_sys(err, "cannot write /proc/%s", path);
	if ((size_t)w != len)
		return error_set(err, EIO, "short write to /proc/%s", path);
	return 0;
}

/* "self" is a symlink, which procfs_openat refuses; its target is our pid
 * as this procfs's pid namespace numbers it.  Reading a link is not
 * following it. */
static int procfs_self(int procfd, char *pid, size_t size, struct error *err)
{
	ssize_t n = readlinkat(procfd, "self", pid, size - 1);

	if (n <= 0)
		return error_sys(err, "cannot read /proc/self");
	pid[n] = '\0';
	if (strspn(pid, "0123456789") != (size_t)n)
		return error_set(err, EINVAL, "unexpected /proc/self '%s'", pid);
	return 0;
}

int ns_procfs_write_self(int procfd, const char *file, const char *value, struct error *err)
{
	char pid[32], path[64];

	if (procfs_self(procfd, pid, sizeof(pid), err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", pid, file);
	return ns_procfs_write(procfd, path, value, err);
}

int ns_procfs_reopen(int procfd, int fd, int flags, struct error *err)
{
	char pid[32], path[96];
	int r;

	if (procfs_self(procfd, pid, sizeof(pid), err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/fd/%d", pid, fd);
	/* fd/N is a magic link, which openat2's RESOLVE_* modes refuse to
	 * follow; plain openat is safe here because every component is an
	 * entry of our own detached procfs, which nothing can cover. */
	r = openat(procfd, path, flags | O_CLOEXEC | O_NOCTTY);
	if (r < 0)
		return error_sys(err, "cannot reopen fd %d", fd);
	return r;
}

int ns_sysctl_write(int procfd, const char *key, const char *value, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("sys/%s", key);

	/* Dots name levels ("net.ipv4.ip_forward"); a key holding a slash
	 * or ".." could name another file, so refuse those outright. */
	if (strchr(key, '/') || strstr(key, "..") || key[0] == '.' || !key[0] ||
	    key[strlen(key) - 1] == '.')
		return error_set(err, EINVAL, "invalid sysctl name '%s'", key);
	for (char *c = path + strlen("sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	if (ns_procfs_write(procfd, path, value, err) < 0)
		return error_prefix(err, "cannot set sysctl %s", key);
	return 0;
}
