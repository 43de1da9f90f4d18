# Cross-account aliases: Bob's alias "thumbs:prod", in his own namespace,
# points at a version or alias of Alice's function "xresize" (CreateAlias
# with the full ARN as FunctionVersion).  Bob invokes it as his own alias;
# Alice's grant is checked at every call, Alice's code runs in Bob's VM and
# Bob is billed; Bob never sees Alice's configuration.
#
# The fixture: Alice's xresize (version 1, the alias "live", Bob's grant
# "bob-x") and Bob's thumbs:prod on its version 1 ("via alice"), which
# the blocks that only call or read them share.  A block that changes
# either side has functions and aliases of its own (xresizeN, thumbsN,
# ...) made in its --- init as the blocks before it left xresize and
# thumbs.
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();
use MIME::Base64 ();

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:xresize";
our $THUMBS = "arn:aws:lambda:us-east-1:$BOB:function:thumbs";
our $ZIP = zip_b64({ handler => [0755,
    "#!/bin/sh\necho \"\\\"pong \$AWS_LAMBDA_FUNCTION_VERSION\\\"\"\n"] });
our $ZIP2 = zip_b64({ handler => [0755,
    "#!/bin/sh\necho \"\\\"pong2 \$AWS_LAMBDA_FUNCTION_VERSION\\\"\"\n"] });
our $CAROL = account('carol')->{AccountId};
our $TTL = 3;       # fngate_cache_ttl of the revocation blocks

# ZIP (base64) as a file for the AWS CLI's fileb://; its path.
sub zip_file {
    my ($b64, $name) = @_;
    my $f = "/tmp/fngate-xa-$$-$name.zip";
    open my $z, '>', $f or die "$f: $!";
    binmode $z;
    print $z MIME::Base64::decode_base64($b64);
    close $z;
    return $f;
}

sub thumbs_keys { redis_keys("fg:*{$BOB}:thumbs*") }

# Bob's keys of thumbs, his code blobs and his function names.
sub bob_state {
    my $port = $ENV{TEST_NGINX_REDIS_PORT};
    my $fns = `redis-cli -p $port ZRANGE 'fg:fns:{$BOB}' 0 -1`;
    $fns =~ s/\n/ /g;
    return thumbs_keys() . redis_keys("fg:code:{$BOB}:*", "fg:coderefs:{$BOB}")
        . "fns: $fns\n";
}

# Bob invokes THUMBS:prod (thumbs when not given).
sub bob_calls {
    my ($mode, $thumbs) = @_;
    $thumbs //= 'thumbs';
    boto3_status('bob', "lam.invoke(FunctionName='$thumbs:prod', Payload=b'{}')",
                 $mode, $TTL);
}

