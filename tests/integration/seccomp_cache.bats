#!/usr/bin/env bats
# The seccomp filter cache (ROOT/.seccomp@cache): each distinct profile is
# compiled once; what is read back is only trusted when it is intact and
# was made for exactly that profile.

load helpers

CACHE_DIR_NAME='.seccomp@cache'

setup() {
	bundle_setup
	profile_spec --profile docker
	CACHE="$ROOT/$CACHE_DIR_NAME"
}

# The one cache entry (fails when there is not exactly one).
entry() {
	local f
	f=$(find "$CACHE" -name '*.bpf' -type f)
	[ -n "$f" ] && [ "$(echo "$f" | wc -l)" = 1 ] || { echo "entries: [$f]" >&2; return 1; }
	echo "$f"
}

# The profile is in force: keyctl refused, the filter counted.
assert_enforced() {
	run_ctr sh -c 'sysprobe keyctl fork; grep ^Seccomp: /proc/self/status'
	assert_success
	assert_line keyctl=EPERM
	assert_line fork=ok
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}

@test "seccomp cache: the first run stores the filter, the next ones read it" {
	assert_enforced
	e=$(entry)
	[ "$(stat -c %a "$CACHE")" = 700 ]
	[ "$(stat -c %a:%u "$e")" = 600:0 ]
	before=$(stat -c %i:%Y.%y "$e")
	cp "$e" "$BATS_TEST_TMPDIR/orig"
	set_args sysprobe keyctl
	run "$NOOK" oci --root "$ROOT" --debug run --bundle "$BUNDLE" "$(cid)"
	assert_line keyctl=EPERM
	assert_output --partial "seccomp: using cached filter $(basename "$e")"
	# Read, not rewritten.
	[ "$(stat -c %i:%Y.%y "$e")" = "$before" ]
	cmp "$e" "$BATS_TEST_TMPDIR/orig"
}

@test "seccomp cache: exec in a container uses the same entry" {
	set_args sleep 100
	oci run -d --bundle "$BUNDLE" "$(cid)"
	e=$(entry)
	run oci exec "$(cid)" sysprobe keyctl
	assert_line keyctl=EPERM
	[ "$(entry)" = "$e" ]
}

# Damage the entry with the given python statements on `d` (its bytes),
# then check the filter is still enforced and the entry rewritten whole.
damaged_entry_is_replaced() {
	assert_enforced
	e=$(entry)
	cp "$e" "$BATS_TEST_TMPDIR/orig"
	python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
$1
open(sys.argv[1], 'wb').write(d)" "$e"
	! cmp -s "$e" "$BATS_TEST_TMPDIR/orig"
	assert_enforced
	cmp "$e" "$BATS_TEST_TMPDIR/orig"
}

@test "seccomp cache: a truncated entry is compiled again and rewritten" {
	damaged_entry_is_replaced 'del d[len(d) // 2:]'
}

@test "seccomp cache: a flipped byte in the filter is compiled again and rewritten" {
	damaged_entry_is_replaced 'd[len(d) - 4] ^= 0x20'
}

@test "seccomp cache: an allow-everything filter swapped into an entry is not loaded" {
	# Header: magic[8] flags:u32 count:u32 key[32] sha256[32]; then
	# the instructions.  Keep the header (so the key matches), say one
	# instruction, and make it "return ALLOW": a consistent file whose
	# only flaw is that it is not what was compiled.
	damaged_entry_is_replaced '
import struct
d[12:16] = struct.pack("=I", 1)
del d[80:]
d += struct.pack("=HBBI", 0x06, 0, 0, 0x7fff0000)'
}

@test "seccomp cache: changed load flags in an entry are not trusted" {
	# SECCOMP_FILTER_FLAG_LOG (2) in the flags word of the header.
	damaged_entry_is_replaced 'd[8] |= 2'
}

@test "seccomp cache: an entry owned by another user is not trusted" {
	assert_enforced
	e=$(entry)
	chown 65534 "$e"
	assert_enforced
	[ "$(stat -c %u "$(entry)")" = 0 ]
}

@test "seccomp cache: a changed profile gets its own entry and its own filter" {
	assert_enforced
	first=$(entry)
	# Take mkdir off the allow-list: a filter read from the first entry
	# would still allow it.
	cfg '.linux.seccomp.syscalls[0].names -= ["mkdir", "mkdirat"]'
	run_ctr sh -c 'mkdir /tmp/x 2>&1; echo rc=$?'
	assert_output --partial "Operation not permitted"
	assert_line rc=1
	[ "$(find "$CACHE" -name '*.bpf' | wc -l)" = 2 ]
	[ -f "$first" ]
}

@test "seccomp cache: a cache directory open to others is not used" {
	mkdir -p "$CACHE"
	chmod 0755 "$CACHE"
	assert_enforced
	[ -z "$(ls -A "$CACHE")" ]
}

@test "seccomp cache: two creates filling the same entry at once leave one whole entry" {
	set_args true
	"$NOOK" oci --root "$ROOT" create --bundle "$BUNDLE" "$(cid)a" >/dev/null 2>&1 </dev/null &
	p1=$!
	"$NOOK" oci --root "$ROOT" create --bundle "$BUNDLE" "$(cid)b" >/dev/null 2>&1 </dev/null &
	p2=$!
	wait $p1
	wait $p2
	e=$(entry)
	# No temporary file left, and the entry is good: read, not replaced.
	[ "$(ls -A "$CACHE" | wc -l)" = 1 ]
	before=$(stat -c %i "$e")
	assert_enforced
	[ "$(stat -c %i "$e")" = "$before" ]
}
