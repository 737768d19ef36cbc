/* Private to the engine's networking (engine_net.c: plans, /etc files,
 * start and stop; engine_netc.c: network connect and disconnect;
 * engine_netports.c: the published ports' sockets and ::1 relay). */
#pragma once

#include "runtime/internal.h"
#include "image/image.h"
#include "network/network.h"

#include <glob.h>

/* What a container's network is, as create decided it: the plan file
 * beside its bundle (<dir>.net; <dir>.netc-NETWORK for one connected
 * later). */
struct rt_net_plan {
	char network[256], bridge[16], hostname[256], name[256], aliases[1024];
	char ifname[16]; /* eth0; ethN for a network connected later */
	uint32_t ip, gateway;
	int prefix, mtu;
	struct net_ip6 ip6, gateway6; /* a dual-stack network's (prefix6 > 0) */
	int prefix6;
	bool internal;
	uint8_t mac[6];
	struct net_port *ports;
	size_t nports;
	char **add_hosts; /* NAME:IP */
};

void rt_plan_release(struct rt_net_plan *p);
int rt_plan_write_path(const char *path, const struct rt_net_plan *p, struct error *err);
int rt_plan_read_path(const char *path, struct rt_net_plan *p, struct error *err);
/* 1 and *p filled, 0 when dir's container has no plan, -1 on error. */
int rt_plan_read(const char *dir, struct rt_net_plan *p, struct error *err);
void rt_plan_set6(struct rt_net_plan *p, const struct img_network *net, const char *fixed);
int rt_ip6_fixed(const struct img_network *net, const char *s, struct img_net_addr *a,
		 char buf[NET_IP6_STRLEN], struct error *err);
/* Every hosts file of network's containers rewritten from the rows (only:
 * just that container's; gone: left out), under the writers' lock. */
int rt_hosts_refresh_where(struct img_store *s, const char *network, const char *only,
			   const char *gone, struct error *err);
int rt_hosts_refresh(struct img_store *s, const char *network, const char *gone, struct error *err);
void rt_veth_name_extra(const char *id, const char *network, char buf[16]);
int rt_extra_attach(const struct rt_net_plan *p, const char *id, int nsfd, int selffd,
		    struct error *err);
int rt_extras_glob(const char *dir, glob_t *g);
/* engine_netports.c, in the monitor: hold p's host ports (EADDRINUSE
 * with docker's message when something has one), relay them from ::1
 * once the container's addresses are up, let them go at exit. */
int rt_ports_hold(const struct rt_net_plan *p, struct error *err);
int rt_ports_relay(const struct rt_net_plan *p, struct error *err);
void rt_ports_unhold(void);
