# Runtime nodejsNN.x: Lambda's Node.js model (file.export, CommonJS and ES
# modules, async and callback handlers, Lambda's context and errors) on
# fngate's bootstrap (guest/runtimes/nodejs) and the node of the runtime
# disk, with the AWS SDK's clients preinstalled.  The disk carries the one
# name that its node's major version gives ($NODE, read from the disk's
# tree, build/runtimes); the other Node.js name is refused at its call.
use Test::Nginx::Socket;
use FngateTest;
use File::Basename ();
use MIME::Base64 ();

# Each block that counts calls has a function of its own; the calls a
# block starts first it makes in its --- init.
repeat_each(1);
fngate_defaults();

our ($NODE) = map { File::Basename::basename($_) }
    glob(FngateTest::fngate_root() . '/build/runtimes/nodejs*.x');
die "no nodejs*.x in build/runtimes (make build)\n" unless $NODE;
our $OTHER = $NODE eq 'nodejs20.x' ? 'nodejs18.x' : 'nodejs20.x';
our $ALICE = account('alice')->{AccountId};

# index.js (CommonJS): state, the context, errors, sleeps, memory, the SDK.
our $INDEX = <<'_JS_';
let calls = 0;
exports.handler = async (event, context) => {
    calls++;
    console.log('call', calls, 'of', context.functionName);
    if (event.fail) {
        throw new TypeError('bad ' + event.fail);
    }
    if (event.sleep) {
        await new Promise((r) => setTimeout(r, event.sleep * 1000));
    }
    if (event.alloc) {                  // MB of Buffers, every page touched
        const keep = [];
        for (let i = 0; i < event.alloc; i++) {
            keep.push(Buffer.alloc(1 << 20, 1));
        }
        return keep.length;
    }
    if (event.sdk) {
        const { SQSClient } = require('@aws-sdk/client-sqs');
        const { LambdaClient } = require('@aws-sdk/client-lambda');
        const sqs = new SQSClient({ region: 'us-east-1' });
        const lam = new LambdaClient({ region: 'us-east-1' });
        const from = require.resolve('@aws-sdk/client-sqs');
        return [typeof sqs.send, typeof lam.send,
                from.startsWith('/var/runtime/')];
    }
    return { calls, event, fn: context.functionName,
             version: context.functionVersion, mem: context.memoryLimitInMB,
             arn: context.invokedFunctionArn,
             id_ok: /^[0-9a-f-]{36}$/.test(context.awsRequestId),
             group: context.logGroupName,
             stream: typeof context.logStreamName,
             left_ok: 0 < context.getRemainingTimeInMillis()
                      && context.getRemainingTimeInMillis() <= 3000,
             waits: context.callbackWaitsForEmptyEventLoop };
};
exports.nothandler = 42;
_JS_

# cb.js: callback handlers; the result object changes 50 ms after the
# callback: by default the answer waits for the empty event loop.
our $CB = <<'_JS_';
let calls = 0;
exports.handler = (event, context, callback) => {
    calls++;
    const result = { calls, late: false };
    setTimeout(() => { result.late = true; }, 50);
    if (event.nowait) {
        context.callbackWaitsForEmptyEventLoop = false;
    }
    if (event.fail) {
        callback(new RangeError('no ' + event.fail));
        return;
    }
    callback(null, result);
};
_JS_

our $MJS = <<'_JS_';
let calls = 0;
export const handler = async (event) => ({ esm: true, calls: ++calls,
                                           url: import.meta.url });
_JS_

our $TYPEMOD = <<'_JS_';
export async function handler(event) {
    return { typeModule: typeof require === 'undefined', dir: import.meta.url };
}
_JS_

sub create_node {
    my ($name, %opt) = @_;
    my $files = delete $opt{files} // { 'index.js' => [0644, $INDEX] };
    return "POST /2015-03-31/functions\n" . FngateTest::create_function_body(
        name => $name, runtime => $NODE, handler => 'index.handler',
        timeout => 3, memory => 256, files => $files, %opt);
}

sub made { create_ok('alice', shift) }

sub called { invoke_ok('alice', @_) }

