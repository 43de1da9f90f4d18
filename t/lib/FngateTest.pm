package FngateTest;

# Helpers for fngate's t/*.t files.  They work the same under CPAN's
# Test::Nginx::Socket and under fngate's fallback of it.  This file holds
# the exports and what every part uses; the subs live in
# t/lib/FngateTest/, one file per concern, all in package FngateTest:
# Sign.pm (accounts, SigV4), Config.pm (a block's nginx configuration),
# Client.pm (calls as the AWS CLI, boto3 or curl make them), Logs.pm
# (the billing log, fngated's log, Redis keys, outputs), Stack.pm (the
# test fngated's state, own_fngated), Fixtures.pm (what a file's blocks
# share, made once through the API: fixture(), api_call(), api_ok(), ...).
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
    fixture api_call api_ok create_ok invoke_ok make_function grant revoke make_alias
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

# The parts, by concern (each is package FngateTest too).
require FngateTest::Sign;
require FngateTest::Config;
require FngateTest::Client;
require FngateTest::Logs;
require FngateTest::Stack;

require FngateTest::Fixtures;

1;
