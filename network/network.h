/* Container networking mechanisms: bridges, veth pairs, addresses and
 * routes (libnl-route-3), NAT and published ports (libnftables, in nook's
 * own table `ip nook`), and the pure parsers behind the options (CIDR,
 * -p, the config file, hosts files).
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
 * (so a port published on 127.0.0.1 reaches a container). */
int net_bridge_ensure(const char *name, uint32_t gateway, int prefix, int mtu, struct error *err);
/* ENOENT-style absence is success. */
int net_link_delete(const char *name, struct error *err);
/* A veth pair: host_name up on bridge, the peer created as peer_name
 * directly inside the network namespace nsfd with mac. */
int net_veth_create(const char *host_name, const char *bridge, int nsfd, const char *peer_name,
		    const uint8_t mac[6], int mtu, struct error *err);
/* In the current namespace: lo up, ifname up with ip/prefix and mtu, a
 * default route via gateway unless gateway is 0. */
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
int net_nft_network_del(const char *bridge, bool internal, struct error *err);
/* Publish p to ctr_ip; _del ignores absent entries. */
int net_nft_port_add(const struct net_port *p, size_t n, uint32_t ctr_ip, struct error *err);
int net_nft_port_del(const struct net_port *p, size_t n, struct error *err);

#endif
