# Versions: PublishVersion snapshots $LATEST, UpdateFunctionCode and
# UpdateFunctionConfiguration change $LATEST only, GetFunction,
# GetFunctionConfiguration and Invoke take a version qualifier, and
# DeleteFunction with one deletes that version.
#
# Each block starts from a function of its own name made, in the fixture
# or in its --- init, by the first N steps the blocks before it used to
# take (main::vf_made): the blocks that read, invoke or are refused share
# "vf" as the first five left it ($LATEST: code v2, 5 s, 256 MB, STAGE;
# version 1: code v1, "first"; version 2: code v2); the invoke blocks whose
# billing line is checked have their own copy (vf11, vf16, vf19), so the
# line found is theirs; each block about PublishVersion, the code or the
# deletes has its own function made up to where it starts.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:vf";

sub zip_says {
    my $what = shift;
    return zip_b64({ handler => [0755, "#!/bin/sh\necho '\"$what\"'\n"] });
}

# The stored keys of function FN (none once it is deleted).
sub vf_keys {
    my $fn = shift // 'vf';
    my $port = $ENV{TEST_NGINX_REDIS_PORT};
    my $out = '';
    for my $pat ("fg:*{$ALICE}:$fn", "fg:*{$ALICE}:$fn:*") {
        my ($rc, $text) = run_cmd("redis-cli -p $port --scan --pattern '$pat'");
        $out .= $text;
    }
    return join("\n", sort split /\n/, $out) . "\n";
}

# One zip for every block that uploads "v2" (a zip records times).
our $V2 = zip_says('v2');

# Alice's function NAME after the first UPTO of the steps the blocks took
# in turn: 1 created (code v1), 2 version 1 "first", 3 code v2 published
# as version 2, 4 $LATEST's configuration (5 s, 256 MB, "later", STAGE),
# 5 version 1 deleted, 6 Description "third", 7 version 3, 8 code v2 again.
sub vf_made {
    my ($name, $upto) = @_;
    my $f = "/2015-03-31/functions/$name";
    my @steps = (
        sub { make_function('alice', $name, undef, zip_b64 => zip_says('v1')) },
        sub { api_ok('alice', 'POST', "$f/versions", '{"Description":"first"}', 201) },
        sub { api_ok('alice', 'PUT', "$f/code", json_encode(
                  { ZipFile => $V2, Publish => JSON::PP::true }), 200) },
        sub { api_ok('alice', 'PUT', "$f/configuration",
                  '{"Timeout":5,"MemorySize":256,"Description":"later","Environment":{"Variables":{"STAGE":"dev"}}}', 200) },
        sub { api_ok('alice', 'DELETE', "$f?Qualifier=1", '', 204) },
        sub { api_ok('alice', 'PUT', "$f/configuration", '{"Description":"third"}', 200) },
        sub { api_ok('alice', 'POST', "$f/versions", '', 201) },
        sub { api_ok('alice', 'PUT', "$f/code", json_encode({ ZipFile => $V2 }), 200) },
    );
    $_->() for @steps[0 .. $upto - 1];
}

fixture(sub { vf_made($_, 4) for qw(vf vf11 vf16 vf19) });

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a function whose code says "v1"
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'vf1', zip_b64 => main::zip_says('v1'))
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "Version":"\$LATEST"
--- no_error_log
[error]



