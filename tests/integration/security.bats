#!/usr/bin/env bats
# Attacks on the runtime from a hostile rootfs or container process.  Each
# test reproduces one attack and checks the host afterwards.

load helpers

# The container's mounts are made in its own mount namespace, before
# pivot_root: a mount that escaped the rootfs would land on the host's path
# *in that namespace* and vanish with the old root at the pivot, never
# showing in the host's mount table.  A createRuntime hook (run after the
# mounts, before the pivot) records the namespace's mount table at that
# moment; that is where the attack lands.
record_ns_mounts() {
	cfg --arg o "$BATS_TEST_TMPDIR/ns-mountinfo" '.hooks.createRuntime = [{"path": "/bin/sh",
	  "args": ["sh", "-c", ("pid=$(jq -r .pid); nsenter --mount=/proc/$pid/ns/mnt cat /proc/self/mountinfo >" + $o)],
	  "env": ["PATH=/usr/bin:/bin:/usr/sbin:/sbin"]}]'
}

# Mount points (field 5) of the recorded namespace equal to $1.
ns_mounts_at() {
	awk -v p="$1" '$5 == p' "$BATS_TEST_TMPDIR/ns-mountinfo" | wc -l
}

@test "attack: mount destination through an absolute symlink to a host dir" {
	local host="$BATS_TEST_TMPDIR/host-target"
	mkdir -p "$host"
	echo precious >"$host/file"
	# The rootfs points /evil at a host path; a naive runtime mounts there.
	ln -s "$host" "$BUNDLE/rootfs/evil"
	cfg '.mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]'
	record_ns_mounts
	run_ctr sh -c 'echo written >/evil/new && cat /evil/new'
	# In the container's namespace nothing was mounted on the host's
	# directory; the tmpfs went where the symlink points inside the root.
	assert_equal "$(ns_mounts_at "$host")" 0
	assert_equal "$(ns_mounts_at "$BUNDLE/rootfs$host")" 1
	assert_success
	assert_output written
	# The host directory got nothing and was never covered.
	[ ! -e "$host/new" ]
	assert_equal "$(cat "$host/file")" precious
	run grep -c " $host " /proc/self/mountinfo
	assert_output 0
}

@test "attack: mount destination climbing out with ../" {
	local host="$BATS_TEST_TMPDIR/climb"
	mkdir -p "$host"
	echo precious >"$host/file"
	cfg --arg d "/../../../../../../..$host" '.mounts += [{"destination": $d, "type": "tmpfs", "source": "tmpfs"}]'
	record_ns_mounts
	run_ctr sh -c "cat $host/file 2>&1; touch $host/new"
	assert_equal "$(ns_mounts_at "$host")" 0
	assert_equal "$(ns_mounts_at "$BUNDLE/rootfs$host")" 1
	assert_success
	# Inside the root the tmpfs is empty: the host file is not under it.
	assert_output --partial "No such file"
	[ ! -e "$host/new" ]
	assert_equal "$(cat "$host/file")" precious
}

# maskedPaths and readonlyPaths are applied after pivot_root, in the
# container's root, so an absolute symlink there resolves inside the root.
# Check that the mask or read-only mount is where the container sees the
# symlink's target, and that the host's file or directory is untouched.
@test "attack: masked path that is a symlink to a host file" {
	local secret="$BATS_TEST_TMPDIR/secret"
	echo host-data >"$secret"
	mkdir -p "$BUNDLE/rootfs$(dirname "$secret")"
	echo ctr-data >"$BUNDLE/rootfs$secret"
	ln -s "$secret" "$BUNDLE/rootfs/etc/maskme"
	cfg '.linux.maskedPaths += ["/etc/maskme"]'
	run_ctr sh -c "wc -c </etc/maskme; awk '\$5 == \"$secret\"' /proc/self/mountinfo | wc -l"
	assert_success
	# masked inside the container: its own file reads empty
	assert_line --index 0 0
	assert_line --index 1 1
	assert_equal "$(cat "$secret")" host-data
	assert_equal "$(cat "$BUNDLE/rootfs$secret")" ctr-data
	run grep -c " $secret " /proc/self/mountinfo
	assert_output 0
}

@test "attack: readonly path that is a symlink to a host dir" {
	local dir="$BATS_TEST_TMPDIR/hostdir"
	mkdir -p "$dir" "$BUNDLE/rootfs$dir"
	ln -s "$dir" "$BUNDLE/rootfs/etc/romount"
	cfg '.linux.readonlyPaths += ["/etc/romount"]'
	run_ctr sh -c "touch /etc/romount/x 2>&1; echo rc=\$?"
	assert_output --partial "Read-only file system"
	assert_line rc=1
	# The host directory stays writable and got nothing.
	touch "$dir/still-writable"
	[ ! -e "$dir/x" ]
	run grep -c " $dir " /proc/self/mountinfo
	assert_output 0
}

