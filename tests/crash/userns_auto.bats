#!/usr/bin/env bats
# Crash safety of the --userns=auto id pool: a run killed with SIGKILL
# inside the allocation, after it, or after the bundle leaks no range: the
# next --userns=auto run (the pool has room for one container only) gets
# the range again, and `rm -f` of the half-made container cleans up.
load ../integration/engine_common
load ../integration/rootless_common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	auto_setup_file 800000 1
}

teardown_file() { auto_teardown_file; }

setup() {
	engine_setup
	export NOOK_CONFIG="$AUTO_DIR/nook.conf"
}
teardown() { engine_teardown; }

@test "run --userns=auto killed in and after the allocation: the next run gets the range" {
	for step in idpool-insert userns-allocated engine-bundled; do
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" --root "$ROOT" \
			run -d --name "$P-$step" --userns=auto bb:1 sleep 1000
		# The pool holds one range: a leaked one would fail this run.
		run nk run --rm --userns=auto bb:1 cat /proc/self/uid_map
		assert_success
		assert_output --regexp "^ +0 +$POOL +65536\$"
		# The half-made container (if its row was made) goes with rm -f.
		run nk rm -f "$P-$step"
		engine_assert_clean
		run "$NOOK" --storage-root "$SR" system check
		assert_success
	done
}

@test "a running --userns=auto container keeps its range until rm; rm -f releases it" {
	nk run -d --name "$P" --userns=auto bb:1 sleep 1000 >/dev/null
	run -125 nk run --rm --userns=auto bb:1 true
	assert_output --partial "no free range"
	nk rm -f "$P" >/dev/null
	run nk run --rm --userns=auto bb:1 true
	assert_success
}