# The ARN of Alice's function FN (of WHO's, when given).
sub arn {
    my ($fn, $who) = @_;
    return "arn:aws:lambda:us-east-1:" . ($who // $ALICE) . ":function:$fn";
}

# Alice's FN, published as version 1, with %o: live (her alias "live" on
# 1), nogrant (no "bob-x" for Bob), v2gone (version 2 published after a
# configuration change, then deleted, as TEST 32 leaves xresize), v3
# (then --publish'd new code, version 3, and a new configuration, as
# TEST 36 leaves it).
sub xresize_made {
    my ($fn, %o) = @_;
    my $f = "/2015-03-31/functions/$fn";
    make_function('alice', $fn, undef, zip_b64 => $ZIP, publish => 1);
    make_alias('alice', $fn, 'live', '1') if $o{live};
    grant('alice', $fn, 'bob-x', $BOB) unless $o{nogrant};
    if ($o{v2gone} || $o{v3}) {
        api_ok('alice', 'PUT', "$f/configuration", '{"Timeout":7}', 200);
        api_ok('alice', 'POST', "$f/versions", '{}', 201);
        api_ok('alice', 'DELETE', "$f?Qualifier=2", '', 204);
    }
    if ($o{v3}) {
        api_ok('alice', 'PUT', "$f/code",
            json_encode({ ZipFile => $ZIP2, Publish => JSON::PP::true }), 200);
        api_ok('alice', 'PUT', "$f/configuration",
            '{"Timeout":9,"Environment":{"Variables":{"MODE":"new"}}}', 200);
    }
}

# Bob's cross-account alias THUMBS:NAME on Alice's FN:QUALIFIER.
sub thumbs_made {
    my ($thumbs, $name, $fn, $qualifier) = @_;
    make_alias('bob', $thumbs, $name, arn($fn) . ":$qualifier");
}

# Bob's function BOBFN (version 1), granted to Alice.
sub bobfn_made {
    my $bobfn = shift;
    make_function('bob', $bobfn, undef, zip_b64 => $ZIP, publish => 1);
    grant('bob', $bobfn, 'alice', $ALICE);
}

# Data an older fngate could leave (TEST 30): Alice's BACK with an
# ordinary alias "plain" granted to Bob, Bob's THUMBS:loop2 on it; Alice
# deletes BACK, makes "plain" a cross-account alias on Bob's BOBFN:1 (as
# bobfn_made leaves it), can not recreate BACK through the API, and does
# with the alias set set aside.  A line each step.
sub legacy_loop {
    my ($back, $thumbs, $bobfn) = @_;
    my @s;
    my $redis = "redis-cli -p $ENV{TEST_NGINX_REDIS_PORT}";
    my $aliases = "fg:aliases:{$ALICE}:$back";
    push @s, 'back2=' . http_code(curl_sigv4('alice',
        '/2015-03-31/functions', '-H', 'Content-Type: application/json',
        '-d', create_function_body(name => $back, zip_b64 => $ZIP)));
    push @s, 'plain=' . http_code(curl_sigv4('alice',
        "/2015-03-31/functions/$back/aliases", '-H', 'Content-Type: application/json',
        '-d', '{"Name":"plain","FunctionVersion":"$LATEST"}'));
    push @s, 'alicegrant=' . http_code(curl_sigv4('alice',
        "/2015-03-31/functions/$back/policy", '-H', 'Content-Type: application/json',
        '-d', qq{{"StatementId":"bob","Action":"lambda:InvokeFunction","Principal":"$BOB"}}));
    push @s, 'bobx=' . http_code(curl_sigv4('bob',
        "/2015-03-31/functions/$thumbs/aliases", '-H', 'Content-Type: application/json',
        '-d', qq{{"Name":"loop2","FunctionVersion":"@{[arn($back)]}:plain"}}));
    # the API keeps a name either a function or cross-account aliases: Alice
    # deletes BACK, makes "plain" cross-account, and can not recreate BACK
    push @s, 'delete=' . http_code(curl_sigv4('alice',
        "/2015-03-31/functions/$back", '-X', 'DELETE'));
    push @s, 'alicex=' . http_code(curl_sigv4('alice',
        "/2015-03-31/functions/$back/aliases", '-H', 'Content-Type: application/json',
        '-d', qq{{"Name":"plain","FunctionVersion":"@{[arn($bobfn, $BOB)]}:1"}}));
    my $create = sub {
        http_code(curl_sigv4('alice',
            '/2015-03-31/functions', '-H', 'Content-Type: application/json',
            '-d', create_function_body(name => $back, zip_b64 => $ZIP)));
    };
    push @s, 'recreate=' . $create->();
    # what an fngate without that check could leave: the function created
    # beside the cross-account alias (its alias set set aside meanwhile)
    system("$redis RENAME '$aliases' '$aliases-aside' >/dev/null");
    push @s, 'legacy=' . $create->();
    system("$redis RENAME '$aliases-aside' '$aliases' >/dev/null");
    push @s, 'alicegrant=' . http_code(curl_sigv4('alice',
        "/2015-03-31/functions/$back/policy", '-H', 'Content-Type: application/json',
        '-d', qq{{"StatementId":"bob","Action":"lambda:InvokeFunction","Principal":"$BOB"}}));
    return @s;
}

fixture(sub {
    xresize_made('xresize', live => 1);
    api_ok('bob', 'POST', '/2015-03-31/functions/thumbs/aliases',
        qq{{"Name":"prod","FunctionVersion":"$ARN:1","Description":"via alice"}},
        201);
});

revocation_ttl($TTL);

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice's function xresize1, published as version 1
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'xresize1', zip_b64 => $main::ZIP) =~ s/\}$/,"Publish":true}/r
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "Version":"1"
--- no_error_log
[error]



=== TEST 2: and her alias "live" for version 1 (xresize2)
--- init
FngateTest::make_function('alice', 'xresize2', undef, zip_b64 => $main::ZIP,
    publish => 1);
