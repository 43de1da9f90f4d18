# util/bench.py MODE ...: the boto3/botocore side of util/bench.sh and
# util/bench-cg.sh (run with Debian's /usr/bin/python3 and python3-boto3).
#
#   sign METHOD URL BODY AKID SECRET    SigV4 headers by botocore, one
#                                       "Name: value" a line
#   create ENDPOINT AKID SECRET NAME ZIP HANDLER [RUNTIME [TIMEOUT]]
#                                       CreateFunction (runtime provided
#                                       by default); prints its CodeSize
#   call ENDPOINT AKID SECRET OPERATION JSON
#                                       a boto3 call, its answer as JSON
#   events ENDPOINT AKID SECRET FN N THREADS OUT
#                                       N Event invokes of FN, THREADS at
#                                       a time; each 202's request id a
#                                       line of OUT; prints "p50_us=
#                                       p99_us= rate= accepted="
#   calls PORT N PATH AKID SECRET       N POSTs of {} to PATH on
#                                       127.0.0.1:PORT, one signature, one
#                                       keep-alive connection; every one
#                                       must answer 200
#   latency PORT N PATH AKID SECRET     the same, timed: prints "p50_us=
#                                       p99_us=" (util/bench-net.sh)
#   esm ENDPOINT AKID SECRET ACCOUNT FUNCTION N BATCH WINDOW ACCESSLOG LAT
#       BACKLOG GROUPS
#                                       event sources: a queue filled with
#                                       N messages, then a mapping to
#                                       FUNCTION (BatchSize BATCH, window
#                                       WINDOW s): "drain N SECONDS
#                                       ITEMS/S BATCHES"; then LAT
#                                       messages one at a time to an idle
#                                       mapping (BatchSize 1): "latency
#                                       p50/p99 ms" from SendMessage to
#                                       the Invoke at the gateway and to
#                                       the handler's start (the billing
#                                       line's msec - request_time, and
#                                       msec - duration_ms); then BACKLOG
#                                       messages at once to an idle
#                                       mapping (BatchSize 1): "backlog
#                                       BACKLOG p50/p99 LINES" from
#                                       SendMessage to the handler's
#                                       start; then N messages over
#                                       GROUPS groups of a FIFO queue
#                                       (BatchSize 10): "groups N GROUPS
#                                       SECONDS ITEMS/S BATCHES"
#   chain ENDPOINT AKID SECRET ACCOUNT N
#                                       calls between functions: a role
#                                       that may invoke, a python3.11
#                                       no-op "chain-child" and a parent
#                                       that invokes it N times with boto3
#                                       from its guest (its role's
#                                       credentials, AWS_ENDPOINT_URL),
#                                       timing each; then N Invokes of the
#                                       child from this host: "inside
#                                       p50 p99 outside p50 p99" (ms)
#   suspend ENDPOINT AKID SECRET ACCOUNT N SLEEP ACCESSLOG
#                                       suspended waits (fngated with one
#                                       guest per account): a python3.11
#                                       parent (boto3, 8 MiB of state)
#                                       invokes a python3.11 child that
#                                       sleeps SLEEP s, N times; each
#                                       call's wall time and its billing
#                                       line: "calls N wall p50 WALL
#                                       duration p50 DUR suspended p50
#                                       SUSP same_vm K" (ms; K of N
#                                       children ran in their parent's
#                                       guest)
import sys


def client(endpoint, akid, secret):
    import boto3
    from botocore.config import Config
    return boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def signed(method, url, body, akid, secret):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=url, data=body.encode(),
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(akid, secret), "lambda", "us-east-1").add_auth(req)
    return {k: req.headers.get(k) or (url.split("/")[2] if k == "Host" else None)
            for k in ("Host", "Content-Type", "X-Amz-Date", "Authorization")}


def zipped(text):
    """A zip of one file, app.py, with text."""
    import io
    import zipfile
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("app.py", text)
    return b.getvalue()


