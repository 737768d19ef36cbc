/* nook network create|ls|inspect|rm|prune and nook port: the engine's
 * bridge networks (runtime/networks.c) and a container's published
 * ports (the store's records). */
#include "cli/cli.h"
#include "image/image.h"
#include "network/network.h"
#include "runtime/runtime.h"

#include <getopt.h>
#include <json-c/json.h>
#include <string.h>

enum { OPT_SUBNET = 256, OPT_GATEWAY, OPT_INTERNAL, OPT_IPV6, OPT_IP, OPT_IP6, OPT_ALIAS };

const struct cli_options cli_network_create_options = {
    ":", (const struct option[]){{"subnet", required_argument, NULL, OPT_SUBNET},
				 {"gateway", required_argument, NULL, OPT_GATEWAY},
				 {"internal", no_argument, NULL, OPT_INTERNAL},
				 {"ipv6", no_argument, NULL, OPT_IPV6},
				 {0}}};

static int network_create(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct rt_network_opts o = {0};
	struct error err = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_network_create_options.shortopts,
				cli_network_create_options.longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SUBNET:
			/* Given twice for a dual-stack network, as docker's. */
			if (strchr(optarg, ':'))
				o.subnet6 = optarg;
			else
				o.subnet = optarg;
			break;
		case OPT_IPV6:
			o.ipv6 = true;
			break;
		case OPT_GATEWAY:
			o.gateway = optarg;
			break;
		case OPT_INTERNAL:
			o.internal = true;
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 1, 1)) != 0)
		return rc;
	o.name = argv[optind];
	if (!(s = cli_store_open(g, &err)) || rt_network_create(s, &o, &err) < 0)
		return cli_error(g, &err);
	printf("%s\n", o.name);
	return 0;
}

static char *cidr_str(uint32_t net, int prefix, char buf[20])
{
	char ip[16];

	snprintf(buf, 20, "%s/%d", net_ip_str(net, ip), prefix);
	return buf;
}

static int network_ls(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct img_network *v;
	struct error err = {0};
	size_t n;
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_net_list(s, &v, &n, &err) < 0)
		return cli_error(g, &err);
	printf("%-20s %-16s %-18s %s\n", "NAME", "BRIDGE", "SUBNET", "INTERNAL");
	for (size_t i = 0; i < n; i++) {
		char c[20];

		printf("%-20s %-16s %-18s %s\n", v[i].name, v[i].bridge,
		       cidr_str(v[i].subnet, v[i].prefix, c), v[i].internal ? "true" : "false");
	}
	img_network_list_free(v, n);
	return 0;
}

/* A container's v6 address on n ("" without v6): fixed (--ip6), or the
 * v4 host part in the v6 subnet (network/ip6.c). */
static const char *addr6_of(const struct img_network *n, uint32_t ip, const char *fixed)
{
	static char buf[NET_IP6_STRLEN + 4];
	struct net_ip6 a;
	int prefix;

	if (!net_addr6_of(n->subnet6, n->prefix, ip, fixed, &a, &prefix))
		return "";
	net_ip6_str(&a, buf);
	snprintf(buf + strlen(buf), 5, "/%d", prefix);
	return buf;
}

/* docker's IPAM.Config: one entry a subnet. */
static void ipam_config(struct json_object *ipam, const struct img_network *n)
{
	struct json_object *cfg = json_object_new_array(), *e = json_object_new_object();
	char c[20], ip[16];

	json_object_object_add(e, "Subnet",
			       json_object_new_string(cidr_str(n->subnet, n->prefix, c)));
	json_object_object_add(e, "Gateway", json_object_new_string(net_ip_str(n->gateway, ip)));
	json_object_array_add(cfg, e);
	if (*n->subnet6) {
		_cleanup_free_ char *gw = xstrdup(addr6_of(n, n->gateway, NULL));

		*strchr(gw, '/') = '\0';
		e = json_object_new_object();
		json_object_object_add(e, "Subnet", json_object_new_string(n->subnet6));
		json_object_object_add(e, "Gateway", json_object_new_string(gw));
		json_object_array_add(cfg, e);
	}
	json_object_object_add(ipam, "Config", cfg);
}

static struct json_object *network_json(struct img_store *s, const struct img_network *n)
{
	struct json_object *o = json_object_new_object(), *ctrs = json_object_new_object();
	struct json_object *ipam = json_object_new_object();
	struct img_net_addr *a = NULL;
	struct error err;
	size_t cnt = 0;
	char c[20], ip[16];

	json_object_object_add(o, "Name", json_object_new_string(n->name));
	json_object_object_add(o, "Driver", json_object_new_string("bridge"));
	json_object_object_add(o, "Bridge", json_object_new_string(n->bridge));
	json_object_object_add(ipam, "Subnet",
			       json_object_new_string(cidr_str(n->subnet, n->prefix, c)));
	json_object_object_add(ipam, "Gateway", json_object_new_string(net_ip_str(n->gateway, ip)));
	ipam_config(ipam, n);
	json_object_object_add(o, "IPAM", ipam);
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(*n->subnet6 != '\0'));
	json_object_object_add(o, "Internal", json_object_new_boolean(n->internal));
	if (img_net_addrs(s, n->name, NULL, &a, &cnt, &err) == 0) {
		for (size_t i = 0; i < cnt; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "Name", json_object_new_string(a[i].name));
			json_object_object_add(
			    e, "IPv4Address",
			    json_object_new_string(cidr_str(a[i].ip, n->prefix, c)));
			json_object_object_add(e, "Aliases", json_object_new_string(a[i].aliases));
			json_object_object_add(
			    e, "IPv6Address",
			    json_object_new_string(addr6_of(n, a[i].ip, a[i].ip6)));
			json_object_object_add(ctrs, a[i].ctr, e);
		}
		img_net_addr_list_free(a, cnt);
	}
	json_object_object_add(o, "Containers", ctrs);
	return o;
}

