#!/usr/bin/env bats
# nook's cgroup v2 limits, enforced by a real kernel.  Runs in the VM tier's
# guest (`make check-vm`), where every controller is available.  Each test
# checks what the kernel shows -- the group's interface files,
# memory.events, cpu.stat, io.stat, /proc -- not nook's own bookkeeping.
#
# Every process costs 50-150 ms under TCG: one jq per bundle, no
# per-applet `ln`, and polling with bash builtins where possible.

load ../integration/helpers
load helpers

setup_file() { vm_bundle_setup_file; }

setup() {
	require_vm
	ROOT=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	ID=nkvm-$BATS_TEST_NUMBER
	# nook's default group for a container without linux.cgroupsPath.
	CGDIR=$CG_ROOT/nook/$ID
	T=nookvm-$BATS_TEST_NUMBER
	mkdir -p "$BUNDLE"
	cp -a "$BASE_ROOTFS" "$BUNDLE/rootfs"
}

teardown() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	local id
	for id in $("$NOOK" oci --root "$ROOT" list -q 2>/dev/null); do
		"$NOOK" oci --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm_cg "$T"
	[ -z "${LOOP:-}" ] || losetup -d "$LOOP"
}

# Value of KEY in the flat-keyed FILE of the container's group.
key() { cg_key "nook/$ID" "$1" "$2"; }

@test "memory.limit: an allocation beyond it is OOM-killed and run exits 137" {
	# Below a group of the test's own, so the kernel's count outlives
	# the container's group (memory.events is hierarchical).
	ctr --arg p "/$T/ctr" '.linux.cgroupsPath = $p |
		.linux.resources.memory = {limit: 33554432, swap: 33554432}' \
		-- dd if=/dev/zero of=/dev/null bs=100M count=1
	run oci run --bundle "$BUNDLE" "$ID"
	assert_equal "$status" 137
	assert_output ''
	[ "$(cg_key "$T" memory.events oom_kill)" -gt 0 ]
	# run removed the container's group, and nothing else.
	[ ! -e "$CG_ROOT/$T/ctr" ]
	[ -d "$CG_ROOT/$T" ]
}

@test "memory.limit: a detached container's OOM kill is in its memory.events; delete removes the group" {
	ctr '.linux.resources.memory = {limit: 33554432, swap: 33554432}' \
		-- dd if=/dev/zero of=/dev/null bs=100M count=1
	oci run -d --bundle "$BUNDLE" "$ID"
	wait_status "$ID" stopped
	assert_equal "$(<"$CGDIR/memory.max")" 33554432
	[ "$(key memory.events oom_kill)" -gt 0 ]
	run oci state "$ID"
	assert_equal "$(jq -r '.status + " " + .annotations["io.github.nook.oom-killed"]' <<<"$output")" \
		"stopped true"
	oci delete "$ID"
	[ ! -e "$CGDIR" ]
}

@test "events: an oom event for each OOM kill, as it happens" {
	ctr '.linux.resources.memory = {limit: 33554432, swap: 33554432}' -- sh -c '
		until [ -e /tmp/go ]; do sleep 0.1; done
		dd if=/dev/zero of=/dev/null bs=100M count=1; exec sleep 600'
	oci run -d --bundle "$BUNDLE" "$ID"
	local out=$BATS_TEST_TMPDIR/events
	"$NOOK" oci --root "$ROOT" events --interval 200ms "$ID" >"$out" 2>&1 &
	# A stats line says the watch is in place; then set off the kill.
	until_true eval '[[ $(<"$out") == *'"'"'"type":"stats"'"'"'* ]]'
	: >"$BUNDLE/rootfs/tmp/go"
	until_true eval '[[ $(<"$out") == *'"'"'{"type":"oom","id":"'"'"'$ID'"'"'"}'"'"'* ]]'
	# The init survived its child's kill: not stopped, no annotation.
	run oci state "$ID"
	assert_equal "$(jq -r '.status + " " + (.annotations // {} | has("io.github.nook.oom-killed") | tostring)' <<<"$output")" "running false"
	oci kill "$ID" KILL
	wait
	run jq -r .type "$out"
	assert_success
	assert_line oom
	[ "$(grep -c oom "$out")" = 1 ]
}

