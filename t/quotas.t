# Quotas per account (conf/fngated.conf's quota_* keys, docs/fngated.md "Quotas"):
# each at its limit (succeeds) and one past it (refused with its status,
# x-amzn-ErrorType and message, and nothing stored), and the slot free
# again after a delete; two calls at once can not both take the last
# slot.  The quotas run on a fngated of their own with small limits
# (FngateTest::own_fngated), so no other test sees them.  Then Redis
# full (maxmemory, noeviction): writes are 503 ServiceException and store
# nothing, reads and deletes go on, and once there is room the same
# calls succeed; on the test fngated.
#
# Each block starts the fngated it needs (main::own: the quotas' one) and
# uses accounts of its own; what it starts from (functions, versions) it
# makes in its --- init (main::setup), so the blocks run in any order.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $QA = account('quota-a')->{AccountId};
our $QB = account('quota-b')->{AccountId};
our $QC = account('quota-c')->{AccountId};
our $QD = account('quota-d')->{AccountId};
our $QV = account('quota-v')->{AccountId};
our $QL = account('quota-l')->{AccountId};
our $QP = account('quota-p')->{AccountId};
our $QS = account('quota-s')->{AccountId};
our $QT = account('quota-t')->{AccountId};
our $QF = account('quota-full')->{AccountId};
our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $PORT = $ENV{TEST_NGINX_REDIS_PORT};

# Code of one size: "cN" is always two characters.
sub code { FngateTest::zip_b64({ handler => [0755, "#!/bin/sh\necho '\"$_[0]\"'\n"] }) }
our $S = length(FngateTest::zip_bytes(
    { handler => [0755, "#!/bin/sh\necho '\"c1\"'\n"] }));
our $BIG = FngateTest::zip_b64({ handler => [0755, "#!/bin/sh\necho '\"" . ('b' x 64) . "\"'\n"] });

# WHO calls METHOD PATH with the JSON BODY: "STATUS TYPE" (TYPE the
# x-amzn-ErrorType, "-" for none), and with $msg the message too.
sub call {
    my ($who, $method, $path, $body, $msg) = @_;
    my $o = FngateTest::curl_sigv4($who, $path, '-i', '-X', $method,
        defined $body ? ('-H', 'Content-Type: application/json',
                         '--data-binary', $body) : ());
    my ($type) = $o =~ /^x-amzn-ErrorType:\s*(\S+)/mi;
    my $line = FngateTest::http_code($o) . ' ' . ($type // '-');
    if ($msg) {
        my ($m) = $o =~ /"message":"([^"]*)"/;
        $line .= ' ' . ($m // '');
    }
    return $line;
}

