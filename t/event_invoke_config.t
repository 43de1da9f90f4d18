# Asynchronous invocation's configuration: Put/Update/Get/Delete/
# ListFunctionEventInvokeConfig(s) (API version 2019-09-25) and
# DeadLetterConfig on CreateFunction / UpdateFunctionConfiguration,
# through signed requests, Debian's /usr/bin/aws and boto3.
#
# The fixture: Alice's functions, each block its own (eput, eget, ...);
# el with version 1 and the alias "live" (the qualifier blocks); dest, a
# destination; Bob's bobok, whose policy grants Alice
# lambda:InvokeFunction, and bobno, whose does not.
#
# Queues, made through the queue service's API (boto3, query protocol):
# Alice's q1, Bob's bq (no grant) and bqok (AddPermission grants Alice
# sqs:SendMessage).
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ZIP = zip_b64({ handler => [0755, "#!/bin/sh\necho '{}'\n"] });
our $EIC = '/2019-09-25/functions';

sub fn_arn { "arn:aws:lambda:us-east-1:$_[0]:function:$_[1]" }
sub q_arn { "arn:aws:sqs:us-east-1:$_[0]:$_[1]" }

# A Redis command on the test Redis (TEST 30 reads an index with it).
sub redis {
    my $port = $ENV{TEST_NGINX_REDIS_PORT};
    my ($rc, $out) = FngateTest::run_cmd("redis-cli -p $port @_");
    die "redis-cli @_: $out" if $rc != 0;
    return $out;
}

# WHO's queues NAMEs, and with GRANT_TO an AddPermission of
# sqs:SendMessage to that account on the last.
sub make_queues {
    my ($who, $grant_to, @names) = @_;
    my $code = join '', map { "sqs.create_queue(QueueName='$_')\n" } @names;
    $code .= "sqs.add_permission(QueueUrl=sqs.get_queue_url(QueueName="
             . "'$names[-1]')['QueueUrl'], Label='alice-send', "
             . "AWSAccountIds=['$grant_to'], Actions=['SendMessage'])\n"
        if $grant_to;
    my $out = FngateTest::python_sqs($who, $code . "print('queues ok')\n");
    die "make_queues $who @names: $out" unless $out =~ /queues ok/;
}

# Alice's configuration of NAME[?Qualifier=Q] set to BODY (a hash).
sub put_eic {
    my ($name, $body, $q) = @_;
    api_ok('alice', 'PUT', "$EIC/$name/event-invoke-config"
           . (defined $q ? "?Qualifier=$q" : ''), json_encode($body), 200);
}

fixture(sub {
    make_function('alice', $_, undef, zip_b64 => $ZIP)
        for qw(eput eget eupd elist el dest eold ebad edel1 edel2 edel3
               ecli ebob dlu dlp);
    api_ok('alice', 'POST', '/2015-03-31/functions/el/versions', '', 201);
    make_alias('alice', 'el', 'live', '1');
    api_ok('alice', 'POST', '/2015-03-31/functions/edel2/versions', '', 201);
    make_alias('alice', 'edel3', 'gone', '$LATEST');
    make_function('bob', $_, undef, zip_b64 => $ZIP) for qw(bobok bobno);
    grant('bob', 'bobok', 'alice-may', $ALICE);
    make_queues('alice', undef, 'q1');
    make_queues('bob', undef, 'bq');
    make_queues('bob', $ALICE, 'bqok');
});

