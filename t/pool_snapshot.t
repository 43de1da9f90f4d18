# Guests restored from the pool's snapshot: fngated boots one guest, saves
# it (state_dir/vm/snapshot.img) and makes the others by restoring copies
# renamed for each.  By default (snapshot_clones = 1) that guest is a
# template whose RAM stays in a file on /dev/shm and the image holds only
# the devices' state; every guest restored from it maps the file
# copy-on-write (start_kind clone), and kept ahead running or, with
# warm_paused, paused until a call resumes it.  A restored guest is a fresh, isolated
# copy: the host's clock and fresh entropy are given to it (two accounts
# never draw the same random bytes), nothing of another account's call is
# in it, what a guest writes never reaches the template (so no other
# clone), the billing line says how it was made, and a restore that fails
# falls back to a boot.
use Test::Nginx::Socket;
use FngateTest;
use Digest::SHA;

# Each block uses accounts of its own (snap-a ... snap-f), so the blocks
# run in any order; the one that takes the image away puts it back and
# waits for a restore before it ends.
repeat_each(1);
fngate_defaults();

our $SCRIPT = <<'_SH_';
#!/bin/sh
cat >/dev/null
seen=no
[ -e /tmp/left-behind ] && seen=yes
echo secret >/tmp/left-behind
r=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "\"$r $(date +%s) $seen\""
_SH_

