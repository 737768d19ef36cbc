#!/usr/bin/env bats
# The image store: load formats, stacked views, save, concurrency, crashes.
load image_common

setup() { img_setup; }
teardown() { img_teardown; }

@test "import a busybox rootfs, list, tag, inspect, rmi" {
	mk_rootfs
	run nk import "$T/rootfs" bb:1
	[ "$status" -eq 0 ]
	id=${output#sha256:}
	run nk images
	[[ "$output" == *"bb "*"1 "*"${id:0:12}"* ]]
	nk tag bb:1 example.com/x/y:2
	nk tag "${id:0:6}" z
	run nk images --format json
	[[ "$output" == *'"example.com/x/y:2"'* && *'"docker.io/library/z:latest"'* ]]
	run nk image inspect z
	[[ "$output" == *"\"Id\": \"sha256:$id\""* ]]
	run nk rmi "$id"
	[ "$status" -ne 0 ]   # three names: needs -f
	nk rmi z example.com/x/y:2
	run nk images -q
	[ "$output" = "${id:0:12}" ]
	nk rmi bb:1
	assert_store_empty
}

@test "stacked view: deletions, opaque dirs, file -> dir -> file" {
	mk_layer "$T/1.tar" "f('a/file1'); f('a/file2'); f('b/dir/x'); f('c', b'file')
d('d'); f('d/y'); f('opq/o1'); f('opq/o2')
f('suid', b'#', mode=0o4755, uid=1000, gid=1000, mtime=1234567890)
l('link', 'a/file2'); h('hard', 'a/file2')"
	mk_layer "$T/2.tar.gz" "f('a/.wh.file1', b''); f('.wh.b', b''); d('c'); f('c/z')
f('d', b'now a file'); d('opq'); f('opq/.wh..wh..opq', b''); f('opq/o3')"
	mk_layer "$T/3.tar" "f('c', b'file again'); d('d'); f('d/w')"
	mk_layout "$T/img" stack:1 "$T/1.tar" "$T/2.tar.gz" "$T/3.tar"
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: stack:1"* ]]
	m=$(nk image mount stack:1)
	[ "$(ls "$m/a")" = file2 ]
	[ ! -e "$m/b" ]
	[ "$(cat "$m/c")" = "file again" ]
	[ "$(ls "$m/d")" = w ]
	[ "$(ls "$m/opq")" = o3 ]
	[ "$(stat -c '%a %u %g %Y' "$m/suid")" = "4755 1000 1000 1234567890" ]
	[ "$(readlink "$m/link")" = a/file2 ]
	[ "$(stat -c %h "$m/hard")" = 2 ]
	run touch "$m/new"
	[ "$status" -ne 0 ]   # read-only view
	run nk rmi stack:1
	[ "$status" -ne 0 ]   # in use by the mount
	nk image unmount stack:1
	[ "$(grep -c "$SR" /proc/self/mountinfo)" = 0 ]
	nk rmi stack:1
	assert_store_empty
}

@test "a second image sharing layers unpacks only the new one" {
	mk_layer "$T/1.tar" "f('base')"
	mk_layer "$T/2.tar" "f('two')"
	mk_layer "$T/3.tar" "f('three')"
	mk_layout "$T/a" a/a:1 "$T/1.tar" "$T/2.tar"
	mk_layout "$T/b" b/b:1 "$T/1.tar" "$T/3.tar"
	nk load -i "$T/a"
	run nk load -i "$T/b"
	[ "$(grep -c 'already present' <<<"$output")" = 1 ]
	[ "$(grep -c ' done' <<<"$output")" = 1 ]
	[ "$(ls "$SR/layers" | wc -l)" = 3 ]
	nk rmi a/a:1
	[ "$(ls "$SR/layers" | wc -l)" = 2 ]
}

@test "load progress: one plain line per layer, redrawn in place on a terminal" {
	mk_layer "$T/1.tar" "f('one')"
	mk_layer "$T/2.tar" "f('two')"
	mk_layout "$T/a" a:1 "$T/1.tar"
	mk_layout "$T/b" b:1 "$T/1.tar" "$T/2.tar"
	nk load -i "$T/a" >"$T/out" 2>"$T/err"
	grep -q '^Layer sha256:[0-9a-f]\{12\}: .* in .*s (.* MB/s) done$' "$T/out"
	[ ! -s "$T/err" ]
	[ "$(grep -c $'\e' "$T/out")" = 0 ]
	command -v script || skip "script (util-linux) not installed"
	script -qec "$NOOK load -i $T/b --storage-root $SR" /dev/null >"$T/tty"
	grep -q 'already present' "$T/tty"
	grep -q 'unpacking' "$T/tty"
	grep -q $'\e\\[1A\r\e\\[KLayer sha256:[0-9a-f]*: .* done' "$T/tty"
	grep -q 'Loaded image: b:1' "$T/tty"
}

@test "load an OCI layout made by umoci (untagged ref name) and as a tar on stdin" {
	command -v umoci || skip "umoci not installed"
	mk_rootfs
	umoci init --layout "$T/oci"
	umoci new --image "$T/oci:latest"
	umoci unpack --image "$T/oci:latest" "$T/bundle"
	cp -a "$T/rootfs/." "$T/bundle/rootfs/"
	umoci repack --image "$T/oci:latest" "$T/bundle"
	run nk load -i "$T/oci"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image ID: sha256:"* ]]
	id=${output##*sha256:}
	m=$(nk image mount "$id")
	[ -x "$m/bin/busybox" ]
	nk image unmount "$id"
	tar -C "$T/oci" -cf - . | nk load --quiet
	# ... and runs: nook bundle + nook oci run.
	nk bundle "$id" "$T/b"
	jq '.process.args = ["/bin/busybox", "echo", "umoci image runs"]' "$T/b/config.json" >"$T/c.json"
	mv "$T/c.json" "$T/b/config.json"
	run "$NOOK" oci --root "$T/state" run --bundle "$T/b" umoci-$$
	"$NOOK" oci --root "$T/state" delete --force umoci-$$ 2>/dev/null || true
	nk bundle --remove "$T/b"
	[ "$status" -eq 0 ]
	[ "$output" = "umoci image runs" ]
}

@test "load a docker-save archive" {
	mk_rootfs
	tar -C "$T/rootfs" -cf "$T/layer.tar" .
	mk_docker "$T/save.tar" busybox:latest "$T/layer.tar"
	run nk load -i "$T/save.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: busybox:latest"* ]]
	run nk image inspect docker.io/library/busybox
	[[ "$output" == *'"FOO=bar"'* ]]
}