# A block that sends a request without headers of its own sends it as
# Alice, with a JSON body.
Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('more_headers',
        "Content-Type: application/json\nX-Fngate-Test-Sign: alice")
        if defined $block->request && !defined $block->more_headers;
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: PutFunctionEventInvokeConfig answers the configuration of $LATEST
--- request eval
"PUT $main::EIC/eput/event-invoke-config\n"
. qq{{"MaximumRetryAttempts":1,"MaximumEventAgeInSeconds":3600,"DestinationConfig":{"OnFailure":{"Destination":"@{[main::q_arn($main::ALICE, 'q1')]}"}}}}
--- error_code: 200
--- response_body_like eval
qr/^\{"LastModified":1\d{9}\.\d{3},"FunctionArn":"\Q@{[main::fn_arn($main::ALICE, 'eput')]}\E:\$LATEST","MaximumRetryAttempts":1,"MaximumEventAgeInSeconds":3600,"DestinationConfig":\{"OnSuccess":\{\},"OnFailure":\{"Destination":"\Q@{[main::q_arn($main::ALICE, 'q1')]}\E"\}\}\}$/
--- no_error_log
[error]



=== TEST 2: the AWS CLI puts, gets, updates (one member) and gets again
--- timeout: 120
--- init
my $dest = main::fn_arn($main::ALICE, 'dest');
FngateTest::save_output('eic-cli.out', join '',
    FngateTest::aws_cli('alice', 'lambda', 'put-function-event-invoke-config',
        '--function-name', 'ecli', '--maximum-event-age-in-seconds', '600',
        '--destination-config', qq{{"OnSuccess":{"Destination":"$dest"}}},
        '--query', '[MaximumEventAgeInSeconds,DestinationConfig.OnSuccess.Destination]',
        '--output', 'text'),
    FngateTest::aws_cli('alice', 'lambda', 'update-function-event-invoke-config',
        '--function-name', 'ecli', '--maximum-retry-attempts', '0',
        '--query', '[MaximumRetryAttempts,MaximumEventAgeInSeconds]',
        '--output', 'text'),
    FngateTest::aws_cli('alice', 'lambda', 'get-function-event-invoke-config',
        '--function-name', 'ecli', '--output', 'json'));
--- request
GET /t/out/eic-cli.out
--- response_body_like eval
qr/^exit=0\n600\t\Q@{[main::fn_arn($main::ALICE, 'dest')]}\E\nexit=0\n0\t600\nexit=0\n\{\n\s+"LastModified": "?[\d:. T+-]+"?,\n\s+"FunctionArn": "\Q@{[main::fn_arn($main::ALICE, 'ecli')]}\E:\$LATEST",\n\s+"MaximumRetryAttempts": 0,\n\s+"MaximumEventAgeInSeconds": 600,\n\s+"DestinationConfig": \{\n\s+"OnSuccess": \{\n\s+"Destination": "\Q@{[main::fn_arn($main::ALICE, 'dest')]}\E"\n\s+\},\n\s+"OnFailure": \{\}\n\s+\}\n\}\n$/s
--- no_error_log
[error]



=== TEST 3: GetFunctionEventInvokeConfig
--- init
main::put_eic('eget', { MaximumRetryAttempts => 2 });
--- request
GET /2019-09-25/functions/eget/event-invoke-config
--- error_code: 200
--- response_body_like eval
qr/^\{"LastModified":\d+\.\d{3},"FunctionArn":"[^"]+:function:eget:\$LATEST","MaximumRetryAttempts":2,"DestinationConfig":\{"OnSuccess":\{\},"OnFailure":\{\}\}\}$/
--- no_error_log
[error]



=== TEST 4: Put replaces the whole configuration, Update only the members given
--- init
my $out = FngateTest::python_boto3('alice', <<'_PY_' =~ s/ALICE/$main::ALICE/gr);
q1 = 'arn:aws:sqs:us-east-1:ALICE:q1'
dest = 'arn:aws:lambda:us-east-1:ALICE:function:dest'
def show(c):
    print(c.get('MaximumRetryAttempts'), c.get('MaximumEventAgeInSeconds'),
          c['DestinationConfig'].get('OnSuccess', {}).get('Destination', '-').split(':')[-1],
          c['DestinationConfig'].get('OnFailure', {}).get('Destination', '-').split(':')[-1])
