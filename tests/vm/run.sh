#!/bin/bash
# The VM test tier: boots Debian's cloud kernel in QEMU (TCG, no KVM needed)
# with a pure cgroup v2 hierarchy, runs bats inside it and prints the TAP.
#
#   tests/vm/run.sh                 tests/vm/*.bats
#   tests/vm/run.sh --suite all     tests/vm/*.bats and tests/integration/
#   tests/vm/run.sh --suite PATH    one .bats file or directory
#   tests/vm/run.sh [...] -- ARGS   extra bats arguments (e.g. --timing)
#   tests/vm/run.sh --cmd 'CMD'     run the shell command CMD instead of bats
#                                   (e.g. tests/bench/bench-vm.sh); its
#                                   output and exit status are returned the same way
#
# The host root is shared read-only over virtiofs with a tmpfs overlay on
# top, so the guest sees the repo, the build and the host's tools at the same
# paths and can write anywhere without reaching the host.  NOOK, NOOK_SRC,
# NOOK_BUILD (and every other NOOK_* variable, plus CI and BATS_FILTER) are
# passed to the tests.
#
# Exit status: bats' (non-zero if a test failed); 124 when the VM timed out
# and 125 when it failed otherwise -- both also print a "not ok" TAP line
# with the tail of the console log.
#
# Env: VM_CGROUP (the guest's cgroup layout: v2 (default) pure cgroup v2;
# hybrid, v1 controllers under /sys/fs/cgroup/<ctrl> and an empty cgroup2
# at /sys/fs/cgroup/unified, as systemd's hybrid mode; v1, v1 controllers
# only), VM_TIMEOUT (seconds; default 600, 2400 with --suite all), VM_MEM (2G),
# VM_CPUS (2), VM_APPEND (extra kernel arguments), VM_KEEP=1 (keep the run
# directory), VM_CONSOLE=FILE (copy the console log).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
VMDIR=${NOOK_VM_DIR:-$SRC/build/vm}
VM_MEM=${VM_MEM:-2G}
VM_CPUS=${VM_CPUS:-2}
VIRTIOFSD=/usr/lib/qemu/virtiofsd
export NOOK=${NOOK:-$SRC/$BUILD/nook}
export NOOK_SRC=${NOOK_SRC:-$SRC}
export NOOK_BUILD=${NOOK_BUILD:-$SRC/$BUILD}

export NOOK_VM_CGROUP=${VM_CGROUP:-v2}
case $NOOK_VM_CGROUP in
v2 | hybrid | v1) ;;
*) echo "$0: VM_CGROUP must be v2, hybrid or v1, not '$NOOK_VM_CGROUP'" >&2; exit 2 ;;
esac

suite=vm
cmd=
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=${2:?--suite needs a name}; shift 2 ;;
	--suite=*) suite=${1#--suite=}; shift ;;
	--cmd) cmd=${2:?--cmd needs a command}; shift 2 ;;
	--cmd=*) cmd=${1#--cmd=}; shift ;;
	--) shift; break ;;
	-h | --help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) echo "usage: $0 [--suite vm|all|PATH | --cmd CMD] [-- BATS-ARGS]" >&2; exit 2 ;;
	esac
done

tests=()
case $suite in
vm | "") tests=("$HERE") ;;
all)
	tests=("$HERE")
	if [ -d "$SRC/tests/integration" ]; then tests+=("$SRC/tests/integration"); fi
	;;
*) tests=("$(realpath -e "$suite")") || exit 2 ;;
esac
# Under TCG a test that runs nook a few times takes 5-10 s: the integration
# suite needs far longer than the VM suite.
if [ "$suite" = all ]; then VM_TIMEOUT=${VM_TIMEOUT:-2400}; else VM_TIMEOUT=${VM_TIMEOUT:-600}; fi

# A failure of the tier itself, as TAP, so it shows in `make check`'s tally.
# Numbered after the tests the guest already reported, if any.
tier_fail() { # status reason [log]
	local n=0
	if [ -n "${RUN:-}" ] && [ -f "$RUN/ctl/stdout" ]; then
		n=$(grep -cE '^(not )?ok ' "$RUN/ctl/stdout")
		grep -q '^1\.\.' "$RUN/ctl/stdout" || echo "1..1"
	else
		echo "1..1"
	fi
	echo "not ok $((n + 1)) - vm tier: $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		echo "# last lines of $(basename "$3"):"
		tr -d '\r' <"$3" | tail -n 30 | sed 's/^/#   /'
	elif [ -n "${3:-}" ]; then
		echo "# $(basename "$3") is empty"
	fi
	exit "$1"
}

