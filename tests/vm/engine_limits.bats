#!/usr/bin/env bats
# The engine's limits (-m, --memory-swap, --memory-reservation, --cpus,
# --cpu-shares, --cpuset-cpus, --pids-limit) as the kernel enforces them,
# in the VM tier's pure cgroup v2 guest: the container's group files, an
# OOM kill reported by inspect and ps, fork refused at the pids limit.
#
#   make check-vm SUITE=tests/vm/engine_limits.bats

load ../integration/helpers
load helpers

setup_file() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	export SR=$BATS_FILE_TMPDIR/store
	# A small image: busybox and the applets the tests use (each process
	# costs under TCG).
	local r=$BATS_FILE_TMPDIR/rootfs a
	mkdir -p "$r"/{bin,proc,sys,dev,tmp,etc}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in sh sleep dd cat true; do ln -s busybox "$r/bin/$a"; done
	echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
	"$NOOK" --storage-root "$SR" import "$r" bb:1 >/dev/null
}

setup() {
	require_vm
	ROOT=$BATS_TEST_TMPDIR/state
	P=vm$BATS_TEST_NUMBER
}

teardown() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	local id
	for id in $(nk ps -aq 2>/dev/null); do nk rm -f "$id" >/dev/null 2>&1 || true; done
}

nk() { "$NOOK" --storage-root "$SR" --root "$ROOT" "$@"; }

# The container's cgroup (nook's default: /nook/ID).
cgdir() { echo "$CG_ROOT/nook/$(nk inspect "$1" | jq -r '.[0].Id')"; }

@test "-m: an allocation beyond it is OOM-killed: exit 137, OOMKilled in inspect and ps" {
	run nk run --name "$P" -m 32m --memory-swap 32m bb:1 dd if=/dev/zero of=/dev/null bs=100M count=1
	assert_equal "$status" 137
	run nk inspect "$P"
	assert_equal "$(jq -r '.[0].State.OOMKilled' <<<"$output")" true
	assert_equal "$(jq -r '.[0].State.ExitCode' <<<"$output")" 137
	assert_equal "$(jq -r '.[0].HostConfig.Memory' <<<"$output")" 33554432
	run nk ps -a
	assert_line --regexp "Exited \(137\) .* $P\$"
	# Below the limit the same command is fine.
	run nk run --rm -m 256m bb:1 dd if=/dev/zero of=/dev/null bs=10M count=1
	assert_success
}

@test "memory limits land in the container's group as docker maps them" {
	run nk run -d --name "$P" -m 64m --memory-swap 96m --memory-reservation 32m bb:1 sleep 1000
	assert_success
	d=$(cgdir "$P")
	assert_equal "$(<"$d/memory.max")" 67108864
	assert_equal "$(<"$d/memory.swap.max")" 33554432
	assert_equal "$(<"$d/memory.low")" 33554432
	run nk rm -f "$P"
	[ ! -e "$d" ]
}

@test "--pids-limit: pids.max, and a fork beyond it fails" {
	run nk run -d --name "$P" --pids-limit 10 bb:1 sleep 1000
	assert_success
	assert_equal "$(<"$(cgdir "$P")/pids.max")" 10
	run nk run --rm --pids-limit 4 bb:1 sh -c 'for i in 1 2 3 4 5 6; do sleep 100 & done; echo forked'
	refute_output --partial forked
	assert_output --partial "fork"
}

@test "--cpus is cpu.max, --cpu-shares cpu.weight, --cpuset-cpus cpuset.cpus" {
	run nk run -d --name "$P" --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 bb:1 sleep 1000
	assert_success
	d=$(cgdir "$P")
	assert_equal "$(<"$d/cpu.max")" "50000 100000"
	# runc's conversion: 1 + (512 - 2) * 9999 / 262142
	assert_equal "$(<"$d/cpu.weight")" 20
	assert_equal "$(<"$d/cpuset.cpus")" 0
}
