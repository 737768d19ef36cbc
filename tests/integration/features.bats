#!/usr/bin/env bats
# `nook oci features`: the runtime-spec Features structure, complete (every
# field runc prints, and the spec's newer ones) and truthful (what it
# claims, a config may use; what it denies, a config is refused).
load helpers

feat() { "$NOOK" oci features; }

@test "features: every field of runtime-spec's Features structure" {
	run feat
	assert_success
	jq -e '
		(.ociVersionMin | type == "string") and (.ociVersionMax | type == "string") and
		(.hooks | length == 6) and (.mountOptions | index("tmpcopyup")) and
		(.annotations | type == "object") and
		(.potentiallyUnsafeConfigAnnotations | type == "array") and
		(.linux | (.namespaces | index("time")) and (.capabilities | index("CAP_BPF")) and
			(.cgroup | [.v1, .v2, .systemd, .systemdUser, .rdma] | all(type == "boolean")) and
			(.seccomp | .enabled and (.actions | length > 0) and (.operators | length == 7) and
				(.archs | index("SCMP_ARCH_X86_64")) and (.knownFlags | type == "array") and
				(.supportedFlags | type == "array")) and
			(.apparmor.enabled | type == "boolean") and (.selinux.enabled | type == "boolean") and
			(.intelRdt.enabled | type == "boolean") and
			(.mountExtensions.idmap.enabled | type == "boolean") and
			(.netDevices.enabled | type == "boolean"))' <<<"$output"
}

@test "features: every field runc's features has, nook's has too" {
	command -v runc >/dev/null || skip "runc not installed"
	runc features >/dev/null 2>&1 || skip "this runc has no features command"
	# Field names only (array indexes dropped; runc's values differ where
	# nook refuses: acl mount options, SCMP_ACT_NOTIFY); annotations are
	# each runtime's own.
	local fields='[paths(type | . != "object" and . != "array") | map(select(type == "string"))] | unique |
		map(select(.[0] != "annotations")) | .[]'
	run diff <(runc features | jq -c "$fields") <(feat | jq -c "$fields")
	# Lines only runc has start with "<".
	refute_output --partial "<"
}

@test "features tells the truth: claimed rdma is parsed, denied idmap and netDevices are refused" {
	run feat
	assert_equal "$(jq -c '[.linux.cgroup.rdma, .linux.mountExtensions.idmap.enabled, .linux.netDevices.enabled,
		(.mountOptions | index("idmap"))]' <<<"$output")" '[true,false,false,null]'
	# rdma: accepted by the parser; any failure is the host's missing
	# controller, not an unknown field.
	cfg '.linux.resources.rdma = {"mlx5_0": {hcaHandles: 3, hcaObjects: 1000}}'
	run oci create --bundle "$BUNDLE" "$(cid r)"
	refute_output --partial "unknown"
	refute_output --partial "not supported"
	oci delete --force "$(cid r)" 2>/dev/null || true
	cfg '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", uidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]'
	run oci create --bundle "$BUNDLE" "$(cid i)"
	assert_failure
	assert_output --partial "idmapped mount"
	cfg 'del(.mounts[-1]) | .linux.netDevices = {eth9: {}}'
	run oci create --bundle "$BUNDLE" "$(cid n)"
	assert_failure
	assert_output --partial "netDevices"
}
