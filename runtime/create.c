/* `create`: everything up to the point where the container's process waits
 * for `start`.  The parent prepares what can fail early (spec, seccomp,
 * cgroup, state dir), clones the init into its namespaces, answers its
 * requests (id maps, hooks) and records the state.  Any failure undoes
 * what was made: no state dir, cgroup or process is left behind. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* linux.cgroupsPath as runc reads it: absolute paths are taken as they
 * are, relative ones are below the runtime's own cgroup in each hierarchy
 * (cg_paths_resolve); none means /nook/ID.  Rootless, every path is below
 * the delegated subtree base (v2 only). */
static int cgroup_paths_for(struct rt_launch *l, const char *id, const char *base,
			    struct error *err)
{
	_cleanup_free_ char *def = NULL;
	const char *path = l->spec.cgroups_path;
	struct cg_paths p;

	if (base) {
		if (!strcmp(base, "/"))
			base = "";
		if (!path || !*path)
			l->st.cgroup_path = xasprintf("%s/nook/%s", base, id);
		else if (str_has_prefix(path, base) && path[strlen(base)] == '/')
			l->st.cgroup_path = xstrdup(path);
		else
			l->st.cgroup_path = xasprintf("%s%s%s", base, *path == '/' ? "" : "/", path);
		return 0;
	}
	if (!path || !*path)
		path = def = xasprintf("/nook/%s", id);
	if (cg_paths_resolve(&p, path, err) < 0)
		return error_prefix(err, "linux.cgroupsPath");
	l->st.cgroup_path = p.path;
	l->st.cgroup_v1_paths = p.v1;
	l->st.n_cgroup_v1_paths = p.n_v1;
	return 0;
}

/* Which cgroup the container gets, decided before anything is made: the
 * path goes into state.json first, so that a `delete -f` after a kill -9
 * at any later step finds the group. */
static int plan_cgroup(struct rt_launch *l, const char *id, struct cg_resources **res,
		       struct error *err)
{
	_cleanup_free_ char *mnt = NULL, *base = NULL;
	struct error e2;
	bool without;

	/* Parsed even when absent: the result carries the default device
	 * allow-list, so every container gets a device filter. */
	if (rt_resources_parse(l->spec.resources, res, err) < 0)
		return -1;
	/* Devices the config creates are usable in the container (as runc). */
	for (size_t i = 0; i < l->spec.n_devices; i++) {
		const struct ns_device *d = &l->spec.devices[i];
		struct cg_device_rule rule = {.allow = true, .type = d->type == 'b' ? 'b' : 'c',
					      .major = d->major, .minor = d->minor,
					      .access = CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD};

		if (d->type != 'p')
			cg_resources_add_device(*res, &rule);
	}
	if (rt_rootless_cgroup_plan(*res, &base, &without, err) < 0)
		return -1;
	if (without)
		return 0;
	/* No v2 hierarchy and nothing to limit: run without a cgroup (pause
	 * and ps then say they need one). */
	if (cg_hierarchy_find(&mnt, &e2) < 0 && (!*res || cg_resources_empty(*res)))
		return 0;
	if (cgroup_paths_for(l, id, base, err) < 0)
		return -1;
	l->st.cgroup_v1 = cg_group_may_use_v1(*res);
	return 0;
}

static int make_cgroup(struct rt_launch *l, const struct cg_resources *res, struct error *err)
{
	int r;

	if (!l->st.cgroup_path)
		return 0;
	/* A delete running beside us may remove an empty /nook between our
	 * steps (ENOENT): try again. */
	for (int tries = 0;; tries++) {
		r = cg_group_create_paths(&l->cg,
					  &(struct cg_paths){.path = l->st.cgroup_path,
							     .v1 = l->st.cgroup_v1_paths,
							     .n_v1 = l->st.n_cgroup_v1_paths},
					  res, err);
		if (r == 0 || err->code != ENOENT || tries == 3)
			break;
	}
	if (r < 0)
		return -1;
	l->has_cg = true;
	return 0;
}

static int write_config_copy(int dirfd, const struct rt_spec *spec, struct error *err)
{
	const char *text = json_object_to_json_string_ext(spec->doc, JSON_C_TO_STRING_PLAIN);

	return file_create_at(dirfd, "config.json", text, strlen(text), 0600, err);
}

static int clone_flags_for(const struct rt_spec *spec, int *join_user_fd, int *join_pid_fd,
			   struct error *err)
{
	int flags = 0;

