#!/bin/sh
# mkinitramfs.sh OUT [AGENT] [KERNEL_DIR]: the guest's initramfs, a newc
# cpio.gz holding busybox (static, with its applet links in /bin), the agent
# as /init, the kernel modules the agent needs (and their dependencies,
# uncompressed, in load order in /etc/fngate-modules), /var/task and /tmp.
#
# AGENT defaults to $BUILD/fngate-agent, KERNEL_DIR to $ROOT/.fngate/kernel
# (as left by guest/image/fetch-kernel.sh).
set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
OUT=${1:?usage: mkinitramfs.sh OUT [AGENT] [KERNEL_DIR]}
AGENT=${2:-$BUILD/fngate-agent}
KDIR=${3:-$ROOT/.fngate/kernel}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# Modules the guest needs when the kernel has them as =m: the PCI transport,
# the virtio-serial driver (the agent's channel), and virtio-blk with ext4
# for the read-only runtime disk (guest/image/mkruntimes.sh).  ext4 asks the
# crypto API for crc32c at mount (its modinfo softdep, which this script
# does not follow): crc32c_generic comes first.  virtio_net: the guest's NIC
# when fngated gives guests a network (docs/network.md).  The socket diag
# modules and nf_tables: what CRIU needs to checkpoint a waiting call, its
# sockets and the lock that holds its connections' packets meanwhile
# (docs/suspend.md).
WANT=${FNGATE_MODULES:-"virtio_pci virtio_console virtio_blk crc32c_generic ext4 virtio_net
unix_diag inet_diag tcp_diag udp_diag netlink_diag af_packet_diag nf_tables"}

ver=$(cat "$KDIR/version")
mdir="$KDIR/lib/modules/$ver"
[ -d "$mdir" ] || { echo "mkinitramfs: no modules in $mdir" >&2; exit 1; }
[ -x "$AGENT" ] || { echo "mkinitramfs: no agent at $AGENT" >&2; exit 1; }
ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic' || \
    { echo "mkinitramfs: $BUSYBOX is not static (install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r="$tmp/root"
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/var/task" \
         "$r/etc" "$r/lib/modules" "$r/root"
chmod 1777 "$r/tmp"

cp "$AGENT" "$r/init"
chmod 755 "$r/init"
cp "$BUSYBOX" "$r/bin/busybox"
for a in $("$BUSYBOX" --list); do
    [ "$a" = busybox ] || [ "$a" = init ] || [ "$a" = linuxrc ] || \
        ln -sf busybox "$r/bin/$a"
done
ln -s bin "$r/sbin"
mkdir -p "$r/usr"
ln -s ../bin "$r/usr/bin"
ln -s ../bin "$r/usr/sbin"
echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
echo 'root:x:0:' > "$r/etc/group"

# name -> file, for modules only (builtins need nothing).  Module names
# treat '-' and '_' alike.  One awk per lookup: a shell loop over the
# kernel's thousands of modules forks for each of them.
find "$mdir/kernel" -name '*.ko*' > "$tmp/all"
# modline LIST NAME: the first path in LIST of module NAME; 1 when none.
modline() {
    awk -v n="$2" 'BEGIN { gsub(/-/, "_", n) }
        { b = $0; sub(/.*\//, "", b); sub(/\.ko.*/, "", b); gsub(/-/, "_", b)
          if (b == n) { print; found = 1; exit } }
        END { exit !found }' "$1"
}
modfile() { modline "$tmp/all" "$1"; }
builtin() { modline "$mdir/modules.builtin" "$1" >/dev/null; }

# Depth-first: dependencies first, each module once.
: > "$tmp/order"
add() {
    grep -qx "$1" "$tmp/order" && return 0
    if builtin "$1"; then return 0; fi
    f=$(modfile "$1") || { echo "mkinitramfs: module $1 not found" >&2; exit 1; }
    for d in $(/sbin/modinfo -F depends "$f" | tr , ' '); do
        add "$d"
    done
    grep -qx "$1" "$tmp/order" || echo "$1" >> "$tmp/order"
}
for m in $WANT; do add "$m"; done

while read -r m; do
    f=$(modfile "$m")
    case "$f" in
    *.ko.xz)  xz -dc "$f"   > "$r/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$r/lib/modules/$m.ko" ;;
    *.ko.gz)  gzip -dc "$f" > "$r/lib/modules/$m.ko" ;;
    *)        cp "$f" "$r/lib/modules/$m.ko" ;;
    esac
    echo "/lib/modules/$m.ko" >> "$r/etc/fngate-modules"
done < "$tmp/order"
touch "$r/etc/fngate-modules"

mkdir -p "$(dirname "$OUT")"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | gzip -9n > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
