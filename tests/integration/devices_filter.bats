#!/usr/bin/env bats
# The cgroup v2 device filter (the eBPF program attached to the
# container's group; on this host at /sys/fs/cgroup/unified): each access
# bit (m, r, w) is decided by the last rule that matches the device and
# holds it, and a bit no rule decides is denied.

load helpers

mknod_caps() {
	cfg '.process.capabilities.bounding += ["CAP_MKNOD"] |
		.process.capabilities.effective += ["CAP_MKNOD"] |
		.process.capabilities.permitted += ["CAP_MKNOD"]'
}

# /bin/probe DEV: opens /dev/DEV for reading, writing and both, and
# prints "denied" when the filter refused (EPERM), else "ok" (numbers
# 240-254 are for local use: past the filter the kernel says ENXIO).
setup() {
	bundle_setup
	cat >"$BUNDLE/rootfs/bin/probe" <<'EOF'
#!/bin/sh
for m in r w rw; do
	case $m in
	r) (exec 3</dev/$1) ;;
	w) (exec 3>/dev/$1) ;;
	rw) (exec 3<>/dev/$1) ;;
	esac 2>&1 | grep -q 'not permitted' && echo "$1 $m denied" || echo "$1 $m ok"
done
EOF
	chmod 755 "$BUNDLE/rootfs/bin/probe"
}

@test "device filter: the default list allows /dev/null, denies a device it does not name" {
	mknod_caps
	run_ctr sh -c 'mknod /dev/x2 c 240 11 && probe x2; mknod /dev/loop9 b 7 9 && probe loop9; probe zero; probe null'
	assert_success
	assert_line "null r ok"
	assert_line "null rw ok"
	assert_line "x2 r denied"
	assert_line "x2 w denied"
	assert_line "loop9 rw denied"
	assert_line "zero w ok"
}

@test "device filter: a later deny of one bit wins over an earlier allow of all (per bit)" {
	mknod_caps
	cfg '.linux.resources.devices += [
		{allow: true, type: "c", major: 240, minor: 11, access: "rwm"},
		{allow: false, type: "c", major: 240, minor: 11, access: "w"}]'
	run_ctr sh -c 'mknod /dev/x2 c 240 11 && probe x2'
	assert_success
	assert_line "x2 r ok"
	assert_line "x2 w denied"
	assert_line "x2 rw denied"
}

@test "device filter: a later allow wins over an earlier deny; wildcards and types match as written" {
	mknod_caps
	# c *:11 allows c 240:11 but not b 240:11 nor c 240:12.
	cfg '.linux.resources.devices += [
		{allow: false, type: "c", major: 240, minor: 11, access: "rw"},
		{allow: true, type: "c", minor: 11, access: "r"}]'
	run_ctr sh -c 'mknod /dev/x2 c 240 11 && probe x2; mknod /dev/b2 b 240 11 && probe b2; mknod /dev/y2 c 240 12 && probe y2'
	assert_success
	assert_line "x2 r ok"
	assert_line "x2 w denied"
	assert_line "b2 r denied"
	assert_line "y2 r denied"
}
