#!/usr/bin/env bats
# `exec`: a new process inside a running container.

load helpers

start_sleeper() {
	cfg '.hostname = "inside"'
	set_args sleep 60
	ID=$(cid)
	oci run -d --bundle "$BUNDLE" "$ID"
	wait_status "$ID" running
}

@test "exec: runs in the container's namespaces and root" {
	start_sleeper
	run oci exec "$ID" hostname
	assert_success
	assert_output inside
	run oci exec "$ID" cat /proc/1/cmdline
	assert_output --partial sleep
	run oci exec "$ID" sh -c 'ls /bin/busybox && test ! -e /work'
	assert_success
	# The same mount namespace as the init.
	local init; init=$(oci state "$ID" | jq -r .pid)
	run oci exec "$ID" readlink /proc/self/ns/mnt
	assert_output "$(readlink /proc/"$init"/ns/mnt)"
}

@test "exec: exit status, --env, --cwd and --user" {
	start_sleeper
	run oci exec "$ID" sh -c 'exit 9'
	assert_equal "$status" 9
	run oci exec --env FOO=bar "$ID" sh -c 'echo $FOO'
	assert_output bar
	run oci exec --cwd /tmp "$ID" pwd
	assert_output /tmp
	run oci exec --user 65534:65534 "$ID" sh -c 'id -u; id -g'
	assert_line --index 0 65534
	assert_line --index 1 65534
}

@test "exec: --process reads a process.json" {
	start_sleeper
	cat >"$BATS_TEST_TMPDIR/p.json" <<-'J'
	{"args": ["sh", "-c", "echo $A-$(pwd)"], "env": ["A=fromjson", "PATH=/bin"], "cwd": "/etc",
	 "user": {"uid": 0, "gid": 0}}
	J
	run oci exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	assert_success
	assert_output fromjson-/etc
}

@test "exec: -d with --pid-file returns at once; the process runs in the container" {
	start_sleeper
	run oci exec -d --pid-file "$BATS_TEST_TMPDIR/epid" "$ID" sh -c 'sleep 0.3; echo done >/tmp/exec-d'
	assert_success
	[ -s "$BATS_TEST_TMPDIR/epid" ]
	for i in $(seq 30); do [ -e "$BUNDLE/rootfs/tmp/exec-d" ] && break; sleep 0.1; done
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/exec-d")" done
}

@test "exec: a missing program is a clear error, the container keeps running" {
	start_sleeper
	run oci exec "$ID" /no/such/program
	assert_failure
	assert_output --partial "/no/such/program"
	assert_equal "$(oci state "$ID" | jq -r .status)" running
}

@test "exec: refused in a stopped container" {
	set_args true
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" stopped
	run oci exec "$id" true
	assert_failure
	assert_output --partial "stopped"
}

# The container's processes, as the kernel's cgroup lists them.
ctr_procs() {
	oci ps --format json "$ID" | jq length
}

@test "exec: a failed exec exits 255 and leaves no process in the container" {
	start_sleeper
	assert_equal "$(ctr_procs)" 1
	# The process is started, then the pid file cannot be written.
	run oci exec --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" "$ID" sleep 30
	assert_failure 255
	assert_output --partial "pid file"
	assert_equal "$(ctr_procs)" 1
	run oci exec -d --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" "$ID" sleep 31
	assert_failure 255
	assert_equal "$(ctr_procs)" 1
	assert_equal "$(oci state "$ID" | jq -r .status)" running
}

@test "exec: a failed switch back out of the container's pid namespace is an error, the process is killed" {
	start_sleeper
	NOOK_FAULT_FAIL=ns-pid-restore run oci exec -d "$ID" sleep 30
	assert_failure 255
	assert_output --partial "cannot switch back to nook's own pid namespace"
	assert_equal "$(ctr_procs)" 1
}

@test "exec --cap: bounding, effective and permitted only; never inheritable or ambient (CVE-2022-29162)" {
	start_sleeper
	# CAP_NET_RAW is 13: bit 0x2000.
	run oci exec --user 65534:65534 --cap CAP_NET_RAW "$ID" cat /proc/self/status
	assert_success
	assert_line --regexp '^CapInh:[[:space:]]+0+$'
	assert_line --regexp '^CapAmb:[[:space:]]+0+$'
	local bnd; bnd=$(echo "$output" | awk '/^CapBnd:/ {print $2}')
	[ $((0x$bnd & 0x2000)) != 0 ]
	# As root the capability is effective.
	run oci exec --cap CAP_NET_RAW "$ID" cat /proc/self/status
	local eff; eff=$(echo "$output" | awk '/^CapEff:/ {print $2}')
	[ $((0x$eff & 0x2000)) != 0 ]
	assert_line --regexp '^CapInh:[[:space:]]+0+$'
	assert_line --regexp '^CapAmb:[[:space:]]+0+$'
}
