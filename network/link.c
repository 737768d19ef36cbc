/* Links, addresses and routes over rtnetlink (libnl-route-3).  Each call
 * opens its own socket in the caller's current network namespace: a
 * netlink socket stays bound to the namespace it was made in, which is
 * what lets runtime/ enter a container's namespace, configure it, and
 * come back. */
#include "network/internal.h"

#include <fcntl.h>
#include <linux/net_namespace.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

void net_sockp(struct nl_sock **sk)
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

struct nl_sock *net_route_socket(struct error *err)
{
	struct nl_sock *sk;
	int r;

	if (net_libs_load(NET_LIBS_NL, err) < 0)
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

int net_ifindex_of(struct nl_sock *sk, const char *name, struct error *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, 0, name, &l);

	if (r < 0)
		return nl_fail(err, r, "cannot find interface '%s'", name);
	return rtnl_link_get_ifindex(l);
}

int net_default_route_add(struct nl_sock *sk, int family, int ifindex, struct nl_addr *dst,
			  struct nl_addr *gw)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int r;

	if (!rt || !nh)
		abort(); /* allocation failure, as xmalloc */
	rtnl_route_set_family(rt, family);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(rt, nh);
	r = rtnl_route_add(sk, rt, NLM_F_CREATE);
	rtnl_route_put(rt);
	return r;
}

/* Written only in the caller's namespace: /proc/sys/net is per network
 * namespace, so a test's namespace never changes the machine's. */
int net_sysctl_set(const char *path, const char *val, struct error *err)
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

/* l's up flag, and its mtu when > 0, for a request. */
static void up_with_mtu(struct rtnl_link *l, int mtu)
{
	rtnl_link_set_flags(l, IFF_UP);
	if (mtu > 0)
		rtnl_link_set_mtu(l, (unsigned)mtu);
}

/* A bridge named name, up; one made concurrently by another nook is as
 * good. */
static int bridge_add(struct nl_sock *sk, const char *name, int mtu, struct error *err)
{
	_cleanup_link_ struct rtnl_link *br = rtnl_link_bridge_alloc();
	int r;

	if (!br)
		return error_set(err, ENOMEM, "cannot allocate a bridge");
	rtnl_link_set_name(br, name);
	up_with_mtu(br, mtu);
	r = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(err, r, "cannot create bridge '%s'", name);
	return 0;
}

/* l (as the kernel reported it) up, with mtu when > 0. */
static int link_change_up(struct nl_sock *sk, struct rtnl_link *l, int mtu, struct error *err)
{
	_cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return error_set(err, ENOMEM, "cannot allocate a link");
	up_with_mtu(change, mtu);
	if ((r = rtnl_link_change(sk, l, change, 0)) < 0)
		return nl_fail(err, r, "cannot bring '%s' up", rtnl_link_get_name(l));
	return 0;
}

int net_bridge_ensure(const char *name, uint32_t gateway, int prefix, int mtu, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);
	_cleanup_link_ struct rtnl_link *br = NULL;
	_cleanup_free_ char *rl = NULL;
	int r, idx;

	if (!sk)
		return -1;
	/* Every run on a network asks: one look-up when the bridge is there
	 * and up, the common case. */
	r = rtnl_link_get_kernel(sk, 0, name, &br);
	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
		if ((r = bridge_add(sk, name, mtu, err)) < 0)
			return -1;
		r = rtnl_link_get_kernel(sk, 0, name, &br);
	}
	if (r < 0)
		return nl_fail(err, r, "cannot find interface '%s'", name);
	if (!(rtnl_link_get_flags(br) & IFF_UP) && link_change_up(sk, br, 0, err) < 0)
		return -1;
	idx = rtnl_link_get_ifindex(br);
	if (addr_add(sk, idx, gateway, prefix, name, err) < 0)
		return -1;
	/* Forwarding is what the host's NAT needs (docker sets it too);
	 * route_localnet lets a packet from 127.0.0.1, DNATed to a
	 * container, leave through the bridge (it is masqueraded there). */
	rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", name);
	if (net_sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err) < 0 ||
	    net_sysctl_set(rl, "1", err) < 0)
		return -1;
	return idx;
}

static int link_delete(struct nl_sock *sk, const char *name, struct error *err)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	int r;

	if ((r = rtnl_link_get_kernel(sk, 0, name, &l)) < 0)
		return r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV
			   ? 0
			   : nl_fail(err, r, "cannot find interface '%s'", name);
	if ((r = rtnl_link_delete(sk, l)) < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
		return nl_fail(err, r, "cannot delete interface '%s'", name);
	return 0;
}

