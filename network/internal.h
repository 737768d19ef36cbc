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

/* Load libnl-3, libnl-route-3 and libnftables and resolve every function
 * network/ uses, all or nothing.  Safe from any thread. */
int net_libs_load(struct error *err);

#endif
