#!/bin/bash
# make bench, density (issue 9 "Speed and footprint"): N detached `sleep`
# containers at once (DENSITY_N, 500), under nook and then under podman
# with crun (PODMAN_DENSITY_N, as many).  Reports per container the
# proportional set size of its monitor (nook's monitor, podman's conmon:
# Pss of /proc/PID/smaps_rollup, measured while all N run, so pages they
# share are divided among them) and the host memory it takes (MemAvailable
# before minus with all N running, over N: monitor, container, kernel).
#
# Everything lives in one temp dir.  Cleanup, also on failure or ^C,
# goes by what this script created: the nook containers by the ids it
# recorded (`nook rm -f`), podman's by the ids it recorded inside its
# namespace, and after that every process it recorded (monitor, conmon,
# container) that is still the same process is killed by its pid.
#
# podman as tests/bench/podman.bash sets it up (no cgroup at all).  The
# v1 hierarchies are compared before and after: a new group fails the
# bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Engine containers get no network (the default is the bridge, which would
# be made in this machine's own network namespace).
export NOOK_CONFIG=$PWD/tests/nook-none.conf
NOOK=${NOOK:-$PWD/build/nook}
N=${DENSITY_N:-500}
PN=${PODMAN_DENSITY_N:-$N}
[ "$(id -u)" = 0 ] || { echo "bench-density: needs root" >&2; exit 1; }
work=$(mktemp -d /tmp/nook-bench-density.XXXXXX)
nk() { "$NOOK" --storage-root "$work/store" --root "$work/state" "$@"; }
# shellcheck source=podman.bash
source tests/bench/podman.bash

