/* The monitor: one small process per running engine container, conmon's
 * role.  `nook start`/`run` double-fork it (so it is nobody's child and a
 * detached container outlives the shell that started it); it is the
 * container's parent and child subreaper, holds its stdio (pipes, or the
 * pty with -t), writes the log, serves an attached client, and when the
 * init exits records the exit (or removes the container with --rm).
 *
 * It keeps no store open while the container runs: the store is opened
 * only to record the exit.  The client it was forked from records the
 * pids and start time (it has the store open already).
 *
 * Attach protocol (a stream socket): frames of struct frame, then len
 * bytes.  Monitor to client: stdout, stderr, exit (int32 code, and for a
 * --rm container a second int32, 1: "remove it"; then destroyed, see
 * mon_hand_off).  Client to monitor: stdin, stdin EOF, signal (int32),
 * resize (2 x uint16), removed (after it removed a --rm container). */
#include "runtime/internal.h"
#include "runtime/attach.h"
#include "image/image.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

/* What the monitor tells the starting client over the sync socket: the
 * pids once the container is made (START_MADE), so the client records
 * them while the container starts; then START_RUNNING, or a failure (0,
 * err) at either point. */
enum { START_FAILED, START_RUNNING, START_MADE };
struct start_msg {
	int ok;
	pid_t monitor, pid;
	uint64_t monitor_start, pid_start;
	struct error err;
};

/* One message (the socket keeps their bounds); a client gone is no
 * signal to die of. */
static void start_msg_send(int fd, const struct start_msg *msg)
{
	send(fd, msg, sizeof(*msg), MSG_NOSIGNAL);
}

/* -------------------------------------------------------------- log -- */

struct line_buf {
	const char *stream;
	size_t len;
	char buf[8192];
};

static void log_chunk(struct rt_log *log, struct line_buf *lb, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' || lb->len == sizeof(lb->buf)) {
			rt_log_write(log, lb->stream, lb->buf, lb->len);
			lb->len = 0;
			if (data[i] == '\n')
				continue;
		}
		if (data[i] != '\r' || i + 1 >= len || data[i + 1] != '\n')
			lb->buf[lb->len++] = data[i];
	}
}

static void log_flush(struct rt_log *log, struct line_buf *lb)
{
	if (lb->len)
		rt_log_write(log, lb->stream, lb->buf, lb->len);
	lb->len = 0;
}

/* ---------------------------------------------------------- monitor -- */

struct monitor {
	const struct rt_context *ctx;
	const char *store_root, *id, *dir;
	bool tty, interactive, rm;
	unsigned timeout; /* podman's --timeout: SIGKILL after it; 0 none */
	int sync_fd, attach_fd;
	int warm_fd; /* what rt_prewarm loaded, kept until the container is made */
	bool warm_net; /* spawned ahead: make a network namespace meanwhile */
	/* spawned ahead: the store and name of the container directories
	 * made meanwhile (img_spare_make); NULL: none */
	const char *spare_root, *spare_name;
	int netns_fd;  /* that namespace, or -1 */
	int listen_fd; /* the attach socket (nook attach) */
	struct rt_log log;
	uint64_t log_max_size;
	int log_max_file;
	int out_fd, err_fd, in_fd; /* our ends of the container's stdio */
	struct line_buf lout, lerr;
};

static void mon_output(struct monitor *m, int fd, struct line_buf *lb, enum frame_type t,
		       bool *open_)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*open_ = false;
		return;
	}
	log_chunk(&m->log, lb, buf, (size_t)n);
	if (m->attach_fd >= 0 && rt_frame_send(m->attach_fd, t, buf, (size_t)n) < 0) {
		close(m->attach_fd);
		m->attach_fd = -1;
	}
}

/* A frame from the client; false when it is gone. */
static bool mon_client(struct monitor *m, pid_t pid)
{
	struct frame f;
	char buf[FRAME_MAX];

	if (read_all(m->attach_fd, &f, sizeof(f)) != sizeof(f) || f.len > sizeof(buf) ||
	    read_all(m->attach_fd, buf, f.len) != (ssize_t)f.len)
		return false;
	if (f.type == FRAME_STDIN && m->in_fd >= 0) {
		if (write_all(m->in_fd, buf, f.len) < 0 && !m->tty) {
			close(m->in_fd);
			m->in_fd = -1;
		}
	} else if (f.type == FRAME_STDIN_EOF && m->in_fd >= 0) {
		if (m->tty)
			write_all(m->in_fd, "\x04", 1); /* ^D: EOF to the pty's reader */
		else {
			close(m->in_fd);
			m->in_fd = -1;
		}
	} else if (f.type == FRAME_SIGNAL && f.len == sizeof(int32_t)) {
		int32_t sig;

		memcpy(&sig, buf, sizeof(sig));
		kill(pid, sig);
	} else if (f.type == FRAME_RESIZE && f.len == 2 * sizeof(uint16_t) && m->tty) {
		struct winsize ws = {0};
		uint16_t rc[2];

		memcpy(rc, buf, sizeof(rc));
		ws.ws_row = rc[0];
		ws.ws_col = rc[1];
		ioctl(m->out_fd, TIOCSWINSZ, &ws);
	}
	return true;
}

