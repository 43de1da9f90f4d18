package FngateTest;

# FngateTest/Logs.pm, part of FngateTest (t/lib/FngateTest.pm loads it;
# its subs are FngateTest::NAME as before): what the stack wrote: the billing log, fngated's log, Redis's
# keys, and the outputs blocks GET back.

use strict;
use warnings;

our ($Region, %Accounts, $JSON);

# The billing lines of ACTION (Invoke, InvokeApi) in the test nginx's
# access.log, as hashes (the JSON of the shipped log_format).
sub billing_lines {
    my $action = shift;
    my $root = $ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot';
    open my $in, '<', "$root/logs/access.log" or return [];
    my @lines;
    while (<$in>) {
        next unless /"action":"\Q$action\E"/;
        my $l = eval { json_decode($_) } or next;
        push @lines, $l;
    }
    close $in;
    return \@lines;
}

sub api_lines { billing_lines('InvokeApi') }

# The billing line of the Invoke with request id RID, once written (nginx
# writes it after the answer: waited for, 10 s at most); {} when none.
sub billing_line {
    my $rid = shift;
    for (1 .. 200) {
        my ($l) = grep { $_->{request_id} eq $rid }
                  @{ billing_lines('Invoke') };
        return $l if $l;
        select undef, undef, undef, 0.05;
    }
    return {};
}

# The billing line of each caller's last Invoke in the test nginx's
# access.log: { CALLER => { billing, owner, kind, vm, alias } } (kind: the
# start_kind).
sub last_invokes {
    my $root = $ENV{TEST_NGINX_SERVER_ROOT} || 't/servroot';
    open my $in, '<', "$root/logs/access.log" or return {};
    my %last;
    while (<$in>) {
        next unless /"action":"Invoke","caller":"(\d+)","billing_account":"(\d+)","owner":"(\d+)".*"start_kind":"([^"]*)","vm":"([^"]*)".*"alias":"([^"]*)"/;
        $last{$1} = { billing => $2, owner => $3, kind => $4, vm => $5,
                      alias => $6 };
    }
    close $in;
    return \%last;
}

sub save_output {
    my ($name, $text) = @_;
    my $root = $ENV{TEST_NGINX_SERVER_ROOT}
               || Cwd::abs_path('t') . '/servroot';
    my $dir = "$root/html";
    mkdir $dir unless -d $dir;
    open my $out, '>', "$dir/$name" or die "$dir/$name: $!";
    print $out $text;
    close $out;
}

# The keys of the test Redis matching each pattern, sorted, one a line.
sub redis_keys {
    my $port = need_env('TEST_NGINX_REDIS_PORT');
    my $out = '';
    for my $pat (@_) {
        my ($rc, $text) = run_cmd("redis-cli -p $port --scan --pattern "
                                  . shell_quote($pat));
        $out .= $text;
    }
    return join("\n", sort split /\n/, $out) . "\n";
}

# Waits up to SECONDS for a line matching RE in the test fngated's log
# after its first SKIP bytes; the matching line, or ''.
sub wait_fngated_log {
    my ($re, $seconds, $skip) = @_;
    return wait_log(fngated_state() . '/fngated/fngated.log', $re, $seconds,
        $skip);
}

# wait_log(FILE, RE, SECONDS, SKIP): the same for any log file.
sub wait_log {
    my ($log, $re, $seconds, $skip) = @_;
    my $until = time + $seconds;
    while (time < $until) {
        my $line = file_has($log, $re, $skip);
        return $line if $line ne '';
        select undef, undef, undef, 0.2;
    }
    return '';
}

# Whether FILE has a line matching RE (after its first SKIP bytes); the
# line, or ''.
sub file_has {
    my ($file, $re, $skip) = @_;
    open my $in, '<', $file or return '';
    seek $in, $skip // 0, 0;
    while (<$in>) {
        return $_ if /$re/;
    }
    close $in;
    return '';
}

1;
