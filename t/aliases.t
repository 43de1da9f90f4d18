# Aliases: CreateAlias, GetAlias, UpdateAlias, ListAliases, DeleteAlias,
# and Invoke through an alias, weighted between two versions.
#
# The fixture: Alice's functions, each with version 1, a new configuration
# and version 2 (main::versions): af with "live" (version 1, Description
# production, half of the calls to version 2) and "beta" ($LATEST), what
# the reading, listing and weighted blocks see; afl with an unweighted
# "live" (the plain call through an alias); afu with that "live" too (the
# UpdateAlias that adds the weight); afc without aliases (the blocks that
# create some); afdN for each deletion block, which deletes in its --- init
# what the blocks before it used to.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:af";
# The handler answers with the version it runs as.
our $ZIP = zip_b64({ handler => [0755,
    "#!/bin/sh\necho \"\\\"\$AWS_LAMBDA_FUNCTION_VERSION\\\"\"\n"] });

# Alice's function NAME with versions 1 and 2 (a new configuration
# between them), and ALIAS => [VERSION, BODY FIELDS] aliases.
sub versions {
    my ($name, %aliases) = @_;
    make_function('alice', $name, undef, zip_b64 => $ZIP, publish => 1);
    api_ok('alice', 'PUT', "/2015-03-31/functions/$name/configuration",
           '{"Description":"second"}', 200);
    api_ok('alice', 'POST', "/2015-03-31/functions/$name/versions", '', 201);
    for my $alias (sort keys %aliases) {
        my ($v, %more) = @{ $aliases{$alias} };
        api_ok('alice', 'POST', "/2015-03-31/functions/$name/aliases",
               json_encode({ Name => $alias, FunctionVersion => $v, %more }),
               201);
    }
}

our %LIVE = (live => ['1', Description => 'production',
                      RoutingConfig => { AdditionalVersionWeights => { 2 => 0.5 } }],
             beta => ['$LATEST']);

fixture(sub {
    versions('af', %LIVE);
    versions('afl', live => ['1', Description => 'production']);
    versions('afu', live => ['1', Description => 'production']);
    versions('afc');
    versions("afd$_", %LIVE, cli => ['2']) for 34 .. 38;
});

# What the deletion blocks start from: Alice deletes these of afdN.
sub deleted {
    my ($n, @what) = @_;
    my %path = (live => "afd$n/aliases/live", v1 => "afd$n?Qualifier=1",
                function => "afd$n");
    api_ok('alice', 'DELETE', "/2015-03-31/functions/$path{$_}", '', 204)
        for @what;
}

sub af_keys {
    my $fn = shift // 'af';
    my $port = $ENV{TEST_NGINX_REDIS_PORT};
    my $out = '';
    for my $pat ("fg:*{$ALICE}:$fn", "fg:*{$ALICE}:$fn:*") {
        my ($rc, $text) = run_cmd("redis-cli -p $port --scan --pattern '$pat'");
        $out .= $text;
    }
    return join("\n", sort split /\n/, $out) . "\n";
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a function, published as version 1
--- request eval
"POST /2015-03-31/functions\n" . FngateTest::create_function_body(
    name => 'made', zip_b64 => $main::ZIP) =~ s/\}$/,"Publish":true}/r
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "FunctionArn":"[^"]*:function:made:1",.*"Version":"1"
--- no_error_log
[error]



