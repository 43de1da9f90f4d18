# Idempotent execution (docs/idempotency.md): a function whose
# FngateIdempotency is set answers a call whose version, event and
# dependencies' states equal those of an earlier successful call with that
# call's stored result, without running (the billing line says "hit" and
# bills 0 ms, no VM).  The function's answer carries a value of its run
# (a random uuid of the guest's kernel), so a stored result is told from a
# new run.  A changed event, queue, dependency function or HTTP resource
# runs it again; function errors are not stored; results expire after
# ResultTtlSeconds; one account never gets a result stored for another
# account's call; a result past the storage quota is not stored; an
# asynchronous event's attempt hits as a call does; a Url the function's
# network policy does not allow, and each bad value, are refused.
use Test::Nginx::Socket;
use FngateTest;
use Time::HiRes ();

repeat_each(1);
fngate_defaults();

our $OWN_SOCK = FngateTest::fngated_state() . '/own/fngated.sock';
our $Own;
our $NET = 10 + $ENV{TEST_NGINX_SERVER_PORT} % 200;
our $WWW_PORT = $ENV{TEST_NGINX_SERVER_PORT} + 71;
our $WWW = FngateTest::fngated_state() . "/www-idem";
our @SERVERS;

# The function: its event and a value of its run; an event with "fail"
# makes it exit 3 (a function error).
our $HANDLER = <<'_SH_';
#!/bin/sh
ev=$(cat)
case "$ev" in *fail*) echo "asked to fail" >&2; exit 3;; esac
run=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || echo "$$-$(date +%s%N)")
echo "{\"event\":$ev,\"run\":\"$run\",\"note\":\"$NOTE\"}"
_SH_

# WHO creates NAME with FngateIdempotency IDEM (a hash; extra: more
# members of the body).  Dies unless 201.
sub create {
    my ($who, $name, $idem, %extra) = @_;
    my $out = FngateTest::curl_sigv4($who, '/2015-03-31/functions',
        '-H', 'Content-Type: application/json',
        '-d', FngateTest::create_function_body(name => $name,
                  files => { handler => [0755, $main::HANDLER] },
                  env => { NOTE => 'one' },
                  extra => { FngateIdempotency => $idem, %extra }));
    die "create $name: $out" unless FngateTest::http_code($out) == 201;
}

# WHO calls FN (a name or an ARN) with EVENT: { run, event, status,
# version, idempotent, billed, vm, error } from the answer and its billing
# line.
sub call {
    my ($who, $fn, $event, @hdrs) = @_;
    # signed here: curl's own signing does not escape an ARN's colons
    my $uri = "/2015-03-31/functions/$fn/invocations";
    my $ep = FngateTest::endpoint();
    (my $host = $ep) =~ s{^http://}{};
    my $h = FngateTest::sigv4_headers(account => $who, method => 'POST',
        uri => $uri, body => $event, host => $host, headers => \@hdrs);
    $h .= join '', map { "$_->[0]: $_->[1]\n" } @hdrs;
    my (undef, $out) = FngateTest::run_cmd(join ' ', 'curl -sS --max-time 120',
        '-D', '-', "-w '\nhttp=%{http_code}\n'",
        (map { ('-H', FngateTest::shell_quote($_)) } split /\n/, $h),
        '-d', FngateTest::shell_quote($event),
        FngateTest::shell_quote($ep . $uri));
    my ($rid) = $out =~ /^x-amzn-RequestId:\s*(\S+)/mi;
    my ($ver) = $out =~ /^X-Amz-Executed-Version:\s*(\S+)/mi;
    my ($err) = $out =~ /^X-Amz-Function-Error:\s*(\S+)/mi;
    my ($run) = $out =~ /"run":"([^"]*)"/;
    my $l = $rid ? FngateTest::billing_line($rid) : {};
    return { run => $run // '', status => FngateTest::http_code($out),
             rid => $rid // '',
             version => $ver // '', error => $err // '',
             idempotent => $l->{idempotent} // '?',
             billed => $l->{billed_ms} // '?', vm => $l->{vm} // '?',
             raw => $out };
}

