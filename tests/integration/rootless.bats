#!/usr/bin/env bats
# Rootless nook: an ordinary user (made for this file, with subordinate
# ids) runs images, containers and OCI bundles through runuser.
load rootless_common

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root (to create the test users)"
	command -v newuidmap >/dev/null || skip "needs newuidmap (uidmap)"
	export BASE_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
	make_rootfs "$BASE_ROOTFS"
	rootless_user_add A
	rootless_user_add B
	rootless_image A
}

teardown_file() {
	rootless_teardown_file
}

setup() {
	[ -n "${A_NAME:-}" ] || skip "no test user"
}

teardown() {
	local id
	for id in $(ra ps -aq 2>/dev/null); do ra rm -f "$id" >/dev/null 2>&1 || true; done
	for id in $(rb ps -aq 2>/dev/null); do rb rm -f "$id" >/dev/null 2>&1 || true; done
}

@test "rootless defaults: state in \$XDG_RUNTIME_DIR/nook, store in \$XDG_DATA_HOME/nook" {
	ra images
	[ "$(stat -c '%U %a' "$A_HOME/run/nook")" = "$A_NAME 700" ]
	[ -f "$A_HOME/data/nook/nook.db" ]
	[ "$(stat -c %U "$A_HOME/data/nook/nook.db")" = "$A_NAME" ]
	[ ! -e /var/lib/nook/nook.db ] || [ "$(stat -c %U /var/lib/nook/nook.db)" = root ]
}

@test "rootless defaults without XDG: ~/.local/share/nook and /tmp/nook-UID (0700, the user's)" {
	rm -rf "/tmp/nook-$A_UID"
	runuser -u "$A_NAME" -- env -i PATH=/usr/bin:/bin HOME="$A_HOME" NOOK_CGROUP_V1=off \
		"$NOOK" images >/dev/null
	[ "$(stat -c '%U %a %F' "/tmp/nook-$A_UID")" = "$A_NAME 700 directory" ]
	[ -f "$A_HOME/.local/share/nook/nook.db" ]
}

@test "attack: /tmp/nook-UID planted by another user (symlink, foreign dir) is refused" {
	local t="/tmp/nook-$A_UID"
	rm -rf "$t"
	mkdir -p "$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$t"
	run runuser -u "$A_NAME" -- env -i PATH=/usr/bin:/bin HOME="$A_HOME" "$NOOK" images
	[ "$status" -ne 0 ]
	[[ "$output" == *"/tmp/nook-$A_UID"*"not a directory"* ]]
	[ "$(echo "$output" | wc -l)" = 1 ]
	rm -f "$t"
	mkdir -m 755 "$t"   # root's, readable by all
	run runuser -u "$A_NAME" -- env -i PATH=/usr/bin:/bin HOME="$A_HOME" "$NOOK" images
	[ "$status" -ne 0 ]
	[[ "$output" == *"belongs to uid 0"* ]]
	[ -z "$(ls -A "$t")" ]
	rmdir "$t"
}

@test "rootless images: load, images, tag, rmi; layers owned by the mapped ids on the host" {
	tar -C "$BASE_ROOTFS" -c . | ra import - own:1
	run ra images
	[[ "$output" == *own* ]]
	ra tag own:1 own:2
	ra rmi own:2
	ra rmi own:1
	run ra images
	[[ "$output" != *own* ]]
	# Every stored file is the user's (root inside) or in its range.
	run find "$A_HOME/data/nook" ! -uid "$A_UID" ! -uid "$A_SUB" -print -quit
	[ -z "$output" ]
}

@test "rootless run: root inside is the user outside; files are owned by the mapped ids" {
	run ra run --rm bb:1 sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[[ "${lines[1]}" =~ ^\ +0\ +$A_UID\ +1$ ]]
	[[ "${lines[2]}" =~ ^\ +1\ +$A_SUB\ +65536$ ]]
	ra run -d --name own bb:1 sh -c 'touch /r /f5; chown 5:6 /f5; sleep 1000'
	sleep 0.5
	pid=$(ra inspect own | jq '.[0].State.Pid')
	# Seen from the host, through the container's root.
	[ "$(stat -c '%u %g' /proc/"$pid"/root/r)" = "$A_UID $(id -g "$A_NAME")" ]
	[ "$(stat -c '%u %g' /proc/"$pid"/root/f5)" = "$((A_SUB + 4)) $((A_SUB + 5))" ]
}