=== TEST 2: a new configuration for $LATEST
--- init
FngateTest::make_function('alice', 'made2', undef, zip_b64 => $main::ZIP, publish => 1);
--- request
PUT /2015-03-31/functions/made2/configuration
{"Description":"second"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- no_error_log
[error]



=== TEST 3: published as version 2
--- init
FngateTest::make_function('alice', 'made3', undef, zip_b64 => $main::ZIP, publish => 1);
FngateTest::api_ok('alice', 'PUT', '/2015-03-31/functions/made3/configuration',
                   '{"Description":"second"}', 200);
--- request
POST /2015-03-31/functions/made3/versions
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like: "Version":"2"
--- no_error_log
[error]



=== TEST 4: CreateAlias "live" for version 1
--- request
POST /2015-03-31/functions/afc/aliases
{"Name":"live","FunctionVersion":"1","Description":"production"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- response_body_like eval
qr/^\{"AliasArn":"\Qarn:aws:lambda:us-east-1:$main::ALICE:function:afc\E:live","Name":"live","FunctionVersion":"1","Description":"production","RevisionId":"[0-9a-f-]{36}"\}$/
--- no_error_log
[error]



=== TEST 5: the same alias again is ResourceConflictException
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"live","FunctionVersion":"2"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 409
--- response_headers
x-amzn-ErrorType: ResourceConflictException
--- response_body_like eval
qr/^\{"Type":"User","message":"Alias already exists: \Q$main::ARN\E:live"\}$/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"



=== TEST 6: an alias name that is a number is refused
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"123","FunctionVersion":"1"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Value '123' at 'name' failed to satisfy constraint
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 7: so is one with other characters than [a-zA-Z0-9-_]
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"my.alias","FunctionVersion":"1"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Value 'my.alias' at 'name'
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 8: an alias of a version that does not exist is ResourceNotFoundException
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"ghost","FunctionVersion":"9"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/"Function not found: \Q$main::ARN\E:9"/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 9: so is a weight on a version that does not exist
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"ghost","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"7":0.5}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/"Function not found: \Q$main::ARN\E:7"/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 10: weights are not allowed on $LATEST
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"w","FunctionVersion":"$LATEST","RoutingConfig":{"AdditionalVersionWeights":{"1":0.5}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: \$LATEST is not supported for an alias pointing to more than 1 version
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 11: a weight above 1 does not add up
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":1.5}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Member must have value less than or equal to 1.0
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 12: nor does a negative weight
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":-0.5}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Member must have value greater than or equal to 0.0
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 13: at most one additional version
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.3,"3":0.3}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: additionalVersionWeights.*length less than or equal to 1
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 14: and not the alias's own version
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"1":0.3}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- response_body_like: Function version 1 is already included in routing configuration
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidParameterValueException"



=== TEST 15: GetAlias
--- request
GET /2015-03-31/functions/af/aliases/live
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like eval
qr/^\{"AliasArn":"\Q$main::ARN\E:live","Name":"live","FunctionVersion":"1",/
--- no_error_log
[error]



=== TEST 16: an alias name in the path that is a number is refused by the gateway
--- request
GET /2015-03-31/functions/af/aliases/123
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidParameterValueException
--- error_log
fngate: invalid qualifier in "/2015-03-31/functions/af/aliases/123"



=== TEST 17: Invoke NAME:ALIAS runs the alias's version
--- timeout: 180
--- request
POST /2015-03-31/functions/afl:live/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Executed-Version: 1
--- response_body
"1"
--- access_log eval
qr/"function":"afl","qualifier":"live","version":"1","status":"200"/
--- no_error_log
[error]



=== TEST 18: an alias that does not exist is ResourceNotFoundException
--- request
POST /2015-03-31/functions/af/invocations?Qualifier=nope
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/^\{"Type":"User","message":"Function not found: \Q$main::ARN\E:nope"\}$/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 19: UpdateAlias sends half of the calls to version 2
--- request
PUT /2015-03-31/functions/afu/aliases/live
{"RoutingConfig":{"AdditionalVersionWeights":{"2":0.5}}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 200
--- response_body_like: ^\{"AliasArn":"[^"]+:afu:live","Name":"live","FunctionVersion":"1","Description":"production","RoutingConfig":\{"AdditionalVersionWeights":\{"2":0.5\}\},"RevisionId":"[0-9a-f-]{36}"\}$
--- no_error_log
[error]



=== TEST 20: 20 calls through the weighted alias run both versions, each saying which; each billing line has the version that ran
--- timeout: 240
--- init
my $out = FngateTest::python_boto3('alice', <<'_PY_');
seen = {}
for i in range(20):
    r = lam.invoke(FunctionName='af', Qualifier='live', Payload=b'{}')
    v = r['ExecutedVersion']
    body = json.loads(r['Payload'].read())
    assert body == v, (body, v)
    seen[v] = seen.get(v, 0) + 1
    print('call', r['ResponseMetadata']['RequestId'], v)
print(','.join(sorted(seen)))
_PY_
# the billing line of each call (by its request id) names the version
# the call said it ran
my %line = map { $_->{request_id} => $_ } @{ FngateTest::billing_lines('Invoke') };
my ($n, $agree, %billed) = (0, 0);
while ($out =~ /^call (\S+) (\S+)$/mg) {
    my ($id, $v) = ($1, $2);
    $n++;
    my $l = $line{$id} or next;
    $agree++ if $l->{version} eq $v && $l->{qualifier} eq 'live'
                && $l->{function} eq 'af';
    $billed{$l->{version}}++;
}
$out =~ s/^call .*\n//mg;
FngateTest::save_output('aliases-weighted.out', $out
    . "billing lines agree: $agree of $n\n"
    . 'billed versions: ' . join(',', sort keys %billed) . "\n");
--- request
GET /t/out/aliases-weighted.out
--- response_body_like: ^exit=0\n1,2\nbilling lines agree: 20 of 20\nbilled versions: 1,2\n$
--- no_error_log
[error]



=== TEST 21: an UpdateAlias with weights that do not add up leaves the stored alias as it was
--- init
my $port = $ENV{TEST_NGINX_REDIS_PORT};
my $key = "fg:alias:{$main::ALICE}:af:live";
my $refs = "fg:verrefs:{$main::ALICE}:af";
my $state = sub {
    my (undef, $a) = FngateTest::run_cmd("redis-cli -p $port HGETALL '$key'");
    my (undef, $r) = FngateTest::run_cmd("redis-cli -p $port HGETALL '$refs'");
    return "$a--\n$r";
};
my $before = $state->();
my @s;
for my $b ('{"RoutingConfig":{"AdditionalVersionWeights":{"2":1.5}}}',
           '{"RoutingConfig":{"AdditionalVersionWeights":{"2":-0.1}}}',
           '{"RoutingConfig":{"AdditionalVersionWeights":{"2":0.3,"3":0.3}}}',
           '{"RoutingConfig":{"AdditionalVersionWeights":{"1":0.3}}}',
           '{"FunctionVersion":"2","RoutingConfig":{"AdditionalVersionWeights":{"9":0.3}}}',
           '{"FunctionVersion":"$LATEST","RoutingConfig":{"AdditionalVersionWeights":{"2":0.3}}}',
           '{"RoutingConfig":{"AdditionalVersionWeights":{"2":"half"}}}') {
    my $out = FngateTest::curl_sigv4('alice', '/2015-03-31/functions/af/aliases/live',
        '-X', 'PUT', '-H', 'Content-Type: application/json', '-d', $b);
    push @s, FngateTest::http_code($out)
        . ($out =~ /"Type":"User"/ ? ' User' : " $out");
}
my $after = $state->();
push @s, 'unchanged=' . ($before eq $after && $before =~ /AdditionalWeight\n0\.5/
                         ? 1 : "$before\n=>\n$after");
FngateTest::save_output('aliases-badweights.out', join("\n", @s) . "\n");
--- request
GET /t/out/aliases-badweights.out
--- response_body
400 User
400 User
400 User
400 User
404 User
400 User
400 User
unchanged=1
--- no_error_log
[error]



=== TEST 22: a second alias, on $LATEST
--- request
POST /2015-03-31/functions/afc/aliases
{"Name":"beta","FunctionVersion":"$LATEST"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 23: Invoke through an alias of $LATEST runs $LATEST
--- timeout: 60
--- request
POST /2015-03-31/functions/af:beta/invocations
{}
--- more_headers
X-Fngate-Test-Sign: alice
--- response_headers
X-Amz-Executed-Version: $LATEST
--- response_body
"$LATEST"
--- access_log eval
qr/"function":"af","qualifier":"beta","version":"\$LATEST","status":"200"/
--- no_error_log
[error]



=== TEST 24: CreateAlias with a body that is not JSON is InvalidRequestContentException
--- request
POST /2015-03-31/functions/af/aliases
{"Name":"x",
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 400
--- response_headers
x-amzn-ErrorType: InvalidRequestContentException
--- error_log
http fastcgi header: "x-amzn-ErrorType: InvalidRequestContentException"



=== TEST 25: UpdateAlias with a RevisionId that is not the alias's is PreconditionFailedException
--- request
PUT /2015-03-31/functions/af/aliases/live
{"FunctionVersion":"2","RevisionId":"00000000-0000-4000-8000-000000000000"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 412
--- response_headers
x-amzn-ErrorType: PreconditionFailedException
--- error_log
http fastcgi header: "x-amzn-ErrorType: PreconditionFailedException"



=== TEST 26: UpdateAlias of an alias that does not exist is ResourceNotFoundException
--- request
PUT /2015-03-31/functions/af/aliases/nope
{"FunctionVersion":"2"}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 27: ListAliases lists both, by name
--- request
GET /2015-03-31/functions/af/aliases
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Aliases":\[\{"AliasArn":"[^"]+:af:beta","Name":"beta","FunctionVersion":"\$LATEST",[^\]]*\},\{"AliasArn":"[^"]+:af:live",[^\]]*\}\]\}$
--- no_error_log
[error]



=== TEST 28: ?FunctionVersion= lists the aliases that run that version
--- request
GET /2015-03-31/functions/af/aliases?FunctionVersion=2
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Aliases":\[\{"AliasArn":"[^"]+:af:live",[^\]]*\}\]\}$
--- no_error_log
[error]



=== TEST 29: MaxItems pages the list
--- request
GET /2015-03-31/functions/af/aliases?MaxItems=1
--- more_headers
X-Fngate-Test-Sign: alice
--- response_body_like: ^\{"Aliases":\[\{"AliasArn":"[^"]+:af:beta",[^\]]*\}\],"NextMarker":"beta"\}$
--- no_error_log
[error]



=== TEST 30: a version an alias routes to can not be deleted
--- request
DELETE /2015-03-31/functions/af?Qualifier=2
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 409
--- response_headers
x-amzn-ErrorType: ResourceConflictException
--- response_body_like: Unable to delete version because the following aliases reference it: \[live\]
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceConflictException"



=== TEST 31: another account may not read the alias
--- request eval
"GET /2015-03-31/functions/$main::ARN/aliases/live"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:GetAlias "af" of $main::ALICE/



=== TEST 32: nor invoke through it
--- request eval
"POST /2015-03-31/functions/$main::ARN:live/invocations\n{}"
--- more_headers
X-Fngate-Test-Sign: bob
--- error_code: 403
--- response_headers
x-amzn-ErrorType: AccessDeniedException
--- error_log eval
qr/fngate: $main::BOB may not lambda:InvokeFunction "af" of $main::ALICE/



=== TEST 33: the AWS CLI creates an alias and invokes through it
--- timeout: 120
--- init
FngateTest::save_output('aliases-aws.out', join '',
    FngateTest::aws_cli('alice', 'lambda', 'create-alias',
        '--function-name', 'afc', '--name', 'cli', '--function-version', '2',
        '--query', 'AliasArn', '--output', 'text'),
    FngateTest::aws_cli('alice', 'lambda', 'invoke', '--function-name', 'afc',
        '--qualifier', 'cli', '--payload', '{}', '/dev/stdout'));
--- request
GET /t/out/aliases-aws.out
--- response_body_like eval
qr/^exit=0\n\Qarn:aws:lambda:us-east-1:$main::ALICE:function:afc\E:cli\nexit=0\n"2"\n.*"StatusCode":\s*200.*"ExecutedVersion":\s*"2"/s
--- no_error_log
[error]



=== TEST 34: DeleteAlias
--- request
DELETE /2015-03-31/functions/afd34/aliases/live
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 35: the alias is gone
--- init
main::deleted(35, 'live');
--- request
GET /2015-03-31/functions/afd35/aliases/live
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 404
--- response_headers
x-amzn-ErrorType: ResourceNotFoundException
--- response_body_like eval
qr/"Alias not found: \Qarn:aws:lambda:us-east-1:$main::ALICE:function:afd35\E:live"/
--- error_log
http fastcgi header: "x-amzn-ErrorType: ResourceNotFoundException"



=== TEST 36: version 1, no longer routed to, can be deleted
--- init
main::deleted(36, 'live');
--- request
DELETE /2015-03-31/functions/afd36?Qualifier=1
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 37: DeleteFunction removes the remaining versions and aliases
--- init
main::deleted(37, 'live', 'v1');
--- request
DELETE /2015-03-31/functions/afd37
--- more_headers
X-Fngate-Test-Sign: alice
--- error_code: 204
--- no_error_log
[error]



=== TEST 38: nothing of the function is left in Redis
--- init
main::deleted(38, 'live', 'v1', 'function');
FngateTest::save_output('aliases-keys.out', main::af_keys('afd38'));
--- request
GET /t/out/aliases-keys.out
--- response_body eval
"\n"
--- no_error_log
[error]
