#!/usr/bin/env bash
# util/api-story.sh: issue 4's "done when", end to end, as users run it.
#
#   util/api-story.sh [--keep]
#
# Against the stack of util/fngate (FNGATE_STATE, FNGATE_PORT,
# FNGATE_REDIS_PORT, FNGATE_VM_PREFIX as there); when that stack is not
# running, the script starts it and stops it again at the end (`--keep`
# leaves it up).  Steps:
#
#   1. `fngate admin account create` makes accounts A, B and C;
#   2. A deploys two functions with the AWS CLI: "items" (128 MB, a proxy
#      response naming the item; the item "boom" makes it exit 2) and
#      "orders" (256 MB, plain JSON output);
#   3. A publishes them as the API "shop" (curl --aws-sigv4: access
#      granted, the default policy caller) with GET /items/{id} and
#      POST /orders;
#   4. B and C subscribe (pending: a call is refused), A approves both;
#   5. B and C each call both routes several times, B once with "boom";
#   6. from the access log: every line of the story's calls is billed to
#      its caller (B's refused call too: an error of 0 ms); every call that
#      ran says policy caller with the caller as pool key, and no VM
#      served both B and C; each line's billed_ms is ceil(duration_ms), at
#      least 1;
#   7. `fngate usage --as A --by api` shows B's and C's rows of shop, and
#      `fngate usage --as B --by api` only B's, each equal to calls,
#      billed ms, GB-seconds, errors and cold starts summed here from the
#      log lines (GB-s = billed ms / 1000 x memory MB / 1024); so do A's
#      signed GetApiUsage of shop and B's GetUsage, and B's GetApiUsage of
#      shop (not B's API) is empty.
#
# Prints "ok" or "FAIL" per check; exits 1 on the first failure.
set -euo pipefail

. "$(dirname "$(readlink -f "$0")")/story-lib.sh"
story_begin api-story "${1:-}"

# ---------------------------------------------------------------- A deploys

