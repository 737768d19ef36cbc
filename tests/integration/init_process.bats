#!/usr/bin/env bats
# The container init from clone to execve: every step that can fail fails
# `create`; `start` reports a failed execve; the process gets its own
# session, HOME, cwd, lo, scheduler and I/O priority as runc and crun give.

load helpers

# A detached container running sleep; prints its host pid.
run_sleeper() {
	local id=$1
	set_args sleep 300
	oci run -d --bundle "$BUNDLE" "$id" >/dev/null
	oci state "$id" | jq -r .pid
}

# --------------------------------------------------------------- seccomp --

@test "seccomp denying close_range (EPERM, ENOSYS): the container runs, with and without noNewPrivileges" {
	local nnp e
	for nnp in false true; do
		for e in 1 38; do
			cfg ".process.noNewPrivileges = $nnp | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
			  \"syscalls\": [{\"names\": [\"close_range\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": $e}]}"
			set_args echo alive
			run oci run --bundle "$BUNDLE" "$(cid)-$nnp-$e"
			assert_success
			assert_output alive
		done
	done
}

# An allow-list profile (runtime-tools style: deny by default) that lists
# what nook's last steps and busybox need, but not close_range.
@test "seccomp allow-list without close_range: the container runs, nothing leaks" {
	local names
	names=$(printf '"%s",' read write open openat close fstat newfstatat stat lstat statx lseek \
		mmap mprotect munmap brk rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 \
		readv writev access faccessat faccessat2 pipe pipe2 dup dup2 dup3 getpid getppid \
		getuid geteuid getgid getegid getgroups setgroups setresuid setresgid setuid setgid \
		capget capset prctl arch_prctl set_tid_address set_robust_list rseq exit exit_group \
		wait4 clone clone3 fork vfork execve execveat uname fcntl getcwd chdir fchdir \
		getdents64 readlink readlinkat sendto sendmsg recvfrom recvmsg umask getrlimit \
		prlimit64 setrlimit sysinfo getrandom futex nanosleep clock_nanosleep clock_gettime \
		gettid tgkill kill getpgrp setpgid getsid setsid poll ppoll select pselect6 \
		sigaltstack mremap madvise)
	cfg ".process.noNewPrivileges = false | .linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ERRNO\",
	  \"defaultErrnoRet\": 1, \"syscalls\": [{\"names\": [${names%,}], \"action\": \"SCMP_ACT_ALLOW\"}]}"
	run_ctr sh -c 'ls /proc/self/fd; echo done'
	assert_success
	assert_line done
	# Only stdio (and ls's own directory fd) are open in the container.
	refute_line --regexp '^([4-9]|[1-9][0-9]+)$'
	cfg '.process.noNewPrivileges = true'
	run oci run --bundle "$BUNDLE" "$(cid)-nnp"
	assert_success
	assert_line done
}

# ---------------------------------------------- failures at create/start --

@test "a capability the runtime lacks fails create, with the message" {
	cfg '.process.capabilities.bounding += ["CAP_SYS_RESOURCE"]'
	set_args true
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial CAP_SYS_RESOURCE
	run oci list -q
	assert_output ""
}

@test "an rlimit that cannot be set fails create, with the message" {
	local hard
	hard=$(ulimit -Hn)
	cfg ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": $((hard + 1))}]"
	set_args true
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot set rlimit"
	run oci list -q
	assert_output ""
}

@test "a scheduler the kernel refuses fails create, with the message" {
	# SCHED_DEADLINE needs runtime <= deadline <= period.
	cfg '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 2000000,
	  "deadline": 1000000, "period": 1000000}'
	set_args true
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "process.scheduler: cannot set the scheduler"
	run oci list -q
	assert_output ""
}

@test "start reports an execve that fails after create (program removed)" {
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/prog"
	set_args /bin/prog true
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	rm "$BUNDLE/rootfs/bin/prog"
	run oci start "$id"
	assert_failure
	assert_output --partial "cannot execute '/bin/prog'"
	wait_status "$id" stopped
}

@test "run -d reports an execve that fails (not an executable format)" {
	printf 'garbage\n' >"$BUNDLE/rootfs/bin/junk"
	chmod 755 "$BUNDLE/rootfs/bin/junk"
	set_args /bin/junk
	run oci run -d --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot execute '/bin/junk': Exec format error"
	run oci list -q
	assert_output ""
}

# --------------------------------------------------------------- session --

@test "the container process has its own session, without a terminal too" {
	local id pid; id=$(cid)
	pid=$(run_sleeper "$id")
	# Field 6 of /proc/PID/stat is the session id: the process leads its own.
	run awk '{print $6}' "/proc/$pid/stat"
	assert_output "$pid"
	refute_output "$(awk '{print $6}' /proc/$$/stat)"
}

@test "an exec'd process has its own session and HOME too" {
	local id; id=$(cid)
	cfg '.process.env = ["PATH=/bin"]'
	run_sleeper "$id" >/dev/null
	run oci exec "$id" sh -c 'read -r p c s pp pg sid rest </proc/self/stat; echo "sid=$sid pid=$$ home=$HOME"'
	assert_success
	assert_output --regexp '^sid=([0-9]+) pid=\1 home=/root$'
}

