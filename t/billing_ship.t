# One bill for every host (docs/billing.md "One bill for every host"):
# with billing_ship = 1, fngated ships each line of its billing log to
# Redis, and GetUsage, GetApiUsage and `fngated usage` answer from there,
# the same on every host that ships.
#
# Two hosts on one machine: "a" is the test fngated (billing_ship = 0: it
# answers from the log), "b" a fngated of the block's own
# (FngateTest::own_fngated) on the same log and Redis with billing_ship =
# 1.  A block's usage calls go to the host its query names (?host=b),
# everything else to a.  A third host is a second log shipped by
# `fngated ship-billing`.  Each block uses accounts of its own (ship-a,
# ship-x, ship-y, ship-c, ship-g, ship-w); Test::Nginx starts each block
# with an empty logs/.
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

repeat_each(1);
timeout(180);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $LOG = FngateTest::fngated_key('billing_log');

# The usage calls go to host a, or b with ?host=b.
Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;
    my $main = FngateTest::need_env('TEST_NGINX_FNGATED_SOCKET');
    my ($loc) = FngateTest::default_config() =~ /^(\s*location \/ \{.*?^\s*\})/ms;
    my $usage = join '', map {
        my $l = $loc;
        $l =~ s/location \/ \{/location $_ {/;
        $l =~ s/fastcgi_pass [^;]*;/fastcgi_pass \$fngate_usage_host;/;
        "$l\n";
    } '= /2015-03-31/usage', '~ ^/2015-03-31/apis/[^/]+/usage$';
    $block->set_value('http_config', FngateTest::default_http_config()
        . "    map \$arg_host \$fngate_usage_host {\n"
        . "        default unix:$main;\n"
        . "        b unix:$main::OWN_SOCK;\n"
        . "    }\n");
    $block->set_value('config', FngateTest::default_config() . $usage);
});

# Host b: a fngated of the block's own that ships the log.
sub host_b {
    FngateTest::own_fngated(billing_ship => 1, warm => 0, threads => 2,
        async_workers => 0, esm_pollers => 0);
}

