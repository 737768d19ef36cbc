#!/usr/bin/env bats
# Hostile layers: each test is an attack, checked on the host afterwards.
load image_common

setup() { img_setup; }
teardown() { img_teardown; }

@test "symlink-then-write escape lands inside the layer" {
	mk_layer "$T/l.tar" "d('tmp')
l('evil', '/tmp')
f('evil/${ESC##*/}', b'owned')
l('up', '../../../../../../../tmp')
f('up/${ESC##*/}.2', b'owned')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	[ ! -e "$ESC" ]
	[ ! -e "$ESC.2" ]
	ls "$SR"/layers/*/diff"$ESC" "$SR"/layers/*/diff"$ESC.2"
}

@test "symlink-then-write through a dangling symlink never reaches the host" {
	mkdir -p "$ESC"
	mk_layer "$T/l.tar" "l('evil', '$ESC')
f('evil/pwned', b'owned')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ ! -e "$ESC/pwned" ]
	if [ "$status" -ne 0 ]; then assert_store_empty; fi
}

@test "directory swapped for a symlink mid-layer: later files follow the symlink inside the layer" {
	# The unpacker keeps the last parent directory open between entries;
	# replacing that directory must not leave later files in the removed
	# one, nor let them reach the host.
	mk_layer "$T/l.tar" "d('tmp')
d('d')
f('d/a', b'one')
l('d', '/tmp')
f('d/${ESC##*/}', b'owned')
d('w')
f('w/b', b'two')
f('w', b'now a file')
d('w')
f('w/c', b'three')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	[ ! -e "$ESC" ]
	ls "$SR"/layers/*/diff"$ESC"
	[ -L "$(echo "$SR"/layers/*/diff/d)" ]
	[ ! -e "$(echo "$SR"/layers/*/diff/w/b)" ]
	[ "$(cat "$SR"/layers/*/diff/w/c)" = three ]
}

@test "dot-dot climb is refused" {
	mk_layer "$T/l.tar" "f('a/../../../../../../..$ESC', b'owned')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[[ "$output" == *"'..'"* ]]
	[ ! -e "$ESC" ]
	assert_store_empty
}

@test "absolute member name is confined to the layer" {
	mk_layer "$T/l.tar" "f('$ESC', b'owned')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	[ ! -e "$ESC" ]
	ls "$SR"/layers/*/diff"$ESC"
}

@test "absolute hardlink to /etc/shadow is refused" {
	before=$(stat -c %h /etc/shadow)
	mk_layer "$T/l.tar" "h('shadow', '/etc/shadow')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[[ "$output" == *"hardlink"* ]]
	[ "$(stat -c %h /etc/shadow)" = "$before" ]
	assert_store_empty
}

@test "hardlink through a planted symlink is refused" {
	before=$(stat -c %h /etc/passwd)
	mk_layer "$T/l.tar" "l('etc', '/etc')
h('pw', 'etc/../../../etc/passwd')
h('pw2', 'etc/passwd')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[ "$(stat -c %h /etc/passwd)" = "$before" ]
	assert_store_empty
}

@test "whiteout of ../../x is refused" {
	touch "$ESC"
	mk_layer "$T/l.tar" "f('a/../../.wh.${ESC##*/}', b'')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[ -f "$ESC" ]
	mk_layer "$T/l2.tar" "d('a')
f('a/.wh..', b'')"
	mk_layout "$T/img2" evil/y:1 "$T/l2.tar"
	run nk load -i "$T/img2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"whiteout"* ]]
	assert_store_empty
}

