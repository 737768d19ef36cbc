#!/usr/bin/env bats
# Runs last (bats takes files in name order): the suite must not have made
# a link, a nook bridge address or nook's nftables table in the machine's
# own network namespace -- network tests run nook in namespaces of their
# own (net_helpers.bash) and everything else runs with --network none.

load helpers

@test "the suite left no new link in the machine's network namespace" {
	[ -e "$BATS_RUN_TMPDIR/host-links.before" ] || skip "no snapshot from the suite's start"
	run comm -13 "$BATS_RUN_TMPDIR/host-links.before" \
		<(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort)
	assert_output ""
}

@test "no nook bridge, veth, table or test namespace in the machine's network namespace" {
	run ip -o link show
	refute_output --regexp ': (nook0|br-[0-9a-f]{12}|nk[0-9a-f]{13})[:@]'
	run nft list table ip nook
	assert_failure
	run ip netns list
	refute_output --partial nooktest-
}
