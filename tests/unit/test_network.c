/* Unit tests for network/'s pure parts: addresses, subnets, MACs, -p
 * values and the config file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "network/network.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_ip_cidr(void **state)
{
	struct error e;
	uint32_t ip, net;
	int prefix;
	char buf[16];

	(void)state;
	assert_int_equal(net_ip_parse("10.88.0.1", &ip, &e), 0);
	assert_int_equal(ip, 0x0a580001);
	assert_string_equal(net_ip_str(ip, buf), "10.88.0.1");
	for (const char *const *b =
		 (const char *const[]){"10.88.0", "10.88.0.256", "1.2.3.4.5", "", "a.b.c.d",
				       "1..2.3", "01234.1.1.1", "1.2.3.4 ", NULL};
	     *b; b++)
		assert_int_equal(net_ip_parse(*b, &ip, &e), -1);
	assert_int_equal(net_cidr_parse("10.88.7.9/16", &net, &prefix, &e), 0);
	assert_int_equal(net, 0x0a580000);
	assert_int_equal(prefix, 16);
	assert_int_equal(net_cidr_parse("10.88.0.0/33", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr_parse("10.88.0.0/31", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr_parse("10.88.0.0", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr_parse("10.88.0.0/x", &net, &prefix, &e), -1);
	assert_true(net_cidr_overlap(0x0a580000, 16, 0x0a580500, 24));
	assert_true(net_cidr_overlap(0x0a580500, 24, 0x0a580000, 16));
	assert_false(net_cidr_overlap(0x0a580000, 16, 0x0a590000, 16));
}

static void test_mac(void **state)
{
	struct error e;
	uint8_t mac[6];
	char buf[18];

	(void)state;
	net_mac_of_ip(0x0a580002, mac);
	assert_string_equal(net_mac_str(mac, buf), "02:42:0a:58:00:02");
	assert_int_equal(net_mac_parse("02:00:00:AA:bb:cc", mac, &e), 0);
	assert_string_equal(net_mac_str(mac, buf), "02:00:00:aa:bb:cc");
	/* Multicast, short, long, junk. */
	assert_int_equal(net_mac_parse("01:00:00:00:00:01", mac, &e), -1);
	assert_int_equal(net_mac_parse("02:00:00:00:00", mac, &e), -1);
	assert_int_equal(net_mac_parse("02:00:00:00:00:00:00", mac, &e), -1);
	assert_int_equal(net_mac_parse("02:00:00:00:00:0g", mac, &e), -1);
}

static void test_port_parse(void **state)
{
	struct net_port *v = NULL;
	struct error e;
	size_t n = 0;

	(void)state;
	assert_int_equal(net_port_parse("8080:80", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].host_port, 8080);
	assert_int_equal(v[0].ctr_port, 80);
	assert_int_equal(v[0].host_ip, 0);
	assert_int_equal(v[0].proto, IPPROTO_TCP);
	assert_int_equal(net_port_parse("127.0.0.1:53:5353/udp", &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].host_ip, 0x7f000001);
	assert_int_equal(v[1].proto, IPPROTO_UDP);
	assert_int_equal(v[1].ctr_port, 5353);
	assert_int_equal(net_port_parse("9000-9002:7000-7002", &v, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_int_equal(v[4].host_port, 9002);
	assert_int_equal(v[4].ctr_port, 7002);
	/* Without a host port: the same as the container's. */
	assert_int_equal(net_port_parse("127.0.0.1::80", &v, &n, &e), 0);
	assert_int_equal(v[5].host_port, 80);
	assert_int_equal(net_port_parse("443", &v, &n, &e), 0);
	assert_int_equal(v[6].host_port, 443);
	assert_int_equal(n, 7);
	for (const char *const *b =
		 (const char *const[]){"", "80:80:80:80", "x:80", "0:80", "80-81:90", "1.2.3:80:80",
				       "80/sctp", "70000", "81-80", "9000-9001:7000-7002", ":",
				       "80/", "/tcp", "1.2.3.4:80", "1-1025", NULL};
	     *b; b++) {
		assert_int_equal(net_port_parse(*b, &v, &n, &e), -1);
		assert_int_equal(e.code, EINVAL);
	}
	assert_int_equal(n, 7);
	free(v);
}

static void test_config(void **state)
{
	char path[] = "/tmp/nook-test-netconf.XXXXXX";
	struct net_config c;
	struct error e;
	int fd = mkstemp(path);
	const char *text = "# nook\n network = none \nmtu=9000\ndefault_subnet = 10.99.0.0/16 # x\n"
			   "dns = 192.0.2.53 192.0.2.54\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	assert_int_equal(net_config_load(path, &c, &e), 0);
	assert_string_equal(c.network, "none");
	assert_int_equal(c.mtu, 9000);
	assert_string_equal(c.default_subnet, "10.99.0.0/16");
	assert_string_equal(c.default_bridge, "nook0");
	assert_string_equal(c.dns, "192.0.2.53 192.0.2.54");
	net_config_release(&c);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "network = none\nbogus = 1\n", 25), 25);
	close(fd);
	assert_int_equal(net_config_load(path, &c, &e), -1);
	assert_non_null(strstr(e.msg, ":2:"));
	unlink(path);
	/* Missing: the defaults. */
	assert_int_equal(net_config_load(path, &c, &e), 0);
	assert_string_equal(c.network, "bridge");
	assert_string_equal(c.default_subnet, "10.88.0.0/16");
	assert_int_equal(c.mtu, 1500);
	net_config_release(&c);
}

