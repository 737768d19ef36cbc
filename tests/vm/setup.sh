#!/bin/bash
# Prepares the VM test tier: host packages, the guest kernel and the
# initramfs.  Idempotent; prints nothing when everything is already there.
#
# Everything it makes lives in the build tree ($NOOK_VM_DIR, default
# build/vm): the Debian cloud kernel is fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` -- it is never installed as the host's kernel.
#
#   build/vm/current -> kernel-<ver>/
#   build/vm/kernel-<ver>/vmlinuz          the packaged bzImage
#   build/vm/kernel-<ver>/vmlinux          its unpacked payload (PVH boot), if any
#   build/vm/kernel-<ver>/lib/modules/<ver>/   full module tree + modules.dep
#   build/vm/kernel-<ver>/initramfs.cpio   busybox, stage-1 init, boot modules
#
# Env: NOOK_VM_DIR, NOOK_VM_KERNEL_PKG (e.g. linux-image-6.1.0-56-cloud-amd64;
# default: what linux-image-cloud-amd64 depends on), NOOK_VM_REFRESH=1 to
# look the kernel package up again.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
VMDIR=${NOOK_VM_DIR:-$SRC/build/vm}
BUSYBOX=/bin/busybox
VIRTIOFSD=/usr/lib/qemu/virtiofsd
# Modules stage 1 loads before it can mount the host root; their
# dependencies are added in load order.
BOOT_MODULES=(virtio_pci virtiofs overlay)

say() { echo "vm-setup: $*" >&2; }
die() { say "$*"; exit 1; }

apt_install() {
	say "installing $*"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "$@" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; } ||
		die "apt-get install $* failed"
}

is_static() {
	case $(LC_ALL=C ldd "$1" 2>&1) in *"not a dynamic executable"*) return 0 ;; esac
	return 1
}

ensure_packages() {
	local missing=()
	[ -x /usr/bin/qemu-system-x86_64 ] && [ -x "$VIRTIOFSD" ] || missing+=(qemu-system-x86)
	command -v cpio >/dev/null || missing+=(cpio)
	# The initramfs has no libc: its busybox must be the static build.
	[ -x "$BUSYBOX" ] && is_static "$BUSYBOX" 2>/dev/null || missing+=(busybox-static)
	if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
	[ -x "$VIRTIOFSD" ] || die "$VIRTIOFSD missing (qemu-system-common ships it on Debian 12)"
	is_static "$BUSYBOX" || die "$BUSYBOX is not statically linked"
}

# Decompressor for a compression name, installing its package on demand.
ensure_tool() { # lz4|zstd|xz|gzip
	local pkg=$1
	[ "$1" = xz ] && pkg=xz-utils
	command -v "$1" >/dev/null || apt_install "$pkg"
}

kernel_pkg() {
	local p
	if [ -n "${NOOK_VM_KERNEL_PKG:-}" ]; then echo "$NOOK_VM_KERNEL_PKG"; return; fi
	p=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	if [ -z "$p" ]; then
		apt-get update -q >/dev/null
		p=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
	fi
	[ -n "$p" ] || die "cannot resolve linux-image-cloud-amd64 to a kernel package"
	echo "$p"
}

# Prints the module's .modinfo "depends=" list, space-separated.
mod_depends() {
	local f=$1 cat=cat
	case $f in *.xz) cat="xz -dc" ;; *.zst) cat="zstd -dc" ;; esac
	$cat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -1 | tr ',' ' '
}

# Prints the .ko paths of the named modules, dependencies first.  The .deb
# ships no modules.dep (depmod runs at install time), so the order comes
# from each module's .modinfo "depends=" string.
resolve_modules() { # moddir names...
	local moddir=$1 m
	shift
	declare -gA MOD_SEEN=() MOD_PATH=()
	local f n
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		MOD_PATH[${n//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko*')
	for m in "$@"; do visit_module "$moddir" "$m"; done
}

visit_module() {
	local moddir=$1 name=${2//-/_} d
	[ -z "${MOD_SEEN[$name]:-}" ] || return 0
	MOD_SEEN[$name]=1
	if [ -z "${MOD_PATH[$name]:-}" ]; then
		grep -q "/${name}.ko\$\|/${name//_/-}.ko\$" "$moddir/modules.builtin" ||
			die "kernel module $name is neither in the tree nor built in"
		return 0
	fi
	for d in $(mod_depends "${MOD_PATH[$name]}"); do visit_module "$moddir" "$d"; done
	echo "${MOD_PATH[$name]}"
}

# The kernel's compressed payload, unpacked to an ELF vmlinux that QEMU boots
# at its PVH entry point: no firmware, real-mode setup or in-guest
# decompression, which saves about half a second per boot under TCG.
extract_vmlinux() { # kdir
	local k=$1 tool magic off
	tool=$(sed -n 's/^CONFIG_KERNEL_\(LZ4\|ZSTD\|XZ\|GZIP\)=y/\1/p' "$k/config" | tr '[:upper:]' '[:lower:]')
	case $tool in
	lz4) magic='\x02\x21\x4c\x18' ;;
	zstd) magic='\x28\xb5\x2f\xfd' ;;
	xz) magic='\xfd\x37\x7a\x58\x5a\x00' ;;
	gzip) magic='\x1f\x8b\x08' ;;
	*) return 0 ;;
	esac
	ensure_tool "$tool"
	grep -q '^CONFIG_PVH=y' "$k/config" || return 0
	for off in $(LC_ALL=C grep -obUaP "$magic" "$k/vmlinuz" | head -4 | cut -d: -f1); do
		tail -c +$((off + 1)) "$k/vmlinuz" | "$tool" -dc >"$k/vmlinux.tmp" 2>/dev/null || true
		# An ELF with the Xen PHYS32_ENTRY note (namesz 4, type 0x12, "Xen").
		if [ "$(head -c 4 "$k/vmlinux.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
			LC_ALL=C grep -qaP '\x04\x00\x00\x00[\x04\x08]\x00\x00\x00\x12\x00\x00\x00Xen\x00' "$k/vmlinux.tmp"; then
			mv "$k/vmlinux.tmp" "$k/vmlinux"
			return 0
		fi
	done
	rm -f "$k/vmlinux.tmp"
	say "no PVH-bootable vmlinux in $k/vmlinuz; the VM boots vmlinuz through the firmware"
}

