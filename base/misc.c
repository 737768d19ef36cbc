/* fd hygiene, /proc helpers and fd passing. */
#include "base.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static bool is_kept(int fd, const int *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

/* Without close_range (ENOSYS on old kernels, EPERM or ENOSYS from a
 * seccomp profile that does not list it) every open fd is found in
 * /proc/self/fd; without /proc, every number up to RLIMIT_NOFILE is tried.
 * cloexec marks instead of closing. */
static int fds_sweep(int first, const int *keep, size_t nkeep, bool cloexec)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	struct rlimit rl;

	if (!d) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -1;
		for (rlim_t fd = (rlim_t)first; fd < rl.rlim_cur && fd <= INT_MAX; fd++) {
			if (is_kept((int)fd, keep, nkeep))
				continue;
			if (cloexec)
				fcntl((int)fd, F_SETFD, FD_CLOEXEC);
			else
				close((int)fd);
		}
		return 0;
	}
	while ((de = readdir(d))) {
		int64_t v;

		if (parse_int64(de->d_name, &v) < 0 || v < first || v > INT_MAX || v == dirfd(d) ||
		    is_kept((int)v, keep, nkeep))
			continue;
		if (cloexec) {
			if (fcntl((int)v, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
				return -1;
		} else {
			close((int)v);
		}
	}
	return 0;
}

static bool close_range_refused(void)
{
	return errno == ENOSYS || errno == EPERM;
}

/* Marks every fd >= first close-on-exec, then clears the flag on the kept
 * ones, so exec() leaves nothing of ours in the new program but what the
 * caller asked for. */
int fds_close_from(int first, const int *keep, size_t nkeep)
{
	if (syscall(SYS_close_range, (unsigned int)first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		if (!close_range_refused() || fds_sweep(first, NULL, 0, true) < 0)
			return -1;
	}
	for (size_t i = 0; i < nkeep; i++) {
		int fl = fcntl(keep[i], F_GETFD);

		if (fl >= 0 && fcntl(keep[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return -1;
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int fds_close_except(int first, const int *keep, size_t nkeep)
{
	int sorted[1100];
	unsigned int lo = (unsigned int)first;
	size_t n = 0;

	for (size_t i = 0; i < nkeep && n < ARRAY_SIZE(sorted); i++)
		if (keep[i] >= first)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned int)sorted[i] > lo &&
		    syscall(SYS_close_range, lo, (unsigned int)sorted[i] - 1, 0) < 0)
			goto sweep;
		if ((unsigned int)sorted[i] + 1 > lo)
			lo = (unsigned int)sorted[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) == 0)
		return 0;
sweep:
	if (!close_range_refused())
		return -1;
	return fds_sweep(first, sorted, n, false);
}

int file_read_in_root(int rootfd, const char *path, size_t max, char **out, size_t *len_out,
		      struct error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO planted there must not wait for a writer. */
	fd = open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, ROOT_CREATE_NONE, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return error_sys(err, "cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "'%s' is not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return error_set(err, EFBIG, "'%s' is larger than %zu bytes", path, max);
	buf = xmalloc((size_t)st.st_size + 2);
	/* One byte more than its size: a file that grew meanwhile is caught. */
	n = read_all(fd, buf, (size_t)st.st_size + 1);
	if (n < 0)
		return error_sys(err, "cannot read '%s'", path);
	if (n > st.st_size)
		return error_set(err, EAGAIN, "'%s' changed while it was read", path);
	buf[n] = '\0';
	if (len_out)
		*len_out = (size_t)n;
	*out = steal_pointer(&buf);
	return 0;
}

static int inherited_end;

void fds_inherited_note(void)
{
	int fd = open("/", O_PATH | O_CLOEXEC), dup = -1;

	if (fd < 0)
		return;
	/* The lowest free fd >= 3 (fd itself may have taken 0, 1 or 2). */
	if (fd >= 3)
		inherited_end = fd;
	else if ((dup = fcntl(fd, F_DUPFD_CLOEXEC, 3)) >= 0)
		inherited_end = dup;
	if (dup >= 0)
		close(dup);
	close(fd);
}

int fds_inherited_end(void)
{
	if (!inherited_end)
		fds_inherited_note();
	return inherited_end ? inherited_end : 3;
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;
	uint64_t v = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read_all(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain spaces and ')': fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* After ") " come field 3 (state) ... field 22 (starttime). */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	v = strtoull(p + 1, NULL, 10);
	return v;
}

int unix_connect(const char *path, struct error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, ENAMETOOLONG, "socket path too long: '%s'", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_sys(err, "cannot connect to '%s'", path);
	return steal_fd(&fd);
}

int fd_send(int sock, int fd, const char *msg, struct error *err)
{
	char buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg) + 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	memset(buf, 0, sizeof(buf));
	mh.msg_control = buf;
	mh.msg_controllen = sizeof(buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return error_sys(err, "cannot send file descriptor");
	}
	return 0;
}

int fd_recv(int sock, struct error *err)
{
	char buf[CMSG_SPACE(sizeof(int))], data[256];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	int fd;

	mh.msg_control = buf;
	mh.msg_controllen = sizeof(buf);
	while (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) < 0) {
		if (errno != EINTR)
			return error_sys(err, "cannot receive file descriptor");
	}
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return error_set(err, EPROTO, "no file descriptor received");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}
