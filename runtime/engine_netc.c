/* `nook network connect` and `disconnect`: a running container's
 * further networks, each with a plan of its own (<dir>.netc-NETWORK),
 * an interface ethN (N >= 1) without the default route, and its names in
 * the hosts files of every network it shares with others.  Crash order:
 *
 *   connect:    row -> plan -> hosts files -> veth
 *   disconnect: veth -> plan -> row -> hosts files
 *
 * each step tolerating a run killed before it (rm -f removes what is
 * left, with the primary network's). */
#include "runtime/engine_net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------- connect and disconnect -- */

static char *extra_path(const char *dir, const char *network)
{
	return xasprintf("%s.netc-%s", dir, network);
}

/* The lowest ethN (N >= 1) that no connected network of dir uses. */
static void ifname_pick(const char *dir, char buf[16])
{
	_cleanup_strv_ char **used = NULL;
	glob_t g = {0};

	if (rt_extras_glob(dir, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct rt_net_plan p;
			struct error e2;

			if (!str_has_suffix(g.gl_pathv[i], ".tmp") &&
			    rt_plan_read_path(g.gl_pathv[i], &p, &e2) == 1) {
				strv_push(&used, p.ifname);
				rt_plan_release(&p);
			}
		}
		globfree(&g);
	}
	for (int n = 1;; n++) {
		bool taken = false;

		snprintf(buf, 16, "eth%d", n);
		for (char **v = used; v && *v && !taken; v++)
			taken = !strcmp(*v, buf);
		if (!taken)
			return;
	}
}

/* Disconnect's steps, each finishing what an earlier killed one left:
 * the veth (its address and the container's end go with it), the plan,
 * the row, the hosts files. */
static int disconnect_steps(struct img_store *s, const struct img_ctr *c, const char *network,
			    bool force, struct error *err)
{
	_cleanup_free_ char *path = extra_path(c->dir, network);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
	char veth[16];

	rt_veth_name_extra(c->id, network, veth);
	if (net_link_delete(veth, err) < 0 && !force)
		return -1;
	fault_point("net-disconnect-veth");
	if ((unlink(path) < 0 && errno != ENOENT) || (unlink(tmp) < 0 && errno != ENOENT))
		return error_sys(err, "cannot remove '%s'", path);
	fault_point("net-disconnect-unplanned");
	if (img_net_detach(s, c->id, network, err) < 0 ||
	    rt_hosts_refresh_where(s, NULL, c->id, NULL, err) < 0 ||
	    rt_hosts_refresh(s, network, NULL, err) < 0)
		return -1;
	return 0;
}

static int aliases_join(char **aliases, char **out, struct error *err)
{
	char *all = xzalloc(1);

	for (char **v = aliases; v && *v; v++) {
		char *t;

		if (!**v || strcspn(*v, " \t\n#") != strlen(*v)) {
			free(all);
			return error_set(err, EINVAL, "invalid --alias '%s'", *v);
		}
		t = xasprintf("%s%s%s", all, *all ? " " : "", *v);
		free(all);
		all = t;
	}
	*out = all;
	return 0;
}

/* The order, for crash safety: address row -> plan -> hosts files ->
 * veth and addresses.  A kill -9 between steps leaves a row and maybe a
 * plan of a container that exists: `network disconnect` (or rm -f)
 * finishes the job; a failure undoes it the same way. */
