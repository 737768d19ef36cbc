#!/usr/bin/env bats
# The engine: nook run/create/start/ps/logs/stop/kill/rm/wait/inspect on
# an image of the store, each container under its monitor.
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

@test "run --rm: the output, exit 0, and the container is gone" {
	run nk run --rm --name "$P" bb:1 echo hello
	assert_success
	assert_output hello
	run nk ps -aq
	assert_output ""
}

@test "run --rm as the first container of a new store" {
	# Its bundle is on the state root: the store's engine directory
	# (which removal locks) does not exist yet.
	local sr=$BATS_TEST_TMPDIR/fresh
	"$NOOK" --storage-root "$sr" import "$BATS_FILE_TMPDIR/rootfs" bb:1 >/dev/null
	run "$NOOK" --storage-root "$sr" --root "$ROOT" run --rm bb:1 echo hello
	assert_success
	assert_output hello
	run "$NOOK" --storage-root "$sr" --root "$ROOT" ps -aq
	assert_success
	assert_output ""
}

@test "run passes the container's exit code through" {
	run nk run --rm bb:1 sh -c 'exit 3'
	assert_failure 3
	run nk run --name "$P" bb:1 sh -c 'exit 5'
	assert_failure 5
	run nk inspect "$P"
	assert_success
	[ "$(echo "$output" | jq -r '.[0].State.ExitCode')" = 5 ]
	[ "$(echo "$output" | jq -r '.[0].State.Status')" = exited ]
	[ "$(echo "$output" | jq -r '.[0].Name')" = "/$P" ]
}

@test "run: 127 for a command not in the image, 126 for one that cannot run, 125 for an unknown image" {
	run -127 nk run --rm bb:1 /no/such/cmd
	assert_failure 127
	[ "${#lines[@]}" = 1 ]
	run -126 nk run --rm bb:1 /etc/passwd
	assert_failure 126
	[ "${#lines[@]}" = 1 ]
	run nk run --rm 127.0.0.1:9/no-such-image:1 true
	assert_failure 125
	assert_output --partial "no-such-image"
	[ "${#lines[@]}" = 1 ]
	run nk run --rm --bogus bb:1 true
	assert_failure 125
	run nk ps -aq
	assert_output ""
	# Kept, a run that failed to start is a container start tries again.
	run -127 nk run --name "$P" bb:1 /no/such/cmd
	run -1 nk start -a "$P"
	assert_output --partial "/no/such/cmd"
	refute_output --partial "not completely created"
	nk rm "$P" >/dev/null
}

@test "run -d of a command that cannot run: 126, and inspect shows why, not running" {
	# The client records the pids before the exec (START_MADE): the
	# failure after it is what the record ends with.
	run -126 nk run -d --name "$P" bb:1 /etc/passwd
	assert_failure 126
	[ "${#lines[@]}" = 1 ]
	run nk inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$P"
	assert_output "false 126"
	run nk inspect -f '{{.State.Error}}' "$P"
	assert_output --partial "/etc/passwd"
	nk rm "$P" >/dev/null
}

@test "run -d, ps, logs, stop, rm" {
	run nk run -d --name "$P" bb:1 sh -c 'echo ready; echo oops >&2; exec sleep 1000'
	assert_success
	id=$output
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	for _ in $(seq 50); do nk logs "$P" | grep -q ready && break; sleep 0.1; done
	run nk ps
	assert_success
	assert_line --partial "${id:0:12}"
	assert_line --regexp "Up .* $P\$"
	run nk logs "$P"
	assert_output --partial ready
	run --separate-stderr nk logs "$P"
	assert_output ready
	[ "$stderr" = oops ]
	run nk logs -t --tail 1 "$P"
	assert_output --regexp '^20[0-9-]+T[0-9:]+\.[0-9]{9}Z (ready|oops)$'
	run nk rm "$P"
	assert_failure
	assert_output --partial "running"
	run nk stop -t 1 "$P"
	assert_success
	run nk ps
	refute_output --partial "$P"
	run nk ps -a
	assert_line --regexp "Exited \(137\) .* $P\$"
	run nk wait "$P"
	assert_output 137
	run nk rm "$P"
	assert_success
	run nk ps -aq
	assert_output ""
}

@test "kill -s sends the signal; start restarts a stopped container" {
	nk run -d --name "$P" bb:1 sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done'
	sleep 0.3
	run nk kill -s USR1 "$P"
	assert_success
	run nk wait "$P"
	assert_output 7
	run nk start "$P"
	assert_success
	run nk ps
	assert_line --regexp "Up .* $P\$"
	run nk kill "$P"
	assert_success
	run nk wait "$P"
	assert_output 137
}

