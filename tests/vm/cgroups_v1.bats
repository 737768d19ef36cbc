#!/usr/bin/env bats
# nook's cgroup v1 backend, enforced by a real kernel.  Runs in the VM
# tier's hybrid guest (VM_CGROUP=hybrid: v1 controllers, an empty cgroup2 at
# /sys/fs/cgroup/unified, like this project's build host) and its pure v1
# guest (VM_CGROUP=v1); `make check-vm` runs it in both.  Each test checks
# what the kernel shows: the v1 groups' files, the OOM killer, fork
# failures, throttling, the freezer.

load ../integration/helpers
load helpers

setup_file() {
	# The pure v2 guest runs tests/vm/ as a whole: nothing to build here.
	case ${NOOK_VM_CGROUP:-v2} in hybrid | v1) vm_bundle_setup_file ;; esac
}

setup() {
	require_vm
	case ${NOOK_VM_CGROUP:-v2} in
	hybrid) V2=/sys/fs/cgroup/unified ;;
	v1) V2= ;;
	*) skip "needs a guest with cgroup v1 (VM_CGROUP=hybrid or v1)" ;;
	esac
	ROOT=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	ID=nkvm1-$BATS_TEST_NUMBER
	G=/nook/$ID
	mkdir -p "$BUNDLE"
	cp -a "$BASE_ROOTFS" "$BUNDLE/rootfs"
}

teardown() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	local id
	for id in $("$NOOK" oci --root "$ROOT" list -q 2>/dev/null); do
		"$NOOK" oci --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
}

# The container's group in the v1 hierarchy of controller $1.
v1() { echo "/sys/fs/cgroup/$1$G"; }
# Value of KEY ($2) in the flat-keyed v1 FILE $1 (path from v1()).
v1_key() {
	local k v
	while read -r k v; do
		[ "$k" = "$2" ] && { echo "$v"; return 0; }
	done <"$1"
	echo 0
}
in_procs() { grep -qx "$2" "$1/cgroup.procs"; }
init_pid() { oci state "$ID" | jq -r .pid; }

@test "limits land in the v1 hierarchies with runc's conversions, and the init joins them before it runs" {
	ctr '.linux.resources = {
		memory: {limit: 67108864, swap: 100663296, swappiness: 30},
		pids: {limit: 50},
		cpu: {shares: 512, quota: 20000, period: 100000, cpus: "0"},
		network: {classID: 1048577}}' -- sleep 600
	oci run -d --bundle "$BUNDLE" "$ID"
	local pid c
	pid=$(init_pid)
	assert_equal "$(<"$(v1 memory)/memory.limit_in_bytes")" 67108864
	if [ -e "$(v1 memory)/memory.memsw.limit_in_bytes" ]; then
		assert_equal "$(<"$(v1 memory)/memory.memsw.limit_in_bytes")" 100663296
	fi
	assert_equal "$(<"$(v1 memory)/memory.swappiness")" 30
	assert_equal "$(<"$(v1 pids)/pids.max")" 50
	assert_equal "$(<"$(v1 cpu)/cpu.shares")" 512
	assert_equal "$(<"$(v1 cpu)/cpu.cfs_quota_us") $(<"$(v1 cpu)/cpu.cfs_period_us")" "20000 100000"
	assert_equal "$(<"$(v1 net_cls)/net_cls.classid")" 1048577
	assert_equal "$(<"$(v1 cpuset)/cpuset.cpus")" 0
	for c in memory pids cpu net_cls; do
		in_procs "$(v1 $c)" "$pid"
	done
	if [ -n "$V2" ]; then
		# Hybrid: born in its v2 group; in the v1 usage controllers
		# (blkio) for the figures, not in freezer or devices (v2's).
		in_procs "$V2$G" "$pid"
		in_procs "$(v1 blkio)" "$pid"
		[ ! -e "$(v1 freezer)" ]
		[ ! -e "$(v1 devices)" ]
	else
		# Pure v1: in every hierarchy, as with runc.
		in_procs "$(v1 blkio)" "$pid"
		in_procs "$(v1 freezer)" "$pid"
		in_procs "$(v1 devices)" "$pid"
	fi
	# An exec'd process joins them too: inside the cgroup namespace its
	# memory group is the namespace's root, "/".
	run oci exec "$ID" cat /proc/self/cgroup
	assert_success
	assert_line --regexp '^[0-9]+:memory:/$'
	assert_line --regexp '^[0-9]+:pids:/$'
	oci delete --force "$ID"
	for c in memory pids cpu net_cls blkio freezer devices; do
		[ ! -e "$(v1 $c)" ]
	done
	[ -z "$V2" ] || [ ! -e "$V2$G" ]
}

