#!/usr/bin/env bats
# Runtime spec config.md "POSIX-platform Hooks" and runtime.md lifecycle:
# when each hook runs, what it gets on stdin, and what its failure does.

load helpers

# A hook that appends "NAME status pid" (from the state on stdin) to a log.
hook() {
	local name=$1 log=$BATS_TEST_TMPDIR/hooks.log
	jq -n --arg n "$name" --arg l "$log" \
		'{path: "/bin/sh", args: ["sh", "-c", ("read -r s; echo \"" + $n + " $(echo \"$s\" | jq -r .status) $(echo \"$s\" | jq -r .pid) $(echo \"$s\" | jq -r .id)\" >>" + $l)], env: ["PATH=/usr/bin:/bin"]}'
}

@test "hooks run in lifecycle order with the state on stdin" {
	local h
	for h in prestart createRuntime poststart poststop; do
		cfg --argjson h "$(hook $h)" --arg k "$h" '.hooks[$k] = [$h]'
	done
	# createContainer runs in the container's namespaces before pivot_root
	# (so it sees the host's paths); startContainer runs in the container.
	cfg --arg l "$BUNDLE/rootfs/tmp/hk" '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null; echo createContainer >>" + $l + "; test $(readlink /proc/self/ns/mnt) != '"$(readlink /proc/self/ns/mnt)"'"]}]
	  | .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null; echo startContainer >>/tmp/hk"]}]'
	set_args sh -c 'echo process >>/tmp/hk'
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	local pid; pid=$(oci state "$id" | jq -r .pid)
	oci start "$id"
	wait_status "$id" stopped
	oci delete "$id"
	run cat "$BATS_TEST_TMPDIR/hooks.log"
	assert_line --index 0 "prestart creating $pid $id"
	assert_line --index 1 "createRuntime creating $pid $id"
	assert_line --index 2 --regexp "^poststart (running|stopped) $pid $id$"
	assert_line --index 3 "poststop stopped 0 $id"
	run cat "$BUNDLE/rootfs/tmp/hk"
	assert_line --index 0 createContainer
	assert_line --index 1 startContainer
	assert_line --index 2 process
}

@test "hook args and env are passed" {
	cfg --arg l "$BATS_TEST_TMPDIR/argenv" '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo \"$0 $1 $FOO\" >" + $l, "a0", "a1"], "env": ["FOO=bar"]}]'
	run_ctr true
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/argenv")" "a0 a1 bar"
}

@test "a failing createRuntime hook fails create and leaves nothing" {
	cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo boom >&2; exit 3"]}]'
	set_args sleep 30
	local id; id=$(cid)
	run oci create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial createRuntime
	assert_output --partial boom
	run oci list -q
	assert_output ""
	[ ! -e "$ROOT/$id" ]
	[ ! -e "$(cgroup_v2_root)/nook/$id" ]
}

@test "a hook that exceeds its timeout is killed and fails the step" {
	cfg '.hooks.prestart = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
	run_ctr true
	assert_failure
	assert_output --partial "timed out after 1 s"
	run oci list -q
	assert_output ""
}

@test "a failing poststart hook does not stop the container (spec: warn)" {
	cfg '.hooks.poststart = [{"path": "/bin/false"}]'
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	run oci start "$id"
	assert_equal "$(oci state "$id" | jq -r .status)" running
}

@test "a failing poststart hook warns and the next poststart hooks still run" {
	cfg --arg l "$BATS_TEST_TMPDIR/post" '.hooks.poststart = [
	    {"path": "/bin/sh", "args": ["sh", "-c", "echo first >>" + $l + "; exit 3"]},
	    {"path": "/bin/sh", "args": ["sh", "-c", "echo second >>" + $l]}]'
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	run oci start "$id"
	assert_success
	assert_output --partial "poststart hook /bin/sh[0] failed: exit status 3"
	assert_equal "$(oci state "$id" | jq -r .status)" running
	run cat "$BATS_TEST_TMPDIR/post"
	assert_output "first
second"
}

@test "a failing poststop hook warns, the next poststop hooks run and delete succeeds" {
	cfg --arg l "$BATS_TEST_TMPDIR/post" '.hooks.poststop = [
	    {"path": "/bin/sh", "args": ["sh", "-c", "echo first >>" + $l + "; exit 4"]},
	    {"path": "/bin/sh", "args": ["sh", "-c", "echo second >>" + $l]}]'
	set_args true
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	oci start "$id"
	wait_status "$id" stopped
	run oci delete "$id"
	assert_success
	assert_output --partial "poststop hook /bin/sh[0] failed: exit status 4"
	[ ! -e "$ROOT/$id" ]
	run cat "$BATS_TEST_TMPDIR/post"
	assert_output "first
second"
}

@test "delete reads the saved config.json only for poststop hooks; a state from before it knew runs them" {
	command -v strace >/dev/null || skip "needs strace"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	set_args true
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	oci start "$id"
	wait_status "$id" stopped
	strace -f -qq -e trace=openat -o "$BATS_TEST_TMPDIR/del.trace" "$NOOK" oci --root "$ROOT" delete "$id"
	run grep -c 'config.json' "$BATS_TEST_TMPDIR/del.trace"
	assert_output 0
	# With a poststop hook, in a state written without the flag (an
	# older nook's): the hook runs.
	cfg --arg l "$BATS_TEST_TMPDIR/post" '.hooks.poststop = [{"path": "/bin/sh", "args": ["sh", "-c", "echo ran >>" + $l]}]'
	id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	oci start "$id"
	wait_status "$id" stopped
	jq -c 'del(.poststop)' "$ROOT/$id/state.json" >"$BATS_TEST_TMPDIR/s" && cp "$BATS_TEST_TMPDIR/s" "$ROOT/$id/state.json"
	oci delete "$id"
	run cat "$BATS_TEST_TMPDIR/post"
	assert_output ran
}
