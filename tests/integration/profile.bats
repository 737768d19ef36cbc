#!/usr/bin/env bats
# `nook oci spec --profile docker|podman`: the security defaults docker and
# podman give a container, checked where the kernel enforces them.

load helpers

@test "profile docker: busybox sh runs under the filter, with no_new_privs" {
	profile_spec --profile docker
	run_ctr sh -c 'echo hello; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
	assert_success
	assert_line hello
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "profile docker: CapEff is docker's default set" {
	profile_spec --profile docker
	run_ctr sh -c 'grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb):" /proc/self/status'
	assert_success
	# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
	# NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
	assert_line --regexp '^CapEff:[[:space:]]+00000000a80425fb$'
	assert_line --regexp '^CapPrm:[[:space:]]+00000000a80425fb$'
	assert_line --regexp '^CapBnd:[[:space:]]+00000000a80425fb$'
	assert_line --regexp '^CapInh:[[:space:]]+0000000000000000$'
	assert_line --regexp '^CapAmb:[[:space:]]+0000000000000000$'
}

@test "profile podman: podman's capability set (no NET_RAW, MKNOD, AUDIT_WRITE)" {
	profile_spec --profile podman
	run_ctr sh -c 'grep -E "^CapEff:" /proc/self/status'
	assert_success
	assert_line --regexp '^CapEff:[[:space:]]+00000000800405fb$'
}

@test "profile docker: new namespaces refused: unshare -U, clone(CLONE_NEWUSER), clone3" {
	profile_spec --profile docker
	run_ctr sh -c 'unshare -U true; echo unshare=$?; sysprobe unshare_user clone_newuser clone3 fork'
	assert_line unshare=1
	assert_line unshare_user=EPERM
	assert_line clone_newuser=EPERM
	# clone3's flags are out of the filter's reach: ENOSYS, so libc falls
	# back to clone(), whose flags are checked.
	assert_line clone3=ENOSYS
	assert_line fork=ok
}

@test "profile docker: mount, keyctl and add_key refused with EPERM" {
	profile_spec --profile docker
	run_ctr sh -c 'mount -t tmpfs none /tmp 2>&1; echo mount=$?; sysprobe mount keyctl add_key'
	assert_line mount=1
	assert_line mount=EPERM
	assert_line keyctl=EPERM
	assert_line add_key=EPERM
}

@test "profile docker: personality PER_LINUX32 allowed, ADDR_NO_RANDOMIZE refused" {
	profile_spec --profile docker
	run_ctr sysprobe personality_linux32 personality_no_aslr
	assert_success
	assert_line personality_linux32=ok
	assert_line personality_no_aslr=EPERM
}

@test "profile docker: AF_VSOCK sockets refused, AF_UNIX allowed" {
	profile_spec --profile docker
	run_ctr sysprobe socket_vsock socket_unix
	assert_success
	assert_line socket_vsock=EPERM
	assert_line socket_unix=ok
}

@test "profile docker: kernel memory and keys masked, /proc/sys read-only" {
	profile_spec --profile docker
	# /proc/kcore exists only with CONFIG_PROC_KCORE: absent or empty.
	cat >"$BUNDLE/rootfs/probe.sh" <<-'EOS'
		echo kcore=$(cat /proc/kcore 2>/dev/null | head -c 16 | wc -c)
		echo keys=$(wc -c </proc/keys)
		echo interrupts=$(wc -c </proc/interrupts)
		echo 1 >/proc/sys/kernel/ns_last_pid 2>/dev/null; echo sys=$?
		grep " /proc/sys " /proc/self/mountinfo | grep -q " ro," && echo sys_ro
	EOS
	run_ctr sh /probe.sh
	assert_line kcore=0
	assert_line keys=0
	assert_line interrupts=0
	assert_line sys=1
	assert_line sys_ro
	# Unmasked, neither file is empty.
	[ "$(wc -c </proc/interrupts)" -gt 0 ] && [ "$(wc -c </proc/keys)" -gt 0 ]
}

@test "profile docker: /dev holds only the default devices" {
	profile_spec --profile docker
	run_ctr sh -c 'ls /dev | tr "\n" " "'
	assert_success
	assert_output "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
}

@test "profile docker --privileged: every capability, no filter, nothing masked" {
	profile_spec --profile docker --privileged
	run_ctr sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; sysprobe keyctl; echo interrupts=$(wc -c </proc/interrupts)'
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+0$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+0$'
	assert_line keyctl=ok
	refute_line interrupts=0
	run jq -r '.process.capabilities.bounding | index("CAP_SYS_ADMIN") != null' "$BUNDLE/config.json"
	assert_output true
}

@test "profile: an unknown profile is one clear error and no config.json" {
	rm -f "$BUNDLE/config.json"
	run "$NOOK" oci spec --bundle "$BUNDLE" --profile dockr
	assert_failure
	assert_output 'nook oci: unknown profile "dockr" (known: docker, podman)'
	[ ! -e "$BUNDLE/config.json" ]
	run "$NOOK" oci spec --bundle "$BUNDLE" --privileged
	assert_failure
	[ ! -e "$BUNDLE/config.json" ]
}
