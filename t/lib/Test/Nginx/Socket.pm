# Test::Nginx::Socket loader.
#
# `prove -I t/lib` puts t/lib first in @INC, so this file is what
# `use Test::Nginx::Socket` finds.  It hands over to the implementation
# FngateTestNginx::implementation() names: upstream's Test::Nginx::Socket
# (openresty/test-nginx, anywhere later in @INC: PERL5LIB or a CPAN
# install) or fngate's fallback, t/lib/fallback/Test/Nginx/Socket.pm
# (FNGATE_TEST_NGINX=fallback, or no upstream).  Either way the package
# Test::Nginx::Socket is defined by exactly one of them and its import runs
# as usual, so the .t files are the same under both.

use strict;
use warnings;
use FngateTestNginx ();

my (undef, $fngate_impl) = FngateTestNginx::implementation();

$INC{'Test/Nginx/Socket.pm'} = $fngate_impl;
{
    local $@;
    my $rv = do $fngate_impl;
    die "loading $fngate_impl failed: $@" if $@;
    die "loading $fngate_impl failed: $!" if !defined $rv;
}

1;
