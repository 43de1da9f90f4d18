# Bad input gets a 4xx with a Lambda-style error and a log line, bad
# functions get a function error; nothing crashes and the service goes on.
#
# The fixture: Alice's functions echo, crasher, spinner, flood and eater;
# the blocks that show CreateFunction make functions of their own names,
# and the last block makes the bad calls again before its own.  A block
# that calls a bad function calls echo first, so the call loads into a
# guest of Alice's that has run code before, as it did when the blocks ran
# in turn (a first call in a restored guest is slower under TCG).
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our %FN = (
    echo    => ["#!/bin/sh\ncat\n"],
    crasher => ["#!/bin/sh\nkill -SEGV \$\$\n"],
    spinner => ["#!/bin/sh\nwhile :; do :; done\n", timeout => 2],
    flood   => ["#!/bin/sh\nhead -c 8000000 /dev/zero | tr '\\000' x\n"],
    eater   => ["#!/bin/sh\ndd if=/dev/zero of=/dev/null bs=400M count=1\necho survived\n",
                memory => 128, timeout => 30],
);

fixture(sub {
    make_function('alice', $_, @{ $FN{$_} }) for sort keys %FN;
});

# Alice calls echo: her guest is warm.
sub warm {
    api_ok('alice', 'POST', '/2015-03-31/functions/echo/invocations', '{}', 200);
}

# Each bad function called once: a function error, 200.
sub bad_calls {
    warm();
    for my $f (qw(crasher spinner flood eater)) {
        my $body = api_ok('alice', 'POST',
            "/2015-03-31/functions/$f/invocations", '{}', 200);
        die "$f: not a function error: $body\n" unless $body =~ /"error(?:Type|Message)"/;
    }
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a CreateFunction body that is not JSON is InvalidRequestContentException
--- request
POST /2015-03-31/functions
{"FunctionName": "x", "Code": {
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
Content-Type: application/json
x-amzn-ErrorType: InvalidRequestContentException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidRequestContentException"
--- access_log
"error_type":"InvalidRequestContentException"



=== TEST 2: a field of the wrong JSON type is InvalidRequestContentException
--- request
POST /2015-03-31/functions
{"FunctionName": "typed", "Runtime": "provided", "Handler": "handler", "Role": "arn:aws:iam::000000000000:role/fngate", "MemorySize": "lots", "Code": {"ZipFile": ""}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidRequestContentException
--- response_body_like: ^\{"Type":"User","message":"[^"]*MemorySize[^"]*"\}$
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidRequestContentException"
--- access_log
"error_type":"InvalidRequestContentException"



=== TEST 3: a ZipFile that is not base64 is refused
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'notbase64', zip_b64 => '%%% not base64 %%%')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"
--- access_log
"error_type":"InvalidParameterValueException"



=== TEST 4: a ZipFile that is not a zip is refused
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'notzip', zip_b64 => MIME::Base64::encode_base64('just some text, no zip', ''))
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"
--- access_log
"error_type":"InvalidParameterValueException"



=== TEST 5: a zip without the handler file is refused
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'nohandler', handler => 'handler',
    files => { 'README' => [0644, "no handler here\n"] })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: ^\{"Type":"User","message":".*\\"handler\\".*"\}$
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"
--- access_log
"error_type":"InvalidParameterValueException"



=== TEST 6: a body over client_max_body_size is a Lambda-style 413
--- request eval
"POST /2015-03-31/functions\n" . ('A' x (71 * 1024 * 1024))
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- timeout: 30
--- error_code: 413
--- response_headers
x-amzn-ErrorType: RequestTooLargeException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
client intended to send too large body: 74448896 bytes



=== TEST 7: a function to call with bad events
--- request eval
FngateTest::create_request('made-echo', @{ $main::FN{echo} })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 8: an event over fngate_max_payload (6m) is RequestTooLargeException
--- request eval
"POST /2015-03-31/functions/echo/invocations\n\"" . ('x' x (6 * 1024 * 1024 + 10)) . '"'
--- more_headers
X-Fngate-Test-Sign: alice
--- timeout: 30
--- error_code: 413
--- response_headers
x-amzn-ErrorType: RequestTooLargeException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
fngate: invoke payload of 6291468 bytes is larger than fngate_max_payload 6291456



=== TEST 9: a handler killed by a signal (a crash) is a function error
--- request eval
FngateTest::create_request('made-crasher', @{ $main::FN{crasher} })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 10: ... reported as Runtime exited with error: signal
--- timeout: 180
--- init
main::warm();
--- request
POST /2015-03-31/functions/crasher/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{(?=.*"errorType":"Runtime\.ExitError")(?=.*"errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: segmentation fault")("error(Type|Message)":"[^"]+",?){2}\}$
--- no_error_log
[error]



=== TEST 11: a handler that never ends
--- request eval
FngateTest::create_request('made-spinner', @{ $main::FN{spinner} })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 12: ... is stopped at its Timeout
--- timeout: 60
--- init
main::warm();
--- request
POST /2015-03-31/functions/spinner/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: Task timed out after 2.00 seconds"\}$
--- no_error_log
[error]



=== TEST 13: a handler that floods stdout
--- request eval
FngateTest::create_request('made-flood', @{ $main::FN{flood} })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 14: ... gets Function.ResponseSizeTooLarge, not 8 MB
--- timeout: 60
--- init
main::warm();
--- request
POST /2015-03-31/functions/flood/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{(?=.*"errorType":"Function\.ResponseSizeTooLarge")("error(Type|Message)":"[^"]+",?){2}\}$
--- no_error_log
[error]



=== TEST 15: a handler that eats memory
--- request eval
FngateTest::create_request('made-eater', @{ $main::FN{eater} })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 16: ... is killed at its MemorySize and says so
--- timeout: 60
--- init
main::warm();
--- request
POST /2015-03-31/functions/eater/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: "errorType":"Runtime.OutOfMemory"
--- no_error_log
[error]



=== TEST 17: after all that the service still answers
--- timeout: 60
--- init
main::bad_calls();
--- request
POST /2015-03-31/functions/echo/invocations
{"still":"here"}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"still":"here"}
--- no_error_log
[error]
