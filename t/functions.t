# Managing functions: CreateFunction, GetFunction, ListFunctions,
# DeleteFunction, each signed by the account that owns the function.
#
# The fixture: Alice's "hello" (128 MB, 3 s), her only function.  Carol
# creates, Dave deletes (each block its own name), Bob makes his "hello";
# so Alice's list stays as the fixture made it, whatever the blocks' order.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $CAROL = account('carol')->{AccountId};
our $DAVE = account('dave')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:hello";
our $ZIP = zip_b64({ handler => [0755, "#!/bin/sh\ncat\n"] });

fixture(sub {
    make_function('alice', 'hello', undef, zip_b64 => $ZIP, memory => 128,
                  timeout => 3);
});

# Dave's function NAME, deleted (DELETE 204) when GONE, and Bob's of the
# same name when BOB: what the blocks about DeleteFunction start from.
sub dave_deleted {
    my ($name, %o) = @_;
    make_function('dave', $name, undef, zip_b64 => $ZIP);
    make_function('bob', $name, undef, zip_b64 => $ZIP) if $o{bob};
    api_ok('dave', 'DELETE', "/2015-03-31/functions/$name", '', 204)
        if $o{gone};
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: CreateFunction makes $LATEST of a function in the caller's account
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'hello', zip_b64 => $main::ZIP, memory => 128, timeout => 3)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: carol
--- error_code: 201
--- response_headers
Content-Type: application/json
--- response_body_like eval
qr/"FunctionName":\s*"hello".*"FunctionArn":\s*"\Qarn:aws:lambda:us-east-1:$main::CAROL:function:hello\E"/s
--- no_error_log
[error]



=== TEST 2: the same name again is ResourceConflictException
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'hello', zip_b64 => $main::ZIP)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 409
--- response_headers
x-amzn-ErrorType: ResourceConflictException
--- response_body_like: ^\{"Type":"User","message":"[^"]*hello[^"]*"\}$
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"
--- access_log
"error_type":"ResourceConflictException"



=== TEST 3: another account may use the same name for its own function
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'hello', zip_b64 => $main::ZIP)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- response_body_like eval
qr/"FunctionArn":\s*"arn:aws:lambda:us-east-1:$main::BOB:function:hello"/
--- no_error_log
[error]



=== TEST 4: GetFunction shows the configuration and the code's sha256
--- request
GET /2015-03-31/functions/hello
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like eval
qr/^\{"Configuration":\{"FunctionName":"hello",(?=.*"MemorySize":128,)(?=.*"Timeout":3,)(?=.*"Version":"\$LATEST")/s
--- no_error_log
[error]



=== TEST 5: GetFunction by full ARN
--- request eval
"GET /2015-03-31/functions/$main::ARN"
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like eval
qr/"CodeSha256":\s*"[A-Za-z0-9+\/=]+"/
--- no_error_log
[error]



=== TEST 6: ListFunctions lists the caller's functions only
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like eval
qr/^\{"Functions":\[\{"FunctionName":"hello","FunctionArn":"\Q$main::ARN\E"(?!.*"FunctionName").*\}\]\}$/s
--- no_error_log
[error]



=== TEST 7: another account may not read the function's code or settings
--- request eval
"GET /2015-03-31/functions/$main::ARN"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log eval
qr/fngate: $main::BOB may not \S+ "hello" of $main::ALICE/



=== TEST 8: another account may not delete it
--- request eval
"DELETE /2015-03-31/functions/$main::ARN"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not \S+ "hello" of $main::ALICE/



=== TEST 9: a function that does not exist is ResourceNotFoundException
--- request
GET /2015-03-31/functions/nobody-made-this
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like: ^\{"Type":"User","message":"[^"]*nobody-made-this[^"]*"\}$
--- error_log eval
"fngate: function \"nobody-made-this\" of $main::ALICE not found"



=== TEST 10: an invalid function name is InvalidParameterValueException
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'no spaces allowed', zip_b64 => $main::ZIP)
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



=== TEST 11: DeleteFunction removes it
--- init
main::dave_deleted('bye11');
--- request
DELETE /2015-03-31/functions/bye11
--- more_headers
X-Fngate-Test-Sign: dave
--- error_code: 204
--- response_body:
--- no_error_log
[error]



=== TEST 12: after DeleteFunction it is gone for its owner
--- init
main::dave_deleted('bye12', gone => 1, bob => 1);
--- request
GET /2015-03-31/functions/bye12
--- more_headers
X-Fngate-Test-Sign: dave
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log eval
"fngate: function \"bye12\" of $main::DAVE not found"



=== TEST 13: and the other account's function of the same name is still there
--- init
main::dave_deleted('bye13', gone => 1, bob => 1);
--- request
GET /2015-03-31/functions/bye13
--- more_headers
X-Fngate-Test-Sign: bob
--- response_body_like eval
qr/"FunctionArn":\s*"arn:aws:lambda:us-east-1:$main::BOB:function:bye13"/
--- no_error_log
[error]



=== TEST 14: deleting it twice is ResourceNotFoundException
--- init
main::dave_deleted('bye14', gone => 1);
--- request
DELETE /2015-03-31/functions/bye14
--- more_headers
X-Fngate-Test-Sign: dave
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log eval
"fngate: function \"bye14\" of $main::DAVE not found"



=== TEST 15: Redis lost fngated's scripts (SCRIPT FLUSH): the next write loads its script again and succeeds
--- config eval: FngateTest::default_config(FngateTest::fngated_state() . '/own/fngated.sock')
--- init
# one thread, so every call is served on the connection that loaded the
# scripts before the flush; no asynchronous workers, whose connections,
# opened when they first look for events, would load every script again
my $own = FngateTest::own_fngated(threads => 1, warm => 0, async_workers => 0);
# the file's fixture (when this block runs first) through this nginx
FngateTest::fixture_run();
my $port = $ENV{TEST_NGINX_REDIS_PORT};
my $flush = sub {
    system("redis-cli -p $port SCRIPT FLUSH >/dev/null") == 0
        or die "redis-cli failed";
};
my $zip = FngateTest::zip_b64({ handler => [0755, "#!/bin/sh\ncat\n"] });
my @out;
my $o = FngateTest::curl_sigv4('alice', '/2015-03-31/functions', '-X', 'POST',
    '-H', 'Content-Type: application/json', '--data-binary',
    FngateTest::create_function_body(name => 'flushed', zip_b64 => $zip));
push @out, 'create ' . FngateTest::http_code($o);
$flush->();
$o = FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/flushed/configuration', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '--data', '{"Timeout":5}');
push @out, 'update ' . FngateTest::http_code($o);
$o = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/flushed/versions',
    '-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{}');
push @out, 'publish ' . FngateTest::http_code($o);
$flush->();
$o = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/flushed',
    '-X', 'DELETE');
push @out, 'delete ' . FngateTest::http_code($o);
open my $in, '<', $own->{log} or die "$own->{log}: $!";
my @again = map { /has no script (\w+) \(NOSCRIPT\): loading it again/ ? $1 : () } <$in>;
close $in;
push @out, "loaded again: @again";
FngateTest::stop_own_fngated();
FngateTest::save_output('flushed', join("\n", @out) . "\n");
--- request
GET /t/out/flushed
--- response_body
create 201
update 200
publish 201
delete 204
loaded again: update_config publish delete_all
--- no_error_log
[error]
