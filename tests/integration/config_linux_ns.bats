#!/usr/bin/env bats
# Runtime spec config-linux.md: namespaces (new and joined), user
# namespace id mappings, rootfsPropagation.

load helpers

ns_of() { readlink /proc/"$1"/ns/"$2"; }

@test "every namespace of the default spec is new" {
	cfg '.linux.namespaces += [{"type": "time"}]'
	run_ctr sh -c 'for n in pid net ipc uts mnt cgroup time; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	assert_success
	local n
	for n in pid net ipc uts mnt cgroup time; do
		refute_line "$n $(ns_of self "$n")"
	done
}

@test "pid namespace: the process is pid 1 and sees only its own" {
	# sh alone (the glob is expanded by sh itself; with ls | wc the count
	# raced: wc is not always forked when ls's glob is expanded)
	run_ctr sh -c 'echo $$; set -- /proc/[0-9]*; echo $#'
	assert_line --index 0 1
	assert_line --index 1 1
}

@test "without a network namespace the host's is shared" {
	cfg 'del(.linux.namespaces[] | select(.type == "network"))'
	run_ctr readlink /proc/self/ns/net
	assert_output "$(ns_of self net)"
}

@test "joining a namespace by path" {
	local nsfile="$BATS_TEST_TMPDIR/netns"
	touch "$nsfile"
	unshare --net="$nsfile" true
	cfg --arg p "$nsfile" '(.linux.namespaces[] | select(.type == "network")) .path = $p'
	run_ctr readlink /proc/self/ns/net
	local want; want=$(nsenter --net="$nsfile" readlink /proc/self/ns/net)
	umount "$nsfile"
	assert_output "$want"
}

@test "joining a path that is not a namespace of that type is refused" {
	cfg '(.linux.namespaces[] | select(.type == "network")) .path = "/proc/self/ns/uts"'
	run_ctr true
	assert_failure
	assert_output --partial network
	run oci list -q
	assert_output ""
}

@test "user namespace with uid/gid mappings" {
	cfg '.linux.namespaces += [{"type": "user"}]
	  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	chown -R 100000:100000 "$BUNDLE/rootfs"
	userns_reachable
	run_ctr sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; touch /tmp/f && stat -c %u /tmp/f'
	assert_success
	assert_line --index 0 --regexp '^ +0 +100000 +65536$'
	assert_line --index 1 --regexp '^ +0 +100000 +65536$'
	assert_line --index 2 0
	assert_line --index 3 0
	assert_equal "$(stat -c %u "$BUNDLE/rootfs/tmp/f")" 100000
}

@test "user namespace with the full identity map (size 4294967295)" {
	cfg '.linux.namespaces += [{"type": "user"}]
	  | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 4294967295}]
	  | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 4294967295}]'
	run_ctr sh -c 'cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; touch /tmp/f'
	assert_success
	assert_line --index 0 --regexp '^ +0 +0 +4294967295$'
	assert_line --index 1 --regexp '^ +0 +0 +4294967295$'
	# A user namespace of its own, all ids the host's own.
	refute_line --index 2 "$(ns_of self user)"
	assert_equal "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")" 0:0
}

@test "user namespace: default devices are bound from the host, not mknod'ed" {
	cfg '.linux.namespaces += [{"type": "user"}]
	  | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
	  | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	chown -R 200000:200000 "$BUNDLE/rootfs"
	userns_reachable
	run_ctr sh -c 'echo hi >/dev/null && head -c 4 /dev/zero | wc -c'
	assert_success
	assert_output 4
}

@test "rootfsPropagation: private keeps container mounts from the host" {
	cfg '.linux.rootfsPropagation = "private"'
	run_ctr sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo'
	assert_success
	assert_output --partial " / "
	refute_output --partial shared:
}

@test "linux.timeOffsets: boottime offset in a new time namespace" {
	cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 31536000, "nanosecs": 0}}'
	run_ctr cut -d. -f1 /proc/uptime
	assert_success
	[ "$output" -ge 31536000 ]
	# ours is untouched
	[ "$(cut -d. -f1 /proc/uptime)" -lt 31536000 ]
}

@test "--no-pivot: the container runs chrooted into its root" {
	set_args sh -c 'ls /bin/busybox && test ! -e /work'
	run oci run --no-pivot --bundle "$BUNDLE" "$(cid)"
	assert_success
}

@test "rootfsPropagation: rshared root works and its mounts stay in the container" {
	cfg '.linux.rootfsPropagation = "rshared"
	  | .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
	  | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	local probe="nook-probe-$$"
	run_ctr sh -c "mount -t tmpfs $probe /tmp && cut -d' ' -f5,7 /proc/self/mountinfo | grep '^/ '"
	assert_success
	assert_output --regexp '^/ shared:[0-9]+'
	run grep -c "$probe" /proc/self/mountinfo
	assert_output 0
}

@test "cgroup mount: with a cgroup namespace the container is at its root" {
	run_ctr sh -c 'grep ^0:: /proc/self/cgroup; n=0; while read -r p; do n=$((n + 1)); done </sys/fs/cgroup/cgroup.procs; echo $n'
	assert_success
	assert_line --index 0 "0::/"
	# the shell alone (read is a builtin): nothing of the host
	assert_line --index 1 1
}