	*join_user_fd = -1;
	*join_pid_fd = -1;
	for (size_t i = 0; i < spec->n_namespaces; i++) {
		const struct rt_namespace *ns = &spec->namespaces[i];
		int *fd;

		if (ns->flag == CLONE_NEWCGROUP)
			continue; /* unshared by the init once in its cgroup */
		if (!ns->path) {
			flags |= ns->flag;
			continue;
		}
		if (ns->flag != CLONE_NEWUSER && ns->flag != CLONE_NEWPID)
			continue; /* joined by the init itself */
		fd = ns->flag == CLONE_NEWUSER ? join_user_fd : join_pid_fd;
		*fd = ns_open_path(ns->path, ns->flag, err);
		if (*fd < 0)
			return -1;
	}
	if (*join_user_fd >= 0 && (flags & ~CLONE_NEWUSER))
		return error_set(err, ENOTSUP,
				 "joining an existing user namespace together with new namespaces is "
				 "not supported yet");
	return flags;
}

/* linux.timeOffsets -> at most one offset per clock the kernel knows. */
static size_t time_offsets_of(const struct rt_spec *spec, struct ns_time_offset offs[2])
{
	size_t n = 0;

	if (!spec->time_offsets)
		return 0;
	json_object_object_foreach(spec->time_offsets, clock, val)
	{
		json_object *v;

		if (n == 2)
			break;
		offs[n].clock = clock;
		offs[n].secs =
		    json_object_object_get_ex(val, "secs", &v) ? json_object_get_int64(v) : 0;
		offs[n].nanosecs = json_object_object_get_ex(val, "nanosecs", &v)
				       ? (long)json_object_get_int64(v)
				       : 0;
		n++;
	}
	return n;
}

/* The host id that container id 0 maps to (0 if unmapped). */
static uint32_t host_id_of_root(const struct ns_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return m[i].host_id;
	return 0;
}

static void hook_state(struct rt_launch *l, const char *id, enum rt_status s, char **out)
{
	struct rt_state st = l->st;

	st.id = (char *)id;
	*out = rt_state_json(&st, s, false);
}

/* Answer the init until it reports CREATED (or fails). */
static int serve_init(struct rt_launch *l, const char *id, int sync_fd, struct error *err)
{
	struct rt_sync_msg m;

	for (;;) {
		if (rt_sync_recv(sync_fd, &m, err) < 0)
			return -1;
		switch (m.type) {
		case RT_SYNC_HOOKS: {
			_cleanup_free_ char *state = NULL;

			hook_state(l, id, RT_STATUS_CREATING, &state);
			if (rt_hooks_run(&l->spec, RT_HOOK_PRESTART, state, err) < 0 ||
			    rt_hooks_run(&l->spec, RT_HOOK_CREATE_RUNTIME, state, err) < 0)
				return -1;
			if (rt_sync_send(sync_fd, RT_SYNC_HOOKS_DONE, 0, NULL) < 0)
				return error_sys(err, "cannot reach the container init");
			break;
		}
		case RT_SYNC_CREATED:
			return 0;
		case RT_SYNC_ERROR:
			*err = m.err;
			return -1;
		default:
			return error_set(err, EPROTO, "unexpected message %d from the container init",
					 m.type);
		}
	}
}

void rt_launch_abort(struct rt_launch *l, const char *id)
{
	struct error e2;

	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
			;
		l->pid = 0;
	}
	if (l->has_cg) {
		if (cg_group_destroy(&l->cg, &e2) < 0)
			log_warn("%s", e2.msg);
		rt_cgroup_parent_cleanup(l->st.cgroup_path, l->st.cgroup_v1);
		l->has_cg = false;
	}
	if (l->root_fd >= 0 && l->dir_created) {
		if (rt_state_dir_remove(l->root_fd, id, &e2) < 0)
			log_warn("%s", e2.msg);
		l->dir_created = false;
	}
}

void rt_launch_release(struct rt_launch *l)
{
	rt_spec_release(&l->spec);
	if (l->cg.dirfd >= 0 || l->cg.path)
		cg_group_release(&l->cg);
	l->st.id = NULL;
	rt_state_release(&l->st);
	if (l->dirfd >= 0)
		close(l->dirfd);
	if (l->root_fd >= 0)
		close(l->root_fd);
	if (l->console_master >= 0)
		close(l->console_master);
	rt_seccomp_release(&l->seccomp);
}

static void init_child(void *arg)
{
	rt_init_main(arg);
}

/* The state dir, locked (delete and start wait until create is done or
 * dead), with state.json recording the intent before anything outside
 * the dir exists: creating, by whom, and the cgroup it will have. */
