#!/usr/bin/env bash
# util/order-story.sh: issue 13's "done when", end to end, as users run it:
# the order pipeline of docs/event-sources.md, with Debian's /usr/bin/aws
# and boto3 (/usr/bin/python3) against util/fngate's stack.
#
#   util/order-story.sh [--keep]
#
# The stack as in util/api-story.sh (FNGATE_STATE, FNGATE_PORT, ...; started
# and stopped again when it is not running).  Steps, all as account A:
#
#   1. the queues (aws sqs): "orders-dlq", and "orders" with a RedrivePolicy
#      (maxReceiveCount 2) and a 5 s VisibilityTimeout;
#   2. the function "process" (python3.11, aws lambda): it reports the
#      orders without an "id" as its batch's failures
#      (ReportBatchItemFailures) and fails such an order given alone;
#   3. the mapping (aws lambda create-event-source-mapping, BatchSize 10);
#   4. orders come in: two by `aws sqs send-message`, six by boto3's
#      send_message_batch, two of them without an id: the six good ones
#      are deleted, the two broken ones reach orders-dlq after two
#      receives each, and the function's billing lines are A's;
#   5. asynchronously: boto3 puts an OnFailure destination (the queue
#      "failed-events", MaximumRetryAttempts 0) and sends a broken order
#      as an Event: 202, then the queue holds Lambda's record of the
#      failure (condition RetriesExhausted, the payload);
#   6. the function is fixed (aws lambda update-function-code);
#      `fngate queue redrive` moves orders-dlq's orders back to "orders",
#      where they now succeed; `fngate function redrive` runs the failed
#      event again: all queues end empty, the events' billing lines say
#      Event;
#   7. `fngate usage --as A` counts the function's calls as the billing
#      lines do.
#
# Prints "ok" or "FAIL" per check; exits 1 on the first failure.
set -euo pipefail

. "$(dirname "$(readlink -f "$0")")/story-lib.sh"
story_begin order-story "${1:-}"

sqs() { as a "$AWS" --endpoint-url "$EP" sqs "$@"; }
boto() { as a "$PY" - "$@"; }
arn() { printf 'arn:aws:sqs:%s:%s:%s' "$REGION" "$A" "$1"; }
url() { printf '%s/%s/%s' "$EP" "$A" "$1"; }

# count QUEUE: its visible and in-flight messages, "N M".
count() {
    sqs get-queue-attributes --queue-url "$(url "$1")" --attribute-names \
        ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible |
        jq -r '"\(.Attributes.ApproximateNumberOfMessages) \(.Attributes.ApproximateNumberOfMessagesNotVisible)"'
}

# wait_for WHAT SECONDS CMD...: until CMD succeeds, at most SECONDS.
wait_for() {
    local what=$1 left=$2
    shift 2
    until "$@"; do
        left=$((left - 1))
        [ "$left" -gt 0 ] || fail "$what: not within the time allowed"
        sleep 1
    done
    ok "$what"
}
counts_are() { [ "$(count "$1")" = "$2" ]; }

# ---------------------------------------------------------------- queues

sqs create-queue --queue-name orders-dlq >/dev/null
sqs create-queue --queue-name orders --attributes "{\"VisibilityTimeout\":\"5\",
  \"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$(arn orders-dlq)\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}" \
    >/dev/null
sqs create-queue --queue-name failed-events >/dev/null
check "aws sqs: list-queues names the three" \
    "$(sqs list-queues | jq -r '.QueueUrls[]' | sed 's|.*/||' | sort | tr '\n' ' ')" \
    "failed-events orders orders-dlq "
check "aws sqs: orders' RedrivePolicy" \
    "$(sqs get-queue-attributes --queue-url "$(url orders)" \
        --attribute-names RedrivePolicy |
        jq -r '.Attributes.RedrivePolicy | fromjson | "\(.deadLetterTargetArn) \(.maxReceiveCount)"')" \
    "$(arn orders-dlq) 2"