--- request
POST /2015-03-31/functions/xresize2/aliases
{"Name":"live","FunctionVersion":"1"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 3: without a grant Bob's alias on Alice's version is refused
--- init
main::xresize_made('xresize3', nogrant => 1);
--- request eval
qq{POST /2015-03-31/functions/thumbs3/aliases\n{"Name":"prod","FunctionVersion":"@{[main::arn('xresize3')]}:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- response_body eval
qq{{"Type":"User","message":"User: arn:aws:iam::$main::BOB:root is not authorized to perform: lambda:InvokeFunction on resource: @{[main::arn('xresize3')]} because no resource-based policy allows the lambda:InvokeFunction action"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: AccessDeniedException"



=== TEST 4: Alice grants Bob lambda:InvokeFunction on xresize4
--- init
FngateTest::make_function('alice', 'xresize4', undef, zip_b64 => $main::ZIP,
    publish => 1);
--- request eval
qq{POST /2015-03-31/functions/xresize4/policy\n{"StatementId":"bob-x","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 5: $LATEST of another account is refused (its code may change under Bob)
--- request eval
qq{POST /2015-03-31/functions/thumbs5/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:\$LATEST"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: can not point at \$LATEST
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 6: so is an ARN without a version or alias
--- request eval
qq{POST /2015-03-31/functions/thumbs6/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_body_like: must name a version or an alias
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 7: and an ARN that is not valid
--- request eval
qq{POST /2015-03-31/functions/thumbs7/aliases\n{"Name":"prod","FunctionVersion":"arn:aws:lambda:us-east-1:1234:function:xresize:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_body_like: Value 'arn:aws:lambda:us-east-1:1234:function:xresize:1' at 'functionVersion' failed to satisfy constraint
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 8: an invalid alias name
--- request eval
qq{POST /2015-03-31/functions/thumbs8/aliases\n{"Name":"pr od","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_body_like: Value 'pr od' at 'name' failed to satisfy constraint
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 9: an invalid function name in the path
--- request eval
qq{POST /2015-03-31/functions/thu\%20mbs/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- error_log
fngate: invalid function name in



=== TEST 10: RoutingConfig weights on a cross-account alias are refused
--- request eval
qq{POST /2015-03-31/functions/thumbs10/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.5}}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_body_like: RoutingConfig is not supported on a cross-account alias
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 11: a version Alice does not have
--- request eval
qq{POST /2015-03-31/functions/thumbs11/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:9"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_body eval
qq{{"Type":"User","message":"Function not found: $main::ARN:9"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 12: a FunctionVersion ARN of Bob's own account is refused
--- request eval
qq{POST /2015-03-31/functions/thumbs12/aliases\n{"Name":"prod","FunctionVersion":"$main::THUMBS:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 400
--- response_body_like: names a function of your own account
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 13: nothing of thumbs was written by the refusals
--- init
# the refusals of TESTs 3, 5 to 8 and 10 to 12, for thumbs13
main::xresize_made('xresize13', nogrant => 1);
FngateTest::api_call('bob', 'POST', '/2015-03-31/functions/thumbs13/aliases', $_)
    for qq{{"Name":"prod","FunctionVersion":"@{[main::arn('xresize13')]}:1"}},
        qq{{"Name":"prod","FunctionVersion":"$main::ARN:\$LATEST"}},
        qq{{"Name":"prod","FunctionVersion":"$main::ARN"}},
        '{"Name":"prod","FunctionVersion":"arn:aws:lambda:us-east-1:1234:function:xresize:1"}',
        qq{{"Name":"pr od","FunctionVersion":"$main::ARN:1"}},
        qq{{"Name":"prod","FunctionVersion":"$main::ARN:1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.5}}}},
        qq{{"Name":"prod","FunctionVersion":"$main::ARN:9"}},
        qq{{"Name":"prod","FunctionVersion":"@{[main::arn('thumbs13', $main::BOB)]}:1"}};
FngateTest::save_output('xa-keys0.out',
    FngateTest::redis_keys("fg:*{$main::BOB}:thumbs13*"));
--- request
GET /t/out/xa-keys0.out
--- response_body eval
"\n"
--- no_error_log
[error]



=== TEST 14: Bob's thumbs14:prod points at Alice's version 1
--- request eval
qq{POST /2015-03-31/functions/thumbs14/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:1","Description":"via alice"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- response_body_like eval
'^\{"AliasArn":"' . quotemeta(main::arn('thumbs14', $main::BOB)) . ':prod","Name":"prod","FunctionVersion":"' . quotemeta($main::ARN) . ':1","Description":"via alice","RevisionId":"[0-9a-f-]{36}"\}$'
--- no_error_log
[error]



=== TEST 15: the same alias again is ResourceConflictException
--- request eval
qq{POST /2015-03-31/functions/thumbs/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 409
--- response_body eval
qq{{"Type":"User","message":"Alias already exists: $main::THUMBS:prod"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"



=== TEST 16: CreateFunction thumbs16 while Bob's cross-account aliases hold the name is 409
--- init
main::thumbs_made('thumbs16', 'prod', 'xresize', 1);
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'thumbs16', zip_b64 => $main::ZIP)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 409
--- response_headers
x-amzn-ErrorType: ResourceConflictException
--- response_body eval
qq{{"Type":"User","message":"The name thumbs16 holds cross-account aliases (@{[main::arn('thumbs16', $main::BOB)]}:ALIAS); delete them before creating a function of that name"}}
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"



=== TEST 17: the AWS CLI's create-function gets the same; nothing of Bob's was written by either
--- timeout: 60
--- init
# TEST 16's CreateFunction, then the AWS CLI's, for thumbs17
main::thumbs_made('thumbs17', 'prod', 'xresize', 1);
my $before = main::bob_state();
FngateTest::api_call('bob', 'POST', '/2015-03-31/functions',
    FngateTest::create_function_body(name => 'thumbs17', zip_b64 => $main::ZIP));
my $zipf = "/tmp/fngate-xa-$$.zip";
open my $z, '>', $zipf or die "$zipf: $!";
binmode $z;
print $z MIME::Base64::decode_base64($main::ZIP);
close $z;
my $cli = FngateTest::aws_cli('bob', 'lambda', 'create-function',
    '--function-name', 'thumbs17', '--runtime', 'provided', '--handler', 'handler',
    '--role', 'arn:aws:iam::000000000000:role/fngate',
    '--zip-file', "fileb://$zipf");
unlink $zipf;
my $after = main::bob_state();
FngateTest::save_output('xa-create.out', join "\n",
    ($cli =~ /^exit=(\d+)/ ? "cli exit=$1" : $cli),
    ($cli =~ /\((ResourceConflictException)\).*holds cross-account aliases/ ? $1 : $cli),
    'unchanged=' . ($after eq $before ? 1 : "$before\n--\n$after"),
    'thumbs_is_function=' . ($after =~ /^fns: .*\bthumbs17\b/m ? 1 : 0), '');
--- request
GET /t/out/xa-create.out
--- response_body
cli exit=254
ResourceConflictException
unchanged=1
thumbs_is_function=0
--- no_error_log
[error]



=== TEST 18: Bob invokes thumbs:prod: Alice's version 1, billed to Bob
--- timeout: 120
--- request
POST /2015-03-31/functions/thumbs:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_headers
X-Amz-Executed-Version: 1
--- response_body
"pong 1"
--- access_log eval
qr/"action":"Invoke","caller":"$main::BOB","billing_account":"$main::BOB","owner":"$main::ALICE","function":"xresize","qualifier":"1","version":"1","status":"200".*"alias":"\Q$main::THUMBS\E:prod"/
--- no_error_log
[error]



=== TEST 19: by ?Qualifier= as well
--- timeout: 120
--- request
POST /2015-03-31/functions/thumbs/invocations?Qualifier=prod
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body
"pong 1"
--- no_error_log
[error]



=== TEST 20: and by the alias's full ARN
--- timeout: 120
--- request eval
"POST /2015-03-31/functions/$main::THUMBS:prod/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body
"pong 1"
--- no_error_log
[error]



=== TEST 21: Bob's call ran in a VM of Bob's, not in Alice's
--- timeout: 180
--- init
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xresize/invocations?Qualifier=1',
    '-d', '{}');
FngateTest::python_boto3('bob',
    "lam.invoke(FunctionName='thumbs:prod', Payload=b'{}')\n");
my $c = FngateTest::last_invokes();
my ($a, $b) = ($c->{$main::ALICE}, $c->{$main::BOB});
FngateTest::save_output('xa-vm.out',
    !$a || !$b ? "missing billing lines\n"
    : "bob billed=" . ($b->{billing} eq $main::BOB ? 'bob' : $b->{billing})
      . " owner=" . ($b->{owner} eq $main::ALICE ? 'alice' : $b->{owner})
      . " alias=" . ($b->{alias} eq "$main::THUMBS:prod" ? 'thumbs:prod'
                                                         : $b->{alias})
      . " own_vm=" . ($b->{vm} ne '' && $b->{vm} ne $a->{vm} ? 1 : 0)
      . "\nalice alias=" . ($a->{alias} eq '' ? 'none' : $a->{alias}) . "\n");
--- request
GET /t/out/xa-vm.out
--- response_body
bob billed=bob owner=alice alias=thumbs:prod own_vm=1
alice alias=none
--- no_error_log
[error]



=== TEST 22: Bob's GetAlias shows his alias only, none of Alice's configuration
--- request
GET /2015-03-31/functions/thumbs/aliases/prod
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
'^\{"AliasArn":"' . quotemeta($main::THUMBS) . ':prod","Name":"prod","FunctionVersion":"' . quotemeta($main::ARN) . ':1","Description":"via alice","RevisionId":"[0-9a-f-]{36}"\}$'
--- no_error_log
[error]



=== TEST 23: ListAliases of thumbs, which is not a function of Bob's
--- request
GET /2015-03-31/functions/thumbs/aliases
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 200
--- response_body_like eval
'^\{"Aliases":\[\{"AliasArn":"' . quotemeta($main::THUMBS) . ':prod","Name":"prod","FunctionVersion":"' . quotemeta($main::ARN) . ':1",[^\]]*\}\]\}$'
--- no_error_log
[error]



=== TEST 24: Bob's GetFunction of Alice's function is refused
--- request eval
"GET /2015-03-31/functions/$main::ARN"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetFunction "xresize" of $main::ALICE: no statement grants lambda:GetFunction/



=== TEST 25: and GetFunction of thumbs (not a function) is ResourceNotFound
--- request
GET /2015-03-31/functions/thumbs
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log eval
qr/fngate: function "thumbs" of $main::BOB not found/



=== TEST 26: X-Amz-Log-Type: Tail shows no log of Alice's code to Bob
--- timeout: 120
--- request
POST /2015-03-31/functions/thumbs:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
X-Amz-Log-Type: Tail
--- error_code: 200
--- response_headers
!X-Amz-Log-Result
X-Amz-Executed-Version: 1
--- response_body
"pong 1"
--- no_error_log
[error]



=== TEST 27: a cross-account alias on the name of one of Bob's functions is refused
--- init
FngateTest::curl_sigv4('bob', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'bobfn27',
              zip_b64 => $main::ZIP) =~ s/\}$/,"Publish":true}/r);
--- request eval
qq{POST /2015-03-31/functions/bobfn27/aliases\n{"Name":"ext","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 409
--- response_body_like: needs a name that is not one of your functions
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"



=== TEST 28: Alice's alias "live" as target; UpdateAlias re-targets with the same checks
--- timeout: 120
--- init
my @s;
push @s, 'create=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs28/aliases', '-H', 'Content-Type: application/json',
    '-d', qq{{"Name":"hop","FunctionVersion":"$main::ARN:live"}}));
push @s, 'invoke=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs28/invocations?Qualifier=hop', '-d', '{}'));
push @s, 'latest=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs28/aliases/hop', '-X', 'PUT',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"FunctionVersion":"$main::ARN:\$LATEST"}}));
push @s, 'nosuch=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs28/aliases/hop', '-X', 'PUT',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"FunctionVersion":"$main::ARN:nope"}}));
push @s, 'retarget=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs28/aliases/hop', '-X', 'PUT',
    '-H', 'Content-Type: application/json',
    '-d', qq{{"FunctionVersion":"$main::ARN:1"}}));
my $g = FngateTest::curl_sigv4('bob', '/2015-03-31/functions/thumbs28/aliases/hop');
push @s, 'target=' . ($g =~ /"FunctionVersion":"\Q$main::ARN\E:1"/ ? 'v1' : $g);
FngateTest::save_output('xa-hop.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-hop.out
--- response_body
create=201
invoke=200
latest=400
nosuch=404
retarget=200
target=v1



=== TEST 29: a loop is refused: an alias of Alice's that itself points at another account
--- timeout: 120
--- init
FngateTest::make_function('bob', 'bobfn29', undef, zip_b64 => $main::ZIP,
    publish => 1);
my @s;
# Bob grants Alice his bobfn29; Alice makes her own cross-account alias
# "back:to-bob" on it (so "back" can not become a function of hers) and
# grants Bob that alias
push @s, 'bobgrant=' . FngateTest::http_code(FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/bobfn29/policy', '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"alice","Action":"lambda:InvokeFunction","Principal":"$main::ALICE"}}));
push @s, 'alicex=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/back/aliases', '-H', 'Content-Type: application/json',
    '-d', qq{{"Name":"to-bob","FunctionVersion":"arn:aws:lambda:us-east-1:$main::BOB:function:bobfn29:1"}}));
push @s, 'back=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions', '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'back',
              zip_b64 => $main::ZIP)));