@test "rootless engine: run -d, ps, logs, stop, rm" {
	ra run -d --name web bb:1 sh -c 'echo hello-rootless; sleep 1000'
	sleep 0.5
	run ra ps
	[[ "$output" == *Up*web* ]]
	run ra logs web
	[ "$output" = hello-rootless ]
	ra stop -t 1 web
	run ra ps -a
	[[ "$output" == *Exited*web* ]]
	ra rm web
	[ -z "$(ra ps -aq)" ]
}

@test "rootless volume create -o: a tmpfs shared by the user's containers, a bind of the user's own directory; rm keeps its files" {
	run ra volume create -o type=tmpfs -o device=tmpfs -o o=size=1m vt
	assert_success
	ra run --rm -v vt:/t bb:1 sh -c 'echo shared >/t/x'
	run ra run --rm -v vt:/t bb:1 sh -c 'cat /t/x; grep " /t " /proc/mounts'
	assert_success
	assert_line shared
	assert_line --regexp '^tmpfs /t tmpfs .*size=1024k'
	src="$A_HOME/src"
	as A mkdir "$src"
	as A sh -c "echo mine >'$src/keep'"
	ra volume create -o type=none -o o=bind -o device="$src" vb
	run ra run --rm -v vb:/b bb:1 sh -c 'cat /b/keep && echo new >/b/new'
	assert_success
	assert_output mine
	# The container's root is the user outside: the new file is the user's.
	[ "$(stat -c %U "$src/new")" = "$A_NAME" ]
	ra volume rm vt vb
	[ "$(cat "$src/keep")" = mine ]
	[ "$(cat "$src/new")" = new ]
	run ra volume ls -q
	assert_output ""
	# Nothing mounted where the host sees it.
	! grep -q "/volumes/v[tb]/_data" /proc/self/mountinfo
}

@test "rootless layers: whiteouts and opaque directories (user.overlay.*) hide lower files" {
	local t="$BATS_TEST_TMPDIR"
	# Layer 2 deletes /etc/group and makes /opq opaque.
	mkdir -p "$t/l1/opq" "$t/l2/opq"
	cp -a "$BASE_ROOTFS/." "$t/l1/"
	echo old >"$t/l1/opq/old"
	echo new >"$t/l2/opq/new"
	python3 - "$t" <<'PY'
import io, json, hashlib, os, sys, tarfile
t = sys.argv[1]
def layer(src, extra):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as tf:
        tf.add(src, arcname=".")
        for name in extra:
            i = tarfile.TarInfo(name); i.size = 0; tf.addfile(i, io.BytesIO(b""))
    return b.getvalue()
blobs = [layer(t + "/l1", []), layer(t + "/l2", ["etc/.wh.group", "opq/.wh..wh..opq"])]
os.makedirs(t + "/img/blobs/sha256")
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{t}/img/blobs/sha256/{d}", "wb").write(data)
    return d
ids = [put(b) for b in blobs]
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers",
      "diff_ids": ["sha256:" + i for i in ids]}, "config": {"Cmd": ["sh"]}}).encode()
cd = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cd, "size": len(cfg)},
      "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + i,
                  "size": len(b)} for i, b in zip(ids, blobs)]}).encode()
md = put(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:" + md, "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "wh:1"}}]},
      open(t + "/img/index.json", "w"))
open(t + "/img/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
PY
	tar -C "$t/img" -c . | ra load
	run ra run --rm wh:1 sh -c 'ls /opq; test -e /etc/group && echo group-visible; rm /etc/passwd; test -e /etc/passwd || echo deleted'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = new ]
	[ "${lines[1]}" = deleted ]
	# The store holds the rootless forms, not trusted.* (out of the user's reach).
	run python3 -c 'import os, sys
for d, _, _ in os.walk(sys.argv[1]):
    if "user.overlay.opaque" in os.listxattr(d): print(d)' "$A_HOME/data/nook/layers"
	[[ "$output" == */opq ]]
	ra rmi wh:1
}

