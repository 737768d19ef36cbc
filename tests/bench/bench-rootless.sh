#!/bin/bash
# Rootless bench (issue 13 "Speed"): `nook run --rm IMAGE true` as an
# ordinary user against the same as root, and against rootless
# `podman run --rm` (private containers.conf/storage.conf: network none,
# no cgroups, no-conmon), N runs each, interleaved; medians in ms (the
# user's timed inside its own shell, without runuser's cost).  Then
# the first run of an image by a new user (import + run), nook beside
# podman.  Test users are made here and removed on exit with everything
# of theirs.  Numbers only: nothing asserts a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
NOOK=${NOOK:-$PWD/build/nook}
N=${N:-30}
[ "$(id -u)" = 0 ] || { echo "bench-rootless: needs root (makes test users)" >&2; exit 1; }
# shellcheck source=../integration/rootless_common.bash
BATS_TEST_DIRNAME=$PWD/tests/integration source tests/integration/rootless_common.bash
work=$(mktemp -d /tmp/nook-bench-rootless.XXXXXX)
cleanup() {
	local id
	for id in $("$NOOK" --storage-root "$work/store" --root "$work/state" ps -aq 2>/dev/null); do
		"$NOOK" --storage-root "$work/store" --root "$work/state" rm -f "$id" >/dev/null 2>&1 || true
	done
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$work"
	rootless_teardown_file
}
trap cleanup EXIT
ms() { local t0=$EPOCHREALTIME; "$@" >/dev/null 2>&1; echo "$t0 $EPOCHREALTIME" | awk '{printf "%.2f\n", ($2 - $1) * 1000}'; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

BASE_ROOTFS="$work/rootfs"
make_rootfs "$BASE_ROOTFS"
tar -C "$BASE_ROOTFS" -cf "$work/rootfs.tar" .
chmod 644 "$work/rootfs.tar"
chmod 755 "$work"
podman_conf() { # $1: user var; a private podman config in its HOME
	local home=${1}_HOME name=${1}_NAME
	mkdir -p "${!home}/.config/containers"
	cat >"${!home}/.config/containers/containers.conf" <<CONF
[containers]
netns = "none"
cgroups = "no-conmon"
pids_limit = 0
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
runtime = "runc"
CONF
	cat >"${!home}/.config/containers/storage.conf" <<CONF
[storage]
driver = "overlay"
runroot = "${!home}/run/containers"
graphroot = "${!home}/data/containers"
CONF
	mkdir -p -m 700 "${!home}/run"
	chown -R "${!name}:" "${!home}/.config" "${!home}/run"
}
rootless_user_add A
podman_conf A
as A "$NOOK" import - bench:1 <"$work/rootfs.tar" >/dev/null
as A podman import -q - localhost/bench:1 <"$work/rootfs.tar" >/dev/null
"$NOOK" --storage-root "$work/store" --root "$work/state" import "$BASE_ROOTFS" bench:1 >/dev/null
# The user's runs are timed inside one long-lived shell of the user:
# runuser itself (PAM, a session) costs 30-50 ms a call, which would be
# measured as nook's otherwise.  The shell reads a command, runs it and
# answers with its time in ms.
coproc USH { as A bash -c 'while read -r cmd; do t0=$EPOCHREALTIME; eval "$cmd" >/dev/null 2>&1;
	t1=$EPOCHREALTIME; echo "$t0 $t1" | awk "{printf \"%.2f\n\", (\$2 - \$1) * 1000}"; done'; }
as_ms() { local t; echo "$*" >&"${USH[1]}"; read -r t <&"${USH[0]}"; echo "$t"; }
root() { "$NOOK" --storage-root "$work/store" --root "$work/state" run --rm bench:1 true; }
user="$NOOK run --rm bench:1 true"
pod="podman run --rm --network none localhost/bench:1 true"
root; as_ms "$user" >/dev/null; as_ms "$pod" >/dev/null # warm
for _ in $(seq "$N"); do
	ms root >>"$work/root"
	as_ms "$user" >>"$work/user"
	as_ms "$pod" >>"$work/podman"
done
exec {USH[1]}>&-
r=$(median <"$work/root") u=$(median <"$work/user") p=$(median <"$work/podman")
# First run by a new user: its namespace, store and layer unpack included.
rootless_user_add B
podman_conf B
first_nook() { as B "$NOOK" import - bench:1 <"$work/rootfs.tar" && as B "$NOOK" run --rm bench:1 true; }
first_pod() { as B podman import -q - localhost/bench:1 <"$work/rootfs.tar" && as B podman run --rm --network none localhost/bench:1 true; }
fn=$(ms first_nook) fp=$(ms first_pod)
echo "rootless bench: $N runs each, medians (ms)"
printf '| %-40s | %9s | %s |\n' case "median ms" ratio
printf '| %-40s | %9s | %s |\n' "root: nook run --rm bench true" "$r" 1.00x
printf '| %-40s | %9s | %s |\n' "rootless: nook run --rm bench true" "$u" \
	"$(awk -v a="$u" -v b="$r" 'BEGIN {printf "%.2fx root", a / b}')"
printf '| %-40s | %9s | %s |\n' "rootless: podman run --rm bench true" "$p" \
	"$(awk -v a="$p" -v b="$u" 'BEGIN {printf "%.1fx rootless nook", a / b}')"
printf '| %-40s | %9s | %s |\n' "new user: nook import + first run" "$fn" ""
printf '| %-40s | %9s | %s |\n' "new user: podman import + first run" "$fp" \
	"$(awk -v a="$fp" -v b="$fn" 'BEGIN {printf "%.1fx nook", a / b}')"
