#!/usr/bin/env bats
# `nook cp` with "-": a tar stream of a container's path on stdout, and a
# tar stream on stdin extracted into a container's directory; the
# hostile streams and containers it must contain.
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() { engine_teardown; }

# A running container named $P.
sleeper() { nk run -d --name "$P" bb:1 sleep 1000 >/dev/null; }

# mktar OUT SPEC...: a tar written by Python's tarfile, so entries can be
# what GNU tar would refuse to make.  SPEC: file:NAME:TEXT, dir:NAME,
# sym:NAME:TARGET, hard:NAME:TARGET, chr:NAME.
mktar() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for s in specs:
        kind, name, *rest = s.split(":", 2)
        i = tarfile.TarInfo(name)
        data = None
        if kind == "file":
            data = rest[0].encode()
            i.size = len(data)
            i.mode = 0o644
        elif kind == "dir":
            i.type, i.mode = tarfile.DIRTYPE, 0o755
        elif kind == "sym":
            i.type, i.linkname = tarfile.SYMTYPE, rest[0]
        elif kind == "hard":
            i.type, i.linkname = tarfile.LNKTYPE, rest[0]
        elif kind == "chr":
            i.type, i.devmajor, i.devminor, i.mode = tarfile.CHRTYPE, 1, 3, 0o666
        t.addfile(i, io.BytesIO(data) if data is not None else None)
PY
}

@test "cp CTR:PATH - writes a tar of the path (links as links, set-id bits dropped); cp - CTR:DIR extracts one" {
	sleeper
	nk exec "$P" sh -c 'mkdir -p /d/sub; echo hi >/d/sub/f; chmod 4755 /d/sub/f; ln -s /etc/passwd /d/lnk; echo one >/one'
	nk cp "$P:/d" - >"$BATS_TEST_TMPDIR/d.tar"
	run tar tvf "$BATS_TEST_TMPDIR/d.tar"
	assert_line --regexp '^drwxr-xr-x 0/0 .* d/$'
	assert_line --regexp '^lrwxrwxrwx 0/0 .* d/lnk -> /etc/passwd$'
	assert_line --regexp '^-rwxr-xr-x 0/0 +3 .* d/sub/f$'
	[ "$(tar xOf "$BATS_TEST_TMPDIR/d.tar" d/sub/f)" = hi ]
	# One file: an archive of that one entry.
	run tar tf <(nk cp "$P:/one" -)
	assert_output one
	# In: files, a directory, a symlink and a hardlink, with their
	# owner and mode.
	mkdir -p "$BATS_TEST_TMPDIR/in/dir"
	echo data >"$BATS_TEST_TMPDIR/in/dir/file"
	chmod 640 "$BATS_TEST_TMPDIR/in/dir/file"
	chown 123:456 "$BATS_TEST_TMPDIR/in/dir/file"
	ln -s file "$BATS_TEST_TMPDIR/in/dir/link"
	ln "$BATS_TEST_TMPDIR/in/dir/file" "$BATS_TEST_TMPDIR/in/hard"
	tar cf - -C "$BATS_TEST_TMPDIR/in" . | nk cp - "$P:/tmp"
	run nk exec "$P" sh -c 'cat /tmp/dir/file /tmp/dir/link /tmp/hard; stat -c "%a %u:%g %h" /tmp/dir/file; readlink /tmp/dir/link'
	assert_output "$(printf 'data\ndata\ndata\n640 123:456 2\nfile')"
	# The destination directory itself keeps its mode.
	run nk exec "$P" stat -c %a /tmp
	assert_output 1777
	# A compressed stream too.
	tar czf - -C "$BATS_TEST_TMPDIR/in" dir | nk cp - "$P:/d/sub"
	run nk exec "$P" cat /d/sub/dir/file
	assert_output data
}

@test "cp - works on a stopped container (its bundle's root)" {
	nk create --name "$P" bb:1 cat /in/f >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/s/in"
	echo stopped >"$BATS_TEST_TMPDIR/s/in/f"
	tar cf - -C "$BATS_TEST_TMPDIR/s" in | nk cp - "$P:/"
	run nk start -a "$P"
	assert_output stopped
	run tar xOf <(nk cp "$P:/in/f" -) f
	assert_output stopped
}

