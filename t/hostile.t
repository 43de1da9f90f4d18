# Hostile code: functions written as an attacker would write them.  Each
# block asserts what the attack must never reach (docs/security.md):
# another owner's code or data, the agent, the guest's kernel,
# the host's view of the call.
#
# Alice and Bob each deploy "spy" (t/hostile/spy.py) with a secret mark of
# their own; Bob also calls Alice's spy through his cross-account alias
# "aspy:prod".  Every spy scans guest memory, disks, files and processes
# for any mark but its own, so each call is both a victim and an attacker.
#
# The fixture: those functions, spy2 and the other attackers of Bob's;
# the blocks that deploy make copies of their own (NAME-new).  An attack and the
# check of what it left are one block: its --- init makes the calls in
# turn, each call's status and answer a line of the output it GETs.
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:function:spy";

# A fresh secret for each owner's copy of spy.py, known only to this file.
sub secret { join '', map { sprintf '%04x', int rand 65536 } 1 .. 8 }
our %MARK = (alice => secret(), bob => secret(), bob2 => secret());

sub source {
    my $path = FngateTest::fngate_root() . '/t/hostile/' . shift;
    open my $f, '<', $path or die "$path: $!";
    local $/;
    return scalar <$f>;
}

# CreateFunction of t/hostile/FILE as NAME, python3.11 or one-shot.
sub create {
    my ($name, $file, %opt) = @_;
    my $src = $opt{src} // source($file);
    delete $opt{src};
    my %files = $file =~ /\.py$/
        ? ($file => [0644, $src]) : (handler => [0755, $src]);
    return "POST /2015-03-31/functions\n" . FngateTest::create_function_body(
        name => $name, files => \%files,
        ($file =~ /^(\w+)\.py$/ ? (runtime => 'python3.11',
                                   handler => "$1.handler") : ()),
        %opt);
}

sub spy {
    my ($who, $name) = @_;
    return create($name // 'spy', 'spy.py', timeout => 300, memory => 256,
                  src => source('spy.py') =~ s/\@MARK\@/$MARK{$who}/r)
        =~ s/\}$/,"Publish":true}/r;
}

# The VM of the last billing line of FUNCTION called by Bob (through his
# alias ALIAS, or '').
sub bob_vm {
    my ($fn, $alias) = @_;
    my ($l) = grep { $_->{function} eq $fn && $_->{caller} eq $BOB
                     && ($alias eq '' ? $_->{alias} eq '' : $_->{alias} =~ /:\Q$alias\E$/) }
              reverse @{ FngateTest::billing_lines('Invoke') };
    return $l ? $l->{vm} : 'none';
}

# The request line and body of a create() or spy() as (PATH, BODY).
sub split_request {
    my ($line, $body) = split /\n/, shift, 2;
    return ((split ' ', $line)[1], $body);
}

# Bob's call of FUNCTION (a path after /2015-03-31/functions/) with
# BODY as two lines of output, each starting with LABEL: "LABEL status
# CODE" (and " function error ERROR" when the X-Amz-Function-Error
# header says one), "LABEL answer BODY" (its newlines written \n).
sub bob_calls {
    my ($label, $fn, $body) = @_;
    my ($code, $err, $answer) = bob_call($fn, $body);
    $answer =~ s/\n/\\n/g;
    return ("$label status $code" . ($err ne '' ? " function error $err" : ''),
            "$label answer $answer");
}

