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
	for step in engine-recorded bundle-recorded bundle-mounted engine-bundled; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" \
			create --name "$P" bb:1 true
		run nk ps -a
		assert_line --partial "$P"
		killed_then_clean
	done
}

@test "run --rm killed at each step of its create: the monitor spawned ahead exits, rm -f leaves nothing behind" {
	for step in engine-recorded bundle-recorded bundle-mounted engine-bundled; do
		P="e$$-${BATS_TEST_NUMBER}-$step"
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" \
			run --rm --name "$P" bb:1 true
		# The monitor waited for a container that never came.
		monitors_gone
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

# A foreground `run` of $P (sleep 1000), killed with SIGKILL once it runs.
run_then_kill_client() {
	local client
	nk run --name "$P" bb:1 sleep 1000 &
	client=$!
	for _ in $(seq 50); do nk ps | grep -q " $P\$" && break; sleep 0.1; done
	kill -9 "$client"
	wait "$client" || true
}

@test "a foreground run killed with SIGKILL: the container goes on, ps and rm -f agree" {
	run_then_kill_client
	run nk ps
	assert_line --regexp "Up .* $P\$"
	killed_then_clean
}

# The records of $P are line<first>..line<last> without a gap or a double.
logs_contiguous() {
	local out first last
	out=$(nk logs "$P" | sed 's/^line//')
	first=$(head -1 <<<"$out")
	last=$(tail -1 <<<"$out")
	[ -n "$first" ] && [ "$(seq "$first" "$last")" = "$out" ] ||
		{ echo "records out of order or missing: $(tr '\n' ' ' <<<"$out")"; return 1; }
}

@test "the monitor killed at each step of a log rotation: logs stays in order, start goes on, prune cleans up" {
	for step in log-rotate-shift:2 log-rotate-renamed:1 log-rotate-renamed:3 log-rotate-opened:2; do
		P="e$$-${BATS_TEST_NUMBER}-${step%%:*}-${step##*:}"
		run env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" \
			run -d --name "$P" --log-opt max-size=1k,max-file=3 bb:1 \
			sh -c 'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo line$i; done'
		assert_success
		nk wait "$P" >/dev/null || true
		for _ in $(seq 50); do [ -z "$(monitors)" ] && break; sleep 0.1; done
		[ -z "$(monitors)" ]
		# The monitor died there: it recorded no exit.
		run nk inspect --format '{{.State.FinishedAt}}' "$P"
		assert_output 0001-01-01T00:00:00Z
		logs_contiguous
		# A new monitor rotates on from what the dead one left.
		nk start "$P" >/dev/null
		nk wait "$P" >/dev/null
		run nk logs "$P"
		[ "${lines[-1]}" = line400 ]
		run nk ps -a --filter "name=^$P\$" --format '{{.State}}'
		assert_output exited
		run nk container prune
		assert_success
		engine_assert_clean
	done
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

@test "kill -9 of the CLI and of the monitor mid-run: ps tells the truth, container prune cleans up" {
	run_then_kill_client
	m=$(monitors)
	[ -n "$m" ]
	pid=$(nk inspect --format '{{.State.Pid}}' "$P")
	kill -9 "$m"
	run nk ps --format '{{.Names}} {{.State}}'
	assert_output "$P running"
	# Running: prune keeps it.
	run nk container prune
	assert_success
	run nk ps -aq
	[ -n "$output" ]
	kill -9 "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	run nk ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp "^$P Exited"
	run nk container prune
	assert_success
	engine_assert_clean
}
