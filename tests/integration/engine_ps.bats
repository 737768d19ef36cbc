#!/usr/bin/env bats
# The engine's listing and reading commands: ps (filters, --format
# templates, docker's STATUS strings), inspect (--format, --type, several
# names, State.Error), logs (--since/--until/--tail, rotation with
# --log-opt), and the --format template subset.
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

@test "ps: docker's STATUS strings for created, running, exited and paused" {
	nk create --name "$P-c" bb:1 true >/dev/null
	nk run --name "$P-x" bb:1 sh -c 'exit 3' || true
	id=$(nk run -d --name "$P-r" bb:1 sleep 1000)
	run nk ps -a --format '{{.Names}}|{{.Status}}|{{.State}}'
	assert_success
	assert_line "$P-c|Created|created"
	assert_line --regexp "^$P-x\|Exited \(3\) .* ago\|exited\$"
	assert_line --regexp "^$P-r\|Up .*\|running\$"
	# Paused is the kernel's freezer state, whoever froze it.
	"$NOOK" oci --root "$ROOT" pause "$id"
	run nk ps --format '{{.Names}}|{{.Status}}|{{.State}}'
	assert_line --regexp "^$P-r\|Up .* \(Paused\)\|paused\$"
	run nk inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' "$P-r"
	assert_output "paused true true"
	"$NOOK" oci --root "$ROOT" resume "$id"
	run nk ps --format '{{.State}}'
	assert_output running
}

@test "ps --filter: AND across keys, OR within a key; -q, -n, -l, --no-trunc" {
	nk create --name "$P-a" -l tier=web -l team=x bb:1 true >/dev/null
	nk run --name "$P-b" -l tier=db bb:1 sh -c 'exit 2' || true
	nk run --name "$P-c" -l tier=web bb:1 true
	run nk ps -a --filter label=tier=web --format '{{.Names}}'
	assert_success
	assert_output "$P-c
$P-a"
	run nk ps -a --filter label=tier=web --filter status=exited --format '{{.Names}}'
	assert_output "$P-c"
	run nk ps -a --filter status=created --filter status=exited --format '{{.Names}}'
	assert_output "$P-c
$P-b
$P-a"
	run nk ps -a --filter label=team --format '{{.Names}}'
	assert_output "$P-a"
	run nk ps -a --filter exited=2 --format '{{.Names}}'
	assert_output "$P-b"
	# Asking for a state looks at every container, without -a.
	run nk ps --filter exited=0 --format '{{.Names}}'
	assert_output "$P-c"
	run nk ps --filter status=created --format '{{.Names}}'
	assert_output "$P-a"
	run nk ps -a --filter "name=^$P-[ab]\$" --format '{{.Names}}'
	assert_output "$P-b
$P-a"
	run nk ps -a --filter ancestor=bb:1 -q
	[ "${#lines[@]}" = 3 ]
	run nk ps -a --filter ancestor=no-such:1 -q
	assert_output ""
	id=$(nk inspect --format '{{.Id}}' "$P-b")
	run nk ps -a --filter "id=${id:0:8}" -q
	assert_output "${id:0:12}"
	run nk ps -a --no-trunc --filter "id=$id" -q
	assert_output "$id"
	# -n N: the N last created, any state; -l the last one.
	run nk ps -n 2 --format '{{.Names}}'
	assert_output "$P-c
$P-b"
	run nk ps -l --format '{{.Names}}'
	assert_output "$P-c"
	run nk ps -a --filter bogus=1
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk ps -a --filter status=sleepy
	assert_failure
	[ "${#lines[@]}" = 1 ]
}

@test "ps --format: table with headers, json, templates; an unknown field is one line and exit 125" {
	nk run --name "$P" -l k=v bb:1 echo hi >/dev/null
	run nk ps -a --format 'table {{.ID}}\t{{.Names}}\t{{index .Labels "k"}}'
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +NAMES +LABELS$'
	assert_line --index 1 --regexp "^[0-9a-f]{12} +$P +v\$"
	run nk ps -a --format json
	assert_success
	[ "$(echo "$output" | jq -r .Names)" = "$P" ]
	[ "$(echo "$output" | jq -r .Labels.k)" = v ]
	[ "$(echo "$output" | jq -r .State)" = exited ]
	run nk ps -a --format '{{.Names}}:{{json .Labels}}'
	assert_output "$P:{\"k\":\"v\"}"
	run nk ps -a
	assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
	assert_line --index 1 --regexp "\"echo hi\" .* Exited \(0\) .* $P\$"
	run -125 nk ps -a --format '{{.Nope}}'
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "can't evaluate field Nope"
	run -125 nk ps -a --format '{{.Names'
	[ "${#lines[@]}" = 1 ]
	run nk ps --help
	assert_output --partial '{{index .Labels "KEY"}}'
}

