#!/usr/bin/env bats
# Bad input: a clear one-line error naming the problem, a non-zero exit,
# and nothing left behind (no state dir, no cgroup, no process).

load helpers

nothing_left() {
	run oci list -q
	assert_output ""
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	[ ! -e "$(cgroup_v2_root)/nook/$(cid)" ]
}

@test "broken JSON in config.json" {
	echo '{"ociVersion": "1.0.0", "process": ' >"$BUNDLE/config.json"
	run oci run --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --regexp '^nook oci: config.json: '
	assert_equal "${#lines[@]}" 1
	nothing_left
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial config.json
	nothing_left
}

@test "missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial root.path
	nothing_left
}

@test "unknown capability names the JSON path" {
	cfg '.process.capabilities.bounding += ["CAP_NOT_A_CAP"]'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial 'process.capabilities.bounding'
	assert_output --partial CAP_NOT_A_CAP
	nothing_left
}

@test "unknown namespace type names the JSON path" {
	cfg '.linux.namespaces += [{"type": "foo"}]'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial 'linux.namespaces['
	assert_output --partial '"foo"'
	nothing_left
}

@test "wrong JSON type for a field" {
	cfg '.process.terminal = "yes"'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial process.terminal
	nothing_left
}

@test "unsupported fields are refused, not dropped" {
	cfg '.process.apparmorProfile = "docker-default"'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial apparmor
	nothing_left
}

@test "a missing program fails create, not later" {
	set_args /bin/does-not-exist
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial does-not-exist
	nothing_left
}

@test "a limit nook cannot apply fails with the controller named" {
	# On a hybrid host the v1 backend would apply it; host tests run with
	# it off (helpers.bash), so no test touches the host's v1 groups.
	[ "$NOOK_CGROUP_V1" = off ] || skip "the cgroup v1 backend is on"
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "pure cgroup v2 host: limits apply"
	grep -qw memory "$(cgroup_v2_root)/cgroup.controllers" && skip "memory controller available"
	cfg '.linux.resources = {"memory": {"limit": 67108864}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial memory
	assert_output --partial "$(cgroup_v2_root)"
	assert_output --partial "NOOK_CGROUP_V1=off"
	nothing_left
}

@test "invalid container ids are refused" {
	run oci create --bundle "$BUNDLE" "../escape"
	assert_failure
	assert_output --partial "invalid container ID"
	run oci create --bundle "$BUNDLE" "a/b"
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "unknown flags and commands" {
	run oci create --no-such-flag "$(cid)"
	assert_failure
	assert_output --partial no-such-flag
	run oci frobnicate
	assert_failure
	assert_output --partial frobnicate
	run "$NOOK" oci --bogus list
	assert_failure
	assert_output --partial bogus
}

@test "container ids longer than a file name are refused up front; 255 characters work" {
	local long; long=$(cid)-$(printf 'x%.0s' $(seq 300))
	run oci run --bundle "$BUNDLE" "${long:0:256}"
	assert_failure
	assert_output "nook oci: invalid container ID: 256 characters, at most 255 allowed"
	nothing_left
	local id=${long:0:255}
	# Without a cgroup namespace the container sees its group's path.
	cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
	set_args cat /proc/self/cgroup
	run oci run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output --partial "/nook/$id"
	nothing_left
}

@test "a failed switch back out of the new time namespace fails create and leaves nothing" {
	cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 1000, "nanosecs": 0}}'
	set_args true
	NOOK_FAULT_FAIL=ns-time-restore run oci run --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot switch back to nook's own time namespace"
	nothing_left
}
