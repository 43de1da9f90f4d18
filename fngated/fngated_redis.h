/*
 * fngated_redis: each thread's blocking connections to Redis, its
 * commands and the Lua scripts every multi-key write is.
 *
 * `redis` in fngated.conf is one Redis, or the seeds of a Redis Cluster
 * (lib/fg_cluster.h): then a thread keeps a connection to each master and
 * the cluster's slot map, and sends each command to its key's master.
 * Every script's keys share one hash tag, so a script runs on one node.
 *
 * The scripts are fngated/lua/NAME.lua, embedded at build time
 * (fngated/lua/embed.awk writes $(BUILD)/gen/fngated_lua.c); each
 * connection loads them all with SCRIPT LOAD when it opens, and a script
 * runs with EVALSHA.  Redis answers NOSCRIPT when it lost them (a restart
 * behind a connection that survived, SCRIPT FLUSH): the script is loaded
 * again and run once more.
 */

#ifndef FNGATED_REDIS_H
#define FNGATED_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "fg_cluster.h"
#include "fngated_req.h"

/* One per fngated/lua/NAME.lua, FGD_SCRIPT_ + NAME in upper case. */
typedef enum {
    FGD_SCRIPT_CREATE = 0,
    FGD_SCRIPT_PUBLISH,
    FGD_SCRIPT_UPDATE_CODE,
    FGD_SCRIPT_UPDATE_CONFIG,
    FGD_SCRIPT_DELETE_VERSION,
    FGD_SCRIPT_DELETE_ALL,
    FGD_SCRIPT_ALIAS_PUT,
    FGD_SCRIPT_ASYNC_DONE,
    FGD_SCRIPT_CONCURRENCY_PUT,
    FGD_SCRIPT_ASYNC_ENQUEUE,
    FGD_SCRIPT_ASYNC_RENEW,
    FGD_SCRIPT_ASYNC_TAKE,
    FGD_SCRIPT_ALIAS_DELETE,
    FGD_SCRIPT_PERMISSION_ADD,
    FGD_SCRIPT_PERMISSION_REMOVE,
    FGD_SCRIPT_BOUNDS_PUT,
    FGD_SCRIPT_OVERRIDES_PUT,
    FGD_SCRIPT_API_CREATE,
    FGD_SCRIPT_API_UPDATE,
    FGD_SCRIPT_API_DELETE,
    FGD_SCRIPT_ROUTE_PUT,
    FGD_SCRIPT_ROUTE_DELETE,
    FGD_SCRIPT_SUB_CREATE,
    FGD_SCRIPT_SUB_UPDATE,
    FGD_SCRIPT_QUEUE_CREATE,        /* queues: fngated_queues.c */
    FGD_SCRIPT_QUEUE_SET,
    FGD_SCRIPT_QUEUE_DELETE,
    FGD_SCRIPT_QUEUE_PURGE,
    FGD_SCRIPT_QUEUE_SEND,
    FGD_SCRIPT_QUEUE_RECEIVE,
    FGD_SCRIPT_QUEUE_DELETE_MSG,
    FGD_SCRIPT_QUEUE_VISIBILITY,
    FGD_SCRIPT_QUEUE_COUNTS,
    FGD_SCRIPT_QUEUE_MOVE_START,
    FGD_SCRIPT_QUEUE_MOVE,
    FGD_SCRIPT_QUEUE_MOVE_CANCEL,
    FGD_SCRIPT_EIC_PUT,
    FGD_SCRIPT_ESM_PUT,             /* event source mappings: fngated_esm */
    FGD_SCRIPT_ESM_DELETE,
    FGD_SCRIPT_ESM_RESULT,
    FGD_SCRIPT_ROLE_CREATE,         /* execution roles: fngated_roles.c */
    FGD_SCRIPT_ROLE_DELETE,
    FGD_SCRIPT_ROLE_POLICY_PUT,
    FGD_SCRIPT_HASH_CREATE,         /* a name given once: accounts, keys */
    FGD_SCRIPT_IDEM_STORE,          /* idempotent results: fngated_idem */
    FGD_SCRIPT_PROVISIONED_PUT,     /* fngated_provisioned.c */
    FGD_SCRIPT_BILL_APPEND,         /* the shipper: fngated_billship.c */
    FGD_SCRIPT_COUNT
} fgd_script_t;

typedef struct {
    const char  *name;          /* NAME of fngated/lua/NAME.lua */
    const char  *text;          /* its code, with the pieces it uses */
} fgd_redis_script_t;

/* The generated table ($(BUILD)/gen/fngated_lua.c). */
extern const fgd_redis_script_t  fgd_redis_scripts[FGD_SCRIPT_COUNT];

/* A thread's connections (fgd_req_t.redis points at its pointer, NULL
 * until the first command): closed and freed. */
void fgd_redis_free(fgd_redis_t *h);

/*
 * Runs one command on q's connection to the node of its key (opened, and
 * the scripts loaded, when there is none).  lens may be NULL for
 * NUL-terminated arguments.  A read (idempotent) that fails on a stale
 * connection is retried once on a fresh one; a write is never retried (it
 * may have been applied): an idle connection is first checked for a
 * close by the server (no round trip).  In a
 * cluster, MOVED and ASK are followed and a failover waited for (at most
 * redis_retry ms); a write then waits for redis_wait replicas (WAIT).
 * Returns the reply (freeReplyObject it), or NULL with r filled: 503 when
 * Redis can not be reached or is full (maxmemory: nothing was written),
 * 502 when the command failed on the wire or Redis answered an error.
 */
redisReply *fgd_redis_command(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r);

/*
 * Runs the script with nkeys keys, then the other arguments: args holds
 * both (keys first), alens their lengths (NULL: NUL-terminated).  The
 * reply, or NULL with r (as fgd_redis_command; scripts write).
 */
redisReply *fgd_redis_script(const fgd_req_t *q, fgd_script_t script,
    int nkeys, int nargs, const char **args, const size_t *alens,
    fgd_resp_t *r);

/* fgd_redis_script for the scripts that answer one integer: 0 with *v,
 * or -1 with r (502 for another answer). */
int fgd_redis_script_int(const fgd_req_t *q, fgd_script_t script,
    int nkeys, int nargs, const char **args, const size_t *alens,
    long long *v, fgd_resp_t *r);

/*
 * Scratch writes: as fgd_redis_command's writes and
 * fgd_redis_script_int, but never waited for (redis_wait): what one call
 * keeps for itself, which a failover may lose at no cost to anything
 * acknowledged (a call's credentials, made and deleted with it; a stored
 * idempotent result, a cache).  Every other write waits.
 */
redisReply *fgd_redis_scratch(const fgd_req_t *q, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r);
int fgd_redis_scratch_int(const fgd_req_t *q, fgd_script_t script,
    int nkeys, int nargs, const char **args, const size_t *alens,
    long long *v, fgd_resp_t *r);

/* fgd_redis_script for the scripts that answer an array whose first
 * element is an integer status: the reply, or NULL with r (502 for
 * another answer). */
redisReply *fgd_redis_script_status(const fgd_req_t *q,
    fgd_script_t script, int nkeys, int nargs, const char **args,
    const size_t *alens, fgd_resp_t *r);

/* What fngated/lua/ and the enum disagree on: the first script without a
 * text, or FGD_SCRIPT_COUNT (checked at start). */
fgd_script_t fgd_redis_scripts_missing(void);

#endif /* FNGATED_REDIS_H */
