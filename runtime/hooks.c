/* OCI hooks: run each hook of a kind in order, the container state JSON on
 * its stdin, its combined stdout/stderr captured for the error message,
 * killed when its timeout expires.
 *
 * Called from the runtime process and from the container's init before
 * pivot_root/exec, so it only needs fork(), pipes and a pidfd; no threads,
 * no global state. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* How much of a hook's output is kept (the tail) and how much of that
 * goes into the error message, which must fit struct error. */
#define OUTPUT_KEEP	4096
#define OUTPUT_IN_ERROR 600

struct capture {
	char buf[OUTPUT_KEEP];
	size_t len;
};

/* Keep the last OUTPUT_KEEP bytes: a failing program says why at the end. */
static void capture_add(struct capture *c, const char *p, size_t n)
{
	if (n >= sizeof(c->buf)) {
		memcpy(c->buf, p + n - sizeof(c->buf), sizeof(c->buf));
		c->len = sizeof(c->buf);
		return;
	}
	if (c->len + n > sizeof(c->buf)) {
		size_t drop = c->len + n - sizeof(c->buf);

		memmove(c->buf, c->buf + drop, c->len - drop);
		c->len -= drop;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

/* One line for an error message: the tail, control characters as spaces,
 * trailing whitespace cut.  Empty if the hook said nothing. */
static void capture_summary(const struct capture *c, char *out, size_t size)
{
	size_t start = 0, len = c->len, o = 0;

	while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == ' ' ||
			   c->buf[len - 1] == '\r' || c->buf[len - 1] == '\t'))
		len--;
	if (len > OUTPUT_IN_ERROR) {
		start = len - OUTPUT_IN_ERROR;
		o = (size_t)snprintf(out, size, "...");
	}
	for (size_t i = start; i < len && o + 1 < size; i++) {
		unsigned char ch = (unsigned char)c->buf[i];

		out[o++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	out[o] = '\0';
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The hook child: never returns. */
static __attribute__((noreturn)) void hook_exec(const struct rt_hook *h, int in_fd, int out_fd)
{
	char *default_argv[] = {h->path, NULL};
	char *empty_env[] = {NULL};
	char **argv = h->args && h->args[0] ? h->args : default_argv;
	char **envp = h->env ? h->env : empty_env;
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;

	/* The runtime may block or ignore signals (SIGPIPE around the write
	 * below, forwarded signals); ignored ones survive exec, so the hook
	 * would inherit them.  Give it a clean slate. */
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* Move both ends above 2 first: if the runtime runs with 0, 1 or 2
	 * closed, a pipe end may sit exactly where the other one must go. */
	in_fd = fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
	out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
	if (in_fd < 0 || out_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(out_fd, 2) < 0)
		_exit(126);
	/* Nothing of the runtime's (state dirs, sync pipes, the container's
	 * fds) leaks into the hook. */
	if (fds_close_from(3, NULL, 0) < 0)
		_exit(126);
	execve(h->path, argv, envp);
	dprintf(2, "cannot execute %s: %s", h->path, strerror(errno));
	_exit(127);
}

/* Has the (unreaped) child exited?  Leaves it a zombie for reap(). */
static bool exited(pid_t pid)
{
	siginfo_t si = {.si_pid = 0};

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Without pidfds (kernel < 5.3, valgrind) exit is noticed by polling. */
#define NO_PIDFD_TICK_MS 20

/* Feed stdin, collect output, wait for exit or the deadline.  Returns 1
 * when the hook exited, 0 on timeout, -1 on error. */
static int hook_supervise(pid_t pid, int pidfd, int *in_w, int *out_r, const char *state,
			  size_t len, int timeout, struct capture *cap, struct error *err)
{
	int64_t deadline = timeout > 0 ? now_ms() + (int64_t)timeout * 1000 : -1;
	size_t off = 0;
	char buf[4096];

	for (;;) {
		struct pollfd pfd[3] = {
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = *out_r, .events = POLLIN},
		    {.fd = *in_w, .events = POLLOUT},
		};
		int wait_ms = -1, r;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return 0;
			wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > NO_PIDFD_TICK_MS))
			wait_ms = NO_PIDFD_TICK_MS;
		r = poll(pfd, 3, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_sys(err, "cannot poll the hook");
		if (r == 0) {
			if (pidfd < 0 && exited(pid))
				return 1;
			continue; /* deadline checked above */
		}

		if (pfd[2].revents) {
			ssize_t n = write(*in_w, state + off, len - off);

			if (n > 0)
				off += (size_t)n;
			/* A hook may exit without reading its stdin (EPIPE):
			 * that is its business, not an error. */
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == len)
				closep(in_w);
		}
		if (pfd[1].revents) {
			ssize_t n = read(*out_r, buf, sizeof(buf));

			if (n > 0)
				capture_add(cap, buf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				closep(out_r);
		}
		if (pidfd >= 0 ? pfd[0].revents != 0 : exited(pid))
			return 1;
	}
}

/* What is already in the pipe once the hook is gone.  Not until EOF: a
 * daemon the hook left behind may hold the write end forever. */
static void capture_drain(int out_r, struct capture *cap)
{
	char buf[4096];
	ssize_t n;

	while (out_r >= 0 && (n = read(out_r, buf, sizeof(buf))) > 0)
		capture_add(cap, buf, (size_t)n);
}

static int reap(pid_t pid, int *status, struct error *err)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return error_sys(err, "cannot wait for hook process %d", (int)pid);
	}
	return 0;
}

