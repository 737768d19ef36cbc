#!/usr/bin/env bats
# Rootless networking (pasta), entirely inside a network and mount
# namespace this file makes: the host's network namespace is never
# touched and nothing leaves the machine (the only "external" interface is
# one end of a veth pair whose peer is in the same private namespace).
# This host's /dev/net/tun is root-only (0600): in the private mount
# namespace a 0666 node (Debian's default mode) is bound over it.
load rootless_common

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root (to create the test user)"
	command -v pasta >/dev/null || skip "needs pasta (passt)"
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

@test "rootless --network pasta: -t publishes a container port on the namespace's loopback" {
	run in_netns '
		$N run -d --name web --network pasta:-t,18080:80 bb:1 sh -c "echo hello-pasta >/tmp/i; httpd -f -p 80 -h /tmp" >/dev/null || exit 1
		sleep 1
		wget -q -O- http://127.0.0.1:18080/i
		pid=$($N inspect web | jq ".[0].State.Pid")
		nsenter -t $pid -n ip -4 -o addr show | grep -c "10.99.0.2/24"
		$N rm -f web >/dev/null
		sleep 1
		# (exited ones may wait a moment for init to reap them)
		ps -u '"$A_UID"' -o stat=,comm= | grep -v "^Z" | grep -q -e passt -e pasta || echo pasta-gone'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello-pasta ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = pasta-gone ]
	[ -z "$(ls -d /tmp/nook-pasta-* 2>/dev/null | xargs -r stat -c %U 2>/dev/null | grep -x "$A_NAME")" ]
}

@test "rootless --network pasta: the host's loopback is not reachable from the container" {
	run in_netns '
		mkdir -p /tmp/nkl-$$ && echo on-host >/tmp/nkl-$$/h
		busybox httpd -f -p 127.0.0.1:19090 -h /tmp/nkl-$$ </dev/null >/dev/null 2>&1 3>&- &
		h=$!
		sleep 0.3
		wget -q -O- http://127.0.0.1:19090/h
		$N run --rm --network pasta bb:1 wget -q -T 2 -O- http://10.99.0.1:19090/h || echo refused
		kill $h
		rm -rf /tmp/nkl-$$'
	echo "$output"
	[ "${lines[0]}" = on-host ]
	[[ "${lines[*]}" == *refused* ]]
	[[ "${lines[*]}" != *"on-host"*"on-host"* ]]
}

@test "rootless --network: unknown value refused in one line" {
	run as A "$NOOK" run --rm --network bogus bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"network 'bogus' is not supported rootless: none, host or pasta"* ]]
	[ "${#lines[@]}" -eq 1 ]
}
