#!/usr/bin/env bats
# Runtime spec, "Lifecycle" and "Operations": create, start, state, kill,
# delete, and the foreground/detached run of runc.

load helpers

@test "run: foreground container prints from inside and exits 0" {
	run_ctr echo hello from inside
	assert_success
	assert_output "hello from inside"
}

@test "run: exit code of the container process is nook's exit code" {
	run_ctr sh -c 'exit 42'
	assert_equal "$status" 42
}

@test "run: a container killed by signal N exits 128+N" {
	# (pid 1 of a pid namespace cannot be killed from inside: kill it from outside)
	set_args sleep 30
	local id; id=$(cid)
	"$NOOK" oci --root "$ROOT" run --bundle "$BUNDLE" "$id" &
	local pid=$!
	wait_status "$id" running
	oci kill "$id" KILL
	wait "$pid" || st=$?
	assert_equal "${st:-0}" 137
}

@test "run: the container is deleted after a foreground run" {
	run_ctr true
	assert_success
	run oci list -q
	assert_output ""
	[ ! -e "$ROOT/$(cid)" ]
}

@test "run: signals sent to nook are forwarded to the container" {
	set_args sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	"$NOOK" oci --root "$ROOT" run --bundle "$BUNDLE" "$(cid)" >"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for i in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" || st=$?
	assert_equal "${st:-0}" 7
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line got-term
}

@test "create/start: created waits, start runs the process, state follows" {
	set_args sh -c 'echo started >/tmp/marker; sleep 30'
	local id; id=$(cid)
	run oci create --bundle "$BUNDLE" "$id"
	assert_success
	run oci state "$id"
	assert_success
	assert_equal "$(echo "$output" | jq -r .status)" created
	assert_equal "$(echo "$output" | jq -r .id)" "$id"
	assert_equal "$(echo "$output" | jq -r .bundle)" "$BUNDLE"
	local pid; pid=$(echo "$output" | jq -r .pid)
	[ "$pid" -gt 0 ]
	# Created: the user process has not run yet.
	[ ! -e "$BUNDLE/rootfs/tmp/marker" ]
	run oci start "$id"
	assert_success
	wait_status "$id" running
	for i in $(seq 50); do [ -e "$BUNDLE/rootfs/tmp/marker" ] && break; sleep 0.1; done
	[ -e "$BUNDLE/rootfs/tmp/marker" ]
	run oci kill "$id" KILL
	assert_success
	wait_status "$id" stopped
	assert_equal "$(oci state "$id" | jq -r .pid)" 0
	run oci delete "$id"
	assert_success
	run oci state "$id"
	assert_failure
	assert_output --partial "does not exist"
}

@test "create: a duplicate container id is refused" {
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	run oci create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "already exists"
	# The first container is untouched.
	assert_equal "$(oci state "$id" | jq -r .status)" created
}

@test "start: a container that is not created is refused" {
	set_args sleep 30
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	run oci start "$id"
	assert_failure
	assert_output --partial "cannot start"
	run oci start nosuchcontainer
	assert_failure
	assert_output --partial "does not exist"
}

@test "delete: a running container needs --force" {
	set_args sleep 30
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" running
	run oci delete "$id"
	assert_failure
	assert_output --partial "not stopped"
	assert_equal "$(oci state "$id" | jq -r .status)" running
	run oci delete --force "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
}

@test "delete: a created container is deleted and its init ends" {
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	local pid; pid=$(oci state "$id" | jq -r .pid)
	run oci delete "$id"
	assert_success
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	run kill -0 "$pid"
	assert_failure
}

@test "delete --force of a missing container succeeds, without --force fails" {
	run oci delete --force nosuch
	assert_success
	run oci delete nosuch
	assert_failure
	assert_output --partial "does not exist"
}

@test "kill: signal names and numbers; default is SIGTERM" {
	set_args sh -c 'trap "echo TERM >/tmp/sig" TERM; trap "echo USR1 >/tmp/sig" USR1; while :; do sleep 0.1; done'
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" running
	sleep 0.3
	oci kill "$id" USR1
	for i in $(seq 30); do [ "$(cat "$BUNDLE/rootfs/tmp/sig" 2>/dev/null)" = USR1 ] && break; sleep 0.1; done
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/sig")" USR1
	oci kill "$id" 15
	for i in $(seq 30); do [ "$(cat "$BUNDLE/rootfs/tmp/sig" 2>/dev/null)" = TERM ] && break; sleep 0.1; done
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/sig")" TERM
	run oci kill "$id" SIGNOPE
	assert_failure
	assert_output --partial "unknown signal"
	oci kill "$id" SIGKILL
	wait_status "$id" stopped
	run oci kill "$id"
	assert_failure
	assert_output --partial "not running"
}

@test "list: table, json and quiet formats" {
	set_args sleep 30
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	run oci list -q
	assert_output "$id"
	run oci list --format json
	assert_success
	assert_equal "$(echo "$output" | jq -r '.[0].id')" "$id"
	assert_equal "$(echo "$output" | jq -r '.[0].status')" running
	run oci list
	assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'
	assert_line --index 1 --partial "$id"
}

@test "create --pid-file writes the init's host pid" {
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$id"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pid")" "$(oci state "$id" | jq -r .pid)"
}

@test "run -d with process.terminal but no --console-socket is refused" {
	cfg '.process.terminal = true'
	run oci run -d --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "console-socket"
	run oci list -q
	assert_output ""
}

@test "pause and resume freeze and thaw the container (cgroup.freeze)" {
	# The count is replaced by rename: a reader never sees it half-written,
	# also when the freeze lands between the write and the rename.
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.05; done'
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" running
	run oci pause "$id"
	assert_success
	assert_equal "$(oci state "$id" | jq -r .status)" paused
	local pid; pid=$(oci state "$id" | jq -r .pid)
	grep -q 'State:.*(stopped)\|State:.*T' /proc/"$pid"/status || true
	local a b
	a=$(cat "$BUNDLE/rootfs/tmp/count"); sleep 0.4; b=$(cat "$BUNDLE/rootfs/tmp/count")
	assert_equal "$a" "$b"
	run oci resume "$id"
	assert_success
	assert_equal "$(oci state "$id" | jq -r .status)" running
	local n=0
	until [ "$(cat "$BUNDLE/rootfs/tmp/count")" -gt "$b" ]; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || fail "the count did not move after resume"
		sleep 0.1
	done
	run oci resume "$id"
	assert_failure
	assert_output --partial "not paused"
}

@test "ps: json lists the container's processes" {
	# (busybox sh execs the last command: two sleeps in all)
	set_args sh -c 'sleep 30 & sleep 30'
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" running
	sleep 0.3
	run oci ps --format json "$id"
	assert_success
	assert_equal "$(echo "$output" | jq length)" 2
	run oci ps "$id"
	assert_success
	assert_line --index 0 --partial PID
	assert_equal "$(echo "$output" | grep -c 'sleep 30')" 2
}
