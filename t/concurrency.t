# A function's reserved concurrency (Lambda's PutFunctionConcurrency,
# GetFunctionConcurrency, DeleteFunctionConcurrency): at most that many of
# its calls run at once on a fngated; one more is 429
# TooManyRequestsException (Reason
# ReservedFunctionConcurrentInvocationLimitExceeded), and an asynchronous
# event waits (its attempt throttled, retried) until it may run.
#
# The fixture: Alice's functions, one per block (each block sets its own
# function's concurrency), and Bob, who may not touch them.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};

our %SCRIPT = (
    echo => "#!/bin/sh\ncat\n",
    slow => "#!/bin/sh\nsleep 3\ncat\n",
);

fixture(sub {
    make_function('alice', $_, $SCRIPT{echo}) for qw(ccli cboto czero cbad);
    make_function('alice', 'cwait', $SCRIPT{echo});
    make_function('alice', 'cone', $SCRIPT{slow}, timeout => 30);
});

our $PUT = '/2017-10-31/functions';
our $GET = '/2019-09-30/functions';

sub put_concurrency {
    my ($who, $fn, $body) = @_;
    my ($code, $out) = FngateTest::api_call($who, 'PUT', "$PUT/$fn/concurrency",
        $body);
    return "$code $out";
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the AWS CLI puts, gets and deletes a function's reserved concurrency
--- init
my @o;
push @o, FngateTest::aws_cli('alice', 'lambda', 'put-function-concurrency',
    '--function-name', 'ccli', '--reserved-concurrent-executions', '5');
push @o, FngateTest::aws_cli('alice', 'lambda', 'get-function-concurrency',
    '--function-name', 'ccli');
push @o, FngateTest::aws_cli('alice', 'lambda', 'delete-function-concurrency',
    '--function-name', 'ccli');
push @o, FngateTest::aws_cli('alice', 'lambda', 'get-function-concurrency',
    '--function-name', 'ccli');
s/\s+/ /g for @o;
FngateTest::save_output('conc-cli.out', join("\n", @o) . "\n");
--- request
GET /t/out/conc-cli.out
--- response_body
exit=0 { "ReservedConcurrentExecutions": 5 } 
exit=0 { "ReservedConcurrentExecutions": 5 } 
exit=0 
exit=0 
--- no_error_log
[error]



=== TEST 2: boto3 does the same; GetFunction shows the number (Concurrency) for the function and its versions and aliases while it is set
--- init
my $out = FngateTest::python_boto3('alice', <<'_PY_');
print(lam.put_function_concurrency(FunctionName='cboto', ReservedConcurrentExecutions=0)['ReservedConcurrentExecutions'])
print(lam.get_function_concurrency(FunctionName='cboto').get('ReservedConcurrentExecutions'))
v = lam.publish_version(FunctionName='cboto')['Version']
lam.create_alias(FunctionName='cboto', Name='live', FunctionVersion=v)
for q in (None, v, 'live'):
    kw = {'Qualifier': q} if q else {}
    print(q, lam.get_function(FunctionName='cboto', **kw).get('Concurrency'))
lam.delete_function_concurrency(FunctionName='cboto')
print(lam.get_function_concurrency(FunctionName='cboto').get('ReservedConcurrentExecutions'))
print('Concurrency' in lam.get_function(FunctionName='cboto'))
_PY_
FngateTest::save_output('conc-boto3.out', $out);
--- request
GET /t/out/conc-boto3.out
--- response_body
exit=0
0
0
None {'ReservedConcurrentExecutions': 0}
1 {'ReservedConcurrentExecutions': 0}
live {'ReservedConcurrentExecutions': 0}
None
False
--- no_error_log
[error]



=== TEST 3: bad values, a qualifier, no such function and another account are refused, nothing stored
--- init
my @o = map { main::put_concurrency('alice', 'cbad', $_) }
    '{"ReservedConcurrentExecutions":-1}',
    '{"ReservedConcurrentExecutions":1001}',
    '{"ReservedConcurrentExecutions":"3"}',
    '{}',
    'not json';
push @o, main::put_concurrency('alice', 'no-such-fn', '{"ReservedConcurrentExecutions":1}');
my ($code, $body) = FngateTest::api_call('alice', 'PUT',
    "$main::PUT/cbad/concurrency?Qualifier=1", '{"ReservedConcurrentExecutions":1}');
push @o, "$code $body";
my $py = FngateTest::python_boto3('bob', <<"_PY_");
import botocore.exceptions
try:
    lam.put_function_concurrency(FunctionName='arn:aws:lambda:us-east-1:$main::ALICE:function:cbad', ReservedConcurrentExecutions=1)
    print('stored')
except botocore.exceptions.ClientError as e:
    print(e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code'])
_PY_
push @o, "bob: " . (split /\n/, $py)[1];
($code, $body) = FngateTest::api_call('alice', 'GET', "$main::GET/cbad/concurrency");
push @o, "after: $code $body";
($code, $body) = FngateTest::api_call('alice', 'GET', "$main::PUT/cbad/concurrency");
push @o, "GET under 2017-10-31: $code";
s/"message":"([^"]{0,60})[^"]*"/"message":"$1..."/ for @o;
FngateTest::save_output('conc-bad.out', join("\n", @o) . "\n");
--- request
GET /t/out/conc-bad.out
--- response_body_like
^400 \{"Type":"User","message":"1 validation error detected: Value '-1' at 'reservedConc[^"]*"\}
400 \{"Type":"User","message":"1 validation error detected: Value '1001' at 'reservedC[^"]*"\}
400 \{"Type":"User","message":"Could not parse request body into json: ReservedConcurre[^"]*"\}
400 \{"Type":"User","message":"1 validation error detected: Value null at 'reservedConc[^"]*"\}
400 \{"Type":"User","message":"Could not parse request body into json: [^"]*"\}
404 \{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:\d+:fu[^"]*"\}
400 \{"Type":"User","message":"PutFunctionConcurrency does not take a qualifier[^"]*"\}
bob: 403 AccessDeniedException
after: 200 \{\}
GET under 2017-10-31: 405$



=== TEST 4: reserved concurrency 0: a call is 429 TooManyRequestsException with Lambda's Reason
--- init
FngateTest::api_ok('alice', 'PUT', "$main::PUT/czero/concurrency",
    '{"ReservedConcurrentExecutions":0}', 200);
--- request
POST /2015-03-31/functions/czero/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 429
--- response_headers
x-amzn-ErrorType: TooManyRequestsException
--- response_body chomp
{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}
--- no_error_log
[error]



=== TEST 5: an asynchronous event of a function that may not run (reserved 0) waits, throttled, and runs once the function may (reserved 1)
--- timeout: 240
--- init
FngateTest::api_ok('alice', 'PUT', "$main::PUT/cwait/concurrency",
    '{"ReservedConcurrentExecutions":0}', 200);
my $out = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/cwait/invocations',
    '-X', 'POST', '-D', '-', '-H', 'X-Amz-Invocation-Type: Event',
    '-H', 'Content-Type: application/json', '--data-binary', '{"w":1}');
my ($rid) = $out =~ /^x-amzn-RequestId: ([0-9a-f-]+)\r?$/mi;
my $lines = sub {
    grep { ($_->{event_id} // '') eq $rid } @{ FngateTest::billing_lines('Invoke') };
};
my @l;
for (1 .. 300) {
    @l = $lines->();
    last if grep { $_->{status} eq '429' } @l;
    select undef, undef, undef, 0.2;
}
my $waited = grep { $_->{status} eq '429' } @l;
FngateTest::api_ok('alice', 'PUT', "$main::PUT/cwait/concurrency",
    '{"ReservedConcurrentExecutions":1}', 200);
my @ran;
for (1 .. 600) {
    @ran = grep { $_->{status} eq '200' } $lines->();
    last if @ran;
    select undef, undef, undef, 0.2;
}
FngateTest::save_output('conc-wait.out', ($waited ? "throttled while 0\n" : "never throttled\n")
    . (@ran ? "ran as attempt $ran[0]{attempt} once 1\n" : "never ran\n"));
--- request
GET /t/out/conc-wait.out
--- response_body_like
^throttled while 0
ran as attempt \d+ once 1$
--- no_error_log
[error]



=== TEST 6: reserved concurrency 1: of two calls at once, one runs and one is 429
--- timeout: 120
--- init
FngateTest::api_ok('alice', 'PUT', "$main::PUT/cone/concurrency",
    '{"ReservedConcurrentExecutions":1}', 200);
# a first call makes the account's guest (its cold start outlasts nothing)
FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions/cone/invocations', '{}', 200);
my @r = FngateTest::burst(['alice', '/2015-03-31/functions/cone/invocations',
                           '-X', 'POST', '--data', '{}'],
                          ['alice', '/2015-03-31/functions/cone/invocations',
                           '-X', 'POST', '--data', '{}']);
FngateTest::save_output('conc-one.out', join(' ', sort map { $_->{http} } @r)
    . ' ' . join(' ', grep { $_ } map { $_->{error_type} } @r) . "\n");
--- request
GET /t/out/conc-one.out
--- response_body
200 429 TooManyRequestsException
--- no_error_log
[error]