@test "rootless errors: no /etc/subuid range, no newuidmap, user namespaces restricted: one line each" {
	rootless_user_add C
	sed -i "/^$C_NAME:/d" /etc/subuid /etc/subgid
	run as C "$NOOK" images
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"no subordinate id range in /etc/subuid"*"usermod --add-subuids"* ]]
	# newuidmap absent (the helper cannot be found).
	run as A env NOOK_FAULT_FAIL=rootless-newidmap "$NOOK" --root "$A_HOME/run/other" images
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"newuidmap not found: install it (Debian: apt-get install uidmap)"* ]]
	# User namespaces restricted: in a private user namespace (the host's
	# sysctl untouched) whose user.max_user_namespaces is 0.
	mkfifo "$BATS_TEST_TMPDIR/go"
	# (sh is exec'd again once root is mapped, to hold root's capabilities.)
	(exec unshare -U sh -c "read x <$BATS_TEST_TMPDIR/go; exec sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
		exec setpriv --reuid=$A_UID --regid=$A_UID --clear-groups env -i PATH=/usr/bin:/bin HOME=$A_HOME XDG_RUNTIME_DIR=$A_HOME/run XDG_DATA_HOME=$A_HOME/data $NOOK --root $A_HOME/run/restricted images'") \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	# Its maps can be written once it is in its own user namespace.
	for _ in $(seq 100); do
		echo "0 0 4000000000" 2>/dev/null >/proc/$pid/uid_map && break
		sleep 0.05
	done
	echo "0 0 4000000000" >/proc/$pid/gid_map
	echo go >"$BATS_TEST_TMPDIR/go"
	st=0
	wait "$pid" || st=$?
	[ "$st" -ne 0 ]
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[ "$(echo "$output" | wc -l)" = 1 ]
	[[ "$output" == *"unprivileged user namespaces are restricted on this host"*"user.max_user_namespaces"* ]]
	# The same message when the kernel says EPERM (a distribution's switch).
	run as A env NOOK_FAULT_FAIL=rootless-userns "$NOOK" --root "$A_HOME/run/other2" images
	[ "$status" -ne 0 ]
	[[ "$output" == *"unprivileged user namespaces are restricted"* ]]
	[ "$(sysctl -n user.max_user_namespaces)" -gt 0 ]
}

@test "rootless cgroups: limits are refused naming them without a delegated subtree; NOOK_CGROUPS=disabled opts out" {
	local b="$A_HOME/bundle"
	as A mkdir -p "$b"
	tar -C "$BASE_ROOTFS" -c . | as A tar -C "$b" -x --no-same-owner -f - 2>/dev/null || true
	as A mkdir -p "$b/rootfs"
	tar -C "$BASE_ROOTFS" -c . | as A tar -C "$b/rootfs" -x -f - 2>/dev/null || true
	as A sh -c "cd $b && $NOOK oci spec --rootless"
	as A sh -c "cd $b && jq '.process.terminal = false | .process.args = [\"true\"] |
		.linux.resources = {\"memory\": {\"limit\": 67108864}, \"pids\": {\"limit\": 10}}' config.json >c && mv c config.json"
	run as A sh -c "cd $b && $NOOK oci run lim$$"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" = 1 ]
	[[ "$output" == *"no delegated cgroup"*"linux.resources.memory"*"linux.resources.pids"*"NOOK_CGROUPS=disabled"* ]]
	[ ! -e "$A_HOME/run/nook/lim$$" ]
	run as A sh -c "cd $b && NOOK_CGROUPS=disabled $NOOK oci run lim$$"
	[ "$status" -eq 0 ]
	[ ! -e /sys/fs/cgroup/unified/nook/lim$$ ]
}

@test "rootless oci: spec --rootless maps the user and its subordinate range; run of the bundle" {
	local b="$A_HOME/obundle"
	as A mkdir -p "$b/rootfs"
	tar -C "$BASE_ROOTFS" -c . | as A tar -C "$b/rootfs" -x -f - 2>/dev/null || true
	as A sh -c "cd $b && $NOOK oci spec --rootless"
	run jq -c '.linux.uidMappings' "$b/config.json"
	[ "$output" = "[{\"containerID\":0,\"hostID\":$A_UID,\"size\":1},{\"containerID\":1,\"hostID\":$A_SUB,\"size\":65536}]" ]
	as A sh -c "cd $b && jq '.process.terminal = false | .root.readonly = false |
		.process.args = [\"sh\", \"-c\", \"id -u; cat /proc/self/uid_map; touch /tmp/made\"]' config.json >c && mv c config.json"
	run as A sh -c "cd $b && $NOOK oci run o$$"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[[ "${lines[2]}" =~ ^\ +1\ +$A_SUB\ +65536$ ]]
	[ "$(stat -c %u "$b/rootfs/tmp/made")" = "$A_UID" ]
	# Only the user's own id (no range): written directly, no helper.
	as A sh -c "cd $b && jq '.linux.uidMappings |= .[:1] | .linux.gidMappings |= .[:1]' config.json >c && mv c config.json"
	run as A env NOOK_FAULT_FAIL=rootless-newidmap sh -c "cd $b && $NOOK oci run o2$$"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^\ +0\ +$A_UID\ +1$ ]]
}

