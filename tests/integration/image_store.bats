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