static int hook_run(const struct rt_hook *h, const char *kind, size_t idx, const char *state,
		    struct error *err)
{
	_cleanup_close_ int in_r = -1, in_w = -1, out_r = -1, out_w = -1, pidfd = -1;
	struct capture cap = {.len = 0};
	char summary[OUTPUT_IN_ERROR + 8];
	const char *abbrev;
	int p[2], status, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return error_sys(err, "%s hook %s: cannot create pipe", kind, h->path);
	in_r = p[0], in_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_sys(err, "%s hook %s: cannot create pipe", kind, h->path);
	out_r = p[0], out_w = p[1];

	pid = fork();
	if (pid < 0)
		return error_sys(err, "%s hook %s: cannot fork", kind, h->path);
	if (pid == 0)
		hook_exec(h, in_r, out_w);
	closep(&in_r);
	closep(&out_w);

	/* Until reap() the pid stays ours (a zombie at worst), so kill(pid)
	 * below cannot hit another process; the pidfd is for waking up on
	 * exit without polling. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 && errno != ENOSYS) {
		error_sys(err, "%s hook %s: cannot open pidfd", kind, h->path);
		kill(pid, SIGKILL);
		reap(pid, &status, &(struct error){0});
		return -1;
	}
	if (fcntl(in_w, F_SETFL, O_NONBLOCK) < 0 || fcntl(out_r, F_SETFL, O_NONBLOCK) < 0) {
		error_sys(err, "%s hook %s: cannot set up its pipes", kind, h->path);
		kill(pid, SIGKILL);
		reap(pid, &status, &(struct error){0});
		return -1;
	}
	if (!state[0])
		closep(&in_w);

	r = hook_supervise(pid, pidfd, &in_w, &out_r, state, strlen(state), h->timeout, &cap, err);
	if (r <= 0) {
		kill(pid, SIGKILL);
		reap(pid, &status, &(struct error){0});
		if (r == 0)
			return error_set(err, ETIMEDOUT, "%s hook %s timed out after %d s", kind,
					 h->path, h->timeout);
		return error_prefix(err, "%s hook %s", kind, h->path);
	}
	capture_drain(out_r, &cap);
	if (reap(pid, &status, err) < 0)
		return error_prefix(err, "%s hook %s", kind, h->path);

	capture_summary(&cap, summary, sizeof(summary));
	if (summary[0])
		log_debug("%s hook %s[%zu] output: %s", kind, h->path, idx, summary);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return error_set(err, ECHILD, "%s hook %s[%zu] failed: exit status %d%s%s", kind,
				 h->path, idx, WEXITSTATUS(status), summary[0] ? ": " : "",
				 summary);
	abbrev = sigabbrev_np(WTERMSIG(status));
	return error_set(err, ECHILD, "%s hook %s[%zu] failed: killed by signal %s%s%s%s", kind,
			 h->path, idx, abbrev ? "SIG" : "", abbrev ? abbrev : "?",
			 summary[0] ? ": " : "", summary);
}

/* Runtime spec: a failing poststart or poststop hook is logged as a
 * warning and "the remaining hooks and lifecycle continue as if the hook
 * had succeeded" (crun's do_hooks with keep_going).  The container already
 * runs, or is already gone: failing the command would only hide it. */
static bool failure_is_warning(enum rt_hook_kind kind)
{
	return kind == RT_HOOK_POSTSTART || kind == RT_HOOK_POSTSTOP;
}

int rt_hooks_run(const struct rt_spec *spec, enum rt_hook_kind kind, const char *state_json,
		 struct error *err)
{
	const char *kind_name = rt_hook_kind_name(kind);
	bool warn_only = failure_is_warning(kind);
	sigset_t pipe_set, old_mask, pending;
	bool pipe_was_pending;
	int r = 0;

	if (spec->n_hooks[kind] == 0)
		return 0;
	/* Writing to a hook that exited without reading its stdin raises
	 * SIGPIPE, which would kill the runtime.  Block it while hooks run;
	 * a SIGPIPE that became pending meanwhile is ours and is consumed,
	 * one pending before is left alone. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	pipe_was_pending = sigismember(&pending, SIGPIPE);

	for (size_t i = 0; i < spec->n_hooks[kind] && r == 0; i++) {
		r = hook_run(&spec->hooks[kind][i], kind_name, i, state_json ? state_json : "",
			     err);
		if (r < 0 && warn_only) {
			log_warn("%s", err->msg);
			error_clear(err);
			r = 0;
		}
	}

	if (!pipe_was_pending) {
		const struct timespec zero = {0, 0};

		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}
