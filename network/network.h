/* Container networking mechanisms: bridges, veth pairs, addresses and
 * routes (libnl-route-3), NAT and published ports (libnftables, in nook's
 * own tables `ip nook` and, for dual-stack networks, `ip6 nook`), the
 * host sockets that hold published ports, and the pure parsers behind
 * the options (CIDR, -p, the config file, hosts files).
 *
 * Every function that touches the kernel acts on the calling thread's
 * current network namespace: runtime/ decides which one (it enters a
 * container's with ns_netns_enter and comes back).  Nothing here prints
 * or exits; errors go in struct error.  The kernel-facing functions load
 * their libraries on first use (net_libs_load). */
#ifndef NOOK_NETWORK_H
#define NOOK_NETWORK_H

#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>

/* IPv4 addresses are host-order uint32_t throughout. */
/* "a.b.c.d" -> *ip; EINVAL otherwise. */
int net_ip_parse(const char *s, uint32_t *ip, struct error *err);
/* "a.b.c.d/n" -> the network address (host bits cleared) and n. */
int net_cidr_parse(const char *s, uint32_t *net, int *prefix, struct error *err);
/* Writes "a.b.c.d" into buf (16 bytes); returns buf. */
char *net_ip_str(uint32_t ip, char buf[16]);
uint32_t net_mask(int prefix);
bool net_cidr_overlap(uint32_t a, int pa, uint32_t b, int pb);
/* docker's MAC for an address: 02:42 and the address's four bytes. */
void net_mac_of_ip(uint32_t ip, uint8_t mac[6]);
int net_mac_parse(const char *s, uint8_t mac[6], struct error *err);
char *net_mac_str(const uint8_t mac[6], char buf[18]);

/* ------------------------------------------------------------- ports -- */

struct net_port {
	uint32_t host_ip; /* 0: every address of the host */
	uint16_t host_port, ctr_port;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};
/* One -p value: [HOSTIP:][HOSTPORT:]CTRPORT[-END][/tcp|udp].  A range
 * gives one entry a port; HOSTPORT and CTRPORT ranges must be as long.
 * Without HOSTPORT the host port is the container port (docker picks a
 * random one; nook keeps it predictable).  A range holds at most
 * NET_PORT_RANGE_MAX ports.  Appends to *v, *n (free the array). */
#define NET_PORT_RANGE_MAX 1024
int net_port_parse(const char *spec, struct net_port **v, size_t *n, struct error *err);
const char *net_proto_name(uint8_t proto);

/* ------------------------------------------------------------ config -- */

/* nook's config file: `key = value` lines, '#' comments.  Keys:
 * network (the default of `run --network`: bridge, none, host or a
 * network's name), default_subnet, default_bridge, mtu, dns (a
 * space-separated list used when the host's resolvers are loopback). */
struct net_config {
	char *network, *default_subnet, *default_bridge, *dns;
	char *userns_pool; /* START:SIZE, the ids of --userns=auto */
	int mtu;
};
/* The file at path (missing: the defaults).  net_config_release. */
int net_config_load(const char *path, struct net_config *c, struct error *err);
void net_config_release(struct net_config *c);

/* -------------------------------------------------------------- links -- */

/* The bridge `name` up with gateway/prefix on it; an existing bridge is
 * kept.  Also sets net.ipv4.ip_forward and the bridge's route_localnet
 * (so a port published on 127.0.0.1 reaches a container).  Returns the
 * bridge's ifindex (> 0). */
int net_bridge_ensure(const char *name, uint32_t gateway, int prefix, int mtu, struct error *err);
/* ENOENT-style absence is success. */
int net_link_delete(const char *name, struct error *err);
/* The host end host_name of a container's veth pair and its peer, unless
 * the peer's namespace is already being torn down (the kernel removes
 * both then); absence is success. */
int net_veth_release(const char *host_name, struct error *err);
/* A veth pair: host_name up on bridge, the peer created up as peer_name
 * directly inside the network namespace nsfd with mac.  A stale
 * host_name (an earlier run's) is replaced. */
int net_veth_create(const char *host_name, const char *bridge, int nsfd, const char *peer_name,
		    const uint8_t mac[6], int mtu, struct error *err);
/* In the current namespace: ifname up with ip/prefix and mtu, a default
 * route via gateway unless gateway is 0.  (lo is the namespace's maker's:
 * a container's init brings it up, ns_loopback_up.) */
int net_iface_configure(const char *ifname, uint32_t ip, int prefix, uint32_t gateway, int mtu,
			struct error *err);

/* ------------------------------------------------------------ nftables -- */

/* Table `ip nook` with its sets, maps and chains, made once (an existing
 * one is kept).  Only this table is ever changed: flushing nook's rules
 * never touches anybody else's. */
int net_nft_ensure(struct error *err);
/* A network's elements: its bridge in the bridges set, and in
 * nat_bridges (masqueraded on the way out) or internal (not forwarded). */
int net_nft_network_add(const char *bridge, bool internal, struct error *err);
/* net_nft_network_add, only when the elements are not there already:
 * checked without loading libnftables, which most starts then skip. */
