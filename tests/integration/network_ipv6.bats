#!/usr/bin/env bats
# Dual-stack networks (`network create --ipv6`): v6 addresses, default
# route, names, NAT and published ports over v6.  Every nook command runs
# in a namespace of the test (net_helpers.bash).
load net_helpers
bats_require_minimum_version 1.5.0

setup_file() { net_setup_file; }
teardown_file() { net_teardown_file; }
setup() { net_setup; }
teardown() { net_teardown; }

@test "network create --ipv6: a ULA /64 by default, the given subnet otherwise; inspect shows it" {
	run nk network create --ipv6 --subnet 10.91.0.0/24 "u$P"
	assert_success
	run nk network inspect "u$P"
	assert_success
	[ "$(echo "$output" | jq -r '.[0].EnableIPv6')" = true ]
	run jq -r '.[0].IPAM.Config[1].Subnet' <<<"$output"
	assert_output --regexp '^fd[0-9a-f]{2}:[0-9a-f:]+/64$'
	run nk network create --ipv6 --subnet 10.92.0.0/24 --subnet fd00:abcd:1::/64 "n$P"
	assert_success
	run nk network inspect "n$P"
	[ "$(echo "$output" | jq -r '.[0].IPAM.Config[1].Subnet')" = "fd00:abcd:1::/64" ]
	[ "$(echo "$output" | jq -r '.[0].IPAM.Config[1].Gateway')" = "fd00:abcd:1::1" ]
	# The bridge holds the v6 gateway.
	run hn ip -o -6 addr show dev "$(echo "$output" | jq -r '.[0].Bridge')"
	assert_output --partial "inet6 fd00:abcd:1::1/64"
	# Overlapping v6 subnets and bad ones: one line, nothing made.
	run nk network create --subnet 10.93.0.0/24 --subnet fd00:abcd:1:0:1::/80 "m$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "IPv6 subnet overlaps network n$P"
	run nk network create --subnet fd00:abcd:zz::/64 "m$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "invalid IPv6 subnet"
	run nk network ls
	refute_output --partial "m$P"
	# A network without --ipv6 has none.
	nk network create --subnet 10.94.0.0/24 "p$P"
	[ "$(nk network inspect "p$P" | jq -r '.[0].EnableIPv6')" = false ]
	nk network rm "u$P" "n$P" "p$P"
}

@test "containers on a dual-stack network get a v6 address and route and reach each other over v6 by address and name" {
	nk network create --subnet 10.95.0.0/24 --subnet fd00:95::/64 "n$P"
	nk run -d --network "n$P" --name "srv$P" bb:1 sh -c \
		'mkdir -p /tmp/www && echo six >/tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www'
	run in_ctr_net "srv$P" ip -o -6 addr show dev eth0 scope global
	assert_output --partial "inet6 fd00:95::2/64"
	run in_ctr_net "srv$P" ip -6 route show default
	assert_output --partial "default via fd00:95::1 dev eth0"
	run nk run --rm --network "n$P" bb:1 sh -c "ping -6 -c1 -W2 fd00:95::2 && ping -6 -c1 -W2 srv$P && grep srv$P /etc/hosts"
	assert_success
	assert_output --partial "1 packets received"
	assert_line --regexp "^fd00:95::2.srv$P "
	# TCP over v6.
	run nk run --rm --network "n$P" bb:1 sh -c \
		"printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 fd00:95::2 80"
	assert_output --partial six
	# The test host reaches the container over the bridge.
	run hn busybox ping -6 -c1 -W2 fd00:95::2
	assert_success
	run nk inspect "srv$P"
	[ "$(echo "$output" | jq -r '.[0].NetworkSettings.GlobalIPv6Address')" = "fd00:95::2" ]
	nk rm -f "srv$P"
	nk network rm "n$P"
}

