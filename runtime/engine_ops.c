/* The engine's operations on a running container: exec, pause and
 * unpause, the pids for top, stats, and the client end of attach with its
 * detach keys.  Each resolves the container in the store, checks that it
 * runs (from the kernel: pid and start time) and uses the OCI runtime's
 * code on its runtime state (ctx->root/ID): nothing is done twice. */
#include "runtime/internal.h"
#include "image/image.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

/* The container of ref, which must run and (unless paused_ok) not be
 * frozen. */
static int find_running(struct img_store *s, const struct rt_context *ctx, const char *ref,
			bool paused_ok, struct img_ctr *c, struct error *err)
{
	if (img_ctr_find(s, ref, c, err) < 0)
		return -1;
	if (rt_engine_status(c) != RT_ENGINE_RUNNING) {
		error_set(err, EINVAL, "container %s is not running", ref);
		img_ctr_release(c);
		return -1;
	}
	if (!paused_ok && rt_engine_paused(ctx, c)) {
		error_set(err, EINVAL, "container %s is paused: unpause it first", ref);
		img_ctr_release(c);
		return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- exec -- */

/* -u USER[:GROUP] as "uid:gid": names looked up in the container's own
 * /etc/passwd and /etc/group, read through the root its init sees
 * (/proc/PID/root) and resolved inside it, so a symlink there cannot make
 * us read the host's files. */
static char *exec_user(const struct img_ctr *c, const char *spec, struct error *err)
{
	char path[64];
	_cleanup_close_ int rootfd = -1;
	int64_t uid, gid;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)c->pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		error_sys(err, "cannot open the root of container %s", c->name);
		return NULL;
	}
	if (rt_user_resolve(spec, rootfd, &uid, &gid, err) < 0)
		return NULL;
	return xasprintf("%lld:%lld", (long long)uid, (long long)gid);
}

int rt_engine_exec(struct img_store *s, const struct rt_context *ctx, const char *ref,
		   const struct rt_engine_exec_opts *o, int *status, struct error *err)
{
	struct rt_exec_opts x = {.args = o->cmd,
				 .env = o->env,
				 .tty = o->tty,
				 .detach = o->detach,
				 .cwd = o->workdir,
				 .detach_keys = o->detach_keys};
	_cleanup_free_ char *user = NULL;
	_cleanup_strv_ char **caps = NULL;
	struct img_ctr c;
	int r = -1;

	*status = 0;
	if (!o->cmd || !o->cmd[0])
		return error_set(err, EINVAL, "exec needs a command");
	if (find_running(s, ctx, ref, false, &c, err) < 0)
		return -1;
	if (o->user && !(user = exec_user(&c, o->user, err)))
		goto out;
	x.user = user;
	/* --privileged: every capability in the bounding, effective and
	 * permitted sets (those nook holds itself; rt_container_exec keeps them out of the
	 * inheritable and ambient ones).  The container's seccomp filter
	 * stays, as docker's exec keeps it. */
	if (o->privileged) {
		uint64_t bounding = rt_runtime_bounding();

		for (int cap = 0; cap <= rt_cap_last() && cap < 64; cap++)
			if (bounding & (1ull << cap))
				strv_push(&caps, rt_cap_name(cap));
		x.caps = caps;
	}
	r = rt_container_exec(ctx, c.id, &x, status, err);
out:
	img_ctr_release(&c);
	return r;
}

/* ------------------------------------------------------------- pause -- */

bool rt_engine_paused(const struct rt_context *ctx, const struct img_ctr *c)
{
	struct rt_info info;
	struct error e;
	bool paused;

	if (rt_engine_status(c) != RT_ENGINE_RUNNING ||
	    rt_container_info(ctx, c->id, &info, &e) < 0)
		return false;
	paused = info.status == RT_STATUS_PAUSED;
	rt_info_release(&info);
	return paused;
}

int rt_engine_pause(struct img_store *s, const struct rt_context *ctx, const char *ref, bool pause,
		    struct error *err)
{
	struct img_ctr c;
	int r;

