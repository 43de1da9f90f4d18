#!/usr/bin/env bash
# util/xaccount-story.sh: the cross-account story, end to end, with the
# AWS CLI and boto3 exactly as a user runs them.
#
#   util/xaccount-story.sh [--keep]
#
# Against the stack of util/fngate (FNGATE_STATE, FNGATE_PORT,
# FNGATE_REDIS_PORT as there); when that stack is not running, the script
# starts it and stops it again at the end (`--keep` leaves it up).  Steps:
#
#   1. `fngate admin account create` makes accounts A and B;
#   2. A deploys "resize" (aws lambda create-function --publish: version 1,
#      variables LEVEL and SECRET), grants B lambda:InvokeFunction
#      (aws lambda add-permission) and sets execution bounds (curl
#      --aws-sigv4: MaxMemorySize 256, AllowEnvironment, LEVEL overridable);
#   3. B creates its alias thumbs:prod on A's version 1 (aws lambda
#      create-alias) and sets its overrides (MemorySize 256, TENANT=b,
#      LEVEL=debug);
#   4. A calls its version 1; B calls thumbs:prod with the AWS CLI and with
#      boto3: A's result with B's memory and variables, A's SECRET unseen;
#      B grants account C its alias, and C calls it by ARN;
#   5. the billing lines: B's AWS CLI call, B's boto3 call and C's call
#      each billed to B, owner A, alias B's ARN, memory 256 (B's
#      override); the VMs of A's lines and of B's are two disjoint sets,
#      and `virsh list` shows B's VMs running;
#   6. B's GetFunction of A's function is refused (AWS CLI and boto3);
#   7. A revokes the grant (boto3): B's calls are refused within
#      fngate_cache_ttl + 0.5 s; the time it took is printed.
#
# Prints "ok" or "FAIL" per check; exits 1 on the first failure.
set -euo pipefail

