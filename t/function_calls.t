# Functions that call the API (docs/roles.md): on a fngated of its own
# whose guests reach the gateway (network = loopback, the gateway's port
# the default policy), a python3.11 function uses Debian's boto3 with no
# endpoint or key in its code: each call gets its own temporary
# credentials for the function's Role, checked by the module.  The role's
# policy decides what the code may do; a call it makes is billed to the
# account the first call was billed to, one level deeper in the chain,
# with the chain's first request id; credentials die with their call; the
# 17th call of a chain is refused as a recursive loop.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $Own;
our $NET = 10 + ($ENV{TEST_NGINX_SERVER_PORT} + 100) % 200;
our $PORT = $ENV{TEST_NGINX_SERVER_PORT};

# The fngated of the file, started once: its guests reach the gateway.
sub ready {
    return if $main::Own && kill 0, $main::Own->{pid};
    $main::Own = FngateTest::own_fngated(warm => 0, idle_timeout => 60,
        network => 'loopback', network_default => "127.0.0.1:$main::PORT",
        network_subnet => "10.213.$main::NET.0/24");
    FngateTest::wait_log($main::Own->{log},
        qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 300);
}

# The caller: boto3 clients made at import, as Lambda's examples do, no
# endpoint and no keys: the runtime gives both.  It tries what the event
# names and answers what became of each.
our $CALLER = <<'_PY_';
import json, os
import boto3, botocore
lam = boto3.client('lambda')
sqs = boto3.client('sqs')

def attempt(f):
    try:
        return f()
    except botocore.exceptions.ClientError as e:
        return e.response['Error']['Code']

def handler(event, context):
    out = {'creds': all(os.environ.get(k) for k in (
               'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
               'AWS_SESSION_TOKEN')),
           'endpoint': os.environ.get('AWS_ENDPOINT_URL', '')}
    if 'child' in event:
        out['child'] = attempt(lambda: json.loads(lam.invoke(
            FunctionName=event['child'],
            Payload=json.dumps(event.get('child_event',
                                         {'from': context.function_name})))
            ['Payload'].read()))
    if event.get('remaining'):
        out['remaining'] = context.get_remaining_time_in_millis()
    if 'queue' in event:
        out['send'] = attempt(lambda: sqs.send_message(
            QueueUrl=sqs.get_queue_url(QueueName=event['queue'])['QueueUrl'],
            MessageBody='from ' + context.function_name)['MessageId'] and 'sent')
    if 'delete' in event:
        out['delete'] = attempt(lambda: lam.delete_function(
            FunctionName=event['delete']) and 'deleted')
    if 'again' in event:
        n = event['again']
        out['again'] = attempt(lambda: lam.invoke(
            FunctionName=context.function_name, InvocationType='Event',
            Payload=json.dumps({'again': n + 1}))['StatusCode'])
    if event.get('leak'):
        out['leak'] = [os.environ['AWS_ACCESS_KEY_ID'],
                       os.environ['AWS_SECRET_ACCESS_KEY'],
                       os.environ['AWS_SESSION_TOKEN']]
    return out
_PY_

# WHO's python3.11 function NAME running $CALLER with ROLE (an ARN).
sub caller_fn {
    my ($who, $name, $role) = @_;
    FngateTest::role_fn($who, $name, $role, 'python3.11', 'app.py',
        $main::CALLER);
}

# TEXT with the gateway's address as guests reach it written GW.
sub scrub {
    my $t = shift;
    $t =~ s/\Qhttp:\/\/10.213.$main::NET.1:$main::PORT\E/GW/g;
    return $t;
}

