/* The engine's network objects: `nook network create|rm|prune` and what
 * `nook port` shows.  The record is the truth (image/netdb.c); the
 * bridge and its nftables elements follow it, made at create (and again
 * at every container start, so a rebooted host or a flushed table heals
 * itself) and removed before the record at rm, so a kill -9 in between
 * leaves a record that a second rm finishes. */
#include "runtime/internal.h"
#include "image/image.h"
#include "network/network.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

/* "br-" and 12 hex digits of the name's sha256, as docker names its
 * bridges: unique per name, within IFNAMSIZ. */
static void bridge_name(const char *name, char buf[16])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256_init(&h);
	sha256_update(&h, name, strlen(name));
	sha256_final(&h, d);
	sha256_hex(d, hex);
	snprintf(buf, 16, "br-%.12s", hex);
}

/* No --subnet: the first free /24 of 10.89.0.0/16 (podman's choice). */
static int subnet_pick(struct img_store *s, uint32_t *subnet, struct error *err)
{
	struct img_network *v;
	size_t n;

	if (img_net_list(s, &v, &n, err) < 0)
		return -1;
	for (uint32_t c = (10u << 24) | (89u << 16); c < ((10u << 24) | (90u << 16)); c += 256) {
		bool used = false;

		for (size_t i = 0; i < n && !used; i++)
			used = net_cidr_overlap(c, 24, v[i].subnet, v[i].prefix);
		if (!used) {
			*subnet = c;
			img_network_list_free(v, n);
			return 0;
		}
	}
	img_network_list_free(v, n);
	return error_set(err, ENOSPC, "no free subnet in 10.89.0.0/16: give --subnet");
}

