# Execution overrides of cross-account aliases: Alice sets the bounds of
# her function "ovresize" (PUT .../execution-bounds); Bob's alias
# "ovthumbs:prod" on its version 1 carries his MemorySize, Timeout and
# variables (PUT .../aliases/prod/overrides), refused beyond the bounds
# when set and applied at each call as far as the bounds of the moment
# allow.  Alice's own variables stay hers unless she lists them.
#
# The fixture: "ovresize" with Bob's "ovthumbs:prod" and no bounds, and
# the python3.11 "ovboom" with Bob's "ovboomx:prod", which the blocks
# that only read or call them share; a block that changes bounds or
# overrides has a pair of its own (ovresizeN, ovthumbsN:prod, made by
# pair(N) in its --- init) set up as the blocks before it left the pair.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:ovresize";
our $SCRIPT = <<'_SH_';
#!/bin/sh
[ -n "$NAP" ] && sleep "$NAP"
echo "\"tenant=$TENANT level=$LEVEL secret=$SECRET nap=$NAP mem=$AWS_LAMBDA_FUNCTION_MEMORY_SIZE\""
_SH_

# A python3.11 function of Alice's that fails with her secrets in its
# message and in its source line (the stack trace shows it).
our $BOOM = <<'_PY_';
import os
TOKEN = "tok-9f3e"
def handler(event, context):
    raise ValueError("upstream refused " + TOKEN + " for " + os.environ["SECRET"])
_PY_
our $BOOMARN = "arn:aws:lambda:us-east-1:$ALICE:function:ovboom";
our $HIDDEN = '^\{"errorMessage":"RequestId: [0-9a-f-]{36} Error: the '
    . 'function\x27s error message is shown only to its owner",'
    . '"errorType":"ValueError"\}$';

# The ARN of Alice's function FN (of WHO's, when given).
sub arn {
    my ($fn, $who) = @_;
    return "arn:aws:lambda:us-east-1:" . ($who // $ALICE) . ":function:$fn";
}

# The bounds Alice sets (TEST 6) and the overrides Bob sets within them
# (TEST 13).
our $BOUNDS = '{"MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true,'
    . '"OverridableVariables":["LEVEL","NAP"]}';
our $OVERRIDES = '{"MemorySize":256,"Timeout":5,"Environment":{"Variables":'
    . '{"TENANT":"bob","LEVEL":"debug","SECRET":"mine"}}}';

# Alice's PutExecutionBounds of FN; Bob's PutAliasOverrides of ALIAS:prod.
sub bounds {
    my ($fn, $doc) = @_;
    FngateTest::api_ok('alice', 'PUT',
        "/2015-03-31/functions/$fn/execution-bounds", $doc, 200);
}

sub overrides {
    my ($alias, $doc) = @_;
    FngateTest::api_ok('bob', 'PUT',
        "/2015-03-31/functions/$alias/aliases/prod/overrides", $doc, 200);
}

# Alice's ovresizeN (128 MB, 3 s, SECRET and LEVEL, version 1) granted to
# Bob, and Bob's ovthumbsN:prod on its version 1; %o: bounds => DOC
# (Alice's), then overrides => DOC (Bob's).
sub pair {
    my ($n, %o) = @_;
    FngateTest::make_function('alice', "ovresize$n", $SCRIPT,
        env => { SECRET => 's3', LEVEL => 'info' }, publish => 1);
    FngateTest::grant('alice', "ovresize$n", 'bob-ov', $BOB);
    FngateTest::make_alias('bob', "ovthumbs$n", 'prod',
        arn("ovresize$n") . ':1');
    bounds("ovresize$n", $o{bounds}) if $o{bounds};
    overrides("ovthumbs$n", $o{overrides}) if $o{overrides};
}

# Alice's python3.11 ovboomN (version 1) granted to Bob, Bob's
# ovboomxN:prod on it.
sub boom_pair {
    my $n = shift;
    FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions',
        FngateTest::create_function_body(name => "ovboom$n",
            runtime => 'python3.11', handler => 'app.handler', timeout => 30,
            env => { SECRET => 'pw-77c1' },
            files => { 'app.py' => [0644, $BOOM] }) =~ s/\}$/,"Publish":true}/r,
        201);
    FngateTest::grant('alice', "ovboom$n", 'bob-boom', $BOB);
    FngateTest::make_alias('bob', "ovboomx$n", 'prod', arn("ovboom$n") . ':1');
}

