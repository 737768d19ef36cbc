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

@test "memory.swappiness and disableOOMKiller are refused where no cgroup v1 memory hierarchy takes them" {
	# Only cgroup v1 has these knobs.  On this host the v1 backend is off
	# (helpers.bash), as on a pure v2 host; tests/vm/cgroups_v1.bats
	# applies them in a v1 guest.
	cfg '.linux.resources = {"memory": {"swappiness": 60}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot apply linux.resources.memory.swappiness: cgroup v2 has no memory.swappiness"
	cfg '.linux.resources = {"memory": {"disableOOMKiller": true}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot apply linux.resources.memory.disableOOMKiller: cgroup v2 has no memory.oom_control"
	run oci list -q
	assert_output ""
	[ ! -e "$(cgroup_v2_root)/nook/$(cid)" ]
	cfg '.linux.resources = {"memory": {"disableOOMKiller": false, "swappiness": -1}}'
	run_ctr echo ran
	assert_success
	assert_output ran
}

@test "swappiness out of range is refused at parse time" {
	cfg '.linux.resources = {"memory": {"swappiness": 101}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output "nook oci: config.json: linux.resources.memory.swappiness: must be between 0 and 100"
}

@test "net_cls classID and realtime limits are refused naming the field where no v1 hierarchy takes them" {
	cfg '.linux.resources = {"network": {"classID": 1048577}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot apply linux.resources.network.classID: cgroup v2 has no net_cls.classid"
	cfg '.linux.resources = {"cpu": {"realtimeRuntime": 1000}}'
	run oci create --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "cannot apply linux.resources.cpu.realtimeRuntime: cgroup v2 has no cpu.rt_runtime_us"
	run oci list -q
	assert_output ""
}
