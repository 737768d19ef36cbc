#!/usr/bin/env bats
# A command that cannot be executed, as clients see it: podman and
# containerd read runc's exit codes and words ("executable file not found
# in $PATH" means 127, a failed `exec` exits 255) — see tests/clients.

load helpers
bats_require_minimum_version 1.5.0

start_sleeper() {
	set_args sleep 60
	ID=$(cid)
	oci run -d --bundle "$BUNDLE" "$ID"
	wait_status "$ID" running
}

@test "run: a bare command missing from PATH says runc's words, unquoted" {
	run_ctr no-such-command
	assert_failure
	assert_output --partial "cannot execute 'no-such-command': executable file not found in \$PATH"
}

@test "run: a directory as the command names EISDIR, not a stale errno" {
	run_ctr /etc
	assert_failure
	assert_output --partial "cannot execute '/etc': Is a directory"
	run_ctr /etc/passwd
	assert_failure
	assert_output --partial "cannot execute '/etc/passwd': Permission denied"
	run_ctr /dev/null
	assert_failure
	assert_output --partial "cannot execute '/dev/null': Permission denied"
}

@test "exec: a failed exec exits 255, as runc's; the process's own status passes through" {
	start_sleeper
	run -255 oci exec "$ID" no-such-command
	assert_output --partial 'executable file not found in $PATH'
	run -255 oci exec "$ID" /etc
	assert_output --partial "cannot execute '/etc': Is a directory"
	run -255 oci exec "$ID" /no/such/file
	assert_output --partial "No such file or directory"
	run -255 oci exec "nk-no-such-container-$$" true
	run -3 oci exec "$ID" sh -c 'exit 3'
	run -255 oci exec "$ID" sh -c 'exit 255'
	assert_equal "$(oci state "$ID" | jq -r .status)" running
}
