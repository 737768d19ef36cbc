#!/usr/bin/env bats
# `nook run --userns=auto` (root, as podman's): each container gets a
# private range of 65536 host ids from a pool recorded in the store, its
# root is the start of that range, and the image's layers are seen
# through idmapped mounts of its map.  The pool here is a private one
# (nook.conf's userns_pool), far above any user's subordinate ids, and
# unique to this run of the file.
load engine_common
load rootless_common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	auto_setup_file 0 10
}

teardown_file() { auto_teardown_file; }

setup() {
	engine_setup
	export NOOK_CONFIG="$AUTO_DIR/nook.conf"
}
teardown() { engine_teardown; }

# The host uid that container $1's root maps to.
root_of() {
	local pid
	pid=$(nk inspect "$1" | jq '.[0].State.Pid')
	awk '$1 == 0 {print $2}' /proc/"$pid"/uid_map
}

@test "userns=auto: two containers get disjoint ranges of 65536 from the pool; root is the start" {
	nk run -d --name "$P-a" --userns=auto bb:1 sleep 1000
	nk run -d --name "$P-b" --userns=auto bb:1 sleep 1000
	run nk exec "$P-a" cat /proc/self/uid_map /proc/self/gid_map
	assert_success
	assert_line --index 0 --regexp "^ +0 +$POOL +65536\$"
	assert_line --index 1 --regexp "^ +0 +$POOL +65536\$"
	run nk exec "$P-b" cat /proc/self/uid_map
	assert_line --index 0 --regexp "^ +0 +$((POOL + 65536)) +65536\$"
	# Root inside, in a user namespace of its own, none of the host's ids.
	run nk exec "$P-a" id -u
	assert_output 0
	pid=$(nk inspect "$P-a" | jq '.[0].State.Pid')
	[ "$(readlink /proc/"$pid"/ns/user)" != "$(readlink /proc/self/ns/user)" ]
	[ "$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)" = "$POOL" ]
	# rm releases the range: the next container gets it again.
	nk rm -f "$P-a" >/dev/null
	nk run -d --name "$P-c" --userns=auto bb:1 sleep 1000
	[ "$(root_of "$P-c")" = "$POOL" ]
}

@test "userns=auto: the image's files are root's inside; files made inside are the mapped ids' on the host" {
	nk run -d --name "$P" --userns=auto bb:1 sh -c 'touch /made; mkdir /d; chown 7:8 /d; echo x >>/etc/passwd; sleep 1000'
	for _ in $(seq 50); do nk exec "$P" test -d /d 2>/dev/null && break; sleep 0.1; done
	run nk exec "$P" stat -c '%u:%g %n' /bin/busybox /etc/group /made /d /etc/passwd /
	assert_success
	assert_line --index 0 "0:0 /bin/busybox"
	assert_line --index 1 "5:6 /etc/group"
	assert_line --index 2 "0:0 /made"
	assert_line --index 3 "7:8 /d"
	assert_line --index 4 "0:0 /etc/passwd"
	assert_line --index 5 "0:0 /"
	# Seen from the host, through the container's root, and in the store.
	pid=$(nk inspect "$P" | jq '.[0].State.Pid')
	[ "$(stat -c '%u:%g' /proc/"$pid"/root/made)" = "$POOL:$POOL" ]
	[ "$(stat -c '%u:%g' /proc/"$pid"/root/d)" = "$((POOL + 7)):$((POOL + 8))" ]
	# A copied-up file keeps its shifted owner; the layer itself is
	# untouched (still root's on the host).
	[ "$(stat -c '%u:%g' /proc/"$pid"/root/etc/passwd)" = "$POOL:$POOL" ]
	[ -z "$(find "$SR/layers" -uid "$POOL" -print -quit)" ]
	[ -n "$(find "$SR/layers" -path '*/bin/busybox' -uid 0 -print -quit)" ]
	# Another user of the host cannot look into the container's directory.
	[ "$(stat -c '%u %a' "$SR/engine/$(nk inspect "$P" | jq -r '.[0].Id')")" = "$POOL 700" ]
}

