/* A delegated cgroup v2 subtree for a runtime that is not root of the
 * host: the group the caller runs in, and its ancestors as far up as they
 * are the caller's (what systemd's Delegate=yes, or an administrator
 * following it, hands a user: the directory and its cgroup.procs and
 * cgroup.subtree_control chowned, the limits files left to the parent's
 * owner).  The kernel lets the user create groups below it, move its own
 * processes between them (the common ancestor's cgroup.procs is its) and
 * set the limits of the groups it creates, never the subtree's own. */
#include "cgroups/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* The caller's cgroup v2 path ("0::/a/b" in /proc/self/cgroup). */
static int own_group(char **path, struct error *err)
{
	_cleanup_free_ char *text = NULL;

	if (file_read_at(AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, err) < 0)
		return -1;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (str_has_prefix(l, "0::/")) {
			*path = xstrdup(l + 3);
			return 0;
		}
	return error_set(err, ENOENT, "this process is in no cgroup v2 group (/proc/self/cgroup)");
}

/* The v2 mount at root has nsdelegate among its super options (the field
 * after " - cgroup2 SOURCE " in mountinfo). */
static bool has_nsdelegate(const char *root)
{
	_cleanup_free_ char *text = NULL;
	struct error e;

	if (file_read_at(AT_FDCWD, "/proc/self/mountinfo", 0, &text, NULL, &e) < 0)
		return false;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char mnt[4096], opts[1024];
		const char *dash = strstr(l, " - cgroup2 ");

		if (!dash || sscanf(l, "%*s %*s %*s %*s %4095s", mnt) != 1 || strcmp(mnt, root) ||
		    sscanf(dash, " - cgroup2 %*s %1023s", opts) != 1)
			continue;
		for (char *s2 = NULL, *o = strtok_r(opts, ",", &s2); o;
		     o = strtok_r(NULL, ",", &s2))
			if (!strcmp(o, "nsdelegate"))
				return true;
	}
	return false;
}

/* The group at dirfd is ours to delegate from: the directory and the two
 * files that move processes and hand controllers down. */
static bool owned(int dirfd)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.subtree_control"};
	struct stat st;

	if (fstat(dirfd, &st) < 0 || st.st_uid != geteuid())
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (fstatat(dirfd, files[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_uid != geteuid())
			return false;
	return true;
}

int cg_delegated_find(char **path, struct error *err)
{
	_cleanup_free_ char *root = NULL, *own = NULL;
	_cleanup_close_ int fd = -1;
	char *top = NULL;

	if (cg_hierarchy_find(&root, err) < 0)
		return -1;
	if (own_group(&own, err) < 0)
		return -1;
	{
		_cleanup_free_ char *full = xasprintf("%s%s", root, own);

		fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return error_sys(err, "cannot open cgroup %s", full);
	}
	if (!owned(fd))
		return error_set(err, EACCES,
				 "cgroup %s%s (this process's) is not delegated to this user: "
				 "its directory, cgroup.procs and cgroup.subtree_control are "
				 "not the user's",
				 root, own);
	/* Without nsdelegate a container in a cgroup namespace could write
	 * the limits of its own group (the namespace's root), which the user
	 * owns: the kernel refuses that only with nsdelegate. */
	if (!has_nsdelegate(root))
		return error_set(err, EPERM,
				 "the cgroup2 mount at %s lacks the nsdelegate option "
				 "(needed to delegate cgroups safely)",
				 root);
	/* Up while the parent is ours too: the top of the delegated subtree,
	 * where the container groups go beside the caller's. */
	top = own + strlen(own);
	while (top > own + 1) {
		char *slash = top - 1;
		_cleanup_close_ int up = -1;

		while (slash > own && *slash != '/')
			slash--;
		up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || !owned(up))
			break;
		close(fd);
		fd = steal_fd(&up);
		top = slash > own ? slash : own + 1;
	}
	*top = '\0';
	*path = steal_pointer(&own);
	return 0;
}