# "KIND same|new" for a call C against the run R of an earlier one (or
# the billing facts alone).
sub says {
    my ($c, $r) = @_;
    my $s = "$c->{status} $c->{idempotent} billed=" . ($c->{billed} eq '0'
            ? 0 : $c->{billed} =~ /^[1-9]\d*$/ ? 'ms' : $c->{billed})
            . ' vm=' . ($c->{vm} eq '' ? 'none' : $c->{vm} =~ /^\S+-\d+$/
            ? 'yes' : $c->{vm});
    $s .= ' ' . ($c->{run} eq '' ? 'norun' : $c->{run} eq $r ? 'same' : 'new')
        if defined $r;
    $s .= " error=$c->{error}" if $c->{error} ne '';
    return $s;
}

# The keys of ACCOUNT's stored results in the test Redis.
sub stored_keys {
    my $acct = shift;
    return grep { /\S/ } split /\n/,
        FngateTest::redis_keys("fg:idem:{$acct}:*");
}

# An HTTP server on 127.0.0.1 serving one file (python's http.server:
# Last-Modified from the file's mtime).
sub server {
    return if @main::SERVERS;
    mkdir $main::WWW;
    open my $f, '>', "$main::WWW/rates.json" or die "$main::WWW: $!";
    print $f "{\"eur\": 1}\n";
    close $f;
    utime 1800000000, 1800000000, "$main::WWW/rates.json";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>&', \*STDOUT;
        exec('/usr/bin/python3', '-m', 'http.server', '--bind', '127.0.0.1',
            '--directory', $main::WWW, $main::WWW_PORT)
            or POSIX::_exit(127);
    }
    push @main::SERVERS, $pid;
    for (1 .. 100) {
        last if system("curl -sf -o /dev/null "
            . "http://127.0.0.1:$main::WWW_PORT/rates.json") == 0;
        Time::HiRes::sleep(0.1);
    }
}
END { kill 'TERM', @main::SERVERS if @main::SERVERS }

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: a second identical call returns the stored result without running (billing line: hit, billed 0, no VM, the same executed version); another event runs; GetFunctionConfiguration shows the field
--- timeout: 200
--- config eval: FngateTest::default_config()
--- init
main::create('idem1-a', 'echo1', { ResultTtlSeconds => 600 });
my $first = main::call('idem1-a', 'echo1', '{"n":1}');
my $again = main::call('idem1-a', 'echo1', '{"n":1}');
my $other = main::call('idem1-a', 'echo1', '{"n":2}');
my $third = main::call('idem1-a', 'echo1', '{"n":1}');
my $get = FngateTest::curl_sigv4('idem1-a',
    '/2015-03-31/functions/echo1/configuration');
