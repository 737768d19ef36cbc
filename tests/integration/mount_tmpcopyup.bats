#!/usr/bin/env bats
# The "tmpcopyup" mount option (podman run --read-only asks for it on /run,
# /tmp, /var/tmp): a new tmpfs that starts as a copy of the directory it
# covers.

load helpers

# A tmpfs with tmpcopyup on /data, the root read-only.
copyup_mount() {
	cfg '.root.readonly = true |
	     .mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
	                  "options": ["rw", "nosuid", "nodev", "tmpcopyup"]}]'
}

@test "tmpcopyup: the tmpfs holds the image's tree, owners and modes; writes stay in it" {
	local r="$BUNDLE/rootfs/data"
	mkdir -p "$r/sub/deeper"
	echo top >"$r/file"
	echo deep >"$r/sub/deeper/f"
	chmod 0751 "$r/sub"
	chown 65534:65534 "$r/sub/deeper/f"
	chmod 4755 "$r/file"
	ln -s file "$r/rel-link"
	mkfifo "$r/fifo"
	chmod 0750 "$r"
	chown 65534:0 "$r"
	copyup_mount
	# (set_args takes one argument per line)
	run_ctr sh -c 'cat /data/file /data/sub/deeper/f; stat -c "%n %a %u:%g %F" /data /data/file /data/sub /data/sub/deeper/f /data/fifo; readlink /data/rel-link; grep " /data " /proc/mounts | cut -d" " -f3; echo new >/data/file && echo written'
	assert_success
	assert_line --index 0 top
	assert_line --index 1 deep
	assert_line "/data 750 65534:0 directory"
	assert_line "/data/file 4755 0:0 regular file"
	assert_line "/data/sub 751 0:0 directory"
	assert_line "/data/sub/deeper/f 644 65534:65534 regular file"
	assert_line "/data/fifo 644 0:0 fifo"
	assert_line file
	assert_line tmpfs
	assert_line written
	# The image's own file is untouched.
	assert_equal "$(cat "$r/file")" top
}

@test "tmpcopyup: an image symlink to a host path is copied as a link, never followed" {
	local secret="$BATS_TEST_TMPDIR/host-secret"
	echo "host secret" >"$secret"
	mkdir -p "$BUNDLE/rootfs/data" "$BATS_TEST_TMPDIR/host-dir"
	echo "host dir file" >"$BATS_TEST_TMPDIR/host-dir/inside"
	# Before pivot_root, absolute targets resolve on the host.
	ln -s "$secret" "$BUNDLE/rootfs/data/leak"
	ln -s "$BATS_TEST_TMPDIR/host-dir" "$BUNDLE/rootfs/data/leakdir"
	copyup_mount
	run_ctr sh -c 'for l in /data/leak /data/leakdir; do [ -L $l ] && echo "$l link to $(readlink $l)"; done; cat /data/leak /data/leakdir/inside 2>&1; ls /data'
	assert_success
	assert_line "/data/leak link to $secret"
	assert_line "/data/leakdir link to $BATS_TEST_TMPDIR/host-dir"
	refute_output --partial "host secret"
	refute_output --partial "host dir file"
}

@test "tmpcopyup: the mount's own mode= and uid= win over the covered directory's" {
	mkdir -p "$BUNDLE/rootfs/data"
	echo kept >"$BUNDLE/rootfs/data/file"
	chown 65534:65534 "$BUNDLE/rootfs/data"
	cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
	                  "options": ["tmpcopyup", "mode=0750", "uid=0"]}]'
	run_ctr sh -c 'stat -c "%a %u:%g" /data; cat /data/file'
	assert_success
	assert_output "750 0:65534
kept"
}

@test "tmpcopyup: refused on anything but a new tmpfs" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	cfg --arg s "$BATS_TEST_TMPDIR/src" '.mounts += [{"destination": "/data", "type": "bind",
	     "source": $s, "options": ["rbind", "tmpcopyup"]}]'
	run_ctr true
	assert_failure
	assert_output --partial "mount option 'tmpcopyup' on '/data' needs a new tmpfs"
}

@test "tmpcopyup: announced by features" {
	run "$NOOK" oci features
	assert_success
	[ "$(echo "$output" | jq '.mountOptions | index("tmpcopyup") != null')" = true ]
}
