#!/bin/bash
# What cgroup limits cost `run`: N sequential runs of a busybox bundle
# executing /bin/true, without and with linux.resources (memory + swap,
# pids, cpu quota), for nook and for crun (--cgroup-manager=cgroupfs), in
# the VM tier's guest, where the cgroup v2 controllers exist.  Prints
# medians, p90 and what the limits add.  The issue's goal: ≤ 1 ms.
#
#   tests/bench/bench-vm.sh          (host: boots the guest, runs itself there)
#   N=50 tests/bench/bench-vm.sh     (runs per row; default 30, TCG is slow)
#
# Absolute figures are those of a TCG-emulated guest (no KVM): several
# times slower than the host; compare rows, not machines.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

if [ "${NOOK_VM:-}" != 1 ]; then
	mkdir -p "$BUILD/bench"
	cc -O2 -o "$BUILD/bench/runlat" tests/bench/runlat.c
	export NOOK_BENCH_N=${N:-30} NOOK_BENCH_RUNLAT=$PWD/$BUILD/bench/runlat
	exec tests/vm/run.sh --cmd "exec $(printf '%q' "$PWD/tests/bench/bench-vm.sh")"
fi

# ---- in the guest
N=${NOOK_BENCH_N:-30}
NOOK=${NOOK:-$PWD/$BUILD/nook}
runlat=$NOOK_BENCH_RUNLAT
work=/tmp/bench
mkdir -p "$work/rootfs"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$work/rootfs/bin/"
ln -s busybox "$work/rootfs/bin/true"
ln -s busybox "$work/rootfs/bin/sh"
# nook's default spec, dated 1.0.2: crun 1.8 refuses ociVersion 1.2.0.
(cd "$work" && "$NOOK" oci spec)
mkdir "$work/plain" "$work/limits"
jq --arg r "$work/rootfs" '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"] |
	.root.path = $r' "$work/config.json" >"$work/plain/config.json"
jq '.linux.resources += {memory: {limit: 268435456, swap: 268435456}, pids: {limit: 100},
	cpu: {quota: 50000, period: 100000}}' "$work/plain/config.json" >"$work/limits/config.json"

rows=("nook plain" "nook limits" "crun plain" "crun limits")
cmd_of() { # row run-number
	local rt=${1% *} b=$work/${1#* }
	case $rt in
	nook) echo "$NOOK" oci --root "$work/nook" run --bundle "$b" "n${1#* }$2" ;;
	crun) echo crun --root "$work/crun" --cgroup-manager=cgroupfs run --bundle "$b" "c${1#* }$2" ;;
	esac
}
# Interleaved, one run of each row per round, so that the drift of an
# emulated machine hits every row alike; three rounds of warm-up (page
# cache, dentries, nook's shared /nook parent group).
for ((i = -3; i < N; i++)); do
	for row in "${rows[@]}"; do
		# shellcheck disable=SC2046 # paths without spaces
		read -r ms _ _ _ failed < <("$runlat" 1 $(cmd_of "$row" "$i"))
		[ "$i" -lt 0 ] || printf '%s\t%s\t%s\n' "$row" "$ms" "$failed"
	done
done >"$work/runs"

# Nothing may be left behind: no group, no state.
left=$(find /sys/fs/cgroup -mindepth 1 -type d -name '[nc]plain*' -o -type d -name '[nc]limits*' | wc -l)

sort -t$'\t' -k1,1 -k2,2g "$work/runs" | awk -F'\t' -v n="$N" -v left="$left" '
	{ v[$1, ++cnt[$1]] = $2; fail[$1] += $3 }
	function q(r, f,  k) { k = int(f * cnt[r] + 0.5); if (k < 1) k = 1; return v[r, k] }
	END {
		split("nook plain|nook limits|crun plain|crun limits", rows, "|")
		for (i = 1; i <= 4; i++) med[rows[i]] = q(rows[i], 0.5)
		printf "%d runs per row, interleaved, of `run` of a busybox bundle executing /bin/true, in the VM tier (TCG)\n\n", n
		printf "| runtime | linux.resources | median ms | p90 ms | failed | limits add (median) |\n"
		printf "|---|---|---|---|---|---|\n"
		for (i = 1; i <= 4; i++) {
			r = rows[i]
			split(r, w, " ")
			add = w[2] == "limits" ? sprintf("%+.2f ms", med[r] - med[w[1] " plain"]) : ""
			printf "| %s | %s | %.2f | %.2f | %d | %s |\n", w[1],
				w[2] == "limits" ? "memory+swap, pids, cpu quota" : "none", med[r],
				q(r, 0.9), fail[r], add
		}
		printf "\nnook/crun (median): plain %.2fx, limits %.2fx\n",
			med["nook plain"] / med["crun plain"], med["nook limits"] / med["crun limits"]
		printf "cgroups left behind: %d\n", left
	}'
