# Guests' networks with a policy the host enforces (docs/network.md), on a
# fngated of its own with `network = loopback`: every guest has a tap of
# its own, and the host's nftables table decides what it reaches.  An
# attacker's function probes from inside its guest: it reaches the HTTP
# server its policy allows (on 127.0.0.1, through the gateway address), not
# another port of the host, not the test's Redis, not another account's
# guest, not even after trying to change its guest's addresses and routes;
# the refused attempts are counted in fngated's log.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $Own;
our $NET = 10 + $ENV{TEST_NGINX_SERVER_PORT} % 200;
our $GW = "10.213.$NET.1";
our $OK_PORT = $ENV{TEST_NGINX_SERVER_PORT} + 61;     # allowed
our $NO_PORT = $ENV{TEST_NGINX_SERVER_PORT} + 62;     # listening, not allowed
our @SERVERS;

# HTTP servers on 127.0.0.1 serving one file each.
sub servers {
    return if @main::SERVERS;
    for my $port ($main::OK_PORT, $main::NO_PORT) {
        my $dir = FngateTest::fngated_state() . "/www-$port";
        mkdir $dir;
        open my $f, '>', "$dir/hello.txt" or die "$dir: $!";
        print $f "hello from $port\n";
        close $f;
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            open STDOUT, '>', '/dev/null';
            open STDERR, '>&', \*STDOUT;
            exec('/usr/bin/python3', '-m', 'http.server', '--bind',
                '127.0.0.1', '--directory', $dir, $port)
                or POSIX::_exit(127);
        }
        push @main::SERVERS, $pid;
    }
    # ready when both answer
    for (1 .. 100) {
        my $up = grep { system("curl -sf -o /dev/null http://127.0.0.1:$_/hello.txt") == 0 }
                 $main::OK_PORT, $main::NO_PORT;
        last if $up == 2;
        select undef, undef, undef, 0.1;
    }
}
END { kill 'TERM', @main::SERVERS if @main::SERVERS }

# The probe: answers "NAME=reached" or "NAME=refused" for each destination
# (busybox nc in the guest, a few seconds each; busybox-static's wget
# crashes in the guest, its static resolver).
our $PROBE = <<'_SH_';
#!/bin/sh
cat >/dev/null
out=""
try_http() {
    if printf 'GET /hello.txt HTTP/1.0\r\n\r\n' | nc -w 4 $2 $3 \
       2>/dev/null | grep -q hello; then out="$out $1=reached"
    else out="$out $1=refused"; fi
}
try_tcp() {
    if printf 'PING\r\n' | nc -w 4 $2 $3 2>/dev/null | grep -q .; then
        out="$out $1=reached"
    else out="$out $1=refused"; fi
}
[ -n "$CHANGE_ROUTES" ] && {
    ip addr add 10.213.$NET.99/32 dev eth0 2>/dev/null \
        && out="$out addr=changed" || out="$out addr=denied"
    ip route replace default dev eth0 2>/dev/null \
        && out="$out route=changed" || out="$out route=denied"
}
try_http allowed "$GW" "$OK_PORT"
try_http other_port "$GW" "$NO_PORT"
try_tcp redis "$GW" "$REDIS_PORT"
[ -n "$PEER" ] && try_tcp peer "$PEER" 22
[ -n "$NGINX_PORT" ] && try_http nginx "$GW" "$NGINX_PORT"
echo "\"${out# }\""
_SH_

# WHO creates "probe" with the environment the probe reads.
sub probe {
    my ($who, %env) = @_;
    my $egress = delete $env{FngateEgress};
    my $out = FngateTest::curl_sigv4($who, '/2015-03-31/functions',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::create_function_body(name => 'probe', timeout => 60,
                  files => { handler => [0755, $main::PROBE] },
                  env => { GW => "$main::GW", OK_PORT => "$main::OK_PORT",
                           NO_PORT => "$main::NO_PORT", NET => "$main::NET",
                           REDIS_PORT => "$ENV{TEST_NGINX_REDIS_PORT}",
                           %env },
                  extra => $egress ? { FngateEgress => $egress } : undef));
    die "create probe for $who: $out" unless FngateTest::http_code($out) == 201;
}

