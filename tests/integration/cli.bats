#!/usr/bin/env bats
# The command line: help, version, nook-oci as argv[0], --log formats.

load helpers

@test "--help on every oci command, --version" {
	local c
	for c in spec create start run state kill delete list exec ps pause resume features; do
		run oci "$c" --help
		assert_success
		assert_output --partial "usage:"
	done
	run "$NOOK" oci --version
	assert_success
	assert_line --index 0 --partial "version"
	assert_output --partial "spec: 1."
}

@test "nook-oci (argv[0]) behaves exactly like nook oci" {
	ln -s "$NOOK" "$BATS_TEST_TMPDIR/nook-oci"
	set_args echo via-link
	run "$BATS_TEST_TMPDIR/nook-oci" --root "$ROOT" run --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_output via-link
}

@test "--log-format json writes errors as one JSON object per line" {
	run "$NOOK" oci --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json start nosuch
	assert_failure
	run jq -r '.level + "|" + .msg' "$BATS_TEST_TMPDIR/log.json"
	assert_success
	assert_output --partial 'error|container "nosuch" does not exist'
	jq -e '.time | test("^[0-9]{4}-")' "$BATS_TEST_TMPDIR/log.json"
}

@test "--systemd-cgroup is refused with a clear message" {
	run "$NOOK" oci --systemd-cgroup --root "$ROOT" list
	assert_failure
	assert_output --partial systemd
}

@test "spec writes a config.json runc-compatible runtimes accept; refuses to overwrite" {
	run oci spec --bundle "$BUNDLE"
	assert_failure
	assert_output --partial exists
	local d="$BATS_TEST_TMPDIR/s"
	mkdir -p "$d"
	oci spec --bundle "$d"
	jq -e '.ociVersion and .process.args and .root.path == "rootfs" and (.linux.namespaces | length) >= 5' "$d/config.json"
	oci spec --rootless --bundle "$d/r" 2>/dev/null || { mkdir -p "$d/r"; oci spec --rootless --bundle "$d/r"; }
	jq -e '.linux.namespaces | map(.type) | index("user")' "$d/r/config.json"
}

@test "features prints the OCI features document" {
	run oci features
	assert_success
	echo "$output" | jq -e '.ociVersionMin and .ociVersionMax and (.linux.namespaces | index("pid")) and .linux.cgroup.v2 == true'
}

@test "state output matches runc's fields" {
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	run oci state "$id"
	echo "$output" | jq -e 'has("ociVersion") and has("id") and has("pid") and has("status") and has("bundle") and has("rootfs") and has("created") and has("owner")'
	echo "$output" | jq -e '.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")'
}

@test "state and list JSON have the same fields as runc's" {
	command -v runc >/dev/null || skip "runc not installed"
	set_args sleep 30
	local id; id=$(cid) rroot="$BATS_TEST_TMPDIR/runc-root"
	oci create --bundle "$BUNDLE" "$id"
	runc --root "$rroot" create --bundle "$BUNDLE" "$id-runc" </dev/null >/dev/null 2>&1 || {
		runc --root "$rroot" delete -f "$id-runc" >/dev/null 2>&1
		skip "runc cannot create containers on this host"
	}
	local ours theirs
	ours=$(oci state "$id" | jq -c 'keys')
	theirs=$(runc --root "$rroot" state "$id-runc" | jq -c 'keys')
	assert_equal "$(oci state "$id" | jq -r .status)" "$(runc --root "$rroot" state "$id-runc" | jq -r .status)"
	ours_list=$(oci list --format json | jq -c '.[0] | keys')
	theirs_list=$(runc --root "$rroot" list --format json | jq -c '.[0] | keys')
	runc --root "$rroot" delete -f "$id-runc" >/dev/null 2>&1
	assert_equal "$ours" "$theirs"
	assert_equal "$ours_list" "$theirs_list"
}

@test "runc's own default config runs unchanged (ambient caps without inheritable)" {
	command -v runc >/dev/null || skip "runc not installed"
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && runc spec)
	cfg '.process.terminal = false | .process.args = ["grep", "^Cap", "/proc/self/status"]'
	run oci run --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_line --regexp '^CapEff:[[:space:]]+0*20000420$'
	assert_line --regexp '^CapAmb:[[:space:]]+0+$'
}
