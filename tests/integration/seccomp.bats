#!/usr/bin/env bats
# Runtime spec config-linux.md "Seccomp": the filter as the kernel applies it.

load helpers

@test "seccomp: a syscall denied with errnoRet fails with that errno" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	run_ctr sh -c 'mkdir /tmp/d 2>&1; echo rc=$?; grep ^Seccomp: /proc/self/status'
	assert_output --partial "Operation not permitted"
	assert_line rc=1
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}

@test "seccomp: defaultAction ERRNO with defaultErrnoRet and an allow list" {
	# Everything busybox echo needs is allowed; uname is not.
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
	run_ctr sh -c 'uname -s 2>&1; echo rc=$?'
	assert_output --partial "not implemented"
}

@test "seccomp: argument conditions select the call" {
	# personality(0xffffffff) (a query) is allowed, personality(8) denied.
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
	                "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
	run_ctr sh -c 'setarch linux32 true 2>&1; echo rc=$?; setarch x86_64 uname -m'
	assert_line --index 1 --regexp 'rc=[1-9]'
	assert_output --partial x86_64
}

@test "seccomp: an unknown action is a clear config error" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOPE"}'
	run_ctr true
	assert_failure
	assert_output --partial "linux.seccomp.defaultAction"
	run oci list -q
	assert_output ""
}
