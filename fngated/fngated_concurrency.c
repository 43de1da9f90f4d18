/*
 * fngated_concurrency: a function's reserved concurrency
 * (fngated_concurrency.h).
 *
 * The number is the field ReservedConcurrentExecutions of the function's
 * $LATEST hash (fngated/lua/concurrency_put.lua), so it holds for every
 * version and alias of the function.  The calls running are counted per
 * fngated, in this process (several fngated hosts each allow the number:
 * docs/async.md); an Invoke reads the number when it starts (one HGET).
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_keys.h"
#include "fngated_concurrency.h"
#include "fngated_json.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"
#include "fngated_util.h"

#define FGD_RESERVED_FIELD  "ReservedConcurrentExecutions"
/* Lambda's account concurrency: the most one function may reserve here. */
#define FGD_RESERVED_MAX    1000

/* The functions with calls running, and how many. */
typedef struct {
    char      key[FG_ACCOUNT_LEN + FG_FUNCTION_NAME_MAX + 2];  /* A:NAME */
    unsigned  running;
} fgd_running_t;

static pthread_mutex_t   fgd_running_lock = PTHREAD_MUTEX_INITIALIZER;
static fgd_running_t    *fgd_running;
static size_t            fgd_running_n, fgd_running_cap;


/* The entry of A:NAME (made when make), or NULL; the lock is held. */
static fgd_running_t *
fgd_running_of(const char *owner, const char *function, bool make)
{
    char           key[FG_ACCOUNT_LEN + FG_FUNCTION_NAME_MAX + 2];
    fgd_running_t *nr;
    size_t         i;

    snprintf(key, sizeof(key), "%s:%s", owner, function);
    for (i = 0; i < fgd_running_n; i++) {
        if (strcmp(fgd_running[i].key, key) == 0) {
            return &fgd_running[i];
        }
    }
    if (!make) {
        return NULL;
    }
    if (fgd_grow(&fgd_running, &fgd_running_cap, fgd_running_n,
            sizeof(*fgd_running), 16) != 0)
    {
        return NULL;
    }
    nr = &fgd_running[fgd_running_n++];
    memcpy(nr->key, key, sizeof(key));
    nr->running = 0;
    return nr;
}

int
fgd_concurrency_reserved(const fgd_req_t *q, const char *owner,
    const char *function, unsigned *n, fgd_resp_t *r)
{
    char      key[FG_KEY_MAX], num[16];
    uint64_t  v;
    int       got;

    if (fg_key_function(key, sizeof(key), owner, function) >= FG_KEY_MAX) {
        return 0;
    }
    got = fgd_store_hget(q, key, FGD_RESERVED_FIELD, num, sizeof(num), r);
    if (got <= 0) {
        return got;
    }
    if (!fgd_parse_u64(num, strlen(num), &v) || v > FGD_RESERVED_MAX) {
        fgd_log("error", q->request_id, "%s of %s:%s is \"%s\"; taken as "
            "none", FGD_RESERVED_FIELD, owner, function, num);
        return 0;
    }
    *n = (unsigned) v;
    return 1;
}

int
fgd_concurrency_enter(const fgd_req_t *q, const char *owner,
    const char *function, bool *held, fgd_resp_t *r)
{
    unsigned        reserved;
    fgd_running_t  *e;
    int             got;

    *held = false;
    got = fgd_concurrency_reserved(q, owner, function, &reserved, r);
    if (got <= 0) {
        return got;                     /* none reserved: no limit */
    }
    pthread_mutex_lock(&fgd_running_lock);
    e = fgd_running_of(owner, function, true);
    if (e != NULL && e->running < reserved) {
        e->running++;
        *held = true;
    }
    pthread_mutex_unlock(&fgd_running_lock);
    if (*held || e == NULL) {
        return e == NULL ? fgd_nomem(r) : 0;
    }
    fgd_log("info", q->request_id, "%s:%s runs its %u reserved calls at "
        "once: this one is throttled", owner, function, reserved);
    r->throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
    return fgd_error(r, 429, "TooManyRequestsException", "Rate Exceeded.");
}

void
fgd_concurrency_leave(const char *owner, const char *function)
{
    fgd_running_t  *e;

    pthread_mutex_lock(&fgd_running_lock);
    e = fgd_running_of(owner, function, false);
    if (e != NULL && e->running > 0 && --e->running == 0) {
        /* the last call of the function: its entry goes */
        *e = fgd_running[--fgd_running_n];
    }
    pthread_mutex_unlock(&fgd_running_lock);
}

/* {"ReservedConcurrentExecutions": n}, 200. */
static int
fgd_concurrency_reply(fgd_resp_t *r, unsigned n)
{
    char  body[64];

    snprintf(body, sizeof(body), "{\"" FGD_RESERVED_FIELD "\":%u}", n);
    r->body = strdup(body);
    if (r->body == NULL) {
        return fgd_nomem(r);
    }
    r->body_len = strlen(body);
    r->status = 200;
    return 0;
}

/* Writes the number (or "" to drop it) on the caller's function. */
static int
fgd_concurrency_store(const fgd_req_t *q, const char *value, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX], arn[300];
    const char  *args[2];
    long long    done;

    if (fg_key_function(key, sizeof(key), q->caller, q->function)
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The function name is not valid");
    }
    args[0] = key;
    args[1] = value;
    if (fgd_redis_script_int(q, FGD_SCRIPT_CONCURRENCY_PUT, 1, 2, args, NULL,
            &done, r) != 0)
    {
        return -1;
    }
    if (done == 0) {
        fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
            NULL);
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
    }
    return 0;
}

int
fgd_concurrency_put(const fgd_req_t *q, fgd_resp_t *r)
{
    yajl_val  root;
    unsigned  n;
    char      num[16];
    int       rc;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_parse_doc(q->body, q->body_len, false, &root, r) != 0)
    {
        return -1;
    }
    if (fgd_obj_get(root, FGD_RESERVED_FIELD) == NULL) {
        yajl_tree_free(root);
        return fgd_null_error(r, "reservedConcurrentExecutions");
    }
    rc = fgd_get_uint(root, FGD_RESERVED_FIELD, 0, 0, FGD_RESERVED_MAX,
        "reservedConcurrentExecutions", &n, r);
    yajl_tree_free(root);
    if (rc != 0) {
        return -1;
    }
    snprintf(num, sizeof(num), "%u", n);
    if (fgd_concurrency_store(q, num, r) != 0) {
        return -1;
    }
    fgd_log("info", q->request_id, "%s:%s reserves %u concurrent calls",
        q->caller, q->function, n);
    return fgd_concurrency_reply(r, n);
}

int
fgd_concurrency_get(const fgd_req_t *q, fgd_resp_t *r)
{
    unsigned  n;
    int       got;

    if (fgd_req_no_qualifier(q, r) != 0) {
        return -1;
    }
    got = fgd_concurrency_reserved(q, q->caller, q->function, &n, r);
    if (got < 0) {
        return -1;
    }
    if (got == 0) {
        /* none reserved: Lambda answers an empty object */
        r->body = strdup("{}");
        if (r->body == NULL) {
            return fgd_nomem(r);
        }
        r->body_len = 2;
        r->status = 200;
        return 0;
    }
    return fgd_concurrency_reply(r, n);
}

int
fgd_concurrency_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_concurrency_store(q, "", r) != 0)
    {
        return -1;
    }
    fgd_log("info", q->request_id, "%s:%s reserves no concurrency",
        q->caller, q->function);
    r->status = 204;
    return 0;
}