int rt_network_connect(struct img_store *s, const char *network, const char *ctr, const char *ip,
		       const char *ip6, char **aliases, struct error *err)
{
	_cleanup_(net_config_release) struct net_config cfg = {0};
	_cleanup_free_ char *path = NULL, *al = NULL;
	_cleanup_close_ int nsfd = -1, selffd = -1;
	struct img_network net = {0};
	struct rt_net_plan prim = {0}, p = {0};
	struct img_net_addr a = {0};
	struct img_ctr c;
	struct error e2;
	char ip6buf[NET_IP6_STRLEN];
	int r = -1, have;

	if (img_ctr_find(s, ctr, &c, err) < 0)
		return -1;
	if (!strcmp(network, "bridge"))
		network = RT_NET_DEFAULT;
	if (rt_engine_status(&c) != RT_ENGINE_RUNNING) {
		error_set(err, EINVAL, "container %s is not running", ctr);
		goto out;
	}
	if ((have = rt_plan_read(c.dir, &prim, err)) < 0)
		goto out;
	if (!have) {
		error_set(err, EINVAL,
			  "container %s is not on a bridge network: it cannot join another", ctr);
		goto out;
	}
	if (aliases_join(aliases, &al, err) < 0 || (ip && net_ip_parse(ip, &a.ip, err) < 0) ||
	    net_config_load(rt_net_config_path(), &cfg, err) < 0 ||
	    (ip6 && net_ip6_parse(ip6, &p.ip6, err) < 0) ||
	    img_net_find(s, network, &net, err) < 0 ||
	    (ip6 && rt_ip6_fixed(&net, ip6, &a, ip6buf, err) < 0))
		goto out;
	if (!strcmp(prim.network, net.name)) {
		error_set(err, EEXIST, "container %s is already connected to network %s", ctr,
			  net.name);
		goto out;
	}
	a.network = net.name;
	a.ctr = c.id;
	a.name = c.name;
	a.aliases = al;
	a.mac = "";
	if (img_net_attach(s, &a, NULL, 0, &p.ip, err) < 0)
		goto out;
	fault_point("net-connect-recorded");
	snprintf(p.network, sizeof(p.network), "%s", net.name);
	snprintf(p.bridge, sizeof(p.bridge), "%s", net.bridge);
	snprintf(p.hostname, sizeof(p.hostname), "%s", prim.hostname);
	snprintf(p.name, sizeof(p.name), "%s", c.name);
	snprintf(p.aliases, sizeof(p.aliases), "%s", al);
	p.gateway = net.gateway;
	p.prefix = net.prefix;
	p.internal = net.internal;
	p.mtu = cfg.mtu;
	net_mac_of_ip(p.ip, p.mac);
	ifname_pick(c.dir, p.ifname);
	rt_plan_set6(&p, &net, a.ip6);
	path = extra_path(c.dir, net.name);
	if (rt_plan_write_path(path, &p, err) < 0)
		goto undo;
	fault_point("net-connect-planned");
	if (rt_hosts_refresh(s, net.name, NULL, err) < 0 ||
	    (nsfd = ns_open_pid(c.pid, CLONE_NEWNET, err)) < 0 ||
	    (selffd = ns_open_path("/proc/self/ns/net", CLONE_NEWNET, err)) < 0 ||
	    rt_extra_attach(&p, c.id, nsfd, selffd, err) < 0)
		goto undo;
	r = 0;
	goto out;
undo:
	disconnect_steps(s, &c, net.name, true, &e2);
out:
	rt_plan_release(&p);
	rt_plan_release(&prim);
	img_network_release(&net);
	img_ctr_release(&c);
	return r;
}

int rt_network_disconnect(struct img_store *s, const char *network, const char *ctr, bool force,
			  struct error *err)
{
	_cleanup_free_ char *path = NULL;
	struct img_net_addr *v = NULL;
	struct rt_net_plan prim = {0};
	struct img_ctr c;
	size_t n = 0;
	int r = -1;

	if (img_ctr_find(s, ctr, &c, err) < 0)
		return -1;
	if (!strcmp(network, "bridge"))
		network = RT_NET_DEFAULT;
	if (rt_plan_read(c.dir, &prim, err) < 0 || img_net_addrs(s, network, c.id, &v, &n, err) < 0)
		goto out;
	path = extra_path(c.dir, network);
	if (*prim.network && !strcmp(prim.network, network)) {
		error_set(err, EINVAL,
			  "network %s is the one container %s was created on: it cannot be "
			  "disconnected from it",
			  network, ctr);
		goto out;
	}
	if (!n && access(path, F_OK) < 0) {
		error_set(err, ENOENT, "container %s is not connected to network %s", ctr, network);
		goto out;
	}
	r = disconnect_steps(s, &c, network, force, err);
out:
	img_net_addr_list_free(v, n);
	rt_plan_release(&prim);
	img_ctr_release(&c);
	return r;
}