int net_nft_network_ensure(const char *bridge, bool internal, struct error *err);
int net_nft_network_del(const char *bridge, bool internal, struct error *err);
/* Publish p to ctr_ip; _del ignores absent entries. */
int net_nft_port_add(const struct net_port *p, size_t n, uint32_t ctr_ip, struct error *err);
int net_nft_port_del(const struct net_port *p, size_t n, struct error *err);

/* ------------------------------------------------ IPv6 (ip6.c, nft.c) -- */

/* An IPv6 address, network byte order. */
struct net_ip6 {
	uint8_t b[16];
};
#define NET_IP6_STRLEN 46
int net_ip6_parse(const char *s, struct net_ip6 *a, struct error *err);
/* "ADDR/n", n from 16 to 96 (a container's address keeps its v4 host
 * part in the low 32 bits): the network address and n. */
int net_cidr6_parse(const char *s, struct net_ip6 *net, int *prefix, struct error *err);
char *net_ip6_str(const struct net_ip6 *a, char buf[NET_IP6_STRLEN]);
bool net_ip6_is_set(const struct net_ip6 *a);
bool net_cidr6_overlap(const struct net_ip6 *a, int pa, const struct net_ip6 *b, int pb);
/* subnet with host (a v4 address's host part) in its low 32 bits. */
void net_ip6_host(const struct net_ip6 *subnet, uint32_t host, struct net_ip6 *out);
/* A container's v6 address on a network whose v6 subnet is subnet6
 * ("" or NULL: none; false then): fixed when set and valid, else the
 * subnet with the host part of ip4 (prefix4: the v4 subnet's). */
bool net_addr6_of(const char *subnet6, int prefix4, uint32_t ip4, const char *fixed,
		  struct net_ip6 *out, int *prefix6);
/* s, an --ip6 for a network whose v6 subnet is subnet6 and v4 one
 * subnet4/prefix4 with gateway4: *a, and in *twin the v4 address whose
 * derived v6 address is s (0: none).  EINVAL when s is no IPv6 address
 * or outside the subnet, or is its first address or the gateway's. */
int net_ip6_fixed(const char *s, const char *subnet6, uint32_t subnet4, int prefix4,
		  uint32_t gateway4, struct net_ip6 *a, uint32_t *twin, struct error *err);
/* A unique local /64 (fdXX:XXXX:XXXX:XXXX::/64) derived from seed. */
void net_ip6_ula(const char *seed, struct net_ip6 *out);
/* The bridge (made by net_bridge_ensure) gets gateway/prefix; IPv6
 * forwarding on.  In the current namespace. */
int net_bridge6_ensure(const char *name, const struct net_ip6 *gateway, int prefix,
		       struct error *err);
/* ifname (up, configured by net_iface_configure) gets ip/prefix and,
 * unless gateway is NULL, a default v6 route via gateway. */
int net_iface6_configure(const char *ifname, const struct net_ip6 *ip, int prefix,
			 const struct net_ip6 *gateway, struct error *err);
/* Table `ip6 nook`, as `ip nook` for v4: the bridge's elements, and the
 * ports published on every host address DNATed to ctr_ip. */
int net_nft6_ensure(struct error *err);
int net_nft6_network_add(const char *bridge, bool internal, struct error *err);
int net_nft6_network_del(const char *bridge, bool internal, struct error *err);
int net_nft6_port_add(const struct net_port *p, size_t n, const struct net_ip6 *ctr_ip,
		      struct error *err);
int net_nft6_port_del(const struct net_port *p, size_t n, struct error *err);

/* ------------------------------------------------------ hold (hold.c) -- */

/* Bind each host address and port of p (and [::] for those on every
 * address when six) in the current namespace, so that nothing else can
 * while the caller lives; EADDRINUSE with docker's message when
 * something holds one already.  Appends the sockets (O_CLOEXEC) to *fds,
 * *nfds; on error nothing is held.  net_ports_release closes them. */
int net_ports_hold(const struct net_port *p, size_t n, bool six, int **fds, size_t *nfds,
		   struct error *err);
void net_ports_release(int *fds, size_t n);

/* ---------------------------------------------------- proxy (proxy.c) -- */

/* A relay of published ports from the host's IPv6 loopback to a
 * container (nftables cannot DNAT ::1 into a bridge: see proxy.c), run
 * from its owner's event loop: poll net_proxy_fd for input, then call
 * net_proxy_run, which does what is ready without blocking.  Single
 * thread; in the namespace whose ports it holds. */
struct net_proxy;
struct net_proxy *net_proxy_new(struct error *err);
/* Relay fd, a socket of net_ports_hold bound to [::] and a port of proto,
 * to [dst]:port.  fd stays the caller's (close it after
 * net_proxy_free). */
int net_proxy_add(struct net_proxy *px, int fd, uint8_t proto, const struct net_ip6 *dst,
		  uint16_t port, struct error *err);
int net_proxy_fd(const struct net_proxy *px); /* -1 for NULL */
void net_proxy_run(struct net_proxy *px);
/* Every relayed connection and flow closed; NULL is fine. */
void net_proxy_free(struct net_proxy *px);

#endif