@test "v6: outbound traffic is masqueraded and -p publishes on v6 too (from a client namespace)" {
	local h="$NOOK_BUILD/tests/helpers"
	net_client
	# The client's v6 side: 2001:db8::/64 (documentation, never routed).
	hn ip addr add 2001:db8::1/64 dev th0 nodad
	ip netns exec "$CLIENT" ip addr add 2001:db8::2/64 dev cl0 nodad
	nk network create --subnet 10.96.0.0/24 --subnet fd00:96::/64 "n$P"
	nk run -d --network "n$P" --name "srv$P" -p 8080:80 -p 5353:7/udp -v "$h:/h:ro" bb:1 sh -c \
		'mkdir -p /tmp/www && echo published6 >/tmp/www/index.html && httpd -p 80 -h /tmp/www && exec /h/udpecho serve 7'
	# The client reaches the published port on the test host's v6 address.
	local i
	for i in $(seq 50); do
		ip netns exec "$CLIENT" busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 2001:db8::1 8080" | grep -q published6 && break
		sleep 0.1
	done
	run ip netns exec "$CLIENT" busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 2001:db8::1 8080"
	assert_output --partial published6
	# A container connecting out over v6 is masqueraded: its packets
	# reach the client with the test host's source (the client has no
	# route back to fd00:96::/64, so only a masqueraded reply arrives).
	run nk run --rm --network "n$P" bb:1 sh -c "ping -6 -c1 -W2 2001:db8::2"
	assert_success
	assert_output --partial "1 packets received"
	nk rm -f "srv$P"
	run hn nft list map ip6 nook ports
	refute_output --partial 8080
	nk network rm "n$P"
}

@test "--ip6: a fixed v6 address, checked against the v6 subnet, refused when another container's (fixed or derived)" {
	nk network create --subnet 10.97.0.0/24 --subnet fd00:97::/64 "n$P"
	nk run -d --network "n$P" --ip6 fd00:97::99 --name "a$P" bb:1 sleep 600
	run in_ctr_net "a$P" ip -o -6 addr show dev eth0 scope global
	assert_output --partial "inet6 fd00:97::99/64"
	[ "$(nk inspect "a$P" | jq -r '.[0].NetworkSettings.GlobalIPv6Address')" = "fd00:97::99" ]
	[ "$(nk network inspect "n$P" | jq -r ".[0].Containers[].IPv6Address")" = "fd00:97::99/64" ]
	# Its name resolves to it on the network, and it answers there.
	run nk run --rm --network "n$P" bb:1 sh -c "grep a$P /etc/hosts; ping -6 -c1 -W2 a$P"
	assert_success
	assert_line --regexp "^fd00:97::99.a$P "
	refute_line --regexp "^fd00:97::2.a$P "
	assert_output --partial "1 packets received"
	# A container without --ip6 (v4 .3, so v6 ::3): its derived address
	# cannot be taken, nor a fixed one.
	nk run -d --network "n$P" --name "b$P" bb:1 sleep 600
	run in_ctr_net "b$P" ip -o -6 addr show dev eth0 scope global
	assert_output --partial "inet6 fd00:97::3/64"
	local n0
	n0=$(nk ps -aq | wc -l)
	for a in fd00:97::99 fd00:97::3 FD00:97:0::3; do
		run nk run -d --network "n$P" --ip6 "$a" bb:1 sleep 600
		assert_failure
		[ "${#lines[@]}" = 1 ]
		assert_output --partial "is already in use on network n$P"
	done
	# A fixed address whose v4 twin is free keeps that v4 address from a
	# later container (whose derived v6 address would be the same).
	# (c takes v4 .4; d would take .5, whose derived v6 is c's.)
	nk run -d --network "n$P" --ip6 fd00:97::5 --name "c$P" bb:1 sleep 600
	nk run -d --network "n$P" --name "d$P" bb:1 sleep 600
	run in_ctr_net "d$P" ip -o -6 addr show dev eth0 scope global
	assert_output --partial "inet6 fd00:97::6/64"
	# Bad input: one line, nothing left.
	nk network create --subnet 10.98.0.0/24 "v4only$P"
	for args in "--ip6 nonsense" "--ip6 10.97.0.9" "--ip6 fd00:98::5" "--ip6 fd00:97::1" \
		"--ip6 fd00:97::" "--network v4only$P --ip6 fd00:97::9" "--network none --ip6 fd00:97::9"; do
		# shellcheck disable=SC2086
		run nk run -d --network "n$P" $args bb:1 sleep 600
		assert_failure
		[ "${#lines[@]}" = 1 ] || { echo "$args: $output"; false; }
	done
	run nk run -d --network "n$P" --ip6 fd00:98::5 bb:1 true
	assert_output --partial "outside the usable range of IPv6 subnet fd00:97::/64"
	run nk run -d --network "v4only$P" --ip6 fd00:97::9 bb:1 true
	assert_output --partial "--ip6 needs a network with IPv6"
	[ "$(nk ps -aq | wc -l)" = $((n0 + 2)) ]
	[ "$(sqlite3 "$SR/nook.db" 'SELECT count(*) FROM net_addrs6')" = 2 ]
	# Released with the container: the address can be taken again.
	nk rm -f "a$P"
	nk run -d --network "n$P" --ip6 fd00:97::99 --name "e$P" bb:1 sleep 600
	nk rm -f "b$P" "c$P" "d$P" "e$P"
	nk network rm "n$P" "v4only$P"
}

