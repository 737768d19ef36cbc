#!/usr/bin/env bats
# Container networking: bridge networks, addresses, routes, /etc files.
# Every nook command runs in a namespace of the test (net_helpers.bash).
load net_helpers
bats_require_minimum_version 1.5.0

setup_file() { net_setup_file; }
teardown_file() { net_teardown_file; }
setup() { net_setup; }
teardown() { net_teardown; }

@test "run on the default bridge: eth0 with an address of 10.88.0.0/16, default route, lo up" {
	run nk run --rm bb:1 sh -c 'ip -o -4 addr show; ip route; cat /sys/class/net/eth0/mtu'
	assert_success
	assert_line --regexp '^[0-9]+: lo +inet 127\.0\.0\.1/8'
	assert_line --regexp '^[0-9]+: eth0 +inet 10\.88\.[0-9]+\.[0-9]+/16'
	assert_line --regexp '^default via 10\.88\.0\.1 dev eth0'
	assert_line 1500
	# The bridge is in the test's host namespace, with the gateway.
	run hn ip -o -4 addr show dev nook0
	assert_output --partial "inet 10.88.0.1/16"
}
