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
#include <string.h>

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

int rt_network_create(struct img_store *s, const struct rt_network_opts *o, struct error *err)
{
	struct img_network n = {.name = (char *)o->name, .internal = o->internal};
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
	bridge_name(o->name, br);
	n.bridge = br;
	n.created = rt_now_ns();
	if (img_net_add(s, &n, err) < 0)
		return -1;
	fault_point("network-recorded");
	/* The kernel side is made again at each container start: a failure
	 * here is reported, the record stays. */
	if (net_bridge_ensure(br, n.gateway, n.prefix, 0, err) < 0 ||
	    net_nft_network_add(br, n.internal, err) < 0)
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
