/*
 * fngated: shared types of the daemon's files (fngated.c: process,
 * threads, FastCGI I/O, dispatch; fngated_store.c: Redis;
 * fngated_invoke.c: Invoke through vmpool).  The pure logic is in
 * fngated_priv.h.
 */

#ifndef FNGATED_H
#define FNGATED_H

#include <hiredis/hiredis.h>

#include "fngated_priv.h"

typedef struct {
    const fgd_conf_t  *conf;
    redisContext     **redis;          /* this thread's connection */
    const char        *request_id;
    const char        *action;
    const char        *caller;         /* FNGATE_CALLER, validated */
    const char        *owner;          /* function owner account */
    const char        *function;       /* FNGATE_FUNCTION */
    const char        *qualifier;      /* FNGATE_QUALIFIER, "" if none */
    const char        *pool_key;       /* VM dedication account */
    const char        *billing;        /* billed account */
    const char        *region;
    const char        *alias;          /* FNGATE_ALIAS: the cross-account
                                          alias ARN the call came by, or
                                          "" */
    const char        *log_type;       /* FNGATE_LOG_TYPE */
    const char        *invocation_type;
    const char        *query;          /* QUERY_STRING */
    const char        *body;
    size_t             body_len;
    char               name[FG_FUNCTION_NAME_MAX + 1];  /* CreateFunction's
                                          FunctionName, for the log */
} fgd_req_t;

/* Logging: one line on stderr, "TIME LEVEL [request id] message". */
void fgd_log(const char *level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A connection to conf->redis; NULL with err. */
redisContext *fgd_redis_connect(const fgd_conf_t *conf, char *err,
    size_t err_size);

/* Redis (fngated_store.c).  Each returns 0, or -1 with r filled (404,
 * 409, 503 ServiceException when Redis is down, ...). */
int fgd_store_create(const fgd_req_t *q, const fgd_create_t *c,
    fgd_resp_t *r);
int fgd_store_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_fn_t *fn, fgd_resp_t *r);
int fgd_store_list(const fgd_req_t *q, const char *marker,
    unsigned max_items, fgd_fn_t **fns, size_t *n, char *next_marker,
    size_t next_size, fgd_resp_t *r);
int fgd_store_delete(const fgd_req_t *q, const char *name, fgd_resp_t *r);
int fgd_store_code(const fgd_req_t *q, const char *account,
    const char *sha256hex, uint8_t **zip, size_t *len, fgd_resp_t *r);

int fgd_store_get_version(const fgd_req_t *q, const char *account,
    const char *name, const char *version, fgd_fn_t *fn, fgd_resp_t *r);
int fgd_store_resolve(const fgd_req_t *q, const char *account,
    const char *name, const char *qualifier, bool weighted, fgd_fn_t *fn,
    fgd_resp_t *r);
int fgd_store_publish(const fgd_req_t *q, const char *name,
    const fgd_publish_t *p, char version[FGD_VERSION_LEN], bool *created,
    fgd_resp_t *r);
int fgd_store_update_code(const fgd_req_t *q, const char *name,
    const char *old_sha, const fgd_create_t *c, const char *want_revision,
    fgd_resp_t *r);
int fgd_store_update_config(const fgd_req_t *q, const fgd_fn_t *fn,
    const char *read_revision, fgd_resp_t *r);
int fgd_store_list_versions(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, fgd_fn_t **fns, size_t *n,
    char *next_marker, size_t next_size, fgd_resp_t *r);
int fgd_store_delete_version(const fgd_req_t *q, const char *name,
    const char *version, fgd_resp_t *r);
int fgd_store_alias_get(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a, fgd_resp_t *r);
/* read_revision NULL: create; else the RevisionId the update read. */
int fgd_store_alias_put(const fgd_req_t *q, const char *name,
    const fgd_alias_t *a, const char *read_revision, fgd_resp_t *r);
/* A cross-account alias's target: granted, existing, not chained. */
int fgd_store_xalias_check(const fgd_req_t *q, const fgd_alias_t *a,
    fgd_resp_t *r);
int fgd_store_alias_delete(const fgd_req_t *q, const char *name,
    const char *alias, fgd_resp_t *r);
int fgd_store_list_aliases(const fgd_req_t *q, const char *name,
    const char *marker, unsigned max_items, const char *version,
    fgd_alias_t **as, size_t *n, char *next_marker, size_t next_size,
    fgd_resp_t *r);

/* The alias and, when o is not NULL, its execution overrides. */
int fgd_store_alias_read(const fgd_req_t *q, const char *account,
    const char *name, const char *alias, fgd_alias_t *a,
    fgd_overrides_t *o, fgd_resp_t *r);

/* Execution bounds: get leaves b zero when none are set. */
int fgd_store_bounds_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r);
/* Sets the caller's bounds of name (json ""  drops them); 404 without the
 * function. */
int fgd_store_bounds_put(const fgd_req_t *q, const char *name,
    const char *json, fgd_resp_t *r);
/* Sets (json "": drops) the overrides of the caller's cross-account alias
 * if its RevisionId is still read_revision, and gives it new_revision. */
int fgd_store_overrides_put(const fgd_req_t *q, const char *name,
    const char *alias, const char *read_revision, const char *json,
    const char *new_revision, fgd_resp_t *r);