# "PID START" lines: a pid is only killed while its start time is the one
# recorded (never a recycled pid).
start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
kill_recorded() {
	local pid st
	[ -f "$1" ] || return 0
	while read -r pid st; do
		if [ "$(start_time "$pid")" = "$st" ]; then kill -9 "$pid" 2>/dev/null; fi
	done <"$1"
}
cleanup() {
	set +e
	if [ -f "$work/nook.ids" ]; then
		while read -r id; do nk rm -f "$id" >/dev/null 2>&1; done <"$work/nook.ids"
	fi
	kill_recorded "$work/nook.pids"
	kill_recorded "$work/podman.pids"
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mem_available() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
pss() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

mkdir -p "$work/rootfs/bin" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
for l in sh sleep true; do ln -s busybox "$work/rootfs/bin/$l"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"

# ------------------------------------------------------------------ nook --
nk import "$work/rootfs" bench:1 >/dev/null
nk run --rm bench:1 true # warm: seccomp cache, page cache
sync
sleep 1
before=$(mem_available)
t0=$EPOCHREALTIME
for _ in $(seq "$N"); do
	nk run -d bench:1 sleep 100000 >>"$work/nook.ids"
done
t1=$EPOCHREALTIME
sleep 2
after=$(mem_available)
# The monitor is the container's parent.
# shellcheck disable=SC2046
nk inspect $(cat "$work/nook.ids") | jq -r '.[].State.Pid' >"$work/nook.ctr"
while read -r c; do
	m=$(awk '{print $4}' "/proc/$c/stat")
	echo "$m $(start_time "$m")" >>"$work/nook.pids"
	echo "$c $(start_time "$c")" >>"$work/nook.pids"
	echo "$m" >>"$work/nook.mon"
done <"$work/nook.ctr"
running=$(wc -l <"$work/nook.mon")
total=0
while read -r m; do total=$((total + $(pss "$m"))); done <"$work/nook.mon"
nook_pss=$((total / running))
total=0
while read -r c; do total=$((total + $(pss "$c"))); done <"$work/nook.ctr"
nook_ctr_pss=$((total / running))
nook_mem=$(((before - after) / N))
nook_start=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN {printf "%.1f", (b - a) * 1000 / n}')
t0=$EPOCHREALTIME
while read -r id; do nk rm -f "$id" >/dev/null; done <"$work/nook.ids"
t1=$EPOCHREALTIME
nook_rm=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN {printf "%.1f", (b - a) * 1000 / n}')
rm -f "$work/nook.ids"

# ---------------------------------------------------------------- podman --
podman_row="| podman + crun (conmon) | - | - | - | - | - | podman not usable here |"
if command -v podman >/dev/null && [ "$PN" -gt 0 ]; then
	podman_conf "$work/p"
	tar -C "$work/rootfs" -cf "$work/p/rootfs.tar" .
	v1_groups >"$work/v1.before"
	export work PN
	unshare -m --propagation private bash -c '
		set -eu
		umount /sys/fs/cgroup/unified
		mount -t tmpfs -o mode=0700 bench-density "$work/p/run"
		export CONTAINERS_CONF=$work/p/containers.conf XDG_RUNTIME_DIR=$work/p/run TMPDIR=$work/p/tmp
		pm() { podman --root "$work/p/store" --runroot "$work/p/run/rr" --storage-driver overlay \
			--tmpdir "$work/p/run/tmp" "$@"; }
		st() { awk "{print \$22}" "/proc/$1/stat"; }
		mem() { awk "/^MemAvailable:/ {print \$2}" /proc/meminfo; }
		rmall() {
			[ -f "$work/p/ids" ] && xargs -r podman --root "$work/p/store" --runroot "$work/p/run/rr" \
				--storage-driver overlay --tmpdir "$work/p/run/tmp" rm -f -t 0 <"$work/p/ids" >/dev/null 2>&1
			rm -f "$work/p/ids"
		}
		trap rmall EXIT
		pm import -q "$work/p/rootfs.tar" bench:1 >/dev/null
		pm run --rm bench:1 true
		sync; sleep 1
		before=$(mem)
		t0=$EPOCHREALTIME
		for _ in $(seq "$PN"); do
			id=$(pm run -d bench:1 sleep 100000)
			echo "$id" >>"$work/p/ids"
			pm inspect -f "{{.State.ConmonPid}} {{.State.Pid}}" "$id" >>"$work/p/pids"
			read -r cm c < <(tail -1 "$work/p/pids")
			echo "$cm $(st "$cm")" >>"$work/podman.pids"
			echo "$c $(st "$c")" >>"$work/podman.pids"
		done
		t1=$EPOCHREALTIME
		sleep 2
		after=$(mem)
		total=0 ctotal=0
		while read -r cm c; do
			total=$((total + $(awk "/^Pss:/ {print \$2}" "/proc/$cm/smaps_rollup")))
			ctotal=$((ctotal + $(awk "/^Pss:/ {print \$2}" "/proc/$c/smaps_rollup")))
		done <"$work/p/pids"
		echo "$((total / PN)) $(((before - after) / PN)) $t0 $t1 $((ctotal / PN))" >"$work/p/result"
		t0=$EPOCHREALTIME
		rmall
		t1=$EPOCHREALTIME
		echo "$t0 $t1" >>"$work/p/result"
	' || echo "bench-density: podman failed" >&2
	v1_groups >"$work/v1.after"
	if ! diff -q "$work/v1.before" "$work/v1.after" >/dev/null; then
		echo "bench-density: podman made cgroup v1 groups:" >&2
		diff "$work/v1.before" "$work/v1.after" >&2 || true
		exit 1
	fi
	if [ -s "$work/p/result" ]; then
		read -r p_pss p_mem pt0 pt1 p_ctr < <(head -1 "$work/p/result")
		read -r rt0 rt1 < <(tail -1 "$work/p/result")
		podman_row=$(awk -v pss="$p_pss" -v mem="$p_mem" -v a="$pt0" -v b="$pt1" -v c="$rt0" \
			-v d="$rt1" -v n="$PN" -v ctr="$p_ctr" 'BEGIN {
			printf "| podman + crun (conmon) | %d | %d | %d | %d | %.1f | %.1f |", n, pss, ctr,
				mem, (b - a) * 1000 / n, (d - c) * 1000 / n }')
	fi
fi

echo "Density: detached \`sleep\` containers, all running at once"
echo
echo "| engine (monitor) | containers | monitor PSS KiB | container PSS KiB | host memory KiB per container | run -d ms each | rm -f ms each |"
echo "|---|---|---|---|---|---|---|"
printf "| nook (nook __monitor) | %d | %d | %d | %d | %s | %s |\n" "$running" "$nook_pss" \
	"$nook_ctr_pss" "$nook_mem" "$nook_start" "$nook_rm"
echo "$podman_row"
echo
echo "monitor PSS goal <= 512 KiB; container PSS: its sleep process; host memory = MemAvailable" \
	"drop / containers (monitor, container, kernel objects: on a shared machine the others' load" \
	"shows in it, and can make it negative)"
echo "command: make bench (tests/bench/bench-density.sh, DENSITY_N=$N PODMAN_DENSITY_N=$PN)"
