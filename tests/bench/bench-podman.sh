#!/bin/bash
# `podman run --rm IMAGE true` with nook-oci, crun and runc as podman's OCI
# runtime, side by side in one run: N runs each, in rounds taking turns;
# medians and p90 of the wall time, then a second pass that times each
# runtime invocation podman makes (create, start, delete, ...) to report
# the runtime's share of a podman run.
#
#   tests/bench/bench-podman.sh         (N=20 per runtime and pass)
#
# Like for like on this hybrid host: everything runs in a private mount
# namespace where /sys/fs/cgroup is the host's cgroup2 hierarchy alone
# (the v1 mounts detached, in that namespace only), so podman, conmon and
# all three runtimes see a pure cgroup v2 host -- crun 1.8 refuses the
# hybrid layout, runc would make groups in every v1 hierarchy, and no v1
# group may be created here.  A private CONTAINERS_CONF (network none,
# pids_limit = 0, cgroups = "no-conmon": no limit needs a controller this
# v2 hierarchy lacks), private store, and a /var/lib tmpfs (podman writes a
# blob cache there whatever the store).  Each runtime is called through the
# same one-line sh wrapper that gives it a private --root.  The containers'
# v2 parent group (/libpod_parent) is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-20}
ROUNDS=${ROUNDS:-4}
NOOK=${NOOK:-$PWD/build/nook}
[ "$(id -u)" = 0 ] || { echo "bench-podman: needs root" >&2; exit 1; }
for b in podman conmon crun runc; do
	command -v "$b" >/dev/null || { echo "bench-podman: $b is not installed: skipped"; exit 0; }
done
V2=/sys/fs/cgroup/unified
[ -d "$V2" ] || V2=/sys/fs/cgroup
[ "$(stat -f -c %T "$V2")" = cgroup2fs ] || { echo "bench-podman: no cgroup2 mount"; exit 0; }

work=$(mktemp -d /tmp/nook-bench-podman.XXXXXX)
cleanup() {
	find "$V2/libpod_parent" -depth -type d -exec rmdir {} + 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work"/{tmp,libpod,cni-conf,cni-plugins,state,times}
ln -s "$NOOK" "$work/nook-oci"
# rt NAME BINARY: the plain wrapper, and a timing one for the share pass.
rt() {
	printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$2" "$work/state/$1" >"$work/$1"
	cat >"$work/$1-timed" <<-EOF
		#!/bin/bash
		t0=\$EPOCHREALTIME
		$2 --root $work/state/$1 "\$@"
		rc=\$?
		echo "\$t0 \$EPOCHREALTIME" >>$work/times/$1.inv
		exit \$rc
	EOF
	chmod 755 "$work/$1" "$work/$1-timed"
}
rt nook "$work/nook-oci"
rt crun /usr/bin/crun
rt runc /usr/sbin/runc

cat >"$work/containers.conf" <<EOF
[containers]
pids_limit = 0
cgroups = "no-conmon"
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["$work/cni-plugins"]
network_config_dir = "$work/cni-conf"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "$work/libpod"
static_dir = "$work/store/libpod"
volume_path = "$work/store/volumes"
runtime_supports_nocgroups = ["crun"]

[engine.runtimes]
nook = ["$work/nook"]
crun = ["$work/crun"]
runc = ["$work/runc"]
EOF
# The share pass: the same names, the timing wrappers.
sed -E 's|^(nook\|crun\|runc) = \["(.*)"\]$|\1 = ["\2-timed"]|' "$work/containers.conf" >"$work/containers-timed.conf"
cat >"$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/store"
runroot = "$work/run"
EOF
: >"$work/registries.conf"

# The image: a busybox rootfs, imported and saved by nook.
mkdir -p "$work/rootfs"/{bin,etc,proc,sys,dev,tmp,run}
cp /bin/busybox "$work/rootfs/bin/"
ln -s busybox "$work/rootfs/bin/true"
ln -s busybox "$work/rootfs/bin/sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
NOOK_STORAGE_ROOT=$work/nook-store "$NOOK" import "$work/rootfs" localhost/bench/busybox:1 >/dev/null
NOOK_STORAGE_ROOT=$work/nook-store "$NOOK" save -o "$work/image.tar" localhost/bench/busybox:1
awk -v p="$work/nook-store" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r |
	while read -r m; do umount -l "$m"; done

export work N ROUNDS
unshare -m --propagation private bash -c '
	set -euo pipefail
	# A pure v2 view: the host cgroup2 hierarchy alone at /sys/fs/cgroup.
	umount -l /sys/fs/cgroup
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
	mount -t tmpfs -o size=16m,mode=0755 bench-var-lib /var/lib
	export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf
	export CONTAINERS_REGISTRIES_CONF=$work/registries.conf TMPDIR=$work/tmp
	podman load -q -i "$work/image.tar" >/dev/null
	one() { # runtime label
		local t0 rc=0 cg=()
		# crun loads its device filter only after raising RLIMIT_MEMLOCK,
		# which root without CAP_SYS_RESOURCE may not: crun runs without
		# a cgroup (podman allows --cgroups=disabled for crun alone).
		case $1 in crun*) cg=(--cgroups=disabled) ;; esac
		t0=$EPOCHREALTIME
		podman --runtime "$1" run --rm --network none "${cg[@]}" localhost/bench/busybox:1 true >/dev/null 2>"$work/err" || rc=$?
		echo "$t0 $EPOCHREALTIME $rc" >>"$work/times/$2.runs"
		[ "$rc" = 0 ] || { echo "podman --runtime $1 failed ($rc):" >&2; cat "$work/err" >&2; }
	}
	# Warm-up: the first run of each pays for page cache and storage setup.
	for r in nook crun runc; do one "$r" warm; done
	for ((round = 0; round < ROUNDS; round++)); do
		for r in nook crun runc; do
			for ((i = 0; i < N / ROUNDS; i++)); do one "$r" "$r"; done
		done
	done
	export CONTAINERS_CONF=$work/containers-timed.conf
	for ((round = 0; round < ROUNDS; round++)); do
		for r in nook crun runc; do
			for ((i = 0; i < N / ROUNDS; i++)); do one "$r" "$r-timed"; done
		done
	done
	podman rm -a -f -t 0 >/dev/null 2>&1 || true
	podman rmi -a -f >/dev/null 2>&1 || true
