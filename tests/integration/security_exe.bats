#!/usr/bin/env bats
# CVE-2019-5736: a container makes the runtime's own binary run inside it
# (/proc/self/exe as the program, as a script's interpreter, or in `exec`)
# under a hostile dynamic loader from the image, which keeps an fd on that
# binary and writes to it once the runtime has exited.  The loader is
# tests/helpers/exe_thief.c; it reports what it reached in /thief.log.
#
# The attack aims at a copy of nook made for each test, so that a broken
# defence corrupts the copy, never build/nook.

load helpers

THIEF=${THIEF:-$NOOK_BUILD/tests/helpers/exe_thief}
MARKER=NOOK-CVE-2019-5736-MARKER

# Copy nook, point every command of this test at the copy, and plant the
# thief as the ELF interpreter nook asks for (resolved in the container's
# root when nook's binary is executed there) and as /thief.
plant_thief() {
	local interp
	[ -x "$THIEF" ] || fail "$THIEF is missing: make $THIEF"
	cp "$NOOK" "$BATS_TEST_TMPDIR/nook"
	NOOK="$BATS_TEST_TMPDIR/nook"
	interp=$(readelf -l "$NOOK" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
	[ -n "$interp" ] || fail "no ELF interpreter in $NOOK"
	mkdir -p "$BUNDLE/rootfs$(dirname "$interp")"
	cp "$THIEF" "$BUNDLE/rootfs$interp"
	cp "$THIEF" "$BUNDLE/rootfs/thief"
	SUM_BEFORE=$(sha256sum <"$NOOK")
}

# After the attack: the container's process is gone (the thief wrote its
# log and exited, or running /proc/self/exe failed), the thief reached no
# writable fd on the host binary, which is byte for byte what it was.
assert_binary_intact() {
	local id=$1
	! oci state "$id" >/dev/null 2>&1 || wait_status "$id" stopped
	assert_equal "$(sha256sum <"$NOOK")" "$SUM_BEFORE"
	run grep -c "$MARKER" "$NOOK"
	assert_output 0
	if [ -e "$BUNDLE/rootfs/thief.log" ]; then
		run cat "$BUNDLE/rootfs/thief.log"
		refute_output --partial " wrote"
		refute_output --partial "exe=$NOOK "
	fi
}

@test "attack CVE-2019-5736: process.args /proc/self/exe cannot write nook's binary" {
	plant_thief
	cfg '.process.args = ["/proc/self/exe"]'
	# The exec fails (nothing of nook's is left to execute) and start
	# reports it; whatever ran, the binary is intact.
	run oci run -d --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "Exec format error"
	assert_binary_intact "$(cid)"
}

@test "attack CVE-2019-5736: a #!/proc/self/exe script cannot write nook's binary" {
	plant_thief
	printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil"
	chmod 755 "$BUNDLE/rootfs/evil"
	cfg '.process.args = ["/evil"]'
	# The exec fails (nothing of nook's is left to execute) and start
	# reports it; whatever ran, the binary is intact.
	run oci run -d --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "Exec format error"
	assert_binary_intact "$(cid)"
}

@test "attack CVE-2019-5736: exec of /proc/self/exe cannot write nook's binary" {
	local id i
	id=$(cid)
	plant_thief
	cfg '.process.args = ["sleep", "60"]'
	run oci run -d --bundle "$BUNDLE" "$id"
	assert_success
	run oci exec "$id" /proc/self/exe
	if [ "$status" = 0 ]; then
		# The exec'd thief forked a writer and exited: give it time.
		for i in $(seq 50); do
			[ -s "$BUNDLE/rootfs/thief.log" ] && break
			sleep 0.1
		done
	fi
	oci kill "$id" KILL
	assert_binary_intact "$id"
}

@test "a created container's init has no link to nook's binary" {
	local id pid
	id=$(cid)
	plant_thief
	cfg '.process.args = ["true"]'
	run oci create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(oci state "$id" | jq -r .pid)
	# Its exe link is not the host file, and no mapping reaches the host
	# file writably: the code is mapped through a read-only mount of it
	# attached nowhere (EROFS, even for root with map_files), the data is
	# anonymous.
	run readlink "/proc/$pid/exe"
	assert_output "/memfd:nook-detached (deleted)"
	run grep -c " $NOOK\$" "/proc/$pid/maps"
	assert_output 0
	run python3 - "$pid" "$(stat -L -c '%d %i' "$NOOK")" <<'EOF'
import os, sys
pid, (dev, ino) = sys.argv[1], map(int, sys.argv[2].split())
seen = erofs = 0
for line in open(f"/proc/{pid}/maps"):
    rng, perms = line.split()[:2]
    try:
        st = os.stat(f"/proc/{pid}/map_files/{rng}")
    except OSError:
        continue
    if (st.st_dev, st.st_ino) != (dev, ino):
        continue
    seen += 1
    assert "w" not in perms, f"writable mapping of nook: {line}"
    try:
        os.close(os.open(f"/proc/{pid}/map_files/{rng}", os.O_RDWR))
        print("opened nook's binary for writing through", rng)
    except OSError as e:
        print(rng, os.strerror(e.errno))
        erofs += e.errno == 30
print(f"mappings of nook's file: {seen}, read-only: {erofs}")
sys.exit(0 if seen > 0 and erofs == seen else 1)
EOF
	assert_success
}

@test "attack CVE-2019-5736: nook run of /proc/self/exe cannot reach nook's binary (init born loose)" {
	local sr="$BATS_TEST_TMPDIR/store" er="$BATS_TEST_TMPDIR/engine" id
	plant_thief
	"$NOOK" --storage-root "$sr" import "$BUNDLE/rootfs" thief:1 >/dev/null
	# The engine's monitor cuts itself loose from nook's binary while the
	# client creates the container, and its init is born so: running
	# /proc/self/exe finds nothing to execute.  Were the init still
	# linked to the binary, the thief would run as its interpreter.
	run "$NOOK" --storage-root "$sr" --root "$er" run --rm --network none thief:1 /proc/self/exe
	for id in $("$NOOK" --storage-root "$sr" --root "$er" ps -aq); do
		"$NOOK" --storage-root "$sr" --root "$er" rm -f "$id" >/dev/null
	done
	assert_failure 126
	assert_output --partial "Exec format error"
	assert_equal "$(sha256sum <"$NOOK")" "$SUM_BEFORE"
	run grep -c "$MARKER" "$NOOK"
	assert_output 0
}
