package FngateTest;

# FngateTest/Fixtures.pm, part of FngateTest (t/lib/FngateTest.pm loads it;
# its subs are FngateTest::NAME, exported there): a file's shared fixture
# made once through the signed API, so its blocks are independent.

use strict;
use warnings;

# Fixtures
#
# What the blocks of a file share (functions, versions, aliases, grants)
# is made once, through the API of the test nginx, before the first block
# sends its request; each block depends only on that fixture or makes what
# it needs itself (in its --- init), so the blocks run in any order
# (Test::Nginx shuffles them: no no_shuffle) and one failure does not
# cascade.  A fixture that fails bails the file out (nothing after it
# could pass).
#
#   fixture(SUB)             before run_tests: every block gets an --- init
#                            (before its own) that runs SUB once, the first
#                            time a block runs (nginx is up by then); a
#                            block whose nginx passes to a fngated of its
#                            own calls fixture_run() in its init once that
#                            fngated is up (its calls go through that nginx)
#   api_call(WHO, METHOD, PATH[, BODY])   a SigV4-signed call as WHO to the
#                            test nginx (curl_sigv4, a JSON BODY):
#                            (STATUS, BODY); curl signs PATH as it is, so
#                            it holds nothing that AWS escapes (name a
#                            qualifier by ?Qualifier=, not NAME:QUALIFIER)
#   api_ok(WHO, METHOD, PATH, BODY, STATUS...)   the same, dying unless the
#                            status is one of STATUS (default 200, 201,
#                            204); the body
#   create_ok(WHO, REQUEST)  CreateFunction from a block's request text
#                            ("POST /2015-03-31/functions\nBODY"), 201
#   invoke_ok(WHO, FN, EVENT...)   Invoke of FN with each EVENT in turn,
#                            each answered 200 (a function error too)
#   make_function(WHO, NAME, SCRIPT, %opt)   CreateFunction of a function
#                            whose handler is the executable SCRIPT (%opt
#                            as create_function_body; publish => 1 makes
#                            version 1 too); the body
#   grant(WHO, FUNCTION, SID, PRINCIPAL[, QUALIFIER])   AddPermission of
#                            lambda:InvokeFunction, 201
#   revoke(WHO, FUNCTION, SID[, QUALIFIER])   RemovePermission, 204
#   make_alias(WHO, FUNCTION, NAME, VERSION)  CreateAlias (VERSION may be
#                            another account's ARN), 201

our ($Fixture, $FixtureDone);

sub fixture {
    $Fixture = shift;
    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;
        my $init = $block->init;
        # a block whose init calls fixture_run itself says when (one whose
        # nginx passes to a fngated it starts: after that one is up, as
        # the fixture's calls go through the block's nginx)
        return if defined $init && $init =~ /\bfixture_run\(/;
        $block->set_value('init', "FngateTest::fixture_run();\n"
                                  . (defined $init ? $init : ''));
    });
}

sub fixture_run {
    return if $FixtureDone;
    $FixtureDone = 1;
    $Fixture->();
}

sub api_call {
    my ($who, $method, $path, $body) = @_;
    $body //= '';
    # curl's own SigV4 (curl_sigv4); a POST's or PUT's body is sent even
    # when empty (Content-Length: 0)
    my @args = ('-X', $method);
    push @args, '-H', 'Content-Type: application/json', '--data-binary', $body
        if $body ne '' || $method eq 'POST' || $method eq 'PUT';
    my $out = curl_sigv4($who, $path, @args);
    my $code = http_code($out);
    my ($rbody) = $out =~ /^exit=0\n(.*)\nhttp=\d+\s*$/s
        or die "FngateTest::api_call: $method $path: no HTTP answer: $out\n";
    return ($code, $rbody);
}

sub api_ok {
    my ($who, $method, $path, $body, @ok) = @_;
    @ok = (200, 201, 204) unless @ok;
    my ($code, $rbody) = api_call($who, $method, $path, $body);
    die "FngateTest: ${who}'s $method $path answered $code, not @ok: $rbody\n"
        unless grep { $_ == $code } @ok;
    return $rbody;
}

sub create_ok {
    my ($who, $request) = @_;
    my (undef, $body) = split /\n/, $request, 2;
    return api_ok($who, 'POST', '/2015-03-31/functions', $body, 201);
}

sub invoke_ok {
    my ($who, $fn, @events) = @_;
    api_ok($who, 'POST', "/2015-03-31/functions/$fn/invocations", $_, 200)
        for @events;
}

sub make_function {
    my ($who, $name, $script, %opt) = @_;
    my $publish = delete $opt{publish};
    my $body = create_function_body(name => $name,
        ($script ? (files => { handler => [0755, $script] }) : ()), %opt);
    $body =~ s/\}$/,"Publish":true}/ if $publish;
    return api_ok($who, 'POST', '/2015-03-31/functions', $body, 201);
}

sub grant {
    my ($who, $fn, $sid, $principal, $qualifier) = @_;
    my $q = defined $qualifier ? "?Qualifier=$qualifier" : '';
    return api_ok($who, 'POST', "/2015-03-31/functions/$fn/policy$q",
        json_encode({ StatementId => $sid, Action => 'lambda:InvokeFunction',
                      Principal => $principal }), 201);
}

sub revoke {
    my ($who, $fn, $sid, $qualifier) = @_;
    my $q = defined $qualifier ? "?Qualifier=$qualifier" : '';
    return api_ok($who, 'DELETE', "/2015-03-31/functions/$fn/policy/$sid$q",
        '', 204);
}

sub make_alias {
    my ($who, $fn, $name, $version) = @_;
    return api_ok($who, 'POST', "/2015-03-31/functions/$fn/aliases",
        json_encode({ Name => $name, FunctionVersion => $version }), 201);
}

1;
