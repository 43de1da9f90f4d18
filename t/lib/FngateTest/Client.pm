package FngateTest;

# FngateTest/Client.pm, part of FngateTest (t/lib/FngateTest.pm loads it;
# its subs are FngateTest::NAME as before): calls of the test nginx as a client would make them: zips and
# CreateFunction bodies, the AWS CLI, boto3 (and the revocation polls),
# curl with its own SigV4, bursts.

use strict;
use warnings;

our ($Region, %Accounts, $JSON);

# files: { path => [mode, content] | content }  (content alone: mode 0755)
sub zip_bytes {
    my $files = shift;
    my $buf = '';
    my $z;
    for my $path (sort keys %$files) {
        my ($mode, $data) = ref $files->{$path}
                            ? @{ $files->{$path} } : (0755, $files->{$path});
        # (Minimal => 1 would drop the Unix mode bits)
        my %o = (Name => $path, ExtAttr => ((0100000 | $mode) << 16),
                 TextFlag => 0);
        if ($z) {
            $z->newStream(%o);
        } else {
            $z = IO::Compress::Zip->new(\$buf, %o)
                or die "zip: $ZipError";
        }
        $z->print($data);
    }
    $z->close if $z;
    return $buf;
}

sub zip_b64 {
    return MIME::Base64::encode_base64(zip_bytes(shift), '');
}

# create_function_body(name => 'echo', files => {...} | zip_b64 => '...',
#   handler => 'handler', runtime => 'provided', memory => 128, timeout => 3,
#   env => {...}, extra => { MEMBER => VALUE, ... })
sub create_function_body {
    my %a = @_;
    my %doc = (
        FunctionName => $a{name},
        Runtime      => $a{runtime} // 'provided',
        Role         => 'arn:aws:iam::000000000000:role/fngate',
        Handler      => $a{handler} // 'handler',
        Code         => { ZipFile => $a{zip_b64} // zip_b64($a{files}) },
    );
    $doc{MemorySize} = $a{memory} if defined $a{memory};
    $doc{Timeout} = $a{timeout} if defined $a{timeout};
    $doc{Environment} = { Variables => $a{env} } if $a{env};
    # other members of the body as they are (DeadLetterConfig, ...)
    %doc = (%doc, %{ $a{extra} }) if $a{extra};
    return json_encode(\%doc);
}

sub tool_env {
    my $who = shift;
    my $acct = ref $who ? $who : account($who);
    return join ' ',
        'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp',
        'AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null',
        'AWS_PAGER= AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard',
        "AWS_DEFAULT_REGION=$Region",
        "AWS_ACCESS_KEY_ID=$acct->{AccessKeyId}",
        "AWS_SECRET_ACCESS_KEY=$acct->{SecretAccessKey}";
}

# The test nginx's URL, once it accepts connections.  A tool run from
# --- init starts right after Test::Nginx started nginx; under valgrind
# (TEST_NGINX_USE_VALGRIND, `make valgrind`) nginx takes seconds to
# listen, and curl or boto3 would fail to connect, so wait for the port
# (polled, at most 60 s; at once when nginx is up).
sub endpoint {
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || 1984;
    for (my $i = 0; $i < 600; $i++) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        if ($s) {
            close $s;
            last;
        }
        select(undef, undef, undef, 0.1);
    }
    return "http://127.0.0.1:$port";
}

sub aws_cli {
    my ($who, @args) = @_;
    my $cmd = tool_env($who) . ' /usr/bin/aws --endpoint-url ' . endpoint()
              . ' --cli-read-timeout 120 --cli-connect-timeout 5 '
              . join ' ', map { shell_quote($_) } @args;
    my ($rc, $out) = run_cmd($cmd);
    return "exit=$rc\n$out";
}

# iam('alice', ARGS...): /usr/bin/aws iam ARGS as WHO (execution roles):
# (the JSON answer decoded, {} when empty, or undef; the error code of a
# refusal, or "").
sub iam {
    my ($who, @args) = @_;
    my $out = aws_cli($who, 'iam', @args, '--output', 'json');
    my ($rc, $text) = $out =~ /^exit=(\d+)\n(.*)$/s;
    return (undef, $1) if $text =~ /An error occurred \((\w+)\)/;
    return (undef, "exit=$rc: $text") if $rc != 0;
    return ({}, '') if $text !~ /\S/;
    return (json_decode($text), '');
}