def invoking_role(endpoint, akid, secret, account, name):
    """A Lambda client with a long read timeout, and the ARN of a new role
    NAME that may invoke any function of the account."""
    import json
    import boto3
    from botocore.config import Config
    cfg = Config(retries={"max_attempts": 1}, read_timeout=900)
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=akid, aws_secret_access_key=secret,
                       config=cfg)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName=name, PolicyName="invoke",
                        PolicyDocument=json.dumps({"Statement": [{
                            "Effect": "Allow",
                            "Action": "lambda:InvokeFunction",
                            "Resource": "*"}]}))
    lam = boto3.client("lambda", endpoint_url=endpoint,
                       region_name="us-east-1", aws_access_key_id=akid,
                       aws_secret_access_key=secret, config=cfg)
    return lam, "arn:aws:iam::%s:role/%s" % (account, name)


def python_functions(lam, role, functions):
    """python3.11 functions (name, app.py's text) with the role role."""
    for name, text in functions:
        lam.create_function(FunctionName=name, Runtime="python3.11",
                            Handler="app.handler", Role=role, Timeout=600,
                            MemorySize=256, Code={"ZipFile": zipped(text)})


mode = sys.argv[1]
if mode == "sign":
    for k, v in signed(*sys.argv[2:7]).items():
        print("%s: %s" % (k, v))
elif mode == "create":
    endpoint, akid, secret, name, zpath, handler = sys.argv[2:8]
    runtime = sys.argv[8] if len(sys.argv) > 8 else "provided"
    extra = {"Timeout": int(sys.argv[9])} if len(sys.argv) > 9 else {}
    c = client(endpoint, akid, secret)
    with open(zpath, "rb") as f:
        r = c.create_function(FunctionName=name, Runtime=runtime,
                              Handler=handler, Role="arn:aws:iam::000000000000:role/b",
                              Code={"ZipFile": f.read()}, **extra)
    print(r["CodeSize"])
elif mode == "call":
    import json
    endpoint, akid, secret, op, args = sys.argv[2:7]
    r = getattr(client(endpoint, akid, secret), op)(**json.loads(args))
    r.pop("ResponseMetadata", None)
    print(json.dumps(r, default=str))
