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
#
# The engine (issue 9 "Speed"), in the same rounds: `nook run --rm IMAGE
# /bin/true` against `nook oci run` of the bundle `nook create` makes of
# that image (same root, same config.json: docker's profile, seccomp);
# `nook run -d` of a sleeping container against `nook oci run -d` of
# such a bundle; and `podman run --rm` with crun (PODMAN_N runs in all;
# podman as tests/bench/podman.bash sets it up, beside crun and runc).
# The engine's store is on disk as /var/lib/nook would be, its state on
# the tmpfs.  Detached containers are removed after each round.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Engine containers get no network (the default is the bridge, which would
# be made in this machine's own network namespace).
export NOOK_CONFIG=$PWD/tests/nook-none.conf
N=${N:-100}
NOOK=${NOOK:-$PWD/build/nook}
PODMAN_N=${PODMAN_N:-20}
work=$(mktemp -d /tmp/nook-bench.XXXXXX)
# shellcheck source=podman.bash
source tests/bench/podman.bash
cleanup() {
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -o "$work/runlat" tests/bench/runlat.c

mkdir -p "$work/bundle/rootfs"/{bin,proc,sys,dev,tmp,etc} "$work/state"
cp /bin/busybox "$work/bundle/rootfs/bin/"
ln -s busybox "$work/bundle/rootfs/bin/true"
ln -s busybox "$work/bundle/rootfs/bin/sh"
(cd "$work/bundle" && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" >"$work/c.json"
mv "$work/c.json" "$work/bundle/config.json"
ln -s busybox "$work/bundle/rootfs/bin/sleep"
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/bundle/rootfs/etc/passwd"
"$NOOK" --storage-root "$work/store" import "$work/bundle/rootfs" bench:1 >/dev/null
podman=false
if command -v podman >/dev/null && [ "$PODMAN_N" -gt 0 ]; then
	podman=true
	podman_conf "$work/podman"
	tar -C "$work/bundle/rootfs" -cf "$work/podman/rootfs.tar" .
	v1_groups >"$work/v1.before"
fi

# Rounds: the runtimes take turns, N/ROUNDS runs each per round, so load
# from whatever else runs on the machine falls on all of them alike.
ROUNDS=${ROUNDS:-5}
measure() { # label cmd...
	local label=$1
	shift
	RUNLAT_TIMES="$work/$label.times" "$work/runlat" "${MEASURE_N:-$((N / ROUNDS))}" "$@" \
		>>"$work/$label.runs"
}
export -f measure
export N ROUNDS work NOOK PODMAN_N podman

unshare -m --propagation private bash -c '
	s='"$work"'/state b='"$work"'/bundle
	mount -t tmpfs -o mode=0700 nook-bench $s
	nk="$NOOK --storage-root $work/store --root $s/engine"
	# The detached containers of a round; at the end (also on failure)
	# every container of ours.
	detached_clean() {
		for id in $($nk ps -q); do $nk rm -f $id >/dev/null; done
		for id in $($NOOK oci --root $s/nook list -q); do
			$NOOK oci --root $s/nook delete -f $id >/dev/null
		done
	}
	engine_clean() {
		detached_clean
		for id in $($nk ps -aq); do $nk rm -f $id >/dev/null; done
	}
	trap engine_clean EXIT
	eb=$work/store/engine/$($nk create bench:1 /bin/true)
	ebd=$work/store/engine/$($nk create bench:1 /bin/sleep 100000)
	$nk run --rm bench:1 /bin/true # warm: seccomp cache, page cache
	if $podman; then
		mount -t tmpfs -o mode=0700 nook-bench-podman $work/podman/run
		pm="podman --root $work/podman/store --runroot $work/podman/run/rr --storage-driver overlay --tmpdir $work/podman/run/tmp"
		export CONTAINERS_CONF=$work/podman/containers.conf XDG_RUNTIME_DIR=$work/podman/run
		export TMPDIR=$work/podman/tmp pm
		unshare -m --propagation private bash -c "umount /sys/fs/cgroup/unified
			$pm import -q $work/podman/rootfs.tar bench:1 >/dev/null && $pm run --rm bench:1 true"
	fi
	for r in $(seq $ROUNDS); do
		measure nook $NOOK oci --root $s/nook run --bundle $b nb$r-{}
		measure nook-oci-engine $NOOK oci --root $s/nook run --bundle $eb eo$r-{}
		measure nook-run-rm $nk run --rm bench:1 /bin/true
		measure nook-oci-d $NOOK oci --root $s/nook run -d --bundle $ebd ed$r-{}
		measure nook-run-d $nk run -d bench:1 /bin/sleep 100000
		detached_clean
		# crun, runc and podman in a nested namespace without /sys/fs/cgroup/unified.
		unshare -m --propagation private bash -c "
			umount /sys/fs/cgroup/unified
			measure crun crun --root $s/crun --cgroup-manager=disabled run --bundle $b cb$r-{}
			measure runc runc --root $s/runc run --bundle $b rb$r-{}
			if $podman; then
				MEASURE_N=$((PODMAN_N / ROUNDS)) measure podman-rm \$pm run --rm bench:1 /bin/true
			fi
		"
	done
'
if $podman; then
	v1_groups >"$work/v1.after"
	diff "$work/v1.before" "$work/v1.after" >&2 || { echo "bench: podman made cgroup v1 groups" >&2; exit 1; }
fi
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

# The engine's rows: each beside what it is measured against.
engine_row() { # label what base goal ratio-text: the ratio is label / base
	[ -s "$work/$1.times" ] || return 0
	sort -n "$work/$1.times" | awk -v l="$2" -v b="$(sort -n "$work/$3.times" |
		awk '{ t[NR] = $1 } END { print t[int(NR / 2) + 1] }')" -v g="$4" -v bl="$5" '
		{ t[NR] = $1 }
		END {
			m = t[int(NR / 2) + 1]
			r = m / b
			printf "| %s | %d | %.2f | %.2f | %s %.2fx | %s |\n", l, NR, m, t[int(NR * 9 / 10) + 1],
				bl, r, g
		}'
}
echo
echo "The engine: medians in the same rounds"
echo
echo "| command | runs | median ms | p90 ms | ratio | goal |"
echo "|---|---|---|---|---|---|"
engine_row nook-oci-engine "nook oci run, bundle of \`nook create IMAGE /bin/true\`" nook-oci-engine \
	"" "itself"
engine_row nook-run-rm "nook run --rm IMAGE /bin/true" nook-oci-engine "<= 1.3x" "vs oci run:"
engine_row nook-oci-d "nook oci run -d, bundle of \`nook create IMAGE sleep\`" nook-oci-d "" \
	"itself"
engine_row nook-run-d "nook run -d IMAGE sleep" nook-oci-d "<= 1.5x" "vs oci run -d:"
engine_row podman-rm "podman run --rm IMAGE /bin/true (crun, conmon)" nook-run-rm \
	">= 20x" "vs nook run --rm:"

echo
echo "All in one private mount namespace; crun and runc in a nested one without /sys/fs/cgroup/unified."
echo "podman (PODMAN_N=$PODMAN_N) in that nested one too, with no cgroup (tests/bench/podman.bash)."
echo "command: make bench (tests/bench/bench.sh, N=$N in $ROUNDS rounds taking turns); state dirs on a private tmpfs"
