# Persistent runtimes: a zip with a bootstrap (Runtime provided.al2023,
# provided.al2, provided) runs as a custom runtime on the Lambda Runtime
# API that the guest agent serves; the process stays loaded between calls.
# The runtime is t/runtime/counter.sh (busybox only), driven by $MODE.
# Runtime python3.11 runs on the same API (its bootstrap on the runtime
# disk).
use Test::Nginx::Socket;
use FngateTest;

# Each block calls a function of its own, or one that only blocks which
# do not count its calls share; the calls a block starts after (a first
# call, a change of environment) it makes in its --- init, and the blocks
# that show CreateFunction create functions of their own names.
repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};

sub counter {
    my $path = FngateTest::fngate_root() . '/t/runtime/counter.sh';
    open my $f, '<', $path or die "$path: $!";
    local $/;
    return scalar <$f>;
}

# CreateFunction of the counter runtime in MODE.
sub create_counter {
    my ($name, $mode, %opt) = @_;
    return "POST /2015-03-31/functions\n" . FngateTest::create_function_body(
        name => $name, runtime => 'provided.al2023',
        handler => 'counter.handler', env => { MODE => $mode },
        files => { bootstrap => [0755, counter()] }, %opt);
}

# A python3.11 function: app.handler.
our $APP = <<'_PY_';
import time
calls = 0
def handler(event, context):
    global calls
    calls += 1
    if 'fail' in event:
        raise ValueError('bad ' + event['fail'])
    if 'sleep' in event:
        time.sleep(event['sleep'])
    if 'big' in event:
        return 'x' * event['big']
    print('call', calls, 'of', context.function_name)
    return {'calls': calls, 'event': event, 'fn': context.function_name,
            'mem': context.memory_limit_in_mb,
            'same_id': context.aws_request_id == event.get('id', context.aws_request_id),
            'left_ok': 0 < context.get_remaining_time_in_millis() <= 3000}
_PY_

sub create_python {
    my ($name, %opt) = @_;
    return "POST /2015-03-31/functions\n" . FngateTest::create_function_body(
        name => $name, runtime => 'python3.11', handler => 'app.handler',
        files => { 'app.py' => [0644, $APP] }, %opt);
}

# CreateFunction of a request made by create_counter or create_python.
sub made { create_ok('alice', shift) }

# Alice calls FN with each EVENT in turn (each answered 200).
sub called { invoke_ok('alice', @_) }

sub deaf {
    my $name = shift;
    return "POST /2015-03-31/functions\n" . FngateTest::create_function_body(
        name => $name, runtime => 'provided.al2', handler => 'x', timeout => 2,
        files => { bootstrap => [0755, "#!/bin/sh\nexec sleep 600\n"] });
}

sub plain {
    my $name = shift;
    return "POST /2015-03-31/functions\n" . FngateTest::create_function_body(
        name => $name, runtime => 'provided', handler => 'function.handler',
        env => { MODE => 'count' },
        files => { bootstrap => [0755, counter()] });
}

