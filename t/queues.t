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