@test "attack: sysctl write redirected to the host through a bind mount over /proc/sys/kernel" {
	local evil="$BATS_TEST_TMPDIR/evil-kernel" hostfile="$BATS_TEST_TMPDIR/host-file"
	local knob=/proc/sys/fs/lease-break-time
	local orig; orig=$(cat $knob)
	local want=$((orig + 7))
	echo precious >"$hostfile"
	mkdir -p "$evil"
	# The config covers the container's /proc/sys/kernel with a directory of
	# symlinks: one to a bind of a host file, one to a host-wide sysctl (the
	# host's /proc/sys/fs bound into the container).
	ln -s /hostfile "$evil/domainname"
	ln -s /hostfs/lease-break-time "$evil/shmmni"
	cfg --arg f "$hostfile" --arg e "$evil" --arg w "$want" '.mounts += [
	  {"destination": "/hostfile", "type": "bind", "source": $f, "options": ["bind"]},
	  {"destination": "/hostfs", "type": "bind", "source": "/proc/sys/fs", "options": ["rbind"]},
	  {"destination": "/proc/sys/kernel", "type": "bind", "source": $e, "options": ["rbind"]}]
	  | .linux.sysctl = {"kernel.domainname": "attacker.example", "kernel.shmmni": $w}'
	set_args sleep 30
	local id; id=$(cid)
	run oci create --bundle "$BUNDLE" "$id"
	local now; now=$(cat $knob)
	# Put the host back before asserting, should the attack have worked.
	[ "$now" = "$orig" ] || echo "$orig" >$knob
	assert_equal "$now" "$orig"
	assert_equal "$(cat "$hostfile")" precious
	if [ "$status" -ne 0 ]; then
		# Refused (the mount over /proc/sys/kernel), with a message.
		assert_output --partial /proc/sys/kernel
		return
	fi
	# Or accepted: then the sysctls went to the container's namespaces.
	local pid; pid=$(oci state "$id" | jq -r .pid)
	assert_equal "$(nsenter --uts --target "$pid" cat /proc/sys/kernel/domainname)" attacker.example
	assert_equal "$(nsenter --ipc --target "$pid" cat /proc/sys/kernel/shmmni)" "$want"
}

@test "attack: fds leaked from the caller do not reach the container" {
	set_args sh -c 'ls /proc/self/fd'
	# fd 7 is open in nook's caller; only 0-2 (and ls's own dir fd) may show.
	run bash -c "exec 7</etc/hostname; $NOOK oci --root $ROOT run --bundle $BUNDLE $(cid)"
	assert_success
	refute_line 7
	run bash -c "echo \"\$(ls /proc/self/fd)\" >/dev/null; exec 3</etc/hostname; $NOOK oci --root $ROOT run --preserve-fds 1 --bundle $BUNDLE $(cid)-p"
	assert_line 3
}

@test "attack: no fd of nook's is open in the container process" {
	set_args sh -c 'for f in /proc/1/fd/*; do readlink $f; done; true'
	run oci run --bundle "$BUNDLE" "$(cid)"
	assert_success
	refute_output --partial "$ROOT"
	refute_output --partial cgroup
	refute_output --partial exec.fifo
}

@test "attack: cwd through /proc/self/fd to a leaked runtime fd (CVE-2024-21626)" {
	local n
	for n in 3 4 5 6 7 8 9 10; do
		cfg --arg c "/proc/self/fd/$n" '.process.cwd = $c'
		set_args sh -c 'pwd; ls ..'
		run oci run --bundle "$BUNDLE" "$(cid)-$n"
		# Either the fd does not exist or the cwd is refused: never a host dir.
		assert_failure
		refute_output --partial cgroup.procs
	done
}

@test "attack: overwrite nook's binary through /proc/1/exe of a created container" {
	local sum; sum=$(sha256sum "$(readlink -f "$NOOK")" | cut -d' ' -f1)
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	# While created, the init is still nook's binary: try to read it, link
	# it, and open it for writing from a process exec'd into the container.
	run oci exec "$id" sh -c 'cat /proc/1/exe >/dev/null && echo READ-OK; readlink /proc/1/exe && echo LINK-OK; echo x >>/proc/1/exe && echo WRITE-OK; for f in /proc/1/fd/*; do readlink $f && echo FD-OK; cat $f </dev/null >/dev/null 2>&1 && echo FD-OK; done; true'
	refute_output --partial READ-OK
	refute_output --partial LINK-OK
	refute_output --partial WRITE-OK
	refute_output --partial FD-OK
	assert_equal "$(sha256sum "$(readlink -f "$NOOK")" | cut -d' ' -f1)" "$sum"
}

@test "attack: overwrite nook's binary through /proc/PID/exe during exec" {
	local sum; sum=$(sha256sum "$(readlink -f "$NOOK")" | cut -d' ' -f1)
	# A container process that keeps trying every other pid's exe while
	# nook execs into the container.
	set_args sh -c 'while :; do for p in /proc/[0-9]*; do [ "$p" = /proc/$$ ] && continue; cat $p/exe >/dev/null 2>&1 && readlink $p/exe >>/tmp/hits 2>/dev/null; done; done'
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" running
	for i in $(seq 20); do oci exec "$id" true; done
	oci kill "$id" KILL
	# The container's own busybox may show up; nook never may.
	run cat "$BUNDLE/rootfs/tmp/hits"
	refute_output --partial nook
	assert_equal "$(sha256sum "$(readlink -f "$NOOK")" | cut -d' ' -f1)" "$sum"
}

@test "attack: process.cwd that is a symlink out of the root stays inside" {
	ln -s /etc "$BUNDLE/rootfs/hostetc"
	echo container-only >"$BUNDLE/rootfs/etc/marker"
	cfg '.process.cwd = "/hostetc"'
	run_ctr cat marker
	assert_success
	assert_output container-only
}
