/* The client's side of the attach protocol (runtime/attach.h): what
 * `run`, `start -a` and `attach` do while a container runs. */
#include "runtime/internal.h"
#include "runtime/attach.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>

/* MSG_NOSIGNAL: a reader that went away is EPIPE, not a SIGPIPE the
 * monitor would otherwise forward to the container. */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rt_frame_send(int fd, enum frame_type t, const void *data, size_t len)
{
	struct frame f = {.type = t, .len = (uint32_t)len};

	if (send_all(fd, &f, sizeof(f)) < 0 || (len && send_all(fd, data, len) < 0))
		return -1;
	return 0;
}

/* ----------------------------------------------------------- attach -- */

static void send_size(int fd)
{
	struct winsize ws;
	uint16_t rc[2];

	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		return;
	rc[0] = ws.ws_row;
	rc[1] = ws.ws_col;
	rt_frame_send(fd, FRAME_RESIZE, rc, sizeof(rc));
}

/* *handed: the monitor handed the removal of its --rm container to us. */
static int attach_loop(int fd, bool input, struct rt_detach_state *dk, int sfd, int *status,
		       bool *handed, struct error *err)
{
	bool in_open = input;

	for (;;) {
		struct pollfd p[3] = {
		    {.fd = fd, .events = POLLIN},
		    {.fd = in_open ? 0 : -1, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		};
		struct signalfd_siginfo si;
		struct frame f;
		char buf[FRAME_MAX];

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return error_sys(err, "poll");
		}
		if (p[0].revents) {
			if (read_all(fd, &f, sizeof(f)) != sizeof(f) || f.len > sizeof(buf) ||
			    read_all(fd, buf, f.len) != (ssize_t)f.len)
				return error_set(err, ENOLINK, "the container's monitor went away");
			if (f.type == FRAME_STDOUT)
				write_all(1, buf, f.len);
			else if (f.type == FRAME_STDERR)
				write_all(2, buf, f.len);
			else if (f.type == FRAME_EXIT && (f.len == sizeof(int32_t) ||
							  f.len == 2 * sizeof(int32_t))) {
				int32_t c[2] = {0, 0};

				memcpy(c, buf, f.len);
				*status = c[0];
				*handed = c[1] == 1;
				return 0;
			}
		}
		if (p[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n > 0) {
				unsigned char out[sizeof(buf) + 16];
				size_t o;
				bool detach = rt_detach_filter(dk, (unsigned char *)buf, (size_t)n,
							       out, &o);

				if (o)
					rt_frame_send(fd, FRAME_STDIN, out, o);
				if (detach) {
					/* The container goes on without us. */
					*status = 0;
					return 1;
				}
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				rt_frame_send(fd, FRAME_STDIN_EOF, NULL, 0);
				in_open = false;
			}
		}
		if ((p[2].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int32_t sig = (int32_t)si.ssi_signo;

			if (sig == SIGWINCH)
				send_size(fd);
			else
				rt_frame_send(fd, FRAME_SIGNAL, &sig, sizeof(sig));
		}
	}
}

int rt_attach_hello(int fd, struct error *err)
{
	struct frame f;
	ssize_t n = read_all(fd, &f, sizeof(f));

	if (n == 0)
		return error_set(err, EBUSY, "another client is attached");
	if (n != sizeof(f) || f.type != FRAME_HELLO || f.len)
		return error_set(err, EPROTO, "the container's monitor did not answer");
	return 0;
}

/* A --rm container's monitor destroys it while we remove its files: until
 * it says so, or goes away (whatever it left, the removal deletes). */
static void monitor_destroyed(void *arg)
{
	int fd = *(int *)arg;
	struct frame f;
	char buf[FRAME_MAX];

	while (read_all(fd, &f, sizeof(f)) == sizeof(f) && f.len <= sizeof(buf) &&
	       read_all(fd, buf, f.len) == (ssize_t)f.len)
		if (f.type == FRAME_DESTROYED)
			return;
}

int rt_engine_attach(struct img_store *s, const struct rt_context *ctx, const char *ref, int fd,
		     bool tty, bool input, bool sig_proxy, const struct rt_detach_keys *keys,
		     int *status, struct error *err)
{
	static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct termios saved, t;
	struct rt_detach_keys def;
	struct rt_detach_state dk = {0};
	sigset_t set, old;
	bool raw = false, handed = false;
	int sfd, r;

	sigemptyset(&set);
	/* --sig-proxy=false: our signals are ours (their default action
	 * ends this client; the container goes on); only resizes go. */
	for (size_t i = 0; i < ARRAY_SIZE(proxied); i++)
		if (sig_proxy || proxied[i] == SIGWINCH)
			sigaddset(&set, proxied[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return error_sys(err, "signalfd");
	}
	/* Our terminal goes raw while it is the container's: ^C reaches
	 * the container's pty as a key instead of signalling us. */
	if (tty && isatty(0) && tcgetattr(0, &saved) == 0) {
		t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	if (tty)
		send_size(fd);
	if (!keys) {
		rt_detach_keys_parse(NULL, &def, err);
		keys = &def;
	}
	dk.keys = keys;
	r = attach_loop(fd, input, &dk, sfd, status, &handed, err);
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0 || !handed)
		return r;
	/* Killed from here until the frame is sent, the monitor sees the
	 * socket close and removes what is left (every step of a removal
	 * takes "already gone" as done). */
	fault_point("engine-run-handed");
	{
		/* The root's upper layer: deleted by the monitor after we
		 * return (the next command's sweep, should it die first). */
		_cleanup_free_ char *left = NULL;

		if (rt_engine_remove_handed(s, ctx, ref, monitor_destroyed, &fd, &left, err) < 0)
			return -1;
		rt_frame_send(fd, FRAME_REMOVED, left, left ? strlen(left) : 0);
	}
	return 0;
}