mkdir "$WORK/items" "$WORK/orders"
cat >"$WORK/items/handler" <<'EOF'
#!/bin/sh
event=$(cat)
case $event in *'"pathParameters":{"id":"boom"}'*) echo 'boom' >&2; exit 2 ;; esac
id=${event#*\"pathParameters\":\{\"id\":\"}
id=${id%%\"*}
printf '{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"item %s"}' "$id"
EOF
cat >"$WORK/orders/handler" <<'EOF'
#!/bin/sh
cat >/dev/null
printf '{"ordered":true}'
EOF
chmod 755 "$WORK/items/handler" "$WORK/orders/handler"
for fn in items orders; do
    (cd "$WORK/$fn" && zip -q -X "../$fn.zip" handler)
done

lambda a create-function --function-name items --runtime provided \
    --handler handler --role arn:aws:iam::000000000000:role/fngate \
    --memory-size 128 --zip-file "fileb://$WORK/items.zip" >/dev/null
lambda a create-function --function-name orders --runtime provided \
    --handler handler --role arn:aws:iam::000000000000:role/fngate \
    --memory-size 256 --zip-file "fileb://$WORK/orders.zip" >/dev/null
ok "A: create-function items (128 MB) and orders (256 MB)"

# ---------------------------------------------------------------- the API

out=$(sigv4 a POST /2015-03-31/apis '{"Name":"shop","Access":"granted"}')
check "A: CreateApi shop" "$(status_of "$out")" 201
check "A: shop's policy is caller by default" \
    "$(head -n 1 <<<"$out" | jq -r .Policy)" caller
out=$(sigv4 a POST /2015-03-31/apis/shop/routes \
    '{"Method":"GET","Path":"/items/{id}","FunctionName":"items"}')
check "A: route GET /items/{id} -> items" "$(status_of "$out")" 201
out=$(sigv4 a POST /2015-03-31/apis/shop/routes \
    '{"Method":"POST","Path":"/orders","FunctionName":"orders"}')
check "A: route POST /orders -> orders" "$(status_of "$out")" 201

SHOP=/apis/$A/shop/prod
for who in b c; do
    out=$(sigv4 "$who" POST /2015-03-31/subscriptions \
        "{\"ApiArn\":\"arn:aws:lambda:$REGION:$A:api:shop\"}")
    check "${who^^}: subscribes: pending" \
        "$(status_of "$out") $(head -n 1 <<<"$out" | jq -r .Status)" \
        "201 pending"
done
out=$(sigv4 b GET "$SHOP/items/1")
check "B: a call while pending is refused" "$(status_of "$out")" 403
for who in "$B" "$C"; do
    out=$(sigv4 a PUT "/2015-03-31/apis/shop/subscriptions/$who" \
        '{"Status":"approved"}')
    check "A: approves $who" "$(status_of "$out")" 200
done

# ---------------------------------------------------------------- calls

for i in 1 2 3; do
    for who in b c; do
        out=$(sigv4 "$who" GET "$SHOP/items/$who$i")
        check "${who^^}: GET /items/$who$i" "$out" "item $who$i"$'\n'200
        out=$(sigv4 "$who" POST "$SHOP/orders" "{\"n\":$i}")
        check "${who^^}: POST /orders" "$out" '{"ordered":true}'$'\n'200
    done
done
out=$(sigv4 b GET "$SHOP/items/boom")
check "B: GET /items/boom: the function fails, 502" "$(status_of "$out")" 502

# ---------------------------------------------------------------- the log

# The story's billed lines: InvokeApi of A's shop.
jq -c --arg a "$A" 'select(.action == "InvokeApi" and .owner == $a
                           and .api == "shop" and .billing_account != "")' \
    "$ACCESS_LOG" >"$WORK/lines"
check "log: one line per call of B and C, the refused one too (14)" \
    "$(wc -l <"$WORK/lines")" 14
check "log: every line is billed to its caller" \
    "$(jq -r 'select(.billing_account != .caller) | .request_id' \
        "$WORK/lines" | wc -l)" 0
# the calls that ran name their VM
jq -c 'select(.vm != "")' "$WORK/lines" >"$WORK/ran"
check "log: 13 calls ran in a VM" "$(wc -l <"$WORK/ran")" 13
check "log: each says policy caller, the caller as pool key" \
    "$(jq -r 'select(.policy != "caller" or .pool_key != .caller)
        | .request_id' "$WORK/ran" | wc -l)" 0
jq -r --arg b "$B" 'select(.caller == $b) | .vm' "$WORK/ran" | sort -u \
    >"$WORK/vms-b"
jq -r --arg c "$C" 'select(.caller == $c) | .vm' "$WORK/ran" | sort -u \
    >"$WORK/vms-c"
[ -s "$WORK/vms-b" ] && [ -s "$WORK/vms-c" ] ||
    fail "log: B's or C's calls name no VM"
shared=$(comm -12 "$WORK/vms-b" "$WORK/vms-c" | tr '\n' ' ')
check "log: no VM served both B ($(tr '\n' ' ' <"$WORK/vms-b")) and C ($(tr '\n' ' ' <"$WORK/vms-c"))" \
    "$shared" ""

# billed ms of a line, from its duration: ceil, at least 1 (hundredths in
# integers, so no floating point decides the ceiling)
BILLED='def billed: (.duration_ms // "") as $d
    | if ($d | test("^[0-9]+(\\.[0-9]{1,2})?$")) | not then 0
      else ($d | split(".")) as $p
           | (($p[0] | tonumber) * 100
              + (if ($p | length) > 1 then (($p[1] + "0")[0:2] | tonumber)
                 else 0 end)) as $h
           | ((($h + 99) / 100) | floor) as $ms
           | if $ms < 1 then 1 else $ms end
      end;'
check "log: each line's billed_ms is ceil(duration_ms), at least 1" \
    "$(jq -r "$BILLED"' select(billed != ((.billed_ms | tonumber?) // 0))
        | .request_id' "$WORK/lines" | wc -l)" 0

# sums ACCOUNT: "CALLS BILLED_MS GB_SECONDS ERRORS COLD_STARTS" of the
# account's lines, by hand.
sums() {
    jq -r --arg w "$1" "$BILLED"' select(.billing_account == $w)
        | [billed, (.memory_mb | tonumber? // 0),
           (if (.status | tonumber) >= 400 or .function_error != ""
            then 1 else 0 end),
           (if .cold_start == "true" then 1 else 0 end)] | @tsv' \
        "$WORK/lines" |
    awk -F'\t' '{ n++; ms += $1; gbs += $1 / 1000 * $2 / 1024; e += $3; c += $4 }
        END { printf "%d %d %.6f %d %d\n", n, ms, gbs, e, c }'
}
WANT_B=$(sums "$B")
WANT_C=$(sums "$C")
# B: 6 calls, the refused one and the failing one (2 errors); C: 6 calls
case $WANT_B in 8\ *\ 2\ *) ;; *) fail "sums: B's lines are not 8 calls, 2 errors: $WANT_B" ;; esac
case $WANT_C in 6\ *\ 0\ *) ;; *) fail "sums: C's lines are not 6 calls, 0 errors: $WANT_C" ;; esac

