# Resource policies: AddPermission, GetPolicy, RemovePermission, and the
# calls they allow another account: Invoke and GetFunction(Configuration)
# of the owner's function named by its full ARN.
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

# The fixture: Alice's pf (version 1, the alias live, Bob's function-wide
# lambda:InvokeFunction "bob-invoke" and lambda:GetFunction on live
# "bob-read-live"), what the reading and refused blocks see; the blocks
# that need another state, call pf as Bob with a billing line checked,
# change its policy or delete have a function of their own (pfN) made as
# the blocks before them left pf, and do in their --- init the deletes
# those blocks did.
repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:pf";
our $ZIP = zip_b64({ handler => [0755,
    "#!/bin/sh\necho \"\\\"pong \$AWS_LAMBDA_FUNCTION_VERSION\\\"\"\n"] });
our $TTL = 3;       # fngate_cache_ttl of the revocation block

sub arn { "arn:aws:lambda:us-east-1:$ALICE:function:" . shift }

sub pf_keys {
    my $fn = shift // 'pf';
    redis_keys("fg:*{$ALICE}:$fn", "fg:*{$ALICE}:$fn:*");
}

# Bob's GetFunctionConfiguration of Alice's function FN, by full ARN.
sub bob_reads {
    my ($mode, $fn) = @_;
    boto3_status('bob', "lam.get_function_configuration(FunctionName='"
                 . arn($fn // 'pf') . "')", $mode, $TTL);
}

# Alice's FN, version 1, with what %O asks for: live (the alias on 1),
# invoke (Bob's "bob-invoke"), read_live (Bob's "bob-read-live" on live).
sub pf_made {
    my ($fn, %o) = @_;
    make_function('alice', $fn, undef, zip_b64 => $ZIP, publish => 1);
    make_alias('alice', $fn, 'live', '1') if $o{live};
    grant('alice', $fn, 'bob-invoke', $BOB) if $o{invoke};
    api_ok('alice', 'POST', "/2015-03-31/functions/$fn/policy?Qualifier=live",
        json_encode({ StatementId => 'bob-read-live',
                      Action => 'lambda:GetFunction',
                      Principal => "arn:aws:iam::$BOB:root" }), 201)
        if $o{read_live};
}

our %ALL = (live => 1, invoke => 1, read_live => 1);

fixture(sub {
    pf_made('pf', %ALL);
    pf_made('pf3', live => 1);
    pf_made('pf12', live => 1);
    pf_made('pf18', invoke => 1);
    pf_made('pf21', live => 1, invoke => 1);
    pf_made("pf$_", %ALL) for 32 .. 38;
});

# What the blocks after the AWS CLI's started from: Alice deletes these
# of FN (relive: the alias, then a new one; v1grant: the alias, then a
# grant on version 1 and the version).
sub pf_deleted {
    my ($fn, @what) = @_;
    my $f = "/2015-03-31/functions/$fn";
    for (@what) {
        api_ok('alice', 'DELETE', "$f/aliases/live", '', 204);
        make_alias('alice', $fn, 'live', '1') if $_ eq 'relive';
        if ($_ eq 'v1grant') {
            grant('alice', $fn, 'v1', $BOB, '1');
            api_ok('alice', 'DELETE', "$f?Qualifier=1", '', 204);
        }
    }
}

revocation_ttl($TTL);

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice's function, published as version 1
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'made', zip_b64 => $main::ZIP) =~ s/\}$/,"Publish":true}/r
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "Version":"1"
--- no_error_log
[error]



