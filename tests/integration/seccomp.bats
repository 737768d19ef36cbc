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

@test "seccomp: ERRNO without errnoRet means EPERM; other calls are untouched" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	run_ctr sh -c 'mkdir /tmp/d 2>&1; touch /tmp/f && echo touched'
	assert_output --partial "Operation not permitted"
	assert_output --partial touched
}

@test "seccomp: argument conditions select the call" {
	# kill(pid, SIGUSR1) is denied; kill(pid, 0) is not.
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
	  "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
	                "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
	run_ctr sh -c 'trap "" USR1; kill -USR1 $$ 2>&1; echo usr1=$?; kill -0 $$; echo zero=$?'
	assert_line usr1=1
	assert_line zero=0
}

@test "seccomp: an unknown action is a clear config error" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOPE"}'
	run_ctr true
	assert_failure
	assert_output --partial "linux.seccomp.defaultAction"
	run oci list -q
	assert_output ""
}
