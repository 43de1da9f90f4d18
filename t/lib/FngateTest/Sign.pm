package FngateTest;

# FngateTest/Sign.pm, part of FngateTest (t/lib/FngateTest.pm loads it;
# its subs are FngateTest::NAME as before): accounts and SigV4: account(), the signing of a block's request
# (X-Fngate-Test-Sign) and sigv4_headers().

use strict;
use warnings;

our ($Region, %Accounts, $JSON);

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

1;