/* A client of the attach socket: served when none is attached (greeted
 * first), else turned away by closing it. */
static void mon_accept(struct monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (m->attach_fd >= 0 || rt_frame_send(fd, FRAME_HELLO, NULL, 0) < 0) {
		close(fd);
		return;
	}
	m->attach_fd = fd;
}

static int exit_code(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 255;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int mon_wait(struct monitor *m, pid_t pid, int sfd)
{
	bool out_open = m->out_fd >= 0, err_open = m->err_fd >= 0;
	int64_t deadline = m->timeout ? mono_ms() + (int64_t)m->timeout * 1000 : 0;
	int code = -1;

	while (code < 0 || out_open || err_open) {
		struct pollfd p[6] = {
		    {.fd = sfd, .events = POLLIN},
		    {.fd = out_open ? m->out_fd : -1, .events = POLLIN},
		    {.fd = err_open ? m->err_fd : -1, .events = POLLIN},
		    {.fd = m->attach_fd, .events = POLLIN},
		    {.fd = m->listen_fd, .events = POLLIN},
		    {.fd = code < 0 ? rt_engine_net_proxy_fd() : -1, .events = POLLIN},
		};
		struct signalfd_siginfo si;

		/* After the init exited, only drain what is buffered: a
		 * process that kept the pipe open must not keep us. */
		int wait_ms = code < 0 ? -1 : 0;

		if (deadline && code < 0) {
			int64_t left = deadline - mono_ms();

			if (left <= 0) {
				/* --timeout: the container ran too long. */
				kill(pid, SIGKILL);
				deadline = 0;
			}
			wait_ms = left <= 0 ? -1 : left > INT32_MAX ? INT32_MAX : (int)left;
		}
		if (poll(p, 6, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			return code < 0 ? 255 : code;
		}
		if (code >= 0 && !(p[1].revents | p[2].revents))
			break;
		if (p[1].revents)
			mon_output(m, m->out_fd, &m->lout, FRAME_STDOUT, &out_open);
		if (p[2].revents)
			mon_output(m, m->err_fd, &m->lerr, FRAME_STDERR, &err_open);
		if (p[3].revents && !mon_client(m, pid)) {
			/* Detached: the container goes on. */
			close(m->attach_fd);
			m->attach_fd = -1;
		}
		if (p[4].revents)
			mon_accept(m);
		if (p[5].revents)
			rt_engine_net_proxy_run();
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD) {
			int ws;
			pid_t r;

			while ((r = waitpid(-1, &ws, WNOHANG)) > 0)
				if (r == pid)
					code = exit_code(ws);
		} else if (code < 0 && si.ssi_signo != SIGPIPE) {
			kill(pid, (int)si.ssi_signo);
		}
	}
	log_flush(&m->log, &m->lout);
	log_flush(&m->log, &m->lerr);
	return code;
}

/* Record the exit, or remove the container (--rm). */
static void mon_record(struct monitor *m, int code, bool oom)
{
	struct img_store_opts so = {.root = m->store_root, .relaxed = true};
	struct img_store *s;
	struct error e;

	s = img_store_open(&so, &e);
	if (!s) {
		log_error("monitor of %s: %s", m->id, e.msg);
		return;
	}
	if (m->rm ? rt_engine_remove_volumes(s, m->ctx, m->id, true, &e) < 0
		  : img_ctr_set_exited(s, m->id, code, rt_now_ns(), oom, &e) < 0)
		log_error("monitor of %s: %s", m->id, e.msg);
	img_store_free(s);
}

/* A --rm container whose client is attached: the client removes it (it
 * has the store open; opening it here would cost the foreground `run`
 * about a millisecond): told the exit code (told: sent as soon as the
 * container exited), it removes the container's files while we destroy
 * the container (FRAME_DESTROYED), then its state and record, and we wait
 * until it says it did.  When the client goes away first (killed, or it
 * failed), the removal is still ours: false then.  The client's
 * FRAME_REMOVED names what it left in the store's trash for us to delete
 * after it returned (*left; "" none). */
static bool mon_hand_off(struct monitor *m, bool told, char left[FRAME_MAX + 1])
{
	struct frame f;
	char buf[FRAME_MAX];
	struct error err;

	left[0] = '\0';
	fault_point("monitor-handed-off");
	if (rt_container_destroy(m->ctx, m->id, &err) < 0)
		log_error("monitor of %s: %s", m->id, err.msg);
	fault_point("monitor-destroyed");
	if (!told || rt_frame_send(m->attach_fd, FRAME_DESTROYED, NULL, 0) < 0)
		return false;
	/* Frames the client sent before it saw the exit are skipped. */
	while (read_all(m->attach_fd, &f, sizeof(f)) == sizeof(f) && f.len <= sizeof(buf) &&
	       read_all(m->attach_fd, buf, f.len) == (ssize_t)f.len)
		if (f.type == FRAME_REMOVED) {
			memcpy(left, buf, f.len);
			left[f.len] = '\0';
			return true;
		}
	return false;
}

static void mon_fail(struct monitor *m, const struct error *err)
{
	struct start_msg msg = {.ok = START_FAILED, .err = *err};

	/* --rm: gone before `run` reports the failure. */
	if (m->rm)
		mon_record(m, 125, false);
	start_msg_send(m->sync_fd, &msg);
}

/* Set up fds 0-2 for the container (the runtime hands its own stdio to a
 * container without a terminal) and keep our ends. */
static int mon_stdio(struct monitor *m, struct error *err)
{
	int out[2], errp[2], in[2] = {-1, -1};
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return error_sys(err, "cannot open /dev/null");
	if (m->tty) {
		m->out_fd = m->err_fd = m->in_fd = -1;
		if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			return error_sys(err, "cannot set up stdio");
		close(null);
		return 0;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (m->interactive && pipe2(in, O_CLOEXEC) < 0))
		return error_sys(err, "cannot make pipes");
	if (dup2(in[0] >= 0 ? in[0] : null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
		return error_sys(err, "cannot set up stdio");
	close(out[1]);
	close(errp[1]);
	if (in[0] >= 0)
		close(in[0]);
	close(null);
	m->out_fd = out[0];
	m->err_fd = errp[0];
	m->in_fd = in[1];
	return 0;
}

/* Our fds 0-2 back to /dev/null: the container's pipe ends must be its
 * own only, or we never see EOF. */
static void mon_stdio_release(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	close(null);
}

static int mon_net_start(void *arg, pid_t pid, struct error *err)
{
	struct monitor *m = arg;

	return rt_engine_net_start(m->dir, m->id, pid, err);
}

static _Noreturn void mon_main(struct monitor *m)
{
	struct rt_create_opts o = {.bundle = m->dir};
	_cleanup_free_ char *log = xasprintf("%s.log", m->dir), *sock = NULL;
	struct start_msg msg = {.ok = START_MADE};
	struct rt_launch l;
	struct error err = {0};
	sigset_t all;
	bool oom = false;
	int keep[4] = {m->sync_fd, m->attach_fd, m->warm_fd, m->netns_fd};
	int sfd, code;
	pid_t pid;

	fds_close_except(3, keep, ARRAY_SIZE(keep));
	/* Hold no directory of the caller's busy (an unmount would fail). */
	if (m->ctx->root[0] == '/' && m->store_root[0] == '/' && m->dir[0] == '/' &&
	    chdir("/") < 0) {
		error_sys(&err, "cannot chdir to /");
		mon_fail(m, &err);
		_exit(1);
	}
	if (ns_child_subreaper_set(&err) < 0 || mon_stdio(m, &err) < 0) {
		mon_fail(m, &err);
		_exit(1);
	}
	if (rt_log_open(&m->log, log, m->log_max_size, m->log_max_file, &err) < 0) {
		mon_fail(m, &err);
		_exit(1);
	}
	sock = xasprintf("%s.sock", m->dir);
	m->listen_fd = rt_attach_listen(sock, &err);
	if (m->listen_fd < 0) {
		mon_fail(m, &err);
		_exit(1);
	}
	/* The network is made while the init sets itself up. */
	o.spawned = mon_net_start;
	o.spawned_arg = m;
	o.has_fresh_netns = m->netns_fd >= 0;
	o.fresh_netns_fd = m->netns_fd;
	if (rt_launch_create(&l, m->ctx, m->id, &o, true, &err) < 0) {
		unlink(sock);
		mon_fail(m, &err);
		_exit(1);
	}
	mon_stdio_release();
	rt_prewarm_remember(m->ctx->root);
	if (m->netns_fd >= 0)
		close(m->netns_fd); /* the init's now, or nobody's */
	m->netns_fd = -1;
	if (m->tty)
		m->out_fd = m->err_fd = m->in_fd = l.console_master;
	if (m->tty && m->in_fd >= 0 && !m->interactive)
		m->in_fd = -1;
	if (m->tty)
		m->err_fd = -1;
	msg.monitor = getpid();
	msg.monitor_start = proc_start_time(msg.monitor);
	msg.pid = l.pid;
	msg.pid_start = proc_start_time(l.pid);
	start_msg_send(m->sync_fd, &msg);
	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0 || rt_container_start(m->ctx, m->id, &err) < 0) {
		if (sfd < 0)
			error_sys(&err, "signalfd");
		rt_launch_abort(&l, m->id);
		unlink(sock);
		mon_fail(m, &err);
		_exit(1);
	}
	msg.ok = START_RUNNING;
	start_msg_send(m->sync_fd, &msg);
	close(m->sync_fd);
	/* A kept bundle's config.json: `run` leaves its sync to us (see
	 * rt_engine_opts.started_now); after a `start`, a no-op. */
	if (!m->rm) {
		_cleanup_free_ char *cfg = xasprintf("%s/config.json", m->dir);
		_cleanup_close_ int cfd = open(cfg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (cfd < 0 || fdatasync(cfd) < 0)
			log_error("monitor of %s: cannot sync '%s': %m", m->id, cfg);
	}
	/* Of what making the container took, only its pid and the pty stay
	 * ours: the parsed spec, the seccomp program, the state (and its
	 * directory's lock, as `nook oci run -d` drops it by exiting) go,
	 * and the freed heap goes back to the kernel, for it would stay
	 * resident as long as the container runs, once per container. */
	pid = l.pid;
	l.console_master = -1;
	rt_launch_release(&l);
	malloc_trim(0);
	fault_point("monitor-started");
	code = mon_wait(m, pid, sfd);
	/* Published ports first: their plan is in the bundle, which a --rm
	 * container's client removes once it knows of the exit. */
	if (rt_engine_net_stop(m->dir, m->id, &err) < 0)
		log_error("monitor of %s: %s", m->id, err.msg);
	if (m->rm && m->attach_fd >= 0) {
		static char left[FRAME_MAX + 1];
		int32_t c[2] = {code, 1};
		/* The client waits for this alone: the rest after. */
		bool told = rt_frame_send(m->attach_fd, FRAME_EXIT, c, sizeof(c)) == 0;

		close(m->listen_fd);
		unlink(sock);
		/* (Whether the kernel's OOM killer ended it: of no use, the
		 * record goes.) */
		if (!mon_hand_off(m, told, left)) {
			mon_record(m, code, false);
		} else {
			rt_engine_net_release(m->id);
			if (*left && img_trash_delete(m->store_root, left, &err) < 0)
				log_error("monitor of %s: %s", m->id, err.msg);
		}
		_exit(0);
	}
	close(m->listen_fd);
	unlink(sock);
	rt_container_oom_killed(m->ctx, m->id, &oom, &err);
	if (rt_container_destroy(m->ctx, m->id, &err) < 0)
		log_error("monitor of %s: %s", m->id, err.msg);
	mon_record(m, code, oom);
	if (m->attach_fd >= 0) {
		int32_t c = code;

		rt_frame_send(m->attach_fd, FRAME_EXIT, &c, sizeof(c));
	}
	_exit(0);
}

/* The monitor's FLAGS argument: "tir" (or '_'), the log cap
 * ":MAX_SIZE:MAX_FILE", then "T" and the --timeout seconds. */
static void mon_flags(const struct monitor *m, char buf[64])
{
	snprintf(buf, 64, "%c%c%c:%llu:%dT%u", m->tty ? 't' : '_', m->interactive ? 'i' : '_',
		 m->rm ? 'r' : '_', (unsigned long long)m->log_max_size, m->log_max_file,
		 m->timeout);
}

static void mon_flags_parse(struct monitor *m, const char *flags)
{
	unsigned long long size = 0;
	int files = 0;

	m->tty = strchr(flags, 't') != NULL;
	m->interactive = strchr(flags, 'i') != NULL;
	m->rm = strchr(flags, 'r') != NULL;
	m->timeout = strchr(flags, 'T') ? (unsigned)strtoul(strchr(flags, 'T') + 1, NULL, 10) : 0;
	if (strlen(flags) > 3 && sscanf(flags + 3, ":%llu:%d", &size, &files) == 2) {
		m->log_max_size = size;
		m->log_max_file = files;
	}
}

/* A fresh process image for the monitor: nothing of ours (heap, the
 * store's SQLite connection, whose locks a forked copy would confuse)
 * comes along, and it stays small.  A monitor spawned ahead of its
 * container (m->id NULL) gets "-" for STORE_ROOT ID DIR FLAGS and reads
 * them from the sync socket (mon_go). */
static _Noreturn void mon_exec(struct monitor *m)
{
	char sync[16], att[16], flags[64];
	struct error err;

	snprintf(sync, sizeof(sync), "%d", m->sync_fd);
	snprintf(att, sizeof(att), "%d", m->attach_fd);
	mon_flags(m, flags);
	/* Only these two cross the exec. */
	if (fcntl(m->sync_fd, F_SETFD, 0) < 0 ||
	    (m->attach_fd >= 0 && fcntl(m->attach_fd, F_SETFD, 0) < 0)) {
		error_sys(&err, "fcntl");
	} else {
		execl("/proc/self/exe", "nook", "__monitor", m->ctx->root,
		      m->id ? m->store_root : "-", m->id ? m->id : "-", m->id ? m->dir : "-",
		      m->id ? flags : "-", sync, att, (char *)NULL);
		error_sys(&err, "cannot run the monitor: exec /proc/self/exe");
	}
	{
		struct start_msg msg = {.ok = 0, .err = err};

		write_all(m->sync_fd, &msg, sizeof(msg));
	}
	_exit(1);
}

/* A monitor spawned ahead (m->id NULL) is the client's child as it is,
 * not exec'd again: a fresh image of nook cost ~0.5 ms of CPU per run
 * (the kernel's exec, the loader's relocations, page faults) on the path
 * of `run`.  The client spawns it before it opens the store, so it holds
 * nothing the monitor must not have, and mon_main closes every fd but the
 * monitor's own.  As exec would, caught signals go back to their default
 * (ignored ones stay ignored, the mask stays); ps shows the command line
 * an exec'd monitor has (tests and tools find monitors by it).  Where the
 * kernel refuses the new command line, the monitor is exec'd as before.
 * Rootless, it is exec'd too: a forked one's network helpers (pasta,
 * slirp4netns hooks) were refused the container's /proc/PID/ns/net. */
static _Noreturn void mon_start(const char *root, const char *store_root, const char *id,
				const char *dir, const char *flags, int sync_fd, int attach_fd,
				bool warm_net, const char *spare_root, const char *spare_name);

/* The CPUs the client may run on (read before the fork), for a monitor
 * forked, not exec'd, to take back (mon_forked). */
static cpu_set_t mon_cpus;
static bool mon_cpus_known;

/* A forked child waits for a CPU: the scheduler puts it beside its parent
 * and lets an idle one pull it only later, here about a millisecond
 * later, while the client, which goes on creating the container, would
 * keep its CPU.  So the monitor is moved to the client's other CPUs now,
 * and takes back the client's set when it gets its container: what it
 * does ahead (mon_start) is done by the time the client sends it. */
static void mon_cpus_narrow(pid_t child)
{
	cpu_set_t other = mon_cpus;
	int cpu = sched_getcpu();

	if (!mon_cpus_known || cpu < 0 || cpu >= CPU_SETSIZE)
		return;
	CPU_CLR(cpu, &other);
	if (CPU_COUNT(&other) > 0)
		sched_setaffinity(child, sizeof(other), &other);
}

static _Noreturn void mon_forked(struct monitor *m)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	/* The root may be one of the client's arguments, which the new
	 * command line overwrites. */
	char *root = xstrdup(m->ctx->root), args[PATH_MAX + 128];
	char *spare_root = m->spare_root ? xstrdup(m->spare_root) : NULL;
	_cleanup_close_ int procfd = -1;
	struct error err;
	int len;

	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction old;

		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
		    old.sa_handler != SIG_IGN)
			sigaction(sig, &dfl, NULL);
	}
	len = snprintf(args, sizeof(args), "nook%c__monitor%c%s%c-%c-%c-%c-%c%d%c%d", 0, 0,
		       root, 0, 0, 0, 0, 0, m->sync_fd, 0, m->attach_fd);
	procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (len < 0 || (size_t)len >= sizeof(args) || procfd < 0 ||
	    ns_cmdline_replace(procfd, args, (size_t)len + 1, "nook", &err) < 0)
		mon_exec(m);
	close(procfd);
	procfd = -1;
	mon_start(root, "-", "-", "-", "-", m->sync_fd, m->attach_fd, m->warm_net, spare_root,
		  m->spare_name);
}