# The billing line of $who's last call (nginx writes it just after the
# response: waited for).
sub last_line {
    my $acct = FngateTest::account($_[0])->{AccountId};
    my $line = {};
    for (1 .. 50) {
        $line = FngateTest::last_invokes()->{$acct} // {};
        last if ($line->{kind} // '') ne '';
        select undef, undef, undef, 0.1;
    }
    return $line;
}

# Each account creates "snap" and calls it once (its first call: a cold
# start on a guest of its own); "RANDOM CLOCK SEEN" and the billing line.
sub first_call {
    my $who = shift;
    FngateTest::curl_sigv4($who, '/2015-03-31/functions',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::create_function_body(name => 'snap',
                  files => { handler => [0755, $main::SCRIPT] }));
    my $out = FngateTest::curl_sigv4($who,
        '/2015-03-31/functions/snap/invocations', '-d', '{}');
    my ($r, $t, $seen) = $out =~ /"([0-9a-f]{32}) (\d+) (yes|no)"/;
    my $line = last_line($who);
    return { random => $r // '', clock => $t // 0, seen => $seen // '',
             now => time, kind => $line->{kind} // '', vm => $line->{vm} };
}

# The template's RAM file, as snapshot.key's second line names it.
sub template_ram {
    my $key = FngateTest::fngated_state() . '/vm/snapshot.key';
    open my $f, '<', $key or return undef;
    my @l = <$f>;
    return ($l[1] // '') =~ /^ram=(\S+)/ ? $1 : undef;
}

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';

# sha256 of a file, hex.
sub file_sha256 {
    my $d = Digest::SHA->new(256);
    $d->addfile($_[0]);
    return $d->hexdigest;
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the pool saved a template: its RAM in a file, the image only the devices' state
--- init
my $img = FngateTest::fngated_state() . '/vm/snapshot.img';
my $line = FngateTest::wait_fngated_log(qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 60);
my $ram = main::template_ram();
FngateTest::save_output('snap-img.out', "image=" . (-s $img ? 'yes' : 'no')
    . " logged=" . ($line ? 'yes' : 'no') . "\n"
    . "image_small=" . ((-s $img // 0) < 4 << 20 ? 1 : (-s $img)) . "\n"
    . "ram_file=" . ($ram && -f $ram ? 1 : 0) . "\n"
    . "ram_private=" . ($ram && ((stat $ram)[2] & 07777) == 0600 ? 1 : 0) . "\n");
--- request
GET /t/out/snap-img.out
--- response_body
image=yes logged=yes
image_small=1
ram_file=1
ram_private=1
--- no_error_log
[error]



=== TEST 2: two accounts' first calls run in clones with their own clock and random bytes
--- timeout: 180
--- init
my $a = main::first_call('snap-a');
my $b = main::first_call('snap-b');
FngateTest::save_output('snap-two.out', join("\n",
    "kinds=$a->{kind},$b->{kind}",
    "own_vms=" . ($a->{vm} && $b->{vm} && $a->{vm} ne $b->{vm} ? 1 : 0),
    "random_differs=" . ($a->{random} && $b->{random}
                         && $a->{random} ne $b->{random} ? 1 : "$a->{random} $b->{random}"),
    "clock_a=" . (abs($a->{clock} - $a->{now}) <= 5 ? 'host' : "$a->{clock} vs $a->{now}"),
    "clock_b=" . (abs($b->{clock} - $b->{now}) <= 5 ? 'host' : "$b->{clock} vs $b->{now}"),
    "seen=$a->{seen},$b->{seen}") . "\n");
--- request
GET /t/out/snap-two.out
--- response_body
kinds=clone,clone
own_vms=1
random_differs=1
clock_a=host
clock_b=host
seen=no,no
--- no_error_log
[error]



=== TEST 3: a second function of the account loads into its guest (start_kind load)
--- timeout: 120
--- init
main::first_call('snap-f');
FngateTest::curl_sigv4('snap-f', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'snap2',
              files => { handler => [0755, "#!/bin/sh\necho '\"two\"'\n"] }));
# the account's guest holds snap's code (a full pool may have taken the
# guest of its first call for another account since)
FngateTest::curl_sigv4('snap-f', '/2015-03-31/functions/snap/invocations',
    '-d', '{}');
--- request
POST /2015-03-31/functions/snap2/invocations
{}
--- more_headers
X-Fngate-Test-Sign: snap-f
--- error_code: 200
--- response_body
"two"
--- access_log eval
qr/"function":"snap2".*"cold_start":"true","start_kind":"load"/
--- no_error_log
[error]



=== TEST 4: without the image, the pool boots instead (start_kind boot), then makes clones again
--- timeout: 240
--- init
FngateTest::wait_fngated_log(qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 60);
my $img = FngateTest::fngated_state() . '/vm/snapshot.img';
my $log = FngateTest::fngated_state() . '/fngated/fngated.log';
my $skip = -s $log;
rename $img, "$img.away" or die "$img: $!";
# snap-c takes the warm guest; its replacement can not be restored
my $c = main::first_call('snap-c');
my $booted = FngateTest::wait_fngated_log(qr/\(boot \d+ ms/, 120, $skip);
my $d = main::first_call('snap-d');
rename "$img.away", $img or die "$img: $!";
$skip = -s $log;
my $e = main::first_call('snap-e');
my $restored = FngateTest::wait_fngated_log(qr/warm \(clone \d+ ms/, 120, $skip);
FngateTest::save_output('snap-fallback.out', join("\n",
    "fallback_logged=" . ($booted ? 1 : 0),
    "kind_d=$d->{kind}",
    "random_d=" . ($d->{random} ? 'set' : 'none'),
    "restored_again=" . ($restored ? 1 : 0)) . "\n");
--- request
GET /t/out/snap-fallback.out
--- response_body
fallback_logged=1
kind_d=boot
random_d=set
restored_again=1
--- no_error_log
[error]



=== TEST 5: what a clone writes never reaches the template, nor another clone
--- timeout: 180
--- init
FngateTest::wait_fngated_log(qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 60);
my $ram = main::template_ram() or die "no template RAM file";
my $before = main::file_sha256($ram);
# snap-g writes 32 MB of a pattern into its guest's memory (its /tmp is a
# tmpfs) and leaves it there; snap-h's clone then looks for what was left
my $fill = "#!/bin/sh\ncat >/dev/null\n"
    . "yes ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ | head -c 33554432 >/tmp/fill\n"
    . "echo '\"filled\"'\n";
FngateTest::curl_sigv4('snap-g', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'fill', timeout => 60,
              files => { handler => [0755, $fill] }));
my $g = FngateTest::curl_sigv4('snap-g',
    '/2015-03-31/functions/fill/invocations', '-d', '{}');
my $gl = main::last_line('snap-g');
my $h = main::first_call('snap-h');
my $after = main::file_sha256($ram);
FngateTest::save_output('snap-cow.out', join("\n",
    "filled=" . ($g =~ /filled/ ? 1 : $g),
    "kind_g=" . ($gl->{kind} // ''),
    "kind_h=$h->{kind}",
    "seen_h=$h->{seen}",
    "template_unchanged=" . ($before eq $after ? 1 : 0)) . "\n");
--- request
GET /t/out/snap-cow.out
--- response_body
filled=1
kind_g=clone
kind_h=clone
seen_h=no
template_unchanged=1
--- no_error_log
[error]



=== TEST 6: with warm_paused = 1 a warm clone waits paused; the call that takes it resumes it, with the host's clock
--- timeout: 240
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
my $own = FngateTest::own_fngated(warm => 1, warm_paused => 1);
my ($vm) = FngateTest::wait_log($own->{log}, qr/\S+: warm \(clone \d+ ms/, 120)
    =~ /(\S+): warm/;
my $state = $vm ? `virsh -c qemu:///system domstate $vm 2>&1` : 'no warm clone';
$state =~ s/\s+$//;
# long enough paused for a clock nobody set to be seconds behind
sleep 8;
my $skip = -s $own->{log};
my $a = main::first_call('snap-i');
FngateTest::save_output('snap-paused.out', join("\n",
    "warm_state=$state",
    "kind=$a->{kind}",
    "same_vm=" . (($a->{vm} // '') eq ($vm // '-') ? 1 : "$a->{vm} vs $vm"),
    "resumed_logged=" . (FngateTest::file_has($own->{log},
        qr/\Q$vm\E: resumed for account \d+ in \d+ ms/, $skip) ? 1 : 0),
    "clock=" . (abs($a->{clock} - $a->{now}) <= 5 ? 'host' : "$a->{clock} vs $a->{now}"),
    "seen=$a->{seen}") . "\n");
--- request
GET /t/out/snap-paused.out
--- response_body
warm_state=paused
kind=clone
same_vm=1
resumed_logged=1
clock=host
seen=no
--- no_error_log
[error]
