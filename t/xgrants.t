# A third account calls a cross-account alias: Bob's "xgthumbs:prod"
# points at Alice's "xg" version 1; Bob grants Carol lambda:InvokeFunction
# on it (AddPermission on the alias).  Carol's call checks both grants
# (Bob's to Carol, Alice's to Bob) at call time, runs Alice's code in one
# of Bob's VMs and is billed to Bob, as Bob's own calls are; Carol learns
# nothing of Alice's function.
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

repeat_each(1);     # the blocks build on each other
no_shuffle();
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $CAROL = account('carol')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:xg";
our $THUMBS = "arn:aws:lambda:us-east-1:$BOB:function:xgthumbs";
our $TTL = 3;       # fngate_cache_ttl of the revocation blocks

# After a revocation at t0: "within_ttl=1" when the last call still
# answered as before was sent within fngate_cache_ttl + 0.5 s ($t, from
# the poll), and then Carol's call sent once that much time has passed
# ("after_ttl=STATUS": the revocation holds for sure by then).
sub ttl_checks {
    my ($t0, $t) = @_;
    my @s = ('within_ttl='
        . FngateTest::within_ttl(FngateTest::late_since($t, $t0), $TTL));
    my $wait = $t0 + $TTL + 0.5 - Time::HiRes::time();
    Time::HiRes::sleep($wait) if $wait > 0;
    push @s, 'after_ttl=' . carol_calls('read');
    return @s;
}

# Carol calls Bob's alias by its ARN.
sub carol_calls {
    FngateTest::boto3_status('carol',
        "lam.invoke(FunctionName='$THUMBS:prod', Payload=b'{}')", shift, $TTL);
}

revocation_ttl($TTL);

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice's xg version 1, granted to Bob; Bob's xgthumbs:prod on it
--- init
FngateTest::curl_sigv4('alice', '/2015-03-31/functions', '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'xg', files => { handler => [0755,
        "#!/bin/sh\necho \"\\\"xg \$AWS_LAMBDA_FUNCTION_VERSION\\\"\"\n"] })
        =~ s/\}$/,"Publish":true}/r);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xg/policy',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}});