if [ "$(id -u)" != 0 ]; then
	echo "1..1"
	echo "ok 1 # skip vm tier needs root (virtiofsd)"
	exit 0
fi

# The guest mounts a fresh tmpfs on /tmp, which would hide such a tree.
case $SRC/ in
/tmp/*) tier_fail 125 "the repo ($SRC) is under /tmp, which the guest's own /tmp hides" ;;
esac

RUN=
PIDS=()
cleanup() {
	local p
	# qemu (behind timeout) first; the virtiofsds then see their peer go.
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
	if [ -n "$RUN" ] && [ "${VM_KEEP:-0}" = 0 ]; then
		# $RUN/hostroot is a mount point only inside virtiofsd's private
		# mount namespace, gone with it; here it is an empty directory.
		rm -rf "$RUN"
	elif [ -n "$RUN" ]; then
		echo "# vm: run directory kept: $RUN" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nook-vm.XXXXXX") || tier_fail 125 "cannot make a run directory"
chmod 755 "$RUN"
mkdir "$RUN/ctl" "$RUN/hostroot"
: >"$RUN/ctl/stdout"
: >"$RUN/ctl/stderr"

"$HERE/setup.sh" 2>"$RUN/setup.log" || tier_fail 125 "tests/vm/setup.sh failed" "$RUN/setup.log"
KDIR=$(readlink -f "$VMDIR/current")
KVER=${KDIR##*/kernel-}

# POSIX single-quoting: the guest runs the script with the host's /bin/sh.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
{
	echo "NOOK_VM_NONCE=$nonce"
	echo "NOOK_VM_MODULES=$(shq "$KDIR/lib/modules/$KVER")"
	echo "NOOK_VM_CGROUP=$NOOK_VM_CGROUP"
} >"$RUN/ctl/guest.env"
{
	echo "export PATH=/run/nook-vm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	echo "export HOME=/root LANG=C.UTF-8 TERM=dumb NOOK_VM=1"
	while IFS= read -r -d '' v; do
		name=${v%%=*}
		case $name in
		NOOK | NOOK_* | CI | BATS_FILTER) printf 'export %s=%s\n' "$name" "$(shq "${v#*=}")" ;;
		esac
	done < <(env -0)
	printf 'cd %s || exit 126\n' "$(shq "$SRC")"
	if [ -n "$cmd" ]; then
		printf '%s\n' "$cmd"
	else
		printf 'exec bats --tap ${BATS_FILTER:+--filter "$BATS_FILTER"}'
		for t in "$@" "${tests[@]}"; do printf ' %s' "$(shq "$t")"; done
		echo
	fi
} >"$RUN/ctl/cmd.sh"

