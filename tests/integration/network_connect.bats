#!/usr/bin/env bats
# `nook network connect|disconnect` of running containers: a new
# interface in the container's namespace, its address, the hosts files of
# both networks.  Every nook command runs in a namespace of the test
# (net_helpers.bash).
load net_helpers
bats_require_minimum_version 1.5.0

setup_file() { net_setup_file; }
teardown_file() { net_teardown_file; }
setup() { net_setup; }
teardown() { net_teardown; }

# /etc/hosts as a running container sees it.
ctr_hosts() { nsenter -t "$(ctr_pid "$1")" -m -r cat /etc/hosts; }

@test "connect gives a running container eth1 on the second network; names resolve both ways; disconnect takes it away" {
	nk network create --subnet 10.97.0.0/24 "a$P"
	nk network create --subnet 10.98.0.0/24 "b$P"
	nk run -d --network "a$P" --name "x$P" bb:1 sleep 300
	nk run -d --network "b$P" --name "y$P" bb:1 sleep 300
	run nk network connect --ip 10.98.0.50 --alias "xa$P" "b$P" "x$P"
	assert_success
	run in_ctr_net "x$P" ip -o -4 addr show dev eth1
	assert_output --partial "inet 10.98.0.50/24"
	# The default route stays the first network's.
	run in_ctr_net "x$P" ip route show default
	assert_output --partial "via 10.97.0.1 dev eth0"
	# y (on b only) reaches x by name and alias; x reaches y by name.
	run nk exec "y$P" sh -c "ping -c1 -W2 x$P && ping -c1 -W2 xa$P"
	assert_success
	assert_output --partial "10.98.0.50"
	run nk exec "x$P" ping -c1 -W2 "y$P"
	assert_success
	run ctr_hosts "y$P"
	assert_output --regexp "10\.98\.0\.50.x$P .*xa$P"
	run nk network inspect "b$P"
	[ "$(echo "$output" | jq '.[0].Containers | length')" = 2 ]
	run nk inspect "x$P"
	[ "$(echo "$output" | jq -r ".[0].NetworkSettings.Networks[\"b$P\"].IPAddress")" = 10.98.0.50 ]
	[ "$(echo "$output" | jq -r '.[0].NetworkSettings.IPAddress')" = 10.97.0.2 ]
	# Bad input: one line, nothing changed.
	run nk network connect "b$P" "x$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "already"
	run nk network connect "nosuch$P" "x$P"
	assert_failure
	assert_output --partial "network nosuch$P not found"
	[ "${#lines[@]}" = 1 ]
	run nk network connect --ip 10.98.0.50 "b$P" "y$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk network disconnect "a$P" "y$P"
	assert_failure
	assert_output --partial "container y$P is not connected to network a$P"
	# Disconnect: the interface, the address row and the names go.
	run nk network disconnect "b$P" "x$P"
	assert_success
	run in_ctr_net "x$P" ip -o link show
	refute_output --partial eth1
	run ctr_hosts "y$P"
	refute_output --partial "x$P"
	run ctr_hosts "x$P"
	refute_output --partial "y$P"
	[ "$(sqlite3 "$SR/nook.db" "SELECT count(*) FROM net_addrs WHERE network = 'b$P'")" = 1 ]
	run nk exec "y$P" ping -c1 -W2 10.98.0.50
	assert_failure
	nk rm -f "x$P" "y$P"
	nk network rm "a$P" "b$P"
}

@test "a container on the default network connected to a dual-stack one gets v6 there; rm removes the connected veth" {
	nk network create --subnet 10.99.0.0/24 --subnet fd00:99::/64 "b$P"
	nk run -d --name "x$P" bb:1 sleep 300
	nk network connect "b$P" "x$P"
	run in_ctr_net "x$P" ip -o addr show dev eth1
	assert_output --partial "inet 10.99.0.2/24"
	assert_output --partial "inet6 fd00:99::2/64"
	run nk run --rm --network "b$P" bb:1 ping -6 -c1 -W2 "x$P"
	assert_success
	# rm takes the connected network's veth and row too (teardown checks).
	nk rm -f "x$P"
	nk network rm "b$P"
}

@test "a connected network comes back when the container is started again" {
	nk network create --subnet 10.100.0.0/24 "b$P"
	nk run -d --name "x$P" -p 8080:80 bb:1 sleep 300
	nk network connect --ip 10.100.0.9 "b$P" "x$P"
	nk stop -t 1 "x$P" >/dev/null
	# Stopped: the held port is free again.
	run hn python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 8080))'
	assert_success
	nk start "x$P" >/dev/null
	run in_ctr_net "x$P" ip -o -4 addr show dev eth1
	assert_output --partial "inet 10.100.0.9/24"
	run nk run --rm --network "b$P" bb:1 ping -c1 -W2 "x$P"
	assert_success
	nk rm -f "x$P"
	nk network rm "b$P"
}
