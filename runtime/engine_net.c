/* The engine's networking: which network a container joins, its address
 * (image/netdb.c), its /etc/hosts, /etc/hostname and /etc/resolv.conf,
 * and — in the monitor, while the container's init sets itself up — its
 * veth, address, route and published ports (network/).
 *
 * What a container's network is, is written at create into a plan file
 * beside its bundle (<dir>.net, text, written whole and renamed into
 * place): the monitor reads it instead of opening the store, and rm reads
 * it to undo what start did.  The order, for crash safety:
 *
 *   create: container row -> address and ports (one transaction) ->
 *           plan -> hosts files -> bundle -> ready
 *   start:  (monitor) bridge and nft elements ensured -> veth into the
 *           container's namespace -> its address and route -> ports
 *   exit:   (monitor) ports unpublished; the veth dies with the namespace
 *   rm:     ports unpublished -> host veth deleted if its namespace is
 *           still held -> files -> address rows -> container row
 *           (engine.c); for run --rm the monitor checks the veth after
 *           the client's rm (rt_engine_net_release)
 *
 * A kill -9 anywhere leaves rows that name the container (rm -f finishes
 * them) or rows of a container that is gone (swept by the next address
 * change); the links die with the container's network namespace.
 *
 * A network connected later (`network connect`) has a plan of its own,
 * <dir>.netc-NETWORK, with its interface name (eth1, ...): start attaches
 * it again after the primary one, rm removes it.  On a dual-stack network
 * the plan holds the v6 address too (derived from the v4 one, network/ip6.c).
 * The monitor holds the published ports' host sockets while the container
 * runs, and relays ::1 to it on a dual-stack network (engine_netports.c). */
#include "runtime/engine_net.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* What create decided, for the spec edit. */
struct rt_net_setup {
	bool files;  /* mount <dir>.hosts, .hostname, .resolv.conf */
	bool host;   /* share the host's network namespace */
	char *netns; /* join this one (container:ID) */
	char *dir;
};

void rt_plan_release(struct rt_net_plan *p)
{
	free(p->ports);
	strv_free(p->add_hosts);
	memset(p, 0, sizeof(*p));
}

const char *rt_net_config_path(void)
{
	const char *e = getenv("NOOK_CONFIG");

	return e && *e ? e : "/etc/nook/nook.conf";
}

/* ------------------------------------------------------------- plan -- */

/* The plan at path (<dir>.net; <dir>.netc-NETWORK for a network
 * connected later), through path.tmp. */
