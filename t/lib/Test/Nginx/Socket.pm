# Test::Nginx::Socket loader.
#
# `prove -I t/lib` puts t/lib first in @INC, so this file is what
# `use Test::Nginx::Socket` finds.  It hands over to the real
# Test::Nginx::Socket (CPAN's, anywhere later in @INC) when one is installed,
# and only otherwise to fngate's own implementation of the part of it our
# tests use, t/lib/fallback/Test/Nginx/Socket.pm.  Either way the package
# Test::Nginx::Socket is defined by exactly one of them and its import runs
# as usual, so the .t files are the same under both.

use strict;
use warnings;
use Cwd ();

my $fngate_self = Cwd::abs_path(__FILE__);
my $fngate_impl;

for my $dir (@INC) {
    next if ref $dir;
    my $f = "$dir/Test/Nginx/Socket.pm";
    next unless -f $f;
    my $abs = Cwd::abs_path($f);
    next if !defined $abs || $abs eq $fngate_self;
    $fngate_impl = $abs;
    last;
}

if (!defined $fngate_impl || $ENV{FNGATE_TEST_NGINX_FALLBACK}) {
    ($fngate_impl = $fngate_self)
        =~ s{/Test/Nginx/Socket\.pm$}{/fallback/Test/Nginx/Socket.pm};
}

$INC{'Test/Nginx/Socket.pm'} = $fngate_impl;
{
    local $@;
    my $rv = do $fngate_impl;
    die "loading $fngate_impl failed: $@" if $@;
    die "loading $fngate_impl failed: $!" if !defined $rv;
}

1;
