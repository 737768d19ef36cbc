#!/usr/bin/env bats
# Rootless networking (pasta, slirp4netns), entirely inside a network and mount
# namespace this file makes: the host's network namespace is never
# touched and nothing leaves the machine (the only "external" interface is
# one end of a veth pair whose peer is in the same private namespace).
# This host's /dev/net/tun is root-only (0600): in the private mount
# namespace a 0666 node (Debian's default mode) is bound over it.
load rootless_common

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root (to create the test user)"
	command -v pasta >/dev/null || skip "needs pasta (passt)"
	command -v slirp4netns >/dev/null || skip "needs slirp4netns"
	export BASE_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
	make_rootfs "$BASE_ROOTFS"
	rootless_user_add A
	rootless_image A
	mknod -m 666 "$RL_DIR/tun" c 10 200
}

teardown_file() {
	rootless_teardown_file
}

# in_netns SCRIPT: SCRIPT in a private network + mount namespace with a
# default route over a veth pair and a usable tun device; $N is nook as
# the test user with a state root of its own (its own user namespace
# process, made inside these namespaces).
in_netns() {
	unshare -n -m sh -c "
		mount --make-rprivate / && mount --bind '$RL_DIR/tun' /dev/net/tun &&
		ip link set lo up && ip link add v0 type veth peer name v1 &&
		ip addr add 10.99.0.2/24 dev v0 && ip link set v0 up && ip link set v1 up &&
		ip route add default via 10.99.0.1 || exit 99
		N='runuser -u $A_NAME -- env -i PATH=/usr/bin:/bin HOME=$A_HOME XDG_DATA_HOME=$A_HOME/data NOOK_CGROUP_V1=off $NOOK --root $A_HOME/netroot-$BATS_TEST_NUMBER'
		$1"
}

# helpers_gone: no pasta or slirp4netns of the user left (exited ones may
# wait a moment for init to reap them), nor its private dir.
helpers_gone() {
	sleep 1
	! ps -u "$A_UID" -o stat=,comm= | grep -v "^Z" | grep -q -e passt -e pasta -e slirp4netns &&
		[ -z "$(find /tmp -maxdepth 1 -name 'nook-rlnet-*' -user "$A_NAME")" ]
}

# A server in the container: /tmp/w/i says $1; httpd on 80, another on 8081.
SERVE='sh -c "mkdir /tmp/w && echo \$0 >/tmp/w/i && httpd -p 8081 -h /tmp/w && httpd -f -p 80 -h /tmp/w"'

@test "rootless --network pasta: -p publishes a container port on the namespace's loopback, and only it" {
	run in_netns '
		$N run -d --name web --network pasta -p 18080:80 bb:1 '"$SERVE"' hello-pasta >/dev/null || exit 1
		for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://127.0.0.1:18080/i 2>/dev/null && break; sleep 0.5; done
		# pasta forwards every bound port by default ("auto", found by a
		# scan each second): 80 and 8081 must not appear.
		sleep 2
		wget -q -T 2 -O- http://127.0.0.1:8081/i || echo no-8081
		wget -q -T 2 -O- http://127.0.0.1:80/i || echo no-80
		pid=$($N inspect web | jq ".[0].State.Pid")
		nsenter -t $pid -n ip -4 -o addr show | grep -c "10.99.0.2/24"
		$N rm -f web >/dev/null'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello-pasta ]
	[ "${lines[1]}" = no-8081 ]
	[ "${lines[2]}" = no-80 ]
	[ "${lines[3]}" = 1 ]
	helpers_gone
}

@test "rootless --network pasta: its own -t option still publishes (pasta:-t,PORT:PORT)" {
	run in_netns '
		$N run -d --name web --network pasta:-t,18080:80 bb:1 '"$SERVE"' hello-t >/dev/null || exit 1
		sleep 1
		wget -q -O- http://127.0.0.1:18080/i
		$N rm -f web >/dev/null'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello-t ]
	helpers_gone
}