	if (find_running(s, ctx, ref, true, &c, err) < 0)
		return -1;
	if (rt_engine_paused(ctx, &c) == pause) {
		error_set(err, EINVAL, "container %s is %s", ref,
			  pause ? "already paused" : "not paused");
		img_ctr_release(&c);
		return -1;
	}
	r = pause ? rt_container_pause(ctx, c.id, err) : rt_container_resume(ctx, c.id, err);
	img_ctr_release(&c);
	return r;
}

/* The stop signal c names itself (--stop-signal, else its image's
 * StopSignal), 0 when neither does. */
static int stop_signal_named(struct img_store *s, const struct img_ctr *c)
{
	struct json_object *doc = json_tokener_parse(c->config), *cc, *v;
	struct img_config cfg;
	struct error e;
	int sig = 0;

	if (json_object_object_get_ex(doc, "Config", &cc) &&
	    json_object_object_get_ex(cc, "StopSignal", &v))
		sig = signal_parse(json_object_get_string(v));
	json_object_put(doc);
	if (sig <= 0 && img_config_get(s, c->image_id, &cfg, &e) == 0) {
		sig = cfg.stop_signal ? signal_parse(cfg.stop_signal) : 0;
		img_config_release(&cfg);
	}
	return sig > 0 ? sig : 0;
}

bool rt_engine_signal_thaws(struct img_store *s, const struct img_ctr *c, int sig)
{
	int stop;

	/* docker: SIGKILL, or the container's stop signal (any signal when
	 * it names none), is meant to end it, so a paused one is thawed. */
	if (sig == SIGKILL)
		return true;
	stop = stop_signal_named(s, c);
	return !stop || stop == sig;
}

int rt_engine_signal(const struct rt_context *ctx, const char *id, int sig, bool thaw,
		     struct error *err)
{
	struct rt_info info;
	struct error e;
	bool paused = false;

	if (thaw && rt_container_info(ctx, id, &info, &e) == 0) {
		paused = info.status == RT_STATUS_PAUSED;
		rt_info_release(&info);
	}
	if (rt_container_kill(ctx, id, sig, false, err) < 0)
		return -1;
	/* The signal waits in the frozen tasks; thawed, they take it (and
	 * the container can end, as docker's stop of a paused one does). */
	if (paused && rt_container_resume(ctx, id, err) < 0)
		return error_prefix(err, "cannot thaw container %s after signalling it", id);
	return 0;
}

int rt_engine_pids(struct img_store *s, const struct rt_context *ctx, const char *ref, pid_t **pids,
		   size_t *n, struct error *err)
{
	struct img_ctr c;
	int r;

	if (find_running(s, ctx, ref, true, &c, err) < 0)
		return -1;
	r = rt_container_pids(ctx, c.id, pids, n, err);
	img_ctr_release(&c);
	return r;
}

/* ------------------------------------------------------------- stats -- */

/* Received and sent bytes of the interfaces in pid's network namespace
 * but loopback (docker counts the container's own interfaces). */
static int net_read(pid_t pid, uint64_t *rx, uint64_t *tx, struct error *err)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	*rx = *tx = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	if (file_read_at(AT_FDCWD, path, 1 << 20, &text, NULL, err) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[9];

		if (!colon)
			continue;
		*colon = '\0';
		name += strspn(name, " ");
		if (!strcmp(name, "lo") ||
		    sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
			continue;
		*rx += v[0];
		*tx += v[8];
	}
	return 0;
}

static bool host_network(const struct img_ctr *c)
{
	struct json_object *doc = json_tokener_parse(c->config), *h, *m;
	bool host = doc && json_object_object_get_ex(doc, "HostConfig", &h) &&
		    json_object_object_get_ex(h, "NetworkMode", &m) &&
		    !strcmp(json_object_get_string(m), "host");

	json_object_put(doc);
	return host;
}