# The zip of FILES in a file, for /usr/bin/aws's fileb:// (removed by the
# caller).
sub zip_file {
    my ($files) = @_;
    my $f = "/tmp/fngate-node-$$.zip";
    open my $z, '>', $f or die "$f: $!";
    binmode $z;
    print $z MIME::Base64::decode_base64(FngateTest::zip_b64($files));
    close $z;
    return $f;
}

fixture(sub {
    made(create_node($_)) for qw(nd3 nd4 nd10 nd11 nd16 nd17);
    made(create_node('ndsdk', timeout => 60));
    made(create_node($_, handler => 'cb.handler',
                     files => { 'cb.js' => [0644, $CB] })) for qw(ndcb ndcb5);
    made(create_node('ndmjs', handler => 'lib/esm.handler',
                     files => { 'lib/esm.mjs' => [0644, $MJS] }));
    made(create_node('ndtype', handler => 'src/app.handler',
                     files => { 'package.json' => [0644, '{"type": "module"}'],
                                'src/app.js' => [0644, $TYPEMOD] }));
    made(create_node('ndmissing', handler => 'nothere.handler'));
    made(create_node('ndnoexport', handler => 'index.nohandler'));
    made(create_node('ndnotfn', handler => 'index.nothandler'));
    made(create_node('ndsyntax', handler => 'bad.handler',
                     files => { 'bad.js' => [0644,
                         "exports.handler = async () => { return 1 +; };\n"] }));
    made(create_node('ndmem', memory => 128, timeout => 20));
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: CreateFunction with Runtime nodejsNN.x and index.handler
--- request eval
main::create_node('nd1')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like eval
qr/(?=.*"Runtime":"\Q$main::NODE\E")(?=.*"Handler":"index.handler")/
--- no_error_log
[error]



=== TEST 2: Debian's aws CLI and boto3 create Node.js functions, and both run
--- timeout: 240
--- init
my $zip = main::zip_file({ 'index.js' => [0644, $main::INDEX] });
my $cli = FngateTest::aws_cli('alice', 'lambda', 'create-function',
    '--function-name', 'ndcli', '--runtime', $main::NODE,
    '--handler', 'index.handler', '--role', 'arn:aws:iam::000000000000:role/fngate',
    '--zip-file', "fileb://$zip");
unlink $zip;
my $zb = FngateTest::zip_b64({ 'index.js' => [0644, $main::INDEX] });
my $py = FngateTest::python_boto3('alice', <<"_PY_");
import base64
r = lam.create_function(FunctionName='ndboto', Runtime='$main::NODE',
    Role='arn:aws:iam::000000000000:role/fngate', Handler='index.handler',
    Code={'ZipFile': base64.b64decode('$zb')})
print(r['Runtime'], r['Handler'])
r = lam.invoke(FunctionName='ndboto', Payload=b'{"from":"boto3"}')
print(r['StatusCode'], json.loads(r['Payload'].read())['event'])
_PY_
my $inv = FngateTest::aws_cli('alice', 'lambda', 'invoke', '--function-name',
    'ndcli', '--cli-binary-format', 'raw-in-base64-out',
    '--payload', '{"from":"cli"}', "/tmp/fngate-node-$$.out");
open my $o, '<', "/tmp/fngate-node-$$.out";
my $res = $o ? do { local $/; <$o> } : '';
unlink "/tmp/fngate-node-$$.out";
FngateTest::save_output('node-clients.out', join "\n",
    ($cli =~ /^exit=0\n.*"Runtime": "\Q$main::NODE\E"/s ? 'cli created' : $cli),
    ($inv =~ /^exit=0\n.*"StatusCode": 200/s ? 'cli 200' : $inv),
    ($res =~ /"event":\{"from":"cli"\}/ ? 'cli event' : $res),
    ($py =~ /^exit=0\n\Q$main::NODE\E index.handler\n200 \{'from': 'boto3'\}\n\z/
     ? 'boto3 created, 200' : $py), '');
--- request
GET /t/out/node-clients.out
--- response_body
cli created
cli 200
cli event
boto3 created, 200
--- no_error_log
[error]



=== TEST 3: the event, the result as JSON and Lambda's context (cold start)
--- timeout: 180
--- request
POST /2015-03-31/functions/nd3/invocations
{"k": [1, 2]}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
!X-Amz-Function-Error
--- response_body eval
qq({"calls":1,"event":{"k":[1,2]},"fn":"nd3","version":"\$LATEST","mem":"256",)
. qq("arn":"arn:aws:lambda:us-east-1:$main::ALICE:function:nd3",)
. qq("id_ok":true,"group":"/aws/lambda/nd3","stream":"string","left_ok":true,"waits":true})
--- access_log eval
qr/"function":"nd3",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 4: the module stays loaded between warm calls
--- timeout: 120
--- init
main::called('nd4', '{}', '{}');
--- request
POST /2015-03-31/functions/nd4/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"calls":3,
--- access_log eval
qr/"function":"nd4",.*"status":"200",.*"cold_start":"false"/
--- no_error_log
[error]



=== TEST 5: a callback handler's answer waits for the empty event loop
--- timeout: 120
--- init
main::called('ndcb5', '{}');
--- request
POST /2015-03-31/functions/ndcb5/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"calls":2,"late":true}
--- no_error_log
[error]



=== TEST 6: ... unless context.callbackWaitsForEmptyEventLoop is false
--- timeout: 120
--- init
main::called('ndcb', '{}');
--- request
POST /2015-03-31/functions/ndcb/invocations
{"nowait": 1}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"calls":\d+,"late":false\}$
--- no_error_log
[error]



