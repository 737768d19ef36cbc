#!/usr/bin/env bats
# `nook stats` where every cgroup v2 controller is there (the VM tier's
# guest): the memory limit and usage the kernel shows for the container.

load ../integration/engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() {
	[ "${NOOK_VM:-}" = 1 ] || skip "needs the VM tier (tests/vm/run.sh)"
	engine_setup
}
teardown() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	engine_teardown
}

@test "stats shows the container's memory limit and usage, block I/O and pids" {
	# `run -m` when the engine has it, else the limit set on the runtime
	# container the engine made (what `update` does).
	if nk run --help | grep -q -- '--memory'; then
		nk run -d --name "$P" -m 64m bb:1 sleep 1000 >/dev/null
	else
		nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
		id=$(nk inspect "$P" | jq -r '.[0].Id')
		"$NOOK" oci --root "$ROOT" update --memory 64m "$id"
	fi
	id=$(nk inspect "$P" | jq -r '.[0].Id')
	[ "$(cat /sys/fs/cgroup/nook/"$id"/memory.max)" = 67108864 ]
	run nk stats --no-stream --format json "$P"
	assert_success
	echo "$output" | jq -e '.MemUsage | test("^[0-9.]+[KMG]?i?B / 64MiB$")'
	echo "$output" | jq -e '.MemPerc | test("^[0-9.]+%$")'
	echo "$output" | jq -e '.PIDs == "1" and (.BlockIO | test("^--") | not)'
	run nk stats --no-stream "$P"
	assert_line --partial "/ 64MiB"
}