# ---------------------------------------------------------------- function

mkdir "$WORK/v1" "$WORK/v2"
cat >"$WORK/v1/app.py" <<'EOF'
import json

def order_ok(order):
    return "id" in order

def handler(event, context):
    if "Records" not in event:          # an asynchronous call: one order
        if not order_ok(event):
            raise ValueError("order without an id: %s" % json.dumps(event))
        return {"done": event["id"]}
    failures = [{"itemIdentifier": r["messageId"]}
                for r in event["Records"] if not order_ok(json.loads(r["body"]))]
    return {"batchItemFailures": failures}
EOF
sed 's/return "id" in order/return True/' "$WORK/v1/app.py" >"$WORK/v2/app.py"
sed -i 's/return {"done": event\["id"\]}/return {"done": event.get("id", "new")}/' \
    "$WORK/v2/app.py"
(cd "$WORK/v1" && zip -q -X ../v1.zip app.py)
(cd "$WORK/v2" && zip -q -X ../v2.zip app.py)

lambda a create-function --function-name process --runtime python3.11 \
    --handler app.handler --role "arn:aws:iam::$A:role/shop" \
    --zip-file "fileb://$WORK/v1.zip" >/dev/null
check "aws lambda: create-function process (python3.11)" \
    "$(lambda a get-function-configuration --function-name process |
        jq -r '"\(.Runtime) \(.Handler)"')" "python3.11 app.handler"

out=$(lambda a create-event-source-mapping --function-name process \
    --event-source-arn "$(arn orders)" --batch-size 10 \
    --function-response-types ReportBatchItemFailures)
UUID=$(jq -r .UUID <<<"$out")
check "aws lambda: create-event-source-mapping orders -> process" \
    "$(jq -r '"\(.BatchSize) \(.FunctionResponseTypes[0]) \(.EventSourceArn)"' <<<"$out")" \
    "10 ReportBatchItemFailures $(arn orders)"
mapping_enabled() {
    [ "$(lambda a get-event-source-mapping --uuid "$UUID" | jq -r .State)" = Enabled ]
}
wait_for "the mapping is Enabled" 60 mapping_enabled

# ---------------------------------------------------------------- orders

sqs send-message --queue-url "$(url orders)" \
    --message-body '{"id":1,"item":"tea"}' >/dev/null
sqs send-message --queue-url "$(url orders)" \
    --message-body '{"item":"cake"}' >/dev/null
boto "$(url orders)" <<'EOF'
import json, sys, boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1].rsplit("/", 2)[0])
orders = [{"id": 2, "item": "jam"}, {"id": 3, "item": "bread"},
          {"item": "pie"}, {"id": 4, "item": "milk"},
          {"id": 5, "item": "eggs"}, {"id": 6, "item": "rice"}]
out = sqs.send_message_batch(QueueUrl=sys.argv[1], Entries=[
    {"Id": str(i), "MessageBody": json.dumps(o)} for i, o in enumerate(orders)])
assert len(out["Successful"]) == 6 and not out.get("Failed"), out
EOF
ok "orders sent: two by aws sqs send-message, six by boto3 send_message_batch"

dead_lettered() { counts_are orders '0 0' && counts_are orders-dlq '2 0'; }
wait_for "the good orders leave 'orders', the two broken ones reach 'orders-dlq'" 120 \
    dead_lettered
check "orders-dlq holds the orders without an id" \
    "$(boto "$(url orders-dlq)" <<'EOF'
import json, sys, boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1].rsplit("/", 2)[0])
got = sqs.receive_message(QueueUrl=sys.argv[1], MaxNumberOfMessages=10,
                          VisibilityTimeout=0)
print(" ".join(sorted(json.dumps(json.loads(m["Body"]))
                      for m in got["Messages"])))
EOF
)" '{"item": "cake"} {"item": "pie"}'