static void mon_reap(pid_t first)
{
	int ws;

	while (first > 0 && waitpid(first, &ws, 0) < 0 && errno == EINTR)
		;
}

/* Fork the monitor twice (its own session, and the child of nobody we
 * know: it survives our shell and our terminal's hangup) and exec it.
 * *sync_fd and, with attach, *attach_fd get our ends of its sockets.
 * *first: the first child, which exits at once, for mon_reap (NULL: it
 * is reaped here).  A monitor forked ahead (not exec'd) is forked once,
 * in a session of its own: it is our child until we exit (we never wait
 * for it; it outlives us), then init's, or the nearest subreaper's, as
 * the grandchild would be.  The second fork and the first child's exit
 * put its start ~0.4 ms later, and what it does ahead is what the
 * container waits for once the client is done (*first is 0 then). */
static int mon_spawn(struct monitor *m, bool attach, int *sync_fd, int *attach_fd, pid_t *first,
		     struct error *err)
{
	int sync[2] = {-1, -1}, att[2] = {-1, -1};
	bool forked = !m->id && rt_engine_monitor_forks();
	pid_t a;

	*sync_fd = *attach_fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 ||
	    (attach && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, att) < 0)) {
		error_sys(err, "socketpair");
		goto fail;
	}
	m->sync_fd = sync[1];
	m->attach_fd = att[1];
	mon_cpus_known = forked && sched_getaffinity(0, sizeof(mon_cpus), &mon_cpus) == 0;
	fflush(NULL);
	a = fork();
	if (a < 0) {
		error_sys(err, "fork");
		goto fail;
	}
	if (a == 0) {
		pid_t b;

		close(sync[0]);
		if (att[0] >= 0)
			close(att[0]);
		setsid();
		if (forked)
			mon_forked(m);
		b = fork();
		if (b < 0)
			_exit(1);
		if (b > 0)
			_exit(0);
		mon_exec(m);
	}
	if (forked)
		mon_cpus_narrow(a);
	close(sync[1]);
	if (att[1] >= 0)
		close(att[1]);
	if (first)
		*first = forked ? 0 : a;
	else
		mon_reap(a);
	*sync_fd = sync[0];
	*attach_fd = att[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (sync[i] >= 0)
			close(sync[i]);
		if (att[i] >= 0)
			close(att[i]);
	}
	return -1;
}

