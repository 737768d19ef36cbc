#!/usr/bin/env bats
# Runs last (bats takes files in name order): the host suite must not have
# made a group in any cgroup v1 hierarchy -- this machine's own management
# lives there.  nook names its groups /nook/ID; the ids of tests are nk*.

load helpers

@test "the host suite left nothing in a cgroup v1 hierarchy" {
	local mnt found=
	while read -r _ mnt type _; do
		[ "$type" = cgroup ] || continue
		for d in "$mnt"/nook "$mnt"/nk-* "$mnt"/nook-*; do
			[ -e "$d" ] && found+=" $d"
		done
	done </proc/self/mounts
	assert_equal "$found" ""
}

@test "nook's cgroup v1 backend is off in host tests" {
	[ "${NOOK_VM:-}" = 1 ] && skip "VM tier: the v1 backend is on"
	assert_equal "$NOOK_CGROUP_V1" off
}
