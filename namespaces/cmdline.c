/* What /proc/PID/cmdline shows of the calling process.
 *
 * Why: --init's PID 1 is a fork of nook's monitor, so its argv names the
 * host's state root, store and bundle paths, and every process of the
 * container may read /proc/1/cmdline (unlike environ, exe or mem, which
 * need ptrace access to a process that is not dumpable). */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <linux/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Fields of /proc/self/stat (1-based, as proc(5) numbers them) that
 * PR_SET_MM_MAP needs. */
enum {
	F_START_CODE = 26,
	F_END_CODE = 27,
	F_START_STACK = 28,
	F_START_DATA = 45,
	F_END_DATA = 46,
	F_START_BRK = 47,
	F_ARG_START = 48,
	F_ARG_END = 49,
	F_ENV_START = 50,
	F_ENV_END = 51,
	F_LAST = 51,
};

static int stat_fields(int procfd, unsigned long long *f, struct error *err)
{
	char buf[2048], *p, *save = NULL;
	_cleanup_close_ int fd = openat(procfd, "self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int i = 3;

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return error_sys(err, "cannot read /proc/self/stat");
	buf[n] = '\0';
	/* The name in parentheses may hold spaces and ')': after the last. */
	if (!(p = strrchr(buf, ')')))
		return error_set(err, EINVAL, "/proc/self/stat: no ')'");
	for (char *t = strtok_r(p + 1, " \n", &save); t && i <= F_LAST;
	     t = strtok_r(NULL, " \n", &save))
		f[i++] = strtoull(t, NULL, 10);
	if (i <= F_LAST)
		return error_set(err, EINVAL, "/proc/self/stat: too few fields");
	return 0;
}

int ns_cmdline_replace(int procfd, const char *args, size_t len, const char *comm,
		       struct error *err)
{
	unsigned long long f[F_LAST + 1] = {0};
	struct prctl_mm_map map;
	char *area, *mine;
	size_t room;

	if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) < 0)
		return error_sys(err, "cannot set the process name");
	if (!len || args[len - 1] != '\0')
		return error_set(err, EINVAL, "command line not NUL-terminated");
	if (stat_fields(procfd, f, err) < 0)
		return -1;
	area = (char *)(uintptr_t)f[F_ARG_START];
	room = (size_t)(f[F_ARG_END] - f[F_ARG_START]);
	/* First over the old strings in place, so nothing of them stays
	 * readable even when the kernel refuses the map below (the trailing
	 * NULs then read as empty arguments). */
	if (room) {
		size_t n = len < room ? len : room;

		memcpy(area, args, n);
		memset(area + n, 0, room - n);
		area[room - 1] = '\0';
	}
	/* Then the exact bounds, on a copy of our own when it is longer:
	 * PR_SET_MM_MAP (checkpoint/restore's call) needs no capability as
	 * long as the exe link is not changed (exe_fd -1). */
	if (len <= room) {
		mine = area;
	} else {
		mine = xmalloc(len); /* stays for the life of the process */
		memcpy(mine, args, len);
	}
	map = (struct prctl_mm_map){
	    .start_code = f[F_START_CODE],
	    .end_code = f[F_END_CODE],
	    .start_data = f[F_START_DATA],
	    .end_data = f[F_END_DATA],
	    .start_brk = f[F_START_BRK],
	    .brk = (unsigned long long)syscall(SYS_brk, 0),
	    .start_stack = f[F_START_STACK],
	    .arg_start = (unsigned long long)(uintptr_t)mine,
	    .arg_end = (unsigned long long)(uintptr_t)(mine + len),
	    .env_start = f[F_ENV_START],
	    .env_end = f[F_ENV_END],
	    .exe_fd = (__u32)-1,
	};
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&map, sizeof(map), 0) < 0)
		return error_sys(err, "cannot set the command line");
	return 0;
}