=== TEST 7: an error passed to the callback is the call's error
--- timeout: 120
--- request
POST /2015-03-31/functions/ndcb/invocations
{"fail": "way"}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"no way","errorType":"RangeError","trace":\["RangeError: no way","    at exports.handler \(/var/task/cb.js:\d+:\d+\)"
--- no_error_log
[error]



=== TEST 8: an ES module (.mjs, in a subdirectory) keeps its state too
--- timeout: 120
--- init
main::called('ndmjs', '{}');
--- request
POST /2015-03-31/functions/ndmjs/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"esm":true,"calls":2,"url":"file:///var/task/lib/esm.mjs"}
--- no_error_log
[error]



=== TEST 9: a .js file under "type": "module" is an ES module
--- timeout: 120
--- request
POST /2015-03-31/functions/ndtype/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
{"typeModule":true,"dir":"file:///var/task/src/app.js"}
--- no_error_log
[error]



=== TEST 10: a thrown error: errorType is its name, with errorMessage and trace, logged
--- timeout: 120
--- init
main::called('nd10', '{}');
--- request
POST /2015-03-31/functions/nd10/invocations
{"fail": "thing"}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"bad thing","errorType":"TypeError","trace":\["TypeError: bad thing","    at exports.handler \(/var/task/index.js:6:15\)"
--- no_error_log
[error]



=== TEST 11: the module survives the handler's error
--- timeout: 120
--- init
main::called('nd11', '{}');
FngateTest::api_call('alice', 'POST', '/2015-03-31/functions/nd11/invocations',
                     '{"fail": "x"}');
--- request
POST /2015-03-31/functions/nd11/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"calls":3,
--- no_error_log
[error]



=== TEST 12: a handler whose module is missing is Runtime.ImportModuleError
--- timeout: 120
--- request
POST /2015-03-31/functions/ndmissing/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"Error: Cannot find module 'nothere'\\nRequire stack:\\n- /var/runtime/nodejs\d\d.x/bootstrap.js","errorType":"Runtime.ImportModuleError","trace":\["Error: Cannot find module 'nothere'",
--- no_error_log
[error]



=== TEST 13: a missing export is Runtime.HandlerNotFound
--- timeout: 120
--- request
POST /2015-03-31/functions/ndnoexport/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body chomp
{"errorMessage":"index.nohandler is undefined or not exported","errorType":"Runtime.HandlerNotFound","trace":[]}
--- no_error_log
[error]



=== TEST 14: an export that is no function is Runtime.HandlerNotFound too
--- timeout: 120
--- request
POST /2015-03-31/functions/ndnotfn/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body chomp
{"errorMessage":"index.nothandler is not a function","errorType":"Runtime.HandlerNotFound","trace":[]}
--- no_error_log
[error]



=== TEST 15: a syntax error is Runtime.UserCodeSyntaxError
--- timeout: 120
--- request
POST /2015-03-31/functions/ndsyntax/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"SyntaxError: Unexpected token ';'","errorType":"Runtime.UserCodeSyntaxError","trace":\["/var/task/bad.js:1",
--- no_error_log
[error]



=== TEST 16: a call past its Timeout
--- timeout: 120
--- init
main::called('nd16', '{}');
--- request
POST /2015-03-31/functions/nd16/invocations
{"sleep": 10}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: ^\{"errorMessage":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z [0-9a-f-]{36} Task timed out after 3.00 seconds"\}$
--- no_error_log
[error]



=== TEST 17: ... and the next call starts the runtime again
--- timeout: 120
--- init
main::called('nd17', '{}', '{"sleep": 10}');
--- request
POST /2015-03-31/functions/nd17/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"calls":1,
--- access_log eval
qr/"function":"nd17",.*"status":"200",.*"cold_start":"true"/
--- no_error_log
[error]



=== TEST 18: the AWS SDK's SQS and Lambda clients load from the runtime and construct
--- timeout: 180
--- request
POST /2015-03-31/functions/ndsdk/invocations
{"sdk": 1}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
["function","function",true]
--- no_error_log
[error]



=== TEST 19: a handler within its MemorySize runs
--- timeout: 120
--- request
POST /2015-03-31/functions/ndmem/invocations
{"alloc": 16}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body chomp
16
--- no_error_log
[error]



=== TEST 20: one that allocates past its MemorySize is killed and says so
--- timeout: 120
--- request
POST /2015-03-31/functions/ndmem/invocations
{"alloc": 200}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Function-Error: Unhandled
--- response_body_like: "errorType":"Runtime.OutOfMemory"
--- no_error_log
[error]



=== TEST 21: the other Node.js name, whose node this host's runtime disk does not carry, is refused at CreateFunction and by UpdateFunctionConfiguration, and says which it carries
--- init
my ($code, $body) = FngateTest::api_call('alice', 'POST', '/2015-03-31/functions',
    (split /\n/, main::create_node('ndother', runtime => $main::OTHER), 2)[1]);
my ($c2, $b2) = FngateTest::api_call('alice', 'PUT',
    '/2015-03-31/functions/nd3/configuration', qq({"Runtime":"$main::OTHER"}));
my (undef, $list) = FngateTest::api_call('alice', 'GET', '/2015-03-31/functions/?MaxItems=50');
my $c3 = $list =~ /"FunctionName":"ndother"/ ? 'ndother listed' : 'not listed';
my ($c4, $b4) = FngateTest::api_call('alice', 'GET',
    '/2015-03-31/functions/nd3/configuration');
my $rt = $b4 =~ /"Runtime":"([^"]+)"/ ? $1 : '?';
s/\Q$main::OTHER\E/OTHER/g, s/\Q$main::NODE\E/NODE/g for $body, $b2;
FngateTest::save_output('nd-other.out', "$code $body\n$c2 $b2\n"
    . "nothing stored: $c3, nd3 still " . ($rt eq $main::NODE ? 'NODE' : $rt) . "\n");
--- request
GET /t/out/nd-other.out
--- response_body
400 {"Type":"User","message":"The runtime parameter of OTHER is not available on this fngate host: its guests carry provided, provided.al2, provided.al2023, NODE, python3.11."}
400 {"Type":"User","message":"The runtime parameter of OTHER is not available on this fngate host: its guests carry provided, provided.al2, provided.al2023, NODE, python3.11."}
nothing stored: not listed, nd3 still NODE
--- no_error_log
[error]



=== TEST 22: a Node.js name fngate does not know is refused at CreateFunction
--- request eval
main::create_node('nd22', runtime => 'nodejs16.x')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: The runtime parameter of nodejs16.x is not supported by fngate
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"
--- access_log
"error_type":"InvalidParameterValueException"
