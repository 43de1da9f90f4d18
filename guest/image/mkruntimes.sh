#!/bin/sh
# mkruntimes.sh OUT [DIR]: the guests' read-only runtime disk, an ext4
# image (made without root by mke2fs -d) that the agent mounts on
# /var/runtime.  It holds python3.11/: our bootstrap and bootstrap.py
# (guest/runtimes/python3.11), Debian's /usr/bin/python3.11 with its
# standard library (without tests, IDLE, tkinter and other parts a function
# can not use in a guest without display) and the shared libraries it and
# its extension modules need, with their dynamic loader, and Debian's boto3
# with what it imports;
# and nodejsNN.x/: our bootstrap and bootstrap.js (guest/runtimes/nodejs),
# the machine's node with its libraries and loader, and the AWS SDK's
# clients that util/deps.sh put in build/npm.  NN is the major version
# that the copied node itself reports: the name never claims another;
# and .criu/: Debian's criu, for suspended waits (docs/suspend.md).
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
NODE=${NODE:-/usr/bin/node}
NPM=${NPM:-$ROOT/build/npm}

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

# The AWS SDK for Python as Lambda's python runtimes carry it: Debian's
# python3-boto3 and what it imports, after the function's own packages on
# sys.path (bootstrap.py), with Debian's compiled .pyc.
SDK_PKGS="boto3 botocore s3transfer jmespath dateutil urllib3 six.py requests
certifi idna charset_normalizer chardet"
mkdir -p "$p/usr/lib/sdk"
for m in $SDK_PKGS; do
    [ -e "/usr/lib/python3/dist-packages/$m" ] || \
        { echo "mkruntimes: no $m in /usr/lib/python3/dist-packages" \
               "(apt-get install python3-boto3)" >&2; exit 1; }
    cp -RL "/usr/lib/python3/dist-packages/$m" "$p/usr/lib/sdk/"
done

# copy_libs DIR FILE...: the shared libraries FILEs need, with their
# dynamic loader, into DIR.
copy_libs() {
    dir=$1
    shift
    for f in "$@"; do
        ldd "$f" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*ld-linux[^ ]*\) .*/\1/p'
    done | sort -u | while read -r lib; do
        cp -L "$lib" "$dir/$(basename "$lib")"
    done
    [ -e "$dir/ld-linux-x86-64.so.2" ] || \
        { echo "mkruntimes: no dynamic loader copied" >&2; exit 1; }
}

# Shared libraries of the interpreter and its extension modules.
copy_libs "$p/lib" "$PY" "$STDLIB"/lib-dynload/*.so

# Node.js: Lambda's name for the major version of the node copied, checked
# by running the copy as the guest will (its loader, its libraries).
[ -x "$NODE" ] || { echo "mkruntimes: no $NODE (apt-get install nodejs)" >&2; exit 1; }
for m in client-lambda client-sqs; do
    [ -f "$NPM/node_modules/@aws-sdk/$m/package.json" ] || \
        { echo "mkruntimes: no @aws-sdk/$m in $NPM (run util/deps.sh)" >&2; exit 1; }
done
n="$tmp/node"
mkdir -p "$n/bin" "$n/lib"
cp "$ROOT/guest/runtimes/nodejs/bootstrap" \
   "$ROOT/guest/runtimes/nodejs/bootstrap.js" "$n/"
chmod 755 "$n/bootstrap"
cp "$NODE" "$n/bin/node"
copy_libs "$n/lib" "$NODE"
ver=$("$n/lib/ld-linux-x86-64.so.2" --library-path "$n/lib" "$n/bin/node" \
      --version)
case "$ver" in
    v18.*) name=nodejs18.x ;;
    v20.*) name=nodejs20.x ;;
    *) echo "mkruntimes: node $ver is neither 18 nor 20: no runtime name" \
            "fngate offers fits it" >&2; exit 1 ;;
esac
cp -a "$NPM/node_modules" "$n/node_modules"
mv "$n" "$tmp/root/$name"

# CRIU, for the agent to checkpoint a call that waits on another and bring
# it back (docs/suspend.md): Debian's criu with its libraries and loader,
# in .criu/ (a dot: not a runtime's name in the manifest below).
CRIU=${CRIU:-/usr/sbin/criu}
[ -x "$CRIU" ] || { echo "mkruntimes: no $CRIU (apt-get install criu)" >&2; exit 1; }
mkdir -p "$tmp/root/.criu/lib"
cp "$CRIU" "$tmp/root/.criu/criu"
copy_libs "$tmp/root/.criu/lib" "$CRIU"

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
# The manifest fngated reads (OUT.names, one runtime a line): CreateFunction
# refuses a runtime the disk does not carry.
ls "$tmp/root" >"$OUT.names.tmp"
mv "$OUT.names.tmp" "$OUT.names"