elif mode in ("calls", "latency"):
    import http.client
    import time
    port, n, path, akid, secret = sys.argv[2:7]
    headers = signed("POST", "http://localhost" + path, "{}", akid, secret)
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    took = []
    for i in range(int(n)):
        t0 = time.monotonic()
        c.request("POST", path, body=b"{}", headers=headers)
        r = c.getresponse()
        r.read()
        took.append(time.monotonic() - t0)
        if r.status != 200:
            sys.exit("call %d: status %d" % (i, r.status))
    if mode == "latency":
        took.sort()
        print("p50_us=%d p99_us=%d" % (took[len(took) // 2] * 1e6,
                                       took[min(len(took) - 1,
                                                len(took) * 99 // 100)] * 1e6))
elif mode == "chain":
    import json
    import time
    endpoint, akid, secret, account, n = sys.argv[2:7]
    n = int(n)
    lam, role = invoking_role(endpoint, akid, secret, account, "chain")

    parent = ("import json, time, boto3\n"
              "lam = boto3.client('lambda')\n"
              "def handler(event, context):\n"
              "    out = []\n"
              "    for i in range(event['n']):\n"
              "        t = time.perf_counter()\n"
              "        lam.invoke(FunctionName='chain-child',"
              " Payload=b'{}')['Payload'].read()\n"
              "        out.append((time.perf_counter() - t) * 1000)\n"
              "    return out\n")
    child = "def handler(event, context):\n    return {}\n"
    python_functions(lam, role, (("chain-parent", parent),
                                 ("chain-child", child)))

    def pcts(xs):
        xs = sorted(xs)
        return "%.2f %.2f" % (xs[len(xs) // 2],
                              xs[min(len(xs) - 1, len(xs) * 99 // 100)])

    # warm both (imports, runtimes), then measure
    for _ in range(2):
        r = lam.invoke(FunctionName="chain-parent",
                       Payload=json.dumps({"n": 3}))
        warm = json.loads(r["Payload"].read())
        if not isinstance(warm, list):
            sys.exit("chain-parent: %s" % warm)
    r = lam.invoke(FunctionName="chain-parent", Payload=json.dumps({"n": n}))
    inside = json.loads(r["Payload"].read())
    outside = []
    for _ in range(n):
        t = time.perf_counter()
        lam.invoke(FunctionName="chain-child", Payload=b"{}")["Payload"].read()
        outside.append((time.perf_counter() - t) * 1000)
    print("inside %s outside %s" % (pcts(inside), pcts(outside)))
elif mode == "suspend":
    import json
    import time
    endpoint, akid, secret, account, n, sleep, log = sys.argv[2:9]
    n = int(n)
    lam, role = invoking_role(endpoint, akid, secret, account, "susp")
    parent = ("import json, os, boto3\n"
              "lam = boto3.client('lambda')\n"
              "STATE = bytearray(os.urandom(1 << 20) * 8)\n"
              "def handler(event, context):\n"
              "    return json.loads(lam.invoke(FunctionName='susp-child',"
              " Payload=json.dumps(event))['Payload'].read())\n")
    child = ("import time\n"
             "def handler(event, context):\n"
             "    time.sleep(event['sleep'])\n"
             "    return {}\n")
    python_functions(lam, role, (("susp-parent", parent),
                                 ("susp-child", child)))

    def lines(rid):
        """The billing lines of the call rid and of the calls it made."""
        with open(log) as f:
            return [d for d in (json.loads(l) for l in f
                                if rid in l and '"action":"Invoke"' in l)
                    if rid in (d["request_id"], d["root_request_id"])]

    wall, dur, susp, same = [], [], [], 0
    for i in range(n):
        t = time.perf_counter()
        r = lam.invoke(FunctionName="susp-parent",
                       Payload=json.dumps({"sleep": float(sleep)}))
        r["Payload"].read()
        wall.append((time.perf_counter() - t) * 1000)
        rid = r["ResponseMetadata"]["RequestId"]
        time.sleep(0.5)                 # the access log is written
        ls = lines(rid)
        p = [l for l in ls if l["request_id"] == rid]
        c = [l for l in ls if l["function"] == "susp-child"]
        if not p or r.get("FunctionError"):
            sys.exit("susp-parent call %d: %s" % (i, r.get("FunctionError")))
        dur.append(float(p[0]["duration_ms"]))
        susp.append(float(p[0]["suspended_ms"] or 0))
        same += bool(c and c[0]["vm"] == p[0]["vm"])

    def p50(xs):
        return sorted(xs)[len(xs) // 2]
    print("calls %d wall p50 %.0f duration p50 %.0f suspended p50 %.0f "
          "same_vm %d" % (n, p50(wall), p50(dur), p50(susp), same))
elif mode == "esm":
    import json
    import time
    import boto3
    from botocore.config import Config
    (endpoint, akid, secret, account, fn, n, batch, window, log,
     lat, backlog, groups) = sys.argv[2:14]
    n, batch, window, lat = int(n), int(batch), int(window), int(lat)
    backlog, groups = int(backlog), int(groups)
    cfg = Config(retries={"max_attempts": 1}, read_timeout=120)
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=akid, aws_secret_access_key=secret,
                       config=cfg)
    lam = client(endpoint, akid, secret)

    def lines():
        out = []
        with open(log) as f:
            for line in f:
                if '"action":"Invoke"' in line and '"function":"%s"' % fn in line:
                    out.append(json.loads(line))
        return out

    def counts(url):
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        a = a["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + \
            int(a["ApproximateNumberOfMessagesNotVisible"])

    url = sqs.create_queue(QueueName="esm-bench")["QueueUrl"]
    for i in range(0, n, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(k), "MessageBody": "item-%d" % (i + k)}
            for k in range(min(10, n - i))])
    before = len(lines())
    arn = "arn:aws:sqs:us-east-1:%s:esm-bench" % account
    t0 = time.time()
    u = lam.create_event_source_mapping(
        FunctionName=fn, EventSourceArn=arn, BatchSize=batch,
        MaximumBatchingWindowInSeconds=window)["UUID"]
    while counts(url) > 0:
        time.sleep(0.2)
    secs = time.time() - t0
    lam.delete_event_source_mapping(UUID=u)
    print("drain %d %.1f %.0f %d" % (n, secs, n / secs, len(lines()) - before))

    url = sqs.create_queue(QueueName="esm-lat")["QueueUrl"]
    u = lam.create_event_source_mapping(
        FunctionName=fn, BatchSize=1,
        EventSourceArn="arn:aws:sqs:us-east-1:%s:esm-lat" % account)["UUID"]
    time.sleep(3)                   # a poller waiting, one warm call done
    sqs.send_message(QueueUrl=url, MessageBody="warm")
    while counts(url) > 0:
        time.sleep(0.1)
    gw, start = [], []
    for i in range(lat):
        time.sleep(1.5)             # idle: the poller waits in its poll
        seen = len(lines())
        t = time.time() * 1000
        sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
        while True:
            ls = lines()
            if len(ls) > seen:
                break
            time.sleep(0.02)
        l = ls[seen]
        end = float(l["msec"]) * 1000
        gw.append(end - float(l["request_time"]) * 1000 - t)
        start.append(end - float(l["duration_ms"]) - t)
    lam.delete_event_source_mapping(UUID=u)

    def pct(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]
    print("latency %.0f/%.0f %.0f/%.0f" % (pct(gw, 50), pct(gw, 99),
                                         pct(start, 50), pct(start, 99)))

    # Under a backlog: BACKLOG messages sent at once (ten a call) to an
    # idle mapping of BatchSize 1; a message's batch is its own billing
    # line, paired with the messages in the order both happened (the
    # pollers take the stream in order; concurrent batches may swap
    # within the mapping's concurrency, a call's time at most).
    url = sqs.create_queue(QueueName="esm-backlog")["QueueUrl"]
    u = lam.create_event_source_mapping(
        FunctionName=fn, BatchSize=1,
        EventSourceArn="arn:aws:sqs:us-east-1:%s:esm-backlog" % account)["UUID"]
    time.sleep(3)
    before = len(lines())
    sent = []
    for i in range(0, backlog, 10):
        t = time.time() * 1000
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(k), "MessageBody": "b-%d" % (i + k)}
            for k in range(min(10, backlog - i))])
        sent += [t] * min(10, backlog - i)
    while counts(url) > 0:
        time.sleep(0.2)
    lam.delete_event_source_mapping(UUID=u)
    ls = lines()[before:before + backlog]
    starts = sorted(float(l["msec"]) * 1000 - float(l["duration_ms"])
                    for l in ls)
    waits = [st - se for st, se in zip(starts, sent)]
    print("backlog %d %.0f/%.0f %d" % (backlog, pct(waits, 50),
                                       pct(waits, 99), len(ls)))

    # The data set split over FIFO groups: N messages, message i in group
    # i % GROUPS, filled before the mapping (BatchSize 10, the most a FIFO
    # queue allows, no window), drained.
    url = sqs.create_queue(QueueName="esm-groups.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for i in range(0, n, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(k), "MessageBody": "item-%d" % (i + k),
             "MessageGroupId": "g%d" % ((i + k) % groups)}
            for k in range(min(10, n - i))])
    before = len(lines())
    t0 = time.time()
    u = lam.create_event_source_mapping(
        FunctionName=fn, BatchSize=10,
        EventSourceArn="arn:aws:sqs:us-east-1:%s:esm-groups.fifo" % account
    )["UUID"]
    while counts(url) > 0:
        time.sleep(0.2)
    secs = time.time() - t0
    lam.delete_event_source_mapping(UUID=u)
    print("groups %d %d %.1f %.0f %d" % (n, groups, secs, n / secs,
                                         len(lines()) - before))
elif mode == "events":
    import concurrent.futures, time
    endpoint, akid, secret, fn, n, threads, out = sys.argv[2:9]
    c = client(endpoint, akid, secret)

    def one(i):
        t0 = time.monotonic()
        r = c.invoke(FunctionName=fn, InvocationType="Event",
                     Payload=b'{"i":%d}' % i)
        return ((time.monotonic() - t0) * 1e6, r["StatusCode"],
                r["ResponseMetadata"]["RequestId"])
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(int(threads)) as pool:
        res = list(pool.map(one, range(int(n))))
    took = time.monotonic() - t0
    lat = sorted(r[0] for r in res)
    with open(out, "a") as f:
        for r in res:
            if r[1] == 202:
                f.write(r[2] + "\n")
    print("p50_us=%d p99_us=%d rate=%.1f accepted=%d" % (
        lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        len(res) / took, sum(1 for r in res if r[1] == 202)))
else:
    sys.exit("bench.py: unknown mode %s" % mode)