int rt_plan_write_path(const char *path, const struct rt_net_plan *p, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
	char ip[16], gw[16], mac[18], ip6[NET_IP6_STRLEN], gw6[NET_IP6_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	fprintf(f, "name %s\naliases %s\n", p->name, p->aliases);
	fprintf(f,
		"network %s\nbridge %s\nhostname %s\nip %s\nprefix %d\ngateway %s\nmtu %d\n"
		"internal %d\nmac %s\n",
		p->network, p->bridge, p->hostname, net_ip_str(p->ip, ip), p->prefix,
		net_ip_str(p->gateway, gw), p->mtu, p->internal, net_mac_str(p->mac, mac));
	if (*p->ifname)
		fprintf(f, "ifname %s\n", p->ifname);
	if (p->prefix6)
		fprintf(f, "ip6 %s\nprefix6 %d\ngateway6 %s\n", net_ip6_str(&p->ip6, ip6),
			p->prefix6, net_ip6_str(&p->gateway6, gw6));
	for (size_t i = 0; i < p->nports; i++)
		fprintf(f, "port %u %s %u %u\n", p->ports[i].proto,
			net_ip_str(p->ports[i].host_ip, ip), p->ports[i].host_port,
			p->ports[i].ctr_port);
	for (char **v = p->add_hosts; v && *v; v++)
		fprintf(f, "add-host %s\n", *v);
	fclose(f);
	r = file_create_at(AT_FDCWD, tmp, text, len, 0600, err);
	if (r == 0 && rename(tmp, path) < 0)
		r = error_sys(err, "cannot rename '%s'", tmp);
	return r;
}

static int plan_write(const char *dir, const struct rt_net_plan *p, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.net", dir);

	return rt_plan_write_path(path, p, err);
}

/* 1 and *p when path is a plan, 0 when there is none. */
int rt_plan_read_path(const char *path, struct rt_net_plan *p, struct error *err)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	memset(p, 0, sizeof(*p));
	if (file_read_at(AT_FDCWD, path, 1 << 20, &text, NULL, err) < 0)
		return err->code == ENOENT ? 0 : -1;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, ' ');
		unsigned proto, hp, cp;
		char hip[32];
		int64_t n;

		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(l, "network"))
			snprintf(p->network, sizeof(p->network), "%s", v);
		else if (!strcmp(l, "bridge"))
			snprintf(p->bridge, sizeof(p->bridge), "%s", v);
		else if (!strcmp(l, "hostname"))
			snprintf(p->hostname, sizeof(p->hostname), "%s", v);
		else if (!strcmp(l, "name"))
			snprintf(p->name, sizeof(p->name), "%s", v);
		else if (!strcmp(l, "aliases"))
			snprintf(p->aliases, sizeof(p->aliases), "%s", v);
		else if (!strcmp(l, "ip"))
			net_ip_parse(v, &p->ip, err);
		else if (!strcmp(l, "gateway"))
			net_ip_parse(v, &p->gateway, err);
		else if (!strcmp(l, "prefix") && parse_int64(v, &n) == 0)
			p->prefix = (int)n;
		else if (!strcmp(l, "mtu") && parse_int64(v, &n) == 0)
			p->mtu = (int)n;
		else if (!strcmp(l, "internal"))
			p->internal = !strcmp(v, "1");
		else if (!strcmp(l, "mac"))
			net_mac_parse(v, p->mac, err);
		else if (!strcmp(l, "add-host"))
			strv_push(&p->add_hosts, v);
		else if (!strcmp(l, "ifname"))
			snprintf(p->ifname, sizeof(p->ifname), "%s", v);
		else if (!strcmp(l, "ip6"))
			net_ip6_parse(v, &p->ip6, err);
		else if (!strcmp(l, "gateway6"))
			net_ip6_parse(v, &p->gateway6, err);
		else if (!strcmp(l, "prefix6") && parse_int64(v, &n) == 0)
			p->prefix6 = (int)n;
		else if (!strcmp(l, "port") &&
			 sscanf(v, "%u %31s %u %u", &proto, hip, &hp, &cp) == 4) {
			uint32_t a = 0;

			net_ip_parse(hip, &a, err);
			p->ports = xrealloc(p->ports, (p->nports + 1) * sizeof(*p->ports));
			p->ports[p->nports++] = (struct net_port){.host_ip = a,
								  .host_port = (uint16_t)hp,
								  .ctr_port = (uint16_t)cp,
								  .proto = (uint8_t)proto};
		}
	}
	if (!p->ip || !*p->bridge || !p->prefix) {
		rt_plan_release(p);
		return error_set(err, EINVAL, "'%s' is damaged", path);
	}
	if (!*p->ifname)
		snprintf(p->ifname, sizeof(p->ifname), "eth0");
	return 1;
}

/* 1 and *p when dir has a plan, 0 when not (none, host, container:). */
int rt_plan_read(const char *dir, struct rt_net_plan *p, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.net", dir);

	return rt_plan_read_path(path, p, err);
}

/* A dual-stack network's v6 side of p (its v4 side set): the fixed
 * address (--ip6; "" or NULL: none) or the v4 address's host part in the
 * v6 subnet, and the gateway's. */
void rt_plan_set6(struct rt_net_plan *p, const struct img_network *net, const char *fixed)
{
	if (!net_addr6_of(net->subnet6, p->prefix, p->ip, fixed, &p->ip6, &p->prefix6) ||
	    !net_addr6_of(net->subnet6, p->prefix, p->gateway, NULL, &p->gateway6, &p->prefix6))
		p->prefix6 = 0;
}

/* The host end of a container's veth: "nk" and 13 hex digits of its id
 * (15 characters, IFNAMSIZ's limit). */
static void veth_name(const char *id, char buf[16])
{
	snprintf(buf, 16, "nk%.13s", id);
}

/* ------------------------------------------------------- /etc files -- */

/* Written in place (the file is bind-mounted into a running container:
 * a rename would leave the container the old inode), under an exclusive
 * lock so two writers never interleave. */
static int file_replace(const char *path, const char *text, struct error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t len = strlen(text);

	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return error_sys(err, "cannot open '%s'", path);
	if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
		return error_sys(err, "cannot write '%s'", path);
	return 0;
}

/* Every network's rows, and the networks, that hosts files are made of. */
struct peers {
	struct img_net_addr *v;
	size_t n;
	struct img_network *nets;
	size_t nn;
};

static void peers_release(struct peers *pr)
{
	img_net_addr_list_free(pr->v, pr->n);
	img_network_list_free(pr->nets, pr->nn);
}

static bool ctr_on(const struct peers *pr, const char *ctr, const char *network)
{
	for (size_t i = 0; i < pr->n; i++)
		if (!strcmp(pr->v[i].ctr, ctr) && !strcmp(pr->v[i].network, network))
			return true;
	return false;
}

/* One peer's lines: its v4 address, and its v6 one on a dual-stack
 * network. */
