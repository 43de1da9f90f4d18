# Event source mappings of fngate's queues: Lambda's calls through
# Debian's aws CLI and boto3, their errors, and the pollers: a queue
# filled before its mapping is drained, a failing function's messages
# reach the queue's dead-letter queue, ReportBatchItemFailures deletes only
# the successes, a disabled mapping consumes nothing, a FIFO queue's
# groups run in order, a throttled function's batches stay in the queue.  Every block has its own functions and queues
# (Alice's, Bob's for the cross-account cases); a block reads only its
# own billing lines (by function name).
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};

our %SCRIPT = (
    echo  => "#!/bin/sh\ncat\n",
    fails => "#!/bin/sh\necho 'this one always fails' >&2\nexit 3\n",
    # {"batchItemFailures":[...]} naming every record whose body starts
    # with "bad"
    partial => <<'_SH_',
#!/bin/sh
awk 'BEGIN { printf "{\"batchItemFailures\":["; c = 0 }
{
    n = split($0, a, "\"messageId\":\"");
    for (i = 2; i <= n; i++) {
        id = substr(a[i], 1, index(a[i], "\"") - 1);
        if (index(a[i], "\"body\":\"bad") > 0) {
            printf "%s{\"itemIdentifier\":\"%s\"}", (c++ ? "," : ""), id;
        }
    }
}
END { print "]}" }'
_SH_
);

fixture(sub {
    for my $fn (qw(cli-fn py-fn drain dlq-fn partial-fn toggle-fn fifo-fn
                   gone-fn held-fn)) {
        my $s = $fn eq 'dlq-fn' ? $SCRIPT{fails}
              : $fn eq 'partial-fn' ? $SCRIPT{partial} : $SCRIPT{echo};
        make_function('alice', $fn, $s);
    }
    make_function('bob', 'bob-fn', $SCRIPT{echo});
    my $out = FngateTest::python_sqs('alice', <<'_PY_');
for q in ('cli-q', 'py-q', 'drain-q', 'toggle-q', 'gone-q', 'held-q'):
    sqs.create_queue(QueueName=q)
for src, vt, n in (('dlq-q', '1', '2'), ('partial-q', '1', '2')):
    dlq = sqs.create_queue(QueueName=src + '-dlq')['QueueUrl']
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
    sqs.create_queue(QueueName=src, Attributes={'VisibilityTimeout': vt,
        'RedrivePolicy': json.dumps({'deadLetterTargetArn': arn, 'maxReceiveCount': n})})
sqs.create_queue(QueueName='fifo-q.fifo', Attributes={'FifoQueue': 'true',
    'ContentBasedDeduplication': 'true'})
print('queues')
_PY_
    die "queues: $out" unless $out =~ /^exit=0\nqueues$/m;
    $out = FngateTest::python_sqs('bob', <<'_PY_');
sqs.create_queue(QueueName='bob-q')
print('queues')
_PY_
    die "bob's queue: $out" unless $out =~ /^exit=0\nqueues$/m;
});

