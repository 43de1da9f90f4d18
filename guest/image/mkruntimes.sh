#!/bin/sh
# mkruntimes.sh OUT [DIR]: the guests' read-only runtime disk, an ext4
# image (made without root by mke2fs -d) that the agent mounts on
# /var/runtime.  It holds python3.11/: our bootstrap and bootstrap.py
# (guest/runtimes/python3.11), Debian's /usr/bin/python3.11 with its
# standard library (without tests, IDLE, tkinter and other parts a function
# can not use in a guest without display or network) and the shared
# libraries it and its extension modules need, with their dynamic loader.
# DIR, when given, also gets the tree (the agent's host tests use it).
#
# A disk rather than a larger initramfs: the initramfs lives in each
# guest's RAM, while a disk's pages are read on demand and shared in the
# host's page cache by all guests.
set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${1:?usage: mkruntimes.sh OUT [DIR]}
KEEP=${2:-}
PY=/usr/bin/python3.11
STDLIB=/usr/lib/python3.11

[ -x "$PY" ] || { echo "mkruntimes: no $PY (apt-get install python3.11)" >&2; exit 1; }
command -v mke2fs >/dev/null || { echo "mkruntimes: no mke2fs (e2fsprogs)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
p="$tmp/root/python3.11"
mkdir -p "$p/lib" "$p/usr/bin" "$p/usr/lib"

cp "$ROOT/guest/runtimes/python3.11/bootstrap" \
   "$ROOT/guest/runtimes/python3.11/bootstrap.py" "$p/"
chmod 755 "$p/bootstrap"
cp "$PY" "$p/usr/bin/python3.11"
# The standard library with Debian's compiled .pyc (the image is read-only:
# nothing is compiled in the guest).
(cd /usr/lib && tar -cf - \
    --exclude='python3.11/test' --exclude='python3.11/idlelib' \
    --exclude='python3.11/tkinter' --exclude='python3.11/turtledemo' \
    --exclude='python3.11/ensurepip' --exclude='python3.11/lib2to3' \
    --exclude='python3.11/pydoc_data' --exclude='python3.11/config-*' \
    --exclude='python3.11/unittest/test' --exclude='python3.11/distutils' \
    --exclude='python3.11/site-packages' --exclude='python3.11/dist-packages' \
    python3.11) | (cd "$p/usr/lib" && tar -xf -)

# Shared libraries of the interpreter and its extension modules.
for f in "$PY" "$STDLIB"/lib-dynload/*.so; do
    ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*ld-linux[^ ]*\) .*/\1/p'
done | sort -u | while read -r lib; do
    cp -L "$lib" "$p/lib/$(basename "$lib")"
done
[ -e "$p/lib/ld-linux-x86-64.so.2" ] || \
    { echo "mkruntimes: no dynamic loader copied" >&2; exit 1; }

if [ -n "$KEEP" ]; then
    rm -rf "$KEEP"
    mkdir -p "$(dirname "$KEEP")"
    cp -a "$tmp/root" "$KEEP"
fi

kb=$(du -sk "$tmp/root" | cut -f1)
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT.tmp"
# No journal (read-only) and no metadata_csum (the guest would need the
# crc32c module to mount it).
mke2fs -q -F -t ext4 -O ^has_journal,^metadata_csum -L fngate-rt \
    -d "$tmp/root" \
    -m 0 "$OUT.tmp" "$((kb + kb / 5 + 4096))k"
mv "$OUT.tmp" "$OUT"
