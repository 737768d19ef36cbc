/* Mount options: the OCI / mount(8) words as a table of MS_* flags. */
#include "namespaces/internal.h"

#include <string.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum opt_kind {
	OPT_FLAG,      /* set/clear on the mount itself */
	OPT_RECURSIVE, /* set/clear on the mount and everything below it */
	OPT_PROPAGATION,
	OPT_REFUSED, /* known, not supported: failing beats silently ignoring */
	OPT_COPYUP,  /* no flag: ns_mount_opts_parse records it */
};

static const struct mount_opt {
	const char *name;
	enum opt_kind kind;
	unsigned long set, clear;
} mount_opts[] = {
    {"defaults", OPT_FLAG, 0, 0},
    {"ro", OPT_FLAG, MS_RDONLY, 0},
    {"rw", OPT_FLAG, 0, MS_RDONLY},
    {"suid", OPT_FLAG, 0, MS_NOSUID},
    {"nosuid", OPT_FLAG, MS_NOSUID, 0},
    {"dev", OPT_FLAG, 0, MS_NODEV},
    {"nodev", OPT_FLAG, MS_NODEV, 0},
    {"exec", OPT_FLAG, 0, MS_NOEXEC},
    {"noexec", OPT_FLAG, MS_NOEXEC, 0},
    {"sync", OPT_FLAG, MS_SYNCHRONOUS, 0},
    {"async", OPT_FLAG, 0, MS_SYNCHRONOUS},
    {"dirsync", OPT_FLAG, MS_DIRSYNC, 0},
    {"remount", OPT_FLAG, MS_REMOUNT, 0},
    {"mand", OPT_FLAG, MS_MANDLOCK, 0},
    {"nomand", OPT_FLAG, 0, MS_MANDLOCK},
    {"atime", OPT_FLAG, 0, MS_NOATIME},
    {"noatime", OPT_FLAG, MS_NOATIME, 0},
    {"diratime", OPT_FLAG, 0, MS_NODIRATIME},
    {"nodiratime", OPT_FLAG, MS_NODIRATIME, 0},
    {"relatime", OPT_FLAG, MS_RELATIME, 0},
    {"norelatime", OPT_FLAG, 0, MS_RELATIME},
    {"strictatime", OPT_FLAG, MS_STRICTATIME, 0},
    {"nostrictatime", OPT_FLAG, 0, MS_STRICTATIME},
    {"lazytime", OPT_FLAG, MS_LAZYTIME, 0},
    {"nolazytime", OPT_FLAG, 0, MS_LAZYTIME},
    {"iversion", OPT_FLAG, MS_I_VERSION, 0},
    {"noiversion", OPT_FLAG, 0, MS_I_VERSION},
    {"silent", OPT_FLAG, MS_SILENT, 0},
    {"loud", OPT_FLAG, 0, MS_SILENT},
    {"symfollow", OPT_FLAG, 0, MS_NOSYMFOLLOW},
    {"nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW, 0},
    {"bind", OPT_FLAG, MS_BIND, 0},
    {"rbind", OPT_FLAG, MS_BIND | MS_REC, 0},

    {"shared", OPT_PROPAGATION, MS_SHARED, 0},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC, 0},
    {"slave", OPT_PROPAGATION, MS_SLAVE, 0},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC, 0},
    {"private", OPT_PROPAGATION, MS_PRIVATE, 0},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC, 0},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE, 0},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC, 0},

    /* runc's mount_setattr(AT_RECURSIVE) attributes. */
    {"rro", OPT_RECURSIVE, MS_RDONLY, 0},
    {"rrw", OPT_RECURSIVE, 0, MS_RDONLY},
    {"rnosuid", OPT_RECURSIVE, MS_NOSUID, 0},
    {"rsuid", OPT_RECURSIVE, 0, MS_NOSUID},
    {"rnodev", OPT_RECURSIVE, MS_NODEV, 0},
    {"rdev", OPT_RECURSIVE, 0, MS_NODEV},
    {"rnoexec", OPT_RECURSIVE, MS_NOEXEC, 0},
    {"rexec", OPT_RECURSIVE, 0, MS_NOEXEC},
    {"rnodiratime", OPT_RECURSIVE, MS_NODIRATIME, 0},
    {"rdiratime", OPT_RECURSIVE, 0, MS_NODIRATIME},
    {"rrelatime", OPT_RECURSIVE, MS_RELATIME, 0},
    {"rnorelatime", OPT_RECURSIVE, 0, MS_RELATIME},
    {"rnoatime", OPT_RECURSIVE, MS_NOATIME, 0},
    {"ratime", OPT_RECURSIVE, 0, MS_NOATIME},
    {"rstrictatime", OPT_RECURSIVE, MS_STRICTATIME, 0},
    {"rnostrictatime", OPT_RECURSIVE, 0, MS_STRICTATIME},
    {"rnosymfollow", OPT_RECURSIVE, MS_NOSYMFOLLOW, 0},
    {"rsymfollow", OPT_RECURSIVE, 0, MS_NOSYMFOLLOW},

    {"tmpcopyup", OPT_COPYUP, 0, 0},

    /* id-mapped mounts are not implemented: a container asking for them
     * would otherwise run with different ownership than it expects. */
    {"idmap", OPT_REFUSED, 0, 0},
    {"ridmap", OPT_REFUSED, 0, 0},
};

int ns_mount_option(const char *opt, unsigned long *set, unsigned long *clear,
		    unsigned long *propagation, bool *recursive)
{
	*set = *clear = *propagation = 0;
	*recursive = false;
	for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++) {
		const struct mount_opt *o = &mount_opts[i];

		if (strcmp(opt, o->name))
			continue;
		switch (o->kind) {
		case OPT_REFUSED:
			errno = EOPNOTSUPP;
			return -1;
		case OPT_COPYUP:
			return 0;
		case OPT_PROPAGATION:
			*propagation = o->set;
			return 0;
		case OPT_RECURSIVE:
			*recursive = true;
			/* fall through */
		case OPT_FLAG:
			*set = o->set;
			*clear = o->clear;
			return 0;
		}
	}
	return 1;
}

int ns_mount_opts_parse(const struct ns_mount *m, struct ns_mount_opts *out, struct error *err)
{
	*out = (struct ns_mount_opts){0};
	for (char *const *o = m->options; o && *o; o++) {
		unsigned long set, clear, prop;
		bool rec;
		int r = ns_mount_option(*o, &set, &clear, &prop, &rec);

		if (r < 0) {
			strv_free(out->data);
			out->data = NULL;
			return error_set(err, EOPNOTSUPP,
					 "mount option '%s' on '%s' is not supported", *o,
					 m->destination);
		}
		if (r > 0) {
			strv_push(&out->data, *o);
			continue;
		}
		if (!strcmp(*o, "tmpcopyup"))
			out->copyup = true;
		/* Later options win, as with mount(8): "ro,rw" is rw. */
		if (rec) {
			out->rec_set = (out->rec_set & ~clear) | set;
			out->rec_clear = (out->rec_clear & ~set) | clear;
		} else {
			out->set = (out->set & ~clear) | set;
			out->clear = (out->clear & ~set) | clear;
		}
		if (prop)
			out->propagation = prop;
	}
	return 0;
}

bool ns_path_is(const char *path, const char *want)
{
	for (;;) {
		while (*path == '/' && path[1] == '/')
			path++;
		while (*want == '/' && want[1] == '/')
			want++;
		if (!*want)
			break;
		if (*path != *want)
			return false;
		path++;
		want++;
	}
	while (*path == '/')
		path++;
	return !*path;
}
