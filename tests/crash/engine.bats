#!/usr/bin/env bats
# Crash safety of the engine's multi-step commands: create, run and rm
# killed with SIGKILL at each named step (NOOK_FAULT, base/fault.c); then
# `nook rm -f` finishes the job and nothing is left: no container record,
# mount, runtime state, monitor or engine file, and `nook system check`
# finds the store sound.
load ../integration/engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# Killed at $1 (rc 137), `rm -f` cleans up, the store is sound.
killed_then_clean() {
	run nk rm -f "$P"
	assert_success
	engine_assert_clean
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

@test "create killed at each step: rm -f leaves nothing behind" {
	for step in engine-recorded user-recorded bundle-recorded bundle-mounted engine-bundled; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" \
			create --name "$P" bb:1 true
		run nk ps -a
		assert_line --partial "$P"
		killed_then_clean
	done
}

@test "rm killed at each step: rm -f again leaves nothing behind" {
	for step in engine-rm-killed engine-rm-state bundle-remove-config \
		bundle-remove-unmounted bundle-remove-dirs user-trashed engine-rm-bundle; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" rm -f "$P"
		killed_then_clean
	done
}

@test "the monitor killed right after the start: ps tells the truth, rm -f cleans up" {
	run env NOOK_FAULT=monitor-started "$NOOK" --storage-root "$SR" --root "$ROOT" \
		run -d --name "$P" bb:1 sleep 1000
	assert_success
	sleep 0.2
	[ -z "$(monitors)" ]
	pid=$(nk inspect "$P" | jq -r '.[0].State.Pid')
	run nk ps -a
	if [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
		assert_line --regexp "Up .* $P\$"
	else
		assert_line --regexp "Exited .* $P\$"
	fi
	killed_then_clean
}

@test "a foreground run killed with SIGKILL: the container goes on, ps and rm -f agree" {
	nk run --name "$P" bb:1 sleep 1000 &
	client=$!
	for _ in $(seq 50); do nk ps | grep -q " $P\$" && break; sleep 0.1; done
	kill -9 "$client"
	wait "$client" || true
	run nk ps
	assert_line --regexp "Up .* $P\$"
	killed_then_clean
}