static void peer_lines(FILE *f, const struct peers *pr, const struct img_net_addr *a)
{
	char ip[NET_IP6_STRLEN];

	fprintf(f, "%s\t%s %.12s%s%s\n", net_ip_str(a->ip, ip), a->name, a->ctr,
		*a->aliases ? " " : "", a->aliases);
	for (size_t k = 0; k < pr->nn; k++) {
		struct rt_net_plan q = {.ip = a->ip, .prefix = pr->nets[k].prefix};

		if (strcmp(pr->nets[k].name, a->network))
			continue;
		rt_plan_set6(&q, &pr->nets[k], a->ip6);
		if (q.prefix6)
			fprintf(f, "%s\t%s %.12s%s%s\n", net_ip6_str(&q.ip6, ip), a->name, a->ctr,
				*a->aliases ? " " : "", a->aliases);
	}
}

/* The hosts file of the container at dir: itself, the others on its
 * user networks (name, aliases, short id; on the default network
 * containers know only themselves, as on docker's default bridge), its
 * --add-host entries. */
static int hosts_write(const char *dir, const struct rt_net_plan *p, const struct peers *pr,
		       const char *gone, struct error *err)
{
	_cleanup_free_ char *path = xasprintf("%s.hosts", dir), *text = NULL;
	char ip[NET_IP6_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	const char *id = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;

	fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	fprintf(f, "%s\t%s %s %.12s%s%s\n", net_ip_str(p->ip, ip), p->hostname, p->name, id,
		*p->aliases ? " " : "", p->aliases);
	if (p->prefix6)
		fprintf(f, "%s\t%s %s %.12s%s%s\n", net_ip6_str(&p->ip6, ip), p->hostname, p->name,
			id, *p->aliases ? " " : "", p->aliases);
	for (size_t i = 0; pr && i < pr->n; i++) {
		const struct img_net_addr *a = &pr->v[i];

		if (!strcmp(a->ctr, id) || (gone && !strcmp(a->ctr, gone)) ||
		    !strcmp(a->network, RT_NET_DEFAULT) || !ctr_on(pr, id, a->network))
			continue;
		peer_lines(f, pr, a);
	}
	for (char **v = p->add_hosts; v && *v; v++) {
		const char *c = strrchr(*v, ':');

		fprintf(f, "%s\t%.*s\n", c + 1, (int)(c - *v), *v);
	}
	fclose(f);
	return file_replace(path, text, err);
}

/* Every container's hosts file on network, under an exclusive lock on
 * the store's engine directory (no file of its own: the directory holds
 * only what containers own): the last writer read the rows after every
 * earlier change had committed. */
/* The lock every writer of hosts files holds (and rm, removing them: a
 * writer that read a plan before it went would make the file again). */
static int hosts_lock(struct img_store *s, struct error *err)
{
	_cleanup_free_ char *edir = xasprintf("%s/engine", img_store_root(s));
	int fd;

	/* A store whose containers all ran with --rm (bundles on the state
	 * root) has no engine directory yet. */
	if (mkdir(edir, 0700) < 0 && errno != EEXIST)
		return error_sys(err, "cannot create '%s'", edir);
	fd = open(edir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		error_sys(err, "cannot lock '%s'", edir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int rt_hosts_refresh_where(struct img_store *s, const char *network, const char *only,
			   const char *gone, struct error *err)
{
	_cleanup_close_ int fd = hosts_lock(s, err);
	struct peers pr = {0};
	int r = 0;

	if (fd < 0)
		return -1;
	if (img_net_addrs(s, NULL, NULL, &pr.v, &pr.n, err) < 0)
		return -1;
	if (img_net_list(s, &pr.nets, &pr.nn, err) < 0) {
		peers_release(&pr);
		return -1;
	}
	for (size_t i = 0; i < pr.n && r == 0; i++) {
		struct img_ctr c;
		struct rt_net_plan p;
		struct error e2;

		if ((network && strcmp(pr.v[i].network, network)) ||
		    (only && strcmp(pr.v[i].ctr, only)) || (gone && !strcmp(pr.v[i].ctr, gone)) ||
		    img_ctr_find(s, pr.v[i].ctr, &c, &e2) < 0)
			continue;
		/* A container on several networks has a row each: one write. */
		if (only)
			only = "";
		if (rt_plan_read(c.dir, &p, &e2) == 1) {
			r = hosts_write(c.dir, &p, &pr, gone, err);
			rt_plan_release(&p);
		}
		img_ctr_release(&c);
	}
	peers_release(&pr);
	return r;
}

int rt_hosts_refresh(struct img_store *s, const char *network, const char *gone, struct error *err)
{
	return rt_hosts_refresh_where(s, network, NULL, gone, err);
}

static bool loopback_ns(const char *ip)
{
	return str_has_prefix(ip, "127.") || !strcmp(ip, "::1");
}

/* The host's resolvers without the loopback ones (a container's
 * loopback is its own: 127.0.0.53 there answers nothing).  When only
 * loopback ones remain: systemd-resolved's upstream list, then the
 * config file's dns, else none (the container then has no DNS, which
 * is honest; nook never invents a public resolver). */
static char *resolv_text(char **dns, const struct net_config *cfg)
{
	static const char *const sources[] = {"/etc/resolv.conf",
					      "/run/systemd/resolve/resolv.conf"};
	_cleanup_free_ char *text = NULL;
	char *out = NULL, *save = NULL;
	size_t len = 0, ns = 0;
	FILE *f = open_memstream(&out, &len);
	struct error e2;

	for (char **v = dns; v && *v; v++, ns++)
		fprintf(f, "nameserver %s\n", *v);
	for (size_t k = 0; k < ARRAY_SIZE(sources) && !ns; k++) {
		free(text);
		text = NULL;
		if (file_read_at(AT_FDCWD, sources[k], 1 << 16, &text, NULL, &e2) < 0)
			continue;
		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char name[64];

			if (sscanf(l, "nameserver %63s", name) == 1) {
				if (loopback_ns(name))
					continue;
				ns++;
			} else if (k > 0 || (!str_has_prefix(l, "search") &&
					     !str_has_prefix(l, "options"))) {
				continue;
			}
			fprintf(f, "%s\n", l);
		}
	}
	if (!ns && cfg->dns) {
		_cleanup_free_ char *copy = xstrdup(cfg->dns);

		for (char *t = strtok_r(copy, " ,", &save); t; t = strtok_r(NULL, " ,", &save))
			fprintf(f, "nameserver %s\n", t);
	}
	fclose(f);
	return out;
}

static int etc_files(const char *dir, const struct rt_net_plan *p, char **dns,
		     const struct net_config *cfg, struct error *err)
{
	_cleanup_free_ char *hn = xasprintf("%s.hostname", dir),
			    *rs = xasprintf("%s.resolv.conf", dir);
	_cleanup_free_ char *rtext = resolv_text(dns, cfg), *htext = xasprintf("%s\n", p->hostname);

	if (file_replace(hn, htext, err) < 0 || file_replace(rs, rtext, err) < 0)
		return -1;
	return hosts_write(dir, p, NULL, NULL, err);
}

static void etc_files_remove(const char *dir)
{
	static const char *const ext[] = {".hosts", ".hostname", ".resolv.conf", ".net.tmp",
					  ".net"};

	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", dir, ext[i]);

		unlink(p);
	}
}

/* ----------------------------------------------------------- create -- */

void rt_net_setup_free(struct rt_net_setup *n)
{
	if (!n)
		return;
	free(n->netns);
	free(n->dir);
	free(n);
}

void rt_net_setup_freep(struct rt_net_setup **n)
{
	rt_net_setup_free(*n);
}

/* The network named mode into *out; the default network (`bridge`) is
 * recorded on first use from the config file's subnet and bridge name. */
static int network_find(struct img_store *s, const char *mode, const struct net_config *cfg,
			struct img_network *out, struct error *err)
{
	struct img_network n = {.name = (char *)RT_NET_DEFAULT, .bridge = cfg->default_bridge};

	if (img_net_find(s, mode, out, err) == 0)
		return 0;
	if (err->code != ENOENT || strcmp(mode, RT_NET_DEFAULT) ||
	    net_cidr_parse(cfg->default_subnet, &n.subnet, &n.prefix, err) < 0)
		return -1;
	n.gateway = n.subnet + 1;
	n.created = rt_now_ns();
	if (img_net_add(s, &n, err) < 0 && err->code != EEXIST)
		return -1;
	return img_net_find(s, mode, out, err);
}

static bool bridge_mode(const char *mode)
{
	return strcmp(mode, "none") && strcmp(mode, "host") && !str_has_prefix(mode, "container:");
}

static int container_netns(struct img_store *s, const char *ref, char **out, struct error *err)
{
	struct img_ctr c;
	int r = 0;

	if (img_ctr_find(s, ref, &c, err) < 0)
		return -1;
	if (rt_engine_status(&c) != RT_ENGINE_RUNNING)
		r = error_set(err, EINVAL, "container %s is not running: cannot join its network",
			      ref);
	else
		*out = xasprintf("/proc/%d/ns/net", (int)c.pid);
	img_ctr_release(&c);
	return r;
}

/* -P: each of the image's ExposedPorts ("80/tcp", "53/udp") on a host
 * port the store picks (host_port 0). */
static int publish_all(struct img_store *s, const char *image, struct rt_net_plan *p,
		       struct error *err)
{
	struct img_config c;

	if (img_config_get(s, image, &c, err) < 0)
		return -1;
	for (char **v = c.exposed_ports; v && *v; v++) {
		struct net_port *q = NULL;
		size_t n = 0;
		_cleanup_free_ char *spec = xstrdup(*v);

		if (strchr(spec, '-') || net_port_parse(spec, &q, &n, err) < 0) {
			img_config_release(&c);
			return error_set(err, EINVAL, "image %s exposes '%s': not a port", image,
					 *v);
		}
		q[0].host_port = 0;
		p->ports = xrealloc(p->ports, (p->nports + 1) * sizeof(*p->ports));
		p->ports[p->nports++] = q[0];
		free(q);
	}
	img_config_release(&c);
	return 0;
}

/* An --ip6 on net into a (its canonical text in buf, a->ip6, and its
 * twin), checked against the network's v6 subnet; whether another
 * container has it is the store's to say (img_net_attach). */
int rt_ip6_fixed(const struct img_network *net, const char *s, struct img_net_addr *a,
		 char buf[NET_IP6_STRLEN], struct error *err)
{
	struct net_ip6 ip6;
	struct error e2;

	if (net_ip6_fixed(s, net->subnet6, net->subnet, net->prefix, net->gateway, &ip6, &a->twin6,
			  &e2) < 0)
		return error_set(err, e2.code, "network %s: %s", net->name, e2.msg);
	a->ip6 = net_ip6_str(&ip6, buf);
	return 0;
}

/* The options that only a bridge network takes, parsed. */
static int bridge_options(struct img_store *s, const struct rt_engine_opts *o,
			  struct rt_net_plan *p, struct img_net_addr *a, struct error *err)
{
	for (char **v = o->publish; v && *v; v++)
		if (net_port_parse(*v, &p->ports, &p->nports, err) < 0)
			return -1;
	if (o->publish_all && publish_all(s, o->image, p, err) < 0)
		return -1;
	if (o->ip && net_ip_parse(o->ip, &a->ip, err) < 0)
		return -1;
	if (o->ip6 && net_ip6_parse(o->ip6, &(struct net_ip6){0}, err) < 0)
		return -1;
	if (o->mac && net_mac_parse(o->mac, p->mac, err) < 0)
		return -1;
	for (char **v = o->add_hosts; v && *v; v++) {
		const char *c = strrchr(*v, ':');
		uint32_t ip;

		if (!c || c == *v || strcspn(*v, " \t\n") < (size_t)(c - *v) ||
		    net_ip_parse(c + 1, &ip, err) < 0)
			return error_set(err, EINVAL, "invalid --add-host '%s': want NAME:IPv4",
					 *v);
		strv_push(&p->add_hosts, *v);
	}
	for (char **v = o->network_aliases; v && *v; v++)
		if (!**v || strcspn(*v, " \t\n#") != strlen(*v))
			return error_set(err, EINVAL, "invalid --network-alias '%s'", *v);
	return 0;
}

int rt_engine_net_create(struct img_store *s, const struct rt_engine_opts *o, const char *id,
			 const char *name, const char *dir, struct rt_net_setup **out,
			 struct error *err)
{
	_cleanup_(net_config_release) struct net_config cfg = {0};
	struct rt_net_setup *n = xzalloc(sizeof(*n));
	struct img_network net = {0};
	struct img_net_addr a = {.ctr = (char *)id, .name = (char *)name};
	struct img_net_port *ports = NULL;
	_cleanup_free_ char *aliases = NULL;
	struct rt_net_plan p = {0};
	const char *mode;
	char hn[13], mac[18], ip6[NET_IP6_STRLEN];
	int r = -1;

	*out = n;
	n->dir = xstrdup(dir);
	if (net_config_load(rt_net_config_path(), &cfg, err) < 0)
		return -1;
	/* Rootless, the bridge is out of reach (the host's network namespace
	 * is not ours): no network unless asked (--network pasta). */
	mode = o->network ? o->network : userns_nested() ? "none" : cfg.network;
	if (rt_network_is_rootless(mode) &&
	    (o->publish_all || o->ip || o->ip6 || o->mac || o->network_aliases))
		return error_set(err, EINVAL,
				 "-P, --ip, --ip6, --mac-address and --network-alias need a bridge "
				 "network, not '%s'",
				 mode);
	if (rt_network_is_rootless(mode))
		return rt_network_rootless_check(mode, o->publish, err);
	if (!bridge_mode(mode) &&
	    (o->publish || o->publish_all || o->ip || o->ip6 || o->mac || o->network_aliases))
		return error_set(err, EINVAL,
				 "-p, --ip, --ip6, --mac-address and --network-alias need a bridge "
				 "network, not '%s'",
				 mode);
	if (!strcmp(mode, "none"))
		return 0;
	if (userns_nested() && strcmp(mode, "host") && !str_has_prefix(mode, "container:"))
		return error_set(err, EPERM,
				 "network '%s' is not supported rootless: none, host, "
				 "pasta[:OPTIONS] or slirp4netns[:OPTIONS] (bridge networks need "
				 "root)",
				 mode);
	if (!strcmp(mode, "host")) {
		n->host = true;
		return 0;
	}
	if (str_has_prefix(mode, "container:"))
		return container_netns(s, mode + strlen("container:"), &n->netns, err);
	if (!strcmp(mode, "bridge"))
		mode = RT_NET_DEFAULT;
	if (bridge_options(s, o, &p, &a, err) < 0)
		goto out;
	if (network_find(s, mode, &cfg, &net, err) < 0 ||
	    (o->ip6 && rt_ip6_fixed(&net, o->ip6, &a, ip6, err) < 0))
		goto out;
	aliases = xzalloc(1);
	for (char **v = o->network_aliases; v && *v; v++) {
		char *t = xasprintf("%s%s%s", aliases, *aliases ? " " : "", *v);

		free(aliases);
		aliases = t;
	}
	a.network = net.name;
	a.aliases = aliases;
	ports = xmalloc((p.nports + 1) * sizeof(*ports));
	for (size_t i = 0; i < p.nports; i++)
		ports[i] = (struct img_net_port){.host_ip = p.ports[i].host_ip,
						 .host_port = p.ports[i].host_port,
						 .ctr_port = p.ports[i].ctr_port,
						 .proto = p.ports[i].proto};
	if (!o->mac)
		p.mac[0] = 1; /* decided below, from the address */
	a.mac = o->mac ? (char *)o->mac : "";
	if (img_net_attach(s, &a, ports, p.nports, &p.ip, err) < 0)
		goto out;
	for (size_t i = 0; i < p.nports; i++)
		p.ports[i].host_port = ports[i].host_port;
	fault_point("net-allocated");
	if (p.mac[0] == 1)
		net_mac_of_ip(p.ip, p.mac);
	snprintf(p.network, sizeof(p.network), "%s", net.name);
	snprintf(p.bridge, sizeof(p.bridge), "%s", net.bridge);
	snprintf(hn, sizeof(hn), "%.12s", id);
	snprintf(p.hostname, sizeof(p.hostname), "%s", o->hostname ? o->hostname : hn);
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.aliases, sizeof(p.aliases), "%s", aliases);
	p.gateway = net.gateway;
	p.prefix = net.prefix;
	p.internal = net.internal;
	p.mtu = cfg.mtu;
	rt_plan_set6(&p, &net, a.ip6);
	(void)mac;
	/* On the default network containers know only themselves by name,
	 * as on docker's default bridge: no file of others to rewrite. */
	if (plan_write(dir, &p, err) < 0 || etc_files(dir, &p, o->dns, &cfg, err) < 0 ||
	    (strcmp(net.name, RT_NET_DEFAULT) && rt_hosts_refresh(s, net.name, NULL, err) < 0))
		goto out;
	n->files = true;
	r = 0;
out:
	free(ports);
	rt_plan_release(&p);
	img_network_release(&net);
	return r;
}

static void mount_file(struct json_object *mounts, const char *src, const char *dst)
{
	struct json_object *m = json_object_new_object(), *opts = json_object_new_array();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_array_add(opts, json_object_new_string("rbind"));
	json_object_array_add(opts, json_object_new_string("rprivate"));
	json_object_object_add(m, "options", opts);
	json_object_array_add(mounts, m);
}

int rt_engine_net_spec(struct json_object *doc, const struct rt_net_setup *n, struct error *err)
{
	struct json_object *lx, *ns, *mounts;

	(void)err;
	if (!n)
		return 0;
	if ((n->host || n->netns) && json_object_object_get_ex(doc, "linux", &lx) &&
	    json_object_object_get_ex(lx, "namespaces", &ns)) {
		for (size_t i = json_object_array_length(ns); i-- > 0;) {
			struct json_object *e = json_object_array_get_idx(ns, i), *t;

			if (!json_object_object_get_ex(e, "type", &t) ||
			    strcmp(json_object_get_string(t), "network"))
				continue;
			if (n->host)
				json_object_array_del_idx(ns, i, 1);
			else
				json_object_object_add(e, "path", json_object_new_string(n->netns));
		}
	}
	if (n->files && json_object_object_get_ex(doc, "mounts", &mounts)) {
		static const char *const files[][2] = {
		    {".hosts", "/etc/hosts"},
		    {".hostname", "/etc/hostname"},
		    {".resolv.conf", "/etc/resolv.conf"},
		};

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			_cleanup_free_ char *src = xasprintf("%s%s", n->dir, files[i][0]);

			mount_file(mounts, src, files[i][1]);
		}
	}
	return 0;
}

