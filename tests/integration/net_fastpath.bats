#!/usr/bin/env bats
# What the fast path of a bridge network skips, and what it still does
# when it must: libnftables only when a rule changes, the network's
# nftables elements put back when they are gone, the host veth deleted
# when the container's network namespace outlives it (otherwise it goes
# with the namespace, without a deletion of ours), an earlier run's veth
# replaced.  Every nook runs in the test's own network namespace.
load net_helpers
bats_require_minimum_version 1.5.0

setup_file() { net_setup_file; }
teardown_file() { net_teardown_file; }
setup() {
	net_setup
	HOLDERS=""
}
teardown() {
	local h
	for h in $HOLDERS; do kill "$h" 2>/dev/null || true; done
	net_teardown
}

# The host end of container $1's veth (runtime/engine_net.c's name).
veth_of() { echo "nk$(nk inspect "$1" | jq -r '.[0].Id' | cut -c1-13)"; }

# A process outside every container that holds container $1's network
# namespace (as a joiner by path or `ip netns attach` would); killed in
# teardown.
hold_netns() {
	local ns i
	ns="/proc/$(ctr_pid "$1")/ns/net"
	nsenter --net="$ns" sleep 1000 &
	HOLDERS="$HOLDERS $!"
	for i in $(seq 50); do
		[ "$(readlink "/proc/$!/ns/net")" = "$(readlink "$ns")" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "a run that publishes no port never loads libnftables; one that does, does" {
	# The first run on a namespace makes nook's table (with libnftables).
	nk run --rm bb:1 true
	nk run -d --name "a$P" bb:1 sleep 100
	mon=$(monitors)
	[ -n "$mon" ]
	run grep -c libnftables "/proc/$mon/maps"
	assert_output 0
	grep -q libnl-route "/proc/$mon/maps"
	nk rm -f "a$P"
	nk run -d --name "b$P" -p 8080:80 bb:1 sleep 100
	mon=$(monitors)
	grep -q libnftables "/proc/$mon/maps"
}

@test "a flushed nftables ruleset is put back by the next run on the network" {
	nk run --rm bb:1 true
	hn nft list set ip nook nat_bridges | grep -q '"nook0"'
	hn nft flush ruleset
	run hn nft list table ip nook
	assert_failure
	nk run --rm bb:1 true
	run hn nft list set ip nook nat_bridges
	assert_output --partial '"nook0"'
	run hn nft list set ip nook bridges
	assert_output --partial '"nook0"'
	run hn nft list chain ip nook postrouting
	assert_output --partial masquerade
}

@test "rm deletes the veth of a container whose namespace a joiner still holds" {
	nk run -d --name "a$P" bb:1 sleep 100
	v=$(veth_of "a$P")
	nk run -d --name "j$P" --network "container:a$P" bb:1 sleep 100
	hn ip link show "$v"
	nk rm -f "a$P"
	# The joiner keeps the namespace: only a deletion removes the veth,
	# and it is the address's only way off the bridge before rm returns.
	run hn ip link show "$v"
	assert_failure
}

@test "run --rm: a veth whose namespace something holds after the run is deleted" {
	nk run --rm --name "a$P" bb:1 sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done' &
	runner=$!
	for i in $(seq 50); do
		[ "$(nk inspect "a$P" 2>/dev/null | jq -r '.[0].State.Running')" = true ] && break
		sleep 0.1
	done
	v=$(veth_of "a$P")
	hold_netns "a$P"
	in_ctr_net "a$P" true
	nsenter --mount="/proc/$(ctr_pid "a$P")/ns/mnt" touch /tmp/go
	wait "$runner"
	# Removed by the monitor after the run returned: wait for it.
	for i in $(seq 50); do
		hn ip link show "$v" >/dev/null 2>&1 || break
		sleep 0.1
	done
	run hn ip link show "$v"
	assert_failure
}

@test "a container restarted while its old namespace is held gets a fresh veth" {
	nk run -d --name "a$P" bb:1 sleep 1000
	v=$(veth_of "a$P")
	hold_netns "a$P"
	nk stop -t 0 "a$P"
	hn ip link show "$v"
	nk start "a$P"
	run in_ctr_net "a$P" ip -o -4 addr show dev eth0
	assert_output --regexp 'inet 10\.88\.'
	run hn ip -o link show "$v"
	assert_output --partial "master nook0"
	assert_output --partial "state UP"
}