=== TEST 2: an alias "live" for version 1
--- init
FngateTest::make_function('alice', 'made2', undef, zip_b64 => $main::ZIP, publish => 1);
--- request
POST /2015-03-31/functions/made2/aliases
{"Name":"live","FunctionVersion":"1"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 3: no policy yet: GetPolicy is ResourceNotFoundException
--- request
GET /2015-03-31/functions/pf3/policy
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body chomp
{"Type":"User","message":"The resource you requested does not exist."}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 4: before a grant, Bob may not invoke Alice's function by its ARN
--- request eval
"POST /2015-03-31/functions/" . main::arn('pf3') . "/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- response_body eval
qq{{"Type":"User","message":"User: arn:aws:iam::$main::BOB:root is not authorized to perform: lambda:InvokeFunction on resource: @{[main::arn('pf3')]} because no resource-based policy allows the lambda:InvokeFunction action"}}
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "pf3" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 5: nor a function Alice does not have: the answer is the same
--- request eval
"POST /2015-03-31/functions/arn:aws:lambda:us-east-1:$main::ALICE:function:nosuch/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- response_body_like: is not authorized to perform: lambda:InvokeFunction on resource: [^ ]+:function:nosuch because
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "nosuch" of $main::ALICE/



=== TEST 6: a StatementId with other characters is refused
--- request
POST /2015-03-31/functions/pf/policy
{"StatementId":"bad sid!","Action":"lambda:InvokeFunction","Principal":"123456789012"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Value 'bad sid!' at 'statementId' failed to satisfy constraint
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 7: an action other than lambda:InvokeFunction / lambda:GetFunction is refused
--- request
POST /2015-03-31/functions/pf/policy
{"StatementId":"s1","Action":"lambda:DeleteFunction","Principal":"123456789012"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: The action 'lambda:DeleteFunction' is not supported
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 8: so is lambda:*
--- request
POST /2015-03-31/functions/pf/policy
{"StatementId":"s1","Action":"lambda:*","Principal":"123456789012"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_body_like: The action 'lambda:\*' is not supported
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 9: the principal "*" (public access) is refused
--- request
POST /2015-03-31/functions/pf/policy
{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"*"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: The principal '\*' \(public access\) is not supported
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 10: so is a service principal
--- request
POST /2015-03-31/functions/pf/policy
{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_body_like: The principal 's3.amazonaws.com' is not supported
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 11: a qualifier that does not exist
--- request
POST /2015-03-31/functions/pf/policy?Qualifier=nope
{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"123456789012"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body eval
qq{{"Type":"User","message":"Function not found: $main::ARN:nope"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 12: AddPermission lets Bob invoke the function
--- request eval
qq{POST /2015-03-31/functions/pf12/policy\n{"StatementId":"bob-invoke","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body eval
'{"Statement":' . FngateTest::json_encode(qq{{"Sid":"bob-invoke","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$main::BOB:root"},"Action":"lambda:InvokeFunction","Resource":"@{[main::arn('pf12')]}"}}) . "}"
--- no_error_log
[error]



=== TEST 13: the same StatementId again is ResourceConflictException
--- request eval
qq{POST /2015-03-31/functions/pf/policy\n{"StatementId":"bob-invoke","Action":"lambda:GetFunction","Principal":"$main::BOB"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 409
--- response_headers
x-amzn-ErrorType: ResourceConflictException
--- response_body_like: The statement id \(bob-invoke\) provided already exists
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"



=== TEST 14: GetPolicy answers the policy document
--- request
GET /2015-03-31/functions/pf/policy
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body_like eval
'^\{"Policy":' . quotemeta(FngateTest::json_encode(qq{{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"bob-invoke","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$main::BOB:root"},"Action":"lambda:InvokeFunction","Resource":"$main::ARN"}]}})) . ',"RevisionId":"[0-9a-f-]{36}"\}$'
--- no_error_log
[error]



=== TEST 15: AddPermission with a RevisionId that is not the policy's
--- request eval
qq{POST /2015-03-31/functions/pf/policy\n{"StatementId":"s2","Action":"lambda:GetFunction","Principal":"$main::BOB","RevisionId":"00000000-0000-4000-8000-000000000000"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 412
--- response_headers
x-amzn-ErrorType: PreconditionFailedException
--- response_body_like: The Revision Id provided does not match the latest Revision Id
--- error_log
http fastcgi header: "x-amzn-ErrorType: PreconditionFailedException"



=== TEST 16: so does RemovePermission, and the statement stays
--- request
DELETE /2015-03-31/functions/pf/policy/bob-invoke?RevisionId=00000000-0000-4000-8000-000000000000
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 412
--- response_headers
x-amzn-ErrorType: PreconditionFailedException
--- error_log
http fastcgi header: "x-amzn-ErrorType: PreconditionFailedException"



=== TEST 17: now Bob invokes it, in his own VM, billed to him
--- timeout: 120
--- request eval
"POST /2015-03-31/functions/$main::ARN/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body
"pong $LATEST"
--- access_log eval
qr/"action":"Invoke","caller":"$main::BOB","billing_account":"$main::BOB","owner":"$main::ALICE","function":"pf","qualifier":"","version":"\$LATEST","status":"200"/
--- no_error_log
[error]



=== TEST 18: the VM of Bob's call is not one of Alice's
--- timeout: 180
--- init
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/pf18/invocations',
    '-d', '{}');
FngateTest::python_boto3('bob',
    "lam.invoke(FunctionName='" . main::arn('pf18') . "', Payload=b'{}')\n");
my $vm = FngateTest::last_invokes();
my ($a, $b) = ($vm->{$main::ALICE}, $vm->{$main::BOB});
FngateTest::save_output('perm-vm.out',
    !$a || !$b ? "missing billing lines\n"
    : "bob billed=" . ($b->{billing} eq $main::BOB ? 'bob' : $b->{billing})
      . " owner=" . ($b->{owner} eq $main::ALICE ? 'alice' : $b->{owner})
      . " own_vm=" . ($b->{vm} ne '' && $b->{vm} ne $a->{vm} ? 1 : 0) . "\n");
--- request
GET /t/out/perm-vm.out
--- response_body
bob billed=bob owner=alice own_vm=1
--- no_error_log
[error]



=== TEST 19: a partial ARN always means the caller's own account
--- request eval
"POST /2015-03-31/functions/$main::ALICE:function:pf/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "pf" of $main::ALICE: another account's function is named by its full arn/



=== TEST 20: the invoke grant does not let Bob read the function
--- request eval
"GET /2015-03-31/functions/$main::ARN"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunction "pf" of $main::ALICE: no statement grants lambda:GetFunction/



=== TEST 21: lambda:GetFunction on the alias "live" only
--- request eval
qq{POST /2015-03-31/functions/pf21/policy?Qualifier=live\n{"StatementId":"bob-read-live","Action":"lambda:GetFunction","Principal":"arn:aws:iam::$main::BOB:root"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like eval
quotemeta(qq{\\"Resource\\":\\"@{[main::arn(q(pf21))]}:live\\"})
--- no_error_log
[error]



=== TEST 22: Bob reads "live": the configuration, without the code's location
--- request eval
"GET /2015-03-31/functions/$main::ARN:live"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
qr/^(?!.*"Code")(?!.*Location)\{"Configuration":\{"FunctionName":"pf","FunctionArn":"\Q$main::ARN\E:1",.*\}\}$/
--- no_error_log
[error]



=== TEST 23: and its GetFunctionConfiguration
--- request eval
"GET /2015-03-31/functions/$main::ARN:live/configuration"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
qr/^\{"FunctionName":"pf","FunctionArn":"\Q$main::ARN\E:1",/
--- no_error_log
[error]



=== TEST 24: the grant on "live" does not cover version 1
--- request eval
"GET /2015-03-31/functions/$main::ARN:1/configuration"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunctionConfiguration "pf" of $main::ALICE/



=== TEST 25: nor the function itself
--- request eval
"GET /2015-03-31/functions/$main::ARN/configuration"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunctionConfiguration "pf" of $main::ALICE/



=== TEST 26: a grantee never reads the policy
--- request eval
"GET /2015-03-31/functions/$main::ARN:live/policy"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetPolicy "pf" of $main::ALICE: not grantable/



=== TEST 27: nor changes it
--- request eval
qq{POST /2015-03-31/functions/$main::ARN/policy\n{"StatementId":"me","Action":"lambda:GetFunction","Principal":"$main::BOB"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:AddPermission "pf" of $main::ALICE/



=== TEST 28: GetPolicy of the alias holds its own statement only
--- request
GET /2015-03-31/functions/pf/policy?Qualifier=live
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body_like: ^\{"Policy":"\{\\"Version\\":\\"2012-10-17\\",\\"Id\\":\\"default\\",\\"Statement\\":\[\{\\"Sid\\":\\"bob-read-live\\",[^\]]*\}\]\}","RevisionId":"[0-9a-f-]{36}"\}$
--- no_error_log
[error]



=== TEST 29: RemovePermission of a statement that is not there
--- request
DELETE /2015-03-31/functions/pf/policy/nosuch
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body chomp
{"Type":"User","message":"Statement nosuch is not found in resource policy."}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 30: the statement of "live" is not the function's
--- request
DELETE /2015-03-31/functions/pf/policy/bob-read-live
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 31: a bad statement id in the path
--- request
DELETE /2015-03-31/functions/pf/policy/bad%20sid
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: at 'statementId' failed to satisfy constraint
--- error_log
fngate: invalid statement id in "/2015-03-31/functions/pf/policy/bad%20sid"



=== TEST 32: a grant revoked stops working within fngate_cache_ttl
--- timeout: 60
--- init
my @steps;
push @steps, 'grant=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/pf32/policy', '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob-read","Action":"lambda:GetFunction","Principal":"$main::BOB"}}));
push @steps, 'read=' . main::bob_reads('read', 'pf32');
push @steps, 'revoke=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/pf32/policy/bob-read', '-X', 'DELETE'));
my $t0 = Time::HiRes::time();
my ($cached, $after, $t) = split ' ', main::bob_reads('poll', 'pf32');
push @steps, "cached=$cached", "after=$after";
push @steps, 'within_ttl='
    . FngateTest::within_ttl(FngateTest::late_since($t, $t0), $main::TTL);
# a refusal is cached as well: a new grant is seen within the ttl too
push @steps, 'regrant=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/pf32/policy', '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob-read","Action":"lambda:GetFunction","Principal":"$main::BOB"}}));
$t0 = Time::HiRes::time();
($cached, $after, $t) = split ' ', main::bob_reads('poll', 'pf32');
push @steps, "cached=$cached", "after=$after";
push @steps, 'within_ttl='
    . FngateTest::within_ttl(FngateTest::late_since($t, $t0), $main::TTL);
push @steps, 'revoke=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/pf32/policy/bob-read', '-X', 'DELETE'));
FngateTest::save_output('perm-revoke.out', join("\n", @steps) . "\n");
--- request
GET /t/out/perm-revoke.out
--- response_body
grant=201
read=200
revoke=204
cached=200
after=403
within_ttl=1
regrant=201
cached=403
after=200
within_ttl=1
revoke=204
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunctionConfiguration "pf32" of $main::ALICE: no statement grants lambda:GetFunction/



=== TEST 33: the AWS CLI: add-permission, get-policy, and invoke by ARN signed by Bob
--- timeout: 180
--- init
FngateTest::save_output('perm-aws.out', join '',
    FngateTest::aws_cli('alice', 'lambda', 'add-permission',
        '--function-name', 'pf33', '--statement-id', 'cli',
        '--action', 'lambda:InvokeFunction', '--principal', $main::BOB,
        '--qualifier', 'live'),
    FngateTest::aws_cli('alice', 'lambda', 'get-policy',
        '--function-name', 'pf33', '--qualifier', 'live',
        '--query', 'Policy', '--output', 'text'),
    FngateTest::aws_cli('bob', 'lambda', 'invoke', '--function-name',
        main::arn('pf33') . ":live", '--payload', '{}', '/dev/stdout'));
--- request
GET /t/out/perm-aws.out
--- response_body_like eval
qr/^exit=0\n.*"Statement".*\\"Sid\\":\s*\\"cli\\".*exit=0\n\{"Version":\s*"2012-10-17".*"Sid":\s*"bob-read-live".*"Sid":\s*"cli".*exit=0\n"pong 1"\n.*"StatusCode":\s*200.*"ExecutedVersion":\s*"1"/s
--- no_error_log
[error]



=== TEST 34: DeleteAlias drops the alias's policy
--- request
DELETE /2015-03-31/functions/pf34/aliases/live
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 35: a new "live" starts with no policy
--- init
main::pf_deleted('pf35', 'relive');
--- request
GET /2015-03-31/functions/pf35/policy?Qualifier=live
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_body chomp
{"Type":"User","message":"The resource you requested does not exist."}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 36: a version grant, then DeleteFunction of the version drops it
--- init
main::pf_deleted('pf36', 'v1grant');
FngateTest::save_output('perm-v1.out', join("\n", grep { /\{$main::ALICE\}/ }
    split /\n/, main::pf_keys('pf36')) . "\n");
--- request
GET /t/out/perm-v1.out
--- response_body_like eval
qr/^fg:fn:\{$main::ALICE\}:pf36\nfg:grant:\{$main::ALICE\}:pf36\nfg:policy:\{$main::ALICE\}:pf36\n$/
--- no_error_log
[error]



=== TEST 37: and the version's statements with it
--- init
main::pf_deleted('pf37', 'v1grant');
--- request
GET /2015-03-31/functions/pf37/policy?Qualifier=1
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 38: DeleteFunction leaves nothing of the function in Redis
--- init
main::pf_deleted('pf38', 'v1grant');
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/pf38', '', 204);
FngateTest::save_output('perm-keys.out', main::pf_keys('pf38'));
--- request
GET /t/out/perm-keys.out
--- response_body eval
"\n"
--- no_error_log
[error]
