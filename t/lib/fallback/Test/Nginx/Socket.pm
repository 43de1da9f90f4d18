package Test::Nginx::Socket;

# fngate's stand-in for CPAN's Test::Nginx::Socket, used only when the real
# one is not installed (see t/lib/Test/Nginx/Socket.pm).  It implements the
# part of Test::Nginx::Socket that fngate's tests use, with the same
# semantics, on Debian's Test::Base:
#
#   plan tests => repeat_each() * N;  repeat_each; no_shuffle; run_tests;
#   add_block_preprocessor; timeout; log_level; workers; master_on/off;
#   server_port; server_root; html_dir; env_to_nginx; no_long_string
#
#   --- main_config --- http_config --- config --- user_files --- init
#   --- request (string or array; eval) --- raw_request --- more_headers
#   --- response_body --- response_body_like --- response_body_unlike
#   --- error_code --- error_code_like --- response_headers
#   --- response_headers_like --- error_log --- no_error_log
#   --- access_log --- no_access_log --- timeout --- wait --- log_level
#
# As in Test::Nginx: nginx is started anew for every block with a generated
# nginx.conf in t/servroot (daemon on, master_process off, error_log at
# $TEST_NGINX_LOG_LEVEL or debug), $TEST_NGINX_* variables are expanded in
# the config sections, a request without a Content-Length header gets one
# for its (trimmed) body, Host defaults to "localhost", every request has
# "Connection: close", the status is checked against 200 when no
# --- error_code is given, and error_log / no_error_log patterns are plain
# substrings (one per line) unless given as eval qr//.

use strict;
use warnings;

use Test::Base -base;

use Cwd ();
use File::Path qw(make_path remove_tree);
use File::Spec ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use List::Util qw(shuffle);
use POSIX qw(SIGQUIT SIGTERM SIGKILL WNOHANG);
use Time::HiRes qw(sleep time);

