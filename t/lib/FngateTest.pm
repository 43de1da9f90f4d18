package FngateTest;

# Helpers for fngate's t/*.t files.  They work the same under CPAN's
# Test::Nginx::Socket and under fngate's fallback of it.
#
#   fngate_defaults();       blocks without --- main_config / --- http_config
#                            / --- config get the fngate ones (the module
#                            loaded, the test Redis, a `location /` with
#                            `fngate on` and fastcgi_pass to the test
#                            fngated, the billing log in logs/access.log)
#   account('alice')         an account made with `util/fngate admin account
#                            create` in the test Redis (once per name per
#                            run): {AccountId, AccessKeyId, SecretAccessKey}
#   --- more_headers
#   X-Fngate-Test-Sign: alice [region=R] [service=S] [date=yyyymmddThhmmssZ]
#                       [key=AKID] [secret=S] [tamper=1] [scope_date=D]
#                            replaced, just before the block runs, by Host,
#                            X-Amz-Date and a SigV4 Authorization header
#                            for the request the block sends (its body as
#                            Test::Nginx sends it)
#   sigv4_headers(...)       the same, for use in eval sections
#   zip_b64({ 'handler' => [0755, "#!/bin/sh\n..."] })   base64 of a zip
#   create_function_body(name => ..., files => {...}, ...)  JSON document
#   aws_cli('alice', 'lambda', 'list-functions')  runs /usr/bin/aws against
#                            the test nginx; returns "exit=N\n" . stdout .
#                            stderr (for --- init, see t/sigv4.t)
#   python_boto3('alice', $code)  the same with /usr/bin/python3 + boto3
#   save_output($name, $text)   writes $text to t/servroot/html/$name so a
#                            block can GET it (see t/sigv4.t)

use strict;
use warnings;

use Cwd ();
use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use File::Basename ();
use IO::Compress::Zip qw(zip $ZipError);
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 ();
use POSIX ();

use Exporter 'import';
our @EXPORT = qw(
    fngate_defaults count_tests account sigv4_headers zip_b64
    create_function_body
    aws_cli python_boto3 curl_sigv4 save_output run_cmd fngate_root json_encode
    json_decode http_code redis_keys boto3_status last_invokes revocation_ttl
    fngated_state wait_fngated_log
    api_config api_http_config api_lines
);

our $Region = 'us-east-1';
our %Accounts;
our $JSON = JSON::PP->new->canonical(1);

sub fngate_root {
    return $ENV{FNGATE_ROOT} if $ENV{FNGATE_ROOT};
    my $dir = File::Basename::dirname(Cwd::abs_path(__FILE__));
    return Cwd::abs_path("$dir/../..");
}

sub json_encode { $JSON->encode(shift) }
sub json_decode { $JSON->decode(shift) }

sub need_env {
    my $name = shift;
    die "FngateTest: environment variable $name is not set "
        . "(run the tests through util/run-tests.sh)\n"
        unless defined $ENV{$name} && $ENV{$name} ne '';
    return $ENV{$name};
}

sub run_cmd {
    my (@cmd) = @_;
    my $out = `@cmd 2>&1`;
    return ($? >> 8, $out);
}

sub shell_quote {
    my $s = shift;
    $s =~ s/'/'\\''/g;
    return "'$s'";
}

# Accounts

sub account {
    my $name = shift;
    return $Accounts{$name} if $Accounts{$name};

    my $root = fngate_root();
    my $port = need_env('TEST_NGINX_REDIS_PORT');
    my $cmd = "FNGATE_REDIS_PORT=$port " . shell_quote("$root/util/fngate")
              . " admin account create " . shell_quote("test-$name");
    my ($rc, $out) = run_cmd($cmd);
    die "FngateTest: $cmd failed ($rc): $out" if $rc != 0;
    my $acct = eval { json_decode($out) }
        or die "FngateTest: $cmd printed no JSON: $out";
    $Accounts{$name} = $acct;
    return $acct;
}

# SigV4

