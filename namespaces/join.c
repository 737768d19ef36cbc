/* Joining existing namespaces and writing user-namespace id maps. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <string.h>

int ns_join(const char *path, int flag, struct error *err)
{
	_cleanup_close_ int fd = ns_open_path(path, flag, err);

	if (fd < 0)
		return -1;
	if (setns(fd, flag) < 0)
		return error_sys(err, "cannot join %s namespace '%s'",
				 ns_name_from_flag(flag) ? ns_name_from_flag(flag) : "", path);
	userns_forget();
	return 0;
}

/* The kernel accepts a map in one write() only: build it whole. */
static int map_write(pid_t pid, const char *file, const struct ns_idmap *m, size_t n,
		     struct error *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	char path[64];
	size_t len = 0;
	ssize_t w;

	if (!n)
		return 0;
	buf = xmalloc(n * 36 + 1);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				       m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open %s", path);
	w = write(fd, buf, len);
	if (w < 0)
		return error_sys(err, "cannot write %s", path);
	if ((size_t)w != len)
		return error_set(err, EIO, "short write to %s", path);
	return 0;
}

int ns_idmap_write(pid_t pid, const struct ns_idmap *uids, size_t n_uids,
		   const struct ns_idmap *gids, size_t n_gids, bool deny_setgroups,
		   struct error *err)
{
	if (deny_setgroups) {
		char path[64];
		_cleanup_close_ int fd = -1;

		/* Must precede gid_map for an unprivileged writer: otherwise the
		 * container could setgroups() away a group the host used to deny
		 * it access (CVE-2014-8989). */
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return error_sys(err, "cannot open %s", path);
		if (write(fd, "deny", 4) != 4)
			return error_sys(err, "cannot write %s", path);
	}
	if (map_write(pid, "uid_map", uids, n_uids, err) < 0)
		return -1;
	return map_write(pid, "gid_map", gids, n_gids, err);
}