our @EXPORT = qw(
    run_tests run_test repeat_each no_shuffle timeout log_level workers
    master_on master_off master_process_enabled worker_connections
    server_port server_port_for_client server_root html_dir server_name
    server_addr env_to_nginx no_long_string no_root_location
    config_preamble add_block_preprocessor add_cleanup_handler
    add_response_body_check bail_out is_str use_hup check_accum_error_log
    no_nginx_manager
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
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our @ResponseBodyChecks;
our $PrevConfig;
our $ErrLogFilePos = 0;

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
sub env_to_nginx { push @EnvToNginx, @_ }
sub no_long_string () { $NoLongString = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub config_preamble ($) { $ConfigPreamble = shift }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($) { unshift @CleanupHandlers, shift }
sub add_response_body_check ($) { push @ResponseBodyChecks, shift }
sub use_hup () { }                  # reloads are not implemented: restart
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub no_nginx_manager () {
    bail_out("no_nginx_manager is not supported by fngate's fallback "
             . "Test::Nginx::Socket");
}

sub is_str {
    my ($got, $expected, $desc) = @_;
    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    return Test::More::is($got, $expected, $desc);
}

sub bail_out {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub parse_time ($) {
    my $t = shift;
    return undef unless defined $t;
    $t =~ s/^\s+|\s+$//g;
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

sub expand_env_in_text ($$) {
    my ($text, $name) = @_;
    return undef unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        defined $ENV{$1} ? $ENV{$1}
                         : bail_out("$name - No environment $1 defined.\n")
    }eg;
    return $text;
}

sub run_tests () {
    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', $0 . ' ' . $block->name);
        run_test($block);
    }

    cleanup();
    stop_nginx();
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

sub stop_nginx () {
    my $pid = nginx_pid();
    return unless is_running($pid);

    kill SIGQUIT, $pid;
    my $left = $Timeout;
    while ($left > 0 && is_running($pid)) {
        waitpid($pid, WNOHANG);
        sleep 0.02;
        $left -= 0.02;
    }
    if (is_running($pid)) {
        kill SIGTERM, $pid;
        sleep 0.2;
        kill SIGKILL, $pid if is_running($pid);
    }
}

sub cleanup () {
    $_->() for @CleanupHandlers;
}

sub setup_server_root () {
    if (-d $ServRoot) {
        remove_tree($ConfDir, $HtmlDir, $LogDir, glob("$ServRoot/*_temp"),
                    glob("$ServRoot/*_cache"));
    }
    make_path($ServRoot, $LogDir, $HtmlDir, $ConfDir);

    open my $out, '>', "$HtmlDir/index.html"
        or bail_out("cannot write $HtmlDir/index.html: $!");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

sub write_user_files ($) {
    my $block = shift;
    my $files = $block->user_files;
    return unless defined $files;

    my @files;
    if (ref $files eq 'ARRAY') {
        @files = @$files;
    } else {
        my ($fname, $body);
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)/) {
                push @files, [$fname, $body] if defined $fname;
                ($fname, $body) = ($1, '');
            } elsif (defined $fname) {
                $body .= $line;
            }
        }
        push @files, [$fname, $body] if defined $fname;
    }

    for my $f (@files) {
        my ($fname, $body) = @$f;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        (my $dir = $path) =~ s{/[^/]*$}{};
        make_path($dir);
        open my $out, '>', $path or bail_out("cannot write $path: $!");
        binmode $out;
        print $out expand_env_in_text($body // '', $block->name);
        close $out;
    }
}

sub write_config_file ($$) {
    my ($block, $config) = @_;
    my $name = $block->name;

    my $main_config = expand_env_in_text($block->main_config, $name) // '';
    my $http_config = expand_env_in_text($block->http_config, $name) // '';
    my $post_main = expand_env_in_text($block->post_main_config, $name)
                    // '';
    my $server_name = $block->server_name // $ServerName;
    my $env = join '', map { "env $_;\n" } @EnvToNginx;
    my $user = $> == 0 ? "user root;\n" : '';

    if ($ENV{TEST_NGINX_LOAD_MODULES}) {
        $main_config .= join ' ', map { "load_module $_;" }
                                  split ' ', $ENV{TEST_NGINX_LOAD_MODULES};
    }

    my $root_location = $NoRootLocation ? '' : <<_EOC_;
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_

    open my $out, '>', $ConfFile or bail_out("cannot write $ConfFile: $!");
    print $out <<_EOC_;
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $ErrLogFile $LogLevel;
pid       $PidFile;
$env
$main_config

http {
    access_log $AccLogFile;

    default_type text/plain;
    keepalive_timeout  68;

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
}
$user
_EOC_
    close $out;
}

sub tail_error_log () {
    open my $in, '<', $ErrLogFile or return '(no error.log)';
    my @lines = <$in>;
    close $in;
    splice @lines, 0, @lines - 20 if @lines > 20;
    return join '', @lines;
}

sub start_nginx ($$) {
    my ($block, $config) = @_;
    my $name = $block->name;

    stop_nginx();
    setup_server_root();
    write_user_files($block);
    write_config_file($block, $config);

    my $cmd = "$NginxBinary -p $ServRoot/ -c $ConfFile > /dev/null";
    my $waited = 0;
    while (1) {
        # nginx reports configuration errors on stderr before it opens its
        # error log: keep them for the diagnostics.
        (my $run = $cmd) =~ s{ > /dev/null$}{ 2>&1 > /dev/null};
        my $stderr = `$run`;
        my $rc = $?;
        last if $rc == 0;
        print STDERR $stderr;
        # The only failure worth a retry is the port of the previous
        # nginx not being free yet.
        if ($waited < 3
            && ($stderr . tail_error_log()) =~ /Address already in use/)
        {
            sleep 0.1;
            $waited += 0.1;
            next;
        }
        bail_out("$name - Cannot start nginx using command \"$cmd\" "
                 . "(status code $rc): $stderr" . "error.log ends with:\n"
                 . tail_error_log());
    }

    # With daemon on, nginx has written its pid file and bound its sockets
    # before the command returns.
    sleep $TestNginxSleep;
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;

    my $config = expand_env_in_text($block->config, $name);
    if (!defined $config) {
        if (!defined $PrevConfig) {
            bail_out("$name - No '--- config' section specified and could "
                     . "not get previous one.");
        }
        $config = $PrevConfig;
    }
    $PrevConfig = $config;

    start_nginx($block, $config);

    if (defined $block->init) {
        eval $block->init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        run_test_helper($block, $i);
    }
}

# requests

sub parse_more_headers ($) {
    my $in = shift;
    my $out = '';
    for my $h (split /\n+/, $in // '') {
        next if $h =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $h, 2;
        $val = '' unless defined $val;
        $out .= "$key: $val\r\n";
    }
    return $out;
}

# Builds the bytes of one request the way Test::Nginx does: the first line
# is "METHOD [URI [VERSION]]", the rest the body.
sub build_request ($$$) {
    my ($name, $request, $more_headers) = @_;

    while ($request =~ s/^\s*#[^\n]+\s+|^\s+//gs) {
        # comments and blank lines before the request line
    }

    my ($first, $content) = split /\n/, $request, 2;
    $content = '' unless defined $content;
    $first =~ /^(\S+)(?:\s+(\S+))?(?:\s+(\S+))?\s*$/
        or bail_out("$name - Request line is not valid: \"$first\"");
    my ($meth, $uri, $ver) = ($1, $2 // '/', $3 // 'HTTP/1.1');

    my $hdr = parse_more_headers($more_headers);
    my $len = '';
    if ($content ne '' && $hdr !~ /(?:^|\n)Content-Length:/i) {
        $content =~ s/^\s+|\s+$//gs;
        $len = 'Content-Length: ' . length($content) . "\r\n";
    }

    my $head = "$meth $uri $ver\r\n";
    $head .= "Host: $ServerName\r\n" if $hdr !~ /(?:^|\n)Host:/i;
    $head .= "Connection: close\r\n" if $hdr !~ /(?:^|\n)Connection/i;

    return ($head . $hdr . $len . "\r\n" . $content, $meth eq 'HEAD');
}

sub get_requests ($) {
    my $block = shift;
    my $name = $block->name;
    my $more = $block->more_headers;

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        return [[ref $raw ? join('', @$raw) : $raw, 0]];
    }

    my $request = $block->request;
    bail_out("$name - request empty") unless defined $request;

    my @reqs = ref $request eq 'ARRAY' ? @$request : ($request);
    my @out;
    for my $i (0 .. $#reqs) {
        my $h = ref $more eq 'ARRAY' ? $more->[$i] : $more;
        push @out, [build_request($name, $reqs[$i], $h)];
    }
    return \@out;
}

sub send_request ($$$) {
    my ($block, $data, $timeout) = @_;
    my $name = $block->name;

    my $sock;
    for my $try (1 .. 50) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $ServerAddr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        last if $sock;
        my $wait = ($TestNginxSleep + $TestNginxSleep * $try) * $try / 2;
        sleep($wait > 1 ? 1 : $wait);
    }
    if (!$sock) {
        Test::More->builder->no_ending(1);
        Test::More::fail("$name - Can't connect to "
                         . "$ServerAddr:$ServerPortForClient: $!");
        return undef;
    }

    binmode $sock;
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my $deadline = time + $timeout;
    my $off = 0;
    my $resp = '';

    while ($off < length $data) {
        my $left = $deadline - time;
        if ($left <= 0 || !$sel->can_write($left)) {
            warn "ERROR: client socket timed out - $name\n";
            return $resp;
        }
        my $n = syswrite $sock, $data, 65536, $off;
        if (!defined $n) {
            next if $!{EAGAIN} || $!{EINTR};
            # nginx may answer (413, 4xx) and close before the body is all
            # sent; read what it said.
            last;
        }
        $off += $n;
    }

    while (1) {
        my $left = $deadline - time;
        if ($left <= 0 || !$sel->can_read($left)) {
            warn "ERROR: client socket timed out - $name\n";
            last;
        }
        my $n = sysread $sock, my $buf, 65536;
        if (!defined $n) {
            next if $!{EAGAIN} || $!{EINTR};
            last;
        }
        last if $n == 0;
        $resp .= $buf;
    }
    close $sock;
    return $resp;
}

sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;

    my $raw_headers = '';
    $raw_headers = $1 if $raw =~ /(.*?\r\n)\r\n/s;

    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        return ($res, $raw_headers);
    }

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $body = $res->content // '';

    if (defined $enc && $enc eq 'chunked') {
        my $decoded = '';
        pos($body) = 0;
        while (1) {
            if ($body =~ /\G0[ \t]*\r\n\r\n/gc) {
                last;
            }
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*\r\n/gc) {
                my $size = hex $1;
                my $p = pos $body;
                if (length($body) - $p < $size + 2) {
                    Test::More::diag("$name - invalid chunked data received "
                                     . "(not enough octets)");
                    last;
                }
                $decoded .= substr $body, $p, $size;
                pos($body) = $p + $size;
                if ($body !~ /\G\r\n/gc) {
                    Test::More::diag("$name - invalid chunked data received "
                                     . "(expected CRLF)");
                    last;
                }
                next;
            }
            Test::More::diag("$name - no last chunk found");
            last;
        }
        $res->content($decoded);

    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n" unless $head_req;
        } elsif (length $body > $len) {
            $res->content(substr $body, 0, $len);
        }
    }

    return ($res, $raw_headers);
}

