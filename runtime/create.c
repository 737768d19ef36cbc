/* `create`: everything up to the point where the container's process waits
 * for `start`.  The parent prepares what can fail early (spec, seccomp,
 * cgroup, state dir), clones the init into its namespaces, answers its
 * requests (id maps, hooks) and records the state.  Any failure undoes
 * what was made: no state dir, cgroup or process is left behind. */
#include "runtime/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

static char *own_cgroup(void)
{
	_cleanup_free_ char *text = NULL;
	struct error err;
	char *line;

	if (file_read_at(AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, &err) < 0)
		return xstrdup("/");
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (str_has_prefix(line, "0::"))
			return xstrdup(line + 3);
	return xstrdup("/");
}

/* linux.cgroupsPath as runc reads it: absolute paths are taken as they
 * are, relative ones are below the runtime's own cgroup; none means
 * /nook/ID. */
static char *cgroup_path_for(const struct rt_spec *spec, const char *id)
{
	_cleanup_free_ char *self = NULL;

	if (!spec->cgroups_path || !*spec->cgroups_path)
		return xasprintf("/nook/%s", id);
	if (spec->cgroups_path[0] == '/')
		return xstrdup(spec->cgroups_path);
	self = own_cgroup();
	return xasprintf("%s%s%s", self, str_has_suffix(self, "/") ? "" : "/", spec->cgroups_path);
}

static int setup_cgroup(struct rt_launch *l, const char *id, struct error *err)
{
	struct cg_resources *res = NULL;
	_cleanup_free_ char *path = NULL, *mnt = NULL;
	struct error e2;
	int r;

	/* Parsed even when absent: the result carries the default device
	 * allow-list, so every container gets a device filter. */
	if (rt_resources_parse(l->spec.resources, &res, err) < 0)
		return -1;
	/* Devices the config creates are usable in the container (as runc). */
	for (size_t i = 0; i < l->spec.n_devices; i++) {
		const struct ns_device *d = &l->spec.devices[i];
		struct cg_device_rule rule = {.allow = true, .type = d->type == 'b' ? 'b' : 'c',
					      .major = d->major, .minor = d->minor,
					      .access = CG_DEV_READ | CG_DEV_WRITE | CG_DEV_MKNOD};

		if (d->type != 'p')
			cg_resources_add_device(res, &rule);
	}
	path = cgroup_path_for(&l->spec, id);
	if (cg_hierarchy_find(&mnt, &e2) < 0 && (!res || cg_resources_empty(res))) {
		/* No v2 hierarchy and nothing to limit: run without a cgroup
		 * (pause and ps then say they need one). */
		cg_resources_free(res);
		return 0;
	}
	/* A delete running beside us may remove an empty /nook between our
	 * steps (ENOENT): try again. */
	for (int tries = 0;; tries++) {
		r = cg_group_create(&l->cg, path, res, err);
		if (r == 0 || err->code != ENOENT || tries == 3)
			break;
	}
	cg_resources_free(res);
	if (r < 0)
		return -1;
	l->has_cg = true;
	l->st.cgroup_path = xstrdup(path);
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

		if (ns->flag == CLONE_NEWCGROUP)
			continue; /* unshared by the init once in its cgroup */
		if (!ns->path) {
			flags |= ns->flag;
			continue;
		}
		if (ns->flag == CLONE_NEWUSER || ns->flag == CLONE_NEWPID) {
			int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return error_sys(err, "cannot open %s namespace '%s'",
						 ns_name_from_flag(ns->flag), ns->path);
			if (ns->flag == CLONE_NEWUSER)
				*join_user_fd = fd;
			else
				*join_pid_fd = fd;
		}
	}
	if (*join_user_fd >= 0 && (flags & ~CLONE_NEWUSER))
		return error_set(err, ENOTSUP,
				 "joining an existing user namespace together with new namespaces is "
				 "not supported yet");
	return flags;
}

/* The host id that container id 0 maps to (0 if unmapped). */
static uint32_t host_id_of_root(const struct ns_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return m[i].host_id;
	return 0;
}