# usage VIEWER: the rows "ACCOUNT OWNER API CALLS MS GBS ERRORS COLD" of
# `fngate usage --as VIEWER --by api` for A's API shop.
usage() {
    "$FNGATE" usage --as "$1" --by api |
        awk -v a="$A" '$2 == a && $3 == "shop" { print $1, $2, $3, $4, $5, $6, $7, $8 }' |
        sort
}
check "usage --as A (the owner): its subscribers' rows of shop, right to the millisecond" \
    "$(usage "$A")" "$(printf '%s\n' "$B $A shop $WANT_B" "$C $A shop $WANT_C" | sort)"
check "usage --as B (a subscriber): only B's own row" \
    "$(usage "$B")" "$B $A shop $WANT_B"
check "usage --as C: only C's own row" "$(usage "$C")" "$C $A shop $WANT_C"
# the same through the signed calls: A's GetApiUsage of shop, B's and C's
# GetUsage ("ACCOUNT OWNER API CALLS MS GBS ERRORS COLD" rows)
signed_rows() {
    local out
    out=$(sigv4 "$1" GET "$2")
    [ "$(status_of "$out")" = 200 ] || fail "$1: GET $2: $out"
    head -n 1 <<<"$out" | jq -r '.Usage[] | [.Account, .Owner, .Api, .Calls,
        .BilledMs, (.GBSeconds * 1000000 | round), .Errors, .ColdStarts]
        | @tsv' |
        awk -F'\t' '{ printf "%s %s %s %d %d %.6f %d %d\n", $1, $2, $3, $4, $5, $6 / 1000000, $7, $8 }' |
        sort
}
check "GetApiUsage shop, signed by A: B's and C's rows" \
    "$(signed_rows a /2015-03-31/apis/shop/usage)" \
    "$(printf '%s\n' "$B $A shop $WANT_B" "$C $A shop $WANT_C" | sort)"
check "GetUsage, signed by B: only B's row" \
    "$(signed_rows b /2015-03-31/usage)" "$B $A shop $WANT_B"
check "GetApiUsage shop, signed by B (not its API): nothing" \
    "$(signed_rows b /2015-03-31/apis/shop/usage)" ""
ok "B: $WANT_B; C: $WANT_C (calls billed_ms GB-s errors cold_starts)"

# ---------------------------------------------------------------- tidy up

out=$(sigv4 a DELETE /2015-03-31/apis/shop)
check "A: DeleteApi shop" "$(status_of "$out")" 204
lambda a delete-function --function-name items
lambda a delete-function --function-name orders
ok "A's functions deleted"
echo "api-story: all checks passed"
