# Shared by engine.bats and tests/crash/engine.bats: a private store with a
# busybox image (one per file), a private state root per test, and a
# teardown that removes every container with `nook rm -f` and then checks
# that no mount, cgroup, runtime state or monitor of the test is left.
# shellcheck source=helpers.bash
source "${BASH_SOURCE[0]%/*}/helpers.bash"

engine_setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	export SR="$BATS_FILE_TMPDIR/store"
	make_rootfs "$BATS_FILE_TMPDIR/rootfs"
	"$NOOK" --storage-root "$SR" import "$BATS_FILE_TMPDIR/rootfs" bb:1 >/dev/null
}

engine_teardown_file() {
	[ -n "${SR:-}" ] || return 0
	awk -v p="$BATS_FILE_TMPDIR" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

engine_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	ROOT="$BATS_TEST_TMPDIR/state"
	# Names unique across concurrent runs and tests.
	P="e$$-${BATS_TEST_NUMBER}"
}

nk() { "$NOOK" --storage-root "$SR" --root "$ROOT" "$@"; }

# The pids of monitors serving this test's state root.
monitors() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "__monitor $ROOT " &&
			basename "$(dirname "$f")"
	done
	true
}

# Until no monitor of this test is left (at most 5 s).
monitors_gone() {
	for _ in $(seq 50); do
		[ -z "$(monitors)" ] && return 0
		sleep 0.1
	done
	return 1
}

# Remove every container, then: nothing of them left anywhere.
engine_teardown() {
	local ids id
	[ -n "${ROOT:-}" ] || return 0
	ids=$(nk ps -aq 2>/dev/null)
	for id in $ids; do nk rm -f "$id" >/dev/null 2>&1 || true; done
	engine_assert_clean
	# No cgroup of theirs (cgroups are named by the container id).
	for id in $ids; do
		! compgen -G "/sys/fs/cgroup/unified/nook/$id*" >/dev/null ||
			{ echo "cgroup left: $id"; return 1; }
	done
}

engine_assert_clean() {
	local left
	left=$(nk ps -aq)
	[ -z "$left" ] || { echo "containers left: $left"; return 1; }
	left=$(awk -v p="$SR/engine" -v r="$ROOT/" 'index($5, p) == 1 || index($5, r) == 1 {print $5}' \
		/proc/self/mountinfo)
	[ -z "$left" ] || { echo "mounts left: $left"; return 1; }
	left=$(ls "$ROOT" 2>/dev/null | grep -v '^seccomp' || true)
	[ -z "$left" ] || { echo "runtime state left: $left"; return 1; }
	left=$(monitors)
	if [ -n "$left" ]; then
		# A failure, but not one that outlives the test: the monitors
		# (by pid) and the containers they hold go.
		local m c
		for m in $left; do
			for c in $(pgrep -P "$m"); do kill -9 "$c" 2>/dev/null; done
			kill -9 "$m" 2>/dev/null
		done
		echo "monitors left: $left"
		return 1
	fi
	left=$(ls "$SR/engine" 2>/dev/null; ls -A "$ROOT/.engine@rm" 2>/dev/null || true)
	[ -z "$left" ] || { echo "engine files left: $left"; return 1; }
}
