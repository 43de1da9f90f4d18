# Function snapshots: after a call started a python3.11 runtime in a guest
# new to the account, the pool saves that guest (state_dir/fn-ACCOUNT-*.img)
# and brings it back; the account's next cold start of the same code and
# configuration restores a copy (start_kind function-snapshot): the code is
# loaded and the runtime initialised, so there is no LOAD and no init.  The
# runtime's memory is what it was at the capture (the module-level counter
# counts the call made before it); the call gets its own request id.  An
# image is never used for another account, another code or another
# environment, and a damaged one makes an ordinary start.  A fngated of its
# own (warm 0, idle_timeout 3): every guest of a call is gone soon after it,
# so the account's next call is a cold start.
#
# Each block starts that fngated afresh (its state directory, and so every
# function snapshot, wiped: main::fresh) and uses accounts of its own
# (fnsN-...); the images a block starts from it makes itself
# (main::with_image), so the blocks run in any order.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $Own;

# app.handler: the calls this runtime served, its request id, a draw of
# Python's random made at init, the GREETING of its environment.
our $APP = <<'_PY_';
import os, random
calls = 0
drawn_at_init = random.random()
def handler(event, context):
    global calls
    calls += 1
    return {'calls': calls, 'id': context.aws_request_id,
            'init_draw': drawn_at_init,
            'greeting': os.environ.get('GREETING', ''),
            'v': VERSION}
_PY_

# WHO creates (or updates) "snappy": code version V, environment GREETING.
sub create {
    my ($who, $v, $greeting) = @_;
    my $zip = FngateTest::zip_b64({ 'app.py' => [0644,
                                    $main::APP . "VERSION = $v\n"] });
    my $out = FngateTest::curl_sigv4($who, '/2015-03-31/functions',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::create_function_body(name => 'snappy',
                  runtime => 'python3.11', handler => 'app.handler',
                  timeout => 30, zip_b64 => $zip,
                  env => { GREETING => $greeting }));
    die "create snappy for $who: $out" unless FngateTest::http_code($out) == 201;
}

sub update_code {
    my ($who, $v) = @_;
    my $zip = FngateTest::zip_b64({ 'app.py' => [0644,
                                    $main::APP . "VERSION = $v\n"] });
    my $out = FngateTest::curl_sigv4($who,
        '/2015-03-31/functions/snappy/code', '-X', 'PUT',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::json_encode({ ZipFile => $zip }));
    die "update code: $out" unless FngateTest::http_code($out) == 200;
}

sub update_env {
    my ($who, $greeting) = @_;
    my $out = FngateTest::curl_sigv4($who,
        '/2015-03-31/functions/snappy/configuration', '-X', 'PUT',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::json_encode({ Environment =>
                  { Variables => { GREETING => $greeting } } }));
    die "update env: $out" unless FngateTest::http_code($out) == 200;
}