static int name_check(const char *name, struct error *err)
{
	size_t n = strlen(name);

	if (n < 1 || n > 64 || !isalnum((unsigned char)name[0]) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return error_set(
		    err, EINVAL,
		    "invalid network name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	if (!strcmp(name, "bridge") || !strcmp(name, "none") || !strcmp(name, "host"))
		return error_set(err, EINVAL, "network name '%s' is reserved", name);
	return 0;
}

/* The v6 subnet of a dual-stack network into *out ("ADDR/n"): the one
 * given, else a ULA /64 from the name; it must not overlap another
 * network's. */
static int subnet6_pick(struct img_store *s, const struct rt_network_opts *o, char **out,
			struct error *err)
{
	struct net_ip6 net, other;
	struct img_network *v;
	char buf[NET_IP6_STRLEN];
	int prefix = 64, po, r = 0;
	size_t n;

	if (o->subnet6) {
		if (net_cidr6_parse(o->subnet6, &net, &prefix, err) < 0)
			return -1;
	} else {
		net_ip6_ula(o->name, &net);
	}
	if (img_net_list(s, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct error e2;

		if (*v[i].subnet6 && net_cidr6_parse(v[i].subnet6, &other, &po, &e2) == 0 &&
		    net_cidr6_overlap(&net, prefix, &other, po))
			r = error_set(err, EINVAL, "the IPv6 subnet overlaps network %s's",
				      v[i].name);
	}
	img_network_list_free(v, n);
	if (r == 0)
		*out = xasprintf("%s/%d", net_ip6_str(&net, buf), prefix);
	return r;
}

/* The bridge's v6 side: the gateway has the v4 gateway's host part. */
static int bridge6_ensure(const struct img_network *n, struct error *err)
{
	struct net_ip6 net, gw;
	int prefix;

	if (!n->subnet6 || !*n->subnet6)
		return 0;
	if (net_cidr6_parse(n->subnet6, &net, &prefix, err) < 0)
		return -1;
	net_ip6_host(&net, n->gateway & ~net_mask(n->prefix), &gw);
	if (net_bridge6_ensure(n->bridge, &gw, prefix, err) < 0 ||
	    net_nft6_network_add(n->bridge, n->internal, err) < 0)
		return -1;
	return 0;
}

int rt_network_create(struct img_store *s, const struct rt_network_opts *o, struct error *err)
{
	struct img_network n = {.name = (char *)o->name, .internal = o->internal};
	_cleanup_free_ char *subnet6 = NULL;
	char br[16];

	if (name_check(o->name, err) < 0)
		return -1;
	if (o->subnet ? net_cidr_parse(o->subnet, &n.subnet, &n.prefix, err) < 0
		      : (n.prefix = 24, subnet_pick(s, &n.subnet, err) < 0))
		return -1;
	if (o->gateway) {
		if (net_ip_parse(o->gateway, &n.gateway, err) < 0)
			return -1;
		if ((n.gateway & net_mask(n.prefix)) != n.subnet || n.gateway == n.subnet ||
		    n.gateway == (n.subnet | ~net_mask(n.prefix)))
			return error_set(err, EINVAL,
					 "gateway %s is not a host address of the subnet",
					 o->gateway);
	} else {
		n.gateway = n.subnet + 1;
	}
	if ((o->ipv6 || o->subnet6) && subnet6_pick(s, o, &subnet6, err) < 0)
		return -1;
	bridge_name(o->name, br);
	n.bridge = br;
	n.subnet6 = subnet6;
	n.created = rt_now_ns();
	if (img_net_add(s, &n, err) < 0)
		return -1;
	fault_point("network-recorded");
	/* The kernel side is made again at each container start: a failure
	 * here is reported, the record stays. */
	if (net_bridge_ensure(br, n.gateway, n.prefix, 0, err) < 0 ||
	    net_nft_network_add(br, n.internal, err) < 0 || bridge6_ensure(&n, err) < 0)
		return -1;
	return 0;
}

int rt_network_remove(struct img_store *s, const char *name, struct error *err)
{
	struct img_network n;
	struct img_net_addr *a;
	size_t cnt;
	int r = -1;

	if (img_net_find(s, name, &n, err) < 0)
		return -1;
	if (!strcmp(name, RT_NET_DEFAULT)) {
		error_set(err, EPERM, "network %s is the default network: it cannot be removed",
			  name);
		goto out;
	}
	if (img_net_addrs(s, name, NULL, &a, &cnt, err) < 0)
		goto out;
	img_net_addr_list_free(a, cnt);
	if (cnt) {
		error_set(err, EBUSY, "network %s has containers: remove them first", name);
		goto out;
	}
	if (net_nft_network_del(n.bridge, n.internal, err) < 0 ||
	    (*n.subnet6 && net_nft6_network_del(n.bridge, n.internal, err) < 0) ||
	    net_link_delete(n.bridge, err) < 0)
		goto out;
	fault_point("network-rm-bridge");
	r = img_net_remove(s, name, err);
out:
	img_network_release(&n);
	return r;
}

int rt_network_prune(struct img_store *s, char ***removed, struct error *err)
{
	struct img_network *v;
	size_t n;

	*removed = NULL;
	if (img_net_list(s, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct img_net_addr *a;
		size_t cnt;

		if (!strcmp(v[i].name, RT_NET_DEFAULT))
			continue;
		if (img_net_addrs(s, v[i].name, NULL, &a, &cnt, err) < 0)
			goto fail;
		img_net_addr_list_free(a, cnt);
		if (cnt)
			continue;
		if (rt_network_remove(s, v[i].name, err) < 0)
			goto fail;
		strv_push(removed, v[i].name);
	}
	img_network_list_free(v, n);
	return 0;
fail:
	img_network_list_free(v, n);
	return -1;
}

/* ------------------------------------------------- NetworkSettings -- */

/* One network's entry of a container: its row (a), the network (n). */
static struct json_object *endpoint_json(const struct img_network *n, const struct img_net_addr *a)
{
	struct json_object *e = json_object_new_object(), *al = json_object_new_array();
	_cleanup_free_ char *aliases = xstrdup(a->aliases);
	char ip[16], gw[16], mac[18], ip6[NET_IP6_STRLEN], gw6[NET_IP6_STRLEN], *save = NULL;
	uint8_t m[6];
	struct net_ip6 a6, g6;
	struct error e2;
	int p6 = 0;

	for (char *t = strtok_r(aliases, " ", &save); t; t = strtok_r(NULL, " ", &save))
		json_object_array_add(al, json_object_new_string(t));
	/* The MAC is the address's unless --mac-address chose one. */
	if (!*a->mac || net_mac_parse(a->mac, m, &e2) < 0)
		net_mac_of_ip(a->ip, m);
	*ip6 = *gw6 = '\0';
	if (net_addr6_of(n->subnet6, n->prefix, a->ip, a->ip6, &a6, &p6) &&
	    net_addr6_of(n->subnet6, n->prefix, n->gateway, NULL, &g6, &p6)) {
		net_ip6_str(&a6, ip6);
		net_ip6_str(&g6, gw6);
	}
	json_object_object_add(e, "Aliases", al);
	json_object_object_add(e, "NetworkID", json_object_new_string(n->name));
	json_object_object_add(e, "Gateway", json_object_new_string(net_ip_str(n->gateway, gw)));
	json_object_object_add(e, "IPAddress", json_object_new_string(net_ip_str(a->ip, ip)));
	json_object_object_add(e, "IPPrefixLen", json_object_new_int(n->prefix));
	json_object_object_add(e, "IPv6Gateway", json_object_new_string(gw6));
	json_object_object_add(e, "GlobalIPv6Address", json_object_new_string(ip6));
	json_object_object_add(e, "GlobalIPv6PrefixLen", json_object_new_int(p6));
	json_object_object_add(e, "MacAddress", json_object_new_string(net_mac_str(m, mac)));
	return e;
}

/* docker's Ports: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. */
static struct json_object *ports_json(struct img_store *s, const char *id)
{
	struct json_object *o = json_object_new_object();
	struct img_net_port *p = NULL;
	struct error e2;
	size_t n = 0;

	if (img_net_ports(s, id, &p, &n, &e2) < 0)
		return o;
	for (size_t i = 0; i < n; i++) {
		char key[16], ip[16], port[8];
		struct json_object *v, *b = json_object_new_object();

		snprintf(key, sizeof(key), "%u/%s", p[i].ctr_port, net_proto_name(p[i].proto));
		snprintf(port, sizeof(port), "%u", p[i].host_port);
		if (!json_object_object_get_ex(o, key, &v)) {
			v = json_object_new_array();
			json_object_object_add(o, key, v);
		}
		json_object_object_add(
		    b, "HostIp",
		    json_object_new_string(p[i].host_ip ? net_ip_str(p[i].host_ip, ip) : ""));
		json_object_object_add(b, "HostPort", json_object_new_string(port));
		json_object_array_add(v, b);
	}
	free(p);
	return o;
}

/* The network c was created on: the one of its rows that was not
 * connected later (runtime/engine_net.c keeps those as <dir>.netc-NAME). */
static bool connected_later(const struct img_ctr *c, const char *network)
{
	_cleanup_free_ char *p = xasprintf("%s.netc-%s", c->dir, network);

	return access(p, F_OK) == 0;
}

struct json_object *rt_engine_net_settings(struct img_store *s, const struct img_ctr *c)
{
	static const char *const top[] = {"IPAddress",	       "IPPrefixLen", "Gateway",
					  "GlobalIPv6Address", "IPv6Gateway", "MacAddress"};
	struct json_object *o = json_object_new_object(), *nets = json_object_new_object();
	struct json_object *primary = NULL, *v;
	struct img_net_addr *a = NULL;
	struct img_network *nv = NULL;
	size_t na = 0, nn = 0;
	struct error e2;

	if (img_net_addrs(s, NULL, c->id, &a, &na, &e2) == 0 && na &&
	    img_net_list(s, &nv, &nn, &e2) == 0) {
		for (size_t i = 0; i < na; i++)
			for (size_t k = 0; k < nn; k++) {
				struct json_object *e;

				if (strcmp(nv[k].name, a[i].network))
					continue;
				e = endpoint_json(&nv[k], &a[i]);
				json_object_object_add(nets, nv[k].name, e);
				if (!primary || !connected_later(c, nv[k].name))
					primary = e;
			}
	}
	/* The top-level fields are the primary network's (podman's choice;
	 * docker fills them for its default bridge only). */
	for (size_t i = 0; i < ARRAY_SIZE(top); i++) {
		bool num = !strcmp(top[i], "IPPrefixLen");

		if (primary && json_object_object_get_ex(primary, top[i], &v))
			json_object_object_add(o, top[i], json_object_get(v));
		else
			json_object_object_add(
			    o, top[i], num ? json_object_new_int(0) : json_object_new_string(""));
	}
	json_object_object_add(o, "Ports", ports_json(s, c->id));
	json_object_object_add(o, "Networks", nets);
	img_net_addr_list_free(a, na);
	img_network_list_free(nv, nn);
	return o;
}
