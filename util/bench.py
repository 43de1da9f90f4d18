# util/bench.py MODE ...: the boto3/botocore side of util/bench.sh and
# util/bench-cg.sh (run with Debian's /usr/bin/python3 and python3-boto3).
#
#   sign METHOD URL BODY AKID SECRET    SigV4 headers by botocore, one
#                                       "Name: value" a line
#   create ENDPOINT AKID SECRET NAME ZIP HANDLER [RUNTIME]
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


mode = sys.argv[1]
if mode == "sign":
    for k, v in signed(*sys.argv[2:7]).items():
        print("%s: %s" % (k, v))
elif mode == "create":
    endpoint, akid, secret, name, zpath, handler = sys.argv[2:8]
    runtime = sys.argv[8] if len(sys.argv) > 8 else "provided"
    c = client(endpoint, akid, secret)
    with open(zpath, "rb") as f:
        r = c.create_function(FunctionName=name, Runtime=runtime,
                              Handler=handler, Role="arn:aws:iam::000000000000:role/b",
                              Code={"ZipFile": f.read()})
    print(r["CodeSize"])
elif mode == "call":
    import json
    endpoint, akid, secret, op, args = sys.argv[2:7]
    r = getattr(client(endpoint, akid, secret), op)(**json.loads(args))
    r.pop("ResponseMetadata", None)
    print(json.dumps(r, default=str))
elif mode == "calls":
    import http.client
    port, n, path, akid, secret = sys.argv[2:7]
    headers = signed("POST", "http://localhost" + path, "{}", akid, secret)
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    for i in range(int(n)):
        c.request("POST", path, body=b"{}", headers=headers)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("call %d: status %d" % (i, r.status))
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
