# The module and fngated against a Redis Cluster (`fngate_redis
# ADDRESS... cluster`, fngated's `redis = ADDRESS... cluster`):
# a cluster of its own (util/stack.sh's stack_redis_cluster: 3 masters, 3
# replicas, on TEST_NGINX_CLUSTER_PORT.., 17100 by default), accounts and
# functions written straight into it, and fastcgi_pass to fcgi-echo, so
# only the module is under test: fcgi-echo answers with the names the
# module passed.  fngate_cache_ttl 0: every call asks the cluster.
#
# Accounts, each made for the blocks that name it: m0, m1, m2, whose keys
# ({ID}) are on three different masters; xb, whose access key is on
# another master than m0's function (calls m0's function on m0's grant);
# mig, the account whose slot a block migrates; pp, the account whose
# slot's nodes disagree on its master under a call; fo, the account whose
# master a block kills, and fo2, with nothing on that master; stop, the
# account whose master a block stops; fmig and ffo, the accounts whose
# slot is migrated and whose master is killed under fngated's command
# line (`fngated role create`: a script on the account's slot), and fpp,
# whose slot's nodes disagree on its master under it.
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

repeat_each(1);

our $Root = fngate_root();
our $Port = $ENV{TEST_NGINX_CLUSTER_PORT} || 17100;
our $Dir = FngateTest::fngated_state() . '/cluster';
our @Ports = map { $Port + $_ } 0 .. 5;
our $Parent = $$;
our ($Addrs, $EchoPid, %Id, %Slot, %Master);

# stack.sh's functions, in a shell of their own.
sub stack {
    my $cmd = shift;
    my $out = `ROOT='$Root' BUILD='$Root/build' bash -c '. "\$ROOT/util/stack.sh"; $cmd' 2>&1`;
    die "redis_cluster.t: $cmd failed: $out" if $?;
    return $out;
}

# A node that answers, for cluster commands.
sub any_node {
    for my $p (@Ports) {
        return $p if `redis-cli -p $p ping 2>/dev/null` =~ /PONG/;
    }
    die "redis_cluster.t: no node of the cluster answers";
}

sub redis {
    my ($port, @args) = @_;
    my $out = `redis-cli -p $port @{[ map { FngateTest::shell_quote($_) } @args ]} 2>&1`;
    chomp $out;
    return $out;
}

sub keyslot { redis(any_node(), 'CLUSTER', 'KEYSLOT', shift) }

