#!/usr/bin/env bats
# The engine on running containers: exec, attach and detach keys,
# pause/unpause, top, stats, cp (with the escapes it must refuse), port
# (published ports themselves: network.bats).
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() {
	engine_setup
	PTY="$BATS_TEST_DIRNAME/pty_drive.py"
}
teardown() { engine_teardown; }

# A running container named $P.
sleeper() { nk run -d --name "$P" "$@" bb:1 sleep 1000 >/dev/null; }

# The nook command line, for pty_drive.py.
nook_argv() { echo "$NOOK" --storage-root "$SR" --root "$ROOT"; }

# --------------------------------------------------------------- exec --

@test "exec runs in the container's namespaces with its profile (caps, seccomp, no_new_privs)" {
	sleeper
	pid=$(nk inspect "$P" | jq -r '.[0].State.Pid')
	run nk exec "$P" sh -c 'for n in mnt pid uts ipc net; do readlink /proc/self/ns/$n; done'
	assert_success
	for n in mnt pid uts ipc net; do
		assert_line "$(readlink /proc/"$pid"/ns/$n)"
	done
	want=$(grep '^CapBnd' /proc/"$pid"/status | cut -f2)
	run nk exec "$P" cat /proc/self/status
	assert_line "CapEff:	$want"
	assert_line "CapBnd:	$want"
	assert_line "Seccomp:	2"
	assert_line "NoNewPrivs:	1"
	# The exec'd process is in the container's cgroup (seen from the host).
	nk exec -d "$P" sleep 555
	for _ in $(seq 50); do
		epid=$(nk top "$P" -o pid,args | awk '$2 == "sleep" && $3 == 555 {print $1}')
		[ -n "$epid" ] && break
		sleep 0.1
	done
	grep -q "^0::.*$(nk inspect "$P" | jq -r '.[0].Id')" /proc/"$epid"/cgroup
}

