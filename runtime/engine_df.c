/* The disk space of an engine container: its writable layer (the upper
 * directory of its bundle's overlay) and its log files, what removing it
 * gives back. */
#include "runtime/internal.h"
#include "image/image.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Bytes allocated under dirfd (closed here), not following symlinks nor
 * leaving the file system; depth-bounded so a hostile tree written by the
 * container cannot exhaust our stack or fds. */
static uint64_t tree_size(int dirfd, dev_t dev, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	uint64_t sum = 0;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		sum += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && st.st_dev == dev && depth < 64) {
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (fd >= 0)
				sum += tree_size(fd, dev, depth + 1);
		}
	}
	closedir(d);
	return sum;
}

uint64_t rt_engine_size(struct img_store *s, const struct img_ctr *c)
{
	_cleanup_free_ char *key = xasprintf("bundle:%s", c->dir), *udir = NULL, *upper = NULL;
	_cleanup_free_ char *log = rt_engine_log_path(c);
	_cleanup_strv_ char **logs = rt_engine_log_files(log);
	uint64_t sum = 0;
	struct error err;
	struct stat st;

	for (size_t i = 0; logs[i]; i++)
		if (stat(logs[i], &st) == 0)
			sum += (uint64_t)st.st_blocks * 512;
	if (img_user_get(s, key, NULL, &udir, &err) < 0)
		return sum;
	upper = xasprintf("%s/upper", udir);
	if (stat(upper, &st) == 0) {
		int fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0)
			sum += tree_size(fd, st.st_dev, 0);
	}
	return sum;
}
