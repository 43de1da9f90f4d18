#!/bin/sh
# A custom runtime (Runtime provided*) on the Lambda Runtime API, with
# nothing but busybox (as in the guest image).  It counts its calls, so a
# count above 1 shows the process stayed loaded.  $MODE:
#   count    answer {"n":N,"second":"...","ev":EVENT}
#   twice    the same, then answer again (what the API said to that goes
#            into the next answer's "second")
#   exit     exit after each answer
#   error    post each event as an error (errorMessage, errorType,
#            stackTrace)
#   crash    exit 7 during init
#   initerr  post an init error, then wait
# Used by t/unit/test_fngate_agent.c (the agent on the host) and
# t/runtime.t.
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
t=/tmp/rt.$$
# Files of an earlier process with this pid (the unit tests run it on the
# host, whose /tmp keeps what a killed runtime left) are not this one's.
rm -f $t.ev $t.h $t.second
echo "init mode=$MODE handler=$_HANDLER" >&2
case "$MODE" in
crash) exit 7 ;;
initerr)
    busybox wget -q -O /dev/null \
        --header 'Lambda-Runtime-Function-Error-Type: Runtime.Boom' \
        --post-data '{"errorMessage":"no config","errorType":"Runtime.Boom"}' \
        "$api/init/error"
    sleep 30 ;;
esac
n=0
while :; do
    busybox wget -q -S -O $t.ev "$api/invocation/next" 2>$t.h || exit 3
    id=$(sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' $t.h | tr -d '\r')
    n=$((n + 1))
    echo "call $n" >&2
    if [ "$MODE" = error ]; then
        busybox wget -q -O /dev/null \
            --header 'Lambda-Runtime-Function-Error-Type: Custom.Err' \
            --post-data "{\"errorMessage\":\"bad event $(tr -d '\"' <$t.ev)\",\"errorType\":\"Custom.Err\",\"stackTrace\":[\"counter.sh line $n\"]}" \
            "$api/invocation/$id/error"
        continue
    fi
    second=$(cat $t.second 2>/dev/null | tr -d '"\n')
    busybox wget -q -O /dev/null \
        --post-data "{\"n\":$n,\"second\":\"$second\",\"ev\":$(cat $t.ev)}" \
        "$api/invocation/$id/response"
    case "$MODE" in
    twice)
        busybox wget -q -O /dev/null --post-data '{"n":-1}' \
            "$api/invocation/$id/response" 2>$t.second ;;
    exit) exit 0 ;;
    esac
done