fixture(sub {
    pair('');
    boom_pair('');
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice's ovresize1 (128 MB, 3 s, SECRET and LEVEL), version 1
--- request eval
FngateTest::create_request('ovresize1', $main::SCRIPT,
    env => { SECRET => 's3', LEVEL => 'info' }) =~ s/\}$/,"Publish":true}/r
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "Version":"1"
--- no_error_log
[error]



=== TEST 2: Alice grants Bob, Bob makes ovthumbs2:prod on version 1 of ovresize2
--- init
FngateTest::make_function('alice', 'ovresize2', $main::SCRIPT,
    env => { SECRET => 's3', LEVEL => 'info' }, publish => 1);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize2/policy',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob-ov","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}});
--- request eval
qq{POST /2015-03-31/functions/ovthumbs2/aliases\n{"Name":"prod","FunctionVersion":"@{[main::arn('ovresize2')]}:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 3: without bounds, GetExecutionBounds shows the defaults
--- request
GET /2015-03-31/functions/ovresize/execution-bounds
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body eval
qq{{"FunctionArn":"$main::ARN","AllowEnvironment":false,"AllowLogTail":false,"OverridableVariables":[]}}
--- no_error_log
[error]



=== TEST 4: without bounds Bob may not raise MemorySize (and learns no number)
--- init
main::pair(4);
--- request
PUT /2015-03-31/functions/ovthumbs4/aliases/prod/overrides
{"MemorySize":256}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body eval
qq{{"Type":"User","message":"MemorySize 256 exceeds what the owner of @{[main::arn('ovresize4')]}:1 allows: no more than the function's own"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 5: nor set variables
--- init
main::pair(5);
--- request
PUT /2015-03-31/functions/ovthumbs5/aliases/prod/overrides
{"Environment":{"Variables":{"TENANT":"bob"}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_body eval
qq{{"Type":"User","message":"The owner of @{[main::arn('ovresize5')]}:1 does not allow other accounts to set the variable TENANT"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 6: Alice sets her bounds
--- init
main::pair(6);
--- request
PUT /2015-03-31/functions/ovresize6/execution-bounds
{"MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true,"OverridableVariables":["LEVEL","NAP"]}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body eval
qq{{"FunctionArn":"@{[main::arn('ovresize6')]}","MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true,"AllowLogTail":false,"OverridableVariables":["LEVEL","NAP"]}}
--- no_error_log
[error]



=== TEST 7: bad bounds: each a Lambda-style 400, the stored bounds unchanged
--- init
main::pair(7, bounds => $main::BOUNDS);
my @s;
for my $b ('{"MaxMemorySize":4096}', '{"MaxMemorySize":64}', '{"MaxTimeout":0}',
           '{"MaxTimeout":"5"}', '{"AllowLogTail":"yes"}',
           '{"OverridableVariables":["AWS_REGION"]}',
           '{"OverridableVariables":["1X"]}', '{"OverridableVariables":"LEVEL"}',
           '{"MaxMem":256}', '{"MaxTimeout":', '[]') {
    my $out = FngateTest::curl_sigv4('alice',
        '/2015-03-31/functions/ovresize7/execution-bounds', '-X', 'PUT',
        '-H', 'Content-Type: application/json', '-d', $b);
    my ($type) = $out =~ /"message":"([^"]{0,40})/;
    push @s, FngateTest::http_code($out) . ' ' . ($out =~ /"Type":"User"/ ? 'User' : $out);
}
push @s, 'qualified=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/ovresize7/execution-bounds?Qualifier=1', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '-d', '{}'));
push @s, 'nofn=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/nosuchfn/execution-bounds', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '-d', '{}'));
push @s, 'post=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/ovresize7/execution-bounds', '-X', 'POST',
    '-H', 'Content-Type: application/json', '-d', '{}'));
my $g = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize7/execution-bounds');
push @s, 'kept=' . ($g =~ /"MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true/ ? 1 : $g);
FngateTest::save_output('ov-badbounds.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-badbounds.out
--- response_body
400 User
400 User
400 User
400 User
400 User
400 User
400 User
400 User
400 User
400 User
400 User
qualified=400
nofn=404
post=405
kept=1
--- error_log eval
qr/fngate: function "nosuchfn" of $main::ALICE not found/



=== TEST 8: Bob may not read Alice's bounds
--- request eval
"GET /2015-03-31/functions/$main::ARN/execution-bounds"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetExecutionBounds "ovresize" of $main::ALICE: not grantable/



=== TEST 9: nor set them
--- init
main::pair(9);
--- request eval
"PUT /2015-03-31/functions/@{[main::arn('ovresize9')]}/execution-bounds\n{\"MaxMemorySize\":512}"
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:PutExecutionBounds "ovresize9" of $main::ALICE: not grantable/



=== TEST 10: Bob's overrides beyond the bounds are refused, with the bound
--- init
main::pair(10, bounds => $main::BOUNDS);
my @s;
for my $b ('{"MemorySize":384}', '{"Timeout":6}',
           '{"Environment":{"Variables":{"AWS_REGION":"x"}}}',
           '{"Environment":{"Variables":{"K":1}}}', '{"Handler":"x"}',
           '{"MemorySize":', '') {
    my $out = FngateTest::curl_sigv4('bob',
        '/2015-03-31/functions/ovthumbs10/aliases/prod/overrides', '-X', 'PUT',
        '-H', 'Content-Type: application/json', '-d', $b);
    my ($m) = $out =~ /"message":"([^"]*)"/;
    push @s, FngateTest::http_code($out) . ' ' . ($m // $out);
}
FngateTest::save_output('ov-badov.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-badov.out
--- response_body eval
"400 MemorySize 384 exceeds what the owner of @{[main::arn('ovresize10')]}:1 allows: at most 256
400 Timeout 6 exceeds what the owner of @{[main::arn('ovresize10')]}:1 allows: at most 5
400 Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION
400 Could not parse request body into json: Environment.Variables values must be strings
400 Unknown field 'Handler'
400 Could not parse request body into json: parse error: premature EOF
400 Could not parse request body into json: empty body
"
--- no_error_log
[error]



=== TEST 11: overrides on an ordinary alias and on no alias
--- init
main::pair(11);
FngateTest::curl_sigv4('bob', '/2015-03-31/functions', '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'ovown',
              files => { handler => [0755, $main::SCRIPT] }) =~ s/\}$/,"Publish":true}/r);
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovown/aliases',
    '-H', 'Content-Type: application/json', '-d', '{"Name":"live","FunctionVersion":"1"}');
my @s;
for my $p ('ovown/aliases/live/overrides', 'ovthumbs11/aliases/nope/overrides',
           'ovthumbs11/aliases/12/overrides', 'ovthumbs11/aliases/prod/overrides/x') {
    my $out = FngateTest::curl_sigv4('bob', "/2015-03-31/functions/$p",
        '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"Timeout":2}');
    my ($m) = $out =~ /"message":"([^"]*)"/;
    push @s, FngateTest::http_code($out) . ' ' . ($m // '');
}
FngateTest::save_output('ov-notx.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-notx.out
--- response_body eval
"400 Alias arn:aws:lambda:us-east-1:$main::BOB:function:ovown:live is not a cross-account alias
404 Alias not found: arn:aws:lambda:us-east-1:$main::BOB:function:ovthumbs11:nope
400 The qualifier is not valid, or does not match the qualifier of the function ARN.
404 The resource you requested does not exist.
"
--- error_log
fngate: invalid qualifier in "/2015-03-31/functions/ovthumbs11/aliases/12/overrides"
fngate: no api path "/2015-03-31/functions/ovthumbs11/aliases/prod/overrides/x"



=== TEST 12: nothing of Bob's alias changed through the refusals
--- init
# the refusals of TESTs 4, 5 and 10 on a pair of its own (TEST 11's are
# of other paths, and logged as errors)
main::pair(12);
my $ov = '/2015-03-31/functions/ovthumbs12/aliases';
FngateTest::api_call('bob', 'PUT', "$ov/prod/overrides", $_)
    for '{"MemorySize":256}', '{"Environment":{"Variables":{"TENANT":"bob"}}}';
main::bounds('ovresize12', $main::BOUNDS);
FngateTest::api_call('bob', 'PUT', "$ov/prod/overrides", $_)
    for '{"MemorySize":384}', '{"Timeout":6}',
        '{"Environment":{"Variables":{"AWS_REGION":"x"}}}',
        '{"Environment":{"Variables":{"K":1}}}', '{"Handler":"x"}',
        '{"MemorySize":', '';
--- request
GET /2015-03-31/functions/ovthumbs12/aliases/prod/overrides
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
'^\{"AliasArn":"' . quotemeta(main::arn('ovthumbs12', $main::BOB)) . ':prod","RevisionId":"[0-9a-f-]{36}"\}$'
--- no_error_log
[error]



=== TEST 13: Bob sets his overrides within the bounds
--- init
main::pair(13, bounds => $main::BOUNDS);
--- request
PUT /2015-03-31/functions/ovthumbs13/aliases/prod/overrides
{"MemorySize":256,"Timeout":5,"Environment":{"Variables":{"TENANT":"bob","LEVEL":"debug","SECRET":"mine"}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
'^\{"AliasArn":"' . quotemeta(main::arn('ovthumbs13', $main::BOB)) . ':prod","MemorySize":256,"Timeout":5,"Environment":\{"Variables":\{"TENANT":"bob","LEVEL":"debug","SECRET":"mine"\}\},"RevisionId":"[0-9a-f-]{36}"\}$'
--- no_error_log
[error]



=== TEST 14: Bob's call runs with his memory and variables; Alice's SECRET stays hers
--- init
main::pair(14, bounds => $main::BOUNDS, overrides => $main::OVERRIDES);
--- timeout: 120
--- request
POST /2015-03-31/functions/ovthumbs14:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body
"tenant=bob level=debug secret=s3 nap= mem=256"
--- access_log eval
qr/"caller":"$main::BOB","billing_account":"$main::BOB","owner":"$main::ALICE","function":"ovresize14".*"memory_mb":"256"/
--- no_error_log
[error]



=== TEST 15: Alice's own call of version 1 is as she made it
--- init
main::pair(15, bounds => $main::BOUNDS, overrides => $main::OVERRIDES);
--- timeout: 120
--- request
POST /2015-03-31/functions/ovresize15:1/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body
"tenant= level=info secret=s3 nap= mem=128"
--- access_log eval
qr/"caller":"$main::ALICE","billing_account":"$main::ALICE","owner":"$main::ALICE","function":"ovresize15".*"memory_mb":"128"/
--- no_error_log
[error]



=== TEST 16: UpdateAlias keeps the overrides; GetAlias shows none of them
--- init
main::pair(16, bounds => $main::BOUNDS, overrides => $main::OVERRIDES);
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs16/aliases/prod', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '-d', '{"Description":"mine"}');
my $a = FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs16/aliases/prod');
my $o = FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs16/aliases/prod/overrides');
my ($ra) = $a =~ /"RevisionId":"([^"]+)"/;
my ($ro) = $o =~ /"RevisionId":"([^"]+)"/;
FngateTest::save_output('ov-update.out', join("\n",
    'description=' . ($a =~ /"Description":"mine"/ ? 1 : 0),
    'alias_shows_overrides=' . ($a =~ /MemorySize|TENANT|Environment/ ? 1 : 0),
    'overrides=' . ($o =~ /"MemorySize":256,"Timeout":5,.*"TENANT":"bob"/ ? 1 : 0),
    'same_revision=' . ($ra && $ro && $ra eq $ro ? 1 : 0)) . "\n");
