/* start, state, kill, delete, pause, resume, list, pids: the operations on
 * a container that exists.  Status is always derived from the kernel (see
 * rt_state_status), never trusted from disk. */
#include "runtime/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct opened {
	int dirfd;
	struct rt_state st;
	enum rt_status status;
	bool stub; /* the dir has no readable state.json */
};

static int container_open(const struct rt_context *ctx, const char *id, bool lock,
			  struct opened *c, struct error *err)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = rt_state_dir_open(ctx, id, err);
	if (c->dirfd < 0)
		return -1;
	if (lock && rt_state_lock(c->dirfd, err) < 0) {
		close(c->dirfd);
		c->dirfd = -1;
		return -1;
	}
	if (rt_state_read(c->dirfd, id, &c->st, err) < 0) {
		if (err->code != ENOENT && err->code != EINVAL) {
			close(c->dirfd);
			c->dirfd = -1;
			return -1;
		}
		/* A dir without a (whole) state.json: a create killed before
		 * its first write, or a delete killed after its last.  Nothing
		 * else of the container can exist (create records before it
		 * makes, delete removes the record last): it counts as a
		 * stopped container that delete removes, like runc's delete of
		 * a dir without state.json. */
		log_debug("container \"%s\": %s", id, err->msg);
		memset(&c->st, 0, sizeof(c->st));
		c->st.id = xstrdup(id);
		c->st.creating = true;
		c->stub = true;
	}
	/* Holding the lock ourselves, no create can be under way: a record
	 * still "creating" is what a killed create left. */
	if (lock && c->st.creating)
		c->status = RT_STATUS_STOPPED;
	else
		c->status = rt_state_status(c->dirfd, &c->st);
	return 0;
}

static void container_close(struct opened *c)
{
	rt_state_release(&c->st);
	if (c->dirfd >= 0)
		close(c->dirfd);
}

/* A pidfd for the init that is known to be the process we started: the
 * start time is checked after the pidfd pins the process, so a recycled
 * pid can never be signalled. */
static int init_pidfd(const struct rt_state *st, struct error *err)
{
	int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	if (fd < 0)
		return error_sys(err, "container init (pid %d) is gone", (int)st->pid);
	if (!rt_state_alive(st)) {
		close(fd);
		return error_set(err, ESRCH, "container init (pid %d) is gone", (int)st->pid);
	}
	return fd;
}

static int signal_init(const struct rt_state *st, int sig, struct error *err)
{
	_cleanup_close_ int fd = init_pidfd(st, err);

	if (fd < 0)
		return -1;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return error_sys(err, "cannot send signal %d to the container", sig);
	return 0;
}

