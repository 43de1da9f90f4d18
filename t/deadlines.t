# Deadlines (docs/lambda-api.md, "Deadlines"): a call may carry
# X-Fngate-Deadline, a Unix time in milliseconds.  fngated refuses at once
# (504 DeadlineExceededException, nothing run, no guest taken) a call that
# can not end by it: its deadline has passed, or is nearer than the
# function version's recent runs took; a bad value is 400.  A call that
# runs gets at most the time left as its timeout.  Under load, calls that
# wait for a guest are served earliest deadline first, and one whose
# deadline comes while it waits is refused then, not run late.
#
# Each block makes its functions (dl's on the test fngated; the load
# blocks' run on a fngated of their own with one guest,
# FngateTest::own_fngated, for account dlq).
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';

# sleeps the event's "sleep" seconds, then answers its "tag"
our $NAP = <<'_SH_';
#!/bin/sh
ev=$(cat)
s=$(echo "$ev" | sed -n 's/.*"sleep":\([0-9]*\).*/\1/p')
t=$(echo "$ev" | sed -n 's/.*"tag":"\([A-Za-z0-9]*\)".*/\1/p')
sleep ${s:-0}
echo "\"${t:-done}\""
_SH_

# nap(WHO, NAME): WHO's function NAME runs $NAP (each block makes its
# own, through the fngated it talks to).
sub nap {
    FngateTest::make_function($_[0], $_[1], $main::NAP, timeout => 60);
}

sub now_ms { int(Time::HiRes::time() * 1000) }

# start(WHO, FUNCTION, EVENT, DEADLINE): the call in a process of its own
# (DEADLINE undef: no header); finish() waits for it and gives what
# FngateTest::curl_collect does, the body without its last newline.
sub start {
    my ($who, $fn, $event, $deadline) = @_;
    my @h = defined $deadline ? ('-H', "X-Fngate-Deadline: $deadline") : ();
    return FngateTest::curl_spawn($who, "/2015-03-31/functions/$fn/invocations",
        @h, '-H', 'Content-Type: application/json', '--data-binary', $event);
}

sub finish {
    my $r = FngateTest::curl_collect(shift);
    chomp $r->{body};
    return $r;
}

sub call { finish(start(@_)) }