--- request
GET /t/out/ov-update.out
--- response_body
description=1
alias_shows_overrides=0
overrides=1
same_revision=1
--- no_error_log
[error]



=== TEST 17: Bob's shorter Timeout is the call's (NAP is a variable Alice lets him set)
--- timeout: 120
--- init
main::pair(17, bounds => $main::BOUNDS, overrides => $main::OVERRIDES);
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs17/aliases/prod/overrides',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"Timeout":1,"Environment":{"Variables":{"NAP":"3"}}}');
--- request
POST /2015-03-31/functions/ovthumbs17:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: Task timed out after 1\.00 seconds
--- no_error_log
[error]



=== TEST 18: X-Amz-Log-Type: Tail is answered to Bob only once Alice allows it
--- timeout: 120
--- init
main::pair(18, bounds => $main::BOUNDS,
    overrides => '{"Timeout":1,"Environment":{"Variables":{"NAP":"3"}}}');
my @s;
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs18/aliases/prod/overrides',
    '-X', 'DELETE');
my $call = sub {
    my $out = FngateTest::python_boto3('bob', <<'_PY_');
r = lam.invoke(FunctionName='ovthumbs18:prod', Payload=b'{}', LogType='Tail')
print('log=%s' % ('yes' if r.get('LogResult') else 'no'))
_PY_
    return $out =~ /(log=\w+)/ ? $1 : $out;
};
push @s, 'before ' . $call->();
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize18/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true,'
          . '"OverridableVariables":["LEVEL","NAP"],"AllowLogTail":true}');