@test "attack: a tar stream with '..', absolute and climbing symlinks, or hardlinks out cannot write outside the directory" {
	hostdir="$BATS_TEST_TMPDIR/hostdir"
	mkdir "$hostdir"
	echo keep >"$hostdir/target"
	sleeper
	nk exec "$P" sh -c 'mkdir -p /dest /victim; echo keep >/victim/file'
	# '..' in a name: refused, nothing written beside the directory.
	mktar "$BATS_TEST_TMPDIR/dotdot.tar" "file:../escaped:evil"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/dotdot.tar"
	assert_failure
	assert_output --partial ".."
	run nk exec "$P" sh -c 'ls / | grep -c escaped'
	assert_output 0
	# A symlink to the host's directory, the container's root, or up
	# and out, then a file through it: each lands inside /dest.
	mktar "$BATS_TEST_TMPDIR/links.tar" \
		"sym:host:$hostdir" "file:host/x:evil" \
		"sym:root:/" "file:root/victim/file:evil" \
		"sym:up:../../../../../../../.." "file:up/victim/file:evil" \
		"sym:abs:/victim/file" "hard:hl:/victim/file"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/links.tar"
	# The hardlink's target is /dest/victim/file, made by the stream.
	assert_success
	[ "$(cat "$hostdir/target")" = keep ] && [ ! -e "$hostdir/x" ]
	[ "$(ls -A "$hostdir")" = target ]
	run nk exec "$P" cat /victim/file
	assert_output keep
	run nk exec "$P" sh -c 'cat /dest/'"$hostdir"'/x /dest/victim/file; readlink /dest/root'
	assert_output 'evilevil/'
	# A symlink as the last name is made, never followed.
	mktar "$BATS_TEST_TMPDIR/last.tar" "file:abs:evil"
	nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/last.tar"
	run nk exec "$P" sh -c 'cat /victim/file; test -f /dest/abs && ! test -L /dest/abs && cat /dest/abs'
	assert_output "$(printf 'keep\nevil')"
	# A hardlink to a file outside the directory is refused.
	mktar "$BATS_TEST_TMPDIR/hard.tar" "hard:h2:$hostdir/target"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/hard.tar"
	assert_failure
	[ "$(stat -c %h "$hostdir/target")" = 1 ]
}

@test "attack: a container's planted links cannot point cp - at the host" {
	hostdir="$BATS_TEST_TMPDIR/hostdir"
	mkdir "$hostdir"
	sleeper
	# The destination and a name below it are symlinks to the host's
	# directory; inside the container they lead to its own root.
	nk exec "$P" sh -c "mkdir /dest; ln -s $hostdir /dest/h; ln -s $hostdir /desth; ln -s / /rootlink"
	mktar "$BATS_TEST_TMPDIR/a.tar" "file:h/x:evil" "file:y:evil"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/a.tar"
	assert_success
	run nk cp - "$P:/desth" <"$BATS_TEST_TMPDIR/a.tar"
	assert_failure # no such directory in the container
	nk cp - "$P:/rootlink" <"$BATS_TEST_TMPDIR/a.tar"
	[ -z "$(ls -A "$hostdir")" ]
	[ ! -e /y ] && [ ! -e /h ]
	run nk exec "$P" sh -c "cat /dest/$hostdir/x /dest/y /y"
	assert_output evilevilevil
	# Out: a planted link to the host's file is archived as the link.
	echo "HOST-SECRET-$$" >"$BATS_TEST_TMPDIR/secret"
	nk exec "$P" ln -s "$BATS_TEST_TMPDIR/secret" /secretlink
	nk cp "$P:/secretlink" - >"$BATS_TEST_TMPDIR/out.tar"
	run tar tvf "$BATS_TEST_TMPDIR/out.tar"
	assert_output --regexp "secretlink -> $BATS_TEST_TMPDIR/secret\$"
	! grep -aq "HOST-SECRET" "$BATS_TEST_TMPDIR/out.tar"
	run nk cp "$P:/../../../../..$BATS_TEST_TMPDIR/secret" -
	assert_failure
	refute_output --partial "HOST-SECRET"
}

@test "cp -: no device node is made in the container; directories and files do not replace each other" {
	sleeper
	nk exec "$P" sh -c 'mkdir -p /dest/adir; echo f >/dest/afile'
	mktar "$BATS_TEST_TMPDIR/dev.tar" "chr:null2" "file:ok:fine"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/dev.tar"
	assert_success
	run nk exec "$P" sh -c 'test -e /dest/null2 || cat /dest/ok'
	assert_output fine
	mktar "$BATS_TEST_TMPDIR/over.tar" "file:adir:x"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/over.tar"
	assert_failure
	assert_output --partial "cannot overwrite"
	mktar "$BATS_TEST_TMPDIR/over2.tar" "dir:afile"
	run nk cp - "$P:/dest" <"$BATS_TEST_TMPDIR/over2.tar"
	assert_failure
	run nk exec "$P" sh -c 'test -d /dest/adir && cat /dest/afile'
	assert_output f
}

@test "cp -: bad input" {
	sleeper
	run nk cp - -
	assert_failure 2
	run nk cp - "$BATS_TEST_TMPDIR/x"
	assert_failure 2
	assert_output --partial "CONTAINER:PATH"
	run nk cp "$P:" -
	assert_failure 2
	run nk cp - "$P:/etc/passwd" </dev/null
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk cp - "$P:/no/such" </dev/null
	assert_failure
	[ "${#lines[@]}" = 1 ]
	echo "not a tar" >"$BATS_TEST_TMPDIR/junk"
	run nk cp - "$P:/tmp" <"$BATS_TEST_TMPDIR/junk"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	run nk cp "$P:/no/such" -
	assert_failure
	[ "${#lines[@]}" = 1 ]
}