@test "save writes an OCI archive skopeo reads, and it loads back identically" {
	mk_rootfs
	id=$(nk import "$T/rootfs" bb:1)
	nk save -o "$T/out.tar" bb:1
	if command -v skopeo; then
		run skopeo inspect "oci-archive:$T/out.tar"
		[ "$status" -eq 0 ]
		[[ "$output" == *'"Os": "linux"'* ]]
	fi
	SR="$T/store2" run nk load -i "$T/out.tar"
	[[ "$output" == *"Loaded image: bb:1"* ]]
	SR="$T/store2" run nk image inspect bb:1
	[[ "$output" == *"\"Id\": \"$id\""* ]]
}

@test "bundle writes config.json from the image config and a writable root" {
	mk_layer "$T/1.tar" "f('etc/passwd', b'root:x:0:0::/:/bin/sh\n')"
	mk_layout "$T/img" app:1 "$T/1.tar"
	nk load -i "$T/img"
	nk bundle app:1 "$T/b"
	mkdir "$T/spec" && (cd "$T/spec" && "$NOOK" oci spec)
	python3 - "$T/b/config.json" "$T/spec/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))   # the runtime's default spec
p = c["process"]
assert p["args"] == ["/bin/sh", "-c", "echo hi"], p["args"]
assert "FOO=bar" in p["env"] and any(e.startswith("PATH=") for e in p["env"])
assert p["cwd"] == "/tmp" and p["user"] == {"uid": 1, "gid": 2}
assert p["terminal"] is False
assert c["root"] == {"path": "rootfs", "readonly": False}
for k in ("mounts", "linux", "hostname"):
    assert c[k] == d[k], k
assert p["capabilities"] == d["process"]["capabilities"]
PY
	echo hello >"$T/b/rootfs/new"
	[ -f "$T/b/rootfs/etc/passwd" ]
	run nk rmi app:1
	[ "$status" -ne 0 ]
	nk bundle --remove "$T/b"
	[ ! -e "$T/b" ]
	nk rmi app:1
}

