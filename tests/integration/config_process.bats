#!/usr/bin/env bats
# Runtime spec config.md, "process": each field as the container sees it.

load helpers

@test "process.args and process.env reach the process" {
	cfg '.process.env = ["PATH=/bin", "GREETING=hi there"]'
	run_ctr sh -c 'echo "$GREETING"; echo "$PATH"'
	assert_success
	assert_line --index 0 "hi there"
	assert_line --index 1 /bin
}

@test "process.args[0] is looked up in the container's PATH" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho tool-ran\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod +x "$BUNDLE/rootfs/opt/tools/mytool"
	cfg '.process.env = ["PATH=/opt/tools:/bin"]'
	run_ctr mytool
	assert_success
	assert_output tool-ran
}

@test "process.cwd is the working directory" {
	mkdir -p "$BUNDLE/rootfs/work/dir"
	cfg '.process.cwd = "/work/dir"'
	run_ctr pwd
	assert_output /work/dir
}

@test "process.user: uid, gid, additionalGids and umask" {
	cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6], "umask": 63}'
	run_ctr sh -c 'id -u; id -g; cat /proc/self/status | grep ^Groups; umask'
	assert_success
	assert_line --index 0 1000
	assert_line --index 1 1001
	assert_line --index 2 --regexp '^Groups:[[:space:]]+5 6[[:space:]]*$'
	assert_line --index 3 0077
}

@test "process.user without additionalGids clears the runtime's groups" {
	cfg '.process.user = {"uid": 0, "gid": 0}'
	run_ctr grep ^Groups /proc/self/status
	assert_output --regexp '^Groups:[[:space:]]*$'
}

@test "process.capabilities: each set as the kernel reports it" {
	# CAP_KILL=5, CAP_NET_BIND_SERVICE=10, CAP_AUDIT_WRITE=29
	cfg '.process.capabilities = {
	  "bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
	  "effective": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
	  "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}'
	run_ctr grep ^Cap /proc/self/status
	assert_success
	assert_line --regexp '^CapBnd:[[:space:]]+0*20000420$'
	# after execve: effective = permitted = ambient-derived for non-root
	assert_line --regexp '^CapInh:[[:space:]]+0*400$'
	assert_line --regexp '^CapAmb:[[:space:]]+0*400$'
}

@test "process.capabilities absent: no capabilities at all" {
	cfg 'del(.process.capabilities)'
	run_ctr grep -E '^Cap(Eff|Bnd)' /proc/self/status
	assert_line --regexp '^CapEff:[[:space:]]+0+$'
	assert_line --regexp '^CapBnd:[[:space:]]+0+$'
}

@test "process.rlimits are set" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	run_ctr sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
	assert_success
	assert_line --index 0 123
	assert_line --index 1 456
	assert_line --index 2 0
}

@test "process.noNewPrivileges sets no_new_privs" {
	cfg '.process.noNewPrivileges = true'
	run_ctr grep NoNewPrivs /proc/self/status
	assert_output --regexp 'NoNewPrivs:[[:space:]]+1'
	cfg '.process.noNewPrivileges = false'
	run oci run --bundle "$BUNDLE" "$(cid)-b"
	assert_output --regexp 'NoNewPrivs:[[:space:]]+0'
}

@test "process.oomScoreAdj is applied" {
	cfg '.process.oomScoreAdj = 500'
	run_ctr cat /proc/self/oom_score_adj
	assert_output 500
}

@test "process.oomScoreAdj is applied in a user namespace too" {
	cfg '.process.oomScoreAdj = 500 | .linux.namespaces += [{"type": "user"}]
	  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	chown -R 100000:100000 "$BUNDLE/rootfs"
	userns_reachable
	run_ctr cat /proc/self/oom_score_adj
	assert_success
	assert_output 500
}

@test "process.terminal with --console-socket: the container gets a pty" {
	command -v python3 >/dev/null || skip "python3 needed for the console socket peer"
	cfg '.process.terminal = true'
	set_args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo is-a-tty'
	local sock="$BATS_TEST_TMPDIR/console.sock"
	python3 - "$sock" >"$BATS_TEST_TMPDIR/pty-out" <<-'PY' &
	import socket, sys, os, array
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(sys.argv[1]); s.listen(1)
	c, _ = s.accept()
	fds = array.array("i")
	msg, anc, _, _ = c.recvmsg(16, socket.CMSG_LEN(4))
	for level, typ, data in anc:
	    fds.frombytes(data[:4])
	m = fds[0]
	out = b""
	while True:
	    try:
	        d = os.read(m, 4096)
	    except OSError:
	        break
	    if not d:
	        break
	    out += d
	sys.stdout.write(out.decode(errors="replace"))
	PY
	local py=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" --console-socket "$sock" "$id"
	oci start "$id"
	wait "$py"
	run cat "$BATS_TEST_TMPDIR/pty-out"
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial is-a-tty
}