# role('alice', NAME, POLICY): WHO's role NAME with the inline policy
# POLICY (a JSON text; none when undef), made through iam(); its ARN.
sub role {
    my ($who, $name, $policy) = @_;
    my $trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        . '"Principal":{"Service":"lambda.amazonaws.com"},'
        . '"Action":"sts:AssumeRole"}]}';
    my ($r, $e) = iam($who, 'create-role', '--role-name', $name,
        '--assume-role-policy-document', $trust);
    die "FngateTest: create-role $name: $e\n" if $e;
    if (defined $policy) {
        (undef, $e) = iam($who, 'put-role-policy', '--role-name', $name,
            '--policy-name', 'inline', '--policy-document', $policy);
        die "FngateTest: put-role-policy $name: $e\n" if $e;
    }
    return $r->{Role}{Arn};
}

# role_fn('alice', NAME, ROLE, RUNTIME, FILE, CODE): WHO's function NAME,
# the one file FILE with CODE (its handler FILE's module's "handler": app.py
# for python3.11, index.js for nodejs), with the execution role ROLE (an
# ARN); a long timeout: an SDK's import takes tens of seconds in a TCG
# guest.
sub role_fn {
    my ($who, $name, $role, $runtime, $file, $code) = @_;
    my ($module) = $file =~ /^([^.]+)\./;
    api_ok($who, 'POST', '/2015-03-31/functions',
        create_function_body(name => $name, runtime => $runtime,
            handler => "$module.handler", timeout => 300, memory => 256,
            zip_b64 => zip_b64({ $file => [0644, $code] }),
            extra => { Role => $role }), 201);
}

# invoke_json('alice', NAME, EVENT): WHO invokes NAME with EVENT (a hash):
# (its answer decoded, or curl's output when it is no 200 with a JSON
# object, and its request id).
sub invoke_json {
    my ($who, $name, $event) = @_;
    my $out = curl_sigv4($who, "/2015-03-31/functions/$name/invocations",
        '-D', '-', '-d', json_encode($event));
    my ($rid) = $out =~ /^x-amzn-RequestId:\s*(\S+)/mi;
    my ($body) = $out =~ /\r\n\r\n(\{.*\})\s*\nhttp=200/s;
    return (defined $body ? json_decode($body) : $out, $rid);
}

sub python_boto3 {
    my ($who, $code) = @_;
    my $prelude = <<'_EOC_';
import os, json, boto3, botocore.config
lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  read_timeout=120))
_EOC_
    my $file = "/tmp/fngate-boto3-$$.py";
    open my $out, '>', $file or die "$file: $!";
    print $out $prelude, $code;
    close $out;
    my $cmd = tool_env($who) . ' FNGATE_ENDPOINT=' . endpoint()
              . " /usr/bin/python3 $file";
    my ($rc, $text) = run_cmd($cmd);
    unlink $file;
    return "exit=$rc\n$text";
}

# python_sqs('alice', $code): python_boto3 with an SQS client "sqs"
# (query protocol, as Debian's botocore speaks it) instead of "lam".
sub python_sqs {
    my ($who, $code) = @_;
    return python_boto3($who, <<'_EOC_' . $code);
sqs = boto3.client('sqs', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  read_timeout=120))
_EOC_
}

