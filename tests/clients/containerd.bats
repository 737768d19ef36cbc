#!/usr/bin/env bats
# containerd (Debian's, with its runc v2 shim) driving nook-oci through
# `ctr --runc-binary`, as a user would.  containerd runs for this file only:
# private config, root, state and socket under the file's temp dir, stopped
# by its PID.  ctr runs with --cpu-shares 0, so no limit asks for a v1
# controller (metrics and limits belong to the VM tier).

load helpers
bats_require_minimum_version 1.5.0

c() { ctr --address "$CLIENTS_TMP/ctd/ctd.sock" --namespace "$NS" "$@"; }

# Runtime options of every container: nook-oci through the runc v2 shim,
# its state and the IO FIFOs under the temp dir.
RUNC_OPTS=()

setup_file() {
	export CLIENT_MISSING=""
	local b
	for b in containerd ctr containerd-shim-runc-v2; do
		command -v "$b" >/dev/null || { CLIENT_MISSING="$b is not installed"; return 0; }
	done
	clients_setup_file
	# The containerd namespace: containers' groups are /<namespace>/<id>.
	export NS=nook-clients-$$
	local d=$CLIENTS_TMP/ctd
	mkdir -p "$d"
	# /run/containerd (shim sockets, hard-wired in containerd 1.6) is
	# removed at the end if this file made it.
	[ -e /run/containerd ] && echo 1 >"$d/had-run-containerd" || echo 0 >"$d/had-run-containerd"
	# Only what ctr needs: no CRI (it would set up CNI networking), no
	# cgroup monitor, no snapshotters but the overlay and native ones.
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.monitor.v1.cgroups",
		  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$d/ctd.sock"
		[ttrpc]
		  address = "$d/ctd.sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
	EOF
	containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
	echo $! >"$d/pid"
	retry c version >/dev/null 2>&1 || true
	c images import "$CLIENTS_TMP/image.tar" >/dev/null
}

