#!/bin/sh
# fetch-kernel.sh [DEST]: unpack the Debian kernel that linux-image-amd64
# depends on into DEST (default $ROOT/.fngate/kernel), leaving DEST/vmlinuz,
# DEST/config and DEST/lib/modules/VERSION.  Nothing goes to /boot.  Does
# nothing when DEST already holds that kernel.
set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
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
    if [ -f "$DEST/vmlinuz" ] && [ -f "$DEST/.package" ]; then
        exit 0
    fi
    echo "fetch-kernel: cannot resolve linux-image-amd64's kernel package" >&2
    exit 1
fi

if [ -f "$DEST/vmlinuz" ] && [ "$(cat "$DEST/.package" 2>/dev/null)" = "$pkg" ]; then
    exit 0
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"   # apt-get download drops to _apt
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
echo "$ver" > "$DEST.new/version"
echo "$pkg" > "$DEST.new/.package"

rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "fetch-kernel: $pkg unpacked in $DEST"