@test "rootless --network slirp4netns: -p publishes through its API socket; the helper goes with the container" {
	run in_netns '
		$N run -d --name web --network slirp4netns -p 127.0.0.1:18081:80 bb:1 '"$SERVE"' hello-slirp >/dev/null || exit 1
		sleep 1
		wget -q -O- http://127.0.0.1:18081/i
		wget -q -T 2 -O- http://127.0.0.1:8081/i || echo no-8081
		pid=$($N inspect web | jq ".[0].State.Pid")
		nsenter -t $pid -n ip -4 -o addr show tap0 | grep -o "10.0.2.100/24"
		$N rm -f web >/dev/null'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello-slirp ]
	[ "${lines[1]}" = no-8081 ]
	[ "${lines[2]}" = 10.0.2.100/24 ]
	helpers_gone
}

# host_loopback NETWORK ADDRESS...: a server on the namespace's 127.0.0.1,
# then, for each ADDRESS, what a container on NETWORK gets from
# ADDRESS:19090 ("refused" when nothing).  In the container busybox nc,
# not wget, which crashes in the bare rootfs (an exit a "refused" must not
# be mistaken for).
host_loopback() {
	local net=$1
	shift
	run in_netns '
		mkdir -p /tmp/nkl-$$ && echo on-host >/tmp/nkl-$$/h
		busybox httpd -f -p 127.0.0.1:19090 -h /tmp/nkl-$$ </dev/null >/dev/null 2>&1 3>&- &
		h=$!
		sleep 0.3
		wget -q -O- http://127.0.0.1:19090/h
		for a in '"$*"'; do
			$N run --rm --network '"$net"' bb:1 sh -c "printf \"GET /h HTTP/1.0\r\n\r\n\" | timeout 5 nc -w 2 $a 19090 2>/dev/null | tail -n 1 | grep . || echo refused" 2>&1 | grep -vx Terminated
		done
		kill $h
		rm -rf /tmp/nkl-$$'
	echo "$output"
	[ "${lines[0]}" = on-host ]
}

@test "rootless --network pasta: the host's loopback is not reachable from the container" {
	# The gateway address, and the container's own loopback (where
	# pasta's -T auto would forward the host's bound ports).
	host_loopback pasta 10.99.0.1 127.0.0.1
	[ "${lines[1]}" = refused ]
	[ "${lines[2]}" = refused ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "rootless --network pasta:host-loopback: the host's loopback is reachable through the gateway" {
	host_loopback pasta:host-loopback 10.99.0.1
	[ "${lines[1]}" = on-host ]
}

@test "rootless --network slirp4netns: the host's loopback is reachable only with allow_host_loopback=true" {
	host_loopback slirp4netns 10.0.2.2 127.0.0.1
	[ "${lines[1]}" = refused ]
	[ "${lines[2]}" = refused ]
	host_loopback slirp4netns:allow_host_loopback=true 10.0.2.2
	[ "${lines[1]}" = on-host ]
}

@test "rootless --network: unknown value refused in one line" {
	run as A "$NOOK" run --rm --network bogus bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"network 'bogus' is not supported rootless: none, host, pasta[:OPTIONS] or slirp4netns[:OPTIONS]"* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "rootless --network: a bad -p or slirp4netns option is refused in one line, nothing made" {
	run as A "$NOOK" run --rm --network pasta -p 80:x bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"invalid port specification '80:x'"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run as A "$NOOK" run --rm --network slirp4netns:mtu=9,x bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"slirp4netns option mtu: want 68..65521, not '9'"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run as A "$NOOK" run --rm --network slirp4netns:bogus bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unknown slirp4netns option 'bogus'"* ]]
	run as A "$NOOK" run --rm --network pasta -P bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"-P, --ip, --ip6, --mac-address and --network-alias need a bridge network, not 'pasta'"* ]]
	run as A "$NOOK" ps -a -q
	[ -z "$output" ]
}