/* A count quota (conf's quota_*) refused the call: 409
 * ResourceConflictException naming it, and a log line.  Returns -1. */
int fgd_store_quota_refused(const fgd_req_t *q, const char *what,
    const char *per, const char *key, unsigned limit, fgd_resp_t *r);

/* One Redis command for the other stores: the reply (freeReplyObject
 * it), or NULL with r (503/502). */
redisReply *fgd_store_command(const fgd_req_t *q, bool idempotent, int argc,
    const char **argv, const size_t *lens, fgd_resp_t *r);

/* APIs made of functions (fngated_apis.c): whether the action is one of
 * theirs (management calls and InvokeApi), and the call.  param reads a
 * FastCGI param of the request ("" when absent). */
typedef const char *(*fgd_param_pt)(void *req, const char *name);
bool fgd_apis_action(fg_action_t action);
bool fgd_apis_management(fg_action_t action);

/*
 * GetUsage (api NULL: the calls billed to the caller, per owner and API)
 * and GetApiUsage (the calls of the caller's API of that name, per billed
 * account), from q->conf->billing_log and its rotations, within the
 * query's Since / Until (epoch seconds).  fngated_usage.c.  0, or -1
 * with r.
 */
int fgd_usage_get(const fgd_req_t *q, const char *api, fgd_resp_t *r);

/* How `fngated usage` groups its rows (as `fngate usage --by`). */
typedef enum {
    FGD_USAGE_BY_ACCOUNT,       /* per billed account */
    FGD_USAGE_BY_OWNER,         /* per billed account and owner */
    FGD_USAGE_BY_API            /* per billed account, owner and API */
} fgd_usage_by_t;

typedef struct {
    const char      *log;       /* the billing log (absolute) */
    double           since;     /* epoch seconds, [since, until) */
    double           until;
    const char      *account;   /* the billed account, or NULL */
    const char      *viewer;    /* billed to it or of its own, or NULL */
    fgd_usage_by_t   by;
} fgd_usage_opts_t;

/*
 * The operator's table (`fngated usage`, `fngate usage`): one row per
 * group with calls, billed ms, GB-seconds, errors, cold starts and the
 * first and last call's time, from the same sums as GetUsage.  0, or -1
 * with err (no log).
 */
int fgd_usage_print(FILE *out, const fgd_usage_opts_t *o, char *err,
    size_t err_size);

/*
 * Whether the billing log's file system has billing_log_reserve bytes
 * free (*avail: what it has).  nginx writes a call's line after the
 * answer has gone and loses a line it can not write, so fngated runs no
 * call and sends no call's result while it has not.  true without a
 * billing log or reserve, or when the file system can not be asked.
 * fngated_usage.c.
 */
bool fgd_billing_log_room(const fgd_conf_t *conf, unsigned long long *avail);
int fgd_apis_handle(fg_action_t action, const fgd_req_t *q,
    fgd_param_pt param, void *req, fgd_resp_t *r);

#define FGD_CACHE_KEY_MAX  640      /* "o:" + an alias ARN, "b:A:NAME" */

/* The per-process cache of fngated_cache.c: fgd_cache_get returns a
 * malloc'd copy or NULL; put keeps value for ttl_ms (0: not at all). */
char *fgd_cache_get(const char *key);
void fgd_cache_put(const char *key, const char *value, unsigned ttl_ms);
void fgd_cache_forget(const char *key);
void fgd_cache_key_overrides(char *dst, size_t size, const char *alias_arn);
void fgd_cache_key_bounds(char *dst, size_t size, const char *account,
    const char *name);
/* The owner's bounds and a cross-account alias's overrides, through the
 * cache (cache_ttl).  0, or -1 with r. */
int fgd_cached_bounds(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r);
int fgd_cached_overrides(const fgd_req_t *q, const char *alias_arn,
    fgd_overrides_t *o, fgd_resp_t *r);

/* Invoke (fngated_invoke.c). */
void fgd_pool_start(const fgd_conf_t *conf);
void fgd_pool_stop(void);
/* Deletes this host's function snapshots of owner's function name and
 * version (NULL: all versions): its code, configuration or the function
 * changed. */
void fgd_pool_forget(const char *owner, const char *name,
    const char *version);
int fgd_invoke(const fgd_req_t *q, fgd_resp_t *r);

/* Resource policies (fngated_store.c).  AddPermission: 0 with the new
 * RevisionId of the policy; 404 for an unknown qualifier, 409 for a
 * duplicate StatementId, 412 for a stale RevisionId. */
int fgd_store_permission_add(const fgd_req_t *q, const fgd_permission_t *p,
    const char *statement, char revision[37], fgd_resp_t *r);
/* RemovePermission: 404 when the statement does not exist. */
int fgd_store_permission_remove(const fgd_req_t *q, const char *sid,
    const char *want_revision, fgd_resp_t *r);
/* GetPolicy: the statements (malloc'd, sorted by Sid) and RevisionId;
 * 404 when the policy has none. */
int fgd_store_policy_get(const fgd_req_t *q, char ***statements, size_t *n,
    char revision[37], fgd_resp_t *r);

#endif /* FNGATED_H */
