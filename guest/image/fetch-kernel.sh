#!/bin/sh
# fetch-kernel.sh [DEST]: unpack the Debian kernel that linux-image-amd64
# depends on into DEST (default $ROOT/.fngate/kernel), leaving DEST/vmlinuz,
# DEST/config, DEST/lib/modules/VERSION and DEST/vmlinux.  Nothing goes to
# /boot.  Does nothing when DEST already holds that kernel.
#
# DEST/vmlinux is the kernel to boot: the uncompressed ELF taken out of
# vmlinuz when the kernel has CONFIG_PVH (QEMU then boots it directly, which
# halves a TCG guest's boot: no BIOS path and no in-guest xz
# decompression), else a link to vmlinuz.
set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DEST=${1:-$ROOT/.fngate/kernel}

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
      | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
    # Package lists not fetched yet on a fresh machine.
    apt-get update -qq >/dev/null
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
          | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
fi
if [ -z "$pkg" ]; then
    # Offline with a kernel already unpacked: keep it.
    if [ -e "$DEST/vmlinux" ] && [ -f "$DEST/.package" ]; then
        exit 0
    fi
    echo "fetch-kernel: cannot resolve linux-image-amd64's kernel package" >&2
    exit 1
fi

if [ -f "$DEST/vmlinuz" ] && [ -e "$DEST/vmlinux" ] \
   && [ "$(cat "$DEST/.package" 2>/dev/null)" = "$pkg" ]; then
    exit 0
fi

# extract_vmlinux BZIMAGE OUT CONFIG: the ELF kernel inside a bzImage, when
# the kernel can be booted that way (PVH); OUT stays empty otherwise.
extract_vmlinux() {
    grep -q '^CONFIG_PVH=y' "$3" || return 1
    for fmt in xz zstd gzip; do
        case $fmt in
        xz)   magic='\xfd7zXZ\x00';     cmd='xz -dc --single-stream' ;;
        zstd) magic='\x28\xb5\x2f\xfd'; cmd='zstd -dcq' ;;
        gzip) magic='\x1f\x8b\x08';     cmd='gzip -dc' ;;
        esac
        command -v ${cmd%% *} >/dev/null || continue
        for off in $(LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1 \
                     | head -n 3); do
            tail -c +$((off + 1)) "$1" | $cmd > "$2" 2>/dev/null || true
            if [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ]; then
                return 0
            fi
        done
    done
    : > "$2"
    return 1
}

tmp=$(mktemp -d)
chown _apt "$tmp" 2>/dev/null || chmod 755 "$tmp"   # apt drops to _apt
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
deb=$(ls "$tmp"/*.deb)

rm -rf "$DEST.new"
mkdir -p "$DEST.new"
dpkg-deb -x "$deb" "$DEST.new/root"
ver=${pkg#linux-image-}
mv "$DEST.new/root/boot/vmlinuz-$ver" "$DEST.new/vmlinuz"
mv "$DEST.new/root/boot/config-$ver" "$DEST.new/config"
mkdir -p "$DEST.new/lib/modules"
mv "$DEST.new/root/lib/modules/$ver" "$DEST.new/lib/modules/$ver"
rm -rf "$DEST.new/root"
extract_vmlinux "$DEST.new/vmlinuz" "$DEST.new/vmlinux.tmp" \
    "$DEST.new/config" || true
if [ -s "$DEST.new/vmlinux.tmp" ]; then
    mv "$DEST.new/vmlinux.tmp" "$DEST.new/vmlinux"
else
    rm -f "$DEST.new/vmlinux.tmp"
    ln -s vmlinuz "$DEST.new/vmlinux"
fi
echo "$ver" > "$DEST.new/version"
echo "$pkg" > "$DEST.new/.package"

rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "fetch-kernel: $pkg unpacked in $DEST"