push @s, 'allowed ' . $call->();
my $direct = FngateTest::python_boto3('bob', <<_PY_);
r = lam.invoke(FunctionName='@{[main::arn('ovresize18')]}:1', Payload=b'{}', LogType='Tail')
import base64
print('direct=%s' % ('REPORT' in base64.b64decode(r['LogResult']).decode()))
_PY_
push @s, $direct =~ /(direct=\w+)/ ? $1 : $direct;
FngateTest::save_output('ov-tail.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-tail.out
--- response_body
before log=no
allowed log=yes
direct=True
--- no_error_log
[error]



=== TEST 19: Alice narrows her bounds: Bob's call falls back to her values
--- timeout: 120
--- init
main::pair(19, bounds => '{"MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true,'
    . '"OverridableVariables":["LEVEL","NAP"],"AllowLogTail":true}');
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs19/aliases/prod/overrides',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"MemorySize":256,"Environment":{"Variables":{"TENANT":"bob","LEVEL":"debug"}}}');
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize19/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"MaxMemorySize":192}');
--- request
POST /2015-03-31/functions/ovthumbs19:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body
"tenant= level=info secret=s3 nap= mem=192"
--- access_log eval
qr/"caller":"$main::BOB".*"function":"ovresize19".*"memory_mb":"192"/
--- no_error_log
[error]



