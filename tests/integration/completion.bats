#!/usr/bin/env bats
# Shell completion (nook completion bash|zsh|fish) and the man page
# (nook __man, make man, make install), all generated from the command
# tables.

load helpers

# The bash script, sourced in this shell; nook found on PATH as a user
# has it (the script runs `nook __complete`).
bash_setup() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sf "$NOOK" "$BATS_TEST_TMPDIR/bin/nook"
	ln -sf nook "$BATS_TEST_TMPDIR/bin/nook-oci"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH"
	"$NOOK" completion bash >"$BATS_TEST_TMPDIR/nook.bash"
	# shellcheck disable=SC1091
	source "$BATS_TEST_TMPDIR/nook.bash"
}

# comp WORD... : what TAB offers for the last word (bash's COMP_WORDS as
# readline splits them: "--opt=val" is "--opt" "=" "val"), one per line.
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_nook
	printf '%s\n' "${COMPREPLY[@]}"
}

# The commands of a table as its --help lists them.
help_commands() {
	"$NOOK" "$@" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'
}

@test "bash: commands, subcommands, options and global options complete" {
	bash_setup
	run comp nook oc
	assert_output oci
	run comp nook oci cr
	assert_output create
	run comp nook oci create --bu
	assert_output --bundle
	run comp nook --stor
	assert_output --storage-root
	run comp nook image ls --for
	assert_output --format
	# Global options of the oci table (runc's) before its command, and
	# after them the command.
	run comp nook oci --root /x --log-for
	assert_output --log-format
	run comp nook oci --root /x ki
	assert_output kill
	# nook-oci is "nook oci".
	run comp nook-oci cr
	assert_output create
	run comp nook-oci --syst
	assert_output --systemd-cgroup
	# A value: the words of "table|json", "--opt=value" as readline splits it.
	run comp nook images --format ""
	assert_output "$(printf 'table\njson')"
	run comp nook --log-format = j
	assert_output json
	run comp nook oci list --format=t
	assert_output table
	run comp nook oci list --format = t
	assert_output table
	# A DIR value completes directories (and no files).
	mkdir -p "$BATS_TEST_TMPDIR/bdir.d"
	touch "$BATS_TEST_TMPDIR/bdfile"
	run comp nook oci create --bundle "$BATS_TEST_TMPDIR/bd"
	assert_output "$BATS_TEST_TMPDIR/bdir.d"
	run comp nook oci create -b "$BATS_TEST_TMPDIR/bd"
	assert_output "$BATS_TEST_TMPDIR/bdir.d"
	# help COMMAND, and nothing for an unknown command.
	run comp nook help ima
	assert_output "$(printf 'image\nimages')"
	run comp nook bogus --
	refute_output
	# Hidden commands are not offered.
	run comp nook __
	refute_output
}

@test "bash: every command and every option of its usage completes, from the tables" {
	local c opt n=0 cands
	bash_setup
	for t in "" oci image system; do
		# shellcheck disable=SC2086
		cands=$(comp nook $t "")
		# shellcheck disable=SC2086
		for c in $(help_commands $t); do
			grep -qx -- "$c" <<<"$cands" || fail "nook $t <TAB> lacks $c"
			# shellcheck disable=SC2086
			run comp nook $t "$c" --
			# Each --option of the usage line is offered after the command.
			# shellcheck disable=SC2086
			for opt in $("$NOOK" $t "$c" --help | sed -n '1s/^usage://p' |
				grep -o -- '--[a-z][a-z-]*' | sort -u); do
				assert_line -- "$opt"
				n=$((n + 1))
			done
			assert_line --help
		done
	done
	[ "$n" -gt 40 ]
}

@test "bash: container ids after nook oci kill, from --root" {
	local id
	id=$(cid)
	bash_setup
	oci create --bundle "$BUNDLE" "$id"
	run comp nook oci --root "$ROOT" kill ""
	assert_output "$id"
	run comp nook oci --root "$ROOT" kill --all "${id:0:4}"
	assert_output "$id"
	run comp nook-oci --root "$ROOT" delete --force ""
	assert_output "$id"
	run comp nook oci --root "$ROOT" exec "$id" ""
	refute_output
	# A new id is not an existing one: nothing after create.
	run comp nook oci --root "$ROOT" create --bundle "$BUNDLE" ""
	refute_output
	oci delete --force "$id"
	run comp nook oci --root "$ROOT" kill ""
	refute_output
}

@test "bash: image names after rmi and image inspect; no store is made by a TAB" {
	local sr="$BATS_TEST_TMPDIR/store"
	bash_setup
	# No store there: nothing offered, nothing created.
	run comp nook --storage-root "$sr" rmi ""
	refute_output
	[ ! -e "$sr" ]
	mkdir -p "$BATS_TEST_TMPDIR/r"
	echo hi >"$BATS_TEST_TMPDIR/r/hello"
	"$NOOK" --storage-root "$sr" import "$BATS_TEST_TMPDIR/r" complet:v1
	run comp nook --storage-root "$sr" rmi co
	assert_output complet:v1
	run comp nook rmi --storage-root "$sr" ""
	assert_output complet:v1
	NOOK_STORAGE_ROOT=$sr run comp nook image inspect ""
	assert_output complet:v1
	# bundle IMAGE DIR: the image first, then a path.
	run comp nook --storage-root "$sr" bundle ""
	assert_output complet:v1
	run comp nook --storage-root "$sr" bundle complet:v1 "$BATS_TEST_TMPDIR/r/h"
	assert_output "$BATS_TEST_TMPDIR/r/hello"
	"$NOOK" --storage-root "$sr" rmi complet:v1
}

