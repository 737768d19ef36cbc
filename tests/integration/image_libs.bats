#!/usr/bin/env bats
# The image libraries (libarchive, libcrypto, libcurl; sqlite3 too when
# built with STATIC_LIBS=, else it is linked in) are dlopen'd by
# image/libs.c.  A library that cannot be loaded, or lacks a function nook
# needs, is an error of the command (exit 1, one line, nothing half-done),
# never an exit or abort from inside image/ (possibly in a worker thread).
# The libraries are replaced through LD_LIBRARY_PATH, which dlopen() of a
# bare soname searches before ld.so.cache: no test-only knob in nook.
load image_common

setup() {
	img_setup
	command -v cc >/dev/null || skip "needs a C compiler"
	FAKE="$T/fake"
	mkdir -p "$FAKE"
}
teardown() { img_teardown; }

# The soname nook was built with for a library (archive, sqlite3, crypto).
soname_of() { strings "$NOOK" | grep -m1 "^lib$1\.so\."; }

@test "a libarchive without a function nook needs: one error line, exit 1, nothing half-done" {
	so=$(soname_of archive)
	# Has the first function an unpack calls, lacks the rest: the old lazy
	# resolution got half-way into a load before exiting in a worker thread.
	echo 'void *archive_read_new(void) { return 0; }' >"$FAKE/fake.c"
	cc -shared -fPIC -Wl,-soname,"$so" -o "$FAKE/$so" "$FAKE/fake.c"
	mk_layer "$T/l.tar" "f('a', b'x')"
	mk_layout "$T/img" libs/x:1 "$T/l.tar"
	nk images >/dev/null # the store exists: what follows could leave staging
	LD_LIBRARY_PATH="$FAKE" run nk load -i "$T/img"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot use $so: it has no symbol archive_"* ]]
	# Nothing staged: checked before any other nook command could sweep.
	[ -z "$(ls -A "$SR/tmp")" ]
	[ -z "$(ls -A "$SR/layers")" ]
	LD_LIBRARY_PATH="$FAKE" run nk import "$T/l.tar" libs/y:1
	[ "$status" -eq 1 ]
	[[ "$output" == "nook: cannot use $so"* ]]
	# The real library still works.
	run nk load -i "$T/img"
	[ "$status" -eq 0 ]
}

@test "a library that cannot be loaded: one error line, exit 1" {
	so=$(soname_of crypto)
	: >"$FAKE/$so" # an empty file: dlopen fails
	mk_layer "$T/l.tar" "f('a', b'x')"
	mk_layout "$T/img" libs/x:1 "$T/l.tar"
	LD_LIBRARY_PATH="$FAKE" run nk load -i "$T/img"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot load $so: "* ]]
	[ -z "$(ls -A "$SR/tmp")" ]
	[ -z "$(ls -A "$SR/layers")" ]
}

@test "nook oci never loads the image libraries" {
	for l in archive sqlite3 crypto curl; do
		: >"$FAKE/$(soname_of $l)"
	done
	LD_LIBRARY_PATH="$FAKE" run "$NOOK" oci --root "$T/run" list
	[ "$status" -eq 0 ]
}

@test "libcurl is loaded by pull alone, all or nothing" {
	so=$(soname_of curl)
	echo 'void *curl_easy_init(void) { return 0; }' >"$FAKE/fake.c"
	cc -shared -fPIC -Wl,-soname,"$so" -o "$FAKE/$so" "$FAKE/fake.c"
	mk_layer "$T/l.tar" "f('a', b'x')"
	mk_layout "$T/img" libs/x:1 "$T/l.tar"
	# The other image commands do not touch it.
	LD_LIBRARY_PATH="$FAKE" run nk load -i "$T/img"
	[ "$status" -eq 0 ]
	LD_LIBRARY_PATH="$FAKE" run nk images
	[ "$status" -eq 0 ]
	# A pull refuses it before any request, staging nothing.
	LD_LIBRARY_PATH="$FAKE" run nk pull 127.0.0.1:1/x:1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot use $so: it has no symbol curl_"* ]]
	[ -z "$(ls -A "$SR/tmp")" ]
}

@test "an empty soname stops the build of image/libs.o, not dlopen(\"\") at run time" {
	[ -f "${NOOK_SRC:-}/Makefile" ] || skip "needs the source tree"
	run make -C "$NOOK_SRC" BUILD="$T/b" SONAME_CRYPTO= "$T/b/image/libs.o"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no soname found for the image library CRYPTO"* ]]
	[ ! -e "$T/b/image/libs.o" ]
}
