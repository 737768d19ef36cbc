/* Published ports held in the host's network namespace: a socket bound
 * to each host address and port for as long as the container runs, as
 * docker-proxy and conmon hold theirs.
 *
 * nftables DNATs a published port before any socket sees the packet, so
 * without this a host process already listening on the port would be
 * shadowed silently (and one started later would bind it and never see a
 * connection).  Binding is the check that cannot race: it fails with
 * EADDRINUSE when something holds the port, and once it succeeds nobody
 * else can bind it until the holder exits.  The sockets never listen,
 * the traffic goes to the container, but for the [::] ones of a
 * dual-stack network: those relay the host's ::1, which nftables cannot
 * DNAT into a bridge (proxy.c). */
#include "network/network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_one(const struct net_port *p, bool six, struct error *err)
{
	int type = p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM, one = 1, fd;
	char ip[16];
	struct sockaddr_storage ss = {0};
	socklen_t len;

	if ((fd = socket(six ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0)) < 0)
		return error_sys(err, "cannot make a socket to hold port %u", p->host_port);
	if (six) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		/* v6 alone: the v4 side is the other socket's.  A TCP one
		 * listens (proxy.c): the connections it relayed and closed
		 * first linger in TIME_WAIT on the port, which must not keep
		 * the next start from holding it.  Once it listens, no
		 * other socket can bind the port, SO_REUSEADDR or not. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    (type == SOCK_STREAM &&
		     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)) {
			close(fd);
			return error_sys(err, "cannot hold port %u", p->host_port);
		}
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p->host_port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(p->host_port);
		a->sin_addr.s_addr = htonl(p->host_ip);
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		/* docker's words for a port something else holds. */
		if (e == EADDRINUSE)
			return error_set(err, EADDRINUSE,
					 "Bind for %s:%u failed: port is already allocated",
					 six ? "[::]" : net_ip_str(p->host_ip, ip), p->host_port);
		return error_sys(err, "cannot bind %s:%u",
				 six ? "[::]" : net_ip_str(p->host_ip, ip), p->host_port);
	}
	return fd;
}

int net_ports_hold(const struct net_port *p, size_t n, bool six, int **fds, size_t *nfds,
		   struct error *err)
{
	for (size_t i = 0; i < n; i++)
		for (int fam = 0; fam < 1 + (six && !p[i].host_ip); fam++) {
			int fd = bind_one(&p[i], fam == 1, err);

			if (fd < 0) {
				net_ports_release(*fds, *nfds);
				*fds = NULL;
				*nfds = 0;
				return -1;
			}
			*fds = xrealloc(*fds, (*nfds + 1) * sizeof(**fds));
			(*fds)[(*nfds)++] = fd;
		}
	return 0;
}

void net_ports_release(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}