sub uri_escape_aws {
    my $s = shift;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub uri_unescape {
    my $s = shift;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

# AWS's canonical URI for services other than S3: dot segments removed,
# slashes folded, then the path as sent encoded once more.
sub canonical_uri {
    my $path = shift;
    my @out;
    for my $seg (split m{/}, $path, -1) {
        next if $seg eq '.';
        if ($seg eq '..') { pop @out; next }
        push @out, $seg;
    }
    my $p = join '/', @out;
    $p =~ s{/+}{/}g;
    $p = "/$p" unless $p =~ m{^/};
    return join '/', map { uri_escape_aws($_) } split m{/}, $p, -1;
}

sub canonical_query {
    my $q = shift;
    return '' unless defined $q && $q ne '';
    my @pairs;
    for my $kv (split /&/, $q) {
        next if $kv eq '';
        my ($k, $v) = split /=/, $kv, 2;
        push @pairs, [uri_escape_aws(uri_unescape($k)),
                      uri_escape_aws(uri_unescape($v // ''))];
    }
    return join '&', map { "$_->[0]=$_->[1]" }
        sort { $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] } @pairs;
}

sub amz_date {
    my $t = shift // time;
    return POSIX::strftime('%Y%m%dT%H%M%SZ', gmtime $t);
}

# sigv4_headers(account => 'alice' | {..}, method => 'GET', uri =>
# '/path?query', body => '', headers => [[name, value], ...],
# host => 'localhost', region, service, date, key, secret, tamper,
# scope_date).  Returns "Host: ..\nX-Amz-Date: ..\nAuthorization: ..\n".
sub sigv4_headers {
    my %a = @_;

    my $acct = ref $a{account} ? $a{account} : account($a{account});
    my $akid = $a{key} // $acct->{AccessKeyId};
    my $secret = $a{secret} // $acct->{SecretAccessKey};
    my $region = $a{region} // $Region;
    my $service = $a{service} // 'lambda';
    my $date = $a{date} // amz_date();
    my $scope_date = $a{scope_date} // substr($date, 0, 8);
    my $host = $a{host} // 'localhost';
    my $body = $a{body} // '';

    my ($path, $query) = split /\?/, $a{uri}, 2;

    my %h = (host => $host, 'x-amz-date' => $date);
    for my $kv (@{ $a{headers} || [] }) {
        my $n = lc $kv->[0];
        $h{$n} = $kv->[1] if $n =~ /^x-amz-/ || $n eq 'content-type';
    }
    my @names = sort keys %h;
    my $canon_headers = join '', map {
        (my $v = $h{$_}) =~ s/^\s+|\s+$//g;
        $v =~ s/\s+/ /g;
        "$_:$v\n";
    } @names;
    my $signed = join ';', @names;

    my $creq = join "\n", uc $a{method}, canonical_uri($path),
        canonical_query($query), $canon_headers, $signed, sha256_hex($body);
    my $scope = "$scope_date/$region/$service/aws4_request";
    my $sts = join "\n", 'AWS4-HMAC-SHA256', $date, $scope, sha256_hex($creq);

    my $k = hmac_sha256($scope_date, "AWS4$secret");
    $k = hmac_sha256($region, $k);
    $k = hmac_sha256($service, $k);
    $k = hmac_sha256('aws4_request', $k);
    my $sig = hmac_sha256_hex($sts, $k);

    if ($a{tamper}) {
        substr($sig, 0, 1) = substr($sig, 0, 1) eq '0' ? '1' : '0';
    }

    return "Host: $host\nX-Amz-Date: $date\n"
         . "Authorization: AWS4-HMAC-SHA256 Credential=$akid/$scope, "
         . "SignedHeaders=$signed, Signature=$sig\n";
}

# The request Test::Nginx will send for a block: method, uri, body.
sub block_request {
    my ($request, $more_headers) = @_;
    while ($request =~ s/^\s*#[^\n]+\s+|^\s+//gs) { }
    my ($first, $content) = split /\n/, $request, 2;
    $content //= '';
    my ($meth, $uri) = split ' ', $first;
    $uri //= '/';
    if ($content ne '' && $more_headers !~ /(?:^|\n)Content-Length:/) {
        $content =~ s/^\s+|\s+$//gs;
    }
    return ($meth, $uri, $content);
}

sub sign_block {
    my $block = shift;
    my $more = $block->more_headers;
    return unless defined $more && !ref $more
                  && $more =~ /^X-Fngate-Test-Sign:/mi;

    my $request = $block->request;
    die $block->name . ": X-Fngate-Test-Sign needs a single --- request\n"
        if !defined $request || ref $request;

    my (@keep, @opts, $who);
    for my $line (split /\n/, $more) {
        if ($line =~ /^X-Fngate-Test-Sign:\s*(\S+)\s*(.*)$/i) {
            $who = $1;
            @opts = map { split /=/, $_, 2 } split ' ', $2;
        } else {
            push @keep, $line;
        }
    }
    my %opts = @opts;
    my $rest = join "\n", @keep;

    my ($meth, $uri, $body) = block_request($request, $rest);
    my @hdrs = map { [split /:\s*/, $_, 2] } grep { /:/ && !/^\s*#/ } @keep;
    my ($host) = map { $_->[1] } grep { lc $_->[0] eq 'host' } @hdrs;
    @hdrs = grep { lc $_->[0] ne 'host' } @hdrs;

    my $signed = sigv4_headers(%opts, account => $who, method => $meth,
        uri => $uri, body => $body, headers => \@hdrs,
        host => $host // 'localhost');
    $rest = join "\n", grep { !/^Host:/i } @keep;
    $block->set_value('more_headers',
                      $signed . ($rest ne '' ? "$rest\n" : ''));
}

# Block defaults

sub default_main_config {
    return "load_module $ENV{TEST_NGINX_FNGATE_MODULE};\n";
}

sub default_http_config {
    my $redis = need_env('TEST_NGINX_REDIS_PORT');
    open my $in, '<', fngate_root() . '/conf/nginx.conf'
        or die "conf/nginx.conf: $!";
    my $conf = do { local $/; <$in> };
    close $in;
    # The billing log_format is the shipped one, so the tests check it.
    my ($fmt) = $conf =~ /^(\s*log_format fngate_billing .*?;)\s*$/ms
        or die "conf/nginx.conf has no log_format fngate_billing";
    # Under valgrind (`make valgrind`) nginx runs tens of times slower, and
    # the first requests of a block, valgrind translating the code they
    # reach, can take longer than the default 1 s fngate_redis_timeout
    # with Redis answering at once; give it 30 s there.
    my $timeout = $ENV{TEST_NGINX_USE_VALGRIND}
                  ? "    fngate_redis_timeout 30s;\n" : '';
    return "    fngate_redis 127.0.0.1:$redis;\n$timeout$fmt\n";
}

# The shipped conf/nginx.conf, for the parts the tests reuse.
sub shipped_conf {
    open my $in, '<', fngate_root() . '/conf/nginx.conf'
        or die "conf/nginx.conf: $!";
    my $conf = do { local $/; <$in> };
    close $in;
    return $conf;
}

# default_config([SOCKET]): the location block of the tests; SOCKET
# replaces the test fngated's.
sub default_config {
    my $sock = shift // need_env('TEST_NGINX_FNGATED_SOCKET');
    my $root = fngate_root();
    my $conf = shipped_conf();
    # The shipped `location / { ... }` (the API calls have their own).
    my ($root_loc) = $conf =~ /^(\s*location \/ \{.*?^\s*\})/ms
        or die "conf/nginx.conf has no location /";
    # The error pages for nginx's own errors, as shipped.
    my $pages = join "\n", $root_loc =~ /^(\s*error_page [^;]*;)\s*$/mg;
    # The FastCGI buffers, as shipped (room for X-Amz-Log-Result).
    my $buffers = join "\n", $root_loc =~ /^(\s*fastcgi_buffer(?:s|_size) [^;]*;)\s*$/mg;
    # Its named error locations (not those of the API calls).
    my $named = join "\n", grep { !/\@fngate_(?:api|throttled)\b/ }
        $conf =~ /^(\s*location \@fngate_\w+ \{.*?^\s*\})/msg;
    # (Test::Nginx sets client_max_body_size 30M for the server)
    return <<_EOC_;
    location / {
        fngate on;
        client_max_body_size 70m;
        client_body_buffer_size 1m;
        include $root/conf/fngate_params;
        fastcgi_pass unix:$sock;
        fastcgi_read_timeout 300s;
$buffers
        access_log logs/access.log fngate_billing;
$pages
    }

$named

    # what a block's --- init saved with save_output()
    location ^~ /t/out/ {
        alias \$TEST_NGINX_SERVER_ROOT/html/;
    }
_EOC_
}

# The http-level limit zones of the API calls, as shipped; %subst as
# api_config takes it.
sub api_http_config {
    my %subst = @_;
    my $zones = join "\n", shipped_conf() =~ /^(\s*limit_(?:req|conn)_zone [^;]*;)/mg;
    $zones =~ s/$_/$subst{$_}/g for keys %subst;
    return default_http_config() . $zones . "\n";
}

# api_config(%subst): default_config() and the shipped locations of the
# API calls (/apis/, @fngate_api, @fngate_throttled) for the test
# fngated, each regex key of %subst replaced by its value (to make a
# limit small); the billing log at server level, as their requests end
# in the named locations.
sub api_config {
    my %subst = @_;
    my $sock = need_env('TEST_NGINX_FNGATED_SOCKET');
    my $root = fngate_root();
    my $conf = shipped_conf();
    my $locs = join "\n",
        $conf =~ /^(\s*location \/apis\/ \{.*?^\s*\})/msg,
        $conf =~ /^(\s*location \@fngate_(?:api|throttled) \{.*?^\s*\})/msg;
    $locs =~ s/\@ROOT\@/$root/g;
    $locs =~ s/unix:\@STATE\@\/fngated\/fngated\.sock/unix:$sock/g;
    $locs =~ s/fastcgi_read_timeout \S+;/fastcgi_read_timeout 300s;/g;
    $locs =~ s/$_/$subst{$_}/g for keys %subst;
    die "conf/nginx.conf has no API locations" unless $locs =~ /\@fngate_api/;
    # the server's own error page for oversized request headers
    my ($e494) = $conf =~ /^(\s*error_page 494 [^;]*;)/m;
    return "    access_log logs/access.log fngate_billing;\n"
           . ($e494 // '') . "\n"
           . default_config() . $locs . "\n";
}

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

# The number of tests run_tests runs for the blocks, once each (multiply by
# repeat_each()): what Test::Nginx::Socket counts, upstream's and the
# fallback's alike (t/lib/fallback/Test/Nginx/Socket.pm's header).  Per
# response: the status, each raw_response_headers_like/unlike, each header
# name of response_headers -- or, only when there is none, of
# response_headers_like -- and the body section; after each request, each
# pattern of the log sections.  A block whose expected values are arrays
# (several requests) is counted request by request.
sub count_tests {
    my $n = 0;
    for my $block (Test::Base::blocks()) {
        my $nreq = defined $block->raw_request ? 1
                 : ref $block->pipelined_requests eq 'ARRAY'
                   ? scalar @{ $block->pipelined_requests }
                 : ref $block->request eq 'ARRAY' ? scalar @{ $block->request }
                 : 1;
        my $ignore = defined $block->ignore_response;
        for my $i (0 .. $nreq - 1) {
            if (!$ignore) {
                $n++;                                   # the status
                $n += grep { defined $block->$_ }
                      qw(raw_response_headers_like raw_response_headers_unlike);
                my $hs = defined $block->response_headers
                         ? $block->response_headers
                         : $block->response_headers_like;
                $n += header_names(ref $hs eq 'ARRAY' ? $hs->[$i] : $hs);
                $n++ if defined $block->response_body
                        || defined $block->response_body_like
                        || defined $block->response_body_unlike;
            }
            my @logs = qw(error_log no_error_log);
            push @logs, qw(access_log no_access_log) unless $ignore;
            for my $sec (@logs) {
                my $v = $block->$sec;
                next unless defined $v;
                if (ref $v eq 'ARRAY') {
                    $n += @$v;
                } elsif (ref $v) {
                    $n++;
                } else {
                    chomp $v;
                    my @pats = split /\n+/, $v;
                    $n += @pats;
                }
            }
        }
    }
    return $n;
}

# The names of a response_headers(_like) section ("!Name" too; a name
# given twice counts once, a blank line as the name "").
sub header_names {
    my $v = shift;
    return 0 unless defined $v;
    my %h;
    for my $line (split /\n/, $v) {
        $line =~ s/^\s+|\s+$//g;
        $line =~ s/^!\s*// and do { $h{$line} = 1; next };
        my ($k) = split /\s*:\s*/, $line, 2;
        $h{$k // ''} = 1;
    }
    return scalar keys %h;
}

sub fngate_defaults {
    # The blocks' own `location /` serves the API.
    Test::Nginx::Socket::no_root_location();
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;
        $block->set_value('main_config', default_main_config())
            unless defined $block->main_config;
        $block->set_value('http_config', default_http_config())
            unless defined $block->http_config;
        $block->set_value('config', default_config())
            unless defined $block->config;
        sign_block($block);
    });
}

# Code

# files: { path => [mode, content] | content }  (content alone: mode 0755)
sub zip_bytes {
    my $files = shift;
    my $buf = '';
    my $z;
    for my $path (sort keys %$files) {
        my ($mode, $data) = ref $files->{$path}
                            ? @{ $files->{$path} } : (0755, $files->{$path});
        # (Minimal => 1 would drop the Unix mode bits)
        my %o = (Name => $path, ExtAttr => ((0100000 | $mode) << 16),
                 TextFlag => 0);
        if ($z) {
            $z->newStream(%o);
        } else {
            $z = IO::Compress::Zip->new(\$buf, %o)
                or die "zip: $ZipError";
        }
        $z->print($data);
    }
    $z->close if $z;
    return $buf;
}

sub zip_b64 {
    return MIME::Base64::encode_base64(zip_bytes(shift), '');
}

# create_function_body(name => 'echo', files => {...} | zip_b64 => '...',
#   handler => 'handler', runtime => 'provided', memory => 128, timeout => 3,
#   env => {...})
sub create_function_body {
    my %a = @_;
    my %doc = (
        FunctionName => $a{name},
        Runtime      => $a{runtime} // 'provided',
        Role         => 'arn:aws:iam::000000000000:role/fngate',
        Handler      => $a{handler} // 'handler',
        Code         => { ZipFile => $a{zip_b64} // zip_b64($a{files}) },
    );
    $doc{MemorySize} = $a{memory} if defined $a{memory};
    $doc{Timeout} = $a{timeout} if defined $a{timeout};
    $doc{Environment} = { Variables => $a{env} } if $a{env};
    return json_encode(\%doc);
}

# Tools run against the test nginx (from --- init, when nginx is up)

sub tool_env {
    my $who = shift;
    my $acct = ref $who ? $who : account($who);
    return join ' ',
        'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp',
        'AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null',
        'AWS_PAGER= AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard',
        "AWS_DEFAULT_REGION=$Region",
        "AWS_ACCESS_KEY_ID=$acct->{AccessKeyId}",
        "AWS_SECRET_ACCESS_KEY=$acct->{SecretAccessKey}";
}

# The test nginx's URL, once it accepts connections.  A tool run from
# --- init starts right after Test::Nginx started nginx; under valgrind
# (TEST_NGINX_USE_VALGRIND, `make valgrind`) nginx takes seconds to
# listen, and curl or boto3 would fail to connect, so wait for the port
# (polled, at most 60 s; at once when nginx is up).
sub endpoint {
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || 1984;
    for (my $i = 0; $i < 600; $i++) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp');
        if ($s) {
            close $s;
            last;
        }
        select(undef, undef, undef, 0.1);
    }
    return "http://127.0.0.1:$port";
}

sub aws_cli {
    my ($who, @args) = @_;
    my $cmd = tool_env($who) . ' /usr/bin/aws --endpoint-url ' . endpoint()
              . ' --cli-read-timeout 120 --cli-connect-timeout 5 '
              . join ' ', map { shell_quote($_) } @args;
    my ($rc, $out) = run_cmd($cmd);
    return "exit=$rc\n$out";
}

sub python_boto3 {
    my ($who, $code) = @_;
    my $prelude = <<'_EOC_';
import os, json, boto3, botocore.config
lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  read_timeout=120))
_EOC_
    my $file = "/tmp/fngate-boto3-$$.py";
    open my $out, '>', $file or die "$file: $!";
    print $out $prelude, $code;
    close $out;
    my $cmd = tool_env($who) . ' FNGATE_ENDPOINT=' . endpoint()
              . " /usr/bin/python3 $file";
    my ($rc, $text) = run_cmd($cmd);
    unlink $file;
    return "exit=$rc\n$text";
}

# The curl command line that signs with curl's own SigV4 (--aws-sigv4)
# as WHO and requests PATH with the extra curl args; it prints the body,
# then curl's write-out WOUT.
sub curl_sigv4_cmd {
    my ($wout, $who, $path, @args) = @_;
    my $acct = ref $who ? $who : account($who);
    return join ' ', 'curl -sS --max-time 120',
        "--aws-sigv4 'aws:amz:$Region:lambda'",
        "--user '$acct->{AccessKeyId}:$acct->{SecretAccessKey}'",
        "-w '$wout'", (map { shell_quote($_) } @args),
        shell_quote(endpoint() . $path);
}

# curl_sigv4('alice', '/2015-03-31/functions/', extra curl args...): curl's
# own SigV4 signing (--aws-sigv4); "exit=N\n" . body . "\nhttp=CODE\n".
sub curl_sigv4 {
    my ($rc, $out) = run_cmd(curl_sigv4_cmd('\nhttp=%{http_code}\n', @_));
    return "exit=$rc\n$out";
}

# burst([WHO, PATH, ARGS...], ...): the curl_sigv4 calls all at once, each
# in a process of its own; for each, in the same order, { body, http,
# time (seconds), retry_after, error_type }.
sub burst {
    my @calls = @_;
    my @files = map { "/tmp/fngate-burst-$$-$_" } 0 .. $#calls;
    my @pids;
    for my $i (0 .. $#calls) {
        my ($who, $path, @args) = @{ $calls[$i] };
        my $cmd = curl_sigv4_cmd('\n%{http_code} %{time_total}\n', $who,
            $path, '-D', "$files[$i].h", @args);
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            exec '/bin/sh', '-c', "$cmd >$files[$i] 2>&1" or POSIX::_exit(127);
        }
        push @pids, $pid;
    }
    waitpid $_, 0 for @pids;
    my @out;
    for my $f (@files) {
        open my $in, '<', $f or die "$f: $!";
        my $text = do { local $/; <$in> };
        close $in;
        my $head = '';
        if (open my $h, '<', "$f.h") {
            $head = do { local $/; <$h> };
            close $h;
        }
        unlink $f, "$f.h";
        my ($body, $code, $time) = $text =~ /^(.*)\n(\d+) ([\d.]+)\s*$/s;
        my ($retry) = $head =~ /^Retry-After:\s*(\S+)/mi;
        my ($etype) = $head =~ /^x-amzn-ErrorType:\s*(\S+)/mi;
        push @out, { body => $body // $text, http => $code // 'none',
                     time => $time // 0, retry_after => $retry // '',
                     error_type => $etype // '' };
    }
    return @out;
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

# The CreateFunction request line and body of a function whose handler is
# the executable SCRIPT; OPT as create_function_body takes them.
sub create_request {
    my ($name, $script, %opt) = @_;
    return "POST /2015-03-31/functions\n" . create_function_body(
        name => $name, files => { handler => [0755, $script] }, %opt);
}

# The status curl_sigv4 reported ("http=NNN" at the end of its output).
sub http_code {
    my $t = shift;
    return $t =~ /http=(\d+)\s*$/ ? $1 : 'none';
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

# ACCOUNT makes the boto3 call CALL (a Python expression on "lam") and
# reports the HTTP status: MODE "read" once; "poll" calls again until the
# answer changes (for at most TTL + 5 seconds) and prints the first
# answer, the new one, and when the last call that still got the first
# answer was sent (the time a staleness bound speaks of: a call's own
# latency, a cold start say, does not count).
# The Python of boto3_status and boto3_change: status() makes CALL and
# gives its HTTP status; poll() makes it until the answer changes (up to
# TTL + 5 s) and gives the first and last answers and how long after its
# start the last call that still got the first answer was sent.
sub boto3_poll_py {
    my ($call, $ttl) = @_;
    return <<_EOP_;
import time
def status():
    try:
        $call
        return 200
    except lam.exceptions.ClientError as e:
        return e.response['ResponseMetadata']['HTTPStatusCode']
def poll():
    t0 = time.time()
    late = 0.0
    first = status()
    now = first
    while now == first and time.time() - t0 < $ttl + 5:
        time.sleep(0.1)
        sent = time.time()
        now = status()
        if now == first:
            late = sent - t0
    return first, now, t0, late
_EOP_
}

# boto3_status(ACCOUNT, CALL, 'read'): CALL's status; (..., 'poll', TTL):
# "FIRST NOW LAST_OLD", LAST_OLD the time (epoch s) the last call that
# still got FIRST was sent.
sub boto3_status {
    my ($account, $call, $mode, $ttl) = @_;
    my $out = python_boto3($account, boto3_poll_py($call, $ttl // 0) . <<_EOP_);
if '$mode' == 'read':
    print(status())
else:
    first, now, t0, late = poll()
    print(first, now, '%.3f' % (t0 + late))
_EOP_
    return $out =~ /^exit=0\n(.*?)\s*$/s ? $1 : $out;
}

# boto3_change(ACCOUNT, CALL, TTL, WHO, CHANGE): how soon a change by
# another account reaches ACCOUNT's CALL, from one Python process (its
# start, seconds under load, stays out of the measured time): CALL once
# (the worker caches what it looked up), then CHANGE with WHO's client
# (`other`, an expression whose value is boto3's answer, its client
# warmed up first by a ListFunctions), then poll().
# "BEFORE CHANGE_STATUS FIRST NOW LATE": the statuses of the call before,
# of the change, of the first call after it and of the last; LATE, the
# seconds from the change's answer to the last call that still got FIRST
# (0 when the first already changed).
sub boto3_change {
    my ($account, $call, $ttl, $who, $change) = @_;
    my $other = account($who);
    my $out = python_boto3($account, boto3_poll_py($call, $ttl) . <<_EOP_);
other = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'],
    aws_access_key_id='$other->{AccessKeyId}',
    aws_secret_access_key='$other->{SecretAccessKey}',
    config=botocore.config.Config(retries={'max_attempts': 1},
                                  read_timeout=120))
# other's first call builds its models, signer and connection (a second
# or more under load): done here, before the cached answer's ttl starts
for op in other.meta.service_model.operation_names:
    other.meta.service_model.operation_model(op)
other.list_functions(MaxItems=1)
before = status()
try:
    changed = ($change)['ResponseMetadata']['HTTPStatusCode']
except other.exceptions.ClientError as e:
    changed = e.response['ResponseMetadata']['HTTPStatusCode']
first, now, t0, late = poll()
print(before, changed, first, now, '%.3f' % late)
_EOP_
    return $out =~ /^exit=0\n(.*?)\s*$/s ? $1 : $out;
}

# within_ttl(LATE, TTL): "1" when a change reached the calls within the
# cache's ttl (LATE: the seconds after the change that a call still got the
# old answer was sent; boto3_change's, or late_since of boto3_status's poll)
# with 0.5 s to spare, else "late by N s", or "none" when LATE is not a
# number (the poll failed).
sub within_ttl {
    my ($late, $ttl) = @_;
    return 'none' unless defined $late && $late =~ /^-?[0-9]+(?:\.[0-9]+)?$/;
    return $late <= $ttl + 0.5 ? 1 : sprintf('late by %.3f s', $late - $ttl);
}

# late_since(T, T0): boto3_status poll's LAST_OLD T as seconds after T0, or
# undef when T is not a time.
sub late_since {
    my ($t, $t0) = @_;
    return defined $t && $t =~ /^[0-9]+(?:\.[0-9]+)?$/ ? $t - $t0 : undef;
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

# The test fngated's state directory (its log, its VMs' snapshot).
sub fngated_state {
    my $sock = need_env('TEST_NGINX_FNGATED_SOCKET');
    return File::Basename::dirname(File::Basename::dirname($sock));
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
    open my $in, '<', "$main/fngated/fngated.args"
        or die "$main/fngated/fngated.args: $!";
    chomp(my ($bin, @args) = <$in>);
    close $in;
    # the test fngated's -o key=value, in order, then ours over them
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
    my $prefix = $opt{name_prefix} or die "no name_prefix in fngated.args";
    %set = (listen => "unix:$state/fngated.sock", state_dir => "$state/vm",
            pid_file => "$state/fngated.pid", name_prefix => "${prefix}p",
            %set);
    for my $key (sort keys %set) {
        push @order, $key unless exists $opt{$key};
        $opt{$key} = $set{$key};
    }
    push @cmd, map { ('-o', "$_=$opt{$_}") } @order;
    open my $out, '>', "$state/fngated.args" or die "$state: $!";
    print $out map { "$_\n" } $bin, @cmd;
    close $out;
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

# Blocks whose name says "revoked" run with fngate_cache_ttl TTL seconds.
sub revocation_ttl {
    my $ttl = shift;
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;
        return unless $block->name =~ /revoked/;
        $block->set_value('http_config', default_http_config()
                                         . "    fngate_cache_ttl ${ttl}s;\n");
    });
}

1;