static int state_begin(struct rt_launch *l, const struct rt_context *ctx, const char *id,
		       const char *bundle, struct error *err)
{
	l->root_fd = rt_root_open(ctx, true, err);
	if (l->root_fd < 0)
		return -1;
	l->dirfd = rt_state_dir_create(l->root_fd, id, err);
	if (l->dirfd < 0)
		return -1;
	l->dir_created = true;
	fault_point("create-dir");
	l->st.id = (char *)id;
	l->st.creating = true;
	l->st.poststart = l->spec.n_hooks[RT_HOOK_POSTSTART] > 0;
	l->st.poststop = l->spec.n_hooks[RT_HOOK_POSTSTOP] > 0;
	l->st.creator = getpid();
	l->st.bundle = xstrdup(bundle);
	l->st.rootfs = xstrdup(l->spec.root_path);
	l->st.owner = xstrdup("");
	l->st.annotations = l->spec.annotations ? json_object_get(l->spec.annotations) : NULL;
	time_rfc3339(l->st.created);
	if (rt_state_write(l->dirfd, &l->st, err) < 0)
		return -1;
	fault_point("create-state");
	return write_config_copy(l->dirfd, &l->spec, err);
}

/* exec.fifo, owned by the root of a new user namespace: the init
 * reopens it as that root (as runc does). */
