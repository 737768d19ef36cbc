/* What an engine monitor does while it waits for its container: the
 * client is making the container's root meanwhile (~3 ms), so work the
 * container's start would do anyway, done now, is off the path of `run`.
 *
 * The device filter: the kernel's verifier takes ~0.4 ms over the default
 * rules, and every engine container without --privileged has the same
 * ones.  The monitor loads the program the last container got (its
 * instructions in ROOT/.devices@cache), and the cgroup code attaches it
 * only when the container's rules build exactly those instructions
 * (cg_devices_prewarm): whatever the file says, no other program is ever
 * attached, so the file decides nothing but the time taken.
 *
 * The network namespace: the kernel takes ~0.7 ms to make one (loopback,
 * sysctl tables).  When the client says the container will have its own
 * (rt_engine_wants_netns), the monitor makes it now and the init is born
 * in it (rt_create_opts.fresh_netns_fd) instead of making one; nothing
 * but lo is in it, as in one clone3 would make.
 *
 * nook's binary: the container's init, a child of the monitor, cuts
 * itself loose from it before it runs anything of the container's
 * (ns_exe_detach, CVE-2019-5736), ~0.4 ms on the path of every start.
 * The monitor, which runs nothing of the container's itself, cuts itself
 * loose meanwhile (rt_prewarm_exe), and the init, born with a copy of its
 * memory map and exe link, is loose from birth.  Should that fail, the
 * init does it as before. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEVICES_CACHE ".devices@cache"
/* BPF_MAXINSNS instructions of 8 bytes. */
#define DEVICES_CACHE_MAX (4096 * 8)

static char *loaded;
static size_t loaded_len;

int rt_prewarm(const char *root)
{
	_cleanup_close_ int rfd = -1;
	struct error e;
	struct stat st;
	int fd;

	if (geteuid() != 0)
		return -1; /* loading a device filter takes CAP_SYS_ADMIN */
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || fstatat(rfd, DEVICES_CACHE, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    file_read_at(rfd, DEVICES_CACHE, DEVICES_CACHE_MAX, &loaded, &loaded_len, &e) < 0)
		return -1;
	fd = cg_devices_prewarm(loaded, loaded_len);
	if (fd < 0) {
		free(loaded);
		loaded = NULL;
		loaded_len = 0;
	}
	return fd;
}

void rt_prewarm_remember(const char *root)
{
	_cleanup_close_ int rfd = -1;
	const void *insns;
	size_t len;
	struct error e;

	cg_devices_prewarm_drop();
	if (!cg_devices_last(&insns, &len) ||
	    (loaded && loaded_len == len && !memcmp(loaded, insns, len)))
		return;
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd >= 0)
		file_write_atomic_at(rfd, DEVICES_CACHE, insns, len, 0600, &e);
}

void rt_prewarm_exe(void)
{
	_cleanup_close_ int file = -1;
	struct error e;

	if (geteuid() != 0 || userns_nested())
		return;
	/* Without the detached mount the code would be copied, and the
	 * monitor, which lives as long as its container, would keep ~0.5 MB
	 * of copies: the init, whose copies go with its exec, does it then. */
	file = ns_exe_open();
	if (file < 0)
		return;
	if (ns_exe_detach(file, &e) < 0)
		log_debug("monitor: not cut loose from nook's binary ahead: %s", e.msg);
}

int rt_prewarm_netns(void)
{
	struct error e;

	if (geteuid() != 0 || userns_nested())
		return -1;
	return ns_net_fresh(&e);
}

bool rt_engine_wants_netns(const struct rt_engine_opts *o)
{
	const char *n = o->network;

	if (geteuid() != 0 || userns_nested() || (o->userns && strcmp(o->userns, "host")))
		return false;
	return !n || (strcmp(n, "host") && strncmp(n, "container:", 10) && strncmp(n, "ns:", 3) &&
		      !rt_network_is_rootless(n));
}