jq -c --arg a "$A" 'select(.action == "Invoke" and .billing_account == $a
    and .function == "process")' "$ACCESS_LOG" >"$WORK/lines"
check "log: every batch of process is billed to A and ran (no 4xx/5xx)" \
    "$(jq -r 'select((.status | tonumber) != 200) | .request_id' "$WORK/lines" | wc -l)" 0
[ "$(wc -l <"$WORK/lines")" -ge 3 ] ||
    fail "log: fewer than 3 batches (two receives of each broken order at least)"
ok "log: $(wc -l <"$WORK/lines") batches of process billed to A"

# ---------------------------------------------------------------- async

boto "$A" "$EP" <<'EOF'
import sys, boto3
lam = boto3.client("lambda", endpoint_url=sys.argv[2])
lam.put_function_event_invoke_config(
    FunctionName="process", MaximumRetryAttempts=0,
    DestinationConfig={"OnFailure": {
        "Destination": "arn:aws:sqs:us-east-1:%s:failed-events" % sys.argv[1]}})
out = lam.invoke(FunctionName="process", InvocationType="Event",
                 Payload=b'{"item":"soup"}')
assert out["StatusCode"] == 202, out
EOF
ok "boto3: OnFailure -> failed-events, then an Event of a broken order: 202"
wait_for "failed-events gets the record of the failure" 60 \
    counts_are failed-events '1 0'
check "the record: Lambda's shape, condition RetriesExhausted, the order, the error" \
    "$(sqs receive-message --queue-url "$(url failed-events)" \
        --visibility-timeout 0 | jq -r '.Messages[0].Body | fromjson |
        "\(.requestContext.condition) \(.requestContext.approximateInvokeCount) \(.requestPayload.item) \(.responseContext.functionError) \(.responsePayload.errorType)"')" \
    "RetriesExhausted 1 soup Unhandled ValueError"

# ---------------------------------------------------------------- redrive

lambda a update-function-code --function-name process \
    --zip-file "fileb://$WORK/v2.zip" >/dev/null
ok "aws lambda: update-function-code: process accepts orders without an id"
task=$("$FNGATE" queue redrive "$(arn orders-dlq)" --keys "$WORK/a.json" |
    jq -r .TaskHandle)
ok "fngate queue redrive orders-dlq: task $task"
redriven() { counts_are orders-dlq '0 0' && counts_are orders '0 0'; }
wait_for "the redriven orders run and leave both queues" 120 redriven

"$FNGATE" function redrive process --from "$(arn failed-events)" \
    --keys "$WORK/a.json" >/dev/null
check "fngate function redrive: failed-events is empty" \
    "$(count failed-events)" "0 0"
event_ran() {
    jq -e -s --arg a "$A" 'map(select(.action == "Invoke"
        and .billing_account == $a and .function == "process"
        and .invocation_type == "Event" and .status == "200"
        and .function_error == "")) | length == 1' "$ACCESS_LOG" >/dev/null
}
wait_for "the event runs again as an Event, and succeeds" 60 event_ran

# ---------------------------------------------------------------- usage

jq -c --arg a "$A" 'select(.action == "Invoke" and .billing_account == $a
    and .function == "process" and .status != "202")' "$ACCESS_LOG" >"$WORK/lines"
lines=$(wc -l <"$WORK/lines")
calls=$("$FNGATE" usage --as "$A" | awk -v a="$A" '$1 == a { n += $4 } END { print n + 0 }')
check "fngate usage --as A: the calls of the billing lines ($lines)" "$calls" "$lines"

lambda a delete-event-source-mapping --uuid "$UUID" >/dev/null
lambda a delete-function --function-name process
for q in orders orders-dlq failed-events; do
    sqs delete-queue --queue-url "$(url "$q")"
done
ok "A's mapping, function and queues deleted"
echo "order-story: all checks passed"