@test "pids.limit stops a fork loop; the container can still be killed and deleted" {
	# The loop runs in a subshell: ash exits when a fork fails, and the
	# container's init must outlive it.
	ctr '.linux.resources.pids = {limit: 10}' -- sh -c \
		'(i=0; while [ $i -lt 30 ]; do sleep 600 & i=$((i + 1)); done) & exec sleep 600'
	oci run -d --bundle "$BUNDLE" "$ID"
	until_true eval '[ "$(key pids.events max)" -gt 0 ]'
	assert_equal "$(<"$CGDIR/pids.max")" 10
	[ "$(<"$CGDIR/pids.current")" -le 10 ]
	# At the limit exec fails, saying why.
	run oci exec "$ID" true
	[ "$status" = 0 ] || assert_output --partial "Resource temporarily unavailable"
	oci kill "$ID" KILL
	oci delete --force "$ID"
	[ ! -e "$CGDIR" ]
	run oci state "$ID"
	assert_failure
}

@test "cpu quota 10000/100000: cpu.max is set and nr_throttled grows under a busy loop" {
	ctr '.linux.resources.cpu = {quota: 10000, period: 100000}' -- sh -c 'while :; do :; done'
	oci run -d --bundle "$BUNDLE" "$ID"
	assert_equal "$(<"$CGDIR/cpu.max")" "10000 100000"
	until_true eval '[ "$(key cpu.stat nr_throttled)" -gt 0 ]'
	local n1
	n1=$(key cpu.stat nr_throttled)
	until_true eval '[ "$(key cpu.stat nr_throttled)" -gt "$n1" ]'
}

@test "blockIO: io.max and the BFQ weight are set on the device named, and its reads are counted there" {
	modprobe loop && modprobe bfq || skip "no loop or bfq module"
	truncate -s 8M "$BATS_TEST_TMPDIR/disk"
	LOOP=$(losetup -f --show "$BATS_TEST_TMPDIR/disk") || skip "no free loop device"
	local dev maj min
	dev=$(<"/sys/block/${LOOP#/dev/}/dev")
	maj=${dev%:*} min=${dev#*:}
	# Per-device weights are BFQ's (io.weight takes them only with iocost).
	echo bfq >"/sys/block/${LOOP#/dev/}/queue/scheduler"
	ctr --argjson maj "$maj" --argjson min "$min" '
		.linux.devices += [{path: "/dev/disk0", type: "b", major: $maj, minor: $min}] |
		.linux.resources.blockIO = {weight: 300,
			weightDevice: [{major: $maj, minor: $min, weight: 500}],
			throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 4194304}],
			throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 100}]}' \
		-- sh -c 'dd if=/dev/disk0 of=/dev/null bs=64k count=16 2>/dev/null; exec sleep 600'
	oci run -d --bundle "$BUNDLE" "$ID"
	run cat "$CGDIR/io.bfq.weight"
	assert_line "default 300"
	assert_line "$dev 500"
	assert_equal "$(<"$CGDIR/io.max")" "$dev rbps=4194304 wbps=max riops=max wiops=100"
	until_true eval '[[ $(<"$CGDIR/io.stat") == *"$dev rbytes="[1-9]* ]]'
}

@test "device filter: an allowed device opens, a denied one fails with EPERM" {
	ctr '.process.capabilities.bounding += ["CAP_MKNOD"] |
		.process.capabilities.effective += ["CAP_MKNOD"] |
		.process.capabilities.permitted += ["CAP_MKNOD"]' -- sh -c '
		mknod /dev/null2 c 1 3 && echo hi >/dev/null2 && echo null-ok
		mknod /dev/kmsg2 c 1 11 && cat /dev/kmsg2
		mknod /dev/made-up c 10 200 && cat /dev/made-up
		exit 0'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line null-ok
	assert_line "cat: can't open '/dev/kmsg2': Operation not permitted"
	assert_line "cat: can't open '/dev/made-up': Operation not permitted"
}

@test "device filter: linux.resources.devices allows a device the default list does not" {
	ctr '.process.capabilities.bounding += ["CAP_MKNOD"] |
		.process.capabilities.effective += ["CAP_MKNOD"] |
		.process.capabilities.permitted += ["CAP_MKNOD"] |
		.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 200, access: "rw"}]' \
		-- sh -c 'mknod /dev/made-up c 10 200 && cat /dev/made-up; exit 0'
	run oci run --bundle "$BUNDLE" "$ID"
	# Past the filter, the kernel finds no such device.
	assert_output --regexp "can't open '/dev/made-up': No such (device|device or address)$"
}

