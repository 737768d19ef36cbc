# Shared by every integration test: the nook binary, a fresh busybox
# bundle per test, a private state root, and a teardown that removes every
# container, cgroup and mount the test made, also when it failed.
# bats-support/bats-assert sourced directly: their load.bash forks dirname
# for every file, which costs a second per test under QEMU emulation.
for _f in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
	# shellcheck disable=SC1090
	source "$_f"
done
unset _f

NOOK_SRC=${NOOK_SRC:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
NOOK_BUILD=${NOOK_BUILD:-$NOOK_SRC/build}
NOOK=${NOOK:-$NOOK_BUILD/nook}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# This machine's own management lives in its cgroup v1 hierarchies: no
# host test may create a v1 group or move a process into one.  Outside the
# VM tier nook's v1 backend is therefore off, so a limit that would need a
# v1 controller fails instead of touching v1 (tests/vm/ tests the backend).
if [ "${NOOK_VM:-}" != 1 ]; then
	export NOOK_CGROUP_V1=off
fi

# `nook run`'s default network is the bridge, as docker's: never in the
# machine's own network namespace.  The suite's config makes it none;
# network tests (net_helpers.bash) run nook inside namespaces of their own.
export NOOK_CONFIG="$NOOK_SRC/tests/nook-none.conf"
# The machine's links before the suite, for zz_net_host_untouched.bats.
if [ -n "${BATS_RUN_TMPDIR:-}" ] && [ ! -e "$BATS_RUN_TMPDIR/host-links.before" ]; then
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$BATS_RUN_TMPDIR/host-links.before"
fi

# Container ids unique across concurrent test runs: cgroups are named by id.
cid() { echo "nk${1:-}-$$-${BATS_TEST_NUMBER}"; }

# A busybox root filesystem at $1 (applets as symlinks, basic /etc).
make_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,proc,sys,dev,tmp,etc,root,var,run}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	chmod 1777 "$r/tmp"
}

# Base rootfs built once per file; each test's bundle gets its own copy.
setup_file() {
	export BASE_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
	make_rootfs "$BASE_ROOTFS"
}

setup() {
	bundle_setup
}

# What setup does, for test files that add to it.
bundle_setup() {
	ROOT="$BATS_TEST_TMPDIR/state"
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	mkdir -p "$BUNDLE"
	[ -d "${BASE_ROOTFS:-}" ] || { export BASE_ROOTFS="$BATS_FILE_TMPDIR/rootfs"; make_rootfs "$BASE_ROOTFS"; }
	cp -a "$BASE_ROOTFS" "$BUNDLE/rootfs"
	(cd "$BUNDLE" && "$NOOK" oci spec)
	# Tests run without a terminal; the default spec asks for one.
	cfg '.process.terminal = false | .root.readonly = false'
}

teardown() {
	local id
	if [ -d "${ROOT:-/nonexistent}" ]; then
		for id in $("$NOOK" oci --root "$ROOT" list -q 2>/dev/null); do
			"$NOOK" oci --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	# Nothing of this test may stay mounted below its temp dir.
	awk -v p="$BATS_TEST_TMPDIR" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# The bundle's config.json replaced by `spec` with these options (e.g.
# --profile docker), no tty; the sysprobe helper in /bin.
profile_spec() {
	rm -f "$BUNDLE/config.json"
	(cd "$BUNDLE" && "$NOOK" oci spec "$@")
	cfg '.process.terminal = false | .root.readonly = false'
	cp "$NOOK_BUILD/tests/helpers/sysprobe" "$BUNDLE/rootfs/bin/sysprobe"
}

# A detached container keeps the stdio of the nook that made it (as with
# runc): for create, run -d and exec -d that stdio is a log file, so bats'
# output pipes are never held open by a container.  What nook itself says
# is printed afterwards.
oci() {
	local detached=0 a
	case ${1:-} in
	create) detached=1 ;;
	run | exec) for a in "$@"; do case $a in -d | --detach) detached=1 ;; esac; done ;;
	esac
	if [ "$detached" = 1 ]; then
		local log="$BATS_TEST_TMPDIR/detached.$RANDOM.log" rc=0
		"$NOOK" oci --root "$ROOT" "$@" >"$log" 2>&1 </dev/null || rc=$?
		cat "$log"
		return $rc
	fi
	"$NOOK" oci --root "$ROOT" "$@"
}

# Edit the bundle's config.json with a jq expression.
cfg() {
	local f="$BUNDLE/config.json"
	jq "$@" "$f" >"$f.new" && mv "$f.new" "$f"
}

# The mapped root of a user namespace must be able to reach the bundle
# (bats makes its temp dirs 0700).
userns_reachable() {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/test" "$BATS_TEST_TMPDIR" "$BUNDLE"
}

# The process args, as a JSON array from the shell words given.
set_args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	cfg ".process.args = $json"
}

# Run a container in the foreground with the given command.
run_ctr() {
	set_args "$@"
	run oci run --bundle "$BUNDLE" "$(cid)"
}

# Wait (up to ~5 s) until `state` reports the given status.
wait_status() {
	local id=$1 want=$2 i
	for i in $(seq 50); do
		[ "$(oci state "$id" 2>/dev/null | jq -r .status)" = "$want" ] && return 0
		sleep 0.1
	done
	echo "container $id did not reach status $want: $(oci state "$id" 2>&1)" >&2
	return 1
}

cgroup_v2_root() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
	else
		echo /sys/fs/cgroup/unified
	fi
}
