#!/usr/bin/env bats
# Crash safety of container networking: create, start (in the monitor),
# rm and network create/rm killed with SIGKILL at each named step
# (NOOK_FAULT), and the monitor and container killed with -9 while
# running; then `rm -f` (or `network rm` again) finishes the job and
# nothing is left: no veth, published port, address or port row.  Every
# nook runs inside the test's own network namespace (net_helpers.bash).
load ../integration/net_helpers
bats_require_minimum_version 1.5.0

setup_file() { net_setup_file; }
teardown_file() { net_teardown_file; }
setup() { net_setup; }
teardown() { net_teardown; }

# nook in the test's namespace with NOOK_FAULT=$1.
nk_fault() {
	local step=$1
	shift
	nsenter --net="/run/netns/$NS" env NOOK_FAULT="$step" "$NOOK" --storage-root "$SR" \
		--root "$ROOT" "$@"
}

killed_then_clean() {
	run nk rm -f "$P"
	assert_success
	engine_assert_clean
	net_assert_clean
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

@test "create on a bridge network killed at each step: rm -f leaves nothing behind" {
	for step in engine-recorded net-allocated engine-bundled; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		run -137 nk_fault "$step" create --name "$P" -p 8080:80 bb:1 true
		killed_then_clean
	done
}

@test "the monitor killed after the veth is made: run fails, rm -f leaves nothing behind" {
	run nk_fault net-veth run -d --name "$P" -p 8080:80 bb:1 sleep 1000
	assert_failure
	killed_then_clean
}

@test "rm killed at each step: rm -f again leaves nothing behind" {
	for step in engine-rm-killed net-rm-unpublished engine-rm-state engine-rm-bundle; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		nk run -d --name "$P" -p 8080:80 -p 5353:53/udp bb:1 sleep 1000 >/dev/null
		[ -n "$(hn ip -o link show | grep ': nk')" ]
		run -137 nk_fault "$step" rm -f "$P"
		killed_then_clean
	done
}

@test "monitor and container killed with -9 while published: rm -f unpublishes and releases" {
	nk run -d --name "$P" -p 8080:80 bb:1 sleep 1000 >/dev/null
	run hn nft list map ip nook ports
	assert_output --partial "tcp . 8080"
	kill -9 "$(nk inspect "$P" | jq -r '.[0].State.Pid')"
	for m in $(monitors); do kill -9 "$m"; done
	killed_then_clean
}

@test "network create and rm killed between record and bridge: rm again finishes" {
	run -137 nk_fault network-recorded network create --subnet 10.90.0.0/24 "n$P"
	run nk network rm "n$P"
	assert_success
	nk network create --subnet 10.90.0.0/24 "n$P"
	br=$(nk network inspect "n$P" | jq -r '.[0].Bridge')
	hn ip link show "$br"
	run -137 nk_fault network-rm-bridge network rm "n$P"
	run hn ip link show "$br"
	assert_failure
	run nk network rm "n$P"
	assert_success
	run nk network ls
	refute_output --partial "n$P"
}

# Only the primary veth of the one container left, and no row of network b.
connection_gone() {
	[ "$(hn ip -o link show | grep -c ': nk')" = 1 ]
	[ "$(sqlite3 "$SR/nook.db" "SELECT count(*) FROM net_addrs WHERE network = '$NET'")" = 0 ]
	[ -z "$(ls "$SR"/engine/*.netc-* 2>/dev/null)" ]
	run in_ctr_net "$P" ip -o link show
	refute_output --partial eth1
}

@test "network connect killed at each step: disconnect finishes it, rm -f leaves nothing behind" {
	NET="b$P"
	nk network create --subnet 10.90.1.0/24 "$NET"
	for step in net-connect-recorded net-connect-planned net-connect-veth; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
		run -137 nk_fault "$step" network connect "$NET" "$P"
		run nk network disconnect "$NET" "$P"
		assert_success
		connection_gone
		# Connected again it works, and rm -f takes it all.
		run nk_fault "$step-no" network connect "$NET" "$P"
		assert_success
		run in_ctr_net "$P" ip -o -4 addr show dev eth1
		assert_output --partial "10.90.1."
		nk network disconnect "$NET" "$P"
		run -137 nk_fault "$step" network connect "$NET" "$P"
		killed_then_clean
	done
	nk network rm "$NET"
}

@test "network disconnect killed at each step: disconnect again finishes it" {
	NET="b$P"
	nk network create --subnet 10.90.2.0/24 "$NET"
	for step in net-disconnect-veth net-disconnect-unplanned; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
		nk network connect "$NET" "$P"
		run -137 nk_fault "$step" network disconnect "$NET" "$P"
		run nk network disconnect "$NET" "$P"
		assert_success
		connection_gone
		killed_then_clean
	done
	nk network rm "$NET"
}

@test "create with --ip6 killed at each step: rm -f leaves no v6 row, and the address is free again" {
	nk network create --subnet 10.101.0.0/24 --subnet fd00:101::/64 "n$$"
	for step in engine-recorded net-allocated engine-bundled; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		run -137 nk_fault "$step" create --name "$P" --network "n$$" --ip6 fd00:101::77 bb:1 true
		killed_then_clean
	done
	P="e$$-${BATS_TEST_NUMBER}-after"
	nk create --name "$P" --network "n$$" --ip6 fd00:101::77 bb:1 true >/dev/null
	[ "$(sqlite3 "$SR/nook.db" 'SELECT ip6 FROM net_addrs6')" = fd00:101::77 ]
	killed_then_clean
	nk network rm "n$$"
}

@test "the monitor relaying ::1 killed with -9: rm -f releases, the port is published again at once" {
	nk network create --subnet 10.102.0.0/24 --subnet fd00:102::/64 "n$$"
	nk run -d --name "$P" --network "n$$" -p 8080:80 bb:1 sh -c \
		'mkdir -p /tmp/w && echo hi >/tmp/w/index.html && exec httpd -f -p 80 -h /tmp/w' >/dev/null
	local i
	for i in $(seq 50); do
		hn busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ::1 8080" | grep -q hi && break
		sleep 0.1
	done
	for m in $(monitors); do kill -9 "$m"; done
	killed_then_clean
	nk run -d --name "$P" --network "n$$" -p 8080:80 bb:1 sleep 1000 >/dev/null
	killed_then_clean
	nk network rm "n$$"
}