static int network_inspect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct json_object *arr;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	arr = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		struct img_network n;

		memset(&err, 0, sizeof(err));
		if (img_net_find(s, argv[i], &n, &err) < 0) {
			rc = cli_error(g, &err);
			continue;
		}
		json_object_array_add(arr, network_json(s, &n));
		img_network_release(&n);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return rc;
}

static int network_rm(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, -1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)))
		return cli_error(g, &err);
	for (int i = optind; i < argc; i++) {
		memset(&err, 0, sizeof(err));
		if (rt_network_remove(s, argv[i], &err) < 0)
			rc = cli_error(g, &err);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

static int network_prune(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **removed = NULL;
	struct error err = {0};
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 0, 0)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || rt_network_prune(s, &removed, &err) < 0)
		return cli_error(g, &err);
	for (char **v = removed; v && *v; v++)
		printf("%s\n", *v);
	return 0;
}

const struct cli_options cli_network_connect_options = {
    ":", (const struct option[]){{"ip", required_argument, NULL, OPT_IP},
				 {"ip6", required_argument, NULL, OPT_IP6},
				 {"alias", required_argument, NULL, OPT_ALIAS},
				 {0}}};

static int network_connect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	_cleanup_strv_ char **aliases = NULL;
	const char *ip = NULL, *ip6 = NULL;
	struct error err = {0};
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_network_connect_options.shortopts,
				cli_network_connect_options.longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IP:
			ip = optarg;
			break;
		case OPT_IP6:
			ip6 = optarg;
			break;
		case OPT_ALIAS:
			strv_push(&aliases, optarg);
			break;
		default:
			return cli_bad_option(g, c, argv);
		}
	}
	if ((rc = cli_want_args(g, argc - optind, 2, 2)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    rt_network_connect(s, argv[optind], argv[optind + 1], ip, ip6, aliases, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

const struct cli_options cli_network_disconnect_options = {
    ":f", (const struct option[]){{"force", no_argument, NULL, 'f'}, {0}}};

static int network_disconnect(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct error err = {0};
	bool force = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, cli_network_disconnect_options.shortopts,
				cli_network_disconnect_options.longopts, NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option(g, c, argv);
		force = true;
	}
	if ((rc = cli_want_args(g, argc - optind, 2, 2)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) ||
	    rt_network_disconnect(s, argv[optind], argv[optind + 1], force, &err) < 0)
		return cli_error(g, &err);
	return 0;
}

static const struct cli_command network_commands[] = {
    {"create", network_create, CLI_ENGINE_FLAGS,
     "[--subnet CIDR]... [--gateway IP] [--internal] [--ipv6] NAME",
     "create a bridge network (--ipv6 or an IPv6 --subnet: dual-stack)", NULL,
     &cli_network_create_options},
    {"connect", network_connect, CLI_ENGINE_FLAGS,
     "[--ip IP] [--ip6 IP] [--alias NAME]... NETWORK CONTAINER",
     "connect a running container to one more network", NULL, &cli_network_connect_options},
    {"disconnect", network_disconnect, CLI_ENGINE_FLAGS, "[-f] NETWORK CONTAINER",
     "disconnect a container from a network it was connected to", NULL,
     &cli_network_disconnect_options},
    {"ls", network_ls, CLI_ENGINE_FLAGS, "", "list networks", NULL, NULL},
    {"inspect", network_inspect, CLI_ENGINE_FLAGS, "NETWORK...",
     "print networks' details as a JSON array", NULL, NULL},
    {"rm", network_rm, CLI_ENGINE_FLAGS, "NETWORK...",
     "remove networks (their bridges too); they must have no containers", NULL, NULL},
    {"prune", network_prune, CLI_ENGINE_FLAGS, "",
     "remove every network without containers (not the default)", NULL, NULL},
};

const struct cli_table cli_network_table = {
    .prog = "nook network",
    .help = "Manage networks.",
    .commands = network_commands,
    .n = ARRAY_SIZE(network_commands),
    .globals = CLI_G_ROOT | CLI_G_STORAGE_ROOT | CLI_G_HELP,
    .usage_exit = 2,
};

/* nook port CONTAINER: "80/tcp -> 0.0.0.0:8080", docker's lines. */
int cli_cmd_port(int argc, char **argv, struct cli_globals *g)
{
	_cleanup_engine_store_ struct img_store *s = NULL;
	struct img_net_port *p;
	struct img_ctr c;
	struct error err = {0};
	size_t n;
	int rc;

	if ((rc = cli_only_args(g, argc, argv, 1, 1)) != 0)
		return rc;
	if (!(s = cli_store_open(g, &err)) || img_ctr_find(s, argv[optind], &c, &err) < 0)
		return cli_error(g, &err);
	rc = img_net_ports(s, c.id, &p, &n, &err);
	img_ctr_release(&c);
	if (rc < 0)
		return cli_error(g, &err);
	for (size_t i = 0; i < n; i++) {
		char ip[16];

		printf("%u/%s -> %s:%u\n", p[i].ctr_port, net_proto_name(p[i].proto),
		       net_ip_str(p[i].host_ip, ip), p[i].host_port);
	}
	free(p);
	return 0;
}