@test "truncated gzip layer is refused and leaves nothing" {
	head -c 3000000 /dev/urandom >"$T/rand"
	mk_layer "$T/l.tar.gz" "f('big', open('$T/rand','rb').read())"
	mk_layout "$T/img" evil/x:1 "$T/l.tar.gz"
	blob=$(ls -S "$T"/img/blobs/sha256/ | head -1)
	python3 - "$T/img/blobs/sha256/$blob" <<'PY'
import sys
p = sys.argv[1]; b = open(p, 'rb').read(); open(p, 'wb').write(b[: len(b) // 2])
PY
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[[ "$output" == *"sha256:$blob"* ]]
	# The same truncated stream with a matching descriptor: the gzip reader refuses it.
	cp "$T/img/blobs/sha256/$blob" "$T/trunc.tar.gz"
	mk_layout "$T/img2" evil/y:1 "$T/trunc.tar.gz"
	run nk load -i "$T/img2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"truncated"* || "$output" == *"corrupt"* ]]
	assert_store_empty
}

@test "gzip bomb over NOOK_MAX_LAYER_SIZE is refused" {
	mk_layer "$T/l.tar.gz" "f('zeros', bytes(50_000_000))"
	mk_layout "$T/img" evil/x:1 "$T/l.tar.gz"
	NOOK_MAX_LAYER_SIZE=10000000 run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[[ "$output" == *"limit"* ]]
	assert_store_empty
}

@test "blob with a wrong digest is refused, naming the digest" {
	mk_layer "$T/l.tar" "f('a', b'hello')"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	blob=$(grep -o '"layers": \[{"mediaType": "[^"]*", "digest": "sha256:[0-9a-f]*' "$T/img/blobs/sha256/"* | grep -o '[0-9a-f]\{64\}$' | head -1)
	echo tampered >>"$T/img/blobs/sha256/$blob"
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[[ "$output" == *"sha256:$blob"* ]]
	assert_store_empty
}

@test "forged overlay xattrs in a layer are dropped" {
	mk_layer "$T/l.tar" "f('a', b'x', pax_headers={'SCHILY.xattr.trusted.overlay.redirect': '/etc'})"
	mk_layout "$T/img" evil/x:1 "$T/l.tar"
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	python3 -c 'import os,sys; sys.exit("trusted.overlay.redirect" in os.listxattr(sys.argv[1]))' "$SR"/layers/*/diff/a
}

@test "a whiteout hides only lower layers, never files of its own layer (image spec)" {
	# Lower layer: keep/old, dir/lower, gone.  Upper layer: a new file and
	# its whiteout, dir replaced (its own files and a whiteout of it), a
	# whiteout of gone.  The image spec: whiteouts apply to lower layers
	# only; files in the whiteout's own layer stay.
	mk_layer "$T/l1.tar" "d('keep')
f('keep/old', b'lower')
d('dir')
f('dir/lower', b'lower')
f('gone', b'lower')"
	mk_layer "$T/l2.tar" "d('keep')
f('keep/new', b'upper')
f('keep/.wh.new', b'')
d('dir')
f('dir/upper', b'upper')
f('.wh.dir', b'')
f('.wh.gone', b'')"
	mk_layout "$T/img" wh/x:1 "$T/l1.tar" "$T/l2.tar"
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	# Teardown unmounts what a failed assertion leaves mounted.
	m=$(nk image mount wh/x:1)
	[ "$(cat "$m/keep/new")" = upper ]
	[ "$(cat "$m/keep/old")" = lower ]
	[ "$(cat "$m/dir/upper")" = upper ]
	[ "$(ls -A "$m/dir")" = upper ]   # the lower dir is hidden, the upper one shown
	[ ! -e "$m/gone" ]
	nk image unmount wh/x:1
}

# bad_json KIND DOC PATH JSON FIELD: an image whose DOC has JSON at PATH is
# refused with one line naming FIELD, and leaves nothing in the store.
# json-c aborts on a wrong type given to its array calls, so every field
# must be checked first.
bad_json() {
	local kind=$1 doc=$2 path=$3 value=$4 field=$5 src
	rm -rf "$T/bad" "$T/bad.tar"
	mk_layer "$T/l.tar" "f('a', b'x')"
	if [ "$kind" = layout ]; then
		src="$T/bad"
	else
		src="$T/bad.tar"
	fi
	python3 "$HELPERS" "$kind-patch" "$src" "$doc" "$path" "$value" "$T/l.tar"
	run nk load -i "$src"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$field"* ]]
	assert_store_empty
}

@test "OCI layout JSON fields of the wrong type are refused, naming the field" {
	bad_json layout index manifests '{}' "index.json: field 'manifests' must be an array, not an object"
	bad_json layout index manifests.0 '"x"' "'manifests[0]' must be an object"
	bad_json layout index manifests.0.annotations '[]' "'manifests[0].annotations' must be an object"
	bad_json layout index manifests.0.annotations '{"org.opencontainers.image.ref.name": 5}' \
		"'manifests[0].annotations.org.opencontainers.image.ref.name' must be a string"
	bad_json layout index manifests.0.digest 1 "'manifests[0].digest' must be a string"
	bad_json layout index manifests.0.mediaType '{}' "'manifests[0].mediaType' must be a string"
	bad_json layout index manifests.0.platform '"linux"' "'manifests[0].platform' must be an object"
	bad_json layout manifest . '[]' "not a JSON object"
	bad_json layout manifest layers '"x"' "field 'layers' must be an array, not a string"
	bad_json layout manifest layers '{}' "field 'layers' must be an array, not an object"
	bad_json layout manifest layers.0 '"x"' "field 'layers[0]' must be an object"
	bad_json layout manifest layers.0.size '"2048"' "field 'layers[0].size' must be an integer"
	bad_json layout manifest layers.0.size 1.5 "field 'layers[0].size' must be an integer"
	bad_json layout manifest layers.0.size -1 "field 'layers[0].size' must not be negative"
	bad_json layout manifest layers.0.digest 5 "field 'layers[0].digest' must be a string"
	bad_json layout manifest layers.0.digest null "field 'layers[0].digest' is missing"
	bad_json layout manifest layers.0.mediaType '[]' "field 'layers[0].mediaType' must be a string"
	bad_json layout manifest config '"x"' "field 'config' must be an object"
	bad_json layout manifest config.size '{}' "field 'config.size' must be an integer"
	bad_json layout manifest mediaType 7 "field 'mediaType' must be a string"
	bad_json layout nested manifests '"x"' "field 'manifests' must be an array"
	bad_json layout nested manifests.0 3 "field 'manifests[0]' must be an object"
	bad_json layout nested manifests.0.platform '[]' "field 'manifests[0].platform' must be an object"
	bad_json layout nested manifests.0.platform.os 1 "field 'manifests[0].platform.os' must be a string"
	bad_json layout config . '"x"' "not a JSON object"
	bad_json layout config rootfs '[]' "field 'rootfs' must be an object"
	bad_json layout config rootfs.diff_ids '"x"' "field 'rootfs.diff_ids' must be an array"
	bad_json layout config rootfs.diff_ids.0 1 "field 'rootfs.diff_ids[0]' must be a string"
	bad_json layout config config.Entrypoint '"sh"' "field 'config.Entrypoint' must be an array"
	bad_json layout config config.Env '[1]' "field 'config.Env[0]' must be a string"
	bad_json layout config config.User 0 "field 'config.User' must be a string"
}

@test "docker-save manifest.json fields of the wrong type are refused, naming the field" {
	bad_json docker manifest . '{}' "not a docker-save manifest"
	bad_json docker manifest 0 '"x"' "field '[0]' must be an object"
	bad_json docker manifest 0.Layers '"layer.tar"' "field '[0].Layers' must be an array"
	bad_json docker manifest 0.Layers.0 5 "field '[0].Layers[0]' must be a string"
	bad_json docker manifest 0.Config '{}' "field '[0].Config' must be a string"
	bad_json docker manifest 0.RepoTags '"x:1"' "field '[0].RepoTags' must be an array"
	bad_json docker manifest 0.RepoTags.0 '{}' "field '[0].RepoTags[0]' must be a string"
	bad_json docker config rootfs.diff_ids '{}' "field 'rootfs.diff_ids' must be an array"
}

@test "docker-save RepoTags null (an untagged image) still loads" {
	mk_layer "$T/l.tar" "f('a', b'x')"
	python3 "$HELPERS" docker-patch "$T/ok.tar" manifest 0.RepoTags null "$T/l.tar"
	run nk load -i "$T/ok.tar"
	[ "$status" -eq 0 ]
	[ "$(nk images -a -q | wc -l)" = 1 ]
}

# Runs nook with NOOK_MAX_LAYER_SIZE=10 MB and a 40 MB file size limit
# (ulimit -f: a nook that ignored the layer limit dies of SIGXFSZ instead
# of filling the disk).
nk_limited() {
	run bash -c 'ulimit -f 40960; exec env NOOK_MAX_LAYER_SIZE=10000000 "$@"' _ \
		"$NOOK" "$@" --storage-root "$SR"
}

@test "nook import /dev/zero stops at the layer size limit with a message" {
	nk_limited import /dev/zero endless/x:1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"/dev/zero"*"limit of 10000000 bytes"* ]]
	assert_store_empty
}

@test "nook import - of an endless pipe stops reading at the layer size limit" {
	# The producer counts what nook read before it closed the pipe.
	cat >"$T/produce.py" <<'PY'
import os, sys
n, chunk = 0, bytes(1 << 20)
try:
    while n < 200 << 20:
        n += os.write(1, chunk)
except BrokenPipeError:
    pass
open(sys.argv[1], "w").write(str(n))
PY
	run bash -c 'python3 "$1" "$2" | { ulimit -f 40960; NOOK_MAX_LAYER_SIZE=10000000 "$3" import - endless/x:1 --storage-root "$4"; }' \
		_ "$T/produce.py" "$T/count" "$NOOK" "$SR"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"limit of 10000000 bytes"* ]]
	[ "$(cat "$T/count")" -lt $((20 << 20)) ]
	assert_store_empty
}

@test "nook import of a directory or a gzip bomb over the layer size limit is refused" {
	mkdir -p "$T/dir"
	head -c 6000000 /dev/zero >"$T/dir/a"
	head -c 6000000 /dev/zero >"$T/dir/b"
	nk_limited import "$T/dir" big/x:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"limit of 10000000 bytes"* ]]
	head -c 30000000 /dev/zero | gzip -1 >"$T/bomb.gz"
	nk_limited import "$T/bomb.gz" bomb/x:1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"limit of 10000000 uncompressed bytes"* ]]
	assert_store_empty
}
