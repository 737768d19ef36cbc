/* /dev/console for a container with a terminal. */
#include "namespaces/namespaces.h"

#include <fcntl.h>
#include <sys/mount.h>

int ns_console_bind(int slave_fd, struct error *err)
{
	_cleanup_close_ int root = -1, target = -1;
	char src[64], dst[64];

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return error_sys(err, "cannot open /");
	/* /dev/console resolved inside the root: a symlink there left by the
	 * image cannot send the bind elsewhere. */
	target = open_in_root(root, "/dev/console", O_PATH, ROOT_CREATE_FILE, err);
	if (target < 0)
		return error_prefix(err, "cannot create /dev/console");
	snprintf(src, sizeof(src), "/proc/self/fd/%d", slave_fd);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", target);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return error_sys(err, "cannot bind the console onto /dev/console");
	return 0;
}
