/* The spawn sequence shared by `create` (the container's init) and `exec`
 * (a new process in a running container): the sockets to the child, the
 * namespace switches around clone3(), and the cleanup of a child that
 * must not outlive a failed command.  The privileged steps themselves are
 * in namespaces/clone.c; this file puts them in order. */
#include "runtime/internal.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

void rt_spawn_init(struct rt_spawn *s)
{
	memset(s, 0, sizeof(*s));
	s->cgroup_fd = s->pid_ns_fd = s->net_ns_fd = -1;
	s->sync_fd = s->child_sync_fd = -1;
	s->console_sock = s->console_peer = -1;
	sigemptyset(&s->saved_mask);
}

int rt_spawn_open(struct rt_spawn *s, bool terminal, const char *console_socket, struct error *err)
{
	int sv[2];

	if (console_socket) {
		s->console_sock = unix_connect(console_socket, err);
		if (s->console_sock < 0)
			return -1;
	} else if (terminal) {
		/* No socket given (a foreground run or exec): the child sends
		 * the pty master to us and we proxy it to our stdio. */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return error_sys(err, "socketpair");
		s->console_sock = sv[0];
		s->console_peer = sv[1];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error_sys(err, "socketpair");
	s->sync_fd = sv[0];
	s->child_sync_fd = sv[1];
	return 0;
}

/* Every switch back is tried even when one fails; the first
 * failure is the one reported. */
static int restore_namespaces(int pid_restore, int time_restore, int net_restore,
			      struct error *err)
{
	struct error e2;
	int r = 0;

	if (ns_for_children_restore(pid_restore, CLONE_NEWPID, err) < 0)
		r = -1;
	if (ns_for_children_restore(time_restore, CLONE_NEWTIME, r < 0 ? &e2 : err) < 0)
		r = -1;
	if (ns_for_children_restore(net_restore, CLONE_NEWNET, r < 0 ? &e2 : err) < 0)
		r = -1;
	return r;
}

int rt_spawn_clone(struct rt_spawn *s, void (*child)(void *), void *arg, struct error *err)
{
	int pid_restore = -1, time_restore = -1, net_restore = -1, flags = s->flags, clone_errno;
	_cleanup_close_ int exe = -1;
	/* An engine monitor cut itself loose while it waited (rt_prewarm_exe):
	 * its children are born so. */
	bool detached = ns_exe_detached();
	sigset_t all;

	/* Rootless: nook could not switch its children's pid namespace back
	 * to the host's (that needs the host's CAP_SYS_ADMIN); a helper that
	 * never comes back clones the child instead. */
	bool via_helper = s->pid_ns_fd >= 0 && userns_nested();

	if (s->pid_ns_fd >= 0 && !via_helper &&
	    ns_pid_enter_for_children(s->pid_ns_fd, &pid_restore, err) < 0)
		return -1;
	if (s->net_ns_fd >= 0 && ns_net_enter_for_clone(s->net_ns_fd, &net_restore, err) < 0) {
		struct error e2;

		if (restore_namespaces(pid_restore, -1, -1, &e2) < 0)
			error_prefix(err, "%s; then", e2.msg);
		return -1;
	}
	if ((flags & CLONE_NEWTIME) && s->n_time_offs) {
		/* Offsets are written before anyone is inside: the namespace is
		 * made for our children and the child is cloned into it. */
		if (ns_time_prepare(s->time_offs, s->n_time_offs, &time_restore, err) < 0) {
			struct error e2;

			if (restore_namespaces(pid_restore, -1, net_restore, &e2) < 0)
				error_prefix(err, "%s; then", e2.msg);
			return -1;
		}
		flags &= ~CLONE_NEWTIME;
	}
	/* The child must not run our signal handlers: block everything
	 * across clone(); the child restores defaults, then unblocks. */
	exe = detached ? -1 : ns_exe_open();
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &s->saved_mask);
	s->pid = via_helper ? ns_clone_in_pidns(s->pid_ns_fd, flags, s->cgroup_fd)
			    : ns_clone(flags, s->cgroup_fd);
	if (s->pid == 0) {
		struct error e2;

		close(s->sync_fd);
		/* A create killed half-way must not leave its init busy with
		 * setup (a long hook, say) for nobody: it dies with us.  Had we
		 * died before this line, the init sees EOF at its first wait. */
		if (s->parent_death && ns_parent_death_signal(SIGKILL, &e2) < 0) {
			rt_sync_send(s->child_sync_fd, RT_SYNC_ERROR, 0, &e2);
			_exit(127);
		}
		/* Before any hook or exec can run something of the container's
		 * (CVE-2019-5736). */
		if (!detached && ns_exe_detach(exe, &e2) < 0) {
			rt_sync_send(s->child_sync_fd, RT_SYNC_ERROR, 0, &e2);
			_exit(127);
		}
		close(steal_fd(&exe));
		child(arg);
		_exit(127);
	}
	clone_errno = errno;
	/* Back into our own namespaces before anything else.  If that fails,
	 * every later child of ours would be born in the container's: stop,
	 * and take the one we made with us. */
	if (restore_namespaces(pid_restore, time_restore, net_restore, err) < 0) {
		rt_spawn_kill(s);
		goto fail;
	}
	close(s->child_sync_fd);
	s->child_sync_fd = -1;
	if (s->pid < 0) {
		s->pid = 0;
		errno = clone_errno;
		error_sys(err, "cannot create the container process");
		goto fail;
	}
	if (!s->keep_blocked)
		sigprocmask(SIG_SETMASK, &s->saved_mask, NULL);
	return 0;
fail:
	sigprocmask(SIG_SETMASK, &s->saved_mask, NULL);
	return -1;
}

int rt_spawn_console(struct rt_spawn *s, int *master, struct error *err)
{
	*master = -1;
	if (s->console_peer < 0)
		return 0;
	*master = fd_recv(s->console_peer, err);
	return *master < 0 ? -1 : 0;
}

void rt_spawn_kill(struct rt_spawn *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}

void rt_spawn_release(struct rt_spawn *s)
{
	int *fds[] = {&s->sync_fd, &s->child_sync_fd, &s->console_sock, &s->console_peer};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int rt_sync_created(int sync_fd, struct error *err)
{
	struct rt_sync_msg m;

	/* From here the runtime may exit at will (after recording us): its
	 * death must no longer take us with it. */
	if (ns_parent_death_signal(0, err) < 0)
		return -1;
	if (rt_sync_send(sync_fd, RT_SYNC_CREATED, 0, NULL) < 0)
		return error_sys(err, "cannot reach the runtime");
	/* Block on exec.fifo only once the runtime has recorded us as
	 * created: if it was killed before that, nothing knows this init
	 * and nothing would ever open the fifo.  Its death closes the
	 * socket, and we end here. */
	if (rt_sync_recv(sync_fd, &m, err) < 0)
		return error_set(err, EPIPE, "the runtime exited before the container was created");
	if (m.type != RT_SYNC_RECORDED)
		return error_set(err, EPROTO, "unexpected message %d from the runtime", m.type);
	return 0;
}

int rt_preserved_fds_check(int n, struct error *err)
{
	int end = fds_inherited_end();

	/* fds 3..end-1 were all open when nook started, so every fd nook
	 * opened itself is >= end.  Only those the caller really passed
	 * may reach the container: a gap or a count past them would hand
	 * over nook's own state dir, cgroup or namespace fds. */
	if (n > 0 && 3 + n > end)
		return error_set(err, EBADF, "unable to stat preserved-fd %d (of %d): %s", end, n,
				 strerror(EBADF));
	return 0;
}
