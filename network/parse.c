/* The pure parts: addresses, CIDRs, MACs, -p values and the config file.
 * No kernel, no libraries: unit-tested and fuzzable. */
#include "network/network.h"

#include <ctype.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int net_ip_parse(const char *s, uint32_t *ip, struct error *err)
{
	uint32_t v = 0;
	const char *p = s;

	for (int i = 0; i < 4; i++) {
		unsigned n = 0;
		int digits = 0;

		while (isdigit((unsigned char)*p) && digits < 4) {
			n = n * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || n > 255 || (i < 3 && *p++ != '.'))
			return error_set(err, EINVAL, "invalid IPv4 address '%s'", s);
		v = v << 8 | n;
	}
	if (*p)
		return error_set(err, EINVAL, "invalid IPv4 address '%s'", s);
	*ip = v;
	return 0;
}

uint32_t net_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

int net_cidr_parse(const char *s, uint32_t *net, int *prefix, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *slash = strchr(copy, '/');
	int64_t n;
	uint32_t ip;

	if (!slash || parse_int64(slash + 1, &n) < 0 || n < 8 || n > 30)
		return error_set(err, EINVAL, "invalid subnet '%s': want a.b.c.d/n, n from 8 to 30",
				 s);
	*slash = '\0';
	if (net_ip_parse(copy, &ip, err) < 0)
		return error_set(err, EINVAL, "invalid subnet '%s': want a.b.c.d/n", s);
	*prefix = (int)n;
	*net = ip & net_mask((int)n);
	return 0;
}

char *net_ip_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return buf;
}

bool net_cidr_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
	int p = pa < pb ? pa : pb;

	return (a & net_mask(p)) == (b & net_mask(p));
}

void net_mac_of_ip(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

int net_mac_parse(const char *s, uint8_t mac[6], struct error *err)
{
	unsigned b[6];
	int end = 0;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 ||
	    end != 17)
		return error_set(err, EINVAL, "invalid MAC address '%s': want xx:xx:xx:xx:xx:xx",
				 s);
	/* A multicast address on an interface breaks it. */
	if (b[0] & 1)
		return error_set(err, EINVAL, "invalid MAC address '%s': it is multicast", s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

char *net_mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

/* ------------------------------------------------------------- ports -- */

const char *net_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "N" or "N-M", 1..65535. */
static int range_parse(const char *s, unsigned *lo, unsigned *hi)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *dash = strchr(copy, '-');
	int64_t a, b;

	if (dash)
		*dash++ = '\0';
	if (parse_int64(copy, &a) < 0 || a < 1 || a > 65535)
		return -1;
	b = a;
	if (dash && (parse_int64(dash, &b) < 0 || b < a || b > 65535))
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

int net_port_parse(const char *spec, struct net_port **v, size_t *n, struct error *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *proto = strrchr(copy, '/'), *parts[3] = {0};
	unsigned hlo, hhi, clo, chi;
	uint32_t hip = 0;
	uint8_t pr = IPPROTO_TCP;
	int np = 0;

	if (proto) {
		*proto++ = '\0';
		if (!strcmp(proto, "udp"))
			pr = IPPROTO_UDP;
		else if (strcmp(proto, "tcp"))
			goto bad;
	}
	for (char *p = copy, *c; np < 3; p = c + 1) {
		parts[np++] = p;
		if (!(c = strchr(p, ':')))
			break;
		*c = '\0';
	}
	if (strchr(parts[np - 1], ':'))
		goto bad;
	if (np == 3 && *parts[0] && net_ip_parse(parts[0], &hip, err) < 0)
		goto bad;
	if (range_parse(parts[np - 1], &clo, &chi) < 0)
		goto bad;
	hlo = clo;
	hhi = chi;
	if (np >= 2 && *parts[np - 2] && range_parse(parts[np - 2], &hlo, &hhi) < 0)
		goto bad;
	/* Each port is an element of nook's nftables maps and a row of the
	 * store: a bound keeps one -p from asking for 65535 of them. */
	if (chi - clo >= NET_PORT_RANGE_MAX)
		return error_set(err, EINVAL,
				 "invalid port specification '%s': a range of more than %d ports",
				 spec, NET_PORT_RANGE_MAX);
	if (hhi - hlo != chi - clo)
		return error_set(err, EINVAL,
				 "invalid port specification '%s': the host and container ranges "
				 "differ in length",
				 spec);
	for (unsigned i = 0; i <= chi - clo; i++) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct net_port){.host_ip = hip,
						 .host_port = (uint16_t)(hlo + i),
						 .ctr_port = (uint16_t)(clo + i),
						 .proto = pr};
	}
	return 0;
bad:
	return error_set(err, EINVAL,
			 "invalid port specification '%s': want "
			 "[HOSTIP:][HOSTPORT:]CTRPORT[-END][/tcp|udp]",
			 spec);
}

/* ------------------------------------------------------------ config -- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void net_config_release(struct net_config *c)
{
	free(c->network);
	free(c->default_subnet);
	free(c->default_bridge);
	free(c->dns);
	free(c->userns_pool);
	memset(c, 0, sizeof(*c));
}

static void config_defaults(struct net_config *c)
{
	if (!c->network)
		c->network = xstrdup("bridge");
	if (!c->default_subnet)
		c->default_subnet = xstrdup("10.88.0.0/16");
	if (!c->default_bridge)
		c->default_bridge = xstrdup("nook0");
	if (!c->mtu)
		c->mtu = 1500;
}

int net_config_load(const char *path, struct net_config *c, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	int line = 0;

	memset(c, 0, sizeof(*c));
	if (file_read_at(AT_FDCWD, path, 1 << 20, &text, NULL, err) < 0) {
		if (err->code != ENOENT)
			return -1;
		config_defaults(c);
		return 0;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq, *k, *val, **slot = NULL;
		int64_t mtu;

		line++;
		if (strchr(l, '#'))
			*strchr(l, '#') = '\0';
		k = trim(l);
		if (!*k)
			continue;
		if (!(eq = strchr(k, '=')))
			goto bad;
		*eq = '\0';
		val = trim(eq + 1);
		k = trim(k);
		if (!strcmp(k, "network"))
			slot = &c->network;
		else if (!strcmp(k, "default_subnet"))
			slot = &c->default_subnet;
		else if (!strcmp(k, "default_bridge"))
			slot = &c->default_bridge;
		else if (!strcmp(k, "dns"))
			slot = &c->dns;
		else if (!strcmp(k, "userns_pool"))
			slot = &c->userns_pool;
		else if (!strcmp(k, "mtu")) {
			if (parse_int64(val, &mtu) < 0 || mtu < 576 || mtu > 65535)
				goto bad;
			c->mtu = (int)mtu;
			continue;
		} else
			goto bad;
		if (!*val)
			goto bad;
		free(*slot);
		*slot = xstrdup(val);
	}
	config_defaults(c);
	return 0;
bad:
	net_config_release(c);
	return error_set(err, EINVAL,
			 "%s:%d: want one of network, default_subnet, default_bridge, "
			 "mtu, dns, userns_pool = VALUE",
			 path, line);
}
