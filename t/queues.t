# The queue service (SQS's API, docs/queues.md): Debian's AWS CLI and
# boto3 (query protocol) and the AWS SDK for JavaScript v3 (JSON
# protocol) against the gateway, signed for service sqs.
use Test::Nginx::Socket;
use FngateTest;

# Once: the blocks run their clients from --- init.
repeat_each(1);
fngate_defaults();

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: aws sqs create-queue, get-queue-url, list-queues, send, receive, delete
--- init
my $u = "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}/" . FngateTest::account('alice')->{AccountId};
FngateTest::save_output('aws.out', join '',
    FngateTest::aws_cli('alice', 'sqs', 'create-queue', '--queue-name', 'cli1'),
    FngateTest::aws_cli('alice', 'sqs', 'get-queue-url', '--queue-name', 'cli1'),
    FngateTest::aws_cli('alice', 'sqs', 'list-queues', '--queue-name-prefix', 'cli'),
    FngateTest::aws_cli('alice', 'sqs', 'send-message', '--queue-url', "$u/cli1",
        '--message-body', "hello <&> world\r\n", '--message-attributes',
        '{"color":{"DataType":"String","StringValue":"blue"},"n":{"DataType":"Number","StringValue":"42"},"b":{"DataType":"Binary","BinaryValue":"AAEC"}}'),
    FngateTest::aws_cli('alice', 'sqs', 'receive-message', '--queue-url', "$u/cli1",
        '--attribute-names', 'All', '--message-attribute-names', 'All'));
--- request
GET /t/out/aws.out
--- response_body_like: ^exit=0\n.*"QueueUrl": "http://127.0.0.1:\d+/\d{12}/cli1".*exit=0\n.*"QueueUrl": "http://127.0.0.1:\d+/\d{12}/cli1".*exit=0\n.*"QueueUrls": \[\s*"http://127.0.0.1:\d+/\d{12}/cli1"\s*\].*exit=0\n.*"MD5OfMessageBody": "[0-9a-f]{32}",\s*"MD5OfMessageAttributes": "[0-9a-f]{32}",\s*"MessageId".*exit=0\n.*"Body": "hello <&> world\\r\\n".*"ApproximateReceiveCount": "1".*"StringValue": "blue"
--- no_error_log
[error]



=== TEST 2: aws sqs batch, visibility, attributes, permission, purge and delete calls
--- init
my $u = "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}/" . FngateTest::account('alice')->{AccountId} . '/cli2';
my $bob = FngateTest::account('bob')->{AccountId};
my @o;
push @o, FngateTest::aws_cli('alice', 'sqs', 'create-queue', '--queue-name', 'cli2', '--attributes', 'VisibilityTimeout=60,DelaySeconds=0');
push @o, FngateTest::aws_cli('alice', 'sqs', 'send-message-batch', '--queue-url', $u, '--entries',
    '[{"Id":"a","MessageBody":"one"},{"Id":"b","MessageBody":"two","MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}]');