int rt_engine_stats_read(const struct rt_context *ctx, const struct img_ctr *c,
			 struct rt_engine_stats *out, struct error *err)
{
	_cleanup_close_ int dirfd = -1;
	struct rt_state st;
	struct cg_group g = {.dirfd = -1};
	struct cg_stats cs;
	struct timespec ts;
	int has, r = -1;

	memset(out, 0, sizeof(*out));
	if (rt_engine_status(c) != RT_ENGINE_RUNNING)
		return error_set(err, EINVAL, "container %s is not running", c->name);
	dirfd = rt_state_dir_open(ctx, c->id, err);
	if (dirfd < 0 || rt_state_read(dirfd, c->id, &st, err) < 0)
		return -1;
	has = rt_state_cgroup(&st, &g, err);
	if (has <= 0) {
		if (has == 0)
			error_set(err, ENOTSUP, "container %s has no cgroup: no statistics",
				  c->name);
		goto out;
	}
	if (cg_group_stats(&g, &cs, err) < 0)
		goto out_cg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->at_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	out->has_cpu = cs.has_cpu;
	out->cpu_usec = cs.cpu_usage_usec;
	out->has_memory = cs.has_memory;
	out->mem_usage = cs.mem_current;
	out->mem_limit = cs.mem_max;
	/* An io controller with nothing read or written yet: zeros. */
	out->has_io = cs.n_io > 0 || (g.dirfd >= 0 && faccessat(g.dirfd, "io.stat", F_OK, 0) == 0);
	for (size_t i = 0; i < cs.n_io; i++) {
		out->blk_read += cs.io[i].rbytes;
		out->blk_write += cs.io[i].wbytes;
	}
	if (cs.has_pids) {
		out->pids = cs.pids_current;
	} else {
		/* No pids controller (a hybrid host): the group's members. */
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (cg_group_pids(&g, &pids, &n, err) < 0) {
			cg_stats_release(&cs);
			goto out_cg;
		}
		out->pids = n;
	}
	cg_stats_release(&cs);
	/* Host networking: the host's counters are not the container's. */
	out->has_net = !host_network(c) && net_read(c->pid, &out->net_rx, &out->net_tx, err) == 0;
	r = 0;
out_cg:
	cg_group_release(&g);
out:
	rt_state_release(&st);
	return r;
}

/* ------------------------------------------------------- detach keys -- */

int rt_detach_keys_parse(const char *spec, struct rt_detach_keys *k, struct error *err)
{
	_cleanup_free_ char *copy = NULL;
	char *tok, *save = NULL;

	if (!spec || !*spec)
		spec = "ctrl-p,ctrl-q";
	copy = xstrdup(spec);
	k->n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned char c;

		if (k->n == sizeof(k->seq))
			return error_set(err, EINVAL, "--detach-keys '%s': too many keys", spec);
		if (!strncmp(tok, "ctrl-", 5) && strlen(tok) == 6) {
			c = (unsigned char)tok[5];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (c >= 'a' && c <= 'z')
				c = (unsigned char)(c - 'a' + 1);
			else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' ||
				 c == '_')
				c = (unsigned char)(c - '@');
			else
				return error_set(err, EINVAL,
						 "--detach-keys '%s': unknown key '%s' (want "
						 "ctrl-[a-z@[\\]^_] or one character)",
						 spec, tok);
		} else if (strlen(tok) == 1) {
			c = (unsigned char)tok[0];
		} else {
			return error_set(err, EINVAL,
					 "--detach-keys '%s': unknown key '%s' (want "
					 "ctrl-[a-z@[\\]^_] or one character)",
					 spec, tok);
		}
		k->seq[k->n++] = c;
	}
	if (!k->n)
		return error_set(err, EINVAL, "--detach-keys '%s': no key", spec);
	return 0;
}

