/* `events`: a container's usage figures and OOM kills, as the JSON events
 * runc prints ({"type":"stats","id":…,"data":{…}} and {"type":"oom",…}),
 * so tools written against runc's output read ours.  Everything comes
 * from the kernel's cgroup files at the time of asking. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

struct watched {
	int dirfd;
	struct rt_state st;
	struct cg_group g;
	bool has_cg;
};

static void watched_release(struct watched *w)
{
	if (w->has_cg)
		cg_group_release(&w->g);
	rt_state_release(&w->st);
	if (w->dirfd >= 0)
		close(w->dirfd);
}

/* A container that is not stopped, with its cgroup open. */
static int watched_open(const struct rt_context *ctx, const char *id, struct watched *w,
			struct error *err)
{
	int has;

	memset(w, 0, sizeof(*w));
	w->g.dirfd = -1;
	w->dirfd = rt_state_dir_open(ctx, id, err);
	if (w->dirfd < 0 || rt_state_read(w->dirfd, id, &w->st, err) < 0)
		return -1;
	if (rt_state_status(w->dirfd, &w->st) == RT_STATUS_STOPPED)
		return error_set(err, ESRCH, "container \"%s\" is not running", id);
	has = rt_state_cgroup(&w->st, &w->g, err);
	if (has < 0)
		return -1;
	if (has == 0)
		return error_set(err, ENOTSUP, "container \"%s\" has no cgroup: no statistics", id);
	w->has_cg = true;
	return 0;
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *blkio_entry(const struct cg_io_stat *io, const char *op, uint64_t v)
{
	json_object *e = json_object_new_object();

	add_u64(e, "major", io->major);
	add_u64(e, "minor", io->minor);
	json_object_object_add(e, "op", json_object_new_string(op));
	add_u64(e, "value", v);
	return e;
}

/* runc's types.Stats, from cgroup v2 files: times in ns (v2 counts usec),
 * "max" limits as UINT64_MAX, swap as memory+swap like v1 (runc does the
 * same so consumers see one meaning), failcnt from memory.events max. */
static json_object *stats_data(const struct cg_stats *s, uint64_t nprocs)
{
	json_object *data = json_object_new_object();
	json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	json_object *thr = json_object_new_object(), *mem = json_object_new_object();
	json_object *mu = json_object_new_object(), *sw = json_object_new_object();
	json_object *raw = json_object_new_object(), *pids = json_object_new_object();
	json_object *blkio = json_object_new_object();
	json_object *bytes = json_object_new_array(), *ios = json_object_new_array();

	add_u64(usage, "total", s->cpu_usage_usec * 1000);
	add_u64(usage, "kernel", s->cpu_system_usec * 1000);
	add_u64(usage, "user", s->cpu_user_usec * 1000);
	json_object_object_add(cpu, "usage", usage);
	add_u64(thr, "periods", s->cpu_nr_periods);
	add_u64(thr, "throttledPeriods", s->cpu_nr_throttled);
	add_u64(thr, "throttledTime", s->cpu_throttled_usec * 1000);
	json_object_object_add(cpu, "throttling", thr);
	json_object_object_add(data, "cpu", cpu);

	for (size_t i = 0; i < s->n_mem_stat; i++) {
		add_u64(raw, s->mem_stat[i].key, s->mem_stat[i].value);
		if (!strcmp(s->mem_stat[i].key, "file"))
			add_u64(mem, "cache", s->mem_stat[i].value);
	}
	add_u64(mu, "limit", s->mem_max);
	add_u64(mu, "usage", s->mem_current);
	if (s->mem_peak)
		add_u64(mu, "max", s->mem_peak);
	add_u64(mu, "failcnt", s->ev_max);
	json_object_object_add(mem, "usage", mu);
	add_u64(sw, "limit", s->swap_max == CG_MAX || s->mem_max == CG_MAX
				     ? CG_MAX
				     : s->swap_max + s->mem_max);
	add_u64(sw, "usage", s->swap_current + s->mem_current);
	add_u64(sw, "failcnt", 0);
	json_object_object_add(mem, "swap", sw);
	json_object_object_add(mem, "raw", raw);
	json_object_object_add(data, "memory", mem);

	/* Without the pids controller (a hybrid host) the group's process
	 * count stands in for the task count. */
	add_u64(pids, "current", s->has_pids ? s->pids_current : nprocs);
	if (s->has_pids && s->pids_max != CG_MAX)
		add_u64(pids, "limit", s->pids_max);
	json_object_object_add(data, "pids", pids);

	for (size_t i = 0; i < s->n_io; i++) {
		json_object_array_add(bytes, blkio_entry(&s->io[i], "Read", s->io[i].rbytes));
		json_object_array_add(bytes, blkio_entry(&s->io[i], "Write", s->io[i].wbytes));
		json_object_array_add(ios, blkio_entry(&s->io[i], "Read", s->io[i].rios));
		json_object_array_add(ios, blkio_entry(&s->io[i], "Write", s->io[i].wios));
	}
	json_object_object_add(blkio, "ioServiceBytesRecursive", bytes);
	json_object_object_add(blkio, "ioServicedRecursive", ios);
	json_object_object_add(data, "blkio", blkio);
	return data;
}

static char *event_json(const char *type, const char *id, json_object *data)
{
	json_object *ev = json_object_new_object();
	char *text;

	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "id", json_object_new_string(id));
	if (data)
		json_object_object_add(ev, "data", data);
	text = xstrdup(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(ev);
	return text;
}

static char *stats_event(const struct watched *w, struct error *err)
{
	struct cg_stats s;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	char *text;

	if (cg_group_stats(&w->g, &s, err) < 0)
		return NULL;
	if (!s.has_pids && cg_group_pids(&w->g, &pids, &n, err) < 0) {
		cg_stats_release(&s);
		return NULL;
	}
	text = event_json("stats", w->st.id, stats_data(&s, n));
	cg_stats_release(&s);
	return text;
}

int rt_container_stats(const struct rt_context *ctx, const char *id, char **event,
		       struct error *err)
{
	struct watched w;
	int r = -1;

