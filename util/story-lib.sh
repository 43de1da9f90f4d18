# util/story-lib.sh: what util/xaccount-story.sh, util/api-story.sh and
# util/order-story.sh share, sourced by each (not run on its own).
#
#   story_begin PREFIX [--keep]
#
# starts the stack of util/fngate when it is not running (and stops it
# again at the end unless --keep), creates the accounts PREFIX-a, -b and -c
# (A, B, C: their ids; their keys in $WORK/{a,b,c}.json) and sets ROOT,
# FNGATE, STATE, AWS, PY, REGION, EP, ACCESS_LOG and WORK (a temporary
# folder, removed at the end).  Helpers: ok, fail, check, as, lambda,
# sigv4, status_of.

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
FNGATE=$ROOT/util/fngate
STATE=${FNGATE_STATE:-$ROOT/.fngate}
export FNGATE_STATE=$STATE
AWS=/usr/bin/aws
PY=/usr/bin/python3
REGION=us-east-1
KEEP=0
STARTED=0
WORK=

story_finish() {
    local rc=$?
    [ -n "$WORK" ] && rm -rf "$WORK"
    if [ "$STARTED" = 1 ] && [ "$KEEP" = 0 ]; then
        "$FNGATE" down >/dev/null 2>&1 || true
    fi
    exit $rc
}

ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*" >&2; exit 1; }

# check DESCRIPTION ACTUAL EXPECTED
check() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        fail "$1: got '$2', expected '$3'"
    fi
}

story_begin() {
    local prefix=$1 who
    [ "${2:-}" = --keep ] && KEEP=1
    WORK=$(mktemp -d)
    trap story_finish EXIT
    # (grep reads it all: with pipefail, grep -q's early exit would make
    # status fail on a closed pipe)
    if ! "$FNGATE" status | grep '^nginx .*running' >/dev/null; then
        "$FNGATE" up
        STARTED=1
    fi
    EP=http://127.0.0.1:$(cat "$STATE/port")
    ACCESS_LOG=$STATE/nginx/logs/access.log
    for who in a b c; do
        "$FNGATE" admin account create "$prefix-$who" >"$WORK/$who.json"
    done
    A=$(jq -r .AccountId "$WORK/a.json")
    B=$(jq -r .AccountId "$WORK/b.json")
    C=$(jq -r .AccountId "$WORK/c.json")
    ok "accounts: A $A, B $B, C $C"
}

# as WHO CMD...: CMD with WHO's keys and nothing of the user's AWS setup.
as() {
    local f=$WORK/$1.json
    shift
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK" \
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        AWS_PAGER= AWS_DEFAULT_REGION=$REGION AWS_MAX_ATTEMPTS=1 \
        AWS_ACCESS_KEY_ID="$(jq -r .AccessKeyId "$f")" \
        AWS_SECRET_ACCESS_KEY="$(jq -r .SecretAccessKey "$f")" \
        FNGATE_ENDPOINT="$EP" "$@"
}

# lambda WHO ARGS...: the AWS CLI's `aws lambda ARGS` as WHO.
lambda() {
    local who=$1
    shift
    as "$who" "$AWS" --endpoint-url "$EP" --cli-read-timeout 300 lambda "$@"
}

# sigv4 WHO METHOD PATH [BODY]: fngate's own calls, with curl's signing:
# the body, a newline and the status.
sigv4() {
    local f=$WORK/$1.json
    curl -sS --max-time 300 --aws-sigv4 "aws:amz:$REGION:lambda" \
        --user "$(jq -r .AccessKeyId "$f"):$(jq -r .SecretAccessKey "$f")" \
        -X "$2" -H 'Content-Type: application/json' \
        ${4:+--data "$4"} -w '\n%{http_code}' "$EP$3"
}

# status_of ANSWER: the status sigv4 put after the body.
status_of() { printf '%s' "${1##*$'\n'}"; }
