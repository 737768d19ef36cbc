#!/usr/bin/env bats
# Crash safety of the image store: every multi-step command killed with
# SIGKILL at each named step (NOOK_FAULT, base/fault.c) and at random
# moments (fixed seed), then the next command run and the invariants
# checked: `nook system check` passes (integrity_check, every recorded
# layer complete, nothing unreferenced, the trash empty), no mount is left,
# and the same image loads and runs again.
load ../integration/image_common
HELPERS="$BATS_TEST_DIRNAME/../integration/image_helpers.py"

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	export CT
	CT=$(mktemp -d /tmp/nook-crash-img.XXXXXX)
	T=$CT
	mk_rootfs
	mkdir "$T/rootfs/tmp" # the image's WorkingDir
	tar -C "$T/rootfs" -cf "$CT/busybox.tar" .
	# A second layer of many small files, so that a load lasts long enough
	# to be killed half way.
	mk_layer "$CT/many.tar" "for i in range(3000): f('many/d%d/f%d' % (i % 30, i), b'%d' % i)"
	mk_layout "$CT/img" app:1 "$CT/busybox.tar" "$CT/many.tar"
}

teardown_file() {
	[ -n "${CT:-}" ] && rm -rf "$CT"
}

setup() {
	img_setup
	# On a tmpfs: the store's fsyncs would otherwise make a few hundred
	# runs take minutes on a busy disk.
	mount -t tmpfs -o size=256m nook-crash "$T"
	STATE="$T/state"
}

teardown() {
	local id
	for id in $("$NOOK" oci --root "$STATE" list -q 2>/dev/null); do
		"$NOOK" oci --root "$STATE" delete --force "$id" >/dev/null 2>&1 || true
	done
	img_teardown
	umount "$T" 2>/dev/null || true
	rm -rf "$T"
}

# run NAME COMMAND...: the command killed at fault point NAME.
killed_at() {
	local point=$1
	shift
	run env NOOK_FAULT="$point" "$NOOK" "$@" --storage-root "$SR"
	[ "$status" -eq 137 ] || {
		echo "not killed at $point: status $status: $output"
		return 1
	}
}

# The invariants, after the next command ran.
assert_sound() {
	run nk system check
	[ "$status" -eq 0 ] || {
		echo "$output"
		return 1
	}
	[ "$(sqlite3 "$SR/nook.db" 'PRAGMA integrity_check')" = ok ]
	[ -z "$(ls -A "$SR/trash")" ]
	[ "$(grep -c " $T/" /proc/self/mountinfo)" = 0 ]
}

# The image loads (again) and runs: bundle + nook oci run.
assert_runs() {
	local id
	id=run-$$-$BATS_TEST_NUMBER
	nk load --quiet -i "$CT/img"
	nk bundle app:1 "$T/run"
	run "$NOOK" oci --root "$STATE" run --bundle "$T/run" "$id"
	"$NOOK" oci --root "$STATE" delete --force "$id" >/dev/null 2>&1 || true
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	nk bundle --remove "$T/run"
	[ ! -e "$T/run" ]
	assert_sound
}

@test "load killed at each step: nothing recorded, the next command sweeps, loads again" {
	for point in load-staged load-moved-layers load-recorded; do
		killed_at $point load --quiet -i "$CT/img"
		run nk images -a -q
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		assert_sound
		[ -z "$(ls -A "$SR/layers")" ]
	done
	assert_runs
}

@test "import killed at each step: nothing recorded, the next command sweeps" {
	for point in import-copied load-staged load-moved-layers load-recorded; do
		killed_at $point import "$CT/busybox.tar" imp:1
		run nk images -a -q
		[ -z "$output" ]
		assert_sound
	done
	nk import "$CT/busybox.tar" imp:1
	assert_sound
}

@test "rmi killed before its commit: the image stays whole; after it: the deletion finishes" {
	nk load --quiet -i "$CT/img"
	killed_at rmi-trashed rmi app:1
	[ -n "$(ls -A "$SR/trash")" ]
	run nk images -q
	[ -n "$output" ]
	assert_sound
	# What the killed rmi had moved aside is back, complete.
	m=$(nk image mount app:1)
	[ "$(find "$m/many" -type f | wc -l)" = 3000 ]
	[ -x "$m/bin/busybox" ]
	nk image unmount app:1
	killed_at rmi-committed rmi app:1
	run nk images -a -q
	[ -z "$output" ]
	assert_sound
	[ -z "$(ls -A "$SR/layers")" ]
	assert_runs
}

@test "prune killed at each step, then the next command finishes it" {
	nk import "$CT/busybox.tar" >/dev/null
	killed_at prune-trashed system prune
	run nk images -a -q
	[ -n "$output" ]
	assert_sound
	killed_at prune-committed system prune
	run nk images -a -q
	[ -z "$output" ]
	assert_sound
	[ -z "$(ls -A "$SR/layers")" ]
}