sub q_arn { my $who = $_[1] // $ALICE; "arn:aws:sqs:us-east-1:$who:$_[0]" }

# aws lambda ARGS as WHO: (exit code, decoded JSON or undef, text).
sub cli {
    my ($who, @args) = @_;
    my $out = FngateTest::aws_cli($who, 'lambda', @args, '--output', 'json');
    my ($rc, $text) = $out =~ /^exit=(\d+)\n(.*)\z/s;
    my $doc = eval { FngateTest::json_decode($text) };
    return ($rc, $doc, $text);
}

# The error code an aws CLI call printed, or its output.
sub cli_error {
    my ($rc, undef, $text) = @_;
    return $text =~ /An error occurred \((\w+)\) when calling the (\w+) operation/
        ? "$rc $1 $2" : "$rc $text";
}

# The parts of a mapping a block compares, one line.
sub esm_text {
    my $m = shift or return "no mapping\n";
    return join(' ', map { "$_=" . ($m->{$_} // '-') }
        qw(State BatchSize MaximumBatchingWindowInSeconds StateTransitionReason))
        . ' FunctionArn=' . ($m->{FunctionArn} // '-')
        . ' EventSourceArn=' . ($m->{EventSourceArn} // '-')
        . ' Types=' . join(',', @{ $m->{FunctionResponseTypes} // [] })
        . ' UUID=' . (($m->{UUID} // '') =~ /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ ? 'uuid' : $m->{UUID} // '-')
        . ' LastModified=' . (($m->{LastModified} // '') =~ /^(\d{10}|\d{4}-\d\d-\d\dT)/ ? 'time' : $m->{LastModified} // '-')
        . "\n";
}

# Alice's queue Q's message counts: "visible/in flight".
sub counts {
    my ($q, $who) = @_;
    my $out = FngateTest::python_sqs($who // 'alice', <<"_PY_");
url = sqs.get_queue_url(QueueName='$q')['QueueUrl']
a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['All'])['Attributes']
print('COUNTS %s/%s' % (a['ApproximateNumberOfMessages'], a['ApproximateNumberOfMessagesNotVisible']))
_PY_
    return $out =~ /^COUNTS (\d+\/\d+)$/m ? $1 : "? $out";
}

# Waits up to SECONDS for counts(Q) to be WANT; the last counts.
sub wait_counts {
    my ($q, $want, $seconds) = @_;
    my $until = time + $seconds;
    my $c;
    while (1) {
        $c = counts($q);
        last if $c eq $want || time >= $until;
        select undef, undef, undef, 0.5;
    }
    return $c;
}

# Sends BODIES (and with GROUP, each in that group) to Alice's queue Q;
# the MessageIds in order.
sub send_all {
    my ($q, $group, @bodies) = @_;
    my $list = FngateTest::json_encode(\@bodies);
    my $g = defined $group ? ", MessageGroupId='$group'" : '';
    my $out = FngateTest::python_sqs('alice', <<"_PY_");
url = sqs.get_queue_url(QueueName='$q')['QueueUrl']
for b in json.loads('$list'):
    print('ID ' + sqs.send_message(QueueUrl=url, MessageBody=b$g)['MessageId'])
_PY_
    my @ids = $out =~ /^ID (\S+)$/mg;
    die "send: $out" unless @ids == @bodies;
    return @ids;
}

# The bodies in Alice's queue Q (received until it is empty for a
# whole long poll), sorted.
sub drain_bodies {
    my $q = shift;
    my $out = FngateTest::python_sqs('alice', <<"_PY_");
url = sqs.get_queue_url(QueueName='$q')['QueueUrl']
while True:
    r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
    ms = r.get('Messages', [])
    if not ms:
        break
    for m in ms:
        print('BODY ' + m['Body'])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m['ReceiptHandle'])
_PY_
    return join ' ', sort $out =~ /^BODY (.*)$/mg;
}

# The billing lines of Alice's FUNCTION.
sub lines_of {
    my $fn = shift;
    return grep { $_->{function} eq $fn && $_->{caller} eq $ALICE }
        @{ FngateTest::billing_lines('Invoke') };
}

# Waits up to a minute for mapping UUID to report a PROBLEM; the mapping.
sub wait_problem {
    my $uuid = shift;
    my $until = time + 60;
    my $m;
    while (1) {
        (undef, $m) = cli('alice', 'get-event-source-mapping', '--uuid', $uuid);
        last if ($m->{LastProcessingResult} // '') =~ /PROBLEM/ || time >= $until;
        select undef, undef, undef, 0.5;
    }
    return $m;
}

sub create {
    my ($fn, $q, @more) = @_;
    my ($rc, $m, $text) = cli('alice', 'create-event-source-mapping',
        '--function-name', $fn, '--event-source-arn', q_arn($q), @more);
    die "create $fn $q: $text" unless $rc == 0 && $m->{UUID};
    return $m->{UUID};
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the aws CLI creates, gets, lists, disables and deletes a mapping, in Lambda's shapes and states
--- timeout: 120
--- init
my $arn = main::q_arn('cli-q');
my ($rc, $m) = main::cli('alice', 'create-event-source-mapping',
    '--function-name', 'cli-fn', '--event-source-arn', $arn);
my $out = "create $rc " . main::esm_text($m);
my $uuid = $m->{UUID} // 'none';
($rc, $m) = main::cli('alice', 'get-event-source-mapping', '--uuid', $uuid);
$out .= "get $rc " . main::esm_text($m);
($rc, $m) = main::cli('alice', 'list-event-source-mappings',
    '--event-source-arn', $arn);
$out .= "list $rc " . scalar(@{ $m->{EventSourceMappings} // [] }) . ' '
    . (($m->{EventSourceMappings}[0]{UUID} // '') eq $uuid ? 'same' : 'other') . "\n";
($rc, $m) = main::cli('alice', 'list-event-source-mappings',
    '--function-name', 'py-fn');
$out .= "list other function $rc " . scalar(@{ $m->{EventSourceMappings} // [] }) . "\n";
($rc, $m) = main::cli('alice', 'update-event-source-mapping', '--uuid', $uuid,
    '--no-enabled', '--batch-size', '5');
$out .= "disable $rc " . main::esm_text($m);
($rc, $m) = main::cli('alice', 'get-event-source-mapping', '--uuid', $uuid);
$out .= "get $rc " . main::esm_text($m);
($rc, $m) = main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
$out .= "delete $rc " . main::esm_text($m);
$out .= 'get ' . main::cli_error(main::cli('alice', 'get-event-source-mapping',
    '--uuid', $uuid)) . "\n";
FngateTest::save_output('esm-cli.out', $out);
--- request
GET /t/out/esm-cli.out
--- response_body eval
"create 0 State=Creating BatchSize=10 MaximumBatchingWindowInSeconds=0 StateTransitionReason=USER_INITIATED FunctionArn=arn:aws:lambda:us-east-1:$main::ALICE:function:cli-fn EventSourceArn=arn:aws:sqs:us-east-1:$main::ALICE:cli-q Types= UUID=uuid LastModified=time
get 0 State=Enabled BatchSize=10 MaximumBatchingWindowInSeconds=0 StateTransitionReason=USER_INITIATED FunctionArn=arn:aws:lambda:us-east-1:$main::ALICE:function:cli-fn EventSourceArn=arn:aws:sqs:us-east-1:$main::ALICE:cli-q Types= UUID=uuid LastModified=time
list 0 1 same
list other function 0 0
disable 0 State=Disabling BatchSize=5 MaximumBatchingWindowInSeconds=0 StateTransitionReason=USER_INITIATED FunctionArn=arn:aws:lambda:us-east-1:$main::ALICE:function:cli-fn EventSourceArn=arn:aws:sqs:us-east-1:$main::ALICE:cli-q Types= UUID=uuid LastModified=time
get 0 State=Disabled BatchSize=5 MaximumBatchingWindowInSeconds=0 StateTransitionReason=USER_INITIATED FunctionArn=arn:aws:lambda:us-east-1:$main::ALICE:function:cli-fn EventSourceArn=arn:aws:sqs:us-east-1:$main::ALICE:cli-q Types= UUID=uuid LastModified=time
delete 0 State=Deleting BatchSize=5 MaximumBatchingWindowInSeconds=0 StateTransitionReason=USER_INITIATED FunctionArn=arn:aws:lambda:us-east-1:$main::ALICE:function:cli-fn EventSourceArn=arn:aws:sqs:us-east-1:$main::ALICE:cli-q Types= UUID=uuid LastModified=time
get 254 ResourceNotFoundException GetEventSourceMapping
"
--- no_error_log
[error]



=== TEST 2: boto3 makes every call: a batching window with BatchSize 100, ReportBatchItemFailures, paging, ScalingConfig (a JSON body: Debian's botocore does not know it), enabling
--- timeout: 120
--- init
my $arn = main::q_arn('py-q');
my $py = FngateTest::python_boto3('alice', <<"_PY_");
m = lam.create_event_source_mapping(FunctionName='py-fn', EventSourceArn='$arn',
    BatchSize=100, MaximumBatchingWindowInSeconds=2, Enabled=False,
    FunctionResponseTypes=['ReportBatchItemFailures'])
print('create', m['ResponseMetadata']['HTTPStatusCode'], m['State'], m['BatchSize'],
      m['MaximumBatchingWindowInSeconds'], m['FunctionResponseTypes'])
u = m['UUID']
m = lam.create_event_source_mapping(FunctionName='arn:aws:lambda:us-east-1:$main::ALICE:function:cli-fn',
    EventSourceArn='$arn')
u2 = m['UUID']
print('second', m['FunctionArn'].endswith(':function:cli-fn'))
p = lam.list_event_source_mappings(EventSourceArn='$arn', MaxItems=1)
print('page1', len(p['EventSourceMappings']), p['EventSourceMappings'][0]['UUID'] == u, 'NextMarker' in p)
p = lam.list_event_source_mappings(EventSourceArn='$arn', MaxItems=1, Marker=p['NextMarker'])
print('page2', len(p['EventSourceMappings']), p['EventSourceMappings'][0]['UUID'] == u2, 'NextMarker' in p)
m = lam.update_event_source_mapping(UUID=u, Enabled=True)
print('enable', m['ResponseMetadata']['HTTPStatusCode'], m['State'])
m = lam.get_event_source_mapping(UUID=u)
print('get', m['State'], m['LastModified'].year > 2000)
print('delete', lam.delete_event_source_mapping(UUID=u2)['State'])
print('UUID', u)
_PY_
my ($uuid) = $py =~ /^UUID (\S+)$/m;
$py =~ s/^UUID .*\n//m;
my $sc = FngateTest::curl_sigv4('alice', "/2015-03-31/event-source-mappings/$uuid",
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '--data-binary', '{"ScalingConfig":{"MaximumConcurrency":3}}');
my ($conc) = $sc =~ /"MaximumConcurrency":(\d+)/;
my ($code) = $sc =~ /http=(\d+)/;
$sc = FngateTest::curl_sigv4('alice', "/2015-03-31/event-source-mappings/$uuid",
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '--data-binary', '{"ScalingConfig":{"MaximumConcurrency":1}}');
my ($code2) = $sc =~ /http=(\d+)/;
my $del = FngateTest::python_boto3('alice', "print(lam.delete_event_source_mapping(UUID='$uuid')['State'])\n");
FngateTest::save_output('esm-boto3.out', $py . "scaling $code " . ($conc // '-') . "\nscaling 1 $code2\n" . $del);
--- request
GET /t/out/esm-boto3.out
--- response_body
exit=0
create 202 Creating 100 2 ['ReportBatchItemFailures']
second True
page1 1 True True
page2 1 True False
enable 202 Enabling
get Enabled True
delete Deleting
scaling 202 3
scaling 1 400
exit=0
Deleting
--- no_error_log
[error]



=== TEST 3: bad values, an unknown queue or function, another account's queue or function or mapping, a second mapping of the same pair: Lambda's errors
--- timeout: 120
--- init
my $arn = main::q_arn('cli-q');
my @e = (
    [ 'batch 11', '--function-name', 'cli-fn', '--event-source-arn', $arn, '--batch-size', '11' ],
    [ 'batch 10001', '--function-name', 'cli-fn', '--event-source-arn', $arn, '--batch-size', '10001',
      '--maximum-batching-window-in-seconds', '1' ],
    [ 'window 301', '--function-name', 'cli-fn', '--event-source-arn', $arn,
      '--maximum-batching-window-in-seconds', '301' ],
    [ 'fifo window', '--function-name', 'cli-fn', '--event-source-arn', main::q_arn('fifo-q.fifo'),
      '--maximum-batching-window-in-seconds', '1' ],
    [ 'no queue', '--function-name', 'cli-fn', '--event-source-arn', main::q_arn('nothing-q') ],
    [ 'not a queue', '--function-name', 'cli-fn', '--event-source-arn', 'arn:aws:sns:us-east-1:123456789012:topic' ],
    [ 'no function', '--function-name', 'nothing-fn', '--event-source-arn', $arn ],
    [ "bob's queue", '--function-name', 'cli-fn', '--event-source-arn', main::q_arn('bob-q', $main::BOB) ],
    [ "bob's function", '--function-name', "arn:aws:lambda:us-east-1:$main::BOB:function:bob-fn", '--event-source-arn', $arn ],
    [ 'stream member', '--function-name', 'cli-fn', '--event-source-arn', $arn, '--starting-position', 'LATEST' ],
);
# BatchSize 0: the CLI refuses it itself, a JSON body reaches fngate
my $zero = FngateTest::curl_sigv4('alice', '/2015-03-31/event-source-mappings/',
    '-X', 'POST', '-H', 'Content-Type: application/json', '-D', '-',
    '--data-binary', FngateTest::json_encode({ FunctionName => 'cli-fn',
        EventSourceArn => $arn, BatchSize => 0 }));
my ($ztype) = $zero =~ /^x-amzn-ErrorType: (\S+)\r?$/mi;
my ($zcode) = $zero =~ /http=(\d+)/;
my $out = "batch 0: $zcode $ztype\n";
for my $c (@e) {
    my ($name, @args) = @$c;
    $out .= "$name: " . main::cli_error(main::cli('alice', 'create-event-source-mapping', @args)) . "\n";
}
my $types = FngateTest::python_boto3('alice', <<"_PY_");
try:
    lam.create_event_source_mapping(FunctionName='cli-fn', EventSourceArn='$arn',
        FunctionResponseTypes=['Everything'])
except Exception as e:
    print('types', e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
u = lam.create_event_source_mapping(FunctionName='cli-fn', EventSourceArn='$arn', Enabled=False)['UUID']
try:
    lam.create_event_source_mapping(FunctionName='cli-fn', EventSourceArn='$arn')
except Exception as e:
    print('again', e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
print('UUID', u)
_PY_
my ($uuid) = $types =~ /^UUID (\S+)$/m;
$types =~ s/^UUID .*\n//m;
$types =~ s/^exit=0\n//;
$out .= $types;
$out .= "bob get: " . main::cli_error(main::cli('bob', 'get-event-source-mapping', '--uuid', $uuid)) . "\n";
$out .= "bob update: " . main::cli_error(main::cli('bob', 'update-event-source-mapping', '--uuid', $uuid, '--enabled')) . "\n";
$out .= "bob delete: " . main::cli_error(main::cli('bob', 'delete-event-source-mapping', '--uuid', $uuid)) . "\n";
my ($rc, $m) = main::cli('bob', 'list-event-source-mappings');
$out .= "bob list: $rc " . scalar(@{ $m->{EventSourceMappings} // [] }) . "\n";
$out .= "bad uuid: " . main::cli_error(main::cli('alice', 'get-event-source-mapping', '--uuid', 'not-a-uuid')) . "\n";
($rc, $m) = main::cli('alice', 'get-event-source-mapping', '--uuid', $uuid);
$out .= "alice get: $rc $m->{State}\n";
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-errors.out', $out);
--- request
GET /t/out/esm-errors.out
--- response_body eval
"batch 0: 400 InvalidParameterValueException
batch 11: 254 InvalidParameterValueException CreateEventSourceMapping
batch 10001: 254 InvalidParameterValueException CreateEventSourceMapping
window 301: 254 InvalidParameterValueException CreateEventSourceMapping
fifo window: 254 InvalidParameterValueException CreateEventSourceMapping
no queue: 254 InvalidParameterValueException CreateEventSourceMapping
not a queue: 254 InvalidParameterValueException CreateEventSourceMapping
no function: 254 ResourceNotFoundException CreateEventSourceMapping
bob's queue: 254 InvalidParameterValueException CreateEventSourceMapping
bob's function: 254 ResourceNotFoundException CreateEventSourceMapping
stream member: 254 InvalidParameterValueException CreateEventSourceMapping
types InvalidParameterValueException 400
again ResourceConflictException 409
bob get: 254 ResourceNotFoundException GetEventSourceMapping
bob update: 254 ResourceNotFoundException UpdateEventSourceMapping
bob delete: 254 ResourceNotFoundException DeleteEventSourceMapping
bob list: 0 0
bad uuid: 254 ResourceNotFoundException GetEventSourceMapping
alice get: 0 Disabled
"



=== TEST 4: a queue filled before its mapping is created is drained: all 50 messages deleted after their batches ran, billed to the owner
--- timeout: 300
--- init
main::send_all('drain-q', undef, map { "item-$_" } 1 .. 50);
my $before = main::counts('drain-q');
my $uuid = main::create('drain', 'drain-q', '--batch-size', '10');
my $after = main::wait_counts('drain-q', '0/0', 240);
my @l = main::lines_of('drain');
my $ok = grep { $_->{status} eq '200' && $_->{function_error} eq ''
                && $_->{billing_account} eq $main::ALICE } @l;
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-drain.out', "before $before\nafter $after\n"
    . (@l >= 5 && $ok == @l ? "billed batches >= 5, all 200\n" : "billed: " . scalar(@l) . " ok $ok\n"));
--- request
GET /t/out/esm-drain.out
--- response_body
before 50/0
after 0/0
billed batches >= 5, all 200
--- no_error_log
[error]



=== TEST 5: a failing function's messages come back after the visibility timeout and reach the dead-letter queue after maxReceiveCount (2)
--- timeout: 300
--- init
main::send_all('dlq-q', undef, qw(d1 d2 d3));
my $uuid = main::create('dlq-fn', 'dlq-q');
my $until = time + 200;
my $dlq;
while (1) {
    $dlq = main::counts('dlq-q-dlq');
    last if $dlq eq '3/0' || time >= $until;
    select undef, undef, undef, 0.5;
}
main::cli('alice', 'update-event-source-mapping', '--uuid', $uuid, '--no-enabled');
my @l = main::lines_of('dlq-fn');
my $bodies = main::drain_bodies('dlq-q-dlq');
my ($rc, $m) = main::cli('alice', 'get-event-source-mapping', '--uuid', $uuid);
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-dlq.out', "dlq $dlq\n$bodies\n"
    . ((grep { $_->{function_error} eq 'Unhandled' } @l) >= 2 ? "failed calls >= 2\n" : "failed calls: " . scalar(@l) . "\n")
    . "result $m->{LastProcessingResult}\n");
--- request
GET /t/out/esm-dlq.out
--- response_body
dlq 3/0
d1 d2 d3
failed calls >= 2
result PROBLEM: Function call failed



=== TEST 6: ReportBatchItemFailures: the messages the answer names stay (and reach the dead-letter queue), the others are deleted
--- timeout: 300
--- init
main::send_all('partial-q', undef, qw(good1 bad1 good2 bad2 good3));
my $uuid = main::create('partial-fn', 'partial-q', '--function-response-types',
    'ReportBatchItemFailures', '--batch-size', '10',
    '--maximum-batching-window-in-seconds', '1');
my $until = time + 200;
my $dlq;
while (1) {
    $dlq = main::counts('partial-q-dlq');
    last if $dlq eq '2/0' || time >= $until;
    select undef, undef, undef, 0.5;
}
my $left = main::wait_counts('partial-q', '0/0', 30);
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-partial.out', "dlq $dlq\nsource $left\n"
    . main::drain_bodies('partial-q-dlq') . "\n");
--- request
GET /t/out/esm-partial.out
--- response_body
dlq 2/0
source 0/0
bad1 bad2
--- no_error_log
[error]



=== TEST 7: a disabled mapping consumes nothing; enabled again, it drains the queue
--- timeout: 300
--- init
my $uuid = main::create('toggle-fn', 'toggle-q', '--no-enabled');
main::send_all('toggle-q', undef, qw(t1 t2 t3));
# the pollers read the registry every second (esm_refresh): three
# readings and a long poll later nothing may have been received
select undef, undef, undef, 4;
my $while = main::counts('toggle-q');
my $calls = () = main::lines_of('toggle-fn');
my ($rc, $m) = main::cli('alice', 'update-event-source-mapping', '--uuid', $uuid, '--enabled');
my $state = $m->{State};
my $after = main::wait_counts('toggle-q', '0/0', 200);
my $now = () = main::lines_of('toggle-fn');
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-toggle.out', "disabled $while calls $calls\n$state\nenabled $after "
    . ($now >= 1 ? "called\n" : "not called\n"));
--- request
GET /t/out/esm-toggle.out
--- response_body
disabled 3/0 calls 0
Enabling
enabled 0/0 called
--- no_error_log
[error]



=== TEST 8: a FIFO queue's groups are processed in order, filled before the mapping
--- timeout: 300
--- init
my $log = FngateTest::fngated_state() . '/fngated/fngated.log';
my $skip = -s $log;
my (@a, @b);
for my $i (1 .. 4) {
    push @a, main::send_all('fifo-q.fifo', 'ga', "a$i");
    push @b, main::send_all('fifo-q.fifo', 'gb', "b$i");
}
my $uuid = main::create('fifo-fn', 'fifo-q.fifo', '--batch-size', '2');
my $after = main::wait_counts('fifo-q.fifo', '0/0', 200);
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
# the order the batches ran in, as the pollers logged them
my @ran;
open my $in, '<', $log or die "$log: $!";
seek $in, $skip, 0;
while (<$in>) {
    next unless /event source mapping \Q$uuid\E: batch of \d+ ran; \d+ deleted, 0 reported failed;(.*)$/;
    push @ran, $1 =~ /(\S+)\[g[ab]\]/g;
}
close $in;
my %pos;
@pos{@ran} = 0 .. $#ran;
my $order = join '', map {
    my @g = @$_;
    my @p = map { $pos{$_} // -1 } @g;
    (grep { $_ < 0 } @p) ? "missing\n"
    : (join(',', @p) eq join(',', sort { $a <=> $b } @p)) ? "in order\n" : "out of order: @p\n";
} \@a, \@b;
FngateTest::save_output('esm-fifo.out', "after $after\nran " . scalar(@ran) . "\n$order");
--- request
GET /t/out/esm-fifo.out
--- response_body
after 0/0
ran 8
in order
in order
--- no_error_log
[error]



=== TEST 9: DeleteFunction leaves its mapping, which says why its batches fail; the messages wait in the queue
--- timeout: 300
--- init
my $uuid = main::create('gone-fn', 'gone-q');
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/gone-fn', '', 204);
main::send_all('gone-q', undef, qw(g1));
my $m = main::wait_problem($uuid);
main::cli('alice', 'update-event-source-mapping', '--uuid', $uuid, '--no-enabled');
my $left = main::wait_counts('gone-q', '1/0', 60);
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-gone.out', "$m->{State} $m->{LastProcessingResult}\nqueue $left\n");
--- request
GET /t/out/esm-gone.out
--- response_body
Enabled PROBLEM: Function not found
queue 1/0



=== TEST 10: another account's queue and function, both granted: the mapping's owner receives, calls and is billed
--- timeout: 300
--- init
my $out = FngateTest::python_sqs('bob', <<"_PY_");
url = sqs.create_queue(QueueName='bob-shared-q')['QueueUrl']
sqs.add_permission(QueueUrl=url, Label='alice-polls', AWSAccountIds=['$main::ALICE'],
    Actions=['ReceiveMessage', 'DeleteMessage'])
print('granted')
_PY_
FngateTest::make_function('bob', 'bob-shared-fn', $main::SCRIPT{echo});
FngateTest::grant('bob', 'bob-shared-fn', 'alice-maps', $main::ALICE);
my ($rc, $m, $text) = main::cli('alice', 'create-event-source-mapping',
    '--function-name', "arn:aws:lambda:us-east-1:$main::BOB:function:bob-shared-fn",
    '--event-source-arn', main::q_arn('bob-shared-q', $main::BOB));
my $uuid = $m->{UUID} // 'none';
$out .= "create $rc $m->{State}\n";
$out .= FngateTest::python_sqs('bob', <<'_PY_');
url = sqs.get_queue_url(QueueName='bob-shared-q')['QueueUrl']
sqs.send_message(QueueUrl=url, MessageBody='from bob')
print('sent')
_PY_
my $until = time + 200;
my $c;
while (1) {
    $c = main::counts('bob-shared-q', 'bob');
    last if $c eq '0/0' || time >= $until;
    select undef, undef, undef, 0.5;
}
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
my @l = grep { $_->{function} eq 'bob-shared-fn' } @{ FngateTest::billing_lines('Invoke') };
FngateTest::save_output('esm-xacct.out', "$out" . "queue $c\n"
    . join('', map { "status=$_->{status} caller=$_->{caller} billing_account=$_->{billing_account} owner=$_->{owner} function_error=$_->{function_error}\n" } @l));
--- request
GET /t/out/esm-xacct.out
--- response_body eval
"exit=0
granted
create 0 Creating
exit=0
sent
queue 0/0
status=200 caller=$main::ALICE billing_account=$main::ALICE owner=$main::BOB function_error=
"
--- no_error_log
[error]



=== TEST 11: a function that may not run (reserved concurrency 0) leaves its batches in the queue, throttled; allowed again, the mapping drains them
--- timeout: 300
--- init
FngateTest::api_ok('alice', 'PUT', '/2017-10-31/functions/held-fn/concurrency',
    '{"ReservedConcurrentExecutions":0}', 200);
my $uuid = main::create('held-fn', 'held-q');
main::send_all('held-q', undef, qw(h1 h2));
my $m = main::wait_problem($uuid);
my @throttled = grep { $_->{status} eq '429' } main::lines_of('held-fn');
my $held = main::counts('held-q');
$held =~ s{^(\d+)/(\d+)$}{$1 + $2}e;
FngateTest::api_ok('alice', 'DELETE', '/2017-10-31/functions/held-fn/concurrency',
    '', 204);
my $after = main::wait_counts('held-q', '0/0', 200);
my @ran = grep { $_->{status} eq '200' } main::lines_of('held-fn');
main::cli('alice', 'delete-event-source-mapping', '--uuid', $uuid);
FngateTest::save_output('esm-held.out', "$m->{LastProcessingResult}\n"
    . (@throttled ? "throttled calls billed as 429\n" : "no 429 line\n")
    . "held $held\nallowed $after " . (@ran ? "ran\n" : "did not run\n"));
--- request
GET /t/out/esm-held.out
--- response_body
PROBLEM: Function call throttled
throttled calls billed as 429
held 2
allowed 0/0 ran
--- no_error_log
[error]
