package Test::Nginx::Socket;

# fngate's stand-in for Test::Nginx::Socket (openresty/test-nginx), used
# only when the real one is not found, or when FNGATE_TEST_NGINX=fallback
# asks for it (see t/lib/Test/Nginx/Socket.pm).  It is written for fngate
# (no code of upstream's is in it) on Debian's Test::Base, and implements
# the part of Test::Nginx::Socket that fngate's tests use with upstream's
# semantics (checked against upstream 0.33, commit cf245a0, 2026-03-24):
# a block runs the same tests, in the same order, with the same pass/fail
# outcome under both, so `plan tests => ...` is the same number.
#
# Functions:
#   plan (Test::Base's); run_tests; repeat_each; no_shuffle; timeout;
#   log_level; workers; worker_connections; master_on/off;
#   master_process_enabled; server_port; server_port_for_client;
#   server_addr; server_name; server_root; html_dir; env_to_nginx;
#   no_long_string; no_root_location; config_preamble;
#   add_block_preprocessor; add_cleanup_handler; add_test_cleanup_handler;
#   add_response_body_check; bail_out; is_str; check_accum_error_log.
#   (use_hup and no_nginx_manager bail out: not implemented.)
#
# Sections (any other section in a block is refused with a bail-out, so
# nothing a test says is ever silently ignored):
#   SKIP ONLY LAST        Test::Base's: SKIP drops the block; ONLY runs only
#                         that block; LAST stops after it.
#   main_config http_config config post_main_config server_name
#                         the generated nginx.conf (upstream's template:
#                         temp paths in the server root, keepalive_timeout
#                         68000ms, client_max_body_size 30M, the root
#                         location unless no_root_location);
#                         $TEST_NGINX_* expanded; TEST_NGINX_LOAD_MODULES
#                         go before main_config.  nginx is restarted for
#                         every block that has a config (upstream's
#                         TEST_NGINX_FORCE_RESTART_ON_TEST defaults to 1;
#                         0 restarts only when the config changed); a block
#                         without one reuses the running nginx as it is.
#   user_files (">>> name [date]" parts; written again for each repeat)
#   init (Perl, after nginx starts, once per block)   log_level   timeout
#   wait (seconds slept before each log check)
#   request               a string, or an array of strings (one connection
#                         each); "METHOD [URI [VERSION]]" then the body;
#                         leading comment/blank lines of a string dropped;
#                         Host (server_name(), localhost) and
#                         Connection: close added
#                         unless more_headers has them; a body gets a
#                         Content-Length (and is trimmed) unless
#                         more_headers has "Content-Length:" (case as
#                         written) or "Transfer-Encoding: chunked".
#                         (Arrays of packets are not implemented: refused.)
#   raw_request           sent as is (an array: its parts in turn, with
#   raw_request_middle_delay   seconds between them)
#   pipelined_requests    an array, all sent on one connection (keep-alive,
#                         the last "Connection: close"), the responses
#                         checked in turn
#   more_headers          a string, or an array (one per request)
#   ignore_response       no status/header/body checks and no access_log
#                         ones (error_log ones still run)
#   abort                 a client timeout is not a failure
#   error_code (default 200, compared as written)   error_code_like
#   response_headers      "Name: value" exact; "!Name" absent from the raw
#                         header block; names are a hash (a name given
#                         twice is checked once)
#   response_headers_like "Name: regex", anchored ^...$ -- applied ONLY
#                         when the block has no response_headers
#   raw_response_headers_like / raw_response_headers_unlike
#                         one regex (/s) on the raw header block
#   response_body (a string compared whole, or an eval'd qr//; $ServerPort
#                         and $TEST_NGINX_* expanded)
#   response_body_like / response_body_unlike (one regex, /s; _like wins
#                         over _unlike; unused when response_body is given)
#   error_log / no_error_log / access_log / no_access_log
#                         one pattern a line (substring), or eval'd qr// or
#                         an array of them; checked after every request of
#                         the block, error.log from where the previous check
#                         stopped (unless check_accum_error_log); a
#                         no_*_log pattern fails once for every line it
#                         matches.  [alert]/[crit]/[emerg] lines warn unless
#                         a pattern mentions them; "Assertion ... failed"
#                         lines fail.
#
# Tests per request: 1 status (unless ignore_response), 1 per
# raw_response_headers_like/unlike, 1 per distinct header name of
# response_headers (else of response_headers_like), 1 for the body section;
# and after each request 1 per log pattern.  Expected values given as
# arrays are indexed by request, and must be arrays when a block sends more
# than one request (as upstream, a bail-out otherwise).  A client timeout
# (the block's timeout, idle time between reads) is a failed test, unless
# abort.  A chunked body that does not parse is a failed test.
# FngateTest::count_tests() counts the same way.  util/test-nginx-parity.sh
# compares this file with upstream's, check by check, on t/parity/*.t: add a
# block there for what you add here.

