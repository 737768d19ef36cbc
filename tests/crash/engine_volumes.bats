#!/usr/bin/env bats
# Crash safety of the engine's volumes: volume create and rm killed with
# SIGKILL at each named step (NOOK_FAULT, base/fault.c).  A half-made
# volume is never listed; the next create of the name finishes it, the
# next rm (or prune) removes it; nothing is left on disk after that, and
# `nook system check` finds the store sound.
load ../integration/engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() {
	engine_teardown || return 1
	[ -n "${ROOT:-}" ] || return 0
	nk volume prune -a -f >/dev/null
	[ -z "$(ls "$SR/volumes" 2>/dev/null)" ] || { echo "volume dirs left"; return 1; }
}

vol() { "$NOOK" --storage-root "$SR" volume "$@"; }

# A volume rm of V was killed: V is not listed; rm again removes it all.
rm_again() {
	run vol ls -q
	refute_output --partial "$1"
	run vol rm "$1"
	assert_success
	[ ! -e "$SR/volumes/$1" ]
}

sound() {
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

@test "volume create killed at each step: not listed; create again finishes it" {
	for step in volume-recorded volume-made; do
		V="$P-$step"
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" volume create "$V"
		run vol ls -q
		refute_output --partial "$V"
		run vol inspect "$V"
		assert_failure
		# A container cannot use it half made: -v makes (finishes) it.
		run vol create "$V"
		assert_success
		assert_output "$V"
		[ -d "$SR/volumes/$V/_data" ]
		run vol rm "$V"
		assert_success
		[ ! -e "$SR/volumes/$V" ]
		sound
	done
}

@test "volume create killed: rm and prune remove what it left" {
	run -137 env NOOK_FAULT=volume-made "$NOOK" --storage-root "$SR" volume create "$P-a"
	run vol rm "$P-a"
	assert_success
	[ ! -e "$SR/volumes/$P-a" ]
	run -137 env NOOK_FAULT=volume-recorded "$NOOK" --storage-root "$SR" volume create "$P-b"
	run vol prune
	assert_success
	[ ! -e "$SR/volumes/$P-b" ]
	run vol inspect "$P-b"
	assert_failure
	sound
}

@test "volume rm killed at each step: gone from ls, rm again finishes, create again starts empty" {
	for step in volume-rm-marked volume-rm-data; do
		V="$P-$step"
		vol create "$V" >/dev/null
		echo data >"$SR/volumes/$V/_data/f"
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" volume rm "$V"
		rm_again "$V"
		run vol inspect "$V"
		assert_failure
		sound
	done
	# Killed, then created again: a fresh, empty volume.
	vol create "$P-c" >/dev/null
	echo old >"$SR/volumes/$P-c/_data/f"
	run -137 env NOOK_FAULT=volume-rm-marked "$NOOK" --storage-root "$SR" volume rm "$P-c"
	run vol create "$P-c"
	assert_success
	[ ! -e "$SR/volumes/$P-c/_data/f" ]
	vol rm "$P-c" >/dev/null
}

@test "rm of a volume bound to a host directory killed before and after the unmount: rm again finishes, the directory keeps its files" {
	src="$BATS_TEST_TMPDIR/src"
	mkdir -p "$src"
	echo hostfile >"$src/keep"
	for step in volume-rm-marked volume-rm-unmounted; do
		V="$P-$step"
		vol create -o type=none -o o=bind -o device="$src" "$V" >/dev/null
		nk run --rm -v "$V:/b" bb:1 true
		[ "$(cat "$SR/volumes/$V/_data/keep")" = hostfile ]
		run -137 env NOOK_FAULT=$step "$NOOK" --storage-root "$SR" volume rm "$V"
		rm_again "$V"
		! grep -q " $SR/volumes/$V/" /proc/self/mountinfo
		[ "$(cat "$src/keep")" = hostfile ]
		sound
	done
}

@test "run with an anonymous volume killed while creating: rm -f -v and prune leave nothing" {
	run -137 env NOOK_FAULT=engine-bundled "$NOOK" --storage-root "$SR" --root "$ROOT" \
		create --name "$P" -v /anon bb:1 true
	run vol ls -q
	[ "${#lines[@]}" = 1 ]
	run nk rm -f -v "$P"
	assert_success
	run vol ls -q
	assert_output ""
	engine_assert_clean
	sound
}

# The store as a nook before volume labels left it (schema 4: no labels
# column, nor the options column of schema 6).
downgrade() {
	python3 - "$SR/nook.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("ALTER TABLE volumes DROP COLUMN labels")
db.execute("ALTER TABLE volumes DROP COLUMN options")
db.execute("DROP TRIGGER IF EXISTS volume_users_release")
db.execute("PRAGMA user_version=4")
db.commit()
PY
}

schema() {
	python3 - "$SR/nook.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(volumes)")]
trig = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                  "AND name = 'volume_users_release'").fetchone()[0] == 1
print(db.execute("PRAGMA user_version").fetchone()[0], "labels" in cols, "options" in cols, trig)
PY
}

# How many volume links container $1 has in the store.
links() {
	python3 - "$SR/nook.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT count(*) FROM volume_users WHERE ctr = ?", (sys.argv[2],)).fetchone()[0])
PY
}

@test "an old store (no volume labels) upgraded, killed mid-upgrade: unchanged, the next command upgrades it" {
	vol create "$P-old" >/dev/null
	nk run --name "$P" -v /anon bb:1 true >/dev/null
	anon=$(vol ls -q | grep -v "^$P-old\$")
	downgrade
	[ "$(schema)" = "4 False False False" ]
	run -137 env NOOK_FAULT=store-upgrading "$NOOK" --storage-root "$SR" volume ls -q
	# Rolled back: the old schema, which the next command upgrades.
	[ "$(schema)" = "4 False False False" ]
	run vol ls -q
	assert_success
	assert_line "$P-old"
	assert_line "$anon"
	[ "$(schema)" = "7 True True True" ]
	[ "$(vol inspect "$P-old" | jq -c '.[0].Labels')" = '{}' ]
	[ "$(vol inspect "$P-old" | jq -c '.[0].Options')" = '{}' ]
	# What the old store knew survives: the anonymous one is still
	# anonymous and still in use by its stopped container.
	nk volume inspect "$anon" | jq -e '.[0].Anonymous'
	run vol prune -a -f
	assert_output "$P-old"
	id=$(nk inspect "$P" | jq -r '.[0].Id')
	[ "$(links "$id")" = 1 ]
	nk rm "$P" >/dev/null
	# Its links went with its row (the upgrade's trigger).
	[ "$(links "$id")" = 0 ]
	run vol prune -f
	assert_output "$anon"
	run vol create --label k=v "$P-new"
	assert_success
	[ "$(vol inspect "$P-new" | jq -r '.[0].Labels.k')" = v ]
	vol rm "$P-new" >/dev/null
	sound
}
