#!/usr/bin/env bats
# Runtime spec config-linux.md "Control groups": linux.resources values
# that ask for no limit.  What limits do is proven in the VM tier
# (tests/vm/cgroups_nook.bats); these run on any cgroup v2 hierarchy,
# including a hybrid host's without controllers.

load helpers

# "max" where the hierarchy has the controller, no file where it has not.
assert_no_limit() {
	local dir=$1 ctrl=$2 file=$3 want=$4
	if grep -qw "$ctrl" "$(cgroup_v2_root)/cgroup.controllers"; then
		assert_equal "$(cat "$dir/$file")" "$want"
	else
		[ ! -e "$dir/$file" ]
	fi
}

@test "no-limit values (pids -1, cpu quota -1, memory -1) need no controller" {
	cfg '.linux.resources = {"pids": {"limit": -1}, "cpu": {"quota": -1},
	                         "memory": {"limit": -1}}'
	set_args sleep 30
	local id dir pid
	id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	pid=$(oci state "$id" | jq -r .pid)
	dir="$(cgroup_v2_root)/nook/$id"
	grep -qx "$pid" "$dir/cgroup.procs"
	assert_no_limit "$dir" pids pids.max max
	assert_no_limit "$dir" cpu cpu.max "max 100000"
	assert_no_limit "$dir" memory memory.max max
	oci delete --force "$id"
	[ ! -e "$dir" ]
}

@test "pids.limit 0 is not a limit (runc writes nothing)" {
	cfg '.linux.resources = {"pids": {"limit": 0}}'
	run_ctr echo ran
	assert_success
	assert_output ran
}

@test "memory.swappiness and disableOOMKiller are refused at create, as crun does on cgroup v2" {
	cfg '.linux.resources = {"memory": {"swappiness": 60}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output "nook oci: config.json: linux.resources.memory.swappiness: cgroup v2 has no per-group swappiness (remove it)"
	cfg '.linux.resources = {"memory": {"disableOOMKiller": true}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer"
	run oci list -q
	assert_output ""
	[ ! -e "$(cgroup_v2_root)/nook/$(cid)" ]
	cfg '.linux.resources = {"memory": {"disableOOMKiller": false}}'
	run_ctr echo ran
	assert_success
	assert_output ran
}