use strict;
use warnings;

use Test::Base -base;

use File::Path qw(make_path remove_tree);
use File::Spec ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use List::Util qw(shuffle min);
use POSIX qw(SIGQUIT SIGTERM SIGKILL WNOHANG EAGAIN);
use Time::HiRes qw(sleep time);

my $HaveLongString = eval { require Test::LongString; 1 };

our @EXPORT = qw(
    run_tests run_test repeat_each no_shuffle timeout log_level workers
    master_on master_off master_process_enabled worker_connections
    server_port server_port_for_client server_root html_dir server_name
    server_addr env_to_nginx no_long_string no_root_location
    config_preamble add_block_preprocessor add_cleanup_handler
    add_test_cleanup_handler add_response_body_check bail_out is_str
    check_accum_error_log no_nginx_manager use_hup
);

# The sections this file implements (see the header).
our %Sections = map { $_ => 1 } qw(
    SKIP ONLY LAST
    main_config http_config config post_main_config server_name
    user_files init log_level timeout wait
    request raw_request raw_request_middle_delay pipelined_requests
    more_headers ignore_response abort
    error_code error_code_like response_headers response_headers_like
    raw_response_headers_like raw_response_headers_unlike
    response_body response_body_like response_body_unlike
    error_log no_error_log access_log no_access_log
);

our $RepeatEach    = 1;
our $NoShuffle     = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $Timeout       = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $LogLevel      = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $Workers       = 1;
our $WorkerConnections = 64;
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled = 'on';
our $NginxBinary   = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $ServerAddr    = '127.0.0.1';
our $ServerName    = 'localhost';
our $ServerPort    = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                     || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoLongString  = 0;
our $NoRootLocation = 0;
our $ConfigPreamble = '';
our $TestNginxSleep = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $CheckAccumErrLog = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $ForceRestart  = defined $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST}
                     ? $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST} : 1;
our $LoadModules   = $ENV{TEST_NGINX_LOAD_MODULES};
our $EventType     = $ENV{TEST_NGINX_EVENT_TYPE};
our $WorkerUser    = $ENV{TEST_NGINX_WORKER_USER};
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our @TestCleanupHandlers;
our @ResponseBodyChecks;
our $PrevConfig;
our $ErrLogFilePos = 0;
our $ConnectFailures = 0;

our $ServRoot = $ENV{TEST_NGINX_SERVROOT}
                || File::Spec->rel2abs('t/servroot');
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = "$ServRoot/logs";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $HtmlDir    = "$ServRoot/html";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $PidFile    = "$LogDir/nginx.pid";
our $CacheDir   = "$ServRoot/cache";

sub repeat_each { $RepeatEach = shift if @_; return $RepeatEach }
sub no_shuffle () { $NoShuffle = 1 }
sub timeout { $Timeout = shift if @_; return $Timeout }
sub log_level { $LogLevel = shift if @_; return $LogLevel }
sub workers { $Workers = shift if @_; return $Workers }
sub worker_connections {
    $WorkerConnections = shift if @_;
    return $WorkerConnections;
}
sub master_on () { $MasterProcessEnabled = 'on' }
sub master_off () { $MasterProcessEnabled = 'off' }
sub master_process_enabled {
    $MasterProcessEnabled = (shift() ? 'on' : 'off') if @_;
    return $MasterProcessEnabled;
}
sub server_port { $ServerPort = shift if @_; return $ServerPort }
sub server_port_for_client {
    $ServerPortForClient = shift if @_;
    return $ServerPortForClient;
}
sub server_root () { $ServRoot }
sub html_dir () { $HtmlDir }
sub server_name { $ServerName = shift if @_; return $ServerName }
sub server_addr { $ServerAddr = shift if @_; return $ServerAddr }
sub no_long_string () { $NoLongString = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub config_preamble ($) { $ConfigPreamble = shift }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($) { unshift @CleanupHandlers, shift }
sub add_test_cleanup_handler ($) { unshift @TestCleanupHandlers, shift }
sub add_response_body_check ($) { push @ResponseBodyChecks, shift }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }

sub env_to_nginx {
    die "env_to_nginx: no arguments specified\n" unless @_;
    for my $v (@_) {
        die "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub unsupported ($) {
    bail_out("$_[0] is not implemented by fngate's fallback "
             . "Test::Nginx::Socket (t/lib/fallback); use upstream's");
}
sub use_hup () { unsupported('use_hup') }
sub no_nginx_manager () { unsupported('no_nginx_manager') }

sub is_str {
    my ($got, $expected, $desc) = @_;
    return Test::More::like($got, $expected, $desc)
        if ref $expected && ref $expected eq 'Regexp';
    return same_string($got, $expected, $desc);
}

# Test::LongString's is_string where installed (as upstream), unless
# no_long_string().
sub same_string ($$$) {
    my ($got, $expected, $desc) = @_;
    return Test::LongString::is_string($got, $expected, $desc)
        if $HaveLongString && !$NoLongString;
    return Test::More::is($got, $expected, $desc);
}

sub bail_out {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub no_ending () { Test::More->builder->no_ending(1) }

sub parse_time ($) {
    my $t = shift;
    return undef unless defined $t;
    if ($t =~ s/([^_a-zA-Z])ms$/$1/) {
        return $t / 1000;
    }
    $t =~ s/([^_a-zA-Z])s$/$1/;
    return $t;
}

sub fmt_str ($) {
    my $s = shift;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

# upstream's summary of a body in a test's name: one line, single spaces
sub one_line ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /g;
    $s =~ s/\s{2,}/ /g;
    return $s;
}

sub expand_env_in_text ($$) {
    my ($text, $name) = @_;
    return undef unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        defined $ENV{$1} ? $ENV{$1}
                         : bail_out("$name - No environment $1 defined.\n")
    }eg;
    return $text;
}

sub check_sections ($) {
    my $block = shift;
    for my $sec (@{ $block->{_section_order}[0] || [] }) {
        next if $Sections{$sec};
        bail_out($block->name . " - section --- $sec is not implemented by "
                 . "fngate's fallback Test::Nginx::Socket (t/lib/fallback); "
                 . "implement it there with upstream's semantics, or run "
                 . "under upstream's Test::Nginx");
    }
}

sub run_tests () {
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', $0 . ' ' . $block->name);
        run_test($block);
        $_->($block) for @TestCleanupHandlers;
    }

    cleanup();
}

# As upstream: the last nginx is stopped when the test script ends, however
# it ends (unless TEST_NGINX_NO_CLEAN).
my $MainPid = $$;
END {
    if ($$ == $MainPid) {
        local $?;
        cleanup();
        stop_nginx('END') unless $ENV{TEST_NGINX_NO_CLEAN};
    }
}

# nginx

# A daemonised nginx is not our child; where nothing reaps orphans (a
# container without an init) it lingers as a zombie, which is not running.
sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid && kill(0, $pid);
    if (open my $st, '<', "/proc/$pid/stat") {
        my $line = <$st> // '';
        close $st;
        return 0 if $line =~ /^\d+ \(.*\) Z/;
    }
    return 1;
}

