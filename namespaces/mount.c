/* The container's mounts, performed inside its rootfs before pivot_root.
 *
 * Every destination is resolved with open_in_root() — inside the rootfs,
 * symlinks and ".." included — and the mount is attached onto the fd that
 * resolution returned.  A symlink planted in the image ("etc -> /etc") or
 * swapped in by another process sharing a volume can therefore never
 * redirect a mount onto the host. */
#include "namespaces/internal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

/* Below /proc a mount may cover only these files, the ones lxcfs emulates
 * (runc's checkProcMount).  Anything else there hides or replaces what the
 * masked and read-only paths protect, or what the kernel reports: a tmpfs
 * over /proc/sys turns every sysctl the container reads into a lie and
 * undoes readonlyPaths; a bind over /proc/self/... games the runtime. */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats",
    "/proc/meminfo", "/proc/stat",
    "/proc/swaps",   "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo",
    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

/* The restricting flags a recursive bind passes to every submount. */
#define MS_RESTRICT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Superblock flags that fsconfig() takes by name.  The mount-level ones
 * (ro, nosuid, ...) are set with mount_setattr() instead: for filesystems
 * whose superblock is shared (proc of the same pid namespace, sysfs), a
 * superblock "ro" would reach every other mount of it, the host's too. */
static const struct {
	unsigned long ms;
	const char *key;
} sb_flags[] = {
    {MS_SYNCHRONOUS, "sync"},
    {MS_DIRSYNC, "dirsync"},
    {MS_LAZYTIME, "lazytime"},
    {MS_MANDLOCK, "mand"},
};

/* The kernel's message about a failed fsconfig() is queued on the context
 * fd: it says which option was wrong, which errno alone cannot. */
static int fs_error(int fsfd, const char *what, struct error *err)
{
	int saved = errno;
	char msg[256] = "";
	char buf[256];
	ssize_t n;

	while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (buf[0] == 'e' && buf[1] == ' ')
			snprintf(msg, sizeof(msg), "%s", buf + 2);
	}
	errno = saved;
	if (msg[0])
		return error_set(err, saved, "cannot mount %s: %s: %s", what, msg, strerror(saved));
	return error_sys(err, "cannot mount %s", what);
}

/* A fresh superblock of m->type, as a detached mount.  Returns the mount fd;
 * -1 with err set; -2 with errno set when the kernel refused the filesystem
 * or its superblock (EPERM), so the caller may fall back. */
static int fs_create(const struct ns_mount *m, const struct ns_mount_opts *o, struct error *err)
{
	_cleanup_close_ int fsfd = -1;
	const char *type = m->type;
	char what[512];
	int mfd;

	/* cgroup v1 hierarchies are the host's business; a container gets the
	 * unified hierarchy (of its cgroup namespace), as runc does on v2. */
	if (!strcmp(type, "cgroup"))
		type = "cgroup2";
	snprintf(what, sizeof(what), "%s on '%s'", type, m->destination);
	fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return errno == EPERM ? -2 : error_sys(err, "cannot mount %s", what);
	if (m->source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", m->source, 0) < 0)
		return fs_error(fsfd, what, err);
	for (size_t i = 0; i < ARRAY_SIZE(sb_flags); i++)
		if (o->set & sb_flags[i].ms &&
		    fsconfig(fsfd, FSCONFIG_SET_FLAG, sb_flags[i].key, NULL, 0) < 0)
			return fs_error(fsfd, what, err);
	/* Each data option goes on its own: no splitting of a joined string,
	 * so a value cannot smuggle in a second option. */
	for (char **d = o->data; d && *d; d++) {
		_cleanup_free_ char *key = xstrdup(*d);
		char *eq = strchr(key, '=');
		int rc;

		if (eq) {
			*eq = '\0';
			rc = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
		} else {
			rc = fsconfig(fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
		}
		if (rc < 0)
			return fs_error(fsfd, what, err);
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		if (errno == EPERM)
			return -2;
		return fs_error(fsfd, what, err);
	}
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return error_sys(err, "cannot mount %s", what);
	return mfd;
}

/* proc and sysfs expose the host kernel; runc refuses to mount them through
 * a symlink (CVE-2019-19921-style games make the masked paths miss them).
 * The destination is created if missing, then reopened with no symlink
 * allowed anywhere on the path. */
static int open_dest_nosymlinks(int rootfd, const char *dest, struct error *err)
{
	_cleanup_close_ int fd =
	    open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, ROOT_CREATE_DIR, err);
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = dest;
	long r;

	if (fd < 0)
		return -1;
	while (*rel == '/')
		rel++;
	r = syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
	if (r < 0)
		return error_sys(err, "refusing to mount on '%s' through a symlink", dest);
	return (int)r;
}

/* dest as open_in_root sees it when no symlink is involved: "//" and "."
 * dropped, ".." clamped at "/".  Returns an allocated absolute path. */
static char *path_clean(const char *dest)
{
	char *out = xmalloc(strlen(dest) + 2);
	size_t len = 0;

	for (const char *p = dest; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[--len] != '/')
				;
		} else if (n && !(n == 1 && p[0] == '.')) {
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
	}
	out[len] = '\0';
	if (!len)
		strcpy(out, "/");
	return out;
}

