#!/bin/bash
# make bench: `run` of a busybox bundle executing /bin/true, N sequential
# runs each for nook, crun and runc in one go; medians, ratios, peak RSS.
#
# Like for like: crun 1.8 refuses our hybrid cgroup layout, so every
# runtime runs inside one private mount namespace where
# /sys/fs/cgroup/unified is unmounted; there crun is told not to manage
# cgroups (--cgroup-manager=disabled), nook finds no cgroup v2 hierarchy
# and makes none (no limits are asked), runc uses its cgroup v1 manager
# as it does by default.  One more row: nook as it runs normally on this
# host (its own cgroup in the v2 hierarchy, for freeze/kill).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-100}
NOOK=${NOOK:-$PWD/build/nook}
work=$(mktemp -d /tmp/nook-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/runlat" tests/bench/runlat.c

mkdir -p "$work/bundle/rootfs"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$work/bundle/rootfs/bin/"
ln -s busybox "$work/bundle/rootfs/bin/true"
ln -s busybox "$work/bundle/rootfs/bin/sh"
(cd "$work/bundle" && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" >"$work/c.json"
mv "$work/c.json" "$work/bundle/config.json"

measure() { # label cmd...
	local label=$1
	shift
	printf '%s\t%s\n' "$label" "$("$work/runlat" "$N" "$@")"
}
export -f measure
export N work

{
	unshare -m --propagation private bash -c '
		umount /sys/fs/cgroup/unified
		b='"$work"'/bundle
		measure "nook" '"$NOOK"' oci --root '"$work"'/nook-state run --bundle $b nb{}
		measure "crun" crun --root '"$work"'/crun-state --cgroup-manager=disabled run --bundle $b cb{}
		measure "runc" runc --root '"$work"'/runc-state run --bundle $b rb{}
	'
	measure "nook (host, own v2 cgroup)" "$NOOK" oci --root "$work/nook-state2" run --bundle "$work/bundle" hb{}
} >"$work/results"

awk -F'\t' -v n="$N" '
	{ split($2, v, " "); label[NR] = $1; med[NR] = v[1]; p90[NR] = v[2]; rss[NR] = v[4]; fail[NR] = v[5]
	  if ($1 == "crun") c = v[1]; if ($1 == "runc") r = v[1] }
	END {
		printf "%d sequential `run` of a busybox bundle executing /bin/true\n\n", n
		printf "| runtime | median ms | p90 ms | vs crun | vs runc | peak RSS KiB | failed |\n"
		printf "|---|---|---|---|---|---|---|\n"
		for (i = 1; i <= NR; i++)
			printf "| %s | %.2f | %.2f | %.2fx | %.2fx | %d | %d |\n", label[i], med[i], p90[i],
				med[i] / c, med[i] / r, rss[i], fail[i]
	}' "$work/results"
echo
echo "crun: --cgroup-manager=disabled; runc: default (cgroupfs v1); nook: no cgroup (no v2 hierarchy visible), except the last row."