static int make_fifo(struct rt_launch *l, int flags, struct error *err)
{
	int fd;

	if (mkfifoat(l->dirfd, "exec.fifo", 0600) < 0)
		return error_sys(err, "cannot create exec.fifo");
	if ((flags & CLONE_NEWUSER) &&
	    fchownat(l->dirfd, "exec.fifo",
		     host_id_of_root(l->spec.uid_mappings, l->spec.n_uid_mappings),
		     host_id_of_root(l->spec.gid_mappings, l->spec.n_gid_mappings),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return error_sys(err, "cannot chown exec.fifo");
	fd = openat(l->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
	if (fd < 0)
		return error_sys(err, "cannot open exec.fifo");
	return fd;
}

/* After clone: id maps, the init's pid recorded, o->spawned while the
 * init sets up, the init's setup served, its "created" recorded, then
 * the init let go to wait for start. */
static int bring_up(struct rt_launch *l, const char *id, const struct rt_create_opts *o,
		    struct rt_spawn *sp, struct error *err)
{
	/* Rootless: our own id written directly, subordinate ranges through
	 * newuidmap/newgidmap. */
	if ((sp->flags & CLONE_NEWUSER) &&
	    (geteuid() ? ns_idmap_write_rootless(l->pid, l->spec.uid_mappings,
						 l->spec.n_uid_mappings, l->spec.gid_mappings,
						 l->spec.n_gid_mappings, err)
		       : ns_idmap_write(l->pid, l->spec.uid_mappings, l->spec.n_uid_mappings,
					l->spec.gid_mappings, l->spec.n_gid_mappings, false, err)) < 0)
		return -1;
	/* The init can outlive us from here: its pid and start time go into
	 * the state before it does anything, so `delete -f` finds it. */
	l->st.pid = l->pid;
	l->st.pid_start = proc_start_time(l->pid);
	if (rt_state_write(l->dirfd, &l->st, err) < 0)
		return -1;
	fault_point("create-pid");
	/* From here, as runc does from its bootstrap in the host's user
	 * namespace: the init, root of a new user namespace and non-dumpable,
	 * may not open its own /proc/self/oom_score_adj for writing. */
	if (l->spec.process.has_oom_score_adj) {
		char path[64], v[16];

		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)l->pid);
		snprintf(v, sizeof(v), "%d", l->spec.process.oom_score_adj);
		if (file_write_at(AT_FDCWD, path, v, err) < 0)
			return error_prefix(err, "process.oomScoreAdj");
	}
	/* Into the v1 groups (CLONE_INTO_CGROUP only reaches v2) before the
	 * init runs a single instruction of the container. */
	if (l->has_cg && cg_group_enter(&l->cg, l->pid, err) < 0)
		return -1;
	if (rt_sync_send(sp->sync_fd, RT_SYNC_GO, l->pid, NULL) < 0)
		return error_sys(err, "cannot reach the container init");
	/* In parallel with the init's own setup, which never waits on it. */
	if (o->spawned && o->spawned(o->spawned_arg, l->pid, err) < 0)
		return -1;
	if (serve_init(l, id, sp->sync_fd, err) < 0)
		return -1;
	fault_point("create-ready");
	if (rt_spawn_console(sp, &l->console_master, err) < 0)
		return -1;
	l->st.creating = false;
	l->st.creator = 0;
	if (rt_state_write(l->dirfd, &l->st, err) < 0)
		return -1;
	if (o->pid_file && rt_pid_file_write(o->pid_file, l->pid, err) < 0)
		return -1;
	fault_point("create-recorded");
	if (rt_sync_send(sp->sync_fd, RT_SYNC_RECORDED, 0, NULL) < 0)
		return error_sys(err, "cannot reach the container init");
	return 0;
}

int rt_launch_create(struct rt_launch *l, const struct rt_context *ctx, const char *id,
		     const struct rt_create_opts *o, bool foreground, struct error *err)
{
	_cleanup_close_ int fifo_fd = -1, join_user = -1, join_pid = -1;
	_cleanup_free_ char *cgroup_dir = NULL;
	struct cg_resources *res = NULL;
	struct ns_time_offset offs[2];
	char bundle[PATH_MAX];
	struct rt_spawn sp;
	struct rt_init in;
	int flags;

	memset(l, 0, sizeof(*l));
	l->dirfd = l->root_fd = l->console_master = -1;
	l->cg.dirfd = -1;
	rt_spawn_init(&sp);
	sigemptyset(&l->saved_mask);
	if (rt_id_check(id, err) < 0 || rt_preserved_fds_check(o->preserve_fds, err) < 0)
		return -1;
	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return error_sys(err, "bundle '%s'", o->bundle ? o->bundle : ".");
	if (rt_spec_load(&l->spec, bundle, err) < 0 || rt_spec_validate(&l->spec, err) < 0)
		return -1;
	if (l->spec.process.terminal && !o->console_socket && !foreground)
		return error_set(err, EINVAL,
				 "cannot allocate a pseudo-TTY without --console-socket "
				 "(process.terminal is true and the container will be detached)");
	if (l->spec.seccomp && rt_seccomp_prepare(ctx->root, l->spec.seccomp, &l->seccomp, err) < 0)
		return -1;
	flags = clone_flags_for(&l->spec, &join_user, &join_pid, err);
	if (flags < 0 || plan_cgroup(l, id, &res, err) < 0)
		goto fail;
	if (state_begin(l, ctx, id, bundle, err) < 0)
		goto fail;
	fifo_fd = make_fifo(l, flags, err);
	if (fifo_fd < 0 || make_cgroup(l, res, err) < 0)
		goto fail;
	fault_point("create-cgroup");
	if (rt_spawn_open(&sp, l->spec.process.terminal, o->console_socket, err) < 0)
		goto fail;
	in = (struct rt_init){
		.spec = &l->spec,
		.id = id,
		.bundle = bundle,
		.sync_fd = sp.child_sync_fd,
		.fifo_fd = fifo_fd,
		.console_sock = sp.console_sock,
		.seccomp = l->spec.seccomp ? &l->seccomp : NULL,
		.no_new_keyring = o->no_new_keyring,
		.preserve_fds = o->preserve_fds,
		.join_user_fd = join_user,
		.no_pivot = o->no_pivot,
		.rootless_maps = geteuid() != 0 && (flags & CLONE_NEWUSER),
	};
	if (l->has_cg && l->cg.root && !rt_spec_namespace(&l->spec, CLONE_NEWCGROUP))
		cgroup_dir = xasprintf("%s%s", l->cg.root, l->cg.path);
	in.cgroup_dir = cgroup_dir;
	/* Without a user namespace: one made first would own the fresh
	 * network namespace, which would not be the container's own. */
	if (o->has_fresh_netns && (flags & CLONE_NEWNET) && !(flags & CLONE_NEWUSER) &&
	    join_user < 0) {
		flags &= ~CLONE_NEWNET;
		sp.net_ns_fd = o->fresh_netns_fd;
	}
	sp.flags = flags;
	sp.cgroup_fd = l->has_cg ? l->cg.dirfd : -1;
	sp.pid_ns_fd = join_pid;
	sp.n_time_offs = time_offsets_of(&l->spec, offs);
	sp.time_offs = offs;
	sp.keep_blocked = foreground;
	sp.parent_death = true;
	if (rt_spawn_clone(&sp, init_child, &in, err) < 0)
		goto fail;
	l->pid = sp.pid;
	l->saved_mask = sp.saved_mask;
	fault_point("create-clone");
	if (bring_up(l, id, o, &sp, err) < 0)
		goto fail;
	/* Recorded: start and delete may take the container from here. */
	rt_state_unlock(l->dirfd);
	cg_resources_free(res);
	rt_spawn_release(&sp);
	return 0;

fail:
	if (foreground && l->pid > 0)
		sigprocmask(SIG_SETMASK, &l->saved_mask, NULL);
	cg_resources_free(res);
	rt_spawn_release(&sp);
	rt_launch_abort(l, id);
	return -1;
}

int rt_container_create(const struct rt_context *ctx, const char *id,
			const struct rt_create_opts *o, struct error *err)
{
	struct rt_launch l;
	int r;

	r = rt_launch_create(&l, ctx, id, o, false, err);
	rt_launch_release(&l);
	return r;
}