fixture(sub {
    made(create_counter("c$_", 'count')) for 2, 3, 4, 5, 7, 10;
    made(create_counter('c6', 'twice'));
    made(create_counter("c$_", 'exit')) for 8, 9;
    made(create_counter('c11', 'error'));
    made(create_counter('crash', 'crash'));
    made(create_counter('initerr', 'initerr'));
    made(deaf('deaf'));
    made(plain('plain'));
    made(FngateTest::create_request('oneshot', "#!/bin/sh\ncat\n"));
    made(create_python($_, timeout => 3, memory => 256))
        for qw(py py24 py25 py29 py30);
    made(create_python('pymissing', handler => 'nothere.handler'));
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a custom runtime: Runtime provided.al2023, a bootstrap, any handler
--- request eval
main::create_counter('counter1', 'count')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: (?=.*"Runtime":"provided.al2023")(?=.*"Handler":"counter.handler")
--- no_error_log
[error]



=== TEST 2: the first call starts it (a cold start, its init in the log)
--- timeout: 180
--- request
POST /2015-03-31/functions/c2/invocations
{"a":1}
--- more_headers
X-Amz-Log-Type: Tail
X-Fngate-Test-Sign: alice
--- raw_response_headers_unlike: (?mi)^\s*X-Amz-Function-Error\s*:
--- response_headers_like
X-Amz-Log-Result: U1RBUlQgUmVxdWVzdElk[A-Za-z0-9+/]*=*
--- response_body chomp
{"n":1,"second":"","ev":{"a":1}}
--- access_log eval
qr/"function":"c2",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 3: the next call finds the same process: the count goes on
--- timeout: 60
--- init
main::called('c3', '{"a":1}');
--- request
POST /2015-03-31/functions/c3/invocations
[2]
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"n":2,"second":"","ev":[2]}
--- access_log eval
qr/"function":"c3",.*"status":"200",.*"init_ms":"0","cold_start":"false"/
--- no_error_log
[error]



=== TEST 4: another environment ...
--- init
main::called('c4', '{"a":1}', '[2]');
--- request
PUT /2015-03-31/functions/c4/configuration
{"Environment":{"Variables":{"MODE":"twice"}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- no_error_log
[error]



=== TEST 5: ... starts it again
--- timeout: 60
--- init
main::called('c5', '{"a":1}', '[2]');
FngateTest::api_ok('alice', 'PUT', '/2015-03-31/functions/c5/configuration',
    '{"Environment":{"Variables":{"MODE":"twice"}}}', 200);
--- request
POST /2015-03-31/functions/c5/invocations
3
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"n":1,"second":"","ev":3}
--- access_log eval
qr/"function":"c5",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 6: it answered twice: the first answer was the result, the second got 403 from the API
--- timeout: 60
--- init
main::called('c6', '3');
--- request
POST /2015-03-31/functions/c6/invocations
4
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"n":2,"second":"[^"]*403 Forbidden[^"]*","ev":4\}$
--- no_error_log
[error]



=== TEST 7: a runtime that exits after each answer ...
--- init
main::called('c7', '3');
--- request
PUT /2015-03-31/functions/c7/configuration
{"Environment":{"Variables":{"MODE":"exit"}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- no_error_log
[error]



=== TEST 8: ... answers
--- timeout: 60
--- request
POST /2015-03-31/functions/c8/invocations
5
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"n":1,"second":"","ev":5}
--- no_error_log
[error]



=== TEST 9: ... and the next call starts it again
--- timeout: 60
--- init
main::called('c9', '5');
--- request
POST /2015-03-31/functions/c9/invocations
6
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"n":1,"second":"","ev":6}
--- access_log eval
qr/"function":"c9",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 10: errors it posts are the function's errors, as posted
--- init
main::called('c10', '5');
--- request
PUT /2015-03-31/functions/c10/configuration
{"Environment":{"Variables":{"MODE":"error"}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- no_error_log
[error]



=== TEST 11: errorMessage, errorType, stackTrace, X-Amz-Function-Error: Unhandled
--- timeout: 60
--- request
POST /2015-03-31/functions/c11/invocations
{"k":"v"}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body chomp
{"errorMessage":"bad event {k:v}","errorType":"Custom.Err","stackTrace":["counter.sh line 1"]}
--- access_log eval
qr/"function":"c11",.*"status":"200",.*"function_error":"Unhandled"/
--- no_error_log
[error]



=== TEST 12: a runtime that crashes during init
--- request eval
main::create_counter('crash12', 'crash')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 13: is Runtime.ExitError with its exit status
--- timeout: 60
--- request
POST /2015-03-31/functions/crash/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 7","errorType":"Runtime.ExitError"\}$
--- no_error_log
[error]



=== TEST 14: a runtime that posts an init error
--- request eval
main::create_counter('initerr14', 'initerr')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 15: answers with the error it posted
--- timeout: 60
--- request
POST /2015-03-31/functions/initerr/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body chomp
{"errorMessage":"no config","errorType":"Runtime.Boom"}
--- no_error_log
[error]



=== TEST 16: a runtime that never asks for its event
--- request eval
main::deaf('deaf16')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 17: times out, as a one-shot handler would
--- timeout: 60
--- request
POST /2015-03-31/functions/deaf/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z [0-9a-f-]{36} Task timed out after 2.00 seconds"\}$
--- no_error_log
[error]



=== TEST 18: Runtime provided takes a bootstrap too, with any handler
--- request eval
main::plain('plain18')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 19: and runs it as a custom runtime
--- timeout: 60
--- request
POST /2015-03-31/functions/plain/invocations
"x"
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"n":1,"second":"","ev":"x"}
--- no_error_log
[error]



=== TEST 20: provided.al2023 without a bootstrap is refused
--- request eval
FngateTest::create_request('nobootstrap', "#!/bin/sh\ncat\n", runtime => 'provided.al2023')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_body_like: ^\{"Type":"User","message":"The deployment package of a provided.al2023 function must contain an executable file named bootstrap at its root"\}$
--- no_error_log
[error]



=== TEST 21: a one-shot function ...
--- request eval
FngateTest::create_request('oneshot21', "#!/bin/sh\ncat\n")
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 22: ... can not become provided.al2 without a bootstrap in its code
--- request
PUT /2015-03-31/functions/oneshot/configuration
{"Runtime":"provided.al2"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_body_like: must contain an executable file named bootstrap at its root
--- no_error_log
[error]



=== TEST 23: Runtime python3.11: module.function
--- request eval
main::create_python('py23', timeout => 3, memory => 256)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: (?=.*"Runtime":"python3.11")(?=.*"Handler":"app.handler")
--- no_error_log
[error]



=== TEST 24: the event as JSON, the result as JSON, Lambda's context
--- timeout: 180
--- request
POST /2015-03-31/functions/py24/invocations
{"k": [1, 2]}
--- more_headers
X-Amz-Log-Type: Tail
X-Fngate-Test-Sign: alice
--- response_headers
!X-Amz-Function-Error
--- response_body chomp
{"calls": 1, "event": {"k": [1, 2]}, "fn": "py24", "mem": 256, "same_id": true, "left_ok": true}
--- access_log eval
qr/"function":"py24",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 25: the module stays loaded
--- timeout: 60
--- init
main::called('py25', '{"k": [1, 2]}');
--- request
POST /2015-03-31/functions/py25/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"calls": 2, 
--- access_log eval
qr/"function":"py25",.*"status":"200",.*"cold_start":"false"/
--- no_error_log
[error]



=== TEST 26: an exception is reported as Lambda reports it
--- timeout: 60
--- init
main::called('py', '{}');
--- request
POST /2015-03-31/functions/py/invocations
{"fail": "thing"}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"bad thing","errorType":"ValueError","stackTrace":\["  File \\"/var/task/app.py\\", line 7, in handler\\n    raise ValueError\('bad ' \+ event\['fail'\]\)\\n"\]\}$
--- no_error_log
[error]



=== TEST 27: a large result comes back whole
--- timeout: 60
--- init
main::called('py', '{}');
--- request
POST /2015-03-31/functions/py/invocations
{"big": 3000000}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body eval
'"' . ('x' x 3000000) . '"'
--- no_error_log
[error]



=== TEST 28: a result over 6 MB is Function.ResponseSizeTooLarge
--- timeout: 60
--- init
main::called('py', '{}');
--- request
POST /2015-03-31/functions/py/invocations
{"big": 7000000}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: "errorType":"Function.ResponseSizeTooLarge"
--- no_error_log
[error]



=== TEST 29: a call past its Timeout
--- timeout: 60
--- init
main::called('py29', '{}');
--- request
POST /2015-03-31/functions/py29/invocations
{"sleep": 10}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z [0-9a-f-]{36} Task timed out after 3.00 seconds"\}$
--- no_error_log
[error]



=== TEST 30: ... and the next call starts it again
--- timeout: 60
--- init
main::called('py30', '{}', '{"sleep": 10}');
--- request
POST /2015-03-31/functions/py30/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"calls": 1, 
--- access_log eval
qr/"function":"py30",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 31: a handler whose module is missing
--- request eval
main::create_python('pymissing31', handler => 'nothere.handler')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 32: is Runtime.ImportModuleError
--- timeout: 60
--- request
POST /2015-03-31/functions/pymissing/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"Unable to import module 'nothere': No module named 'nothere'","errorType":"Runtime.ImportModuleError","stackTrace":\[\]\}$
--- no_error_log
[error]
