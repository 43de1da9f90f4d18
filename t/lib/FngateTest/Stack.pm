package FngateTest;

# FngateTest/Stack.pm, part of FngateTest (t/lib/FngateTest.pm loads it;
# its subs are FngateTest::NAME as before): the test fngated's state, and a second fngated of a block's own
# (own_fngated).

use strict;
use warnings;

our ($Region, %Accounts, $JSON);

# The test fngated's state directory (its log, its VMs' snapshot).
sub fngated_state {
    my $sock = need_env('TEST_NGINX_FNGATED_SOCKET');
    return File::Basename::dirname(File::Basename::dirname($sock));
}

# The command line of a fngated (the test one's, or the one whose
# fngated.args is in DIR, such as own_fngated's state), with SET's keys
# as its -o overrides (its own given again, ours over them, in order):
# (BINARY, ARGS...).
sub fngated_command {
    my ($dir, %set) = @_;
    $dir //= fngated_state() . '/fngated';
    open my $in, '<', "$dir/fngated.args" or die "$dir/fngated.args: $!";
    chomp(my ($bin, @args) = <$in>);
    close $in;
    my (@order, %opt, @cmd);
    while (@args) {
        my ($flag, $v) = splice @args, 0, 2;
        if ($flag eq '-o' && $v =~ /^([a-z_]+)=(.*)$/) {
            push @order, $1 unless exists $opt{$1};
            $opt{$1} = $2;
        } else {
            push @cmd, $flag, $v;
        }
    }
    for my $key (sort keys %set) {
        push @order, $key unless exists $opt{$key};
        $opt{$key} = $set{$key};
    }
    return ($bin, @cmd, map { ('-o', "$_=$opt{$_}") } @order);
}

# A second fngated beside the test one, for blocks that need other pool
# settings: own_fngated(KEY => VALUE, ...) stops the one started before
# (if any) and starts one with the test fngated's command line
# (fngated/fngated.args, which util/stack.sh leaves: conf/fngated.conf
# and its -o overrides) and these keys as -o overrides too, its own
# socket, pid file, state directory (seeded with the test fngated's
# snapshot and accelerator probe, which fit the same VM settings) and VM
# name prefix (the test one's + "p").  Returns { sock, log, state } once
# it is ready (its pid file written).  Stopped at exit.
our $Own;

sub own_fngated {
    my %set = @_;
    stop_own_fngated();
    my $main = fngated_state();
    my $state = "$main/own";
    system('rm', '-rf', $state);
    mkdir $_ or die "$_: $!" for $state, "$state/vm";
    for my $f (qw(snapshot.img snapshot.key accel-probe)) {
        system('cp', "$main/vm/$f", "$state/vm/$f") if -s "$main/vm/$f";
    }
    my $prefix = fngated_key('name_prefix')
        or die "no name_prefix in fngated.args";
    my ($bin, @cmd) = fngated_command(undef,
        listen => "unix:$state/fngated.sock", state_dir => "$state/vm",
        pid_file => "$state/fngated.pid", name_prefix => "${prefix}p",
        %set);
    open my $out, '>', "$state/fngated.args" or die "$state: $!";
    print $out map { "$_\n" } $bin, @cmd;
    close $out;
    return own_fngated_spawn($state);
}

# The own fngated killed (SIGKILL: no clean stop) and started again with
# the same command line and state directory, as a host's fngated that
# crashed and came back; WHILE_DOWN (if given) is called with the state
# directory in between.  Ready as own_fngated's.
sub restart_own_fngated {
    my $while_down = shift;
    die "no own fngated to restart" unless $Own && $Own->{parent} == $$;
    kill 'KILL', $Own->{pid};
    waitpid $Own->{pid}, 0;
    unlink "$Own->{state}/fngated.pid";
    $while_down->($Own->{state}) if $while_down;
    return own_fngated_spawn($Own->{state});
}

# Starts the fngated of STATE/fngated.args, logging to STATE/fngated.log,
# and waits for its pid file.
sub own_fngated_spawn {
    my $state = shift;
    open my $in, '<', "$state/fngated.args" or die "$state/fngated.args: $!";
    chomp(my ($bin, @cmd) = <$in>);
    close $in;
    my $log = "$state/fngated.log";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        exec $bin, @cmd or POSIX::_exit(127);
    }
    $Own = { pid => $pid, sock => "$state/fngated.sock", log => $log,
             state => $state, parent => $$ };
    # its readiness: fngated writes its pid file once its socket listens
    # and its pool is up (util/run-tests.sh stops it by that file, should
    # the test be killed before its END)
    for (1 .. 1200) {
        last if -s "$state/fngated.pid";
        die "own fngated exited; see $log" if waitpid($pid, POSIX::WNOHANG()) > 0;
        select undef, undef, undef, 0.1;
    }
    return $Own;
}

# The value of KEY of the test fngated (or of the one whose fngated.args
# is in DIR, such as own_fngated's state): its -o, else its -c file's
# line; '' when neither has it.
sub fngated_key {
    my ($key, $dir) = @_;
    $dir //= fngated_state() . '/fngated';
    open my $in, '<', "$dir/fngated.args" or die "$dir/fngated.args: $!";
    chomp(my (undef, @args) = <$in>);
    close $in;
    my $file;
    while (my ($flag, $v) = splice @args, 0, 2) {
        return $1 if $flag eq '-o' && $v =~ /^\Q$key\E=(.*)$/;
        $file = $v if $flag eq '-c';
    }
    open my $conf, '<', $file or die "$file: $!";
    while (<$conf>) {
        return $1 if /^\Q$key\E\s*=\s*(.*?)\s*$/;
    }
    return '';
}

sub stop_own_fngated {
    # (forked children of the test inherit $Own: only its starter stops it)
    return unless $Own && $Own->{parent} == $$;
    kill 'TERM', $Own->{pid};
    waitpid $Own->{pid}, 0;
    $Own = undef;
}

END { stop_own_fngated() }

1;