sub create { call($_[0], 'POST', '/2015-03-31/functions',
    FngateTest::create_function_body(name => $_[1], zip_b64 => $_[2] // code('c1')), $_[3]) }
sub publish { call($_[0], 'POST', "/2015-03-31/functions/$_[1]/versions", '{}', $_[2]) }
sub update_code { call($_[0], 'PUT', "/2015-03-31/functions/$_[1]/code",
    FngateTest::json_encode({ ZipFile => $_[2] }), $_[3]) }
sub delete { call($_[0], 'DELETE', "/2015-03-31/functions/$_[1]") }

# Everything Redis holds of ACCOUNT's hash tag: each key, its type and
# its whole content.
sub rstate {
    my $acct = shift;
    my $out = '';
    for my $k (split /\n/, FngateTest::redis_keys("*{$acct}*")) {
        next if $k eq '';
        my $t = `redis-cli -p $PORT type '$k'`;
        my $cmd = $t =~ /hash/ ? 'hgetall' : $t =~ /zset/
                  ? 'zrange' : $t =~ /set/ ? 'smembers' : 'get';
        $cmd .= ' 0 -1 withscores' if $t =~ /zset/;
        $out .= "$k $t" . `redis-cli -p $PORT $cmd '$k'`;
    }
    return $out;
}

# The line of a refused CALL (a code ref) and whether ACCOUNTS' Redis
# state is what it was before it.
sub refused {
    my ($call, @accts) = @_;
    my $before = join '', map { rstate($_) } @accts;
    my $line = $call->();
    my $after = join '', map { rstate($_) } @accts;
    return $line . ($before eq $after ? ' (unchanged)' : ' (CHANGED)');
}

sub codebytes {
    my $v = `redis-cli -p $PORT get 'fg:codebytes:{$_[0]}'`;
    chomp $v;
    return $v eq '' ? 'none' : $v;
}

# TEST 7 lowers the test Redis's maxmemory and fills it: should it die
# half-way, the files after this one still get Redis as it was.
our ($MAXMEMORY) = `redis-cli -p $PORT config get maxmemory` =~ /^(\d+)$/m;
our $PARENT = $$;
END {
    if (defined $MAXMEMORY && $$ == $PARENT) {     # (not in forked children)
        system("redis-cli -p $PORT --scan --pattern 'qfill:*' | xargs -r redis-cli -p $PORT del >/dev/null");
        system("redis-cli -p $PORT config set maxmemory $MAXMEMORY >/dev/null");
    }
}

# The own fngated's limits.
our %QUOTA = (
    quota_functions => 2, quota_versions_per_function => 2,
    quota_aliases_per_function => 1, quota_apis => 1,
    quota_routes_per_api => 1, quota_subscriptions_per_api => 1,
    quota_code_storage => 4 * $S, warm => 0,
);

# The quotas' fngated (%QUOTA, and SETTINGS over them).
sub own { FngateTest::own_fngated(%QUOTA, @_) }

# WHO's calls that a block starts from: each "STEP STATUS" line must be
# as given, or the block bails out.
sub setup {
    my ($who, @steps) = @_;
    while (my ($what, $want, $call) = splice @steps, 0, 3) {
        my $got = $call->();
        die "quotas.t setup: $who $what: $got, not $want\n"
            unless $got =~ /^\Q$want\E -$/;
    }
}

# WHO's functions f1 and f3 ($LATEST code c1), as the functions block
# leaves them.
sub functions_made {
    my $who = shift;
    setup($who, f1 => 201, sub { create($who, 'f1') },
                f3 => 201, sub { create($who, 'f3') });
}

# and f1's versions 2 (code c2) and 3 (code c3, $LATEST's), as the
# versions block leaves them.
sub versions_made {
    my $who = shift;
    functions_made($who);
    setup($who, v1 => 201, sub { publish($who, 'f1') },
                code => 200, sub { update_code($who, 'f1', code('c2')) },
                v2 => 201, sub { publish($who, 'f1') },
                code => 200, sub { update_code($who, 'f1', code('c3')) },
                'delete-v1' => 204, sub { main::delete($who, 'f1?Qualifier=1') },
                v3 => 201, sub { publish($who, 'f1') });
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: functions: two fit, a third is 409 and stores nothing, one deleted frees its slot
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::own();
my @out;
push @out, 'f1 ' . main::create('quota-a', 'f1');
push @out, 'f2 ' . main::create('quota-a', 'f2');
push @out, 'f3 ' . main::refused(sub { main::create('quota-a', 'f3', undef, 1) }, $main::QA);
push @out, 'delete-f2 ' . main::delete('quota-a', 'f2');
push @out, 'f3-again ' . main::create('quota-a', 'f3');
push @out, 'codebytes ' . (main::codebytes($main::QA) == 2 * $main::S ? '2S' : main::codebytes($main::QA));
push @out, 'logged ' . (FngateTest::file_has($own->{log}, qr/\Q$main::QA\E CreateFunction refused: quota of 2 functions per account \(quota_functions\) reached/) ? 'yes' : 'no');
FngateTest::save_output('functions', join("\n", @out) . "\n");
--- request
GET /t/out/functions
--- response_body
f1 201 -
f2 201 -
f3 409 ResourceConflictException Quota exceeded: at most 2 functions per account (quota_functions); delete one first (unchanged)
delete-f2 204 -
f3-again 201 -
codebytes 2S
logged yes



=== TEST 2: versions: two per function, a third is 409; deleting a version frees its slot
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::own();
main::functions_made('quota-v');
my @out;
push @out, 'v1 ' . main::publish('quota-v', 'f1');
push @out, 'code ' . main::update_code('quota-v', 'f1', main::code('c2'));
push @out, 'v2 ' . main::publish('quota-v', 'f1');
push @out, 'code ' . main::update_code('quota-v', 'f1', main::code('c3'));
push @out, 'v3 ' . main::refused(sub { main::publish('quota-v', 'f1', 1) }, $main::QV);
push @out, 'delete-v1 ' . main::delete('quota-v', 'f1?Qualifier=1');
push @out, 'v3-again ' . main::publish('quota-v', 'f1');
push @out, 'codebytes ' . (main::codebytes($main::QV) == 4 * $main::S ? '4S' : main::codebytes($main::QV));
FngateTest::save_output('versions', join("\n", @out) . "\n");
--- request
GET /t/out/versions
--- response_body
v1 201 -
code 200 -
v2 201 -
code 200 -
v3 409 ResourceConflictException Quota exceeded: at most 2 versions per function (quota_versions_per_function); delete one first (unchanged)
delete-v1 204 -
v3-again 201 -
codebytes 4S



=== TEST 3: code storage: every version counts; at the limit a publish, a create and a larger code are 400 CodeStorageExceededException; a delete frees room
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
# (no count quotas here, so only the storage quota can refuse)
main::own(quota_functions => 0,
    quota_versions_per_function => 0);
my @out;
my $lim = 4 * $main::S;
push @out, 'g1 ' . main::create('quota-b', 'g1');
push @out, 'v1 ' . main::publish('quota-b', 'g1');
push @out, 'code ' . main::update_code('quota-b', 'g1', main::code('c2'));
push @out, 'v2 ' . main::publish('quota-b', 'g1');
push @out, 'code ' . main::update_code('quota-b', 'g1', main::code('c3'));
push @out, 'v3 ' . main::publish('quota-b', 'g1');
push @out, 'at-limit ' . (main::codebytes($main::QB) == $lim ? 'yes' : main::codebytes($main::QB));
# $LATEST's code of the same size: no growth, so it fits
push @out, 'same-size ' . main::update_code('quota-b', 'g1', main::code('c4'));
push @out, 'v4 ' . main::refused(sub { main::publish('quota-b', 'g1', 1) }, $main::QB);
push @out, 'g2 ' . main::refused(sub { main::create('quota-b', 'g2', undef, 1) }, $main::QB);
push @out, 'bigger ' . main::refused(sub { main::update_code('quota-b', 'g1', $main::BIG, 1) }, $main::QB);
push @out, 'delete-v1 ' . main::delete('quota-b', 'g1?Qualifier=1');
push @out, 'g2-again ' . main::create('quota-b', 'g2');
push @out, 'at-limit ' . (main::codebytes($main::QB) == $lim ? 'yes' : main::codebytes($main::QB));
push @out, 'delete-g1 ' . main::delete('quota-b', 'g1');
push @out, 'delete-g2 ' . main::delete('quota-b', 'g2');
push @out, 'codebytes ' . main::codebytes($main::QB);
FngateTest::save_output('storage', join("\n", @out) . "\n");
--- request
GET /t/out/storage
--- response_body eval
my $m = "Code storage limit exceeded: the account's code would pass "
    . (4 * $main::S) . " bytes (quota_code_storage; every version counts)";
"g1 201 -
v1 201 -
code 200 -
v2 201 -
code 200 -
v3 201 -
at-limit yes
same-size 200 -
v4 400 CodeStorageExceededException $m (unchanged)
g2 400 CodeStorageExceededException $m (unchanged)
bigger 400 CodeStorageExceededException $m (unchanged)
delete-v1 204 -
g2-again 201 -
at-limit yes
delete-g1 204 -
delete-g2 204 -
codebytes none
"



=== TEST 4: aliases: one per function, a second is 400 AliasLimitExceededException; a delete frees it
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::own();
main::versions_made('quota-l');
my @out;
my $p = '/2015-03-31/functions/f1/aliases';
push @out, 'live ' . main::call('quota-l', 'POST', $p, '{"Name":"live","FunctionVersion":"2"}');
push @out, 'beta ' . main::refused(sub { main::call('quota-l', 'POST', $p, '{"Name":"beta","FunctionVersion":"$LATEST"}', 1) }, $main::QL);
push @out, 'other-fn ' . main::call('quota-l', 'POST', '/2015-03-31/functions/f3/aliases', '{"Name":"beta","FunctionVersion":"$LATEST"}');
push @out, 'update ' . main::call('quota-l', 'PUT', "$p/live", '{"FunctionVersion":"3"}');
push @out, 'delete-live ' . main::call('quota-l', 'DELETE', "$p/live");
push @out, 'beta-again ' . main::call('quota-l', 'POST', $p, '{"Name":"beta","FunctionVersion":"$LATEST"}');
FngateTest::save_output('aliases', join("\n", @out) . "\n");
--- request
GET /t/out/aliases
--- response_body eval
"live 201 -
beta 400 AliasLimitExceededException Alias limit exceeded: arn:aws:lambda:us-east-1:$main::QL:function:f1 has 1 aliases, the most a function may have (quota_aliases_per_function) (unchanged)
other-fn 201 -
update 200 -
delete-live 204 -
beta-again 201 -
"



=== TEST 5: APIs, routes and subscriptions: one each, the next is 409; deletes free them
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::own();
main::functions_made('quota-p');
my @out;
my $arn = "arn:aws:lambda:us-east-1:$main::QP:api:shop";
my $sub = qq{{"ApiArn":"$arn"}};
push @out, 'shop ' . main::call('quota-p', 'POST', '/2015-03-31/apis', '{"Name":"shop","Access":"open"}');
push @out, 'mall ' . main::refused(sub { main::call('quota-p', 'POST', '/2015-03-31/apis', '{"Name":"mall","Access":"open"}', 1) }, $main::QP);
my $r = '/2015-03-31/apis/shop/routes';
push @out, 'route-a ' . main::call('quota-p', 'POST', $r, '{"Method":"GET","Path":"/a","FunctionName":"f1"}');
push @out, 'route-b ' . main::refused(sub { main::call('quota-p', 'POST', $r, '{"Method":"GET","Path":"/b","FunctionName":"f1"}', 1) }, $main::QP);
push @out, 'route-update ' . main::call('quota-p', 'PUT', "$r/1", '{"Path":"/c"}');
push @out, 'delete-route ' . main::call('quota-p', 'DELETE', "$r/1");
push @out, 'route-b-again ' . main::call('quota-p', 'POST', $r, '{"Method":"GET","Path":"/b","FunctionName":"f1"}');
push @out, 'sub-b ' . main::call('quota-s', 'POST', '/2015-03-31/subscriptions', $sub);
push @out, 'sub-b-again ' . main::call('quota-s', 'POST', '/2015-03-31/subscriptions', $sub);
push @out, 'sub-c ' . main::refused(sub { main::call('quota-t', 'POST', '/2015-03-31/subscriptions', $sub, 1) }, $main::QP, $main::QT);
push @out, 'delete-api ' . main::call('quota-p', 'DELETE', '/2015-03-31/apis/shop');
push @out, 'mall-again ' . main::call('quota-p', 'POST', '/2015-03-31/apis', '{"Name":"mall","Access":"open"}');
push @out, 'sub-c-again ' . main::call('quota-t', 'POST', '/2015-03-31/subscriptions', qq{{"ApiArn":"arn:aws:lambda:us-east-1:$main::QP:api:mall"}});
FngateTest::save_output('apis', join("\n", @out) . "\n");
--- request
GET /t/out/apis
--- response_body
shop 201 -
mall 409 ResourceConflictException Quota exceeded: at most 1 APIs per account (quota_apis); delete one first (unchanged)
route-a 201 -
route-b 409 ResourceConflictException Quota exceeded: at most 1 routes per API (quota_routes_per_api); delete one first (unchanged)
route-update 200 -
delete-route 204 -
route-b-again 201 -
sub-b 201 -
sub-b-again 200 -
sub-c 409 ResourceConflictException Quota exceeded: at most 1 subscriptions per API (quota_subscriptions_per_api); delete one first (unchanged)
delete-api 204 -
mall-again 201 -
sub-c-again 201 -



=== TEST 6: six CreateFunction calls at once for two slots: exactly two succeed
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::own();
my @r = FngateTest::burst(map {
    ['quota-d', '/2015-03-31/functions', '-X', 'POST', '-H',
     'Content-Type: application/json', '--data-binary',
     FngateTest::create_function_body(name => "race$_", zip_b64 => main::code('c1'))]
} 1 .. 6);
my %n;
$n{"$_->{http} " . ($_->{error_type} || '-')}++ for @r;
my $fns = `redis-cli -p $main::PORT zcard 'fg:fns:{$main::QD}'`;
chomp $fns;
FngateTest::save_output('race', join('', map { "$_ x$n{$_}\n" } sort keys %n)
    . "stored $fns\ncodebytes "
    . (main::codebytes($main::QD) == 2 * $main::S ? '2S' : main::codebytes($main::QD)) . "\n");
--- request
GET /t/out/race
--- response_body
201 - x2
409 ResourceConflictException x4
stored 2
codebytes 2S



=== TEST 7: Redis full: CreateFunction, PublishVersion, CreateAlias and AddPermission are 503 and store nothing; Invoke and deletes go on; with room again the same calls succeed
--- init
FngateTest::stop_own_fngated();
my @out;
my $log = FngateTest::fngated_state() . '/fngated/fngated.log';
my $skip = -s $log;
push @out, 'rf ' . main::create('quota-full', 'rf');
push @out, 'spare ' . main::create('quota-full', 'spare');
push @out, 'v1 ' . main::publish('quota-full', 'rf');
push @out, 'config ' . main::call('quota-full', 'PUT', '/2015-03-31/functions/rf/configuration', '{"Description":"next"}');
push @out, 'invoke ' . main::call('quota-full', 'POST', '/2015-03-31/functions/rf/invocations', '{}');
# fill it: maxmemory just above what is used, then 256 KB values until
# Redis refuses one
my ($max) = `redis-cli -p $main::PORT config get maxmemory` =~ /^(\d+)$/m;
my ($used) = `redis-cli -p $main::PORT info memory` =~ /^used_memory:(\d+)/m;
system("redis-cli -p $main::PORT config set maxmemory " . ($used + 4 * 1048576) . " >/dev/null");
my ($i, $full) = (0, 0);
while (!$full && $i < 200) {
    $i++;
    open my $p, '|-', "redis-cli -p $main::PORT -x set qfill:$i >/tmp/fgquota-fill.$$ 2>&1" or die;
    print $p 'x' x 262144;
    close $p;
    $full = 1 if `cat /tmp/fgquota-fill.$$` =~ /OOM/;
}
unlink "/tmp/fgquota-fill.$$";
# What refused the last value was partly that value's own buffer, freed
# when its client left; so keep maxmemory 1 MB below what is used now,
# and check that a write of one byte is refused.
($used) = `redis-cli -p $main::PORT info memory` =~ /^used_memory:(\d+)/m;
system("redis-cli -p $main::PORT config set maxmemory " . ($used - 1048576) . " >/dev/null");
$full = 0 unless `redis-cli -p $main::PORT set qfill:probe 1` =~ /^OOM /m;
push @out, 'full ' . ($full ? 'yes' : 'no');
my $st = sub { main::refused($_[0], $main::QF) };
push @out, 'create ' . $st->(sub { main::create('quota-full', 'rf2', undef, 1) });
push @out, 'publish ' . $st->(sub { main::publish('quota-full', 'rf', 1) });
push @out, 'alias ' . $st->(sub { main::call('quota-full', 'POST', '/2015-03-31/functions/rf/aliases', '{"Name":"live","FunctionVersion":"1"}', 1) });
push @out, 'permission ' . $st->(sub { main::call('quota-full', 'POST', '/2015-03-31/functions/rf/policy', qq{{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"$main::QA"}}, 1) });
push @out, 'invoke ' . main::call('quota-full', 'POST', '/2015-03-31/functions/rf/invocations', '{}');
push @out, 'get ' . main::call('quota-full', 'GET', '/2015-03-31/functions/rf');
push @out, 'logged ' . (FngateTest::file_has($log, qr/redis \S+ is full \(maxmemory\): EVAL refused, nothing written/, $skip) ? 'yes' : 'no');
push @out, 'delete-spare ' . main::delete('quota-full', 'spare');
# room again
system("redis-cli -p $main::PORT del qfill:probe " . join(' ', map { "qfill:$_" } 1 .. $i) . " >/dev/null");
system("redis-cli -p $main::PORT config set maxmemory $max >/dev/null");
push @out, 'create ' . main::create('quota-full', 'rf2');
push @out, 'publish ' . main::publish('quota-full', 'rf');
push @out, 'alias ' . main::call('quota-full', 'POST', '/2015-03-31/functions/rf/aliases', '{"Name":"live","FunctionVersion":"1"}');
push @out, 'permission ' . main::call('quota-full', 'POST', '/2015-03-31/functions/rf/policy', qq{{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"$main::QA"}});
FngateTest::save_output('full', join("\n", @out) . "\n");
--- request
GET /t/out/full
--- response_body
rf 201 -
spare 201 -
v1 201 -
config 200 -
invoke 200 -
full yes
create 503 ServiceException The service's store is full; nothing was written (unchanged)
publish 503 ServiceException The service's store is full; nothing was written (unchanged)
alias 503 ServiceException The service's store is full; nothing was written (unchanged)
permission 503 ServiceException The service's store is full; nothing was written (unchanged)
invoke 200 -
get 200 -
logged yes
delete-spare 204 -
create 201 -
publish 201 -
alias 201 -
permission 201 -
