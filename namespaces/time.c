/* Time namespaces: clock offsets must be written before any process
 * enters the namespace, so the runtime makes it for its children only
 * (unshare), writes the offsets, clones, and switches back. */
#include "namespaces/namespaces.h"

#include <fcntl.h>
#include <string.h>

int ns_time_prepare(const struct ns_time_offset *offs, size_t n, int *restore_fd,
		    struct error *err)
{
	_cleanup_close_ int saved = -1;
	char buf[256];
	size_t len = 0;

	*restore_fd = -1;
	saved = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return error_sys(err, "cannot open /proc/self/ns/time_for_children");
	if (unshare(CLONE_NEWTIME) < 0)
		return error_sys(err, "cannot create the time namespace");
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %lld %ld\n", offs[i].clock,
					(long long)offs[i].secs, offs[i].nanosecs);
	if (len && file_write_at(AT_FDCWD, "/proc/self/timens_offsets", buf, err) < 0) {
		struct error e2;

		error_prefix(err, "linux.timeOffsets");
		/* Our next children must not be born in the half-made one. */
		if (ns_for_children_restore(steal_fd(&saved), CLONE_NEWTIME, &e2) < 0)
			error_prefix(err, "%s; then", e2.msg);
		return -1;
	}
	*restore_fd = steal_fd(&saved);
	return 0;
}
