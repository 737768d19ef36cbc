# Rootless tests: a dedicated unprivileged user per test file (unique name,
# subordinate ids from useradd), nook run as that user through runuser with
# its own HOME and XDG dirs.  rootless_teardown_file kills every process of
# the user and of its subordinate range, then removes the user, its
# /etc/subuid and /etc/subgid entries and its files, also after a failure.
# shellcheck source=helpers.bash
source "${BASH_SOURCE[0]%/*}/helpers.bash"

# rootless_user_add VAR: a new user; VAR_NAME, VAR_UID, VAR_HOME, VAR_SUB
# (first subordinate uid) are exported.
rootless_user_add() {
	local var=$1 name home sub
	name="nkr$$${var,,}"
	name=${name:0:31}
	[ -n "${RL_DIR:-}" ] || {
		RL_DIR=$(mktemp -d /tmp/nook-rootless.XXXXXX)
		chmod 755 "$RL_DIR"
		export RL_DIR
	}
	home="$RL_DIR/$name"
	echo "$name" >>"$RL_DIR/users"
	useradd -M -d "$home" -s /bin/sh -K SUB_UID_COUNT=65536 -K SUB_GID_COUNT=65536 "$name"
	mkdir -m 700 "$home"
	chown "$name:" "$home"
	sub=$(awk -F: -v n="$name" '$1 == n {print $2}' /etc/subuid)
	[ -n "$sub" ] || { echo "useradd gave $name no /etc/subuid range"; return 1; }
	printf -v "${var}_NAME" %s "$name"
	printf -v "${var}_UID" %s "$(id -u "$name")"
	printf -v "${var}_HOME" %s "$home"
	printf -v "${var}_SUB" %s "$sub"
	export "${var}_NAME" "${var}_UID" "${var}_HOME" "${var}_SUB"
}

# as USER-VAR CMD...: CMD as that user, with its HOME, XDG_RUNTIME_DIR
# ($HOME/run) and XDG_DATA_HOME ($HOME/data), nothing else of ours.
as() {
	local var=$1 name home
	shift
	name=${var}_NAME home=${var}_HOME
	runuser -u "${!name}" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME="${!home}" XDG_RUNTIME_DIR="${!home}/run" XDG_DATA_HOME="${!home}/data" \
		NOOK_CGROUP_V1=off ${RL_ENV:-} "$@"
}

# nook as the user; `as` the first argument names the user (A by default
# through `ra`).
ra() { as A "$NOOK" "$@"; }
rb() { as B "$NOOK" "$@"; }

# Every process of uid $1 or of the subordinate range starting at $2.
user_pids() {
	local f uid
	for f in /proc/[0-9]*/status; do
		uid=$(awk '/^Uid:/ {print $2; exit}' "$f" 2>/dev/null) || continue
		[ -n "$uid" ] || continue
		if [ "$uid" = "$1" ] || { [ "$uid" -ge "$2" ] && [ "$uid" -lt $(($2 + 65536)) ]; }; then
			f=${f#/proc/}
			echo "${f%/status}"
		fi
	done
}

rootless_teardown_file() {
	local name uid sub pid tries
	[ -n "${RL_DIR:-}" ] && [ -f "$RL_DIR/users" ] || return 0
	while read -r name; do
		uid=$(id -u "$name" 2>/dev/null) || continue
		sub=$(awk -F: -v n="$name" '$1 == n {print $2}' /etc/subuid)
		# The user's and its containers' processes: these pids belong to
		# the user this file created, nothing else.
		for tries in 1 2 3 4 5; do
			pids=$(user_pids "$uid" "${sub:-4294967295}")
			[ -n "$pids" ] || break
			for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
			sleep 0.2
		done
		# The fallback state dir of the user (/tmp/nook-UID), or what a
		# failed attack test planted there (a symlink, root's dir).
		rm -rf "/tmp/nook-$uid"
		userdel "$name" 2>/dev/null || true
		# userdel removes the user's subordinate ranges; make sure.
		sed -i "/^$name:/d" /etc/subuid /etc/subgid
		getent group "$name" >/dev/null && groupdel "$name" 2>/dev/null || true
	done <"$RL_DIR/users"
	rm -rf "$RL_DIR"
}

# A busybox image "bb:1" in user VAR's store (import from stdin: the user
# cannot read our temp dirs).
rootless_image() {
	local var=${1:-A}
	tar -C "$BASE_ROOTFS" -c . | as "$var" "$NOOK" import - bb:1 >/dev/null
}

# --userns=auto (rootless_userns_auto.bats, tests/crash/userns_auto.bats):
# a store below directories others may search (the container's root must
# reach its root directory) with a busybox image, and a private pool of
# $2 ranges of 65536 ids at offset $1 of this run's own block, far above
# any user's subordinate ids.  Exports AUTO_DIR, SR, POOL.
auto_setup_file() {
	export AUTO_DIR SR POOL
	AUTO_DIR=$(mktemp -d /tmp/nook-auto.XXXXXX)
	chmod 711 "$AUTO_DIR"
	SR="$AUTO_DIR/store"
	POOL=$((2000000000 + ($$ % 2000) * 1000000 + $1))
	printf 'network = none\nuserns_pool = %s:%s\n' "$POOL" $(($2 * 65536)) >"$AUTO_DIR/nook.conf"
	make_rootfs "$BATS_FILE_TMPDIR/rootfs"
	# A file of another owner in the image: its owner must shift too.
	chown 5:6 "$BATS_FILE_TMPDIR/rootfs/etc/group"
	"$NOOK" --storage-root "$SR" import "$BATS_FILE_TMPDIR/rootfs" bb:1 >/dev/null
}

auto_teardown_file() {
	[ -n "${AUTO_DIR:-}" ] || return 0
	awk -v p="$AUTO_DIR" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$AUTO_DIR"
}
