#!/usr/bin/env bats
# The command line: help, version, nook-oci as argv[0], --log formats.

load helpers

@test "--help on every oci command, --version" {
	local c
	for c in spec create start run state kill delete list exec ps pause resume features; do
		run oci "$c" --help
		assert_success
		assert_output --partial "usage:"
	done
	run "$NOOK" oci --version
	assert_success
	assert_line --index 0 --partial "version"
	assert_output --partial "spec: 1."
}

@test "nook-oci (argv[0]) behaves exactly like nook oci" {
	ln -s "$NOOK" "$BATS_TEST_TMPDIR/nook-oci"
	set_args echo via-link
	run "$BATS_TEST_TMPDIR/nook-oci" --root "$ROOT" run --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_output via-link
}

@test "--log-format json writes errors as one JSON object per line" {
	run "$NOOK" oci --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json start nosuch
	assert_failure
	run jq -r '.level + "|" + .msg' "$BATS_TEST_TMPDIR/log.json"
	assert_success
	assert_output --partial 'error|container "nosuch" does not exist'
	jq -e '.time | test("^[0-9]{4}-")' "$BATS_TEST_TMPDIR/log.json"
}

@test "--systemd-cgroup is refused with a clear message" {
	run "$NOOK" oci --systemd-cgroup --root "$ROOT" list
	assert_failure
	assert_output --partial systemd
}

@test "spec writes a config.json runc-compatible runtimes accept; refuses to overwrite" {
	run oci spec --bundle "$BUNDLE"
	assert_failure
	assert_output --partial exists
	local d="$BATS_TEST_TMPDIR/s"
	mkdir -p "$d"
	oci spec --bundle "$d"
	jq -e '.ociVersion and .process.args and .root.path == "rootfs" and (.linux.namespaces | length) >= 5' "$d/config.json"
	oci spec --rootless --bundle "$d/r" 2>/dev/null || { mkdir -p "$d/r"; oci spec --rootless --bundle "$d/r"; }
	jq -e '.linux.namespaces | map(.type) | index("user")' "$d/r/config.json"
}

@test "features prints the OCI features document" {
	run oci features
	assert_success
	echo "$output" | jq -e '.ociVersionMin and .ociVersionMax and (.linux.namespaces | index("pid")) and .linux.cgroup.v2 == true'
}

@test "state output matches runc's fields" {
	set_args sleep 30
	local id; id=$(cid)
	oci create --bundle "$BUNDLE" "$id"
	run oci state "$id"
	echo "$output" | jq -e 'has("ociVersion") and has("id") and has("pid") and has("status") and has("bundle") and has("rootfs") and has("created") and has("owner")'
	echo "$output" | jq -e '.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")'
}

@test "state and list JSON have the same fields as runc's" {
	command -v runc >/dev/null || skip "runc not installed"
	set_args sleep 30
	local id; id=$(cid) rroot="$BATS_TEST_TMPDIR/runc-root"
	oci create --bundle "$BUNDLE" "$id"
	runc --root "$rroot" create --bundle "$BUNDLE" "$id-runc" </dev/null >/dev/null 2>&1 || {
		runc --root "$rroot" delete -f "$id-runc" >/dev/null 2>&1
		skip "runc cannot create containers on this host"
	}
	local ours theirs
	ours=$(oci state "$id" | jq -c 'keys')
	theirs=$(runc --root "$rroot" state "$id-runc" | jq -c 'keys')
	assert_equal "$(oci state "$id" | jq -r .status)" "$(runc --root "$rroot" state "$id-runc" | jq -r .status)"
	ours_list=$(oci list --format json | jq -c '.[0] | keys')
	theirs_list=$(runc --root "$rroot" list --format json | jq -c '.[0] | keys')
	runc --root "$rroot" delete -f "$id-runc" >/dev/null 2>&1
	assert_equal "$ours" "$theirs"
	assert_equal "$ours_list" "$theirs_list"
}

@test "runc's own default config runs unchanged (ambient caps without inheritable)" {
	command -v runc >/dev/null || skip "runc not installed"
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && runc spec)
	cfg '.process.terminal = false | .process.args = ["grep", "^Cap", "/proc/self/status"]'
	run oci run --bundle "$BUNDLE" "$(cid)"
	assert_success
	assert_line --regexp '^CapEff:[[:space:]]+0*20000420$'
	assert_line --regexp '^CapAmb:[[:space:]]+0+$'
}

