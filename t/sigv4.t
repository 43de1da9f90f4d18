# Authentication: AWS Signature Version 4 in the Authorization header, as
# the AWS CLI, the SDKs and curl --aws-sigv4 send it.
use Test::Nginx::Socket;
use FngateTest;

# Once: the blocks that run curl / aws / boto3 do so from --- init, which
# Test::Nginx runs once per block, so a repetition would find no log line.
repeat_each(1);
fngate_defaults();

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: no Authorization header is MissingAuthenticationTokenException
--- request
GET /2015-03-31/functions/
--- error_code: 403
--- response_headers
Content-Type: application/json
x-amzn-ErrorType: MissingAuthenticationTokenException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
fngate: no authorization header



=== TEST 2: an Authorization header that does not parse is refused
--- request
GET /2015-03-31/functions/
--- more_headers
Authorization: AWS4-HMAC-SHA256 Credential=nonsense
X-Amz-Date: 20261123T000000Z
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- error_log
fngate: malformed authorization header "AWS4-HMAC-SHA256 Credential=nonsense"



=== TEST 3: an access key nobody has is UnrecognizedClientException
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice key=AKIAAAAAAAAAAAAAAAAA
--- error_code: 403
--- response_headers
x-amzn-ErrorType: UnrecognizedClientException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
fngate: unknown access key "AKIAAAAAAAAAAAAAAAAA"



=== TEST 4: a signature made with the wrong secret is InvalidSignatureException
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice secret=not-the-secret-of-alice-at-all-1234567890
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log eval
"fngate: signature mismatch for access key \"" . FngateTest::account('alice')->{AccessKeyId} . "\""



=== TEST 5: a signature changed in one digit is refused
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice tamper=1
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- error_log eval
"fngate: signature mismatch for access key \"" . FngateTest::account('alice')->{AccessKeyId} . "\""



=== TEST 6: a request signed long ago has expired
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice date=20200101T000000Z
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
fngate: signature expired: x-amz-date "20200101T000000Z" is before



=== TEST 7: a scope for another region is refused
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice region=eu-west-1
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- error_log
fngate: credential scoped to region "eu-west-1", not "us-east-1"



=== TEST 8: a scope for another service is refused
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice service=s3
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- error_log
fngate: credential scoped to service "s3"



=== TEST 9: a scope date other than the day of X-Amz-Date is refused
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice scope_date=20200101
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- error_log
fngate: credential date "20200101" is not the day of x-amz-date "



=== TEST 10: a body other than the signed one is refused
--- request eval
"POST /2015-03-31/functions/nothing/invocations\n{\"sent\":1}"
--- more_headers eval
FngateTest::sigv4_headers(account => 'alice', method => 'POST',
    uri => '/2015-03-31/functions/nothing/invocations',
    body => '{"signed":1}')
--- error_code: 403
--- response_headers
x-amzn-ErrorType: InvalidSignatureException
--- error_log eval
"fngate: signature mismatch for access key \"" . FngateTest::account('alice')->{AccessKeyId} . "\""



=== TEST 11: a correct signature (signed here in Perl) lists the caller's functions
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"Functions":\[\]
--- no_error_log
[error]



=== TEST 12: a signed query string is canonicalised as AWS does
--- request
GET /2015-03-31/functions/?MaxItems=10&FunctionVersion=ALL
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Functions":\[\]
--- no_error_log
[error]



=== TEST 13: curl --aws-sigv4 signs requests fngate accepts
--- init
FngateTest::save_output('curl.out',
    FngateTest::curl_sigv4('alice', '/2015-03-31/functions/'));
--- request
GET /t/out/curl.out
--- response_body_like: ^exit=0\n\{"Functions":\[\].*\nhttp=200\n$
--- no_error_log
[error]



=== TEST 14: curl --aws-sigv4 with a wrong secret is refused
--- init
FngateTest::save_output('curl.out',
    FngateTest::curl_sigv4({ AccessKeyId => FngateTest::account('alice')->{AccessKeyId},
                             SecretAccessKey => 'wrong' },
                           '/2015-03-31/functions/'));
--- request
GET /t/out/curl.out
--- response_body_like: ^exit=0\n.*"Type":"User".*\nhttp=403\n$
--- error_log eval
"fngate: signature mismatch for access key \"" . FngateTest::account('alice')->{AccessKeyId} . "\""



=== TEST 15: Debian's AWS CLI (/usr/bin/aws) works against fngate
--- init
FngateTest::save_output('aws.out',
    FngateTest::aws_cli('alice', 'lambda', 'list-functions'));
--- request
GET /t/out/aws.out
--- response_body_like: ^exit=0\n\{\s*"Functions":\s*\[\]
--- no_error_log
[error]



=== TEST 16: the AWS CLI with a key nobody has reports UnrecognizedClientException
--- init
FngateTest::save_output('aws.out',
    FngateTest::aws_cli({ AccessKeyId => 'AKIAZZZZZZZZZZZZZZZZ',
                          SecretAccessKey => 'x' x 40 },
                        'lambda', 'list-functions'));
--- request
GET /t/out/aws.out
--- response_body_like: ^exit=(254|255)\n.*UnrecognizedClientException
--- error_log
fngate: unknown access key "AKIAZZZZZZZZZZZZZZZZ"



=== TEST 17: python3-boto3 works against fngate
--- init
FngateTest::save_output('boto3.out', FngateTest::python_boto3('alice', <<'_PY_'));
print(json.dumps(lam.list_functions()['Functions']))
_PY_
--- request
GET /t/out/boto3.out
--- response_body_like: ^exit=0\n\[\]\n$
--- no_error_log
[error]