# node_sqs('alice', $code): $code (an async function body with "sqs", a
# @aws-sdk/client-sqs SQSClient speaking the JSON protocol, and "C", the
# package) under node, with the SDK util/deps.sh installs in build/npm.
# "exit=N\n" . output.
sub node_sqs {
    my ($who, $code) = @_;
    my $mods = fngate_root() . '/build/npm/node_modules';
    my $file = "/tmp/fngate-node-$$.js";
    open my $out, '>', $file or die "$file: $!";
    print $out <<'_EOC_', $code, "\n})().catch((e) => { console.log('ERROR', e.name, e.message); process.exit(3); });\n";
const C = require('@aws-sdk/client-sqs');
const sqs = new C.SQSClient({ endpoint: process.env.FNGATE_ENDPOINT,
    region: process.env.AWS_DEFAULT_REGION, maxAttempts: 1 });
(async () => {
_EOC_
    close $out;
    my $cmd = tool_env($who) . ' FNGATE_ENDPOINT=' . endpoint()
              . " NODE_PATH=$mods NODE_NO_WARNINGS=1 node $file";
    my ($rc, $text) = run_cmd($cmd);
    unlink $file;
    return "exit=$rc\n$text";
}

# The curl command line that signs with curl's own SigV4 (--aws-sigv4)
# as WHO and requests PATH with the extra curl args; it prints the body,
# then curl's write-out WOUT.
sub curl_sigv4_cmd {
    my ($wout, $who, $path, @args) = @_;
    my $acct = ref $who ? $who : account($who);
    return join ' ', 'curl -sS --max-time 120',
        "--aws-sigv4 'aws:amz:$Region:lambda'",
        "--user '$acct->{AccessKeyId}:$acct->{SecretAccessKey}'",
        "-w '$wout'", (map { shell_quote($_) } @args),
        shell_quote(endpoint() . $path);
}

# curl_sigv4('alice', '/2015-03-31/functions/', extra curl args...): curl's
# own SigV4 signing (--aws-sigv4); "exit=N\n" . body . "\nhttp=CODE\n".
sub curl_sigv4 {
    my ($rc, $out) = run_cmd(curl_sigv4_cmd('\nhttp=%{http_code}\n', @_));
    return "exit=$rc\n$out";
}

# curl_spawn(WHO, PATH, ARGS...): the curl_sigv4 call in a process of its
# own; curl_collect() waits for it and gives { body, http, time (seconds),
# retry_after, error_type, rid, function_error }.
our $Spawned = 0;

sub curl_spawn {
    my ($who, $path, @args) = @_;
    my $f = "/tmp/fngate-curl-$$-" . $Spawned++;
    my $cmd = curl_sigv4_cmd('\n%{http_code} %{time_total}\n', $who, $path,
        '-D', "$f.h", @args);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        exec '/bin/sh', '-c', "$cmd >$f 2>&1" or POSIX::_exit(127);
    }
    return { pid => $pid, file => $f };
}

sub curl_collect {
    my $c = shift;
    my $f = $c->{file};
    waitpid $c->{pid}, 0;
    open my $in, '<', $f or die "$f: $!";
    my $text = do { local $/; <$in> };
    close $in;
    my $head = '';
    if (open my $h, '<', "$f.h") {
        $head = do { local $/; <$h> };
        close $h;
    }
    unlink $f, "$f.h";
    my ($body, $code, $time) = $text =~ /^(.*)\n(\d+) ([\d.]+)\s*$/s;
    my ($retry) = $head =~ /^Retry-After:\s*(\S+)/mi;
    my ($etype) = $head =~ /^x-amzn-ErrorType:\s*(\S+)/mi;
    my ($rid) = $head =~ /^x-amzn-RequestId:\s*(\S+)/mi;
    my ($fe) = $head =~ /^X-Amz-Function-Error:\s*(\S+)/mi;
    return { body => $body // $text, http => $code // 'none',
             time => $time // 0, retry_after => $retry // '',
             error_type => $etype // '', rid => $rid // '',
             function_error => $fe // '' };
}

# burst([WHO, PATH, ARGS...], ...): the curl_sigv4 calls all at once, each
# in a process of its own; for each, in the same order, what
# curl_collect() gives.
sub burst {
    my @calls = map { curl_spawn(@$_) } @_;
    return map { curl_collect($_) } @calls;
}

# The CreateFunction request line and body of a function whose handler is
# the executable SCRIPT; OPT as create_function_body takes them.
sub create_request {
    my ($name, $script, %opt) = @_;
    return "POST /2015-03-31/functions\n" . create_function_body(
        name => $name, files => { handler => [0755, $script] }, %opt);
}

# The status curl_sigv4 reported ("http=NNN" at the end of its output).
sub http_code {
    my $t = shift;
    return $t =~ /http=(\d+)\s*$/ ? $1 : 'none';
}

# ACCOUNT makes the boto3 call CALL (a Python expression on "lam") and
# reports the HTTP status: MODE "read" once; "poll" calls again until the
# answer changes (for at most TTL + 5 seconds) and prints the first
# answer, the new one, and when the last call that still got the first
# answer was sent (the time a staleness bound speaks of: a call's own
# latency, a cold start say, does not count).
# The Python of boto3_status and boto3_change: status() makes CALL and
# gives its HTTP status; poll() makes it until the answer changes (up to
# TTL + 5 s) and gives the first and last answers and how long after its
# start the last call that still got the first answer was sent.
sub boto3_poll_py {
    my ($call, $ttl) = @_;
    return <<_EOP_;
import time
def status():
    try:
        $call
        return 200
    except lam.exceptions.ClientError as e:
        return e.response['ResponseMetadata']['HTTPStatusCode']
def poll():
    t0 = time.time()
    late = 0.0
    first = status()
    now = first
    while now == first and time.time() - t0 < $ttl + 5:
        time.sleep(0.1)
        sent = time.time()
        now = status()
        if now == first:
            late = sent - t0
    return first, now, t0, late
_EOP_
}

# boto3_status(ACCOUNT, CALL, 'read'): CALL's status; (..., 'poll', TTL):
# "FIRST NOW LAST_OLD", LAST_OLD the time (epoch s) the last call that
# still got FIRST was sent.
sub boto3_status {
    my ($account, $call, $mode, $ttl) = @_;
    my $out = python_boto3($account, boto3_poll_py($call, $ttl // 0) . <<_EOP_);
if '$mode' == 'read':
    print(status())
else:
    first, now, t0, late = poll()
    print(first, now, '%.3f' % (t0 + late))
_EOP_
    return $out =~ /^exit=0\n(.*?)\s*$/s ? $1 : $out;
}

# boto3_change(ACCOUNT, CALL, TTL, WHO, CHANGE): how soon a change by
# another account reaches ACCOUNT's CALL, from one Python process (its
# start, seconds under load, stays out of the measured time): CALL once
# (the worker caches what it looked up), then CHANGE with WHO's client
# (`other`, an expression whose value is boto3's answer, its client
# warmed up first by a ListFunctions), then poll().
# "BEFORE CHANGE_STATUS FIRST NOW LATE": the statuses of the call before,
# of the change, of the first call after it and of the last; LATE, the
# seconds from the change's answer to the last call that still got FIRST
# (0 when the first already changed).
sub boto3_change {
    my ($account, $call, $ttl, $who, $change) = @_;
    my $other = account($who);
    my $out = python_boto3($account, boto3_poll_py($call, $ttl) . <<_EOP_);
other = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    aws_access_key_id='$other->{AccessKeyId}',
    aws_secret_access_key='$other->{SecretAccessKey}',
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  read_timeout=120))
# other's first call builds its models, signer and connection (a second
# or more under load): done here, before the cached answer's ttl starts
for op in other.meta.service_model.operation_names:
    other.meta.service_model.operation_model(op)
other.list_functions(MaxItems=1)
# the caller's first call may start its VM, which under TCG can take
# longer than the ttl of the answer it cached: the answer measured is one
# a warm call caches once that one has expired
status()
time.sleep($ttl + 0.2)
before = status()
try:
    changed = ($change)['ResponseMetadata']['HTTPStatusCode']
except other.exceptions.ClientError as e:
    changed = e.response['ResponseMetadata']['HTTPStatusCode']
first, now, t0, late = poll()
print(before, changed, first, now, '%.3f' % late)
_EOP_
    return $out =~ /^exit=0\n(.*?)\s*$/s ? $1 : $out;
}

# within_ttl(LATE, TTL): "1" when a change reached the calls within the
# cache's ttl (LATE: the seconds after the change that a call still got the
# old answer was sent; boto3_change's, or late_since of boto3_status's poll)
# with 0.5 s to spare, else "late by N s", or "none" when LATE is not a
# number (the poll failed).
sub within_ttl {
    my ($late, $ttl) = @_;
    return 'none' unless defined $late && $late =~ /^-?[0-9]+(?:\.[0-9]+)?$/;
    return $late <= $ttl + 0.5 ? 1 : sprintf('late by %.3f s', $late - $ttl);
}

# late_since(T, T0): boto3_status poll's LAST_OLD T as seconds after T0, or
# undef when T is not a time.
sub late_since {
    my ($t, $t0) = @_;
    return defined $t && $t =~ /^[0-9]+(?:\.[0-9]+)?$/ ? $t - $t0 : undef;
}

1;
