"""fngate's runtime python3.11: Lambda's module.function(event, context)
model on the Lambda Runtime API that fngate-agent serves in the guest.

_HANDLER is "module.function" (a module may be "dir/module" or
"package.module"), looked up under LAMBDA_TASK_ROOT.  Each event is
decoded from JSON, the handler's return value encoded to JSON.  Errors
are reported as Lambda reports them: init errors (bad handler name,
import failure, missing function) go to .../init/error, an exception of
the handler to .../invocation/ID/error, with errorMessage, errorType
(the exception's class) and stackTrace (the handler's frames).
"""

import json
import os
import socket
import sys
import time

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
BASE = "/2018-06-01/runtime"

# The call's temporary credentials (the agent's Lambda-Runtime-Fngate-
# Credentials header: "AKID:SECRET:TOKEN:EXPIRATION"), in the environment
# only while the handler runs.
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
               "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")


def set_credentials(value):
    parts = value.split(":", 3) if value else []
    if len(parts) != 4:
        return
    for name, part in zip(CREDENTIALS, parts):
        os.environ[name] = part


def clear_credentials():
    for name in CREDENTIALS:
        os.environ.pop(name, None)


def call_credentials():
    """What botocore's refresh reads: the running call's credentials,
    said to end within a minute so that botocore reads them again at its
    next request (and so signs each call with that call's own)."""
    import datetime
    env = os.environ
    if not env.get("AWS_ACCESS_KEY_ID"):
        raise RuntimeError("no call is running: fngate's credentials exist "
                           "only while the handler runs")
    soon = (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(seconds=60))
    return {"access_key": env["AWS_ACCESS_KEY_ID"],
            "secret_key": env["AWS_SECRET_ACCESS_KEY"],
            "token": env["AWS_SESSION_TOKEN"],
            "expiry_time": soon.isoformat()}


def patch_botocore(module):
    """A client made without keys, also at import time when no call runs
    yet, signs with the running call's credentials; one made without
    endpoint_url goes to the runtime's AWS_ENDPOINT_URL (Debian's botocore
    1.29 predates that variable)."""
    import botocore.credentials as bc

    class CallProvider(bc.CredentialProvider):
        METHOD = "fngate-call"
        CANONICAL_NAME = "fngate-call"

        def load(self):
            return bc.DeferredRefreshableCredentials(
                refresh_using=call_credentials, method=self.METHOD)

    create = module.Session.create_client

    def create_client(self, *args, **kwargs):
        if not getattr(self, "_fngate_call", False):
            self._fngate_call = True
            self.get_component("credential_provider").insert_before(
                "env", CallProvider())
        if len(args) < 6 and kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = os.environ.get("AWS_ENDPOINT_URL") or None
        return create(self, *args, **kwargs)

    module.Session.create_client = create_client