=== TEST 20: DeleteAliasOverrides: Bob's calls run as Alice made the version
--- timeout: 120
--- init
main::pair(20, bounds => '{"MaxMemorySize":256,"MaxTimeout":5,"AllowEnvironment":true,'
    . '"OverridableVariables":["LEVEL","NAP"],"AllowLogTail":true}',
    overrides => '{"MemorySize":256,"Environment":{"Variables":{"TENANT":"bob","LEVEL":"debug"}}}');
main::bounds('ovresize20', '{"MaxMemorySize":192}');
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs20/aliases/prod/overrides',
    '-X', 'DELETE');
--- request
POST /2015-03-31/functions/ovthumbs20:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body
"tenant= level=info secret=s3 nap= mem=128"
--- no_error_log
[error]



=== TEST 21: B may not set variables that control the runtime: 400 naming them, nothing stored
--- init
main::pair(21, bounds => '{"MaxMemorySize":192}');
my @s;
# Alice allows any added variable, and lists some of hers
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize21/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"AllowEnvironment":true,"OverridableVariables":["LEVEL"]}');
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs21/aliases/prod/overrides',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"Environment":{"Variables":{"TENANT":"kept"}}}');
for my $v ('{"LD_PRELOAD":"/tmp/x.so"}', '{"PYTHONPATH":"/tmp","TENANT":"b"}',
           '{"PATH":"/tmp"}', '{"BASH_ENV":"/tmp/x","ENV":"/tmp/x","IFS":"x"}',
           '{"NODE_OPTIONS":"--require /tmp/x","PERL5OPT":"-d"}',
           '{"AWS_LAMBDA_EXEC_WRAPPER":"/tmp/w","AWS_ENDPOINT_URL":"http://b"}',
           '{"https_proxy":"http://b:3128","MALLOC_CHECK_":"3"}',
           '{"LAMBDA_TASK_ROOT_X":"1","SHELLOPTS":"xtrace","BROWSER":"x"}') {
    my $out = FngateTest::curl_sigv4('bob',
        '/2015-03-31/functions/ovthumbs21/aliases/prod/overrides', '-X', 'PUT',
        '-H', 'Content-Type: application/json',
        '-d', qq{{"Environment":{"Variables":$v}}});
    my ($m) = $out =~ /"message":"([^"]*)"/;
    push @s, FngateTest::http_code($out) . ' ' . ($m // $out);
}
# nor may Alice list one for others to replace
my $b = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize21/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"OverridableVariables":["LEVEL","PYTHONPATH"]}');
my ($bm) = $b =~ /"message":"([^"]*)"/;
push @s, FngateTest::http_code($b) . ' ' . ($bm // $b);
my $o = FngateTest::curl_sigv4('bob', '/2015-03-31/functions/ovthumbs21/aliases/prod/overrides');
push @s, 'stored=' . ($o =~ /"Environment":\{"Variables":\{"TENANT":"kept"\}\}/ ? 'kept' : $o);
my $g = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize21/execution-bounds');
push @s, 'bounds=' . ($g =~ /"OverridableVariables":\["LEVEL"\]/ ? 'kept' : $g);
FngateTest::save_output('ov-runtime-env.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-runtime-env.out
--- response_body
400 Variables that control the runtime can not be set by another account's alias: LD_PRELOAD
400 Variables that control the runtime can not be set by another account's alias: PYTHONPATH
400 Variables that control the runtime can not be set by another account's alias: PATH
400 Variables that control the runtime can not be set by another account's alias: BASH_ENV,ENV,IFS
400 Variables that control the runtime can not be set by another account's alias: NODE_OPTIONS,PERL5OPT
400 Variables that control the runtime can not be set by another account's alias: AWS_LAMBDA_EXEC_WRAPPER,AWS_ENDPOINT_URL
400 Variables that control the runtime can not be set by another account's alias: https_proxy,MALLOC_CHECK_
400 Variables that control the runtime can not be set by another account's alias: LAMBDA_TASK_ROOT_X,SHELLOPTS,BROWSER
400 OverridableVariables: 'PYTHONPATH' controls the runtime; another account's alias may never set it
stored=kept
bounds=kept
--- no_error_log
[error]



=== TEST 22: MemorySize and Timeout straddle Alice's bounds exactly: the bound is accepted, one more refused naming it
--- init
main::pair(22, bounds => '{"AllowEnvironment":true,"OverridableVariables":["LEVEL"]}',
    overrides => '{"Environment":{"Variables":{"TENANT":"kept"}}}');
my @s;
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize22/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"MaxMemorySize":256,"MaxTimeout":5}');
for my $b ('{"MemorySize":256}', '{"MemorySize":257}', '{"Timeout":5}',
           '{"Timeout":6}') {
    my $out = FngateTest::curl_sigv4('bob',
        '/2015-03-31/functions/ovthumbs22/aliases/prod/overrides', '-X', 'PUT',
        '-H', 'Content-Type: application/json', '-d', $b);
    my ($m) = $out =~ /"message":"([^"]*)"/;
    push @s, FngateTest::http_code($out) . ' ' . ($m // 'ok');
}
FngateTest::save_output('ov-straddle.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-straddle.out
--- response_body eval
"200 ok
400 MemorySize 257 exceeds what the owner of @{[main::arn('ovresize22')]}:1 allows: at most 256
200 ok
400 Timeout 6 exceeds what the owner of @{[main::arn('ovresize22')]}:1 allows: at most 5
"
--- no_error_log
[error]



=== TEST 23: without bounds: lowering is accepted, raising refused by one without the number (version 1: 128 MB, 3 s)
--- init
main::pair(23, bounds => '{"MaxMemorySize":256,"MaxTimeout":5}',
    overrides => '{"Timeout":5}');
my @s;
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize23/execution-bounds',
    '-X', 'DELETE');
