#!/bin/bash
# make bench, images (issue 4 "Speed"): load of a large gzip layer against
# `tar -xzf` of the same layer and `umoci unpack` of the same OCI layout, a
# second image sharing that layer, and the mount of a 10-layer root.
#
# The layer is ~210 MB of real files from this machine's /usr (headers,
# python, perl, sbin: ~11k files), since debootstrap needs the network.
# Each step runs R times (median shown), interleaved, each on a fresh
# ext4 (a loop-mounted file): on a shared, well-used filesystem ext4 spends
# most of its time looking for free inodes past recently deleted ones,
# which makes whichever step follows a big delete look slow.  Sources stay
# in the page cache for all.  Everything lives in one temp dir, unmounted
# and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOOK=${NOOK:-$PWD/build/nook}
BUILD=${BUILD:-build}
R=${R:-3}
N=${N:-200}
[ "$(id -u)" = 0 ] || { echo "bench-image: needs root" >&2; exit 1; }
work=$(mktemp -d /var/tmp/nook-bench-image.XXXXXX)
cleanup() {
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$work"
}
trap cleanup EXIT
mk_layout() { python3 tests/integration/image_helpers.py layout "$@"; }
ms() { # run a command, print its wall time in ms
	local t0=$EPOCHREALTIME
	"$@" >/dev/null
	echo "$t0 $EPOCHREALTIME" | awk '{printf "%.1f\n", ($2 - $1) * 1000}'
}
fresh_fs() { # an empty ext4 on $work/fs
	umount "$work/fs" 2>/dev/null || true
	rm -f "$work/fs.img" && truncate -s 4G "$work/fs.img"
	mkfs.ext4 -q -F "$work/fs.img" && mkdir -p "$work/fs" && mount -o loop "$work/fs.img" "$work/fs"
	sync
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# shellcheck disable=SC2046
cc -O2 -std=gnu11 -D_GNU_SOURCE -I. -o "$work/mountlat" tests/bench/mountlat.c \
	$(ls "$BUILD"/{base,overlayfs,image}/*.o) \
	$(pkg-config --libs libarchive sqlite3 libcrypto json-c) -lpthread

dirs=()
for d in usr/include usr/lib/python3.11 usr/sbin usr/share/perl; do [ -d "/$d" ] && dirs+=("$d"); done
tar -C / --numeric-owner -czf "$work/layer.tar.gz" "${dirs[@]}"
raw=$(gzip -dc "$work/layer.tar.gz" | wc -c)
files=$(tar -tzf "$work/layer.tar.gz" | wc -l)
mkdir "$work/small" && echo hello >"$work/small/hello"
tar -C "$work/small" -czf "$work/small.tar.gz" .
mk_layout "$work/img" bench "$work/layer.tar.gz"
mk_layout "$work/img2" bench "$work/layer.tar.gz" "$work/small.tar.gz"
for i in $(seq 1 10); do
	mkdir -p "$work/l$i/d$i" && seq 1 100 | while read -r k; do echo "$i $k" >"$work/l$i/d$i/f$k"; done
	tar -C "$work/l$i" -czf "$work/l$i.tar.gz" .
done
mk_layout "$work/img10" bench $(for i in $(seq 1 10); do echo "$work/l$i.tar.gz"; done)

for _ in $(seq 1 "$R"); do
	fresh_fs && mkdir "$work/fs/x"
	ms tar -C "$work/fs/x" -xzf "$work/layer.tar.gz" >>"$work/t.tar"
	fresh_fs && mkdir "$work/fs/x"
	ms sh -c 'tar -C "$1" -xzf "$2" && sync' - "$work/fs/x" "$work/layer.tar.gz" >>"$work/t.tarsync"
	fresh_fs
	ms "$NOOK" load -q -i "$work/img" --storage-root "$work/fs/store" >>"$work/t.nook"
	sync
	ms "$NOOK" load -q -i "$work/img2" --storage-root "$work/fs/store" >>"$work/t.second"
	if command -v umoci >/dev/null; then
		fresh_fs
		ms umoci unpack --image "$work/img:bench" "$work/fs/ub" >>"$work/t.umoci"
	fi
done

fresh_fs
id=$("$NOOK" load -q -i "$work/img10" --storage-root "$work/fs/store" | sed -n 's/^Loaded image ID: //p')
mkdir "$work/fs/root"
read -r mount_med mount_p90 < <("$work/mountlat" "$work/fs/store" "$id" "$work/fs/root" "$N")
cmd_t=$(for _ in $(seq 1 20); do
	ms "$NOOK" image mount "$id" --storage-root "$work/fs/store"
	"$NOOK" image unmount "$id" --storage-root "$work/fs/store"
done | median)

tar_t=$(median <"$work/t.tar")
tarsync_t=$(median <"$work/t.tarsync")
nook_t=$(median <"$work/t.nook")
second_t=$(median <"$work/t.second")
umoci_t=$([ -s "$work/t.umoci" ] && median <"$work/t.umoci" || echo 0)
awk -v tar="$tar_t" -v tarsync="$tarsync_t" -v nook="$nook_t" -v umoci="$umoci_t" -v second="$second_t" \
	-v mm="$mount_med" -v mp="$mount_p90" -v cmd="$cmd_t" -v raw="$raw" -v files="$files" \
	-v r="$R" -v n="$N" 'BEGIN {
	printf "Image store: one gzip layer of %.0f MB uncompressed, %d entries (from /usr); median of %d runs\n\n", raw / 1e6, files, r
	printf "| step | time | ratio | goal |\n|---|---|---|---|\n"
	printf "| tar -xzf into an empty dir | %.0f ms | 1.00x | reference |\n", tar
	printf "| tar -xzf, then sync (nook syncs before it records) | %.0f ms | %.2fx | like for like |\n", tarsync, tarsync / tar
	printf "| nook load (fresh store; verify, unpack, sync, record) | %.0f ms | %.2fx tar, %.2fx tar+sync | <= 1.2x tar |\n", nook, nook / tar, nook / tarsync
	if (umoci > 0)
		printf "| umoci unpack of the same layout | %.0f ms | nook %.2fx faster | >= 2x |\n", umoci, umoci / nook
	printf "| nook load of a 2nd image sharing that layer | %.0f ms | %.3fx tar | near zero |\n", second, second / tar
	printf "| mount a 10-layer container root (median/p90 of %d) | %.2f / %.2f ms | | < 2 ms |\n", n, mm, mp
	printf "| whole `nook image mount` command, 10 layers | %.1f ms | | (process + store open) |\n", cmd
}'
