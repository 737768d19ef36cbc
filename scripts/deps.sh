#!/bin/sh
# Installs the Debian packages nook's build and tests need, when missing.
# Idempotent and quiet when nothing is missing.
set -eu
PKGS="gcc make pkg-config libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev
libnftables-dev nftables iperf3 sqlite3 libjson-c-dev libarchive-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev libcmocka-dev
bats bats-support bats-assert busybox-static jq crun runc umoci skopeo docker-registry clang libclang-rt-14-dev
qemu-system-x86 cpio zstd xz-utils lz4 iproute2 util-linux procps zsh fish
podman conmon containerd catatonit uidmap passt slirp4netns"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
fi
# docker-registry is for the registry tests, which start their own instance
# on a loopback port: the package's service (listening on :5000 on every
# address) must not run.
if [ -x /etc/init.d/docker-registry ]; then
	{ systemctl disable --now docker-registry || { /etc/init.d/docker-registry stop;
		update-rc.d docker-registry disable; }; } >/dev/null 2>&1 || true
fi
# The VM tier's kernel (unpacked into the build tree, never installed).
if [ -x tests/vm/setup.sh ]; then
	tests/vm/setup.sh
fi