push @s, 'alicegrant=' . FngateTest::http_code(FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/back/policy?Qualifier=to-bob', '-H', 'Content-Type: application/json',
    '-d', qq{{"StatementId":"bob","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}}));
# at create time
my $c = FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs29/aliases', '-H', 'Content-Type: application/json',
    '-d', qq{{"Name":"loop","FunctionVersion":"arn:aws:lambda:us-east-1:$main::ALICE:function:back:to-bob"}});
push @s, 'create=' . FngateTest::http_code($c)
    . ($c =~ /can not be chained/ ? ' chained' : '');
FngateTest::save_output('xa-loop.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-loop.out
--- response_body
bobgrant=201
alicex=201
back=409
alicegrant=201
create=400 chained



=== TEST 30: and at call time, for data an older fngate could leave: a function whose alias is cross-account
--- timeout: 120
--- init
main::bobfn_made('bobfn30');
my @s = main::legacy_loop('back2', 'thumbs30', 'bobfn30');
my $c = FngateTest::curl_sigv4('bob',
    '/2015-03-31/functions/thumbs30/invocations?Qualifier=loop2', '-d', '{}');
push @s, 'invoke=' . FngateTest::http_code($c)
    . ($c =~ /can not be chained/ ? ' chained' : '')
    . ($c =~ /\Q@{[main::arn('thumbs30', $main::BOB)]}\E:loop2/ ? ' names-bobs-alias' : '');
FngateTest::save_output('xa-loop2.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-loop2.out
--- response_body
back2=201
plain=201
alicegrant=201
bobx=201
delete=204
alicex=201
recreate=409
legacy=201
alicegrant=201
invoke=400 chained names-bobs-alias



=== TEST 31: a dangling target (Alice deleted her alias) is ResourceNotFound naming Bob's alias
--- timeout: 120
--- init
main::xresize_made('xresize31', live => 1);
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/thumbs31/aliases', '-H',
    'Content-Type: application/json',
    '-d', qq{{"Name":"viaLive","FunctionVersion":"@{[main::arn('xresize31')]}:live"}});
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xresize31/aliases/live',
    '-X', 'DELETE');
--- request
POST /2015-03-31/functions/thumbs31:viaLive/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/^\{"Type":"User","message":"Function not found: \Q@{[main::arn('thumbs31', $main::BOB)]}\E:viaLive \(the target/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 32: a dangling version as well
--- timeout: 120
--- init
main::xresize_made('xresize32');
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xresize32/configuration',
    '-X', 'PUT', '-H', 'Content-Type: application/json',
    '-d', '{"Timeout":7}');
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xresize32/versions',
    '-H', 'Content-Type: application/json', '-d', '{}');
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/thumbs32/aliases', '-H',
    'Content-Type: application/json',
    '-d', qq{{"Name":"v2","FunctionVersion":"@{[main::arn('xresize32')]}:2"}});