my ($shown) = $get =~ /"FngateIdempotency":(\{[^}]*\})/;
FngateTest::save_output('idem1.out', join("\n",
    'first=' . main::says($first),
    'again=' . main::says($again, $first->{run}) . " $again->{version}"
        . ($again->{raw} =~ /^x-fngate-/mi ? ' internal headers shown' : ''),
    'other=' . main::says($other, $first->{run}),
    'third=' . main::says($third, $first->{run}),
    'shown=' . ($shown // $get)) . "\n");
--- request
GET /t/out/idem1.out
--- response_body
first=200 stored billed=ms vm=yes
again=200 hit billed=0 vm=none same $LATEST
other=200 stored billed=ms vm=yes new
third=200 hit billed=0 vm=none same
shown={"Dependencies":[],"ResultTtlSeconds":600}
--- no_error_log
[error]



=== TEST 2: a function error is not stored (both calls run, "miss"); a function without the field has an empty idempotent field; a changed configuration of $LATEST runs again, and a published version is a key of its own
--- timeout: 200
--- config eval: FngateTest::default_config()
--- init
main::create('idem2-a', 'echo2', { ResultTtlSeconds => 600 });
my $f1 = main::call('idem2-a', 'echo2', '{"fail":1}');
my $f2 = main::call('idem2-a', 'echo2', '{"fail":1}');
my $ok = main::call('idem2-a', 'echo2', '{"n":1}');
my $up = FngateTest::curl_sigv4('idem2-a',
    '/2015-03-31/functions/echo2/configuration', '-X', 'PUT',
    '-H', 'Content-Type: application/json',
    '-d', '{"Environment":{"Variables":{"NOTE":"two"}}}');
my $after = main::call('idem2-a', 'echo2', '{"n":1}');
my $pub = FngateTest::curl_sigv4('idem2-a',
    '/2015-03-31/functions/echo2/versions', '-X', 'POST', '-d', '{}');
my $v1 = main::call('idem2-a', 'echo2:1', '{"n":1}');
my $v1b = main::call('idem2-a', 'echo2:1', '{"n":1}');
# the field off: {} (and a plain function) leave idempotent empty
my $off = FngateTest::curl_sigv4('idem2-a',
    '/2015-03-31/functions/echo2/configuration', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '-d', '{"FngateIdempotency":{}}');
my $plain = main::call('idem2-a', 'echo2', '{"n":1}');
# the field is part of PublishVersion's "nothing changed" check
my $pub2 = FngateTest::curl_sigv4('idem2-a',
    '/2015-03-31/functions/echo2/versions', '-X', 'POST', '-d', '{}');
my ($ver2) = $pub2 =~ /"Version":"(\d+)"/;
FngateTest::save_output('idem2.out', join("\n",
    'f1=' . main::says($f1), 'f2=' . main::says($f2),
    'ok=' . main::says($ok),
    'update=' . FngateTest::http_code($up),
    'after=' . main::says($after, $ok->{run}),
    'publish=' . FngateTest::http_code($pub),
    'v1=' . main::says($v1, $after->{run}) . " $v1->{version}",
    'v1b=' . main::says($v1b, $v1->{run}) . " $v1b->{version}",
    'off=' . FngateTest::http_code($off)
        . ($off =~ /FngateIdempotency/ ? ' shown' : ''),
    "plain=[$plain->{idempotent}]",
    'publish2=' . FngateTest::http_code($pub2) . ' ' . ($ver2 // $pub2))
    . "\n");
--- request
GET /t/out/idem2.out
--- response_body
f1=200 miss billed=ms vm=yes error=Unhandled
f2=200 miss billed=ms vm=yes error=Unhandled
ok=200 stored billed=ms vm=yes
update=200
after=200 stored billed=ms vm=yes new
publish=201
v1=200 stored billed=ms vm=yes new 1
v1b=200 hit billed=0 vm=none same 1
off=200
plain=[]
publish2=201 2
--- no_error_log
[error]



=== TEST 3: dependencies: a message sent to the queue it names, or one deleted, runs it again (a receive does not; a purge leaves the state of a queue that never had one); a version published of the function it names runs it again; each time the next identical call is a hit
--- timeout: 300
--- config eval: FngateTest::default_config()
--- init
my $acct = FngateTest::account('idem3-a')->{AccountId};
my $out = FngateTest::python_sqs('idem3-a', <<'_PY_');
print('URL ' + sqs.create_queue(QueueName='idem-q')['QueueUrl'])
_PY_
my ($url) = $out =~ /^URL (\S+)/m or die "queue: $out";
FngateTest::make_function('idem3-a', 'rates', "#!/bin/sh\necho 1\n");
main::create('idem3-a', 'deps3', { ResultTtlSeconds => 600,
    Dependencies => [{ Queue => $url },
        { Function => "arn:aws:lambda:us-east-1:$acct:function:rates" }] });
my @s;
my $c = main::call('idem3-a', 'deps3', '{}');
push @s, 'first=' . main::says($c);
my $h = main::call('idem3-a', 'deps3', '{}');
push @s, 'hit=' . main::says($h, $c->{run});
$out = FngateTest::python_sqs('idem3-a', <<"_PY_");
sqs.send_message(QueueUrl='$url', MessageBody='m1')
print('sent')
_PY_
die "send: $out" unless $out =~ /^sent$/m;
my $c2 = main::call('idem3-a', 'deps3', '{}');
push @s, 'sent=' . main::says($c2, $c->{run});
push @s, 'hit=' . main::says(main::call('idem3-a', 'deps3', '{}'),
    $c2->{run});
# a receive alone changes nothing; the delete does
$out = FngateTest::python_sqs('idem3-a', <<"_PY_");
m = sqs.receive_message(QueueUrl='$url', MaxNumberOfMessages=1,
                        VisibilityTimeout=0)['Messages'][0]
print('received')
_PY_
die "receive: $out" unless $out =~ /^received$/m;
push @s, 'received=' . main::says(main::call('idem3-a', 'deps3', '{}'),
    $c2->{run});
$out = FngateTest::python_sqs('idem3-a', <<"_PY_");
m = sqs.receive_message(QueueUrl='$url', MaxNumberOfMessages=1,
                        VisibilityTimeout=0)['Messages'][0]
sqs.delete_message(QueueUrl='$url', ReceiptHandle=m['ReceiptHandle'])
print('deleted')
_PY_
die "delete: $out" unless $out =~ /^deleted$/m;
my $c3 = main::call('idem3-a', 'deps3', '{}');
push @s, 'deleted=' . main::says($c3, $c2->{run});
# a purge leaves the state of a queue that never had a message: the
# result stored then answers
$out = FngateTest::python_sqs('idem3-a', <<"_PY_");
sqs.purge_queue(QueueUrl='$url')
print('purged')
_PY_
die "purge: $out" unless $out =~ /^purged$/m;
push @s, 'purged=' . main::says(main::call('idem3-a', 'deps3', '{}'),
    $c->{run});
my $pub = FngateTest::curl_sigv4('idem3-a',
    '/2015-03-31/functions/rates/versions', '-X', 'POST', '-d', '{}');
push @s, 'publish=' . FngateTest::http_code($pub);
my $c4 = main::call('idem3-a', 'deps3', '{}');
push @s, 'published=' . main::says($c4, $c->{run});
push @s, 'hit=' . main::says(main::call('idem3-a', 'deps3', '{}'),
    $c4->{run});
FngateTest::save_output('idem3.out', join("\n", @s) . "\n");
--- request
GET /t/out/idem3.out
--- response_body
first=200 stored billed=ms vm=yes
hit=200 hit billed=0 vm=none same
sent=200 stored billed=ms vm=yes new
hit=200 hit billed=0 vm=none same
received=200 hit billed=0 vm=none same
deleted=200 stored billed=ms vm=yes new
purged=200 hit billed=0 vm=none same
publish=201
published=200 stored billed=ms vm=yes new
hit=200 hit billed=0 vm=none same
--- no_error_log
[error]



=== TEST 4: a result expires after ResultTtlSeconds: once its key is gone from Redis the same call runs again (and is stored again)
--- timeout: 200
--- config eval: FngateTest::default_config()
--- init
my $acct = FngateTest::account('idem4-a')->{AccountId};
main::create('idem4-a', 'ttl4', { ResultTtlSeconds => 2 });
my $c = main::call('idem4-a', 'ttl4', '{}');
my $kept = scalar main::stored_keys($acct);
my $gone = 0;
for (1 .. 200) {
    if (!main::stored_keys($acct)) { $gone = 1; last }
    Time::HiRes::sleep(0.1);
}
my $after = main::call('idem4-a', 'ttl4', '{}');
FngateTest::save_output('idem4.out', join("\n",
    'first=' . main::says($c), "kept=$kept", "gone=$gone",
    'after=' . main::says($after, $c->{run})) . "\n");
--- request
GET /t/out/idem4.out
--- response_body
first=200 stored billed=ms vm=yes
kept=1
gone=1
after=200 stored billed=ms vm=yes new
--- no_error_log
[error]



=== TEST 5: cross-account: Bob, granted Alice's idempotent function, never gets the result stored for Alice's call of the same event, nor Alice Bob's; each gets its own stored result back, under its own keys
--- timeout: 300
--- config eval: FngateTest::default_config()
--- init
my $alice = FngateTest::account('idem5-alice')->{AccountId};
my $bob = FngateTest::account('idem5-bob')->{AccountId};
main::create('idem5-alice', 'shared5', { ResultTtlSeconds => 600 });
FngateTest::grant('idem5-alice', 'shared5', 'bob', $bob);
my $arn = "arn:aws:lambda:us-east-1:$alice:function:shared5";
my $a1 = main::call('idem5-alice', 'shared5', '{"same":1}');
my $b1 = main::call('idem5-bob', $arn, '{"same":1}');
my $a2 = main::call('idem5-alice', 'shared5', '{"same":1}');
my $b2 = main::call('idem5-bob', $arn, '{"same":1}');
FngateTest::save_output('idem5.out', join("\n",
    'alice=' . main::says($a1),
    'bob=' . main::says($b1, $a1->{run}),
    'alice_again=' . main::says($a2, $a1->{run}),
    'bob_again=' . main::says($b2, $b1->{run}),
    'keys=' . scalar(main::stored_keys($alice)) . ' '
        . scalar(main::stored_keys($bob))) . "\n");
--- request
GET /t/out/idem5.out
--- response_body
alice=200 stored billed=ms vm=yes
bob=200 stored billed=ms vm=yes new
alice_again=200 hit billed=0 vm=none same
bob_again=200 hit billed=0 vm=none same
keys=1 1
--- no_error_log
[error]



=== TEST 6: bad FngateIdempotency values get 400 InvalidParameterValueException: the form of each member, a Url the function's network policy does not allow (the test fngated's network is none), a queue or function that does not exist or is another account's without a grant; nothing is stored
--- config eval: FngateTest::default_config()
--- init
my $other = FngateTest::account('idem6-b')->{AccountId};
my $me = FngateTest::account('idem6-a')->{AccountId};
FngateTest::make_function('idem6-b', 'private6', "#!/bin/sh\necho 1\n");
my @bad = (
    '[]',
    '{"Ttl":5}',
    '{"ResultTtlSeconds":0}',
    '{"ResultTtlSeconds":"60"}',
    '{"Dependencies":"http://127.0.0.1/"}',
    '{"Dependencies":[{"Url":"http://127.0.0.1/","Queue":"q"}]}',
    '{"Dependencies":[{"File":"/etc/passwd"}]}',
    '{"Dependencies":[{"Url":"http://localhost:8080/"}]}',
    '{"Dependencies":[{"Url":"https://127.0.0.1/"}]}',
    '{"Dependencies":[{"Url":"http://127.0.0.1:8080/"}]}',
    "{\"Dependencies\":[{\"Queue\":\"arn:aws:sqs:us-east-1:$me:nosuch\"}]}",
    "{\"Dependencies\":[{\"Function\":\"arn:aws:lambda:us-east-1:$me:function:nosuch\"}]}",
    "{\"Dependencies\":[{\"Function\":\"arn:aws:lambda:us-east-1:$other:function:private6\"}]}",
);
my @out;
for my $i (0 .. $#bad) {
    my $body = FngateTest::create_function_body(name => "bad$i",
        files => { handler => [0755, "#!/bin/sh\necho 1\n"] });
    $body =~ s/^\{/{"FngateIdempotency":$bad[$i],/;
    my $o = FngateTest::curl_sigv4('idem6-a', '/2015-03-31/functions',
        '-D', '-', '-H', 'Content-Type: application/json', '-d', $body);
    my ($type) = $o =~ /^x-amzn-ErrorType:\s*(\S+)/mi;
    my ($msg) = $o =~ /"message":"((?:[^"\\]|\\.)*)"/i;
    $msg //= $o;
    $msg =~ s/\Q$me\E/ME/g;
    $msg =~ s/\Q$other\E/OTHER/g;
    push @out, FngateTest::http_code($o) . " " . ($type // '-') . " $msg";
}
push @out, 'stored=' . (FngateTest::redis_keys("fg:fn:{$me}:*") =~ /\S/
                        ? FngateTest::redis_keys("fg:fn:{$me}:*") : 'none');
FngateTest::save_output('idem6.out', join("\n", @out) . "\n");
--- request
GET /t/out/idem6.out
--- response_body
400 InvalidParameterValueException FngateIdempotency must be an object ({\"Dependencies\": [...], \"ResultTtlSeconds\": N}), or {} for none
400 InvalidParameterValueException FngateIdempotency has an unknown member Ttl (it takes Dependencies and ResultTtlSeconds)
400 InvalidParameterValueException FngateIdempotency.ResultTtlSeconds must be a whole number of seconds from 1 to 604800
400 InvalidParameterValueException FngateIdempotency.ResultTtlSeconds must be a whole number of seconds from 1 to 604800
400 InvalidParameterValueException FngateIdempotency.Dependencies must be a list of objects
400 InvalidParameterValueException FngateIdempotency.Dependencies[0] must be an object with one member: Url, Queue or Function
400 InvalidParameterValueException FngateIdempotency.Dependencies[0] has an unknown member File (Url, Queue or Function)
400 InvalidParameterValueException FngateIdempotency.Dependencies[0].Url http://localhost:8080/: must be http://A.B.C.D[:PORT][/PATH] (an IPv4 address; names are not resolved)
400 InvalidParameterValueException FngateIdempotency.Dependencies[0].Url https://127.0.0.1/: https is not supported: fngated asks over http
400 InvalidParameterValueException FngateIdempotency.Dependencies[0].Url http://127.0.0.1:8080/: guests have no network on this host (network = none)
400 InvalidParameterValueException FngateIdempotency.Dependencies[0].Queue arn:aws:sqs:us-east-1:ME:nosuch: names no queue of this region that the function's account owns or is granted sqs:ReceiveMessage on
400 InvalidParameterValueException FngateIdempotency.Dependencies[0].Function arn:aws:lambda:us-east-1:ME:function:nosuch: names no function of this region that the function's account owns or is granted lambda:InvokeFunction on
400 InvalidParameterValueException FngateIdempotency.Dependencies[0].Function arn:aws:lambda:us-east-1:OTHER:function:private6: names no function of this region that the function's account owns or is granted lambda:InvokeFunction on
stored=none
--- no_error_log
[error]



=== TEST 7: an HTTP resource as a dependency (a fngated of its own, network = loopback): its Last-Modified changed runs the function again, a Url outside the function's FngateEgress is refused (also on UpdateFunctionConfiguration), and with the server gone the call runs without storing
--- timeout: 600
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
main::server();
$main::Own = FngateTest::own_fngated(warm => 0, idle_timeout => 30,
    network => 'loopback', network_subnet => "10.213.$main::NET.0/24");
FngateTest::wait_log($main::Own->{log},
    qr/snapshot: .*snapshot\.img (made|\(made earlier\))/, 300);
my $url = "http://127.0.0.1:$main::WWW_PORT/rates.json";
my @s;
my $o = FngateTest::curl_sigv4('idem7-a', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'refused7',
              files => { handler => [0755, "#!/bin/sh\necho 1\n"] },
              extra => { FngateEgress => ["127.0.0.1:" . ($main::WWW_PORT + 1)],
                         FngateIdempotency => { Dependencies => [{ Url => $url }] } }));
my ($msg) = $o =~ /"message":"([^"]*)"/;
push @s, 'refused=' . FngateTest::http_code($o) . ' ' . ($msg // $o);
main::create('idem7-a', 'web7', { ResultTtlSeconds => 600,
    Dependencies => [{ Url => $url }] },
    FngateEgress => ["127.0.0.1:$main::WWW_PORT"]);
my $c = main::call('idem7-a', 'web7', '{}');
push @s, 'first=' . main::says($c);
push @s, 'hit=' . main::says(main::call('idem7-a', 'web7', '{}'), $c->{run});
utime 1800000100, 1800000100, "$main::WWW/rates.json";
my $c2 = main::call('idem7-a', 'web7', '{}');
push @s, 'changed=' . main::says($c2, $c->{run});
push @s, 'hit=' . main::says(main::call('idem7-a', 'web7', '{}'), $c2->{run});
# the policy narrowed: the dependency is refused
$o = FngateTest::curl_sigv4('idem7-a',
    '/2015-03-31/functions/web7/configuration', '-X', 'PUT',
    '-H', 'Content-Type: application/json', '-d', '{"FngateEgress":[]}');
($msg) = $o =~ /"message":"([^"]*)"/;
push @s, 'narrowed=' . FngateTest::http_code($o) . ' ' . ($msg // $o);
kill 'TERM', @main::SERVERS;
waitpid $_, 0 for @main::SERVERS;
@main::SERVERS = ();
my $skip = -s $main::Own->{log};
my $gone = main::call('idem7-a', 'web7', '{}');
push @s, 'server_gone=' . main::says($gone, $c2->{run});
my $why = FngateTest::wait_log($main::Own->{log},
    qr/idempotent: \S+:web7 runs without storing: dependency \S+: \S+/, 10,
    $skip);
push @s, 'logged=' . ($why =~ /connection refused/ ? 1 : $why);
FngateTest::save_output('idem7.out', join("\n", @s) . "\n");
--- request
GET /t/out/idem7.out
--- response_body eval
"refused=400 FngateIdempotency.Dependencies[0].Url http://127.0.0.1:$main::WWW_PORT/rates.json: the function's network policy (FngateEgress, else the operator's network_default) does not let it reach that address and port
first=200 stored billed=ms vm=yes
hit=200 hit billed=0 vm=none same
changed=200 stored billed=ms vm=yes new
hit=200 hit billed=0 vm=none same
narrowed=400 FngateIdempotency.Dependencies[0].Url http://127.0.0.1:$main::WWW_PORT/rates.json: the function's network policy (FngateEgress, else the operator's network_default) does not let it reach that address and port
server_gone=200 miss billed=ms vm=yes new
logged=1
"
--- no_error_log
[error]



=== TEST 8: a result that would pass the account's storage quota (quota_code_storage counts code and results) is not stored: the call runs, says "miss", and the next identical call runs again; a small one still fits
--- timeout: 400
--- config eval: FngateTest::default_config($main::OWN_SOCK)
--- init
$main::Own = FngateTest::own_fngated(warm => 0, idle_timeout => 30,
    quota_code_storage => 4096);
my $acct = FngateTest::account('idem8-a')->{AccountId};
my $out = FngateTest::curl_sigv4('idem8-a', '/2015-03-31/functions',
    '-H', 'Content-Type: application/json',
    '-d', FngateTest::create_function_body(name => 'big8',
              files => { handler => [0755, <<'_SH_'] },
#!/bin/sh
n=$(cat | tr -dc 0-9)
run=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || echo "$$-$(date +%s%N)")
printf '{"run":"%s","pad":"%s"}' "$run" "$(head -c "$n" /dev/zero | tr '\0' a)"
_SH_
              extra => { FngateIdempotency => { ResultTtlSeconds => 600 } }));
die "create big8: $out" unless FngateTest::http_code($out) == 201;
my $skip = -s $main::Own->{log};
my $b1 = main::call('idem8-a', 'big8', '{"n":5000}');
my $logged = FngateTest::wait_log($main::Own->{log},
    qr/idempotent: result of \d+ bytes not stored: \d+'s code and results would pass its storage quota of 4096 bytes/,
    10, $skip);
my $b2 = main::call('idem8-a', 'big8', '{"n":5000}');
my $s1 = main::call('idem8-a', 'big8', '{"n":10}');
my $s2 = main::call('idem8-a', 'big8', '{"n":10}');
FngateTest::save_output('idem8.out', join("\n",
    'big=' . main::says($b1), 'logged=' . ($logged ? 1 : 0),
    'big_again=' . main::says($b2, $b1->{run}),
    'small=' . main::says($s1), 'small_again=' . main::says($s2, $s1->{run}),
    'keys=' . scalar(main::stored_keys($acct))) . "\n");
--- request
GET /t/out/idem8.out
--- response_body
big=200 miss billed=ms vm=yes
logged=1
big_again=200 miss billed=ms vm=yes new
small=200 stored billed=ms vm=yes
small_again=200 hit billed=0 vm=none same
keys=1
--- no_error_log
[error]



=== TEST 9: an asynchronous event's attempt is a call like any: after a call that stored its result, an Event invocation of the same event is answered 202 and its attempt is a hit (billing line: Event, hit, billed 0, no VM)
--- timeout: 200
--- config eval: FngateTest::default_config()
--- init
main::create('idem9-a', 'async9', { ResultTtlSeconds => 600 });
my $c = main::call('idem9-a', 'async9', '{"e":9}');
my $ev = main::call('idem9-a', 'async9', '{"e":9}',
    ['X-Amz-Invocation-Type', 'Event']);
my $attempt = {};
for (1 .. 600) {
    ($attempt) = grep { ($_->{event_id} // '') eq $ev->{rid}
                        && $_->{invocation_type} eq 'Event' }
                 @{ FngateTest::billing_lines('Invoke') };
    last if $attempt;
    Time::HiRes::sleep(0.1);
}
$attempt //= {};
FngateTest::save_output('idem9.out', join("\n",
    'first=' . main::says($c), "event=$ev->{status}",
    'attempt=' . join(' ', map { $_ // '?' } @$attempt{qw(status
        invocation_type idempotent billed_ms)})
        . ' vm=' . (($attempt->{vm} // '?') eq '' ? 'none' : $attempt->{vm}
                    // '?')) . "\n");
--- request
GET /t/out/idem9.out
--- response_body
first=200 stored billed=ms vm=yes
event=202
attempt=200 Event hit 0 vm=none
--- no_error_log
[error]