static int read_exec_result(int fifo, struct error *err)
{
	char msg[sizeof(err->msg)];
	size_t len = 0;
	struct pollfd pfd = {.fd = fifo, .events = POLLIN};

	for (;;) {
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return error_sys(err, "cannot read exec.fifo");
		n = read(fifo, msg + len, sizeof(msg) - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return error_sys(err, "cannot read exec.fifo");
		if (n == 0 || len + (size_t)n == sizeof(msg) - 1) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	if (len == 0)
		return 0;
	msg[len] = '\0';
	return error_set(err, ENOEXEC, "%s", msg);
}

int rt_container_start(const struct rt_context *ctx, const char *id, struct error *err)
{
	struct opened c;
	_cleanup_close_ int fifo = -1;
	_cleanup_free_ char *state = NULL;
	struct rt_spec spec = {0};
	char byte;
	int r = -1;

	if (container_open(ctx, id, true, &c, err) < 0)
		return -1;
	if (c.status != RT_STATUS_CREATED) {
		if (c.status == RT_STATUS_STOPPED)
			error_set(err, EINVAL, "cannot start a container that has stopped");
		else
			error_set(err, EINVAL, "cannot start a container that is %s (only a created one)",
				  rt_status_name(c.status));
		goto out;
	}
	fifo = openat(c.dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		error_sys(err, "cannot open exec.fifo");
		goto out;
	}
	/* The init is blocked opening the fifo for writing; our open lets it
	 * through and it writes one byte.  Poll so a dead init cannot hang us. */
	for (;;) {
		struct pollfd pfd = {.fd = fifo, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 100) > 0) {
			n = read(fifo, &byte, 1);
			if (n == 1)
				break;
		}
		if (!rt_state_alive(&c.st)) {
			error_set(err, ESRCH, "container init exited before it was started");
			goto out;
		}
	}
	unlinkat(c.dirfd, "exec.fifo", 0);
	/* The init keeps its end open until execve (close-on-exec): EOF
	 * alone means the container's program runs; text is why it could
	 * not be started (the init exits then). */
	if (read_exec_result(fifo, err) < 0)
		goto out;
	/* poststart hooks: failures are logged, the container keeps running
	 * (runtime spec, "poststart").  The bundle's config is parsed again
	 * only when create saw such hooks in it. */
	if (c.st.poststart && rt_spec_load(&spec, c.st.bundle, err) == 0 &&
	    spec.n_hooks[RT_HOOK_POSTSTART]) {
		struct error herr;

		state = rt_state_json(&c.st, RT_STATUS_RUNNING, false);
		if (rt_hooks_run(&spec, RT_HOOK_POSTSTART, state, &herr) < 0)
			log_warn("%s", herr.msg);
	}
	rt_spec_release(&spec);
	r = 0;
out:
	container_close(&c);
	return r;
}

int rt_container_info(const struct rt_context *ctx, const char *id, struct rt_info *out,
		      struct error *err)
{
	struct opened c;

	memset(out, 0, sizeof(*out));
	if (container_open(ctx, id, false, &c, err) < 0)
		return -1;
	out->id = xstrdup(id);
	out->pid = c.status == RT_STATUS_STOPPED ? 0 : c.st.pid;
	out->status = c.status;
	out->bundle = xstrdup(c.st.bundle ? c.st.bundle : "");
	out->rootfs = xstrdup(c.st.rootfs ? c.st.rootfs : "");
	snprintf(out->created, sizeof(out->created), "%s", c.st.created);
	out->owner = xstrdup(c.st.owner ? c.st.owner : "");
	container_close(&c);
	return 0;
}

void rt_info_release(struct rt_info *i)
{
	free(i->id);
	free(i->bundle);
	free(i->rootfs);
	free(i->owner);
	memset(i, 0, sizeof(*i));
}

int rt_container_state(const struct rt_context *ctx, const char *id, char **json, struct error *err)
{
	struct opened c;

	if (container_open(ctx, id, false, &c, err) < 0)
		return -1;
	/* The kernel's verdict, while the stopped container's cgroup is
	 * still there to ask; OCI state has no field for it. */
	if (c.status == RT_STATUS_STOPPED && rt_state_oom_killed(&c.st)) {
		if (!c.st.annotations)
			c.st.annotations = json_object_new_object();
		json_object_object_add(c.st.annotations, RT_ANNOTATION_OOM_KILLED,
				       json_object_new_string("true"));
	}
	*json = rt_state_json(&c.st, c.status, true);
	container_close(&c);
	return 0;
}

int rt_container_list(const struct rt_context *ctx, struct rt_info **out, size_t *n,
		      struct error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct rt_info *v = NULL;
	struct dirent *de;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	d = opendir(ctx->root);
	if (!d)
		return errno == ENOENT ? 0 : error_sys(err, "cannot read '%s'", ctx->root);
	while ((de = readdir(d))) {
		struct rt_info info;
		struct error e2;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if (rt_container_info(ctx, de->d_name, &info, &e2) < 0)
			continue; /* being created or deleted right now */
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = info;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int rt_container_kill(const struct rt_context *ctx, const char *id, int sig, bool all,
		      struct error *err)
{
	struct opened c;
	struct cg_group g = {.dirfd = -1};
	int r = -1, has;

	if (container_open(ctx, id, false, &c, err) < 0)
		return -1;
	if (c.status == RT_STATUS_STOPPED || c.status == RT_STATUS_CREATING) {
		if (!all || c.status == RT_STATUS_CREATING) {
			error_set(err, ESRCH, "container \"%s\" is not running", id);
			goto out;
		}
	}
	has = all ? rt_state_cgroup(&c.st, &g, err) : 0;
	if (has < 0)
		goto out;
	if (has > 0)
		r = cg_group_signal(&g, sig, err);
	else if (c.status != RT_STATUS_STOPPED)
		r = signal_init(&c.st, sig, err);
	else
		r = 0;
	if (has > 0)
		cg_group_release(&g);
out:
	container_close(&c);
	return r;
}

/* Wait until the init process has exited (it is not our child: poll its
 * pidfd, which becomes readable when it exits). */
static void wait_init_exit(const struct rt_state *st)
{
	struct error e2;
	_cleanup_close_ int fd = init_pidfd(st, &e2);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (fd >= 0)
		poll(&pfd, 1, 10000);
}

/* Remove a stopped container: cgroup, poststop hooks, state dir. */
static int container_remove(const struct rt_context *ctx, struct opened *c, struct error *err)
{
	struct cg_group g = {.dirfd = -1};
	struct rt_spec spec = {0};
	_cleanup_close_ int root = -1;
	struct error herr;
	int has;

	has = rt_state_cgroup(&c->st, &g, &herr);
	if (has > 0) {
		if (cg_group_destroy(&g, err) < 0) {
			cg_group_release(&g);
			return -1;
		}
		cg_group_release(&g);
		rt_cgroup_parent_cleanup(c->st.cgroup_path, c->st.cgroup_v1);
	}
	fault_point("delete-cgroup");
	/* poststop hooks, from the copy of config.json saved at create:
	 * failures are logged and deletion goes on (runtime spec).  The copy
	 * is parsed only when create saw such hooks in it. */
	if (!c->stub && c->st.poststop) {
		_cleanup_free_ char *text = NULL;

		if (file_read_at(c->dirfd, "config.json", 0, &text, NULL, &herr) == 0 &&
		    rt_spec_parse(&spec, text, c->st.bundle ? c->st.bundle : "/", &herr) == 0 &&
		    spec.n_hooks[RT_HOOK_POSTSTOP]) {
			_cleanup_free_ char *state = rt_state_json(&c->st, RT_STATUS_STOPPED, false);

			if (rt_hooks_run(&spec, RT_HOOK_POSTSTOP, state, &herr) < 0)
				log_warn("%s", herr.msg);
		}
		rt_spec_release(&spec);
	}
	root = rt_root_open(ctx, false, err);
	if (root < 0)
		return -1;
	return rt_state_dir_remove(root, c->st.id, err);
}

/* End every process the container still has: its cgroup (thawed, so
 * the kill lands) and its init, checked by start time.  A stopped one may
 * still have some: an init whose create was killed, say. */
static void kill_what_is_left(struct opened *c)
{
	struct cg_group g = {.dirfd = -1};
	struct error e2;

	if (rt_state_cgroup(&c->st, &g, &e2) > 0) {
		if (cg_group_signal(&g, SIGKILL, &e2) < 0)
			log_warn("%s", e2.msg);
		if (c->status == RT_STATUS_PAUSED)
			cg_group_freeze(&g, false, &e2);
		cg_group_release(&g);
	}
	if (!rt_state_alive(&c->st))
		return;
	if (signal_init(&c->st, SIGKILL, &e2) < 0)
		log_debug("%s", e2.msg);
	wait_init_exit(&c->st);
}

int rt_container_delete(const struct rt_context *ctx, const char *id, bool force,
			struct error *err)
{
	struct opened c;
	int r = -1;

	if (container_open(ctx, id, true, &c, err) < 0)
		return -1;
	switch (c.status) {
	case RT_STATUS_CREATING:
		error_set(err, EBUSY, "container \"%s\" is being created", id);
		goto out;
	case RT_STATUS_RUNNING:
	case RT_STATUS_PAUSED:
		if (!force) {
			error_set(err, EBUSY, "cannot delete container \"%s\" that is not stopped: %s",
				  id, rt_status_name(c.status));
			goto out;
		}
		break;
	case RT_STATUS_CREATED: /* never ran user code: ending its init is all (runc) */
	case RT_STATUS_STOPPED:
		break;
	}
	kill_what_is_left(&c);
	fault_point("delete-killed");
	r = container_remove(ctx, &c, err);
out:
	container_close(&c);
	return r;
}

static int freeze(const struct rt_context *ctx, const char *id, bool on, struct error *err)
{
	struct cg_group g = {.dirfd = -1};
	struct opened c;
	int r = -1, has;

	if (container_open(ctx, id, true, &c, err) < 0)
		return -1;
	if (on && c.status != RT_STATUS_RUNNING) {
		error_set(err, EINVAL, "container \"%s\" is not running", id);
		goto out;
	}
	if (!on && c.status != RT_STATUS_PAUSED) {
		error_set(err, EINVAL, "container \"%s\" is not paused", id);
		goto out;
	}
	has = rt_state_cgroup(&c.st, &g, err);
	if (has == 0)
		error_set(err, ENOTSUP, "container \"%s\" has no cgroup: cannot %s it", id,
			  on ? "pause" : "resume");
	if (has <= 0)
		goto out;
	r = cg_group_freeze(&g, on, err);
	cg_group_release(&g);
out:
	container_close(&c);
	return r;
}

int rt_container_pause(const struct rt_context *ctx, const char *id, struct error *err)
{
	return freeze(ctx, id, true, err);
}

int rt_container_resume(const struct rt_context *ctx, const char *id, struct error *err)
{
	return freeze(ctx, id, false, err);
}

int rt_container_pids(const struct rt_context *ctx, const char *id, pid_t **pids, size_t *n,
		      struct error *err)
{
	struct cg_group g = {.dirfd = -1};
	struct opened c;
	int r = -1, has;

	*pids = NULL;
	*n = 0;
	if (container_open(ctx, id, false, &c, err) < 0)
		return -1;
	if (c.status == RT_STATUS_STOPPED) {
		r = 0;
		goto out;
	}
	has = rt_state_cgroup(&c.st, &g, err);
	if (has < 0)
		goto out;
	if (has == 0) {
		*pids = xmalloc(sizeof(pid_t));
		(*pids)[0] = c.st.pid;
		*n = 1;
		r = 0;
		goto out;
	}
	r = cg_group_pids(&g, pids, n, err);
	cg_group_release(&g);
out:
	container_close(&c);
	return r;
}

/* Used by run: remove what rt_launch_create made, once the init is gone. */
int rt_container_destroy(const struct rt_context *ctx, const char *id, struct error *err)
{
	struct opened c;
	int r;

	if (container_open(ctx, id, true, &c, err) < 0)
		return -1;
	r = container_remove(ctx, &c, err);
	container_close(&c);
	return r;
}

