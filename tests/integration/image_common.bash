# Shared setup for image_*.bats: a private storage root, cleaned up (mounts
# included) even when a test fails.
NOOK=${NOOK:-${NOOK_SRC:-$PWD}/build/nook}
HELPERS="$BATS_TEST_DIRNAME/image_helpers.py"

img_setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	T=$(mktemp -d /tmp/nook-img-test.XXXXXX)
	SR="$T/store"
	ESC="/tmp/nook-escape-$$-$RANDOM"
}

img_teardown() {
	[ -n "${T:-}" ] || return 0
	# Only mounts below our own temp dir, deepest first.
	awk -v t="$T" '$5 ~ "^"t {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$T" "$ESC" "$ESC".*
}

nk() { "$NOOK" "$@" --storage-root "$SR"; }

# A busybox rootfs in $T/rootfs.
mk_rootfs() {
	mkdir -p "$T/rootfs/bin" "$T/rootfs/etc"
	cp /bin/busybox "$T/rootfs/bin/busybox"
	ln -s busybox "$T/rootfs/bin/sh"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$T/rootfs/etc/passwd"
}

# mk_layer OUT.tar[.gz] PYTHON-BODY: runs the body with `t` an open tarfile
# and helpers f(name, data, **attrs), d(name), l(name, target), h(name, target).
mk_layer() {
	local out=$1 body=$2 mode=w
	case $out in *.gz) mode=w:gz ;; esac
	python3 - "$out" "$mode" <<PY
import io, sys, tarfile
t = tarfile.open(sys.argv[1], sys.argv[2], format=tarfile.PAX_FORMAT)
def add(i, data=None):
    t.addfile(i, io.BytesIO(data) if data is not None else None)
def f(name, data=b"x", mode=0o644, **kw):
    i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode
    for k, v in kw.items(): setattr(i, k, v)
    add(i, data)
def d(name, mode=0o755):
    i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = mode; add(i)
def l(name, target):
    i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; add(i)
def h(name, target):
    i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = target; add(i)
$body
t.close()
PY
}

mk_layout() { python3 "$HELPERS" layout "$@"; }
mk_docker() { python3 "$HELPERS" docker "$@"; }

# Nothing registered and nothing left on disk by a refused load.
assert_store_empty() {
	run nk images -a -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$(ls -A "$SR/layers")" ]
	[ -z "$(ls -A "$SR/tmp")" ]
	[ -z "$(ls -A "$SR/blobs/sha256")" ]
}