/* Is path (clean) p equal to or below dir? */
static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

static bool proc_allowed_path(const char *clean)
{
	for (size_t i = 0; i < ARRAY_SIZE(proc_allowed); i++)
		if (!strcmp(clean, proc_allowed[i]))
			return true;
	return false;
}

/* The destination as written: refused when it is inside /proc but not on
 * the allow-list.  /proc itself is checked on what is mounted there
 * (check_proc_target). */
static int check_proc_dest(const struct ns_mount *m, struct error *err)
{
	_cleanup_free_ char *clean = path_clean(m->destination);

	if (!path_under(clean, "/proc") || !strcmp(clean, "/proc") || proc_allowed_path(clean))
		return 0;
	return error_set(err, EPERM,
			 "mount on '%s' refused: inside /proc only the lxcfs files (/proc/meminfo, "
			 "/proc/cpuinfo, ...) may be mounted over",
			 m->destination);
}

/* The resolved destination, and what goes there.  A destination that does
 * not look like /proc but reaches it through a symlink in the rootfs
 * ("/x -> /proc/sys") lands on procfs: refused unless the written path is
 * allowed.  Onto /proc itself only the root of a procfs goes (a fresh proc,
 * or a bind of one), never a tmpfs or a directory posing as it. */
static int check_proc_target(int mfd, int dest, const struct ns_mount *m, struct error *err)
{
	_cleanup_free_ char *clean = path_clean(m->destination);
	struct statfs sfs;
	struct stat st;

	if (!strcmp(clean, "/proc")) {
		if (fstatfs(mfd, &sfs) < 0 || fstat(mfd, &st) < 0)
			return error_sys(err, "cannot stat the mount for '%s'", m->destination);
		if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != 1)
			return error_set(
			    err, EPERM, "mount on '%s' refused: only a procfs may be mounted there",
			    m->destination);
		return 0;
	}
	if (fstatfs(dest, &sfs) < 0)
		return error_sys(err, "cannot stat mount destination '%s'", m->destination);
	if (sfs.f_type == PROC_SUPER_MAGIC && !proc_allowed_path(clean))
		return error_set(err, EPERM, "mount on '%s' refused: it resolves into /proc",
				 m->destination);
	return 0;
}

static bool is_bind(const struct ns_mount *m, const struct ns_mount_opts *o)
{
	return (m->type && !strcmp(m->type, "bind")) || (o->set & MS_BIND);
}

/* Flags, attach, propagation: the common tail of every new mount. */
static int mount_finish(int mfd, int dest, const struct ns_mount *m, const struct ns_mount_opts *o,
			struct error *err)
{
	if (check_proc_target(mfd, dest, m, err) < 0)
		return -1;
	/* Flags first, while the mount is detached and invisible. */
	if (ns_mount_setattr(mfd, o->set, o->clear, false, m->destination, err) < 0 ||
	    ns_mount_setattr(mfd, o->rec_set, o->rec_clear, true, m->destination, err) < 0)
		return -1;
	/* runc and crun set "ro" of an rbind on its top mount only: a tmpfs or
	 * any mount below the source stays writable in a "read-only" volume.
	 * The restricting flags reach the whole tree; clearing ones ("rw")
	 * stay on the top, so a read-only host submount is never opened up. */
	if ((o->set & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC) &&
	    ns_mount_setattr(mfd, o->set & MS_RESTRICT, 0, true, m->destination, err) < 0)
		return -1;
	if (ns_tree_attach(mfd, dest, m->destination, err) < 0)
		return -1;
	/* mfd now names the attached mount itself (not the covered directory),
	 * so propagation reaches exactly it. */
	return ns_mount_propagate(mfd, o->propagation, m->destination, err);
}

