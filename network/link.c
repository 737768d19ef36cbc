/* Links, addresses and routes over rtnetlink (libnl-route-3).  Each call
 * opens its own socket in the caller's current network namespace: a
 * netlink socket stays bound to the namespace it was made in, which is
 * what lets runtime/ enter a container's namespace, configure it, and
 * come back. */
#include "network/internal.h"

#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

static void sockp(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}
static void linkp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
static void addrp(struct nl_addr **a)
{
	if (*a)
		nl_addr_put(*a);
}
#define _cleanup_sock_	 _cleanup_(sockp)
#define _cleanup_link_	 _cleanup_(linkp)
#define _cleanup_nladdr_ _cleanup_(addrp)

static int nl_fail(struct error *err, int nlerr, const char *fmt, const char *arg)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, arg);
	return error_set(err,
			 nlerr == -NLE_EXIST				     ? EEXIST
			 : nlerr == -NLE_OBJ_NOTFOUND || nlerr == -NLE_NODEV ? ENOENT
									     : EIO,
			 "%s: %s", what, nl_geterror(nlerr));
}

static struct nl_sock *route_socket(struct error *err)
{
	struct nl_sock *sk;
	int r;

	if (net_libs_load(err) < 0)
		return NULL;
	if (!(sk = nl_socket_alloc())) {
		error_set(err, ENOMEM, "cannot allocate a netlink socket");
		return NULL;
	}
	if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_fail(err, r, "cannot open a netlink socket%s", "");
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static struct nl_addr *v4(uint32_t ip, int prefix)
{
	uint32_t be = htonl(ip);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (!a)
		abort(); /* allocation failure, as xmalloc */
	nl_addr_set_prefixlen(a, prefix);
	return a;
}

static int ifindex_of(struct nl_sock *sk, const char *name, struct error *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nl_fail(err, r, "cannot find interface '%s'", name);
	return rtnl_link_get_ifindex(l);
}

/* Written only in the caller's namespace: /proc/sys/net is per network
 * namespace, so a test's namespace never changes the machine's. */
static int sysctl_set(const char *path, const char *val, struct error *err)
{
	_cleanup_free_ char *old = NULL;

	if (file_read_at(AT_FDCWD, path, 64, &old, NULL, err) == 0 &&
	    !strncmp(old, val, strlen(val)))
		return 0;
	return file_write_at(AT_FDCWD, path, val, err);
}

static int addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, int prefix, const char *ifname,
		    struct error *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	_cleanup_nladdr_ struct nl_addr *local = v4(ip, prefix);
	int r;

	if (!a)
		return error_set(err, ENOMEM, "cannot allocate an address");
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	r = rtnl_addr_add(sk, a, 0);
	rtnl_addr_put(a);
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(err, r, "cannot add an address to '%s'", ifname);
	return 0;
}

static int link_up(struct nl_sock *sk, const char *name, int mtu, struct error *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL, *change = rtnl_link_alloc();
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nl_fail(err, r, "cannot find interface '%s'", name);
	rtnl_link_set_flags(change, IFF_UP);
	if (mtu > 0)
		rtnl_link_set_mtu(change, (unsigned)mtu);
	if ((r = rtnl_link_change(sk, l, change, 0)) < 0)
		return nl_fail(err, r, "cannot bring '%s' up", name);
	return 0;
}

int net_bridge_ensure(const char *name, uint32_t gateway, int prefix, int mtu, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = route_socket(err);
	_cleanup_link_ struct rtnl_link *br = NULL;
	_cleanup_free_ char *rl = NULL;
	int r, idx;

	if (!sk)
		return -1;
	if (!(br = rtnl_link_bridge_alloc()))
		return error_set(err, ENOMEM, "cannot allocate a bridge");
	rtnl_link_set_name(br, name);
	rtnl_link_set_flags(br, IFF_UP);
	if (mtu > 0)
		rtnl_link_set_mtu(br, (unsigned)mtu);
	r = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(err, r, "cannot create bridge '%s'", name);
	if (r == -NLE_EXIST && link_up(sk, name, 0, err) < 0)
		return -1;
	if ((idx = ifindex_of(sk, name, err)) < 0 ||
	    addr_add(sk, idx, gateway, prefix, name, err) < 0)
		return -1;
	/* Forwarding is what the host's NAT needs (docker sets it too);
	 * route_localnet lets a packet from 127.0.0.1, DNATed to a
	 * container, leave through the bridge (it is masqueraded there). */
	rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", name);
	if (sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err) < 0 ||
	    sysctl_set(rl, "1", err) < 0)
		return -1;
	return 0;
}

int net_link_delete(const char *name, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = route_socket(err);
	_cleanup_link_ struct rtnl_link *l = NULL;
	int r;

	if (!sk)
		return -1;
	if ((r = rtnl_link_get_kernel(sk, 0, name, &l)) < 0)
		return r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV
			   ? 0
			   : nl_fail(err, r, "cannot find interface '%s'", name);
	if ((r = rtnl_link_delete(sk, l)) < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
		return nl_fail(err, r, "cannot delete interface '%s'", name);
	return 0;
}

int net_veth_create(const char *host_name, const char *bridge, int nsfd, const char *peer_name,
		    const uint8_t mac[6], int mtu, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = route_socket(err);
	_cleanup_link_ struct rtnl_link *veth = NULL, *peer = NULL;
	_cleanup_nladdr_ struct nl_addr *hw = NULL;
	int r, br;

	if (!sk || (br = ifindex_of(sk, bridge, err)) < 0)
		return -1;
	if (!(veth = rtnl_link_veth_alloc()))
		return error_set(err, ENOMEM, "cannot allocate a veth pair");
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, host_name);
	rtnl_link_set_master(veth, br);
	rtnl_link_set_flags(veth, IFF_UP);
	rtnl_link_set_name(peer, peer_name);
	/* Made inside the container's namespace: the peer never exists in
	 * the host's under a name that could clash or be grabbed. */
	rtnl_link_set_ns_fd(peer, nsfd);
	hw = nl_addr_build(AF_LLC, mac, 6);
	if (!hw)
		abort();
	rtnl_link_set_addr(peer, hw);
	if (mtu > 0) {
		rtnl_link_set_mtu(veth, (unsigned)mtu);
		rtnl_link_set_mtu(peer, (unsigned)mtu);
	}
	if ((r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL)) < 0)
		return nl_fail(err, r, "cannot create veth pair '%s'", host_name);
	return 0;
}

int net_iface_configure(const char *ifname, uint32_t ip, int prefix, uint32_t gateway, int mtu,
			struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = route_socket(err);
	struct rtnl_route *rt;
	struct rtnl_nexthop *nh;
	int idx, r;

	if (!sk || link_up(sk, "lo", 0, err) < 0 || (idx = ifindex_of(sk, ifname, err)) < 0 ||
	    addr_add(sk, idx, ip, prefix, ifname, err) < 0 || link_up(sk, ifname, mtu, err) < 0)
		return -1;
	if (!gateway)
		return 0;
	if (!(rt = rtnl_route_alloc()) || !(nh = rtnl_route_nh_alloc()))
		abort();
	{
		_cleanup_nladdr_ struct nl_addr *dst = v4(0, 0), *gw = v4(gateway, 32);

		rtnl_route_set_family(rt, AF_INET);
		rtnl_route_set_dst(rt, dst);
		rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_nh_set_ifindex(nh, idx);
		rtnl_route_add_nexthop(rt, nh);
		r = rtnl_route_add(sk, rt, NLM_F_CREATE);
	}
	rtnl_route_put(rt);
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(err, r, "cannot add the default route on '%s'", ifname);
	return 0;
}