@test "memory.limit: an allocation beyond it is OOM-killed (exit 137), state reports it, delete removes the groups" {
	ctr '.linux.resources.memory = {limit: 33554432, swap: 33554432}' \
		-- dd if=/dev/zero of=/dev/null bs=100M count=1
	run oci run --bundle "$BUNDLE" "$ID"
	assert_equal "$status" 137
	[ ! -e "$(v1 memory)" ]
	oci run -d --bundle "$BUNDLE" "$ID"
	wait_status "$ID" stopped
	[ "$(v1_key "$(v1 memory)/memory.oom_control" oom_kill)" -gt 0 ]
	run oci state "$ID"
	assert_equal "$(jq -r '.status + " " + .annotations["io.github.nook.oom-killed"]' <<<"$output")" \
		"stopped true"
	oci delete "$ID"
	[ ! -e "$(v1 memory)" ]
}

@test "pids.limit stops a fork loop in the v1 pids group" {
	ctr '.linux.resources.pids = {limit: 10}' -- sh -c \
		'(i=0; while [ $i -lt 30 ]; do sleep 600 & i=$((i + 1)); done) & exec sleep 600'
	oci run -d --bundle "$BUNDLE" "$ID"
	until_true eval '[ "$(v1_key "$(v1 pids)/pids.events" max)" -gt 0 ]'
	[ "$(<"$(v1 pids)/pids.current")" -le 10 ]
	run oci events --stats "$ID"
	[ "$(jq .data.pids.current <<<"$output")" -le 10 ]
	oci delete --force "$ID"
	[ ! -e "$(v1 pids)" ]
}

@test "cpu quota: the v1 cpu group throttles a busy loop, and events --stats shows it" {
	ctr '.linux.resources.cpu = {quota: 10000, period: 100000}' -- sh -c 'while :; do :; done'
	oci run -d --bundle "$BUNDLE" "$ID"
	until_true eval '[ "$(v1_key "$(v1 cpu)/cpu.stat" nr_throttled)" -gt 0 ]'
	run oci events --stats "$ID"
	[ "$(jq .data.cpu.throttling.throttledPeriods <<<"$output")" -gt 0 ]
}

@test "pause and resume freeze and thaw (v2 cgroup.freeze on hybrid, the v1 freezer on v1)" {
	ctr '.linux.resources.pids = {limit: 100}' -- sh -c \
		'while :; do echo $((j += 1)) >/tmp/b; sleep 0.1; done'
	oci run -d --bundle "$BUNDLE" "$ID"
	local r=$BUNDLE/rootfs/tmp b
	until_true eval '[ -s "$r/b" ]'
	oci pause "$ID"
	if [ -n "$V2" ]; then
		[[ $(<"$V2$G/cgroup.events") == *"frozen 1"* ]]
	else
		assert_equal "$(<"$(v1 freezer)/freezer.state")" FROZEN
	fi
	assert_equal "$(oci state "$ID" | jq -r .status)" paused
	b=$(<"$r/b")
	sleep 0.5
	assert_equal "$(<"$r/b")" "$b"
	oci resume "$ID"
	assert_equal "$(oci state "$ID" | jq -r .status)" running
	until_true eval '[ "$(<"$r/b")" -gt "$b" ] 2>/dev/null'
	# A paused container is killed and removed all the same.
	oci pause "$ID"
	oci delete --force "$ID"
	[ ! -e "$(v1 pids)" ]
}