class BotocoreHook:
    """Runs patch_botocore once botocore.session is imported; nothing is
    imported until the function imports botocore."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.session":
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            patch_botocore(module)

        spec.loader.exec_module = exec_module
        return spec


class LambdaContext:
    """What Lambda's Python runtime passes as the handler's context.  What
    the environment gives is read once (a changed environment starts a new
    runtime); a call sets only its own three values."""

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION",
                                      "$LATEST")
    memory_limit_in_mb = int(
        os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
    identity = None
    client_context = None

    def __init__(self, request_id, deadline_ms, arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RuntimeApi:
    """One keep-alive HTTP/1.1 connection to the Runtime API.  A plain
    socket: http.client's imports cost more than the rest of the runtime's
    start in a TCG guest.

    A call's answer goes out together with the next .../next (HTTP/1.1
    pipelining), so the agent has the runtime's next request as soon as
    it has the answer and the guest switches between the two processes
    once less per call."""

    def __init__(self):
        host, _, port = API.rpartition(":")
        self.addr = (host, int(port))
        self.sock = None
        self.buf = b""
        self.next_sent = False      # a GET .../next awaits its answer
        self.next_head = ("GET %s/invocation/next HTTP/1.1\r\nHost: %s\r\n"
                          "Content-Length: 0\r\n\r\n" % (BASE, API)
                          ).encode("latin-1")

    def _connect(self):
        self.sock = socket.create_connection(self.addr)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.next_sent = False

    def _close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.next_sent = False

    def _read_until(self, sep):
        while sep not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("runtime API closed the connection")
            self.buf += data
        head, _, self.buf = self.buf.partition(sep)
        return head

    def _read_exact(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(max(65536, n - len(self.buf)))
            if not data:
                raise ConnectionError("runtime API closed the connection")
            self.buf += data
        body, self.buf = self.buf[:n], self.buf[n:]
        return body

    def _answer(self):
        """The next answer on the connection: (status, headers with
        lowercase names, body)."""
        lines = self._read_until(b"\r\n\r\n").decode("latin-1")
        lines = lines.split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        data = self._read_exact(int(hdrs.get("content-length", "0")))
        if hdrs.get("connection", "").lower() == "close":
            self._close()
        return status, hdrs, data

    def _exchange(self, method, path, body, headers, then_next):
        if self.sock is None:
            self._connect()
        head = "%s %s%s HTTP/1.1\r\nHost: %s\r\n" % (method, BASE, path,
                                                     API)
        for k, v in (headers or {}).items():
            head += "%s: %s\r\n" % (k, v)
        head += "Content-Length: %d\r\n\r\n" % len(body or b"")
        data = head.encode("latin-1") + (body or b"")
        if then_next:
            data += self.next_head
        self.sock.sendall(data)
        self.next_sent = then_next
        return self._answer()

    def request(self, method, path, body=None, headers=None,
                then_next=False):
        """(status, headers with lowercase names, body); then_next: a GET
        .../next goes out right behind the request, its answer read by
        next()."""
        try:
            return self._exchange(method, path, body, headers, then_next)
        except (OSError, ValueError, IndexError):
            self._close()
            return self._exchange(method, path, body, headers, then_next)

    def next(self):
        """The next event: (status, headers, body)."""
        if self.next_sent and self.sock is not None:
            try:
                self.next_sent = False
                return self._answer()
            except (OSError, ValueError, IndexError):
                self._close()
        return self.request("GET", "/invocation/next")

    def post(self, path, doc, error_type=None, then_next=False):
        body = json.dumps(doc).encode()
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        status, _, text = self.request("POST", path, body, headers,
                                       then_next)
        if status >= 300:
            sys.stderr.write("runtime API answered %d to %s: %s\n"
                             % (status, path, text[:200].decode(
                                 "utf-8", "replace")))


def error_doc(exc, skip=0):
    import traceback
    tb = traceback.extract_tb(exc.__traceback__)[skip:]
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_list(tb),
    }


def log_error(doc):
    sys.stderr.write("[ERROR] %s: %s\nTraceback (most recent call last):\n%s"
                     % (doc["errorType"], doc["errorMessage"],
                        "".join(doc["stackTrace"])))
    sys.stderr.flush()


def init_error(api, message, error_type, exc=None):
    doc = {"errorMessage": message, "errorType": error_type,
           "stackTrace": []}
    if exc is not None:
        import traceback
        doc["stackTrace"] = traceback.format_list(
            traceback.extract_tb(exc.__traceback__)[1:])
    log_error(doc)
    api.post("/init/error", doc, error_type)
    sys.exit(1)


def load_handler(api):
    name = os.environ.get("_HANDLER", "")
    try:
        modname, fname = name.rsplit(".", 1)
        if not modname or not fname:
            raise ValueError("empty module or function name")
    except ValueError as e:
        init_error(api, "Bad handler '%s': %s" % (name, e),
                   "Runtime.MalformedHandlerName")
    modname = modname.replace("/", ".")
    try:
        module = __import__(modname, fromlist=["_"])
    except SyntaxError as e:
        init_error(api, "Syntax error in module '%s': %s" % (modname, e),
                   "Runtime.UserCodeSyntaxError", e)
    except ImportError as e:
        init_error(api, "Unable to import module '%s': %s" % (modname, e),
                   "Runtime.ImportModuleError", e)
    except Exception as e:
        init_error(api, "%s: %s" % (type(e).__name__, e),
                   "Runtime.ImportModuleError", e)
    fn = getattr(module, fname, None)
    if not callable(fn):
        init_error(api, "Handler '%s' missing on module '%s'"
                   % (fname, modname), "Runtime.HandlerNotFound")
    return fn


def main():
    task = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    sys.path.insert(0, task)
    # the runtime's boto3 after the function's own packages, as Lambda's
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "usr", "lib", "sdk"))
    sys.meta_path.insert(0, BotocoreHook())
    os.chdir(task)
    api = RuntimeApi()
    handler = load_handler(api)

    while True:
        status, hdrs, body = api.next()
        if status != 200:
            sys.stderr.write("runtime API answered %d to next\n" % status)
            sys.exit(1)
        rid = hdrs.get("lambda-runtime-aws-request-id", "")
        deadline = int(hdrs.get("lambda-runtime-deadline-ms", "0"))
        arn = hdrs.get("lambda-runtime-invoked-function-arn", "")
        trace = hdrs.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        ctx = LambdaContext(rid, deadline, arn)
        path = "/invocation/%s" % rid
        set_credentials(hdrs.get("lambda-runtime-fngate-credentials"))
        try:
            event = json.loads(body) if body else {}
            result = handler(event, ctx)
        except Exception as e:
            clear_credentials()
            doc = error_doc(e, 1)
            log_error(doc)
            api.post(path + "/error", doc, doc["errorType"], True)
            continue
        clear_credentials()
        try:
            out = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            doc = {"errorMessage": "Unable to marshal response: %s" % e,
                   "errorType": "Runtime.MarshalError", "stackTrace": []}
            log_error(doc)
            api.post(path + "/error", doc, doc["errorType"], True)
            continue
        sys.stdout.flush()
        status, _, text = api.request("POST", path + "/response", out,
                                      {"Content-Type": "application/json"},
                                      True)
        if status >= 300:
            sys.stderr.write("runtime API answered %d to the response: %s\n"
                             % (status, text[:200].decode(
                                 "utf-8", "replace")))


if __name__ == "__main__":
    main()