/* ----------------------------------------------------- start and stop -- */

static int bridge6_start(const struct rt_net_plan *p, struct error *err)
{
	if (!p->prefix6)
		return 0;
	if (net_bridge6_ensure(p->bridge, &p->gateway6, p->prefix6, err) < 0 ||
	    net_nft6_network_add(p->bridge, p->internal, err) < 0)
		return -1;
	return 0;
}

/* A network connected later: its veth, named after the container and
 * the network ("nk" and 13 hex digits of their hash: the primary's name
 * plus the network would not fit IFNAMSIZ). */
void rt_veth_name_extra(const char *id, const char *network, char buf[16])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256_init(&h);
	sha256_update(&h, id, strlen(id));
	sha256_update(&h, "/", 1);
	sha256_update(&h, network, strlen(network));
	sha256_final(&h, d);
	sha256_hex(d, hex);
	snprintf(buf, 16, "nk%.13s", hex);
}

/* One connected network's kernel side: the bridge and its elements, a
 * veth into nsfd named p->ifname there, its addresses (no default route:
 * that stays the primary network's, as docker does).  Comes back to
 * selffd like rt_engine_net_start, for the same reason. */
int rt_extra_attach(const struct rt_net_plan *p, const char *id, int nsfd, int selffd,
		    struct error *err)
{
	char veth[16];
	int r;

