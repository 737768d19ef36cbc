#!/usr/bin/env bats
# The seccomp filter cache when the nook filling it is killed: before the
# entry is written and right after.  The next run enforces the profile and
# leaves one whole entry, and the killed run left no container behind.

load ../integration/helpers

cache_crash_at() {
	local step=$1 id
	profile_spec --profile docker
	set_args sysprobe keyctl
	id="$(cid)k"
	NOOK_FAULT=$step "$NOOK" oci --root "$ROOT" run --bundle "$BUNDLE" "$id" \
		>"$BATS_TEST_TMPDIR/killed.log" 2>&1 </dev/null && {
		echo "not killed at $step" >&2
		return 1
	}
	# Killed before the container existed: nothing to clean up.
	[ ! -e "$ROOT/$id" ]
	[ ! -e "$(cgroup_v2_root)/nook/$id" ]
	run_ctr sysprobe keyctl
	assert_success
	assert_line keyctl=EPERM
	[ "$(ls -A "$ROOT/.seccomp@cache" | wc -l)" = 1 ]
	e=$(ls "$ROOT"/.seccomp@cache/*.bpf)
	before=$(stat -c %i "$e")
	run_ctr sysprobe keyctl
	assert_line keyctl=EPERM
	[ "$(stat -c %i "$e")" = "$before" ]
}

@test "seccomp cache: killed after the compile, before the entry is written" {
	cache_crash_at seccomp-compiled
}

@test "seccomp cache: killed right after the entry is written" {
	cache_crash_at seccomp-cached
}
