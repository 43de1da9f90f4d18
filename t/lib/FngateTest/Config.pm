package FngateTest;

# FngateTest/Config.pm, part of FngateTest (t/lib/FngateTest.pm loads it;
# its subs are FngateTest::NAME as before): the nginx configuration of a block: the fngate defaults, the
# shipped conf/nginx.conf, the APIs' server, the counting of tests and
# the revocation blocks' cache ttl.

use strict;
use warnings;

our ($Region, %Accounts, $JSON);

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
    # (the shipped upstream of fngated hosts: the test fngated)
    $locs =~ s/fastcgi_pass fngated;/fastcgi_pass unix:$sock;/g;
    $locs =~ s/fastcgi_read_timeout \S+;/fastcgi_read_timeout 300s;/g;
    $locs =~ s/$_/$subst{$_}/g for keys %subst;
    die "conf/nginx.conf has no API locations" unless $locs =~ /\@fngate_api/;
    # the server's own error page for oversized request headers
    my ($e494) = $conf =~ /^(\s*error_page 494 [^;]*;)/m;
    return "    access_log logs/access.log fngate_billing;\n"
           . ($e494 // '') . "\n"
           . default_config() . $locs . "\n";
}

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