sub nginx_pid () {
    open my $in, '<', $PidFile or return undef;
    my $pid = <$in>;
    close $in;
    return undef unless defined $pid;
    chomp $pid;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub stop_nginx ($) {
    my $name = shift;
    my $pid = nginx_pid();
    if (!is_running($pid)) {
        unlink $PidFile if -f $PidFile;
        return;
    }

    kill($ENV{TEST_NGINX_FAST_SHUTDOWN} ? SIGTERM : SIGQUIT, $pid);
    my $left = $Timeout;
    while ($left > 0 && is_running($pid)) {
        waitpid($pid, WNOHANG);
        sleep 0.05;
        $left -= 0.05;
    }
    if (is_running($pid)) {
        warn "$name - timeout when waiting for the process $pid to exit\n";
        kill SIGTERM, $pid;
        sleep 0.2;
        kill SIGKILL, $pid if is_running($pid);
        sleep 0.05;
    }
}

sub cleanup () {
    $_->() for @CleanupHandlers;
}

sub setup_server_root () {
    if (-d $ServRoot) {
        remove_tree($ConfDir, glob("$ServRoot/*_cache"),
                    glob("$ServRoot/*_temp"), $CacheDir, $HtmlDir, $LogDir);
        rmdir $ServRoot
            or bail_out("Can't remove $ServRoot (not empty?): $!");
    }
    make_path($ServRoot, $LogDir, $HtmlDir, $ConfDir);

    open my $out, '>', "$HtmlDir/index.html"
        or bail_out("Can't open $HtmlDir/index.html for writing: $!");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

sub write_user_files ($) {
    my $block = shift;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    my @files;
    if (ref $files eq 'ARRAY') {
        @files = @$files;
    } elsif (ref $files) {
        bail_out("$name - wrong value type: " . ref($files)
                 . ", only scalar or ARRAY are accepted");
    } else {
        my $cur;
        for my $line (split /^/, $files) {
            if ($line =~ />>> (\S+)(?:\s+(.+))?/) {
                push @files, $cur if $cur;
                $cur = [$1, undef, $2];
            } elsif ($cur) {
                $cur->[1] .= $line;
            }
        }
        push @files, $cur if $cur;
    }

    for my $f (@files) {
        my ($fname, $body, $date) = @$f;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/}) {
            make_path($1) unless -d $1;
        }
        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!");
        binmode $out;
        print $out expand_env_in_text($body // '', $name);
        close $out;
        if ($date) {
            my $cmd = "TZ=GMT touch -t '$date' $HtmlDir/$fname";
            system($cmd) == 0 or bail_out("Failed to run shell command: $cmd");
        }
    }
}

sub temp_paths ($) {
    my $http_config = shift;
    my $v = `$NginxBinary -V 2>&1` // '';
    my @paths;
    for my $m (qw(client_body proxy fastcgi scgi uwsgi)) {
        next if $m =~ /^(?:fastcgi|scgi|uwsgi)$/
                && $v =~ /--without-http_${m}_module/;
        next if $m =~ /^(?:client_body|proxy)$/
                && $http_config =~ /\b${m}_temp_path\b/;
        push @paths, "${m}_temp_path $ServRoot/${m}_temp;";
    }
    return join ' ', @paths;
}

sub write_config_file ($$) {
    my ($block, $config) = @_;
    my $name = $block->name;

    my $http_config = expand_env_in_text($block->http_config, $name) // '';
    my $main_config = $block->main_config // '';
    if ($LoadModules) {
        my @mods = map { "load_module $_;" } grep { $_ } split /\s+/,
                   $LoadModules;
        $main_config = join ' ', @mods, $main_config if @mods;
    }
    $main_config = expand_env_in_text($main_config, $name);
    my $post_main = expand_env_in_text($block->post_main_config // '',
                                       $name);
    (my $server_name = $block->server_name // $ServerName) =~ s/\\/\\\\/g;
    $server_name =~ s/'/\\'/g;

    my $env = join '', map { /\s/ ? "env '$_';\n" : "env $_;\n" }
              @EnvToNginx;
    my $temps = temp_paths($http_config);
    my $root_location = $NoRootLocation ? '' : <<_EOC_;
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_
    my $events_use = $EventType ? "    use $EventType;\n" : '';
    my $user = defined $WorkerUser ? "user $WorkerUser;\n"
             : $> == 0 ? "user root;\n" : '';

    open my $out, '>', $ConfFile or bail_out("Can't open $ConfFile for writing: $!");
    print $out <<_EOC_;
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $ErrLogFile $LogLevel;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env DYLD_INSERT_LIBRARIES;
env DYLD_FORCE_FLAT_NAMESPACE;
$env
$main_config

http {
    access_log $AccLogFile; $temps

    default_type text/plain;
    keepalive_timeout  68000ms;

$http_config
    server {
        listen          $ServerPort;
        server_name     '$server_name';
        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post_main

events {
    accept_mutex off;

    worker_connections  $WorkerConnections;
$events_use}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
$user
_EOC_
    close $out;
}

sub tail_error_log () {
    open my $in, '<', $ErrLogFile or return "(no error.log)\n";
    my @lines = <$in>;
    close $in;
    splice @lines, 0, @lines - 20 if @lines > 20;
    return join '', @lines;
}

sub start_nginx ($$) {
    my ($block, $config) = @_;
    my $name = $block->name;

    stop_nginx($name);
    setup_server_root();
    write_user_files($block);
    write_config_file($block, $config);

    my $cmd = "$NginxBinary -e $ErrLogFile -p $ServRoot/ -c $ConfFile";
    if (defined $ENV{TEST_NGINX_LD_PRELOAD}) {
        my $pre = $ENV{TEST_NGINX_LD_PRELOAD};
        $pre .= " $ENV{LD_PRELOAD}" if defined $ENV{LD_PRELOAD};
        $cmd = qq!LD_PRELOAD="$pre" $cmd!;
    }

    # As upstream: a failed start is retried (with a growing delay) for up
    # to 30 s -- the previous nginx's port may not be free yet -- then the
    # run bails out.  nginx's stderr is kept for the bail-out message.
    $ErrLogFilePos = 0;
    my ($tries, $waited) = (0, 0);
    while (1) {
        my $stderr = `$cmd 2>&1 >/dev/null`;
        my $rc = $?;
        last if $rc == 0;
        $tries++;
        my $delay = min(0.1 * $tries, 1);
        sleep $delay;
        $waited += $delay;
        next if $waited < 30;
        bail_out("$name - Cannot start nginx using command \"$cmd\" "
                 . "(status code $rc): $stderr" . "error.log ends with:\n"
                 . tail_error_log());
    }

    sleep $TestNginxSleep;
}

sub run_test ($) {
    my $block = shift;
    return if defined $block->SKIP;

    my $name = $block->name;
    check_sections($block);

    local $LogLevel = $LogLevel;
    $LogLevel = $block->log_level if $block->log_level;

    my $config = expand_env_in_text($block->config, $name);
    if (!defined $config) {
        # the running nginx serves this block as it is
        bail_out("$name - No '--- config' section specified and could not "
                 . "get previous one.") unless defined $PrevConfig;
    } elsif ($ForceRestart || !defined $PrevConfig || $config ne $PrevConfig) {
        $PrevConfig = $config;
        start_nginx($block, $config);
    }

    if ($block->init) {
        eval $block->init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (1 .. $RepeatEach) {
        write_user_files($block) if $i > 1;
        run_test_helper($block, $i - 1);
    }
}

# requests

# more_headers' text as header lines, and whether it says chunked
sub parse_more_headers ($) {
    my $in = shift // '';
    my ($out, $chunked) = ('', 0);
    for my $h (split /\n+/, $in) {
        next if $h =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $h, 2;
        $val //= '';
        $chunked = 1 if lc($key) eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $chunked);
}

# more_headers for request I (an array gives one per request)
sub more_headers_for ($$$) {
    my ($block, $i, $what) = @_;
    my $more = $block->more_headers // '';
    return parse_more_headers($more) unless ref $more eq 'ARRAY';
    bail_out("--- more_headers lacks data for $what")
        unless defined $more->[$i];
    return parse_more_headers($more->[$i]);
}

# The bytes of one request: its first line "METHOD [URI [VERSION]]" (URI
# defaults to /, VERSION to HTTP/1.1), the headers, then the rest as body.
sub build_request ($$$$$) {
    my ($name, $hdrs, $chunked, $conn, $text) = @_;

    my ($first, $content) = $text =~ /\A([^\n]*\n?)(.*)\z/s;
    bail_out("$name - Request line should be non-empty")
        if !defined $first || $first eq '';
    $first =~ /^\s*(\S+) *(?:(\S+) *)?(?:(\S+) *)?\s*$/
        or bail_out("$name - Request line is not valid. Should be 'meth "
                    . "[url [version]]' but got \"$first\".");
    my ($meth, $uri, $ver) = ($1, $2 // '/', $3 // 'HTTP/1.1');

    my $len = '';
    if (!$chunked && $content ne ''
        && $hdrs !~ /(?:^|\n)Content-Length:/)
    {
        $content =~ s/^\s+|\s+$//gs;
        $len = 'Content-Length: ' . length($content) . "\r\n";
    }

    my $head = "$meth $uri $ver\r\n";
    $head .= "Host: $ServerName\r\n" if $hdrs !~ /(?:^|\n)Host:/msi;
    $head .= "Connection: $conn\r\n" if $hdrs !~ /(?:^|\n)Connection/msi;
    return $head . $hdrs . $len . "\r\n" . $content;
}

# The requests of a block: each a list of the parts to send on one
# connection.
sub block_requests ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        return [[ref $raw eq 'ARRAY' ? @$raw : $raw]];
    }

    if (my $reqs = $block->pipelined_requests) {
        bail_out("$name - invalid entries in --- pipelined_requests")
            unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my ($h, $c) = more_headers_for($block, $i,
                                           "the $i pipelined request");
            $all .= build_request($name, $h, $c,
                                  $i == $#$reqs ? 'close' : 'keep-alive',
                                  expand_env_in_text($reqs->[$i], $name));
        }
        return [[$all]];
    }

    my $request = $block->request;
    return [] unless defined $request;
    if (!ref $request) {
        1 while $request =~ s/^\s*#[^\n]+\s+|^\s+//gs;
        my ($h, $c) = more_headers_for($block, 0, 'the request');
        return [[build_request($name, $h, $c, 'close', $request)]];
    }
    bail_out("$name - invalid ---request : MUST be string or array of "
             . "requests") unless ref $request eq 'ARRAY';
    my @out;
    for my $i (0 .. $#$request) {
        my $one = $request->[$i];
        my ($h, $c) = more_headers_for($block, $i, "the ${i}th request");
        unsupported("a --- request of packets (an array in the array)")
            if ref $one;
        push @out, [build_request($name, $h, $c, 'close', $one)];
    }
    return \@out;
}

sub connect_server ($$) {
    my ($block, $timeout) = @_;
    my $name = $block->name;
    my $max = $ConnectFailures ? 20 : 50;
    for (my $try = 1; ; $try++) {
        my $sock = IO::Socket::INET->new(
            PeerAddr => $ServerAddr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        return $sock if $sock;
        last if $try > $max;
        my $wait = min(($TestNginxSleep + $TestNginxSleep * $try) * $try / 2,
                       1);
        if ($wait >= 0.6) {
            warn "$name - Can't connect to $ServerAddr:$ServerPortForClient:"
                 . " $!\n";
            warn "\tRetry connecting after $wait sec\n" if $try < $max;
        }
        sleep $wait;
    }
    my $msg = "$name - Can't connect to $ServerAddr:$ServerPortForClient: "
              . "$! (aborted)\n";
    bail_out($msg) if ++$ConnectFailures >= 3;
    no_ending();
    Test::More::fail($msg);
    return undef;
}

# Sends the parts of one request on a new connection and reads until the
# server closes it; a wait of more than TIMEOUT for the socket to become
# readable or writable is a failed test (unless --- abort).
sub send_request ($$$) {
    my ($block, $parts, $timeout) = @_;
    my $name = $block->name;
    my @parts = @$parts;
    my $head_req = join('', @parts) =~ /^\s*HEAD\s+/ ? 1 : 0;

    my $sock = connect_server($block, $timeout) or return (undef, $head_req);
    $sock->blocking(0);
    binmode $sock;

    my $delay = $block->raw_request_middle_delay;
    my $buf = shift @parts;
    my $off = 0;
    my $resp = '';
    my ($reading, $writing) = (1, 1);

    while ($reading || $writing) {
        my $rs = IO::Select->new($reading ? $sock : ());
        my $ws = IO::Select->new($writing ? $sock : ());
        my ($r, $w) = IO::Select->select($rs, $ws, undef, $timeout);
        if (!$r && !$w) {
            if (defined $block->abort) {
                sleep 0.005;
            } else {
                no_ending();
                Test::More::fail("ERROR: client socket timed out - $name\n");
            }
            last;
        }

        if (@{ $r || [] }) {
            while (1) {
                my $n = sysread $sock, my $got, 1024;
                if (!defined $n) {
                    last if $! == EAGAIN;
                    warn "WARNING: $name - HTTP response read failure: $!";
                    ($reading, $writing) = (0, 0);
                    last;
                }
                if ($n == 0) {
                    ($reading, $writing) = (0, 0);
                    last;
                }
                $resp .= $got;
            }
        }

        if ($writing && @{ $w || [] }) {
            while (1) {
                if ($off < length $buf) {
                    my $n = syswrite $sock, $buf, length($buf) - $off, $off;
                    if (!defined $n) {
                        last if $! == EAGAIN;
                        warn "write failed: $!\n";
                        $resp = "write failed: $!" if $resp eq '';
                        ($reading, $writing) = (0, 0);
                        last;
                    }
                    $off += $n;
                    next;
                }
                if (!@parts) {
                    $writing = 0;
                    last;
                }
                ($buf, $off) = (shift(@parts), 0);
                sleep $delay if $delay;
            }
        }
    }
    close $sock;
    return ($resp, $head_req);
}

# (response, its raw header block, the bytes after its end)
sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;

    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if ($code && $code !~ /^\d+$/) {
        undef $code;
        $res->code(undef);
    }
    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $body = $res->content // '';
    my $left;

    if (defined $enc && $enc eq 'chunked') {
        my @trailers = $res->header('Trailer');
        my $bad = sub {
            no_ending();
            Test::More::fail("$name - " . shift);
            return ();
        };
        my $decoded = '';
        pos($body) = 0;
        while (1) {
            if (!@trailers && $body =~ /\G0[ \t]*\r\n\r\n/gc) {
                last;
            }
            if (@trailers && $body =~ /\G0[ \t]*\r\n/gc) {
                for my $t (@trailers) {
                    $body =~ /\G\Q$t\E: [^\n]*\r\n/gc
                        or return $bad->("invalid trailer data received "
                                         . "(expected $t).");
                }
                $body =~ /\G\r\n/gc
                    or return $bad->("invalid chunked data received "
                                     . "(expected CRLF).");
                last;
            }
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*\r\n/gc) {
                my $size = hex $1;
                my $p = pos $body;
                return $bad->("invalid chunked data received (not enought "
                              . "octets for the data section)")
                    if length($body) - $p < $size;
                $decoded .= substr $body, $p, $size;
                pos($body) = $p + $size;
                $body =~ /\G\r\n/gc
                    or return $bad->("invalid chunked data received "
                                     . "(expected CRLF).");
                next;
            }
            if ($body =~ /\G(.+)/gcs) {
                return $bad->("invalid chunked body received: $1");
            }
            return $bad->("no last chunk found - $body");
        }
        my $rest = substr $body, pos($body);
        $left = $rest if $rest ne '';
        $res->content($decoded);

    } elsif (defined $len && $len ne '' && do { no warnings 'numeric';
                                                $len >= 0 })
    {
        no warnings 'numeric';
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n" unless $head_req;
        } elsif (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);
        }
    }

    return ($res, $raw_headers, $left);
}

