/* Whether nook's table already holds a network's elements, asked of the
 * kernel with one nf_tables request over libnl (no libnftables).
 *
 * Every container start needs its network's elements in place (the table
 * may have been flushed since the network was made: `nft flush ruleset`
 * at an nftables reload does that), but nearly always they are there.
 * Loading libnftables, its five dependencies and its cache to find that
 * out costs more than all of the start's netlink work; a single
 * NFT_MSG_GETSETELEM answers it in microseconds, and libnftables is
 * loaded only when something must be added. */
#include "network/internal.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>

/* 1 when set of table `ip nook` holds the interface name elem, 0 when not
 * (or when the table or the set is missing), -1 on other errors. */
static int set_has_ifname(struct nl_sock *sk, const char *set, const char *elem, struct error *err)
{
	struct nfgenmsg g = {.nfgen_family = NFPROTO_IPV4, .version = NFNETLINK_V0};
	struct nl_msg *m = nlmsg_alloc_simple((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM, 0);
	struct nlattr *list, *one, *key;
	char name[IFNAMSIZ] = {0};
	int r;

	if (!m)
		abort(); /* allocation failure, as xmalloc */
	/* nftables' ifname type: IFNAMSIZ bytes, zero-padded. */
	strncpy(name, elem, sizeof(name) - 1);
	if (nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, "nook") < 0 ||
	    nla_put_string(m, NFTA_SET_ELEM_LIST_SET, set) < 0 ||
	    !(list = nla_nest_start(m, NFTA_SET_ELEM_LIST_ELEMENTS)) ||
	    !(one = nla_nest_start(m, NFTA_LIST_ELEM)) ||
	    !(key = nla_nest_start(m, NFTA_SET_ELEM_KEY)) ||
	    nla_put(m, NFTA_DATA_VALUE, sizeof(name), name) < 0)
		abort(); /* a few dozen bytes in a page-sized message */
	nla_nest_end(m, key);
	nla_nest_end(m, one);
	nla_nest_end(m, list);
	r = nl_send_auto(sk, m);
	nlmsg_free(m);
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	if (r >= 0)
		return 1;
	if (r == -NLE_OBJ_NOTFOUND)
		return 0;
	return error_set(err, EIO, "cannot look up '%s' in nftables set '%s': %s", elem, set,
			 nl_geterror(r));
}

int net_nft_network_ensure(const char *bridge, bool internal, struct error *err)
{
	struct nl_sock *sk;
	int r;

	if (net_libs_load(NET_LIBS_NL, err) < 0)
		return -1;
	if (!(sk = nl_socket_alloc()))
		return error_set(err, ENOMEM, "cannot allocate a netlink socket");
	if ((r = nl_connect(sk, NETLINK_NETFILTER)) < 0) {
		nl_socket_free(sk);
		return error_set(err, EIO, "cannot open a netfilter netlink socket: %s",
				 nl_geterror(r));
	}
	r = set_has_ifname(sk, "bridges", bridge, err);
	if (r == 1)
		r = set_has_ifname(sk, internal ? "internal" : "nat_bridges", bridge, err);
	nl_socket_free(sk);
	if (r < 0)
		return -1;
	return r == 1 ? 0 : net_nft_network_add(bridge, internal, err);
}
