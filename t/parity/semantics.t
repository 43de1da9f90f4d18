# Not part of the suite (prove t/ does not descend here): blocks on a
# plain nginx whose every check's outcome util/test-nginx-parity.sh
# compares between upstream's Test::Nginx::Socket and fngate's fallback.
# Some checks fail on purpose (marked "fails"): the two must fail alike.
# The plan is FngateTest::count_tests()'s, so it is checked too.
use Test::Nginx::Socket;
use FngateTest ();

repeat_each(2);
no_shuffle();
plan tests => repeat_each() * FngateTest::count_tests();
run_tests();

__DATA__

=== TEST 1: response_headers_like is not applied when response_headers is there
--- config
    location /h {
        add_header X-A a1;
        add_header X-B b2;
        return 200 "h\n";
    }
--- request
GET /h
--- response_headers
X-A: a1

!X-Missing
X-A: a1
--- response_headers_like
X-B: nomatch (fails if applied)
--- response_body
h



=== TEST 2: response_headers_like alone; a name given twice counts once (the last: fails)
--- config
    location /h {
        add_header X-A a1;
        return 200 "h\n";
    }
--- request
GET /h
--- response_headers_like
X-A: a\d
X-A: zzz
X-None:
--- response_body_like: ^h$
--- response_body_unlike: h



=== TEST 3: raw response headers, error_code written on its own line (fails)
--- config
    location /r {
        add_header X-Raw yes always;
        return 404;
    }
--- request
GET /r
--- raw_response_headers_like: (?m)^X-Raw: yes\r$
--- raw_response_headers_unlike: (?mi)^x-raw:\s*no
--- error_code
404
--- error_log
open() (not written: fails)
--- no_error_log
[emerg]



=== TEST 4: several requests, expected values as arrays; logs checked after each
--- config
    location /a { return 200 "a:$request_method\n"; }
    location /b { return 201 "b:$http_x_h\n"; }
--- request eval
["GET /a", "POST /b\nbody"]
--- more_headers eval
["X-H: one", "X-H: two"]
--- error_code eval
[200, 201]
--- response_body eval
["a:GET\n", "b:two\n"]
--- no_error_log
[crit]



=== TEST 5: pipelined requests on one connection
--- config
    location /p { return 200 "p$arg_n\n"; }
--- pipelined_requests eval
["GET /p?n=1", "GET /p?n=2"]
--- response_body eval
["p1\n", "p2\n"]
--- error_code eval
[200, 200]



=== TEST 6: a no_error_log pattern fails once for every line it matches
--- config
    location /x { root html; }
--- pipelined_requests eval
["GET /x/nope1", "GET /x/nope2"]
--- error_code eval
[404, 404]
--- no_error_log
No such file
[alert]
--- error_log eval
qr/open\(\) ".*nope\d" failed/



=== TEST 7: a lower-case content-length is not ours: two lengths (400)
--- config
    location /cl { return 200 "cl\n"; }
--- request
POST /cl
hello
--- more_headers
content-length: 5
--- error_code: 400
--- response_body_like: 400



=== TEST 8: $ServerPort and $TEST_NGINX_SERVER_PORT in expected values; log_level
--- log_level: warn
--- config
    location /port { return 200 "port=$server_port\n"; }
--- request
GET /port
--- response_body
port=$TEST_NGINX_SERVER_PORT
--- no_error_log
[debug]



=== TEST 9: ignore_response: no status, header, body or access_log checks
--- config
    location /ig { return 500; }
--- request
GET /ig
--- ignore_response
--- access_log
not in the access log (would fail)
--- no_error_log
[emerg]



=== TEST 10: SKIP drops the block
--- SKIP
--- config
    location /s { return 500; }
--- request
GET /s
--- response_body
never



=== TEST 11: user_files, raw_request, a block without config reuses nginx
--- user_files
>>> f.txt
file body
--- config
    location /f.txt { root html; }
--- raw_request eval
"GET /f.txt HTTP/1.0\r\nHost: x\r\n\r\n"
--- response_body
file body
--- access_log
"GET /f.txt HTTP/1.0" 200



=== TEST 12: (no config: the previous block's nginx)
--- request
GET /f.txt
--- response_body
file body
--- wait: 0.1



=== TEST 13: a chunked response is decoded
--- user_files
>>> ssi.html
a<!--# echo var="arg_x" -->b
--- config
    location /ssi.html { root html; ssi on; }
--- request
GET /ssi.html?x=Y
--- response_headers
Transfer-Encoding: chunked
--- response_body
aYb