fetch_kernel() { # pkg
	local pkg=$1 kver=${1#linux-image-} tmp deb f n
	say "fetching $pkg (unpacked into $VMDIR, not installed)"
	tmp=$(mktemp -d "$VMDIR/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	chown _apt "$tmp" 2>/dev/null || true # apt's download sandbox user
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null) ||
		{ apt-get update -q >/dev/null && (cd "$tmp" && apt-get download -q "$pkg" >/dev/null); } ||
		die "apt-get download $pkg failed"
	deb=$(echo "$tmp"/*.deb)
	dpkg-deb -x "$deb" "$tmp/x"
	local out=$tmp/kernel-$kver
	mkdir -p "$out/lib/modules" "$out/boot-modules"
	mv "$tmp/x/boot/vmlinuz-$kver" "$out/vmlinuz"
	mv "$tmp/x/boot/config-$kver" "$out/config"
	mv "$tmp/x/lib/modules/$kver" "$out/lib/modules/$kver"
	# Boot modules, uncompressed (busybox insmod), in load order.
	resolve_modules "$out/lib/modules/$kver" "${BOOT_MODULES[@]}" >"$tmp/boot-modules"
	: >"$out/boot-modules/order"
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		case $f in
		*.ko) cp "$f" "$out/boot-modules/$n.ko" ;;
		*.xz) ensure_tool xz && xz -dc "$f" >"$out/boot-modules/$n.ko" ;;
		*.zst) ensure_tool zstd && zstd -dc "$f" >"$out/boot-modules/$n.ko" ;;
		esac
		echo "$n" >>"$out/boot-modules/order"
	done <"$tmp/boot-modules"
	# modules.dep for modprobe in the guest (veth, bridge, ...).
	"$BUSYBOX" depmod -b "$out" "$kver"
	extract_vmlinux "$out"
	echo "$pkg" >"$out/package"
	rm -rf "$VMDIR/kernel-$kver"
	mv "$out" "$VMDIR/kernel-$kver"
	ln -sfn "kernel-$kver" "$VMDIR/current"
	rm -rf "$tmp"
	trap - EXIT
}

ensure_kernel() {
	local pkg
	# Fast path: no apt-cache look-up (it costs most of a second).
	if [ -z "${NOOK_VM_KERNEL_PKG:-}" ] && [ "${NOOK_VM_REFRESH:-0}" = 0 ] &&
		[ -f "$VMDIR/current/package" ]; then
		return 0
	fi
	pkg=$(kernel_pkg)
	if [ -f "$VMDIR/kernel-${pkg#linux-image-}/package" ]; then
		ln -sfn "kernel-${pkg#linux-image-}" "$VMDIR/current"
	else
		fetch_kernel "$pkg"
	fi
}

# The initramfs holds only stage 1 (tests/vm/init), busybox and the boot
# modules; stage 2 (tests/vm/guest-init) runs from the shared host root, so
# editing it needs no rebuild.  Rebuilt when any input changes.
ensure_initramfs() {
	local k hash stage f
	k=$(readlink -f "$VMDIR/current")
	hash=$({
		sha256sum "$HERE/init" "$BUSYBOX"
		cat "$k/boot-modules/order"
	} | sha256sum | cut -c1-16)
	[ "$(cat "$k/initramfs.hash" 2>/dev/null)" != "$hash" ] || [ ! -f "$k/initramfs.cpio" ] || return 0
	stage=$(mktemp -d "$VMDIR/.initramfs.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,dev,proc,sys,lower,rw,newroot,modules}
	cp "$BUSYBOX" "$stage/bin/busybox"
	for f in $("$BUSYBOX" --list); do
		[ "$f" = busybox ] || ln -s busybox "$stage/bin/$f"
	done
	mknod -m 600 "$stage/dev/console" c 5 1
	cp "$k"/boot-modules/* "$stage/modules/"
	install -m 755 "$HERE/init" "$stage/init"
	# Uncompressed: the kernel unpacks it faster than it would decompress it.
	(cd "$stage" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$k/initramfs.cpio.tmp"
	mv "$k/initramfs.cpio.tmp" "$k/initramfs.cpio"
	echo "$hash" >"$k/initramfs.hash"
	rm -rf "$stage"
	trap - EXIT
}

[ "$(id -u)" = 0 ] || die "must run as root"
ensure_packages
mkdir -p "$VMDIR"
exec 9>"$VMDIR/.lock"
flock 9
ensure_kernel
ensure_initramfs
