#!/usr/bin/env bats
# Container networking: bridge networks, addresses, routes, /etc files.
# Every nook command runs in a namespace of the test (net_helpers.bash).
load net_helpers
bats_require_minimum_version 1.5.0

setup_file() { net_setup_file; }
teardown_file() { net_teardown_file; }
setup() { net_setup; }
teardown() { net_teardown; }

@test "run on the default bridge: eth0 with an address of 10.88.0.0/16, default route, lo up" {
	run nk run --rm bb:1 sh -c 'ip -o -4 addr show; ip route; cat /sys/class/net/eth0/mtu'
	assert_success
	assert_line --regexp '^[0-9]+: lo +inet 127\.0\.0\.1/8'
	assert_line --regexp '^[0-9]+: eth0 +inet 10\.88\.[0-9]+\.[0-9]+/16'
	assert_line --regexp '^default via 10\.88\.0\.1 dev eth0'
	assert_line 1500
	# The bridge is in the test's host namespace, with the gateway.
	run hn ip -o -4 addr show dev nook0
	assert_output --partial "inet 10.88.0.1/16"
}

# A busybox web server in a detached container: prints its id.
web_server() {
	nk run -d "$@" bb:1 sh -c 'mkdir -p /tmp/www && echo "hello from $(hostname)" >/tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www'
}

# GET / from HOST PORT with busybox nc (its wget crashes in a bare
# static rootfs), run by the command given first (e.g. `nk run ... bb:1`).
http_get() {
	local host=$1 port=$2
	shift 2
	"$@" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 $host $port"
}

# Retry a command for up to ~5 s (a server in a container just started).
retry() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

@test "a server in one container is reached from another by name and by alias on a user network" {
	run nk network create --subnet 10.77.0.0/24 "n$P"
	assert_success
	web_server --network "n$P" --name "srv$P" --network-alias "web$P"
	run retry http_get "srv$P" 80 nk run --rm --network "n$P" bb:1
	assert_success
	assert_output --partial "hello from"
	run http_get "web$P" 80 nk run --rm --network "n$P" bb:1
	assert_success
	assert_output --partial "hello from"
	# The server's hosts file learned of a container made after it.
	nk run -d --network "n$P" --name "late$P" bb:1 sleep 100
	run nsenter -t "$(ctr_pid "srv$P")" -m -r cat /etc/hosts
	assert_output --regexp "10\.77\.0\.[0-9]+.*late$P"
	# ... and forgot it when it was removed.
	nk rm -f "late$P"
	run nsenter -t "$(ctr_pid "srv$P")" -m -r cat /etc/hosts
	refute_output --partial "late$P"
	assert_output --partial "srv$P"
	nk rm -f "srv$P"
	run nk network rm "n$P"
	assert_success
	run hn ip link show
	refute_output --partial "br-"
}

@test "published TCP and UDP ports are reached from the host's loopback and from a client namespace; nook port lists them" {
	local h="$NOOK_BUILD/tests/helpers"
	net_client
	nk run -d --name "srv$P" -v "$h:/h:ro" -p 8080:80 -p 127.0.0.1:8081:80 -p 5353:7/udp bb:1 \
		sh -c 'mkdir -p /tmp/www && echo published >/tmp/www/index.html && httpd -p 80 -h /tmp/www && exec /h/udpecho serve 7'
	run retry http_get 127.0.0.1 8080 hn busybox
	assert_success
	assert_output --partial published
	run http_get 127.0.0.1 8081 hn busybox
	assert_output --partial published
	run http_get 192.0.2.1 8080 ip netns exec "$CLIENT" busybox
	assert_output --partial published
	# Published on 127.0.0.1 only: not from the client.
	run http_get 192.0.2.1 8081 ip netns exec "$CLIENT" busybox
	refute_output --partial published
	run hn "$h/udpecho" send 127.0.0.1 5353 ping
	assert_output "echo:ping"
	run ip netns exec "$CLIENT" "$h/udpecho" send 192.0.2.1 5353 pong
	assert_output "echo:pong"
	run nk port "srv$P"
	assert_success
	assert_line "80/tcp -> 0.0.0.0:8080"
	assert_line "80/tcp -> 127.0.0.1:8081"
	assert_line "7/udp -> 0.0.0.0:5353"
	# rm unpublishes: nothing answers any more.
	nk rm -f "srv$P"
	run http_get 127.0.0.1 8080 hn busybox
	refute_output --partial published
}