static int mount_bind(int rootfd, const struct ns_mount *m, const struct ns_mount_opts *o,
		      const char *source, struct error *err)
{
	_cleanup_close_ int tree = -1, dest = -1;
	struct stat st;

	if (!source)
		return error_set(err, EINVAL, "bind mount on '%s' has no source", m->destination);
	/* The source is a host path chosen by the runtime's caller (the
	 * bundle's config), so it is resolved normally. */
	tree = ns_tree_clone(AT_FDCWD, source, o->set & MS_REC, err);
	if (tree < 0)
		return -1;
	/* Ask the cloned tree, not the path, what it is: no race between the
	 * check and the mount. */
	if (fstat(tree, &st) < 0)
		return error_sys(err, "cannot stat bind source '%s'", source);
	dest = open_in_root(rootfd, m->destination, O_PATH,
			    S_ISDIR(st.st_mode) ? ROOT_CREATE_DIR : ROOT_CREATE_FILE, err);
	if (dest < 0)
		return -1;
	return mount_finish(tree, dest, m, o, err);
}

static int mount_remount(int rootfd, const struct ns_mount *m, const struct ns_mount_opts *o,
			 struct error *err)
{
	_cleanup_close_ int dest =
	    open_in_root(rootfd, m->destination, O_PATH, ROOT_CREATE_NONE, err);

	if (dest < 0)
		return -1;
	if (ns_mount_setattr(dest, o->set, o->clear, false, m->destination, err) < 0 ||
	    ns_mount_setattr(dest, o->rec_set, o->rec_clear, true, m->destination, err) < 0)
		return -1;
	return ns_mount_propagate(dest, o->propagation, m->destination, err);
}

/* "a,b" -> {"a", "b"}. */
static char **split_commas(const char *s)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char **v = NULL, *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		strv_push(&v, t);
	return v;
}

/* One hierarchy of a v1 host's cgroup mount, detached: a fresh mount in
 * the container's cgroup namespace (rooted at its own group there), or a
 * bind of its own group's directory.  -2 (errno set) when the kernel
 * refuses the fresh mount. */
static int cgroup_view_tree(const struct ns_cgroup_view *v, bool fresh, struct error *err)
{
	_cleanup_close_ int fsfd = -1;
	_cleanup_strv_ char **opts = NULL;
	char what[512];
	int mfd;

	if (!fresh)
		return ns_tree_clone(AT_FDCWD, v->own_dir, false, err);
	snprintf(what, sizeof(what), "the cgroup hierarchy '%s'", v->name);
	fsfd = fsopen(v->options ? "cgroup" : "cgroup2", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return errno == EPERM ? -2 : error_sys(err, "cannot mount %s", what);
	opts = v->options ? split_commas(v->options) : NULL;
	for (size_t i = 0; opts && opts[i]; i++) {
		int rc = str_has_prefix(opts[i], "name=")
			     ? fsconfig(fsfd, FSCONFIG_SET_STRING, "name", opts[i] + 5, 0)
			     : fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i], NULL, 0);

		if (rc < 0)
			return fs_error(fsfd, what, err);
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return errno == EPERM ? -2 : fs_error(fsfd, what, err);
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return error_sys(err, "cannot mount %s", what);
	return mfd;
}

/* A "cgroup" mount on a host with cgroup v1 hierarchies, as runc makes
 * it: a tmpfs with one directory per hierarchy holding the container's
 * own group of it, and symlinks for co-mounted controllers ("cpu" and
 * "cpuacct" -> "cpu,cpuacct").  An empty cgroup2 there (what the v2 path
 * gives) would leave a v1 container without its limits and figures.
 * Read-only as the mount asks, as runc and the v2 path here: every
 * default config (nook's, runc's, docker's and podman's) asks "ro", and
 * one that does not wants a writable tree (a privileged container may
 * raise its own limits, as it could under runc). */