/* What a monitor spawned ahead waits for: "FLAGS\0STORE_ROOT\0ID\0DIR\0"
 * in one message.  The client closing the socket instead (its create
 * failed, or it was killed) ends the monitor: it has done nothing yet. */
static bool mon_go(int sync_fd, char **store_root, char **id, char **dir, char **flags)
{
	static char buf[3 * PATH_MAX + 128];
	char *f[4];
	ssize_t n;
	size_t off = 0;

	do
		n = recv(sync_fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (int i = 0; i < 4; i++) {
		if (off >= (size_t)n)
			return false;
		f[i] = buf + off;
		off += strlen(f[i]) + 1;
	}
	*flags = f[0];
	*store_root = f[1];
	*id = f[2];
	*dir = f[3];
	return true;
}

/* Whether the client's go is waiting (mon_go then takes it at once).
 * The fault point "monitor-go-unseen" makes it say no: a test then gets
 * everything made ahead, however fast the client is. */
static bool mon_go_ready(int sync_fd)
{
	struct pollfd p = {.fd = sync_fd, .events = POLLIN};

	return !fault_fail("monitor-go-unseen") && poll(&p, 1, 0) > 0;
}

static int mon_go_send(int sync_fd, const struct monitor *m, struct error *err)
{
	char flags[64];
	_cleanup_free_ char *msg = NULL;
	int len;

	mon_flags(m, flags);
	len = asprintf(&msg, "%s%c%s%c%s%c%s%c", flags, 0, m->store_root, 0, m->id, 0, m->dir, 0);
	if (len < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (send(sync_fd, msg, (size_t)len, MSG_NOSIGNAL) != len)
		return error_sys(err, "the monitor of container %s died before it started", m->id);
	return 0;
}

bool rt_engine_monitor_forks(void)
{
	return geteuid() == 0 && !userns_nested();
}

int rt_engine_monitor_spawn(const struct rt_context *ctx, bool attach, bool warm_netns,
			    const char *spare_root, const char *spare_name,
			    struct rt_monitor_spawn *sp, struct error *err)
{
	struct monitor m = {.ctx = ctx,
			    .attach_fd = -1,
			    .warm_net = warm_netns,
			    .spare_root = spare_root,
			    .spare_name = spare_name};

	/* The first child of an exec'd one is reaped when the monitor is
	 * given its container, or released: meanwhile we go on creating
	 * it. */
	return mon_spawn(&m, attach, &sp->sync_fd, &sp->attach_fd, &sp->first, err);
}

void rt_monitor_spawn_release(struct rt_monitor_spawn *sp)
{
	mon_reap(sp->first);
	sp->first = 0;
	if (sp->sync_fd >= 0)
		close(sp->sync_fd);
	if (sp->attach_fd >= 0)
		close(sp->attach_fd);
	sp->sync_fd = sp->attach_fd = -1;
}

static _Noreturn void mon_start(const char *root, const char *store_root, const char *id,
				const char *dir, const char *flags, int sync_fd, int attach_fd,
				bool warm_net, const char *spare_root, const char *spare_name)
{
	struct rt_context ctx = {.root = root};
	struct monitor m = {
	    .ctx = &ctx,
	    .sync_fd = sync_fd,
	    .attach_fd = attach_fd,
	    .warm_fd = -1,
	    .netns_fd = -1,
	    .listen_fd = -1,
	    .lout = {.stream = "stdout"},
	    .lerr = {.stream = "stderr"},
	};
	char *go[4];
	int spare = -1;
	bool went;

	fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
	if (attach_fd >= 0)
		fcntl(attach_fd, F_SETFD, FD_CLOEXEC);
	if (!strcmp(id, "-")) {
		/* First what the client needs first: the container's
		 * directories, when it creates them (~1 ms from now). */
		if (spare_name) {
			spare = img_spare_make(spare_root, spare_name);
			fault_point("monitor-spare");
		}
		m.warm_fd = rt_prewarm(root);
		/* Then each of the rest only while the client has not sent
		 * the container yet: what is not done by then is done on the
		 * way, as without a monitor spawned ahead. */
		if (warm_net && !mon_go_ready(sync_fd) && (m.netns_fd = rt_prewarm_netns()) == -2)
			_exit(1); /* not in our own network namespace */
		if (!mon_go_ready(sync_fd))
			rt_prewarm_exe();
		went = mon_go(sync_fd, &go[0], &go[1], &go[2], &go[3]);
		/* The client created its container (or gave up): it takes
		 * no directories any more. */
		if (spare_name)
			img_spare_drop(spare_root, spare_name, spare);
		if (!went)
			_exit(0);
		/* The client's CPUs again (mon_cpus_narrow), before anything
		 * the container would inherit.  Not sooner: the client narrows
		 * us after its fork returns, which may be after our first
		 * steps; it has by the time it sends the container. */
		if (mon_cpus_known && sched_setaffinity(0, sizeof(mon_cpus), &mon_cpus) < 0) {
			cpu_set_t all;

			memset(&all, 0xff, sizeof(all));
			sched_setaffinity(0, sizeof(all), &all);
		}
		store_root = go[0];
		id = go[1];
		dir = go[2];
		flags = go[3];
	}
	m.store_root = store_root;
	m.id = id;
	m.dir = dir;
	mon_flags_parse(&m, flags);
	mon_main(&m);
}

_Noreturn int rt_engine_monitor(const char *root, const char *store_root, const char *id,
				const char *dir, const char *flags, int sync_fd, int attach_fd)
{
	mon_start(root, store_root, id, dir, flags, sync_fd, attach_fd, false, NULL, NULL);
}

/* ------------------------------------------------------------ start -- */

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* What the monitor takes from the container's options (inspect's Config
 * and HostConfig; see options_json): -t, -i, --rm, --timeout and
 * HostConfig.LogConfig.Config's max-size and max-file.  Parsed once. */
static void mon_options(struct monitor *m, const char *config)
{
	struct json_object *doc = json_tokener_parse(config), *c = NULL, *h = NULL, *l, *lc, *v;

	m->log_max_size = 0;
	m->log_max_file = 1;
	if (doc && json_object_object_get_ex(doc, "Config", &c)) {
		m->tty = jbool(c, "Tty");
		m->interactive = jbool(c, "OpenStdin");
		if (json_object_object_get_ex(c, "Timeout", &v))
			m->timeout = (unsigned)json_object_get_int64(v);
	}
	if (doc && json_object_object_get_ex(doc, "HostConfig", &h)) {
		m->rm = jbool(h, "AutoRemove");
		if (json_object_object_get_ex(h, "LogConfig", &l) &&
		    json_object_object_get_ex(l, "Config", &lc)) {
			if (json_object_object_get_ex(lc, "max-size", &v))
				m->log_max_size = (uint64_t)json_object_get_int64(v);
			if (json_object_object_get_ex(lc, "max-file", &v))
				m->log_max_file = json_object_get_int(v);
		}
	}
	json_object_put(doc);
}

static int start_msg_read(int fd, struct start_msg *msg, const char *ref, struct error *err)
{
	ssize_t n;

	do
		n = read(fd, msg, sizeof(*msg));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*msg))
		return error_set(err, EIO, "the monitor of container %s died while starting it",
				 ref);
	return 0;
}

