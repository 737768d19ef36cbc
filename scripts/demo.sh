#!/bin/bash
# make demo: make a small local image from Debian's busybox-static, then run
# containers from it with nook's engine (docker/podman idiom) and once
# through its OCI face.  Everything (image store, container state) lives in
# one temp dir that is unmounted and removed on exit.  No resource limits:
# on a hybrid-cgroup host they would need the v1 hierarchies, and no
# network but loopback (--network none): the demo changes nothing outside.
set -euo pipefail
cd "$(dirname "$0")/.."
NOOK=${NOOK:-$PWD/build/nook}
work=$(mktemp -d /tmp/nook-demo.XXXXXX)
export NOOK_STORAGE_ROOT=$work/store
nook() { ${NOOK_WRAP:-} "$NOOK" --root "$work/state" "$@"; }

cleanup() {
	nook rm -f web >/dev/null 2>&1 || true
	nook oci delete --force demo >/dev/null 2>&1 || true
	"$NOOK" bundle --remove "$work/bundle" >/dev/null 2>&1 || true
	# Only mounts below our own temp dir, deepest first.
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n$ %s\n' "$*" | sed "s|$work|\$DEMO|g"; }

# 1. A busybox root filesystem, imported as a one-layer image.
mkdir -p "$work/rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$work/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
echo 'root:x:0:' >"$work/rootfs/etc/group"
step nook import rootfs demo/busybox:1
nook import "$work/rootfs" demo/busybox:1
step nook images
nook images

# 2. A throw-away container: what the process sees of the host.
script='echo "Hello from inside a nook container!"
echo "  hostname:      $(hostname)"
echo "  my pid:        $$ (pid 1 of a new pid namespace)"
echo "  processes:    $(ps -o pid,comm | tail -n +2 | tr -s " \n" " ")"
echo "  root fs:       $(ls / | tr "\n" " ")"
echo "  $(grep CapEff /proc/self/status)   (docker'"'"'s default set)"
echo "  $(grep NoNewPrivs /proc/self/status)"
echo "  $(grep "^Seccomp:" /proc/self/status)      (2: the default filter)"
echo "  network:       $(ls /sys/class/net | tr "\n" " ")"
echo "  /proc/keys:    $(wc -c </proc/keys) bytes (masked, as docker masks it)"
mount -t tmpfs none /mnt 2>/dev/null || echo "  mount:         refused (no CAP_SYS_ADMIN)"'
step nook run --rm --hostname nook-demo --network none demo/busybox:1 sh -c '…'
nook run --rm --hostname nook-demo --network none demo/busybox:1 sh -c "$script"

# 3. A detached one: ps, logs, stop, rm.
step nook run -d --name web --network none demo/busybox:1 sh -c "'while :; do date; sleep 1; done'"
nook run -d --name web --network none demo/busybox:1 sh -c 'while :; do date; sleep 1; done' |
	cut -c1-12
sleep 2
step nook ps
nook ps
step nook logs --tail 2 web
nook logs --tail 2 web
step nook stop -t 1 web
nook stop -t 1 web
step nook ps -a
nook ps -a
step nook rm web
nook rm web

# 4. The same image through the OCI face (what podman and containerd use).
step nook bundle demo/busybox:1 bundle
"$NOOK" bundle demo/busybox:1 "$work/bundle"
jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from nook oci run; id"]' \
	"$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"
step nook oci run --bundle bundle demo
nook oci run --bundle "$work/bundle" demo
step nook bundle --remove bundle
"$NOOK" bundle --remove "$work/bundle"
