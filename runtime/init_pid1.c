/* --init (RT_ANNOTATION_INIT): the container's init stays as PID 1, as
 * docker's tini does, instead of becoming the container's process.
 *
 * Why no extra binary: the init is already nook's code running as PID 1
 * (on a sealed anonymous copy of nook, namespaces/exeseal.c, so nothing
 * of the host binary is reachable through /proc/1/exe), with the
 * container's user, capabilities, no_new_privs and seccomp filter applied
 * by rt_process_prepare.  Forking there and staying costs no file in the
 * container, no bind mount of a host binary and no second exec; the child
 * execs the process exactly as the init would have.  PID 1 keeps what
 * the container's process was given and nothing more, and stays not
 * dumpable (a process of the container can neither ptrace it nor open
 * its /proc/1/exe or fds).
 *
 * What PID 1 does: every signal blocked and taken with sigwaitinfo (the
 * kernel delivers to a namespace's init only signals it handles, so a
 * blocked-and-waited set receives them all), each one but SIGCHLD
 * forwarded to the child, every zombie reaped (orphans of the container
 * are reparented to it), and when the child is gone PID 1 exits with its
 * status: the exit code, or 128+N when signal N killed it. */
#include "runtime/internal.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

bool rt_init_stays(const struct rt_spec *spec)
{
	json_object *v =
	    spec->annotations ? rt_json_member(spec->annotations, RT_ANNOTATION_INIT) : NULL;

	return v && json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), "true");
}

static _Noreturn void pid1_loop(pid_t child)
{
	sigset_t all;

	sigfillset(&all);
	for (;;) {
		siginfo_t si;
		pid_t r;
		int ws;

		while ((r = waitpid(-1, &ws, WNOHANG)) > 0) {
			if (r != child)
				continue;
			/* Reap what is already dead, then go: the kernel kills
			 * the rest of the namespace when PID 1 exits. */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
		}
		if (r < 0 && errno == ECHILD)
			_exit(255);
		if (sigwaitinfo(&all, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		kill(child, si.si_signo);
	}
}

void rt_init_retitle(int procfd, const struct rt_process *p)
{
	char *const *args = p->args;
	static const char head[] = "nook-init\0--";
	size_t len = sizeof(head), cap = 4096;
	_cleanup_free_ char *buf = xmalloc(cap);
	struct error e;

	memcpy(buf, head, sizeof(head));
	for (; args && *args; args++) {
		size_t n = strlen(*args) + 1;

		if (len + n > cap)
			break; /* whole arguments only */
		memcpy(buf + len, *args, n);
		len += n;
	}
	/* A failure leaves the old strings overwritten (its first step),
	 * which is what matters; there is no one to report it to. */
	(void)ns_cmdline_replace(procfd, buf, len, "nook-init", &e);
}

int rt_init_fork_exec(const struct rt_exec *x, const struct rt_process *p, int sync_fd, int *fifo_w,
		      struct error *err)
{
	sigset_t all, old;
	pid_t child;

	/* Blocked before the fork: no signal between fork and the wait loop
	 * is lost (and none takes its default action on PID 1). */
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) < 0)
		return error_sys(err, "cannot block signals");
	child = fork();
	if (child < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return error_sys(err, "--init: cannot fork");
	}
	if (child == 0) {
		/* Its own process group, the terminal's foreground one: ^C on
		 * the pty reaches it once, not also through PID 1.  The
		 * signals are still blocked, so tcsetpgrp's SIGTTOU is not
		 * taken. */
		setpgid(0, 0);
		if (p->terminal)
			tcsetpgrp(0, getpid());
		if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
			return error_sys(err, "cannot unblock signals");
		return rt_process_execve(x, p, err);
	}
	/* The child's exec (or its error) closes the last exec.fifo writer:
	 * `start` must not wait for ours.  No other fd of the runtime stays
	 * open in PID 1 (a failure only leaves fds that are already
	 * close-on-exec for the process). */
	close(*fifo_w);
	*fifo_w = -1;
	close(sync_fd);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	pid1_loop(child);
}