@test "images --format: a template, a table with headers, an unknown field" {
	run "$NOOK" --storage-root "$SR" images --format '{{.Repository}}:{{.Tag}} {{json .ID}}'
	assert_success
	assert_output --regexp '^bb:1 "[0-9a-f]{12}"$'
	run "$NOOK" --storage-root "$SR" images --format 'table {{.Repository}}\t{{.Size}}'
	assert_line --index 0 --regexp '^REPOSITORY +SIZE$'
	assert_line --index 1 --regexp '^bb +[0-9.]+[kM]B$'
	run -125 "$NOOK" --storage-root "$SR" images --format '{{.Nope}}'
	[ "${#lines[@]}" = 1 ]
	run "$NOOK" --storage-root "$SR" images --format json
	[ "$(echo "$output" | jq -r '.[0].Names[0]')" = docker.io/library/bb:1 ]
}

@test "inspect: --format, several containers, an image, --type" {
	nk run --name "$P-1" bb:1 sh -c 'exit 4' || true
	nk create --name "$P-2" bb:1 true >/dev/null
	run nk inspect --format '{{.Name}} {{.State.Status}} {{.State.ExitCode}}' "$P-1" "$P-2"
	assert_success
	assert_output "/$P-1 exited 4
/$P-2 created 0"
	run nk inspect "$P-1" "$P-2"
	[ "$(echo "$output" | jq length)" = 2 ]
	img=$("$NOOK" --storage-root "$SR" images -q | head -1)
	run nk inspect --format '{{.Id}}' bb:1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	run nk inspect --type image "$P-1"
	assert_failure
	run nk inspect --type container bb:1
	assert_failure
	assert_output --partial "bb:1"
	run nk inspect --type container --format '{{.State.Status}}' "$P-1"
	assert_output exited
	run nk inspect --format '{{json .State}}' "$P-1"
	[ "$(echo "$output" | jq -r .ExitCode)" = 4 ]
	run -125 nk inspect --format '{{.State.Nope}}' "$P-1"
	[ "${#lines[@]}" = 1 ]
	run nk inspect --type volume "$P-1"
	assert_failure
	run nk inspect no-such-thing
	assert_failure
	assert_output --partial no-such-thing
}

@test "inspect: State.Error says why the start failed; StartedAt and FinishedAt" {
	run -127 nk run --name "$P" bb:1 /no/such/cmd
	[ "${#lines[@]}" = 1 ]
	run nk inspect "$P"
	[ "$(echo "$output" | jq -r '.[0].State.Status')" = created ]
	[ "$(echo "$output" | jq -r '.[0].State.ExitCode')" = 127 ]
	echo "$output" | jq -r '.[0].State.Error' | grep -q '/no/such/cmd'
	[ "$(echo "$output" | jq -r '.[0].State.StartedAt')" = 0001-01-01T00:00:00Z ]
	before=$(date -u +%s)
	nk run --name "$P-ok" bb:1 sleep 1
	after=$(date -u +%s)
	run nk inspect "$P-ok"
	[ "$(echo "$output" | jq -r '.[0].State.Error')" = "" ]
	started=$(date -u -d "$(echo "$output" | jq -r '.[0].State.StartedAt')" +%s)
	finished=$(date -u -d "$(echo "$output" | jq -r '.[0].State.FinishedAt')" +%s)
	[ "$before" -le "$started" ] && [ "$started" -le "$finished" ] && [ "$finished" -le "$after" ]
}

# Records of a container that printed line1..lineN, one a line.
@test "logs --since/--until (RFC 3339, unix seconds, durations) and --tail" {
	nk run --name "$P" bb:1 sh -c 'for i in $(seq 1 50); do echo line$i; done' >/dev/null
	t20=$(nk logs -t "$P" | awk '$2 == "line20" {print $1}')
	t30=$(nk logs -t "$P" | awk '$2 == "line30" {print $1}')
	# Records of one nanosecond are rare but possible: compare by time.
	run nk logs --since "$t20" --until "$t30" "$P"
	assert_success
	first=$(nk logs -t "$P" | awk -v t="$t20" '$1 >= t {print $2; exit}')
	assert_line --index 0 "$first"
	[ "${lines[-1]}" = line30 ] || nk logs -t "$P" | awk -v t="$t30" '$1 == t' | grep -q "${lines[-1]}"
	run nk logs --since 1h "$P"
	[ "${#lines[@]}" = 50 ]
	run nk logs --since "$(($(date +%s) + 10))" "$P"
	assert_output ""
	run nk logs --until 2000-01-01 "$P"
	assert_output ""
	run nk logs --since 2000-01-01T00:00:00+02:00 --tail 2 "$P"
	assert_output "line49
line50"
	run nk logs --tail 0 "$P"
	assert_output ""
	run nk logs --since yesterday "$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
}

