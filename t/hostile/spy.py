# An attacker's function (python3.11) that is also a victim: MARK, below,
# is its owner's secret (t/hostile.t writes a fresh one into each owner's
# copy).  It leaves its mark in memory, in /tmp and in a process that
# tries to outlive the call, then looks for any other owner's mark in
# every place a function could read: guest memory through /proc/kcore and
# /dev/mem, block devices, every file, and the memory, environment and
# command line of every process it can see.  It answers the marks it
# found that are not its own.
import os
import re
import subprocess
import sys

MARK = 'FGSPY-@MARK@'
PREFIX = b'FGSPY' + b'-'          # split: the prefix alone is not a mark
PATTERN = re.compile(re.escape(PREFIX) + rb'[0-9a-f]{32}')
CHUNK = 16 << 20

kept = [MARK.encode() * 64]       # in this runtime's memory until it exits


def scan(f, limit, found, where):
    tail = b''
    done = 0
    while done < limit:
        try:
            buf = f.read(min(CHUNK, limit - done))
        except OSError:
            break
        if not buf:
            break
        done += len(buf)
        data = tail + buf
        if PREFIX in data:
            for m in PATTERN.findall(data):
                found.setdefault(m.decode(), set()).add(where)
        tail = data[-64:]


def scan_path(path, limit, found, where=None):
    try:
        with open(path, 'rb', buffering=0) as f:
            scan(f, limit, found, where or path)
        return True
    except OSError:
        return False


def scan_kcore(found):
    """The guest's RAM, through the kernel's direct map in /proc/kcore."""
    try:
        f = open('/proc/kcore', 'rb', buffering=0)
    except OSError:
        return False
    with f:
        hdr = f.read(64)
        phoff = int.from_bytes(hdr[32:40], 'little')
        phentsize = int.from_bytes(hdr[54:56], 'little')
        phnum = int.from_bytes(hdr[56:58], 'little')
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
        for i in range(phnum):
            e = ph[i * phentsize:(i + 1) * phentsize]
            if int.from_bytes(e[0:4], 'little') != 1:      # PT_LOAD
                continue
            off = int.from_bytes(e[8:16], 'little')
            vaddr = int.from_bytes(e[16:24], 'little')
            size = int.from_bytes(e[32:40], 'little')
            if size > (2 << 30) or size == 0:
                continue
            f.seek(off)
            scan(f, size, found, 'kcore@%x' % vaddr)
    return True


def scan_processes(found):
    for p in os.listdir('/proc'):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        scan_path('/proc/%s/environ' % p, 1 << 20, found)
        scan_path('/proc/%s/cmdline' % p, 1 << 20, found)
        try:
            maps = open('/proc/%s/maps' % p).read().splitlines()
            mem = open('/proc/%s/mem' % p, 'rb', buffering=0)
        except OSError:
            continue
        with mem:
            for line in maps:
                lo, hi = (int(x, 16) for x in line.split()[0].split('-'))
                if 'r' not in line.split()[1] or hi - lo > (1 << 30):
                    continue
                try:
                    mem.seek(lo)
                    scan(mem, hi - lo, found, '/proc/%s/mem' % p)
                except (OSError, ValueError, OverflowError):
                    pass


def scan_files(found):
    for top, dirs, files in os.walk('/'):
        if top == '/':
            dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]
        for name in files:
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path):
                scan_path(path, 64 << 20, found)


def handler(event, context):
    if event.get('quick'):
        return 'here'
    with open('/tmp/spy-%d' % os.getpid(), 'w') as f:
        f.write(MARK)
    # A process meant to outlive the call, with the mark in its
    # environment, out of the call's cgroup if it can be.
    subprocess.Popen(
        ['/bin/sh', '-c', 'echo $$ > /sys/fs/cgroup/cgroup.procs; '
         'exec sleep 3600'],
        env={'SPY': MARK, 'PATH': '/bin'}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = {}
    read = []
    if scan_kcore(found):
        read.append('kcore')
    if scan_path('/dev/mem', 1 << 20, found):
        read.append('mem')
    for d in sorted(os.listdir('/dev')):
        if os.path.exists('/sys/class/block/' + d) and scan_path(
                '/dev/' + d, 256 << 20, found):
            read.append(d)
    scan_processes(found)
    scan_files(found)
    mine = MARK
    others = sorted(m for m in found if m != mine)
    return {'others': others,
            'where': {m: sorted(found[m])[:5] for m in others},
            'own_found': mine in found, 'raw_read': read}