show(lam.put_function_event_invoke_config(FunctionName='eupd',
    MaximumRetryAttempts=1, MaximumEventAgeInSeconds=60,
    DestinationConfig={'OnSuccess': {'Destination': dest},
                       'OnFailure': {'Destination': q1}}))
show(lam.update_function_event_invoke_config(FunctionName='eupd',
    DestinationConfig={'OnSuccess': {'Destination': ''}}))
show(lam.update_function_event_invoke_config(FunctionName='eupd',
    MaximumEventAgeInSeconds=21600))
show(lam.put_function_event_invoke_config(FunctionName='eupd',
    MaximumRetryAttempts=0))
show(lam.get_function_event_invoke_config(FunctionName='eupd'))
_PY_
FngateTest::save_output('eic-upd.out', $out);
--- request
GET /t/out/eic-upd.out
--- response_body
exit=0
1 60 dest q1
1 60 - q1
1 21600 - q1
0 None - -
0 None - -
--- no_error_log
[error]



=== TEST 5: configurations of $LATEST, a version and an alias, listed in pages
--- init
main::put_eic('el', { MaximumRetryAttempts => 0 });
main::put_eic('el', { MaximumRetryAttempts => 1 }, '1');
main::put_eic('el', { MaximumRetryAttempts => 2 }, 'live');
my $out = FngateTest::python_boto3('alice', <<'_PY_');
r = lam.list_function_event_invoke_configs(FunctionName='el', MaxItems=2)
for c in r['FunctionEventInvokeConfigs']:
    print(c['FunctionArn'].split(':', 6)[6], c['MaximumRetryAttempts'])
print('next', r['NextMarker'])
r = lam.list_function_event_invoke_configs(FunctionName='el', Marker=r['NextMarker'])
for c in r['FunctionEventInvokeConfigs']:
    print(c['FunctionArn'].split(':', 6)[6], c['MaximumRetryAttempts'])
print('next', r.get('NextMarker'))
print(lam.get_function_event_invoke_config(FunctionName='el', Qualifier='live')['MaximumRetryAttempts'])
_PY_
FngateTest::save_output('eic-list.out', $out);
--- request
GET /t/out/eic-list.out
--- response_body
exit=0
el:$LATEST 0
el:1 1
next live
el:live 2
next None
2
--- no_error_log
[error]



=== TEST 6: ListFunctionEventInvokeConfigs of a function without any
--- request
GET /2019-09-25/functions/eold/event-invoke-config/list
--- error_code: 200
--- response_body chomp
{"FunctionEventInvokeConfigs":[]}
--- no_error_log
[error]



=== TEST 7: MaxItems over 50 is refused
--- request
GET /2019-09-25/functions/eold/event-invoke-config/list?MaxItems=51
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Value '51' at 'maxItems'
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 8: MaximumRetryAttempts 3 is out of range
--- request
PUT /2019-09-25/functions/ebad/event-invoke-config
{"MaximumRetryAttempts":3}
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body chomp
{"Type":"User","message":"1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"}
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 9: MaximumEventAgeInSeconds 59 is out of range
--- request
PUT /2019-09-25/functions/ebad/event-invoke-config
{"MaximumEventAgeInSeconds":59}
--- error_code: 400
--- response_body_like: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 10: MaximumEventAgeInSeconds 21601 is out of range (the AWS CLI)
--- init
FngateTest::save_output('eic-age.out',
    FngateTest::aws_cli('alice', 'lambda', 'update-function-event-invoke-config',
        '--function-name', 'ebad', '--maximum-event-age-in-seconds', '21601'));
--- request
GET /t/out/eic-age.out
--- response_body_like
^exit=(?!0)\d+\n.*InvalidParameterValueException.*Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600
--- no_error_log
[error]



