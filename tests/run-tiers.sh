#!/bin/bash
# Runs the named test tiers (unit, integration, crash, fuzz, clients, vm), streams their TAP
# output and ends with one line summing all tiers: "N passed, N failed, N skipped".
# A tier that dies without reporting its tests counts as one failure.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export NOOK="$PWD/$BUILD/nook" NOOK_SRC="$PWD" NOOK_BUILD="$PWD/$BUILD"
# Sanitizer builds: known leaks of third-party libraries (tests/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
pass=0 fail=0 skip=0

# Reads TAP on stdin, echoes it, adds to the counters (via a temp file since
# the reader runs in a pipeline).
tally() {
	local p=0 f=0 s=0 line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"ok "*"# skip"* | "ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"not ok "*"# TODO"*) s=$((s + 1)) ;;
		"not ok "*) f=$((f + 1)) ;;
		esac
	done
	echo "$p $f $s" >"$TALLY"
}

run_tier() { # name command...
	local name=$1 rc p f s
	shift
	echo "# ---- tier: $name"
	TALLY=$(mktemp)
	"$@" 2>&1 | tally
	rc=${PIPESTATUS[0]}
	read -r p f s <"$TALLY"
	rm -f "$TALLY"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - tier $name exited with status $rc without a failing test"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

unit() {
	local t rc=0
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		echo "# $t"
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" || rc=1
	done
	return $rc
}

integration() {
	bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} tests/integration
}

# Crash safety: commands killed with SIGKILL between chosen steps
# (NOOK_FAULT, base/fault.c) or at random moments with a fixed seed,
# then the invariants checked.
crash() {
	bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} tests/crash
}

# Fuzz targets (make fuzz-build), each for a bounded time with a fixed seed.
fuzz() {
	tests/fuzz/run.sh
}

# podman and containerd (Debian's) driving nook-oci, with private stores and
# configs; a test skips only when its client is not installed.
clients() {
	bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"} tests/clients
}

# The pure v2 guest runs tests/vm/ (or SUITE); the hybrid and pure v1
# guests run the focused v1 suite (VM_CGROUP: tests/vm/run.sh).
vm() {
	local rc=0 layout
	VM_CGROUP=v2 tests/vm/run.sh ${SUITE:+--suite "$SUITE"} || rc=1
	for layout in hybrid v1; do
		[ -z "${SUITE:-}" ] || break
		echo "# vm: cgroup layout $layout"
		VM_CGROUP=$layout tests/vm/run.sh --suite tests/vm/cgroups_v1.bats -- tests/vm/clients.bats || rc=1
	done
	return $rc
}

# The VM tier is the guest's CPU (software emulation) while the host tiers
# spend much of their time waiting on processes: when it is asked for with
# other tiers, the guests start first, beside them, and their output is
# printed (and counted) after the host tiers.  CHECK_SERIAL=1 runs them one
# after another.
vm_out= vm_pid=
vm_background() {
	vm_out=$(mktemp /tmp/nook-check-vm.XXXXXX)
	set -m # a process group of its own, to end it whole
	{ vm >"$vm_out" 2>&1 </dev/null; echo "rc $?" >>"$vm_out"; } &
	vm_pid=$!
	set +m
	# Killed (Ctrl-C, CI timeout): the guests go with us, by pid.
	trap 'kill -- -$vm_pid 2>/dev/null; rm -f "$vm_out"' EXIT
}
vm_replay() { # (in run_tier's pipeline, after the main shell's wait)
	local rc
	rc=$(sed -n 's/^rc //p' "$vm_out" | tail -1)
	sed '$d' "$vm_out"
	return "${rc:-1}"
}
if [ $# -gt 1 ] && [ -z "${CHECK_SERIAL:-}" ] && [ -x tests/vm/run.sh ]; then
	for tier in "$@"; do [ "$tier" != vm ] || vm_background; done
fi

for tier in "$@"; do
	case $tier in
	vm) if [ -n "$vm_pid" ]; then
		wait "$vm_pid"
		run_tier vm vm_replay
		trap - EXIT
		rm -f "$vm_out"
		continue
	fi ;;
	esac
	case $tier in
	unit) run_tier unit unit ;;
	integration) run_tier integration integration ;;
	crash) if ls tests/crash/*.bats >/dev/null 2>&1; then run_tier crash crash; fi ;;
	fuzz) run_tier fuzz fuzz ;;
	clients) run_tier clients clients ;;
	vm) if [ -x tests/vm/run.sh ]; then run_tier vm vm; else echo "# vm tier not present"; fi ;;
	*) echo "unknown tier $tier" >&2; exit 2 ;;
	esac
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
