# Asynchronous invocation: Invoke with X-Amz-Invocation-Type: Event is
# answered 202 once the event is stored; fngated's workers run it through
# the gateway, signed as the account that sent it, and each attempt
# writes a billing line of its own ("invocation_type":"Event", its
# attempt, the event's age, the request id of the Invoke that sent it).
# A function error is retried twice (the test fngated's async_retry_base
# is 1 s: util/run-tests.sh), then the event is dropped (no destination).
#
# The fixture: Alice's functions (echo, fails, slow), Bob's echo and a
# grant to Bob on Alice's echo; Dave's and Erin's functions are their own
# so that their blocks read only their own lines.  Frank's functions and
# queues show the destinations and the dead-letter queue, each block with
# its own function and queue.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $CAROL = account('carol')->{AccountId};
our $DAVE = account('dave')->{AccountId};
our $ERIN = account('erin')->{AccountId};
our $FRANK = account('frank')->{AccountId};
our $GINA = account('gina')->{AccountId};
our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $REDIS = $ENV{TEST_NGINX_REDIS_PORT};

our %SCRIPT = (
    echo  => "#!/bin/sh\ncat\n",
    fails => "#!/bin/sh\necho 'this one always fails' >&2\nexit 3\n",
    slow  => "#!/bin/sh\nsleep 4\ncat\n",
);

fixture(sub {
    make_function('alice', 'echo', $SCRIPT{echo});
    make_function('alice', 'fails', $SCRIPT{fails});
    make_function('alice', 'slow', $SCRIPT{slow}, timeout => 30);
    make_function('bob', 'echo', $SCRIPT{echo});
    make_function('dave', 'slowdel', $SCRIPT{slow}, timeout => 30);
    make_function('erin', 'echo', $SCRIPT{echo});
    make_function('gina', 'slow', $SCRIPT{slow}, timeout => 30);
    grant('alice', 'echo', 'bob-invokes', $BOB);

    my $out = FngateTest::python_sqs('frank', <<'_PY_');
for q in ('ok-q', 'fail-q', 'dlq', 'sink-q'):
    sqs.create_queue(QueueName=q)
print('queues')
_PY_
    die "queues: $out" unless $out =~ /^exit=0\nqueues$/m;
    make_function('frank', 'dest-ok', $SCRIPT{echo});
    make_function('frank', 'dest-fail', $SCRIPT{fails});
    make_function('frank', 'dest-fn-fail', $SCRIPT{fails});
    make_function('frank', 'sink', $SCRIPT{echo});
    make_function('frank', 'dlq-fn', $SCRIPT{fails},
        extra => { DeadLetterConfig => { TargetArn => q_arn('dlq') } });
    put_eic('dest-ok', { DestinationConfig => {
        OnSuccess => { Destination => q_arn('ok-q') } } });
    put_eic('dest-fail', { MaximumRetryAttempts => 0, DestinationConfig => {
        OnFailure => { Destination => q_arn('fail-q') } } });
    put_eic('dest-fn-fail', { MaximumRetryAttempts => 0, DestinationConfig => {
        OnFailure => { Destination => "arn:aws:lambda:us-east-1:$FRANK:function:sink" } } });
    put_eic('sink', { DestinationConfig => {
        OnSuccess => { Destination => q_arn('sink-q') } } });
    put_eic('dlq-fn', { MaximumRetryAttempts => 1 });
});

sub q_arn { "arn:aws:sqs:us-east-1:$FRANK:$_[0]" }

# Frank's asynchronous configuration of FUNCTION set to BODY (a hash).
sub put_eic {
    my ($fn, $body) = @_;
    FngateTest::api_ok('frank', 'PUT',
        "/2019-09-25/functions/$fn/event-invoke-config",
        FngateTest::json_encode($body), 200);
}

# The body of the first message of Frank's queue Q (waiting up to
# SECONDS), deleted once read; '' when none came.
# The body of the first message of queue $q within $seconds (deleted);
# in list context also its message attributes, "NAME TYPE VALUE" lines.
sub receive_one {
    my ($q, $seconds) = @_;
    my $out = FngateTest::python_sqs('frank', <<"_PY_");
import time
url = sqs.get_queue_url(QueueName='$q')['QueueUrl']
until = time.time() + $seconds
while time.time() < until:
    r = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5,
                            MessageAttributeNames=['All'])
    for m in r.get('Messages', []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m['ReceiptHandle'])
        print('BODY ' + m['Body'])
        for k, v in sorted(m.get('MessageAttributes', {}).items()):
            print('ATTR %s %s %s' % (k, v['DataType'], v['StringValue']))
        raise SystemExit(0)
