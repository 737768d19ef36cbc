#!/usr/bin/env bats
# volume create -o: docker's local driver options (type, device, o).  Such
# a volume is a mount of its own on its _data directory: shared by the
# containers that use it, made again at start, and unmounted by volume rm
# before it deletes anything (a bound host directory keeps its files).
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() {
	engine_setup
	SRC="$BATS_TEST_TMPDIR/src"
	mkdir -p "$SRC"
	echo hostfile >"$SRC/keep"
}
teardown() {
	engine_teardown || return 1
	[ -n "${ROOT:-}" ] || return 0
	nk volume prune -a -f >/dev/null
	[ -z "$(ls "$SR/volumes" 2>/dev/null)" ] || { echo "volume dirs left"; return 1; }
	! grep -q " $SR/volumes/" /proc/self/mountinfo || { echo "volume mounts left"; return 1; }
	# What a bind volume showed is the host's, and stays.
	[ "$(cat "$SRC/keep")" = hostfile ] || { echo "the bound directory lost its file"; return 1; }
}

# The file system mounted on volume NAME's _data on the host ("" none).
host_fstype() { awk -v m="$SR/volumes/$1/_data" '$5 == m {print $9}' /proc/self/mountinfo; }

@test "volume create -o type=tmpfs: one tmpfs for the containers that use it; inspect shows the options; rm unmounts it" {
	run nk volume create -o type=tmpfs -o device=tmpfs -o o=size=1m,mode=0750 "$P"
	assert_success
	assert_output "$P"
	nk volume inspect "$P" | jq -e '.[0].Options == {"type": "tmpfs", "device": "tmpfs", "o": "size=1m,mode=0750"}'
	run nk run --rm -v "$P:/t" bb:1 sh -c 'echo hi >/t/x && grep " /t " /proc/mounts && stat -c %a /t'
	assert_success
	assert_line --regexp '^tmpfs /t tmpfs .*size=1024k'
	assert_line 750
	[ "$(host_fstype "$P")" = tmpfs ]
	# The next container sees what the first wrote: the same tmpfs.
	run nk run --rm -v "$P:/t" bb:1 cat /t/x
	assert_success
	assert_output hi
	# Nothing of it reached the disk under the mount.
	run nk volume rm "$P"
	assert_success
	[ -z "$(host_fstype "$P")" ]
	[ ! -e "$SR/volumes/$P" ]
}

@test "volume create -o type=none -o o=bind: the container uses the host directory; rm leaves it as it is" {
	nk volume create -o type=none -o o=bind -o device="$SRC" "$P" >/dev/null
	run nk run --rm -v "$P:/b" bb:1 sh -c 'cat /b/keep && echo new >/b/new'
	assert_success
	assert_output hostfile
	[ "$(cat "$SRC/new")" = new ]
	run nk volume rm "$P"
	assert_success
	[ "$(cat "$SRC/new")" = new ]
	[ "$(cat "$SRC/keep")" = hostfile ]
	[ -z "$(host_fstype "$P")" ]
	[ ! -e "$SR/volumes/$P" ]
}

@test "volume create -o o=bind,ro: the container cannot write the host directory" {
	nk volume create -o type=none -o o=bind,ro -o device="$SRC" "$P" >/dev/null
	run nk run --rm -v "$P:/b" bb:1 sh -c 'cat /b/keep; touch /b/x'
	assert_failure
	assert_line hostfile
	assert_output --partial "Read-only file system"
	[ ! -e "$SRC/x" ]
	# Also for a container that finds it mounted already.
	run nk run --rm -v "$P:/b" bb:1 touch /b/y
	assert_failure
	[ ! -e "$SRC/y" ]
	nk volume rm "$P" >/dev/null
}

@test "a volume's mount is made again when its container starts (as after the host restarted)" {
	nk volume create -o type=tmpfs -o device=tmpfs -o o=size=2m "$P-v" >/dev/null
	nk create --name "$P" -v "$P-v:/t" bb:1 sh -c 'grep " /t " /proc/mounts' >/dev/null
	nk create --name "$P-m" --mount "type=volume,src=$P-v,dst=/t" bb:1 \
		sh -c 'grep " /t " /proc/mounts' >/dev/null
	[ "$(host_fstype "$P-v")" = tmpfs ]
	for c in "$P" "$P-m"; do
		umount "$SR/volumes/$P-v/_data"
		[ -z "$(host_fstype "$P-v")" ]
		run nk start -a "$c"
		assert_success
		assert_output --regexp '^tmpfs /t tmpfs .*size=2048k'
		[ "$(host_fstype "$P-v")" = tmpfs ]
	done
	nk rm "$P-m" >/dev/null
	# In use: not removed, and still mounted.
	run nk volume rm "$P-v"
	assert_failure
	[ "$(host_fstype "$P-v")" = tmpfs ]
	nk rm "$P" >/dev/null
	nk volume rm "$P-v" >/dev/null
	[ -z "$(host_fstype "$P-v")" ]
}

@test "bad volume options: one clear line, non-zero, no volume" {
	local -a cases=(
		"-o foo=bar|invalid volume option 'foo=bar'"
		"-o type=tmpfs|need type= and device="
		"-o device=/tmp|need type= and device="
		"-o type=none -o device=$SRC|type=none needs o=bind"
		"-o type=none -o o=bind -o device=rel/dir|needs an absolute path"
		"-o type=none -o o=bind,idmap -o device=$SRC|'idmap' is not supported"
		"-d nfs|volume driver 'nfs' is not supported"
	)
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086 # the options split on purpose
		run nk volume create ${c%%|*} "$P"
		assert_failure
		assert_output --partial "${c#*|}"
		[ "${#lines[@]}" -le 2 ]
		run nk volume ls -q
		refute_output --partial "$P"
	done
	[ ! -e "$SR/volumes/$P" ]
}

@test "a volume whose mount fails fails the run clearly; nothing of the container is left" {
	nk volume create -o type=none -o o=bind -o device="$BATS_TEST_TMPDIR/missing" "$P" >/dev/null
	run nk run --rm -v "$P:/b" bb:1 true
	[ "$status" -eq 125 ]
	assert_output --partial "cannot mount volume $P"
	run nk ps -aq
	assert_output ""
	[ -z "$(host_fstype "$P")" ]
	run nk volume rm "$P"
	assert_success
}

@test "volume prune -a and system prune --volumes unmount volumes with options; the bound directory keeps its files" {
	nk volume create -o type=none -o o=bind -o device="$SRC" "$P-b" >/dev/null
	nk volume create -o type=tmpfs -o device=tmpfs "$P-t" >/dev/null
	nk run --rm -v "$P-b:/b" -v "$P-t:/t" bb:1 true
	[ -n "$(host_fstype "$P-b")" ] && [ "$(host_fstype "$P-t")" = tmpfs ]
	run nk volume prune -a -f
	assert_success
	assert_line "$P-b"
	assert_line "$P-t"
	[ -z "$(host_fstype "$P-b")" ] && [ -z "$(host_fstype "$P-t")" ]
	[ "$(cat "$SRC/keep")" = hostfile ]
	# system prune --volumes keeps named volumes (docker 23+): this one
	# stays, mounted.
	nk volume create -o type=tmpfs -o device=tmpfs "$P-k" >/dev/null
	nk run --rm -v "$P-k:/k" bb:1 true
	run nk system prune -f --volumes
	assert_success
	[ "$(host_fstype "$P-k")" = tmpfs ]
	nk volume rm "$P-k" >/dev/null
	[ -z "$(host_fstype "$P-k")" ]
}
