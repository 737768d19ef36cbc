/* network internals shared between the files of network/. */
#ifndef NOOK_NETWORK_INTERNAL_H
#define NOOK_NETWORK_INTERNAL_H

#include "network/network.h"

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <nftables/libnftables.h>
#include <string.h>

/* Load the groups of libraries asked for (an OR of net_libs) and resolve
 * every function network/ uses from them, each group all or nothing.
 * Safe from any thread. */
enum net_libs {
	NET_LIBS_NL = 1,  /* libnl-3 and libnl-route-3 */
	NET_LIBS_NFT = 2, /* libnftables */
};
int net_libs_load(enum net_libs groups, struct error *err);

/* A NETLINK_ROUTE socket of libnl's (the libraries loaded first), freed
 * by _cleanup_sock_; an interface's index by name (ENOENT when none). */
struct nl_sock *net_route_socket(struct error *err);
void net_sockp(struct nl_sock **sk);
#define _cleanup_sock_ _cleanup_(net_sockp)
int net_ifindex_of(struct nl_sock *sk, const char *name, struct error *err);
/* The default route of family through gw on ifindex: libnl's code
 * (-NLE_EXIST when there is one). */
int net_default_route_add(struct nl_sock *sk, int family, int ifindex, struct nl_addr *dst,
			  struct nl_addr *gw);
/* A /proc/sys/net value of the caller's network namespace, written only
 * when it differs. */
int net_sysctl_set(const char *path, const char *val, struct error *err);

#endif
