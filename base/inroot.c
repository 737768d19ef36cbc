/* Path resolution confined to a root directory. */
#include "base.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	if (flags & O_CREAT)
		how.mode = 0644;
	for (;;) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

		/* EAGAIN: a concurrent rename raced the lookup; retry. */
		if (fd < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		return (int)fd;
	}
}

static int open_in_root_depth(int rootfd, const char *path, int flags, enum root_create create,
			      int depth, struct error *err);

/* name under parent is a symlink that dangles inside the root: create what
 * it points to (resolved inside the root, like the container would see
 * it) instead, as runc's SecureJoin + MkdirAll does. */
static int create_through_symlink(int rootfd, int parent, const char *parent_path,
				  const char *name, int flags, enum root_create create, int depth,
				  struct error *err)
{
	char target[4096];
	_cleanup_free_ char *next = NULL;
	ssize_t n;

	if (depth > 40)
		return error_set(err, ELOOP, "too many levels of symbolic links at '%s'", name);
	n = readlinkat(parent, name, target, sizeof(target) - 1);
	if (n < 0)
		return error_sys(err, "cannot read symlink '%s'", name);
	target[n] = '\0';
	if (target[0] == '/')
		next = xstrdup(target);
	else
		next = xasprintf("%s/%s", parent_path ? parent_path : "", target);
	return open_in_root_depth(rootfd, next, flags, create, depth + 1, err);
}

int open_in_root(int rootfd, const char *path, int flags, enum root_create create,
		 struct error *err)
{
	return open_in_root_depth(rootfd, path, flags, create, 0, err);
}

static int open_in_root_depth(int rootfd, const char *path, int flags, enum root_create create,
			      int depth, struct error *err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int parent = -1;
	const char *rel = path;
	char *slash, *name;
	int fd;

	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	fd = openat2_in_root(rootfd, rel, flags);
	if (fd >= 0)
		return fd;
	if (errno == ENOSYS)
		return error_set(err, ENOSYS, "openat2() is not available: nook needs Linux 5.6 or later");
	if (errno != ENOENT || create == ROOT_CREATE_NONE)
		return error_sys(err, "cannot open '%s' inside the root", path);

	copy = xstrdup(rel);
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = '\0';
		name = slash + 1;
		parent = open_in_root_depth(rootfd, copy, O_PATH | O_DIRECTORY, ROOT_CREATE_DIR,
					    depth, err);
		if (parent < 0)
			return -1;
	} else {
		name = copy;
		parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (parent < 0)
			return error_sys(err, "cannot duplicate root fd");
	}
	if (!strcmp(name, "..") || !strcmp(name, "."))
		return error_set(err, EINVAL, "cannot create '%s' inside the root", path);
	/* parent was resolved inside the root, and name is a single component
	 * created with *at() on it: nothing here can leave the root.  A dangling
	 * symlink at name makes mkdirat/O_EXCL fail with EEXIST; the final
	 * lookup below then follows it inside the root. */
	if (create == ROOT_CREATE_DIR) {
		if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
			return error_sys(err, "cannot create directory '%s' inside the root", path);
	} else {
		int f = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (f < 0 && errno != EEXIST)
			return error_sys(err, "cannot create file '%s' inside the root", path);
		if (f >= 0)
			close(f);
	}
	{
		struct stat st;

		if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			return create_through_symlink(rootfd, parent, slash ? copy : NULL, name, flags,
						      create, depth, err);
	}
	fd = openat2_in_root(rootfd, rel, flags);
	if (fd < 0)
		return error_sys(err, "cannot open '%s' inside the root", path);
	return fd;
}