@test "bundle killed at each step: bundle again completes it, --remove removes it" {
	nk load --quiet -i "$CT/img"
	for point in user-recorded bundle-recorded bundle-mounted; do
		killed_at $point bundle app:1 "$T/b"
		nk bundle app:1 "$T/b"
		[ -f "$T/b/config.json" ]
		[ -x "$T/b/rootfs/bin/busybox" ]
		nk bundle --remove "$T/b"
		[ ! -e "$T/b" ]
		assert_sound
		killed_at $point bundle app:1 "$T/b"
		nk bundle --remove "$T/b"
		[ ! -e "$T/b" ]
		assert_sound
		[ -z "$(ls -A "$SR/containers")" ]
	done
	nk rmi app:1
	assert_runs
}

@test "bundle --remove killed at each step: --remove again finishes, the image is removable" {
	nk load --quiet -i "$CT/img"
	for point in bundle-remove-config bundle-remove-unmounted bundle-remove-dirs user-trashed; do
		nk bundle app:1 "$T/b"
		killed_at $point bundle --remove "$T/b"
		nk bundle --remove "$T/b"
		[ ! -e "$T/b" ]
		assert_sound
		[ -z "$(ls -A "$SR/containers")" ]
	done
	# ... and bundle again after a killed remove makes a whole bundle.
	nk bundle app:1 "$T/b"
	killed_at bundle-remove-unmounted bundle --remove "$T/b"
	nk bundle app:1 "$T/b"
	[ -x "$T/b/rootfs/bin/busybox" ]
	nk bundle --remove "$T/b"
	nk rmi app:1
	assert_sound
	assert_runs
}

# kill_randomly MAX_MS COMMAND...: run the command, SIGKILL it after a
# random delay below MAX_MS (the caller seeds RANDOM).  --foreground:
# timeout reaps the command before it returns (without it, timeout kills
# its own process group and the next command may start while the killed
# one still holds its locks).  KILLED=1
# when the kill landed before the command finished.
kill_randomly() {
	local max=$1 rc=0
	shift
	local cmd=$1
	[ "$2" != --remove ] && [ "$2" != prune ] || cmd="$1 $2"
	local us=$(((RANDOM * 32768 + RANDOM) % (max * 1000) + 1))
	timeout --foreground -s KILL "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))" \
		"$NOOK" "$@" --storage-root "$SR" >/dev/null 2>&1 || rc=$?
	KILLED=0
	[ "$rc" != 137 ] || KILLED=1
	KILLS[$cmd]=$((${KILLS[$cmd]:-0} + KILLED))
}

# 30 random kills each of load, import, rmi, prune, bundle and
# bundle --remove, each followed by the next command and the checks.
@test "random SIGKILLs (fixed seed): load, import, rmi, prune, bundle, bundle --remove" {
	declare -A KILLS
	RANDOM=8
	for i in $(seq 30); do
		kill_randomly 400 load --quiet -i "$CT/img"
		run nk images -q
		[ "$status" -eq 0 ]
		assert_sound
		nk rmi app:1 >/dev/null 2>&1 || true
	done
	for i in $(seq 30); do
		kill_randomly 60 import "$CT/busybox.tar" imp:1
		run nk images -q
		[ "$status" -eq 0 ]
		assert_sound
		nk rmi imp:1 >/dev/null 2>&1 || true
	done
	nk load --quiet -i "$CT/img"
	for i in $(seq 30); do
		nk images -q | grep -q . || nk load --quiet -i "$CT/img"
		kill_randomly 80 rmi app:1
		run nk images -q
		[ "$status" -eq 0 ]
		assert_sound
	done
	nk rmi app:1 >/dev/null 2>&1 || true
	for i in $(seq 30); do
		nk images -a -q | grep -q . || nk import "$CT/busybox.tar" >/dev/null
		kill_randomly 40 system prune
		run nk images -a -q
		[ "$status" -eq 0 ]
		assert_sound
	done
	nk images -q | grep -q . || nk load --quiet -i "$CT/img"
	for i in $(seq 30); do
		kill_randomly 25 bundle app:1 "$T/b"
		# The next command: the same again, or the removal.
		if [ $((i % 2)) = 0 ]; then
			# (killed after its last step, it is complete already)
			run nk bundle app:1 "$T/b"
			[ "$status" -eq 0 ] || [[ "$output" == *"already exists"* ]]
			[ -x "$T/b/rootfs/bin/busybox" ]
		fi
		run nk bundle --remove "$T/b"
		[ "$status" -eq 0 ] || [[ "$output" == *"not a bundle made by nook"* ]]
		rmdir "$T/b" 2>/dev/null || true
		assert_sound
		[ -z "$(ls -A "$SR/containers")" ]
	done
	for i in $(seq 30); do
		nk bundle app:1 "$T/b"
		kill_randomly 20 bundle --remove "$T/b"
		run nk bundle --remove "$T/b"
		[ "$status" -eq 0 ] || [[ "$output" == *"not a bundle made by nook"* ]]
		[ ! -e "$T/b" ]
		assert_sound
		[ -z "$(ls -A "$SR/containers")" ]
	done
	for k in "${!KILLS[@]}"; do echo "# $k: ${KILLS[$k]} of 30 killed before they finished" >&3; done
	assert_runs
}