# Every command of every table, as "images", "oci spec", "image ls", from
# the generated help.
all_commands() {
	local c f
	for c in $("$NOOK" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
		case $c in
		oci | image | system | container | network | volume)
			for f in $("$NOOK" "$c" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
				echo "$c $f"
			done
			;;
		*) echo "$c" ;;
		esac
	done
}

# nook with private state and store roots (global options, before the command).
nk() { "$NOOK" --root "$ROOT" --storage-root "$BATS_TEST_TMPDIR/store" "$@"; }

@test "global options stand before the command: --storage-root, --root, NOOK_STORAGE_ROOT" {
	local sr="$BATS_TEST_TMPDIR/store" id; id=$(cid)
	run "$NOOK" --storage-root "$sr" import "$BASE_ROOTFS" gl:1
	assert_success
	[ -d "$sr/layers" ]
	run "$NOOK" --storage-root "$sr" images --format json
	assert_success
	assert_output --partial '"docker.io/library/gl:1"'
	run "$NOOK" --storage-root="$sr" image inspect gl:1
	assert_success
	# The spelling after the command that scripts use still works...
	run "$NOOK" images -q --storage-root "$sr"
	assert_success
	assert_equal "${#lines[@]}" 1
	# ...and so does the environment.
	NOOK_STORAGE_ROOT=$sr run "$NOOK" images -q
	assert_success
	assert_equal "${#lines[@]}" 1
	# --root before "oci" reaches the oci commands.
	oci create --bundle "$BUNDLE" "$id"
	run "$NOOK" --root "$ROOT" oci list -q
	assert_success
	assert_output "$id"
	run "$NOOK" --root "$ROOT" --log-level debug oci state "$id"
	assert_success
	echo "$output" | jq -e .pid
}

@test "runc's global flags before an oci command, with one or two dashes" {
	local id; id=$(cid)
	ln -s "$NOOK" "$BATS_TEST_TMPDIR/nook-oci"
	# The created container keeps create's stdio: a file, not bats' pipe.
	"$BATS_TEST_TMPDIR/nook-oci" --root "$ROOT" --log "$BATS_TEST_TMPDIR/l.json" \
		--log-format json create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/c.out" 2>&1
	run "$NOOK" oci -root "$ROOT" -log "$BATS_TEST_TMPDIR/l.json" -log-format=json state "$id"
	assert_success
	echo "$output" | jq -e '.status == "created"'
	run "$BATS_TEST_TMPDIR/nook-oci" --root="$ROOT" --log "$BATS_TEST_TMPDIR/l.json" \
		--log-format json --bogus state "$id"
	assert_failure 1
	run "$BATS_TEST_TMPDIR/nook-oci" --root "$ROOT" --log "$BATS_TEST_TMPDIR/l.json" \
		--log-format json kill --bogus "$id"
	assert_failure 1
	run jq -r .msg "$BATS_TEST_TMPDIR/l.json"
	assert_output --partial "unknown option '--bogus'"
}

@test "--help on every command, generated from the table; usage names only options the parser takes" {
	local c opt n=0
	cd "$BATS_TEST_TMPDIR"
	while read -r c; do
		# shellcheck disable=SC2086
		run "$NOOK" $c --help
		assert_success
		assert_line --index 0 --regexp "^usage: nook $c( |\$)"
		[ "$(grep -c '^usage:' <<<"$output")" = 1 ]
		# Each --option of the usage line is known to the command.
		for opt in $(sed -n '1s/^usage://p' <<<"$output" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			# shellcheck disable=SC2086
			run nk $c "$opt" </dev/null
			refute_output --partial "unknown option"
			n=$((n + 1))
		done
	done < <(all_commands)
	[ "$n" -gt 40 ]
	run "$NOOK" help images
	assert_success
	assert_line --index 0 --partial "usage: nook images"
}

@test "nook load --help names the global options" {
	run "$NOOK" load --help
	assert_success
	assert_output --partial "--storage-root DIR"
	assert_output --partial "--log FILE"
	assert_output --partial "nook [GLOBAL OPTIONS] load"
	run "$NOOK" oci run --help
	assert_output --partial "--root DIR"
	refute_output --partial "--storage-root"
}

@test "an unknown flag, a missing value, an unknown command: one line, exit 2 (runc's 1 for oci)" {
	local c want sr="$BATS_TEST_TMPDIR/store"
	cd "$BATS_TEST_TMPDIR"
	while read -r c; do
		want=2
		case $c in oci\ *) want=1 ;; run | create | exec) want=125 ;; esac
		# shellcheck disable=SC2086
		run nk $c --no-such-flag </dev/null
		assert_failure "$want"
		assert_equal "${#lines[@]}" 1
		assert_output --regexp "^nook $c: unknown option '--no-such-flag' \(see 'nook $c --help'\)\$"
	done < <(all_commands)
	# A usage error makes nothing: no store, no state.
	[ ! -e "$sr" ] && [ ! -e "$ROOT" ]
	run nk images --format
	assert_failure 2
	assert_output "nook images: option '--format' needs a value (see 'nook images --help')"
	run nk tag onlyone
	assert_failure 2
	assert_output --partial "requires exactly 2 arguments"
	run nk oci state
	assert_failure 1
	assert_output --partial "requires exactly 1 argument"
	run nk oci kill -z x
	assert_failure 1
	assert_output --partial "unknown option '-z'"
	run nk nosuch
	assert_failure 2
	assert_output "nook: unknown command 'nosuch' (see 'nook --help')"
	run nk oci nosuch
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	run nk image nosuch
	assert_failure 2
	assert_equal "${#lines[@]}" 1
	run "$NOOK" --no-such-global images
	assert_failure 2
	assert_equal "${#lines[@]}" 1
	run "$NOOK" --root
	assert_failure 2
	assert_output --partial "needs a value"
	run "$NOOK" image
	assert_failure 2
	[ ! -e "$sr" ] && [ ! -e "$ROOT" ]
}

