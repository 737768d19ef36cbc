/* The network namespace's own steps. */
#include "namespaces/namespaces.h"

#include <net/if.h>
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