my $r = FngateTest::aws_cli('alice', 'sqs', 'receive-message', '--queue-url', $u, '--max-number-of-messages', '10');
push @o, $r;
my @h = $r =~ /"ReceiptHandle": "([^"]+)"/g;
push @o, FngateTest::aws_cli('alice', 'sqs', 'change-message-visibility', '--queue-url', $u, '--receipt-handle', $h[0], '--visibility-timeout', '100');
push @o, FngateTest::aws_cli('alice', 'sqs', 'change-message-visibility-batch', '--queue-url', $u, '--entries', qq([{"Id":"x","ReceiptHandle":"$h[1]","VisibilityTimeout":120}]));
push @o, FngateTest::aws_cli('alice', 'sqs', 'get-queue-attributes', '--queue-url', $u, '--attribute-names', 'All');
push @o, FngateTest::aws_cli('alice', 'sqs', 'delete-message', '--queue-url', $u, '--receipt-handle', $h[0]);
push @o, FngateTest::aws_cli('alice', 'sqs', 'delete-message-batch', '--queue-url', $u, '--entries', qq([{"Id":"y","ReceiptHandle":"$h[1]"}]));
push @o, FngateTest::aws_cli('alice', 'sqs', 'set-queue-attributes', '--queue-url', $u, '--attributes', 'MaximumMessageSize=2048');
push @o, FngateTest::aws_cli('alice', 'sqs', 'add-permission', '--queue-url', $u, '--label', 'bobsend', '--aws-account-ids', $bob, '--actions', 'SendMessage');
push @o, FngateTest::aws_cli('alice', 'sqs', 'get-queue-attributes', '--queue-url', $u, '--attribute-names', 'Policy', 'MaximumMessageSize', 'ApproximateNumberOfMessages');
push @o, FngateTest::aws_cli('alice', 'sqs', 'remove-permission', '--queue-url', $u, '--label', 'bobsend');
push @o, FngateTest::aws_cli('alice', 'sqs', 'send-message', '--queue-url', $u, '--message-body', 'three');
push @o, FngateTest::aws_cli('alice', 'sqs', 'purge-queue', '--queue-url', $u);
push @o, FngateTest::aws_cli('alice', 'sqs', 'get-queue-attributes', '--queue-url', $u, '--attribute-names', 'ApproximateNumberOfMessages');
push @o, FngateTest::aws_cli('alice', 'sqs', 'delete-queue', '--queue-url', $u);
push @o, FngateTest::aws_cli('alice', 'sqs', 'get-queue-url', '--queue-name', 'cli2');
FngateTest::save_output('aws.out', join '', @o);
--- request
GET /t/out/aws.out
--- response_body_like: ^exit=0\n.*"QueueUrl".*exit=0\n.*"Successful": \[.*"Id": "a".*"Id": "b".*exit=0\n.*"Body": "one".*"Body": "two".*exit=0\nexit=0\n.*"Successful": \[\s*\{\s*"Id": "x"\s*\}\s*\].*exit=0\n.*"ApproximateNumberOfMessagesNotVisible": "2".*"VisibilityTimeout": "60".*exit=0\nexit=0\n.*"Successful": \[\s*\{\s*"Id": "y"\s*\}\s*\].*exit=0\nexit=0\nexit=0\n.*"ApproximateNumberOfMessages": "0".*"MaximumMessageSize": "2048".*"Policy": ".*bobsend.*arn:aws:iam::\d{12}:root.*SQS:SendMessage.*exit=0\nexit=0\n.*"MessageId".*exit=0\nexit=0\n.*"ApproximateNumberOfMessages": "0".*exit=0\nexit=254\n.*NonExistentQueue
--- no_error_log
[error]



=== TEST 3: boto3: standard queue calls, attributes and their MD5s (botocore checks them)
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
u = sqs.create_queue(QueueName='py1', Attributes={'VisibilityTimeout': '45'}, tags={'team': 'a'})['QueueUrl']
print('same', sqs.create_queue(QueueName='py1', Attributes={'VisibilityTimeout': '45'})['QueueUrl'] == u)
try:
    sqs.create_queue(QueueName='py1', Attributes={'VisibilityTimeout': '46'})
except Exception as e:
    print('exists', e.response['Error']['Code'])
print('url', sqs.get_queue_url(QueueName='py1')['QueueUrl'] == u)
r = sqs.send_message(QueueUrl=u, MessageBody='b\u00e9\u4e2d\U0001f600', MessageAttributes={
    'z': {'DataType': 'String', 'StringValue': 'last'},
    'a': {'DataType': 'Number.int', 'StringValue': '7'},
    'bin': {'DataType': 'Binary', 'BinaryValue': b'\x00\xff'}})
print('sent', len(r['MessageId']), r['MD5OfMessageAttributes'])
b = sqs.send_message_batch(QueueUrl=u, Entries=[{'Id': 'e1', 'MessageBody': 'x1', 'DelaySeconds': 0},
    {'Id': 'e2', 'MessageBody': 'x2'}, {'Id': 'e3', 'MessageBody': ''}])
print('batch', sorted(e['Id'] for e in b['Successful']), [(f['Id'], f['Code']) for f in b['Failed']])
m = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10, AttributeNames=['All'],
    MessageAttributeNames=['a', 'b.*'])['Messages']
