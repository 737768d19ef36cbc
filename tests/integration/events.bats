#!/usr/bin/env bats
# `events`: runc's JSON events -- one stats object with --stats, a stats
# line every --interval otherwise, until the container stops.  (The OOM
# event needs a memory limit: tests/vm/cgroups_nook.bats.)

load helpers

@test "events --stats: one JSON stats object with the container's process count" {
	local id; id=$(cid)
	set_args sh -c 'sleep 600 & exec sleep 600'
	oci run -d --bundle "$BUNDLE" "$id"
	run oci events --stats "$id"
	assert_success
	assert_equal "${#lines[@]}" 1
	run jq -r '[.type, .id, .data.pids.current, (.data.cpu.usage.total | type),
		(.data.memory.usage | has("limit")), (.data.blkio | has("ioServiceBytesRecursive"))] | @tsv' <<<"$output"
	assert_success
	assert_output "$(printf 'stats\t%s\t2\tnumber\ttrue\ttrue' "$id")"
}

@test "events: a stats line every interval while the container runs, then exits" {
	local id; id=$(cid)
	set_args sleep 2
	oci run -d --bundle "$BUNDLE" "$id"
	run timeout 20 "$NOOK" oci --root "$ROOT" events --interval 300ms "$id"
	assert_success
	[ "${#lines[@]}" -ge 2 ]
	run jq -r -s 'map(.type) | unique | join(",")' <<<"$output"
	assert_output stats
}

@test "events: a stopped or unknown container, or a bad interval, is an error" {
	local id; id=$(cid)
	run_ctr true
	run oci events --stats "$id"
	assert_failure
	assert_output --partial "does not exist"
	set_args sleep 600
	oci run -d --bundle "$BUNDLE" "$id"
	run oci events --interval 5x "$id"
	assert_failure
	assert_output --partial 'invalid duration "5x"'
	oci kill "$id" KILL
	wait_status "$id" stopped
	run oci events --stats "$id"
	assert_failure
	assert_output --partial "is not running"
}
