#!/usr/bin/env bats
# Crash safety of the runtime: `nook oci create`, `run` and `delete -f`
# killed with SIGKILL at each named step (NOOK_FAULT, base/fault.c) and at
# random moments (fixed seed).  After each kill, `delete -f` must leave
# nothing of the container: no cgroup, no process, no mount, no state dir;
# and the same id must be usable again.

load ../integration/helpers

# Every step create and run name, in order (runtime/create.c, run.c).
CREATE_STEPS="create-dir create-state create-cgroup create-clone create-pid create-ready create-recorded"
DELETE_STEPS="delete-killed delete-cgroup delete-files delete-state"

# nook with its output in a log (a created container keeps the stdio of
# the nook that made it) and no stdin.
nook_bg() {
	"$NOOK" oci --root "$ROOT" "$@" >>"$BATS_TEST_TMPDIR/nook.log" 2>&1 </dev/null
}

# "pid:starttime" of every process the container has (its recorded init
# and its cgroup's members), read after the kill, before the cleanup.
container_procs() {
	local id=$1 pid cg
	{
		jq -r '.pid // 0' "$ROOT/$id/state.json" 2>/dev/null || true
		cg="$(cgroup_v2_root)/nook/$id"
		[ -e "$cg/cgroup.procs" ] && cat "$cg/cgroup.procs" 2>/dev/null || true
	} | while read -r pid; do
		[ "$pid" -gt 0 ] 2>/dev/null || continue
		echo "$pid:$(cut -d' ' -f22 /proc/"$pid"/stat 2>/dev/null)"
	done
}

