/* -p values (network/parse.c): any string is parsed or refused with a
 * message and nothing appended; what is accepted is ports in 1..65535 of
 * tcp or udp, host and container ranges of one length, each entry
 * printing back to a value that parses to itself. */
#include "fuzz.h"
#include "network/network.h"

#include <netinet/in.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	struct net_port *v = NULL;
	size_t n = 0;
	struct error e;

	if (net_port_parse(s, &v, &n, &e) < 0) {
		fuzz_assert(e.msg[0] && n == 0 && !v);
		return 0;
	}
	fuzz_assert(n >= 1 && n <= NET_PORT_RANGE_MAX);
	for (size_t i = 0; i < n; i++) {
		struct net_port *w = NULL;
		size_t m = 0;
		char spec[64], ip[16];

		fuzz_assert(v[i].host_port >= 1 && v[i].ctr_port >= 1);
		fuzz_assert(v[i].proto == IPPROTO_TCP || v[i].proto == IPPROTO_UDP);
		fuzz_assert(v[i].host_port - v[0].host_port == v[i].ctr_port - v[0].ctr_port);
		snprintf(spec, sizeof(spec), "%s:%u:%u/%s", net_ip_str(v[i].host_ip, ip),
			 v[i].host_port, v[i].ctr_port, net_proto_name(v[i].proto));
		fuzz_assert(net_port_parse(spec, &w, &m, &e) == 0 && m == 1);
		fuzz_assert(w[0].host_ip == v[i].host_ip && w[0].host_port == v[i].host_port &&
			    w[0].ctr_port == v[i].ctr_port && w[0].proto == v[i].proto);
		free(w);
	}
	free(v);
	return 0;
}
