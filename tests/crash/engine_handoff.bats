#!/usr/bin/env bats
# `run --rm` in the foreground: the monitor hands the removal to the
# attached client (runtime/monitor.c, mon_hand_off).  Killed on either side
# of the hand-off, the container still goes away: the monitor removes it
# when the client dies first, the client when the monitor does.
load ../integration/engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

@test "the client killed when the monitor handed it the removal: the monitor removes" {
	run -137 env NOOK_FAULT=engine-run-handed "$NOOK" --storage-root "$SR" --root "$ROOT" \
		run --rm --name "$P" bb:1 true
	monitors_gone
	# No rm -f: the monitor did it.
	engine_assert_clean
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

# The containers' cgroup v2 groups (nook's parent group in the unified
# hierarchy).
groups() { ls /sys/fs/cgroup/unified/nook 2>/dev/null | sort; }

# run --rm whose monitor is killed at fault point $1 after it told the
# client the exit code: the client still returns it, and nothing is left.
monitor_killed_at() {
	groups >"$BATS_TEST_TMPDIR/before"
	run -4 env NOOK_FAULT="$1" "$NOOK" --storage-root "$SR" --root "$ROOT" \
		run --rm --name "$P" bb:1 sh -c 'exit 4'
	assert_failure 4
	monitors_gone
	engine_assert_clean
	run comm -13 "$BATS_TEST_TMPDIR/before" <(groups)
	assert_output ""
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

@test "the monitor killed after handing over, before destroying: the client destroys and removes, with the exit code" {
	monitor_killed_at monitor-handed-off
}

@test "the monitor killed after destroying, before saying so: the client removes the rest" {
	monitor_killed_at monitor-destroyed
}

@test "client and monitor killed at one step of the removal: rm -f leaves nothing behind" {
	# NOOK_FAULT reaches the monitor too: it dies at the same step when
	# it takes over, and what both left is what a killed rm leaves.
	for step in engine-rm-killed engine-rm-state bundle-remove-config \
		bundle-remove-unmounted bundle-remove-dirs user-trashed engine-rm-bundle; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" \
			run --rm --name "$P" bb:1 true
		monitors_gone
		nk rm -f "$P" >/dev/null 2>&1 || true
		engine_assert_clean
		run "$NOOK" --storage-root "$SR" system check
		assert_success
	done
}

@test "the monitor killed deleting the root run --rm left in the trash: the next command sweeps it" {
	# The client removed the container and returned its code; the
	# monitor died before deleting the root's upper layer.
	run -5 env NOOK_FAULT=trash-delete "$NOOK" --storage-root "$SR" --root "$ROOT" \
		run --rm --name "$P" bb:1 sh -c 'echo data >/f; exit 5'
	monitors_gone
	run ls -A "$SR/trash"
	assert_output --partial "user-"
	run nk ps -aq
	assert_output ""
	run ls -A "$SR/trash" "$SR/containers"
	refute_output --partial "user-"
	engine_assert_clean
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

@test "the container's directories the monitor makes ahead: taken, dropped when not, swept when their maker died" {
	# Taken: run's container directory is the one the monitor made.
	nk run --rm bb:1 true
	monitors_gone
	run ls -A "$SR/tmp"
	assert_output ""
	# Not taken (create failed before it made them): the monitor
	# deletes them.
	run -125 nk run --rm 127.0.0.1:9/no-such-image:1 true
	monitors_gone
	run ls -A "$SR/tmp"
	assert_output ""
	# The monitor killed once it made them, the client failing before it
	# took them: the next store command's sweep (the client's own, when
	# the monitor died before it opened the store) deletes them.
	run -125 env NOOK_FAULT=monitor-spare "$NOOK" --storage-root "$SR" --root "$ROOT" \
		run --rm 127.0.0.1:9/no-such-image:1 true
	monitors_gone
	nk ps -a >/dev/null
	run ls -A "$SR/tmp" "$SR/trash"
	refute_output --partial spare
	# The monitor killed once it made them: the client takes them, fails
	# to start; rm -f and the next command leave nothing.
	run -125 env NOOK_FAULT=monitor-spare "$NOOK" --storage-root "$SR" --root "$ROOT" \
		run --rm --name "$P" bb:1 true
	monitors_gone
	nk rm -f "$P" >/dev/null
	nk ps -a >/dev/null
	run ls -A "$SR/tmp" "$SR/containers"
	refute_output --partial spare
	engine_assert_clean
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}