@test "userns=auto: cp maps owners through the container's map (in: the source's ids as the container's; a tar out: the container's ids)" {
	nk run -d --name "$P" --userns=auto -u 1000:1001 bb:1 sh -c 'touch /tmp/made; sleep 1000'
	for _ in $(seq 50); do nk exec "$P" test -e /tmp/made 2>/dev/null && break; sleep 0.1; done
	echo f >"$BATS_TEST_TMPDIR/f"
	chown 123:456 "$BATS_TEST_TMPDIR/f"
	nk cp "$BATS_TEST_TMPDIR/f" "$P:/tmp/f"
	nk cp -a "$BATS_TEST_TMPDIR/f" "$P:/tmp/fa"
	run nk exec "$P" stat -c '%u:%g %n' /tmp/f /tmp/fa
	assert_line "123:456 /tmp/f"
	assert_line "1000:1001 /tmp/fa"
	pid=$(nk inspect "$P" | jq '.[0].State.Pid')
	[ "$(stat -c '%u:%g' /proc/"$pid"/root/tmp/f)" = "$((POOL + 123)):$((POOL + 456))" ]
	[ "$(stat -c '%u:%g' /proc/"$pid"/root/tmp/fa)" = "$((POOL + 1000)):$((POOL + 1001))" ]
	run tar tvf <(nk cp "$P:/tmp/made" -)
	assert_output --regexp '^-rw-r--r-- 1000/1001 .* made$'
	# An owner the container's map lacks: one line, nothing made.
	chown 70000 "$BATS_TEST_TMPDIR/f"
	run nk cp "$BATS_TEST_TMPDIR/f" "$P:/tmp/g"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	assert_output --partial "no id in the container's user namespace"
	run nk exec "$P" ls -A /tmp
	refute_output --partial g
	refute_output --partial .nook-cp
}

@test "userns=auto: 10 concurrent runs get 10 disjoint ranges; an 11th finds the pool full" {
	local i pids=()
	for i in $(seq 10); do
		nk run -d --name "$P-$i" --userns=auto bb:1 sleep 1000 >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in $(seq 10); do root_of "$P-$i"; done | sort -n >"$BATS_TEST_TMPDIR/roots"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/roots")" = 10 ]
	[ "$(sort -u "$BATS_TEST_TMPDIR/roots" | wc -l)" = 10 ]
	# Each a slot of the pool: ranges of 65536 from POOL never overlap.
	while read -r r; do
		[ $(((r - POOL) % 65536)) = 0 ] && [ "$r" -lt $((POOL + 10 * 65536)) ]
	done <"$BATS_TEST_TMPDIR/roots"
	run -125 nk run -d --name "$P-11" --userns=auto bb:1 true
	assert_output --partial "no free range of 65536 ids left in the pool $POOL-"
	[ "${#lines[@]}" = 1 ]
	run nk ps -a --format '{{.Names}}'
	refute_output --partial "$P-11"
}

@test "userns=auto: no pool, a store closed to others, a bad mode: one clear line each, nothing made" {
	grep -q '^containers:' /etc/subuid && skip "this host has a pool for user containers"
	printf 'network = none\n' >"$BATS_TEST_TMPDIR/nopool.conf"
	run -125 env NOOK_CONFIG="$BATS_TEST_TMPDIR/nopool.conf" "$NOOK" --storage-root "$SR" \
		--root "$ROOT" run --rm --userns=auto bb:1 true
	assert_output --partial "no id pool: give user 'containers' ranges in /etc/subuid"
	[ "${#lines[@]}" = 1 ]
	[ -z "$(nk ps -aq)" ]
	# A store in a directory closed to others.
	local closed="$BATS_TEST_TMPDIR/closed"
	mkdir -m 700 "$closed"
	"$NOOK" --storage-root "$closed/s" import "$BATS_FILE_TMPDIR/rootfs" bb:1 >/dev/null
	run -125 "$NOOK" --storage-root "$closed/s" --root "$ROOT" run --rm --userns=auto bb:1 true
	assert_output --partial "is closed to others (mode 700)"
	[ "${#lines[@]}" = 1 ]
	[ -z "$("$NOOK" --storage-root "$closed/s" --root "$ROOT" ps -aq)" ]
	run -125 nk run --rm --userns=bogus bb:1 true
	assert_output --partial "expected host, keep-id or auto"
}