=== TEST 11: a malformed destination ARN
--- request
PUT /2019-09-25/functions/ebad/event-invoke-config
{"DestinationConfig":{"OnSuccess":{"Destination":"q1"}}}
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Value 'q1' at 'destinationConfig.onSuccess.destination' failed to satisfy constraint: Member must satisfy regular expression pattern
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 12: a destination of another service (SNS)
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnFailure":{"Destination":"arn:aws:sns:us-east-1:$main::ALICE:topic"}}}}
--- error_code: 400
--- response_body_like: is not supported: a destination is a Lambda function or an SQS queue
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 13: a destination function that does not exist
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnFailure":{"Destination":"@{[main::fn_arn($main::ALICE, 'nobody')]}"}}}}
--- error_code: 400
--- response_body_like: The destination arn:\S+:function:nobody does not exist
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 14: a destination version that does not exist
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnSuccess":{"Destination":"@{[main::fn_arn($main::ALICE, 'dest')]}:9"}}}}
--- error_code: 400
--- response_body_like: The destination arn:\S+:function:dest:9 does not exist
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 15: a queue that does not exist
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnFailure":{"Destination":"@{[main::q_arn($main::ALICE, 'nosuchq')]}"}}}}
--- error_code: 400
--- response_body_like: The destination arn:aws:sqs:\S+:nosuchq does not exist
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 16: a destination in another region
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnFailure":{"Destination":"arn:aws:sqs:eu-west-1:$main::ALICE:q1"}}}}
--- error_code: 400
--- response_body_like: is not in this region \(us-east-1\)
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 17: another account's function whose policy does not grant Alice
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnFailure":{"Destination":"@{[main::fn_arn($main::BOB, 'bobno')]}"}}}}
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: The destination arn:\S+:function:bobno is not allowed: the function's resource policy does not grant this account lambda:InvokeFunction
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 18: another account's function whose policy grants Alice, and its queue that grants her SendMessage
--- request eval
"PUT $main::EIC/ebob/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnSuccess":{"Destination":"@{[main::fn_arn($main::BOB, 'bobok')]}"},"OnFailure":{"Destination":"@{[main::q_arn($main::BOB, 'bqok')]}"}}}}
--- error_code: 200
--- response_body_like eval
qr/"OnSuccess":\{"Destination":"[^"]+:function:bobok"\},"OnFailure":\{"Destination":"[^"]+:bqok"\}/
--- no_error_log
[error]



=== TEST 19: another account's queue that does not grant Alice SendMessage
--- request eval
"PUT $main::EIC/ebad/event-invoke-config\n"
. qq{{"DestinationConfig":{"OnFailure":{"Destination":"@{[main::q_arn($main::BOB, 'bq')]}"}}}}
--- error_code: 400
--- response_body_like: The destination arn:aws:sqs:\S+:bq is not allowed: the queue's owner does not grant this account sqs:SendMessage
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 20: a qualifier that does not exist
--- request
PUT /2019-09-25/functions/el/event-invoke-config?Qualifier=7
{"MaximumRetryAttempts":1}
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like: Function not found: arn:\S+:function:el:7
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 21: an alias that does not exist
--- request
PUT /2019-09-25/functions/el:nope/event-invoke-config
{}
--- error_code: 404
--- response_body_like: Function not found: arn:\S+:function:el:nope
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 22: UpdateFunctionEventInvokeConfig without a configuration
--- request
POST /2019-09-25/functions/eold/event-invoke-config
{"MaximumRetryAttempts":1}
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/^\{"Type":"User","message":"The function \Q@{[main::fn_arn($main::ALICE, 'eold')]}\E:\$LATEST doesn't have an EventInvokeConfig"\}$/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 23: GetFunctionEventInvokeConfig without a configuration
--- request
GET /2019-09-25/functions/eold/event-invoke-config?Qualifier=%24LATEST
--- error_code: 404
--- response_body_like: doesn't have an EventInvokeConfig
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 24: DeleteFunctionEventInvokeConfig without a configuration
--- request
DELETE /2019-09-25/functions/eold/event-invoke-config
--- error_code: 404
--- response_body_like: doesn't have an EventInvokeConfig
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 25: DeleteFunctionEventInvokeConfig, then Get is 404 (boto3)
--- init
main::put_eic('edel1', { MaximumRetryAttempts => 1 });
my $out = FngateTest::python_boto3('alice', <<'_PY_');
r = lam.delete_function_event_invoke_config(FunctionName='edel1')
print(r['ResponseMetadata']['HTTPStatusCode'])
try:
    lam.get_function_event_invoke_config(FunctionName='edel1')
