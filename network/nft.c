/* NAT and published ports with libnftables, in nook's own table `ip
 * nook`.  The rules are fixed; what changes per network and per
 * container are elements of sets and maps, keyed so that each is added
 * and deleted by value (no rule handles to remember, nothing to find
 * after a crash): a bridge in bridges and in nat_bridges (masqueraded
 * when it leaves through any other interface) or internal (never
 * routed to or from another interface; with br_netfilter loaded bridged
 * packets pass the forward hook too, in and out of the same bridge, and
 * those are let through), a
 * published port in ports (all host addresses) or hostports (one). */
#include "network/internal.h"

#include <netinet/in.h>
#include <stdio.h>

/* The chains both families' tables have alike: ports published on a
 * local address, and an internal network's isolation. */
#define PREROUTING_CHAIN                                                                           \
	" chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"           \
	"  fib daddr type local jump publish\n"                                                    \
	" }\n"
#define FORWARD_CHAIN                                                                              \
	" chain forward { type filter hook forward priority filter; policy accept;\n"              \
	"  iifname @internal oifname != @internal drop\n"                                          \
	"  oifname @internal iifname != @internal drop\n"                                          \
	" }\n"

/* A container reaching a published port through the host's address (its
 * gateway's, say): DNATed to a container on a bridge, whose reply would
 * go straight back over the bridge, past the conntrack entry that undoes
 * the DNAT, and be refused by the client.  Masqueraded, the reply goes to
 * the gateway and back through conntrack (as docker without its proxy
 * and podman's netavark do).  A client from outside the bridges keeps its
 * address. */
#define HAIRPIN_RULE "  iifname @bridges oifname @bridges ct status dnat masquerade\n"