@test "cgroup mount: without a cgroup namespace only the container's own group is bound" {
	cfg 'del(.linux.namespaces[] | select(.type == "cgroup"))'
	run_ctr sh -c 'n=0; while read -r p; do n=$((n + 1)); done </sys/fs/cgroup/cgroup.procs; echo $n; test -e /sys/fs/cgroup/nook && echo HOST-TREE; true'
	assert_success
	assert_line --index 0 1
	refute_output --partial HOST-TREE
}

@test "hostname with a joined uts namespace is set in that namespace" {
	local nsfile="$BATS_TEST_TMPDIR/utsns" before
	touch "$nsfile"
	unshare --uts="$nsfile" hostname nk-before
	before=$(hostname)
	cfg --arg p "$nsfile" '(.linux.namespaces[] | select(.type == "uts")) .path = $p
	  | .hostname = "nk-joined" | .domainname = "nk.example"'
	run_ctr sh -c 'hostname; cat /proc/sys/kernel/domainname'
	assert_success
	assert_line --index 0 nk-joined
	assert_line --index 1 nk.example
	# Where it lands: the namespace file itself, not the host.
	assert_equal "$(nsenter --uts="$nsfile" hostname)" nk-joined
	assert_equal "$(hostname)" "$before"
	umount "$nsfile"
}

@test "kernel.hostname sysctl conflicts with the hostname field and is refused" {
	cfg '.hostname = "box" | .linux.sysctl = {"kernel.hostname": "other"}'
	run_ctr hostname
	assert_failure
	assert_output --partial '"kernel.hostname" conflicts with the hostname field'
	run oci list -q
	assert_output ""
}

@test "rootfsPropagation: unbindable root, bind mounts still work" {
	local src="$BATS_TEST_TMPDIR/share"
	mkdir -p "$src"
	echo from-host >"$src/f"
	cfg --arg s "$src" '.linux.rootfsPropagation = "unbindable"
	  | .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind"]}]'
	run_ctr sh -c 'cat /data/f; awk "\$5 == \"/\"" /proc/self/mountinfo'
	assert_success
	assert_line --index 0 from-host
	assert_line --index 1 --partial " unbindable "
}

@test "joining a mount namespace by path: the container still gets its root in it" {
	local dir="$BATS_TEST_TMPDIR/nsdir"
	mkdir -p "$dir"
	# A mount namespace file may only be bound on a private mount
	# (teardown unmounts both).
	mount --bind "$dir" "$dir"
	mount --make-private "$dir"
	touch "$dir/mnt"
	unshare --mount="$dir/mnt" --propagation private true
	local want; want="mnt:[$(stat -L -c %i "$dir/mnt")]"
	cfg --arg p "$dir/mnt" '(.linux.namespaces[] | select(.type == "mount")) .path = $p'
	run_ctr sh -c 'readlink /proc/self/ns/mnt; ls /bin/busybox; test -e /work || echo rooted'
	assert_success
	assert_line --index 0 "$want"
	assert_line --index 1 /bin/busybox
	assert_line --index 2 rooted
	# The pivot happened in the joined namespace, whose root is now the
	# container's; the host's mount table got nothing of it.
	run nsenter --mount="$dir/mnt" /bin/sh -c 'test -e /bin/busybox && test ! -e /work && echo pivoted'
	assert_output pivoted
	run grep -c "$BUNDLE" /proc/self/mountinfo
	assert_output 0
}

@test "joining the host's own mount namespace is refused" {
	local p list=/proc/self/ns/mnt
	# pid 1's, where this machine lets root read it (no CAP_SYS_RESOURCE
	# here: pid 1 holds caps we lack, so ptrace access is denied)
	readlink /proc/1/ns/mnt >/dev/null 2>&1 && list="$list /proc/1/ns/mnt"
	for p in $list; do
		cfg --arg p "$p" '(.linux.namespaces[] | select(.type == "mount")) .path = $p'
		run_ctr true
		assert_failure
		assert_output --partial "is the host's own"
	done
	run oci list -q
	assert_output ""
}

@test "kernel.domainname sysctl beside a domainname field is refused, alone it works" {
	cfg '.domainname = "a.example" | .linux.sysctl = {"kernel.domainname": "b.example"}'
	run_ctr cat /proc/sys/kernel/domainname
	assert_failure
	assert_output --partial '"kernel.domainname" conflicts with the domainname field'
	cfg 'del(.domainname)'
	run_ctr cat /proc/sys/kernel/domainname
	assert_success
	assert_output b.example
}

@test "without a mount namespace the container is chrooted in the host's, nothing is mounted" {
	cfg 'del(.linux.namespaces[] | select(.type == "mount"))
	  | .mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	set_args sh -c 'sleep 30'
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	wait_status "$id" running
	local pid; pid=$(oci state "$id" | jq -r .pid)
	assert_equal "$(ns_of "$pid" mnt)" "$(ns_of self mnt)"
	assert_equal "$(readlink /proc/"$pid"/root)" "$BUNDLE/rootfs"
	run grep -c "$BUNDLE" /proc/self/mountinfo
	assert_output 0
	# A process exec'd into it is chrooted the same way.
	run oci exec "$id" sh -c 'ls /bin/busybox; test -e /work || echo chrooted'
	assert_success
	assert_line --index 1 chrooted
	oci kill "$id" KILL
	# What would need a mount is refused, not done on the host.
	cfg '.mounts = [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
	run oci run --bundle "$BUNDLE" "$(cid)-m"
	assert_failure
	assert_output --partial "mounts: needs a mount namespace"
	run grep -c "$BUNDLE" /proc/self/mountinfo
	assert_output 0
}
