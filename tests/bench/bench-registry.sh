#!/bin/bash
# Bench (issue 11 "Speed"): pull of a multi-layer image from a loopback
# docker-registry into a fresh store, side by side: nook pull, skopeo copy
# docker://… oci:… (then nook load of that layout), podman pull (private
# storage and containers.conf).  Then a second nook pull of an image that
# shares all but one layer.  Each step R times (median), interleaved; all
# state in one temp dir, the registry stopped and everything removed on
# exit.  Only 127.0.0.1 is contacted.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOOK=${NOOK:-$PWD/build/nook}
R=${R:-3}
[ "$(id -u)" = 0 ] || { echo "bench-registry: needs root" >&2; exit 1; }
for c in docker-registry skopeo; do
	command -v "$c" >/dev/null || { echo "bench-registry: $c not installed" >&2; exit 0; }
done
work=$(mktemp -d /var/tmp/nook-bench-reg.XXXXXX)
regpid=
cleanup() {
	[ -n "$regpid" ] && kill "$regpid" 2>/dev/null && wait "$regpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ms() { # run a command, print its wall time in ms; a failed run is noted, not timed
	local t0=$EPOCHREALTIME
	if ! "$@" >/dev/null 2>"$work/ms.err"; then
		echo "bench-registry: $1 failed: $(tail -n 1 "$work/ms.err")" >&2
		echo "$1" >>"$work/failed"
		return 0
	fi
	echo "$t0 $EPOCHREALTIME" | awk '{printf "%.0f\n", ($2 - $1) * 1000}'
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# Five gzip layers of real files from /usr (what is on this machine).
layers=()
i=0
for d in usr/include usr/lib/python3.11 usr/sbin usr/share/perl usr/bin; do
	[ -d "/$d" ] || continue
	i=$((i + 1))
	tar -C / --numeric-owner -czf "$work/l$i.tar.gz" "$d"
	layers+=("$work/l$i.tar.gz")
done
mkdir "$work/small" && echo changed >"$work/small/hello"
tar -C "$work/small" -czf "$work/small.tar.gz" .
python3 tests/integration/image_helpers.py layout "$work/img" - "${layers[@]}"
python3 tests/integration/image_helpers.py layout "$work/img2" - "${layers[@]:0:$((i - 1))}" "$work/small.tar.gz"
size=$(du -cb "${layers[@]}" | tail -1 | cut -f1)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
cat >"$work/reg.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/regdata
http:
  addr: $reg
EOF
docker-registry serve "$work/reg.yml" >"$work/reg.log" 2>&1 &
regpid=$!
for _ in $(seq 100); do curl -sf "http://$reg/v2/" >/dev/null && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false "oci:$work/img" "docker://$reg/bench:1"
skopeo copy -q --dest-tls-verify=false "oci:$work/img2" "docker://$reg/bench:2"

# podman with its own storage and configuration: nothing of the machine's.
mkdir -p "$work/podman"
cat >"$work/podman/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
[containers]
cgroups = "no-conmon"
EOF
cat >"$work/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$work/podman/run"
graphroot = "$work/podman/root"
EOF
pod() {
	rm -rf "$work/podman/root" "$work/podman/run"
	CONTAINERS_CONF="$work/podman/containers.conf" \
		CONTAINERS_STORAGE_CONF="$work/podman/storage.conf" \
		podman pull -q --tls-verify=false "$reg/bench:1"
}
nook_pull() { rm -rf "$work/s1" && "$NOOK" pull -q "$reg/bench:1" --storage-root "$work/s1"; }
skopeo_only() { rm -rf "$work/oci" && skopeo copy -q --src-tls-verify=false "docker://$reg/bench:1" "oci:$work/oci:1"; }
skopeo_load() { skopeo_only && rm -rf "$work/s2" && "$NOOK" load -q -i "$work/oci" --storage-root "$work/s2"; }
second() { "$NOOK" pull -q "$reg/bench:2" --storage-root "$work/s1"; }

declare -A t
for _ in $(seq "$R"); do
	t[nook]+="$(ms nook_pull) "
	t[second]+="$(ms second) "
	"$NOOK" rmi "$reg/bench:2" --storage-root "$work/s1" >/dev/null 2>&1 || true
	t[skopeo]+="$(ms skopeo_only) "
	t[skopeo_load]+="$(ms skopeo_load) "
	command -v podman >/dev/null && t[podman]+="$(ms pod) "
done
med() { echo "${t[$1]:-}" | tr ' ' '\n' | grep . | median; }
[ ! -s "$work/failed" ] || echo "bench-registry: failed runs (not timed): $(sort "$work/failed" | uniq -c | tr -s ' \n' ' ')" >&2
printf 'registry pull, %d layers, %d MB compressed, loopback docker-registry, median of %d:\n' \
	"$i" "$((size / 1000000))" "$R"
printf '  %-44s %6s ms\n' "nook pull" "$(med nook)"
printf '  %-44s %6s ms\n' "skopeo copy docker:// oci:" "$(med skopeo)"
printf '  %-44s %6s ms\n' "skopeo copy + nook load" "$(med skopeo_load)"
[ -n "${t[podman]:-}" ] && printf '  %-44s %6s ms\n' "podman pull (private storage, overlay)" "$(med podman)"
printf '  %-44s %6s ms\n' "nook pull, all but one layer in the store" "$(med second)"
