# Execution roles (docs/roles.md): IAM's role API on the gateway, as
# Debian's /usr/bin/aws speaks it (query protocol, signed for service
# "iam"), and the temporary credentials of a call as the module checks
# them (X-Amz-Security-Token, expiry, the chain's depth) and fngated
# applies their role's policy.  Credentials that fngated mints for a real
# call are tested with guests in t/function_calls.t; here they are written
# into Redis as fngated writes them (fg_keys.h: fg:key:ASIA...).
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    . '"Principal":{"Service":"lambda.amazonaws.com"},'
    . '"Action":"sts:AssumeRole"}]}';

# Temporary credentials written as fngated writes them: KEY with secret
# "s3cr3t" and token "tok-KEY", acting as WHO with ROLE, at DEPTH, ending
# at EXPIRES (Unix ms; default in an hour).
sub session {
    my (%a) = @_;
    my $acct = FngateTest::account($a{who})->{AccountId};
    my $port = $ENV{TEST_NGINX_REDIS_PORT};
    my $exp = $a{expires} // (time() + 3600) * 1000;
    my @f = (account => $acct, secret => 's3cr3t', token => "tok-$a{key}",
             role => $a{role} // '', billed => $a{billed} // $acct,
             depth => $a{depth} // 1,
             root => '11111111-2222-4333-8444-555555555555',
             expires => $exp);
    FngateTest::run_cmd("redis-cli -p $port DEL fg:key:$a{key}");
    my ($rc, $out) = FngateTest::run_cmd("redis-cli -p $port HSET "
        . "fg:key:$a{key} " . join ' ', map { FngateTest::shell_quote($_) } @f);
    die "session: $out" if $rc != 0;
    return $acct;
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a role's life through /usr/bin/aws iam: create, get, list, inline policies put, read back and listed, and deleted only once it has none
--- init
my @s;
my ($r, $e) = FngateTest::iam('role1-a', 'create-role', '--role-name', 'fn-role',
    '--assume-role-policy-document', $main::TRUST, '--description', 'mine');
my $acct = FngateTest::account('role1-a')->{AccountId};
push @s, "create=" . ($e || ($r->{Role}{Arn} eq "arn:aws:iam::$acct:role/fn-role"
    && $r->{Role}{RoleId} =~ /^AROA[A-Z2-7]{17}$/ && $r->{Role}{Path} eq '/'
    && $r->{Role}{AssumeRolePolicyDocument}{Statement}[0]{Action} eq 'sts:AssumeRole'
    ? 'ok' : FngateTest::json_encode($r)));
($r, $e) = FngateTest::iam('role1-a', 'create-role', '--role-name', 'fn-role',
    '--assume-role-policy-document', $main::TRUST);
push @s, "again=$e";
($r, $e) = FngateTest::iam('role1-a', 'get-role', '--role-name', 'fn-role');
push @s, "get=" . ($e || "$r->{Role}{RoleName} $r->{Role}{Description} $r->{Role}{MaxSessionDuration}");
FngateTest::iam('role1-a', 'create-role', '--role-name', 'other', '--path',
    '/svc/', '--assume-role-policy-document', $main::TRUST);
($r, $e) = FngateTest::iam('role1-a', 'list-roles');
push @s, "list=" . ($e || join ',', map { "$_->{RoleName}$_->{Path}" } @{ $r->{Roles} });
($r, $e) = FngateTest::iam('role1-a', 'list-roles', '--path-prefix', '/svc/');
push @s, "prefix=" . ($e || join ',', map { $_->{RoleName} } @{ $r->{Roles} });
my $pol = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    . '"Action":["lambda:InvokeFunction","sqs:SendMessage"],"Resource":"*"}]}';
($r, $e) = FngateTest::iam('role1-a', 'put-role-policy', '--role-name', 'fn-role',
    '--policy-name', 'calls', '--policy-document', $pol);
push @s, "put=" . ($e || 'ok');
($r, $e) = FngateTest::iam('role1-a', 'get-role-policy', '--role-name', 'fn-role',
    '--policy-name', 'calls');
push @s, "doc=" . ($e || join ',', @{ $r->{PolicyDocument}{Statement}[0]{Action} });
($r, $e) = FngateTest::iam('role1-a', 'list-role-policies', '--role-name', 'fn-role');
push @s, "names=" . ($e || join ',', @{ $r->{PolicyNames} });
# another account sees none of it
($r, $e) = FngateTest::iam('role1-b', 'get-role', '--role-name', 'fn-role');
push @s, "other_account=$e";
($r, $e) = FngateTest::iam('role1-a', 'delete-role', '--role-name', 'fn-role');
push @s, "delete_with_policy=$e";
($r, $e) = FngateTest::iam('role1-a', 'delete-role-policy', '--role-name',
    'fn-role', '--policy-name', 'calls');
push @s, "delete_policy=" . ($e || 'ok');
($r, $e) = FngateTest::iam('role1-a', 'delete-role-policy', '--role-name',
    'fn-role', '--policy-name', 'calls');
push @s, "delete_policy_again=$e";
($r, $e) = FngateTest::iam('role1-a', 'delete-role', '--role-name', 'fn-role');
push @s, "delete=" . ($e || 'ok');
($r, $e) = FngateTest::iam('role1-a', 'get-role', '--role-name', 'fn-role');
push @s, "gone=$e";
FngateTest::save_output('role1.out', join("\n", @s) . "\n");
--- request
GET /t/out/role1.out
--- response_body
create=ok
again=EntityAlreadyExists
get=fn-role mine 3600
list=fn-role/,other/svc/
prefix=other
put=ok
doc=lambda:InvokeFunction,sqs:SendMessage
names=calls
other_account=NoSuchEntity
delete_with_policy=DeleteConflict
delete_policy=ok
delete_policy_again=NoSuchEntity
delete=ok
gone=NoSuchEntity
--- no_error_log
[error]



=== TEST 2: bad input to the role API: each is IAM's error, and nothing is stored
--- init
my @s;
my ($r, $e) = FngateTest::iam('role2-a', 'create-role', '--role-name', 'bad/name',
    '--assume-role-policy-document', $main::TRUST);
push @s, "name=$e";
($r, $e) = FngateTest::iam('role2-a', 'create-role', '--role-name', 'r',
    '--assume-role-policy-document', 'not json');
push @s, "trust=$e";
($r, $e) = FngateTest::iam('role2-a', 'create-role', '--role-name', 'r', '--path',
    'nopath', '--assume-role-policy-document', $main::TRUST);
push @s, "path=$e";
FngateTest::iam('role2-a', 'create-role', '--role-name', 'r',
    '--assume-role-policy-document', $main::TRUST);
for my $doc ('{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}',
             '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}]}',
             '{"Statement":[{"Effect":"Allow","Action":"Invoke","Resource":"*"}]}',
             '{"Statement":[{"Effect":"Perhaps","Action":"*","Resource":"*"}]}',
             '[1]') {
    ($r, $e) = FngateTest::iam('role2-a', 'put-role-policy', '--role-name', 'r',
        '--policy-name', 'p', '--policy-document', $doc);
    push @s, "policy=$e";
}
($r, $e) = FngateTest::iam('role2-a', 'list-role-policies', '--role-name', 'r');
push @s, "stored=" . ($e || scalar @{ $r->{PolicyNames} });
($r, $e) = FngateTest::iam('role2-a', 'put-role-policy', '--role-name', 'nosuch',
    '--policy-name', 'p', '--policy-document',
    '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}');
push @s, "no_role=$e";
FngateTest::save_output('role2.out', join("\n", @s) . "\n");
--- request
GET /t/out/role2.out
--- response_body
name=ValidationError
trust=MalformedPolicyDocument
path=ValidationError
policy=MalformedPolicyDocument
policy=MalformedPolicyDocument
policy=MalformedPolicyDocument
policy=MalformedPolicyDocument
policy=MalformedPolicyDocument
stored=0
no_role=NoSuchEntity
--- no_error_log
[error]



=== TEST 3: an action the role API does not have is IAM's InvalidAction, as XML
--- request
POST /
Action=CreateUser&UserName=bob&Version=2010-05-08
--- more_headers
Content-Type: application/x-www-form-urlencoded
X-Fngate-Test-Sign: alice service=iam
--- error_code: 400
--- response_headers
Content-Type: text/xml
--- response_body_like: ^<\?xml version="1.0"\?><ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation CreateUser for version 2010-05-08</Message>
--- no_error_log
[error]



=== TEST 4: expired temporary credentials are ExpiredTokenException, whatever they sign
--- init
main::session(who => 'alice', key => 'ASIAEXPIREDEXPIRED00', expires => 1000);
--- request
GET /2015-03-31/functions/
--- more_headers
X-Amz-Security-Token: tok-ASIAEXPIREDEXPIRED00
X-Fngate-Test-Sign: alice key=ASIAEXPIREDEXPIRED00 secret=s3cr3t
--- error_code: 403
--- response_headers
x-amzn-ErrorType: ExpiredTokenException
--- response_body_like: "message":"The security token included in the request is expired"
--- error_log
fngate: the credentials "ASIAEXPIREDEXPIRED00" expired



=== TEST 5: temporary credentials with another call's token are refused
--- init
main::session(who => 'alice', key => 'ASIAWRONGTOKEN000000');
--- request
GET /2015-03-31/functions/
--- more_headers
X-Amz-Security-Token: tok-ASIASOMEONEELSE00000
X-Fngate-Test-Sign: alice key=ASIAWRONGTOKEN000000 secret=s3cr3t
--- error_code: 403
--- response_headers
x-amzn-ErrorType: UnrecognizedClientException
--- error_log
fngate: a wrong security token for the credentials "ASIAWRONGTOKEN000000"



=== TEST 6: temporary credentials without their token are refused
--- init
main::session(who => 'alice', key => 'ASIANOTOKEN000000000');
--- request
GET /2015-03-31/functions/
--- more_headers
X-Fngate-Test-Sign: alice key=ASIANOTOKEN000000000 secret=s3cr3t
--- error_code: 403
--- response_headers
x-amzn-ErrorType: UnrecognizedClientException
--- error_log
fngate: no security token for the credentials "ASIANOTOKEN000000000"



=== TEST 7: a permanent access key takes no security token
--- request
GET /2015-03-31/functions/
--- more_headers
X-Amz-Security-Token: whatever
X-Fngate-Test-Sign: alice
--- error_code: 403
--- response_headers
x-amzn-ErrorType: UnrecognizedClientException
--- error_log
is permanent and takes no security token



=== TEST 8: the 17th call of a chain is refused as a recursive loop, before anything is looked up
--- init
main::session(who => 'alice', key => 'ASIADEEPDEEPDEEP0000', depth => 16);
--- request
POST /2015-03-31/functions/loop/invocations
{}
--- more_headers
X-Amz-Security-Token: tok-ASIADEEPDEEPDEEP0000
X-Fngate-Test-Sign: alice key=ASIADEEPDEEPDEEP0000 secret=s3cr3t
--- error_code: 400
--- response_headers
x-amzn-ErrorType: RecursiveInvocationException
--- response_body_like: this call would be call 17 of the chain that request 11111111-2222-4333-8444-555555555555 began, over the limit of 16
--- error_log
fngate: recursive loop: call 17 of chain 11111111-2222-4333-8444-555555555555 refused



=== TEST 9: a role's policy decides what its credentials may do: allowed actions run, others are AccessDeniedException naming the role, the action and the resource; a role with no policy, or of another account, may do nothing
--- init
my @s;
my $pol = '{"Version":"2012-10-17","Statement":['
    . '{"Effect":"Allow","Action":["lambda:List*","sqs:ListQueues"],"Resource":"*"},'
    . '{"Effect":"Allow","Action":"lambda:GetFunction*","Resource":"arn:aws:lambda:*:*:function:mine"}]}';
FngateTest::role('role9-a', 'reader', $pol);
FngateTest::role('role9-a', 'empty');
FngateTest::make_function('role9-a', 'mine', "#!/bin/sh\ncat\n");
FngateTest::make_function('role9-a', 'theirs', "#!/bin/sh\ncat\n");
my $acct = FngateTest::account('role9-a')->{AccountId};
my $other = FngateTest::account('role9-b')->{AccountId};
my %roles = (reader => "arn:aws:iam::$acct:role/reader",
             empty => "arn:aws:iam::$acct:role/empty",
             foreign => "arn:aws:iam::$other:role/reader");
for my $r (sort keys %roles) {
    my $key = 'ASIA' . uc(substr("${r}ROLE9XXXXXXXXXXXX", 0, 16));
    main::session(who => 'role9-a', key => $key, role => $roles{$r});
    my $env = join ' ', 'env -i PATH=/usr/bin:/bin HOME=/tmp',
        'AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null',
        'AWS_PAGER= AWS_MAX_ATTEMPTS=1 AWS_DEFAULT_REGION=us-east-1',
        "AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=s3cr3t",
        "AWS_SESSION_TOKEN=tok-$key";
    for my $call (['lambda', 'list-functions'],
                  ['lambda', 'get-function-configuration', '--function-name', 'mine'],
                  ['lambda', 'get-function-configuration', '--function-name', 'theirs'],
                  ['lambda', 'delete-function', '--function-name', 'mine'],
                  ['sqs', 'list-queues'],
                  ['sqs', 'create-queue', '--queue-name', 'q9']) {
        my (undef, $out) = FngateTest::run_cmd("$env /usr/bin/aws --endpoint-url "
            . FngateTest::endpoint() . ' ' . join(' ', map { FngateTest::shell_quote($_) } @$call));
        my ($code) = $out =~ /An error occurred \((\w+)\)/;
        push @s, "$r $call->[1]" . ($call->[3] ? " $call->[3]" : '') . '=' . ($code // 'ok');
    }
}
my (undef, $log) = FngateTest::run_cmd('grep -c "role arn:aws:iam::' . $acct
    . ':role/reader may not lambda:DeleteFunction on arn:aws:lambda:us-east-1:'
    . $acct . ':function:mine" ' . FngateTest::fngated_state() . '/fngated/fngated.log');
push @s, "logged=" . ($log + 0 > 0 ? 1 : 0);
FngateTest::save_output('role9.out', join("\n", @s) . "\n");
--- request
GET /t/out/role9.out
--- response_body
empty list-functions=AccessDeniedException
empty get-function-configuration mine=AccessDeniedException
empty get-function-configuration theirs=AccessDeniedException
empty delete-function mine=AccessDeniedException
empty list-queues=AccessDenied
empty create-queue q9=AccessDenied
foreign list-functions=AccessDeniedException
foreign get-function-configuration mine=AccessDeniedException
foreign get-function-configuration theirs=AccessDeniedException
foreign delete-function mine=AccessDeniedException
foreign list-queues=AccessDenied
foreign create-queue q9=AccessDenied
reader list-functions=ok
reader get-function-configuration mine=ok
reader get-function-configuration theirs=AccessDeniedException
reader delete-function mine=AccessDeniedException
reader list-queues=ok
reader create-queue q9=AccessDenied
logged=1
--- no_error_log
[error]



=== TEST 10: an operator makes a role and its policy with fngate admin role; the account sees them through the role API; a bad policy is refused with IAM's message
--- init
my $acct = FngateTest::account('role10-a')->{AccountId};
my $fngate = 'FNGATE_REDIS_PORT=' . $ENV{TEST_NGINX_REDIS_PORT} . ' '
    . FngateTest::fngate_root() . '/util/fngate admin role';
my $file = FngateTest::fngated_state() . '/role10-policy.json';
open my $f, '>', $file or die "$file: $!";
print $f '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}';
close $f;
my $bad = FngateTest::fngated_state() . '/role10-bad.json';
open $f, '>', $bad or die "$bad: $!";
print $f '{"Statement":[{"Effect":"Allow","Action":"sqs:*"}]}';
close $f;
my @s;
my ($rc, $out) = FngateTest::run_cmd("$fngate create $acct ops");
push @s, "create=$rc " . ($out =~ s/\Q$acct\E/A/r =~ s/\s+$//r);
($rc, $out) = FngateTest::run_cmd("$fngate put-policy $acct ops sqs $file");
push @s, "put=$rc";
($rc, $out) = FngateTest::run_cmd("$fngate put-policy $acct ops sqs2 $bad");
push @s, "bad=$rc " . ($out =~ /(Policy statement must contain resources\.)/ ? $1 : $out);
($rc, $out) = FngateTest::run_cmd("$fngate create 12345 ops");
push @s, "not_an_account=$rc";
my ($r, $e) = FngateTest::iam('role10-a', 'get-role-policy', '--role-name',
    'ops', '--policy-name', 'sqs');
push @s, "seen=" . ($e || $r->{PolicyDocument}{Statement}[0]{Action});
FngateTest::save_output('role10.out', join("\n", @s) . "\n");
--- request
GET /t/out/role10.out
--- response_body
create=0 {"Arn":"arn:aws:iam::A:role/ops"}
put=0
bad=1 Policy statement must contain resources.
not_an_account=2
seen=sqs:*
--- no_error_log
[error]
