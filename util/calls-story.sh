#!/usr/bin/env bash
# util/calls-story.sh: issue 14's "done when", end to end, as users run it:
# the worked example of docs/roles.md, with Debian's /usr/bin/aws and
# boto3 (/usr/bin/python3) against util/fngate's stack, whose guests reach
# the gateway and the host's loopback ports their function names.
#
#   util/calls-story.sh [--keep]
#
# The stack as in util/api-story.sh (FNGATE_STATE, FNGATE_PORT, ...; started
# and stopped again when it is not running).  Steps, all as account A:
#
#   1. a local HTTP service on 127.0.0.1 (the stock levels), FNGATE_PORT + 1;
#   2. the role "shop" (aws iam create-role, put-role-policy): Invoke the
#      functions bill*, GetQueueUrl and SendMessage on the queue "orders";
#   3. the queue (aws sqs), the functions (aws lambda, python3.11): "shop"
#      with role shop reads the stock service, invokes "bill" and sends
#      the order to the queue, with boto3 and no endpoint or key in its
#      code; "bill" has a role that allows nothing; shop's FngateEgress
#      names the gateway and the stock service (curl --aws-sigv4: the
#      CLI does not know fngate's field);
#   4. an order in stock: shop answers the bill's total, the queue holds
#      the order (boto3), and the billing log has shop at depth 1 and bill
#      at depth 2 in shop's chain, both billed to A, bill's line naming
#      shop's role; an order out of stock calls nothing;
#   5. shop may not do what its role does not allow (it asks to delete
#      bill when told to): AccessDeniedException, and bill is still there;
#   6. `fngate usage --as A` counts the calls as the billing lines do.
#
# Prints "ok" or "FAIL" per check; exits 1 on the first failure.
set -euo pipefail

. "$(dirname "$(readlink -f "$0")")/story-lib.sh"
story_begin calls-story "${1:-}"

iam() { as a "$AWS" --endpoint-url "$EP" iam "$@"; }
sqs() { as a "$AWS" --endpoint-url "$EP" sqs "$@"; }
boto() { as a "$PY" - "$@"; }
PORT=$(cat "$STATE/port")
STOCK_PORT=$((PORT + 1))

# ---------------------------------------------------------------- stock

mkdir "$WORK/stock"
echo '{"widget": 7}' >"$WORK/stock/levels.json"
"$PY" -m http.server "$STOCK_PORT" --bind 127.0.0.1 \
    --directory "$WORK/stock" >/dev/null 2>&1 &
STOCK_PID=$!
trap 'kill $STOCK_PID 2>/dev/null; story_finish' EXIT
for _ in $(seq 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$STOCK_PORT/levels.json" && break
    sleep 0.1
done
ok "the stock service on 127.0.0.1:$STOCK_PORT"

# ---------------------------------------------------------------- role

cat >"$WORK/policy.json" <<EOF
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "lambda:InvokeFunction",
   "Resource": "arn:aws:lambda:$REGION:$A:function:bill*"},
  {"Effect": "Allow", "Action": ["sqs:GetQueueUrl", "sqs:SendMessage"],
   "Resource": "arn:aws:sqs:$REGION:$A:orders"}]}
EOF
iam create-role --role-name shop --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' \
    >/dev/null
iam put-role-policy --role-name shop --policy-name calls \
    --policy-document "file://$WORK/policy.json"
check "aws iam: the role shop and its policy" \
    "$(iam get-role-policy --role-name shop --policy-name calls |
        jq -r '[.RoleName, (.PolicyDocument.Statement[1].Action | join(","))] | join(" ")')" \
    "shop sqs:GetQueueUrl,sqs:SendMessage"
sqs create-queue --queue-name orders >/dev/null

# ---------------------------------------------------------------- functions

mkdir "$WORK/shop" "$WORK/bill"
cat >"$WORK/shop/shop.py" <<'EOF'
import json, os, urllib.request
import boto3, botocore
lam = boto3.client("lambda")
sqs = boto3.client("sqs")
GW = os.environ["AWS_ENDPOINT_URL"].rsplit(":", 1)[0]

def handler(event, context):
    if event.get("delete"):
        try:
            lam.delete_function(FunctionName=event["delete"])
            return {"deleted": True}
        except botocore.exceptions.ClientError as e:
            return {"deleted": e.response["Error"]["Code"]}
    url = "%s:%s/levels.json" % (GW, os.environ["STOCK_PORT"])
    levels = json.load(urllib.request.urlopen(url, timeout=10))
    if levels.get(event["item"], 0) < event["count"]:
        return {"ok": False, "why": "out of stock"}
    bill = json.load(lam.invoke(FunctionName="bill",
                                Payload=json.dumps(event))["Payload"])
    q = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=q, MessageBody=json.dumps(event))
    return {"ok": True, "total": bill["total"]}
