#!/bin/bash
# make bench: `run` of a busybox bundle executing /bin/true, N sequential
# runs each for nook, crun and runc in one go; medians, ratios, peak RSS.
#
# Like for like, as far as each runtime allows on a hybrid-cgroup host:
# all three run inside one private mount namespace with their state
# (--root) on a private tmpfs, as /run is on a normal host, and the same
# config.json.  nook runs first, with /sys/fs/cgroup/unified still there:
# it puts every container in its own cgroup v2 group with a device filter
# (and refuses to run without one).  Then /sys/fs/cgroup/unified is
# unmounted, because crun 1.8 refuses the hybrid layout even when told not
# to manage cgroups (--cgroup-manager=disabled); runc uses its default
# cgroupfs (v1) manager.  So nook and runc each make a cgroup per run,
# crun makes none.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-100}
NOOK=${NOOK:-$PWD/build/nook}
work=$(mktemp -d /tmp/nook-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/runlat" tests/bench/runlat.c

mkdir -p "$work/bundle/rootfs"/{bin,proc,sys,dev,tmp} "$work/state"
cp /bin/busybox "$work/bundle/rootfs/bin/"
ln -s busybox "$work/bundle/rootfs/bin/true"
ln -s busybox "$work/bundle/rootfs/bin/sh"
(cd "$work/bundle" && runc spec)
# runc spec's ambient set lacks the matching inheritable caps, which nook
# refuses (runc and crun let the kernel's raise fail quietly); the process
# runs as root, where ambient caps change nothing: drop them for everyone.
jq '.process.terminal = false | .process.args = ["/bin/true"] | del(.process.capabilities.ambient)' \
	"$work/bundle/config.json" >"$work/c.json"
mv "$work/c.json" "$work/bundle/config.json"

measure() { # label what-it-was-asked cmd...
	local label=$1 what=$2
	shift 2
	printf '%s\t%s\t%s\n' "$label" "$("$work/runlat" "$N" "$@")" "$what"
}
export -f measure
export N work

{
	unshare -m --propagation private bash -c '
		s='"$work"'/state b='"$work"'/bundle
		mount -t tmpfs -o mode=0700 nook-bench $s
		measure "nook" "own cgroup v2 group + device filter" '"$NOOK"' oci --root $s/nook run --bundle $b nb{}
		umount /sys/fs/cgroup/unified
		measure "crun" "--cgroup-manager=disabled: no cgroup" crun --root $s/crun --cgroup-manager=disabled run --bundle $b cb{}
		measure "runc" "default: cgroupfs (v1) groups" runc --root $s/runc run --bundle $b rb{}
	'
} >"$work/results"

awk -F'\t' -v n="$N" '
	{ split($2, v, " "); label[NR] = $1; med[NR] = v[1]; p90[NR] = v[2]; rss[NR] = v[4]; fail[NR] = v[5]; what[NR] = $3
	  if ($1 == "crun") c = v[1]; if ($1 == "runc") r = v[1] }
	END {
		printf "%d sequential `run` of a busybox bundle executing /bin/true\n\n", n
		printf "| runtime | asked to | median ms | p90 ms | vs crun | vs runc | peak RSS KiB | failed |\n"
		printf "|---|---|---|---|---|---|---|---|\n"
		for (i = 1; i <= NR; i++)
			printf "| %s | %s | %.2f | %.2f | %.2fx | %.2fx | %d | %d |\n", label[i], what[i], med[i], p90[i],
				med[i] / c, med[i] / r, rss[i], fail[i]
	}' "$work/results"
echo
echo "All in one private mount namespace, state on a private tmpfs; crun and runc after /sys/fs/cgroup/unified was unmounted there."
echo "command: make bench (tests/bench/bench.sh, N=$N); state dirs on a private tmpfs"
