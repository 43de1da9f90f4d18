# An attacker's function (python3.11, a persistent runtime): it counts the
# processes an earlier call of its own left behind, then leaves one more
# in a session of its own, named "lingerpy".  The runtime's own process
# group stays between calls; nothing that left it may.
import os
import subprocess


def handler(event, context):
    n = 0
    for p in os.listdir('/proc'):
        try:
            # (a killed child the runtime has not reaped yet is a zombie:
            # no longer a process that runs, not counted)
            if p.isdigit() and open('/proc/%s/comm' % p).read().strip() \
                    == 'lingerpy' and open('/proc/%s/stat' % p).read() \
                    .rsplit(')', 1)[1].split()[0] != 'Z':
                n += 1
        except OSError:
            pass
    with open('/tmp/lingerpy', 'w') as f:
        f.write('#!/bin/sh\nsleep 3600\n')
    os.chmod('/tmp/lingerpy', 0o755)
    subprocess.Popen(['/tmp/lingerpy'], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    return 'left behind: %d' % n