print('received', len(m), sorted(x['Body'] for x in m))
one = [x for x in m if x['Body'].startswith('b')][0]
print('attrs', sorted(one['MessageAttributes']), one['Attributes']['ApproximateReceiveCount'],
      sorted(one['Attributes']))
a = sqs.get_queue_attributes(QueueUrl=u, AttributeNames=['All'])['Attributes']
print('counts', a['ApproximateNumberOfMessages'], a['ApproximateNumberOfMessagesNotVisible'],
      a['ApproximateNumberOfMessagesDelayed'], a['VisibilityTimeout'], a['QueueArn'].split(':')[2])
d = sqs.delete_message_batch(QueueUrl=u, Entries=[{'Id': 'd%d' % i, 'ReceiptHandle': x['ReceiptHandle']} for i, x in enumerate(m)])
print('deleted', len(d['Successful']))
print('tags', sqs.list_queue_tags(QueueUrl=u)['Tags'])
sqs.tag_queue(QueueUrl=u, Tags={'env': 'test'})
sqs.untag_queue(QueueUrl=u, TagKeys=['team'])
print('tags', sqs.list_queue_tags(QueueUrl=u)['Tags'])
print('list', len(sqs.list_queues(QueueNamePrefix='py')['QueueUrls']))
sqs.delete_queue(QueueUrl=u)
print('gone', 'QueueUrls' in sqs.list_queues(QueueNamePrefix='py1'))
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nsame True\nexists QueueAlreadyExists\nurl True\nsent 36 [0-9a-f]{32}\nbatch \['e1', 'e2'\] \[\('e3', 'MissingParameter'\)\]\nreceived 3 \['b\S+', 'x1', 'x2'\]\nattrs \['a'\] 1 \['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp'\]\ncounts 0 3 0 45 sqs\ndeleted 3\ntags \{'team': 'a'\}\ntags \{'env': 'test'\}\nlist 1\ngone False\n$
--- no_error_log
[error]



=== TEST 4: FIFO: order within a group, a group held while in flight, deduplication, sequence numbers
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
u = sqs.create_queue(QueueName='order.fifo', Attributes={'FifoQueue': 'true'})['QueueUrl']
ids = []
for g, body in [('A', 'a1'), ('B', 'b1'), ('A', 'a2'), ('A', 'a3'), ('B', 'b2')]:
    r = sqs.send_message(QueueUrl=u, MessageBody=body, MessageGroupId=g, MessageDeduplicationId=body)
    ids.append((r['MessageId'], int(r['SequenceNumber'])))
print('seq increasing', all(ids[i][1] < ids[i + 1][1] for i in range(len(ids) - 1)))
dup = sqs.send_message(QueueUrl=u, MessageBody='a1 again', MessageGroupId='A', MessageDeduplicationId='a1')
print('dedup same id', dup['MessageId'] == ids[0][0])
m = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=2, AttributeNames=['All'])['Messages']
print('first', [x['Body'] for x in m], [x['Attributes']['MessageGroupId'] for x in m])
m2 = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10).get('Messages', [])
print('while A1 and B1 in flight', [x['Body'] for x in m2])
for x in m:
    sqs.delete_message(QueueUrl=u, ReceiptHandle=x['ReceiptHandle'])
