# APIs made of functions, the second part: what t/http_apis.t leaves open.
# Alice publishes "store" (granted, policy caller), "open" (open, policy
# owner) and "priv" (private); Bob is approved, Carol first denied, Dave
# never subscribes.  Access refusals, output that is not a proxy
# response, a failing function, routes to a version and an alias, the
# dedication policies from the VM names of the billing lines, `fngate
# usage` with each filter and across `nginx -s reopen` rotations (one of
# them gzipped) and GetUsage / GetApiUsage (the signed views) against sums
# computed here from the lines, 429 headers
# and lines, the 6 MB limit of the event after base64, and a direct
# Invoke beside the per-account limit of API calls.
#
# The fixture: Alice's functions, "store", "open" and "priv" with their
# routes, Bob and Carol approved on "store" and subscribed to "open"; and
# for the access block "store3" (Carol denied) and "open3" (nobody
# subscribed).  The blocks that create functions or APIs make their own
# (suffix 1, 2).  Each block's billing lines are its own (Test::Nginx
# starts each block with an empty logs/).
use Test::Nginx::Socket;
use FngateTest;
use POSIX ();
use Time::HiRes ();

repeat_each(1);
timeout(180);       # a caller's first call restores its VM (TCG: seconds)
fngate_defaults();

our $ALICE = account('alice')->{AccountId};
our $BOB = account('bob')->{AccountId};
our $CAROL = account('carol')->{AccountId};
our $DAVE = account('dave')->{AccountId};
our $STORE = "/apis/$ALICE/store/prod";
our $OPEN = "/apis/$ALICE/open/prod";
our $ARN = "arn:aws:lambda:us-east-1:$ALICE:api";
our %NAME = ($ALICE => 'alice', $BOB => 'bob', $CAROL => 'carol',
             $DAVE => 'dave');

our %FN = (
    echo  => "#!/bin/sh\ncat\n",
    plain => "#!/bin/sh\ncat >/dev/null\nprintf '%s' '{\"a\":1}'\n",
    str   => "#!/bin/sh\ncat >/dev/null\nprintf '%s' '\"hello\"'\n",
    text  => "#!/bin/sh\ncat >/dev/null\nprintf 'not json'\n",
    fail  => "#!/bin/sh\ncat >/dev/null\necho 'oops' >&2\nexit 3\n",
    ver   => "#!/bin/sh\ncat >/dev/null\n"
             . "printf '{\"v\":\"%s\"}' \"\$AWS_LAMBDA_FUNCTION_VERSION\"\n",
);

# WHO's signed JSON call of the management API: "CODE BODY".
sub mgmt {
    my ($who, $method, $path, $doc) = @_;
    my @args = ('-X', $method);
    push @args, '-H', 'Content-Type: application/json', '--data-binary', $doc
        if defined $doc;
    my $o = FngateTest::curl_sigv4($who, $path, @args);
    my $code = FngateTest::http_code($o);
    $o =~ s/^exit=\d+\n//;
    $o =~ s/\nhttp=\d+\s*$//;
    return "$code $o";
}

# WHO calls METHOD PATH; BODY is the body, or {file => F} a file's bytes:
# { code, body, h => { lowercase name => value } }.
sub call {
    my ($who, $method, $path, $body) = @_;
    my $hf = "/tmp/fngate-apiusage-$$.h";
    my @args = ('-X', $method, '-D', $hf);
    if (ref $body) {
        push @args, '--data-binary', "\@$body->{file}",
            '-H', 'Content-Type: application/octet-stream';
    } elsif (defined $body) {
        push @args, '--data-binary', $body, '-H', 'Content-Type: text/plain';
    }
    my $out = FngateTest::curl_sigv4($who, $path, @args);
    my %h;
    if (open my $in, '<', $hf) {
        while (my $line = <$in>) {
            $line =~ s/\r?\n$//;
            $h{lc $1} = $2 if $line =~ /^([^:\s]+):\s*(.*)$/;
        }
        close $in;
    }
    unlink $hf;
    my $code = FngateTest::http_code($out);
    $out =~ s/^exit=\d+\n//;
    $out =~ s/\nhttp=\d+\s*$//;
    return { code => $code, body => $out, h => \%h };
}

sub code_of { call(@_)->{code} }