@test "exec --privileged: every capability nook holds; without it CAP_SYS_ADMIN is not there" {
	sleeper
	run nk exec "$P" grep CapEff /proc/self/status
	eff=$(( 16#$(echo "$output" | cut -f2) ))
	(( (eff >> 21 & 1) == 0 ))
	run nk exec --privileged "$P" grep CapEff /proc/self/status
	assert_success
	eff=$(( 16#$(echo "$output" | cut -f2) ))
	(( (eff >> 21 & 1) == 1 ))
}

@test "exec: the command's exit code, 127 not found, 126 cannot invoke, 125 nook failed; one line each" {
	sleeper
	run nk exec "$P" sh -c 'exit 7'
	assert_failure 7
	run -127 nk exec "$P" /no/such/cmd
	assert_output --partial "/no/such/cmd"
	[ "${#lines[@]}" = 1 ]
	run -127 nk exec "$P" nosuchcommand
	[ "${#lines[@]}" = 1 ]
	run -126 nk exec "$P" /etc/passwd
	[ "${#lines[@]}" = 1 ]
	run -126 nk exec -w /no/such/dir "$P" true
	[ "${#lines[@]}" = 1 ]
	run -125 nk exec no-such-container true
	assert_output --partial no-such-container
	[ "${#lines[@]}" = 1 ]
}

@test "exec -e, --env-file, -w, -u USER[:GROUP] (names from the container's files)" {
	sleeper
	printf 'FROMFILE=1\n# comment\n\nSPACED=a b\n' >"$BATS_TEST_TMPDIR/env"
	run env HOSTVAR=h "$NOOK" --storage-root "$SR" --root "$ROOT" exec -e A=1 -e HOSTVAR \
		-e UNSET_VAR_X --env-file "$BATS_TEST_TMPDIR/env" -w /tmp "$P" \
		sh -c 'echo "$A $HOSTVAR $FROMFILE $SPACED ${UNSET_VAR_X-unset}"; pwd'
	assert_success
	assert_line "1 h 1 a b unset"
	assert_line /tmp
	run nk exec -u nobody "$P" id
	assert_output --regexp '^uid=65534\(nobody\) gid=65534'
	run nk exec -u 123:root "$P" id -u
	assert_output 123
	run nk exec -u nobody:0 "$P" id -g
	assert_output 0
	run -125 nk exec -u no-such-user "$P" id
	assert_output --partial "unable to find user no-such-user"
	[ "${#lines[@]}" = 1 ]
	run -125 nk exec -u nobody:nogroup "$P" id
	assert_output --partial "unable to find group nogroup"
}

@test "exec -u resolves names inside the container: an /etc/passwd symlink to the host's is not read" {
	sleeper
	nk exec "$P" sh -c 'rm /etc/passwd; ln -s /../../../../../etc/passwd /etc/passwd' 2>/dev/null ||
		true
	# The host has a "daemon" user; the container's passwd (now a link
	# that stays inside its root: to itself) does not.
	grep -q '^daemon:' /etc/passwd || skip "host has no daemon user"
	run -125 nk exec -u daemon "$P" id
	refute_output --partial "uid="
}

@test "exec -i passes stdin; without -i the command reads nothing" {
	sleeper
	run bash -c "echo from-stdin | $(nook_argv) exec -i $P cat"
	assert_success
	assert_output from-stdin
	run bash -c "echo from-stdin | $(nook_argv) exec $P cat"
	assert_success
	assert_output ""
}

@test "exec -d returns at once; the command runs on in the container" {
	sleeper
	run nk exec -d "$P" sh -c 'echo started >/tmp/mark; exec sleep 999'
	assert_success
	assert_output ""
	for _ in $(seq 50); do nk exec "$P" cat /tmp/mark 2>/dev/null && break; sleep 0.1; done
	run nk top "$P"
	assert_output --partial "sleep 999"
	run -125 nk exec -d -t "$P" true
	[ "${#lines[@]}" = 1 ]
}

@test "exec -it: a pty in raw mode, window size forwarded, exit code passed" {
	sleeper
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:tty; stty size\r' 'expect:24 80' 'size:33,101' \
		'send:stty size\r' 'expect:33 101' 'send:exit 6\r' wait -- $(nook_argv) exec -it "$P" sh
	assert_output --partial /dev/pts/
	assert_output --partial "EXIT 6"
}

@test "exec into a stopped, a paused or a created container: one clear line" {
	nk create --name "$P" bb:1 sleep 1000 >/dev/null
	run -125 nk exec "$P" true
	assert_output "nook: container $P is not running"
	nk start "$P" >/dev/null
	nk pause "$P" >/dev/null
	run -125 nk exec "$P" true
	assert_output --partial "paused"
	[ "${#lines[@]}" = 1 ]
	nk unpause "$P" >/dev/null
	nk stop -t 0 "$P" >/dev/null
	run -125 nk exec "$P" true
	assert_output "nook: container $P is not running"
}

@test "exec: bad input (missing args, unknown option, ambiguous prefix, relative -w, --help)" {
	run -125 nk exec
	[ "${#lines[@]}" = 1 ]
	run -125 nk exec "$P"
	assert_output --partial "at least 2"
	run -125 nk exec --bogus "$P" true
	assert_output --partial "--bogus"
	run -125 nk exec -w tmp "$P" true
	assert_output --partial "absolute"
	run -125 nk exec -e =x "$P" true
	[ "${#lines[@]}" = 1 ]
	run nk exec --help
	assert_success
	assert_output --partial "usage: nook exec"
	# A --help after the container is the command's.
	sleeper
	run nk exec "$P" echo --help
	assert_output -- --help
}

# A first hex digit two containers share (made until one is shared).
ambiguous_prefix() {
	declare -A first
	local i id c
	for i in $(seq 40); do
		id=$(nk create --name "$P-$i" bb:1 true)
		c=${id:0:1}
		if [ -n "${first[$c]:-}" ]; then
			echo "$c"
			return
		fi
		first[$c]=$id
	done
	return 1
}

@test "an ambiguous id prefix is refused by exec, attach, pause, unpause, top, stats, cp, port" {
	amb=$(ambiguous_prefix)
	for cmd in "exec $amb true" "attach $amb" "pause $amb" "unpause $amb" "top $amb" \
		"stats --no-stream $amb" "cp $amb:/etc/passwd $BATS_TEST_TMPDIR/x" "port $amb"; do
		# shellcheck disable=SC2086
		run nk $cmd
		assert_failure
		assert_output --partial "ambiguous"
		[ "${#lines[@]}" = 1 ]
	done
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

# ------------------------------------------------------------- attach --

@test "run -it: ctrl-p ctrl-q detaches, the container runs on; attach reconnects and gets its exit" {
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:echo one$((1+1))\r' 'expect:one2' 'send:\x10\x11' wait -- \
		$(nook_argv) run -it --name "$P" bb:1 sh
	assert_output --partial "EXIT 0"
	run nk inspect "$P"
	echo "$output" | jq -e '.[0].State.Running == true'
	# Held-back keys that do not complete the sequence go through.
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:echo RE""ADY; od -c\r' 'expect:READY' 'send:a\x10b\r\x04' 'expect:020' \
		'send:echo two$((1+1))\r' 'expect:two2' 'send:exit 9\r' wait -- $(nook_argv) attach "$P"
	assert_output --partial "EXIT 9"
	run nk inspect "$P"
	echo "$output" | jq -e '.[0].State.Running == false and .[0].State.ExitCode == 9'
}

@test "--detach-keys on run, start -ai and attach; a bad one is refused before anything starts" {
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:echo x$((2+2))\r' 'expect:x4' 'send:\x01' 'send:d' wait -- \
		$(nook_argv) run -it --detach-keys ctrl-a,d --name "$P" bb:1 sh
	assert_output --partial "EXIT 0"
	nk inspect "$P" | jq -e '.[0].State.Running == true'
	# The default keys do nothing when others are asked for.
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:\x10\x11echo y$((3+3))\r' 'expect:y6' 'send:\x02\x02' wait -- \
		$(nook_argv) attach --detach-keys ctrl-b,ctrl-b "$P"
	assert_output --partial "EXIT 0"
	nk stop -t 0 "$P" >/dev/null
	# shellcheck disable=SC2046
	run python3 "$PTY" 'send:echo z$((4+4))\r' 'expect:z8' 'send:\x10\x11' wait -- \
		$(nook_argv) start -ai "$P"
	assert_output --partial "EXIT 0"
	nk inspect "$P" | jq -e '.[0].State.Running == true'
	run -125 nk run -it --detach-keys ctrl-% --name "${P}x" bb:1 sh
	assert_output --partial "detach-keys"
	[ "${#lines[@]}" = 1 ]
	run nk inspect "${P}x"
	assert_failure
	run nk attach --detach-keys nope "$P"
	assert_failure
	assert_output --partial "detach-keys"
}

@test "attach: -d -i container gets stdin; a second client is turned away; stopped and unknown refused" {
	nk run -d -i --name "$P" bb:1 sh -c 'read line; echo "got $line"; exit 3' >/dev/null
	"$NOOK" --storage-root "$SR" --root "$ROOT" attach --no-stdin "$P" >/dev/null 2>&1 </dev/null &
	first=$!
	# Until the first one is served (a try that got in first is ended).
	for _ in $(seq 50); do
		run timeout -s KILL 2 "$NOOK" --storage-root "$SR" --root "$ROOT" attach --no-stdin "$P"
		[[ $output == *"attached already"* ]] && break
		sleep 0.1
	done
	assert_output "nook: container $P has a client attached already"
	kill -9 "$first"
	wait "$first" || true
	# The first client went away: attach again and feed stdin.
	for _ in $(seq 50); do
		run bash -c "echo hello | $(nook_argv) attach $P"
		[ "$status" = 3 ] && break
		sleep 0.1
	done
	assert_failure 3
	assert_output "got hello"
	run nk attach "$P"
	assert_failure
	assert_output --partial "not running"
	run nk attach no-such-ctr
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk attach
	assert_failure 2
	run nk attach --help
	assert_success
}

@test "attach socket: gone with the container, and rm -f cleans up after a monitor killed with -9" {
	sleeper
	sock=$(ls "$SR"/engine/*.sock)
	[ -S "$sock" ]
	for m in $(monitors); do kill -9 "$m"; done
	run nk attach "$P"
	assert_failure
	nk rm -f "$P" >/dev/null
	[ ! -e "$sock" ]
}

# -------------------------------------------------------------- pause --

@test "pause freezes the container's cgroup (Paused in ps and inspect); unpause thaws it" {
	sleeper
	id=$(nk inspect "$P" | jq -r '.[0].Id')
	run nk pause "$P"
	assert_success
	assert_output "$P"
	events=$(compgen -G "/sys/fs/cgroup/unified/nook/$id*/cgroup.events" ||
		compgen -G "/sys/fs/cgroup/*nook*$id*/cgroup.events" || true)
	[ -n "$events" ] && grep -qx 'frozen 1' "$events"
	pid=$(nk inspect "$P" | jq -r '.[0].State.Pid')
	run nk inspect "$P"
	echo "$output" | jq -e '.[0].State.Paused == true and .[0].State.Status == "paused" and .[0].State.Running == true'
	run nk ps
	assert_line --regexp "Up .*\(Paused\) +$P\$"
	run nk pause "$P"
	assert_failure
	assert_output --partial "already paused"
	run nk unpause "$P"
	assert_success
	grep -qx 'frozen 0' "$events"
	run nk inspect "$P"
	echo "$output" | jq -e '.[0].State.Paused == false and .[0].State.Status == "running"'
	run nk unpause "$P"
	assert_failure
	assert_output --partial "not paused"
	[ -d "/proc/$pid" ]
}

@test "pause/unpause: stopped, unknown, ambiguous and missing containers" {
	nk create --name "$P" bb:1 true >/dev/null
	run nk pause "$P"
	assert_failure
	assert_output "nook: container $P is not running"
	run nk unpause no-such-ctr
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk pause
	assert_failure 2
	run nk pause --help
	assert_success
	assert_output --partial "usage: nook pause"
}

# ---------------------------------------------------------- top, stats --

@test "top: the container's processes only, with ps options" {
	sleeper
	nk exec -d "$P" sleep 777
	for _ in $(seq 50); do nk top "$P" | grep -q 'sleep 777' && break; sleep 0.1; done
	run nk top "$P"
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_line --partial "sleep 1000"
	assert_line --partial "sleep 777"
	[ "${#lines[@]}" = 3 ]
	run nk top "$P" -o pid,comm
	assert_line --index 0 --regexp '^ *PID +COMMAND'
	[ "${#lines[@]}" = 3 ]
	run nk top "$P" -o comm
	assert_failure
	assert_output --partial "no PID column"
	run nk top "$P" --no-such-ps-option
	assert_failure
	run nk top no-such-ctr
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk top
	assert_failure 2
}

@test "stats --no-stream: pids, CPU, net I/O of the container's netns; -- for what this host cannot tell" {
	sleeper
	nk exec -d "$P" sleep 777
	for _ in $(seq 50); do nk top "$P" | grep -q 'sleep 777' && break; sleep 0.1; done
	run nk stats --no-stream --format json "$P"
	assert_success
	[ "${#lines[@]}" = 1 ]
	echo "$output" | jq -e --arg n "$P" '.Name == $n and .PIDs == "2" and (.CPUPerc | test("^[0-9.]+%$"))'
	# --network none: only loopback, which docker does not count.
	echo "$output" | jq -e '.NetIO == "0B / 0B"'
	id=$(nk inspect "$P" | jq -r '.[0].Id')
	cg=$(dirname "$(compgen -G "/sys/fs/cgroup/unified/nook/$id*/cgroup.procs" | head -1)")
	if [ ! -e "$cg/memory.current" ]; then
		echo "$output" | jq -e '.MemUsage == "-- / --" and .MemPerc == "--"'
	fi
	run nk stats --no-stream
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT'
	assert_line --partial "$P"
	run nk stats --no-stream no-such-ctr
	assert_failure
	run nk stats --format yaml
	assert_failure 2
	run nk stats --help
	assert_success
}

# ----------------------------------------------------------------- cp --

@test "cp out of and into a running container: files, directories, modes" {
	sleeper
	nk exec "$P" sh -c 'mkdir -p /d/sub && echo a >/d/f && echo b >/d/sub/g && chmod 640 /d/f && ln -s f /d/l'
	mkdir "$BATS_TEST_TMPDIR/out"
	nk cp "$P:/d" "$BATS_TEST_TMPDIR/out"
	[ "$(cat "$BATS_TEST_TMPDIR/out/d/f")" = a ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/d/sub/g")" = b ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/out/d/f")" = 640 ]
	[ "$(readlink "$BATS_TEST_TMPDIR/out/d/l")" = f ]
	nk cp "$P:/d/f" "$BATS_TEST_TMPDIR/out/renamed"
	[ "$(cat "$BATS_TEST_TMPDIR/out/renamed")" = a ]
	echo in >"$BATS_TEST_TMPDIR/in.txt"
	nk cp "$BATS_TEST_TMPDIR/in.txt" "$P:/tmp/"
	nk cp "$BATS_TEST_TMPDIR/in.txt" "$P:/tmp/other"
	nk cp "$BATS_TEST_TMPDIR/out/d" "$P:/copied"
	run nk exec "$P" sh -c 'cat /tmp/in.txt /tmp/other /copied/sub/g'
	assert_output "$(printf 'in\nin\nb')"
}

@test "cp works on a stopped container (its bundle's root)" {
	nk run --name "$P" bb:1 sh -c 'echo inside >/made' >/dev/null
	nk cp "$P:/made" "$BATS_TEST_TMPDIR/made"
	[ "$(cat "$BATS_TEST_TMPDIR/made")" = inside ]
	echo put >"$BATS_TEST_TMPDIR/put"
	nk cp "$BATS_TEST_TMPDIR/put" "$P:/put"
	run nk start -a "$P"
	run nk logs "$P"
	nk rm "$P" >/dev/null
	nk create --name "$P" bb:1 true >/dev/null
	nk cp "$BATS_TEST_TMPDIR/put" "$P:/etc/put"
	nk cp "$P:/etc/put" "$BATS_TEST_TMPDIR/back"
	[ "$(cat "$BATS_TEST_TMPDIR/back")" = put ]
}

@test "cp out through a symlink to the host's /etc/shadow copies the link, never the host's file" {
	secret="$BATS_TEST_TMPDIR/host-secret"
	echo "HOST-SECRET-$$" >"$secret"
	sleeper
	nk exec "$P" sh -c "ln -s /etc/shadow /shadowlink; ln -s $secret /secretlink; ln -s $BATS_TEST_TMPDIR /hostdir"
	mkdir "$BATS_TEST_TMPDIR/out"
	nk cp "$P:/shadowlink" "$BATS_TEST_TMPDIR/out/shadow"
	[ -L "$BATS_TEST_TMPDIR/out/shadow" ]
	nk cp "$P:/secretlink" "$BATS_TEST_TMPDIR/out/s"
	[ -L "$BATS_TEST_TMPDIR/out/s" ]
	# A symlinked directory in the middle resolves inside the container.
	run nk cp "$P:/hostdir/host-secret" "$BATS_TEST_TMPDIR/out/s2"
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/out/s2" ]
	run nk cp "$P:/../../../../../..$secret" "$BATS_TEST_TMPDIR/out/s3"
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/out/s3" ]
	run nk cp "$P:/shadowlink/." "$BATS_TEST_TMPDIR/out/s4"
	assert_failure
	! grep -rq "HOST-SECRET" "$BATS_TEST_TMPDIR/out"
}

@test "cp in through a symlinked parent, a '..' escape or a planted link never writes the host" {
	hostdir="$BATS_TEST_TMPDIR/hostdir"
	mkdir "$hostdir"
	echo keep >"$hostdir/target"
	echo evil >"$BATS_TEST_TMPDIR/in"
	sleeper
	nk exec "$P" sh -c "ln -s $hostdir /escape; ln -s $hostdir/target /planted"
	run nk cp "$BATS_TEST_TMPDIR/in" "$P:/escape/x"
	assert_failure
	run nk cp "$BATS_TEST_TMPDIR/in" "$P:/../../../../..$hostdir/y"
	assert_failure
	[ ! -e "$hostdir/x" ] && [ ! -e "$hostdir/y" ]
	# The planted link is replaced by the file, not followed.
	nk cp "$BATS_TEST_TMPDIR/in" "$P:/planted"
	[ "$(cat "$hostdir/target")" = keep ]
	run nk exec "$P" sh -c 'test -f /planted && ! test -L /planted && cat /planted'
	assert_output evil
	# A symlinked parent inside the container is followed inside it.
	nk exec "$P" sh -c 'mkdir /real; ln -s /real /alias; ln -s ../../../real /climb'
	nk cp "$BATS_TEST_TMPDIR/in" "$P:/alias/"
	nk cp "$BATS_TEST_TMPDIR/in" "$P:/climb/z"
	run nk exec "$P" sh -c 'cat /real/in /real/z'
	assert_output "$(printf 'evil\nevil')"
	[ -z "$(ls -A "$hostdir" | grep -v '^target$')" ]
}

@test "cp: bad input" {
	sleeper
	echo x >"$BATS_TEST_TMPDIR/f"
	run nk cp "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/g"
	assert_failure 2
	assert_output --partial "CONTAINER:PATH"
	run nk cp "$P:/a" "$P:/b"
	assert_failure 2
	run nk cp "$P:" "$BATS_TEST_TMPDIR/g"
	assert_failure 2
	run nk cp - -
	assert_failure 2
	run nk cp no-such-ctr:/etc/passwd "$BATS_TEST_TMPDIR/g"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk cp "$P:/no/such" "$BATS_TEST_TMPDIR/g"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk cp "$BATS_TEST_TMPDIR/f" "$P:/no/such/dir/f"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk cp "$P:/dev/null" "$BATS_TEST_TMPDIR/g"
	assert_failure
	assert_output --partial "not a regular file"
	[ ! -e "$BATS_TEST_TMPDIR/g" ]
	run nk cp
	assert_failure 2
	run nk cp --help
	assert_success
}

# --------------------------------------------------------------- port --

@test "port of a container without a network lists nothing; unknown containers are errors" {
	sleeper
	run nk port "$P"
	assert_success
	assert_output ""
	run nk port no-such-ctr
	assert_failure
	run nk port
	assert_failure 2
	run nk port --help
	assert_success
}