--- request eval
qq{POST /2015-03-31/functions/xgthumbs/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 2: without Bob's grant Carol's call is refused, naming Bob's alias only
--- request eval
"POST /2015-03-31/functions/$main::THUMBS:prod/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: carol
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- response_body eval
qq{{"Type":"User","message":"User: arn:aws:iam::$main::CAROL:root is not authorized to perform: lambda:InvokeFunction on resource: $main::THUMBS:prod because no resource-based policy allows the lambda:InvokeFunction action"}}
--- error_log eval
qr/fngate: $main::CAROL may not lambda:InvokeFunction alias "\Q$main::THUMBS\E:prod": no statement of $main::BOB grants lambda:InvokeFunction/



=== TEST 3: Bob grants Carol lambda:InvokeFunction on his alias
--- request eval
qq{POST /2015-03-31/functions/xgthumbs/policy?Qualifier=prod\n{"StatementId":"carol","Action":"lambda:InvokeFunction","Principal":"$main::CAROL"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- response_body_like eval
quotemeta(qq{"Resource\\":\\"$main::THUMBS:prod\\"})
--- no_error_log
[error]



=== TEST 4: a grant on xgthumbs itself (no function of Bob's) is refused
--- request eval
qq{POST /2015-03-31/functions/xgthumbs/policy\n{"StatementId":"c2","Action":"lambda:InvokeFunction","Principal":"$main::CAROL"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log eval
qr/fngate: function "xgthumbs" of $main::BOB not found/



=== TEST 5: Carol calls Bob's alias: Alice's version 1, billed to Bob
--- timeout: 120
--- request eval
"POST /2015-03-31/functions/$main::THUMBS:prod/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: carol
--- error_code: 200
--- response_headers
X-Amz-Executed-Version: 1
--- response_body
"xg 1"
--- access_log eval
qr/"action":"Invoke","caller":"$main::CAROL","billing_account":"$main::BOB","owner":"$main::ALICE","function":"xg","qualifier":"1","version":"1","status":"200".*"alias":"\Q$main::THUMBS\E:prod"/
--- no_error_log
[error]



=== TEST 6: the VM of Carol's call only ever served calls billed to Bob
--- timeout: 180
--- init
FngateTest::python_boto3('bob', "lam.invoke(FunctionName='xgthumbs:prod', Payload=b'{}')\n");
FngateTest::python_boto3('alice', "lam.invoke(FunctionName='xg:1', Payload=b'{}')\n");
FngateTest::python_boto3('carol', "lam.invoke(FunctionName='$main::THUMBS:prod', Payload=b'{}')\n");
my $vm = FngateTest::last_invokes()->{$main::CAROL}{vm} // '';
my $root = $ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot';
my %billed;
open my $in, '<', "$root/logs/access.log" or die;
while (<$in>) {
    $billed{$1 eq $main::BOB ? 'bob' : $1} = 1
        if /"billing_account":"(\d+)".*"vm":"\Q$vm\E"/ && $vm ne '';
}
close $in;
FngateTest::save_output('xg-vm.out', "vm=" . ($vm ? 'set' : 'none')
    . " billed=" . join(',', sort keys %billed) . "\n");
--- request
GET /t/out/xg-vm.out
--- response_body
vm=set billed=bob
--- no_error_log
[error]



=== TEST 7: Carol may not read Bob's alias or its policy
--- init
my @s;
for my $call ("lam.get_alias(FunctionName='$main::THUMBS', Name='prod')",
              "lam.get_policy(FunctionName='$main::THUMBS', Qualifier='prod')") {
    push @s, FngateTest::boto3_status('carol', $call, 'read');
}
FngateTest::save_output('xg-read.out', join("\n", @s) . "\n");
--- request
GET /t/out/xg-read.out
--- response_body
403
403
--- error_log eval
qr/fngate: $main::CAROL may not lambda:GetAlias "xgthumbs" of $main::BOB: not grantable/



=== TEST 8: nor call Bob's alias by a partial ARN
--- request eval
"POST /2015-03-31/functions/$main::BOB:function:xgthumbs:prod/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: carol
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::CAROL may not lambda:InvokeFunction "xgthumbs" of $main::BOB: another account's function is named by its full arn/



=== TEST 9: Alice's grant to Bob revoked: Carol's calls stop within fngate_cache_ttl
--- timeout: 90
--- init
my @s;
push @s, 'call=' . main::carol_calls('read');
push @s, 'revoke=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/xg/policy/bob', '-X', 'DELETE'));
my $t0 = Time::HiRes::time();
my ($cached, $after, $t) = split ' ', main::carol_calls('poll');
push @s, "cached=$cached", "after=$after", main::ttl_checks($t0, $t);
FngateTest::save_output('xg-revoke.out', join("\n", @s) . "\n");
--- request
GET /t/out/xg-revoke.out
--- response_body
call=200
revoke=204
cached=200
after=403
within_ttl=1
after_ttl=403
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "xg" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 10: the refusal names Bob's alias, nothing of Alice's
--- request eval
"POST /2015-03-31/functions/$main::THUMBS:prod/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: carol
--- error_code: 403
--- response_body eval
qq{{"Type":"User","message":"User: arn:aws:iam::$main::CAROL:root is not authorized to perform: lambda:InvokeFunction on resource: $main::THUMBS:prod because no resource-based policy allows the lambda:InvokeFunction action"}}
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "xg" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 11: Alice grants Bob again; Bob's grant to Carol revoked stops Carol within fngate_cache_ttl, not Bob
--- timeout: 90
--- init
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xg/policy',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}});
sleep $main::TTL + 1;
my @s;
push @s, 'call=' . main::carol_calls('read');
push @s, 'revoke=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/xgthumbs/policy/carol?Qualifier=prod', '-X', 'DELETE'));
my $t0 = Time::HiRes::time();
my ($cached, $after, $t) = split ' ', main::carol_calls('poll');
push @s, "cached=$cached", "after=$after", main::ttl_checks($t0, $t);
push @s, 'bob=' . FngateTest::boto3_status('bob',
    "lam.invoke(FunctionName='xgthumbs:prod', Payload=b'{}')", 'read');
FngateTest::save_output('xg-revoke2.out', join("\n", @s) . "\n");
--- request
GET /t/out/xg-revoke2.out
--- response_body
call=200
revoke=204
cached=200
after=403
within_ttl=1
after_ttl=403
bob=200
--- error_log eval
qr/fngate: $main::CAROL may not lambda:InvokeFunction alias "\Q$main::THUMBS\E:prod": no statement of $main::BOB grants lambda:InvokeFunction/