int net_link_delete(const char *name, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);

	return sk ? link_delete(sk, name, err) : -1;
}

/* Whether the namespace the caller's namespace knows as nsid still has a
 * reference: the kernel finds a namespace by its id only while it does
 * (RTM_GETNSID answers ENOENT from the moment the last one is gone). */
static bool netns_alive(struct nl_sock *sk, int32_t nsid)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETNSID, 0);
	int r;

	if (!m)
		abort(); /* allocation failure, as xmalloc */
	if (nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_s32(m, NETNSA_NSID, nsid) < 0)
		abort(); /* a few bytes in a page-sized message */
	r = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	/* Anything but a clear "gone" keeps the deletion: it is only slow. */
	return r != -NLE_OBJ_NOTFOUND;
}

int net_veth_release(const char *name, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);
	_cleanup_link_ struct rtnl_link *l = NULL;
	int32_t nsid;
	int r;

	if (!sk)
		return -1;
	if ((r = rtnl_link_get_kernel(sk, 0, name, &l)) < 0)
		return r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV
			   ? 0
			   : nl_fail(err, r, "cannot find interface '%s'", name);
	/* The peer's namespace on its way out takes both ends with it, in
	 * the kernel's own time; deleting the pair ourselves would wait an
	 * RCU grace period (tens of ms) for nothing.  A namespace something
	 * still holds (a container:ID joiner, a crash between steps) keeps
	 * its end alive: that pair is deleted here. */
	if (rtnl_link_get_link_netnsid(l, &nsid) == 0 &&
	    (nsid == NETNSA_NSID_NOT_ASSIGNED || (nsid >= 0 && !netns_alive(sk, nsid))))
		return 0;
	if ((r = rtnl_link_delete(sk, l)) < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
		return nl_fail(err, r, "cannot delete interface '%s'", name);
	return 0;
}

int net_veth_create(const char *host_name, const char *bridge, int nsfd, const char *peer_name,
		    const uint8_t mac[6], int mtu, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);
	_cleanup_link_ struct rtnl_link *veth = NULL, *peer = NULL;
	_cleanup_nladdr_ struct nl_addr *hw = NULL;
	int r, br;

	if (!sk || (br = net_ifindex_of(sk, bridge, err)) < 0)
		return -1;
	if (!(veth = rtnl_link_veth_alloc()))
		return error_set(err, ENOMEM, "cannot allocate a veth pair");
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, host_name);
	rtnl_link_set_master(veth, br);
	rtnl_link_set_flags(veth, IFF_UP);
	rtnl_link_set_name(peer, peer_name);
	/* Made inside the container's namespace: the peer never exists in
	 * the host's under a name that could clash or be grabbed.  (It
	 * cannot be made up: veth opens a peer only once both are linked.) */
	rtnl_link_set_ns_fd(peer, nsfd);
	hw = nl_addr_build(AF_LLC, mac, 6);
	if (!hw)
		abort();
	rtnl_link_set_addr(peer, hw);
	if (mtu > 0) {
		rtnl_link_set_mtu(veth, (unsigned)mtu);
		rtnl_link_set_mtu(peer, (unsigned)mtu);
	}
	r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	/* A pair of an earlier run of this container whose namespace is
	 * still held or not yet torn down: rare (a restart), so asked only
	 * when the name is taken. */
	if (r == -NLE_EXIST && link_delete(sk, host_name, err) == 0)
		r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return nl_fail(err, r, "cannot create veth pair '%s'", host_name);
	return 0;
}

int net_iface_configure(const char *ifname, uint32_t ip, int prefix, uint32_t gateway, int mtu,
			struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);
	_cleanup_link_ struct rtnl_link *l = NULL;
	int idx, r;

	if (!sk)
		return -1;
	if ((r = rtnl_link_get_kernel(sk, 0, ifname, &l)) < 0)
		return nl_fail(err, r, "cannot find interface '%s'", ifname);
	idx = rtnl_link_get_ifindex(l);
	if (addr_add(sk, idx, ip, prefix, ifname, err) < 0)
		return -1;
	if (link_change_up(sk, l, mtu, err) < 0)
		return -1;
	if (!gateway)
		return 0;
	{
		_cleanup_nladdr_ struct nl_addr *dst = v4(0, 0), *gw = v4(gateway, 32);

		r = net_default_route_add(sk, AF_INET, idx, dst, gw);
	}
	if (r < 0 && r != -NLE_EXIST)
		return nl_fail(err, r, "cannot add the default route on '%s'", ifname);
	return 0;
}