for my $b ('{"MemorySize":128}', '{"MemorySize":129}', '{"Timeout":2}',
           '{"Timeout":3}', '{"Timeout":4}') {
    my $out = FngateTest::curl_sigv4('bob',
        '/2015-03-31/functions/ovthumbs23/aliases/prod/overrides', '-X', 'PUT',
        '-H', 'Content-Type: application/json', '-d', $b);
    my ($m) = $out =~ /"message":"([^"]*)"/;
    push @s, FngateTest::http_code($out) . ' ' . ($m // 'ok');
}
FngateTest::save_output('ov-nobounds.out', join("\n", @s) . "\n");
--- request
GET /t/out/ov-nobounds.out
--- response_body eval
"200 ok
400 MemorySize 129 exceeds what the owner of @{[main::arn('ovresize23')]}:1 allows: no more than the function's own
200 ok
200 ok
400 Timeout 4 exceeds what the owner of @{[main::arn('ovresize23')]}:1 allows: no more than the function's own
"
--- no_error_log
[error]



=== TEST 24: Alice's python3.11 ovboom24 fails with her secrets in its message and source
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'ovboom24', runtime => 'python3.11', handler => 'app.handler',
    timeout => 30, env => { SECRET => 'pw-77c1' },
    files => { 'app.py' => [0644, $main::BOOM] }) =~ s/\}$/,"Publish":true}/r
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "Version":"1"
--- no_error_log
[error]



