#!/bin/bash
# make bench, engine (issue 9 "Speed"): `nook run --rm IMAGE /bin/true`
# against `nook oci run` of the same root and config.json as a bundle (the
# bundle of a container `nook create` made), N runs each, interleaved;
# medians in ms.  Everything lives in one temp dir, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOOK=${NOOK:-$PWD/build/nook}
N=${N:-100}
[ "$(id -u)" = 0 ] || { echo "bench-engine: needs root" >&2; exit 1; }
work=$(mktemp -d /tmp/nook-bench-engine.XXXXXX)
nk() { "$NOOK" --storage-root "$work/store" --root "$work/state" "$@"; }
cleanup() {
	for id in $(nk ps -aq 2>/dev/null); do nk rm -f "$id" >/dev/null 2>&1 || true; done
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$work"
}
trap cleanup EXIT
ms() { # run a command, print its wall time in ms
	local t0=$EPOCHREALTIME
	"$@" >/dev/null
	echo "$t0 $EPOCHREALTIME" | awk '{printf "%.2f\n", ($2 - $1) * 1000}'
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/true"
ln -s busybox "$work/rootfs/bin/sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
nk import "$work/rootfs" bench:1 >/dev/null
id=$(nk create --network none bench:1 /bin/true)
bundle="$work/store/engine/$id"
nk run --rm --network none bench:1 /bin/true # warm: seccomp cache, page cache
for i in $(seq "$N"); do
	ms nk run --rm --network none bench:1 /bin/true >>"$work/engine"
	ms nk oci run --bundle "$bundle" "bench-$$-$i" >>"$work/oci"
done
e=$(median <"$work/engine")
o=$(median <"$work/oci")
echo "nook run --rm IMAGE /bin/true: median $e ms ($N runs)"
echo "nook oci run (same bundle):    median $o ms ($N runs)"
awk -v e="$e" -v o="$o" 'BEGIN {printf "ratio: %.2fx (goal <= 1.3x)\n", e / o}'