# WHO calls probe; its answer (a string) or the raw response.
sub call {
    my $who = shift;
    my $out = FngateTest::curl_sigv4($who,
        '/2015-03-31/functions/probe/invocations', '-D', '-', '-d', '{}');
    return $1 if $out =~ /\r\n\r\n"([^"]*)"/;
    my ($vm) = $out =~ /^x-fngate-vm:\s*(\S+)/mi;
    return $out;
}

# fngated's log line of the refusals of a call of probe, after SKIP bytes.
sub refusals {
    return FngateTest::wait_log($main::Own->{log},
        qr/network: \S+:probe on \S+ refused \d+ packet/, 10, shift);
}

# A fngated of its own with guests on a network (settings: its keys).
sub fresh {
    servers();
    $main::Own = FngateTest::own_fngated(warm => 0, idle_timeout => 30,
        network_subnet => "10.213.$main::NET.0/24", @_);
    FngateTest::wait_log($main::Own->{log},
        qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 300);
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the operator allows one loopback port: the function reaches that HTTP server through the gateway, is refused on another listening port and on Redis, and fngated's log counts the refusals
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback',
    network_default => "127.0.0.1:$main::OK_PORT");
main::probe('net1-a');
my $skip = -s $main::Own->{log};
my $r = main::call('net1-a');
my $logged = main::refusals($skip);
FngateTest::save_output('net1.out', join("\n", "probe=$r",
    "logged=" . ($logged =~ /tcp 127\.0\.0\.1:$main::NO_PORT/
                 && $logged =~ /tcp 127\.0\.0\.1:$ENV{TEST_NGINX_REDIS_PORT}/
                 ? 1 : $logged)) . "\n");
--- request
GET /t/out/net1.out
--- response_body
probe=allowed=reached other_port=refused redis=refused
logged=1
--- no_error_log
[error]



=== TEST 2: the default policy denies all: with no network_default a function reaches nothing, not even the loopback server the operator's policy would let it name
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback');
main::probe('net2-a');
my $skip = -s $main::Own->{log};
my $r = main::call('net2-a');
my $logged = main::refusals($skip);
FngateTest::save_output('net2.out', join("\n", "probe=$r",
    "logged=" . ($logged =~ /tcp 127\.0\.0\.1:$main::OK_PORT/ ? 1 : $logged))
    . "\n");
--- request
GET /t/out/net2.out
--- response_body
probe=allowed=refused other_port=refused redis=refused
logged=1
--- no_error_log
[error]



=== TEST 3: no guest reaches another account's guest, nor the gateway's nginx, even where both are up; the host counts the attempts against the peer's address
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback',
    network_default => "127.0.0.1:$main::OK_PORT");
main::probe('net3-a');
my $first = main::call('net3-a');          # net3-a's guest: 10.213.N.2
main::probe('net3-b', PEER => "10.213.$main::NET.2",
    NGINX_PORT => "$ENV{TEST_NGINX_SERVER_PORT}");
my $skip = -s $main::Own->{log};
my $r = main::call('net3-b');
my $logged = main::refusals($skip);
FngateTest::save_output('net3.out', join("\n", "first=$first", "probe=$r",
    "logged=" . ($logged =~ /tcp 10\.213\.$main::NET\.2:22 /
                 && $logged =~ /tcp 127\.0\.0\.1:$ENV{TEST_NGINX_SERVER_PORT} /
                 ? 1 : $logged)) . "\n");
--- request
GET /t/out/net3.out
--- response_body
first=allowed=reached other_port=refused redis=refused
probe=allowed=reached other_port=refused redis=refused peer=refused nginx=refused
logged=1
--- no_error_log
[error]