=== TEST 25: Alice grants Bob; Bob's alias ovboomx25:prod on version 1 of ovboom25
--- init
FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions',
    FngateTest::create_function_body(name => 'ovboom25',
        runtime => 'python3.11', handler => 'app.handler', timeout => 30,
        env => { SECRET => 'pw-77c1' },
        files => { 'app.py' => [0644, $main::BOOM] }) =~ s/\}$/,"Publish":true}/r,
    201);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovboom25/policy',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob-boom","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}});
--- request eval
qq{POST /2015-03-31/functions/ovboomx25/aliases\n{"Name":"prod","FunctionVersion":"@{[main::arn('ovboom25')]}:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 26: Bob's call gets the errorType only: no message, no stack trace, none of Alice's secrets
--- timeout: 180
--- request
POST /2015-03-31/functions/ovboomx:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_headers
X-Amz-Function-Error: Unhandled
X-Amz-Executed-Version: 1
--- response_body_like eval
$main::HIDDEN
--- access_log eval
qr/"caller":"$main::BOB","billing_account":"$main::BOB","owner":"$main::ALICE","function":"ovboom".*"function_error":"Unhandled"/
--- no_error_log
[error]



=== TEST 27: so does his call by the full ARN Alice granted (boto3), with LogType Tail
--- timeout: 180
--- init
FngateTest::save_output('ov-boom-arn.out', FngateTest::python_boto3('bob', <<_PY_));
r = lam.invoke(FunctionName='$main::BOOMARN:1', Payload=b'{}', LogType='Tail')
body = r['Payload'].read().decode()
print(r['FunctionError'], 'log' if r.get('LogResult') else 'nolog')
print(body)
print('secret' if ('tok-9f3e' in body or 'pw-77c1' in body or 'app.py' in body) else 'clean')
_PY_
--- request
GET /t/out/ov-boom-arn.out
--- response_body_like eval
'^exit=0\nUnhandled nolog\n' . substr($main::HIDDEN, 1, -1) . '\nclean\n$'
--- no_error_log
[error]



=== TEST 28: Alice's own call gets the whole error: her message and stack trace
--- timeout: 180
--- request
POST /2015-03-31/functions/ovboom:1/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"upstream refused tok-9f3e for pw-77c1","errorType":"ValueError","stackTrace":\[.*app\.py.*raise ValueError\(\\"upstream refused \\" \+ TOKEN
--- no_error_log
[error]



=== TEST 29: with AllowLogTail in Alice's bounds Bob gets the whole error (and the log)
--- timeout: 180
--- init
main::boom_pair(29);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovboom29/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"AllowLogTail":true}');
--- request
POST /2015-03-31/functions/ovboomx29:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
X-Amz-Log-Type: Tail
--- error_code: 200
--- response_headers_like
X-Amz-Function-Error: Unhandled
X-Amz-Log-Result: [A-Za-z0-9+/=]{20,}
--- response_body_like: ^\{"errorMessage":"upstream refused tok-9f3e for pw-77c1","errorType":"ValueError","stackTrace":\[.*app\.py
--- no_error_log
[error]



=== TEST 30: DeleteExecutionBounds of ovboom30: Bob's call is redacted again (the cache forgets on the change)
--- timeout: 180
--- init
# as TEST 29 leaves it: AllowLogTail, and a call of Bob's that got the
# whole error
main::boom_pair(30);
main::bounds('ovboom30', '{"AllowLogTail":true}');
FngateTest::api_call('bob', 'POST',
    '/2015-03-31/functions/ovboomx30/invocations?Qualifier=prod', '{}');
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovboom30/execution-bounds',
    '-X', 'DELETE');
--- request
POST /2015-03-31/functions/ovboomx30:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
$main::HIDDEN
--- no_error_log
[error]



=== TEST 31: DeleteExecutionBounds: back to the defaults
--- init
main::pair(31, bounds => $main::BOUNDS);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize31/execution-bounds',
    '-X', 'DELETE');
--- request
GET /2015-03-31/functions/ovresize31/execution-bounds
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body eval
qq{{"FunctionArn":"@{[main::arn('ovresize31')]}","AllowEnvironment":false,"AllowLogTail":false,"OverridableVariables":[]}}
--- no_error_log
[error]



=== TEST 32: DeleteFunction drops the bounds with the function
--- init
main::pair(32);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize32/execution-bounds',
    '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', '{"MaxTimeout":9}');
my $before = FngateTest::redis_keys("fg:bounds:{$main::ALICE}:ovresize32");
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/ovresize32', '-X', 'DELETE');
my $after = FngateTest::redis_keys("fg:*{$main::ALICE}:ovresize32*");
FngateTest::save_output('ov-delete.out', "before=$before" . "after=$after");
--- request
GET /t/out/ov-delete.out
--- response_body eval
"before=fg:bounds:{$main::ALICE}:ovresize32\nafter=\n"
--- no_error_log
[error]
