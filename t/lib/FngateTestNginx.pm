package FngateTestNginx;

# Which Test::Nginx::Socket the tests run under.  t/lib/Test/Nginx/Socket.pm
# (what `use Test::Nginx::Socket` finds, t/lib being first in @INC) loads
# the file implementation() names; util/run-tests.sh prints it.
#
# FNGATE_TEST_NGINX:
#   auto (or unset)  the first Test/Nginx/Socket.pm in @INC after t/lib
#                    (upstream's openresty/test-nginx: PERL5LIB, or a CPAN
#                    install), else fngate's fallback
#   upstream         that one; an error when there is none
#   fallback         fngate's fallback, t/lib/fallback/Test/Nginx/Socket.pm,
#                    whatever else is installed

use strict;
use warnings;
use Cwd ();
use File::Basename ();

my $LIB = Cwd::abs_path(File::Basename::dirname(__FILE__));
my $LOADER = "$LIB/Test/Nginx/Socket.pm";
our $FALLBACK = "$LIB/fallback/Test/Nginx/Socket.pm";

sub upstream {
    for my $dir (@INC) {
        next if ref $dir;
        my $f = "$dir/Test/Nginx/Socket.pm";
        next unless -f $f;
        my $abs = Cwd::abs_path($f);
        next if !defined $abs || $abs eq $LOADER || $abs eq $FALLBACK;
        return $abs;
    }
    return undef;
}

# (kind, path): kind is "upstream" or "fallback"
sub implementation {
    my $want = $ENV{FNGATE_TEST_NGINX} || 'auto';
    die "FNGATE_TEST_NGINX is \"$want\": auto, upstream or fallback\n"
        unless $want =~ /^(?:auto|upstream|fallback)$/;
    return ('fallback', $FALLBACK) if $want eq 'fallback';
    my $up = upstream();
    return ('upstream', $up) if defined $up;
    die "FNGATE_TEST_NGINX=upstream, but no Test/Nginx/Socket.pm in \@INC "
        . "(set PERL5LIB to upstream's lib/)\n" if $want eq 'upstream';
    return ('fallback', $FALLBACK);
}

1;