# Tasks and containers, shims (by PID), containerd (by the PID we started),
# mounts, the /<namespace> v2 group.
teardown_file() {
	[ -n "${CLIENTS_TMP:-}" ] && [ -z "$CLIENT_MISSING" ] || return 0
	local d=$CLIENTS_TMP/ctd id pid
	remove_all
	if [ -s "$d/pid" ]; then
		pid=$(cat "$d/pid")
		kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	kill_shims
	for id in $("$NOOK_OCI" --root "$d/runc" list -q 2>/dev/null); do
		"$NOOK_OCI" --root "$d/runc" delete --force "$id" >/dev/null 2>&1 || true
	done
	umount_below "$CLIENTS_TMP"
	remove_v2_group "$NS"
	if [ "$(cat "$d/had-run-containerd" 2>/dev/null)" = 0 ]; then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc/* \
			/run/containerd/runc /run/containerd 2>/dev/null || true
	fi
}

# Every task (killed) and container of our namespace.
remove_all() {
	local id
	for id in $(c task ls -q 2>/dev/null); do
		c task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		c task delete -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(c containers ls -q 2>/dev/null); do
		c containers delete "$id" >/dev/null 2>&1 || true
	done
}

# Shims started for this file (their command line names our socket).
kill_shims() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		case $(cat "/proc/$pid/comm" 2>/dev/null) in containerd-shim*) ;; *) continue ;; esac
		tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$CLIENTS_TMP/" && kill -9 "$pid" 2>/dev/null
	done
	return 0
}

setup() {
	[ -z "$CLIENT_MISSING" ] || skip "$CLIENT_MISSING"
	RUNC_OPTS=(--runtime io.containerd.runc.v2 --runc-binary "$NOOK_OCI"
		--runc-root "$CLIENTS_TMP/ctd/runc" --fifo-dir "$CLIENTS_TMP/ctd/fifo" --cpu-shares 0)
}

teardown() {
	[ -z "$CLIENT_MISSING" ] || return 0
	remove_all
	assert_no_new_v1_groups
}

task_status() { c task ls | awk -v id="$1" '$1 == id {print $3}'; }

has_status() { [ "$(task_status "$1")" = "$2" ]; }
wait_task() { retry has_status "$1" "$2"; } # id status

@test "ctr run --rm: output and exit codes" {
	local id; id=$(ccid)
	run c run --rm "${RUNC_OPTS[@]}" "$IMAGE" "$id" sh -c 'echo hello from nook; id -u'
	assert_success
	assert_output "hello from nook
0"
	run c run --rm "${RUNC_OPTS[@]}" "$IMAGE" "$id" sh -c 'exit 3'
	assert_equal "$status" 3
	assert_equal "$(c containers ls -q)" ""
}

@test "ctr run: a missing command fails with runc's words" {
	local id; id=$(ccid)
	run c run --rm "${RUNC_OPTS[@]}" "$IMAGE" "$id" no-such-command
	assert_failure
	assert_output --partial 'executable file not found in $PATH'
}

@test "ctr run -d, task exec, pause/resume, kill, delete" {
	local id cg; id=$(ccid)
	run c run -d --null-io "${RUNC_OPTS[@]}" "$IMAGE" "$id" sleep 1000
	assert_success
	wait_task "$id" RUNNING
	run c task exec --exec-id e1 "$id" sh -c 'cat /proc/1/cmdline | tr "\0" " "; exit 4'
	assert_equal "$status" 4
	assert_output "sleep 1000 "
	run c task exec --exec-id e2 "$id" no-such-command
	assert_failure
	assert_output --partial 'executable file not found in $PATH'

	cg=$V2/$NS/$id
	[ -f "$cg/cgroup.events" ]
	run c task pause "$id"
	assert_success
	assert_equal "$(task_status "$id")" PAUSED
	grep -qx "frozen 1" "$cg/cgroup.events"
	run c task resume "$id"
	assert_success
	assert_equal "$(task_status "$id")" RUNNING
	grep -qx "frozen 0" "$cg/cgroup.events"

	run c task kill -s SIGKILL "$id"
	assert_success
	wait_task "$id" STOPPED
	run c task delete "$id"
	assert_success
	run c containers delete "$id"
	assert_success
	assert_equal "$(c containers ls -q)" ""
	# nook's state and the container's group are gone with it.
	run "$NOOK_OCI" --root "$CLIENTS_TMP/ctd/runc/$NS" state "$id"
	assert_failure
	[ ! -d "$cg" ]
}

@test "ctr run -t: a terminal, and a resize reaches the container" {
	# ctr sets no consoleSize: its first resize comes after the start
	# (with runc too), so the container waits for a size first (busybox
	# stty exits 0 on a 0x0 terminal when its stdout is not one).
	local id; id=$(ccid)
	run pty_run 20 70 --resize 33 101 -- ctr --address "$CLIENTS_TMP/ctd/ctd.sock" \
		--namespace "$NS" run -t --rm "${RUNC_OPTS[@]}" "$IMAGE" "$id" \
		sh -c 'until [ -n "$(stty size 2>/dev/null)" ]; do sleep 0.1; done
			tty; stty size; echo READY; while read x; do stty size; done; exit 5'
	echo "$output" # shown if the test fails
	assert_equal "$status" 5
	assert_output --partial "/dev/pts/0"
	assert_output --partial "20 70"
	assert_output --partial "33 101"
}

@test "ctr task kill: a signal the container handles decides its exit code" {
	local id; id=$(ccid)
	c run -d --null-io "${RUNC_OPTS[@]}" "$IMAGE" "$id" \
		sh -c 'trap "exit 9" USR1; touch /tmp/ready; while :; do sleep 0.1; done'
	wait_task "$id" RUNNING
	retry c task exec --exec-id probe "$id" test -e /tmp/ready
	run c task kill -s SIGUSR1 "$id"
	assert_success
	wait_task "$id" STOPPED
	run c task delete "$id"
	assert_success
	assert_output --partial "9"
}
