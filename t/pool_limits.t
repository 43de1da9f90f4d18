# The pool's limits, on a fngated of their own (FngateTest::own_fngated,
# restarted with other settings for each block): a burst of four times the
# warm set is served without a failure, and the pool refills; calls beyond
# max_vms, max_vms_per_account or the memory budget queue for a guest
# rather than fail, up to acquire_timeout, then get 429; an account's idle
# guest is evicted for another account at max_vms and destroyed after
# idle_timeout; with warm_per_account an account that called keeps a
# spare guest made ahead.
use Test::Nginx::Socket;
use FngateTest;
use List::Util ();

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $TIMEOUT = 15;      # the functions' Timeout, seconds

# nap(WHO, SECONDS): WHO creates "nap", which sleeps SECONDS.
sub nap {
    my ($who, $sleep) = @_;
    my $out = FngateTest::curl_sigv4($who, '/2015-03-31/functions',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::create_function_body(name => 'nap',
                  timeout => $main::TIMEOUT,
                  files => { handler => [0755,
                      "#!/bin/sh\ncat >/dev/null\nsleep $sleep\necho '\"rested\"'\n"] }));
    die "create nap for $who: $out" unless FngateTest::http_code($out) == 201;
}

# calls(WHO => N, ...): N calls of WHO's nap for each WHO, all at once.
sub calls {
    my @spec = @_;
    my @calls;
    while (my ($who, $n) = splice @spec, 0, 2) {
        push @calls, [$who, '/2015-03-31/functions/nap/invocations',
                      '-d', '{}'] for 1 .. $n;
    }
    return FngateTest::burst(@calls);
}

# The billing lines of WHO's calls, once N of them are written.
sub lines_of {
    my ($who, $n) = @_;
    my $acct = FngateTest::account($who)->{AccountId};
    my @l;
    for (1 .. 50) {
        @l = grep { $_->{caller} eq $acct }
             @{ FngateTest::billing_lines('Invoke') };
        last if @l >= $n;
        select undef, undef, undef, 0.1;
    }
    return @l;
}

sub distinct { my %h = map { $_ => 1 } @_; return scalar keys %h }

# Summary of a burst's answers: their codes, sorted, and whether every
# 200 said "rested" within the Timeout.
sub codes {
    my @r = @_;
    my $codes = join ' ', sort map { $_->{http} } @r;
    my $late = grep { $_->{time} >= $main::TIMEOUT } @r;
    my $bad = grep { $_->{http} == 200 && $_->{body} !~ /^"rested"\n?$/ } @r;
    return "codes=$codes late=$late bad_bodies=$bad";
}

# The billing lines' calls that ran in a guest while another call ran in
# it: each ran from its line's time less its duration to its line's time
# (nginx logs just after the response; 20 ms of slack for that).
sub overlaps {
    my %by_vm;
    for my $l (@_) {
        push @{ $by_vm{$l->{vm}} },
            [$l->{msec} - $l->{duration_ms} / 1000, $l->{msec}];
    }
    my $n = 0;
    for my $runs (values %by_vm) {
        my @s = sort { $a->[0] <=> $b->[0] } @$runs;
        $n += grep { $s[$_][0] < $s[$_ - 1][1] - 0.02 } 1 .. $#s;
    }
    return $n;
}

