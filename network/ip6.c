/* IPv6 of a dual-stack network: its addresses (pure), and the kernel side
 * (libnl-route-3): the gateway on the bridge, a container's address and
 * default route.
 *
 * A container's IPv6 address is derived from its IPv4 one: the network's
 * v6 subnet with the v4 address's host part in its low 32 bits.  The
 * IPv4 allocation (image/netdb.c) is already unique under concurrent
 * runs and crash-safe, so the v6 address needs no second allocator and
 * no second row that could leak. */
#include "network/internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <sys/socket.h>

int net_ip6_parse(const char *s, struct net_ip6 *a, struct error *err)
{
	if (strchr(s, '.') || inet_pton(AF_INET6, s, a->b) != 1)
		return error_set(err, EINVAL, "invalid IPv6 address '%s'", s);
	return 0;
}

static void mask6(struct net_ip6 *a, int prefix)
{
	for (int i = 0; i < 16; i++) {
		int bits = prefix - 8 * i;

		if (bits <= 0)
			a->b[i] = 0;
		else if (bits < 8)
			a->b[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

int net_cidr6_parse(const char *s, struct net_ip6 *net, int *prefix, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *slash = strchr(copy, '/');
	int64_t n;

	/* The host part must hold a v4 host part (32 bits), and a subnet
	 * smaller than /16 is a mistake rather than a wish. */
	if (!slash || parse_int64(slash + 1, &n) < 0 || n < 16 || n > 96)
		return error_set(err, EINVAL,
				 "invalid IPv6 subnet '%s': want ADDR/n, n from 16 to 96", s);
	*slash = '\0';
	if (net_ip6_parse(copy, net, err) < 0)
		return error_set(err, EINVAL, "invalid IPv6 subnet '%s': want ADDR/n", s);
	*prefix = (int)n;
	mask6(net, *prefix);
	return 0;
}

char *net_ip6_str(const struct net_ip6 *a, char buf[NET_IP6_STRLEN])
{
	if (!inet_ntop(AF_INET6, a->b, buf, NET_IP6_STRLEN))
		snprintf(buf, NET_IP6_STRLEN, "::");
	return buf;
}

bool net_ip6_is_set(const struct net_ip6 *a)
{
	static const struct net_ip6 zero;

	return memcmp(a, &zero, sizeof(zero)) != 0;
}

bool net_cidr6_overlap(const struct net_ip6 *a, int pa, const struct net_ip6 *b, int pb)
{
	struct net_ip6 x = *a, y = *b;
	int p = pa < pb ? pa : pb;

	mask6(&x, p);
	mask6(&y, p);
	return !memcmp(&x, &y, sizeof(x));
}

void net_ip6_host(const struct net_ip6 *subnet, uint32_t host, struct net_ip6 *out)
{
	*out = *subnet;
	out->b[12] |= (uint8_t)(host >> 24);
	out->b[13] |= (uint8_t)(host >> 16);
	out->b[14] |= (uint8_t)(host >> 8);
	out->b[15] |= (uint8_t)host;
}

bool net_addr6_of(const char *subnet6, int prefix4, uint32_t ip4, const char *fixed,
		  struct net_ip6 *out, int *prefix6)
{
	struct net_ip6 sub;
	struct error e2;

	if (!subnet6 || !*subnet6 || net_cidr6_parse(subnet6, &sub, prefix6, &e2) < 0)
		return false;
	if (fixed && *fixed && net_ip6_parse(fixed, out, &e2) == 0)
		return true;
	net_ip6_host(&sub, ip4 & ~net_mask(prefix4), out);
	return true;
}

int net_ip6_fixed(const char *s, const char *subnet6, uint32_t subnet4, int prefix4,
		  uint32_t gateway4, struct net_ip6 *a, uint32_t *twin, struct error *err)
{
	struct net_ip6 sub, host, gw;
	uint32_t low;
	int p6;

	if (net_ip6_parse(s, a, err) < 0)
		return -1;
	if (!subnet6 || !*subnet6 || net_cidr6_parse(subnet6, &sub, &p6, err) < 0)
		return error_set(err, EINVAL,
				 "--ip6 needs a network with IPv6 (network create --ipv6)");
	host = *a;
	mask6(&host, p6);
	net_ip6_host(&sub, gateway4 & ~net_mask(prefix4), &gw);
	if (memcmp(&host, &sub, sizeof(sub)) || !memcmp(a, &sub, sizeof(sub)) ||
	    !memcmp(a, &gw, sizeof(gw)))
		return error_set(err, EINVAL,
				 "address %s is outside the usable range of IPv6 subnet %s", s,
				 subnet6);
	/* The v4 address whose derived v6 address this is: a's bits between
	 * the prefix and the low 32 zero, and the low 32 a v4 host part. */
	low = (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
	      a->b[15];
	host = *a;
	mask6(&host, 96);
	*twin = !memcmp(&host, &sub, sizeof(sub)) && !(low & net_mask(prefix4)) ? subnet4 | low : 0;
	return 0;
}

void net_ip6_ula(const char *seed, struct net_ip6 *out)
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];

	/* RFC 4193: fd00::/8 and a 40-bit global ID, here a hash of the
	 * network's name (stable, and distinct per network); subnet 0. */
	sha256_init(&h);
	sha256_update(&h, seed, strlen(seed));
	sha256_final(&h, d);
	memset(out, 0, sizeof(*out));
	out->b[0] = 0xfd;
	memcpy(&out->b[1], d, 5);
}

/* ----------------------------------------------------------- kernel -- */

static struct nl_addr *v6(const struct net_ip6 *a, int prefix)
{
	struct nl_addr *n = nl_addr_build(AF_INET6, a->b, 16);

	if (!n)
		abort(); /* allocation failure, as xmalloc */
	nl_addr_set_prefixlen(n, prefix);
	return n;
}

/* Without duplicate address detection: the address is nook's to give
 * (its IPAM made it unique), and with DAD it stays tentative, unusable,
 * for a second or more after the container starts. */
static int addr6_add(struct nl_sock *sk, const char *ifname, const struct net_ip6 *ip, int prefix,
		     struct error *err)
{
	struct rtnl_addr *a;
	struct nl_addr *local;
	int idx, r;

	if ((idx = net_ifindex_of(sk, ifname, err)) < 0)
		return -1;
	if (!(a = rtnl_addr_alloc()))
		return error_set(err, ENOMEM, "cannot allocate an address");
	local = v6(ip, prefix);
	rtnl_addr_set_ifindex(a, idx);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_flags(a, IFA_F_NODAD);
	r = rtnl_addr_add(sk, a, 0);
	rtnl_addr_put(a);
	nl_addr_put(local);
	if (r < 0 && r != -NLE_EXIST)
		return error_set(err, EIO, "cannot add an IPv6 address to '%s': %s", ifname,
				 nl_geterror(r));
	return 0;
}

int net_bridge6_ensure(const char *name, const struct net_ip6 *gateway, int prefix,
		       struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);
	_cleanup_free_ char *dis = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);

	if (!sk)
		return -1;
	/* Forwarding is what routes the containers' traffic out (and the
	 * published ports' in); docker sets it for its v6 networks too. */
	if (net_sysctl_set(dis, "0", err) < 0 || addr6_add(sk, name, gateway, prefix, err) < 0 ||
	    net_sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1", err) < 0)
		return -1;
	return 0;
}

int net_iface6_configure(const char *ifname, const struct net_ip6 *ip, int prefix,
			 const struct net_ip6 *gateway, struct error *err)
{
	_cleanup_sock_ struct nl_sock *sk = net_route_socket(err);
	_cleanup_free_ char *dis = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	struct nl_addr *dst, *gw;
	int idx, r;

	if (!sk || net_sysctl_set(dis, "0", err) < 0 || addr6_add(sk, ifname, ip, prefix, err) < 0)
		return -1;
	if (!gateway)
		return 0;
	if ((idx = net_ifindex_of(sk, ifname, err)) < 0)
		return -1;
	dst = v6(&(struct net_ip6){0}, 0);
	gw = v6(gateway, 128);
	r = net_default_route_add(sk, AF_INET6, idx, dst, gw);
	nl_addr_put(dst);
	nl_addr_put(gw);
	if (r < 0 && r != -NLE_EXIST)
		return error_set(err, EIO, "cannot add the IPv6 default route on '%s': %s", ifname,
				 nl_geterror(r));
	return 0;
}