# WHO calls snappy once: { calls, id (the runtime's), request_id (the
# response's), greeting, v, init_draw, kind, init_ms, vm }.
sub call {
    my $who = shift;
    my $acct = FngateTest::account($who)->{AccountId};
    my $n = @{ FngateTest::billing_lines('Invoke') };
    my $out = FngateTest::curl_sigv4($who,
        '/2015-03-31/functions/snappy/invocations', '-D', '-', '-d', '{}');
    my ($rid) = $out =~ /^x-amzn-RequestId:\s*(\S+)/mi;
    my ($body) = $out =~ /\r\n\r\n(\{.*\})\s*http=/s;
    my $r = eval { FngateTest::json_decode($body // '') } // {};
    # nginx writes the billing line just after the response
    my @l;
    for (1 .. 50) {
        my @all = @{ FngateTest::billing_lines('Invoke') };
        @l = grep { $_->{caller} eq $acct } @all[$n .. $#all];
        last if @l;
        select undef, undef, undef, 0.1;
    }
    my $l = $l[-1] // {};
    return { %$r, request_id => $rid // '', kind => $l->{start_kind} // '',
             init_ms => $l->{init_ms} // '', vm => $l->{vm} // '',
             raw => $out };
}

# Waits until the own fngated's guest VM is gone (idle_timeout); 1 or 0.
sub gone {
    my ($vm, $skip) = @_;
    return FngateTest::wait_log($main::Own->{log},
        qr/\Q$vm\E: (idle for|lost)/, 120, $skip) ? 1 : 0;
}

# Waits for the capture of WHO's function snapshot after SKIP bytes of the
# log; the image's name, or ''.
sub captured {
    my ($who, $skip) = @_;
    my $acct = FngateTest::account($who)->{AccountId};
    my $line = FngateTest::wait_log($main::Own->{log},
        qr/function snapshot fn-\Q$acct\E-\S+ (made|does not)/, 120, $skip);
    return $line =~ /function snapshot (fn-\S+) made/ ? $1 : '';
}

# A fngated of its own as the blocks need it (settings as own_fngated takes
# them replace these), once its pool's snapshot is there.
sub fresh {
    $main::Own = FngateTest::own_fngated(warm => 0, idle_timeout => 3,
        function_snapshots => 1, function_snapshots_max => 2, @_);
    FngateTest::wait_log($main::Own->{log},
        qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 120);
}

# WHO creates snappy (code version 1, GREETING) and calls it once; the
# function snapshot of that first cold start is made, and the guest gone.
# The image's name, or ''.
sub with_image {
    my ($who, $greeting) = @_;
    create($who, 1, $greeting);
    my $skip = -s $main::Own->{log};
    my $r = call($who);
    my $img = captured($who, $skip);
    gone($r->{vm}, $skip);
    return $img;
}

sub images {
    my $acct = FngateTest::account(shift)->{AccountId};
    my @i = glob "$main::Own->{state}/vm/fn-$acct-*.img";
    return scalar @i;
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the first cold start of a python function runs its init; the pool then saves the guest as the account's function snapshot and brings it back
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::create('fns1-a', 1, 'hello');
my $skip = -s $main::Own->{log};
my $r = main::call('fns1-a');
my $img = main::captured('fns1-a', $skip);
my $key = '';
if ($img ne '' && open my $k, '<', "$main::Own->{state}/vm/$img.key") {
    $key = join ',', map { /^(\w+)=/ } <$k>;
}
my $acct = FngateTest::account('fns1-a')->{AccountId};
my $back = FngateTest::wait_log($main::Own->{log},
    qr/\Q$r->{vm}\E: (idle for|lost)/, 60, $skip);
FngateTest::save_output('fns-first.out', join("\n",
    "kind=$r->{kind}",
    "calls=" . ($r->{calls} // ''),
    "own_id=" . ($r->{id} && $r->{id} eq $r->{request_id} ? 1 : "$r->{raw}"),
    "image=" . ($img =~ /^fn-\Q$acct\E-[0-9a-f]{64}$/ ? 'named' : "'$img'"),
    "key=$key",
    "guest_back=" . ($back =~ /idle for/ ? 1 : $back)) . "\n");
--- request
GET /t/out/fns-first.out
--- response_body
kind=clone
calls=1
own_id=1
image=named
key=account,code,config,base,function,version
guest_back=1
--- no_error_log
[error]



=== TEST 2: the account's next cold start restores the function snapshot: no init, the runtime's memory as at the capture, its own request id
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::with_image('fns2-a', 'hello');
my $skip = -s $main::Own->{log};
my $r = main::call('fns2-a');
my $s = main::call('fns2-a');       # the same guest, warm
FngateTest::save_output('fns-second.out', join("\n",
    "kind=$r->{kind}",
    "calls=" . ($r->{calls} // '') . "," . ($s->{calls} // ''),
    "own_id=" . ($r->{id} && $r->{id} eq $r->{request_id} ? 1 : $r->{raw}),
    "ids_differ=" . ($r->{id} ne $s->{id} ? 1 : 0),
    "greeting=$r->{greeting} v=$r->{v}",
    "same_vm=" . ($r->{vm} eq $s->{vm} ? 1 : 0),
    "warm_kind='$s->{kind}'",
    "logged=" . (FngateTest::file_has($main::Own->{log},
        qr/made for account \d+ \(function-snapshot \d+ ms, fn-/, $skip)
        ? 1 : 0)) . "\n");
main::gone($r->{vm}, $skip);
--- request
GET /t/out/fns-second.out
--- response_body
kind=function-snapshot
calls=2,3
own_id=1
ids_differ=1
greeting=hello v=1
same_vm=1
warm_kind=''
logged=1
--- no_error_log
[error]



=== TEST 3: another account's cold start of the identical zip is an ordinary start, never the first account's image; it gets an image of its own
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::with_image('fns3-a', 'hello');
main::create('fns3-b', 1, 'hello');
my $skip = -s $main::Own->{log};
my $r = main::call('fns3-b');
my $img = main::captured('fns3-b', $skip);
main::gone($r->{vm}, $skip);
my $s = main::call('fns3-b');
main::gone($s->{vm}, $skip);
FngateTest::save_output('fns-other.out', join("\n",
    "kind=$r->{kind} calls=" . ($r->{calls} // ''),
    "own_image=" . ($img ne '' ? 1 : 0),
    "images=" . main::images('fns3-a') . "," . main::images('fns3-b'),
    "then=$s->{kind} calls=" . ($s->{calls} // '')) . "\n");
--- request
GET /t/out/fns-other.out
--- response_body
kind=clone calls=1
own_image=1
images=1,1
then=function-snapshot calls=2
--- no_error_log
[error]



=== TEST 4: new code: the old image is deleted, and an ordinary start runs the new code's init
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::with_image('fns4-a', 'hello');
my $skip = -s $main::Own->{log};
main::update_code('fns4-a', 2);
my $forgot = main::images('fns4-a');
my $r = main::call('fns4-a');
my $img = main::captured('fns4-a', $skip);
main::gone($r->{vm}, $skip);
FngateTest::save_output('fns-code.out', join("\n",
    "kind=$r->{kind} calls=" . ($r->{calls} // '') . " v=" . ($r->{v} // ''),
    "old_image_left=$forgot",
    "new_image=" . ($img ne '' ? 1 : 0),
    "images=" . main::images('fns4-a')) . "\n");
--- request
GET /t/out/fns-code.out
--- response_body
kind=clone calls=1 v=2
old_image_left=0
new_image=1
images=1
--- no_error_log
[error]



=== TEST 5: a new environment: the image of the old one is deleted, and not used
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::with_image('fns5-b', 'hello');
main::with_image('fns5-a', 'hello');
my $skip = -s $main::Own->{log};
main::update_env('fns5-a', 'bonjour');
my $forgot = main::images('fns5-a');
my $r = main::call('fns5-a');
my $img = main::captured('fns5-a', $skip);
main::gone($r->{vm}, $skip);
FngateTest::save_output('fns-env.out', join("\n",
    "kind=$r->{kind} calls=" . ($r->{calls} // '')
    . " greeting=" . ($r->{greeting} // ''),
    "old_image_left=$forgot",
    "new_image=" . ($img ne '' ? 1 : 0),
    "images=" . main::images('fns5-a') . "," . main::images('fns5-b')) . "\n");
--- request
GET /t/out/fns-env.out
--- response_body
kind=clone calls=1 greeting=bonjour
old_image_left=0
new_image=1
images=1,1
--- no_error_log
[error]



=== TEST 6: beyond function_snapshots_max (2) the least recently used image goes; DeleteFunction deletes the function's images
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::with_image('fns6-b', 'hello');
main::with_image('fns6-a', 'hello');
main::create('fns6-c', 1, 'hello');
my $skip = -s $main::Own->{log};
my $r = main::call('fns6-c');
my $img = main::captured('fns6-c', $skip);
main::gone($r->{vm}, $skip);
# B's image was made and used before A's: B's goes
my $lru = join ',', map { main::images($_) } qw(fns6-a fns6-b fns6-c);
my $out = FngateTest::curl_sigv4('fns6-c', '/2015-03-31/functions/snappy',
    '-X', 'DELETE');
FngateTest::save_output('fns-lru.out', join("\n",
    "kind=$r->{kind} new_image=" . ($img ne '' ? 1 : 0),
    "images=$lru",
    "dropped=" . (FngateTest::file_has($main::Own->{log},
        qr/dropped \(least recently used/, $skip) ? 1 : 0),
    "deleted=" . FngateTest::http_code($out) . " images_c="
    . main::images('fns6-c')) . "\n");
--- request
GET /t/out/fns-lru.out
--- response_body
kind=clone new_image=1
images=1,0,1
dropped=1
deleted=204 images_c=0
--- no_error_log
[error]



=== TEST 7: a damaged image: the cold start falls back to the ordinary way, and the image is deleted
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh();
main::with_image('fns7-a', 'bonjour');
my $acct = FngateTest::account('fns7-a')->{AccountId};
my ($img) = sort { -M $a <=> -M $b } glob "$main::Own->{state}/vm/fn-$acct-*.img";
truncate $img, int((-s $img) / 2) or die "$img: $!";
my $skip = -s $main::Own->{log};
my $r = main::call('fns7-a');
my $fell = FngateTest::file_has($main::Own->{log},
    qr/function snapshot fn-\Q$acct\E-\S+ failed to restore; deleted, account \d+ gets an ordinary start/,
    $skip);
main::captured('fns7-a', $skip);
main::gone($r->{vm}, $skip);
FngateTest::save_output('fns-damaged.out', join("\n",
    "kind=$r->{kind} calls=" . ($r->{calls} // '')
    . " greeting=" . ($r->{greeting} // ''),
    "fell_back=" . ($fell ? 1 : 0)) . "\n");
--- request
GET /t/out/fns-damaged.out
--- response_body
kind=clone calls=1 greeting=bonjour
fell_back=1
--- no_error_log
[error]



=== TEST 8: function_snapshots = 0: nothing is saved, every cold start runs the init
--- timeout: 300
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(function_snapshots => 0);
main::create('fns8-a', 1, 'hello');
my $skip = -s $main::Own->{log};
my $r = main::call('fns8-a');
main::gone($r->{vm}, $skip);
my $s = main::call('fns8-a');
FngateTest::save_output('fns-off.out', join("\n",
    "kinds=$r->{kind},$s->{kind} calls=" . ($r->{calls} // '') . ","
    . ($s->{calls} // ''),
    "images=" . main::images('fns8-a')) . "\n");
--- request
GET /t/out/fns-off.out
--- response_body
kinds=clone,clone calls=1,1
images=0
--- no_error_log
[error]