@test "network connect --ip6: the connected interface gets that address; a taken one is refused and nothing is left" {
	nk network create --subnet 10.99.0.0/24 --subnet fd00:99::/64 "n$P"
	nk run -d --network "n$P" --ip6 fd00:99::50 --name "a$P" bb:1 sleep 600
	nk run -d --name "b$P" bb:1 sleep 600
	run nk network connect --ip6 fd00:99::50 "n$P" "b$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "already in use"
	run nk network connect --ip6 bad "n$P" "b$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run in_ctr_net "b$P" ip -o link show
	refute_output --partial eth1
	[ "$(sqlite3 "$SR/nook.db" "SELECT count(*) FROM net_addrs WHERE network = 'n$P'")" = 1 ]
	nk network connect --ip6 fd00:99::51 "n$P" "b$P"
	run in_ctr_net "b$P" ip -o -6 addr show dev eth1 scope global
	assert_output --partial "inet6 fd00:99::51/64"
	run in_ctr_net "a$P" busybox ping -6 -c1 -W2 fd00:99::51
	assert_success
	nk network disconnect "n$P" "b$P"
	[ "$(sqlite3 "$SR/nook.db" 'SELECT count(*) FROM net_addrs6')" = 1 ]
	nk rm -f "a$P" "b$P"
	nk network rm "n$P"
}

@test "v6: -p is reachable on the test host's ::1, TCP and UDP (relayed by the monitor: no route_localnet for v6)" {
	local h="$NOOK_BUILD/tests/helpers" i
	nk network create --subnet 10.100.0.0/24 --subnet fd00:100::/64 "n$P"
	nk run -d --network "n$P" --name "srv$P" -p 8080:80 -p 8081:81 -p 5353:7/udp -v "$h:/h:ro" bb:1 sh -c \
		'mkdir -p /tmp/www && echo loopback6 >/tmp/www/index.html && httpd -p 80 -h /tmp/www && exec /h/udpecho serve 7'
	for i in $(seq 50); do
		hn busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ::1 8080" | grep -q loopback6 && break
		sleep 0.1
	done
	run hn busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ::1 8080"
	assert_output --partial loopback6
	# A body larger than one relay buffer comes through whole.
	nk exec "srv$P" sh -c 'head -c 300000 /dev/zero | tr "\0" x >/tmp/www/big'
	run hn busybox sh -c "printf 'GET /big HTTP/1.0\r\n\r\n' | nc -w 5 ::1 8080 | tail -c 300000 | tr -d x | wc -c"
	assert_output 0
	run hn busybox sh -c "printf 'GET /big HTTP/1.0\r\n\r\n' | nc -w 5 ::1 8080 | wc -c"
	[ "$output" -gt 300000 ]
	# Twenty at once, each whole.
	run hn busybox sh -c "for i in \$(seq 20); do (printf 'GET /big HTTP/1.0\r\n\r\n' | nc -w 5 ::1 8080 | wc -c >/tmp/big.\$i.$$) & done; wait; cat /tmp/big.*.$$; rm -f /tmp/big.*.$$"
	[ "${#lines[@]}" = 20 ]
	for i in "${lines[@]}"; do [ "$i" -gt 300000 ]; done
	# Nothing listening on the container's side: the client is closed,
	# not left hanging, and the relay goes on.
	run hn busybox sh -c "printf x | nc -w 5 ::1 8081"
	run hn busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ::1 8080"
	assert_output --partial loopback6
	run hn "$h/udpecho" send ::1 5353 six
	assert_success
	assert_output "echo:six"
	# v4's loopback still works as before.
	run hn busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 127.0.0.1 8080"
	assert_output --partial loopback6
	nk rm -f "srv$P"
	# Gone with the container: nothing answers, the port is free.
	run hn busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 1 ::1 8080"
	refute_output --partial loopback6
	# The relayed connections nook closed first linger in TIME_WAIT on
	# the port: they keep neither the next container from publishing it
	# nor a host server (with SO_REUSEADDR, as servers bind) from taking it.
	nk run -d --network "n$P" --name "again$P" -p 8080:80 bb:1 sleep 600
	nk rm -f "again$P"
	run hn python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("::", 8080)); s.listen()'
	assert_success
	nk network rm "n$P"
}