@test "pause freezes every process of the container and resume thaws them" {
	ctr -- sh -c '(while :; do echo $((i += 1)) >/tmp/a; sleep 0.1; done) &
		while :; do echo $((j += 1)) >/tmp/b; sleep 0.1; done'
	oci run -d --bundle "$BUNDLE" "$ID"
	local r=$BUNDLE/rootfs/tmp a b
	until_true eval '[ -s "$r/a" ] && [ -s "$r/b" ]'
	oci pause "$ID"
	[[ $(<"$CGDIR/cgroup.events") == *"frozen 1"* ]]
	a=$(<"$r/a") b=$(<"$r/b")
	sleep 0.5
	assert_equal "$(<"$r/a") $(<"$r/b")" "$a $b"
	oci resume "$ID"
	[[ $(<"$CGDIR/cgroup.events") == *"frozen 0"* ]]
	until_true eval '[ "$(<"$r/a")" -gt "$a" ] 2>/dev/null && [ "$(<"$r/b")" -gt "$b" ] 2>/dev/null'
}

@test "update changes memory.max, pids.max and cpu.max of a running container" {
	ctr -- sleep 600
	oci run -d --bundle "$BUNDLE" "$ID"
	# Without limits the usage controllers are enabled all the same, so
	# events --stats has figures to show.
	assert_equal "$(<"$CGDIR/pids.max")" max
	run oci events --stats "$ID"
	assert_equal "$(jq -c '[.data.memory.usage.usage > 0, .data.pids.current]' <<<"$output")" '[true,1]'
	oci update --memory 64m --pids-limit 20 --cpu-quota 20000 --cpu-period 100000 "$ID"
	assert_equal "$(<"$CGDIR/memory.max")" 67108864
	assert_equal "$(<"$CGDIR/pids.max")" 20
	assert_equal "$(<"$CGDIR/cpu.max")" "20000 100000"
	oci update --memory 32m "$ID"
	assert_equal "$(<"$CGDIR/memory.max")" 33554432
	assert_equal "$(<"$CGDIR/pids.max")" 20
}

@test "no-limit values write max where the controllers exist; update -1 lifts a limit" {
	ctr '.linux.resources = {pids: {limit: -1}, cpu: {quota: -1}, memory: {limit: -1}}' -- sleep 600
	oci run -d --bundle "$BUNDLE" "$ID"
	assert_equal "$(<"$CGDIR/pids.max")" max
	assert_equal "$(<"$CGDIR/cpu.max")" "max 100000"
	assert_equal "$(<"$CGDIR/memory.max")" max
	oci update --pids-limit 20 --cpu-quota 20000 "$ID"
	assert_equal "$(<"$CGDIR/pids.max")" 20
	assert_equal "$(<"$CGDIR/cpu.max")" "20000 100000"
	oci update --pids-limit -1 --cpu-quota -1 "$ID"
	assert_equal "$(<"$CGDIR/pids.max")" max
	assert_equal "$(<"$CGDIR/cpu.max")" "max 100000"
}

@test "kill -9 of a foreground run leaves the container; delete --force removes it and its group" {
	ctr -- sleep 600
	"$NOOK" oci --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	local npid=$!
	wait_status "$ID" running
	kill -9 "$npid"
	wait "$npid" || true
	[ -d "$CGDIR" ]
	oci delete --force "$ID"
	[ ! -e "$CGDIR" ]
	[ ! -e "$ROOT/$ID" ]
}

@test "cgroup namespace: the container's cgroup2 mount shows only its own group" {
	ctr -- sh -c 'cat /proc/self/cgroup; echo procs $(cat /sys/fs/cgroup/cgroup.procs);
		ls /sys/fs/cgroup | grep -c "^nook$"'
	run oci run --bundle "$BUNDLE" "$ID"
	# grep -c prints 0 and fails: no "nook" group in the container's view.
	assert_equal "$status" 1
	assert_line "0::/"
	# Only the container's processes, with its own pids: sh (1) and the
	# command substitution (which execs cat).
	assert_line --regexp '^procs 1 [0-9]$'
	assert_line 0
}

@test "the tests before this one left no cgroup behind" {
	run compgen -G "$CG_ROOT/nook/nkvm-*"
	assert_failure
	run compgen -G "$CG_ROOT/nookvm-*"
	assert_failure
}
