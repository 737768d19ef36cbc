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

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

CG_ROOT=/sys/fs/cgroup

require_vm() {
	[ "${NOOK_VM:-}" = 1 ] || skip "needs the VM tier (tests/vm/run.sh)"
}

mk_cg() {
	local name=${1:?mk_cg NAME} path=$CG_ROOT part controllers
	local IFS=/
	for part in $name; do
		[ -n "$part" ] || continue
		# A child can only use what its parent enables in subtree_control.
		if [ "$path" != "$CG_ROOT" ]; then
			controllers=$(sed 's/[^ ][^ ]*/+&/g' "$path/cgroup.controllers")
			[ -z "$controllers" ] || echo "$controllers" >"$path/cgroup.subtree_control" || return 1
		fi
		path=$path/$part
		mkdir -p "$path" || return 1
	done
	CG=$path
}

rm_cg() {
	local path=$CG_ROOT/${1:?rm_cg NAME} d i
	[ -d "$path" ] || return 0
	# Deepest first; cgroup.kill (5.14+) SIGKILLs the whole subtree.
	echo 1 >"$path/cgroup.kill" 2>/dev/null
	for d in $(find "$path" -depth -type d); do
		for i in $(seq 100); do
			grep -q '^populated 0' "$d/cgroup.events" && break
			sleep 0.05
		done
		rmdir "$d"
	done
}

cg_run() {
	local path=$CG_ROOT/${1:?cg_run NAME CMD...}
	shift
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' cg_run "$path" "$@"
}

cg_key() {
	awk -v k="$3" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' \
		"$CG_ROOT/$1/$2"
}
