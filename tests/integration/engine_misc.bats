#!/usr/bin/env bats
# The engine's smaller promises: signals to a paused container, --init's
# PID 1 command line, inspect's Mounts, system prune --volumes and exec's
# detach keys.
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() {
	engine_setup
	PTY="$BATS_TEST_DIRNAME/pty_drive.py"
}
teardown() {
	engine_teardown || return 1
	[ -n "${ROOT:-}" ] || return 0
	nk volume prune -a -f >/dev/null
	[ -z "$(ls "$SR/volumes" 2>/dev/null)" ] || { echo "volume dirs left"; return 1; }
}

# sh as PID 1 that exits with CODE on SIGNAL (a handled signal reaches a
# namespace's init).
trapper() { echo "trap 'exit $2' $1; while :; do sleep 0.1; done"; }

# ------------------------------------------------------ paused signals --

@test "stop of a paused container thaws it: the stop signal is delivered, it exits with its code" {
	nk run -d --name "$P" bb:1 sh -c "$(trapper TERM 3)" >/dev/null
	nk pause "$P" >/dev/null
	# Frozen, SIGTERM would wait out the 60 s and SIGKILL would give 137.
	run nk stop -t 60 "$P"
	assert_success
	run nk inspect "$P"
	echo "$output" | jq -e '.[0].State | .Status == "exited" and .ExitCode == 3 and .Paused == false'
	run nk ps -a
	assert_line --regexp "Exited \(3\) .* $P\$"
}

@test "kill of a paused container: thawed for its stop signal (any, when it names none), as docker" {
	nk run -d --name "$P" bb:1 sh -c "$(trapper USR1 4)" >/dev/null
	nk pause "$P" >/dev/null
	nk kill -s USR1 "$P" >/dev/null
	run timeout 20 "$NOOK" --storage-root "$SR" --root "$ROOT" wait "$P"
	assert_output 4
	# With --stop-signal USR2, USR1 waits in the frozen container.
	nk run -d --name "$P-s" --stop-signal USR2 bb:1 sh -c "$(trapper USR1 5)" >/dev/null
	nk pause "$P-s" >/dev/null
	nk kill -s USR1 "$P-s" >/dev/null
	nk inspect "$P-s" | jq -e '.[0].State.Paused == true'
	nk unpause "$P-s" >/dev/null
	run timeout 20 "$NOOK" --storage-root "$SR" --root "$ROOT" wait "$P-s"
	assert_output 5
	# rm -f of a paused container removes it and all it had.
	nk run -d --name "$P-r" bb:1 sleep 1000 >/dev/null
	pid=$(nk inspect "$P-r" | jq -r '.[0].State.Pid')
	nk pause "$P-r" >/dev/null
	run nk rm -f "$P-r"
	assert_success
	[ ! -d "/proc/$pid" ] || ! grep -q '^State:.*[RSD]' "/proc/$pid/status"
	run nk inspect "$P-r"
	assert_failure
}

# -------------------------------------------------------------- prune --

@test "system prune --volumes removes unused anonymous volumes, keeps named and used ones (docker 23+)" {
	nk volume create "$P-named" >/dev/null
	nk run --name "$P-a" -v /anon bb:1 true >/dev/null
	anon=$(nk volume ls -q | grep -v "^$P-named\$")
	nk rm "$P-a" >/dev/null
	nk run -d --name "$P-u" -v /used bb:1 sleep 1000 >/dev/null
	used=$(nk volume ls -q | grep -v -e "^$P-named\$" -e "^$anon\$")
	[ -d "$SR/volumes/$anon/_data" ]
	# Without --volumes no volume goes.
	run nk system prune -f
	assert_success
	run nk volume ls -q
	[ "${#lines[@]}" = 3 ]
	run nk system prune -f --volumes
	assert_success
	assert_line "Deleted Volumes:"
	assert_line "$anon"
	refute_line "$used"
	refute_line "$P-named"
	run nk volume ls -q
	assert_line "$P-named"
	assert_line "$used"
	refute_line "$anon"
	[ ! -e "$SR/volumes/$anon" ]
	[ -d "$SR/volumes/$used/_data" ]
	nk rm -f -v "$P-u" >/dev/null
	nk volume rm "$P-named" >/dev/null
}

# ------------------------------------------------------------- inspect --