	rt_veth_name_extra(id, p->network, veth);
	if (net_bridge_ensure(p->bridge, p->gateway, p->prefix, p->mtu, err) < 0 ||
	    net_nft_network_add(p->bridge, p->internal, err) < 0 || bridge6_start(p, err) < 0 ||
	    net_link_delete(veth, err) < 0 ||
	    net_veth_create(veth, p->bridge, nsfd, p->ifname, p->mac, p->mtu, err) < 0)
		return -1;
	fault_point("net-connect-veth");
	if (ns_enter(nsfd, CLONE_NEWNET, err) < 0)
		return -1;
	r = net_iface_configure(p->ifname, p->ip, p->prefix, 0, p->mtu, err);
	if (r == 0 && p->prefix6)
		r = net_iface6_configure(p->ifname, &p->ip6, p->prefix6, NULL, err);
	if (ns_enter(selffd, CLONE_NEWNET, err) < 0)
		abort();
	return r;
}

/* The plans of the networks connected to dir's container (glob: what is
 * on disk is what a restart re-attaches and rm removes). */
int rt_extras_glob(const char *dir, glob_t *g)
{
	_cleanup_free_ char *pat = xasprintf("%s.netc-*", dir);
	int r = glob(pat, 0, NULL, g);

	return r == 0 || r == GLOB_NOMATCH ? 0 : -1;
}

