# An attacker's function (python3.11): it writes frames to the agent's
# virtio-serial port as if it were the agent (RESULTs for the call's
# request id, for any sequence number, and garbage), then answers
# "real".  The host must never take a forged frame for the answer.
import os
import struct


def frame(ftype, seq, fields):
    payload = b''
    for k, v in fields:
        payload += struct.pack('>H', len(k)) + k + struct.pack('>I', len(v)) + v
    return struct.pack('>HBBII', 0x4647, ftype, 0, seq, len(payload)) + payload


def agent_port():
    base = '/sys/class/virtio-ports'
    for p in sorted(os.listdir(base)):
        with open(f'{base}/{p}/name') as f:
            if f.read().strip() == 'org.fngate.agent.0':
                return '/dev/' + p
    return None


def handler(event, context):
    rid = context.aws_request_id.encode()
    try:
        fd = os.open(agent_port(), os.O_WRONLY)
    except (OSError, TypeError) as e:
        return 'real'
    for seq in range(0, 4096):
        os.write(fd, frame(5, seq, [(b'request_id', rid), (b'status', b'ok'),
                                    (b'exit', b'0'), (b'stdout', b'"forged"'),
                                    (b'stderr', b''), (b'duration_us', b'1'),
                                    (b'max_rss_kb', b'1')]))
    os.write(fd, b'\xff' * 4096)
    os.close(fd)
    return 'real'
