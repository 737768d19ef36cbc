/* /dev of the container: default device nodes, linux.devices, the
 * standard symlinks and /dev/console.  Runs before pivot_root; every path
 * is resolved inside the rootfs. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const struct ns_device default_devices[] = {
    {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .has_mode = true, .mode = 0666},
    {.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .has_mode = true, .mode = 0666},
    {.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .has_mode = true, .mode = 0666},
    {.path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .has_mode = true, .mode = 0666},
    {.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .has_mode = true, .mode = 0666},
    {.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .has_mode = true, .mode = 0666},
};

static const struct {
	const char *name, *target;
	bool needs_proc;
} dev_symlinks[] = {
    {"fd", "/proc/self/fd", false},	  {"stdin", "/proc/self/fd/0", false},
    {"stdout", "/proc/self/fd/1", false}, {"stderr", "/proc/self/fd/2", false},
    {"core", "/proc/kcore", true},
};

/* Open the directory holding path (created inside the root if missing) and
 * point *name at its last component, which must be a real name. */
static int open_parent(int rootfd, const char *path, char **copy, const char **name,
		       struct error *err)
{
	char *slash;
	size_t len;

	*copy = xstrdup(path);
	len = strlen(*copy);
	while (len > 1 && (*copy)[len - 1] == '/')
		(*copy)[--len] = '\0';
	slash = strrchr(*copy, '/');
	*name = slash ? slash + 1 : *copy;
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return error_set(err, EINVAL, "invalid device path '%s'", path);
	if (slash)
		*slash = '\0';
	return open_in_root(rootfd, slash && slash != *copy ? *copy : "/", O_PATH | O_DIRECTORY,
			    ROOT_CREATE_DIR, err);
}

static int dev_mode_type(char type, mode_t *out)
{
	switch (type) {
	case 'c':
	case 'u':
		*out = S_IFCHR;
		return 0;
	case 'b':
		*out = S_IFBLK;
		return 0;
	case 'p':
		*out = S_IFIFO;
		return 0;
	}
	return -1;
}

/* In a user namespace mknod of a device is forbidden (it would hand the
 * container any device of the host).  Bind the host's node of the same
 * path onto an empty file instead, after checking it is the device the
 * config names: a bind cannot grant more than the host node already is. */
static int dev_bind_host(int rootfd, const struct ns_device *d, mode_t type, struct error *err)
{
	_cleanup_close_ int dest = -1, tree = -1;
	struct stat st;

	dest = open_in_root(rootfd, d->path, O_PATH, ROOT_CREATE_FILE, err);
	if (dest < 0)
		return -1;
	if (fstat(dest, &st) < 0)
		return error_sys(err, "cannot stat '%s'", d->path);
	if ((st.st_mode & S_IFMT) == type)
		return 0; /* already bound (listed twice) */
	if (!S_ISREG(st.st_mode))
		return error_set(err, EEXIST, "cannot bind device onto '%s': not a file", d->path);
	tree = ns_tree_clone(AT_FDCWD, d->path, false, err);
	if (tree < 0)
		return error_prefix(err, "cannot bind host device '%s'", d->path);
	if (fstat(tree, &st) < 0)
		return error_sys(err, "cannot stat host device '%s'", d->path);
	if ((st.st_mode & S_IFMT) != type ||
	    st.st_rdev != makedev((unsigned int)d->major, (unsigned int)d->minor))
		return error_set(err, ENODEV, "host '%s' is not device %c %lld:%lld", d->path,
				 d->type, (long long)d->major, (long long)d->minor);
	return ns_tree_attach(tree, dest, d->path, err);
}