except lam.exceptions.ResourceNotFoundException as e:
    print('gone', e.response['Error']['Message'].split()[-1])
_PY_
FngateTest::save_output('eic-del.out', $out);
--- request
GET /t/out/eic-del.out
--- response_body
exit=0
204
gone EventInvokeConfig
--- no_error_log
[error]



=== TEST 26: another account may not read Alice's configuration
--- init
main::put_eic('eget', { MaximumRetryAttempts => 2 });
--- request eval
"GET $main::EIC/@{[main::fn_arn($main::ALICE, 'eget')]}/event-invoke-config"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunctionEventInvokeConfig "eget" of $main::ALICE/



=== TEST 27: nor put, update, delete or list it, even with a grant of Invoke
--- init
my $arn = main::fn_arn($main::BOB, 'bobok');
my @out;
for my $m (['PUT', ''], ['POST', ''], ['DELETE', ''], ['GET', '/list']) {
    my ($code) = FngateTest::api_call('alice', $m->[0],
        "$main::EIC/$arn/event-invoke-config$m->[1]",
        $m->[0] =~ /^P/ ? '{}' : '');
    push @out, "$m->[0] $code";
}
FngateTest::save_output('eic-other.out', join("\n", @out) . "\n");
--- request
GET /t/out/eic-other.out
--- response_body
PUT 403
POST 403
DELETE 403
GET 403



=== TEST 28: event-invoke-config is not a 2015-03-31 path
--- request
GET /2015-03-31/functions/eget/event-invoke-config
--- error_code: 404



=== TEST 29: DeleteFunction drops the configurations: the re-created function has none
--- init
main::put_eic('edel2', { MaximumRetryAttempts => 1 });
main::put_eic('edel2', { MaximumRetryAttempts => 0 }, '1');
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/edel2', '', 204);
FngateTest::make_function('alice', 'edel2', undef, zip_b64 => $main::ZIP);
--- request
GET /2019-09-25/functions/edel2/event-invoke-config
--- error_code: 404
--- response_body_like: edel2:\$LATEST doesn't have an EventInvokeConfig
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 30: DeleteAlias drops the alias's configuration, DeleteFunction of a version the version's
--- init
main::put_eic('edel3', { MaximumRetryAttempts => 1 }, 'gone');
main::put_eic('edel3', { MaximumRetryAttempts => 2 });
FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions/edel3/versions', '', 201);
main::put_eic('edel3', { MaximumRetryAttempts => 0 }, '1');
my $key = "'fg:eic:{$main::ALICE}:edel3'";
my $before = main::redis("HKEYS $key");
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/edel3/aliases/gone', '', 204);
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/edel3?Qualifier=1', '', 204);
my $after = main::redis("HKEYS $key");
FngateTest::make_alias('alice', 'edel3', 'gone', '$LATEST');
FngateTest::save_output('eic-drop.out', "before: " . join(' ', sort split /\n/, $before)
    . "\nafter: " . join(' ', sort split /\n/, $after) . "\n");
--- request
GET /t/out/eic-drop.out
--- response_body
before: $LATEST 1 gone
after: $LATEST