static int mount_cgroup_views(const struct ns_rootfs *r, int rootfd, const struct ns_mount *m,
			      const struct ns_mount_opts *o, struct error *err)
{
	const unsigned long restrict_flags =
	    MS_NOSUID | MS_NODEV | MS_NOEXEC | (o->set & MS_RDONLY);
	const struct ns_mount tmpfs = {.destination = m->destination, .type = "tmpfs"};
	const struct ns_mount_opts topts = {.data = (char *[]){"mode=755", NULL}};
	_cleanup_close_ int dest = -1, top = -1;

	dest = open_dest_nosymlinks(rootfd, m->destination, err);
	if (dest < 0)
		return -1;
	top = fs_create(&tmpfs, &topts, err);
	if (top < 0)
		return top == -2 ? error_sys(err, "cannot mount tmpfs on '%s'", m->destination)
				 : -1;
	/* Built while detached, so the container never sees it half-made. */
	for (size_t i = 0; i < r->n_cgroup_views; i++) {
		const char *name = r->cgroup_views[i].name;
		_cleanup_strv_ char **parts = split_commas(name);

		if (mkdirat(top, name, 0755) < 0)
			return error_sys(err, "cannot create '%s/%s'", m->destination, name);
		for (size_t j = 0; parts && parts[1] && parts[j]; j++)
			if (symlinkat(name, top, parts[j]) < 0 && errno != EEXIST)
				return error_sys(err, "cannot create '%s/%s'", m->destination,
						 parts[j]);
	}
	if (ns_mount_setattr(top, restrict_flags, 0, false, m->destination, err) < 0 ||
	    ns_tree_attach(top, dest, m->destination, err) < 0 ||
	    ns_mount_propagate(top, o->propagation, m->destination, err) < 0)
		return -1;
	for (size_t i = 0; i < r->n_cgroup_views; i++) {
		const struct ns_cgroup_view *v = &r->cgroup_views[i];
		_cleanup_close_ int at = -1, tree = -1;

		at = openat(top, v->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (at < 0)
			return error_sys(err, "cannot open '%s/%s'", m->destination, v->name);
		tree = cgroup_view_tree(v, r->cgroupns, err);
		/* In a user namespace the kernel may refuse a fresh
		 * hierarchy: bind the group instead (runc does the same for
		 * sysfs). */
		if (tree == -2)
			tree = cgroup_view_tree(v, false, err);
		/* Mount flags, never superblock ones: a fresh v1 mount shares
		 * its superblock with the host's hierarchy. */
		if (tree < 0 ||
		    ns_mount_setattr(tree, restrict_flags, 0, false, m->destination, err) < 0 ||
		    ns_tree_attach(tree, at, m->destination, err) < 0)
			return -1;
	}
	return 0;
}

static int mount_one(const struct ns_rootfs *r, int rootfd, const struct ns_mount *m,
		     struct error *err)
{
	struct ns_mount_opts o;
	_cleanup_strv_ char **data = NULL;
	_cleanup_close_ int mfd = -1, dest = -1;
	bool strict;

	if (!m->destination || m->destination[0] != '/')
		return error_set(err, EINVAL, "mount destination '%s' is not absolute",
				 m->destination ? m->destination : "");
	if (check_proc_dest(m, err) < 0 || ns_mount_opts_parse(m, &o, err) < 0)
		return -1;
	data = o.data;
	if (o.copyup && (!m->type || strcmp(m->type, "tmpfs") || o.set & (MS_REMOUNT | MS_BIND)))
		return error_set(err, EINVAL, "mount option 'tmpcopyup' on '%s' needs a new tmpfs",
				 m->destination);
	if (o.set & MS_REMOUNT)
		return mount_remount(rootfd, m, &o, err);
	if (is_bind(m, &o))
		return mount_bind(rootfd, m, &o, m->source, err);
	if (!m->type)
		return error_set(err, EINVAL, "mount on '%s' has no type", m->destination);

	if (r->n_cgroup_views && !strcmp(m->type, "cgroup"))
		return mount_cgroup_views(r, rootfd, m, &o, err);
	if (r->cgroup_dir && (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))) {
		/* No cgroup namespace: a fresh cgroup2 mount would show the
		 * host's whole tree.  The container gets its own group only. */
		o.set |= MS_BIND | MS_REC;
		dest = open_dest_nosymlinks(rootfd, m->destination, err);
		if (dest < 0)
			return -1;
		mfd = ns_tree_clone(AT_FDCWD, r->cgroup_dir, true, err);
		if (mfd < 0)
			return -1;
		return mount_finish(mfd, dest, m, &o, err);
	}
	strict = !strcmp(m->type, "proc") || !strcmp(m->type, "sysfs");
	mfd = fs_create(m, &o, err);
	if (mfd == -2) {
		/* sysfs belongs to the network namespace; in a user namespace
		 * without a network namespace of its own the kernel refuses a
		 * new instance.  Like runc, bind the host's /sys (recursively,
		 * with the requested flags) instead. */
		if (!strcmp(m->type, "sysfs") && r->userns) {
			o.set |= MS_BIND | MS_REC;
			dest = open_dest_nosymlinks(rootfd, m->destination, err);
			if (dest < 0)
				return -1;
			mfd = ns_tree_clone(AT_FDCWD, "/sys", true, err);
			if (mfd < 0)
				return -1;
			return mount_finish(mfd, dest, m, &o, err);
		}
		return error_sys(err, "cannot mount %s on '%s'", m->type, m->destination);
	}
	if (mfd < 0)
		return -1;
	if (strict)
		dest = open_dest_nosymlinks(rootfd, m->destination, err);
	else
		dest = open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY, ROOT_CREATE_DIR,
				    err);
	if (dest < 0)
		return -1;
	/* Before the flags (it may be "ro") and before it covers dest. */
	if (o.copyup && ns_tmpfs_copyup(dest, mfd, &o, m->destination, err) < 0)
		return -1;
	return mount_finish(mfd, dest, m, &o, err);
}

