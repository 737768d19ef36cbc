/* The network namespace's own steps. */
#include "namespaces/namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* A new network namespace starts with lo down: bring it up, as runc and
 * crun do, so 127.0.0.1 works.  Only ever called in a namespace the
 * container created (never one it joins, never the host's): the ioctl
 * acts on the caller's current network namespace. */
int ns_loopback_up(struct error *err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (s < 0)
		return error_sys(err, "cannot open a socket to bring lo up");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return error_sys(err, "cannot read the flags of lo");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return error_sys(err, "cannot bring lo up");
	return 0;
}

int ns_net_fresh(struct error *err)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int fresh = -1;

	if (self < 0)
		return error_sys(err, "cannot open /proc/self/ns/net");
	if (unshare(CLONE_NEWNET) < 0)
		return error_sys(err, "cannot create a network namespace");
	fresh = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fresh < 0)
		error_sys(err, "cannot open the new network namespace");
	else if (ns_loopback_up(err) < 0)
		close(steal_fd(&fresh));
	/* Back where we were, whatever happened: a caller left in the new
	 * namespace would make the host's side of a network there. */
	if (setns(self, CLONE_NEWNET) < 0) {
		error_sys(err, "cannot return to nook's own network namespace");
		return -2;
	}
	return fresh < 0 ? -1 : steal_fd(&fresh);
}