	*event = NULL;
	if (watched_open(ctx, id, &w, err) == 0) {
		*event = stats_event(&w, err);
		r = *event ? 0 : -1;
	}
	watched_release(&w);
	return r;
}

int rt_container_oom_killed(const struct rt_context *ctx, const char *id, bool *killed,
			    struct error *err)
{
	_cleanup_close_ int dirfd = rt_state_dir_open(ctx, id, err);
	struct rt_state st;

	*killed = false;
	if (dirfd < 0 || rt_state_read(dirfd, id, &st, err) < 0)
		return -1;
	*killed = rt_state_oom_killed(&st);
	rt_state_release(&st);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Emit one oom event per kill counted since *seen. */
static int check_oom(const struct watched *w, uint64_t *seen,
		     int (*emit)(const char *event, void *data), void *data)
{
	uint64_t oom, kills;
	struct error e2;

	if (cg_group_oom(&w->g, &oom, &kills, &e2) < 0)
		return 0;
	for (; *seen < kills; (*seen)++) {
		_cleanup_free_ char *ev = event_json("oom", w->st.id, NULL);

		if (emit(ev, data) < 0)
			return -1;
	}
	return 0;
}

int rt_container_events(const struct rt_context *ctx, const char *id, unsigned interval_ms,
			int (*emit)(const char *event, void *data), void *data,
			struct error *err)
{
	_cleanup_close_ int pidfd = -1, mev = -1;
	struct watched w;
	uint64_t oom, seen = 0;
	int64_t next;
	int r = -1;

	if (watched_open(ctx, id, &w, err) < 0)
		goto out;
	/* The pidfd is readable once the init has exited: the end of the
	 * container, and of this loop.  The start time check after opening
	 * it rules out a recycled pid. */
	pidfd = (int)syscall(SYS_pidfd_open, w.st.pid, 0);
	if (pidfd < 0 || !rt_state_alive(&w.st)) {
		error_set(err, ESRCH, "container \"%s\" is not running", id);
		goto out;
	}
	/* memory.events raises POLLPRI when it changes (kernfs notify); it
	 * is missing when the memory controller is not enabled, and then
	 * there is nothing to watch. */
	mev = openat(w.g.dirfd, "memory.events", O_RDONLY | O_CLOEXEC);
	if (cg_group_oom(&w.g, &oom, &seen, err) < 0)
		goto out;
	next = now_ms() + interval_ms;
	for (;;) {
		struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
					{.fd = mev, .events = POLLPRI}};
		int64_t wait = next - now_ms();
		char buf[512];

		if (poll(pfd, 2, wait < 0 ? 0 : (int)wait) < 0) {
			if (errno == EINTR)
				continue;
			error_sys(err, "poll");
			goto out;
		}
		if (pfd[1].revents & (POLLPRI | POLLERR)) {
			/* Reading re-arms the notification. */
			if (lseek(mev, 0, SEEK_SET) == 0)
				while (read(mev, buf, sizeof(buf)) > 0)
					;
			if (check_oom(&w, &seen, emit, data) < 0) {
				r = 0; /* nobody is reading any more */
				break;
			}
		}
		if (pfd[0].revents & POLLIN) {
			/* The kill is counted before the victim dies. */
			check_oom(&w, &seen, emit, data);
			r = 0;
			break;
		}
		if (now_ms() >= next) {
			_cleanup_free_ char *ev = NULL;

			/* No memory.events to watch (a cgroup v1 memory group):
			 * the OOM kill count is read at each interval instead. */
			if (mev < 0 && check_oom(&w, &seen, emit, data) < 0) {
				r = 0;
				break;
			}
			ev = stats_event(&w, err);
			if (!ev) {
				if (!rt_state_alive(&w.st))
					r = 0; /* it stopped while we read */
				break;
			}
			if (emit(ev, data) < 0) {
				r = 0;
				break;
			}
			next += interval_ms;
		}
	}
out:
	watched_release(&w);
	return r;
}
