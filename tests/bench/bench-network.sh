#!/bin/bash
# make bench, networking (issue 10 "Speed"), all inside network namespaces
# this script makes and removes (never the machine's own):
#  - `nook run --rm --network bridge IMAGE true` against `--network none`,
#    N runs each, interleaved; medians in ms (goal: +3 ms at most);
#  - TCP throughput with iperf3 (T seconds each): container to container
#    on the default bridge, the test host to a port the container
#    publishes (through its loopback: the issue's host <-> published
#    port), a client namespace to that port (one veth hop more), and a
#    plain veth pair made by hand between two namespaces (goal: container
#    to container and host to published port within 10% of it).  The three
#    take turns R times (R rounds, default 3) and medians are compared: on
#    a VM the plain pair alone varies by 20% from one run to the next.
# iperf3 runs from the host's binary inside each container's network
# namespace (nsenter --net): what is measured is the network path.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOOK=${NOOK:-$PWD/build/nook}
N=${N:-50}
T=${T:-3}
R=${R:-3}
[ "$(id -u)" = 0 ] || { echo "bench-network: needs root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench-network: needs iperf3 (scripts/deps.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/nook-bench-net.XXXXXX)
H="nookbench-$$-host" C="nookbench-$$-client" A="nookbench-$$-a" B="nookbench-$$-b"
export NOOK_CONFIG="$work/nook.conf"
echo "network = bridge" >"$NOOK_CONFIG"
nk() { nsenter --net="/run/netns/$H" "$NOOK" --storage-root "$work/store" --root "$work/state" "$@"; }
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for id in $(nk ps -aq 2>/dev/null); do nk rm -f "$id" >/dev/null 2>&1 || true; done
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	for n in "$H" "$C" "$A" "$B"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
ms() { # run a command, print its wall time in ms
	local t0=$EPOCHREALTIME
	"$@" >/dev/null
	echo "$t0 $EPOCHREALTIME" | awk '{printf "%.2f\n", ($2 - $1) * 1000}'
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
gbits() { # iperf3 client args...: receiver's Gbit/s
	"$@" -J -t "$T" | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100'
}
server() { # netns-path: an iperf3 server there (R clients), killed at exit
	nsenter --net="$1" iperf3 -s >/dev/null 2>&1 &
	pids+=($!)
	sleep 0.3
}

for n in "$H" "$C" "$A" "$B"; do ip netns add "$n" && ip -n "$n" link set lo up; done
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in true sh sleep; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
nk import "$work/rootfs" bench:1 >/dev/null

nk run --rm --network bridge bench:1 true # warm: the bridge, nftables, caches
nk run --rm --network none bench:1 true
for i in $(seq "$N"); do
	ms nk run --rm --network bridge bench:1 true >>"$work/bridge"
	ms nk run --rm --network none bench:1 true >>"$work/none"
done
b=$(median <"$work/bridge")
n=$(median <"$work/none")
echo "nook run --rm --network bridge IMAGE true: median $b ms ($N runs)"
echo "nook run --rm --network none IMAGE true:   median $n ms ($N runs)"
awk -v b="$b" -v n="$n" 'BEGIN {printf "bridge costs %+.2f ms (goal <= +3 ms)\n", b - n}'

# The baseline: a veth pair by hand between namespaces A and B.
ip -n "$A" link add va type veth peer name vb netns "$B"
ip -n "$A" addr add 192.0.2.1/24 dev va && ip -n "$A" link set va up
ip -n "$B" addr add 192.0.2.2/24 dev vb && ip -n "$B" link set vb up
server "/run/netns/$A"

# Container to container on the default bridge.
s=$(nk run -d --network bridge bench:1 sleep 600)
c=$(nk run -d --network bridge bench:1 sleep 600)
spid=$(nk inspect "$s" | jq -r '.[0].State.Pid')
cpid=$(nk inspect "$c" | jq -r '.[0].State.Pid')
sip=$(nsenter --net="/proc/$spid/ns/net" ip -o -4 addr show dev eth0 | awk '{split($4, a, "/"); print a[1]}')
server "/proc/$spid/ns/net"

# A client namespace to a port published on the test host.
p=$(nk run -d --network bridge -p 5201:5201 bench:1 sleep 600)
ppid=$(nk inspect "$p" | jq -r '.[0].State.Pid')
ip -n "$H" link add th0 type veth peer name cl0 netns "$C"
ip -n "$H" addr add 198.51.100.1/24 dev th0 && ip -n "$H" link set th0 up
ip -n "$C" addr add 198.51.100.2/24 dev cl0 && ip -n "$C" link set cl0 up
server "/proc/$ppid/ns/net"
for _ in $(seq "$R"); do
	gbits ip netns exec "$B" iperf3 -c 192.0.2.1 >>"$work/base"
	gbits nsenter --net="/proc/$cpid/ns/net" iperf3 -c "$sip" >>"$work/c2c"
	gbits ip netns exec "$H" iperf3 -c 127.0.0.1 >>"$work/host"
	gbits ip netns exec "$C" iperf3 -c 198.51.100.1 >>"$work/pub"
done
base=$(median <"$work/base") c2c=$(median <"$work/c2c") pub=$(median <"$work/pub")
host=$(median <"$work/host")

echo "iperf3 TCP, ${T}s each, medians of $R rounds taking turns (Gbit/s): plain veth pair $base" \
	"($(tr '\n' ' ' <"$work/base")), container to container $c2c ($(tr '\n' ' ' <"$work/c2c"))," \
	"host to published port $host ($(tr '\n' ' ' <"$work/host")), client namespace to" \
	"published port $pub ($(tr '\n' ' ' <"$work/pub"))"
awk -v b="$base" -v c="$c2c" -v h="$host" -v p="$pub" 'BEGIN {printf "container to container %.0f%%, host to published port %.0f%% of the plain veth pair (goal >= 90%%); a client namespace to it (two veth hops) %.0f%%\n", 100 * c / b, 100 * h / b, 100 * p / b}'
