/* Which user namespace we run in. */
#include "base.h"

#include <fcntl.h>
#include <string.h>

/* The answer, for the process that asked (pid << 1 | nested): a child
 * asks again, and so does a process that changed its user namespace
 * (userns_forget).  Atomic: image unpacks ask from several threads. */
static _Atomic long long nested_cache;

void userns_forget(void)
{
	nested_cache = 0;
}

static bool nested_read(void)
{
	_cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	unsigned long long in, out, count;
	char buf[256], *nl;
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* The host's map is one line: the whole id space onto itself. */
	nl = strchr(buf, '\n');
	if (nl && nl[1])
		return true;
	if (sscanf(buf, "%llu %llu %llu", &in, &out, &count) != 3)
		return true;
	return !(in == 0 && out == 0 && count == 4294967295ULL);
}

bool userns_nested(void)
{
	long long pid = getpid(), c = nested_cache;
	bool r;

	if (c >> 1 == pid)
		return c & 1;
	r = nested_read();
	nested_cache = pid << 1 | r;
	return r;
}