int rt_engine_start_spawned(struct img_store *s, const struct rt_context *ctx, const char *ref,
			    const struct img_ctr *fresh, bool attach, struct rt_monitor_spawn *sp,
			    int *attach_fd, struct error *err)
{
	struct img_ctr found = {0};
	const struct img_ctr *c = fresh ? fresh : &found;
	struct monitor m = {.ctx = ctx, .attach_fd = -1};
	struct start_msg msg;
	int sync = -1, att = -1;
	int r = -1;

	*attach_fd = -1;
	if (!fresh && img_ctr_find(s, ref, &found, err) < 0)
		return -1;
	if (!c->ready) {
		error_set(err, EINVAL, "container %s is not completely created: remove it", ref);
		goto out;
	}
	if (rt_engine_status(c) == RT_ENGINE_RUNNING) {
		error_set(err, EBUSY, "container %s is already running", ref);
		goto out;
	}
	if (rt_volumes_mount(s, c, err) < 0)
		goto out;
	m.store_root = img_store_root(s);
	m.id = c->id;
	m.dir = c->dir;
	mon_options(&m, c->config);
	/* What a killed monitor left of the last run (a fresh container
	 * has none: its id is new). */
	if (!fresh) {
		struct rt_info info;
		struct error e2;

		if (rt_container_info(ctx, c->id, &info, &e2) == 0) {
			rt_info_release(&info);
			if (rt_container_delete(ctx, c->id, true, err) < 0)
				goto out;
		}
	}
	/* The last run's exit forgotten (a fresh container has none). */
	if ((c->finished || c->pid || c->exit_code || c->oom) &&
	    img_ctr_set_exited(s, c->id, 0, 0, false, err) < 0)
		goto out;
	if (sp) {
		/* Spawned ahead: it gets its container now (and then the
		 * first child of an exec'd one, gone by now or soon, is
		 * reaped). */
		sync = steal_fd(&sp->sync_fd);
		att = steal_fd(&sp->attach_fd);
		if ((att >= 0) != attach) {
			error_set(err, EINVAL, "the monitor was spawned for another start");
			goto out;
		}
		if (mon_go_send(sync, &m, err) < 0)
			goto out;
		mon_reap(sp->first);
		sp->first = 0;
	} else if (mon_spawn(&m, attach, &sync, &att, NULL, err) < 0) {
		goto out;
	}
	if (start_msg_read(sync, &msg, ref, err) < 0)
		goto out;
	/* Recorded while the container starts; its failure to start, if it
	 * does not, is what counts (with --rm the monitor may be removing
	 * the record meanwhile). */
	if (msg.ok == START_MADE) {
		struct error e2;
		int recorded = img_ctr_set_started(s, c->id, msg.monitor, msg.monitor_start,
						   msg.pid, msg.pid_start, rt_now_ns(), &e2);

		if (start_msg_read(sync, &msg, ref, err) < 0)
			goto out;
		if (msg.ok == START_RUNNING && recorded < 0) {
			*err = e2;
			goto out;
		}
	}
	if (msg.ok != START_RUNNING) {
		struct error e2;

		*err = msg.err;
		/* What inspect shows as State.Error (the row is gone with --rm). */
		img_ctr_set_error(s, c->id, rt_engine_start_exit(err), err->msg, &e2);
		goto out;
	}
	/* A --rm container's root is its own from now on: its mount
	 * namespace holds a private copy of the overlay, and nothing of
	 * nook's uses the bundle's (cp goes through /proc/PID/root; the root
	 * is not mounted again).  Unmounted here, while the container runs,
	 * instead of on the way out after it exited. */
	if (m.rm && geteuid() == 0)
		rt_bundle_root_release(c->dir);
	*attach_fd = steal_fd(&att);
	r = 0;
out:
	if (sync >= 0)
		close(sync);
	if (att >= 0)
		close(att);
	img_ctr_release(&found);
	return r;
}

int rt_engine_start(struct img_store *s, const struct rt_context *ctx, const char *ref, bool attach,
		    int *attach_fd, struct error *err)
{
	return rt_engine_start_spawned(s, ctx, ref, NULL, attach, NULL, attach_fd, err);
}