sub logdir { ($ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot') . '/logs' }

# The JSON lines of the log FILES (.gz ones through gzip) whose action is
# Invoke or InvokeApi.
sub lines_of {
    my @lines;
    for my $f (@_) {
        my $cmd = $f =~ /\.gz$/ ? "gzip -dc '$f' |" : "< $f";
        open my $in, $cmd or die "$f: $!";
        while (my $line = <$in>) {
            next unless $line =~ /"action":"Invoke(?:Api)?"/;
            my $l = eval { FngateTest::json_decode($line) } or next;
            push @lines, $l;
        }
        close $in;
    }
    return @lines;
}

# The billed ms of a line as the issue defines it: ceil(duration_ms), at
# least 1; 0 when nothing ran.  duration_ms has two decimals: the ceiling
# is taken in hundredths, so no floating point rounding decides it.
sub billed {
    my $l = shift;
    return 0 unless ($l->{duration_ms} // '') =~ /^(\d+)(?:\.(\d{1,2}))?$/;
    my $h = $1 * 100 + (defined $2 ? substr("${2}0", 0, 2) : 0);
    my $ms = int(($h + 99) / 100);
    return $ms < 1 ? 1 : $ms;
}

# Sums of LINES grouped by KEY (a sub of a line): { key => "CALLS MS GBS
# ERRORS COLD" }, GB-seconds with 6 decimals; and "BAD" lines whose own
# billed_ms is not billed() of them.
sub sums {
    my ($key, @lines) = @_;
    my (%s, %out);
    for my $l (@lines) {
        # refused before the module knew the call (authentication, a bad
        # path): billed to nobody, as `fngate usage` counts them
        next if ($l->{billing_account} // '') eq '';
        my $k = $key->($l);
        next unless defined $k;
        my $ms = billed($l);
        my $mb = ($l->{memory_mb} // '') =~ /^\d+$/ ? $l->{memory_mb} : 0;
        $s{$k}{calls}++;
        $s{$k}{ms} += $ms;
        $s{$k}{gbs} += $ms / 1000 * $mb / 1024;
        $s{$k}{err} += ($l->{status} >= 400
                        || ($l->{function_error} // '') ne '') ? 1 : 0;
        $s{$k}{cold} += $l->{cold_start} eq 'true' ? 1 : 0;
        $out{BAD} .= " $l->{request_id}"
            if $ms != (($l->{billed_ms} // '') =~ /^\d+$/ ? $l->{billed_ms} : 0);
    }
    for my $k (keys %s) {
        $out{$k} = join ' ', $s{$k}{calls}, $s{$k}{ms},
            sprintf('%.6f', $s{$k}{gbs}), $s{$k}{err} // 0, $s{$k}{cold} // 0;
    }
    return \%out;
}

# `fngate usage ARGS` as { "ACCOUNT OWNER API" => "CALLS MS GBS ERR COLD" }.
sub usage {
    my $root = FngateTest::fngate_root();
    my ($rc, $out) = FngateTest::run_cmd("$root/util/fngate usage @_");
    return { ERROR => "rc=$rc $out" } if $rc != 0;
    my %rows;
    for (split /\n/, $out) {
        next if /^ACCOUNT/;
        my @f = split ' ';
        $rows{"@f[0..2]"} = "@f[3..7]";
    }
    return \%rows;
}

# "LABEL all right (ROWS)" when usage's rows are the hand sums, or what
# differs; ROWS names the rows by account names.
sub compare {
    my ($label, $got, $want) = @_;
    my @bad;
    push @bad, "billed_ms not ceil(duration_ms):$want->{BAD}" if $want->{BAD};
    my %w = %$want;
    delete $w{BAD};
    for my $k (sort keys %$got) {
        push @bad, "$k: got $got->{$k} want " . ($w{$k} // 'no row')
            unless ($w{$k} // '') eq $got->{$k};
    }
    push @bad, map { "missing $_ ($w{$_})" } grep { !exists $got->{$_} } sort keys %w;
    my $rows = join ',', sort map { join '/', map { $NAME{$_} // $_ } split ' ' } keys %$got;
    return @bad ? "$label BAD @bad" : "$label all right ($rows)";
}

# WHO's GetUsage (PATH /2015-03-31/usage) or GetApiUsage (.../apis/API/
# usage), with QUERY, as usage() gives rows: the signed account's view,
# served by fngated from the same log.
sub usage_api {
    my ($who, $path, $query) = @_;
    my $o = mgmt($who, 'GET', $path . ($query ? "?$query" : ''));
    my ($code, $body) = split ' ', $o, 2;
    return { ERROR => "$code $body" } if $code ne '200';
    my $doc = eval { FngateTest::json_decode($body) } or return { ERROR => $body };
    my %rows;
    for my $u (@{ $doc->{Usage} }) {
        $rows{"$u->{Account} $u->{Owner} $u->{Api}"} = join ' ', $u->{Calls},
            $u->{BilledMs}, sprintf('%.6f', $u->{GBSeconds}), $u->{Errors},
            $u->{ColdStarts};
    }
    $rows{TRUNCATED} = 'yes' if $doc->{Truncated};
    return \%rows;
}

# The shell words that give `fngate usage` this block's log.
sub log_arg { '--log ' . logdir() . '/access.log' }

our $BSLOW = "#!/bin/sh\ncat >/dev/null\nsleep 5\necho '\"b\"'\n";

# Alice's functions NAME.SFX of %FN, "verSFX" published as version 1 with
# the alias "live", Bob's own slow "bslowSFX": "NAME CODE" a line.
sub functions_made {
    my $sfx = shift;
    my @out;
    for my $fn (sort keys %FN) {
        my $o = FngateTest::curl_sigv4('alice', '/2015-03-31/functions',
            '-X', 'POST', '-H', 'Content-Type: application/json',
            '--data-binary', FngateTest::create_function_body(name => "$fn$sfx",
                files => { handler => [0755, $FN{$fn}] }));
        push @out, "$fn$sfx " . FngateTest::http_code($o);
    }
    push @out, 'publish ' . (split ' ', mgmt('alice', 'POST',
        "/2015-03-31/functions/ver$sfx/versions", '{}'))[0];
    push @out, 'alias ' . (split ' ', mgmt('alice', 'POST',
        "/2015-03-31/functions/ver$sfx/aliases",
        '{"Name":"live","FunctionVersion":"1"}'))[0];
    my $o = FngateTest::curl_sigv4('bob', '/2015-03-31/functions',
        '-X', 'POST', '-H', 'Content-Type: application/json',
        '--data-binary', FngateTest::create_function_body(name => "bslow$sfx",
            files => { handler => [0755, $BSLOW] }));
    push @out, "bob bslow$sfx " . FngateTest::http_code($o);
    return @out;
}

# APIs storeSFX (granted, caller), openSFX (open, owner) and privSFX
# (private) with their routes to Alice's functions; Bob and Carol ask to
# subscribe to storeSFX and subscribe to openSFX; Bob approved, Carol
# denied: one line each step, its status first or second.
sub apis_made {
    my $sfx = shift;
    my @out;
    for my $api (['store', 'granted'], ['open', 'open', 'owner'], ['priv']) {
        my %doc = (Name => "$api->[0]$sfx");
        $doc{Access} = $api->[1] if $api->[1];
        $doc{Policy} = $api->[2] if $api->[2];
        my $o = mgmt('alice', 'POST', '/2015-03-31/apis',
                     FngateTest::json_encode(\%doc));
        push @out, "api $api->[0]$sfx " . (split ' ', $o)[0] . ' '
                   . join ',', $o =~ /"(?:Access|Policy)":"(\w+)"/g;
    }
    for my $r (['store', 'GET', '/plain', 'plain'], ['store', 'GET', '/str', 'str'],
               ['store', 'GET', '/text', 'text'], ['store', 'POST', '/fail', 'fail'],
               ['store', 'GET', '/v/one', 'ver', '1'],
               ['store', 'GET', '/v/live', 'ver', 'live'],
               ['store', 'GET', '/v/latest', 'ver'],
               ['store', 'POST', '/big', 'plain'],
               ['open', 'ANY', '/who', 'echo'], ['priv', 'GET', '/x', 'echo']) {
        my %doc = (Method => $r->[1], Path => $r->[2], FunctionName => $r->[3]);
        $doc{Qualifier} = $r->[4] if defined $r->[4];
        my $o = mgmt('alice', 'POST', "/2015-03-31/apis/$r->[0]$sfx/routes",
                     FngateTest::json_encode(\%doc));
        my ($id) = $o =~ /"RouteId":"(\d+)"/;
        push @out, (split ' ', $o)[0] . " $r->[0]$sfx $r->[1] $r->[2] " . ($id // '-');
    }
    for my $who ('bob', 'carol') {
        my $o = mgmt($who, 'POST', '/2015-03-31/subscriptions',
                     qq{{"ApiArn":"$ARN:store$sfx"}});
        push @out, "$who asks " . (split ' ', $o)[0] . ' ' . join ',', $o =~ /"Status":"(\w+)"/;
    }
    for my $who ('bob', 'carol') {
        my $o = mgmt($who, 'POST', '/2015-03-31/subscriptions',
                     qq{{"ApiArn":"$ARN:open$sfx"}});
        push @out, "$who open " . (split ' ', $o)[0] . ' ' . join ',', $o =~ /"Status":"(\w+)"/;
    }
    for (['bob', $BOB, 'approved'], ['carol', $CAROL, 'denied']) {
        my $o = mgmt('alice', 'PUT',
            "/2015-03-31/apis/store$sfx/subscriptions/$_->[1]", qq{{"Status":"$_->[2]"}});
        push @out, "$_->[0] $_->[2] " . (split ' ', $o)[0] . ' '
                   . join ',', $o =~ /"Status":"(\w+)"/;
    }
    return @out;
}

# Dies unless each step of LINES answered 200 or 201.
sub all_made {
    my @bad = grep { !/(?:^| )20[01](?: |$)/ } @_;
    die "fixture: @bad\n" if @bad;
}

fixture(sub {
    all_made(functions_made(''));
    all_made(apis_made(''));
    # as the access block leaves it: Carol approved on "store"
    all_made(mgmt('alice', 'PUT', "/2015-03-31/apis/store/subscriptions/$CAROL",
                  '{"Status":"approved"}'));
    # the access block's: "store3" with Carol denied, "open3" nobody's
    all_made(mgmt('alice', 'POST', '/2015-03-31/apis', '{"Name":"store3","Access":"granted"}'),
             mgmt('alice', 'POST', '/2015-03-31/apis/store3/routes',
                  '{"Method":"GET","Path":"/plain","FunctionName":"plain"}'),
             mgmt('alice', 'POST', '/2015-03-31/apis',
                  '{"Name":"open3","Access":"open","Policy":"owner"}'),
             mgmt('alice', 'POST', '/2015-03-31/apis/open3/routes',
                  '{"Method":"ANY","Path":"/who","FunctionName":"echo"}'),
             mgmt('carol', 'POST', '/2015-03-31/subscriptions',
                  qq{{"ApiArn":"$ARN:store3"}}),
             mgmt('alice', 'PUT', "/2015-03-31/apis/store3/subscriptions/$CAROL",
                  '{"Status":"denied"}'));
});

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;
    my $name = $block->name;
    my %http = $name =~ /429 .*rate/ ? ('rate=20r/s' => 'rate=1r/m') : ();
    $block->set_value('http_config', FngateTest::api_http_config(%http))
        unless defined $block->http_config;
    my %loc;
    %loc = ('burst=40' => 'burst=1') if $name =~ /429 .*rate/;
    %loc = ('fngate_account_conn 50' => 'fngate_account_conn 1')
        if $name =~ /per account/;
    $block->set_value('config', FngateTest::api_config(%loc))
        unless defined $block->config;
});

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: Alice's functions; "ver1" published as version 1 with the alias "live"; Bob's own slow function
--- init
FngateTest::save_output('fns', join("\n", main::functions_made('1')) . "\n");
--- request
GET /t/out/fns
--- response_body
echo1 201
fail1 201
plain1 201
str1 201
text1 201
ver1 201
publish 201
alias 201
bob bslow1 201



=== TEST 2: APIs store2 (granted, caller), open2 (open, owner) and priv2 (private) with their routes; Bob approved, Carol denied
--- init
FngateTest::save_output('apis', join("\n", main::apis_made('2')) . "\n");
--- request
GET /t/out/apis
--- response_body
api store2 201 granted,caller
api open2 201 open,owner
api priv2 201 private,caller
201 store2 GET /plain 1
201 store2 GET /str 2
201 store2 GET /text 3
201 store2 POST /fail 4
201 store2 GET /v/one 5
201 store2 GET /v/live 6
201 store2 GET /v/latest 7
201 store2 POST /big 8
201 open2 ANY /who 1
201 priv2 GET /x 1
bob asks 201 pending
carol asks 201 pending
bob open 201 approved
carol open 201 approved
bob approved 200 approved
carol denied 200 denied



=== TEST 3: access (store3, open3): a denied subscriber is refused, then served once approved; a private API refuses subscriptions; an open API refuses the unsubscribed
--- init
my @out;
my $c = main::call('carol', 'GET', "/apis/$main::ALICE/store3/prod/plain");
push @out, "carol denied $c->{code} $c->{h}{'x-amzn-errortype'} $c->{body}";
my $o = main::mgmt('bob', 'POST', '/2015-03-31/subscriptions',
                   qq{{"ApiArn":"$main::ARN:priv"}});
push @out, "bob subscribes to priv $o";
push @out, 'bob calls priv ' . main::code_of('bob', 'GET', "/apis/$main::ALICE/priv/prod/x");
push @out, 'alice calls priv ' . main::code_of('alice', 'GET', "/apis/$main::ALICE/priv/prod/x");
$c = main::call('dave', 'POST', "/apis/$main::ALICE/open3/prod/who", '{}');
push @out, "dave unsubscribed on open $c->{code} $c->{h}{'x-amzn-errortype'}";
$o = main::mgmt('dave', 'POST', '/2015-03-31/subscriptions',
                qq{{"ApiArn":"$main::ARN:open3"}});
push @out, 'dave subscribes to open ' . join ' ', (split ' ', $o)[0], $o =~ /"Status":"(\w+)"/;
push @out, 'dave on open ' . main::code_of('dave', 'POST', "/apis/$main::ALICE/open3/prod/who", '{}');
$o = main::mgmt('alice', 'PUT', "/2015-03-31/apis/store3/subscriptions/$main::CAROL",
                '{"Status":"approved"}');
push @out, 'carol approved ' . (split ' ', $o)[0];
push @out, 'carol ' . main::code_of('carol', 'GET', "/apis/$main::ALICE/store3/prod/plain");
s/\Q$main::ALICE\E/ALICE/g, s/\Q$main::BOB\E/BOB/g, s/\Q$main::CAROL\E/CAROL/g for @out;
FngateTest::save_output('access', join("\n", @out) . "\n");
--- request
GET /t/out/access
--- response_body
carol denied 403 AccessDeniedException {"Type":"User","message":"User: arn:aws:iam::CAROL:root is not authorized to perform: lambda:InvokeApi on resource: arn:aws:lambda:us-east-1:ALICE:api:store3 because it has no approved subscription"}
bob subscribes to priv 403 {"Type":"User","message":"User: arn:aws:iam::BOB:root is not authorized to subscribe to arn:aws:lambda:us-east-1:ALICE:api:priv: the API is private"}
bob calls priv 403
alice calls priv 200
dave unsubscribed on open 403 AccessDeniedException
dave subscribes to open 201 approved
dave on open 200
carol approved 200
carol 200
--- error_log eval
["may not call api \"store3\" of $main::ALICE: no approved subscription",
 "$main::BOB may not call api \"priv\" of $main::ALICE: private",
 "$main::DAVE may not call api \"open3\" of $main::ALICE: no approved subscription"]



=== TEST 4: output that is not a proxy response is 200 application/json, sent as it is
--- init
my @out;
for my $p ('plain', 'str', 'text') {
    my $c = main::call('bob', 'GET', "$main::STORE/$p");
    push @out, "$p $c->{code} $c->{h}{'content-type'} $c->{body}";
}
FngateTest::save_output('plain', join("\n", @out) . "\n");
--- request
GET /t/out/plain
--- response_body
plain 200 application/json {"a":1}
str 200 application/json "hello"
text 200 application/json not json
--- no_error_log
[error]



=== TEST 5: a route's qualifier: a version and an alias run version 1, no qualifier $LATEST (body, header and billing line)
--- init
my @out;
for my $p ('one', 'live', 'latest') {
    my $c = main::call('bob', 'GET', "$main::STORE/v/$p");
    my ($l) = grep { $_->{request_id} eq ($c->{h}{'x-amzn-requestid'} // '') }
              main::lines_of(main::logdir() . '/access.log');
    push @out, "$p $c->{code} $c->{body} header "
        . ($c->{h}{'x-amz-executed-version'} // 'none')
        . ' line ' . ($l ? "$l->{qualifier} $l->{version}" : 'none');
}
FngateTest::save_output('ver', join("\n", @out) . "\n");
--- request
GET /t/out/ver
--- response_body
one 200 {"v":"1"} header 1 line 1 1
live 200 {"v":"1"} header 1 line live 1
latest 200 {"v":"$LATEST"} header $LATEST line  $LATEST
--- no_error_log
[error]



=== TEST 6: a failing function is 502 naming the route; its billing line is billed and counts as an error in usage
--- init
my @out;
my $c = main::call('bob', 'POST', "$main::STORE/fail", 'x');
(my $body = $c->{body}) =~ s/RequestId: [0-9a-f-]{36}/RequestId: ID/;
push @out, "$c->{code} $c->{h}{'x-amzn-errortype'} "
    . ($c->{h}{'x-amz-function-error'} // 'no function error') . " $body";
my @l = grep { $_->{caller} eq $main::BOB } main::lines_of(main::logdir() . '/access.log');
push @out, 'lines ' . scalar(@l);
push @out, "line $l[0]{status} $l[0]{function_error} route $l[0]{route} billed "
    . ($l[0]{billed_ms} =~ /^[1-9]\d*$/ ? 'yes' : "no ($l[0]{billed_ms})")
    . ' vm ' . ($l[0]{vm} ne '' ? 'named' : 'none') if @l;
my $want = main::sums(sub { "$_[0]{billing_account} * *" }, @l);
push @out, main::compare('usage', main::usage(main::log_arg(), "--account $main::BOB"), $want);
push @out, 'errors ' . (split ' ', main::usage(main::log_arg(), "--account $main::BOB")->{"$main::BOB * *"} // '- - - -')[3];
FngateTest::save_output('fail', join("\n", @out) . "\n");
--- request
GET /t/out/fail
--- response_body
502 ServiceException Unhandled {"Type":"Service","message":"The function of route 4 failed: Runtime.ExitError: RequestId: ID Error: Runtime exited with error: exit status 3"}
lines 1
line 502 Unhandled route 4 billed yes vm named
usage all right (bob/*/*)
errors 1



=== TEST 7: dedication: "caller" lines say caller and no VM served both Bob and Carol; "owner" lines say owner and ran in Alice's VMs, one serving both
--- init
for (1 .. 2) {
    for my $who ('bob', 'carol') {
        main::call($who, 'GET', "$main::STORE/plain");
        main::call($who, 'POST', "$main::OPEN/who", '{}');
    }
}
main::call('alice', 'GET', "$main::STORE/plain");
my @l = grep { $_->{status} eq '200' } main::lines_of(main::logdir() . '/access.log');
my (%vms, %pol, %key);
for my $l (@l) {
    my $who = $main::NAME{$l->{caller}};
    $vms{$l->{api}}{$who}{$l->{vm}} = 1;
    $pol{"$l->{api} $l->{policy}"} = 1;
    $key{"$l->{api} $who " . ($main::NAME{$l->{pool_key}} // $l->{pool_key})} = 1;
}
my @out = ('lines ' . scalar(@l), 'policies ' . join(',', sort keys %pol),
           'pool keys ' . join(',', sort keys %key));
my %store_bob = %{ $vms{store}{bob} // {} };
my %store_carol = %{ $vms{store}{carol} // {} };
my %alice = %{ $vms{store}{alice} // {} };
push @out, 'store bob and carol share ' . scalar(grep { $store_carol{$_} } keys %store_bob) . ' of '
           . scalar(keys %store_bob) . '+' . scalar(keys %store_carol);
my @open = map { keys %{ $vms{open}{$_} // {} } } 'bob', 'carol';
push @out, 'open vms in bob\'s or carol\'s own ' . scalar(grep { $store_bob{$_} || $store_carol{$_} } @open);
push @out, 'open vms not alice\'s ' . scalar(grep { !$alice{$_} } @open) . ' of ' . scalar(@open);
push @out, 'open vms that served both ' . (grep({ $vms{open}{carol}{$_} } keys %{ $vms{open}{bob} // {} }) ? 'some' : 'none');
FngateTest::save_output('ded', join("\n", @out) . "\n");
--- request
GET /t/out/ded
--- response_body
lines 9
policies open owner,store caller
pool keys open bob alice,open carol alice,store alice alice,store bob bob,store carol carol
store bob and carol share 0 of 1+1
open vms in bob's or carol's own 0
open vms not alice's 0 of 2
open vms that served both some
--- no_error_log
[error]



=== TEST 8: usage: each filter (--since, --until, --account, --by owner, --by api, --as) and GetUsage / GetApiUsage against sums of the lines
--- init
my $log = main::logdir() . '/access.log';
my @t0 = map { main::call($_->[0], 'GET', "$main::STORE/$_->[1]") }
    ['bob', 'plain'], ['bob', 'v/one'], ['carol', 'plain'];
main::call('bob', 'POST', "$main::OPEN/who", '{}');
main::call('bob', 'POST', "$main::STORE/fail", 'x');
main::call('dave', 'GET', "$main::STORE/plain");   # refused: an error of Dave's
my $o = main::mgmt('bob', 'POST', '/2015-03-31/functions/bslow/invocations', '{}');
my $mid = sprintf '%.3f', Time::HiRes::time();
main::call('carol', 'POST', "$main::OPEN/who", '{}');
main::call('carol', 'GET', "$main::STORE/v/live");
main::call('bob', 'GET', "$main::STORE/str");
main::call('alice', 'GET', "$main::STORE/plain");
my @l = main::lines_of($log);
my @out = ('lines ' . scalar(@l) . ' bob invoke ' . (split ' ', $o)[0]);
my $acct = sub { "$_[0]{billing_account} * *" };
my $own = sub { "$_[0]{billing_account} $_[0]{owner} *" };
my $api = sub { "$_[0]{billing_account} $_[0]{owner} " . ($_[0]{api} eq '' ? '-' : $_[0]{api}) };
my $L = main::log_arg();
push @out, main::compare('by account', main::usage($L), main::sums($acct, @l));
push @out, main::compare('since', main::usage($L, "--since $mid"),
    main::sums($acct, grep { $_->{msec} >= $mid } @l));
push @out, main::compare('until', main::usage($L, "--until $mid"),
    main::sums($acct, grep { $_->{msec} < $mid } @l));
push @out, main::compare('by owner', main::usage($L, '--by owner'), main::sums($own, @l));
push @out, main::compare('bob by owner', main::usage($L, "--by owner --account $main::BOB"),
    main::sums($own, grep { $_->{billing_account} eq $main::BOB } @l));
push @out, main::compare('carol since by api', main::usage($L, "--by api --account $main::CAROL --since $mid"),
    main::sums($api, grep { $_->{billing_account} eq $main::CAROL && $_->{msec} >= $mid } @l));
push @out, main::compare('as alice', main::usage($L, "--by api --as $main::ALICE"),
    main::sums($api, grep { $_->{owner} eq $main::ALICE || $_->{billing_account} eq $main::ALICE } @l));
push @out, main::compare('as bob', main::usage($L, "--by api --as $main::BOB"),
    main::sums($api, grep { $_->{billing_account} eq $main::BOB } @l));
push @out, main::compare('as carol until', main::usage($L, "--by api --as $main::CAROL --until $mid"),
    main::sums($api, grep { $_->{billing_account} eq $main::CAROL && $_->{msec} < $mid } @l));
push @out, main::compare('GetUsage bob', main::usage_api('bob', '/2015-03-31/usage'),
    main::sums($api, grep { $_->{billing_account} eq $main::BOB } @l));
push @out, main::compare('GetUsage carol since', main::usage_api('carol', '/2015-03-31/usage', "Since=$mid"),
    main::sums($api, grep { $_->{billing_account} eq $main::CAROL && $_->{msec} >= $mid } @l));
push @out, main::compare('GetUsage carol until', main::usage_api('carol', '/2015-03-31/usage', "Until=$mid"),
    main::sums($api, grep { $_->{billing_account} eq $main::CAROL && $_->{msec} < $mid } @l));
push @out, main::compare('GetApiUsage alice store', main::usage_api('alice', '/2015-03-31/apis/store/usage'),
    main::sums($api, grep { $_->{owner} eq $main::ALICE && $_->{api} eq 'store' } @l));
push @out, main::compare('GetApiUsage bob store', main::usage_api('bob', '/2015-03-31/apis/store/usage'), {});
push @out, 'GetUsage bad Since ' . (split ' ', main::mgmt('bob', 'GET', '/2015-03-31/usage?Since=yesterday'))[0];
push @out, 'GetUsage POST ' . (split ' ', main::mgmt('bob', 'POST', '/2015-03-31/usage', '{}'))[0];
FngateTest::save_output('usage', join("\n", @out) . "\n");
--- request
GET /t/out/usage
--- response_body
lines 11 bob invoke 200
by account all right (alice/*/*,bob/*/*,carol/*/*,dave/*/*)
since all right (alice/*/*,bob/*/*,carol/*/*)
until all right (bob/*/*,carol/*/*,dave/*/*)
by owner all right (alice/alice/*,bob/alice/*,bob/bob/*,carol/alice/*,dave/alice/*)
bob by owner all right (bob/alice/*,bob/bob/*)
carol since by api all right (carol/alice/open,carol/alice/store)
as alice all right (alice/alice/store,bob/alice/open,bob/alice/store,carol/alice/open,carol/alice/store,dave/alice/store)
as bob all right (bob/alice/open,bob/alice/store,bob/bob/-)
as carol until all right (carol/alice/store)
GetUsage bob all right (bob/alice/open,bob/alice/store,bob/bob/-)
GetUsage carol since all right (carol/alice/open,carol/alice/store)
GetUsage carol until all right (carol/alice/store)
GetApiUsage alice store all right (alice/alice/store,bob/alice/store,carol/alice/store,dave/alice/store)
GetApiUsage bob store all right ()
GetUsage bad Since 400
GetUsage POST 405



=== TEST 9: usage across rotations: `nginx -s reopen` after moving the log, twice, the older file gzipped; fngate usage and GetUsage / GetApiUsage
--- init
my $dir = main::logdir();
my $root = $ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot';
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my @out;
# calls; then the log moved to NAME and nginx told to reopen; calls until
# one lands in the new log (the worker reopens at its next event)
my $rotate = sub {
    my ($to) = @_;
    rename "$dir/access.log", "$dir/$to" or die "rename: $!";
    my ($rc, $o) = FngateTest::run_cmd("$nginx -p $root/ -c $root/conf/nginx.conf -s reopen");
    push @out, "reopen rc=$rc";
    for (1 .. 50) {
        main::call('carol', 'GET', "$main::STORE/plain");
        last if -s "$dir/access.log";
    }
    push @out, 'new log ' . (-s "$dir/access.log" ? 'written' : 'empty');
};
main::call($_, 'GET', "$main::STORE/plain") for 'bob', 'carol';
main::call('bob', 'POST', "$main::OPEN/who", '{}');
$rotate->('access.log.2');
main::call('bob', 'GET', "$main::STORE/v/one");
$rotate->('access.log.1');
system('gzip', "$dir/access.log.2") == 0 or die "gzip failed";
main::call('bob', 'POST', "$main::STORE/fail", 'x');
main::call('carol', 'POST', "$main::OPEN/who", '{}');
my @files = map { "$dir/$_" } 'access.log.2.gz', 'access.log.1', 'access.log';
push @out, 'files ' . join ',', map { -s $_ ? 'some' : 'none' } @files;
my @l = main::lines_of(@files);
my $L = main::log_arg();
push @out, main::compare('by account', main::usage($L),
    main::sums(sub { "$_[0]{billing_account} * *" }, @l));
push @out, main::compare('as alice by api', main::usage($L, "--by api --as $main::ALICE"),
    main::sums(sub { "$_[0]{billing_account} $_[0]{owner} $_[0]{api}" }, @l));
push @out, main::compare('as bob by api', main::usage($L, "--by api --as $main::BOB"),
    main::sums(sub { "$_[0]{billing_account} $_[0]{owner} $_[0]{api}" },
               grep { $_->{billing_account} eq $main::BOB } @l));
push @out, main::compare('GetUsage bob', main::usage_api('bob', '/2015-03-31/usage'),
    main::sums(sub { "$_[0]{billing_account} $_[0]{owner} $_[0]{api}" },
               grep { $_->{billing_account} eq $main::BOB } @l));
push @out, main::compare('GetApiUsage alice open', main::usage_api('alice', '/2015-03-31/apis/open/usage'),
    main::sums(sub { "$_[0]{billing_account} $_[0]{owner} $_[0]{api}" },
               grep { $_->{api} eq 'open' } @l));
FngateTest::save_output('rot', join("\n", @out) . "\n");
--- request
GET /t/out/rot
--- response_body
reopen rc=0
new log written
reopen rc=0
new log written
files some,some,some
by account all right (bob/*/*,carol/*/*)
as alice by api all right (bob/alice/open,bob/alice/store,carol/alice/open,carol/alice/store)
as bob by api all right (bob/alice/open,bob/alice/store)
GetUsage bob all right (bob/alice/open,bob/alice/store)
GetApiUsage alice open all right (bob/alice/open,carol/alice/open)



=== TEST 10: 429 under a rate limit: Retry-After and TooManyRequestsException on each, one billing line with status 429 each
--- init
my @r = map { main::call('bob', 'GET', "$main::STORE/plain") } 1 .. 5;
my @out = ('codes ' . join ' ', map { $_->{code} } @r);
my @t = grep { $_->{code} eq '429' } @r;
push @out, "429 $_->{h}{'x-amzn-errortype'} retry-after $_->{h}{'retry-after'} $_->{body}" for @t;
my @l = grep { $_->{caller} eq $main::BOB && $_->{status} eq '429' }
        main::lines_of(main::logdir() . '/access.log');
push @out, 'client 429s ' . scalar(@t) . ', 429 lines ' . scalar(@l)
           . ', of them with a request id the client got '
           . scalar(grep { my $l = $_; grep { ($_->{h}{'x-amzn-requestid'} // '') eq $l->{request_id} } @t } @l);
push @out, 'carol ' . main::code_of('carol', 'GET', "$main::STORE/plain");
push @out, main::compare('usage', main::usage(main::log_arg(), "--account $main::BOB"),
    main::sums(sub { "$_[0]{billing_account} * *" }, grep { $_->{billing_account} eq $main::BOB }
               main::lines_of(main::logdir() . '/access.log')));
FngateTest::save_output('rate', join("\n", @out) . "\n");
--- request
GET /t/out/rate
--- response_body
codes 200 200 429 429 429
429 TooManyRequestsException retry-after 1 {"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}
429 TooManyRequestsException retry-after 1 {"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}
429 TooManyRequestsException retry-after 1 {"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}
client 429s 3, 429 lines 3, of them with a request id the client got 3
carol 200
usage all right (bob/*/*)



=== TEST 11: the 6 MB limit is the event's, after base64: a binary body that encodes past it is 413, one just under runs
--- init
my @out;
my $f = "/tmp/fngate-apiusage-big-$$";
for my $n (4_800_000, 4_400_000) {
    open my $o, '>', $f or die "$f: $!";
    print $o "\xff" x $n;           # not UTF-8: the event carries base64
    close $o;
    my $c = main::call('bob', 'POST', "$main::STORE/big", { file => $f });
    push @out, "$n bytes (base64 " . 4 * int(($n + 2) / 3) . ") $c->{code} "
        . ($c->{h}{'x-amzn-errortype'} // '-') . " $c->{body}";
}
unlink $f;
FngateTest::save_output('big', join("\n", @out) . "\n");
--- request
GET /t/out/big
--- response_body
4800000 bytes (base64 6400000) 413 RequestTooLargeException {"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeApi operation (the event, with a base64 body)"}
4400000 bytes (base64 5866668) 200 - {"a":1}



=== TEST 12: per account: Bob's direct Invoke does not count toward his API calls at once on the host (fngate_account_conn 1)
--- init
my $html = ($ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot') . '/html';
# Bob's Invoke of bslow in a child, and his two API calls while it runs
my $round = sub {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        FngateTest::save_output('inv', (split ' ', main::mgmt('bob', 'POST',
            '/2015-03-31/functions/bslow/invocations', '{}'))[0]);
        POSIX::_exit(0);
    }
    # the Invoke is in flight once nginx has taken it to fngated: its VM is
    # busy (bslow sleeps 5 s); the API calls below must overlap it, which the
    # lines' times then show
    Time::HiRes::sleep(0.5);
    my @api = (main::code_of('bob', 'POST', "$main::OPEN/who", '{}'),
               main::code_of('bob', 'GET', "$main::STORE/plain"));
    waitpid $pid, 0;
    return @api;
};
# once first, unmeasured: the calls then find the VMs they need running
# (Bob's second one, Alice's) rather than wait for them to boot, whichever
# blocks ran before
$round->();
my $mark = Time::HiRes::time();
my ($api, $api2) = $round->();
open my $in, '<', "$html/inv" or die "inv: $!";
my $inv = <$in>;
my @l = grep { $_->{msec} > $mark } main::lines_of(main::logdir() . '/access.log');
my ($i) = grep { $_->{action} eq 'Invoke' } @l;
my @a = grep { $_->{action} eq 'InvokeApi' } @l;
my $overlap = $i && @a == 2 && !grep { $_->{msec} > $i->{msec}
    || $_->{msec} - $_->{request_time} < $i->{msec} - $i->{request_time} } @a;
FngateTest::save_output('acct', "invoke $inv, api calls $api $api2, "
    . ($overlap ? 'during the invoke' : 'not during the invoke') . "\n");
--- request
GET /t/out/acct
--- response_body
invoke 200, api calls 200 200, during the invoke
