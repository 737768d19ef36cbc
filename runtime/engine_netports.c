/* The published ports' host side in the monitor, from start until the
 * container exits: the sockets that hold them (network/hold.c) and, on a
 * dual-stack network, the relay of the host's ::1 (network/proxy.c). */
#include "runtime/engine_net.h"

/* The monitor's sockets on the published ports (network/hold.c): held
 * from start until the container exits, so a host process holding one
 * fails the start with docker's message and none can take one later. */
static int *held;
static size_t nheld;
static struct net_proxy *proxy;

int rt_ports_hold(const struct rt_net_plan *p, struct error *err)
{
	return net_ports_hold(p->ports, p->nports, p->prefix6 > 0, &held, &nheld, err);
}

/* On a dual-stack network, the [::] sockets of the ports published on
 * every address relay [::1] to the container (network/proxy.c: the
 * kernel cannot NAT the v6 loopback into a bridge).  held has each
 * port's v4 socket, then its [::] one when it has one (hold.c). */
int rt_ports_relay(const struct rt_net_plan *p, struct error *err)
{
	size_t k = 0;

	if (!p->prefix6 || !p->nports)
		return 0;
	if (!(proxy = net_proxy_new(err)))
		return -1;
	for (size_t i = 0; i < p->nports; i++) {
		k++;
		if (p->ports[i].host_ip)
			continue;
		if (k >= nheld || net_proxy_add(proxy, held[k], p->ports[i].proto, &p->ip6,
						p->ports[i].ctr_port, err) < 0)
			return -1;
		k++;
	}
	return 0;
}

int rt_engine_net_proxy_fd(void)
{
	return net_proxy_fd(proxy);
}

void rt_engine_net_proxy_run(void)
{
	net_proxy_run(proxy);
}

void rt_ports_unhold(void)
{
	net_proxy_free(proxy);
	proxy = NULL;
	net_ports_release(held, nheld);
	held = NULL;
	nheld = 0;
}