@test "update writes the v1 files, and on hybrid joins a v1 group the container lacked" {
	ctr -- sleep 600
	oci run -d --bundle "$BUNDLE" "$ID"
	local pid memsw=$(v1 memory)/memory.memsw.limit_in_bytes
	pid=$(init_pid)
	# Hybrid: no v1 group yet; the first v1 limit makes them and moves
	# the container's processes in.
	oci update --memory 67108864 --memory-swap 67108864 "$ID"
	in_procs "$(v1 memory)" "$pid"
	in_procs "$(v1 cpu)" "$pid"
	oci update --memory 33554432 "$ID"
	assert_equal "$(<"$(v1 memory)/memory.limit_in_bytes")" 33554432
	# Raising both past the old memsw: the kernel wants memsw first.
	oci update --memory 134217728 --memory-swap 268435456 --pids-limit 20 "$ID"
	assert_equal "$(<"$(v1 memory)/memory.limit_in_bytes")" 134217728
	[ ! -e "$memsw" ] || assert_equal "$(<"$memsw")" 268435456
	assert_equal "$(<"$(v1 pids)/pids.max")" 20
	in_procs "$(v1 pids)" "$pid"
	run oci events --stats "$ID"
	# The figures are the container's v1 groups' (pages charged before
	# the move stay with the old group: v1 does not move charges).
	assert_equal "$(jq -c '[.data.memory.usage.limit, .data.pids.current, .data.pids.limit]' <<<"$output")" '[134217728,1,20]'
	oci delete --force "$ID"
	[ ! -e "$(v1 pids)" ]
	[ ! -e "$(v1 memory)" ]
}

@test "without limits: hybrid makes no v1 group, pure v1 joins every hierarchy; the device filter holds" {
	ctr '.process.capabilities.bounding += ["CAP_MKNOD"] |
		.process.capabilities.effective += ["CAP_MKNOD"] |
		.process.capabilities.permitted += ["CAP_MKNOD"]' -- sh -c '
		{ mknod /dev/null2 c 1 3 && echo hi >/dev/null2 && echo null-ok
		mknod /dev/kmsg2 c 1 11 && cat /dev/kmsg2; } >/tmp/out 2>&1
		exec sleep 600'
	oci run -d --bundle "$BUNDLE" "$ID"
	# Every v1 hierarchy ("unified" is the v2 one).
	run compgen -G "/sys/fs/cgroup/[!u]*/nook/$ID"
	if [ -n "$V2" ]; then
		assert_failure
		in_procs "$V2$G" "$(init_pid)"
	else
		assert_success
		run cat "$(v1 devices)/devices.list"
		assert_line "c 1:3 rwm"
		refute_line "a *:* rwm"
	fi
	until_true eval '[[ $(<"$BUNDLE/rootfs/tmp/out") == *kmsg2* ]]'
	run cat "$BUNDLE/rootfs/tmp/out"
	assert_line null-ok
	assert_line "cat: can't open '/dev/kmsg2': Operation not permitted"
	run oci ps --format json "$ID"
	assert_equal "$(jq length <<<"$output")" 1
	oci kill "$ID" KILL
	wait_status "$ID" stopped
	oci delete "$ID"
	run compgen -G "/sys/fs/cgroup/*/nook/$ID"
	assert_failure
}

# What a "cgroup" mount shows inside the container ($1: "ns" with a
# cgroup namespace, "" without): runc's layout for v1, a tmpfs with one
# directory per hierarchy (the container's own group there), symlinks for
# co-mounted controllers, unified/ on hybrid; read-only.
cgroup_view() {
	local filter='.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
	[ "$1" = ns ] || filter+=' | .linux.namespaces -= [{type: "cgroup"}]'
	ctr "$filter" -- sh -c '
		cd /sys/fs/cgroup || exit 1
		echo "mem $(cat memory/memory.limit_in_bytes)"
		echo "pids $(cat pids/pids.max)"
		echo "cpu $(readlink cpu) $(readlink cpuacct) $(test -e cpu/cpu.shares && echo shares)"
		own() { n=$(wc -l <"$1/cgroup.procs") && [ "$n" -ge 1 ] && [ "$n" -le 4 ]; }
		own memory && echo memory-own
		own pids && echo pids-own
		ls -d */nook */nkvm1-* unified/nook 2>/dev/null | sed "s/^/host-tree /"
		test -e unified && own unified && echo unified-own
		echo 1 >pids/pids.max 2>/dev/null || echo pids-ro
		mkdir x 2>/dev/null || echo tmpfs-ro
		grep " /sys/fs/cgroup " /proc/self/mountinfo | sed "s/.* - //" | cut -d" " -f1'
	run oci run --bundle "$BUNDLE" "$ID"
	assert_success
	assert_line "mem 67108864"
	assert_line "pids 50"
	assert_line "cpu cpu,cpuacct cpu,cpuacct shares"
	assert_line memory-own
	assert_line pids-own
	refute_line --partial host-tree
	assert_line pids-ro
	assert_line tmpfs-ro
	assert_line tmpfs
	if [ -n "$V2" ]; then assert_line unified-own; else refute_line unified-own; fi
	[ ! -e "$(v1 memory)" ]
}