# What a refused call's billing line says: its status, and that no
# guest ran it (no VM, no duration).
sub refused_line {
    my $l = FngateTest::billing_line(shift);
    my $ran = grep { ($l->{$_} // '') !~ /^-?$/ } qw(vm duration_ms billed_ms);
    return "line=" . ($l->{status} // 'none') . ($ran ? ' ran' : ' not-run');
}

# A short message: the first words of a JSON error's message.
sub msg {
    my ($m) = $_[0] =~ /"message":"([^"]*)"/;
    return $m // $_[0];
}

# A fngated of its own with one guest, once the guest is warm.
sub one_guest {
    my $own = FngateTest::own_fngated(warm => 1, max_vms => 1, @_);
    FngateTest::wait_log($own->{log}, qr/: warm \(/, 120);
    return $own;
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a call without the header runs as before
--- timeout: 180
--- init
main::nap('dl', 'plain');
--- request
POST /2015-03-31/functions/plain/invocations
{"tag":"plain"}
--- more_headers
X-Fngate-Test-Sign: dl
--- response_body
"plain"
--- no_error_log
[error]



=== TEST 2: a bad X-Fngate-Deadline is 400 InvalidParameterValueException, logged, and nothing runs
--- init
main::nap('dl', 'bad');
my @o;
for my $v ('soon', '-1', '1765000000', '17650000001230000', '1765000000.5',
           '99999999999999') {
    my $r = main::call('dl', 'bad', '{"tag":"bad"}', $v);
    push @o, "$v: $r->{http} $r->{error_type} " . main::refused_line($r->{rid});
}
push @o, 'logged=' . (FngateTest::wait_fngated_log(
    qr/bad deadline "1765000000\.5"/, 10) ? 1 : 0);
push @o, 'message=' . main::msg(main::call('dl', 'bad', '{}', 'x')->{body});
FngateTest::save_output('dl-bad.out', join("\n", @o) . "\n");
--- request
GET /t/out/dl-bad.out
--- response_body
soon: 400 InvalidParameterValueException line=400 not-run
-1: 400 InvalidParameterValueException line=400 not-run
1765000000: 400 InvalidParameterValueException line=400 not-run
17650000001230000: 400 InvalidParameterValueException line=400 not-run
1765000000.5: 400 InvalidParameterValueException line=400 not-run
99999999999999: 400 InvalidParameterValueException line=400 not-run
logged=1
message=X-Fngate-Deadline 'x' is not a deadline: it must be a Unix time in milliseconds (digits only, between 946684800000 and 4102444800000)
--- no_error_log
[error]



=== TEST 3: a deadline already past is refused at once: 504 DeadlineExceededException, the function not run
--- init
main::nap('dl', 'past');
my $r = main::call('dl', 'past', '{"tag":"past"}', main::now_ms() - 1000);
FngateTest::save_output('dl-past.out', join("\n",
    "$r->{http} $r->{error_type} " . main::refused_line($r->{rid}),
    'message=' . (main::msg($r->{body}) =~
        /^The call's deadline \(X-Fngate-Deadline \d+\) passed \d+ ms ago; the function was not run \(refused at once\)$/
        ? 'yes' : $r->{body}),
    'logged=' . (FngateTest::wait_fngated_log(
        qr/\Q$r->{rid}\E.*refused at once/, 10) ? 1 : 0)) . "\n");
--- request
GET /t/out/dl-past.out
--- response_body
504 DeadlineExceededException line=504 not-run
message=yes
logged=1
--- no_error_log
[error]



=== TEST 4: a deadline nearer than the function's recent runs took is refused at once; a far one runs
--- timeout: 180
--- init
main::nap('dl', 'slow');
# a run of 3 s: what the version needs from now on
my $first = main::call('dl', 'slow', '{"sleep":3,"tag":"first"}');
my $r = main::call('dl', 'slow', '{"sleep":0,"tag":"near"}',
    main::now_ms() + 1500);
my $far = main::call('dl', 'slow', '{"sleep":0,"tag":"far"}',
    main::now_ms() + 120000);
FngateTest::save_output('dl-need.out', join("\n",
    "first: $first->{http} $first->{body}",
    "near: $r->{http} $r->{error_type} " . main::refused_line($r->{rid}),
    'message=' . (main::msg($r->{body}) =~
        /^The call can not end by its deadline \(X-Fngate-Deadline \d+, \d+ ms away\): the function needs about (\d+) ms; it was not run \(refused at once\)$/
        && $1 >= 3000 ? 'yes' : $r->{body}),
    "far: $far->{http} $far->{body}") . "\n");
--- request
GET /t/out/dl-need.out
--- response_body
first: 200 "first"
near: 504 DeadlineExceededException line=504 not-run
message=yes
far: 200 "far"
--- no_error_log
[error]



=== TEST 5: the deadline cuts the call's timeout: a function that would run 30 s times out before its deadline
--- timeout: 180
--- init
main::nap('dl', 'cut');
main::call('dl', 'cut', '{"sleep":0}');     # its guest, and a short need
my $r = main::call('dl', 'cut', '{"sleep":30,"tag":"late"}',
    main::now_ms() + 15000);
my ($s) = main::msg($r->{body}) =~ /Task timed out after (\d+)\.\d\d seconds/;
FngateTest::save_output('dl-cut.out', join("\n",
    "$r->{http} $r->{function_error}",
    'cut=' . (defined $s && $s < 15 ? 'yes' : $r->{body}),
    'logged=' . (FngateTest::wait_fngated_log(
        qr/\Q$r->{rid}\E.*deadline \d+: timeout \d+ ms \(the function's is 60 s\)/,
        10) ? 1 : 0)) . "\n");
--- request
GET /t/out/dl-cut.out
--- response_body
200 Unhandled
cut=yes
logged=1
--- no_error_log
[error]



=== TEST 6: under load, of two waiting calls the one with the earlier deadline runs first, though it came second
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::one_guest();
main::nap('dlq', 'nap');
main::call('dlq', 'nap', '{"sleep":0,"tag":"warm"}');  # the account's guest
my $skip = -s $own->{log};
my $far = main::now_ms() + 600000;
# the guest is busy with a long call ...
my $busy = main::start('dlq', 'nap', '{"sleep":8,"tag":"busy"}', $far);
my $running = FngateTest::wait_log($own->{log}, qr/deadline $far: runs on/,
    60, $skip);
# ... when a call with a late deadline comes, then one with an earlier one
my $late = main::start('dlq', 'nap', '{"sleep":1,"tag":"late"}',
    main::now_ms() + 240000);
my $w1 = FngateTest::wait_log($own->{log}, qr/a call waits for a guest/, 60,
    $skip);
my $skip2 = -s $own->{log};
my $early = main::start('dlq', 'nap', '{"sleep":1,"tag":"early"}',
    main::now_ms() + 180000);
my $w2 = FngateTest::wait_log($own->{log}, qr/a call waits for a guest/, 60,
    $skip2);
my @r = map { main::finish($_) } $busy, $late, $early;
my ($lb, $ll, $le) = map { FngateTest::billing_line($_->{rid}) } @r;
FngateTest::save_output('dl-order.out', join("\n",
    'setup=' . ($running && $w1 && $w2 ? 'ok' : "$running|$w1|$w2"),
    join(' ', map { "$_->{http} $_->{body}" } @r),
    'one_guest=' . (($lb->{vm} // 1) eq ($ll->{vm} // 2)
                    && ($ll->{vm} // 2) eq ($le->{vm} // 3) ? 1 : 0),
    'early_first=' . (($le->{msec} // 0) < ($ll->{msec} // 0) ? 1
                      : "$le->{msec} $ll->{msec}"),
    'both_waited=' . ($le->{queue_ms} > 0 && $ll->{queue_ms} > $le->{queue_ms}
                      ? 1 : "$le->{queue_ms} $ll->{queue_ms}")) . "\n");
--- request
GET /t/out/dl-order.out
--- response_body
setup=ok
200 "busy" 200 "late" 200 "early"
one_guest=1
early_first=1
both_waited=1



=== TEST 7: a waiting call whose deadline comes while it waits is refused then, and never runs
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = main::one_guest();
main::nap('dlq', $_) for qw(held quick);
main::call('dlq', 'held', '{"sleep":0,"tag":"warm"}');
my $skip = -s $own->{log};
my $far = main::now_ms() + 600000;
my $busy = main::start('dlq', 'held', '{"sleep":10,"tag":"busy"}', $far);
my $running = FngateTest::wait_log($own->{log}, qr/deadline $far: runs on/,
    60, $skip);
my $w = main::call('dlq', 'quick', '{"tag":"quick"}', main::now_ms() + 3000);
my $b = main::finish($busy);
FngateTest::save_output('dl-waited.out', join("\n",
    'setup=' . ($running ? 'ok' : 'no'),
    "$w->{http} $w->{error_type} " . main::refused_line($w->{rid}),
    'message=' . (main::msg($w->{body}) =~
        /^The call(?:'s deadline| can not end by its deadline) \(X-Fngate-Deadline \d+\b.*; (?:the function|it) was not run \(refused while it waited for an execution environment\)$/
        ? 'yes' : $w->{body}),
    'waited=' . (FngateTest::file_has($own->{log},
        qr/a call waits for a guest/, $skip) ? 1 : 0),
    'logged=' . (FngateTest::file_has($own->{log},
        qr/\Q$w->{rid}\E.*refused while it waited/) ? 1 : 0),
    "busy: $b->{http} $b->{body}",
    'quick_ran=' . (grep { ($_->{function} // '') eq 'quick'
                           && $_->{status} eq '200' }
                    @{ FngateTest::billing_lines('Invoke') })) . "\n");
--- request
GET /t/out/dl-waited.out
--- response_body
setup=ok
504 DeadlineExceededException line=504 not-run
message=yes
waited=1
logged=1
busy: 200 "busy"
quick_ran=0



=== TEST 8: a call that has its guest, but not its need left once its code is loaded, is refused before it runs; the guest stays the account's
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
# one sandbox in the guest: small's code replaces big's
my $own = main::one_guest(sandboxes_per_vm => 1);
# big's code is 32 MB: loading it into a guest takes a while (half a
# second and more here; the call below has 250 ms beyond its need)
open my $rnd, '<', '/dev/urandom' or die "/dev/urandom: $!";
read $rnd, my $blob, 32 << 20;
close $rnd;
my $body = "/tmp/fngate-dl-$$-big.json";
open my $out, '>', $body or die "$body: $!";
print $out FngateTest::create_function_body(name => 'big', timeout => 60,
    files => { handler => [0755, $main::NAP], blob => [0644, $blob] });
close $out;
my $made = FngateTest::curl_sigv4('dlq', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json', '--data-binary', "\@$body");
unlink $body;
die "create big: " . substr($made, 0, 300) unless FngateTest::http_code($made) == 201;
main::nap('dlq', 'small');
# big's need (1 s), then the account's one guest holds small's code
my $first = main::call('dlq', 'big', '{"sleep":1,"tag":"first"}');
my $lf = FngateTest::billing_line($first->{rid});
my $need = int(($lf->{duration_ms} // 0) + 1);
main::call('dlq', 'small', '{}');
# enough left when it comes, not once big's code is loaded again
my $r = main::call('dlq', 'big', '{"tag":"late"}', main::now_ms() + $need + 250);
my $after = main::call('dlq', 'big', '{"tag":"after"}');
my $la = FngateTest::billing_line($after->{rid});
FngateTest::save_output('dl-load.out', join("\n",
    "first: $first->{http} $first->{body}",
    "$r->{http} $r->{error_type} " . main::refused_line($r->{rid}),
    'message=' . (main::msg($r->{body}) =~
        /; it was not run \(refused once it had an execution environment\)$/
        ? 'yes' : $r->{body}),
    "after: $after->{http} $after->{body} vm="
        . ($la->{vm} eq $lf->{vm} ? 'same' : "$la->{vm} $lf->{vm}")
        . " cold_start=$la->{cold_start}") . "\n");
--- request
GET /t/out/dl-load.out
--- response_body
first: 200 "first"
504 DeadlineExceededException line=504 not-run
message=yes
after: 200 "after" vm=same cold_start=false



=== TEST 9: an API's call carries the deadline too: past, it is refused and its function not run; without, it runs
--- timeout: 180
--- init
FngateTest::make_function('dl', 'apifn',
    "#!/bin/sh\ncat >/dev/null\nprintf '%s' '{\"statusCode\":200,\"body\":\"ran\"}'\n");
FngateTest::api_ok('dl', 'POST', '/2015-03-31/apis', '{"Name":"dlapi"}', 201);
FngateTest::api_ok('dl', 'POST', '/2015-03-31/apis/dlapi/routes',
    '{"Method":"GET","Path":"/go","FunctionName":"apifn"}', 201);
my $path = '/apis/' . FngateTest::account('dl')->{AccountId} . '/dlapi/prod/go';
my @o;
for my $d (main::now_ms() - 1000, undef) {
    my $out = FngateTest::curl_sigv4('dl', $path, '-D', '-',
        defined $d ? ('-H', "X-Fngate-Deadline: $d") : ());
    my ($type) = $out =~ /^x-amzn-ErrorType:\s*(\S+)/mi;
    my ($body) = $out =~ /\r?\n\r?\n(.*)\nhttp=\d+\s*$/s;
    push @o, FngateTest::http_code($out) . ' ' . ($type // '-') . ' '
        . ($body =~ /"message":"The call's deadline .* \(refused at once\)"/
           ? 'refused' : $body);
}
my @l = grep { ($_->{function} // '') eq 'apifn' }
        @{ FngateTest::billing_lines('InvokeApi') };
push @o, 'lines=' . join(' ', map { $_->{status} . (($_->{vm} // '') =~ /^-?$/
                                        ? ':not-run' : ':ran') } @l);
FngateTest::save_output('dl-api.out', join("\n", @o) . "\n");
--- request
GET /t/out/dl-api.out
--- response_body
504 DeadlineExceededException refused
200 - ran
lines=504:not-run 200:ran
--- no_error_log
[error]



=== TEST 10: a runtime's context sees the deadline: its remaining time is the time left to the deadline, not to the function's Timeout
--- timeout: 300
--- init
FngateTest::api_ok('dl', 'POST', '/2015-03-31/functions',
    FngateTest::create_function_body(name => 'py', runtime => 'python3.11',
        handler => 'app.handler', timeout => 60, files => { 'app.py' => [0644,
        "def handler(event, context):\n"
        . "    return context.get_remaining_time_in_millis()\n"] }), 201);
my $plain = main::call('dl', 'py', '{}');
my $r = main::call('dl', 'py', '{}', main::now_ms() + 20000);
FngateTest::save_output('dl-py.out', join("\n",
    "without: $plain->{http} " . ($plain->{body} > 20000 && $plain->{body} <= 60000
                                  ? 'to its timeout' : $plain->{body}),
    "with: $r->{http} " . ($r->{body} > 0 && $r->{body} <= 20000
                           ? 'to the deadline' : $r->{body})) . "\n");
--- request
GET /t/out/dl-py.out
--- response_body
without: 200 to its timeout
with: 200 to the deadline
--- no_error_log
[error]
