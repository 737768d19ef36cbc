#!/usr/bin/env bats
# The engine's startup path (issue 9 "Speed"): what makes `nook run` cheap
# must be visible where it lands: in the kernel's mount table and in the
# store's files.
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# The super options of the overlay mounted on the bundle root DIR/rootfs.
root_opts() {
	awk -v m="$1/rootfs" '$5 == m {print $NF}' /proc/self/mountinfo
}

@test "a --rm container's root is a volatile overlay: unmounting it syncs nothing" {
	id=$(nk create --rm bb:1 true)
	run root_opts "$ROOT/.engine@rm/$id"
	assert_output --partial upperdir=
	assert_output --partial volatile
	keep=$(nk create bb:1 true)
	run root_opts "$SR/engine/$keep"
	assert_output --partial upperdir=
	refute_output --partial volatile
	run nk start -a "$id"
	assert_success
	run nk ps -aq
	refute_output --partial "${id:0:12}"
}

@test "run commits stay in the store's log: the database file is not written" {
	# A store of its own, whose log an image command (synchronous=FULL,
	# alone on the store) has copied into the database when it closed.
	# Runs after it only append to the log, which every reader reads as
	# part of the database.
	local sr="$BATS_TEST_TMPDIR/store2"
	"$NOOK" --storage-root "$sr" import "$BATS_FILE_TMPDIR/rootfs" bb:2 >/dev/null
	"$NOOK" --storage-root "$sr" tag bb:2 bb:3
	before=$(sha256sum <"$sr/nook.db")
	"$NOOK" --storage-root "$sr" --root "$ROOT" run --rm bb:2 true
	"$NOOK" --storage-root "$sr" --root "$ROOT" run --rm bb:2 true
	[ "$(sha256sum <"$sr/nook.db")" = "$before" ]
	run "$NOOK" --storage-root "$sr" --root "$ROOT" ps -aq
	assert_success
	assert_output ""
}

@test "a --rm container's config.json is not synced to disk; another's is" {
	command -v strace >/dev/null || skip "needs strace"
	# LeakSanitizer cannot run under ptrace (make SANITIZE=1): no leak check here.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	strace -f -qq -e trace=fdatasync,fsync -y -o "$BATS_TEST_TMPDIR/rm.trace" \
		"$NOOK" --storage-root "$SR" --root "$ROOT" create --rm bb:1 true >/dev/null
	strace -f -qq -e trace=fdatasync,fsync -y -o "$BATS_TEST_TMPDIR/keep.trace" \
		"$NOOK" --storage-root "$SR" --root "$ROOT" create bb:1 true >/dev/null
	# config.json is written as an unnamed file in the bundle directory.
	run grep -c -e "$SR/engine/" -e "$ROOT/.engine@rm/" "$BATS_TEST_TMPDIR/rm.trace"
	assert_output 0
	run grep -c "$SR/engine/" "$BATS_TEST_TMPDIR/keep.trace"
	assert_output 1
}

@test "run -d: the monitor syncs the kept bundle's config.json once the container started" {
	command -v strace >/dev/null || skip "needs strace"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	# -f: the monitor is the client's grandchild; it ends with the container.
	strace -f -qq -e trace=fdatasync,fsync -y -o "$BATS_TEST_TMPDIR/run.trace" \
		"$NOOK" --storage-root "$SR" --root "$ROOT" run -d bb:1 true >/dev/null
	monitors_gone
	# Not the unnamed file the client writes it as (before `run` could
	# start the container), but the linked config.json, after.
	run grep -c "$SR/engine/.*/config.json>" "$BATS_TEST_TMPDIR/run.trace"
	assert_output 1
	run grep -c "$SR/engine/.*(deleted)" "$BATS_TEST_TMPDIR/run.trace"
	assert_output 0
}

@test "a --rm container's bundle is on the state root (a tmpfs as /run is), its upper layer in the store" {
	nk run --rm --name "$P" bb:1 sh -c 'echo hi >/f; sleep 100' &
	for _ in $(seq 100); do
		pid=$(nk inspect -f '{{.State.Pid}}' "$P" 2>/dev/null) && [ "${pid:-0}" -gt 0 ] &&
			grep -q hi "/proc/$pid/root/f" 2>/dev/null && break
		sleep 0.1
	done
	id=$(nk inspect -f '{{.Id}}' "$P")
	dir=$ROOT/.engine@rm/$id
	# The container's root, in its own mount namespace: the overlay
	# with its upper layer in the store.
	run awk '$5 == "/" {print $NF}' "/proc/$pid/mountinfo"
	assert_output --partial "upperdir=$SR/containers/"
	# The bundle's copy is unmounted once the container runs
	# (rt_bundle_root_release): nothing is left to unmount after it.
	run root_opts "$dir"
	assert_output ""
	[ -f "$dir/config.json" ]
	[ -f "$dir.log" ]
	[ -z "$(ls -A "$SR/engine" 2>/dev/null)" ]
	nk kill "$P" >/dev/null
	wait
	# Gone with the container.
	run ls -A "$ROOT/.engine@rm"
	assert_output ""
}

@test "run --rm: the root's upper layer goes with the monitor, after run returned" {
	nk run --rm bb:1 sh -c 'echo data >/f'
	# Deleted by the monitor (it holds it locked while it does): gone
	# once the monitor is.
	monitors_gone
	[ -z "$(ls -A "$SR/trash")" ]
	[ -z "$(ls -A "$SR/containers")" ]
}

@test "the monitor starts on another CPU than the client's, and the container may run on all of ours" {
	# The client moves the monitor's first process off its own CPU
	# (runtime/monitor.c, mon_cpus_narrow); the monitor takes the
	# client's set back before it makes the container.  With one CPU
	# there is nothing to move and the test proves nothing more.
	want=$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)
	for i in 1 2 3 4 5 6; do
		run nk run --rm bb:1 sh -c 'awk "/^Cpus_allowed_list/ {print \$2}" /proc/1/status /proc/self/status'
		assert_success
		assert_output "$want"$'\n'"$want"
	done
	# A detached one's monitor too (the container's parent).
	id=$(nk run -d bb:1 sleep 100)
	pid=$(nk inspect -f '{{.State.Pid}}' "$id")
	monitor=$(awk '{print $4}' "/proc/$pid/stat")
	run awk '/^Cpus_allowed_list/ {print $2}' "/proc/$monitor/status"
	assert_output "$want"
	nk rm -f "$id" >/dev/null
}