=== TEST 31: and the re-created alias has no configuration
--- init
main::put_eic('edel3', { MaximumRetryAttempts => 1 }, 'gone');
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/edel3/aliases/gone', '', 204);
FngateTest::make_alias('alice', 'edel3', 'gone', '$LATEST');
--- request
GET /2019-09-25/functions/edel3/event-invoke-config?Qualifier=gone
--- error_code: 404
--- response_body_like: edel3:gone doesn't have an EventInvokeConfig
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 32: DeadLetterConfig on CreateFunction, shown by GetFunctionConfiguration
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'dlc', zip_b64 => $main::ZIP) =~ s/\}$/,"DeadLetterConfig":{"TargetArn":"@{[main::q_arn($main::ALICE, 'q1')]}"}}/r
--- error_code: 201
--- response_body_like eval
qr/"DeadLetterConfig":\{"TargetArn":"\Q@{[main::q_arn($main::ALICE, 'q1')]}\E"\}/
--- no_error_log
[error]



=== TEST 33: DeadLetterConfig on UpdateFunctionConfiguration (the AWS CLI), kept by PublishVersion, removed by an empty TargetArn (boto3)
--- timeout: 120
--- init
my $q1 = main::q_arn($main::ALICE, 'q1');
my $out = FngateTest::aws_cli('alice', 'lambda', 'update-function-configuration',
    '--function-name', 'dlu', '--dead-letter-config', "TargetArn=$q1",
    '--query', 'DeadLetterConfig.TargetArn', '--output', 'text');
$out .= FngateTest::python_boto3('alice', <<'_PY_');
v = lam.publish_version(FunctionName='dlu')['Version']
print('v', v, lam.get_function_configuration(FunctionName='dlu', Qualifier=v)['DeadLetterConfig']['TargetArn'].split(':')[-1])
fs = [f for f in lam.list_functions()['Functions'] if f['FunctionName'] == 'dlu']
print('list', fs[0]['DeadLetterConfig']['TargetArn'].split(':')[-1])
r = lam.update_function_configuration(FunctionName='dlu', DeadLetterConfig={'TargetArn': ''})
print('latest', r.get('DeadLetterConfig', {}).get('TargetArn', 'none'))
print('get', lam.get_function(FunctionName='dlu')['Configuration'].get('DeadLetterConfig', 'none'))
print('version', lam.get_function(FunctionName='dlu', Qualifier=v)['Configuration']['DeadLetterConfig']['TargetArn'].split(':')[-1])
_PY_
FngateTest::save_output('eic-dlq.out', $out);
--- request
GET /t/out/eic-dlq.out
--- response_body eval
"exit=0\n@{[main::q_arn($main::ALICE, 'q1')]}\nexit=0\nv 1 q1\nlist q1\nlatest none\nget none\nversion q1\n"
--- no_error_log
[error]



=== TEST 34: a dead-letter queue that does not exist
--- request eval
"PUT /2015-03-31/functions/dlp/configuration\n"
. qq{{"DeadLetterConfig":{"TargetArn":"@{[main::q_arn($main::ALICE, 'nosuchq')]}"}}}
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: The dead-letter queue arn:aws:sqs:\S+:nosuchq does not exist
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 35: a dead-letter "queue" that is a function
--- request eval
"PUT /2015-03-31/functions/dlp/configuration\n"
. qq{{"DeadLetterConfig":{"TargetArn":"@{[main::fn_arn($main::ALICE, 'dest')]}"}}}
--- error_code: 400
--- response_body_like: The dead-letter queue arn:\S+:function:dest is not supported: it must be an SQS queue
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 36: another account's dead-letter queue that does not grant Alice SendMessage, on CreateFunction
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'dlbad', zip_b64 => $main::ZIP) =~ s/\}$/,"DeadLetterConfig":{"TargetArn":"@{[main::q_arn($main::BOB, 'bq')]}"}}/r
--- error_code: 400
--- response_body_like: The dead-letter queue arn:aws:sqs:\S+:bq is not allowed
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"