@test "empty paths are refused: --storage-root '', NOOK_STORAGE_ROOT=, --root '', bundle IMG ''" {
	local sr="$BATS_TEST_TMPDIR/store"
	cd "$BATS_TEST_TMPDIR"
	run "$NOOK" --storage-root '' images
	assert_failure 2
	assert_output --partial "--storage-root: empty path"
	run "$NOOK" images --storage-root ''
	assert_failure 2
	assert_output --partial "--storage-root: empty path"
	NOOK_STORAGE_ROOT='' run "$NOOK" images
	assert_failure 2
	assert_output --partial "NOOK_STORAGE_ROOT is set but empty"
	run "$NOOK" oci --root '' list
	assert_failure 1
	assert_output --partial "--root: empty path"
	run "$NOOK" --root '' oci list
	assert_failure 2
	assert_output --partial "--root: empty path"
	"$NOOK" --storage-root "$sr" import "$BASE_ROOTFS" e:1 >/dev/null
	run "$NOOK" --storage-root "$sr" bundle e:1 ''
	assert_failure 2
	assert_output --partial "empty path"
	run "$NOOK" --storage-root "$sr" image inspect e:1
	assert_success
	# Nothing was made in the working directory.
	[ "$(ls "$BATS_TEST_TMPDIR" | grep -vc '^store$\|^bundle$')" = 0 ]
}

@test "update sizes and events intervals: no floating point, overflow and nan are errors" {
	local v
	for v in 1e30 nan inf -5 1.5.g 0x10 ''; do
		run oci update --memory "$v" nosuch
		assert_failure 1
		assert_output --partial "--memory: invalid size"
	done
	for v in 17179869184g 18446744073709551616 9223372036854775808 8e; do
		run oci update --memory-swap "$v" nosuch
		assert_failure 1
		assert_output --regexp 'too large|invalid size'
	done
	run oci update --memory-swap 9223372036854775808 nosuch
	assert_output --partial "too large"
	# A good size gets past parsing (and then finds no container).
	run oci update --memory 1.5g nosuch
	assert_failure 1
	assert_output --partial "does not exist"
	for v in nan inf 1e30s -1s 1s- ''; do
		run oci events --interval "$v" nosuch
		assert_failure 1
		assert_output --partial "--interval: invalid duration"
	done
	for v in 0s 25h 99999999999999999999h; do
		run oci events --interval "$v" nosuch
		assert_failure 1
		assert_output --partial "out of range"
	done
	run oci events --interval 1m30s nosuch
	assert_output --partial "does not exist"
}

@test "a message longer than the error buffer keeps its cause (the errno text at the end)" {
	local long
	long="$BATS_TEST_TMPDIR/$(printf 'a%.0s' {1..2000})"
	run "$NOOK" images --storage-root "$long"
	assert_failure
	assert_equal "${#lines[@]}" 1
	assert_output --regexp 'a+.*: File name too long$'
	[ "${#output}" -lt 1100 ]
	run "$NOOK" oci --root "$long" list
	assert_failure
	assert_output --regexp ': File name too long$'
}
