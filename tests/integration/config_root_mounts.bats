#!/usr/bin/env bats
# Runtime spec config.md, "root", "mounts", "hostname", "domainname"; and
# config-linux.md devices, maskedPaths, readonlyPaths, sysctl, personality.

load helpers

@test "root.readonly: the root filesystem is read-only" {
	cfg '.root.readonly = true'
	run_ctr sh -c 'touch /newfile 2>&1; echo rc=$?'
	assert_output --partial "Read-only file system"
	assert_line rc=1
	cfg '.root.readonly = false'
	run oci run --bundle "$BUNDLE" "$(cid)-rw"
	assert_success
	[ -e "$BUNDLE/rootfs/newfile" ]
}

@test "root.path relative to the bundle" {
	mv "$BUNDLE/rootfs" "$BUNDLE/myroot"
	cfg '.root.path = "myroot"'
	run_ctr echo ok
	assert_success
	assert_equal "$(oci list --format json | jq length)" 0
}

@test "hostname and domainname" {
	cfg '.hostname = "box1" | .domainname = "example.org"'
	run_ctr sh -c 'hostname; cat /proc/sys/kernel/domainname'
	assert_line --index 0 box1
	assert_line --index 1 example.org
	[ "$(hostname)" != box1 ]
}

@test "mounts: bind with ro, tmpfs with size and mode, and the default set" {
	local src="$BATS_TEST_TMPDIR/share"
	mkdir -p "$src"
	echo from-host >"$src/f"
	cfg --arg s "$src" '.mounts += [
	  {"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "ro", "nosuid"]},
	  {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=2m", "mode=700", "noexec"]}]'
	run_ctr sh -c 'cat /data/f; touch /data/x 2>&1 | grep -c Read-only; grep " /data " /proc/self/mountinfo; grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch; cut -d" " -f5 /proc/self/mountinfo | grep -cxE "/(proc|dev|dev/pts|dev/shm|dev/mqueue|sys|sys/fs/cgroup)"'
	assert_success
	assert_line --index 0 from-host
	assert_line --index 1 1
	assert_line --index 2 --regexp ' /data ro,nosuid'
	assert_line --index 3 --regexp 'noexec.* tmpfs .*size=2048k'
	assert_line --index 4 700
	assert_line --index 5 7
	[ ! -e "$src/x" ]
}

@test "mounts: a bind mount of a file onto a path that does not exist yet" {
	local f="$BATS_TEST_TMPDIR/one-file"
	echo single >"$f"
	cfg --arg s "$f" '.mounts += [{"destination": "/etc/deep/new/file.conf", "type": "bind", "source": $s, "options": ["bind"]}]'
	run_ctr cat /etc/deep/new/file.conf
	assert_output single
}

@test "mounts: nothing mounted in the container shows on the host" {
	cfg '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	# A name of its own: other tests on the machine mount concurrently, so
	# the host's mount count says nothing.
	local probe="nook-probe-$$"
	run_ctr sh -c "mount -t tmpfs $probe /tmp && grep -c $probe /proc/self/mountinfo"
	assert_output 1
	run grep -c "$probe" /proc/self/mountinfo
	assert_output 0
}

@test "default devices exist with the right numbers, /dev symlinks too" {
	run_ctr sh -c 'for d in null zero full random urandom tty; do stat -c "%n %t:%T %a" /dev/$d; done; for l in fd stdin ptmx; do readlink /dev/$l; done'
	assert_success
	assert_line "/dev/null 1:3 666"
	assert_line "/dev/zero 1:5 666"
	assert_line "/dev/full 1:7 666"
	assert_line "/dev/random 1:8 666"
	assert_line "/dev/urandom 1:9 666"
	assert_line "/dev/tty 5:0 666"
	assert_line /proc/self/fd
	assert_line /proc/self/fd/0
	assert_line pts/ptmx
}

@test "linux.devices: extra device nodes with mode, uid and gid" {
	cfg '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 432, "uid": 12, "gid": 34}]'
	run_ctr stat -c '%n %t:%T %a %u %g' /dev/fuse
	assert_output "/dev/fuse a:e5 660 12 34"
}

@test "linux.devices: fileMode with the file type bits (podman's st_mode) is accepted, a wrong type refused" {
	# 8576 = S_IFCHR|0600, what podman --device passes; runc accepts it.
	cfg '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 8576}]'
	run_ctr stat -c '%n %F %a' /dev/fuse
	assert_success
	assert_output "/dev/fuse character special file 600"
	# 24960 = S_IFBLK|0600 for a "c" device
	cfg '.linux.devices[0].fileMode = 24960'
	run_ctr true
	assert_failure
	assert_output --partial 'linux.devices[0].fileMode: 060600 names another file type than "c"'
}

@test "maskedPaths: files read empty, directories are empty" {
	[ -e /proc/timer_list ] && [ -d /sys/firmware ] || skip "kernel without /proc/timer_list or /sys/firmware"
	cfg '.linux.maskedPaths = ["/proc/timer_list", "/sys/firmware", "/proc/does-not-exist"]'
	run_ctr sh -c 'wc -c </proc/timer_list; ls /sys/firmware | wc -l'
	assert_success
	assert_line --index 0 0
	assert_line --index 1 0
	# unmasked on the host
	[ "$(head -c 100 /proc/timer_list | wc -c)" -gt 0 ]
}

@test "readonlyPaths: /proc/sys cannot be written" {
	run_ctr sh -c 'echo 1 >/proc/sys/kernel/ns_last_pid 2>&1; echo rc=$?'
	assert_output --partial "Read-only file system"
}

@test "linux.sysctl: a namespaced sysctl is set inside, not on the host" {
	local host; host=$(cat /proc/sys/kernel/shmmni)
	cfg '.linux.sysctl = {"kernel.shmmni": "1234", "net.ipv4.ip_unprivileged_port_start": "100"}'
	run_ctr sh -c 'cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_unprivileged_port_start'
	assert_line --index 0 1234
	assert_line --index 1 100
	assert_equal "$(cat /proc/sys/kernel/shmmni)" "$host"
}

@test "linux.sysctl: a joined network namespace takes net.* sysctls (a pod's), the host's own is refused" {
	local holder host
	host=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	# A network namespace standing for a pod's, held by a process we end.
	unshare -n sleep 60 &
	holder=$!
	until [ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
	cfg --arg p "/proc/$holder/ns/net" '(.linux.namespaces[] | select(.type == "network")) .path = $p
		| .linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "81"}'
	run_ctr cat /proc/sys/net/ipv4/ip_unprivileged_port_start
	local inside; inside=$(nsenter -n -t "$holder" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	kill "$holder"; wait "$holder" || true
	assert_success
	assert_output 81
	assert_equal "$inside" 81
	assert_equal "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$host"
	# nook's own network namespace, named by path: refused before anything runs.
	cfg '(.linux.namespaces[] | select(.type == "network")) .path = "/proc/self/ns/net"'
	run oci run --bundle "$BUNDLE" "$(cid)-host"
	assert_failure
	assert_output --partial 'net.ipv4.ip_unprivileged_port_start" would change the host'
	assert_equal "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$host"
}

@test "linux.sysctl: a host-wide sysctl is refused" {
	cfg '.linux.sysctl = {"kernel.panic": "1"}'
	run_ctr true
	assert_failure
	assert_output --partial "kernel.panic"
	assert_output --partial "host"
}

@test "linux.personality LINUX32 changes uname -m" {
	cfg '.linux.personality = {"domain": "LINUX32"}'
	run_ctr uname -m
	assert_output i686
}

@test "annotations appear in state" {
	cfg '.annotations = {"org.example.key": "value1"}'
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	assert_equal "$(oci state "$id" | jq -r '.annotations["org.example.key"]')" value1
}

@test "linux.mountLabel and process.selinuxLabel are ignored where SELinux is off (as crun)" {
	[ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" != selinuxfs ] || skip "SELinux is enabled here"
	cfg '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
	  | .process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	set_args echo ran
	run "$NOOK" oci --root "$ROOT" --debug run --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_line ran
	assert_output --partial "linux.mountLabel: SELinux is not enabled on this host"
	assert_output --partial "process.selinuxLabel: SELinux is not enabled on this host"
}

@test "mounts: ro on an rbind reaches every submount, not only the top one" {
	local src="$BATS_TEST_TMPDIR/vol"
	mkdir -p "$src/sub"
	# A mount below the bind source (teardown unmounts it).
	mount -t tmpfs -o size=1m nook-sub "$src/sub"
	cfg --arg s "$src" '.mounts += [{"destination": "/vol", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]'
	run_ctr sh -c 'touch /vol/top 2>&1; touch /vol/sub/inner 2>&1; awk "\$5 == \"/vol/sub\" {print \$6}" /proc/self/mountinfo'
	assert_line --partial "/vol/top: Read-only file system"
	assert_line --partial "/vol/sub/inner: Read-only file system"
	assert_line --regexp '^ro,'
	[ ! -e "$src/top" ]
	[ ! -e "$src/sub/inner" ]
	# rw on an rbind never opens up a read-only submount either.
	mount -o remount,ro "$src/sub"
	cfg --arg s "$src" '.mounts[-1].options = ["rbind", "rw"]'
	run oci run --bundle "$BUNDLE" "$(cid)-rw"
	assert_success
	assert_line --partial "/vol/sub/inner: Read-only file system"
	refute_line --partial "/vol/top"
}

@test "mounts: inside /proc only the lxcfs files may be mounted over" {
	local f="$BATS_TEST_TMPDIR/meminfo"
	echo "MemTotal: 1234 kB" >"$f"
	# lxcfs style: a file bound over /proc/meminfo works.
	cfg --arg s "$f" '.mounts += [{"destination": "/proc/meminfo", "type": "bind", "source": $s, "options": ["bind", "ro"]}]'
	run_ctr head -n1 /proc/meminfo
	assert_success
	assert_output "MemTotal: 1234 kB"
	local dest
	for dest in /proc/sys /proc/self/attr /proc/sys/kernel/../kernel /proc//sys/./fs /proc/kcore; do
		cfg --arg d "$dest" '.mounts[-1] = {"destination": $d, "type": "tmpfs", "source": "tmpfs"}'
		run oci run --bundle "$BUNDLE" "$(cid)-x"
		assert_failure
		assert_output --partial "mount on '$dest' refused"
	done
	# /proc itself takes a procfs only.
	cfg '.mounts[-1] = {"destination": "/proc", "type": "tmpfs", "source": "tmpfs"}'
	run oci run --bundle "$BUNDLE" "$(cid)-t"
	assert_failure
	assert_output --partial "only a procfs"
	run oci list -q
	assert_output ""
}

@test "attack: mount into /proc through a symlink in the rootfs" {
	ln -s /proc/sys "$BUNDLE/rootfs/sysconf"
	cfg '.mounts += [{"destination": "/sysconf", "type": "tmpfs", "source": "tmpfs"}]'
	run_ctr true
	assert_failure
	assert_output --partial "mount on '/sysconf' refused: it resolves into /proc"
}