m3 = sqs.receive_message(QueueUrl=u, MaxNumberOfMessages=10)['Messages']
print('next', [x['Body'] for x in m3])
c = sqs.create_queue(QueueName='cbd.fifo', Attributes={'FifoQueue': 'true', 'ContentBasedDeduplication': 'true'})['QueueUrl']
r1 = sqs.send_message(QueueUrl=c, MessageBody='same', MessageGroupId='g')
r2 = sqs.send_message(QueueUrl=c, MessageBody='same', MessageGroupId='g')
r3 = sqs.send_message(QueueUrl=c, MessageBody='other', MessageGroupId='g')
print('content dedup', r1['MessageId'] == r2['MessageId'], r1['MessageId'] != r3['MessageId'])
print('in queue', sqs.get_queue_attributes(QueueUrl=c, AttributeNames=['ApproximateNumberOfMessages', 'FifoQueue', 'ContentBasedDeduplication'])['Attributes'])
for kw, what in [({}, 'no group'), ({'MessageGroupId': 'g'}, 'no dedup id')]:
    try:
        sqs.send_message(QueueUrl=u, MessageBody='x', **kw)
    except Exception as e:
        print(what, e.response['Error']['Code'])
try:
    sqs.create_queue(QueueName='nofifo.fifo')
except Exception as e:
    print('fifo name without FifoQueue', e.response['Error']['Code'])
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nseq increasing True\ndedup same id True\nfirst \['a1', 'b1'\] \['A', 'B'\]\nwhile A1 and B1 in flight \[\]\nnext \['a2', 'a3', 'b2'\]\ncontent dedup True True\nin queue \{'ApproximateNumberOfMessages': '2', 'FifoQueue': 'true', 'ContentBasedDeduplication': 'true'\}\nno group MissingParameter\nno dedup id InvalidParameterValue\nfifo name without FifoQueue InvalidParameterValue\n$
--- no_error_log
[error]



=== TEST 5: bad values: queue attributes, message size over MaximumMessageSize, receive limits, batch ids
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
def err(f, **kw):
    try:
        f(**kw)
        return 'ok'
    except Exception as e:
        return e.response['Error']['Code'] + ': ' + e.response['Error']['Message']
print(err(sqs.create_queue, QueueName='bad', Attributes={'VisibilityTimeout': '43201'}))
print(err(sqs.create_queue, QueueName='bad', Attributes={'Colour': 'red'}))
print(err(sqs.create_queue, QueueName='bad name'))
print(err(sqs.create_queue, QueueName='bad', Attributes={'RedrivePolicy': '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:x","maxReceiveCount":0}'}))
u = sqs.create_queue(QueueName='sizes')['QueueUrl']
print(err(sqs.send_message, QueueUrl=u, MessageBody='x' * 262144))
print(err(sqs.send_message, QueueUrl=u, MessageBody='x' * 262145))
print(err(sqs.send_message, QueueUrl=u, MessageBody='\x01'))
print(err(sqs.send_message, QueueUrl=u, MessageBody='x', DelaySeconds=901))
sqs.set_queue_attributes(QueueUrl=u, Attributes={'MaximumMessageSize': '1024'})
print(err(sqs.send_message, QueueUrl=u, MessageBody='x' * 1025))
print(err(sqs.set_queue_attributes, QueueUrl=u, Attributes={'MaximumMessageSize': '1023'}))
print(err(sqs.receive_message, QueueUrl=u, MaxNumberOfMessages=11))
print(err(sqs.receive_message, QueueUrl=u, WaitTimeSeconds=21))
print(err(sqs.send_message_batch, QueueUrl=u, Entries=[{'Id': 'a', 'MessageBody': 'x'}, {'Id': 'a', 'MessageBody': 'y'}]))
print(err(sqs.send_message_batch, QueueUrl=u, Entries=[{'Id': str(i), 'MessageBody': 'x'} for i in range(11)]))
print(err(sqs.get_queue_attributes, QueueUrl=u, AttributeNames=['Nope']))
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nInvalidAttributeValue: Invalid value for the parameter VisibilityTimeout\.\nInvalidAttributeName: Unknown Attribute Colour\.\nInvalidParameterValue: Can only include .*\nInvalidAttributeValue: .*maxReceiveCount.*\nok\nInvalidParameterValue: One or more parameters are invalid\. Reason: Message must be shorter than 262144 bytes\.\nInvalidMessageContents: .*\nInvalidParameterValue: Value 901 for parameter DelaySeconds is invalid.*\nInvalidParameterValue: .*shorter than 1024 bytes\.\nInvalidAttributeValue: .*MaximumMessageSize.*\nInvalidParameterValue: Value 11 for parameter MaxNumberOfMessages is invalid.*\nInvalidParameterValue: Value 21 for parameter WaitTimeSeconds is invalid.*\nAWS.SimpleQueueService.BatchEntryIdsNotDistinct: .*\nAWS.SimpleQueueService.TooManyEntriesInBatchRequest: .*\nInvalidAttributeName: Unknown Attribute Nope\.\n$
--- no_error_log
[error]



