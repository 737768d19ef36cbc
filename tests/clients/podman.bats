#!/usr/bin/env bats
# podman (Debian's, with conmon) driving nook-oci as its OCI runtime, as a
# user would run it: exit codes and messages podman parses, the container
# lifecycle, terminals, signals.  Private store, run root, config and
# runtime state under the file's temp dir; no network; no v1 cgroups (see
# helpers.bash).  Limits (--memory, --pids-limit, stats) need controllers
# this host's cgroup v2 lacks: they belong to the VM tier.

load helpers
bats_require_minimum_version 1.5.0

# podman with this file's private configuration.
pm() {
	CONTAINERS_CONF="$CLIENTS_TMP/containers.conf" \
		CONTAINERS_STORAGE_CONF="$CLIENTS_TMP/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$CLIENTS_TMP/registries.conf" \
		TMPDIR="$CLIENTS_TMP/tmp" podman "$@"
}

# Every container gets --network none on top of the config's netns = "none".
prun() { pm run --network none "$@"; }

write_podman_config() {
	local d=$CLIENTS_TMP
	mkdir -p "$d/tmp" "$d/libpod" "$d/cni-conf" "$d/cni-plugins" "$d/nook-state"
	# nook-oci keeps its state in the tier's root, not /run/nook: podman
	# has no setting for a runtime's --root that also reaches the
	# `podman container cleanup` conmon runs at exit.
	cat >"$d/nook-oci-private" <<-EOF
		#!/bin/sh
		exec "$NOOK_OCI" --root "$d/nook-state" "\$@"
	EOF
	chmod 755 "$d/nook-oci-private"
	# Limits off and conmon kept out of cgroups (no v1 groups); rlimits
	# below the current hard ones (root here lacks CAP_SYS_RESOURCE, so
	# podman's default nofile/nproc of 1048576 fails with runc too); the
	# network backend pointed at empty directories.
	cat >"$d/containers.conf" <<-EOF
		[containers]
		pids_limit = 0
		cgroups = "no-conmon"
		netns = "none"
		log_driver = "k8s-file"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		init_path = "/usr/bin/catatonit"

		[network]
		network_backend = "cni"
		cni_plugin_dirs = ["$d/cni-plugins"]
		network_config_dir = "$d/cni-conf"

		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		runtime = "nook"
		tmp_dir = "$d/libpod"
		static_dir = "$d/store/libpod"
		volume_path = "$d/store/volumes"

		[engine.runtimes]
		nook = ["$d/nook-oci-private"]
	EOF
	cat >"$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/store"
		runroot = "$d/run"
	EOF
	: >"$d/registries.conf"
}

setup_file() {
	export CLIENT_MISSING=""
	local b
	for b in podman conmon catatonit; do
		command -v "$b" >/dev/null || { CLIENT_MISSING="$b is not installed"; return 0; }
	done
	clients_setup_file
	write_podman_config
	# podman load writes a blob cache to /var/lib/containers/cache whatever
	# the store: it runs with a private, empty /var/lib instead.
	unshare -m --propagation private sh -c \
		'mount -t tmpfs -o size=1m,mode=0755 nook-clients /var/lib && exec "$@"' sh \
		env CONTAINERS_CONF="$CLIENTS_TMP/containers.conf" \
		CONTAINERS_STORAGE_CONF="$CLIENTS_TMP/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$CLIENTS_TMP/registries.conf" TMPDIR="$CLIENTS_TMP/tmp" \
		podman load -q -i "$CLIENTS_TMP/image.tar" >/dev/null
}

# Everything podman and nook made, also when a test failed: containers (and
# their conmons, by PID), storage mounts, the /libpod_parent v2 group.
teardown_file() {
	[ -n "${CLIENTS_TMP:-}" ] && [ -z "$CLIENT_MISSING" ] || return 0
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	kill_conmons
	local id
	for id in $("$NOOK_OCI" --root "$CLIENTS_TMP/nook-state" list -q 2>/dev/null); do
		"$NOOK_OCI" --root "$CLIENTS_TMP/nook-state" delete --force "$id" >/dev/null 2>&1 || true
	done
	umount_below "$CLIENTS_TMP"
	remove_v2_group libpod_parent
}

# conmons of this file's containers (their command line names our store),
# by PID.
kill_conmons() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = conmon ] || continue
		tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$CLIENTS_TMP/" && kill -9 "$pid" 2>/dev/null
	done
	return 0
}