@test "attack: rootless container reads /etc/shadow through a bind mount" {
	run ra run --rm -v /etc/shadow:/s:ro bb:1 cat /s
	[ "$status" -ne 0 ]
	[[ "$output" != *root:* ]]
	[[ "$output" == *"Permission denied"* ]]
}

@test "attack: rootless container reaches host devices (bind of /dev/mem, mknod)" {
	run ra run --rm -v /dev/mem:/mem bb:1 sh -c 'head -c 1 /mem >/dev/null && echo READ'
	[[ "$output" != *READ* ]]
	run ra run --rm bb:1 sh -c 'mknod /m c 1 1 && echo MADE'
	[[ "$output" != *MADE* ]]
	# Only the default devices, bound from the host.
	run ra run --rm bb:1 ls /dev
	[[ "$output" != *mem* ]] && [[ "$output" != *sda* ]] && [[ "$output" != *vda* ]]
}

@test "attack: rootless container writes outside the user's store (host /etc bound in)" {
	run ra run --rm -v /etc:/h bb:1 sh -c "touch /h/nook-pwn-$$ && echo WROTE"
	[[ "$output" != *WROTE* ]]
	[ ! -e "/etc/nook-pwn-$$" ]
	run ra run --rm -v /etc:/h bb:1 sh -c 'echo x >>/h/passwd && echo WROTE'
	[[ "$output" != *WROTE* ]]
}

@test "attack: rootless container gains a capability in the host's user namespace" {
	ra run -d --name cap --network host bb:1 sleep 1000
	sleep 0.5
	pid=$(ra inspect cap | jq '.[0].State.Pid')
	# Seen from the host: the user's uid, its capabilities held in a
	# child user namespace (owned by the user), none in the host's.
	[ "$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)" = "$A_UID" ]
	[ "$(awk '/^CapEff:/ {print $2}' /proc/"$pid"/status)" != 0000000000000000 ]
	[ "$(readlink /proc/"$pid"/ns/user)" != "$(readlink /proc/self/ns/user)" ]
	[ "$(python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
b = fcntl.ioctl(fd, 0xb704, b"\0" * 4)   # NS_GET_OWNER_UID
print(struct.unpack("I", b)[0])' /proc/"$pid"/ns/user)" = "$A_UID" ]
	# CAP_NET_ADMIN of the container does not reach the host's network
	# namespace it shares (the mtu it tries is lo's own: harmless; the
	# same command as root succeeds).
	run ra run --rm --network host bb:1 ip link set lo mtu "$(cat /sys/class/net/lo/mtu)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "rootless isolation: two users see neither each other's stores nor containers" {
	rootless_image B
	ra run -d --name a-only bb:1 sleep 1000
	run rb ps -a
	[[ "$output" != *a-only* ]]
	run as B ls "$A_HOME/data/nook"
	[ "$status" -ne 0 ]
	run rb --storage-root "$A_HOME/data/nook" images
	[ "$status" -ne 0 ]
	run rb --root "$A_HOME/run/nook" ps -a
	[ "$status" -ne 0 ]
	[[ "$output" != *a-only* ]]
	run rb rm -f a-only
	[ "$status" -ne 0 ]
	run ra ps
	[[ "$output" == *a-only* ]]
	rb rmi bb:1
	run ra images
	[[ "$output" == *bb* ]]
}

@test "rootless --userns=keep-id: the user's own uid and gid inside; its files stay its own" {
	run ra run --rm --userns=keep-id bb:1 sh -c 'id -u; id -g; touch /tmp/k; stat -c %u /tmp/k; stat -c %u /bin/busybox'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$A_UID" ]
	[ "${lines[1]}" = "$(id -g "$A_NAME")" ]
	[ "${lines[2]}" = "$A_UID" ]
	# Root's files of the image (root inside nook's namespace) are the user's.
	[ "${lines[3]}" = "$A_UID" ]
	run ra run --rm --userns=bogus bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--userns 'bogus': expected host, keep-id or auto"* ]]
	# --userns=auto is root's: the user has one range, its own.
	run ra run --rm --userns=auto bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--userns=auto: only for root"* ]]
	[ -z "$(ra ps -aq)" ]
	# Root has no user to keep.
	local sr="$BATS_TEST_TMPDIR/store"
	"$NOOK" --storage-root "$sr" import "$BASE_ROOTFS" bb:1 >/dev/null
	run "$NOOK" --storage-root "$sr" --root "$BATS_TEST_TMPDIR/state" run --rm --userns=keep-id bb:1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"only for rootless"* ]]
	[ -z "$("$NOOK" --storage-root "$sr" --root "$BATS_TEST_TMPDIR/state" ps -aq)" ]
}