@test "create then start -a; names are unique" {
	run nk create --name "$P" bb:1 echo created
	assert_success
	run nk ps -a
	assert_line --regexp "Created +$P\$"
	run nk create --name "$P" bb:1 true
	assert_failure 125
	assert_output --partial "already in use"
	run nk start -a "$P"
	assert_success
	assert_output created
}

@test "two concurrent creates of one name: exactly one wins" {
	for i in 1 2 3 4; do
		nk create --name "$P" bb:1 true >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
	done
	wait || true
	run nk ps -a
	[ "$(grep -c " $P\$" <<<"$output")" = 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/out* | grep -c 'already in use')" = 3 ]
}

@test "containers are found by id, unique prefix or name; an ambiguous prefix is refused" {
	declare -A first
	amb=
	for i in $(seq 20); do
		id=$(nk create --name "$P-$i" bb:1 true)
		c=${id:0:1}
		if [ -n "${first[$c]:-}" ]; then amb=$c; break; fi
		first[$c]=$id
	done
	[ -n "$amb" ]
	run nk inspect "${id:0:12}"
	assert_success
	[ "$(echo "$output" | jq -r '.[0].Id')" = "$id" ]
	run nk inspect "$id"
	assert_success
	run nk inspect "$P-1"
	assert_success
	run nk inspect "$amb"
	assert_failure
	assert_output --partial "ambiguous"
	run nk inspect nope-nothing
	assert_failure
	assert_output --partial "no such container"
}

@test "-e, -w, -u and --entrypoint override the image config" {
	run nk run --rm -e FOO=bar -w /tmp -u nobody bb:1 sh -c 'echo $FOO $(pwd) $(id -u)'
	assert_success
	assert_output "bar /tmp 65534"
	run nk run --rm --entrypoint /bin/echo bb:1 from entrypoint
	assert_success
	assert_output "from entrypoint"
	run nk run --rm --hostname h1 bb:1 hostname
	assert_output h1
	run nk run --rm -u nosuchuser bb:1 true
	assert_failure 125
}

@test "-v binds a host directory; :ro refuses writes" {
	d="$BATS_TEST_TMPDIR/vol"
	mkdir -p "$d"
	echo data >"$d/f"
	run nk run --rm -v "$d:/data:ro" bb:1 cat /data/f
	assert_success
	assert_output data
	run nk run --rm -v "$d:/data:ro" bb:1 sh -c 'echo x >/data/g'
	assert_failure
	[ ! -e "$d/g" ]
	run nk run --rm -v "$d:/data" bb:1 sh -c 'echo x >/data/g'
	assert_success
	[ "$(cat "$d/g")" = x ]
	# "name:/data" is a named volume (docker's); a path that is neither is bad.
	run nk run --rm -v "rel/ative:/data" bb:1 true
	assert_failure 125
	assert_output --partial "invalid volume"
}

@test "--read-only, --network none and host, --cap-drop, --privileged" {
	run nk run --rm --read-only bb:1 touch /x
	assert_failure
	run nk run --rm bb:1 sh -c 'ls /sys/class/net | tr "\n" " "'
	assert_output "lo "
	run nk run --rm --network host bb:1 sh -c 'ls /sys/class/net | wc -l'
	[ "$output" -gt 1 ]
	# CAP_CHOWN is in docker's default set; dropped, chown fails.
	run nk run --rm bb:1 sh -c 'touch /tmp/x && chown 1 /tmp/x'
	assert_success
	run nk run --rm --cap-drop chown bb:1 sh -c 'touch /tmp/x && chown 1 /tmp/x'
	assert_failure
	run nk run --rm bb:1 sh -c 'grep CapEff /proc/self/status'
	refute_output --partial "000001ffffffffff"
	run nk run --rm --privileged bb:1 sh -c 'grep CapBnd /proc/self/status'
	assert_output --regexp "CapBnd:.*1fff[ef]ffffff"
}

# The monitor loads ahead the device filter the last container had
# (ROOT/.devices@cache) and uses it only when the new container's rules
# build the very same program.  After --privileged (every device allowed),
# a default container must still be denied a device not in docker's list
# (c 240:11: past the filter the kernel says ENXIO, the filter says EPERM);
# and a filter file someone else wrote is never what decides.
@test "device filter loaded ahead: only ever the container's own rules" {
	probe='mknod /dev/x2 c 240 11 && (: </dev/x2) 2>&1; cat /dev/null && echo null-ok'
	run nk run --rm --privileged bb:1 sh -c "$probe"
	assert_output --partial "No such device"
	assert_output --partial "null-ok"
	[ -s "$ROOT/.devices@cache" ]
	for _ in 1 2; do
		run nk run --rm bb:1 sh -c "$probe"
		assert_output --partial "not permitted"
		refute_output --partial "No such device"
		assert_output --partial "null-ok"
	done
	# A filter file that allows everything, put in place by hand.
	nk run --rm --privileged bb:1 true
	cp "$ROOT/.devices@cache" "$BATS_TEST_TMPDIR/allow-all"
	nk run --rm bb:1 true
	cp "$BATS_TEST_TMPDIR/allow-all" "$ROOT/.devices@cache"
	run nk run --rm bb:1 sh -c "$probe"
	assert_output --partial "not permitted"
}