# Waits until the own fngated's pool has a warm guest after SKIP bytes of
# its log.
sub wait_warm {
    my ($own, $skip) = @_;
    return FngateTest::wait_log($own->{log}, qr/: warm \(/, 120, $skip) ? 1 : 0;
}

# A fngated of its own with these settings, once its warm set has a guest.
sub warm_pool {
    my $own = FngateTest::own_fngated(@_);
    wait_warm($own, 0);
    return $own;
}

sub own_domains {
    my $own = shift;
    my $prefix = FngateTest::fngated_key('name_prefix', $own->{state});
    my @d = grep { /^\Q$prefix\E-\d+$/ } split /\n/,
        `virsh -c qemu:///system list --name 2>/dev/null`;
    return scalar @d;
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a burst of four times the warm set: every call served in time, one call at a time per guest, the pool grows and refills
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::warm_pool(warm => 1, max_vms => 8);
# each call outlasts a new guest's restore (0.6-1.5 s, more on a busy
# host), so the queued calls get new guests rather than the first one back
main::nap('pool-a', 3);
my $skip = -s $own->{log};
my @r = main::calls('pool-a' => 4);
my $refilled = main::wait_warm($own, $skip);
my @again = main::calls('pool-a' => 4);
my @l = main::lines_of('pool-a', 8);
FngateTest::save_output('pool-burst.out', join("\n",
    main::codes(@r),
    "grew=" . (main::distinct(map { $_->{vm} } @l[0 .. 3]) >= 2 ? 1 : 0),
    "refilled=$refilled",
    main::codes(@again),
    "overlaps=" . main::overlaps(@l)) . "\n");
--- request
GET /t/out/pool-burst.out
--- response_body
codes=200 200 200 200 late=0 bad_bodies=0
grew=1
refilled=1
codes=200 200 200 200 late=0 bad_bodies=0
overlaps=0



=== TEST 2: at max_vms a burst queues for the guests there are, and none fails
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::warm_pool(warm => 1, max_vms => 2);
main::nap('pool-b', 3);     # outlasts the second guest's restore
my @r = main::calls('pool-b' => 4);
my @l = main::lines_of('pool-b', 4);
FngateTest::save_output('pool-max.out', join("\n",
    main::codes(@r),
    "vms=" . main::distinct(map { $_->{vm} } @l),
    "waited=" . ((grep { $_->{queue_ms} >= 500 } @l) >= 2 ? 'yes'
                 : join ',', map { $_->{queue_ms} } @l),
    "overlaps=" . main::overlaps(@l),
    "domains=" . main::own_domains($own)) . "\n");
--- request
GET /t/out/pool-max.out
--- response_body
codes=200 200 200 200 late=0 bad_bodies=0
vms=2
waited=yes
overlaps=0
domains=2



=== TEST 3: the wait is bounded: past acquire_timeout a call gets 429 TooManyRequestsException
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::warm_pool(warm => 1, max_vms => 1,
                         acquire_timeout => 1500);
main::nap('pool-c', 5);
my @r = sort { $a->{http} <=> $b->{http} } main::calls('pool-c' => 2);
my $t = $r[1]{time};
FngateTest::save_output('pool-429.out', join("\n",
    "codes=$r[0]{http} $r[1]{http}",
    "type=$r[1]{error_type}",
    "retry_after=" . ($r[1]{retry_after} =~ /^\d+$/ ? 'set' : 'none'),
    "message=" . ($r[1]{body} =~ /"message":"Rate Exceeded\."/ ? 'yes'
                  : $r[1]{body}),
    "logged=" . (FngateTest::file_has($own->{log},
                     qr/no guest for \d+: .* within 1500 ms/) ? 1 : 0),
    "after_wait=" . ($t >= 1.4 && $t < 5 ? 'yes' : $t)) . "\n");
--- request
GET /t/out/pool-429.out
--- response_body
codes=200 429
type=TooManyRequestsException
retry_after=set
message=yes
logged=1
after_wait=yes



=== TEST 4: max_vms_per_account: one account's burst shares its one guest, another account is not held up
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::warm_pool(warm => 1, max_vms => 4,
                         max_vms_per_account => 1);
main::nap('pool-d', 1);
main::nap('pool-e', 1);
my @r = main::calls('pool-d' => 3, 'pool-e' => 1);
my @d = main::lines_of('pool-d', 3);
my @e = main::lines_of('pool-e', 1);
my %dvm = map { $_->{vm} => 1 } @d;
FngateTest::save_output('pool-account.out', join("\n",
    main::codes(@r),
    "d_vms=" . main::distinct(map { $_->{vm} } @d),
    # waited for the account's guest behind another of its calls (each
    # naps 1 s): the first may wait too, for its guest's restore (about
    # 0.5 s on a busy host), so the waits count from the shortest
    "d_waited=" . (grep { $_->{queue_ms}
        >= List::Util::min(map { $_->{queue_ms} } @d) + 500 } @d),
    "d_overlaps=" . main::overlaps(@d),
    "e_own_vm=" . (@e && !$dvm{$e[0]{vm}} ? 1 : 0)) . "\n");
--- request
GET /t/out/pool-account.out
--- response_body
codes=200 200 200 200 late=0 bad_bodies=0
d_vms=1
d_waited=2
d_overlaps=0
e_own_vm=1



=== TEST 5: at max_vms another account's idle guest is evicted; idle guests go after idle_timeout
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
# idle_timeout outlasts g's cold start (a restore on demand), so f's guest
# is still there, idle, when h needs one
my $own = FngateTest::own_fngated(warm => 0, max_vms => 2, idle_timeout => 10);
main::nap($_, 0) for qw(pool-f pool-g pool-h);
my @r = map { main::calls($_ => 1) } qw(pool-f pool-g pool-h);
my ($f) = main::lines_of('pool-f', 1);
my ($h) = main::lines_of('pool-h', 1);
my $facct = FngateTest::account('pool-f')->{AccountId};
my $hacct = FngateTest::account('pool-h')->{AccountId};
my $evicted = FngateTest::file_has($own->{log},
    qr/\Q$f->{vm}\E: evicting idle guest of account $facct for $hacct/);
my $skip = -s $own->{log};
my $idle = FngateTest::wait_log($own->{log}, qr/idle for 10s, destroying/, 40, $skip);
# h's guest went idle later than g's (h's call was a cold start)
for (1 .. 60) {
    last if main::own_domains($own) == 0;
    select undef, undef, undef, 0.5;
}
FngateTest::save_output('pool-evict.out', join("\n",
    main::codes(@r),
    "evicted=" . ($evicted ? 1 : 0),
    "h_took_its_place=" . ($h->{vm} ne $f->{vm} ? 1 : 0),
    "idle_destroyed=" . ($idle ? 1 : 0),
    "domains_left=" . main::own_domains($own)) . "\n");
--- request
GET /t/out/pool-evict.out
--- response_body
codes=200 200 200 late=0 bad_bodies=0
evicted=1
h_took_its_place=1
idle_destroyed=1
domains_left=0



=== TEST 6: the memory budget caps the guests a burst gets; the calls beyond it queue
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
# what one guest holds here, then a budget for two and a half
my $own = FngateTest::own_fngated(warm => 1, memory_budget_mb => 1048576);
my ($mib) = FngateTest::wait_log($own->{log}, qr/holds \d+ MiB of host memory/, 120)
    =~ /holds (\d+) MiB/;
$own = main::warm_pool(warm => 1, max_vms => 8,
                       memory_budget_mb => int(($mib // 0) * 2.5));
main::nap('pool-j', 1);
my @r = main::calls('pool-j' => 4);
my @l = main::lines_of('pool-j', 4);
my $vms = main::distinct(map { $_->{vm} } @l);
FngateTest::save_output('pool-budget.out', join("\n",
    "measured=" . ($mib ? 'yes' : 'no'),
    main::codes(@r),
    "vms_within_budget=" . ($vms >= 1 && $vms <= 2 ? 'yes' : $vms),
    "waited=" . ((grep { $_->{queue_ms} >= 500 } @l) >= 2 ? 'yes'
                 : join ',', map { $_->{queue_ms} } @l)) . "\n");
--- request
GET /t/out/pool-budget.out
--- response_body
measured=yes
codes=200 200 200 200 late=0 bad_bodies=0
vms_within_budget=yes
waited=yes



=== TEST 7: warm_per_account: an account that called keeps a spare guest made ahead, and its next two calls at once both find a guest of their own
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
# no warm set: the background thread has nothing to do before the
# account's spare (a warm set's refill comes first, and may outlast the
# call, which leaves the account its idle guest as its spare)
my $own = FngateTest::own_fngated(warm => 0, max_vms => 6, warm_per_account => 1);
main::nap('pool-k', 2);
my $acct = FngateTest::account('pool-k')->{AccountId};
my $skip = -s $own->{log};
my @first = main::calls('pool-k' => 1);
# its call took the guest made for it: one more is made for it, ahead
my ($ahead) = (FngateTest::wait_log($own->{log},
    qr/\S+: made ahead for account $acct /, 120, $skip) // '')
    =~ /(\S+): made ahead/;
my $ready = $ahead && FngateTest::wait_log($own->{log},
    qr/\Q$ahead\E: made for account $acct /, 120, $skip) ? 1 : 0;
my @two = main::calls('pool-k' => 2);
my @l = main::lines_of('pool-k', 3);
my $one = $l[0]{vm};
my %vms = map { $_->{vm} => 1 } @l[1, 2];
FngateTest::save_output('pool-ahead.out', join("\n",
    main::codes(@first, @two),
    "made_ahead=$ready",
    "two_guests=" . (keys %vms == 2 ? 1 : join ',', keys %vms),
    "ran_in_it=" . ($ahead && $vms{$ahead} ? 1 : 0),
    "and_the_first=" . ($vms{$one} ? 1 : 0),
    # (a guest made while a call waits takes 200 ms and more)
    "waited_for_none=" . ((grep { $_->{queue_ms} >= 200 } @l[1, 2])
                          ? join ',', map { $_->{queue_ms} } @l[1, 2] : 1))
    . "\n");
--- request
GET /t/out/pool-ahead.out
--- response_body
codes=200 200 200 late=0 bad_bodies=0
made_ahead=1
two_guests=1
ran_in_it=1
and_the_first=1
waited_for_none=1
