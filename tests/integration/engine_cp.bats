#!/usr/bin/env bats
# `nook cp` with "-": a tar stream of a container's path on stdout, and a
# tar stream on stdin extracted into a container's directory; the
# hostile streams and containers it must contain.  Then cp's owners (-a)
# and -L, whose links are followed inside the container's root only.
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

# ------------------------------------------------------------ -a and -L --

@test "cp in keeps the source's uid:gid (docker's); -a gives what is copied the container's user; out: the caller's" {
	in=$BATS_TEST_TMPDIR/in
	mkdir -p "$in/d"
	echo f >"$in/f"
	chown 123:456 "$in/f"
	chmod 4750 "$in/f"
	echo g >"$in/d/g"
	chown 321:654 "$in/d" "$in/d/g"
	ln -s g "$in/d/l"
	chown -h 77:88 "$in/d/l"
	sleeper
	nk cp "$in/f" "$P:/tmp/f"
	nk cp "$in/d" "$P:/tmp/d"
	run nk exec "$P" stat -c '%n %u:%g %a' /tmp/f /tmp/d /tmp/d/g /tmp/d/l
	assert_line "/tmp/f 123:456 4750"
	assert_line "/tmp/d 321:654 755"
	assert_line "/tmp/d/g 321:654 644"
	assert_line --regexp '^/tmp/d/l 77:88 '
	# A container without a user: -a changes nothing (docker's).
	nk cp -a "$in/f" "$P:/tmp/fa"
	run nk exec "$P" stat -c '%u:%g' /tmp/fa
	assert_output 123:456
	# With one (-u): everything copied in is its, by cp and by cp -.
	nk run -d --name "$P-u" -u 1000:1001 bb:1 sleep 1000 >/dev/null
	nk cp -a "$in/d" "$P-u:/tmp/d"
	nk cp -a "$in/f" "$P-u:/tmp/f"
	mktar "$BATS_TEST_TMPDIR/t.tar" "dir:td" "file:td/x:x" "sym:td/s:x"
	nk cp -a - "$P-u:/tmp" <"$BATS_TEST_TMPDIR/t.tar"
	run nk exec "$P-u" stat -c '%n %u:%g %a' /tmp/f /tmp/d /tmp/d/g /tmp/d/l /tmp/td /tmp/td/x /tmp/td/s
	assert_line "/tmp/f 1000:1001 4750"
	assert_line "/tmp/d 1000:1001 755"
	assert_line "/tmp/d/g 1000:1001 644"
	assert_line --regexp '^/tmp/d/l 1000:1001 '
	assert_line "/tmp/td 1000:1001 755"
	assert_line "/tmp/td/x 1000:1001 644"
	assert_line --regexp '^/tmp/td/s 1000:1001 '
	nk cp "$in/f" "$P-u:/tmp/plain"
	run nk exec "$P-u" stat -c '%u:%g' /tmp/plain
	assert_output 123:456
	# Out of a container: the files are the caller's, -a or not, and
	# lose their set-id bits.
	mkdir "$BATS_TEST_TMPDIR/out"
	nk cp "$P:/tmp/d" "$BATS_TEST_TMPDIR/out/d"
	nk cp -a "$P:/tmp/f" "$BATS_TEST_TMPDIR/out/f"
	run stat -c '%n %u:%g %a' "$BATS_TEST_TMPDIR/out/d" "$BATS_TEST_TMPDIR/out/d/g" "$BATS_TEST_TMPDIR/out/f"
	assert_line "$BATS_TEST_TMPDIR/out/d 0:0 755"
	assert_line "$BATS_TEST_TMPDIR/out/d/g 0:0 644"
	assert_line "$BATS_TEST_TMPDIR/out/f 0:0 750"
	# A tar stream out carries the container's owners.
	run tar tvf <(nk cp "$P:/tmp/d" -)
	assert_line --regexp '^-rw-r--r-- 321/654 .* d/g$'
}

@test "cp -L follows a symlink at the source (named after the link); without -L the link is copied" {
	sleeper
	nk exec "$P" sh -c 'mkdir -p /d/sub; echo real >/d/file; echo deep >/d/sub/x; ln -s /d/file /lnk; ln -s d/sub /dlnk; ln -s ../../../d/file /d/sub/rel'
	out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	nk cp "$P:/lnk" "$out/plain"
	[ -L "$out/plain" ]
	nk cp -L "$P:/lnk" "$out/followed"
	[ -f "$out/followed" ] && [ ! -L "$out/followed" ]
	[ "$(cat "$out/followed")" = real ]
	# Into a directory: the copy has the link's name.
	nk cp -L "$P:/lnk" "$out"
	[ -f "$out/lnk" ] && [ "$(cat "$out/lnk")" = real ]
	# A link to a directory: the directory, whose own links stay links.
	nk cp --follow-link "$P:/dlnk" "$out/dir"
	[ -d "$out/dir" ] && [ "$(cat "$out/dir/x")" = deep ]
	[ "$(readlink "$out/dir/rel")" = ../../../d/file ]
	# A tar stream too.
	run tar tvf <(nk cp -L "$P:/lnk" -)
	assert_output --regexp '^-rw-r--r-- .* lnk$'
	# In: a symlink on the host.
	echo host >"$BATS_TEST_TMPDIR/hostfile"
	ln -s "$BATS_TEST_TMPDIR/hostfile" "$BATS_TEST_TMPDIR/hostlink"
	nk cp "$BATS_TEST_TMPDIR/hostlink" "$P:/tmp/"
	nk cp -L "$BATS_TEST_TMPDIR/hostlink" "$P:/tmp/f"
	run nk exec "$P" sh -c 'readlink /tmp/hostlink; test -f /tmp/f && ! test -L /tmp/f && cat /tmp/f'
	assert_output "$(printf '%s\nhost' "$BATS_TEST_TMPDIR/hostfile")"
}

@test "attack: cp -L of a container's symlink pointing out of its root resolves inside it, as a chroot" {
	secret=$BATS_TEST_TMPDIR/host-secret
	echo "HOST-SECRET-$$" >"$secret"
	sleeper
	# Absolute, climbing and through-a-linked-directory links to the
	# host's file; inside the root the same path holds a decoy.
	nk exec "$P" sh -c "ln -s $secret /abs; ln -s ../../../../../../../../..$secret /climb;
		ln -s $BATS_TEST_TMPDIR /hostdir; ln -s /hostdir/host-secret /via; ln -s /etc/shadow /shadow"
	out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	# No decoy yet: nothing to follow to, nothing copied.
	for l in abs climb via; do
		run nk cp -L "$P:/$l" "$out/$l"
		assert_failure
		[ "${#lines[@]}" = 1 ]
		[ ! -e "$out/$l" ]
		run nk cp -L "$P:/$l" -
		assert_failure
		refute_output --partial HOST-SECRET
	done
	nk exec "$P" sh -c "mkdir -p $BATS_TEST_TMPDIR && echo DECOY >$secret"
	for l in abs climb via; do
		nk cp -L "$P:/$l" "$out/$l"
		[ "$(cat "$out/$l")" = DECOY ]
		[ "$(tar xOf <(nk cp -L "$P:/$l" -) "$l")" = DECOY ]
	done
	# /etc/shadow is the container's, not the host's.
	run nk cp -L "$P:/shadow" "$out/shadow"
	if [ "$status" = 0 ]; then
		! cmp -s /etc/shadow "$out/shadow"
	else
		[ ! -e "$out/shadow" ]
	fi
	! grep -rq HOST-SECRET "$out"
}
