# shellcheck shell=bash disable=SC1090,SC2034
# Helpers for bats files of the VM tier (tests/vm/*.bats), which run inside
# the guest as root in the root cgroup of a pure cgroup v2 hierarchy.
#
#   load helpers                 # from a file in tests/vm/
#   load ../vm/helpers           # from elsewhere
#
#   mk_cg NAME                   make /sys/fs/cgroup/NAME (parents too, each
#                                with every controller enabled for its
#                                children); sets CG to its path
#   rm_cg NAME                   kill what is left in it and remove it
#                                (and its descendants); no error if absent
#   cg_run NAME CMD [ARG...]     run CMD as a member of the cgroup
#   cg_key NAME FILE KEY         value of KEY in a flat-keyed file such as
#                                memory.events or cpu.stat
#   require_vm                   skip unless running in the VM tier's guest

# bats-support and bats-assert, sourced file by file: their load.bash runs
# `dirname` for every file it sources, 17 processes per test, which costs
# well over a second per test under TCG.
for _f in /usr/lib/bats/bats-support/src/{output,error,lang}.bash /usr/lib/bats/bats-assert/src/*.bash; do
	source "$_f"
done
unset _f

CG_ROOT=/sys/fs/cgroup

require_vm() {
	[ "${NOOK_VM:-}" = 1 ] || skip "needs the VM tier (tests/vm/run.sh)"
}

# Each process costs 50-150 ms under TCG, so these use bash builtins only.

mk_cg() {
	local name=${1:?mk_cg NAME} path=$CG_ROOT part controllers c
	local -a parts
	IFS=/ read -r -a parts <<<"$name"
	for part in "${parts[@]}"; do
		[ -n "$part" ] || continue
		# A child can only use what its parent enables in subtree_control.
		if [ "$path" != "$CG_ROOT" ]; then
			read -r -a controllers <"$path/cgroup.controllers"
			for c in "${controllers[@]}"; do
				echo "+$c" >"$path/cgroup.subtree_control" || return 1
			done
		fi
		path=$path/$part
		[ -d "$path" ] || mkdir "$path" || return 1
	done
	CG=$path
}

rm_cg() {
	local path=$CG_ROOT/${1:?rm_cg NAME} d
	[ -d "$path" ] || return 0
	# cgroup.kill (5.14+) SIGKILLs the whole subtree at once.
	echo 1 >"$path/cgroup.kill"
	_rm_cg_tree "$path"
}

_rm_cg_tree() { # path: children first, each once it has no processes left
	local d i ev
	for d in "$1"/*/; do
		[ -d "$d" ] && _rm_cg_tree "${d%/}"
	done
	for ((i = 0; i < 200; i++)); do
		ev=$(<"$1/cgroup.events")
		[[ $ev == *"populated 0"* ]] && break
		sleep 0.05
	done
	rmdir "$1"
}

cg_run() {
	local path=$CG_ROOT/${1:?cg_run NAME CMD...}
	shift
	(echo "$BASHPID" >"$path/cgroup.procs" && exec "$@")
}

cg_key() {
	local k v
	while read -r k v; do
		if [ "$k" = "$3" ]; then
			echo "$v"
			return 0
		fi
	done <"$CG_ROOT/$1/$2"
	echo 0
}

# ---- bundles for the cgroup suites (cgroups_nook.bats, cgroups_v1.bats)

# Faster than the integration suite's version: one busybox process makes
# every applet link (inside the rootfs, so they point at /bin/busybox).
make_rootfs() {
	local r=$1
	mkdir -p "$r"/{bin,proc,sys,dev,tmp,etc,root,var,run}
	cp "$BUSYBOX" "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s /bin
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	chmod 1777 "$r/tmp"
}

vm_bundle_setup_file() {
	[ "${NOOK_VM:-}" = 1 ] || return 0
	export BASE_ROOTFS=$BATS_FILE_TMPDIR/rootfs BASE_CONFIG=$BATS_FILE_TMPDIR/config.json
	make_rootfs "$BASE_ROOTFS"
	(cd "$BATS_FILE_TMPDIR" && "$NOOK" oci spec)
	jq '.process.terminal = false | .root.readonly = false' "$BASE_CONFIG" >"$BASE_CONFIG.new"
	mv "$BASE_CONFIG.new" "$BASE_CONFIG"
}

# ctr [JQ-ARGS...] [JQ-FILTER] -- ARGS...: the bundle's config.json is
# the base spec with process.args = ARGS, then JQ-FILTER applied.  (Each
# ARG goes in as a --arg: jq would take "-c" after --args as its option.)
ctr() {
	local -a jqargs=()
	local filter=. list= n=0 a
	while [ "$1" != -- ]; do
		jqargs+=("$1")
		shift
	done
	shift
	if [ ${#jqargs[@]} -gt 0 ]; then
		filter=${jqargs[-1]}
		unset 'jqargs[-1]'
	fi
	for a in "$@"; do
		jqargs+=(--arg "a$n" "$a")
		list+="${list:+,}\$a$n"
		n=$((n + 1))
	done
	jq "${jqargs[@]}" ".process.args = [$list] | $filter" "$BASE_CONFIG" >"$BUNDLE/config.json"
}

# Wait (up to ~10 s) until the shell test "$@" holds.
until_true() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