# WHO's usage (PATH: GetUsage's, or an API's) as HOST answers it: "CODE
# ROWS", each row "ACCOUNT OWNER API CALLS BILLED_MS GB_SECONDS ERRORS
# COLD_STARTS" with the test's account names.
sub usage {
    my ($who, $host, $path) = @_;
    my ($code, $body) = FngateTest::api_call($who, 'GET',
        ($path // '/2015-03-31/usage') . "?host=$host");
    my $doc = eval { FngateTest::json_decode($body) }
        or return "$code $body";
    my %name = map { FngateTest::account($_)->{AccountId} => $_ }
               keys %FngateTest::Accounts;
    my @rows = map {
        my $r = $_;
        join ' ', (map { $name{$r->{$_}} // $r->{$_} } qw(Account Owner)),
            $r->{Api}, $r->{Calls}, $r->{BilledMs},
            sprintf('%.6f', $r->{GBSeconds}), $r->{Errors},
            $r->{ColdStarts};
    } @{ $doc->{Usage} };
    return "$code " . (@rows ? join(', ', @rows) : 'none');
}

# Waits (at most SECONDS) until HOST answers WHO's usage as WANT (a
# pattern); the last answer.
sub usage_like {
    my ($who, $host, $want, $seconds, $path) = @_;
    my $got = '';
    for (1 .. $seconds * 5) {
        $got = usage($who, $host, $path);
        last if $got =~ $want;
        select undef, undef, undef, 0.2;
    }
    return $got;
}

# A billing line appended to FILE in one write, as another writer of the
# log would: an Invoke of OWNER's function billed to BILLED (names of
# test accounts), FIELDS over the defaults.  Its byte offset in FILE.
sub hand_line {
    my ($file, $billed, $owner, %fields) = @_;
    my %line = (time => '2026-12-07T00:00:00+00:00',
        msec => sprintf('%.3f', Time::HiRes::time()),
        request_id => 'hand-' . int(rand(1e9)), action => 'Invoke',
        caller => FngateTest::account($billed)->{AccountId},
        billing_account => FngateTest::account($billed)->{AccountId},
        owner => FngateTest::account($owner)->{AccountId},
        function => 'by-hand', status => '200', billed_ms => '100',
        memory_mb => '1024', cold_start => 'false', function_error => '',
        api => '', %fields);
    # the format's order: time first
    my $text = '{"time":' . FngateTest::json_encode($line{time}) . ','
        . join(',', map { FngateTest::json_encode($_) . ':'
                          . FngateTest::json_encode($line{$_}) }
                    grep { $_ ne 'time' } sort keys %line) . "}\n";
    return append_raw($file, $text);
}

# TEXT appended to FILE in one write; the byte offset it starts at.
sub append_raw {
    my ($file, $text) = @_;
    open my $out, '>>', $file or die "$file: $!";
    my $at = -s $file // 0;
    syswrite $out, $text;
    close $out;
    return $at;
}

# A fngated command mode, as a host with SET's keys runs it (host b's
# command line): "exit=RC" and its output.
sub fngated_mode {
    my ($mode, $set, @args) = @_;
    my @cmd = FngateTest::fngated_command($FngateTest::Own->{state}, %$set);
    my ($rc, $out) = FngateTest::run_cmd(join(' ',
        map { FngateTest::shell_quote($_) } @cmd, @$mode, @args) . ' 2>&1');
    return ($rc, $out);
}

# The entries of a shipped stream (fg:bill:{A} of test account WHO).
sub stream_len {
    my $who = shift;
    my $port = FngateTest::need_env('TEST_NGINX_REDIS_PORT');
    my $acct = FngateTest::account($who)->{AccountId};
    my (undef, $n) = FngateTest::run_cmd("redis-cli -p $port XLEN "
        . FngateTest::shell_quote("fg:bill:{$acct}"));
    chomp $n;
    return $n;
}

plan tests => repeat_each() * FngateTest::count_tests();

run_tests();

__DATA__

=== TEST 1: calls made, then host b (the lines shipped to Redis) answers GetUsage and the usage table with what host a reads from its log
--- init
main::host_b();
FngateTest::make_function('ship-a', 'echo', "#!/bin/sh\ncat\n");
FngateTest::make_function('ship-a', 'fail',
    "#!/bin/sh\ncat >/dev/null\necho oops >&2\nexit 3\n");
FngateTest::invoke_ok('ship-a', 'echo', '{"n":1}', '{"n":2}');
FngateTest::api_call('ship-a', 'POST', '/2015-03-31/functions/fail/invocations',
    '{}');
my @o;
# host a: once nginx wrote the three lines
my $a = main::usage_like('ship-a', 'a', qr/^200 .* 3 \d+ [\d.]+ 1 \d+$/, 20);
push @o, 'a: ' . ($a =~ /^200 ship-a ship-a - 3 \d+ [\d.]+ 1 \d+$/ ? 'ok' : $a);
my $b = main::usage_like('ship-a', 'b', qr/^\Q$a\E$/, 30);
push @o, 'b: ' . ($b eq $a ? 'the same' : "$b (a: $a)");
my $acct = FngateTest::account('ship-a')->{AccountId};
my ($rc1, $shipped) = main::fngated_mode(['usage'], {}, '--by', 'api',
    '--account', $acct);
my ($rc2, $file) = main::fngated_mode(['usage'], {}, '--by', 'api',
    '--account', $acct, '--log', $main::LOG);
push @o, "table: exit=$rc1 " . ($shipped eq $file && $file =~ /^$acct\s+$acct\s+-\s+3 /m
    ? 'the same rows' : "$shipped (log: $file)");
FngateTest::save_output('ship-calls.out', join("\n", @o) . "\n");
--- request
GET /t/out/ship-calls.out
--- response_body
a: ok
b: the same
table: exit=0 the same rows
--- no_error_log
[error]



=== TEST 2: a line appended to the log by hand billed to another account shows in that account's GetUsage only; an API's call in the caller's GetUsage and the API owner's GetApiUsage; host b answers as host a
--- init
main::host_b();
main::hand_line($main::LOG, 'ship-y', 'ship-y', billed_ms => '1234');
main::hand_line($main::LOG, 'ship-x', 'ship-y', action => 'InvokeApi',
    api => 'shop', billed_ms => '77', memory_mb => '512');
my @o;
for (['ship-y', undef], ['ship-x', undef],
     ['ship-y', '/2015-03-31/apis/shop/usage'],
     ['ship-x', '/2015-03-31/apis/shop/usage'])
{
    my ($who, $path) = @$_;
    my $a = main::usage($who, 'a', $path);
    my $b = main::usage_like($who, 'b', qr/^\Q$a\E$/, 30, $path);
    push @o, "$who " . ($path ? 'api' : 'usage') . ": $b"
        . ($b eq $a ? '' : " (a: $a)");
}
FngateTest::save_output('ship-hand.out', join("\n", @o) . "\n");
--- request
GET /t/out/ship-hand.out
--- response_body
ship-y usage: 200 ship-y ship-y - 1 1234 1.234000 0 0
ship-x usage: 200 ship-x ship-y shop 1 77 0.038500 0 0
ship-y api: 200 ship-x ship-y shop 1 77 0.038500 0 0
ship-x api: 200 none
--- no_error_log
[error]



=== TEST 3: host b killed and started again with its checkpoint at the log's start (a crash before it saved any): the lines in Redis are not appended twice, the line written while it was down is
--- init
main::host_b();
main::hand_line($main::LOG, 'ship-c', 'ship-c', billed_ms => '10');
main::hand_line($main::LOG, 'ship-c', 'ship-c', billed_ms => '20');
my @o;
push @o, 'before: ' . main::usage_like('ship-c', 'b', qr/ 2 30 /, 30);
push @o, 'stream: ' . main::stream_len('ship-c');
FngateTest::restart_own_fngated(sub {
    my ($state) = @_;
    my ($ckpt) = grep { !/\.(lock|tmp)$/ } glob "$state/vm/billship-*";
    open my $in, '<', $ckpt or die "$ckpt: $!";
    my ($id, $inode) = split ' ', <$in>;
    close $in;
    open my $out, '>', $ckpt or die "$ckpt: $!";
    print $out "$id $inode 0 0\n";
    close $out;
    main::hand_line($main::LOG, 'ship-c', 'ship-c', billed_ms => '30');
});
push @o, 'after: ' . main::usage_like('ship-c', 'b', qr/ 3 60 /, 30);
push @o, 'stream: ' . main::stream_len('ship-c');
push @o, 'a: ' . main::usage('ship-c', 'a');
FngateTest::save_output('ship-crash.out', join("\n", @o) . "\n");
--- request
GET /t/out/ship-crash.out
--- response_body
before: 200 ship-c ship-c - 2 30 0.030000 0 0
stream: 2
after: 200 ship-c ship-c - 3 60 0.060000 0 0
stream: 3
a: 200 ship-c ship-c - 3 60 0.060000 0 0
--- no_error_log
[error]



=== TEST 4: a line that is not JSON and one cut short are skipped, each with a log line naming its byte; the shipper goes on with the next
--- init
main::host_b();
my $bad1 = main::append_raw($main::LOG, "this is not JSON\n");
my $bad2 = main::append_raw($main::LOG,
    "{\"time\":\"t\",\"action\":\"Invoke\",\"billing_account\":\"12\n");
main::hand_line($main::LOG, 'ship-g', 'ship-g', billed_ms => '5');
my @o;
push @o, 'b: ' . main::usage_like('ship-g', 'b', qr/ 1 5 /, 30);
for my $at ($bad1, $bad2) {
    push @o, 'logged: ' . (FngateTest::wait_log($FngateTest::Own->{log},
        qr/billing: \Q$main::LOG\E \(inode \d+\) byte $at: not a billing line/,
        10) ? 'yes' : 'no');
}
FngateTest::save_output('ship-bad.out', join("\n", @o) . "\n");
--- request
GET /t/out/ship-bad.out
--- response_body
b: 200 ship-g ship-g - 1 5 0.005000 0 0
logged: yes
logged: yes
--- no_error_log
[error]



=== TEST 5: a third host's log shipped by fngated ship-billing: host b answers with its lines, host a (its own log only) without; shipped again, nothing is appended twice; fngated usage of any shipping host gives the same table
--- init
main::host_b();
my $dir = "$FngateTest::Own->{state}/third";
mkdir $dir or die "$dir: $!";
my $log = "$dir/access.log";
main::hand_line($log, 'ship-w', 'ship-w', billed_ms => '10');
main::hand_line($log, 'ship-w', 'ship-w', billed_ms => '20',
    function_error => 'Unhandled');
my %third = (billing_log => $log, state_dir => $dir);
my @o;
my ($rc) = main::fngated_mode(['ship-billing'], \%third);
push @o, "ship-billing: exit=$rc stream=" . main::stream_len('ship-w');
push @o, 'b: ' . main::usage_like('ship-w', 'b', qr/ 2 30 /, 10);
push @o, 'a: ' . main::usage('ship-w', 'a');
($rc) = main::fngated_mode(['ship-billing'], \%third);
push @o, "again: exit=$rc stream=" . main::stream_len('ship-w');
my $acct = FngateTest::account('ship-w')->{AccountId};
my ($rc1, $shipped) = main::fngated_mode(['usage'], {}, '--account', $acct);
my ($rc2, $file) = main::fngated_mode(['usage'], {}, '--account', $acct,
    '--log', $log);
push @o, "table: exit=$rc1 " . ($shipped eq $file && $file =~ /^$acct\s+\*\s+\*\s+2 /m
    ? 'the same rows as the third log' : "$shipped (log: $file)");
FngateTest::save_output('ship-third.out', join("\n", @o) . "\n");
--- request
GET /t/out/ship-third.out
--- response_body
ship-billing: exit=0 stream=2
b: 200 ship-w ship-w - 2 30 0.030000 1 0
a: 200 none
again: exit=0 stream=2
table: exit=0 the same rows as the third log
--- no_error_log
[error]
