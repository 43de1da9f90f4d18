#!/bin/bash
# util/check-docs.sh: fails when the docs drift from the code (`make test`
# runs it; docs/testing.md).  It checks that
#  - every directive the nginx module defines (its ngx_command_t tables)
#    has a `### NAME` heading in docs/nginx-module.md, whose **context:**
#    is the one the directive's flags give;
#  - every variable the module registers (its ngx_http_variable_t tables)
#    has a `### $NAME` heading there;
#  - every key fngated's configuration parser accepts (its key table) is
#    in conf/fngated.conf as a `KEY = value` line under a comment with its
#    `default:`, and named in docs/fngated.md's index of the keys;
#  - every relative link of README.md, HACKING.md, BENCHMARKS.md and
#    docs/*.md names a file that exists and, with `#anchor`, a heading of
#    that file (GitHub's slugs);
#  - every `make TARGET` those files name is a target of the Makefile.
# It prints what is missing, one line each, and exits 1 if anything is.
#
# Usage: util/check-docs.sh [ROOT]   (default: the checkout it is in)

set -u

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

fail=0
missing() {
    echo "check-docs: $*"
    fail=1
}

# The names in the C tables of one type: from `static TYPE NAME[] = {` to
# the `};` that ends it, every ngx_string("...") and every first argument
# of a row macro named ..._var("...", (the variables' table).
table_names() {
    local type=$1; shift
    awk -v type="$type" '
        $0 ~ "(^|[ \t])" type "[ \t]+[A-Za-z0-9_]+\\[\\][ \t]*=" { inside = 1 }
        inside {
            line = $0
            while (match(line, /ngx_string\("[^"]*"\)/)) {
                print substr(line, RSTART + 12, RLENGTH - 14)
                line = substr(line, RSTART + RLENGTH)
            }
            line = $0
            while (match(line, /_var\("[^"]*"/)) {
                print substr(line, RSTART + 6, RLENGTH - 7)
                line = substr(line, RSTART + RLENGTH)
            }
        }
        inside && /^[ \t]*};/ { inside = 0 }
    ' "$@" | sort -u
}

# The `### ` headings of a markdown file, outside fenced code.
headings() {
    awk '/^```/ { code = !code; next } !code && /^### / { sub(/^### +/, ""); sub(/[ \t]+$/, ""); print }' "$1"
}

# -- the nginx module -----------------------------------------------------

doc=docs/nginx-module.md
srcs=(ngx_module/*.c)
if [ ! -f "$doc" ]; then
    missing "$doc does not exist"
else
    heads=$(headings "$doc")
    directives=$(table_names ngx_command_t "${srcs[@]}")
    variables=$(table_names ngx_http_variable_t "${srcs[@]}")
    [ -n "$directives" ] ||
        missing "no directive found in ngx_module/*.c (ngx_command_t tables)"
    [ -n "$variables" ] ||
        missing "no variable found in ngx_module/*.c (ngx_http_variable_t tables)"
    for d in $directives; do
        grep -qxF -- "$d" <<<"$heads" ||
            missing "$doc: no \"### $d\" heading for the directive $d"
    done
    for v in $variables; do
        grep -qxF -- "\$$v" <<<"$heads" ||
            missing "$doc: no \"### \$$v\" heading for the variable \$$v"
    done
    # each directive's **context:** is the one its flags give
    # (NGX_HTTP_MAIN_CONF: http, _SRV_: server, _LOC_: location)
    while read -r d want; do
        have=$(awk -v h="### $d" '
            $0 == h { inside = 1; next }
            inside && /^#/ { exit }
            inside && /^\*\*context:\*\*/ {
                sub(/^\*\*context:\*\* */, ""); sub(/<br>.*$/, "")
                gsub(/ /, ""); print; exit
            }' "$doc")
        [ -z "$have" ] && grep -qxF -- "$d" <<<"$heads" &&
            missing "$doc: the directive $d has no **context:** line"
        [ -n "$have" ] && [ "$have" != "$want" ] &&
            missing "$doc: the directive $d: **context:** $have, the code says $want"
    done < <(awk '
        /(^|[ \t])ngx_command_t[ \t]+[A-Za-z0-9_]+\[\][ \t]*=/ { inside = 1 }
        inside && match($0, /ngx_string\("[^"]*"\)/) {
            name = substr($0, RSTART + 12, RLENGTH - 14); getline
            c = ""
            if ($0 ~ /NGX_HTTP_MAIN_CONF/) c = c ",http"
            if ($0 ~ /NGX_HTTP_SRV_CONF/) c = c ",server"
            if ($0 ~ /NGX_HTTP_LOC_CONF/) c = c ",location"
            print name, substr(c, 2)
        }
        inside && /^[ \t]*};/ { inside = 0 }
    ' "${srcs[@]}")

    # and no heading for a directive or variable that is gone
    for h in $(grep -E '^\$?fngate[a-z_]*$' <<<"$heads"); do
        case $h in
        \$*) grep -qxF -- "${h#\$}" <<<"$variables" ||
                 missing "$doc: \"### $h\" names no variable of the module" ;;
        *)   grep -qxF -- "$h" <<<"$directives" ||
                 missing "$doc: \"### $h\" names no directive of the module" ;;
        esac
    done
fi

# -- fngated's keys ---------------------------------------------------------