bool rt_detach_filter(struct rt_detach_state *st, const unsigned char *in, size_t n,
		      unsigned char *out, size_t *out_n)
{
	const struct rt_detach_keys *k = st->keys;

	*out_n = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == k->seq[st->matched]) {
			if (++st->matched == k->n) {
				st->matched = 0;
				return true;
			}
			continue;
		}
		/* The sequence broke: what was held back goes through. */
		memcpy(out + *out_n, k->seq, st->matched);
		*out_n += st->matched;
		st->matched = 0;
		if (in[i] == k->seq[0]) {
			st->matched = 1;
			if (k->n == 1) {
				st->matched = 0;
				return true;
			}
			continue;
		}
		out[(*out_n)++] = in[i];
	}
	return false;
}

/* ------------------------------------------------------------ attach -- */

char *rt_engine_sock_path(const struct img_ctr *c)
{
	return xasprintf("%s.sock", c->dir);
}

bool rt_engine_config_flag(const char *config, const char *section, const char *key)
{
	struct json_object *doc = json_tokener_parse(config), *sec, *v;
	bool r = doc && json_object_object_get_ex(doc, section, &sec) &&
		 json_object_object_get_ex(sec, key, &v) && json_object_get_boolean(v);

	json_object_put(doc);
	return r;
}

int rt_engine_connect(struct img_store *s, const char *ref, int *fd, bool *tty, bool *input,
		      struct error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int sock = -1;
	struct img_ctr c;
	int r = -1;

	*fd = -1;
	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	if (rt_engine_status(&c) != RT_ENGINE_RUNNING) {
		error_set(err, EINVAL,
			  "cannot attach to container %s: it is not running (start it)", ref);
		goto out;
	}
	*tty = rt_engine_config_flag(c.config, "Config", "Tty");
	*input = rt_engine_config_flag(c.config, "Config", "OpenStdin");
	path = rt_engine_sock_path(&c);
	sock = rt_attach_dial(path, err);
	if (sock < 0 || rt_attach_hello(sock, err) < 0) {
		if (err->code == EBUSY)
			error_set(err, EBUSY, "container %s has a client attached already", ref);
		goto out;
	}
	*fd = steal_fd(&sock);
	r = 0;
out:
	img_ctr_release(&c);
	return r;
}

/* sun_path holds 108 bytes; the store may be deeper.  The socket is
 * reached through its directory's fd (/proc/self/fd/N/NAME) instead. */
static int sock_addr(const char *path, struct sockaddr_un *sa, int *dirfd, struct error *err)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL;

	if (!slash)
		return error_set(err, EINVAL, "'%s': not an absolute path", path);
	dir = xstrndup(path, (size_t)(slash - path) + 1);
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return error_sys(err, "cannot open '%s'", dir);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd,
			     slash + 1) >= sizeof(sa->sun_path))
		return error_set(err, ENAMETOOLONG, "'%s': name too long", path);
	return 0;
}

int rt_attach_listen(const char *path, struct error *err)
{
	_cleanup_close_ int dirfd = -1, sock = -1;
	struct sockaddr_un sa;

	if (sock_addr(path, &sa, &dirfd, err) < 0)
		return -1;
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return error_sys(err, "socket");
	/* A monitor killed before its cleanup left its socket. */
	unlinkat(dirfd, strrchr(path, '/') + 1, 0);
	if (bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_sys(err, "cannot bind '%s'", path);
	/* Only root (the store's owner) may attach: the socket carries the
	 * container's stdin and signals. */
	if (fchmodat(dirfd, strrchr(path, '/') + 1, 0600, 0) < 0 || listen(sock, 4) < 0)
		return error_sys(err, "cannot listen on '%s'", path);
	return steal_fd(&sock);
}

int rt_attach_dial(const char *path, struct error *err)
{
	_cleanup_close_ int dirfd = -1, sock = -1;
	struct sockaddr_un sa;

	if (sock_addr(path, &sa, &dirfd, err) < 0)
		return -1;
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return error_sys(err, "socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_sys(err, "cannot reach the monitor at '%s'", path);
	return steal_fd(&sock);
}