# The masters that serve slots now: { port => { id, slots => [[a, b]...] } }.
sub masters {
    my %m;
    for (split /\n/, redis(any_node(), 'CLUSTER', 'NODES')) {
        my ($id, $addr, $flags, undef, undef, undef, undef, $link, @slots)
            = split ' ';
        next unless $flags =~ /\bmaster\b/ && $flags !~ /\bfail\b/;
        my ($port) = $addr =~ /:(\d+)@/;
        my @r = map { /^(\d+)(?:-(\d+))?$/ ? [$1, $2 // $1] : () } @slots;
        $m{$port} = { id => $id, slots => \@r } if @r;
    }
    return \%m;
}

sub master_of {
    my $slot = shift;
    my $m = masters();
    for my $p (keys %$m) {
        return $p if grep { $_->[0] <= $slot && $slot <= $_->[1] } @{ $m->{$p}{slots} };
    }
    return '';
}

sub fn_key { "fg:fn:{$_[0]}:f" }

sub akid { sprintf 'AKIAFGCLUSTER%07d', $_[0] % 10_000_000 }

# An account NAME, its id drawn so that WANT(master of its function's
# key, master of its access key) is true; its access key and function
# "f" written into the cluster; FngateTest signs for it.
our $NextId = 310000000000;
sub cluster_account {
    my ($name, $want) = @_;
    my $id;
    for (1 .. 1000) {
        $id = $NextId++;
        last if $want->(master_of(keyslot(fn_key($id))),
                        master_of(keyslot('fg:key:' . akid($id))));
    }
    my $secret = "cluster-secret-$id-" . ('x' x 16);
    my $p = any_node();
    for my $cmd (['HSET', 'fg:key:' . akid($id), 'account', $id, 'secret', $secret],
                 ['HSET', "fg:acct:{$id}", 'name', "test-$name"],
                 ['HSET', fn_key($id), 'FunctionName', 'f']) {
        my $out = `redis-cli -c -p $p @{[ map { FngateTest::shell_quote($_) } @$cmd ]} 2>&1`;
        die "redis_cluster.t: @$cmd: $out" unless $out =~ /^\d+$/;
    }
    $FngateTest::Accounts{$name} = { AccountId => $id, AccessKeyId => akid($id),
                                     SecretAccessKey => $secret };
    $Id{$name} = $id;
    $Slot{$name} = keyslot(fn_key($id));
    $Master{$name} = master_of($Slot{$name});
}

# The cluster, fcgi-echo, the accounts.
stack("stack_redis_cluster '$Dir' $Port 64mb '' 6");
chomp($Addrs = stack("stack_redis_cluster_addrs $Port"));
{
    my @m = sort keys %{ masters() };
    die "redis_cluster.t: not 3 masters: @m" unless @m == 3;
    for my $i (0 .. 2) {
        cluster_account("m$i", sub { $_[0] eq $m[$i] });
    }
    cluster_account('xb', sub { $_[1] ne $Master{m0} });
    my $out = `redis-cli -c -p $m[0] HSET 'fg:grant:{$Id{m0}}:f' ':lambda:InvokeFunction:$Id{xb}' 1`;
    die "redis_cluster.t: grant: $out" unless $out =~ /^1$/;
    cluster_account($_, sub { 1 }) for qw(mig pp fo stop fmig ffo fpp);
    # fo2: nothing of it on fo's master
    cluster_account('fo2', sub { $_[0] ne $Master{fo} && $_[1] ne $Master{fo} });
}

$EchoPid = fork // die "fork: $!";
if ($EchoPid == 0) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$Dir/fcgi-echo.log";
    open STDERR, '>&', \*STDOUT;
    exec "$Root/build/fcgi-echo", "unix:$Dir/echo.sock", 2 or POSIX::_exit(127);
}
for (1 .. 100) {
    last if -S "$Dir/echo.sock";
    Time::HiRes::sleep(0.1);
}

END {
    if ($$ == $Parent) {
        kill 'TERM', $EchoPid if $EchoPid;
        waitpid $EchoPid, 0 if $EchoPid;
        `redis-cli -p $_ shutdown nosave 2>&1` for @Ports;
    }
}

# Every block: the cluster, no cache, fcgi-echo behind the module.
Test::Nginx::Socket::no_root_location();
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('main_config', FngateTest::default_main_config())
        unless defined $block->main_config;
    $block->set_value('http_config', "    fngate_redis $Addrs;\n"
                                     . "    fngate_cache_ttl 0;\n")
        unless defined $block->http_config;
    $block->set_value('config', <<_EOC_) unless defined $block->config;
    location / {
        fngate on;
        include $Root/conf/fngate_params;
        fastcgi_pass unix:$Dir/echo.sock;
    }
    location ^~ /t/out/ {
        alias \$TEST_NGINX_SERVER_ROOT/html/;
    }
_EOC_
    FngateTest::sign_block($block);
});

# A signed Invoke of WHO's function "f": "STATUS self" for a call
# fcgi-echo answered as WHO's own, else "STATUS MESSAGE".
sub call {
    my $who = shift;
    my $out = FngateTest::curl_sigv4($who, '/2015-03-31/functions/f/invocations',
                                     '-X', 'POST', '-d', '{}');
    my $code = FngateTest::http_code($out);
    return "$code self" if $out =~ /"FNGATE_OWNER":"$Id{$who}"/;
    return "$code $1" if $out =~ /"message":"([^"]*)"/;
    return "$code ?";
}