=== TEST 4: function code can not change its guest's addresses or routes (it is not root), and what it reaches stays the policy's
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback',
    network_default => "127.0.0.1:$main::OK_PORT");
main::probe('net4-a', CHANGE_ROUTES => '1');
my $r = main::call('net4-a');
FngateTest::save_output('net4.out', "probe=$r\n");
--- request
GET /t/out/net4.out
--- response_body
probe=addr=denied route=denied allowed=reached other_port=refused redis=refused
--- no_error_log
[error]



=== TEST 5: a function's own FngateEgress: the destinations it names are reached, GetFunctionConfiguration shows them, and an update to [] takes effect at the next call in the same warm guest
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback');
main::probe('net5-a', FngateEgress => ["127.0.0.1:$main::OK_PORT/tcp",
                                       "127.0.0.1:$main::NO_PORT"]);
my $first = main::call('net5-a');
my $get = FngateTest::curl_sigv4('net5-a',
    '/2015-03-31/functions/probe/configuration');
my ($shown) = $get =~ /"FngateEgress":(\[[^\]]*\])/;
my $up = FngateTest::curl_sigv4('net5-a',
    '/2015-03-31/functions/probe/configuration', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '-d', '{"FngateEgress":[]}');
my $second = main::call('net5-a');
FngateTest::save_output('net5.out', join("\n", "first=$first",
    "shown=" . ($shown // $get), "update=" . FngateTest::http_code($up),
    "second=$second") . "\n");
--- request
GET /t/out/net5.out
--- response_body eval
"first=allowed=reached other_port=reached redis=refused
shown=[\"127.0.0.1:$main::OK_PORT/tcp\",\"127.0.0.1:$main::NO_PORT\"]
update=200
second=allowed=refused other_port=refused redis=refused
"
--- no_error_log
[error]



=== TEST 6: bad FngateEgress values get 400 InvalidParameterValueException (the test fngated's network is none: nothing may be named at all)
--- config eval: FngateTest::default_config()
--- init
my @bad = (
    '"127.0.0.1:80"',
    '[1]',
    '["localhost:80"]',
    '["127.0.0.1"]',
    '["127.0.0.1:0"]',
    '["127.0.0.1:70000"]',
    '["127.0.0.1:90-80"]',
    '["127.0.0.1/33:80"]',
    '["127.0.0.1:80/icmp"]',
    '[' . join(',', map { "\"127.0.0.1:$_\"" } 1 .. 33) . ']',
    '["127.0.0.1:80"]',
);
my @out;
for my $i (0 .. $#bad) {
    my $body = FngateTest::create_function_body(name => "bad$i",
        files => { handler => [0755, "#!/bin/sh\necho 1\n"] });
    $body =~ s/^\{/{"FngateEgress":$bad[$i],/;
    my $o = FngateTest::curl_sigv4('net6-a', '/2015-03-31/functions',
        '-D', '-', '-H', 'Content-Type: application/json', '-d', $body);
    my ($type) = $o =~ /^x-amzn-ErrorType:\s*(\S+)/mi;
    my ($msg) = $o =~ /"message":"([^"]*)"/i;
    push @out, FngateTest::http_code($o) . " " . ($type // '-') . " "
               . ($msg // $o);
}
FngateTest::save_output('net6.out', join("\n", @out) . "\n");
--- request
GET /t/out/net6.out
--- response_body
400 InvalidRequestContentException Could not parse request body into json: FngateEgress must be an array
400 InvalidParameterValueException FngateEgress must be a list of strings
400 InvalidParameterValueException FngateEgress destination localhost:80: the address must be an IPv4 address (A.B.C.D)
400 InvalidParameterValueException FngateEgress destination 127.0.0.1: a destination is ADDRESS[/PREFIX]:PORT[-PORT][/udp]
400 InvalidParameterValueException FngateEgress destination 127.0.0.1:0: the port must be 1 to 65535
400 InvalidParameterValueException FngateEgress destination 127.0.0.1:70000: the port must be 1 to 65535
400 InvalidParameterValueException FngateEgress destination 127.0.0.1:90-80: a port range must be LOW-HIGH within 1 to 65535
400 InvalidParameterValueException FngateEgress destination 127.0.0.1/33:80: the prefix length must be 0 to 32
400 InvalidParameterValueException FngateEgress destination 127.0.0.1:80/icmp: a destination ends with its port(s), /tcp or /udp
400 InvalidParameterValueException FngateEgress names 33 destinations; at most 32 are allowed
400 InvalidParameterValueException FngateEgress: 127.0.0.1:80 is not allowed by the operator's network policy (none)
--- no_error_log
[error]



=== TEST 7: FngateEgress may not name what the operator's list leaves out, nor the guests' own subnet (on UpdateFunctionConfiguration too)
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => '127.0.0.1:1000-2000 10.0.0.0/8:5432');
my @try = ('["127.0.0.1:1500","10.1.2.3:5432"]', '["127.0.0.1:2001"]',
           '["10.1.0.0/16:5432-5433"]', "[\"10.213.$main::NET.7:1500\"]",
           '["127.0.0.1:1000-2000/udp"]');
my $base = FngateTest::create_function_body(name => 'p7',
    files => { handler => [0755, "#!/bin/sh\necho 1\n"] });
my @out;
my $c = FngateTest::curl_sigv4('net7-a', '/2015-03-31/functions', '-D', '-',
    '-H', 'Content-Type: application/json', '-d', $base);
push @out, "create=" . FngateTest::http_code($c);
for my $t (@try) {
    my $o = FngateTest::curl_sigv4('net7-a',
        '/2015-03-31/functions/p7/configuration', '-X', 'PUT', '-D', '-',
        '-H', 'Content-Type: application/json', '-d', "{\"FngateEgress\":$t}");
    my ($msg) = $o =~ /"message":"([^"]*)"/i;
    push @out, FngateTest::http_code($o) . " " . ($msg // 'ok');
}
FngateTest::save_output('net7.out', join("\n", @out) . "\n");
--- request
GET /t/out/net7.out
--- response_body eval
"create=201
200 ok
400 FngateEgress: 127.0.0.1:2001 is not allowed by the operator's network policy (127.0.0.1:1000-2000 10.0.0.0/8:5432)
400 FngateEgress: 10.1.0.0/16:5432-5433 is not allowed by the operator's network policy (127.0.0.1:1000-2000 10.0.0.0/8:5432)
400 FngateEgress: 10.213.$main::NET.7:1500: the guests' own addresses (10.213.$main::NET.0/24) can not be allowed
400 FngateEgress: 127.0.0.1:1000-2000/udp is not allowed by the operator's network policy (127.0.0.1:1000-2000 10.0.0.0/8:5432)
"
--- no_error_log
[error]



=== TEST 8: a guest restored from a function snapshot (python3.11) gets its own address and the function's policy: it reaches the allowed server, not Redis
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback', function_snapshots => 1, idle_timeout => 3,
    network_default => "127.0.0.1:$main::OK_PORT");
my $zip = FngateTest::zip_b64({ 'app.py' => [0644, <<'_PY_'] });
import os, socket
def reach(port):
    try:
        s = socket.create_connection((os.environ['GW'], int(port)), timeout=4)
        s.sendall(b'GET /hello.txt HTTP/1.0\r\n\r\n')
        return 'reached' if b'hello' in s.recv(4096) else 'answered'
    except OSError:
        return 'refused'
def handler(event, context):
    return 'allowed=%s redis=%s' % (reach(os.environ['OK_PORT']),
                                    reach(os.environ['REDIS_PORT']))
_PY_
my $out = FngateTest::curl_sigv4('net8-a', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'snapnet',
              runtime => 'python3.11', handler => 'app.handler', timeout => 60,
              zip_b64 => $zip,
              env => { GW => "$main::GW", OK_PORT => "$main::OK_PORT",
                       REDIS_PORT => "$ENV{TEST_NGINX_REDIS_PORT}" }));
die "create snapnet: $out" unless FngateTest::http_code($out) == 201;
my $acct = FngateTest::account('net8-a')->{AccountId};
# a call: its answer, and its guest (the vm of its billing line, the
# account's last, once it is another than the previous call's)
sub call8 {
    my $prev = shift // '';
    my $o = FngateTest::curl_sigv4('net8-a',
        '/2015-03-31/functions/snapnet/invocations', '-d', '{}');
    my ($body) = $o =~ /^"([^"]*)"$/m;
    my $vm = '';
    for (1 .. 50) {
        $vm = (FngateTest::last_invokes()->{$acct} // {})->{vm} // '';
        last if $vm ne '' && $vm ne $prev;
        select undef, undef, undef, 0.1;
    }
    return ($body // $o, $vm);
}
my $skip = -s $main::Own->{log};
my ($first, $vm1) = call8();
my $made = FngateTest::wait_log($main::Own->{log},
    qr/function snapshot fn-\Q$acct\E-\S+ (made|does not)/, 120, $skip);
FngateTest::wait_log($main::Own->{log}, qr/\Q$vm1\E: (idle for|lost)/, 120,
    $skip);
$skip = -s $main::Own->{log};
my ($second, $vm2) = call8($vm1);
my $kind = FngateTest::wait_log($main::Own->{log},
    qr/\Q$vm2\E: made for account/, 5, $skip);
FngateTest::save_output('net8.out', join("\n", "first=$first",
    "made=" . ($made =~ / made/ ? 1 : $made),
    "other_guest=" . ($vm2 ne '' && $vm2 ne $vm1 ? 1 : "$vm1 $vm2"),
    "from_snapshot=" . ($kind =~ /\(function-snapshot \d+ ms/ ? 1 : $kind),
    "second=$second") . "\n");
--- request
GET /t/out/net8.out
--- response_body
first=allowed=reached redis=refused
made=1
other_guest=1
from_snapshot=1
second=allowed=reached redis=refused
--- no_error_log
[error]



=== TEST 9: under network = loopback a function may name any loopback port but fngate's own Redis: naming it (alone or in a range) is refused, nothing stored; the probe that names the rest still does not reach Redis
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::fresh(network => 'loopback');
my $redis = $ENV{TEST_NGINX_REDIS_PORT};
my @codes;
for my $egress (["127.0.0.1:$redis"], ["127.0.0.1:1-65535"],
                ["127.0.0.0/8:$redis"]) {
    my $out = FngateTest::curl_sigv4('net9-a', '/2015-03-31/functions',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::create_function_body(name => 'greedy',
                  files => { handler => [0755, "#!/bin/sh\ncat\n"] },
                  extra => { FngateEgress => $egress }));
    my ($msg) = $out =~ /"message":"([^"]*)"/;
    $msg //= $out;
    $msg =~ s/\Q$redis\E/REDIS/g;
    push @codes, FngateTest::http_code($out) . " $msg";
}
my $get = FngateTest::curl_sigv4('net9-a', '/2015-03-31/functions/greedy');
main::probe('net9-a', FngateEgress => ["127.0.0.1:1-" . ($redis - 1),
                                       "127.0.0.1:" . ($redis + 1) . "-65535"]);
my $call = main::call('net9-a');
FngateTest::save_output('net9.out', join("\n", @codes,
    "stored=" . FngateTest::http_code($get), "probe=$call") . "\n");
--- request
GET /t/out/net9.out
--- response_body
400 FngateEgress: 127.0.0.1:REDIS is fngate's own Redis (redis = 127.0.0.1:REDIS): no function may reach it
400 FngateEgress: 127.0.0.1:1-65535 is fngate's own Redis (redis = 127.0.0.1:REDIS): no function may reach it
400 FngateEgress: 127.0.0.0/8:REDIS is fngate's own Redis (redis = 127.0.0.1:REDIS): no function may reach it
stored=404
probe=allowed=reached other_port=reached redis=refused
