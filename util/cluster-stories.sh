#!/usr/bin/env bash
# util/cluster-stories.sh: issue 16's "done when" on a local cluster: the
# cross-account story and the API story, unchanged, then the failover
# tests, all on one `fngate up --cluster` (FNGATE_HOSTS hosts, 2 unless
# set; FNGATE_STATE, FNGATE_PORT, FNGATE_REDIS_PORT, FNGATE_VM_PREFIX as
# util/fngate takes them), stopped at the end.
#
#   util/cluster-stories.sh            (CLUSTER_FAULT_SECS: cluster-faults.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
export FNGATE_HOSTS=${FNGATE_HOSTS:-2}
# (cluster-faults.sh's leases, for the whole stack)
export FNGATE_FNGATED_KEYS="async_visibility_timeout=5 async_sweep=2 ${FNGATE_FNGATED_KEYS:-}"

"$ROOT/util/fngate" status | grep '^nginx .*running' >/dev/null && {
    echo "cluster-stories: a stack runs on this state already; stop it first" >&2
    exit 1
}
trap '"$ROOT/util/fngate" down >/dev/null 2>&1 || true' EXIT
"$ROOT/util/fngate" up --cluster --hosts "$FNGATE_HOSTS"
"$ROOT/util/fngate" status
"$ROOT/util/xaccount-story.sh" --keep
"$ROOT/util/api-story.sh" --keep
"$ROOT/util/cluster-faults.sh" --keep
echo "cluster-stories: all passed on $FNGATE_HOSTS hosts and a Redis Cluster"