/* clang-format off */
static const char ruleset[] =
    "table ip nook {\n"
    " set nat_bridges { type ifname; }\n"
    " set bridges { type ifname; }\n"
    " set internal { type ifname; }\n"
    " map ports { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    " map hostports { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    " chain publish {\n"
    "  dnat ip to ip daddr . meta l4proto . th dport map @hostports\n"
    "  dnat ip to meta l4proto . th dport map @ports\n"
    " }\n"
    PREROUTING_CHAIN
    " chain output { type nat hook output priority -100; policy accept;\n"
    "  fib daddr type local jump publish\n"
    " }\n"
    " chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
    "  oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
    HAIRPIN_RULE
    "  iifname @nat_bridges oifname != @bridges masquerade\n"
    " }\n"
    FORWARD_CHAIN
    "}\n";
/* clang-format on */

/* One context per process, made on first use (its setup is most of the
 * cost of a small command).  network/ is called from one thread. */
static struct nft_ctx *ctx;

/* Run cmd; on failure the first line of nft's message, ENOENT when an
 * element or the table was not there, EEXIST when it was. */
static int nft_run(const char *cmd, struct error *err)
{
	const char *msg;
	size_t len;

	if (net_libs_load(NET_LIBS_NFT, err) < 0)
		return -1;
	if (!ctx) {
		if (!(ctx = nft_ctx_new(0)))
			return error_set(err, ENOMEM, "cannot make an nftables context");
		nft_ctx_buffer_output(ctx);
		nft_ctx_buffer_error(ctx);
	}
	/* Reading a buffer empties it: nothing of an earlier command stays. */
	nft_ctx_get_output_buffer(ctx);
	nft_ctx_get_error_buffer(ctx);
	if (nft_run_cmd_from_buffer(ctx, cmd) == 0)
		return 0;
	msg = nft_ctx_get_error_buffer(ctx);
	msg = msg ? msg : "";
	len = strcspn(msg, "\n");
	if (strstr(msg, "No such file or directory"))
		return error_set(err, ENOENT, "nftables: %.*s", (int)len, msg);
	if (strstr(msg, "File exists"))
		return error_set(err, EEXIST, "nftables: %.*s", (int)len, msg);
	return error_set(err, EIO, "nftables: %.*s", (int)len, msg);
}

/* family: "ip" or "ip6"; rules: that table's. */
static int table_ensure(const char *family, const char *rules, struct error *err)
{
	_cleanup_free_ char *list = xasprintf("list table %s nook", family), *cmd = NULL;
	struct error e2;

	/* `create table` fails when the table is there, and the whole batch
	 * with it: of concurrent nooks exactly one adds the rules, and an
	 * existing table is left as it is. */
	if (nft_run(list, &e2) == 0)
		return 0;
	cmd = xasprintf("create table %s nook\n%s", family, rules);
	if (nft_run(cmd, err) == 0)
		return 0;
	return nft_run(list, &e2) == 0 ? 0 : -1;
}

int net_nft_ensure(struct error *err)
{
	return table_ensure("ip", ruleset, err);
}

static int network_cmd(const char *family, const char *verb, const char *bridge, bool internal,
		       struct error *err)
{
	_cleanup_free_ char *cmd = xasprintf("%s element %s nook bridges { \"%s\" }\n"
					     "%s element %s nook %s { \"%s\" }\n",
					     verb, family, bridge, verb, family,
					     internal ? "internal" : "nat_bridges", bridge);

	return nft_run(cmd, err);
}

static int network_add(const char *family, const char *bridge, bool internal, struct error *err)
{
	struct error e2;

	/* Adding an element that is there is no error: every attach adds
	 * its network's again (the table may have been flushed).  The table
	 * is made only when the plain add finds it missing. */
	if (network_cmd(family, "add", bridge, internal, &e2) == 0)
		return 0;
	if ((strcmp(family, "ip") ? net_nft6_ensure(err) : net_nft_ensure(err)) < 0)
		return -1;
	return network_cmd(family, "add", bridge, internal, err);
}

static int network_del(const char *family, const char *bridge, bool internal, struct error *err)
{
	if (network_cmd(family, "delete", bridge, internal, err) < 0 && err->code != ENOENT)
		return -1;
	return 0;
}

int net_nft_network_add(const char *bridge, bool internal, struct error *err)
{
	return network_add("ip", bridge, internal, err);
}

int net_nft_network_del(const char *bridge, bool internal, struct error *err)
{
	return network_del("ip", bridge, internal, err);
}

static char *port_key(const struct net_port *p, char *buf, size_t len)
{
	char ip[16];

	if (p->host_ip)
		snprintf(buf, len, "%s . %s . %u", net_ip_str(p->host_ip, ip),
			 net_proto_name(p->proto), p->host_port);
	else
		snprintf(buf, len, "%s . %u", net_proto_name(p->proto), p->host_port);
	return buf;
}

int net_nft_port_add(const struct net_port *p, size_t n, uint32_t ctr_ip, struct error *err)
{
	char *cmd = NULL;
	size_t len = 0;
	struct error e2;
	FILE *f;
	int r;

	if (!n)
		return 0;
	f = open_memstream(&cmd, &len);
	for (size_t i = 0; i < n; i++) {
		char key[64], ip[16];

		fprintf(f, "add element ip nook %s { %s : %s . %u }\n",
			p[i].host_ip ? "hostports" : "ports", port_key(&p[i], key, sizeof(key)),
			net_ip_str(ctr_ip, ip), p[i].ctr_port);
	}
	fclose(f);
	/* The batch alone first; when it fails (no table yet, an element of
	 * an earlier run whose teardown was killed) the table is made and
	 * the stale elements deleted before the second try. */
	r = nft_run(cmd, &e2);
	if (r < 0 && (r = net_nft_ensure(err)) == 0 && (r = net_nft_port_del(p, n, err)) == 0)
		r = nft_run(cmd, err);
	free(cmd);
	return r;
}

int net_nft_port_del(const struct net_port *p, size_t n, struct error *err)
{
	char *cmd = NULL;
	size_t len = 0;
	struct error e2;
	FILE *f;
	int r;

	if (!n)
		return 0;
	f = open_memstream(&cmd, &len);
	for (size_t i = 0; i < n; i++) {
		char key[64];

		fprintf(f, "delete element ip nook %s { %s }\n",
			p[i].host_ip ? "hostports" : "ports", port_key(&p[i], key, sizeof(key)));
	}
	fclose(f);
	r = nft_run(cmd, &e2);
	free(cmd);
	if (r == 0)
		return 0;
	/* One command each: the batch fails whole when one element is
	 * absent, and absent is what a second teardown finds. */
	for (size_t i = 0; i < n; i++) {
		char key[64], one[128];

		snprintf(one, sizeof(one), "delete element ip nook %s { %s }",
			 p[i].host_ip ? "hostports" : "ports", port_key(&p[i], key, sizeof(key)));
		if (nft_run(one, err) < 0 && err->code != ENOENT)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- IPv6 -- */

/* Table `ip6 nook`, the same design for a dual-stack network's v6 side:
 * masquerade on the way out, published ports DNATed to the container's
 * v6 address.  Not on ::1: a packet from the loopback cannot leave
 * through the bridge in IPv6 (there is no route_localnet). */
/* clang-format off */
static const char ruleset6[] =
    "table ip6 nook {\n"
    " set nat_bridges { type ifname; }\n"
    " set bridges { type ifname; }\n"
    " set internal { type ifname; }\n"
    " map ports { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
    " chain publish {\n"
    "  dnat ip6 to meta l4proto . th dport map @ports\n"
    " }\n"
    PREROUTING_CHAIN
    " chain output { type nat hook output priority -100; policy accept;\n"
    "  ip6 daddr != ::1 fib daddr type local jump publish\n"
    " }\n"
    " chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
    HAIRPIN_RULE
    "  iifname @nat_bridges oifname != @bridges masquerade\n"
    " }\n"
    FORWARD_CHAIN
    "}\n";
/* clang-format on */

int net_nft6_ensure(struct error *err)
{
	return table_ensure("ip6", ruleset6, err);
}

int net_nft6_network_add(const char *bridge, bool internal, struct error *err)
{
	return network_add("ip6", bridge, internal, err);
}

int net_nft6_network_del(const char *bridge, bool internal, struct error *err)
{
	return network_del("ip6", bridge, internal, err);
}

/* Only the ports published on every host address have a v6 side: one
 * published on a v4 address is that address's. */
int net_nft6_port_add(const struct net_port *p, size_t n, const struct net_ip6 *ctr_ip,
		      struct error *err)
{
	char *cmd = NULL, ip[NET_IP6_STRLEN];
	size_t len = 0, cnt = 0;
	struct error e2;
	FILE *f;
	int r;

	f = open_memstream(&cmd, &len);
	for (size_t i = 0; i < n; i++) {
		if (p[i].host_ip)
			continue;
		fprintf(f, "add element ip6 nook ports { %s . %u : %s . %u }\n",
			net_proto_name(p[i].proto), p[i].host_port, net_ip6_str(ctr_ip, ip),
			p[i].ctr_port);
		cnt++;
	}
	fclose(f);
	r = 0;
	if (cnt && (r = nft_run(cmd, &e2)) < 0 && (r = net_nft6_ensure(err)) == 0 &&
	    (r = net_nft6_port_del(p, n, err)) == 0)
		r = nft_run(cmd, err);
	free(cmd);
	return r;
}

int net_nft6_port_del(const struct net_port *p, size_t n, struct error *err)
{
	struct error e2;

	/* One command each: absent is what a second teardown finds.  A
	 * missing table means nothing of v6 was ever published. */
	if (nft_run("list map ip6 nook ports", &e2) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char one[96];

		if (p[i].host_ip)
			continue;
		snprintf(one, sizeof(one), "delete element ip6 nook ports { %s . %u }",
			 net_proto_name(p[i].proto), p[i].host_port);
		if (nft_run(one, err) < 0 && err->code != ENOENT)
			return -1;
	}
	return 0;
}