=== TEST 6: a receipt handle of another queue, a nonexistent queue
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
a = sqs.create_queue(QueueName='ha')['QueueUrl']
b = sqs.create_queue(QueueName='hb')['QueueUrl']
sqs.send_message(QueueUrl=a, MessageBody='m')
h = sqs.receive_message(QueueUrl=a)['Messages'][0]['ReceiptHandle']
for f, kw in [(sqs.delete_message, {}), (sqs.change_message_visibility, {'VisibilityTimeout': 5})]:
    try:
        f(QueueUrl=b, ReceiptHandle=h, **kw)
    except Exception as e:
        print(e.response['Error']['Code'])
try:
    sqs.delete_message(QueueUrl=a, ReceiptHandle='garbage')
except Exception as e:
    print(e.response['Error']['Code'])
print(sqs.delete_message_batch(QueueUrl=b, Entries=[{'Id': 'x', 'ReceiptHandle': h}])['Failed'][0]['Code'])
sqs.delete_message(QueueUrl=a, ReceiptHandle=h)
print('deleted', sqs.get_queue_attributes(QueueUrl=a, AttributeNames=['All'])['Attributes']['ApproximateNumberOfMessagesNotVisible'])
for f, kw in [(sqs.get_queue_url, {'QueueName': 'nosuch'}), (sqs.send_message, {'QueueUrl': a + 'x', 'MessageBody': 'm'})]:
    try:
        f(**kw)
    except Exception as e:
        print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], type(e).__name__)
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nReceiptHandleIsInvalid\nReceiptHandleIsInvalid\nReceiptHandleIsInvalid\nReceiptHandleIsInvalid\ndeleted 0\nAWS.SimpleQueueService.NonExistentQueue 400 QueueDoesNotExist\nAWS.SimpleQueueService.NonExistentQueue 400 QueueDoesNotExist\n$
--- no_error_log
[error]



