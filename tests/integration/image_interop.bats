#!/usr/bin/env bats
# Images other tools write and read (issue 12): umoci's unpadded layers,
# tag-only OCI ref names and `nook load --name`, and archives with two
# images of one tag.
load image_common

setup() { img_setup; }
teardown() { img_teardown; }

@test "a layer umoci insert wrote without the tar's final padding loads, with its file" {
	command -v umoci || skip "umoci not installed"
	umoci init --layout "$T/oci"
	umoci new --image "$T/oci:t"
	mkdir "$T/ins" && echo hi >"$T/ins/f"
	umoci insert --image "$T/oci:t" "$T/ins/f" /f
	# The layer really ends right after the 3 data bytes (no padding).
	m=$(jq -r '.manifests[0].digest' "$T/oci/index.json")
	l=$(jq -r '.layers[-1].digest' "$T/oci/blobs/sha256/${m#sha256:}")
	[ "$(zcat "$T/oci/blobs/sha256/${l#sha256:}" | wc -c)" = 515 ]
	run nk load -q -i "$T/oci" --name umoci/ins
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: umoci/ins:t" ]
	m=$(nk image mount umoci/ins:t)
	[ "$(cat "$m/f")" = hi ]
	nk image unmount umoci/ins:t
}

@test "a layer cut short beyond its padding is still refused, and nothing is kept" {
	mk_layer "$T/1.tar" "f('big', b'y' * 4000)"
	head -c 2048 "$T/1.tar" >"$T/cut.tar"
	mk_layout "$T/img" cut:1 "$T/cut.tar"
	run nk load -i "$T/img"
	[ "$status" -ne 0 ]
	[[ "$output" == *"runcated"* ]]
	assert_store_empty
}

@test "load --name: tag-only ref names become REPO:TAG; one unnamed image REPO[:TAG]; refusals change nothing" {
	command -v umoci || skip "umoci not installed"
	umoci init --layout "$T/oci"
	umoci new --image "$T/oci:1.0"
	umoci new --image "$T/oci:2.0"
	# Without a name: loaded, untagged (a tag alone names no repository).
	run nk load -q -i "$T/oci"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'Loaded image ID: sha256:' <<<"$output")" = 2 ]
	run nk load -q -i "$T/oci" --name example.com/app
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: example.com/app:1.0
Loaded image: example.com/app:2.0" ]
	nk image inspect example.com/app:2.0 >/dev/null
	# Two images without any name: --name cannot pick one.
	jq 'del(.manifests[].annotations)' "$T/oci/index.json" >"$T/i.json"
	mv "$T/i.json" "$T/oci/index.json"
	run nk load -q -i "$T/oci" --name other
	[ "$status" -ne 0 ]
	[ "$output" = "nook: --name 'other': the archive holds several images without a name" ]
	run nk images --format json
	[[ "$output" != *other* ]]
	# One unnamed image: REPO:TAG, latest when no tag is given.
	mk_layer "$T/1.tar" "f('x')"
	mk_layout "$T/img" ignored:1 "$T/1.tar"
	jq 'del(.manifests[].annotations)' "$T/img/index.json" >"$T/i.json"
	mv "$T/i.json" "$T/img/index.json"
	run nk load -q -i "$T/img" --name mine
	[ "$output" = "Loaded image: mine:latest" ]
	run nk load -q -i "$T/img" --name mine:7
	[ "$output" = "Loaded image: mine:7" ]
	# Already named, or a digest: refused.
	nk save -o "$T/named.tar" mine:7
	run nk load -q -i "$T/named.tar" --name x
	[ "$status" -ne 0 ]
	[ "$output" = "nook: --name 'x': every image in the archive has a name already" ]
	run nk load -q -i "$T/img" --name "x@sha256:$(printf '%064d' 0)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"a name, not a digest"* ]]
}

@test "save of two images with one tag: ref names skopeo tells apart, and both load back by name" {
	command -v skopeo || skip "skopeo not installed"
	mkdir -p "$T/r1" "$T/r2"
	echo a >"$T/r1/a"
	echo b >"$T/r2/b"
	nk import "$T/r1" localhost/a:1
	nk import "$T/r2" localhost/b:1
	nk save -o "$T/two.tar" localhost/a:1 localhost/b:1
	run jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' \
		<(tar -xOf "$T/two.tar" index.json)
	[ "$output" = "localhost/a:1
localhost/b:1" ]
	# The bare tag would pick either: skopeo finds none.
	run skopeo inspect --raw "oci-archive:$T/two.tar:1"
	[ "$status" -ne 0 ]
	for x in a b; do
		want=$(tar -xOf "$T/two.tar" index.json |
			jq -r --arg n "localhost/$x:1" '.manifests[] | select(.annotations["io.containerd.image.name"] == $n) | .digest')
		[ "$(skopeo inspect "oci-archive:$T/two.tar:localhost/$x:1" | jq -r .Digest)" = "$want" ]
	done
	# One image, or two tags: the tag alone, as before.
	nk save -o "$T/one.tar" localhost/a:1
	[ "$(tar -xOf "$T/one.tar" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" = 1 ]
	SR="$T/store2" run nk load -q -i "$T/two.tar"
	[ "$output" = "Loaded image: localhost/a:1
Loaded image: localhost/b:1" ]
}
