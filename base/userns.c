/* Which user namespace we run in. */
#include "base.h"

#include <fcntl.h>
#include <string.h>

bool userns_nested(void)
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