=== TEST 7: another account needs a grant: AccessDenied, then AddPermission, a Policy for *, RemovePermission
--- init
my $alice = FngateTest::account('alice')->{AccountId};
my $bob = FngateTest::account('bob')->{AccountId};
my $u = "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}/$alice/shared";
my $bobtry = <<"_PY_";
def bob(what):
    for name, f, kw in [('send', sqs.send_message, {'MessageBody': 'from bob'}), ('receive', sqs.receive_message, {})]:
        try:
            f(QueueUrl='$u', **kw)
            print(what, name, 'ok')
        except Exception as e:
            print(what, name, e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
_PY_
my @o;
push @o, FngateTest::python_sqs('alice', "sqs.create_queue(QueueName='shared')\n");
push @o, FngateTest::python_sqs('bob', $bobtry . "bob('none')\n");
push @o, FngateTest::python_sqs('alice', "sqs.add_permission(QueueUrl='$u', Label='b', AWSAccountIds=['$bob'], Actions=['SendMessage'])\n");
push @o, FngateTest::python_sqs('bob', $bobtry . "bob('granted')\n");
push @o, FngateTest::python_sqs('alice', <<"_PY_");
import json
p = json.loads(sqs.get_queue_attributes(QueueUrl='$u', AttributeNames=['Policy'])['Attributes']['Policy'])
p['Statement'].append({'Sid': 'all', 'Effect': 'Allow', 'Principal': '*', 'Action': 'sqs:ReceiveMessage', 'Resource': '*'})
sqs.set_queue_attributes(QueueUrl='$u', Attributes={'Policy': json.dumps(p)})
_PY_
push @o, FngateTest::python_sqs('bob', $bobtry . "bob('policy')\n");
push @o, FngateTest::python_sqs('alice', "sqs.remove_permission(QueueUrl='$u', Label='b')\nsqs.set_queue_attributes(QueueUrl='$u', Attributes={'Policy': ''})\n");
push @o, FngateTest::python_sqs('bob', $bobtry . "bob('removed')\n");
push @o, "grants=" . (FngateTest::redis_keys("fg:qgrant:{$alice}:shared") =~ s/\n//gr) . "\n";
FngateTest::save_output('boto3.out', join '', @o);
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nexit=0\nnone send AccessDenied 403\nnone receive AccessDenied 403\nexit=0\nexit=0\ngranted send ok\ngranted receive AccessDenied 403\nexit=0\nexit=0\npolicy send ok\npolicy receive ok\nexit=0\nexit=0\nremoved send AccessDenied 403\nremoved receive AccessDenied 403\ngrants=\n$
--- no_error_log
[error]



=== TEST 8: a message whose visibility ends is received again (a long poll waits for it), with its receive count
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
import time
u = sqs.create_queue(QueueName='vis')['QueueUrl']
sqs.send_message(QueueUrl=u, MessageBody='again')
m = sqs.receive_message(QueueUrl=u, VisibilityTimeout=2, AttributeNames=['ApproximateReceiveCount'])['Messages'][0]
print('first', m['Attributes']['ApproximateReceiveCount'])
print('hidden', 'Messages' in sqs.receive_message(QueueUrl=u))
t = time.time()
m2 = sqs.receive_message(QueueUrl=u, WaitTimeSeconds=15, AttributeNames=['All'])['Messages'][0]
print('again', m2['Body'], m2['Attributes']['ApproximateReceiveCount'], m2['MessageId'] == m['MessageId'],
      0.5 < time.time() - t < 10)
try:
    sqs.delete_message(QueueUrl=u, ReceiptHandle=m['ReceiptHandle'])
    print('stale handle: not deleted', sqs.get_queue_attributes(QueueUrl=u, AttributeNames=['ApproximateNumberOfMessagesNotVisible'])['Attributes'])
except Exception as e:
    print(e.response['Error']['Code'])
sqs.change_message_visibility(QueueUrl=u, ReceiptHandle=m2['ReceiptHandle'], VisibilityTimeout=0)
m3 = sqs.receive_message(QueueUrl=u, AttributeNames=['All'])['Messages'][0]
print('made visible', m3['Attributes']['ApproximateReceiveCount'])
try:
    sqs.change_message_visibility(QueueUrl=u, ReceiptHandle=m2['ReceiptHandle'], VisibilityTimeout=10)
except Exception as e:
    print('old handle', e.response['Error']['Code'])
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nfirst 1\nhidden False\nagain again 2 True True\nstale handle: not deleted \{'ApproximateNumberOfMessagesNotVisible': '1'\}\nmade visible 3\nold handle InvalidParameterValue\n$
--- no_error_log
[error]



=== TEST 9: RedrivePolicy: a message received maxReceiveCount times moves to the dead-letter queue on its next receive
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
import json
d = sqs.create_queue(QueueName='dead')['QueueUrl']
arn = sqs.get_queue_attributes(QueueUrl=d, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
u = sqs.create_queue(QueueName='work')['QueueUrl']
sqs.set_queue_attributes(QueueUrl=u, Attributes={'RedrivePolicy': json.dumps({'deadLetterTargetArn': arn, 'maxReceiveCount': '2'})})
print(sqs.get_queue_attributes(QueueUrl=u, AttributeNames=['RedrivePolicy'])['Attributes']['RedrivePolicy'] != '')
sqs.send_message(QueueUrl=u, MessageBody='poison')
for i in range(3):
    m = sqs.receive_message(QueueUrl=u, VisibilityTimeout=0, AttributeNames=['ApproximateReceiveCount']).get('Messages', [])
    print('receive', i + 1, [x['Attributes']['ApproximateReceiveCount'] for x in m])
dm = sqs.receive_message(QueueUrl=d)['Messages']
print('dead letter', [x['Body'] for x in dm])
print('sources', [x.split('/')[-1] for x in sqs.list_dead_letter_source_queues(QueueUrl=d)['queueUrls']])
try:
    sqs.set_queue_attributes(QueueUrl=u, Attributes={'RedrivePolicy': json.dumps({'deadLetterTargetArn': arn + 'x', 'maxReceiveCount': 1})})
except Exception as e:
    print(e.response['Error']['Code'], 'does not exist' in e.response['Error']['Message'])
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nTrue\nreceive 1 \['1'\]\nreceive 2 \['2'\]\nreceive 3 \[\]\ndead letter \['poison'\]\nsources \['work'\]\nInvalidAttributeValue True\n$
--- no_error_log
[error]



=== TEST 10: long polling: a receive waiting in WaitTimeSeconds gets a message sent meanwhile at once
--- init
FngateTest::save_output('boto3.out', FngateTest::python_sqs('alice', <<'_PY_'));
import threading, time
u = sqs.create_queue(QueueName='poll', Attributes={'ReceiveMessageWaitTimeSeconds': '2'})['QueueUrl']
t = time.time()
print('empty after the queue wait', 'Messages' in sqs.receive_message(QueueUrl=u), time.time() - t >= 1.9)
got = {}
def recv():
    s = time.time()
    r = sqs.receive_message(QueueUrl=u, WaitTimeSeconds=20)
    got['m'] = [x['Body'] for x in r.get('Messages', [])]
    got['t'] = time.time() - s
th = threading.Thread(target=recv)
th.start()
time.sleep(1)
boto3.client('sqs', endpoint_url=os.environ['FNGATE_ENDPOINT']).send_message(QueueUrl=u, MessageBody='wake')
th.join()
print('woken', got['m'], got['t'] < 10)
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\nempty after the queue wait False True\nwoken \['wake'\] True\n$
--- no_error_log
[error]



=== TEST 11: the JSON protocol (AWS SDK for JavaScript v3): create, send, receive, attributes, delete, errors
--- init
FngateTest::save_output('node.out', FngateTest::node_sqs('alice', <<'_JS_'));
const u = (await sqs.send(new C.CreateQueueCommand({ QueueName: 'js1', Attributes: { VisibilityTimeout: '40' } }))).QueueUrl;
console.log('url', /\/\d{12}\/js1$/.test(u));
const s = await sqs.send(new C.SendMessageCommand({ QueueUrl: u, MessageBody: 'from "js" \n<x>',
    MessageAttributes: { k: { DataType: 'String', StringValue: 'v' }, n: { DataType: 'Number', StringValue: '1.5' } } }));
console.log('sent', s.MessageId.length, s.MD5OfMessageBody.length, s.MD5OfMessageAttributes.length);
const b = await sqs.send(new C.SendMessageBatchCommand({ QueueUrl: u, Entries: [{ Id: 'one', MessageBody: 'b1' }] }));
console.log('batch', b.Successful.map((e) => e.Id).join(','));
const r = await sqs.send(new C.ReceiveMessageCommand({ QueueUrl: u, MaxNumberOfMessages: 10,
    MessageSystemAttributeNames: ['All'], AttributeNames: ['All'], MessageAttributeNames: ['All'] }));
console.log('received', r.Messages.map((m) => m.Body).sort().join('|'));
const m = r.Messages.find((x) => x.Body.startsWith('from'));
console.log('attrs', m.MessageAttributes.k.StringValue, m.Attributes.ApproximateReceiveCount, m.MD5OfMessageAttributes.length);
const a = await sqs.send(new C.GetQueueAttributesCommand({ QueueUrl: u, AttributeNames: ['All'] }));
console.log('queue', a.Attributes.VisibilityTimeout, a.Attributes.ApproximateNumberOfMessagesNotVisible);
await sqs.send(new C.DeleteMessageCommand({ QueueUrl: u, ReceiptHandle: m.ReceiptHandle }));
const l = await sqs.send(new C.ListQueuesCommand({ QueueNamePrefix: 'js' }));
console.log('list', l.QueueUrls.length);
try {
    await sqs.send(new C.GetQueueUrlCommand({ QueueName: 'nosuchjs' }));
} catch (e) {
    console.log('error', e.name, e.$metadata.httpStatusCode);
}
try {
    await sqs.send(new C.SendMessageCommand({ QueueUrl: u, MessageBody: '' }));
} catch (e) {
    console.log('error', e.name);
}
await sqs.send(new C.DeleteQueueCommand({ QueueUrl: u }));
console.log('deleted');
_JS_
--- request
GET /t/out/node.out
--- response_body_like: ^exit=0\nurl true\nsent 36 32 32\nbatch one\nreceived b1\|from "js" \n<x>\nattrs v 1 32\nqueue 40 2\nlist 1\nerror QueueDoesNotExist 400\nerror MissingParameter\ndeleted\n$
--- no_error_log
[error]



=== TEST 12: the JSON protocol's error: __type and x-amzn-query-error
--- request
POST /
{"QueueName":"nosuch"}
--- more_headers
Content-Type: application/x-amz-json-1.0
X-Amz-Target: AmazonSQS.GetQueueUrl
X-Fngate-Test-Sign: alice service=sqs
--- error_code: 400
--- response_headers
Content-Type: application/x-amz-json-1.0
x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender
--- response_body_like: ^\{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."\}$
--- no_error_log
[error]



=== TEST 13: a credential scoped to lambda is refused for the queue service, in SQS's XML form
--- request
POST /
Action=ListQueues&Version=2012-11-05
--- more_headers
Content-Type: application/x-www-form-urlencoded
X-Fngate-Test-Sign: alice service=lambda
--- error_code: 403
--- response_headers
Content-Type: text/xml
--- response_body_like: ^<\?xml version="1.0"\?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Credential should be scoped to correct service: 'sqs'. </Message><Detail/></Error><RequestId>[0-9a-f-]+</RequestId></ErrorResponse>$
--- error_log
fngate: credential scoped to service "lambda", not "sqs"



=== TEST 14: the JSON protocol's auth errors are JSON
--- request
POST /
{}
--- more_headers
Content-Type: application/x-amz-json-1.0
X-Amz-Target: AmazonSQS.ListQueues
--- error_code: 403
--- response_headers
x-amzn-query-error: MissingAuthenticationToken;Sender
--- response_body_like: ^\{"__type":"com.amazonaws.sqs#MissingAuthenticationToken","message":"Missing Authentication Token"\}$
--- error_log
fngate: no authorization header



=== TEST 15: an unknown access key through the AWS CLI is InvalidClientTokenId
--- init
FngateTest::save_output('aws.out',
    FngateTest::aws_cli({ AccessKeyId => 'AKIAZZZZZZZZZZZZZZZZ', SecretAccessKey => 'x' x 40 },
                        'sqs', 'list-queues'));
--- request
GET /t/out/aws.out
--- response_body_like: ^exit=(254|255)\n.*InvalidClientTokenId
--- error_log
fngate: unknown access key "AKIAZZZZZZZZZZZZZZZZ"
