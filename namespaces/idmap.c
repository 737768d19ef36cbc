/* A user namespace of a given map that nothing runs in: what an idmapped
 * mount (mount_setattr MOUNT_ATTR_IDMAP) takes to say how to shift the
 * owners of a layer for one --userns=auto container. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

int ns_userns_open_mapped(const struct ns_idmap *uids, size_t n_uids, const struct ns_idmap *gids,
			  size_t n_gids, struct error *err)
{
	int up[2], down[2], fd = -1;
	char path[64], c = 0;
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) < 0)
		return error_sys(err, "pipe");
	if (pipe2(down, O_CLOEXEC) < 0) {
		close(up[0]);
		close(up[1]);
		return error_sys(err, "pipe");
	}
	pid = fork();
	if (pid == 0) {
		/* In its own user namespace, until we have its fd: EOF on
		 * down (our close, or our death) ends it. */
		close(up[0]);
		close(down[1]);
		c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'e';
		userns_forget();
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0) {
		error_sys(err, "fork");
		goto out;
	}
	if (read(up[0], &c, 1) != 1 || c != 'u') {
		error_set(err, EPERM, "cannot create a user namespace for an idmapped mount");
		goto out;
	}
	if (ns_idmap_write(pid, uids, n_uids, gids, n_gids, false, err) < 0)
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		error_sys(err, "cannot open %s", path);
out:
	close(up[0]);
	close(down[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return fd;
}