static int extras_start(const char *dir, const char *id, int nsfd, int selffd, struct error *err)
{
	glob_t g = {0};
	int r = 0;

	if (rt_extras_glob(dir, &g) < 0)
		return error_set(err, EIO, "cannot list the networks of '%s'", dir);
	for (size_t i = 0; i < g.gl_pathc && r == 0; i++) {
		struct rt_net_plan p;

		if (str_has_suffix(g.gl_pathv[i], ".tmp") ||
		    (r = rt_plan_read_path(g.gl_pathv[i], &p, err)) <= 0)
			continue;
		r = rt_extra_attach(&p, id, nsfd, selffd, err);
		rt_plan_release(&p);
	}
	globfree(&g);
	return r;
}

int rt_engine_net_start(const char *dir, const char *id, pid_t pid, struct error *err)
{
	_cleanup_close_ int nsfd = -1, selffd = -1;
	struct rt_net_plan p;
	char veth[16];
	int r, back;

	if ((r = rt_plan_read(dir, &p, err)) <= 0)
		return r;
	veth_name(id, veth);
	r = -1;
	if (rt_ports_hold(&p, err) < 0)
		goto out;
	if (net_bridge_ensure(p.bridge, p.gateway, p.prefix, p.mtu, err) < 0 ||
	    net_nft_network_ensure(p.bridge, p.internal, err) < 0 || bridge6_start(&p, err) < 0)
		goto out;
	if ((nsfd = ns_open_pid(pid, CLONE_NEWNET, err)) < 0 ||
	    (selffd = ns_open_path("/proc/self/ns/net", CLONE_NEWNET, err)) < 0)
		goto out;
	if (net_veth_create(veth, p.bridge, nsfd, "eth0", p.mac, p.mtu, err) < 0)
		goto out;
	fault_point("net-veth");
	/* Into the container's namespace for its side, and back: the
	 * netlink socket net_iface_configure opens is bound to the namespace
	 * current at the time.  Coming back is checked like going in: a
	 * monitor left in the container's namespace must not go on (it
	 * would publish ports into the container instead of the host). */
	if (ns_enter(nsfd, CLONE_NEWNET, err) < 0)
		goto out;
	r = net_iface_configure("eth0", p.ip, p.prefix, p.internal ? 0 : p.gateway, p.mtu, err);
	if (r == 0 && p.prefix6)
		r = net_iface6_configure("eth0", &p.ip6, p.prefix6, p.internal ? NULL : &p.gateway6,
					 err);
	back = ns_enter(selffd, CLONE_NEWNET, err);
	if (back < 0)
		abort();
	if (r < 0)
		goto out;
	r = net_nft_port_add(p.ports, p.nports, p.ip, err);
	if (r == 0 && p.prefix6)
		r = net_nft6_port_add(p.ports, p.nports, &p.ip6, err);
	if (r == 0)
		r = rt_ports_relay(&p, err);
	if (r == 0)
		r = extras_start(dir, id, nsfd, selffd, err);
out:
	rt_plan_release(&p);
	return r;
}

