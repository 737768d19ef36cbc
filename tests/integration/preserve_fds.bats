#!/usr/bin/env bats
# --preserve-fds N hands fds 3..3+N-1 to the container: only fds the
# caller really passed, never one nook opened itself (its state root, the
# container's state dir, a cgroup or namespace fd), from which the
# container could climb out through /proc/self/fd/K/.. .

load helpers

# Run `nook oci ARGS...` with fds 0-2 and only those the shell code $1
# opens: bats keeps fds of its own (3 and up) open, which would count as
# passed by the caller.
nook_fds() {
	local open=$1
	shift
	bash -c 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
		'"$open"'
		exec "$@"' _ "$NOOK" oci --root "$ROOT" "$@"
}

@test "--preserve-fds: the fds the caller passed reach the container" {
	set_args sh -c 'cat <&3; cat <&4'
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	run nook_fds "exec 3<$BATS_TEST_TMPDIR/f3 4<$BATS_TEST_TMPDIR/f4" run --preserve-fds 2 \
		--bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_output "three
four"
}

@test "--preserve-fds: more fds than the caller passed is refused" {
	set_args ls -l /proc/self/fd/
	run nook_fds 'exec 3</etc/hostname' run --preserve-fds 2 --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "unable to stat preserved-fd 4"
	[ ! -e "$ROOT/$(cid)" ]
}

@test "--preserve-fds: a gap in the caller's fds is refused" {
	set_args ls -l /proc/self/fd/
	run nook_fds 'exec 3</etc/hostname 5</etc/hostname' run --preserve-fds 3 \
		--bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "unable to stat preserved-fd 4"
	[ ! -e "$ROOT/$(cid)" ]
}

@test "attack: --preserve-fds past the caller's fds reaches nook's state dir through /proc/self/fd/K/.." {
	touch "$BATS_TEST_TMPDIR/host-marker"
	# With no fd passed, fds 3.. would be nook's own: the state root, the
	# container's state dir, exec.fifo, the cgroup.
	set_args sh -c 'for k in 3 4 5 6; do ls -a /proc/self/fd/$k/ /proc/self/fd/$k/.. 2>/dev/null; done; true'
	run nook_fds ':' run --preserve-fds 4 --bundle "$BUNDLE" "$(cid)"
	assert_failure
	assert_output --partial "unable to stat preserved-fd 3"
	refute_output --partial host-marker
	refute_output --partial state.json
	refute_output --partial cgroup.procs
	[ ! -e "$ROOT/$(cid)" ]
}

@test "attack: exec --preserve-fds past the caller's fds reaches the container's state dir" {
	set_args sleep 30
	local id; id=$(cid)
	oci run -d --bundle "$BUNDLE" "$id"
	run nook_fds ':' exec --preserve-fds 3 "$id" sh -c 'for k in 3 4 5; do ls -a /proc/self/fd/$k/ /proc/self/fd/$k/.. 2>/dev/null; done; true'
	assert_failure 255
	assert_output --partial "unable to stat preserved-fd 3"
	refute_output --partial state.json
	refute_output --partial "$id"
	refute_output --partial cgroup.procs
}