sub indexed ($$$) {
    my ($value, $idx, $need_array) = @_;
    return $value unless ref $value && ref $value eq 'ARRAY';
    return $value->[$need_array ? $idx : 0];
}

# checks

sub check_error_code ($$$$) {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    my $got = ($res && $res->code) || '';
    my $ok;

    if (defined $block->error_code_like) {
        my $pat = indexed($block->error_code_like, $idx, $need_array);
        $ok = Test::More::like($got, qr/$pat/sm, "$name - status code ok");
    } else {
        my $want = defined $block->error_code
                   ? indexed($block->error_code, $idx, $need_array) : 200;
        $want =~ s/^\s+|\s+$//g;
        $ok = Test::More::is($got, $want, "$name - status code ok");
    }

    if (!$ok && $res) {
        my $body = $res->content // '';
        $body = substr($body, 0, 1000) . '...' if length $body > 1000;
        Test::More::diag("response headers:\n" . $res->headers->as_string
                         . "response body:\n$body");
    }
}

sub parse_headers ($) {
    my $s = shift;
    my @headers;
    for (split /\n/, $s // '') {
        s/^\s+|\s+$//g;
        next if $_ eq '';
        if (s/^!\s*//) {
            push @headers, [$_, undef];
        } else {
            my ($k, $v) = split /\s*:\s*/, $_, 2;
            push @headers, [$k, $v // ''];
        }
    }
    return \@headers;
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->response_headers) {
        my $hs = parse_headers(indexed($block->response_headers, $idx,
                                       $need_array));
        for my $h (@$hs) {
            my ($key, $val) = @$h;
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                    "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            my $got = $res ? $res->header($key) : undef;
            Test::More::is($got // '', $val, "$name - header $key ok");
        }

    }

    if (defined $block->response_headers_like) {
        my $hs = parse_headers(indexed($block->response_headers_like, $idx,
                                       $need_array));
        for my $h (@$hs) {
            my ($key, $val) = @$h;
            my $got = $res ? $res->header($key) : undef;
            Test::More::like($got // '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
}

sub check_response_body ($$$$$) {
    my ($block, $res, $idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;

    if (defined $block->response_body) {
        my $want = indexed($block->response_body, $idx, $need_array);
        my $desc = "$name - response_body - response is expected "
                   . "(repeated req $rep, req $idx)";
        if (ref $want) {
            Test::More::like($content, $want, $desc);
        } else {
            $want =~ s/\$ServerPort\b/$ServerPort/g if defined $want;
            Test::More::is($content, $want, $desc);
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $like = defined $block->response_body_like;
        my $pat = indexed($like ? $block->response_body_like
                                : $block->response_body_unlike,
                          $idx, $need_array);
        $pat =~ s/\$ServerPort\b/$ServerPort/g;
        my $summary = $content // '';
        $summary =~ s/^\s+|\s+$//g;
        $summary =~ s/\s+/ /g;
        my $type = $like ? 'like' : 'unlike';
        my $desc = "$name - response_body_$type - response is expected "
                   . "($summary)";
        if ($like) {
            Test::More::like($content, qr/$pat/s, $desc);
        } else {
            Test::More::unlike($content, qr/$pat/s, $desc);
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $idx, $rep, 0);
    }
}

sub read_log ($$) {
    my ($file, $track) = @_;
    # Test::Nginx waits a little for lines written in the log phase, which
    # runs after the response is sent.
    sleep $TestNginxSleep * 3;
    open my $in, '<', $file or return [];
    if ($track && !$CheckAccumErrLog && $ErrLogFilePos > 0) {
        seek $in, $ErrLogFilePos, 0;
    }
    my @lines = <$in>;
    $ErrLogFilePos = tell($in) if $track && !$CheckAccumErrLog;
    close $in;
    return \@lines;
}

sub patterns ($) {
    my $pats = shift;
    return [] unless defined $pats;
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats] if ref $pats eq 'ARRAY';
    chomp $pats;
    return [split /\n+/, $pats];
}

sub match_line ($$) {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ /$pat/ : index($line, $pat) >= 0;
}

sub check_log_patterns ($$$$$) {
    my ($name, $what, $lines, $must, $mustnot) = @_;

    my @pats = @{ patterns($must) };
    for my $line (@$lines) {
        for my $pat (@pats) {
            next unless defined $pat;
            if (match_line($line, $pat)) {
                Test::More::pass("$name - pattern \"$pat\" matches a line "
                                 . "in $what");
                undef $pat;
            }
        }
    }
    for my $pat (@pats) {
        next unless defined $pat;
        Test::More::fail("$name - pattern \"$pat\" should match a line in "
                         . "$what");
        # the log's lines other than debug ones, the last 30
        my @shown = grep { !/^\S+ \S+ \[debug\]/ } @$lines;
        splice @shown, 0, @shown - 30 if @shown > 30;
        Test::More::diag("$what (without debug lines):\n" . join '', @shown);
    }

    my %found;
    for my $pat (@{ patterns($mustnot) }) {
        my $hit;
        for my $line (@$lines) {
            if (match_line($line, $pat)) {
                $hit = $line;
                last;
            }
        }
        my $p = fmt_str($pat);
        if (defined $hit) {
            Test::More::fail("$name - pattern \"$p\" should not match any "
                             . "line in $what but matches line \""
                             . fmt_str($hit) . "\"");
        } else {
            Test::More::pass("$name - pattern \"$p\" does not match a line "
                             . "in $what");
        }
    }
}

sub check_logs ($) {
    my $block = shift;
    my $name = $block->name;

    my $err = read_log($ErrLogFile, 1);
    check_log_patterns($name, 'error.log', $err, $block->error_log,
                       $block->no_error_log);
    for my $line (@$err) {
        if ($line =~ /\[(alert|crit|emerg)\]/
            && !grep { defined && !ref && index($_, "[$1") >= 0 }
                    @{ patterns($block->error_log) },
                    @{ patterns($block->no_error_log) })
        {
            warn "WARNING: $name - " . fmt_str($line) . "\n";
        }
    }

    if (defined $block->access_log || defined $block->no_access_log) {
        check_log_patterns($name, 'access.log', read_log($AccLogFile, 0),
                           $block->access_log, $block->no_access_log);
    }
}

sub run_test_helper ($$) {
    my ($block, $rep) = @_;
    my $name = $block->name;

    my $timeout = parse_time($block->timeout) // $Timeout;
    my $reqs = get_requests($block);
    my $need_array = @$reqs > 1;

    for my $idx (0 .. $#$reqs) {
        my ($data, $head_req) = @{ $reqs->[$idx] };
        my $raw = send_request($block, $data, $timeout) // '';
        my ($res, $raw_headers) = parse_response($name, $raw, $head_req);

        if (!defined $block->ignore_response) {
            check_error_code($block, $res, $idx, $need_array);
            check_response_headers($block, $res, $raw_headers, $idx,
                                   $need_array);
            check_response_body($block, $res, $idx, $rep, $need_array);
        }

        if ($idx < $#$reqs) {
            sleep parse_time($block->wait) if $block->wait;
            check_logs($block);
        }
    }

    sleep parse_time($block->wait) if $block->wait;
    check_logs($block);
}

1;
