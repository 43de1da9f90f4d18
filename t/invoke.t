# Invoke: a function runs in a VM dedicated to the billed account; the
# answer carries Lambda's headers, and each call writes one billing line.
#
# The fixture: Alice's functions, one per block whose billing line is
# checked (so the line found is that block's own), and Erin's "echo",
# which only the cold-start block calls (so its call is Erin's first).
# The blocks that show CreateFunction make functions of their own names.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $ERIN = account('erin')->{AccountId};

our %SCRIPT = (
    echo    => "#!/bin/sh\necho 'echo says hi' >&2\ncat\n",
    fails   => "#!/bin/sh\necho 'about to fail' >&2\nexit 3\n",
    sleeper => "#!/bin/sh\nsleep 30\necho late\n",
    noisy   => "#!/bin/sh\ni=0\nwhile [ \$i -lt 200 ]; do echo \"log line \$i of a chatty function, padded to be long enough\" >&2; i=\$((i+1)); done\necho '\"done\"'\n",
);

fixture(sub {
    make_function('erin', 'echo', $SCRIPT{echo});
    make_function('alice', 'echo', $SCRIPT{echo});
    make_function('alice', 'warm', $SCRIPT{echo});
    make_function('alice', 'fails', $SCRIPT{fails});
    make_function('alice', 'fails-boto3', $SCRIPT{fails});
    make_function('alice', 'sleeper', $SCRIPT{sleeper}, timeout => 1);
    make_function('alice', 'noisy', $SCRIPT{noisy});
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: create a function whose handler echoes its event
--- request eval
FngateTest::create_request('made-echo', $main::SCRIPT{echo})
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 2: Invoke runs it and answers with its stdout (the first call is a cold start)
--- timeout: 180
--- request
POST /2015-03-31/functions/echo/invocations
{"hello":"world"}
--- more_headers
X-Fngate-Test-Sign: erin
--- response_headers
Content-Type: application/json
X-Amz-Executed-Version: $LATEST
!X-Amz-Function-Error
!X-Fngate-Duration-Ms
!X-Fngate-Billed-Ms
!X-Fngate-Vm
--- response_body chomp
{"hello":"world"}
--- access_log eval
qr/"action":"Invoke","caller":"$main::ERIN","billing_account":"$main::ERIN","owner":"$main::ERIN","function":"echo","qualifier":"","version":"\$LATEST","status":"200","duration_ms":"[0-9.]+","billed_ms":"[1-9][0-9]*","memory_mb":"128","max_memory_used_mb":"[0-9]+","init_ms":"[0-9]+","cold_start":"true","start_kind":"(clone|restore|boot)","vm":"[\w-]+-[0-9]+"/
--- no_error_log
[error]



=== TEST 3: the next call reuses the account's warm VM
--- timeout: 60
--- init
FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions/warm/invocations',
                   '{"first":true}', 200);
--- request
POST /2015-03-31/functions/warm/invocations
{"again":true}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"again":true}
--- access_log eval
qr/"function":"warm",.*"status":"200",.*"init_ms":"0","cold_start":"false","start_kind":"","vm":"[\w-]+-[0-9]+","function_error":""/
--- no_error_log
[error]



=== TEST 4: Log-Type Tail returns the end of the log, base64, in X-Amz-Log-Result
--- timeout: 60
--- init
FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions/echo/invocations',
                   '{}', 200);
--- request
POST /2015-03-31/functions/echo/invocations
{}
--- more_headers
X-Amz-Log-Type: Tail
X-Fngate-Test-Sign: alice
--- response_headers_like
X-Amz-Log-Result: U1RBUlQgUmVxdWVzdElk[A-Za-z0-9+/]*=*
X-Amz-Executed-Version: \$LATEST
--- no_error_log
[error]



=== TEST 5: InvocationType DryRun checks the call without running it
--- request
POST /2015-03-31/functions/echo/invocations
{}
--- more_headers
X-Amz-Invocation-Type: DryRun
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 6: a handler that exits non-zero is a function error, 200 + Unhandled
--- request eval
FngateTest::create_request('made-fails', $main::SCRIPT{fails})
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 7: its error is Runtime.ExitError with the exit status
--- timeout: 60
--- request
POST /2015-03-31/functions/fails/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
X-Amz-Executed-Version: $LATEST
--- response_body_like: ^\{(?=.*"errorType":"Runtime\.ExitError")(?=.*"errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3")("error(Type|Message)":"[^"]+",?){2}\}$
--- access_log eval
qr/"function":"fails",.*"status":"200",.*"function_error":"Unhandled"/
--- no_error_log
[error]



=== TEST 8: a function that runs past its Timeout
--- request eval
FngateTest::create_request('made-sleeper', $main::SCRIPT{sleeper}, timeout => 1)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 9: is stopped after it and reports Lambda's timeout message
--- timeout: 60
--- request
POST /2015-03-31/functions/sleeper/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z [0-9a-f-]{36} Task timed out after 1.00 seconds"\}$
--- access_log eval
qr/"function":"sleeper",.*"billed_ms":"(1\d\d\d|2\d\d\d)"/
--- no_error_log
[error]



=== TEST 10: Invoke of a function that does not exist is ResourceNotFoundException
--- request
POST /2015-03-31/functions/not-there/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log eval
"fngate: function \"not-there\" of $main::ALICE not found"



=== TEST 11: the AWS CLI invokes it too
--- timeout: 120
--- init
FngateTest::save_output('aws.out', FngateTest::aws_cli('alice', 'lambda',
    'invoke', '--function-name', 'echo',
    '--cli-binary-format', 'raw-in-base64-out',
    '--payload', '{"from":"aws-cli"}', '/dev/stdout'));
--- request
GET /t/out/aws.out
--- response_body_like: ^exit=0\n\{"from":"aws-cli"\}.*"StatusCode":\s*200.*"ExecutedVersion":\s*"\$LATEST"
--- no_error_log
[error]



=== TEST 12: and so does boto3, which sees the function error
--- timeout: 120
--- init
FngateTest::save_output('boto3.out', FngateTest::python_boto3('alice', <<'_PY_'));
r = lam.invoke(FunctionName='fails-boto3', Payload=b'{}')
print(r['StatusCode'], r.get('FunctionError'), json.loads(r['Payload'].read())['errorType'])
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\n200 Unhandled Runtime.ExitError\n$
--- no_error_log
[error]



=== TEST 13: a function that logs a lot
--- request eval
FngateTest::create_request('made-noisy', $main::SCRIPT{noisy})
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 14: with Log-Type Tail gets the last 4 KB of its log whole through nginx's buffers
--- timeout: 60
--- request
POST /2015-03-31/functions/noisy/invocations
{}
--- more_headers
X-Amz-Log-Type: Tail
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_headers_like
X-Amz-Log-Result: [A-Za-z0-9+/]{5400,5462}=*
--- response_body
"done"
--- no_error_log
[error]