. "$(dirname "$(readlink -f "$0")")/story-lib.sh"
LIBVIRT_URI=${FNGATE_LIBVIRT_URI:-qemu:///system}
story_begin story "${1:-}"

ARN=arn:aws:lambda:$REGION:$A:function:resize
THUMBS=arn:aws:lambda:$REGION:$B:function:thumbs

# ---------------------------------------------------------------- A deploys

cat >"$WORK/handler" <<'EOF'
#!/bin/sh
event=$(cat)
printf '{"resized":%s,"tenant":"%s","level":"%s","secret":"%s","mem":"%s"}\n' \
    "${event:-null}" "$TENANT" "$LEVEL" "$SECRET" \
    "$AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
EOF
chmod 755 "$WORK/handler"
(cd "$WORK" && zip -q -X resize.zip handler)

lambda a create-function --function-name resize --runtime provided \
    --handler handler --role arn:aws:iam::000000000000:role/fngate \
    --environment 'Variables={LEVEL=info,SECRET=s3}' \
    --zip-file "fileb://$WORK/resize.zip" --publish >"$WORK/create.json"
check "A: create-function --publish" "$(jq -r .Version "$WORK/create.json")" 1

lambda a add-permission --function-name resize --statement-id story-b \
    --action lambda:InvokeFunction --principal "$B" >/dev/null
ok "A: add-permission lambda:InvokeFunction for B"

out=$(sigv4 a PUT /2015-03-31/functions/resize/execution-bounds \
    '{"MaxMemorySize":256,"AllowEnvironment":true,"OverridableVariables":["LEVEL"]}')
check "A: PUT execution-bounds" "${out##*$'\n'}" 200

# ---------------------------------------------------------------- B's alias

lambda b create-alias --function-name thumbs --name prod \
    --function-version "$ARN:1" >"$WORK/alias.json"
check "B: create-alias thumbs:prod on A's version 1" \
    "$(jq -r .AliasArn "$WORK/alias.json")" "$THUMBS:prod"

out=$(sigv4 b PUT /2015-03-31/functions/thumbs/aliases/prod/overrides \
    '{"MemorySize":256,"Environment":{"Variables":{"TENANT":"b","LEVEL":"debug"}}}')
check "B: PUT overrides (MemorySize 256, TENANT, LEVEL)" "${out##*$'\n'}" 200

out=$(sigv4 b PUT /2015-03-31/functions/thumbs/aliases/prod/overrides \
    '{"MemorySize":512}')
check "B: overrides beyond A's bounds are refused" "${out##*$'\n'}" 400

# ---------------------------------------------------------------- calls

lambda a invoke --function-name resize:1 --cli-binary-format \
    raw-in-base64-out --payload '{"img":"a.png"}' "$WORK/a-out.json" \
    >/dev/null
check "A: invoke resize:1 runs as A made it" "$(cat "$WORK/a-out.json")" \
    '{"resized":{"img":"a.png"},"tenant":"","level":"info","secret":"s3","mem":"128"}'

# The Invoke billing lines written since line N of the access log, as
# "caller|billing|owner|alias|memory|vm", one a line.
log_lines() { wc -l <"$ACCESS_LOG"; }
# nginx logs a request once it has answered it: wait for the line.
billing_since() {
    local i out
    for ((i = 0; i < 50; i++)); do
        out=$(tail -n +"$(($1 + 1))" "$ACCESS_LOG" | jq -r 'select(.action == "Invoke")
            | "\(.caller)|\(.billing_account)|\(.owner)|\(.alias)|\(.memory_mb)|\(.vm)"')
        [ -n "$out" ] && break
        sleep 0.1
    done
    echo "$out"
}

n0=$(log_lines)
lambda b invoke --function-name thumbs:prod --cli-binary-format \
    raw-in-base64-out --payload '{"img":"b.png"}' "$WORK/b-out.json" \
    >"$WORK/b-meta.json"
b_cli_line=$(billing_since "$n0")
check "B (aws cli): invoke thumbs:prod: A's code, B's memory and variables" \
    "$(cat "$WORK/b-out.json")" \
    '{"resized":{"img":"b.png"},"tenant":"b","level":"debug","secret":"s3","mem":"256"}'
check "B (aws cli): ExecutedVersion" \
    "$(jq -r .ExecutedVersion "$WORK/b-meta.json")" 1

n0=$(log_lines)
out=$(as b "$PY" - <<'EOF'
import os, json, boto3
lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'])
r = lam.invoke(FunctionName='thumbs:prod', Payload=b'{"img":"c.png"}')
print(r['StatusCode'], r['ExecutedVersion'], r['Payload'].read().decode().strip())
EOF
)
b_py_line=$(billing_since "$n0")
check "B (boto3): invoke thumbs:prod" "$out" \
    '200 1 {"resized":{"img":"c.png"},"tenant":"b","level":"debug","secret":"s3","mem":"256"}'

lambda b add-permission --function-name thumbs --qualifier prod \
    --statement-id story-c --action lambda:InvokeFunction --principal "$C" \
    >/dev/null
lambda c invoke --function-name "$THUMBS:prod" --cli-binary-format \
    raw-in-base64-out --payload '{"img":"d.png"}' "$WORK/c-out.json" \
    >/dev/null
check "C (aws cli), granted by B: invoke B's thumbs:prod by ARN" \
    "$(cat "$WORK/c-out.json")" \
    '{"resized":{"img":"d.png"},"tenant":"b","level":"debug","secret":"s3","mem":"256"}'

# ---------------------------------------------------------------- billing

# The last Invoke billing line of a caller: "billing|owner|alias|memory|vm".
billing() {
    jq -r --arg c "$1" 'select(.action == "Invoke" and .caller == $c)
        | "\(.billing_account)|\(.owner)|\(.alias)|\(.memory_mb)|\(.vm)"' \
        "$ACCESS_LOG" | tail -n 1
}
IFS='|' read -r a_billed a_owner a_alias a_mem a_vm <<<"$(billing "$A")"
IFS='|' read -r c_billed c_owner c_alias c_mem c_vm <<<"$(billing "$C")"
check "billing: A's call billed to A" "$a_billed $a_owner $a_alias $a_mem" \
    "$A $A  128"
IFS='|' read -r x b_billed b_owner b_alias b_mem b_vm <<<"$b_cli_line"
check "billing: B's AWS CLI call: one line, billed to B, owner A, B's alias, 256 MB (B's override)" \
    "$(wc -l <<<"$b_cli_line") $x $b_billed $b_owner $b_alias $b_mem" \
    "1 $B $B $A $THUMBS:prod 256"
IFS='|' read -r x p_billed p_owner p_alias p_mem p_vm <<<"$b_py_line"
check "billing: B's boto3 call: one line, billed to B, owner A, B's alias, 256 MB (B's override)" \
    "$(wc -l <<<"$b_py_line") $x $p_billed $p_owner $p_alias $p_mem" \
    "1 $B $B $A $THUMBS:prod 256"
check "billing: C's call through B's alias billed to B" \
    "$c_billed $c_owner $c_alias $c_mem" "$B $A $THUMBS:prod 256"

# Every VM that ran a call billed to A, and every one billed to B.
vms_of() {
    jq -r --arg b "$1" 'select(.action == "Invoke" and .billing_account == $b
        and .vm != "") | .vm' "$ACCESS_LOG" | sort -u
}
vms_of "$A" >"$WORK/a-vms"
vms_of "$B" >"$WORK/b-vms"
[ -s "$WORK/a-vms" ] && [ -s "$WORK/b-vms" ] ||
    fail "billing: no VM names (A: $(cat "$WORK/a-vms"), B: $(cat "$WORK/b-vms"))"
shared=$(comm -12 "$WORK/a-vms" "$WORK/b-vms")
[ -z "$shared" ] || fail "billing: VMs that ran calls of both A and B: $shared"
ok "billing: A's calls ran in {$(paste -sd, "$WORK/a-vms")}, B's in {$(paste -sd, "$WORK/b-vms")}: disjoint"
running=$(virsh -c "$LIBVIRT_URI" list --name)
grep -qx "$b_vm" <<<"$running" || fail "virsh list does not show $b_vm"
grep -qx "$p_vm" <<<"$running" || fail "virsh list does not show $p_vm"
! grep -qx "$b_vm" "$WORK/a-vms" || fail "B's VM $b_vm ran A's calls"
! grep -qx "$p_vm" "$WORK/a-vms" || fail "B's VM $p_vm ran A's calls"
ok "virsh list: B's $b_vm (AWS CLI call) and $p_vm (boto3 call) are running; A's: $(paste -sd, "$WORK/a-vms")"

# ---------------------------------------------------------------- refusals

if lambda b get-function --function-name "$ARN" >/dev/null 2>"$WORK/err"; then
    fail "B (aws cli): get-function of A's function was answered"
fi
grep -q AccessDeniedException "$WORK/err" ||
    fail "B (aws cli): get-function: $(cat "$WORK/err")"
ok "B (aws cli): get-function of A's function: AccessDeniedException"

out=$(as b "$PY" - <<EOF
import os, boto3
lam = boto3.client('lambda', endpoint_url=os.environ['FNGATE_ENDPOINT'])
try:
    lam.get_function(FunctionName='$ARN')
    print('answered')
except lam.exceptions.ClientError as e:
    print(e.response['Error']['Code'])
EOF
)
check "B (boto3): get_function of A's function" "$out" AccessDeniedException

# The revocation, timed: A's RemovePermission and B's calls from one
# process (no interpreter start between them); t0 is when A's call
# returned, the figure is when B's last call that still passed was sent.
TTL=$(sed -n 's/^[[:space:]]*fngate_cache_ttl[[:space:]]\{1,\}\([0-9.]*\)s\{0,1\};.*/\1/p' \
    "$STATE/nginx/nginx.conf" | head -n 1)
TTL=${TTL:-1}
out=$(as b env A_KEY="$(jq -r .AccessKeyId "$WORK/a.json")" \
    A_SECRET="$(jq -r .SecretAccessKey "$WORK/a.json")" TTL="$TTL" "$PY" - <<'EOF'
import os, time, boto3
ep = os.environ['FNGATE_ENDPOINT']
a = boto3.client('lambda', endpoint_url=ep,
                 aws_access_key_id=os.environ['A_KEY'],
                 aws_secret_access_key=os.environ['A_SECRET'])
b = boto3.client('lambda', endpoint_url=ep)
b.invoke(FunctionName='thumbs:prod', Payload=b'{}')     # B's grant cached
a.remove_permission(FunctionName='resize', StatementId='story-b')
t0 = time.time()
last_ok, code, passed, refused = None, None, 0, None
while time.time() - t0 < 30:
    sent = time.time()
    try:
        b.invoke(FunctionName='thumbs:prod', Payload=b'{}')
        last_ok = sent
        passed += 1
    except b.exceptions.ClientError as e:
        code = e.response['Error']['Code']
        refused = sent
        break
    time.sleep(0.1)
took = (last_ok - t0) if last_ok is not None else 0.0
print(code or 'none', '%.3f' % took, passed,
      '%.3f' % ((refused or time.time()) - t0),
      'ok' if took <= float(os.environ['TTL']) + 0.5 else 'late')
EOF
)
read -r code took passed refused inttl <<<"$out"
check "A revokes (boto3): B's next calls are refused" "$code" AccessDeniedException
check "A revokes: $passed of B's calls passed after it, the last sent at +${took} s; refused from the call sent at +${refused} s (bound: fngate_cache_ttl ${TTL} s + 0.5 s)" \
    "$inttl" ok
# (a worker that cached the grant before the revocation may pass a call
# for up to fngate_cache_ttl: past it, every worker refuses)
sleep "$TTL"
out=$(lambda b invoke --function-name thumbs:prod --payload '{}' \
    "$WORK/late.json" 2>&1 >/dev/null || true)
grep -q AccessDeniedException <<<"$out" ||
    fail "B (aws cli) after the revocation: $out"
ok "B (aws cli) after the revocation: AccessDeniedException"

# ---------------------------------------------------------------- tidy up

lambda b delete-alias --function-name thumbs --name prod
lambda a delete-function --function-name resize
ok "B's alias and A's function deleted"
echo "xaccount-story: all checks passed"