@test "an image with 130 layers mounts" {
	for i in $(seq 1 130); do mk_layer "$T/$i.tar" "f('f$i', b'$i')"; done
	mk_layout "$T/img" many:1 $(for i in $(seq 1 130); do echo "$T/$i.tar"; done)
	nk load --quiet -i "$T/img"
	m=$(nk image mount many:1)
	[ "$(ls "$m" | wc -l)" = 130 ]
	nk image unmount many:1
}

@test "an image with 130 layers mounts with mount(2) too (NOOK_OVL_LEGACY)" {
	for i in $(seq 1 130); do mk_layer "$T/$i.tar" "f('f$i', b'$i')"; done
	mk_layout "$T/img" many:1 $(for i in $(seq 1 130); do echo "$T/$i.tar"; done)
	nk load --quiet -i "$T/img"
	export NOOK_OVL_LEGACY=1
	m=$(nk image mount many:1)
	[ "$(ls "$m" | wc -l)" = 130 ]
	[ "$(cat "$m/f1") $(cat "$m/f130")" = "1 130" ]
	nk image unmount many:1
	nk bundle many:1 "$T/b"
	echo new >"$T/b/rootfs/f1"
	[ "$(cat "$T/b/rootfs/f1")" = new ]
	[ "$(ls "$T/b/rootfs" | wc -l)" = 130 ]
	nk bundle --remove "$T/b"
	[ "$(grep -c "$T" /proc/self/mountinfo)" = 0 ]
}

@test "parallel loads, tags and rmi of shared layers keep the store consistent" {
	mk_layer "$T/base.tar" "f('base', bytes(2_000_000))"
	for i in 1 2 3 4; do
		mk_layer "$T/top$i.tar" "f('top$i')"
		mk_layout "$T/img$i" p/img$i:1 "$T/base.tar" "$T/top$i.tar"
	done
	nk images >/dev/null
	for r in 1 2 3; do
		for i in 1 2 3 4; do nk load --quiet -i "$T/img$i" & done
		wait
		for i in 1 2 3 4; do (nk tag p/img$i:1 p/t$i:$r && nk rmi p/img$i:1) & done
		wait
	done
	run nk images -q
	[ "$(wc -l <<<"$output")" = 4 ]
	[ "$(ls "$SR/layers" | wc -l)" = 5 ]
	for i in 1 2 3 4; do nk rmi p/t$i:1 p/t$i:2 p/t$i:3 >/dev/null; done
	assert_store_empty
}

@test "kill -9 during a load: nothing visible, the next command cleans up" {
	python3 - "$T/big.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
for i in range(20000):
    info = tarfile.TarInfo("d%d/f%d" % (i % 100, i)); info.size = 512
    t.addfile(info, io.BytesIO(b"x" * 512))
t.close()
PY
	mk_layout "$T/img" big:1 "$T/big.tar"
	nk images >/dev/null
	"$NOOK" load --quiet -i "$T/img" --storage-root "$SR" &
	pid=$!
	sleep 0.4
	kill -9 $pid || skip "load finished before the kill"
	wait $pid || true
	run nk images -a -q
	[ -z "$output" ]
	[ -z "$(ls -A "$SR/tmp")" ]
	[ -z "$(ls -A "$SR/layers")" ]
	nk load --quiet -i "$T/img"
	run nk images -q
	[ -n "$output" ]
}

# The files of the test image: $1 the layer's python body.
mk_user_image() {
	mk_layer "$T/u.tar" "$1"
	IMG_USER=$2 mk_layout "$T/u" user:1 "$T/u.tar"
	nk load --quiet -i "$T/u"
}

