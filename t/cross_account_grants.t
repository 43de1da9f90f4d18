# A third account calls a cross-account alias: Bob's "xgthumbs:prod"
# points at Alice's "xg" version 1; Bob grants Carol lambda:InvokeFunction
# on it (AddPermission on the alias).  Carol's call checks both grants
# (Bob's to Carol, Alice's to Bob) at call time, runs Alice's code in one
# of Bob's VMs and is billed to Bob, as Bob's own calls are; Carol learns
# nothing of Alice's function.
#
# The fixture: Alice's xg (version 1, granted to Bob) and Bob's aliases on
# it: prod and vm (granted to Carol, each called by one block only, so a
# billing line found is that block's), bare (not granted) and grantme (for
# the block that grants).  Each block that changes a grant has a chain of
# its own (Alice's function, Bob's alias, both grants): xgrevoke (Alice's
# grant is revoked by the block), xgrefused (Alice's grant revoked in the
# fixture, before any call), xgregrant (the block revokes Alice's grant and
# makes it again) and xgbob (the block revokes Bob's grant to Carol).
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $CAROL = account('carol')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:xg";
our $THUMBS = "arn:aws:lambda:us-east-1:$BOB:function:xgthumbs";
our $TTL = 3;       # fngate_cache_ttl of the revocation blocks

# Alice's FN, version 1, granted to Bob; Bob's alias THUMBS:ALIAS on it for
# each ALIAS, and his grant to Carol on those of GRANTED.
sub chain {
    my ($fn, $thumbs, $aliases, $granted) = @_;
    make_function('alice', $fn, "#!/bin/sh\necho \"\\\"$fn \$AWS_LAMBDA_FUNCTION_VERSION\\\"\"\n",
                  publish => 1);
    grant('alice', $fn, 'bob', $BOB);
    for my $alias (@$aliases) {
        make_alias('bob', $thumbs, $alias,
                   "arn:aws:lambda:us-east-1:$ALICE:function:$fn:1");
    }
    grant('bob', $thumbs, 'carol', $CAROL, $_) for @$granted;
}

fixture(sub {
    chain('xg', 'xgthumbs', [qw(prod vm bare grantme)], [qw(prod vm)]);
    chain('xgrevoke', 'xgrthumbs', ['prod'], ['prod']);
    chain('xgrefused', 'xgfthumbs', ['prod'], ['prod']);
    revoke('alice', 'xgrefused', 'bob');
    chain('xgregrant', 'xggthumbs', ['prod'], ['prod']);
    chain('xgbob', 'xgbthumbs', ['prod'], ['prod']);
});

# After a revocation (FngateTest::boto3_change's LATE: the seconds from the
# change to the last call still answered as before): "within_ttl=1" when
# that is within fngate_cache_ttl + 0.5 s, and then Carol's call of
# THUMBS:prod sent once that much time has passed since the change
# ("after_ttl=STATUS": the revocation holds for sure by then).
sub ttl_checks {
    my ($late, $thumbs) = @_;
    my @s = ('within_ttl=' . FngateTest::within_ttl($late, $TTL));
    my $wait = $TTL + 0.5 - ($late =~ /^[0-9.]+$/ ? $late : 0);
    Time::HiRes::sleep($wait) if $wait > 0;
    push @s, 'after_ttl=' . carol_calls('read', $thumbs);
    return @s;
}

# Carol's call of Bob's alias THUMBS:prod by its ARN, as boto3_change takes it.
sub carol_call {
    my $thumbs = shift;
    return "lam.invoke(FunctionName='arn:aws:lambda:us-east-1:$BOB:function:$thumbs:prod', Payload=b'{}')";
}

# Carol calls Bob's alias THUMBS:prod by its ARN.
sub carol_calls {
    my ($mode, $thumbs) = @_;
    FngateTest::boto3_status('carol',
        "lam.invoke(FunctionName='arn:aws:lambda:us-east-1:$BOB:function:$thumbs:prod', Payload=b'{}')",
        $mode, $TTL);
}

