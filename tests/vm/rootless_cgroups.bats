#!/usr/bin/env bats
# Rootless limits through a delegated cgroup v2 subtree, enforced by a real
# kernel (the VM tier's pure v2 guest, mounted with nsdelegate).  The
# subtree is made as systemd's Delegate=yes makes one: a group whose
# directory, cgroup.procs, cgroup.subtree_control and cgroup.threads
# belong to the user (its limits files stay root's), with every controller
# available; the user's shell runs in a leaf below it.  nook, run as that
# user, puts each container's group under it and applies the limits.

load ../integration/rootless_common
load helpers

setup_file() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	# make_rootfs's ln per applet costs ~40 s under TCG: busybox makes
	# its links itself, in a chroot so that they point at /bin/busybox.
	export BASE_ROOTFS=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$BASE_ROOTFS"/{bin,proc,sys,dev,tmp,etc,root}
	cp "$BUSYBOX" "$BASE_ROOTFS/bin/busybox"
	chroot "$BASE_ROOTFS" /bin/busybox --install -s /bin
	echo 'root:x:0:0:root:/root:/bin/sh' >"$BASE_ROOTFS/etc/passwd"
	echo 'root:x:0:' >"$BASE_ROOTFS/etc/group"
	chmod 1777 "$BASE_ROOTFS/tmp"
	# useradd rewrites /etc/passwd, which the overlay copies up from the
	# host's root: while the host changes it, that fails ("failure while
	# writing changes").  The test's user lives in a private copy of /etc.
	cp -a /etc "$BATS_FILE_TMPDIR/etc"
	mount --bind "$BATS_FILE_TMPDIR/etc" /etc
	rootless_user_add A
	rootless_image A
	export DELEG=nkrl-$$ D=$CG_ROOT/nkrl-$$
	mkdir "$D"
	chown "$A_NAME:" "$D" "$D/cgroup.procs" "$D/cgroup.subtree_control" "$D/cgroup.threads"
	as A mkdir "$D/sh"
}

teardown_file() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	# The user's processes started from the subtree end at once
	# (cgroup.kill), the subtree goes, then the user (and what it ran
	# elsewhere), then the private /etc.
	[ -z "${DELEG:-}" ] || rm_cg "$DELEG"
	rootless_teardown_file
	! mountpoint -q /etc || umount /etc
}

# rootless_common's user_pids forks an awk per process, and bash reads
# /proc files a byte per syscall: each pass costs 25-50 s under TCG.  One
# ps instead.
user_pids() {
	local p u
	while read -r p u; do
		if [ "$u" = "$1" ] || { [ "$u" -ge "$2" ] && [ "$u" -lt $(($2 + 65536)) ]; }; then
			echo "$p"
		fi
	done < <(ps -e -o pid=,uid=)
}

setup() { require_vm; }

# nook as the user, from a process in the delegated subtree's leaf.
rd() { (echo "$BASHPID" >"$D/sh/cgroup.procs" && as A "$NOOK" "$@"); }

@test "rootless delegated cgroup: -m is enforced (OOM kill, exit 137), the container cannot lift it, the group goes" {
	# The container tries to lift its own limit first: the group's
	# memory.max is the user's, but nsdelegate refuses writes to a
	# cgroup namespace's root from inside (had it worked, dd would live).
	run rd run --rm -m 32m bb:1 sh -c \
		'echo max >/sys/fs/cgroup/memory.max 2>/dev/null && echo lifted; dd if=/dev/zero of=/dev/null bs=100M count=1'
	echo "$output"
	assert_equal "$status" 137
	refute_output --partial lifted
	# The kill happened in the subtree (memory.events counts its groups).
	[ "$(cg_key "$DELEG" memory.events oom_kill)" -gt 0 ]
	[ -d "$D/nook" ]
	[ -z "$(find "$D/nook" -mindepth 1 -type d)" ]
}

@test "rootless delegated cgroup: --pids-limit, --cpus and -m land in the container's group, below the subtree" {
	# A subshell forks until the limit stops it (and dies of it); the
	# container's first process stays.
	run rd run -d --pids-limit 4 --cpus 0.5 -m 64m bb:1 sh -c \
		'(for i in 1 2 3 4 5 6; do sleep 60 & done) 2>/dev/null; exec sleep 60'
	echo "$output"
	assert_success
	local id=${lines[-1]} g
	g=$D/nook/$id
	[ -d "$g" ]
	for _ in $(seq 50); do
		[ "$(cg_key "$DELEG/nook/$id" pids.events max)" -gt 0 ] && break
		sleep 0.2
	done
	assert_equal "$(<"$g/pids.max")" 4
	[ "$(<"$g/pids.current")" -le 4 ]
	[ "$(cg_key "$DELEG/nook/$id" pids.events max)" -gt 0 ]
	assert_equal "$(<"$g/cpu.max")" "50000 100000"
	assert_equal "$(<"$g/memory.max")" 67108864
	# The subtree's own limits stay root's.
	[ "$(stat -c %U "$D/memory.max")" = root ]
	rd rm -f "$id"
	[ ! -e "$g" ]
}

@test "rootless without a delegated cgroup: limits are refused, naming why" {
	# This test's own process is in the root group, which is root's.
	run as A "$NOOK" run --rm -m 32m bb:1 true
	assert_equal "$status" 125
	assert_output --partial "no delegated cgroup (cgroup /sys/fs/cgroup/ (this process's) is not delegated to this user"
	assert_output --partial "linux.resources.memory"
}
