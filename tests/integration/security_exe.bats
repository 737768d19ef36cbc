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

# The thief ran (it wrote its log), reached no writable fd on the host
# binary, and the binary is byte for byte what it was.
assert_binary_intact() {
	local log="$BUNDLE/rootfs/thief.log" i
	# Its writer gives up after 10 s of ETXTBSY.
	for i in $(seq 150); do
		[ -s "$log" ] && break
		sleep 0.1
	done
	[ -s "$log" ] || fail "the thief never ran: no $log"
	assert_equal "$(sha256sum <"$NOOK")" "$SUM_BEFORE"
	run grep -c "$MARKER" "$NOOK"
	assert_output 0
	run cat "$log"
	refute_output --partial " wrote"
	refute_output --partial "exe=$NOOK "
}

@test "attack CVE-2019-5736: process.args /proc/self/exe cannot write nook's binary" {
	plant_thief
	cfg '.process.args = ["/proc/self/exe"]'
	run oci run -d --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_binary_intact
}

@test "attack CVE-2019-5736: a #!/proc/self/exe script cannot write nook's binary" {
	plant_thief
	printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil"
	chmod 755 "$BUNDLE/rootfs/evil"
	cfg '.process.args = ["/evil"]'
	run oci run -d --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_binary_intact
}

@test "attack CVE-2019-5736: exec of /proc/self/exe cannot write nook's binary" {
	local id
	id=$(cid)
	plant_thief
	cfg '.process.args = ["sleep", "60"]'
	run oci run -d --bundle "$BUNDLE" "$id"
	assert_success
	# The exec'd thief forks a writer and exits, so `exec` returns.
	run oci exec "$id" /proc/self/exe
	assert_success
	assert_binary_intact
}

@test "the sealed copy keeps argv, the nook-oci name and the process name" {
	plant_thief
	ln -s "$NOOK" "$BATS_TEST_TMPDIR/nook-oci"
	cfg '.process.args = ["true"]'
	run "$BATS_TEST_TMPDIR/nook-oci" --root "$ROOT" run --bundle "$BUNDLE" "$(cid)"
	assert_success
	# The foreground `run` stays while its container runs: its name is
	# still the command's, not the number of the fd it was executed from.
	cfg '.process.args = ["sleep", "60"]'
	"$NOOK" oci --root "$ROOT" run --bundle "$BUNDLE" "$(cid)x" </dev/null >/dev/null 2>&1 &
	local pid=$! i
	wait_status "$(cid)x" running
	assert_equal "$(cat /proc/$pid/comm)" nook
	run readlink /proc/$pid/exe
	assert_output "/memfd:nook (deleted)"
	oci kill "$(cid)x" KILL
	wait "$pid" || true
}
