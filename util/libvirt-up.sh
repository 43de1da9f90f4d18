#!/usr/bin/env bash
# util/libvirt-up.sh: makes libvirt ready for fngate's guests on a machine
# that may have neither systemd nor udev.  Used by `util/fngate up` and
# util/run-tests.sh.
#
# - /dev/kvm: Debian's udev rule gives it to group kvm, mode 0660.  Without
#   udev the node stays root:root 0600; libvirt then throws its QEMU
#   capability cache away at every start, and each domain creation takes
#   about a minute, even for TCG guests.  The rule's ownership is applied.
# - starts virtlogd and libvirtd when they are not running, and waits until
#   libvirtd answers on LIBVIRT_URI (default qemu:///system).
#
# Prints one line "started NAME PID" for each daemon it started.
set -euo pipefail

URI=${LIBVIRT_URI:-qemu:///system}

note() { echo "libvirt-up: $*" >&2; }

if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
    if [ "$(stat -c %G /dev/kvm)" != kvm ]; then
        chgrp kvm /dev/kvm && note "/dev/kvm given to group kvm, as udev would"
    fi
    if [ $((0$(stat -c %a /dev/kvm) & 060)) -ne $((060)) ]; then
        chmod g+rw /dev/kvm && note "/dev/kvm made group read-write, as udev would"
    fi
fi

# A daemon that another script has just stopped may still be exiting when
# this one looks; so each round of the wait starts whichever daemon is not
# (or no longer) running, rather than trusting one look at the start.
start_missing() {
    local daemon
    for daemon in virtlogd libvirtd; do
        if ! pgrep -x "$daemon" >/dev/null; then
            "$daemon" -d || note "$daemon -d failed"
            echo "started $daemon $(pgrep -x -n "$daemon")"
        fi
    done
}

for ((i = 0; i < 600; i++)); do
    ((i % 10 == 0)) && start_missing
    virsh -c "$URI" version >/dev/null 2>&1 && exit 0
    sleep 0.1
done
note "libvirtd does not answer on $URI"
exit 1