# The same as (CODE, ERROR or '', BODY).
sub bob_call {
    my ($fn, $body) = @_;
    my $hf = "/tmp/fngate-hostile-$$.h";
    # NAME:QUALIFIER as ?Qualifier= (curl signs the path as it is)
    my $path = $fn =~ /^([^:]+):(.+)$/ ? "$1/invocations?Qualifier=$2"
                                         : "$fn/invocations";
    my $o = FngateTest::curl_sigv4('bob', "/2015-03-31/functions/$path",
        '--max-time', '600', '-D', $hf, '--data-binary', $body // '{}');
    my $code = FngateTest::http_code($o);
    $o =~ s/^exit=\d+\n//;
    $o =~ s/\nhttp=\d+\s*$//;
    my $err = '';
    if (open my $in, '<', $hf) {
        while (<$in>) {
            $err = $1 if /^X-Amz-Function-Error:\s*(\S+)/i;
        }
        close $in;
    }
    unlink $hf;
    return ($code, $err, $o);
}

fixture(sub {
    FngateTest::api_ok('alice', 'POST', split_request(spy('alice')), 201);
    FngateTest::grant('alice', 'spy', 'bob', $BOB);
    FngateTest::api_ok('bob', 'POST', split_request(spy('bob')), 201);
    FngateTest::make_alias('bob', 'aspy', 'prod', "$ARN:1");
    FngateTest::api_ok('bob', 'POST', split_request(spy('bob2', 'spy2')), 201);
    FngateTest::api_ok('bob', 'POST', split_request(create(@$_)), 201)
        for ['probe', 'probe.py', timeout => 60],
            ['linger', 'linger.sh', timeout => 30],
            ['pylinger', 'pylinger.py', timeout => 30],
            ['forge', 'forge.py', timeout => 60],
            ['bomb', 'bomb.sh', timeout => 10];
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice deploys spy (spy-new) with her mark
--- request eval
main::spy('alice', 'spy-new')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 2: and lets Bob call it (spy-granted)
--- init
FngateTest::api_ok('alice', 'POST', main::split_request(main::spy('alice', 'spy-granted')), 201);
--- request eval
qq{POST /2015-03-31/functions/spy-granted/policy\n{"StatementId":"bob","Action":"lambda:InvokeFunction","Principal":"$main::BOB"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: alice
--- error_code: 201
--- no_error_log
[error]



=== TEST 3: Bob deploys a spy of his own (spy-new), with his mark
--- request eval
main::spy('bob', 'spy-new')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 4: and his alias (aspy-new:prod) of Alice's spy, version 1
--- request eval
qq{POST /2015-03-31/functions/aspy-new/aliases\n{"Name":"prod","FunctionVersion":"$main::ARN:1"}}
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 5: Bob's spy finds its own mark (the scan works), no other; then Alice's code, called by Bob, finds nothing of Bob's (not his code, /tmp, processes or memory); nor does Bob's own code find anything of Alice's afterwards
--- init
my @own = main::bob_calls('own', 'spy');
my @xa = main::bob_calls('alias', 'aspy:prod');
my @again = main::bob_calls('again', 'spy');
# (as a response_body_like ^...$: a newline at the end or none)
s/\\n$// for @own, @xa, @again;
FngateTest::save_output('spies', join("\n", @own, @xa,
    "alias: bob's mark " . ("@xa" =~ /$main::MARK{bob}/ ? 'found' : 'not found'),
    @again,
    "again: alice's mark " . ("@again" =~ /$main::MARK{alice}/ ? 'found' : 'not found'))
    . "\n");
--- request
GET /t/out/spies
--- response_body
own status 200
own answer {"others": [], "where": {}, "own_found": true, "raw_read": []}
alias status 200
alias answer {"others": [], "where": {}, "own_found": true, "raw_read": []}
alias: bob's mark not found
again status 200
again answer {"others": [], "where": {}, "own_found": true, "raw_read": []}
again: alice's mark not found
--- no_error_log
[error]



=== TEST 6: Bob's second function (spy2-new), with a mark of its own
--- request eval
main::spy('bob2', 'spy2-new')
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 7: Bob's spy2 takes over the guest from spy and finds nothing of it: not its code, /tmp, processes or memory
--- init
# (spy's call first; the block's request is a GET of the output, as a
# signed request would be stale after the calls)
main::bob_call('spy');
my @spy2 = main::bob_calls('spy2', 'spy2');
s/\\n$// for @spy2;
FngateTest::save_output('spy2', join("\n", @spy2,
    "spy2: bob's mark " . ("@spy2" =~ /$main::MARK{bob}/ ? 'found' : 'not found'))
    . "\n");
--- request
GET /t/out/spy2
--- response_body
spy2 status 200
spy2 answer {"others": [], "where": {}, "own_found": true, "raw_read": []}
spy2: bob's mark not found
--- no_error_log
[error]



=== TEST 8: the two owners' code ran in different VMs of Bob's (a VM serves one caller and one owner)
--- init
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/spy/invocations', '-d', '{"quick":1}');
FngateTest::curl_sigv4('bob', '/2015-03-31/functions/aspy/invocations?Qualifier=prod', '-d', '{"quick":1}');
my ($own, $xa) = (main::bob_vm('spy', ''), main::bob_vm('spy', 'prod'));
FngateTest::save_output('vms', ($own eq 'none' || $xa eq 'none' ? "missing: $own $xa"
    : $own eq $xa ? "one vm: $own" : 'two vms') . "\n");
--- request
GET /t/out/vms
--- response_body
two vms
--- no_error_log
[error]



=== TEST 9: Bob's probe (probe-new): what may a function's code do in its guest?
--- request eval
main::create('probe-new', 'probe.py', timeout => 60)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 10: an unprivileged sandbox: no capabilities, no_new_privs, seccomp; no kernel, device, agent or other process within reach
--- timeout: 300
--- request
POST /2015-03-31/functions/probe/invocations
{}
--- more_headers
X-Fngate-Test-Sign: bob
--- response_body chomp
{"uid": "sandbox", "gid": "sandbox", "groups": 0, "CapInh": "none", "CapPrm": "none", "CapEff": "none", "CapBnd": "none", "CapAmb": "none", "NoNewPrivs": "1", "Seccomp": "2", "sys_init_module": "EPERM", "sys_finit_module": "EPERM", "sys_delete_module": "EPERM", "sys_kexec_load": "EPERM", "sys_kexec_file_load": "EPERM", "sys_perf_event_open": "EPERM", "sys_bpf": "EPERM", "sys_iopl": "EPERM", "sys_ioperm": "EPERM", "sys_mount": "EPERM", "sys_umount2": "EPERM", "sys_reboot": "EPERM", "sys_keyctl": "EPERM", "sys_add_key": "EPERM", "sys_unshare_user": "EPERM", "sys_unshare_net": "EPERM", "sys_setns": "EPERM", "sys_swapon": "EPERM", "sys_chroot": "EPERM", "sys_pivot_root": "EPERM", "sys_acct": "EPERM", "sys_syslog": "EPERM", "sys_userfaultfd": "EPERM", "sys_open_by_handle_at": "EPERM", "sys_mknod_mem": "EPERM", "sys_io_uring_setup": "EPERM", "sys_ptrace_pid1": "EPERM", "sys_fsopen": "EPERM", "sys_clone3": "ENOSYS", "kill_pid1": "EPERM", "open /proc/kcore": "EACCES", "open /dev/mem": "ENOENT", "open /dev/kmem": "ENOENT", "open /dev/port": "ENOENT", "open /dev/kmsg": "EPERM", "open /proc/1/mem": "ENOENT", "open /proc/1/environ": "ENOENT", "open /init": "EACCES", "open /etc/fngate-modules": "EACCES", "open /dev/ttyS0": "EACCES", "open /dev/console": "EACCES", "block devices": ["EACCES"], "open agent port": "EACCES", "other processes": 0, "cgroup pids.max": "1024", "cgroup memory.max": "EACCES", "cgroup escape": "EACCES", "write /var/task": "EACCES", "write /tmp": "allowed"}
--- no_error_log
[error]



=== TEST 11: a one-shot handler that leaves a process behind, out of its cgroup if it can (linger-new)
--- request eval
main::create('linger-new', 'linger.sh', timeout => 30)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 12: a one-shot handler that leaves a process behind: its first call finds none left behind, nor does its second (the first call's process died with the call)
--- init
FngateTest::save_output('linger', join("\n", main::bob_calls('first', 'linger'),
    main::bob_calls('second', 'linger')) . "\n");
--- request
GET /t/out/linger
--- response_body
first status 200
first answer "left behind: 0, /tmp/fill: no"\n
second status 200
second answer "left behind: 0, /tmp/fill: no"\n
--- no_error_log
[error]



=== TEST 13: a python3.11 function that leaves a process behind at each call (pylinger-new)
--- request eval
main::create('pylinger-new', 'pylinger.py', timeout => 30)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 14: a python3.11 function that leaves a process behind at each call: its first call finds none left behind, nor does its second, in the same runtime (only the runtime's own process group outlived the call)
--- init
FngateTest::save_output('pylinger', join("\n", main::bob_calls('first', 'pylinger'),
    main::bob_calls('second', 'pylinger')) . "\n");
--- request
GET /t/out/pylinger
--- response_body
first status 200
first answer "left behind: 0"
second status 200
second answer "left behind: 0"
--- access_log eval
qr/"function":"pylinger",.*"status":"200",.*"cold_start":"false"/
--- no_error_log
[error]



=== TEST 15: a function that writes forged RESULT frames and garbage to the agent's port (forge-new)
--- request eval
main::create('forge-new', 'forge.py', timeout => 60)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 16: a function that writes forged RESULT frames and garbage to the agent's port gets its own answer, never a forged one; and the guest still serves the next call
--- init
FngateTest::save_output('forge', join("\n", main::bob_calls('first', 'forge'),
    main::bob_calls('second', 'forge')) . "\n");
--- request
GET /t/out/forge
--- response_body
first status 200
first answer "real"
second status 200
second answer "real"
--- no_error_log
[error]



=== TEST 17: a fork bomb that also signals PID 1 and fills /tmp (bomb-new)
--- request eval
main::create('bomb-new', 'bomb.sh', timeout => 10)
--- more_headers
Content-Type: application/json
X-Fngate-Test-Sign: bob
--- error_code: 201
--- no_error_log
[error]



=== TEST 18: a fork bomb that also signals PID 1 and fills /tmp ends with its call (a function error, at its timeout at the latest); the next call, in the same guest, finds nothing of it: no process, no file in /tmp
--- init
my ($code, $err) = main::bob_call('bomb');
FngateTest::save_output('bomb', join("\n", "bomb status $code",
    "bomb function error $err", main::bob_calls('linger', 'linger')) . "\n");
--- request
GET /t/out/bomb
--- response_body
bomb status 200
bomb function error Unhandled
linger status 200
linger answer "left behind: 0, /tmp/fill: no"\n
--- no_error_log
[error]