@test "completion: an unknown shell is one usage line" {
	run "$NOOK" completion tcsh
	assert_failure 2
	assert_output "nook completion: unknown shell \"tcsh\": expected bash, zsh or fish (see 'nook completion --help')"
	run "$NOOK" completion
	assert_failure 2
	# Not in the help, but there for the scripts.
	run "$NOOK" --help
	refute_output --partial __complete
	refute_output --partial __man
	assert_output --partial completion
}

@test "zsh: the script parses and offers what nook __complete says" {
	command -v zsh >/dev/null || skip "zsh not installed"
	bash_setup
	"$NOOK" completion zsh >"$BATS_TEST_TMPDIR/_nook"
	run zsh -n "$BATS_TEST_TMPDIR/_nook"
	assert_success
	# Outside a completion widget: compadd/compset/compdef/_files stubbed
	# by functions (which zsh prefers to builtins).
	run zsh -f -c '
		compadd() { print -rl -- "${(@P)2}"; }
		compset() { :; }
		compdef() { :; }
		_files() { print -r -- "<files>"; }
		source "$1"
		words=(nook oci cr); CURRENT=3; _nook
		words=(nook-oci --ro); CURRENT=2; _nook
		words=(nook oci create --bundle ""); CURRENT=5; _nook
	' zsh "$BATS_TEST_TMPDIR/_nook"
	assert_success
	assert_output "$(printf 'spec\ncreate\nstart\nrun\nstate\nkill\ndelete\nlist\nexec\nps\npause\nresume\nupdate\nevents\nfeatures\nhelp\n--root\n--log\n--log-format\n--log-level\n--debug\n--systemd-cgroup\n--criu\n--rootless\n--version\n--help\n<files>')"
}

@test "fish: the script parses and completes" {
	command -v fish >/dev/null || skip "fish not installed"
	bash_setup
	"$NOOK" completion fish >"$BATS_TEST_TMPDIR/nook.fish"
	run fish -n "$BATS_TEST_TMPDIR/nook.fish"
	assert_success
	run fish --no-config -c 'source $argv[1]; complete -C"nook oci cr"; complete -C"nook-oci create --bu";
		complete -C"nook --log-format=j"' "$BATS_TEST_TMPDIR/nook.fish"
	assert_success
	assert_output "$(printf 'create\n--bundle\n--log-format=json')"
}

@test "man page: a section per command with usage, help and options; valid roff" {
	local t c page
	"$NOOK" __man >"$BATS_TEST_TMPDIR/nook.1"
	run groff -man -Tutf8 -ww -z "$BATS_TEST_TMPDIR/nook.1"
	assert_success
	refute_output
	page=$(MANWIDTH=200 man -l "$BATS_TEST_TMPDIR/nook.1" 2>/dev/null)
	for t in "" oci image system; do
		# shellcheck disable=SC2086
		for c in $(help_commands $t); do
			grep -qE "^   nook ${t:+$t }$c\$" <<<"$page" || fail "no section for nook $t $c"
		done
	done
	grep -q -- "-b, --bundle DIR" <<<"$page"
	grep -q -- "-u, --user UID\[:GID\]" <<<"$page"
	grep -q -- "--format table|json" <<<"$page"
	grep -q -- "--storage-root DIR" <<<"$page"
	grep -q -- "create a container from a bundle" <<<"$page"
	# Hidden commands stay out.
	! grep -q __complete <<<"$page"
}

@test "make install DESTDIR: binary, nook-oci, man page and completions for bash, zsh and fish" {
	local d="$BATS_TEST_TMPDIR/dest" build
	build=$(realpath --relative-to "$NOOK_SRC" "$NOOK_BUILD")
	run make -C "$NOOK_SRC" -s install DESTDIR="$d" PREFIX=/usr BUILD="$build"
	assert_success
	[ -x "$d/usr/bin/nook" ]
	[ "$(readlink "$d/usr/bin/nook-oci")" = nook ]
	[ -f "$d/usr/share/man/man1/nook.1" ]
	[ -f "$d/usr/share/bash-completion/completions/nook" ]
	[ -e "$d/usr/share/bash-completion/completions/nook-oci" ]
	[ -f "$d/usr/share/zsh/site-functions/_nook" ]
	[ -f "$d/usr/share/fish/vendor_completions.d/nook.fish" ]
	[ -e "$d/usr/share/fish/vendor_completions.d/nook-oci.fish" ]
	run man -l "$d/usr/share/man/man1/nook.1"
	assert_output --partial "nook oci create"
	# The installed bash completion works with the installed binary.
	PATH="$d/usr/bin:$PATH"
	# shellcheck disable=SC1091
	source "$d/usr/share/bash-completion/completions/nook-oci"
	run comp nook-oci sta
	assert_output "$(printf 'start\nstate')"
}
