# The redrive of a dead-letter queue: SQS's StartMessageMoveTask,
# ListMessageMoveTasks and CancelMessageMoveTask (docs/queues.md,
# "Redrive") through the AWS SDK for JavaScript v3 (JSON protocol; Debian's
# botocore 1.29 lacks these calls) and curl's SigV4 (query protocol), and
# `fngate queue redrive|tasks|cancel`.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: JSON protocol: messages dead-lettered by maxReceiveCount go back to their queue (no DestinationArn), fresh
--- init
FngateTest::save_output('node.out', FngateTest::node_sqs('alice', <<'_JS_'));
const dlq = (await sqs.send(new C.CreateQueueCommand({ QueueName: 'rd1-dlq' }))).QueueUrl;
const dlqArn = (await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn;
const src = (await sqs.send(new C.CreateQueueCommand({ QueueName: 'rd1', Attributes: {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }))).QueueUrl;
for (const b of ['one', 'two', 'three'])
    await sqs.send(new C.SendMessageCommand({ QueueUrl: src, MessageBody: b,
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v-' + b } } }));
// a first receive counts each message once; the next moves them to the DLQ
for (let i = 0; i < 2; i++)
    await sqs.send(new C.ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
const count = async (u) => (await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: u,
    AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes.ApproximateNumberOfMessages;
console.log('before', await count(src), await count(dlq));
const t = await sqs.send(new C.StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
console.log('handle', /^[A-Za-z0-9_-]{20,}$/.test(t.TaskHandle));
let r;
for (let i = 0; i < 300; i++) {
    r = (await sqs.send(new C.ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results[0];
    if (r.Status !== 'RUNNING') break;
    await new Promise((ok) => setTimeout(ok, 100));
}
console.log('task', r.Status, r.ApproximateNumberOfMessagesMoved, r.ApproximateNumberOfMessagesToMove,
    r.SourceArn === dlqArn, r.DestinationArn === undefined, typeof r.StartedTimestamp, r.TaskHandle === undefined);
console.log('after', await count(src), await count(dlq));
const m = (await sqs.send(new C.ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10,
    AttributeNames: ['All'], MessageAttributeNames: ['All'] }))).Messages;
console.log('bodies', m.map((x) => x.Body).sort().join(','),
    'counts', m.map((x) => x.Attributes.ApproximateReceiveCount).join(','),
    'attr', m.map((x) => x.MessageAttributes.k.StringValue).sort().join(','));
_JS_
--- request
GET /t/out/node.out
--- response_body
exit=0
before 0 3
handle true
task COMPLETED 3 3 true true number true
after 3 0
bodies one,three,two counts 1,1,1 attr v-one,v-three,v-two
--- no_error_log
[error]



=== TEST 2: MaxNumberOfMessagesPerSecond holds the rate; DestinationArn any queue; ListMessageMoveTasks while it runs, newest first
--- init
FngateTest::save_output('node.out', FngateTest::node_sqs('alice', <<'_JS_'));
const mk = async (n, a) => (await sqs.send(new C.CreateQueueCommand({ QueueName: n, Attributes: a }))).QueueUrl;
const arn = async (u) => (await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: u, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn;
const dlq = await mk('rd2-dlq');
const dlqArn = await arn(dlq);
const other = await mk('rd2-other');
const otherArn = await arn(other);
for (let i = 0; i < 6; i++)
    await sqs.send(new C.SendMessageCommand({ QueueUrl: dlq, MessageBody: 'm' + i }));
const t0 = Date.now();
const t = await sqs.send(new C.StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: otherArn,
    MaxNumberOfMessagesPerSecond: 2 }));
let r = (await sqs.send(new C.ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results;
console.log('running', r.length, r[0].Status, r[0].TaskHandle === t.TaskHandle, r[0].MaxNumberOfMessagesPerSecond,
    r[0].ApproximateNumberOfMessagesMoved < 6, r[0].DestinationArn === otherArn);
try {
    await sqs.send(new C.StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: otherArn }));
} catch (e) { console.log('second', e.name, e.$metadata.httpStatusCode); }
for (let i = 0; i < 300; i++) {
    r = (await sqs.send(new C.ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results;
    if (r[0].Status !== 'RUNNING') break;
    await new Promise((ok) => setTimeout(ok, 100));
}
const took = Date.now() - t0;
console.log('done', r[0].Status, r[0].ApproximateNumberOfMessagesMoved, took >= 2000 ? 'slow enough' : 'too fast ' + took);
try {
    await sqs.send(new C.CancelMessageMoveTaskCommand({ TaskHandle: t.TaskHandle }));
} catch (e) { console.log('cancel done', e.name); }
// a second task, now allowed; the list has the newest first
await sqs.send(new C.SendMessageCommand({ QueueUrl: dlq, MessageBody: 'late' }));
const t2 = await sqs.send(new C.StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: otherArn }));
for (let i = 0; i < 300; i++) {
    r = (await sqs.send(new C.ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results;
    if (r[0].Status !== 'RUNNING') break;
    await new Promise((ok) => setTimeout(ok, 100));
}
console.log('list', r.length, r.map((x) => x.Status + ':' + x.ApproximateNumberOfMessagesMoved).join(' '),
    r[0].MaxNumberOfMessagesPerSecond === undefined);
const n = (await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: other, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes;
console.log('other', n.ApproximateNumberOfMessages);
_JS_
--- request
GET /t/out/node.out
--- response_body
exit=0
running 1 RUNNING true 2 true true
second UnsupportedOperation 400
done COMPLETED 6 slow enough
cancel done UnsupportedOperation
list 2 COMPLETED:1 COMPLETED:6 true
other 7
--- no_error_log
[error]



=== TEST 3: CancelMessageMoveTask stops the task at once: nothing moves after it, the counts add up
--- init
FngateTest::save_output('node.out', FngateTest::node_sqs('alice', <<'_JS_'));
const mk = async (n) => (await sqs.send(new C.CreateQueueCommand({ QueueName: n }))).QueueUrl;
const arn = async (u) => (await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: u, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn;
const count = async (u) => Number((await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: u,
    AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes.ApproximateNumberOfMessages);
const dlq = await mk('rd3-dlq'), dst = await mk('rd3-dst');
for (let i = 0; i < 8; i++)
    await sqs.send(new C.SendMessageCommand({ QueueUrl: dlq, MessageBody: 'm' + i }));
const t = await sqs.send(new C.StartMessageMoveTaskCommand({ SourceArn: await arn(dlq),
    DestinationArn: await arn(dst), MaxNumberOfMessagesPerSecond: 1 }));
const c = await sqs.send(new C.CancelMessageMoveTaskCommand({ TaskHandle: t.TaskHandle }));
const moved = c.ApproximateNumberOfMessagesMoved;
// the thread's next step is due within a second: nothing may move then
await new Promise((ok) => setTimeout(ok, 1500));
const r = (await sqs.send(new C.ListMessageMoveTasksCommand({ SourceArn: await arn(dlq) }))).Results[0];
console.log('cancelled', r.Status, r.ApproximateNumberOfMessagesMoved === moved, moved < 8);
console.log('sum', (await count(dst)) === moved, (await count(dlq)) + (await count(dst)));
_JS_
--- request
GET /t/out/node.out
--- response_body
exit=0
cancelled CANCELLED true true
sum true 8
--- no_error_log
[error]



=== TEST 4: errors: missing and bad parameters, no such queue, not a dead-letter queue, another account's queue (also, as a destination, one whose policy grants the caller sqs:*: a move task is no action a policy grants), bad task handle
--- init
my $alice = FngateTest::account('alice')->{AccountId};
my $bob = FngateTest::account('bob')->{AccountId};
FngateTest::aws_cli('bob', 'sqs', 'create-queue', '--queue-name', 'rd4-bob');
FngateTest::python_sqs('bob', <<"_PY_");
import json
sqs.create_queue(QueueName='rd4-bobx')
sqs.set_queue_attributes(QueueUrl='http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}/$bob/rd4-bobx',
    Attributes={'Policy': json.dumps({'Version': '2012-10-17', 'Statement': [{'Sid': 'alice',
        'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::$alice:root'},
        'Action': 'sqs:*', 'Resource': '*'}]})})
_PY_
(my $js = <<'_JS_') =~ s/BOBID/$bob/g;
const q = (await sqs.send(new C.CreateQueueCommand({ QueueName: 'rd4' }))).QueueUrl;
const qArn = (await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: q, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn;
const acct = qArn.split(':')[4];
const tries = [
    ['no source', new C.StartMessageMoveTaskCommand({})],
    ['bad arn', new C.StartMessageMoveTaskCommand({ SourceArn: 'nope' })],
    ['no queue', new C.StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:' + acct + ':rd4-none' })],
    ['not a dlq', new C.StartMessageMoveTaskCommand({ SourceArn: qArn })],
    ['same', new C.StartMessageMoveTaskCommand({ SourceArn: qArn, DestinationArn: qArn })],
    ['no dest', new C.StartMessageMoveTaskCommand({ SourceArn: qArn, DestinationArn: qArn + '-none' })],
    ['rate', new C.StartMessageMoveTaskCommand({ SourceArn: qArn, MaxNumberOfMessagesPerSecond: 501 })],
    ['list max', new C.ListMessageMoveTasksCommand({ SourceArn: qArn, MaxResults: 11 })],
    ['list none', new C.ListMessageMoveTasksCommand({ SourceArn: qArn + '-none' })],
    ['cancel bad', new C.CancelMessageMoveTaskCommand({ TaskHandle: 'garbage' })],
    ['other acct', new C.StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:BOBID:rd4-bob' })],
    ['other dest', new C.StartMessageMoveTaskCommand({ SourceArn: qArn, DestinationArn: 'arn:aws:sqs:us-east-1:BOBID:rd4-bobx' })],
];
for (const [name, cmd] of tries) {
    try {
        const r = await sqs.send(cmd);
        console.log(name, 'ok', JSON.stringify(r.Results));
    } catch (e) { console.log(name, e.name, e.$metadata.httpStatusCode); }
}
_JS_
FngateTest::save_output('node.out', FngateTest::node_sqs('alice', $js));
--- request
GET /t/out/node.out
--- response_body
exit=0
no source MissingParameter 400
bad arn InvalidParameterValue 400
no queue ResourceNotFoundException 404
not a dlq InvalidParameterValue 400
same InvalidParameterValue 400
no dest ResourceNotFoundException 404
rate InvalidParameterValue 400
list max InvalidParameterValue 400
list none ResourceNotFoundException 404
cancel bad ResourceNotFoundException 404
other acct AccessDenied 403
other dest AccessDenied 403
--- no_error_log
[error]



=== TEST 5: query protocol (curl SigV4, form body): XML answers of the three calls
--- init
my $a = FngateTest::account('alice');
my $id = $a->{AccountId};
FngateTest::aws_cli('alice', 'sqs', 'create-queue', '--queue-name', 'rd5-dlq');
FngateTest::aws_cli('alice', 'sqs', 'create-queue', '--queue-name', 'rd5');
FngateTest::aws_cli('alice', 'sqs', 'send-message', '--queue-url', FngateTest::endpoint() . "/$id/rd5-dlq", '--message-body', 'x');
my $curl = sub {
    my $form = shift;
    my ($rc, $out) = FngateTest::run_cmd(join ' ', 'curl -sS --max-time 60',
        "--aws-sigv4 'aws:amz:us-east-1:sqs'",
        "--user '$a->{AccessKeyId}:$a->{SecretAccessKey}'",
        "-H 'Content-Type: application/x-www-form-urlencoded'",
        "--data-binary '$form'", FngateTest::endpoint() . '/');
    return $out;
};
my $src = "arn%3Aaws%3Asqs%3Aus-east-1%3A$id%3Ard5-dlq";
my $dst = "arn%3Aaws%3Asqs%3Aus-east-1%3A$id%3Ard5";
my @o;
push @o, $curl->("Action=StartMessageMoveTask&Version=2012-11-05&SourceArn=$src&DestinationArn=$dst&MaxNumberOfMessagesPerSecond=1");
my ($h) = $o[0] =~ m{<TaskHandle>([^<]+)</TaskHandle>};
my $l;
for (1 .. 300) {
    $l = $curl->("Action=ListMessageMoveTasks&Version=2012-11-05&SourceArn=$src");
    last unless $l =~ /<Status>RUNNING</;
    select(undef, undef, undef, 0.1);
}
push @o, $l;
push @o, $curl->("Action=CancelMessageMoveTask&Version=2012-11-05&TaskHandle=$h");
FngateTest::save_output('q.out', join "\n", @o);
--- request
GET /t/out/q.out
--- response_body_like: ^<\?xml[^>]*>\s*<StartMessageMoveTaskResponse[^>]*><StartMessageMoveTaskResult><TaskHandle>[A-Za-z0-9_-]+</TaskHandle></StartMessageMoveTaskResult>.*</StartMessageMoveTaskResponse>\n.*<ListMessageMoveTasksResponse[^>]*><ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry><Status>COMPLETED</Status><SourceArn>arn:aws:sqs:us-east-1:\d{12}:rd5-dlq</SourceArn><DestinationArn>arn:aws:sqs:us-east-1:\d{12}:rd5</DestinationArn><MaxNumberOfMessagesPerSecond>1</MaxNumberOfMessagesPerSecond><ApproximateNumberOfMessagesMoved>1</ApproximateNumberOfMessagesMoved><ApproximateNumberOfMessagesToMove>1</ApproximateNumberOfMessagesToMove><StartedTimestamp>\d{13}</StartedTimestamp></ListMessageMoveTasksResultEntry></ListMessageMoveTasksResult>.*\n.*<Code>AWS.SimpleQueueService.UnsupportedOperation</Code>
--- no_error_log
[error]



=== TEST 6: fngate queue redrive / tasks / cancel (Debian's CLI lacks the calls), keys from the environment or --keys
--- init
my $a = FngateTest::account('alice');
my $id = $a->{AccountId};
my $u = FngateTest::endpoint() . "/$id";
FngateTest::aws_cli('alice', 'sqs', 'create-queue', '--queue-name', 'rd6-dlq');
FngateTest::aws_cli('alice', 'sqs', 'create-queue', '--queue-name', 'rd6', '--attributes',
    qq({"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:us-east-1:$id:rd6-dlq\\",\\"maxReceiveCount\\":\\"3\\"}"}));
FngateTest::aws_cli('alice', 'sqs', 'send-message', '--queue-url', "$u/rd6-dlq", '--message-body', 'a');
FngateTest::aws_cli('alice', 'sqs', 'send-message', '--queue-url', "$u/rd6-dlq", '--message-body', 'b');
my $root = FngateTest::fngate_root();
my $keys = "/tmp/fngate-rd6-$$.json";
open my $k, '>', $keys or die; print $k FngateTest::json_encode($a); close $k;
my $env = FngateTest::tool_env('alice') . " FNGATE_ENDPOINT=" . FngateTest::endpoint();
my $noenv = "env -i PATH=/usr/bin:/bin FNGATE_ENDPOINT=" . FngateTest::endpoint();
my @o;
my (undef, $out) = FngateTest::run_cmd("$env $root/util/fngate queue redrive arn:aws:sqs:us-east-1:$id:rd6-dlq");
push @o, $out;
my $t;
for (1 .. 300) {
    (undef, $t) = FngateTest::run_cmd("$noenv $root/util/fngate queue tasks arn:aws:sqs:us-east-1:$id:rd6-dlq --keys $keys");
    last unless $t =~ /"RUNNING"/;
    select(undef, undef, undef, 0.1);
}
push @o, $t;
my ($rc, $c) = FngateTest::run_cmd("$env $root/util/fngate queue cancel nope");
push @o, "cancel rc=$rc $c";
($rc, $c) = FngateTest::run_cmd("$noenv $root/util/fngate queue tasks arn:aws:sqs:us-east-1:$id:rd6-dlq");
push @o, "nokeys rc=$rc $c";
push @o, FngateTest::aws_cli('alice', 'sqs', 'get-queue-attributes', '--queue-url', "$u/rd6", '--attribute-names', 'ApproximateNumberOfMessages');
unlink $keys;
FngateTest::save_output('cli.out', join "\n", @o);
--- request
GET /t/out/cli.out
--- response_body_like: ^\{\s*"TaskHandle": "[A-Za-z0-9_-]+"\s*\}\n+\{\s*"Results": \[\s*\{\s*"Status": "COMPLETED",\s*"SourceArn": "arn:aws:sqs:us-east-1:\d{12}:rd6-dlq",\s*"ApproximateNumberOfMessagesMoved": 2,\s*"ApproximateNumberOfMessagesToMove": 2,\s*"StartedTimestamp": \d{13}\s*\}\s*\]\s*\}\n+cancel rc=1 fngate: CancelMessageMoveTask: 404 \{"__type":"com.amazonaws.sqs#ResourceNotFoundException".*\nnokeys rc=1 fngate: no keys.*exit=0\n.*"ApproximateNumberOfMessages": "2"
--- no_error_log
[error]



=== TEST 7: fngate function redrive: an Event that failed into the function's dead-letter queue runs again once the function is fixed (billing lines of invocation_type Event), and leaves the queue
--- timeout: 400
--- init
my $carol = FngateTest::account('carol')->{AccountId};
my $dlq = "arn:aws:sqs:us-east-1:$carol:rdfn-dlq";
my $out = FngateTest::python_sqs('carol', "sqs.create_queue(QueueName='rdfn-dlq')\nprint('queue ok')\n");
die "queue: $out" unless $out =~ /queue ok/;
FngateTest::make_function('carol', 'rdfn', "#!/bin/sh\necho 'not yet' >&2\nexit 3\n",
    extra => { DeadLetterConfig => { TargetArn => $dlq } });
FngateTest::api_ok('carol', 'PUT', '/2019-09-25/functions/rdfn/event-invoke-config',
    '{"MaximumRetryAttempts":0}', 200);
my $file = "/tmp/fngate-rd7-$$.json";
open my $f, '>', $file or die; print $f '{"order":7}'; close $f;
my $inv = FngateTest::curl_sigv4('carol', '/2015-03-31/functions/rdfn/invocations',
    '-X', 'POST', '-D', '-', '-H', 'X-Amz-Invocation-Type: Event',
    '-H', 'Content-Type: application/json', '--data-binary', "\@$file");
unlink $file;
my $count = sub {
    my $o = FngateTest::python_sqs('carol', "print('n=' + sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName='rdfn-dlq')['QueueUrl'], AttributeNames=['ApproximateNumberOfMessages'])['Attributes']['ApproximateNumberOfMessages'])\n");
    return $o =~ /n=(\d+)/ ? $1 : -1;
};
my $n;
for (1 .. 1200) {
    $n = $count->();
    last if $n > 0;
    select undef, undef, undef, 0.25;
}
# the fix: a function that answers its event
FngateTest::api_ok('carol', 'PUT', '/2015-03-31/functions/rdfn/code',
    FngateTest::json_encode({ ZipFile => FngateTest::zip_b64({ handler => [0755, "#!/bin/sh\ncat\n"] }) }), 200);
my $root = FngateTest::fngate_root();
my ($rc, $r) = FngateTest::run_cmd(FngateTest::tool_env('carol') . ' FNGATE_ENDPOINT=' . FngateTest::endpoint()
    . " $root/util/fngate function redrive rdfn --from $dlq");
my @l;
for (1 .. 1200) {
    @l = grep { $_->{function} eq 'rdfn' && $_->{invocation_type} eq 'Event' }
         @{ FngateTest::billing_lines('Invoke') };
    last if @l >= 2;
    select undef, undef, undef, 0.25;
}
FngateTest::save_output('fn.out', join '',
    'invoke ', FngateTest::http_code($inv), "\n",
    "dlq $n\n",
    "redrive rc=$rc $r",
    map({ "line status=$_->{status} error=" . ($_->{function_error} || '-') . "\n" } @l),
    'dlq after ', $count->(), "\n");
--- request
GET /t/out/fn.out
--- response_body
invoke 202
dlq 1
redrive rc=0 fngate: function redrive: 1 events sent again to rdfn, 0 refused (left in the queue)
line status=200 error=Unhandled
line status=200 error=-
dlq after 0
--- no_error_log
[error]