@test "bundle: a named user and group resolve from the image's passwd and group" {
	mk_user_image "f('etc/passwd', b'root:x:0:0::/:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n')
f('etc/group', b'root:x:0:\nstaff:x:50:app\n')" app:staff
	nk bundle user:1 "$T/b"
	[ "$(jq -c .process.user "$T/b/config.json")" = '{"uid":1000,"gid":50}' ]
	nk bundle --remove "$T/b"
	IMG_USER=app mk_layout "$T/u2" user:2 "$T/u.tar"
	nk load --quiet -i "$T/u2"
	nk bundle user:2 "$T/b"
	[ "$(jq -c .process.user "$T/b/config.json")" = '{"uid":1000,"gid":1001}' ]
	nk bundle --remove "$T/b"
}

@test "bundle refuses a User missing from the image's /etc/passwd (not uid 0)" {
	mk_user_image "f('etc/passwd', b'root:x:0:0::/:/bin/sh\n')" ghost
	run nk bundle user:1 "$T/b"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: unable to find user ghost: no matching entries in passwd file" ]
	[ ! -e "$T/b" ]
	[ -z "$(ls -A "$SR/containers")" ]
	nk rmi user:1 # nothing holds it
}

@test "bundle refuses a named User when /etc/passwd is missing or unreadable" {
	mk_user_image "f('etc/hostname', b'x\n')" app
	run nk bundle user:1 "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"unable to find user app: no matching entries in passwd file" ]]
	nk rmi user:1
	mk_user_image "d('etc/passwd')" app
	run nk bundle user:1 "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"unable to find user app: '/etc/passwd' of the image is not a regular file" ]]
	[ ! -e "$T/b" ]
}

@test "bundle refuses a group name missing from the image's /etc/group" {
	mk_user_image "f('etc/passwd', b'root:x:0:0::/:/bin/sh\n')
f('etc/group', b'root:x:0:\n')" 0:nogroup
	run nk bundle user:1 "$T/b"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: unable to find group nogroup: no matching entries in group file" ]
	[ ! -e "$T/b" ]
}

@test "bundle: a FIFO as the image's /etc/passwd is refused, it does not hang" {
	mk_user_image "i = tarfile.TarInfo('etc/passwd'); i.type = tarfile.FIFOTYPE; add(i)" app
	run timeout 20 "$NOOK" bundle user:1 "$T/b" --storage-root "$SR"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'/etc/passwd' of the image is not a regular file" ]]
	[ ! -e "$T/b" ]
}

@test "bundle: an /etc/passwd over the 4 MiB bound is refused; one just under it is read" {
	mk_user_image "f('etc/passwd', b'x' * (4 << 20) + b'\\n' + b'app:x:7:7::/:/bin/sh\\n')" app
	run nk bundle user:1 "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'/etc/passwd' of the image is larger than 4194304 bytes" ]]
	[ ! -e "$T/b" ]
	nk rmi user:1 >/dev/null
	mk_user_image "f('etc/passwd', b'x' * ((4 << 20) - 64) + b'\\n' + b'app:x:7:8::/:/bin/sh\\n')" app
	nk bundle user:1 "$T/b"
	[ "$(jq -c '.process.user' "$T/b/config.json")" = '{"uid":7,"gid":8}' ]
	nk bundle --remove "$T/b"
}

@test "bundle: /etc/passwd is read inside the root (a symlink to the host's is not followed out)" {
	echo "ghost:x:4242:4242::/:/bin/sh" >"$ESC"
	mk_user_image "l('etc/passwd', '$ESC')" ghost
	run nk bundle user:1 "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"unable to find user ghost"* ]]
	[ ! -e "$T/b" ]
}

@test "a layer directory the database does not vouch for is never reused" {
	mk_layer "$T/1.tar" "for i in range(50): f('d/f%d' % i, b'%d' % i)"
	mk_layout "$T/img" v:1 "$T/1.tar"
	nk load --quiet -i "$T/img"
	hex=$(ls "$SR/layers")
	cp -a "$SR/layers/$hex" "$T/copy"
	nk rmi v:1
	# What an rmi killed half way through deleting in place left.
	rm "$T/copy/diff/d/f1"
	mv "$T/copy" "$SR/layers/$hex"
	nk load --quiet -i "$T/img"
	m=$(nk image mount v:1)
	[ "$(ls "$m/d" | wc -l)" = 50 ]
	nk image unmount v:1
	nk system check
}