# The monitor makes the container's network namespace while it waits for
# the client (runtime/prewarm.c): each container must still have one of
# its own, with lo up and nothing else, and --network host none at all.
@test "network namespaces made ahead: one per container, lo up, the host's with --network host" {
	nk run -d --name "$P-a" bb:1 sleep 100 >/dev/null
	nk run -d --name "$P-b" bb:1 sleep 100 >/dev/null
	a=$(readlink /proc/"$(nk inspect -f '{{.State.Pid}}' "$P-a")"/ns/net)
	b=$(readlink /proc/"$(nk inspect -f '{{.State.Pid}}' "$P-b")"/ns/net)
	[ "$a" != "$b" ]
	[ "$a" != "$(readlink /proc/self/ns/net)" ]
	[ "$b" != "$(readlink /proc/self/ns/net)" ]
	run nk exec "$P-a" sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags'
	assert_output "lo
unknown
0x9"
	run nk run --rm --network host bb:1 readlink /proc/self/ns/net
	assert_output "$(readlink /proc/self/ns/net)"
	# No monitor keeps a network namespace open.
	for m in $(monitors); do
		run sh -c "ls -l /proc/$m/fd | grep -c 'net:\['"
		assert_output 0
	done
}

# The monitor enters the namespace it made for the clone only: a switch
# back that fails must fail the run (every later child of the monitor
# would be born in the container's namespace) and leave nothing.
@test "a failed switch back out of the network namespace made ahead fails run, nothing left" {
	# The namespace is made ahead only while the client's go has not come
	# (monitor-go-unseen: never, here).
	NOOK_FAULT_FAIL=ns-net-restore,monitor-go-unseen run nk run --rm --name "$P" bb:1 true
	assert_failure
	assert_output --partial "cannot switch back to nook's own network namespace"
	run nk ps -aq
	assert_output ""
	monitors_gone
}

@test "a detached container survives the shell that started it" {
	bash -c "\"$NOOK\" --storage-root \"$SR\" --root \"$ROOT\" run -d --name $P bb:1 sleep 1000 >/dev/null; kill -9 \$\$"  || true
	sleep 0.2
	run nk ps
	assert_line --regexp "Up .* $P\$"
	m=$(monitors)
	[ -n "$m" ]
	# Not the child of anything we started.
	[ "$(awk '{print $4}' /proc/"$m"/stat)" != $$ ]
}

@test "kill -9 of the monitor: ps tells the truth and rm -f cleans up" {
	nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
	m=$(monitors)
	[ -n "$m" ]
	pid=$(nk inspect "$P" | jq -r '.[0].State.Pid')
	kill -9 "$m"
	sleep 0.2
	run nk ps -a
	if kill -0 "$pid" 2>/dev/null; then
		assert_line --regexp "Up .* $P\$"
	else
		assert_line --regexp "Exited .* $P\$"
	fi
	run nk rm -f "$P"
	assert_success
	! kill -0 "$pid" 2>/dev/null
	engine_assert_clean
}

@test "rmi of an image in use by a container is refused" {
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$BATS_TEST_TMPDIR/r2"
	echo "$P" >"$BATS_TEST_TMPDIR/r2/marker"
	"$NOOK" --storage-root "$SR" import "$BATS_TEST_TMPDIR/r2" "$P:1" >/dev/null
	nk create --name "$P" "$P:1" cat /marker >/dev/null
	run nk rmi "$P:1"
	assert_failure
	assert_output --partial "in use"
	# -f untags it; the container keeps its image and still runs.
	run nk rmi -f "$P:1"
	assert_success
	run nk start -a "$P"
	assert_success
	assert_output "$P"
	nk rm "$P"
}

@test "-i passes stdin and closes it at EOF; -it gives the container a terminal" {
	run bash -c "echo 'echo from-stdin; exit 4' | \"$NOOK\" --storage-root \"$SR\" --root \"$ROOT\" run --rm -i bb:1 sh"
	assert_failure 4
	assert_output from-stdin
	# Without -i the container's stdin is /dev/null.
	run bash -c "echo data | \"$NOOK\" --storage-root \"$SR\" --root \"$ROOT\" run --rm bb:1 cat"
	assert_success
	assert_output ""
	command -v script >/dev/null || skip "no script(1)"
	run script -qec "\"$NOOK\" --storage-root \"$SR\" --root \"$ROOT\" run --rm -it bb:1 sh -c 'tty; exit 5'" /dev/null
	assert_failure 5
	assert_output --partial /dev/pts/
}