# The master of SLOT, and the pid of its redis-server.
sub master_pid {
    my $port = master_of(shift);
    open my $in, '<', "$Dir/$port/redis.pid" or die "pid of $port: $!";
    chomp(my $pid = <$in>);
    close $in;
    return ($port, $pid);
}

# Starts moving WHO's slot from its master to another one: IMPORTING
# there, MIGRATING here.  (slot, its master, the other, the other's id.)
sub start_migration {
    my $slot = $Slot{shift()};
    my $src = master_of($slot);
    my $m = masters();
    my ($dst) = grep { $_ ne $src } sort keys %$m;
    redis($dst, 'CLUSTER', 'SETSLOT', $slot, 'IMPORTING', $m->{$src}{id});
    redis($src, 'CLUSTER', 'SETSLOT', $slot, 'MIGRATING', $m->{$dst}{id});
    return ($slot, $src, $dst, $m->{$dst}{id});
}

# Sets SLOT to NODE (its master's id) on every node that answers.
sub setslot_node {
    my ($slot, $id) = @_;
    for my $p (@Ports) {
        next unless `redis-cli -p $p ping 2>/dev/null` =~ /PONG/;
        redis($p, 'CLUSTER', 'SETSLOT', $slot, 'NODE', $id);
    }
}

# `fngated role create` of an execution role NAME for WHO, on the cluster
# (the test fngated's command line with SET's keys over it): "exit=RC"
# and "arn" when it printed the role's ARN; the log lines in $FgdLog.
our $FgdLog = '';
sub fgd_role {
    my ($who, $name, %set) = @_;
    my ($rc, $out) = FngateTest::run_cmd(fgd_role_cmd($who, $name, %set) . ' 2>&1');
    return fgd_role_said($who, $name, "exit=$rc", $out);
}

# fgd_role's command line, quoted for sh.
sub fgd_role_cmd {
    my ($who, $name, %set) = @_;
    my @cmd = FngateTest::fngated_command(undef, redis => $Addrs, %set);
    return join ' ', map { FngateTest::shell_quote($_) } @cmd, 'role',
        'create', $Id{$who}, $name;
}

# fgd_role's answer: EXIT, and " arn" when OUT has the role's ARN; OUT
# added to $FgdLog.
sub fgd_role_said {
    my ($who, $name, $exit, $out) = @_;
    $FgdLog .= $out;
    return $exit
        . ($out =~ /"Arn":"arn:aws:iam::$Id{$who}:role\/$name"/ ? ' arn' : '');
}

# fgd_role's `fngated role create` started in the background, MEANWHILE
# run while it goes on (it meets what the block set up), then waited for:
# as fgd_role.
sub fgd_role_while {
    my ($who, $name, $meanwhile, %set) = @_;
    my $out = "$Dir/fgd-$who-$name.out";
    unlink $out;
    system('sh', '-c', '(' . fgd_role_cmd($who, $name, %set)
        . " >$out 2>&1; echo exit=\$? >>$out) &");
    $meanwhile->();
    FngateTest::wait_log($out, qr/^exit=\d+$/m, 25);
    my $log = do { local (@ARGV, $/) = ($out); <> } // '';
    return fgd_role_said($who, $name,
        $log =~ /^exit=(\d+)$/m ? "exit=$1" : 'running', $log);
}

# "said NAME,..." of the [NAME, PATTERN]s whose pattern is in $FgdLog.
sub fgd_said {
    return 'said ' . join ',', map { $_->[0] } grep { $FgdLog =~ $_->[1] } @_;
}

# SLOT's keys copied from SRC to DST (MIGRATE): "migrate OK".
sub migrate_keys {
    my ($slot, $src, $dst) = @_;
    my @keys = split /\n/, redis($src, 'CLUSTER', 'GETKEYSINSLOT', $slot, 100);
    return 'migrate ' . redis($src, 'MIGRATE', '127.0.0.1', $dst, '', 0, 5000,
                              'KEYS', @keys);
}

