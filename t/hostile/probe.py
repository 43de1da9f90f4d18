# An attacker's function (python3.11): what may its code do in its guest?
# Each check prints what the sandbox answered; t/hostile.t compares the
# whole answer with what the sandbox promises (docs/security.md).
# Dangerous calls run in a child process, with harmless arguments: on a
# guest without a sandbox they succeed or fail for other reasons than
# EPERM, and nothing else in the guest is harmed.
import ctypes
import errno
import json
import os
import signal
import struct

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

# x86_64 syscall numbers, with arguments that change nothing
CALLS = {
    'init_module':     (175, 0, 0, b''),
    'finit_module':    (313, -1, b'', 0),
    'delete_module':   (176, b'fngate_none', 0),
    'kexec_load':      (246, 0, 0, 0, 0),
    'kexec_file_load': (320, -1, -1, 0, 0, 0),
    'perf_event_open': (298, 0, 0, -1, -1, 0),
    'bpf':             (321, 0, 0, 0),
    'iopl':            (172, 3),
    'ioperm':          (173, 0x80, 1, 1),
    'mount':           (165, b'none', b'/nonexistent', b'tmpfs', 0, 0),
    'umount2':         (166, b'/nonexistent', 0),
    'reboot':          (169, 0, 0, 0, 0),
    'keyctl':          (250, 0, -3, 0),
    'add_key':         (248, b'user', b'fngate', b'x', 1, -3),
    'unshare_user':    (272, 0x10000000),
    'unshare_net':     (272, 0x40000000),
    'setns':           (308, -1, 0),
    'swapon':          (167, b'/tmp/none', 0),
    'chroot':          (161, b'/tmp'),
    'pivot_root':      (155, b'.', b'.'),
    'acct':            (163, 0),
    'syslog':          (103, 10, 0, 0),
    'userfaultfd':     (323, 0),
    'open_by_handle_at': (304, -1, 0, 0),
    'mknod_mem':       (259, -100, b'/tmp/fgmem', 0o20600, (1 << 8) | 1),
    'io_uring_setup':  (425, 1, 0),
    'ptrace_pid1':     (101, 0x4206, 1, 0, 0),
    'fsopen':          (430, b'tmpfs', 0),
    'clone3':          (435, 0, 0),
}


def errname(e):
    return errno.errorcode.get(e, str(e)) if e else 'allowed'


def in_child(fn):
    """fn() in a child: its errno name, or 'allowed'."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            e = fn()
        except BaseException:
            e = 999
        os.write(w, struct.pack('i', e))
        os._exit(0)
    os.close(w)
    data = os.read(r, 4)
    os.close(r)
    os.waitpid(pid, 0)
    return errname(struct.unpack('i', data)[0]) if len(data) == 4 else 'died'


def call(args):
    def go():
        nr, *rest = args
        if libc.syscall(nr, *rest) < 0:
            return ctypes.get_errno()
        return 0
    return in_child(go)


def try_open(path, flags=os.O_RDONLY):
    try:
        fd = os.open(path, flags)
    except OSError as e:
        return errname(e.errno)
    os.close(fd)
    return 'allowed'


def try_write(path, text):
    try:
        with open(path, 'w') as f:
            f.write(text)
    except OSError as e:
        return errname(e.errno)
    return 'allowed'


def status():
    s = {}
    with open('/proc/self/status') as f:
        for line in f:
            k, _, v = line.partition(':')
            s[k] = v.strip()
    return s


def agent_port():
    base = '/sys/class/virtio-ports'
    for p in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        try:
            with open(f'{base}/{p}/name') as f:
                if f.read().strip() == 'org.fngate.agent.0':
                    return '/dev/' + p
        except OSError:
            pass
    return None


def others_visible():
    """Processes outside this call's session (the agent, kernel threads,
    other functions) that /proc shows."""
    me = os.getsid(0)
    n = 0
    for p in os.listdir('/proc'):
        try:
            if p.isdigit() and os.getsid(int(p)) != me:
                n += 1
        except OSError:
            pass
    return n


def handler(event, context):
    out = {}
    st = status()
    uid, gid = os.getuid(), os.getgid()
    out['uid'] = 'root' if uid == 0 else 'sandbox' if uid >= 1000 else str(uid)
    out['gid'] = 'root' if gid == 0 else 'sandbox' if gid >= 1000 else str(gid)
    out['groups'] = len(os.getgroups())
    for c in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):
        out[c] = 'none' if int(st.get(c, '0'), 16) == 0 else st.get(c)
    out['NoNewPrivs'] = st.get('NoNewPrivs')
    out['Seccomp'] = st.get('Seccomp')
    for name, args in CALLS.items():
        out['sys_' + name] = call(args)
    out['kill_pid1'] = in_child(lambda: 0 if libc.kill(1, 0) == 0
                                else ctypes.get_errno())
    for path in ('/proc/kcore', '/dev/mem', '/dev/kmem', '/dev/port',
                 '/dev/kmsg', '/proc/1/mem', '/proc/1/environ', '/init',
                 '/etc/fngate-modules', '/dev/ttyS0', '/dev/console'):
        out['open ' + path] = try_open(path)
    blocks = [d for d in sorted(os.listdir('/dev'))
              if os.path.exists('/sys/class/block/' + d)]
    out['block devices'] = sorted({try_open('/dev/' + d) for d in blocks}
                                  or {'none'})
    port = agent_port()
    out['open agent port'] = try_open(port, os.O_WRONLY) if port else 'none'
    out['other processes'] = others_visible()
    with open('/proc/self/cgroup') as f:
        cg = '/sys/fs/cgroup' + f.read().strip().split('::', 1)[1]
    with open(cg + '/pids.max') as f:
        out['cgroup pids.max'] = f.read().strip()
    out['cgroup memory.max'] = try_write(cg + '/memory.max', 'max')
    out['cgroup escape'] = try_write('/sys/fs/cgroup/cgroup.procs',
                                     str(os.getpid()))
    out['write /var/task'] = try_write('/var/task/x', 'x')
    out['write /tmp'] = try_write('/tmp/probe', 'x')
    return out