@test "rootless cp: the user's files are root's inside, another's are nobody's; out, the user's" {
	ra run -d --name "cp$$" bb:1 sleep 1000
	as A sh -c 'echo mine >"$HOME/mine"'
	echo theirs >"$A_HOME/theirs"
	chmod 644 "$A_HOME/theirs"
	ra cp "$A_HOME/mine" "cp$$:/tmp/mine"
	ra cp "$A_HOME/theirs" "cp$$:/tmp/theirs"
	run ra exec "cp$$" stat -c '%n %u:%g' /tmp/mine /tmp/theirs
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/tmp/mine 0:0" ]
	[ "${lines[1]}" = "/tmp/theirs 65534:65534" ]
	ra cp "cp$$:/tmp/theirs" "$A_HOME/back"
	[ "$(stat -c %u "$A_HOME/back")" = "$A_UID" ]
	[ "$(cat "$A_HOME/back")" = theirs ]
	ra rm -f "cp$$" >/dev/null
}

@test "rootless exec: a process in the container's namespaces, as root of them; exit code passed" {
	ra run -d --name ex bb:1 sleep 1000
	run ra exec ex sh -c 'id -u; cat /proc/self/uid_map; readlink /proc/1/exe; exit 7'
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = 0 ]
	[[ "${lines[1]}" =~ ^\ +0\ +$A_UID\ +1$ ]]
	[ "${lines[3]}" = /bin/busybox ]
	# In the container's pid namespace (its init is pid 1 there), and seen
	# from the host as the user's own process, in the container's
	# namespaces.
	ra exec -d ex sleep 999
	pid=$(ra inspect ex | jq '.[0].State.Pid')
	ex=$(pgrep -f '^sleep 999$' | while read -r p; do
		[ "$(readlink /proc/"$p"/ns/pid)" = "$(readlink /proc/"$pid"/ns/pid)" ] && echo "$p"; done)
	[ -n "$ex" ]
	[ "$(awk '/^Uid:/ {print $2}' /proc/"$ex"/status)" = "$A_UID" ]
	for ns in user mnt net uts ipc; do
		[ "$(readlink /proc/"$ex"/ns/$ns)" = "$(readlink /proc/"$pid"/ns/$ns)" ]
	done
	# The exec'd process's parent is nook's exec (gone) or the container's
	# init, never a helper left in the host's pid namespace.
	run ra exec ex sh -c 'ps -o pid,comm | grep -c sleep'
	[ "$output" = 2 ]
}

@test "rootless exec into a --userns=keep-id container joins its user namespace first" {
	ra run -d --name exk --userns=keep-id bb:1 sleep 1000
	run ra exec exk sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$A_UID" ]
	[[ "${lines[2]}" =~ ^\ +$A_UID\ +0\ +1$ ]]
}

@test "rootless exec -it: a pty, window size forwarded, exit code passed" {
	ra run -d --name exi bb:1 sleep 1000
	run python3 "$BATS_TEST_DIRNAME/pty_drive.py" 'send:tty; id -u; stty size\r' 'expect:24 80' \
		'size:33,101' 'send:stty size\r' 'expect:33 101' 'send:exit 6\r' wait -- \
		runuser -u "$A_NAME" -- env -i PATH=/usr/bin:/bin HOME="$A_HOME" \
		XDG_RUNTIME_DIR="$A_HOME/run" XDG_DATA_HOME="$A_HOME/data" NOOK_CGROUP_V1=off \
		"$NOOK" exec -it exi sh
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *"EXIT 6"* ]]
}