@test "inspect: State, Config and Mounts as docker names them" {
	d="$BATS_TEST_TMPDIR/vol"
	mkdir -p "$d"
	nk run -d --name "$P" -e A=1 -l k=v -v "$d:/data:ro" bb:1 sleep 1000 >/dev/null
	run nk inspect "$P"
	assert_success
	echo "$output" | jq -e '.[0].State.Running == true and .[0].State.Status == "running"'
	pid=$(echo "$output" | jq -r '.[0].State.Pid')
	[ "$(readlink /proc/"$pid"/exe)" = /bin/busybox ]
	echo "$output" | jq -e '.[0].Config.Env == ["A=1"] and .[0].Config.Labels.k == "v"'
	echo "$output" | jq -e --arg d "$d" '.[0].Mounts[0].Source == $d and .[0].Mounts[0].RW == false'
	nk kill "$P" >/dev/null
	nk wait "$P" >/dev/null
	run nk inspect "$P"
	echo "$output" | jq -e '.[0].State.Running == false and .[0].State.ExitCode == 137 and .[0].State.Pid == 0'
	echo "$output" | jq -e '.[0].State.FinishedAt != "0001-01-01T00:00:00Z"'
}

@test "the image config is honoured: Entrypoint, Cmd, Env, WorkingDir, User, StopSignal" {
	tar -C "$BATS_FILE_TMPDIR/rootfs" -cf "$BATS_TEST_TMPDIR/bb.tar" .
	IMG_USER=0:0 python3 "$BATS_TEST_DIRNAME/image_helpers.py" layout-patch "$BATS_TEST_TMPDIR/img" \
		config config.StopSignal '"SIGUSR1"' "$BATS_TEST_TMPDIR/bb.tar"
	"$NOOK" --storage-root "$SR" load -q -i "$BATS_TEST_TMPDIR/img" >/dev/null
	# Entrypoint /bin/sh, Cmd -c 'echo hi'.
	run nk run --rm bad/x:1
	assert_output hi
	# A command replaces Cmd and keeps the Entrypoint.
	run nk run --rm bad/x:1 -c 'echo $FOO $(pwd)'
	assert_output "bar /tmp"
	nk run -d --name "$P" bad/x:1 -c 'trap "exit 9" USR1; while :; do sleep 0.1; done' >/dev/null
	sleep 0.3
	run nk stop -t 30 "$P"
	assert_success
	run nk wait "$P"
	assert_output 9
	nk rm "$P"
	"$NOOK" --storage-root "$SR" rmi bad/x:1 >/dev/null
}

@test "logs -f follows until the container exits; --tail N gives the last N records" {
	nk run -d --name "$P" bb:1 sh -c 'for i in 1 2 3 4 5; do echo line$i; done; sleep 1; echo last' >/dev/null
	run timeout 30 "$NOOK" --storage-root "$SR" --root "$ROOT" logs -f "$P"
	assert_success
	assert_line --index 0 line1
	assert_line --index 5 last
	run nk logs --tail 2 "$P"
	assert_output "line5
last"
	run nk logs --tail 0 "$P"
	assert_output ""
}

@test "foreground run forwards signals and returns the exit code; run -d --rm removes at exit" {
	"$NOOK" --storage-root "$SR" --root "$ROOT" run --name "$P" bb:1 \
		sh -c 'trap "exit 8" TERM; echo up; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" &
	client=$!
	for _ in $(seq 100); do grep -q up "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -TERM "$client"
	rc=0
	wait "$client" || rc=$?
	[ "$rc" = 8 ]
	nk run -d --rm --name "$P-rm" bb:1 sh -c 'sleep 0.3' >/dev/null
	for _ in $(seq 100); do nk ps -a | grep -q " $P-rm\$" || break; sleep 0.1; done
	run nk ps -a
	refute_output --partial "$P-rm"
}

@test "restart, rename (unique names), container prune keeps running containers" {
	nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
	pid1=$(nk inspect "$P" | jq -r '.[0].State.Pid')
	run nk restart -t 0 "$P"
	assert_success
	pid2=$(nk inspect "$P" | jq -r '.[0].State.Pid')
	[ "$pid2" != 0 ] && [ "$pid2" != "$pid1" ]
	run nk ps
	assert_line --regexp "Up .* $P\$"
	nk create --name "$P-b" bb:1 true >/dev/null
	run nk rename "$P-b" "$P"
	assert_failure
	assert_output --partial "already in use"
	run nk rename "$P-b" "$P-c"
	assert_success
	run nk inspect "$P-c"
	assert_success
	run nk container prune
	assert_success
	run nk ps -a
	refute_output --partial "$P-c"
	assert_line --regexp "Up .* $P\$"
}