static void test_ip6(void **state)
{
	struct net_ip6 net, other, a;
	char buf[NET_IP6_STRLEN];
	struct error e;
	int prefix, po;

	(void)state;
	assert_int_equal(net_cidr6_parse("fd00:1:2:3:4::9/64", &net, &prefix, &e), 0);
	assert_int_equal(prefix, 64);
	assert_string_equal(net_ip6_str(&net, buf), "fd00:1:2:3::");
	/* The v4 host part lands in the low 32 bits. */
	net_ip6_host(&net, 0x0102, &a);
	assert_string_equal(net_ip6_str(&a, buf), "fd00:1:2:3::102");
	assert_int_equal(net_cidr6_parse("fd00:1:2:3:8000::/65", &other, &po, &e), 0);
	assert_true(net_cidr6_overlap(&net, prefix, &other, po));
	assert_int_equal(net_cidr6_parse("fd00:1:2:4::/64", &other, &po, &e), 0);
	assert_false(net_cidr6_overlap(&net, prefix, &other, po));
	/* Too small for a v4 host part, too big, not v6, no prefix. */
	assert_int_equal(net_cidr6_parse("fd00::/97", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr6_parse("fd00::/8", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr6_parse("10.0.0.0/24", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr6_parse("::ffff:1.2.3.4/96", &net, &prefix, &e), -1);
	assert_int_equal(net_cidr6_parse("fd00::", &net, &prefix, &e), -1);
	assert_non_null(strstr(e.msg, "invalid IPv6 subnet"));
	/* A ULA: fd, 40 bits from the name, distinct per name. */
	net_ip6_ula("one", &a);
	net_ip6_ula("two", &other);
	assert_int_equal(a.b[0], 0xfd);
	assert_int_equal(a.b[6] | a.b[7] | a.b[15], 0);
	assert_false(net_cidr6_overlap(&a, 64, &other, 64));
}

/* --ip6: inside the v6 subnet, not its first address nor the gateway's;
 * its twin is the v4 address whose derived v6 address it is. */
static void test_ip6_fixed(void **state)
{
	const uint32_t sub4 = 0x0a610000, gw4 = 0x0a610001; /* 10.97.0.0/24 */
	struct net_ip6 a;
	uint32_t twin;
	struct error e;

	(void)state;
	assert_int_equal(net_ip6_fixed("fd00:97::5", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e),
			 0);
	assert_int_equal(twin, 0x0a610005);
	/* Outside the v4 host part's room, or bits between the prefix and
	 * the low 32 set: no v4 address derives it. */
	assert_int_equal(
	    net_ip6_fixed("fd00:97::1:5", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e), 0);
	assert_int_equal(twin, 0);
	assert_int_equal(
	    net_ip6_fixed("fd00:97::1:0:5", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e), 0);
	assert_int_equal(twin, 0);
	assert_int_equal(net_ip6_fixed("fd00:97::1", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e),
			 -1);
	assert_int_equal(net_ip6_fixed("fd00:97::", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e),
			 -1);
	assert_int_equal(net_ip6_fixed("fd00:98::5", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e),
			 -1);
	assert_non_null(strstr(e.msg, "outside the usable range"));
	assert_int_equal(net_ip6_fixed("10.97.0.5", "fd00:97::/64", sub4, 24, gw4, &a, &twin, &e),
			 -1);
	assert_int_equal(net_ip6_fixed("fd00:97::5", "", sub4, 24, gw4, &a, &twin, &e), -1);
	assert_non_null(strstr(e.msg, "needs a network with IPv6"));
	/* The address a container shows: fixed when set, else derived. */
	assert_true(net_addr6_of("fd00:97::/64", 24, 0x0a610007, "", &a, &(int){0}));
	assert_int_equal(a.b[15], 7);
	assert_true(net_addr6_of("fd00:97::/64", 24, 0x0a610007, "fd00:97::99", &a, &(int){0}));
	assert_int_equal(a.b[15], 0x99);
	assert_false(net_addr6_of("", 24, 0x0a610007, NULL, &a, &(int){0}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ip_cidr),
	    cmocka_unit_test(test_mac),
	    cmocka_unit_test(test_port_parse),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_ip6),
	    cmocka_unit_test(test_ip6_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