# Whether NODE holds KEY itself (no redirection).
sub holds { redis($_[0], 'EXISTS', $_[1]) eq '1' ? 'yes' : 'no' }

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a signed Invoke is resolved in the cluster: the access key and the function are looked up on their masters
--- request
POST /2015-03-31/functions/f/invocations
{}
--- more_headers
X-Fngate-Test-Sign: m1
--- response_body_like eval
qr/"FNGATE_CALLER":"$main::Id{m1}","FNGATE_OWNER":"$main::Id{m1}","FNGATE_FUNCTION":"f"/
--- error_log eval
[qr/fngate: redis "127\.0\.0\.1:\d+" asked for the slot map/,
 qr/fngate: redis HMGET sent to "127\.0\.0\.1:\d+"/,
 qr/fngate: redis EXISTS sent to "127\.0\.0\.1:\d+"/]
--- no_error_log
[error]



=== TEST 2: three accounts whose keys are on the three masters are each resolved, each function looked up on its master
--- init
my @masters = map { main::master_of($main::Slot{"m$_"}) } 0 .. 2;
my %m = map { $_ => 1 } @masters;
my @s = ('masters=' . keys %m);
push @s, map { "m$_ " . main::call("m$_") } 0 .. 2;
my $log = "$ENV{TEST_NGINX_SERVER_ROOT}/logs/error.log";
push @s, 'asked ' . join ' ', map {
    FngateTest::file_has($log, qr/fngate: redis EXISTS sent to "127\.0\.0\.1:$_"/)
        ? 'yes' : 'no' } @masters;
FngateTest::save_output('cluster-three.out', join "\n", @s, '');
--- request
GET /t/out/cluster-three.out
--- response_body
masters=3
m0 200 self
m1 200 self
m2 200 self
asked yes yes yes
--- no_error_log
[error]



=== TEST 3: another account's call on a grant: its access key on one master, the grant and the function on another
--- request eval
"POST /2015-03-31/functions/arn:aws:lambda:us-east-1:$main::Id{m0}:function:f/invocations
{}"
--- more_headers
X-Fngate-Test-Sign: xb
--- response_body_like eval
qr/"FNGATE_CALLER":"$main::Id{xb}","FNGATE_OWNER":"$main::Id{m0}"/
--- error_log eval
[qr/fngate: lookup "k:$FngateTest::Accounts{xb}{AccessKeyId}": found \(redis\)/,
 qr/fngate: redis HMGET "fg:grant:\{$main::Id{m0}\}:f" sent/,
 qr/fngate: redis EXISTS "fg:fn:\{$main::Id{m0}\}:f" sent/]
--- no_error_log
[error]



=== TEST 4: a slot migrated between masters is followed: ASK while it migrates (ASKING, then the command), MOVED once it has moved, then the new map
--- init
my @s = ('before ' . main::call('mig'));
my ($slot, $src, $dst, $dst_id) = main::start_migration('mig');
push @s, main::migrate_keys($slot, $src, $dst);
push @s, 'asked ' . main::call('mig');
main::setslot_node($slot, $dst_id);
push @s, 'moved ' . main::call('mig');
push @s, 'again ' . main::call('mig');
push @s, 'master ' . (main::master_of($slot) eq $dst ? 'dst' : 'not dst');
FngateTest::save_output('cluster-migrate.out', join "\n", @s, '');
--- request
GET /t/out/cluster-migrate.out
--- response_body
before 200 self
migrate OK
asked 200 self
moved 200 self
again 200 self
master dst
--- error_log eval
[qr/fngate: redis "127\.0\.0\.1:\d+" is migrating slot $main::Slot{mig}: asking "127\.0\.0\.1:\d+"/,
 qr/fngate: redis "127\.0\.0\.1:\d+" moved slot $main::Slot{mig} to "127\.0\.0\.1:\d+"/,
 qr/fngate: redis EXISTS sent to "127\.0\.0\.1:\d+" asking/]
--- no_error_log
[error]



