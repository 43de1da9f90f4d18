# Sandboxes (docs/vms.md "Sandboxes"): a guest of an account holds several
# function versions, each in a sandbox of its own (uid, cgroup, code
# directory, /tmp, runtime); one runs at a time, the others wait with
# their runtime frozen.  An account that alternates two functions has a
# cold start on the first call of each only; a sandbox set aside sees
# nothing of the one that runs (its /tmp, its files); code updates under
# load fail no call, and each call runs one version's code whole.
use Test::Nginx::Socket;
use FngateTest;

# Each block uses accounts of its own (sbx-a, sbx-b, sbx-c).
repeat_each(1);
fngate_defaults();

# A python3.11 function whose runtime counts its calls (so a runtime kept
# across the other function's calls counts on) and names itself.
sub counter_py {
    my $name = shift;
    return "n = 0\n"
         . "def handler(event, context):\n"
         . "    global n\n"
         . "    n += 1\n"
         . "    return '$name %d' % n\n";
}

sub create_py {
    my ($who, $name, $code, %opt) = @_;
    FngateTest::api_ok($who, 'POST', '/2015-03-31/functions',
        FngateTest::create_function_body(name => $name,
            runtime => 'python3.11', handler => 'app.handler',
            timeout => 30, files => { 'app.py' => [0644, $code],
                                      %{ $opt{files} // {} } }), 201);
}

sub call {
    my ($who, $name) = @_;
    my $out = FngateTest::curl_sigv4($who,
        "/2015-03-31/functions/$name/invocations", '-d', '{}');
    my ($body) = $out =~ /^exit=\d+\n(.*)\nhttp=\d+\s*$/s;
    return FngateTest::http_code($out) . ' ' . ($body // $out);
}

# The billing lines of WHO's calls so far: "FUNCTION cold|warm VM".
sub calls_of {
    my $acct = FngateTest::account($_[0])->{AccountId};
    my $root = $ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot';
    my @lines;
    for (1 .. 50) {
        @lines = ();
        open my $in, '<', "$root/logs/access.log" or last;
        while (<$in>) {
            next unless /"action":"Invoke","caller":"$acct".*"function":"([^"]*)".*"cold_start":"(true|false)","start_kind":"[^"]*","vm":"([^"]*)"/;
            push @lines, "$1 " . ($2 eq 'true' ? 'cold' : 'warm') . " $3";
        }
        close $in;
        last if @lines >= $_[1];
        select undef, undef, undef, 0.1;
    }
    return @lines;
}

plan tests => repeat_each() * count_tests();

# WHO calls each function of FNS in turn: their answers, their billing
# lines and how many guests ran them.
sub in_turn {
    my ($who, @fns) = @_;
    my @out = map { call($who, $_) } @fns;
    my @lines = calls_of($who, scalar @fns);
    my %vms = map { (split / /)[2] => 1 } @lines;
    return (\@out, \@lines, scalar keys %vms);
}

run_tests();

__DATA__

=== TEST 1: an account alternating two functions: a cold start on the first call of each only, both in one guest, each runtime kept
--- timeout: 240
--- init
main::create_py('sbx-a', 'one', main::counter_py('one'));
main::create_py('sbx-a', 'two', main::counter_py('two'));
my ($out, $lines, $guests) = main::in_turn('sbx-a',
    qw(one two one two one two));
FngateTest::save_output('sbx-alt.out', join("\n", @$out,
    (map { join ' ', (split / /)[0, 1] } @$lines), "guests=$guests") . "\n");
--- request
GET /t/out/sbx-alt.out
--- response_body
200 "one 1"
200 "two 1"
200 "one 2"
200 "two 2"
200 "one 3"
200 "two 3"
one cold
two cold
one warm
two warm
one warm
two warm
guests=1
--- no_error_log
[error]



=== TEST 2: a sandbox set aside sees nothing of the one that runs: its runtime is frozen, and /tmp and the code directory are the running one's alone
--- timeout: 240
--- init
# The spy's runtime leaves a thread behind that looks, every 20 ms, for
# the victim's /tmp file and code; the victim writes a world-readable
# file in /tmp and takes a second to answer; the spy's next call tells
# what its thread saw.  The victim's /tmp is its own again on its next call.
main::create_py('sbx-b', 'spy', <<'_PY_');
import os, threading, time
seen = set()
def watch():
    while True:
        for path in ('/tmp/secret', '/var/task/victim.txt'):
            try:
                with open(path) as f:
                    seen.add(path + '=' + f.read().strip())
            except Exception:
                pass
        try:
            if 'secret' in os.listdir('/tmp'):
                seen.add('listed /tmp/secret')
        except Exception:
            pass
        time.sleep(0.02)
started = False
def handler(event, context):
    global started
    if not started:
        started = True
        threading.Thread(target=watch, daemon=True).start()
        time.sleep(0.2)
        return 'watching'
    return ' '.join(sorted(seen)) or 'nothing'
_PY_
main::create_py('sbx-b', 'victim', <<'_PY_', files => { 'victim.txt' => [0644, "victim code\n"] });
import os, time
def handler(event, context):
    if os.path.exists('/tmp/secret'):
        return 'kept ' + open('/tmp/secret').read().strip()
    with open('/tmp/secret', 'w') as f:
        f.write('s3cret')
    os.chmod('/tmp/secret', 0o644)
    time.sleep(1)
    return 'wrote'
_PY_
my ($out, undef, $guests) = main::in_turn('sbx-b',
    qw(spy victim spy victim));
FngateTest::save_output('sbx-spy.out', join("\n", @$out, "guests=$guests")
    . "\n");
--- request
GET /t/out/sbx-spy.out
--- response_body
200 "watching"
200 "wrote"
200 "nothing"
200 "kept s3cret"
guests=1
--- no_error_log
[error]



=== TEST 3: UpdateFunctionCode, PublishVersion and UpdateAlias under a minute of load: no call fails, each runs one version's code whole
--- timeout: 400
--- init
# util/deploy-load.py: the code is two files that name their version (a
# call that ran a mix would say two); three boto3 threads call the alias
# "live" without pause while a new version is deployed every 8 s.
my ($rc, $out) = FngateTest::run_cmd(FngateTest::tool_env('sbx-c')
    . ' FNGATE_ENDPOINT=' . FngateTest::endpoint() . ' /usr/bin/python3 '
    . FngateTest::fngate_root() . '/util/deploy-load.py --seconds 60 --every 8');
my %v = map { /^(\w+) (\d+)/ ? ($1 => $2) : () } split /\n/, $out;
FngateTest::save_output('sbx-deploy.out', join("\n",
    "exit=$rc",
    'calls>100=' . (($v{calls} // 0) > 100 ? 1 : $out),
    'deployed>=5=' . (($v{deployed} // 0) >= 5 ? 1 : $out),
    ($out =~ /^(failed .*)$/m)[0] // $out,
    ($out =~ /^(mixed .*)$/m)[0] // $out,
    'versions>=5=' . (($v{versions} // 0) >= 5 ? 1 : $out)) . "\n");
--- request
GET /t/out/sbx-deploy.out
--- response_body
exit=0
calls>100=1
deployed>=5=1
failed 0 []
mixed 0 []
versions>=5=1
--- no_error_log
[error]
