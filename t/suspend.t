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
use File::Basename ();

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
        time.sleep(event.get('sleep', 0))
        return {'read': attempt(lambda: open('/tmp/parent.txt').read()),
                'stash': attempt(lambda: os.listdir('/tmp/.fngate/suspended')),
                'pid': os.getpid()}
    token = os.urandom(8).hex()
    digest = hashlib.sha256(BLOB).hexdigest()
    with open('/tmp/parent.txt', 'w') as f:
        f.write(token)
    pid = os.getpid()
    child = json.loads(lam.invoke(FunctionName=event['child'],
        Payload=json.dumps({'sleep': event.get('sleep', 0)}))['Payload'].read())
    return {'child': child, 'calls': STATE['calls'],
            'memory': hashlib.sha256(BLOB).hexdigest() == digest,
            'tmp': open('/tmp/parent.txt').read() == token,
            'same_pid': os.getpid() == pid, 'other_pid': child['pid'] != pid}
_PY_

# WHO's python3.11 function NAME running $CODE with ROLE (an ARN).
sub fn {
    my ($who, $name, $role) = @_;
    FngateTest::role_fn($who, $name, $role, 'python3.11', 'app.py',
        $main::CODE);
}

# WHO's role that may invoke any function: its ARN.
sub invoker {
    return FngateTest::role(shift, 'r',
        '{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction",'
        . '"Resource":"*"}]}');
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
        "answer=" . (ref $r eq 'HASH' && ref $r->{child} eq 'HASH'
            ? FngateTest::json_encode({ %$r,
                  child => { %{ $r->{child} }, pid => 'PID' } })
            : ref $r ? FngateTest::json_encode($r) : $r),
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
my $role = main::invoker('susp1-a');
main::fn('susp1-a', $_, $role) for qw(parent child);
my ($r1, $rid1) = FngateTest::invoke_json('susp1-a', 'parent', { child => 'child' });
my ($r2, $rid2) = FngateTest::invoke_json('susp1-a', 'parent', { child => 'child' });
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



=== TEST 2: a nodejs function's call waiting on an AWS SDK v3 Invoke is suspended and restored the same way, its memory and the SDK's connection intact
--- timeout: 900
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $role = main::invoker('susp2-a');
my ($node) = map { File::Basename::basename($_) }
    glob(FngateTest::fngate_root() . '/build/runtimes/nodejs*.x');
FngateTest::role_fn('susp2-a', 'parent', $role, $node, 'index.js', <<'_JS_');
const crypto = require('crypto');
const fs = require('fs');
const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lam = new LambdaClient({});
const blob = crypto.randomBytes(8 << 20);
const digest = () => crypto.createHash('sha256').update(blob).digest('hex');
let calls = 0;
exports.handler = async (event) => {
    calls++;
    const before = digest(), pid = process.pid;
    const token = crypto.randomBytes(8).toString('hex');
    fs.writeFileSync('/tmp/parent.txt', token);
    const r = await lam.send(new InvokeCommand({ FunctionName: event.child,
        Payload: Buffer.from('{}') }));
    const child = JSON.parse(Buffer.from(r.Payload).toString());
    return { calls, memory: digest() === before, child,
        same_pid: process.pid === pid, other_pid: child.pid !== pid,
        tmp: fs.readFileSync('/tmp/parent.txt', 'utf8') === token };
};
_JS_
main::fn('susp2-a', 'child', $role);
my ($r, $rid) = FngateTest::invoke_json('susp2-a', 'parent', { child => 'child' });
FngateTest::save_output('susp2.out', main::report($r, $rid));
--- request
GET /t/out/susp2.out
--- response_body
answer={"calls":1,"child":{"pid":"PID","read":"FileNotFoundError","stash":"PermissionError"},"memory":true,"other_pid":true,"same_pid":true,"tmp":true}
child_status=200
same_vm=1
suspended=1
not_billed=1
logged=1
--- no_error_log
[error]



=== TEST 3: a call whose timeout passes while it is suspended is restored once its guest is free, times out as any call does, and leaves the guest clean for the next call
--- timeout: 900
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $role = main::invoker('susp3-a');
main::fn('susp3-a', $_, $role) for qw(parent child);
# a 20 s timeout for the waiting call, then warm (boto3 imported) with
# it: a new configuration is a new sandbox, whose runtime's init must not
# eat the waiting call's 20 s
FngateTest::api_ok('susp3-a', 'PUT', '/2015-03-31/functions/parent/configuration',
    '{"Timeout":20}', 200);
FngateTest::invoke_json('susp3-a', 'parent', {});
my ($r, $rid) = FngateTest::invoke_json('susp3-a', 'parent',
    { child => 'child', sleep => 30 });
my ($c) = grep { $_->{function} eq 'child' && $_->{root_request_id} eq $rid }
          @{ FngateTest::billing_lines('Invoke') };
my ($after) = FngateTest::invoke_json('susp3-a', 'parent', {});
my $log = do { local $/; open my $in, '<', $main::Own->{log}; <$in> };
FngateTest::save_output('susp3.out', join("\n",
    "parent=" . (ref $r && ($r->{errorMessage} // '') =~ /Task timed out after 20\.\d\d seconds/
                 ? 'timed out' : FngateTest::json_encode($r)),
    "suspended=" . ($log =~ /\Q$rid\E.*suspended on/ ? 1 : 0),
    "restored=" . ($log =~ /\Q$rid\E.*resumed on/ ? 1 : 0),
    "child_status=" . ($c ? $c->{status} : 'none'),
    "after=" . (ref $after && exists $after->{read} ? 'ok'
                : FngateTest::json_encode($after))) . "\n");
--- request
GET /t/out/susp3.out
--- response_body
parent=timed out
suspended=1
restored=1
child_status=200
after=ok
--- no_error_log
[error]
