#!/usr/bin/python3
# util/deploy-load.py: code updates under load (docs/vms.md "Sandboxes").
#
#   FNGATE_ENDPOINT=URL AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
#   AWS_DEFAULT_REGION=us-east-1 util/deploy-load.py [--seconds 60]
#       [--every 8] [--threads 3] [--function dep]
#
# Creates the python3.11 function FUNCTION (two files that both name the
# code's version) with version 1 and the alias "live" (or takes them as
# they are), then for SECONDS calls the alias from THREADS boto3 threads
# without pause while the main thread deploys a new version every EVERY
# seconds: UpdateFunctionCode, PublishVersion, UpdateAlias.  Prints
#
#   calls N          calls made
#   deployed N       versions deployed
#   failed N [...]   calls that did not answer 200 without FunctionError
#   mixed N [...]    calls whose two files named two versions
#   versions N       versions that answered
#   p50_ms X p99_ms Y max_ms Z   the calls' latency
#
# and exits 0 (1 when a call failed or mixed).  t/sandboxes.t TEST 3 runs
# it for a minute; `make bench` for longer (FNGATE_BENCH_DEPLOY_S).

import argparse
import io
import os
import re
import sys
import threading
import time
import zipfile

import boto3
import botocore.config


def code_zip(version):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        z.writestr('app.py', "import part\n"
                   "def handler(event, context):\n"
                   "    return 'app-%s ' + part.NAME\n" % version)
        z.writestr('part.py', "NAME = 'part-%s'\n" % version)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--every', type=float, default=8)
    ap.add_argument('--threads', type=int, default=3)
    ap.add_argument('--function', default='dep')
    a = ap.parse_args()

    cfg = botocore.config.Config(retries={'max_attempts': 1},
                                 read_timeout=120, max_pool_connections=32)
    lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
                       config=cfg)
    try:
        lam.create_function(FunctionName=a.function, Runtime='python3.11',
                            Role='arn:aws:iam::000000000000:role/fngate',
                            Handler='app.handler', Timeout=30,
                            Code={'ZipFile': code_zip('v0')})
        v = lam.publish_version(FunctionName=a.function)['Version']
        lam.create_alias(FunctionName=a.function, Name='live',
                         FunctionVersion=v)
    except lam.exceptions.ResourceConflictException:
        pass                            # made by an earlier run

    stop = time.time() + a.seconds
    results, lock = [], threading.Lock()

    def load():
        while time.time() < stop:
            t0 = time.time()
            try:
                r = lam.invoke(FunctionName=a.function, Qualifier='live',
                               Payload=b'{}')
                body = r['Payload'].read().decode()
                ok = r['StatusCode'] == 200 and 'FunctionError' not in r
            except Exception as e:          # a failed call, reported
                body, ok = repr(e), False
            with lock:
                results.append((ok, body, time.time() - t0))

    threads = [threading.Thread(target=load) for _ in range(a.threads)]
    for t in threads:
        t.start()
    deployed = 0
    while time.time() + a.every < stop:
        time.sleep(a.every)
        lam.update_function_code(FunctionName=a.function,
                                 ZipFile=code_zip('v%d' % (deployed + 1)))
        v = lam.publish_version(FunctionName=a.function)['Version']
        lam.update_alias(FunctionName=a.function, Name='live',
                         FunctionVersion=v)
        deployed += 1
    for t in threads:
        t.join()

    failed = [b for ok, b, _ in results if not ok]
    mixed = [b for ok, b, _ in results
             if ok and not re.fullmatch(r'"app-(v\d+) part-\1"', b)]
    seen = set(re.sub(r'"app-(v\d+).*', r'\1', b)
               for ok, b, _ in results if ok)
    ms = sorted(t * 1000 for _, _, t in results) or [0]
    print('calls', len(results))
    print('deployed', deployed)
    print('failed', len(failed), failed[:3])
    print('mixed', len(mixed), mixed[:3])
    print('versions', len(seen))
    print('p50_ms %.1f p99_ms %.1f max_ms %.1f' % (
        ms[len(ms) // 2], ms[min(len(ms) - 1, len(ms) * 99 // 100)], ms[-1]))
    return 1 if failed or mixed else 0


if __name__ == '__main__':
    sys.exit(main())