static pid_t clone_init(int flags, int cgroup_fd)
{
	struct clone_args args = {
		.flags = (uint64_t)flags,
		.exit_signal = SIGCHLD,
	};

	if (cgroup_fd >= 0) {
		/* Born inside its cgroup: the container never runs a single
		 * instruction outside its limits. */
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
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
		waitpid(l->pid, NULL, 0);
		l->pid = 0;
	}
	if (l->has_cg) {
		if (cg_group_destroy(&l->cg, &e2) < 0)
			log_warn("%s", e2.msg);
		rt_cgroup_parent_cleanup(l->st.cgroup_path);
		l->has_cg = false;
	}
	if (l->root_fd >= 0 && l->dir_created) {
		if (rm_rf_at(l->root_fd, id, &e2) < 0)
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

int rt_launch_create(struct rt_launch *l, const struct rt_context *ctx, const char *id,
		  const struct rt_create_opts *o, bool foreground, struct error *err)
{
	_cleanup_close_ int fifo_fd = -1, console_sock = -1, console_peer = -1, join_user = -1,
			    join_pid = -1, self_pid = -1;
	_cleanup_free_ char *cgroup_dir = NULL;
	int sv[2] = {-1, -1}, restore_time = -1;
	char bundle[PATH_MAX];
	struct rt_init in;
	sigset_t all, old;
	int flags, r;

	memset(l, 0, sizeof(*l));
	l->dirfd = l->root_fd = l->console_master = -1;
	l->cg.dirfd = -1;
	if (rt_id_check(id, err) < 0)
		return -1;
	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return error_sys(err, "bundle '%s'", o->bundle ? o->bundle : ".");
	if (rt_spec_load(&l->spec, bundle, err) < 0 || rt_spec_validate(&l->spec, err) < 0)
		return -1;
	if (l->spec.process.terminal && !o->console_socket && !foreground)
		return error_set(err, EINVAL,
				 "cannot allocate a pseudo-TTY without --console-socket "
				 "(process.terminal is true and the container will be detached)");
	if (l->spec.seccomp && rt_seccomp_compile(l->spec.seccomp, &l->seccomp, err) < 0)
		return -1;
	flags = clone_flags_for(&l->spec, &join_user, &join_pid, err);
	if (flags < 0)
		return -1;

	l->root_fd = rt_root_open(ctx, true, err);
	if (l->root_fd < 0)
		return -1;
	if (mkdirat(l->root_fd, id, 0711) < 0) {
		if (errno == EEXIST)
			return error_set(err, EEXIST, "container \"%s\" already exists", id);
		return error_sys(err, "cannot create state directory for \"%s\"", id);
	}
	l->dir_created = true;
	l->dirfd = openat(l->root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l->dirfd < 0) {
		error_sys(err, "cannot open state directory for \"%s\"", id);
		goto fail;
	}
	l->st.id = (char *)id;
	l->st.creating = true;
	l->st.poststart = l->spec.n_hooks[RT_HOOK_POSTSTART] > 0;
	l->st.creator = getpid();
	l->st.bundle = xstrdup(bundle);
	l->st.rootfs = xstrdup(l->spec.root_path);
	l->st.owner = xstrdup("");
	l->st.annotations = l->spec.annotations ? json_object_get(l->spec.annotations) : NULL;
	time_rfc3339(l->st.created);
	if (write_config_copy(l->dirfd, &l->spec, err) < 0 || rt_state_write(l->dirfd, &l->st, err) < 0)
		goto fail;
	if (mkfifoat(l->dirfd, "exec.fifo", 0600) < 0) {
		error_sys(err, "cannot create exec.fifo");
		goto fail;
	}
	if (flags & CLONE_NEWUSER) {
		/* The init reopens the fifo as root of its user namespace:
		 * give it to that root's host ids (as runc does). */
		if (fchownat(l->dirfd, "exec.fifo", host_id_of_root(l->spec.uid_mappings,
								     l->spec.n_uid_mappings),
			     host_id_of_root(l->spec.gid_mappings, l->spec.n_gid_mappings),
			     AT_SYMLINK_NOFOLLOW) < 0) {
			error_sys(err, "cannot chown exec.fifo");
			goto fail;
		}
	}
	fifo_fd = openat(l->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
	if (fifo_fd < 0) {
		error_sys(err, "cannot open exec.fifo");
		goto fail;
	}
	if (setup_cgroup(l, id, err) < 0)
		goto fail;
	if (o->console_socket) {
		console_sock = unix_connect(o->console_socket, err);
		if (console_sock < 0)
			goto fail;
	} else if (l->spec.process.terminal) {
		int cs[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cs) < 0) {
			error_sys(err, "socketpair");
			goto fail;
		}
		console_sock = cs[0];
		console_peer = cs[1];
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		error_sys(err, "socketpair");
		goto fail;
	}

	in = (struct rt_init){
		.spec = &l->spec,
		.id = id,
		.bundle = bundle,
		.sync_fd = sv[1],
		.fifo_fd = fifo_fd,
		.console_sock = console_sock,
		.seccomp = l->spec.seccomp ? &l->seccomp : NULL,
		.no_new_keyring = o->no_new_keyring,
		.preserve_fds = o->preserve_fds,
		.join_user_fd = join_user,
		.no_pivot = o->no_pivot,
	};
	if (l->has_cg && l->cg.root && !rt_spec_namespace(&l->spec, CLONE_NEWCGROUP))
		cgroup_dir = xasprintf("%s%s", l->cg.root, l->cg.path);
	in.cgroup_dir = cgroup_dir;
	if (join_pid >= 0) {
		/* Only our children enter it; we switch back right after. */
		self_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self_pid < 0 || setns(join_pid, CLONE_NEWPID) < 0) {
			error_sys(err, "cannot join the pid namespace");
			goto fail_sv;
		}
	}
	if ((flags & CLONE_NEWTIME) && l->spec.time_offsets) {
		struct ns_time_offset offs[2];
		size_t n = 0;

		json_object_object_foreach(l->spec.time_offsets, clock, val)
		{
			json_object *v;

			if (n == ARRAY_SIZE(offs))
				break;
			offs[n].clock = clock;
			offs[n].secs = json_object_object_get_ex(val, "secs", &v) ? json_object_get_int64(v) : 0;
			offs[n].nanosecs = json_object_object_get_ex(val, "nanosecs", &v) ? (long)json_object_get_int64(v) : 0;
			n++;
		}
		if (ns_time_prepare(offs, n, &restore_time, err) < 0)
			goto fail_sv;
		flags &= ~CLONE_NEWTIME;
	}
	/* The child must not run our signal handlers: block everything
	 * across clone(); the init restores defaults, then unblocks. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	l->pid = clone_init(flags, l->has_cg ? l->cg.dirfd : -1);
	if (l->pid == 0) {
		close(sv[0]);
		rt_init_main(&in);
	}
	r = errno;
	if (!foreground)
		sigprocmask(SIG_SETMASK, &old, NULL);
	l->saved_mask = old;
	if (self_pid >= 0)
		setns(self_pid, CLONE_NEWPID);
	if (restore_time >= 0)
		ns_time_restore(restore_time);
	close(sv[1]);
	sv[1] = -1;
	if (l->pid < 0) {
		l->pid = 0;
		errno = r;
		error_sys(err, "cannot create the container process");
		goto fail_sv;
	}
	if (flags & CLONE_NEWUSER) {
		if (ns_idmap_write(l->pid, l->spec.uid_mappings, l->spec.n_uid_mappings,
				   l->spec.gid_mappings, l->spec.n_gid_mappings, false, err) < 0)
			goto fail_sv;
	}
	l->st.pid = l->pid;
	/* Into the v1 groups (CLONE_INTO_CGROUP only reaches v2) before the
	 * init runs a single instruction of the container. */
	if (l->has_cg && cg_group_enter(&l->cg, l->pid, err) < 0)
		goto fail_sv;
	if (rt_sync_send(sv[0], RT_SYNC_GO, l->pid, NULL) < 0) {
		error_sys(err, "cannot reach the container init");
		goto fail_sv;
	}
	if (serve_init(l, id, sv[0], err) < 0)
		goto fail_sv;
	close(sv[0]);
	sv[0] = -1;
	if (console_peer >= 0) {
		l->console_master = fd_recv(console_peer, err);
		if (l->console_master < 0)
			goto fail;
	}
	l->st.pid_start = proc_start_time(l->pid);
	l->st.creating = false;
	l->st.creator = 0;
	if (rt_state_write(l->dirfd, &l->st, err) < 0)
		goto fail;
	if (o->pid_file && rt_pid_file_write(o->pid_file, l->pid, err) < 0)
		goto fail;
	return 0;

fail_sv:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
fail:
	if (foreground)
		sigprocmask(SIG_SETMASK, &l->saved_mask, NULL);
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