@test "a cgroup mount shows the container's own v1 groups (runc's layout), in a cgroup namespace" {
	cgroup_view ns
}

@test "a cgroup mount shows the container's own v1 groups (runc's layout), without a cgroup namespace" {
	cgroup_view ""
}

# The groups a relative cgroupsPath test made for its launcher.
rel_cleanup() {
	local d
	for d in "$@"; do
		[ -d "$d" ] || continue
		rmdir "$d"/*/* "$d"/* "$d" 2>/dev/null || true
	done
}

@test "a relative cgroupsPath is below nook's own group in each hierarchy; update, events, ps, pause and delete find them" {
	local rel=rel$$ pid hier=(memory/ma pids/pb/x) line
	[ -n "$V2" ] || hier+=(freezer/fz)
	ctr --arg p "$rel/$ID" '.linux.cgroupsPath = $p |
		.linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}' -- sleep 600
	local d dirs=()
	for d in "${hier[@]}"; do dirs+=("/sys/fs/cgroup/$d"); done
	[ -z "$V2" ] || dirs+=("$V2/vv")
	mkdir -p "${dirs[@]}"
	# nook started from a shell in a different group per hierarchy (and
	# the root group of the others).
	(
		for d in "${dirs[@]}"; do echo "$BASHPID" >"$d/cgroup.procs"; done
		exec "$NOOK" oci --root "$ROOT" run -d --bundle "$BUNDLE" "$ID"
	)
	pid=$(init_pid)
	run cat "/proc/$pid/cgroup"
	assert_line --regexp "^[0-9]+:memory:/ma/$rel/$ID\$"
	assert_line --regexp "^[0-9]+:pids:/pb/x/$rel/$ID\$"
	assert_line --regexp "^[0-9]+:cpu,cpuacct:/$rel/$ID\$"
	if [ -n "$V2" ]; then
		assert_line "0::/vv/$rel/$ID"
	else
		assert_line --regexp "^[0-9]+:freezer:/fz/$rel/$ID\$"
	fi
	oci update --pids-limit 7 "$ID"
	assert_equal "$(</sys/fs/cgroup/pids/pb/x/$rel/$ID/pids.max)" 7
	run oci events --stats "$ID"
	assert_equal "$(jq -c '[.data.pids.limit, .data.memory.usage.limit]' <<<"$output")" '[7,67108864]'
	run oci ps --format json "$ID"
	assert_equal "$output" "[$pid]"
	oci pause "$ID"
	if [ -n "$V2" ]; then
		[[ $(<"$V2/vv/$rel/$ID/cgroup.events") == *"frozen 1"* ]]
	else
		assert_equal "$(</sys/fs/cgroup/freezer/fz/$rel/$ID/freezer.state)" FROZEN
	fi
	oci resume "$ID"
	oci delete --force "$ID"
	for d in "${dirs[@]}" /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/blkio; do
		[ ! -e "$d/$rel/$ID" ]
	done
	rel_cleanup "${dirs[@]}" /sys/fs/cgroup/*/"$rel" ${V2:+"$V2/$rel"}
}

@test "a field no hierarchy can apply is refused, naming it; nothing is left behind" {
	# unified keys name v2 files: runc refuses them on v1 too.
	ctr '.linux.resources.unified = {"memory.high": "1000000"}' -- true
	run oci run --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial 'cannot apply linux.resources.unified["memory.high"]'
	assert_output --partial "needs cgroup v2"
	# Last test: neither it nor the ones before left a group behind.
	run compgen -G "/sys/fs/cgroup/*/nook/nkvm1-*"
	assert_failure
	[ -z "$V2" ] || [ -z "$(compgen -G "$V2/nook/nkvm1-*")" ]
}
