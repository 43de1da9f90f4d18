# nginx loads ngx_http_fngate_module, its directives parse, and paths that
# are not part of the Lambda API get a Lambda-style 404.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(2);
fngate_defaults();

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the module loads and every directive parses
--- http_config
    fngate_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    fngate_redis_timeout 500ms;
    fngate_region eu-west-1;
    fngate_clock_skew 2m;
    fngate_cache_ttl 0;
    fngate_max_payload 1m;
--- config
    fngate_region us-east-1;
    fngate_clock_skew 5m;
    fngate_max_payload 6m;
    location = /plain {
        fngate off;
        return 200 "plain\n";
    }
    location / {
        fngate on;
        fngate_region us-west-2;
        return 200 "unreachable\n";
    }
--- request
GET /plain
--- response_body
plain
--- no_error_log
[error]
[emerg]



=== TEST 2: a location without "fngate on" does not authenticate
--- config
    location /other {
        return 200 "other $uri\n";
    }
--- request
GET /other/thing
--- response_body
other /other/thing
--- no_error_log
[error]



=== TEST 3: a signed request for a path outside the API is 404, Lambda style
--- request
GET /2015-03-31/nothing-here
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
Content-Type: application/json
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like: ^\{"Type":"User","message":"[^"]+"\}$
--- error_log
fngate: no api path "/2015-03-31/nothing-here"



=== TEST 4: the root path is the queue service's endpoint: a Lambda-signed call there is refused in SQS's form
--- request
GET /
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 403
--- response_headers
Content-Type: text/xml
--- response_body_like: <Code>SignatureDoesNotMatch</Code>
--- error_log
fngate: credential scoped to service "lambda", not "sqs"



=== TEST 5: a request id comes with every answer
--- request
GET /2015-03-31/nothing-here
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers_like
x-amzn-RequestId: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
--- error_log
fngate: no api path "/2015-03-31/nothing-here"



=== TEST 6: fngated not running gives a Lambda-style 502 ServiceException
--- config eval
FngateTest::default_config("$ENV{TEST_NGINX_SERVER_ROOT}/no-such.sock")
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 502
--- response_headers_like
x-amzn-ErrorType: ServiceException
x-amzn-RequestId: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
--- response_body chomp
{"Type":"Service","message":"fngated, the function backend, is not available"}
--- error_log
[crit]
no-such.sock failed (2: No such file or directory) while connecting to upstream