/* The mount point under which path lives (longest mountinfo prefix). */
static char *parent_mount_point(const char *path)
{
	_cleanup_free_ char *text = NULL, *best = NULL;
	struct error e2;
	size_t best_len = 0;
	char *save = NULL;

	if (file_read_at(AT_FDCWD, "/proc/self/mountinfo", 0, &text, NULL, &e2) < 0)
		return NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mp[4096];
		size_t n;

		/* fields: id parent maj:min root mount-point ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		n = strlen(mp);
		if (n >= best_len && !strncmp(path, mp, n) &&
		    (path[n] == '/' || path[n] == '\0' || n == 1)) {
			free(best);
			best = xstrdup(mp);
			best_len = n;
		}
	}
	return steal_pointer(&best);
}

int ns_rootfs_mount(const struct ns_rootfs *r, struct error *err)
{
	unsigned long prop = r->propagation ? r->propagation : MS_REC | MS_PRIVATE;
	_cleanup_close_ int rootfd = -1;
	bool have_dev = false, have_proc = false;

	/* An unbindable "/" would refuse the bind of the rootfs and of every
	 * bind source below it: rprivate now, unbindable after the pivot. */
	if (prop & MS_UNBINDABLE)
		prop = MS_REC | MS_PRIVATE;

	/* This runs in the container's fresh mount namespace, which starts as
	 * a copy of the host's: mounts made below a shared mount would appear
	 * on the host too.  Cut propagation from "/" down before anything
	 * else (rprivate by default; rslave keeps receiving host mounts). */
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return error_sys(err, "cannot set propagation of '/'");
	if (prop & MS_SHARED) {
		/* pivot_root refuses a new root whose parent mount is shared;
		 * make that one mount private (as runc does).  "/" becomes
		 * shared again after the pivot. */
		_cleanup_free_ char *parent = parent_mount_point(r->rootfs);

		if (parent && mount(NULL, parent, NULL, MS_PRIVATE, NULL) < 0)
			return error_sys(err, "cannot make '%s' private", parent);
	}
	/* pivot_root needs the new root to be a mount point; a recursive bind
	 * onto itself also keeps the rootfs's own submounts. */
	if (mount(r->rootfs, r->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return error_sys(err, "cannot bind mount rootfs '%s'", r->rootfs);
	/* Opened after the bind, so it names the new mount.  Every path below is
	 * resolved from here. */
	rootfd = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return error_sys(err, "cannot open rootfs '%s'", r->rootfs);

	for (size_t i = 0; i < r->n_mounts; i++) {
		const struct ns_mount *m = &r->mounts[i];

		if (mount_one(r, rootfd, m, err) < 0)
			return -1;
		if (ns_path_is(m->destination, "/dev"))
			have_dev = true;
		if (ns_path_is(m->destination, "/proc") && m->type && !strcmp(m->type, "proc"))
			have_proc = true;
	}
	return ns_devices_setup(r, rootfd, have_dev, have_proc, err);
}