@test "--log-opt max-size: the monitor rotates; logs reads every file in order" {
	nk run --name "$P" --log-opt max-size=2k --log-opt max-file=3 bb:1 \
		sh -c 'for i in $(seq 1 200); do echo line$i; done' >/dev/null
	dir=$(nk inspect "$P" >/dev/null; ls "$SR"/engine/*.log | head -1)
	[ -f "$dir.1" ] && [ -f "$dir.2" ] && [ ! -e "$dir.3" ]
	for f in "$dir" "$dir.1" "$dir.2"; do [ "$(stat -c %s "$f")" -le 2048 ]; done
	run nk logs "$P"
	n=${#lines[@]}
	[ "$n" -gt 50 ] && [ "$n" -lt 200 ]
	[ "${lines[-1]}" = line200 ]
	# In order, nothing missing between the oldest kept and the last.
	first=${lines[0]#line}
	[ "$(seq "$first" 200 | tr '\n' ' ')" = "$(echo "$output" | sed 's/line//' | tr '\n' ' ')" ]
	run nk logs --tail 120 "$P"
	[ "${#lines[@]}" = "$((n < 120 ? n : 120))" ]
	[ "${lines[-1]}" = line200 ]
	# A file an earlier, larger max-file left goes too (rm reads the
	# directory for the numbers instead of trying each).
	touch "$dir.77" "$dir.100"
	run nk rm "$P"
	assert_success
	# One test each: errexit ignores a failure left of &&.
	for f in "$dir" "$dir.1" "$dir.2" "$dir.77" "$dir.100"; do
		[ ! -e "$f" ]
	done
	run nk run --rm --log-opt max-size=1 bb:1 true
	assert_failure 125
	run nk run --rm --log-opt bogus=1 bb:1 true
	assert_failure 125
	[ "${#lines[@]}" = 1 ]
}

# A reader slower than the writer loses what was rotated away before it
# looked (docker's json-file too): the writer pauses every 50 records.
@test "logs -f follows across rotations" {
	nk run -d --name "$P" --log-opt max-size=4k,max-file=2 bb:1 \
		sh -c 'sleep 1; for i in $(seq 1 300); do echo line$i;
			[ $((i % 50)) = 0 ] && sleep 0.3; done' >/dev/null
	run nk logs -f "$P"
	assert_success
	[ "${lines[-1]}" = line300 ]
	first=${lines[0]#line}
	[ "$(seq "$first" 300 | tr '\n' ' ')" = "$(echo "$output" | sed 's/line//' | tr '\n' ' ')" ]
}

@test "system df counts containers; system prune removes stopped containers and dangling images" {
	nk run --name "$P-x" bb:1 sh -c 'dd if=/dev/zero of=/big bs=1k count=2048 2>/dev/null'
	nk run -d --name "$P-r" bb:1 sleep 1000 >/dev/null
	run nk system df
	assert_success
	assert_line --regexp '^Containers +2 +1 +[0-9.]+MB +[0-9.]+MB$'
	# A dangling image: its tag moved to another one.
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$BATS_TEST_TMPDIR/r2"
	echo first >"$BATS_TEST_TMPDIR/r2/etc/motd"
	"$NOOK" --storage-root "$SR" import "$BATS_TEST_TMPDIR/r2" "$P-img:1" >/dev/null
	echo changed >"$BATS_TEST_TMPDIR/r2/etc/motd"
	"$NOOK" --storage-root "$SR" import "$BATS_TEST_TMPDIR/r2" "$P-img:1" >/dev/null
	echo other >"$BATS_TEST_TMPDIR/r2/etc/motd"
	"$NOOK" --storage-root "$SR" import "$BATS_TEST_TMPDIR/r2" "$P-img:2" >/dev/null
	n_before=$("$NOOK" --storage-root "$SR" images -a -q | wc -l)
	xid=$(nk inspect --format '{{.Id}}' "$P-x")
	run nk system prune -f
	assert_success
	assert_line "Deleted Containers:"
	assert_line "$xid"
	assert_line "Deleted Images:"
	assert_line --regexp '^Total reclaimed space: [2-9][0-9.]*MB$'
	run nk ps -a --format '{{.Names}}'
	assert_output "$P-r"
	[ "$("$NOOK" --storage-root "$SR" images -a -q | wc -l)" = $((n_before - 1)) ]
	run "$NOOK" --storage-root "$SR" images --format json
	assert_output --partial "$P-img"
	# -a: every image no container uses; bb:1 is in use by $P-r.
	run nk system prune -a -f
	assert_success
	run "$NOOK" --storage-root "$SR" images
	refute_output --partial "$P-img"
	assert_output --partial "bb "
	run "$NOOK" --storage-root "$SR" system check
	assert_success
}

# A store on a small tmpfs whose inodes (then bytes) run out at each step
# of create in turn: one line, exit 125, and nothing left behind.
@test "a full disk during create: one line, and no store row, mount, monitor or log left" {
	small="$BATS_FILE_TMPDIR/small-$BATS_TEST_NUMBER"
	mkdir -p "$small"
	mount -t tmpfs -o size=12m,nr_inodes=2000 tmpfs "$small"
	SR="$small/store"
	"$NOOK" --storage-root "$SR" import "$BATS_FILE_TMPDIR/rootfs" bb:1 >/dev/null
	created=
	for left in $(seq 0 16); do
		i=0
		while touch "$small/f$i" 2>/dev/null; do i=$((i + 1)); done
		for ((k = 0; k < left; k++)); do rm "$small/f$k"; done
		run nk create --name "$P-$left" bb:1 true
		rm -f "$small"/f*
		if [ "$status" = 0 ]; then created=$left; break; fi
		[ "$status" = 125 ] && [ "${#lines[@]}" = 1 ] || { echo "$left: $output"; false; }
		assert_output --partial "No space left on device"
		engine_assert_clean
		[ -z "$(ls "$SR/containers")" ] || { echo "$left: user dirs left"; false; }
		run "$NOOK" --storage-root "$SR" system check
		assert_success
	done
	[ -n "$created" ]
	nk rm "$P-$created" >/dev/null
	# Bytes: the database cannot take the row.
	dd if=/dev/zero of="$small/fill" bs=4k 2>/dev/null || true
	run nk create --name "$P-bytes" bb:1 true
	rm -f "$small/fill"
	assert_failure 125
	[ "${#lines[@]}" = 1 ]
	engine_assert_clean
	run "$NOOK" --storage-root "$SR" system check
	assert_success
	umount "$small"
}

@test "bad input: unknown image, malformed -e and -u, rm of a running container: one line each, nothing left" {
	for args in "127.0.0.1:9/no-such-image:1 true" "-e =x bb:1 true" "-u root: bb:1 true" \
		"-u :0 bb:1 true" "-u nosuchuser bb:1 true" "-u root:nosuchgroup bb:1 true"; do
		# shellcheck disable=SC2086
		run nk create $args
		[ "$status" = 125 ] && [ "${#lines[@]}" = 1 ] || { echo "$args: $status $output"; false; }
		engine_assert_clean
	done
	run nk create -e "" bb:1 true
	assert_failure 125
	[ "${#lines[@]}" = 1 ]
	nk run -d --name "$P" bb:1 sleep 1000 >/dev/null
	run nk rm "$P"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "running"
	run nk ps --format '{{.Names}} {{.State}}'
	assert_output "$P running"
}

@test "a command not in the image: 127, one line, and with --rm nothing left behind" {
	run -127 nk run --rm bb:1 /no/such/cmd
	[ "${#lines[@]}" = 1 ]
	engine_assert_clean
	run -127 nk run --rm -d bb:1 nosuchcmd
	[ "${#lines[@]}" = 1 ]
	engine_assert_clean
}

@test "max-file 1: the log is emptied when full; logs -f reads on from its start" {
	nk run -d --name "$P" --log-opt max-size=2k bb:1 \
		sh -c 'sleep 1; for i in $(seq 1 200); do echo line$i;
			[ $((i % 25)) = 0 ] && sleep 0.3; done' >/dev/null
	run nk logs -f "$P"
	assert_success
	[ "${lines[-1]}" = line200 ]
	dir=$(ls "$SR"/engine/*.log)
	[ ! -e "$dir.1" ] && [ "$(stat -c %s "$dir")" -le 2048 ]
}