# After `delete -f`: nothing of container $1 is left; $2 = its processes
# as container_procs saw them.
assert_nothing_left() {
	local id=$1 procs=$2 p pid start
	if [ -e "$ROOT/$id" ]; then
		echo "state dir $ROOT/$id left: $(ls -a "$ROOT/$id")" >&2
		return 1
	fi
	if ls -d "$(cgroup_v2_root)"/nook*/"$id" 2>/dev/null; then
		echo "cgroup of $id left" >&2
		return 1
	fi
	for p in $procs; do
		pid=${p%%:*} start=${p#*:}
		[ -n "$start" ] || continue
		# Gone, or a zombie about to be reaped, or the pid reused.
		if [ "$(cut -d' ' -f22 /proc/"$pid"/stat 2>/dev/null)" = "$start" ] &&
			! grep -q '^State:.*Z' /proc/"$pid"/status 2>/dev/null; then
			echo "process $pid of $id left: $(tr '\0' ' ' </proc/"$pid"/cmdline)" >&2
			return 1
		fi
	done
	if grep -q "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
		echo "mount left below $BATS_TEST_TMPDIR" >&2
		return 1
	fi
}

# The id works again: a foreground run of `true` succeeds and is gone after.
assert_reusable() {
	local id=$1
	if ! "$NOOK" oci --root "$ROOT" run --bundle "$BUNDLE" "$id" >>"$BATS_TEST_TMPDIR/nook.log" 2>&1 </dev/null; then
		echo "id $id not reusable: $(tail -3 "$BATS_TEST_TMPDIR/nook.log")" >&2
		return 1
	fi
	[ ! -e "$ROOT/$id" ]
}

# Clean up after a kill and check the invariants.
cleanup_and_check() {
	local id=$1 procs
	procs=$(container_procs "$id")
	# A half-made container is listed, not hidden.
	if [ -e "$ROOT/$id" ] && ! "$NOOK" oci --root "$ROOT" list -q | grep -qx "$id"; then
		echo "list hides $id" >&2
		return 1
	fi
	if ! "$NOOK" oci --root "$ROOT" delete -f "$id" >>"$BATS_TEST_TMPDIR/nook.log" 2>&1; then
		echo "delete -f $id failed: $(tail -3 "$BATS_TEST_TMPDIR/nook.log")" >&2
		return 1
	fi
	assert_nothing_left "$id" "$procs"
}

# Run `nook oci ARGS` with NOOK_FAULT=STEP for each step; it must die
# there (137); then clean up and check, and run the id again.  The
# container's args are $ARGS (JSON), `true` for the reuse.
kill_at_steps() { # "steps" nook-args... (the id is appended)
	local steps=$1 step id rc
	shift
	for step in $steps; do
		id=$(cid "-$step")
		cfg --argjson a "$ARGS" '.process.args = $a'
		[ "$1" != delete ] || nook_bg run -d --bundle "$BUNDLE" "$id"
		rc=0
		NOOK_FAULT=$step nook_bg "$@" "$id" || rc=$?
		[ "$rc" = 137 ] || { echo "$1 did not stop at $step (status $rc)" >&2; return 1; }
		cleanup_and_check "$id"
		cfg '.process.args = ["true"]'
		assert_reusable "$id"
	done
}

@test "kill -9 of create at each step: delete -f removes what exists, the id is reusable" {
	ARGS='["true"]'
	kill_at_steps "$CREATE_STEPS" create --bundle "$BUNDLE"
}

@test "kill -9 of a foreground run at each step: delete -f removes what exists, the id is reusable" {
	ARGS='["sleep", "0.2"]'
	kill_at_steps "$CREATE_STEPS run-started run-exited" run --bundle "$BUNDLE"
}

@test "kill -9 of delete -f at each step: delete -f again removes the rest, the id is reusable" {
	ARGS='["sleep", "30"]'
	kill_at_steps "$DELETE_STEPS" delete -f
}

@test "an init whose create was killed before it was recorded does not wait forever" {
	local id; id=$(cid)
	rc=0
	NOOK_FAULT=create-ready nook_bg create --bundle "$BUNDLE" "$id" || rc=$?
	assert_equal "$rc" 137
	local pid; pid=$(jq -r .pid "$ROOT/$id/state.json")
	[ "$pid" -gt 0 ]
	# It ends by itself (no delete): its creator's end of the socket closed.
	for i in $(seq 50); do
		{ [ ! -e /proc/"$pid" ] || grep -q '^State:.*Z' /proc/"$pid"/status; } && break
		sleep 0.1
	done
	{ [ ! -e /proc/"$pid" ] || grep -q '^State:.*Z' /proc/"$pid"/status; }
	assert_equal "$("$NOOK" oci --root "$ROOT" state "$id" | jq -r .status)" stopped
	cleanup_and_check "$id"
}

@test "an init busy with setup when its create is killed dies with it (parent-death signal)" {
	local id pid i; id=$(cid)
	# The init runs createContainer hooks itself: one that takes 30 s.
	cfg '.hooks.createContainer = [{"path": "/bin/sleep", "args": ["sleep", "30"]}]'
	"$NOOK" oci --root "$ROOT" create --bundle "$BUNDLE" "$id" >>"$BATS_TEST_TMPDIR/nook.log" 2>&1 </dev/null &
	local creator=$!
	for i in $(seq 100); do
		pid=$(jq -r '.pid // 0' "$ROOT/$id/state.json" 2>/dev/null || echo 0)
		[ "${pid:-0}" -gt 0 ] && [ -n "$(cat /proc/"$pid"/task/*/children 2>/dev/null)" ] && break
		sleep 0.05
	done
	[ "${pid:-0}" -gt 0 ]
	kill -9 "$creator"
	wait "$creator" || true
	for i in $(seq 30); do
		{ [ ! -e /proc/"$pid" ] || grep -q '^State:.*Z' /proc/"$pid"/status; } && break
		sleep 0.1
	done
	{ [ ! -e /proc/"$pid" ] || grep -q '^State:.*Z' /proc/"$pid"/status; }
	cleanup_and_check "$id"
}

@test "delete -f of a state dir without state.json removes it; list shows it until then" {
	local id; id=$(cid)
	mkdir -p "$ROOT/$id"
	run "$NOOK" oci --root "$ROOT" list
	assert_success
	assert_line --regexp "^$id +0 +stopped"
	run "$NOOK" oci --root "$ROOT" delete -f "$id"
	assert_success
	assert_output ""
	[ ! -e "$ROOT/$id" ]
	# Nothing at all: still silent and 0, as runc.
	run "$NOOK" oci --root "$ROOT" delete -f "$id"
	assert_success
	assert_output ""
}

# Random moments, fixed seed: each command is started, killed after a
# small random delay (or it finished first), and cleaned up.
random_kills() { # command-kind tries max-delay-ms
	local kind=$1 tries=$2 max=$3 i id pid rc killed=0
	for i in $(seq "$tries"); do
		id=$(cid "-$kind-$i")
		case $kind in
		delete) nook_bg run -d --bundle "$BUNDLE" "$id" ;;
		esac
		# A simple command in the background: $! is nook itself.
		case $kind in
		create) set -- create --bundle "$BUNDLE" "$id" ;;
		run) set -- run --bundle "$BUNDLE" "$id" ;;
		delete) set -- delete -f "$id" ;;
		esac
		"$NOOK" oci --root "$ROOT" "$@" >>"$BATS_TEST_TMPDIR/nook.log" 2>&1 </dev/null &
		pid=$!
		sleep "$(printf '0.%03d' $((RANDOM % max)))"
		kill -9 "$pid" 2>/dev/null || true
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		[ "$rc" != 137 ] || killed=$((killed + 1))
		cleanup_and_check "$id" || { echo "after a kill of $kind (try $i)" >&2; return 1; }
	done
	echo "# $kind: $killed of $tries killed before they finished" >&3
}

@test "random kill -9 of create, run and delete -f (fixed seed)" {
	RANDOM=4242
	cfg '.process.args = ["sleep", "0.05"]'
	random_kills create 30 30
	random_kills run 30 100
	random_kills delete 30 6
	# Every id is usable again.
	cfg '.process.args = ["true"]'
	assert_reusable "$(cid -create-1)"
	assert_reusable "$(cid -run-1)"
	assert_reusable "$(cid -delete-1)"
}