=== TEST 2: PublishVersion makes version 1, a snapshot of $LATEST
--- init
main::vf_made('vf2', 1);
--- request
POST /2015-03-31/functions/vf2/versions
{"Description":"first"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like eval
qr/^\{"FunctionName":"vf2","FunctionArn":"\Qarn:aws:lambda:us-east-1:$main::ALICE:function:vf2\E:1",(?=.*"Description":"first")(?=.*"Version":"1")/
--- no_error_log
[error]



=== TEST 3: publishing an unchanged $LATEST again answers the existing version 1
--- init
main::vf_made('vf3', 2);
--- request
POST /2015-03-31/functions/vf3/versions
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "FunctionArn":"[^"]*:function:vf3:1",.*"Version":"1"
--- no_error_log
[error]



=== TEST 4: UpdateFunctionCode with Publish changes $LATEST's code and publishes version 2
--- init
main::vf_made('vf4', 2);
--- request eval
"PUT /2015-03-31/functions/vf4/code\n" . FngateTest::json_encode(
    { ZipFile => $main::V2, Publish => JSON::PP::true })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body_like: "Version":"2"
--- no_error_log
[error]



=== TEST 5: UpdateFunctionConfiguration changes $LATEST only
--- init
main::vf_made('vf5', 3);
--- request
PUT /2015-03-31/functions/vf5/configuration
{"Timeout":5,"MemorySize":256,"Description":"later","Environment":{"Variables":{"STAGE":"dev"}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body_like: ^\{"FunctionName":"vf5",(?=.*"Timeout":5,)(?=.*"MemorySize":256,)(?=.*"Description":"later")(?=.*"Version":"\$LATEST")(?=.*"Variables":\{"STAGE":"dev"\})
--- no_error_log
[error]



=== TEST 6: GetFunctionConfiguration ?Qualifier=1 shows version 1 as published
--- request
GET /2015-03-31/functions/vf/configuration?Qualifier=1
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"FunctionName":"vf",(?=.*:function:vf:1")(?=.*"Timeout":3,)(?=.*"MemorySize":128,)(?=.*"Description":"first")(?=.*"Version":"1")
--- no_error_log
[error]



=== TEST 7: GetFunction NAME:2 shows version 2
--- request
GET /2015-03-31/functions/vf:2
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Configuration":\{"FunctionName":"vf",(?=.*"Version":"2")(?=.*"Timeout":3,).*"Code":\{"RepositoryType":"S3","Location":"urn:fngate:code:
--- no_error_log
[error]



=== TEST 8: ListVersionsByFunction lists $LATEST, then the versions in order
--- request
GET /2015-03-31/functions/vf/versions
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Versions":\[\{"FunctionName":"vf","FunctionArn":"[^"]*:function:vf",[^{]*"Version":"\$LATEST".*\{"FunctionName":"vf","FunctionArn":"[^"]*:function:vf:1",[^{]*"Version":"1".*\{"FunctionName":"vf","FunctionArn":"[^"]*:function:vf:2",[^{]*"Version":"2"(?!.*"FunctionName").*\}\]\}$
--- no_error_log
[error]



=== TEST 9: MaxItems pages, NextMarker is where the next page starts
--- request
GET /2015-03-31/functions/vf/versions?MaxItems=2
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: "Version":"\$LATEST".*"Version":"1".*\],"NextMarker":"1"\}$
--- no_error_log
[error]



=== TEST 10: the next page
--- request
GET /2015-03-31/functions/vf/versions?Marker=1&MaxItems=2
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Versions":\[\{"FunctionName":"vf","FunctionArn":"[^"]*:function:vf:2",[^{]*"Version":"2"(?!.*"FunctionName").*\}\]\}$
--- no_error_log
[error]



=== TEST 11: Invoke NAME:1 runs version 1's code and says so
--- timeout: 180
--- request
POST /2015-03-31/functions/vf11:1/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Executed-Version: 1
--- response_body
"v1"
--- access_log eval
qr/"action":"Invoke",.*"function":"vf11","qualifier":"1","version":"1","status":"200"/
--- no_error_log
[error]



=== TEST 12: Invoke ?Qualifier=2 runs version 2's code (the VM loads it)
--- timeout: 60
--- request
POST /2015-03-31/functions/vf/invocations?Qualifier=2
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Executed-Version: 2
--- response_body
"v2"
--- access_log eval
qr/"function":"vf","qualifier":"2","version":"2","status":"200"/
--- no_error_log
[error]



=== TEST 13: Invoke by the ARN with qualifier 1 goes back to version 1's code
--- timeout: 60
--- request eval
"POST /2015-03-31/functions/$main::ARN:1/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Executed-Version: 1
--- response_body
"v1"
--- no_error_log
[error]



=== TEST 14: a full ARN's qualifier that disagrees with ?Qualifier= is 400, as in Lambda
--- request eval
"POST /2015-03-31/functions/$main::ARN:1/invocations?Qualifier=2\n{}"
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body chomp
{"Type":"User","message":"The qualifier is not valid, or does not match the qualifier of the function ARN."}
--- error_log eval
qr/fngate: invalid qualifier in "\/2015-03-31\/functions\/\Q$main::ARN\E:1\/invocations"/



=== TEST 15: so is NAME:QUALIFIER's or a partial ARN's against another Qualifier (boto3 sends ?Qualifier=); the same one twice runs
--- timeout: 120
--- init
FngateTest::save_output('vf-conflict.out', FngateTest::python_boto3('alice', <<_PY_));
for name, q in (('vf:1', '2'), ('vf:1', '\$LATEST'), ('$main::ALICE:function:vf:2', '1'),
                ('$main::ARN:2', '1'), ('$main::ARN:1', '1')):
    try:
        r = lam.invoke(FunctionName=name, Qualifier=q, Payload=b'{}')
        print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
    except lam.exceptions.ClientError as e:
        print(e.response['ResponseMetadata']['HTTPStatusCode'],
              e.response['Error']['Code'], e.response['Error']['Message'])
_PY_
--- request
GET /t/out/vf-conflict.out
--- response_body
exit=0
400 InvalidParameterValueException The qualifier is not valid, or does not match the qualifier of the function ARN.
400 InvalidParameterValueException The qualifier is not valid, or does not match the qualifier of the function ARN.
400 InvalidParameterValueException The qualifier is not valid, or does not match the qualifier of the function ARN.
400 InvalidParameterValueException The qualifier is not valid, or does not match the qualifier of the function ARN.
200 1 "v1"
--- error_log eval
qr/fngate: invalid qualifier in "\/2015-03-31\/functions\/vf(?::|%3A)1\/invocations"/



=== TEST 16: the caller's own function by partial ARN ACCOUNT:function:NAME runs $LATEST
--- timeout: 120
--- request eval
"POST /2015-03-31/functions/$main::ALICE:function:vf16/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_headers
X-Amz-Executed-Version: $LATEST
--- response_body
"v2"
--- access_log eval
qr/"caller":"$main::ALICE","billing_account":"$main::ALICE","owner":"$main::ALICE","function":"vf16","qualifier":"","version":"\$LATEST","status":"200"/
--- no_error_log
[error]



=== TEST 17: and ACCOUNT:function:NAME:1 version 1
--- timeout: 120
--- request eval
"POST /2015-03-31/functions/$main::ALICE:function:vf:1/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_headers
X-Amz-Executed-Version: 1
--- response_body
"v1"
--- no_error_log
[error]



=== TEST 18: the same partial ARNs with the AWS CLI and boto3
--- timeout: 180
--- init
my $cli = FngateTest::aws_cli('alice', 'lambda', 'invoke', '--function-name',
    "$main::ALICE:function:vf:1", '--payload', '{}', '/dev/stdout');
my $py = FngateTest::python_boto3('alice', <<_PY_);
r = lam.invoke(FunctionName='$main::ALICE:function:vf', Qualifier='1', Payload=b'{}')
print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
r = lam.invoke(FunctionName='$main::ALICE:function:vf', Payload=b'{}')
print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
_PY_
FngateTest::save_output('vf-partial.out',
    ($cli =~ /^exit=0\n"v1"\n.*"ExecutedVersion":\s*"1"/s ? "cli ok\n" : $cli)
    . $py);
--- request
GET /t/out/vf-partial.out
--- response_body
cli ok
exit=0
200 1 "v1"
200 $LATEST "v2"
--- no_error_log
[error]



=== TEST 19: $LATEST has version 2's code and its own configuration
--- timeout: 60
--- request
POST /2015-03-31/functions/vf19/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Executed-Version: $LATEST
--- response_body
"v2"
--- access_log eval
qr/"function":"vf19","qualifier":"","version":"\$LATEST","status":"200",.*"memory_mb":"256"/
--- no_error_log
[error]



=== TEST 20: a version that does not exist is ResourceNotFoundException
--- request
POST /2015-03-31/functions/vf:9/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/^\{"Type":"User","message":"Function not found: \Q$main::ARN\E:9"\}$/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 21: PublishVersion with a CodeSha256 that is not $LATEST's is refused
--- request
POST /2015-03-31/functions/vf/versions
{"CodeSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: CodeSHA256
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 22: PublishVersion with a stale RevisionId is PreconditionFailedException
--- request
POST /2015-03-31/functions/vf/versions
{"RevisionId":"00000000-0000-4000-8000-000000000000"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 412
--- response_headers
x-amzn-ErrorType: PreconditionFailedException
--- error_log
http fastcgi header: "x-amzn-ErrorType: PreconditionFailedException"



=== TEST 23: UpdateFunctionConfiguration checks values as CreateFunction does
--- request
PUT /2015-03-31/functions/vf/configuration
{"MemorySize":64}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: memorySize
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 24: UpdateFunctionCode with a zip that lacks the handler is refused
--- request eval
"PUT /2015-03-31/functions/vf/code\n" . FngateTest::json_encode(
    { ZipFile => FngateTest::zip_b64({ other => "x" }) })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: handler
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 25: another account may not publish the function
--- request eval
"POST /2015-03-31/functions/$main::ARN/versions\n{}"
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:PublishVersion "vf" of $main::ALICE/



=== TEST 26: nor list its versions or read a version's configuration
--- request eval
"GET /2015-03-31/functions/$main::ARN:1/configuration"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunctionConfiguration "vf" of $main::ALICE/



=== TEST 27: PUT on the versions is MethodNotAllowedException
--- request
PUT /2015-03-31/functions/vf/versions
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 405
--- response_headers
x-amzn-ErrorType: MethodNotAllowedException
--- error_log
fngate: method "PUT" not allowed on "/2015-03-31/functions/vf/versions"



=== TEST 28: PublishVersion takes no qualifier
--- request
POST /2015-03-31/functions/vf:1/versions
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: PublishVersion does not take a qualifier
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 29: DeleteFunction ?Qualifier=$LATEST is refused
--- request
DELETE /2015-03-31/functions/vf?Qualifier=$LATEST
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 30: DeleteFunction ?Qualifier=1 deletes version 1
--- init
main::vf_made('vd30', 4);
--- request
DELETE /2015-03-31/functions/vd30?Qualifier=1
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 31: and it is gone, while the function stays
--- init
main::vf_made('vd31', 5);
--- request
GET /2015-03-31/functions/vd31:1
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 32: version numbers are never reused: the next publish is 3
--- init
main::vf_made('vd32', 5);
--- request
PUT /2015-03-31/functions/vd32/configuration
{"Description":"third"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- no_error_log
[error]



=== TEST 33: published
--- init
main::vf_made('vd33', 6);
--- request
POST /2015-03-31/functions/vd33/versions
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "FunctionArn":"[^"]*:function:vd33:3",.*"Description":"third".*"Version":"3"
--- no_error_log
[error]



=== TEST 34: uploading the code $LATEST already has
--- init
main::vf_made('vd34', 7);
--- request eval
"PUT /2015-03-31/functions/vd34/code\n" . FngateTest::json_encode(
    { ZipFile => $main::V2 })
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body_like: "Version":"\$LATEST"
--- no_error_log
[error]



=== TEST 35: leaves nothing new to publish: PublishVersion answers version 3
--- init
main::vf_made('vd35', 8);
--- request
POST /2015-03-31/functions/vd35/versions
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "FunctionArn":"[^"]*:function:vd35:3",.*"Version":"3"
--- no_error_log
[error]



=== TEST 36: the AWS CLI publishes versions and lists them
--- timeout: 120
--- init
main::vf_made('vd36', 8);
FngateTest::save_output('versions-aws.out', join '',
    FngateTest::aws_cli('alice', 'lambda', 'publish-version',
        '--function-name', 'vd36', '--query', 'Version', '--output', 'text'),
    FngateTest::aws_cli('alice', 'lambda', 'list-versions-by-function',
        '--function-name', 'vd36', '--query', 'Versions[].Version',
        '--output', 'text'));
--- request
GET /t/out/versions-aws.out
--- response_body_like: ^exit=0\n3\nexit=0\n\$LATEST\s+2\s+3\n$
--- no_error_log
[error]



=== TEST 37: DeleteFunction removes $LATEST and every version
--- init
main::vf_made('vd37', 8);
--- request
DELETE /2015-03-31/functions/vd37
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 38: nothing of the function is left in Redis
--- init
main::vf_made('vd38', 8);
FngateTest::api_ok('alice', 'DELETE', '/2015-03-31/functions/vd38', '', 204);
FngateTest::save_output('versions-keys.out', main::vf_keys('vd38'));
--- request
GET /t/out/versions-keys.out
--- response_body eval
"\n"
--- no_error_log
[error]