@test "system check: a changed layer and unreferenced files are reported" {
	mk_layer "$T/1.tar" "f('a', b'one'); f('b/c', b'two')"
	mk_layout "$T/img" c:1 "$T/1.tar"
	nk load --quiet -i "$T/img"
	run nk system check
	[ "$status" -eq 0 ]
	[ "$output" = "Store OK: 1 images, 1 layers, 0 bundles and mounts" ]
	hex=$(ls "$SR/layers")
	echo changed >"$SR/layers/$hex/diff/b/c"
	mkdir "$SR/layers/$(printf '%064d' 0)" "$SR/containers/stray"
	run nk system check
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "layer sha256:$hex: content differs from what was unpacked"* ]]
	[[ "$output" == *"/layers/$(printf '%064d' 0)': not referenced by the database"* ]]
	[[ "$output" == *"/containers/stray': not referenced by the database"* ]]
	[ "${lines[-1]}" = "nook system: the store has 3 problem(s)" ]
	echo two >"$SR/layers/$hex/diff/b/c"
	chmod 600 "$SR/layers/$hex/diff/a"
	run nk system check
	[[ "${lines[0]}" == "layer sha256:$hex: content differs"* ]]
}

@test "a load that cannot commit moves its files back out of the store" {
	mk_layer "$T/1.tar" "f('a', b'one')"
	mk_layout "$T/img" f:1 "$T/1.tar"
	nk images >/dev/null
	sqlite3 "$SR/nook.db" "CREATE TRIGGER refuse BEFORE INSERT ON images BEGIN SELECT RAISE(ABORT, 'refused'); END"
	run nk load --quiet -i "$T/img"
	[ "$status" -eq 1 ]
	# Right after the failed load, before any other command sweeps.
	[ -z "$(ls -A "$SR/layers")" ]
	[ -z "$(ls -A "$SR/blobs/sha256")" ]
	[ -z "$(ls -A "$SR/tmp")" ]
	sqlite3 "$SR/nook.db" "DROP TRIGGER refuse"
	nk load --quiet -i "$T/img"
	nk system check
}

@test "full disk: images, rmi and prune work and free space; a load fails with one line, leaving nothing" {
	mkdir "$T/fs"
	mount -t tmpfs -o size=24m nook-full "$T/fs"
	SR="$T/fs/store"
	mk_rootfs
	tar -C "$T/rootfs" -cf "$T/bb.tar" .
	mk_layer "$T/2.tar" "f('big', bytes(3_000_000))"
	mk_layer "$T/3.tar" "f('more', b'x')"
	mk_layout "$T/a" a:1 "$T/bb.tar" "$T/2.tar"
	mk_layout "$T/c" c:1 "$T/3.tar"
	nk load --quiet -i "$T/a"
	nk tag a:1 b:1
	nk import "$T/bb.tar" >/dev/null # untagged, for prune
	dd if=/dev/zero of="$T/fs/fill" bs=64k 2>/dev/null || true
	[ "$(df --output=avail "$T/fs" | tail -1)" -eq 0 ]
	ls -R "$SR/layers" "$SR/blobs" >"$T/before"
	run nk images
	[ "$status" -eq 0 ]
	[[ "$output" == *"a "*"1 "* ]]
	run nk load --quiet -i "$T/c"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: "*"No space left on device"* ]]
	run nk import "$T/rootfs" d:1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: "*"No space left on device"* ]]
	[ -z "$(ls -A "$SR/tmp")" ]
	ls -R "$SR/layers" "$SR/blobs" >"$T/after"
	diff "$T/before" "$T/after"
	nk rmi b:1
	nk rmi a:1
	[ "$(df --output=avail "$T/fs" | tail -1)" -gt 3000 ]
	run nk system prune
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted: sha256:"* ]]
	run nk images -a -q
	[ -z "$output" ]
	nk system check
	[ -z "$(ls -A "$SR/layers")" ]
}