@test "inspect Mounts lists volumes (named and anonymous) and bind mounts in docker's shape" {
	mkdir "$BATS_TEST_TMPDIR/hb"
	nk volume create "$P-v" >/dev/null
	nk create --name "$P" -v "$P-v:/n" -v /anon -v "$BATS_TEST_TMPDIR/hb:/hb:ro" \
		--mount "type=bind,src=$BATS_TEST_TMPDIR/hb,dst=/hb2" --mount type=tmpfs,dst=/t \
		bb:1 true >/dev/null
	anon=$(nk volume ls -q | grep -v "^$P-v\$")
	run nk inspect "$P"
	m=$(echo "$output" | jq -c '.[0].Mounts')
	echo "$m"
	[ "$(echo "$m" | jq length)" = 5 ]
	echo "$m" | jq -e --arg n "$P-v" --arg src "$SR/volumes/$P-v/_data" \
		'.[] | select(.Destination == "/n") | .Type == "volume" and .Name == $n and
		 .Source == $src and .Driver == "local" and .RW == true and .Propagation == ""'
	echo "$m" | jq -e --arg n "$anon" --arg src "$SR/volumes/$anon/_data" \
		'.[] | select(.Destination == "/anon") | .Type == "volume" and .Name == $n and .Source == $src'
	echo "$m" | jq -e --arg src "$BATS_TEST_TMPDIR/hb" \
		'.[] | select(.Destination == "/hb") | .Type == "bind" and .Source == $src and
		 .Mode == "ro" and .RW == false and .Propagation == "rprivate" and (has("Name") | not)'
	echo "$m" | jq -e --arg src "$BATS_TEST_TMPDIR/hb" \
		'.[] | select(.Destination == "/hb2") | .Type == "bind" and .Source == $src and .RW == true'
	echo "$m" | jq -e '.[] | select(.Destination == "/t") | .Type == "tmpfs"'
	# Nothing of nook's own (/proc, /etc/hosts ...).
	! echo "$m" | jq -e '.[] | select(.Destination == "/etc/hosts" or .Destination == "/proc")'
	nk rm -v "$P" >/dev/null
	nk volume rm "$P-v" >/dev/null
}

# ---------------------------------------------------------------- init --

@test "--init: /proc/1/cmdline reads 'nook-init -- CMD...', no host path of the monitor's" {
	cmd='tr "\0" "|" </proc/1/cmdline; echo; cat /proc/1/comm'
	run nk run --rm --init bb:1 sh -c "$cmd"
	assert_success
	assert_line --index 0 "nook-init|--|sh|-c|$cmd|"
	assert_line --index 1 nook-init
	refute_output --partial "$SR"
	refute_output --partial "$ROOT"
	# No capability, another user, and a command longer than the
	# monitor's own command line.
	long="$cmd; : $(printf 'x%.0s' $(seq 700))"
	run nk run --rm --init -u nobody --cap-drop ALL bb:1 sh -c "$long"
	assert_success
	assert_line --index 0 "nook-init|--|sh|-c|$long|"
	refute_output --partial "$SR"
}

# ---------------------------------------------------------------- exec --

# The nook command line, for pty_drive.py.
nook_argv() { echo "$NOOK" --storage-root "$SR" --root "$ROOT"; }

@test "exec -it: ctrl-p ctrl-q (or --detach-keys) detaches; the command runs on in the container" {
	nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:echo $$ >/tmp/a.pid; echo go$((1+1))\r' 'expect:go2' 'send:\x10\x11' \
		wait -- $(nook_argv) exec -it "$P" sh
	assert_output --partial "EXIT 0"
	run nk exec "$P" sh -c 'p=$(cat /tmp/a.pid); grep "^State" /proc/$p/status; cat /proc/$p/cmdline'
	assert_line --regexp '^State:.*(S|R)'
	assert_line --partial sh
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:echo $$ >/tmp/b.pid; echo go$((2+2))\r' 'expect:go4' 'send:\x01d' \
		wait -- $(nook_argv) exec -it --detach-keys ctrl-a,d "$P" sh
	assert_output --partial "EXIT 0"
	run nk exec "$P" sh -c 'p=$(cat /tmp/b.pid); grep "^State" /proc/$p/status'
	assert_line --regexp '^State:.*(S|R)'
	# Without a terminal the keys are plain input.
	run nk exec -i "$P" cat <<<$'\x10\x11x'
	assert_output $'\x10\x11x'
	run nk exec -it --detach-keys ctrl-% "$P" true
	assert_failure 125
	assert_output --partial "detach-keys"
}
