/* Terminals: a pty made inside the container for its process. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

/* A pty from the container's own devpts (so the container sees it in
 * /dev/pts), the master sent to --console-socket, the peer made the
 * controlling terminal, stdio and /dev/console. */
int rt_console_setup(const struct rt_process *p, int console_sock, bool bind_console,
		     struct error *err)
{
	_cleanup_close_ int master = -1, slave = -1;
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return error_sys(err, "cannot open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return error_sys(err, "cannot unlock the pty");
	/* The peer straight from the master, never by opening /dev/pts/N:
	 * that path is resolved in the container's mounts, where the image
	 * or a bind mount can put something else (another pty, a file, a
	 * device) in its place. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return error_sys(err, "cannot open the pty peer");
	if (p->console_width || p->console_height) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};

		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return error_sys(err, "cannot set the console size");
	}
	if (bind_console && ns_console_bind(slave, err) < 0)
		return -1;
	if (fd_send(console_sock, master, "", err) < 0)
		return error_prefix(err, "console socket");
	if (setsid() < 0 && (errno != EPERM || getsid(0) != getpid()))
		return error_sys(err, "cannot start a new session");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return error_sys(err, "cannot set the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return error_sys(err, "cannot dup the pty to fd %d", fd);
	return 0;
}
