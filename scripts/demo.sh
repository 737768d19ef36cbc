#!/bin/bash
# make demo: a busybox bundle made from Debian's busybox-static, run with
# nook in fresh namespaces; prints what the container sees.
set -euo pipefail
cd "$(dirname "$0")/.."
NOOK=${NOOK:-$PWD/build/nook}
work=$(mktemp -d /tmp/nook-demo.XXXXXX)
root=$work/state
trap '"$NOOK" oci --root "$root" delete --force demo >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

mkdir -p "$work/bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$work/bundle/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/bundle/rootfs/etc/passwd"
(cd "$work/bundle" && "$NOOK" oci spec)
jq '.process.terminal = false | .hostname = "nook-demo"
  | .process.args = ["sh", "-c", "echo \"Hello from inside a nook container!\"; echo \"  hostname: $(hostname)\"; echo \"  my pid:   $$ (a new pid namespace)\"; echo \"  processes I can see: $(ls -d /proc/[0-9]* | wc -l)\"; echo \"  root fs:  $(ls / | tr \"\\n\" \" \")\"; echo \"  capabilities: $(grep CapEff /proc/self/status)\"; echo \"  seccomp/no_new_privs: $(grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status | tr -s \"\\t\\n\" \"  \")\""]' \
	"$work/bundle/config.json" >"$work/bundle/config.json.new"
mv "$work/bundle/config.json.new" "$work/bundle/config.json"
echo "\$ nook oci run --bundle $work/bundle demo"
${NOOK_WRAP:-} "$NOOK" oci --root "$root" run --bundle "$work/bundle" demo
