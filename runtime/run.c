/* `run`: create + start; in the foreground nook stays the parent of the
 * init, forwards signals to it, proxies the terminal, reaps, and returns
 * the container's exit status (128+N when killed by signal N). */
#include "runtime/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

static int exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

/* Copy what is readable from one fd to another; false on EOF/error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	return write_all(to, buf, (size_t)n) == 0;
}

void rt_resize_pty(int master)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Our input to the pty master through the detach keys: false on EOF or
 * error; *detached when the whole sequence was typed. */
static bool pump_keys(int master, struct rt_detach_state *dk, bool *detached)
{
	unsigned char in[4096], out[sizeof(in) + 16];
	ssize_t n = read(0, in, sizeof(in));
	size_t k;

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	*detached = rt_detach_filter(dk, in, (size_t)n, out, &k);
	return write_all(master, out, k) == 0;
}

static int supervise(pid_t pid, int master, int sfd, struct rt_detach_state *dk, int *status);

int rt_supervise(pid_t pid, int master, int sfd, int *status)
{
	return rt_supervise_keys(pid, master, sfd, NULL, status);
}

int rt_supervise_keys(pid_t pid, int master, int sfd, const struct rt_detach_keys *keys,
		      int *status)
{
	struct rt_detach_state dk = {.keys = keys};
	struct termios saved, t;
	bool raw = false;
	int r;

	/* Our terminal goes raw while it is the container's: keys like ^C
	 * reach the container's pty instead of signalling us. */
	if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
		t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	r = supervise(pid, master, sfd, keys && master >= 0 ? &dk : NULL, status);
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	return r;
}

static int supervise(pid_t pid, int master, int sfd, struct rt_detach_state *dk, int *status)
{
	bool stdin_open = master >= 0, master_open = master >= 0, detached = false;

	for (;;) {
		struct pollfd pfd[3] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = master_open ? master : -1, .events = POLLIN},
			{.fd = stdin_open ? 0 : -1, .events = POLLIN},
		};
		struct signalfd_siginfo si;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			master_open = pump(master, 1);
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			stdin_open = dk ? pump_keys(master, dk, &detached) : pump(0, master);
		if (detached)
			return 1;
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD) {
			int ws;
			pid_t p;

			/* Reap everything: with no pid namespace, orphans of the
			 * container are reparented to us (child subreaper). */
			while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
				if (p == pid) {
					*status = exit_code(ws);
					/* Drain what the terminal still holds. */
					while (master_open && pump(master, 1))
						;
					return 0;
				}
			}
		} else if (si.ssi_signo == SIGWINCH && master >= 0) {
			rt_resize_pty(master);
		} else {
			kill(pid, (int)si.ssi_signo);
		}
	}
}

int rt_container_run(const struct rt_context *ctx, const char *id, const struct rt_create_opts *o,
		     int *status, struct error *err)
{
	struct rt_launch l;
	sigset_t all;
	int sfd = -1, r = -1;

	*status = 0;
	if (o->detach) {
		if (rt_container_create(ctx, id, o, err) < 0)
			return -1;
		if (rt_container_start(ctx, id, err) < 0) {
			struct error e2;

			rt_container_delete(ctx, id, true, &e2);
			return -1;
		}
		return 0;
	}
	/* Orphans of a container without its own pid namespace come to us
	 * and are reaped by rt_supervise. */
	if (ns_child_subreaper_set(err) < 0)
		return -1;
	if (rt_launch_create(&l, ctx, id, o, true, err) < 0) {
		rt_launch_release(&l);
		return -1;
	}
	/* rt_launch_create left every signal blocked: take them here. */
	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0) {
		error_sys(err, "signalfd");
		goto fail;
	}
	if (l.console_master >= 0)
		rt_resize_pty(l.console_master);
	if (rt_container_start(ctx, id, err) < 0)
		goto fail;
	fault_point("run-started");
	if (rt_supervise(l.pid, l.console_master, sfd, status) < 0) {
		error_sys(err, "waiting for the container");
		goto fail;
	}
	r = 0;
	l.pid = 0;
	fault_point("run-exited");
	if (rt_container_destroy(ctx, id, err) < 0)
		r = -1;
	goto out;
fail:
	rt_launch_abort(&l, id);
out:
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &l.saved_mask, NULL);
	rt_launch_release(&l);
	return r;
}