# virtiofsd, one per share.  The host root is exported from a private mount
# namespace in which / is rbind-mounted and every mount of the copy is made
# read-only (per-mount flags only, so nothing outside that namespace
# changes): the guest cannot write to the host even as root.  Exporting "/"
# itself fails: virtiofsd's sandbox bind-mounts the source onto itself and
# pivot_root(".", ".") returns EBUSY.
start_virtiofsd() { # tag dir cache ro|rw
	local args=(--socket-path="$RUN/$1.sock" -o cache="$3" -o no_posix_lock -o no_flock)
	if [ "$4" = ro ]; then
		unshare -m --propagation private -- bash -c '
			set -e
			mount --rbind / "$1"
			mount -o remount,bind,ro "$1"
			while read -r _ _ _ _ mp _; do
				case $mp in "$1"/*) mount -o remount,bind,ro "$(printf "%b" "$mp")" 2>/dev/null || true ;; esac
			done </proc/self/mountinfo
			src=$1
			shift
			exec "$@" -o source="$src"' sh "$2" "$VIRTIOFSD" "${args[@]}" \
			</dev/null >"$RUN/virtiofsd-$1.log" 2>&1 &
	else
		"$VIRTIOFSD" "${args[@]}" -o source="$2" </dev/null >"$RUN/virtiofsd-$1.log" 2>&1 &
	fi
	PIDS+=($!)
}
start_virtiofsd hostroot "$RUN/hostroot" always ro
# cache=none: every guest write() is on the host before it returns, so the
# output is complete even when the guest powers off right after.
start_virtiofsd nookctl "$RUN/ctl" none rw
for _ in $(seq 300); do
	[ -S "$RUN/hostroot.sock" ] && [ -S "$RUN/nookctl.sock" ] && break
	sleep 0.01
done
[ -S "$RUN/hostroot.sock" ] && [ -S "$RUN/nookctl.sock" ] ||
	{ cat "$RUN"/virtiofsd-*.log >"$RUN/virtiofsd.log"; tier_fail 125 "virtiofsd did not start" "$RUN/virtiofsd.log"; }

# Boot flags: cryptomgr.notests skips the crypto self-tests and tsc=reliable
# keeps the TSC clocksource (HPET is slow to read under TCG); both save
# seconds.  panic=-1 with -no-reboot turns a panic into a QEMU exit.
append="console=ttyS0 quiet panic=-1 printk.devkmsg=on cryptomgr.notests tsc=reliable"
append+=" mitigations=off i8042.noaux i8042.nokbd i8042.nopnp"
# Pure v2: no controller may be bound to a v1 hierarchy.
[ "$NOOK_VM_CGROUP" != v2 ] || append+=" cgroup_no_v1=all"
append+=" nook.init=$HERE/guest-init ${VM_APPEND:-}"
kernel=$KDIR/vmlinux # PVH entry: no firmware, no in-guest decompression
[ -f "$kernel" ] || kernel=$KDIR/vmlinuz
# shellcheck disable=SC2054 # commas inside QEMU option values
qemu=(
	timeout -k 5 "$VM_TIMEOUT"
	qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot
	-machine pc -accel tcg -cpu max -smp "$VM_CPUS" -m "$VM_MEM"
	# vhost-user-fs needs guest RAM that virtiofsd can map.
	-object "memory-backend-memfd,id=mem,size=$VM_MEM,share=on" -numa node,memdev=mem
	-kernel "$kernel" -initrd "$KDIR/initramfs.cpio" -append "$append"
	-serial "file:$RUN/console.log"
	-chardev "socket,id=hostroot,path=$RUN/hostroot.sock"
	-device "vhost-user-fs-pci,chardev=hostroot,tag=hostroot"
	-chardev "socket,id=nookctl,path=$RUN/nookctl.sock"
	-device "vhost-user-fs-pci,chardev=nookctl,tag=nookctl"
)
t0=$(date +%s.%N)
"${qemu[@]}" </dev/null >"$RUN/qemu.log" 2>&1 &
qpid=$!
PIDS=("$qpid" "${PIDS[@]}")
# Stream the guest's output as it is written; --pid ends tail once QEMU is
# gone and the file is drained.
tail -c +1 -s 0.1 -f --pid="$qpid" "$RUN/ctl/stdout" &
tails=($!)
tail -c +1 -s 0.1 -f --pid="$qpid" "$RUN/ctl/stderr" >&2 &
tails+=($!)
PIDS+=("${tails[@]}")
qrc=0
wait "$qpid" || qrc=$?
t1=$(date +%s.%N)
wait "${tails[@]}" 2>/dev/null
[ -z "${VM_CONSOLE:-}" ] || cp "$RUN/console.log" "$VM_CONSOLE"

rc=$(grep -aoE "NOOK_VM_EXIT=$nonce:[0-9]+" "$RUN/console.log" | tail -n 1)
rc=${rc##*:}
if [ -z "$rc" ] && [ -s "$RUN/ctl/status" ]; then rc=$(cat "$RUN/ctl/status"); fi
if [ -z "$rc" ]; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		tier_fail 124 "guest timed out after ${VM_TIMEOUT}s (VM_TIMEOUT)" "$RUN/console.log"
	fi
	cat "$RUN/qemu.log" >>"$RUN/console.log"
	tier_fail 125 "guest ended without an exit status (qemu status $qrc)" "$RUN/console.log"
fi

# Timings: QEMU start to the test command's start (the mtime of the file
# the guest writes just before), and the test command itself.
if [ -f "$RUN/ctl/started" ]; then
	ts=$(stat -c %.9Y "$RUN/ctl/started")
	te=$(stat -c %.9Y "$RUN/ctl/finished" 2>/dev/null || echo "$t1")
	awk -v a="$t0" -v b="$ts" -v c="$te" -v d="$t1" 'BEGIN {
		printf "# vm: boot %.1fs, tests %.1fs, power-off %.1fs\n", b - a, c - b, d - c }'
fi
exit "$rc"
