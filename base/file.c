/* File helpers.  Every fd is O_CLOEXEC; paths are relative to a dirfd so
 * callers can stay inside a directory they opened themselves. */
#include "base.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int file_write_at(int dirfd, const char *path, const char *data, struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return error_sys(err, "cannot open '%s'", path);
	if (write_all(fd, data, strlen(data)) < 0)
		return error_sys(err, "cannot write '%s'", path);
	return 0;
}

int file_create_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
		   struct error *err)
{
	_cleanup_close_ int fd =
		openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0)
		return error_sys(err, "cannot create '%s'", path);
	if (write_all(fd, data, len) < 0)
		return error_sys(err, "cannot write '%s'", path);
	return 0;
}

int file_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 struct error *err)
{
	_cleanup_free_ char *tmp = xasprintf(".%s.tmp%d", name, (int)getpid());
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return error_sys(err, "cannot create '%s'", tmp);
	if (write_all(fd, data, len) < 0 || fdatasync(fd) < 0) {
		error_sys(err, "cannot write '%s'", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		error_sys(err, "cannot rename '%s' to '%s'", tmp, name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int file_read_at(int dirfd, const char *path, size_t max, char **out, size_t *len_out,
		 struct error *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, len = 0;

	if (max == 0)
		max = 64u << 20;
	if (fd < 0)
		return error_sys(err, "cannot open '%s'", path);
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			if (cap > max)
				return error_set(err, EFBIG, "'%s' is larger than %zu bytes", path, max);
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_sys(err, "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	*out = steal_pointer(&buf);
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct error *err)
{
	_cleanup_free_ char *p = NULL;

	/* "" names no directory (and p + 1 below would be past its end). */
	if (!*path)
		return error_set(err, ENOENT, "cannot create directory: empty path");
	/* Mostly the directory, or all but its last part, is there already:
	 * one call instead of one per part. */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return error_sys(err, "cannot create directory '%s'", path);
	p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return error_sys(err, "cannot create directory '%s'", p);
			*s = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

static int rm_rf_children(int dfd, dev_t dev, struct error *err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		close(dfd);
		return error_sys(err, "cannot read directory");
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;

			/* Never descend into another filesystem: a mount left
			 * below us must not have its contents removed. */
			if (st.st_dev != dev)
				return error_set(err, EBUSY, "'%s' is a mount point", de->d_name);
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return error_sys(err, "cannot open '%s'", de->d_name);
			if (rm_rf_children(sub, dev, err) < 0)
				return error_prefix(err, "%s", de->d_name);
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0)
				return error_sys(err, "cannot remove '%s'", de->d_name);
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			return error_sys(err, "cannot remove '%s'", de->d_name);
		}
	}
	return 0;
}

int rm_rf_at(int dirfd, const char *name, struct error *err)
{
	struct stat st;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : error_sys(err, "cannot stat '%s'", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return error_sys(err, "cannot remove '%s'", name);
		return 0;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open '%s'", name);
	if (rm_rf_children(fd, st.st_dev, err) < 0)
		return error_prefix(err, "cannot remove '%s'", name);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_sys(err, "cannot remove '%s'", name);
	return 0;
}