/* The veth is not deleted here: it dies with the container's network
 * namespace, which the kernel tears down when the last process in it is
 * gone (deleting it ourselves waits for an RCU grace period, ~20 ms). */
int rt_engine_net_stop(const char *dir, const char *id, struct error *err)
{
	struct rt_net_plan p;
	int r;

	(void)id;
	if ((r = rt_plan_read(dir, &p, err)) <= 0)
		return r;
	r = net_nft_port_del(p.ports, p.nports, err);
	if (r == 0 && p.prefix6)
		r = net_nft6_port_del(p.ports, p.nports, err);
	rt_ports_unhold();
	rt_plan_release(&p);
	return r;
}

void rt_engine_net_release(const char *id)
{
	struct error err;
	char veth[16];

	veth_name(id, veth);
	/* Nearly always gone with the namespace already, or going: asked
	 * without loading libnl.  The client is done: nobody waits on what
	 * follows (a deletion waits for an RCU grace period). */
	if (!if_nametoindex(veth))
		return;
	if (net_veth_release(veth, &err) < 0)
		log_error("monitor of %s: %s", id, err.msg);
}

/* The networks connected later: veth (links: by name, as the primary's),
 * plan, the others' hosts files. */
static int extras_remove(struct img_store *s, const char *id, const char *dir, bool links,
			 struct error *err)
{
	glob_t g = {0};
	int r = 0;