=== TEST 5: a master killed: calls of its slots fail with the metadata store's 502 until its replica is promoted, then succeed; the other masters' calls are served meanwhile
--- timeout: 90
--- init
my ($victim, $pid) = main::master_pid($main::Slot{fo});
my @s = ('before ' . main::call('fo'));
kill 'KILL', $pid;
my $t0 = Time::HiRes::time();
my (%failed, $window, $other_said, $calls);
# bounded: the failover takes about 2 cluster-node-timeouts (2 s each)
while (Time::HiRes::time() - $t0 < 30) {
    my $r = main::call('fo');
    $calls++;
    if ($r =~ /^200 /) {
        $window = Time::HiRes::time() - $t0;
        last;
    }
    $failed{$r}++;
    $other_said //= main::call('fo2');
    Time::HiRes::sleep(0.05);
}
push @s, map { "window $_" } sort keys %failed;
push @s, 'other ' . ($other_said // 'not called');
push @s, 'after ' . (defined $window ? main::call('fo') : 'still failing');
push @s, 'promoted ' . (main::master_of($main::Slot{fo}) ne $victim ? 1 : 0);
Test::More::diag(sprintf "failover window as the module saw it: %.2f s, %d calls"
    . " refused", $window // -1, $calls - 1);
# the killed node back, as a replica, for whatever runs next
main::stack("stack_redis_cluster '$main::Dir' $main::Port 64mb '' 6");
FngateTest::save_output('cluster-failover.out', join "\n", @s, '');
--- request
GET /t/out/cluster-failover.out
--- response_body
before 200 self
window 502 The metadata store is unavailable.
other 200 self
after 200 self
promoted 1
--- error_log eval
[qr/fngate: redis "127\.0\.0\.1:\d+" connection lost/,
 qr/fngate: redis "127\.0\.0\.1:\d+" connect failed: Connection refused/,
 qr/fngate: redis cluster "[^"]+ cluster": \w+ of slot \d+ given up after 5 redirections or failures/]
--- no_error_log
[alert]
exited on signal



=== TEST 6: a master that stops answering: the call times out (503), its connection is dropped, and once it answers again calls succeed
--- http_config eval
"    fngate_redis $main::Addrs;\n    fngate_cache_ttl 0;\n    fngate_redis_timeout 300ms;\n"
--- init
my (undef, $pid) = main::master_pid($main::Slot{stop});
my @s = ('before ' . main::call('stop'));
# well within cluster-node-timeout (2 s): no failover
kill 'STOP', $pid;
push @s, 'stopped ' . main::call('stop');
kill 'CONT', $pid;
push @s, 'continued ' . main::call('stop');
FngateTest::save_output('cluster-stop.out', join "\n", @s, '');
--- request
GET /t/out/cluster-stop.out
--- response_body
before 200 self
stopped 503 The metadata store did not answer in time.
continued 200 self
--- error_log eval
[qr/fngate: redis "127\.0\.0\.1:\d+" timed out after 300ms/,
 qr/fngate: redis "127\.0\.0\.1:\d+" does not answer, closing the connection/]



=== TEST 7: nginx -t refuses bad fngate_redis values, each with what is wrong
--- init
my $dir = "$main::Dir/conf-t";
mkdir $dir;
my @out;
for my $v ('127.0.0.1:6379 127.0.0.1:6380', 'unix:/tmp/fngate.sock cluster',
           'garbage', 'cluster', '127.0.0.1:99999 cluster',
           '127.0.0.1:6379 127.0.0.1:6380 cluster', 'unix:/tmp/fngate.sock',
           '127.0.0.1:6379') {
    open my $c, '>', "$dir/nginx.conf" or die "$dir: $!";
    print $c "load_module $ENV{TEST_NGINX_FNGATE_MODULE};\npid $dir/nginx.pid;\n"
             . "events {}\nhttp {\n    fngate_redis $v;\n}\n";
    close $c;
    my $o = `$ENV{TEST_NGINX_BINARY} -t -q -e $dir/error.log -p $dir/ -c $dir/nginx.conf 2>&1`;
    my $rc = $? >> 8;
    my ($emerg) = $o =~ /^nginx: \[emerg\] (.*) in \Q$dir\E\/nginx\.conf:5$/m;
    push @out, "$v: exit=$rc" . (defined $emerg ? " $emerg" : '');
}
FngateTest::save_output('cluster-conf.out', join "\n", @out, '');
--- request
GET /t/out/cluster-conf.out
--- response_body
127.0.0.1:6379 127.0.0.1:6380: exit=1 invalid fngate_redis "127.0.0.1:6379 127.0.0.1:6380": several addresses are the seeds of a cluster: add the word "cluster"
unix:/tmp/fngate.sock cluster: exit=1 invalid fngate_redis "unix:/tmp/fngate.sock cluster": a Redis Cluster is reached over TCP: "unix:/tmp/fngate.sock" is a unix socket
garbage: exit=1 invalid fngate_redis "garbage": "garbage" is not HOST:PORT or unix:/PATH
cluster: exit=1 invalid fngate_redis "cluster": no address
127.0.0.1:99999 cluster: exit=1 invalid fngate_redis "127.0.0.1:99999 cluster": "127.0.0.1:99999" is not HOST:PORT or unix:/PATH
127.0.0.1:6379 127.0.0.1:6380 cluster: exit=0
unix:/tmp/fngate.sock: exit=0
127.0.0.1:6379: exit=0



=== TEST 8: fngated follows a slot migration: a script of two keys meets it (ASK, then TRYAGAIN: the keys are not all there yet), waits, and runs on the new master once the slot has moved
--- timeout: 60
--- init
$main::FgdLog = '';
my $id = $main::Id{fmig};
my ($slot, $src, $dst, $dst_id) = main::start_migration('fmig');
my @s;
# it meets the migration, then the slot moves
push @s, 'during ' . main::fgd_role_while('fmig', 'r1', sub {
    Time::HiRes::sleep(1.5);
    unshift @s, main::migrate_keys($slot, $src, $dst);
    main::setslot_node($slot, $dst_id);
}, redis_wait => 1, redis_retry => 30000);
push @s, main::fgd_said(
    ['TRYAGAIN', qr/EVAL: TRYAGAIN/],
    ['done', qr/EVAL: done after \d+ ms waiting for the cluster/]);
push @s, 'after ' . main::fgd_role('fmig', 'r2', redis_wait => 1);
push @s, "on the new master: r1 " . main::holds($dst, "fg:role:{$id}:r1")
    . ', r2 ' . main::holds($dst, "fg:role:{$id}:r2");
push @s, 'roles ' . join ',', split /\n/, main::redis($dst, 'ZRANGE', "fg:roles:{$id}", 0, -1);
push @s, 'replicated ' . ($main::FgdLog =~ /replicas have it after/ ? 'late' : 'yes');
FngateTest::save_output('cluster-fgd-migrate.out', join "\n", @s, '');
--- request
GET /t/out/cluster-fgd-migrate.out
--- response_body
migrate OK
during exit=0 arn
said TRYAGAIN,done
after exit=0 arn
on the new master: r1 yes, r2 yes
roles r1,r2
replicated yes



=== TEST 9: fngated waits out a failover: a write sent right after its master is killed runs once the replica is promoted, within redis_retry, and is there afterwards
--- timeout: 90
--- init
$main::FgdLog = '';
my ($victim, $pid) = main::master_pid($main::Slot{ffo});
my $id = $main::Id{ffo};
kill 'KILL', $pid;
my $t0 = Time::HiRes::time();
my @s = ('killed, then ' . main::fgd_role('ffo', 'late', redis_retry => 30000));
my $took = Time::HiRes::time() - $t0;
push @s, 'promoted ' . (main::master_of($main::Slot{ffo}) ne $victim ? 1 : 0);
push @s, 'there ' . main::holds(main::master_of($main::Slot{ffo}), "fg:role:{$id}:late");
push @s, main::fgd_said(
    ['waiting', qr/redis \w+: waiting for the cluster/],
    ['done', qr/redis 127\.0\.0\.1:\d+ \w+: done after \d+ ms waiting for the cluster/]);
push @s, 'in time ' . ($took < 30 ? 1 : 0);
Test::More::diag(sprintf "fngated's write waited %.2f s for the failover", $took);
main::stack("stack_redis_cluster '$main::Dir' $main::Port 64mb '' 6");
FngateTest::save_output('cluster-fgd-failover.out', join "\n", @s, '');
--- request
GET /t/out/cluster-fgd-failover.out
--- response_body
killed, then exit=0 arn
promoted 1
there yes
said waiting,done
in time 1



=== TEST 10: fngated waits while the nodes disagree on a slot: the old master says MOVED to the new one, which has not taken the slot yet and says MOVED back; once it has, the write runs there
--- timeout: 60
--- init
$main::FgdLog = '';
my $id = $main::Id{fpp};
my ($slot, $src, $dst, $dst_id) = main::start_migration('fpp');
my @s = (main::migrate_keys($slot, $src, $dst));
# the old master has given the slot away; the new one is still importing
main::redis($src, 'CLUSTER', 'SETSLOT', $slot, 'NODE', $dst_id);
push @s, 'during ' . main::fgd_role_while('fpp', 'p1', sub {
    Time::HiRes::sleep(1.5);
    main::setslot_node($slot, $dst_id);
}, redis_retry => 30000);
push @s, main::fgd_said(
    ['redirections', qr/ \w+: 16 redirections in a row, the last MOVED $slot /],
    ['waiting', qr/redis \w+: waiting for the cluster/],
    ['done', qr/ \w+: done after \d+ ms waiting for the cluster/],
    ['refused', qr/storage refused/]);
push @s, 'on the new master: p1 ' . main::holds($dst, "fg:role:{$id}:p1");
FngateTest::save_output('cluster-fgd-disagree.out', join "\n", @s, '');
--- request
GET /t/out/cluster-fgd-disagree.out
--- response_body
migrate OK
during exit=0 arn
said redirections,waiting,done
on the new master: p1 yes



=== TEST 11: a call meets nodes that disagree on its slot (the old master has given it to the new one, which is still importing it: MOVED back and forth): it is sent again after longer and longer pauses, and once the new master has the slot it is served there
--- http_config eval
"    fngate_redis $main::Addrs;\n    fngate_cache_ttl 0;\n    fngate_redis_timeout 10s;\n"
--- init
my ($slot, $src, $dst, $dst_id) = main::start_migration('pp');
my @s = (main::migrate_keys($slot, $src, $dst));
main::redis($src, 'CLUSTER', 'SETSLOT', $slot, 'NODE', $dst_id);
# the call's resends: at once, then 10 s / 32, / 16, / 8, / 4 later; the
# nodes agree 1 s after its first MOVED (a slow nginx, as under valgrind,
# may take longer than that to send it), between the third and the fourth
my $errlog = "$ENV{TEST_NGINX_SERVER_ROOT}/logs/error.log";
my $skip = -s $errlog // 0;
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    FngateTest::wait_log($errlog, qr/moved slot $slot to/, 30, $skip);
    Time::HiRes::sleep(1);
    main::setslot_node($slot, $dst_id);
    POSIX::_exit(0);
}
my $t0 = Time::HiRes::time();
push @s, 'during ' . main::call('pp');
my $took = Time::HiRes::time() - $t0;
waitpid $pid, 0;
push @s, 'waited ' . ($took > 1 ? 1 : sprintf '%.2f s', $took);
push @s, 'master ' . (main::master_of($slot) eq $dst ? 'dst' : 'not dst');
FngateTest::save_output('cluster-disagree.out', join "\n", @s, '');
--- request
GET /t/out/cluster-disagree.out
--- response_body
migrate OK
during 200 self
waited 1
master dst
--- error_log eval
[qr/fngate: redis "127\.0\.0\.1:\d+" moved slot $main::Slot{pp} to "127\.0\.0\.1:\d+"/,
 qr/fngate: redis \w+ of slot $main::Slot{pp} sent again in 625ms/]
--- no_error_log
given up after