'

ms() { awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' "$1" | sort -n; }
pct() { awk -v q="$2" '{ t[NR] = $1 } END { printf "%.1f", t[int(NR * q) + 1] }' <(ms "$1"); }
echo "podman run --rm busybox true: $N runs per runtime in $ROUNDS rounds taking turns (podman $(podman --version | awk '{print $3}'), conmon $(conmon --version | awk 'NR == 1 {print $3}'))"
echo
echo "| runtime | median ms | p90 ms | vs crun | vs runc | failed | in the runtime per run ms | share |"
echo "|---|---|---|---|---|---|---|---|"
cm=$(pct "$work/times/crun.runs" 0.5)
rm_=$(pct "$work/times/runc.runs" 0.5)
for r in nook crun runc; do
	m=$(pct "$work/times/$r.runs" 0.5)
	p=$(pct "$work/times/$r.runs" 0.9)
	f=$(awk '$3 != 0' "$work/times/$r.runs" | wc -l)
	# Runtime time per podman run: the sum of the timed invocations over
	# the timed pass's runs; its share of that pass's median run.
	inv=$(awk '{ s += ($2 - $1) * 1000 } END { printf "%.1f", s }' "$work/times/$r.inv")
	runs=$(wc -l <"$work/times/$r-timed.runs")
	tm=$(pct "$work/times/$r-timed.runs" 0.5)
	awk -v r="$r" -v m="$m" -v p="$p" -v c="$cm" -v u="$rm_" -v f="$f" -v inv="$inv" -v n="$runs" -v tm="$tm" \
		-v calls="$(wc -l <"$work/times/$r.inv")" 'BEGIN {
		printf "| %s | %.1f | %.1f | %.2fx | %.2fx | %d | %.1f (%.1f calls) | %.0f%% |\n",
			r, m, p, m / c, m / u, f, inv / n, calls / n, 100 * inv / n / tm }'
done
echo
echo "Private mount namespace with a pure cgroup v2 view; no limits; state of each runtime on a private --root through the same sh wrapper."
echo "nook and runc: a v2 group per container (+ device filter); crun: --cgroups=disabled (no group, no filter: it cannot raise RLIMIT_MEMLOCK here)."
echo "command: tests/bench/bench-podman.sh (N=$N); the share pass runs each runtime through a bash wrapper that timestamps every call."