	if (rt_extras_glob(dir, &g) < 0)
		return error_set(err, EIO, "cannot list the networks of '%s'", dir);
	for (size_t i = 0; i < g.gl_pathc && r == 0; i++) {
		const char *net = strstr(g.gl_pathv[i], ".netc-") + strlen(".netc-");
		char veth[16];

		if (str_has_suffix(net, ".tmp")) {
			unlink(g.gl_pathv[i]);
			continue;
		}
		rt_veth_name_extra(id, net, veth);
		if ((links && net_link_delete(veth, err) < 0) ||
		    (r = rt_hosts_refresh(s, net, id, err)) < 0)
			r = -1;
		else
			unlink(g.gl_pathv[i]);
	}
	globfree(&g);
	return r;
}

int rt_engine_net_remove(struct img_store *s, const char *id, const char *dir, bool links,
			 struct error *err)
{
	struct rt_net_plan p;
	char veth[16];
	int r;

	if ((r = rt_plan_read(dir, &p, err)) < 0)
		return -1;
	veth_name(id, veth);
	/* A namespace something else still holds (a container:ID joiner, a
	 * crash between steps) keeps the veth: delete it by name (one whose
	 * namespace is going away goes with it). */
	if (r == 1 &&
	    (rt_engine_net_stop(dir, id, err) < 0 || (links && net_veth_release(veth, err) < 0))) {
		rt_plan_release(&p);
		return -1;
	}
	if (extras_remove(s, id, dir, links, err) < 0) {
		rt_plan_release(&p);
		return -1;
	}
	fault_point("net-rm-unpublished");
	if (r == 0) {
		/* No plan, so no files of its (the plan is written before
		 * them and removed after them): only what a killed write of
		 * the plan left. */
		_cleanup_free_ char *tmp = xasprintf("%s.net.tmp", dir);

		unlink(tmp);
		return 0;
	}
	{
		int fd = hosts_lock(s, err);

		if (fd < 0) {
			rt_plan_release(&p);
			return -1;
		}
		etc_files_remove(dir);
		close(fd);
	}
	/* The address and port rows go with the container's row (a trigger
	 * in the same statement, image/netdb.c); the others' hosts files are
	 * rewritten without it now. */
	r = 0;
	if (*p.network && strcmp(p.network, RT_NET_DEFAULT))
		r = rt_hosts_refresh(s, p.network, id, err);
	rt_plan_release(&p);
	return r;
}