setup() {
	[ -z "$CLIENT_MISSING" ] || skip "$CLIENT_MISSING"
}

teardown() {
	[ -z "$CLIENT_MISSING" ] || return 0
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	assert_no_new_v1_groups
}

# The container's own v2 group, from the kernel's view of its init.
ctr_cgroup() {
	local pid
	pid=$(pm inspect --format '{{.State.Pid}}' "$1")
	echo "$V2$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

logs_have() { pm logs "$1" 2>/dev/null | grep -q "$2"; }
is_running() { [ "$(pm inspect --format '{{.State.Status}}' "$1")" = running ]; }
wait_running() { retry is_running "$1"; }

@test "podman run --rm: output and exit codes 0 and 3" {
	run prun --rm "$IMAGE" echo hello from nook
	assert_success
	assert_output "hello from nook"
	run prun --rm "$IMAGE" sh -c 'exit 3'
	assert_equal "$status" 3
	# --rm removed the container.
	assert_equal "$(pm ps -a -q)" ""
}

@test "podman run: a missing command exits 127 with runc's words" {
	run -127 prun --rm "$IMAGE" no-such-command
	assert_equal "$status" 127
	assert_output --partial 'executable file not found in $PATH'
	run -127 prun --rm "$IMAGE" /no/such/file
	assert_equal "$status" 127
	assert_output --partial "No such file or directory"
}

@test "podman run: a directory as the command exits 126, the message says why" {
	run prun --rm "$IMAGE" /etc
	assert_equal "$status" 126
	assert_output --partial "Is a directory"
	refute_output --partial "No such file"
	run prun --rm "$IMAGE" /etc/passwd
	assert_equal "$status" 126
	assert_output --partial "Permission denied"
}

@test "podman run -d, logs, exec, stop, rm" {
	local name; name=$(ccid)
	run prun -d --name "$name" "$IMAGE" sh -c 'echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done'
	assert_success
	wait_running "$name"
	run pm exec "$name" sh -c 'echo in $(hostname) as $(id -u); exit 5'
	assert_equal "$status" 5
	assert_output "in ${name:0:12} as 0" || assert_output --partial "as 0"
	run pm exec "$name" cat /proc/1/cmdline
	assert_output --partial "sh"
	run pm stop -t 10 "$name"
	assert_success
	assert_equal "$(pm inspect --format '{{.State.ExitCode}}' "$name")" 0
	run pm logs "$name"
	assert_output "started
bye"
	run pm rm "$name"
	assert_success
	run pm inspect "$name"
	assert_failure
}

@test "podman exec: exit codes and messages for missing and unusable commands" {
	local name; name=$(ccid)
	prun -d --name "$name" "$IMAGE" sleep 1000
	wait_running "$name"
	run -127 pm exec "$name" no-such-command
	assert_equal "$status" 127
	assert_output --partial 'executable file not found in $PATH'
	run -127 pm exec "$name" /no/such/file
	assert_equal "$status" 127
	# A directory: runc's nook-oci exec fails with 255, which podman
	# passes on (podman's own tests expect 255 under runc).
	run pm exec "$name" /etc
	assert_equal "$status" 255
	assert_output --partial "Is a directory"
	# The container is unharmed.
	run pm exec "$name" true
	assert_success
}

@test "podman run -it: a terminal, its size, and a resize reach the container" {
	run pty_run 20 70 --resize 33 101 -- \
		env CONTAINERS_CONF="$CLIENTS_TMP/containers.conf" \
		CONTAINERS_STORAGE_CONF="$CLIENTS_TMP/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$CLIENTS_TMP/registries.conf" TMPDIR="$CLIENTS_TMP/tmp" \
		podman run -it --rm --network none "$IMAGE" \
		sh -c 'tty; stty size; echo READY; while read x; do stty size; done; exit 5'
	echo "$output" # shown if the test fails
	assert_equal "$status" 5
	assert_output --partial "/dev/pts/0"
	assert_output --partial "20 70"
	assert_output --partial "33 101"
}

@test "podman exec -it: a terminal of the client's size" {
	local name; name=$(ccid)
	prun -d --name "$name" "$IMAGE" sleep 1000
	wait_running "$name"
	run pty_run 24 91 -- env CONTAINERS_CONF="$CLIENTS_TMP/containers.conf" \
		CONTAINERS_STORAGE_CONF="$CLIENTS_TMP/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$CLIENTS_TMP/registries.conf" TMPDIR="$CLIENTS_TMP/tmp" \
		podman exec -it "$name" sh -c 'tty; stty size; echo READY; cat; exit 6'
	echo "$output" # shown if the test fails
	assert_equal "$status" 6
	assert_output --partial "/dev/pts/"
	assert_output --partial "24 91"
}

@test "podman run --device: a host device node inside" {
	run prun --rm --device /dev/fuse "$IMAGE" stat -c "%F %t:%T" /dev/fuse
	assert_success
	assert_output "character special file a:e5"
}

@test "podman pause/unpause: the kernel freezes the container's group" {
	local name cg; name=$(ccid)
	prun -d --name "$name" "$IMAGE" sleep 1000
	wait_running "$name"
	cg=$(ctr_cgroup "$name")
	[ -f "$cg/cgroup.events" ]
	run pm pause "$name"
	assert_success
	grep -qx "frozen 1" "$cg/cgroup.events"
	assert_equal "$(pm inspect --format '{{.State.Status}}' "$name")" paused
	run pm unpause "$name"
	assert_success
	grep -qx "frozen 0" "$cg/cgroup.events"
	assert_equal "$(pm inspect --format '{{.State.Status}}' "$name")" running
}

@test "podman kill: default SIGKILL (137) and a signal the container handles" {
	local name; name=$(ccid)
	prun -d --name "$name" "$IMAGE" sleep 1000
	wait_running "$name"
	run pm kill "$name"
	assert_success
	run pm wait "$name"
	assert_output 137
	prun -d --name "$name-usr1" "$IMAGE" sh -c 'trap "echo got usr1; exit 9" USR1; echo ready; while :; do sleep 0.1; done'
	wait_running "$name-usr1"
	retry logs_have "$name-usr1" ready
	run pm kill -s USR1 "$name-usr1"
	assert_success
	run pm wait "$name-usr1"
	assert_output 9
	run pm logs "$name-usr1"
	assert_output --partial "got usr1"
}

@test "podman top: lists the container's processes" {
	local name; name=$(ccid)
	prun -d --name "$name" "$IMAGE" sh -c 'sleep 1000 & sleep 2000'
	wait_running "$name"
	run pm top "$name" pid args
	assert_success
	assert_output --partial "sleep 1000"
	assert_output --partial "sleep 2000"
}

@test "podman run --read-only: root read-only, /run and /tmp writable tmpfs with the image's files" {
	run prun --rm --read-only "$IMAGE" sh -c '
		cat /run/from-image
		touch /run/x /tmp/y /var/tmp/z && echo writable
		touch /etc/nope 2>&1
		grep -E " /run | /tmp " /proc/mounts | cut -d" " -f2,3 | sort'
	assert_success
	assert_line "image file"
	assert_line writable
	assert_line --partial "Read-only file system"
	assert_line "/run tmpfs"
	assert_line "/tmp tmpfs"
}

@test "podman run --user: uid and gid inside" {
	run prun --rm --user 65534:65534 "$IMAGE" sh -c 'id -u; id -g; touch /root/x 2>&1'
	assert_line --index 0 65534
	assert_line --index 1 65534
	assert_line --partial "Permission denied"
}

@test "podman run --init: podman's init (catatonit) is pid 1, the exit code passes through" {
	run prun --rm --init "$IMAGE" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo pid=$$; exit 4'
	assert_equal "$status" 4
	assert_line --index 0 --partial "/run/podman-init -- sh -c"
	refute_line "pid=1"
}

@test "podman run: 20 in parallel, each with its own exit code" {
	local i pids=() rc
	for i in $(seq 20); do
		prun --rm "$IMAGE" sh -c "exit $((i + 10))" >/dev/null 2>&1 &
		pids[i]=$!
	done
	for i in $(seq 20); do
		rc=0
		wait "${pids[i]}" || rc=$?
		assert_equal "$rc" $((i + 10))
	done
	assert_equal "$(pm ps -a -q)" ""
}

@test "podman events: the lifecycle of a container as podman records it" {
	local name; name=$(ccid)
	prun --rm --name "$name" "$IMAGE" true
	run pm events --stream=false --filter "container=$name" --format '{{.Status}}'
	assert_success
	assert_line create
	assert_line init
	assert_line start
	assert_line died
	assert_line remove
}
