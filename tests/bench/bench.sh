#!/bin/bash
# make bench: `run` of a busybox bundle executing /bin/true, N sequential
# runs each for nook, crun and runc in one go; medians, ratios, peak RSS.
#
# Like for like, as far as each runtime allows on a hybrid-cgroup host:
# all three run inside one private mount namespace with their state
# (--root) on a private tmpfs, as /run is on a normal host, and the same
# config.json.  nook sees /sys/fs/cgroup/unified: it puts every container
# in its own cgroup v2 group with a device filter (and refuses to run
# without one).  crun and runc run in a nested mount namespace where
# /sys/fs/cgroup/unified is unmounted, because crun 1.8 refuses the hybrid
# layout even when told not to manage cgroups (--cgroup-manager=disabled);
# runc uses its default cgroupfs (v1) manager.  So nook and runc each make
# a cgroup per run, crun makes none.
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
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" >"$work/c.json"
mv "$work/c.json" "$work/bundle/config.json"

# Rounds: the runtimes take turns, N/ROUNDS runs each per round, so load
# from whatever else runs on the machine falls on all of them alike.
ROUNDS=${ROUNDS:-5}
measure() { # label cmd...
	local label=$1
	shift
	RUNLAT_TIMES="$work/$label.times" "$work/runlat" "$((N / ROUNDS))" "$@" >>"$work/$label.runs"
}
export -f measure
export N ROUNDS work

unshare -m --propagation private bash -c '
	s='"$work"'/state b='"$work"'/bundle
	mount -t tmpfs -o mode=0700 nook-bench $s
	for r in $(seq $ROUNDS); do
		measure nook '"$NOOK"' oci --root $s/nook run --bundle $b nb$r-{}
		# crun and runc in a nested namespace without /sys/fs/cgroup/unified.
		unshare -m --propagation private bash -c "
			umount /sys/fs/cgroup/unified
			measure crun crun --root $s/crun --cgroup-manager=disabled run --bundle $b cb$r-{}
			measure runc runc --root $s/runc run --bundle $b rb$r-{}
		"
	done
'
summary() { # label what-it-was-asked
	sort -n "$work/$1.times" | awk -v l="$1" -v w="$2" '{ t[NR] = $1 }
		END { printf "%s\t%s\t%.3f\t%.3f\t", l, w, t[int(NR / 2) + 1], t[int(NR * 9 / 10) + 1] }'
	awk '{ if ($4 > m) m = $4; f += $5 } END { printf "%d\t%d\n", m, f }' "$work/$1.runs"
}
{
	summary nook "own cgroup v2 group + device filter"
	summary crun "--cgroup-manager=disabled: no cgroup"
	summary runc "default: cgroupfs (v1) groups"
} >"$work/results"

awk -F'\t' -v n="$N" '
	{ label[NR] = $1; what[NR] = $2; med[NR] = $3; p90[NR] = $4; rss[NR] = $5; fail[NR] = $6
	  if ($1 == "crun") c = $3; if ($1 == "runc") r = $3 }
	END {
		printf "%d sequential `run` of a busybox bundle executing /bin/true, per runtime\n\n", n
		printf "| runtime | asked to | median ms | p90 ms | vs crun | vs runc | peak RSS KiB | failed |\n"
		printf "|---|---|---|---|---|---|---|---|\n"
		for (i = 1; i <= NR; i++)
			printf "| %s | %s | %.2f | %.2f | %.2fx | %.2fx | %d | %d |\n", label[i], what[i], med[i], p90[i],
				med[i] / c, med[i] / r, rss[i], fail[i]
	}' "$work/results"
echo
echo "All in one private mount namespace; crun and runc in a nested one without /sys/fs/cgroup/unified."
echo "command: make bench (tests/bench/bench.sh, N=$N in $ROUNDS rounds taking turns); state dirs on a private tmpfs"