# The key table: `{ "key", FGD_TYPE, ...` rows, in fngated's folder (or
# the one it had before issue 12).
conf=conf/fngated.conf
keysrc=$(grep -lE '^[[:space:]]*\{[[:space:]]*"[a-z_]+",[[:space:]]*FGD_[A-Z]+' \
             fngated/*.c 2>/dev/null | head -1)
if [ -z "$keysrc" ]; then
    missing "no key table of fngated's configuration parser found (fngated/*.c: rows { \"key\", FGD_TYPE, ... })"
else
    keys=$(sed -nE 's/^[[:space:]]*\{[[:space:]]*"([a-z_]+)",[[:space:]]*FGD_[A-Z]+.*/\1/p' "$keysrc")
    for k in $keys; do
        # the key's line, and `# default:` in the comment block above it
        awk -v key="$k" '
            /^#/ { if ($0 ~ /^#[ \t]*default:/) dflt = 1; next }
            /^[ \t]*$/ { dflt = 0; next }
            {
                split($0, kv, /[ \t]*=/)
                if (kv[1] == key) { found = 1; if (dflt) ok = 1 }
                dflt = 0
            }
            END { exit found ? (ok ? 0 : 2) : 1 }
        ' "$conf"
        case $? in
        0) ;;
        1) missing "$conf: no \"$k = ...\" line for the key $k ($keysrc)" ;;
        *) missing "$conf: the key $k has no \"# default:\" in its comment" ;;
        esac
        # docs/fngated.md's index of the keys by area names it too
        # (`quota_*` names the quotas)
        case $k in
        quota_*) pat='`quota_\*`|`'$k'`' ;;
        *)       pat='`'$k'`' ;;
        esac
        grep -qE -- "$pat" docs/fngated.md ||
            missing "docs/fngated.md: the key $k is in no area of its index of the keys"
    done
fi

# -- links and make targets -------------------------------------------------

docs=(README.md HACKING.md BENCHMARKS.md docs/*.md)

targets=$(make -pRrq -f Makefile : 2>/dev/null |
          sed -nE 's/^([A-Za-z0-9_.-]+):([^=]|$).*/\1/p' | sort -u)
[ -n "$targets" ] || missing "no target read from the Makefile (make -pRrq)"

perl -e '
    use strict;
    use warnings;
    use File::Basename qw(dirname);
    use File::Spec;

    my %targets = map { $_ => 1 } split /\n/, shift @ARGV;
    my $fail = 0;
    my %slugs;

    # GitHub: the heading text without markup, lower case, punctuation
    # other than - and _ dropped, spaces to -, a repeated slug gets -1, -2...
    sub slugs {
        my ($file) = @_;
        return $slugs{$file} if $slugs{$file};
        my (%seen, %s);
        open my $fh, "<", $file or return {};
        my $code = 0;
        while (<$fh>) {
            if (/^```/) { $code = !$code; next }
            next if $code || !/^#{1,6}\s+(.*?)\s*#*\s*$/;
            my $t = lc $1;
            $t =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;    # links: their text
            $t =~ s/<[^>]*>//g;
            $t =~ s/[^\w\- ]//g;
            $t =~ s/ /-/g;
            my $slug = $seen{$t}++ ? "$t-" . ($seen{$t} - 1) : $t;
            $s{$slug} = 1;
        }
        return $slugs{$file} = \%s;
    }

    for my $file (@ARGV) {
        open my $fh, "<", $file or next;
        my $code = 0;
        while (my $line = <$fh>) {
            my $n = $.;
            if ($line =~ /^\s*```/) { $code = !$code; next }
            if ($code) {
                if ($line =~ /^\s*(?:\$\s+)?make\s+(.*)/) {
                    check_make($file, $n, $1);
                }
                next;
            }
            (my $text = $line) =~ s/``[^`]*``//g;
            for my $span ($text =~ /`([^`]*)`/g) {
                check_make($file, $n, $span) if $span =~ s/^make\s+//;
            }
            $text =~ s/`[^`]*`//g;
            while ($text =~ /\]\(([^)\s]+)\)/g) {
                my $link = $1;
                next if $link =~ /^[a-z][a-z0-9+.-]*:/i;    # http:, mailto:
                my ($path, $anchor) = split /#/, $link, 2;
                my $target = $path eq "" ? $file
                    : File::Spec->canonpath(dirname($file) . "/$path");
                if (!-e $target) {
                    print "check-docs: $file:$n: link to $link: $target does not exist\n";
                    $fail = 1;
                    next;
                }
                next unless defined $anchor && $anchor ne "";
                if ($target !~ /\.md$/) {
                    next if $anchor =~ /^L\d+(-L\d+)?$/;
                    print "check-docs: $file:$n: link to $link: an anchor in a file that is not markdown\n";
                    $fail = 1;
                } elsif (!slugs($target)->{$anchor}) {
                    print "check-docs: $file:$n: link to $link: $target has no heading #$anchor\n";
                    $fail = 1;
                }
            }
        }
    }

    sub check_make {
        my ($file, $n, $args) = @_;
        for my $w (split /\s+/, $args) {
            last if $w =~ /^[#;&|]/;
            next if $w eq "" || $w =~ /=/ || $w =~ /^-/;
            $w =~ s/[`,.;:)]+$//;
            next unless $w =~ /^[a-z][a-z0-9_-]*$/;
            if (!$targets{$w}) {
                print "check-docs: $file:$n: \"make $w\": no such target in the Makefile\n";
                $fail = 1;
            }
        }
    }

    exit $fail;
' "$targets" "${docs[@]}" || fail=1

if [ "$fail" -ne 0 ]; then
    echo "check-docs: the docs do not match the code (see above)"
    exit 1
fi
echo "check-docs: ok (${#docs[@]} files)"
