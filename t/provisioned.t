# Provisioned concurrency (Lambda's PutProvisionedConcurrencyConfig,
# GetProvisionedConcurrencyConfig, DeleteProvisionedConcurrencyConfig,
# ListProvisionedConcurrencyConfigs; docs/vms.md "Provisioned
# concurrency"): fngated keeps that many sandboxes of a version or alias
# initialised in the owner's guests, reports them with Lambda's Status
# values, serves calls from them warm, keeps them past the idle timeout,
# and bills them (docs/billing.md).
#
# Each block uses accounts of its own (pc-a, pc-b, pc-c, pc-d, pc-x).
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $PC = '/2019-09-30/functions';

# A python3.11 function that counts its runtime's calls: a runtime made
# ready by provisioning answers 1 on its first call (no event ran in it
# before), warm.
our $COUNTER = "n = 0\n"
             . "def handler(event, context):\n"
             . "    global n\n"
             . "    n += 1\n"
             . "    return n\n";

# WHO's python function NAME with version 1 and alias live -> 1.
sub published {
    my ($who, $name, %opt) = @_;
    FngateTest::api_ok($who, 'POST', '/2015-03-31/functions',
        FngateTest::create_function_body(name => $name,
            runtime => 'python3.11', handler => 'app.handler',
            timeout => 30,
            files => { 'app.py' => [0644, $opt{code} // $COUNTER] }), 201);
    FngateTest::api_ok($who, 'POST',
        "/2015-03-31/functions/$name/versions", '{}', 201);
    FngateTest::api_ok($who, 'POST', "/2015-03-31/functions/$name/aliases",
        '{"Name":"live","FunctionVersion":"1"}', 201);
}

# WHO's call of NAME:QUALIFIER: "HTTP BODY", and its billing line.
sub call {
    my ($who, $target) = @_;
    my ($name, $qualifier) = split /:/, $target;
    my $r = FngateTest::curl_collect(FngateTest::curl_spawn($who,
        "/2015-03-31/functions/$name/invocations?Qualifier=$qualifier",
        '--data-binary', '{}'));
    chomp $r->{body};
    return ("$r->{http} $r->{body}", FngateTest::billing_line($r->{rid}));
}

# The Status of WHO's configuration of NAME:QUALIFIER once it is not
# IN_PROGRESS (at most SECONDS), with its counts.
sub wait_status {
    my ($who, $name, $qualifier, $seconds) = @_;
    my $doc = {};
    for (1 .. $seconds) {
        my ($code, $body) = FngateTest::api_call($who, 'GET',
            "$PC/$name/provisioned-concurrency?Qualifier=$qualifier");
        $doc = eval { FngateTest::json_decode($body) } // { Status => $body };
        last if ($doc->{Status} // '') ne 'IN_PROGRESS';
        sleep 1;
    }
    return join ' ', map { $doc->{$_} // '-' } qw(Status
        RequestedProvisionedConcurrentExecutions
        AllocatedProvisionedConcurrentExecutions
        AvailableProvisionedConcurrentExecutions);
}

# An API call's answer in short: "HTTP MESSAGE" (accounts as A, the
# message's first 64 characters).
sub refused {
    my ($code, $body) = FngateTest::api_call(@_);
    my ($msg) = ($body // '') =~ /"message":"([^"]*)/;
    $msg //= $body // '';
    $msg =~ s/\d{12}/A/g;
    return "$code " . substr($msg, 0, 64);
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the AWS CLI provisions two sandboxes of an alias: IN_PROGRESS, then READY in two guests; a call runs in one warm, its runtime fresh; listed; deleted, they go and are billed
--- timeout: 300
--- init
main::published('pc-a', 'ready');
my @o;
my $put = FngateTest::aws_cli('pc-a', 'lambda',
    'put-provisioned-concurrency-config', '--function-name', 'ready',
    '--qualifier', 'live', '--provisioned-concurrent-executions', '2');
my ($st) = $put =~ /"Status":\s*"([^"]*)"/;
my ($req) = $put =~ /"RequestedProvisionedConcurrentExecutions":\s*(\d+)/;
push @o, "put: " . ($put =~ /^exit=0/ ? 'exit=0' : $put) . " $st $req";
push @o, 'status: ' . main::wait_status('pc-a', 'ready', 'live', 180);
# two guests, each with the version's sandbox
my %vms;
my $log = FngateTest::fngated_state() . '/fngated/fngated.log';
open my $in, '<', $log;
while (<$in>) {
    $vms{$1} = 1 if /provisioned \d+:ready:live: sandbox initialised in (\S+)/;
}
close $in;
push @o, 'guests=' . scalar(keys %vms);
my ($r, $line) = main::call('pc-a', 'ready:live');
push @o, "call: $r cold=$line->{cold_start} provisioned=$line->{provisioned}"
    . " kept_vm=" . ($vms{$line->{vm} // ''} ? 1 : 0);
my $list = FngateTest::aws_cli('pc-a', 'lambda',
    'list-provisioned-concurrency-configs', '--function-name', 'ready');
my @arns = $list =~ /"FunctionArn":\s*"([^"]*)"/g;
s/^arn:aws:lambda:us-east-1:\d+:function:// for @arns;
push @o, 'list: ' . join(',', @arns);
my $del = FngateTest::aws_cli('pc-a', 'lambda',
    'delete-provisioned-concurrency-config', '--function-name', 'ready',
    '--qualifier', 'live');
push @o, 'delete: ' . ($del =~ /^exit=0\s*$/ ? 'exit=0' : $del);
my $get = FngateTest::aws_cli('pc-a', 'lambda',
    'get-provisioned-concurrency-config', '--function-name', 'ready',
    '--qualifier', 'live');
push @o, 'after: ' . ($get =~ /ProvisionedConcurrencyConfigNotFoundException/
    ? 'ProvisionedConcurrencyConfigNotFoundException' : $get);
push @o, 'let go=' . (FngateTest::wait_fngated_log(
    qr/provisioned \d+:ready:live: configuration gone, its 2 sandboxes let go/,
    30) ? 1 : 0);
# the capacity line: two sandboxes of 128 MB, for the seconds they were kept
my $acct = FngateTest::account('pc-a')->{AccountId};
my $bill = FngateTest::wait_log(
    ($ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot') . '/logs/access.log',
    qr/"action":"ProvisionedConcurrency".*"function":"ready"/, 30);
my $b = eval { FngateTest::json_decode($bill) } // {};
push @o, 'billed: ' . (($b->{billing_account} // '') eq $acct
    ? 'owner' : $bill) . " $b->{qualifier} v$b->{version} "
    . "$b->{memory_mb} MB x $b->{provisioned} for "
    . (($b->{provisioned_seconds} // 0) > 0 ? 'some' : 'no') . ' seconds';
my ($code, $usage) = FngateTest::api_call('pc-a', 'GET', '/2015-03-31/usage');
my ($gbs) = $usage =~ /"ProvisionedGBSeconds":([\d.]+)/;
push @o, "usage: $code " . (($gbs // 0) > 0 ? 'ProvisionedGBSeconds>0' : $usage);
FngateTest::save_output('pc-cli.out', join("\n", @o) . "\n");
--- request
GET /t/out/pc-cli.out
--- response_body
put: exit=0 IN_PROGRESS 2
status: READY 2 2 2
guests=2
call: 200 1 cold=false provisioned=true kept_vm=1
list: ready:live
delete: exit=0
after: ProvisionedConcurrencyConfigNotFoundException
let go=1
billed: owner live v1 128 MB x 2 for some seconds
usage: 200 ProvisionedGBSeconds>0
--- no_error_log
[error]



=== TEST 2: bad input is refused, with Lambda's errors, and nothing is stored: no qualifier, $LATEST, an alias of $LATEST, bad numbers, no such version, alias or function, over the reserved concurrency, another account
--- init
main::published('pc-b', 'bad');
FngateTest::api_ok('pc-b', 'POST', '/2015-03-31/functions/bad/aliases',
    '{"Name":"head","FunctionVersion":"$LATEST"}', 201);
my $p = "$main::PC/bad/provisioned-concurrency";
my $one = '{"ProvisionedConcurrentExecutions":1}';
my @o = (
    main::refused('pc-b', 'PUT', $p, $one),
    main::refused('pc-b', 'PUT', "$p?Qualifier=%24LATEST", $one),
    main::refused('pc-b', 'PUT', "$p?Qualifier=head", $one),
    main::refused('pc-b', 'PUT', "$p?Qualifier=live",
        '{"ProvisionedConcurrentExecutions":0}'),
    main::refused('pc-b', 'PUT', "$p?Qualifier=live",
        '{"ProvisionedConcurrentExecutions":1001}'),
    main::refused('pc-b', 'PUT', "$p?Qualifier=live", '{}'),
    main::refused('pc-b', 'PUT', "$p?Qualifier=live", 'not json'),
    main::refused('pc-b', 'PUT', "$p?Qualifier=7", $one),
    main::refused('pc-b', 'PUT', "$p?Qualifier=nope", $one),
    main::refused('pc-b', 'PUT',
        "$main::PC/no-such/provisioned-concurrency?Qualifier=1", $one),
);
FngateTest::api_ok('pc-b', 'PUT', '/2017-10-31/functions/bad/concurrency',
    '{"ReservedConcurrentExecutions":1}', 200);
push @o, main::refused('pc-b', 'PUT', "$p?Qualifier=live",
    '{"ProvisionedConcurrentExecutions":2}');
my $acct = FngateTest::account('pc-b')->{AccountId};
my $py = FngateTest::python_boto3('pc-x', <<"_PY_");
import botocore.exceptions
for call in ('put', 'get', 'delete', 'list'):
    kw = {'FunctionName': 'arn:aws:lambda:us-east-1:$acct:function:bad'}
    try:
        if call == 'put':
            lam.put_provisioned_concurrency_config(Qualifier='live', ProvisionedConcurrentExecutions=1, **kw)
        elif call == 'get':
            lam.get_provisioned_concurrency_config(Qualifier='live', **kw)
        elif call == 'delete':
            lam.delete_provisioned_concurrency_config(Qualifier='live', **kw)
        else:
            lam.list_provisioned_concurrency_configs(**kw)
        print(call, 'done')
    except botocore.exceptions.ClientError as e:
        print(call, e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code'])
_PY_
push @o, map { "other: $_" } grep { !/^exit=/ } split /\n/, $py;
push @o, main::refused('pc-b', 'GET', "$p?Qualifier=live");
push @o, main::refused('pc-b', 'DELETE', "$p?Qualifier=live");
push @o, main::refused('pc-b', 'POST', "$p?Qualifier=live", $one);
my ($code, $body) = FngateTest::api_call('pc-b', 'GET', "$p?List=ALL");
push @o, "list: $code $body";
push @o, 'keys: ' . join(',', split /\n/,
    FngateTest::redis_keys("fg:pc:{$acct}:*"));
FngateTest::save_output('pc-bad.out', join("\n", @o) . "\n");
--- request
GET /t/out/pc-bad.out
--- response_body
400 1 validation error detected: Value null at 'qualifier' failed to
400 Provisioned Concurrency Configs cannot be applied to unpublished
400 Provisioned Concurrency Configs cannot be applied to unpublished
400 1 validation error detected: Value '0' at 'provisionedConcurrent
400 1 validation error detected: Value '1001' at 'provisionedConcurr
400 1 validation error detected: Value null at 'provisionedConcurren
400 Could not parse request body into json: lexical error: invalid s
404 Function not found: arn:aws:lambda:us-east-1:A:function:bad:7
404 Function not found: arn:aws:lambda:us-east-1:A:function:bad:nope
404 Function not found: arn:aws:lambda:us-east-1:A:function:no-such
400 Requested Provisioned Concurrency should not be greater than the
other: put 403 AccessDeniedException
other: get 403 AccessDeniedException
other: delete 403 AccessDeniedException
other: list 403 AccessDeniedException
404 No Provisioned Concurrency Config found for this function
404 No Provisioned Concurrency Config found for this function
405 The method POST is not allowed for the requested resource.
list: 200 {"ProvisionedConcurrencyConfigs":[]}
keys: 




=== TEST 3: a configuration goes with its alias, its version and its function
--- timeout: 240
--- init
main::published('pc-c', 'gone');
# version 2: another configuration
FngateTest::api_ok('pc-c', 'PUT', '/2015-03-31/functions/gone/configuration',
    '{"Timeout":31}', 200);
FngateTest::api_ok('pc-c', 'POST', '/2015-03-31/functions/gone/versions',
    '{}', 201);
my $p = "$main::PC/gone/provisioned-concurrency";
my $one = '{"ProvisionedConcurrentExecutions":1}';
FngateTest::api_ok('pc-c', 'PUT', "$p?Qualifier=$_", $one, 202) for qw(live 2);
my @o = ('both: ' . main::wait_status('pc-c', 'gone', 'live', 180) . ' / '
    . main::wait_status('pc-c', 'gone', '2', 180));
# listed a page at a time: versions first, then aliases
for my $page ('MaxItems=1', 'Marker=live&MaxItems=1') {
    my ($code, $body) = FngateTest::api_call('pc-c', 'GET',
        "$p?List=ALL&$page");
    my $doc = eval { FngateTest::json_decode($body) } // {};
    push @o, "list $page: $code " . join(',', map {
        my ($qual) = $_->{FunctionArn} =~ /:(\w+)$/;
        "$qual $_->{Status}" } @{ $doc->{ProvisionedConcurrencyConfigs} // [] })
        . ' next=' . ($doc->{NextMarker} // '-');
}
FngateTest::api_ok('pc-c', 'DELETE', '/2015-03-31/functions/gone/aliases/live',
    undef, 204);
push @o, 'alias: ' . main::refused('pc-c', 'GET', "$p?Qualifier=live");
FngateTest::api_ok('pc-c', 'DELETE', '/2015-03-31/functions/gone?Qualifier=2',
    undef, 204);
push @o, 'version: ' . main::refused('pc-c', 'GET', "$p?Qualifier=2");
push @o, 'let go=' . (FngateTest::wait_fngated_log(
    qr/provisioned \d+:gone:2: configuration gone/, 30) ? 1 : 0);
FngateTest::api_ok('pc-c', 'PUT', "$p?Qualifier=1", $one, 202);
my $acct = FngateTest::account('pc-c')->{AccountId};
push @o, 'before: ' . join(',', split /\n/,
    FngateTest::redis_keys("fg:pc:{$acct}:*"));
FngateTest::api_ok('pc-c', 'DELETE', '/2015-03-31/functions/gone', undef,
    204);
push @o, 'after: ' . join(',', split /\n/,
    FngateTest::redis_keys("fg:pc:{$acct}:*"));
s/\{\d+\}/{A}/g for @o;
FngateTest::save_output('pc-gone.out', join("\n", @o) . "\n");
--- request
GET /t/out/pc-gone.out
--- response_body
both: READY 1 1 1 / READY 1 1 1
list MaxItems=1: 200 2 READY next=live
list Marker=live&MaxItems=1: 200 live READY next=-
alias: 404 No Provisioned Concurrency Config found for this function
version: 404 No Provisioned Concurrency Config found for this function
let go=1
before: fg:pc:{A}:gone
after: 
--- no_error_log
[error]



=== TEST 4: a provisioned sandbox's guest outlives the idle timeout and its next call is warm, while an unprovisioned guest of the same host is destroyed idle
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = FngateTest::own_fngated(warm => 1, idle_timeout => 4);
FngateTest::wait_log($own->{log}, qr/: warm \(/, 120);
main::published('pc-d', 'kept');
main::published('pc-e', 'plain');
FngateTest::api_ok('pc-d', 'PUT',
    "$main::PC/kept/provisioned-concurrency?Qualifier=live",
    '{"ProvisionedConcurrentExecutions":1}', 202);
my @o = ('status: ' . main::wait_status('pc-d', 'kept', 'live', 180));
my ($r0, $l0) = main::call('pc-e', 'plain:live');
push @o, "plain first: " . substr($r0, 0, 3) . " cold=$l0->{cold_start}";
# past the idle timeout of both
my $acct = FngateTest::account('pc-e')->{AccountId};
push @o, 'plain destroyed=' . (FngateTest::wait_log($own->{log},
    qr/idle for 4s, destroying \(account $acct\b/, 60) ? 1 : 0);
sleep 2;
my ($r1, $l1) = main::call('pc-d', 'kept:live');
push @o, "kept: $r1 cold=$l1->{cold_start} provisioned=$l1->{provisioned}";
# in the guest made for it at first, which was never destroyed
my $kacct = FngateTest::account('pc-d')->{AccountId};
my ($made) = FngateTest::file_has($own->{log},
    qr/provisioned $kacct:kept:live: sandbox initialised in (\S+)/)
    =~ /initialised in (\S+)/;
push @o, 'same guest=' . (($made // 'none') eq ($l1->{vm} // '') ? 1
    : "$made $l1->{vm}");
push @o, 'kept destroyed=' . (FngateTest::file_has($own->{log},
    qr/destroying \(account $kacct\b/) ? 1 : 0);
my ($r2, $l2) = main::call('pc-e', 'plain:live');
push @o, "plain again: " . substr($r2, 0, 3)
    . " cold=$l2->{cold_start} provisioned=$l2->{provisioned}";
FngateTest::stop_own_fngated();
FngateTest::save_output('pc-idle.out', join("\n", @o) . "\n");
--- request
GET /t/out/pc-idle.out
--- response_body
status: READY 1 1 1
plain first: 200 cold=true
plain destroyed=1
kept: 200 1 cold=false provisioned=true
same guest=1
kept destroyed=0
plain again: 200 cold=true provisioned=false
--- no_error_log
[error]