# An expected value for request IDX: a block of several requests must give
# an array; a block of one may (its first element counts).
sub indexed ($$$$) {
    my ($name, $value, $idx, $need_array) = @_;
    my $is_array = ref $value && ref $value eq 'ARRAY';
    if ($need_array) {
        return $value->[$idx] if $is_array;
        bail_out("$name - You asked for many requests, the expected results "
                 . "should be arrays as well.");
    }
    return $is_array ? $value->[0] : $value;
}

# checks

sub check_error_code ($$$$) {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    my $got = ($res && $res->code) || '';
    my $ok;

    if (defined $block->error_code_like) {
        my $pat = indexed($name, $block->error_code_like, $idx, $need_array);
        $ok = Test::More::like($got, qr/$pat/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        $ok = Test::More::is($got, indexed($name, $block->error_code, $idx,
                                           $need_array),
                             "$name - status code ok");
    } else {
        $ok = Test::More::is($got, 200, "$name - status code ok");
    }

    if (!$ok && $res) {
        my $body = $res->content // '';
        $body = substr($body, 0, 1000) . '...' if length $body > 1000;
        Test::More::diag("response headers:\n" . $res->headers->as_string
                         . "response body:\n$body");
    }
}

sub check_raw_response_headers ($$$$) {
    my ($block, $raw_headers, $idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->raw_response_headers_like) {
        my $re = indexed($name, $block->raw_response_headers_like, $idx,
                         $need_array);
        Test::More::like($raw_headers, qr/$re/s,
                         "$name - raw resp headers like");
    }
    if (defined $block->raw_response_headers_unlike) {
        my $re = indexed($name, $block->raw_response_headers_unlike, $idx,
                         $need_array);
        Test::More::unlike($raw_headers, qr/$re/s,
                           "$name - raw resp headers unlike");
    }
}

# "Name: value" and "!Name" lines as a hash (name => value, or undef for
# "!Name"); every line counts, a blank one as the name "".
sub parse_headers ($) {
    my %h;
    for my $line (split /\n/, shift // '') {
        $line =~ s/^\s+|\s+$//g;
        if ($line =~ s/^!\s*//) {
            $h{$line} = undef;
            next;
        }
        my ($k, $v) = split /\s*:\s*/, $line, 2;
        $h{$k // ''} = $v;
    }
    return \%h;
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->response_headers) {
        my $hs = parse_headers(indexed($name, $block->response_headers, $idx,
                                       $need_array));
        for my $key (sort keys %$hs) {
            my $val = $hs->{$key};
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                    "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            my $got = $res ? $res->header($key) : undef;
            Test::More::is($got // '', $val, "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $hs = parse_headers(indexed($name, $block->response_headers_like,
                                       $idx, $need_array));
        for my $key (sort keys %$hs) {
            my $val = $hs->{$key} // '';
            my $got = $res ? $res->header($key) : undef;
            Test::More::like($got // '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
}

sub strip_te_lines ($) {
    my $c = shift;
    return undef unless defined $c;
    $c =~ s/^TE: deflate,gzip;q=0\.3\r\n//gms;
    $c =~ s/^Connection: TE, close\r\n//gms;
    return $c;
}

sub check_response_body ($$$$$) {
    my ($block, $res, $idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $content = strip_te_lines($res ? $res->content : undef);

    if (defined $block->response_body) {
        my $want = indexed($name, $block->response_body, $idx, $need_array);
        if (defined $want && !ref $want) {
            $want =~ s/\$ServerPort\b/$ServerPort/g;
            $want =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            $want = expand_env_in_text($want, $name);
        }
        if (ref $want) {
            Test::More::like($content, $want, "$name - response_body - like "
                             . "(repeated req $rep, req $idx)");
        } else {
            same_string($content, $want, "$name - response_body - response "
                        . "is expected (repeated req $rep, req $idx)");
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $like = defined $block->response_body_like;
        my $pat = indexed($name, $like ? $block->response_body_like
                                       : $block->response_body_unlike,
                          $idx, $need_array);
        $pat =~ s/\$ServerPort\b/$ServerPort/g;
        $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        my $type = $like ? 'like' : 'unlike';
        my $desc = "$name - response_body_$type - response is expected ("
                   . (one_line($content) // '') . ")";
        if ($like) {
            Test::More::like($content, qr/$pat/s, $desc);
        } else {
            Test::More::unlike($content, qr/$pat/s, $desc);
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $res ? $res->content : undef, $idx, $rep, 0);
    }
}

sub read_error_log () {
    # lines written in the log phase come after the response
    sleep $TestNginxSleep * 3;
    open my $in, '<', $ErrLogFile or return [];
    seek $in, $ErrLogFilePos, 0 if !$CheckAccumErrLog && $ErrLogFilePos > 0;
    my @lines = <$in>;
    $ErrLogFilePos = tell($in) unless $CheckAccumErrLog;
    close $in;
    return \@lines;
}

sub read_access_log () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $AccLogFile or do {
        die "open $AccLogFile failed: $!" if $AccLogFile ne 'off';
        return [];
    };
    my @lines = <$in>;
    close $in;
    return \@lines;
}

# A section's patterns: lines of text (substrings), a qr//, or an array.
sub patterns ($) {
    my $pats = shift;
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats] if ref $pats eq 'ARRAY';
    chomp $pats;
    return [split /\n+/, $pats];
}

sub line_matches ($$) {
    my ($line, $pat) = @_;
    return (ref $pat && $line =~ /$pat/) || $line =~ /\Q$pat\E/;
}

# Whether a section's value (text, qr// or array) mentions STR.
sub mentions ($$);
sub mentions ($$) {
    my ($val, $str) = @_;
    return 0 unless defined $val;
    return scalar grep { mentions($_, $str) } @$val if ref $val eq 'ARRAY';
    return index("$val", $str) >= 0;
}

# must: each pattern passes once if some line matches it, else fails;
# mustnot: each pattern fails once for every line it matches, else passes.
sub check_patterns ($$$$$$) {
    my ($name, $what, $lines, $must, $mustnot, $rep) = @_;

    if (defined $must) {
        my $pats = patterns($must);
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat;
                next unless line_matches($line, $pat);
                Test::More::pass("$name - pattern \"$pat\" matches a line in "
                                 . "$what (req $rep)");
                undef $pat;
            }
        }
        my $missed = 0;
        for my $pat (grep { defined } @$pats) {
            Test::More::fail("$name - pattern \"$pat\" should match a line "
                             . "in $what (req $rep)");
            $missed++;
        }
        if ($missed) {
            my @shown = grep { !/^\S+ \S+ \[debug\]/ } @$lines;
            splice @shown, 0, @shown - 30 if @shown > 30;
            Test::More::diag("$what (without debug lines):\n"
                             . join '', @shown);
        }
    }

    if (defined $mustnot) {
        my $pats = patterns($mustnot);
        my %found;
        for my $i (0 .. $#$lines) {
            my $line = $lines->[$i];
            for my $pat (@$pats) {
                next unless defined $pat && line_matches($line, $pat);
                no_ending() if $found{$pat}++;
                my @after = @$lines[$i + 1 .. min($i + 10, @$lines - 1) - 1];
                Test::More::fail("$name - pattern \"" . fmt_str($pat)
                    . "\" should not match any line in $what but matches "
                    . "line \"" . fmt_str($line) . "\" (req $rep)\n"
                    . join '', @after);
            }
        }
        for my $pat (@$pats) {
            next if !defined $pat || $found{$pat};
            Test::More::pass("$name - pattern \"" . fmt_str($pat)
                             . "\" does not match a line in $what "
                             . "(req $rep)");
        }
    }
}

sub check_error_log ($$) {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $lines = read_error_log();

    check_patterns($name, 'error.log', $lines, $block->error_log,
                   $block->no_error_log, $rep);

    for my $level (qw(alert crit emerg)) {
        next if mentions($block->error_log, "[$level")
                || mentions($block->no_error_log, "[$level");
        for my $line (grep { /\[$level\]/ } @$lines) {
            warn "WARNING: $name - " . fmt_str($line) . "\n";
        }
    }
    for my $line (grep { /\bAssertion .*?failed\b/ } @$lines) {
        no_ending();
        chomp(my $l = $line);
        Test::More::fail("$name - $l\n");
    }
}

sub check_access_log ($$) {
    my ($block, $rep) = @_;
    return unless defined $block->access_log
                  || defined $block->no_access_log;
    check_patterns($block->name, 'access.log', read_access_log(),
                   $block->access_log, $block->no_access_log, $rep);
}

sub check_logs ($$) {
    my ($block, $rep) = @_;
    if ($block->wait) {
        no warnings 'numeric';
        sleep $block->wait;
    }
    check_error_log($block, $rep);
    check_access_log($block, $rep) unless defined $block->ignore_response;
}

sub run_test_helper ($$) {
    my ($block, $rep) = @_;
    my $name = $block->name;

    my $reqs = block_requests($block);
    bail_out("$name - request empty") unless @$reqs;

    my $timeout = parse_time($block->timeout) // $Timeout;
    # pipelined: one connection, several responses in its bytes
    my $pipelined = $block->pipelined_requests ? @{ $block->pipelined_requests }
                                               : 0;
    my $need_array = $pipelined || @$reqs > 1;
    my $idx = 0;

    for my $r (0 .. $#$reqs) {
        my ($raw, $head_req) = send_request($block, $reqs->[$r], $timeout);
        my $left_n = $pipelined;
        while (1) {
            $raw //= '';
            my ($res, $raw_headers, $left);
            ($res, $raw_headers, $left) = parse_response($name, $raw,
                                                         $head_req)
                unless defined $block->ignore_response;

            if (!$left_n) {
                if ($left) {
                    (my $l = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                    warn "WARNING: $name - unexpected extra bytes after last "
                         . "chunk in response: \"$l\"\n";
                }
            } else {
                $raw = $left;
                $left_n--;
            }

            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $idx,
                                           $need_array);
                check_response_headers($block, $res, $raw_headers, $idx,
                                       $need_array);
                check_response_body($block, $res, $idx, $rep, $need_array);
            }

            check_logs($block, $rep) if $left_n || $r < $#$reqs;
            $idx++;
            last unless $left_n;
        }
    }

    check_logs($block, $rep);
}

1;
