# Shared by the client tier: podman and containerd (from Debian) driving the
# build's nook-oci as their runtime, each with a private store, state and
# config under the file's temp dir, so nothing of the host's own setup is
# read or changed.
#
# The host rules these tests keep (see issue 12):
# - no network setup at all: podman's default network changes the host's
#   networking, so every run is --network none and containers.conf points
#   the network backend at empty directories;
# - no v1 cgroup is ever created (the machine's own management lives in its
#   v1 hierarchies): podman runs with pids_limit = 0 and cgroups =
#   "no-conmon", ctr with --cpu-shares 0, and after each test the v1 listing
#   is compared with the one taken before the file;
# - the v2 parent groups the clients cause (/libpod_parent, /<namespace>) are
#   removed, and every process is stopped by the PID the test started.

# The integration tier's helpers: bats-assert, $NOOK, make_rootfs.  Its
# setup/teardown are replaced by each file's own.
load ../integration/helpers

IMAGE=localhost/nook-clients/busybox:1
V2=/sys/fs/cgroup/unified
[ -d "$V2" ] || V2=/sys/fs/cgroup

# v1 groups, two levels deep.  Groups named like the integration tier's
# container ids (nk…-PID-N) belong to other test runs on this machine and
# are left out of the comparison.
v1_groups() {
	find /sys/fs/cgroup -maxdepth 2 -mindepth 2 -type d -not -path "$V2/*" -not -path "$V2" 2>/dev/null |
		grep -Ev '/nk[^/]*-[0-9]+-[0-9]+[^/]*$' | sort
}

# Fails (and prints them) when a v1 group appeared since setup_file.
assert_no_new_v1_groups() {
	local now
	now=$(v1_groups)
	if [ "$now" != "$(cat "$CLIENTS_TMP/v1.before")" ]; then
		echo "new v1 cgroups appeared:"
		diff <(cat "$CLIENTS_TMP/v1.before") <(echo "$now") | grep '^>'
		return 1
	fi
}

# rmdir a v2 group and everything below it, deepest first (only empty
# groups go: rmdir fails on one that still holds a process).
remove_v2_group() {
	local g=$V2/$1
	[ -n "$1" ] && [ -d "$g" ] || return 0
	find "$g" -depth -type d -exec rmdir {} + 2>/dev/null || true
}

# Every mount below dir, deepest first.
umount_below() {
	awk -v p="$1" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# The busybox image, made by nook itself: a rootfs imported with
# `nook import` and written by `nook save` as an OCI archive in $1.
make_image_archive() {
	local out=$1 r="$CLIENTS_TMP/rootfs"
	make_rootfs "$r"
	mkdir -p "$r/var/tmp"
	echo 'nobody:x:65534:' >>"$r/etc/group"
	chmod 1777 "$r/var/tmp"
	echo "image file" >"$r/run/from-image"
	NOOK_STORAGE_ROOT="$CLIENTS_TMP/nook-store" "$NOOK" import "$r" "$IMAGE" >/dev/null
	NOOK_STORAGE_ROOT="$CLIENTS_TMP/nook-store" "$NOOK" save -o "$out" "$IMAGE"
	umount_below "$CLIENTS_TMP/nook-store"
	rm -rf "$CLIENTS_TMP/nook-store" "$r"
}

# Common to both files: temp dir, the nook-oci name, the v1 baseline.
clients_setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	export CLIENTS_TMP="$BATS_FILE_TMPDIR"
	v1_groups >"$CLIENTS_TMP/v1.before"
	# nook acts as the OCI runtime when called by this name.
	ln -sf "$NOOK" "$CLIENTS_TMP/nook-oci"
	export NOOK_OCI="$CLIENTS_TMP/nook-oci"
	make_image_archive "$CLIENTS_TMP/image.tar"
}

# Retries a command every 0.1 s for up to 20 s (the machine may be busy).
retry() {
	local i
	for i in $(seq 200); do
		"$@" && return 0
		sleep 0.1
	done
	echo "gave up waiting for: $*"
	return 1
}

# An id unique across concurrent runs of this tier.
ccid() { echo "nkc${1:-}-$$-${BATS_TEST_NUMBER}"; }

# Runs python's pty driver: $1 rows, $2 cols, then the command.  The driver
# (pty_driver.py) prints what the container wrote on its terminal.
pty_run() { python3 "$BATS_TEST_DIRNAME/pty_driver.py" "$@"; }