revocation_ttl($TTL);

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice's xg version 1, granted to Bob; Bob's xgthumbs:made on it
--- request eval
qq{POST /2015-03-31/functions/xgthumbs/aliases\n{"Name":"made","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 2: without Bob's grant Carol's call is refused, naming Bob's alias only
--- request eval
"POST /2015-03-31/functions/$main::THUMBS:bare/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: carol
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- response_body eval
qq{{"Type":"User","message":"User: arn:aws:iam::$main::CAROL:root is not authorized to perform: lambda:InvokeFunction on resource: $main::THUMBS:bare because no resource-based policy allows the lambda:InvokeFunction action"}}
--- error_log eval
qr/fngate: $main::CAROL may not lambda:InvokeFunction alias "\Q$main::THUMBS\E:bare": no statement of $main::BOB grants lambda:InvokeFunction/



=== TEST 3: Bob grants Carol lambda:InvokeFunction on his alias
--- request eval
qq{POST /2015-03-31/functions/xgthumbs/policy?Qualifier=grantme\n{"StatementId":"carol","Action":"lambda:InvokeFunction","Principal":"$main::CAROL"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- response_body_like eval
quotemeta(qq{"Resource\\":\\"$main::THUMBS:grantme\\"})
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
FngateTest::python_boto3('bob', "lam.invoke(FunctionName='xgthumbs:vm', Payload=b'{}')\n");
FngateTest::python_boto3('alice', "lam.invoke(FunctionName='xg:1', Payload=b'{}')\n");
FngateTest::python_boto3('carol', "lam.invoke(FunctionName='$main::THUMBS:vm', Payload=b'{}')\n");
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
my ($before, $changed, $cached, $after, $late) = split ' ',
    FngateTest::boto3_change('carol', main::carol_call('xgrthumbs'), $main::TTL,
        'alice', "other.remove_permission(FunctionName='xgrevoke', StatementId='bob')");
push @s, "call=$before", "revoke=$changed", "cached=$cached", "after=$after",
    main::ttl_checks($late, 'xgrthumbs');
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
qr/fngate: $main::BOB may not lambda:InvokeFunction "xgrevoke" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 10: the refusal names Bob's alias, nothing of Alice's
--- request eval
"POST /2015-03-31/functions/arn:aws:lambda:us-east-1:$main::BOB:function:xgfthumbs:prod/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: carol
--- error_code: 403
--- response_body eval
qq{{"Type":"User","message":"User: arn:aws:iam::$main::CAROL:root is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:$main::BOB:function:xgfthumbs:prod because no resource-based policy allows the lambda:InvokeFunction action"}}
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "xgrefused" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 11: Alice's grant to Bob revoked stops Carol's calls, and made again lets her call once fngate_cache_ttl has passed
--- timeout: 120
--- init
my @s;
push @s, 'first=' . main::carol_calls('read', 'xggthumbs');
FngateTest::revoke('alice', 'xgregrant', 'bob');
my (undef, $refused) = split ' ', main::carol_calls('poll', 'xggthumbs');
push @s, "refused=$refused";
FngateTest::grant('alice', 'xgregrant', 'bob', $main::BOB);
sleep $main::TTL + 1;
push @s, 'call=' . main::carol_calls('read', 'xggthumbs');
FngateTest::save_output('xg-regrant.out', join("\n", @s) . "\n");
--- request
GET /t/out/xg-regrant.out
--- response_body
first=200
refused=403
call=200
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "xgregrant" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 12: Bob's grant to Carol revoked stops Carol within fngate_cache_ttl, not Bob
--- timeout: 90
--- init
my @s;
my ($before, $changed, $cached, $after, $late) = split ' ',
    FngateTest::boto3_change('carol', main::carol_call('xgbthumbs'), $main::TTL,
        'bob', "other.remove_permission(FunctionName='xgbthumbs', StatementId='carol', Qualifier='prod')");
push @s, "call=$before", "revoke=$changed", "cached=$cached", "after=$after",
    main::ttl_checks($late, 'xgbthumbs');
push @s, 'bob=' . FngateTest::boto3_status('bob',
    "lam.invoke(FunctionName='xgbthumbs:prod', Payload=b'{}')", 'read');
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
qr/fngate: $main::CAROL may not lambda:InvokeFunction alias "arn:aws:lambda:us-east-1:$main::BOB:function:xgbthumbs:prod": no statement of $main::BOB grants lambda:InvokeFunction/