# The billing lines of NAME's Invokes, in order.
sub lines_of {
    my $name = shift;
    return [ grep { $_->{function} eq $name }
             @{ FngateTest::billing_lines('Invoke') } ];
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a function calls another and sends to a queue through boto3 with its role's credentials, and may not do what its role does not allow; the child's billing line is the chain's second call, billed to the same account
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $acct = FngateTest::account('call1-a')->{AccountId};
my $role = FngateTest::role('call1-a', 'parent-role',
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    . '"Action":"lambda:InvokeFunction","Resource":'
    . '"arn:aws:lambda:*:' . $acct . ':function:child*"},'
    . '{"Effect":"Allow","Action":["sqs:GetQueueUrl","sqs:SendMessage"],'
    . '"Resource":"arn:aws:sqs:*:' . $acct . ':jobs"}]}');
main::caller_fn('call1-a', 'parent', $role);
main::caller_fn('call1-a', 'child', "arn:aws:iam::$acct:role/none");
FngateTest::python_sqs('call1-a', "sqs.create_queue(QueueName='jobs')\n");
my ($r, $rid) = FngateTest::invoke_json('call1-a', 'parent',
    { child => 'child', queue => 'jobs', delete => 'child' });
my $got = FngateTest::python_sqs('call1-a', <<'_PY_');
url = sqs.get_queue_url(QueueName='jobs')['QueueUrl']
m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get('Messages', [])
print('queued=' + ','.join(x['Body'] for x in m))
_PY_
my ($child) = grep { $_->{caller} eq $acct && $_->{chain_depth} eq '2' }
              @{ main::lines_of('child') };
my $parent = FngateTest::billing_line($rid);
FngateTest::save_output('call1.out', join("\n",
    "creds=" . ($r->{creds} ? 1 : 0),
    "endpoint=" . ($r->{endpoint} eq "http://10.213.$main::NET.1:$main::PORT" ? 1 : $r->{endpoint}),
    "child=" . main::scrub(FngateTest::json_encode($r->{child})),
    "send=$r->{send}", "delete=$r->{delete}",
    ($got =~ /(queued=.*)/),
    "parent_line=$parent->{chain_depth} $parent->{root_request_id} $parent->{role}"
        =~ s/\Q$rid\E/RID/r =~ s/\Q$role\E/ROLE/r,
    "child_line=" . ($child ? "$child->{status} $child->{billing_account} $child->{chain_depth} $child->{root_request_id} $child->{role}"
        =~ s/\Q$role\E/ROLE/r =~ s/\Q$acct\E/A/gr =~ s/\Q$rid\E/RID/r : 'none')) . "\n");
--- request
GET /t/out/call1.out
--- response_body
creds=1
endpoint=1
child={"creds":true,"endpoint":"GW"}
send=sent
delete=AccessDeniedException
queued=from parent
parent_line=1 RID 
child_line=200 A 2 RID ROLE
--- no_error_log
[error]



=== TEST 2: another account's call of the function is billed to that account, and so is everything the function calls with its credentials, though they act as the function's owner
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $a = FngateTest::account('call2-a')->{AccountId};
my $b = FngateTest::account('call2-b')->{AccountId};
my $role = FngateTest::role('call2-a', 'r',
    '{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction",'
    . '"Resource":"*"}]}');
main::caller_fn('call2-a', 'parent', $role);
main::caller_fn('call2-a', 'child', $role);
FngateTest::grant('call2-a', 'parent', 'b', $b);
my $out = FngateTest::python_boto3('call2-b', <<_PY_);
r = lam.invoke(FunctionName='arn:aws:lambda:us-east-1:$a:function:parent',
               Payload=json.dumps({'child': 'child'}))
print('rid=' + r['ResponseMetadata']['RequestId'])
print('answer=' + json.dumps(json.loads(r['Payload'].read())['child']))
_PY_
my ($rid) = $out =~ /^rid=(\S+)/m;
my ($answer) = $out =~ /^answer=(.*)$/m;
my $parent = FngateTest::billing_line($rid);
my ($child) = grep { $_->{root_request_id} eq $rid } @{ main::lines_of('child') };
my $fmt = sub { my $l = shift; $l ? "caller=$l->{caller} billed=$l->{billing_account} owner=$l->{owner} depth=$l->{chain_depth}"
    =~ s/\Q$a\E/A/gr =~ s/\Q$b\E/B/gr : 'none' };
FngateTest::save_output('call2.out', join("\n",
    "answer=" . main::scrub($answer // $out),
    "parent=" . $fmt->($parent), "child=" . $fmt->($child)) . "\n");
--- request
GET /t/out/call2.out
--- response_body
answer={"creds": true, "endpoint": "GW"}
parent=caller=B billed=B owner=A depth=1
child=caller=A billed=B owner=A depth=2
--- no_error_log
[error]



=== TEST 3: a call's credentials end with it: used from outside after the call, they are refused; a role that allows nothing lets the code call nothing
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $acct = FngateTest::account('call3-a')->{AccountId};
my $empty = FngateTest::role('call3-a', 'empty');
main::caller_fn('call3-a', 'leaker', $empty);
main::caller_fn('call3-a', 'child', $empty);
my ($r) = FngateTest::invoke_json('call3-a', 'leaker', { leak => 1, child => 'child' });
my ($akid, $secret, $token) = @{ $r->{leak} || [] };
my $env = join ' ', 'env -i PATH=/usr/bin:/bin HOME=/tmp',
    'AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null',
    'AWS_PAGER= AWS_MAX_ATTEMPTS=1 AWS_DEFAULT_REGION=us-east-1',
    "AWS_ACCESS_KEY_ID=$akid AWS_SECRET_ACCESS_KEY=$secret",
    "AWS_SESSION_TOKEN=$token";
my (undef, $after) = FngateTest::run_cmd("$env /usr/bin/aws --endpoint-url "
    . FngateTest::endpoint() . ' lambda list-functions');
my ($code) = $after =~ /An error occurred \((\w+)\)/;
FngateTest::save_output('call3.out', join("\n",
    "key=" . (($akid // '') =~ /^ASIA[A-Z2-7]{16}$/ ? 1 : $akid // 'none'),
    "child=$r->{child}", "after=" . ($code // $after)) . "\n");
--- request
GET /t/out/call3.out
--- response_body
key=1
child=AccessDeniedException
after=UnrecognizedClientException
--- error_log eval
qr/fngate: unknown access key "ASIA[A-Z2-7]{16}"/



=== TEST 4: a function that keeps invoking itself asynchronously is stopped at the chain's 17th call: 16 runs, each one deeper, all billed to the caller, then Lambda's RecursiveInvocationException
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $acct = FngateTest::account('call4-a')->{AccountId};
my $role = FngateTest::role('call4-a', 'r',
    '{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction",'
    . '"Resource":"*"}]}');
main::caller_fn('call4-a', 'loop', $role);
my ($r, $rid) = FngateTest::invoke_json('call4-a', 'loop', { again => 1 });
# the refusal, and the line of the run that was refused (written once
# that run ends)
my (@refused, @runs);
for (1 .. 600) {
    my @l = grep { $_->{root_request_id} eq $rid }
            @{ FngateTest::billing_lines('Invoke') };
    @refused = grep { $_->{status} eq '400' } @l;
    @runs = grep { $_->{status} eq '200' && $_->{function} eq 'loop' } @l;
    last if @refused && grep { $_->{chain_depth} eq '16' } @runs;
    select undef, undef, undef, 0.2;
}
FngateTest::save_output('call4.out', join("\n", "first=$r->{again}",
    "runs=" . scalar(@runs),
    "depths=" . join(',', sort { $a <=> $b } map { $_->{chain_depth} } @runs),
    "billed=" . join(',', sort keys %{ { map { $_->{billing_account} => 1 } @runs } })
        =~ s/\Q$acct\E/A/r,
    "refused=" . join(' ', map { "$_->{error_type} $_->{chain_depth}" } @refused))
    . "\n");
--- request
GET /t/out/call4.out
--- response_body
first=202
runs=16
depths=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
billed=A
refused=RecursiveInvocationException 17
--- error_log
fngate: recursive loop: call 17 of chain



=== TEST 5: a call made by a function must end by its caller's deadline: the child of a call with X-Fngate-Deadline 200 s away has less than that left, not its own 300 s
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::ready();
my $acct = FngateTest::account('call5-a')->{AccountId};
my $role = FngateTest::role('call5-a', 'r',
    '{"Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction",'
    . '"Resource":"*"}]}');
main::caller_fn('call5-a', 'parent', $role);
main::caller_fn('call5-a', 'child', $role);
my $deadline = int(time() * 1000) + 200_000;
my $out = FngateTest::curl_sigv4('call5-a',
    '/2015-03-31/functions/parent/invocations',
    '-H', "X-Fngate-Deadline: $deadline",
    '-d', '{"child":"child","child_event":{"remaining":1}}');
my ($left) = $out =~ /"remaining":\s*(\d+)/;
FngateTest::save_output('call5.out', "inherited="
    . (defined $left && $left > 0 && $left <= 200_000 ? 1 : $out) . "\n");
--- request
GET /t/out/call5.out
--- response_body
inherited=1
--- no_error_log
[error]