@test "TIOCSTI from a container without terminal cannot reach the caller's terminal" {
	[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 1 ] || skip "TIOCSTI disabled"
	command -v python3 >/dev/null || skip "python3 needed to own a pty"
	cp "$NOOK_BUILD/tests/helpers/tiocsti" "$BUNDLE/rootfs/bin/tiocsti"
	set_args /bin/tiocsti 'echo INJECTED'
	# The caller owns a pty as its controlling terminal and runs nook on it;
	# whatever the container pushes shows up as input on that terminal.
	run python3 - "$NOOK" "$ROOT" "$BUNDLE" "$(cid)" <<-'PY'
	import os, pty, sys, select, termios, fcntl
	nook, root, bundle, cid = sys.argv[1:5]
	master, slave = pty.openpty()
	pid = os.fork()
	if pid == 0:
	    os.setsid()
	    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
	    for fd in (0, 1, 2):
	        os.dup2(slave, fd)
	    os.execv(nook, [nook, "oci", "--root", root, "run", "--bundle", bundle, cid])
	_, status = os.waitpid(pid, 0)
	out = b""
	while select.select([master], [], [], 0.2)[0]:
	    out += os.read(master, 4096)
	print("container said:", out.decode(errors="replace").strip())
	# Pending input of the terminal: what the shell would read next.
	os.set_blocking(slave, False)
	try:
	    pending = os.read(slave, 4096)
	except BlockingIOError:
	    pending = b""
	print("pending input:", repr(pending))
	print("exit:", os.waitstatus_to_exitcode(status))
	PY
	assert_success
	assert_line --partial "tiocsti: Operation not permitted"
	assert_line "pending input: b''"
	assert_line "exit: 0"
}

# ----------------------------------------------------------- environment --

@test "HOME comes from the container's /etc/passwd when process.env has none" {
	cfg '.process.env = ["PATH=/bin"]'
	run_ctr sh -c 'echo "home=$HOME"'
	assert_success
	assert_output home=/root
	echo 'app:x:1000:1000::/home/app:/bin/sh' >>"$BUNDLE/rootfs/etc/passwd"
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run oci run --bundle "$BUNDLE" "$(cid)-app"
	assert_output home=/home/app
	# A user without an entry gets "/", as with runc.
	cfg '.process.user = {"uid": 4242, "gid": 4242}'
	run oci run --bundle "$BUNDLE" "$(cid)-none"
	assert_output home=/
}

@test "HOME in process.env is kept" {
	cfg '.process.env = ["PATH=/bin", "HOME=/elsewhere"]'
	run_ctr sh -c 'echo "home=$HOME"'
	assert_output home=/elsewhere
}

@test "an /etc/passwd that is a FIFO fails create instead of hanging it" {
	rm "$BUNDLE/rootfs/etc/passwd"
	mkfifo "$BUNDLE/rootfs/etc/passwd"
	cfg '.process.env = ["PATH=/bin"]'
	set_args true
	local log="$BATS_TEST_TMPDIR/create.log" rc=0
	timeout 20 "$NOOK" oci --root "$ROOT" create --bundle "$BUNDLE" "$(cid)" \
		>"$log" 2>&1 </dev/null || rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
	run cat "$log"
	assert_output --partial "'/etc/passwd' is not a regular file"
}

@test "a missing process.cwd is created inside the root" {
	ln -s /../../../../tmp "$BUNDLE/rootfs/escape"
	cfg '.process.cwd = "/escape/new/dir"'
	run_ctr pwd
	assert_success
	assert_output /tmp/new/dir
	[ -d "$BUNDLE/rootfs/tmp/new/dir" ]
}

@test "lo is up in a new network namespace" {
	run_ctr ip link show lo
	assert_success
	assert_output --regexp '<[^>]*LOOPBACK,UP[^>]*>'
}

# ------------------------------------------------ scheduler, I/O priority --

@test "process.scheduler: SCHED_BATCH and nice as the kernel shows them" {
	cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	local pid; pid=$(run_sleeper "$(cid)")
	# /proc/PID/stat: field 19 nice, field 41 policy (3 = SCHED_BATCH).
	run awk '{print $19, $41}' "/proc/$pid/stat"
	assert_output "7 3"
}

@test "process.scheduler: SCHED_FIFO with a priority" {
	cfg '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 5}'
	local pid; pid=$(run_sleeper "$(cid)")
	run chrt -p "$pid"
	assert_line --partial "SCHED_FIFO"
	assert_line --partial "priority: 5"
}

@test "process.ioPriority is applied" {
	cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	local pid; pid=$(run_sleeper "$(cid)")
	run ionice -p "$pid"
	assert_output "best-effort: prio 6"
	cfg '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE"}'
	pid=$(run_sleeper "$(cid)-idle")
	run ionice -p "$pid"
	assert_output "idle"
}

# --------------------------------------------------------------- console --

# The pty peer comes from the master (TIOCGPTPEER), never from opening
# /dev/pts/N in the container, where the image can plant anything.
@test "console: a planted /dev/pts/N does not become the container's terminal" {
	local r="$BUNDLE/rootfs"
	mkdir -p "$r/devpts" "$r/dev/pts"
	ln -s /devpts/ptmx "$r/dev/ptmx"
	for n in 0 1 2; do echo planted >"$r/dev/pts/$n"; done
	cfg '.process.terminal = true | .linux.maskedPaths = [] |
	  .mounts = [.mounts[] | select(.destination | startswith("/dev") | not)] +
	  [{"destination": "/devpts", "type": "devpts", "source": "devpts",
	    "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]'
	set_args sh -c '[ -t 0 ] && [ -t 1 ] && echo is-a-tty; readlink /proc/self/fd/0'
	run oci run --bundle "$BUNDLE" "$(cid)" </dev/null
	assert_success
	assert_output --partial is-a-tty
	assert_output --regexp '/devpts/[0-9]+'
	run cat "$r/dev/pts/0"
	assert_output planted
}
