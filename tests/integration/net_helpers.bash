# Network tests.  This is a shared machine: no test may create a link,
# address, route or firewall rule in the machine's own network namespace,
# or send a packet off the machine.  So every test makes a fresh network
# namespace that stands for "the host" (ip netns add nooktest-PID-N, lo
# up), runs every nook command inside it (nsenter --net: only the network
# namespace changes, so the store's mounts stay where the test sees them),
# and talks only to namespaces it made.  Teardown removes the containers,
# checks nothing of them is left, and deletes the namespaces, also when
# the test failed.  The default network of `nook run` is the bridge here
# (the rest of the suite's config says none).
# shellcheck source=engine_common.bash
source "${BASH_SOURCE[0]%/*}/engine_common.bash"

net_setup_file() {
	engine_setup_file
	command -v nft >/dev/null || skip "needs nftables"
}

net_teardown_file() { engine_teardown_file; }

net_setup() {
	engine_setup
	NS="nooktest-$$-${BATS_TEST_NUMBER}"
	NET_NS_LIST="$NS"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	export NOOK_CONFIG="$BATS_TEST_TMPDIR/nook.conf"
	echo "network = bridge" >"$NOOK_CONFIG"
}

# A command inside the test's host namespace.
hn() { nsenter --net="/run/netns/$NS" "$@"; }
# nook inside it (engine_common's nk, in the namespace).
nk() { nsenter --net="/run/netns/$NS" "$NOOK" --storage-root "$SR" --root "$ROOT" "$@"; }

# Another namespace of the test (a "client" or a second host), removed in
# teardown: prints its name.
net_ns_add() {
	local n="nooktest-$$-${BATS_TEST_NUMBER}-$1"
	ip netns add "$n"
	ip -n "$n" link set lo up
	NET_NS_LIST="$NET_NS_LIST $n"
	echo "$n"
}

# A client namespace wired to the test host by a veth pair made inside
# the test host's namespace: host side 192.0.2.1/24, client 192.0.2.2/24
# (TEST-NET-1: never routed anywhere).  Sets CLIENT.
net_client() {
	CLIENT="nooktest-$$-${BATS_TEST_NUMBER}-c"
	ip netns add "$CLIENT"
	NET_NS_LIST="$NET_NS_LIST $CLIENT"
	ip -n "$CLIENT" link set lo up
	ip -n "$NS" link add th0 type veth peer name cl0 netns "$CLIENT"
	ip -n "$NS" addr add 192.0.2.1/24 dev th0
	ip -n "$NS" link set th0 up
	ip -n "$CLIENT" addr add 192.0.2.2/24 dev cl0
	ip -n "$CLIENT" link set cl0 up
}

# The pid of a running container (for nsenter into it).
ctr_pid() { nk inspect "$1" | jq -r '.[0].State.Pid'; }
# A command in a container's network namespace, with the host's tools.
in_ctr_net() {
	local pid
	pid=$(ctr_pid "$1")
	shift
	nsenter --net="/proc/$pid/ns/net" "$@"
}

# Nothing of nook's left in the test host namespace: no veth, no address
# on a nook bridge beyond its gateway, no published port, no IPAM row.
net_assert_clean() {
	local left i
	# A container's veth dies with its network namespace, which the
	# kernel tears down asynchronously once the last process is gone.
	for i in $(seq 50); do
		left=$(hn ip -o link show | awk -F': ' '{print $2}' | grep '^nk' || true)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || { echo "veths left: $left"; return 1; }
	left=$(hn nft list map ip nook ports 2>/dev/null | grep -c 'elements' || true)
	[ "${left:-0}" = 0 ] || { echo "published ports left: $(hn nft list map ip nook ports)"; return 1; }
	left=$(hn nft list map ip nook hostports 2>/dev/null | grep -c 'elements' || true)
	[ "${left:-0}" = 0 ] || { echo "published ports left: $(hn nft list map ip nook hostports)"; return 1; }
	left=$(hn nft list map ip6 nook ports 2>/dev/null | grep -c 'elements' || true)
	[ "${left:-0}" = 0 ] || { echo "published v6 ports left: $(hn nft list map ip6 nook ports)"; return 1; }
	if [ -e "$SR/nook.db" ]; then
		left=$(sqlite3 "$SR/nook.db" "SELECT count(*) FROM net_addrs" 2>/dev/null || echo 0)
		[ "$left" = 0 ] || { echo "IPAM rows left: $left"; return 1; }
		left=$(sqlite3 "$SR/nook.db" "SELECT count(*) FROM net_ports" 2>/dev/null || echo 0)
		[ "$left" = 0 ] || { echo "port rows left: $left"; return 1; }
		left=$(sqlite3 "$SR/nook.db" "SELECT count(*) FROM net_addrs6" 2>/dev/null || echo 0)
		[ "$left" = 0 ] || { echo "IPv6 IPAM rows left: $left"; return 1; }
	fi
}

net_teardown() {
	local rc=0 n
	engine_teardown || rc=$?
	net_assert_clean || rc=1
	for n in $NET_NS_LIST; do ip netns del "$n" 2>/dev/null || true; done
	return $rc
}