@test "--network none has only lo; host shares the test host's links" {
	run nk run --rm --network none bb:1 ls /sys/class/net
	assert_success
	assert_output lo
	hn ip link add tdum0 type veth peer name tdum1
	run nk run --rm --network host bb:1 ls /sys/class/net
	assert_line tdum0
	hn ip link del tdum0
}

@test "--network container:ID shares the other container's namespace and address" {
	nk run -d --name "a$P" bb:1 sleep 100
	run nk run --rm --network "container:a$P" bb:1 cat /sys/class/net/eth0/address
	assert_success
	assert_output "$(in_ctr_net "a$P" ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
	[ "$(readlink "/proc/$(ctr_pid "a$P")/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	run nk run --rm --network "container:a$P" -p 80:80 bb:1 true
	assert_failure 125
	assert_output --partial "need a bridge network"
	run nk run --rm --network "container:nosuch$P" bb:1 true
	assert_failure 125
	[ "${#lines[@]}" = 1 ]
}

@test "--internal: no default route, no NAT; containers on it reach each other" {
	nk network create --internal --subnet 10.78.0.0/24 "i$P"
	nk run -d --network "i$P" --name "a$P" bb:1 sleep 100
	run nk run --rm --network "i$P" bb:1 sh -c "ip route; ping -c1 -W2 a$P"
	assert_success
	refute_line --partial default
	assert_line --partial "1 packets received"
	run hn nft list set ip nook internal
	assert_output --partial "$(nk network inspect "i$P" | jq -r '.[0].Bridge')"
	nk rm -f "a$P"
	nk network rm "i$P"
}

@test "--ip, --mac-address, --hostname, --add-host, --dns and the /etc files" {
	nk network create --subnet 10.79.0.0/24 --gateway 10.79.0.254 "n$P"
	run nk run --rm --network "n$P" --ip 10.79.0.42 --mac-address 02:00:00:aa:bb:cc \
		--hostname box --add-host "db$P:10.1.2.3" --dns 192.0.2.53 bb:1 \
		sh -c 'ip -o -4 addr show eth0; cat /sys/class/net/eth0/address; ip route; cat /etc/hostname /etc/resolv.conf /etc/hosts'
	assert_success
	assert_line --regexp 'inet 10\.79\.0\.42/24'
	assert_line 02:00:00:aa:bb:cc
	assert_line --regexp '^default via 10\.79\.0\.254'
	assert_line box
	assert_line "nameserver 192.0.2.53"
	assert_line --regexp "^10\.79\.0\.42.box "
	assert_line --regexp "^10\.1\.2\.3.db$P\$"
	# The address is taken while a container holds it.
	nk run -d --network "n$P" --ip 10.79.0.42 --name "a$P" bb:1 sleep 100
	run "$NOOK" --storage-root "$SR" system check
	assert_success
	run nk run --rm --network "n$P" --ip 10.79.0.42 bb:1 true
	assert_failure 125
	assert_output --partial "already in use"
	[ "${#lines[@]}" = 1 ]
	nk rm -f "a$P"
	nk network rm "n$P"
}

@test "loopback resolvers of the host are not given to containers" {
	run nk run --rm bb:1 cat /etc/resolv.conf
	assert_success
	refute_output --partial "nameserver 127."
	refute_output --partial "nameserver ::1"
}

@test "50 containers started at once on one network get 50 distinct addresses" {
	local i pids=() addrs
	nk network create --subnet 10.80.0.0/24 "n$P"
	for i in $(seq 50); do
		nk run -d --network "n$P" --name "c$i$P" bb:1 sleep 300 >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	addrs=$(for i in $(seq 50); do in_ctr_net "c$i$P" ip -o -4 addr show dev eth0 | awk '{print $4}'; done)
	[ "$(echo "$addrs" | grep -c '^10\.80\.0\.')" = 50 ]
	[ "$(echo "$addrs" | sort -u | wc -l)" = 50 ]
	[ "$(nk network inspect "n$P" | jq '.[0].Containers | length')" = 50 ]
	for i in $(seq 50); do nk rm -f "c$i$P" >/dev/null & done
	wait
	[ "$(nk network inspect "n$P" | jq '.[0].Containers | length')" = 0 ]
	nk network rm "n$P"
}

@test "bad input: overlapping subnet, port published twice, malformed -p, missing network: one line, nothing left" {
	nk network create --subnet 10.81.0.0/16 "n$P"
	run nk network create --subnet 10.81.5.0/24 "m$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "overlaps network n$P"
	run nk network create --subnet 10.82.0.0/33 "m$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk network create --subnet 10.83.0.0/24 --gateway 10.84.0.1 "m$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk network ls
	refute_output --partial "m$P"
	nk run -d --name "a$P" -p 9000:80 bb:1 sleep 100
	run nk run -d -p 9000:81 bb:1 sleep 100
	assert_failure 125
	assert_output "nook: host port 9000/tcp is already published"
	for bad in 80:80:80:80 x:80 0:80 80-81:90 1.2.3:80:80 80/sctp 70000 ''; do
		run nk run --rm -p "$bad" bb:1 true
		assert_failure 125
		[ "${#lines[@]}" = 1 ]
		assert_output --partial "invalid port specification"
	done
	run nk run --rm --network "nosuch$P" bb:1 true
	assert_failure 125
	assert_output "nook: network nosuch$P not found"
	run nk network rm "n$P" "nosuch$P"
	assert_failure
	assert_line "n$P"
	# Only a's container, address and root's record are left.
	[ "$(nk ps -aq | wc -l)" = 1 ]
	[ "$(sqlite3 "$SR/nook.db" 'SELECT count(*) FROM net_addrs')" = 1 ]
	[ "$(sqlite3 "$SR/nook.db" 'SELECT count(*) FROM containers')" = 1 ]
	run nk network rm nook
	assert_failure
	assert_output --partial "default network"
}

@test "-P publishes the image's ExposedPorts on free host ports from 32768" {
	tar -C "$BATS_FILE_TMPDIR/rootfs" -cf "$BATS_TEST_TMPDIR/bb.tar" .
	IMG_USER=0:0 python3 "$BATS_TEST_DIRNAME/image_helpers.py" layout-patch "$BATS_TEST_TMPDIR/img" \
		config config.ExposedPorts '{"80/tcp": {}, "53/udp": {}}' "$BATS_TEST_TMPDIR/bb.tar"
	"$NOOK" --storage-root "$SR" load -q -i "$BATS_TEST_TMPDIR/img" >/dev/null
	nk run -d -P --name "a$P" --entrypoint /bin/sh bad/x:1 -c \
		'mkdir -p /tmp/www && echo exposed >/tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www'
	nk run -d -P --name "b$P" --entrypoint sleep bad/x:1 100
	run nk port "a$P"
	assert_line "80/tcp -> 0.0.0.0:32768"
	assert_line "53/udp -> 0.0.0.0:32768"
	run nk port "b$P"
	assert_line "80/tcp -> 0.0.0.0:32769"
	run retry http_get 127.0.0.1 32768 hn busybox
	assert_output --partial exposed
	nk rm -f "a$P" "b$P"
	"$NOOK" --storage-root "$SR" rmi bad/x:1 >/dev/null
}

@test "the OCI face joins a nook network by the namespace path of a container on it" {
	nk run -d --name "a$P" bb:1 sleep 100
	mkdir -p "$BATS_TEST_TMPDIR/b/rootfs"
	cp -a "$BATS_FILE_TMPDIR/rootfs/." "$BATS_TEST_TMPDIR/b/rootfs/"
	(cd "$BATS_TEST_TMPDIR/b" && "$NOOK" oci spec)
	jq --arg p "/proc/$(ctr_pid "a$P")/ns/net" '.process.terminal = false |
		.process.args = ["cat", "/sys/class/net/eth0/address"] |
		(.linux.namespaces[] | select(.type == "network")) .path = $p' \
		"$BATS_TEST_TMPDIR/b/config.json" >"$BATS_TEST_TMPDIR/c.json"
	mv "$BATS_TEST_TMPDIR/c.json" "$BATS_TEST_TMPDIR/b/config.json"
	run hn "$NOOK" oci --root "$ROOT/oci" run --bundle "$BATS_TEST_TMPDIR/b" "o$P"
	assert_success
	assert_output "$(in_ctr_net "a$P" ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)"
}

@test "inspect shows NetworkSettings as docker: address, prefix, gateway, MAC, ports, networks" {
	nk network create --subnet 10.76.0.0/24 "n$P"
	nk run -d --network "n$P" --name "a$P" --network-alias "al$P" -p 8080:80 -p 127.0.0.1:8081:81/udp bb:1 sleep 100
	nk run -d --network "n$P" --name "b$P" --mac-address 02:00:00:00:00:0b bb:1 sleep 100
	run nk inspect "a$P"
	assert_success
	local ns
	ns=$(echo "$output" | jq -c '.[0].NetworkSettings')
	[ "$(jq -r .IPAddress <<<"$ns")" = 10.76.0.2 ]
	[ "$(jq -r .IPPrefixLen <<<"$ns")" = 24 ]
	[ "$(jq -r .Gateway <<<"$ns")" = 10.76.0.1 ]
	[ "$(jq -r .MacAddress <<<"$ns")" = "$(in_ctr_net "a$P" ip -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" ]
	[ "$(jq -r .GlobalIPv6Address <<<"$ns")" = "" ]
	[ "$(jq -c '.Ports["80/tcp"]' <<<"$ns")" = '[{"HostIp":"","HostPort":"8080"}]' ]
	[ "$(jq -c '.Ports["81/udp"]' <<<"$ns")" = '[{"HostIp":"127.0.0.1","HostPort":"8081"}]' ]
	[ "$(jq -r ".Networks[\"n$P\"].IPAddress" <<<"$ns")" = 10.76.0.2 ]
	[ "$(jq -r ".Networks[\"n$P\"].Gateway" <<<"$ns")" = 10.76.0.1 ]
	[ "$(jq -r ".Networks[\"n$P\"].NetworkID" <<<"$ns")" = "n$P" ]
	[ "$(jq -c ".Networks[\"n$P\"].Aliases" <<<"$ns")" = "[\"al$P\"]" ]
	run nk inspect -f '{{.NetworkSettings.MacAddress}}' "b$P"
	assert_output 02:00:00:00:00:0b
	# No network: the fields are there, empty.
	nk run -d --network none --name "c$P" bb:1 sleep 100
	run nk inspect "c$P"
	[ "$(echo "$output" | jq -r '.[0].NetworkSettings.IPAddress')" = "" ]
	[ "$(echo "$output" | jq -c '.[0].NetworkSettings.Networks')" = "{}" ]
	nk rm -f "a$P" "b$P" "c$P"
	nk network rm "n$P"
}

@test "a port a host process already holds is refused with docker's message; one published is held against host processes" {
	# A server of the test host on 8080 (TCP) and 5353 (UDP).
	# (nsenter execs busybox: $! is the server's pid.)
	nsenter --net="/run/netns/$NS" busybox nc -l -p 8080 >/dev/null 2>&1 &
	local srv=$!
	local i
	for i in $(seq 50); do hn ss -ltn | grep -q ':8080 ' && break; sleep 0.1; done
	run nk run -d --name "a$P" -p 8080:80 bb:1 sleep 100
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "Bind for 0.0.0.0:8080 failed: port is already allocated"
	kill "$srv"
	wait "$srv" 2>/dev/null || true
	# Nothing of the failed run is published (the container stays
	# created, as docker's; rm releases its rows).
	run hn nft list map ip nook ports
	refute_output --partial 8080
	nk rm -f "a$P"
	[ "$(sqlite3 "$SR/nook.db" 'SELECT count(*) FROM net_ports')" = 0 ]
	# Published: a host process cannot bind the port while the container runs.
	nk run -d --name "b$P" -p 8080:80 -p 5353:53/udp bb:1 sleep 100
	run hn python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 8080))'
	assert_failure
	assert_output --partial "Address already in use"
	run hn python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5353))'
	assert_failure
	assert_output --partial "Address already in use"
	nk rm -f "b$P"
	# ... and can once it is gone.
	run hn python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 8080))'
	assert_success
}

# A container reaching a port published by another (or by itself) through
# the host's address on its bridge, the gateway: DNATed back onto the same
# bridge.  The reply would go straight over the bridge past the conntrack
# entry that undoes the DNAT; nook masquerades such traffic so it comes
# back through the gateway.  Without br_netfilter (bridge-nf-call-iptables
# 0, a host where nothing loaded it) nothing else saves it, for another
# container's port and for its own; with it, another container's works
# through bridged conntrack too, and a container's own does not yet (the
# DNAT then happens at the bridge: README).
@test "hairpin: a container reaches a published port through its gateway (its own without br_netfilter)" {
	web_server --name "srv$P" -p 8080:80 >/dev/null
	run retry http_get 10.88.0.1 8080 nk run --rm bb:1
	assert_output --partial "hello from"
	hn sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
	run retry http_get 10.88.0.1 8080 nk run --rm bb:1
	assert_output --partial "hello from"
	run retry http_get 10.88.0.1 8080 nk exec "srv$P"
	assert_output --partial "hello from"
}
