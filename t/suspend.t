# Suspended waits (docs/suspend.md): on a fngated of its own where an
# account may hold one guest (max_vms_per_account = 1) and guests reach the
# gateway, a python3.11 function calls another function of its account
# synchronously through boto3.  The call it makes can only run in the
# caller's own guest: past suspend_after the caller is checkpointed (CRIU)
# and set aside, the call it made runs in that guest (a new sandbox that
# sees nothing of the caller's), and then the caller is restored there and
# goes on with its memory, its local variables, its /tmp and its
# connection to the gateway intact.  The time it spent suspended is in its
# billing line's suspended_ms, not in its billed duration.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $Own;
our $NET = 10 + ($ENV{TEST_NGINX_SERVER_PORT} + 120) % 200;
our $PORT = $ENV{TEST_NGINX_SERVER_PORT};

# The fngated of the file, started once.
sub ready {
    return if $main::Own && kill 0, $main::Own->{pid};
    $main::Own = FngateTest::own_fngated(warm => 0, idle_timeout => 120,
        max_vms_per_account => 1, suspend_after => 500,
        network => 'loopback', network_default => "127.0.0.1:$main::PORT",
        network_subnet => "10.213.$main::NET.0/24");
    FngateTest::wait_log($main::Own->{log},
        qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 300);
}

# One handler for both functions.  Called with "child", it keeps state in
# memory (a counter, 8 MiB of random bytes, a local token) and in /tmp,
# calls the child and says what it still has after.  Else (the child) it
# says what it can see of its guest's /tmp.
our $CODE = <<'_PY_';
import hashlib, json, os, time
import boto3
lam = boto3.client('lambda')
STATE = {'calls': 0}
BLOB = bytearray(os.urandom(1 << 20) * 8)

def attempt(f):
    try:
        f()
        return 'yes'
    except OSError as e:
        return type(e).__name__

def handler(event, context):
    STATE['calls'] += 1
    if 'child' not in event:
        return {'read': attempt(lambda: open('/tmp/parent.txt').read()),
                'stash': attempt(lambda: os.listdir('/tmp/.fngate-suspended')),
                'pid': os.getpid()}
    token = os.urandom(8).hex()
    digest = hashlib.sha256(BLOB).hexdigest()
    with open('/tmp/parent.txt', 'w') as f:
        f.write(token)
    pid = os.getpid()
    child = json.loads(lam.invoke(FunctionName=event['child'],
        Payload=json.dumps({}))['Payload'].read())
    return {'child': child, 'calls': STATE['calls'],
            'memory': hashlib.sha256(BLOB).hexdigest() == digest,
            'tmp': open('/tmp/parent.txt').read() == token,
            'same_pid': os.getpid() == pid, 'other_pid': child['pid'] != pid}
_PY_

# WHO's python3.11 function NAME running $CODE with ROLE (an ARN).
sub fn {
    my ($who, $name, $role) = @_;
    my $body = FngateTest::create_function_body(name => $name,
        runtime => 'python3.11', handler => 'app.handler', timeout => 300,
        memory => 256,
        zip_b64 => FngateTest::zip_b64({ 'app.py' => [0644, $main::CODE] }));
    $body =~ s/"Role":"[^"]*"/"Role":"$role"/;
    FngateTest::api_ok($who, 'POST', '/2015-03-31/functions', $body, 201);
}

# WHO calls NAME with EVENT: (its answer decoded, its request id).
sub call {
    my ($who, $name, $event) = @_;
    my $out = FngateTest::curl_sigv4($who,
        "/2015-03-31/functions/$name/invocations", '-D', '-',
        '-d', FngateTest::json_encode($event));
    my ($rid) = $out =~ /^x-amzn-RequestId:\s*(\S+)/mi;
    my ($body) = $out =~ /\r\n\r\n(\{.*\})\s*\nhttp=200/s;
    return (defined $body ? FngateTest::json_decode($body) : $out, $rid);
}

# What a call's billing line and the fngated log say of its suspension.
sub report {
    my ($r, $rid) = @_;
    my $p = FngateTest::billing_line($rid);
    my ($c) = grep { $_->{function} eq 'child' && $_->{root_request_id} eq $rid }
              @{ FngateTest::billing_lines('Invoke') };
    return "no billing line for $rid\n" unless $p;
    my $log = do { local $/; open my $in, '<', $main::Own->{log}; <$in> };
    my $wall = int($p->{request_time} * 1000);
    return join("\n",
        "answer=" . (ref $r ? FngateTest::json_encode({ %$r,
            child => { %{ $r->{child} }, pid => 'PID' } }) : $r),
        "child_status=" . ($c ? $c->{status} : 'none'),
        "same_vm=" . ($c && $c->{vm} eq $p->{vm} ? 1 : 0),
        "suspended=" . ($p->{suspended_ms} > 0 ? 1 : "0 ($p->{suspended_ms})"),
        # billed: what ran, not the time away
        "not_billed=" . ($p->{duration_ms} + $p->{suspended_ms} <= $wall + 5
            ? 1 : "0 ($p->{duration_ms} + $p->{suspended_ms} > $wall)"),
        "logged=" . ($log =~ /\Q$rid\E.*suspended on \S+: checkpoint \d+ ms/
                     && $log =~ /\Q$rid\E.*resumed on \S+ after \d+ ms/
                     ? 1 : 0)) . "\n";
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a call that waits on a call it made is suspended, the call it made runs in its guest and sees nothing of it, and it comes back with its memory, /tmp and connection intact; suspended time is not billed; the restored runtime serves the next call, which has the first one's memory and is suspended again while its child starts
--- timeout: 900
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $acct = FngateTest::account('susp1-a')->{AccountId};
my $role = FngateTest::role('susp1-a', 'r',
    '{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction",'
    . '"Resource":"*"}]}');
main::fn('susp1-a', 'parent', $role);
main::fn('susp1-a', 'child', $role);
my ($r1, $rid1) = main::call('susp1-a', 'parent', { child => 'child' });
my ($r2, $rid2) = main::call('susp1-a', 'parent', { child => 'child' });
FngateTest::save_output('susp1.out',
    main::report($r1, $rid1) . "--\n" . main::report($r2, $rid2));
--- request
GET /t/out/susp1.out
--- response_body
answer={"calls":1,"child":{"pid":"PID","read":"FileNotFoundError","stash":"PermissionError"},"memory":true,"other_pid":true,"same_pid":true,"tmp":true}
child_status=200
same_vm=1
suspended=1
not_billed=1
logged=1
--
answer={"calls":2,"child":{"pid":"PID","read":"FileNotFoundError","stash":"PermissionError"},"memory":true,"other_pid":true,"same_pid":true,"tmp":true}
child_status=200
same_vm=1
suspended=1
not_billed=1
logged=1
--- no_error_log
[error]
