#!/bin/bash
# make demo: make a small local image from Debian's busybox-static, then run
# a container from it.  Everything (image store, bundle, runtime state)
# lives in one temp dir that is unmounted and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
NOOK=${NOOK:-$PWD/build/nook}
work=$(mktemp -d /tmp/nook-demo.XXXXXX)
export NOOK_STORAGE_ROOT=$work/store
state=$work/state

cleanup() {
	"$NOOK" oci --root "$state" delete --force demo >/dev/null 2>&1 || true
	"$NOOK" bundle --remove "$work/bundle" >/dev/null 2>&1 || true
	# Only mounts below our own temp dir, deepest first.
	awk -v w="$work" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
	rm -rf "$work"
}
trap cleanup EXIT

step() { echo "\$ $*" | sed "s|$work|\$DEMO|g"; }

# 1. A busybox root filesystem, imported as a one-layer image.
mkdir -p "$work/rootfs"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$work/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/rootfs/etc/passwd"
step nook import rootfs demo/busybox:1
"$NOOK" import "$work/rootfs" demo/busybox:1
step nook images
"$NOOK" images

# 2. An OCI bundle from the image: config.json plus an overlay root.
step nook bundle demo/busybox:1 bundle
"$NOOK" bundle demo/busybox:1 "$work/bundle"
jq '.hostname = "nook-demo" | .process.args = ["sh", "-c", $script]' \
	--arg script '
echo "Hello from inside a nook container!"
echo "  hostname:    $(hostname)"
echo "  my pid:      $$ (pid 1 of a new pid namespace)"
echo "  root fs:     $(ls / | tr "\n" " ")"
echo "  $(grep CapEff /proc/self/status)"
echo "  $(grep NoNewPrivs /proc/self/status)"
echo "  the processes I can see:"
ps -o pid,user,comm' \
	"$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"

# 3. Run it, then clean up the bundle.
step nook oci run --bundle bundle demo
${NOOK_WRAP:-} "$NOOK" oci --root "$state" run --bundle "$work/bundle" demo
step nook bundle --remove bundle
"$NOOK" bundle --remove "$work/bundle"