EOF
cat >"$WORK/bill/bill.py" <<'EOF'
def handler(event, context):
    return {"total": event["count"] * 3}
EOF
(cd "$WORK/shop" && zip -q -X ../shop.zip shop.py)
(cd "$WORK/bill" && zip -q -X ../bill.zip bill.py)
lambda a create-function --function-name shop --runtime python3.11 \
    --handler shop.handler --zip-file "fileb://$WORK/shop.zip" \
    --timeout 300 --memory-size 256 --role "arn:aws:iam::$A:role/shop" \
    --environment "Variables={STOCK_PORT=$STOCK_PORT}" >/dev/null
lambda a create-function --function-name bill --runtime python3.11 \
    --handler bill.handler --zip-file "fileb://$WORK/bill.zip" \
    --timeout 300 --role "arn:aws:iam::$A:role/nothing" >/dev/null
out=$(sigv4 a PUT /2015-03-31/functions/shop/configuration \
    "{\"FngateEgress\": [\"127.0.0.1:$PORT\", \"127.0.0.1:$STOCK_PORT\"]}")
check "FngateEgress of shop: the gateway and the stock service" \
    "$(status_of "$out")" 200

# ---------------------------------------------------------------- orders

lambda a invoke --function-name shop --cli-binary-format raw-in-base64-out \
    --payload '{"item": "widget", "count": 2}' "$WORK/out.json" >/dev/null
check "aws lambda invoke shop: the bill's total" \
    "$(jq -c . "$WORK/out.json")" '{"ok":true,"total":6}'
check "boto3: the queue holds the order" \
    "$(boto "$EP" "$A" <<'EOF'
import sys, boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1])
url = "%s/%s/orders" % (sys.argv[1], sys.argv[2])
m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
print(" ".join(x["Body"] for x in m))
EOF
)" '{"item": "widget", "count": 2}'
lambda a invoke --function-name shop --cli-binary-format raw-in-base64-out \
    --payload '{"item": "widget", "count": 100}' "$WORK/out2.json" >/dev/null
check "an order out of stock calls nothing" \
    "$(jq -c . "$WORK/out2.json")" '{"ok":false,"why":"out of stock"}'

jq -c --arg a "$A" 'select(.action == "Invoke" and .billing_account == $a)' \
    "$ACCESS_LOG" >"$WORK/lines"
root=$(jq -r 'select(.function == "shop") | .request_id' "$WORK/lines" | head -1)
check "log: shop at depth 1, its own chain's root, billed to A" \
    "$(jq -r --arg r "$root" 'select(.request_id == $r) |
        "\(.chain_depth) \(.root_request_id == $r) \(.status)"' "$WORK/lines")" \
    "1 true 200"
check "log: bill at depth 2 in shop's chain, billed to A, called by A with shop's role" \
    "$(jq -r --arg r "$root" 'select(.function == "bill") |
        "\(.chain_depth) \(.root_request_id == $r) \(.caller) \(.role) \(.status)"' "$WORK/lines")" \
    "2 true $A arn:aws:iam::$A:role/shop 200"

# ---------------------------------------------------------------- refused

lambda a invoke --function-name shop --cli-binary-format raw-in-base64-out \
    --payload '{"delete": "bill"}' "$WORK/out3.json" >/dev/null
check "shop's role does not allow it to delete bill" \
    "$(jq -c . "$WORK/out3.json")" '{"deleted":"AccessDeniedException"}'
check "bill is still there" \
    "$(lambda a get-function-configuration --function-name bill | jq -r .FunctionName)" \
    bill

# ---------------------------------------------------------------- usage

jq -c --arg a "$A" 'select(.action == "Invoke" and .billing_account == $a)' \
    "$ACCESS_LOG" >"$WORK/lines"
lines=$(wc -l <"$WORK/lines")
calls=$("$FNGATE" usage --as "$A" | awk -v a="$A" '$1 == a { n += $4 } END { print n + 0 }')
check "fngate usage --as A: the calls of the billing lines ($lines)" "$calls" "$lines"
check "four calls: shop three times, bill once" "$lines" 4

lambda a delete-function --function-name shop
lambda a delete-function --function-name bill
sqs delete-queue --queue-url "$EP/$A/orders"
iam delete-role-policy --role-name shop --policy-name calls
iam delete-role --role-name shop
ok "A's functions, queue and role deleted"
echo "calls-story: all checks passed"