_PY_
    my $body = $out =~ /^BODY (.*)$/m ? $1 : '';
    return $body unless wantarray;
    return ($body, join '', map { "$_\n" } $out =~ /^ATTR (.*)$/mg);
}

# The parts of a destination record a block checks, one a line.
sub record_text {
    my $rec = eval { FngateTest::json_decode(shift) } or return "not JSON\n";
    my $c = $rec->{requestContext} || {};
    my $r = $rec->{responseContext} || {};
    return join '', map { "$_\n" }
        "version=$rec->{version}",
        'timestamp=' . ($rec->{timestamp} =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ ? 'ok' : $rec->{timestamp}),
        "condition=$c->{condition}",
        "count=$c->{approximateInvokeCount}",
        "functionArn=$c->{functionArn}",
        'requestPayload=' . FngateTest::json_encode($rec->{requestPayload}),
        'status=' . ($r->{statusCode} // '-'),
        'executedVersion=' . ($r->{executedVersion} // '-'),
        'functionError=' . ($r->{functionError} // '-'),
        'responsePayload=' . (ref $rec->{responsePayload}
            ? FngateTest::json_encode($rec->{responsePayload})
            : $rec->{responsePayload} // '-');
}

# event_invoke(WHO, FUNCTION, BODY, HEADER...): an Event Invoke as WHO;
# (HTTP status, its x-amzn-RequestId, curl's whole output).
sub event_invoke {
    my ($who, $fn, $body, @h) = @_;
    my $file = "/tmp/fngate-async-$$.json";
    open my $f, '>', $file or die "$file: $!";
    print $f $body;
    close $f;
    my $out = FngateTest::curl_sigv4($who,
        "/2015-03-31/functions/$fn/invocations", '-X', 'POST', '-D', '-',
        '-H', 'X-Amz-Invocation-Type: Event',
        '-H', 'Content-Type: application/json', '--data-binary', "\@$file",
        map { ('-H', $_) } @h);
    unlink $file;
    my ($rid) = $out =~ /^x-amzn-RequestId: ([0-9a-f-]+)\r?$/mi;
    return (FngateTest::http_code($out), $rid // '', $out);
}

# The billing lines of the attempts of the event RID, once there are N
# (waiting up to SECONDS), in attempt order.
sub attempts {
    my ($rid, $n, $seconds) = @_;
    my $until = time + $seconds;
    my @l;
    while (1) {
        @l = sort { $a->{attempt} <=> $b->{attempt} }
             grep { $_->{event_id} eq $rid && $_->{invocation_type} eq 'Event' }
             @{ FngateTest::billing_lines('Invoke') };
        last if @l >= $n || time >= $until;
        select undef, undef, undef, 0.2;
    }
    return @l;
}

sub line_text {
    my $l = shift;
    return join ' ', map { "$_=$l->{$_}" }
        qw(status invocation_type attempt caller billing_account owner
           function function_error);
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: an Event Invoke is answered 202 with its request id and no body once the event is stored
--- request
POST /2015-03-31/functions/echo/invocations
{"n":1}
--- more_headers
X-Amz-Invocation-Type: Event
X-Fngate-Test-Sign: alice
--- error_code: 202
--- response_headers_like
x-amzn-RequestId: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
--- raw_response_headers_unlike: (?i)x-amz-executed-version
--- response_body chomp

--- access_log eval
qr/"action":"Invoke","caller":"$main::ALICE","billing_account":"$main::ALICE","owner":"$main::ALICE","function":"echo",.*"status":"202","duration_ms":"","billed_ms":""/
--- no_error_log
[error]



=== TEST 2: the event runs once, billed to its sender as attempt 1 of an Event, with the request id of the Invoke that sent it
--- timeout: 180
--- init
my ($code, $rid) = main::event_invoke('alice', 'echo', '{"run":"once"}');
my @l = main::attempts($rid, 1, 150);
# no second attempt of a success comes later
select undef, undef, undef, 3;
@l = main::attempts($rid, 1, 0);
FngateTest::save_output('async-once.out', "$code\n"
    . join('', map { main::line_text($_) . ' age='
                     . ($_->{event_age_ms} =~ /^\d+$/ ? 'ms' : $_->{event_age_ms})
                     . ' billed=' . ($_->{billed_ms} > 0 ? 'yes' : 'no')
                     . ' rid=' . ($_->{request_id} ne $rid ? 'own' : 'same')
                     . "\n" } @l));
--- request
GET /t/out/async-once.out
--- response_body eval
"202
status=200 invocation_type=Event attempt=1 caller=$main::ALICE billing_account=$main::ALICE owner=$main::ALICE function=echo function_error= age=ms billed=yes rid=own
"
--- no_error_log
[error]



=== TEST 3: a synchronous Invoke's billing line says RequestResponse and names no event
--- timeout: 180
--- request
POST /2015-03-31/functions/echo/invocations
{"sync":true}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"sync":true}
--- access_log eval
qr/"function":"echo",.*"status":"200",.*"invocation_type":"RequestResponse","attempt":"","event_age_ms":"","event_id":""/
--- no_error_log
[error]



=== TEST 4: Debian's aws CLI and boto3 send Event invocations: StatusCode 202, and each runs
--- timeout: 240
--- init
my $cli = FngateTest::aws_cli('alice', 'lambda', 'invoke', '--function-name',
    'echo', '--invocation-type', 'Event', '--cli-binary-format',
    'raw-in-base64-out', '--payload', '{"from":"cli"}', '/dev/null');
my $py = FngateTest::python_boto3('alice', <<'_PY_');
r = lam.invoke(FunctionName='echo', InvocationType='Event',
               Payload=b'{"from":"boto3"}')
print(r['StatusCode'], r['ResponseMetadata']['RequestId'], len(r['Payload'].read()))
_PY_
my ($rid) = $py =~ /^202 (\S+) 0$/m;
my @l = $rid ? main::attempts($rid, 1, 200) : ();
$cli =~ s/\s+/ /g;
FngateTest::save_output('async-clients.out',
    ($cli =~ /^exit=0 \{ "StatusCode": 202 \}\s*$/ ? "cli 202\n" : "cli: $cli\n")
    . ($rid ? "boto3 202\n" : "boto3: $py\n")
    . join('', map { main::line_text($_) . "\n" } @l));
--- request
GET /t/out/async-clients.out
--- response_body eval
"cli 202
boto3 202
status=200 invocation_type=Event attempt=1 caller=$main::ALICE billing_account=$main::ALICE owner=$main::ALICE function=echo function_error=
"
--- no_error_log
[error]



=== TEST 5: an Event payload over 256 KB is 413, one of exactly 256 KB is stored
--- init
my $big = '{"a":"' . ('x' x (262144 - 8)) . '"}';
my ($ok) = main::event_invoke('alice', 'echo', $big);
my ($over, undef, $out) = main::event_invoke('alice', 'echo', $big . ' ');
my ($type) = $out =~ /^x-amzn-ErrorType: (\S+)\r?$/mi;
FngateTest::save_output('async-size.out',
    length($big) . " $ok\n" . (length($big) + 1) . " $over $type\n"
    . ($out =~ /"message":"Request must be smaller than 262144 bytes for the Event invocation type"/ ? "message ok\n" : $out));
--- request
GET /t/out/async-size.out
--- response_body
262144 202
262145 413 RequestTooLargeException
message ok
--- no_error_log
[error]



=== TEST 6: an Event Invoke of a function that does not exist is 404 and stores nothing
--- init
my ($code, undef, $out) = main::event_invoke('carol', 'nothing-here', '{}');
my (undef, $exists) = FngateTest::run_cmd("redis-cli -p $main::REDIS EXISTS 'fg:ev:{$main::CAROL}'");
FngateTest::save_output('async-404.out', "$code $exists");
--- request
GET /t/out/async-404.out
--- response_body
404 0
--- error_log eval
qr/fngate: function "nothing-here" of $main::CAROL not found/



=== TEST 7: a function error is retried twice (after 1 s, then 2 s), each attempt billed, then the event is dropped
--- timeout: 240
--- init
my $log = FngateTest::fngated_state() . '/fngated/fngated.log';
my $skip = -s $log;
my ($code, $rid) = main::event_invoke('alice', 'fails', '{"try":"hard"}');
my @l = main::attempts($rid, 3, 200);
my $dropped = FngateTest::wait_log($log, qr/event \Q$rid\E of \Q$main::ALICE\E:fails dropped after attempt 3: RetriesExhausted/, 30, $skip);
# and no fourth attempt
select undef, undef, undef, 3;
@l = main::attempts($rid, 3, 0);
my $gaps = '';
$gaps = sprintf "gaps %s %s\n",
    ($l[1]{msec} - $l[0]{msec} >= 1 ? '>=1s' : $l[1]{msec} - $l[0]{msec}),
    ($l[2]{msec} - $l[1]{msec} >= 2 ? '>=2s' : $l[2]{msec} - $l[1]{msec})
    if @l == 3;
FngateTest::save_output('async-retries.out', "$code\n"
    . join('', map { main::line_text($_) . "\n" } @l) . $gaps
    . ($dropped ne '' ? "dropped\n" : "not dropped\n"));
--- request
GET /t/out/async-retries.out
--- response_body eval
"202
status=200 invocation_type=Event attempt=1 caller=$main::ALICE billing_account=$main::ALICE owner=$main::ALICE function=fails function_error=Unhandled
status=200 invocation_type=Event attempt=2 caller=$main::ALICE billing_account=$main::ALICE owner=$main::ALICE function=fails function_error=Unhandled
status=200 invocation_type=Event attempt=3 caller=$main::ALICE billing_account=$main::ALICE owner=$main::ALICE function=fails function_error=Unhandled
gaps >=1s >=2s
dropped
"
--- no_error_log
[error]



=== TEST 8: a client's X-Fngate-Event that names no event of its own is refused before anything runs
--- request
POST /2015-03-31/functions/echo/invocations
{}
--- more_headers
X-Fngate-Event: 1-0
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: X-Fngate-Event names no event of the caller
--- no_error_log
[error]



=== TEST 9: Bob can not pass an attempt of Alice's pending event as his own
--- timeout: 180
--- init
# Alice's slow event is pending (taken) while it runs: its entry is in her
# stream; Bob names it on a call of his own function, and on hers
my ($code, $rid) = main::event_invoke('alice', 'slow', '{"s":1}');
my $id = '';
for (1 .. 300) {
    my (undef, $x) = FngateTest::run_cmd("redis-cli -p $main::REDIS XRANGE 'fg:ev:{$main::ALICE}' - +");
    ($id) = $x =~ /^(\d+-\d+)$/m;
    last if $id;
    select undef, undef, undef, 0.1;
}
my @out;
my $o = FngateTest::curl_sigv4('bob', '/2015-03-31/functions/echo/invocations',
    '-X', 'POST', '-H', "X-Fngate-Event: $id",
    '-H', 'Content-Type: application/json', '--data-binary', '{}');
push @out, FngateTest::http_code($o)
    . ($o =~ /names no event of the caller/ ? ' refused' : " $o");
$o = FngateTest::python_boto3('bob', <<"_PY_");
import botocore.exceptions
def name_event(request, **kw):
    request.headers['X-Fngate-Event'] = '$id'
lam.meta.events.register('before-sign.lambda.Invoke', name_event)
try:
    lam.invoke(FunctionName='arn:aws:lambda:us-east-1:$main::ALICE:function:echo', Payload=b'{}')
    print('ran')
except botocore.exceptions.ClientError as e:
    print(e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Message'])
_PY_
push @out, $o =~ /^400 X-Fngate-Event names no event of the caller$/m
           ? '400 refused' : $o;
# her event still runs (a host failure may cost it an attempt)
my @l;
for (1 .. 750) {
    @l = grep { $_->{status} eq '200' } main::attempts($rid, 1, 0);
    last if @l;
    select undef, undef, undef, 0.2;
}
FngateTest::save_output('async-steal.out', ($id ? "pending\n" : "no entry\n")
    . join("\n", @out) . "\n"
    . join('', map { "$_->{status} $_->{caller} $_->{function}\n" } @l));
--- request
GET /t/out/async-steal.out
--- response_body eval
"pending
400 refused
400 refused
200 $main::ALICE slow
"



=== TEST 10: an account granted Invoke sends events to another account's function: run and billed as its own
--- timeout: 180
--- init
my $py = FngateTest::python_boto3('bob', <<"_PY_");
r = lam.invoke(FunctionName='arn:aws:lambda:us-east-1:$main::ALICE:function:echo',
               InvocationType='Event', Payload=b'{"from":"bob"}')
print(r['StatusCode'], r['ResponseMetadata']['RequestId'])
_PY_
my ($code, $rid) = $py =~ /^(\d+) (\S+)$/m;
my @l = main::attempts($rid, 1, 150);
FngateTest::save_output('async-granted.out', "$code\n"
    . join('', map { main::line_text($_) . "\n" } @l));
--- request
GET /t/out/async-granted.out
--- response_body eval
"202
status=200 invocation_type=Event attempt=1 caller=$main::BOB billing_account=$main::BOB owner=$main::ALICE function=echo function_error=
"
--- no_error_log
[error]



=== TEST 11: events of a function deleted while they wait are refused (404) when their turn comes and dropped, each said in the log
--- timeout: 240
--- init
my $log = FngateTest::fngated_state() . '/fngated/fngated.log';
my $skip = -s $log;
my @rids;
for my $i (1 .. 4) {
    my ($code, $rid) = main::event_invoke('dave', 'slowdel', qq({"i":$i}));
    push @rids, $rid if $code == 202;
}
FngateTest::api_ok('dave', 'DELETE', '/2015-03-31/functions/slowdel', '', 204);
# every event ends: it ran (taken before the delete) or was refused
my %end;
my $until = time + 200;
while (time < $until && keys %end < @rids) {
    for my $rid (@rids) {
        next if $end{$rid};
        if (FngateTest::file_has($log, qr/event \Q$rid\E of \Q$main::DAVE\E:slowdel dropped after attempt \d+: RetriesExhausted/, $skip) ne '') {
            $end{$rid} = 'dropped';
        } elsif (main::attempts($rid, 1, 0)
                 && (main::attempts($rid, 1, 0))[0]{status} eq '200') {
            $end{$rid} = 'ran';
        }
    }
    select undef, undef, undef, 0.3;
}
my $refused = () = grep { $_ eq 'dropped' } values %end;
FngateTest::save_output('async-deleted.out', scalar(@rids) . " sent\n"
    . scalar(keys %end) . " ended\n" . ($refused > 0 ? "some refused\n" : "none refused\n"));
--- request
GET /t/out/async-deleted.out
--- response_body
4 sent
4 ended
some refused



=== TEST 12: usage counts each attempt of an event, not the 202 that accepted it
--- timeout: 180
--- init
my ($code, $rid) = main::event_invoke('erin', 'echo', '{"usage":1}');
my @l = main::attempts($rid, 1, 150);
my ($c, $body) = FngateTest::api_call('erin', 'GET', '/2015-03-31/usage');
my $u = FngateTest::json_decode($body);
FngateTest::save_output('async-usage.out', "$code " . scalar(@l) . "\n"
    . join('', map { "$_->{Account} $_->{Owner} calls=$_->{Calls}\n" } @{ $u->{Usage} }));
--- request
GET /t/out/async-usage.out
--- response_body eval
"202 1
$main::ERIN $main::ERIN calls=1
"
--- no_error_log
[error]



=== TEST 13: OnSuccess to a queue: the queue gets Lambda's record of the success, with the request and the response
--- timeout: 240
--- init
my ($code, $rid) = main::event_invoke('frank', 'dest-ok', '{"order":1}');
my $body = main::receive_one('ok-q', 200);
my $rec = eval { FngateTest::json_decode($body) } || {};
FngateTest::save_output('async-dest-ok.out', "$code\n"
    . 'requestId=' . ($rec->{requestContext}{requestId} eq $rid ? 'same' : 'other') . "\n"
    . main::record_text($body));
--- request
GET /t/out/async-dest-ok.out
--- response_body eval
"202
requestId=same
version=1.0
timestamp=ok
condition=Success
count=1
functionArn=arn:aws:lambda:us-east-1:$main::FRANK:function:dest-ok:\$LATEST
requestPayload={\"order\":1}
status=200
executedVersion=\$LATEST
functionError=-
responsePayload={\"order\":1}
"
--- no_error_log
[error]



=== TEST 14: OnFailure to a queue (MaximumRetryAttempts 0): one attempt, then the record of the failure with the function's error
--- timeout: 240
--- init
my ($code, $rid) = main::event_invoke('frank', 'dest-fail', '{"order":2}');
my $body = main::receive_one('fail-q', 200);
my @l = main::attempts($rid, 1, 5);
FngateTest::save_output('async-dest-fail.out', "$code " . scalar(@l) . "\n"
    . main::record_text($body));
--- request
GET /t/out/async-dest-fail.out
--- response_body_like eval
qr/^202 1
version=1\.0
timestamp=ok
condition=RetriesExhausted
count=1
functionArn=arn:aws:lambda:us-east-1:$main::FRANK:function:dest-fail:\$LATEST
requestPayload=\{"order":2\}
status=200
executedVersion=\$LATEST
functionError=Unhandled
responsePayload=\{"errorMessage":"[^"]*","errorType":"[^"]*"[^\n]*\}
\z/
--- no_error_log
[error]



=== TEST 15: a function's DeadLetterConfig queue gets the event itself once its retries are spent (MaximumRetryAttempts 1: two attempts), with Lambda's attributes RequestID, ErrorCode and ErrorMessage
--- timeout: 240
--- init
my ($code, $rid) = main::event_invoke('frank', 'dlq-fn', '{"order":3}');
my ($body, $attrs) = main::receive_one('dlq', 200);
$attrs =~ s/^RequestID String \Q$rid\E$/RequestID String (the Invoke's)/m;
$attrs =~ s/RequestId: [0-9a-f-]{36} /RequestId: (the attempt's) /;
my @l = main::attempts($rid, 2, 5);
FngateTest::save_output('async-dlq.out', "$code\n$body\n$attrs"
    . join('', map { "$_->{attempt} $_->{function_error}\n" } @l));
--- request
GET /t/out/async-dlq.out
--- response_body
202
{"order":3}
ErrorCode Number 200
ErrorMessage String RequestId: (the attempt's) Error: Runtime exited with error: exit status 3
RequestID String (the Invoke's)
1 Unhandled
2 Unhandled
--- no_error_log
[error]



=== TEST 16: OnFailure to a function: it gets the record as an event of its own (billed to the configuration's owner), here passed on by its OnSuccess to a queue
--- timeout: 300
--- init
my ($code, $rid) = main::event_invoke('frank', 'dest-fn-fail', '{"order":4}');
my $body = main::receive_one('sink-q', 260);
my $rec = eval { FngateTest::json_decode($body) } || {};
my $inner = $rec->{responsePayload} || {};
my @sink = grep { $_->{function} eq 'sink' && $_->{invocation_type} eq 'Event' }
           @{ FngateTest::billing_lines('Invoke') };
FngateTest::save_output('async-dest-fn.out', "$code\n"
    . "outer=$rec->{requestContext}{condition} inner=$inner->{requestContext}{condition}\n"
    . 'inner requestId=' . ($inner->{requestContext}{requestId} eq $rid ? 'same' : 'other') . "\n"
    . 'inner functionError=' . ($inner->{responseContext}{functionError} // '-') . "\n"
    . 'inner requestPayload=' . FngateTest::json_encode($inner->{requestPayload}) . "\n"
    . join('', map { "sink billed to $_->{billing_account}\n" } @sink));
--- request
GET /t/out/async-dest-fn.out
--- response_body eval
"202
outer=Success inner=RetriesExhausted
inner requestId=same
inner functionError=Unhandled
inner requestPayload={\"order\":4}
sink billed to $main::FRANK
"
--- no_error_log
[error]



=== TEST 17: an attempt throttled (429: the account's one guest busy past acquire_timeout) is retried and not counted against MaximumRetryAttempts, and its billing line says so
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
# a fngated of its own: one guest per account, a short acquire_timeout
my $own = FngateTest::own_fngated(warm => 1, max_vms_per_account => 1,
    acquire_timeout => 300);
# the file's fixture (when this block runs first) through this nginx
FngateTest::fixture_run();
FngateTest::wait_log($own->{log}, qr/: warm \(/, 120, 0);
my @rids;
for my $i (1 .. 3) {
    my ($code, $rid) = main::event_invoke('gina', 'slow', qq({"t":$i}));
    push @rids, $rid if $code == 202;
}
my %ok;
my $until = time + 240;
while (time < $until && keys %ok < @rids) {
    for my $rid (@rids) {
        $ok{$rid} = 1 if grep { $_->{status} eq '200' } main::attempts($rid, 1, 0);
    }
    select undef, undef, undef, 0.5;
}
my %want = map { $_ => 1 } @rids;
my @lines = grep { $want{$_->{event_id}} } @{ FngateTest::billing_lines('Invoke') };
my @throttled = grep { $_->{status} eq '429' } @lines;
my @late = grep { $_->{status} eq '200' && $_->{attempt} > 1 } @lines;
FngateTest::stop_own_fngated();
FngateTest::save_output('async-throttled.out', scalar(@rids) . " sent\n"
    . scalar(keys %ok) . " ran\n"
    . (@throttled ? "a throttled attempt's line says $throttled[0]{invocation_type} attempt $throttled[0]{attempt}\n"
                  : "no throttled line\n")
    . (@late ? "ran after a throttle\n" : "all ran at once\n"));
--- request
GET /t/out/async-throttled.out
--- response_body_like
^3 sent
3 ran
a throttled attempt's line says Event attempt \d+
ran after a throttle$