static int dev_create(int rootfd, const struct ns_device *d, bool userns, struct error *err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int parent = -1;
	const char *name;
	mode_t type, mode = d->has_mode ? d->mode & 07777 : 0666, old;
	int rc;

	if (!d->path || d->path[0] != '/')
		return error_set(err, EINVAL, "device path '%s' is not absolute",
				 d->path ? d->path : "");
	if (dev_mode_type(d->type, &type) < 0)
		return error_set(err, EINVAL, "device '%s' has unknown type '%c'", d->path,
				 d->type);
	if (d->major < 0 || d->major > 0xfff || d->minor < 0 || d->minor > 0xfffff)
		return error_set(err, EINVAL, "device '%s' has an invalid number", d->path);
	if (userns && type != S_IFIFO)
		return dev_bind_host(rootfd, d, type, err);

	parent = open_parent(rootfd, d->path, &copy, &name, err);
	if (parent < 0)
		return -1;
	/* mknodat on a single name under a parent resolved in the root: the
	 * node cannot land outside it, and an existing symlink is not
	 * followed (EEXIST).  umask would silently narrow the config's mode. */
	old = umask(0);
	rc = mknodat(parent, name, type | mode,
		     makedev((unsigned int)d->major, (unsigned int)d->minor));
	umask(old);
	if (rc < 0) {
		if (errno == EEXIST)
			return 0; /* like runc: an existing node is kept */
		return error_sys(err, "cannot create device '%s'", d->path);
	}
	if ((d->has_uid || d->has_gid) &&
	    fchownat(parent, name, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return error_sys(err, "cannot chown device '%s'", d->path);
	return 0;
}

/* The pty may have been opened before the mount namespace was unshared,
 * so its mount belongs to another namespace and cannot be cloned from the
 * fd.  Then look it up again by name in ours and check it is the same
 * inode: a name alone could have been replaced in the meantime. */
static int console_tree(int console_fd, struct error *err)
{
	char link[64], path[4096];
	struct stat want, got;
	_cleanup_close_ int fd = -1;
	int tree;
	ssize_t n;

	if (fstat(console_fd, &want) < 0)
		return error_sys(err, "cannot stat console fd");
	if (!S_ISCHR(want.st_mode))
		return error_set(err, EINVAL, "console fd is not a terminal");
	tree = open_tree(console_fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree >= 0)
		return tree;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", console_fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return error_sys(err, "cannot read console path");
	path[n] = '\0';
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &got) < 0)
		return error_sys(err, "cannot open console '%s'", path);
	if (got.st_dev != want.st_dev || got.st_ino != want.st_ino)
		return error_set(err, EXDEV, "console '%s' is not the console fd", path);
	return ns_tree_clone(fd, "", false, err);
}

static int console_setup(int rootfd, int console_fd, struct error *err)
{
	_cleanup_close_ int dest = -1, tree = -1;

	tree = console_tree(console_fd, err);
	if (tree < 0)
		return -1;
	dest = open_in_root(rootfd, "/dev/console", O_PATH, ROOT_CREATE_FILE, err);
	if (dest < 0)
		return -1;
	return ns_tree_attach(tree, dest, "/dev/console", err);
}

static int symlinks_setup(int rootfd, bool have_proc, struct error *err)
{
	_cleanup_close_ int devfd =
	    open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, ROOT_CREATE_NONE, err);

	if (devfd < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(dev_symlinks); i++) {
		if (dev_symlinks[i].needs_proc && !have_proc)
			continue;
		if (symlinkat(dev_symlinks[i].target, devfd, dev_symlinks[i].name) < 0 &&
		    errno != EEXIST)
			return error_sys(err, "cannot create /dev/%s", dev_symlinks[i].name);
	}
	/* /dev/ptmx must be the devpts instance's ptmx of this container, not a
	 * node for the host's (multiplexer of the host's initial devpts). */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove /dev/ptmx");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return error_sys(err, "cannot create /dev/ptmx");
	return 0;
}

int ns_devices_setup(const struct ns_rootfs *r, int rootfd, bool have_dev, bool have_proc,
		     struct error *err)
{
	/* Like runc, device nodes and links are made only in a /dev the config
	 * mounts (a fresh tmpfs); an image's own /dev is left as it is. */
	if (have_dev) {
		for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++)
			if (dev_create(rootfd, &default_devices[i], r->userns, err) < 0)
				return -1;
		for (size_t i = 0; i < r->n_devices; i++)
			if (dev_create(rootfd, &r->devices[i], r->userns, err) < 0)
				return -1;
		if (symlinks_setup(rootfd, have_proc, err) < 0)
			return -1;
	}
	if (r->console_fd >= 0 && console_setup(rootfd, r->console_fd, err) < 0)
		return -1;
	return 0;
}