FngateTest::curl_sigv4('alice',
    '/2015-03-31/functions/xresize32?Qualifier=2', '-X', 'DELETE');
--- request
POST /2015-03-31/functions/thumbs32:v2/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_body_like eval
qr/^\{"Type":"User","message":"Function not found: \Q@{[main::arn('thumbs32', $main::BOB)]}\E:v2 \(the target/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 33: a grant revoked stops Bob's alias within fngate_cache_ttl
--- timeout: 90
--- init
main::xresize_made('xresize33');
main::thumbs_made('thumbs33', 'prod', 'xresize33', 1);
my @steps;
my $call = "lam.invoke(FunctionName='thumbs33:prod', Payload=b'{}')";
my ($before, $changed, $cached, $after, $late) = split ' ',
    FngateTest::boto3_change('bob', $call, $main::TTL, 'alice',
        "other.remove_permission(FunctionName='xresize33', StatementId='bob-x')");
push @steps, "call=$before", "revoke=$changed", "cached=$cached",
    "after=$after", 'within_ttl=' . FngateTest::within_ttl($late, $main::TTL);
($before, $changed, $cached, $after, $late) = split ' ',
    FngateTest::boto3_change('bob', $call, $main::TTL, 'alice',
        "other.add_permission(FunctionName='xresize33', StatementId='bob-x', "
        . "Action='lambda:InvokeFunction', Principal='$main::BOB')");
push @steps, "regrant=$changed", "cached=$cached", "after=$after",
    'within_ttl=' . FngateTest::within_ttl($late, $main::TTL);
FngateTest::save_output('xa-revoke.out', join("\n", @steps) . "\n");
--- request
GET /t/out/xa-revoke.out
--- response_body
call=200
revoke=204
cached=200
after=403
within_ttl=1
regrant=201
cached=403
after=200
within_ttl=1
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "xresize33" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 34: the AWS CLI: create-alias with an ARN FunctionVersion, invoke thumbs34:cli
--- timeout: 180
--- init
FngateTest::save_output('xa-aws.out', join '',
    FngateTest::aws_cli('bob', 'lambda', 'create-alias',
        '--function-name', 'thumbs34', '--name', 'cli',
        '--function-version', "$main::ARN:1",
        '--query', 'FunctionVersion', '--output', 'text'),
    FngateTest::aws_cli('bob', 'lambda', 'invoke', '--function-name',
        'thumbs34:cli', '--payload', '{}', '/dev/stdout'),
    FngateTest::aws_cli('bob', 'lambda', 'invoke', '--function-name',
        'thumbs34', '--qualifier', 'cli', '--payload', '{}', '/dev/stdout'));
--- request
GET /t/out/xa-aws.out
--- response_body_like eval
qr/^exit=0\n\Q$main::ARN\E:1\nexit=0\n"pong 1"\n.*"StatusCode":\s*200.*"ExecutedVersion":\s*"1".*exit=0\n"pong 1"\n/s
--- no_error_log
[error]



=== TEST 35: boto3: create_alias, get_alias, invoke, list_aliases, delete_alias
--- timeout: 180
--- init
FngateTest::save_output('xa-boto3.out', FngateTest::python_boto3('bob', <<_EOP_));
a = lam.create_alias(FunctionName='thumbs35', Name='boto',
                     FunctionVersion='$main::ARN:1')
print(a['AliasArn'] == '@{[main::arn('thumbs35', $main::BOB)]}:boto', a['FunctionVersion'])
g = lam.get_alias(FunctionName='thumbs35', Name='boto')
print(sorted(k for k in g if k != 'ResponseMetadata'))
r = lam.invoke(FunctionName='thumbs35:boto', Payload=b'{}')
print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
names = [x['Name'] for x in lam.list_aliases(FunctionName='thumbs35')['Aliases']]
print('boto' in names)
lam.delete_alias(FunctionName='thumbs35', Name='boto')
try:
    lam.get_alias(FunctionName='thumbs35', Name='boto')
except lam.exceptions.ResourceNotFoundException:
    print('deleted')
_EOP_
--- request
GET /t/out/xa-boto3.out
--- response_body eval
"exit=0\nTrue $main::ARN:1\n['AliasArn', 'Description', 'FunctionVersion', 'Name', 'RevisionId']\n200 1 \"pong 1\"\nTrue\ndeleted\n"
--- no_error_log
[error]



=== TEST 36: Alice's UpdateFunctionCode --publish (AWS CLI) and UpdateFunctionConfiguration (boto3) leave Bob's alias on version 1 as it was
--- timeout: 240
--- init
main::xresize_made('xresize36', v2gone => 1);
main::thumbs_made('thumbs36', 'prod', 'xresize36', 1);
my @s;
my $zip = main::zip_file($main::ZIP2, 'v3');
my $up = FngateTest::aws_cli('alice', 'lambda', 'update-function-code',
    '--function-name', 'xresize36', '--zip-file', "fileb://$zip", '--publish',
    '--query', 'Version', '--output', 'text');
unlink $zip;
push @s, $up =~ /^exit=0\n(\d+)\s*$/ ? "published=$1" : $up;
my $cfg = FngateTest::python_boto3('alice', <<'_PY_');
c = lam.update_function_configuration(FunctionName='xresize36', Timeout=9,
    Environment={'Variables': {'MODE': 'new'}})
print(c['Version'], c['Timeout'])
_PY_
push @s, $cfg =~ /^exit=0\n(.*?)\s*$/s ? "config=$1" : $cfg;
my $call = FngateTest::python_boto3('bob', <<'_PY_');
r = lam.invoke(FunctionName='thumbs36:prod', Payload=b'{}')
print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
_PY_
push @s, $call =~ /^exit=0\n(.*?)\s*$/s ? "bob=$1" : $call;
FngateTest::save_output('xa-update.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-update.out
--- response_body
published=3
config=$LATEST 9
bob=200 1 "pong 1"
--- no_error_log
[error]



=== TEST 37: Bob's UpdateAlias (AWS CLI) moves thumbs:prod to Alice's version 3, boto3 moves it back; Bob may not update Alice's function
--- timeout: 240
--- init
main::xresize_made('xresize37', v3 => 1);
main::thumbs_made('thumbs37', 'prod', 'xresize37', 1);
my $ARN = main::arn('xresize37');
my @s;
my $u = FngateTest::aws_cli('bob', 'lambda', 'update-alias',
    '--function-name', 'thumbs37', '--name', 'prod',
    '--function-version', "$ARN:3", '--query', 'FunctionVersion',
    '--output', 'text');
push @s, $u =~ /^exit=0\n\Q$ARN\E:3\s*$/ ? 'cli=v3' : $u;
my $py = FngateTest::python_boto3('bob', <<_PY_);
r = lam.invoke(FunctionName='thumbs37:prod', Payload=b'{}')
print(r['ExecutedVersion'], r['Payload'].read().decode().strip())
a = lam.update_alias(FunctionName='thumbs37', Name='prod',
                     FunctionVersion='$ARN:1')
print(a['FunctionVersion'] == '$ARN:1')
r = lam.invoke(FunctionName='thumbs37:prod', Payload=b'{}')
print(r['ExecutedVersion'], r['Payload'].read().decode().strip())
for call in (lambda: lam.update_function_configuration(FunctionName='$ARN', Timeout=1),
             lambda: lam.update_function_code(FunctionName='$ARN', ZipFile=b'PK'),
             lambda: lam.update_function_configuration(FunctionName='thumbs37', Timeout=1)):
    try:
        call()
        print('answered')
    except lam.exceptions.ClientError as e:
        print(e.response['Error']['Code'])
_PY_
push @s, $py =~ /^exit=0\n(.*?)\s*$/s ? $1 : $py;
my $cli = FngateTest::aws_cli('bob', 'lambda', 'update-function-configuration',
    '--function-name', $ARN, '--timeout', '1');
push @s, $cli =~ /^exit=254\n.*\(AccessDeniedException\)/s ? 'cli-config=AccessDeniedException' : $cli;
FngateTest::save_output('xa-update-alias.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-update-alias.out
--- response_body
cli=v3
3 "pong2 3"
True
1 "pong 1"
AccessDeniedException
AccessDeniedException
ResourceNotFoundException
cli-config=AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:UpdateFunctionConfiguration "xresize37" of $main::ALICE: not grantable/



=== TEST 38: a grant of one qualifier (AWS CLI add-permission --qualifier 1) lets Carol alias version 1 only (boto3)
--- timeout: 240
--- init
main::xresize_made('xresize38', v3 => 1);
my $ARN = main::arn('xresize38');
my @s;
my $g = FngateTest::aws_cli('alice', 'lambda', 'add-permission',
    '--function-name', 'xresize38', '--qualifier', '1',
    '--statement-id', 'carol-v1', '--action', 'lambda:InvokeFunction',
    '--principal', $main::CAROL);
push @s, $g =~ /^exit=0\n.*carol-v1/s ? 'granted' : $g;
my $py = FngateTest::python_boto3('carol', <<_PY_);
a = lam.create_alias(FunctionName='cthumbs38', Name='v1', FunctionVersion='$ARN:1')
print('v1', a['FunctionVersion'] == '$ARN:1')
for name, target in (('v3', '$ARN:3'), ('whole', '$ARN:\$LATEST')):
    try:
        lam.create_alias(FunctionName='cthumbs38', Name=name, FunctionVersion=target)
        print(name, 'created')
    except lam.exceptions.ClientError as e:
        print(name, e.response['Error']['Code'])
r = lam.invoke(FunctionName='cthumbs38:v1', Payload=b'{}')
print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
try:
    lam.invoke(FunctionName='$ARN:3', Payload=b'{}')
    print('v3 answered')
except lam.exceptions.ClientError as e:
    print('v3', e.response['Error']['Code'])
print(sorted(x['Name'] for x in lam.list_aliases(FunctionName='cthumbs38')['Aliases']))
_PY_
push @s, $py =~ /^exit=0\n(.*?)\s*$/s ? $1 : $py;
FngateTest::save_output('xa-qualgrant.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-qualgrant.out
--- response_body
granted
v1 True
v3 AccessDeniedException
whole InvalidParameterValueException
200 1 "pong 1"
v3 AccessDeniedException
['v1']
--- error_log eval
qr/fngate: $main::CAROL may not lambda:InvokeFunction "xresize38" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 39: Alice's RemovePermission (boto3) of Carol's grant: Carol's alias is revoked within fngate_cache_ttl, Bob's is not
--- timeout: 120
--- init
main::xresize_made('xresize39');
FngateTest::grant('alice', 'xresize39', 'carol-v1', $main::CAROL, '1');
FngateTest::make_alias('carol', 'cthumbs39', 'v1', main::arn('xresize39') . ':1');
main::thumbs_made('thumbs39', 'prod', 'xresize39', 1);
my @s;
my ($before, $changed, $cached, $after, $late) = split ' ',
    FngateTest::boto3_change('carol',
        "lam.invoke(FunctionName='cthumbs39:v1', Payload=b'{}')", $main::TTL,
        'alice', "other.remove_permission(FunctionName='xresize39', "
        . "Qualifier='1', StatementId='carol-v1')");
push @s, "call=$before", $changed == 204 ? 'removed' : "removed=$changed",
    "cached=$cached", "after=$after", 'within_ttl=' . FngateTest::within_ttl($late, $main::TTL);
push @s, 'bob=' . main::bob_calls('read', 'thumbs39');
FngateTest::curl_sigv4('carol', '/2015-03-31/functions/cthumbs39/aliases/v1', '-X', 'DELETE');
FngateTest::save_output('xa-qualrevoke.out', join("\n", @s) . "\n");
--- request
GET /t/out/xa-qualrevoke.out
--- response_body
call=200
removed
cached=200
after=403
within_ttl=1
bob=200
--- error_log eval
qr/fngate: $main::CAROL may not lambda:InvokeFunction "xresize39" of $main::ALICE: no statement grants lambda:InvokeFunction/



=== TEST 40: Alice deletes xresize40: Bob's alias dangles, ResourceNotFound naming it
--- init
main::xresize_made('xresize40');
main::thumbs_made('thumbs40', 'prod', 'xresize40', 1);
FngateTest::curl_sigv4('alice', '/2015-03-31/functions/xresize40', '-X',
    'DELETE');
--- request
POST /2015-03-31/functions/thumbs40:prod/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body eval
qq{{"Type":"User","message":"Function not found: @{[main::arn('thumbs40', $main::BOB)]}:prod"}}
--- error_log eval
qr/fngate: function "xresize40" of $main::ALICE not found/



=== TEST 41: Bob deletes all his thumbs41 aliases: nothing of thumbs is left in Redis
--- init
# thumbs41 as the blocks before leave thumbs: prod, hop and cli on
# version 1, viaLive and v2 dangling, loop2 on data an older fngate
# could leave
main::thumbs_made('thumbs41', $_, 'xresize', 1) for qw(prod hop cli);
main::xresize_made('xresize41', live => 1);
main::thumbs_made('thumbs41', 'viaLive', 'xresize41', 'live');
FngateTest::api_ok('alice', 'PUT', '/2015-03-31/functions/xresize41/configuration',
    '{"Timeout":7}', 200);
FngateTest::api_ok('alice', 'POST', '/2015-03-31/functions/xresize41/versions', '{}', 201);
main::thumbs_made('thumbs41', 'v2', 'xresize41', 2);
FngateTest::api_ok('alice', 'DELETE', "/2015-03-31/functions/xresize41$_", '', 204)
    for '/aliases/live', '?Qualifier=2';
main::bobfn_made('bobfn41');
main::legacy_loop('back41', 'thumbs41', 'bobfn41');
for my $a (qw(prod hop loop2 viaLive v2 cli)) {
    FngateTest::curl_sigv4('bob', "/2015-03-31/functions/thumbs41/aliases/$a",
        '-X', 'DELETE');
}
FngateTest::save_output('xa-keys.out',
    FngateTest::redis_keys("fg:*{$main::BOB}:thumbs41*"));
--- request
GET /t/out/xa-keys.out
--- response_body eval
"\n"
--- no_error_log
[error]



=== TEST 42: and ListAliases of thumbs42 is ResourceNotFound again, its alias deleted
--- init
main::thumbs_made('thumbs42', 'prod', 'xresize', 1);
FngateTest::api_ok('bob', 'DELETE', '/2015-03-31/functions/thumbs42/aliases/prod', '', 204);
--- request
GET /2015-03-31/functions/thumbs42/aliases
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body eval
qq{{"Type":"User","message":"Function not found: @{[main::arn('thumbs42', $main::BOB)]}"}}
--- error_log eval
qr/fngate: function "thumbs42" of $main::BOB not found|http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"/
