/*
 * fngated_store: what the stored resources share (their handlers, each
 * with its own Redis part, are fngated_functions.c, _versions.c,
 * _aliases.c, _policy.c, _bounds.c and _http_apis.c): a function's keys
 * (lib/fg_keys.h), reading a function record, hashes and sorted sets, and
 * the answers to a refused quota or an unexpected reply.
 *
 * Every multi-key write is one Lua script, so a function is either fully
 * there (configuration hash, name in the account's set, code blob and its
 * reference count) or not at all.  Scripts name every key they touch in
 * KEYS, all of one account's hash tag, so they run unchanged on Redis
 * Cluster.  The scripts are fngated/lua/NAME.lua (their KEYS, ARGV and
 * answers are said there), run through fngated_redis.c, as every command.
 *
 * The quotas (fgd_quota_t) are checked in the scripts that write, before
 * their first write: two calls can not both take the last slot, and a
 * refused call (or one Redis refuses for want of memory, which happens at
 * a script's first write) stores nothing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "fg_keys.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"

int
fgd_store_keys(const char *account, const char *name, const char *sha,
    char fn[FG_KEY_MAX], char fns[FG_KEY_MAX], char code[FG_KEY_MAX],
    char refs[FG_KEY_MAX])
{
    if (fg_key_function(fn, FG_KEY_MAX, account, name) >= FG_KEY_MAX
        || fg_key_functions(fns, FG_KEY_MAX, account) >= FG_KEY_MAX
        || fg_key_code(code, FG_KEY_MAX, account, sha) >= FG_KEY_MAX
        || fg_key_coderefs(refs, FG_KEY_MAX, account) >= FG_KEY_MAX)
    {
        return -1;
    }
    return 0;
}

/*
 * A count quota refused: 409 ResourceConflictException.  Lambda has no
 * error of its own for these counts (its only count quota with one is
 * aliases per function), a 429 TooManyRequestsException would be retried
 * by the SDKs in vain, and 409 says what is true: the call conflicts with
 * what the account holds until it deletes one.
 */
int
fgd_store_quota_refused(const fgd_req_t *q, const char *what,
    const char *per, const char *key, unsigned limit, fgd_resp_t *r)
{
    fgd_log("error", q->request_id, "%s %s refused: quota of %u %s per %s "
        "(%s) reached", q->caller, q->action, limit, what, per, key);
    return fgd_error(r, 409, "ResourceConflictException",
        "Quota exceeded: at most %u %s per %s (%s); delete one first",
        limit, what, per, key);
}

/* The code storage quota refused the code of size bytes: 400
 * CodeStorageExceededException, as Lambda's. */
int
fgd_store_code_storage_refused(const fgd_req_t *q, fgd_resp_t *r, size_t size)
{
    fgd_log("error", q->request_id, "%s %s refused: code of %zu bytes would "
        "pass the account's code storage quota of %zu bytes", q->caller,
        q->action, size, q->conf->quota.code_storage);
    return fgd_error(r, 400, "CodeStorageExceededException",
        "Code storage limit exceeded: the account's code would pass %zu "
        "bytes (quota_code_storage; every version counts)",
        q->conf->quota.code_storage);
}

int
fgd_store_fields(const redisReply *reply, const char ***fv, size_t **lens)
{
    size_t  i;

    *fv = calloc(reply->elements + 1, sizeof(**fv));
    *lens = calloc(reply->elements + 1, sizeof(**lens));
    if (*fv == NULL || *lens == NULL) {
        free(*fv);
        free(*lens);
        *fv = NULL;
        *lens = NULL;
        return -1;
    }
    for (i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];

        (*fv)[i] = e->type == REDIS_REPLY_STRING ? e->str : "";
        (*lens)[i] = e->type == REDIS_REPLY_STRING ? e->len : 0;
    }
    return 0;
}

int
fgd_store_fn_from_reply(fgd_fn_t *fn, const redisReply *reply)
{
    const char  **fv;
    size_t       *lens;
    int           rc;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0
        || fgd_store_fields(reply, &fv, &lens) != 0)
    {
        return -1;
    }
    rc = fgd_fn_from_fields(fn, fv, lens, reply->elements);
    free(fv);
    free(lens);
    return rc;
}

int
fgd_store_unexpected(redisReply *reply, fgd_resp_t *r)
{
    freeReplyObject(reply);
    return fgd_error(r, 502, "ServiceException",
        "The service's storage answered unexpectedly");
}

/* HGETALL key; NULL with r on failure, an empty array when missing. */
redisReply *
fgd_store_hgetall(const fgd_req_t *q, const char *key, fgd_resp_t *r)
{
    const char  *argv[2] = { "HGETALL", key };
    size_t       lens[2] = { 7, strlen(key) };
    redisReply  *reply;

    reply = fgd_redis_command(q, true, 2, argv, lens, r);
    if (reply != NULL && reply->type != REDIS_REPLY_ARRAY) {
        fgd_store_unexpected(reply, r);
        return NULL;
    }
    return reply;
}

/*
 * The function record ($LATEST or a version) at key into fn; 404 naming
 * the function's ARN with qualifier when there is none.
 */
int
fgd_store_read_fn(const fgd_req_t *q, const char *key, const char *account,
    const char *name, const char *qualifier, fgd_fn_t *fn, fgd_resp_t *r)
{
    char         arn[512];
    redisReply  *reply;
    int          rc = -1;

    reply = fgd_store_hgetall(q, key, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->elements == 0) {
        fg_function_arn(arn, sizeof(arn), q->region, account, name,
            qualifier);
        fgd_error(r, 404, "ResourceNotFoundException",
            "Function not found: %s", arn);
        goto cleanup;
    }
    if (fgd_store_fn_from_reply(fn, reply) != 0) {
        fgd_log("error", q->request_id, "corrupt record %s", key);
        fgd_error(r, 500, "ServiceException",
            "The function's stored configuration is unreadable");
        goto cleanup;
    }
    rc = 0;

cleanup:
    freeReplyObject(reply);
    return rc;
}

int
fgd_store_get(const fgd_req_t *q, const char *account, const char *name,
    fgd_fn_t *fn, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];

    if (fg_key_function(key, sizeof(key), account, name) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    return fgd_store_read_fn(q, key, account, name, "", fn, r);
}

/* Reads one string field; 1 found (into dst), 0 missing, -1 with r. */
int
fgd_store_hget(const fgd_req_t *q, const char *key, const char *field,
    char *dst, size_t size, fgd_resp_t *r)
{
    const char  *argv[3] = { "HGET", key, field };
    size_t       lens[3] = { 4, strlen(key), strlen(field) };
    redisReply  *reply;

    dst[0] = '\0';
    reply = fgd_redis_command(q, true, 3, argv, lens, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        freeReplyObject(reply);
        return 0;
    }
    if (reply->type != REDIS_REPLY_STRING || reply->len >= size) {
        return fgd_store_unexpected(reply, r);
    }
    memcpy(dst, reply->str, reply->len);
    dst[reply->len] = '\0';
    freeReplyObject(reply);
    return 1;
}

int
fgd_store_exists(const fgd_req_t *q, const char *key, fgd_resp_t *r)
{
    const char  *argv[2] = { "EXISTS", key };
    redisReply  *reply;
    int          rc;

    reply = fgd_redis_command(q, true, 2, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        return fgd_store_unexpected(reply, r);
    }
    rc = reply->integer > 0;
    freeReplyObject(reply);
    return rc;
}

int
fgd_store_any_field(const fgd_req_t *q, const char *key,
    const char *const *fields, unsigned n, fgd_resp_t *r)
{
    const char  *argv[10];
    redisReply  *reply;
    size_t       i;
    int          rc = 0;

    if (n > 8) {
        return fgd_error(r, 500, "ServiceException", "too many fields");
    }
    argv[0] = "HMGET";
    argv[1] = key;
    memcpy(&argv[2], fields, n * sizeof(*fields));
    reply = fgd_redis_command(q, true, 2 + (int) n, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        return fgd_store_unexpected(reply, r);
    }
    for (i = 0; i < reply->elements; i++) {
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            rc = 1;
        }
    }
    freeReplyObject(reply);
    return rc;
}

int
fgd_store_function_exists(const fgd_req_t *q, const char *owner,
    const char *name, const char *qualifier, fgd_resp_t *r)
{
    char  key[FG_KEY_MAX];
    int   rc;

    if (fg_key_function(key, sizeof(key), owner, name) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    rc = fgd_store_exists(q, key, r);
    if (rc <= 0 || qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0)
    {
        return rc;
    }
    if ((fg_version_valid(qualifier, strlen(qualifier))
         ? fg_key_version(key, sizeof(key), owner, name, qualifier)
         : fg_key_alias(key, sizeof(key), owner, name, qualifier))
        >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    return fgd_store_exists(q, key, r);
}

int
fgd_store_invoke_granted(const fgd_req_t *q, const char *owner,
    const char *name, const char *qualifier, const char *caller,
    fgd_resp_t *r)
{
    char         key[FG_KEY_MAX], f1[FG_KEY_MAX], f2[FG_KEY_MAX];
    const char  *fields[2] = { f1, f2 };

    if (fg_key_grants(key, sizeof(key), owner, name) >= FG_KEY_MAX
        || fg_key_grant_field(f1, sizeof(f1), "", "lambda:InvokeFunction",
            caller) >= FG_KEY_MAX
        || fg_key_grant_field(f2, sizeof(f2), qualifier,
            "lambda:InvokeFunction", caller) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    return fgd_store_any_field(q, key, fields, 2, r);
}

/* ZRANGE key 0 -1 (or by lex from a marker); the reply, or NULL with r. */
redisReply *
fgd_store_zrange(const fgd_req_t *q, const char *key, fgd_resp_t *r)
{
    const char  *argv[4] = { "ZRANGE", key, "0", "-1" };
    size_t       lens[4] = { 6, strlen(key), 1, 2 };
    redisReply  *reply;

    reply = fgd_redis_command(q, true, 4, argv, lens, r);
    if (reply != NULL && reply->type != REDIS_REPLY_ARRAY) {
        fgd_store_unexpected(reply, r);
        return NULL;
    }
    return reply;
}

/*
 * Execution bounds (fg_key_bounds): one string of JSON per function,
 * written only while the function exists and dropped with it.
 */

static int
fgd_store_field_cmp(const void *a, const void *b, void *cmp)
{
    return ((int (*)(const char *, const char *)) cmp)(
        ((const fgd_store_field_t *) a)->field,
        ((const fgd_store_field_t *) b)->field);
}

int
fgd_store_hash_page(const fgd_req_t *q, const char *key,
    int (*cmp)(const char *, const char *), const char *marker, size_t max,
    redisReply **reply, fgd_store_field_t **items, size_t *n,
    const char **next, fgd_resp_t *r)
{
    const char         *argv[2] = { "HGETALL", key };
    fgd_store_field_t  *all;
    redisReply         *rep;
    size_t              i, m = 0, first = 0;

    *reply = NULL;
    *items = NULL;
    *n = 0;
    *next = NULL;
    rep = fgd_redis_command(q, true, 2, argv, NULL, r);
    if (rep == NULL) {
        return -1;
    }
    if (rep->type != REDIS_REPLY_ARRAY) {
        return fgd_store_unexpected(rep, r);
    }
    all = calloc(rep->elements / 2 + 1, sizeof(*all));
    if (all == NULL) {
        freeReplyObject(rep);
        return fgd_nomem(r);
    }
    for (i = 0; i + 1 < rep->elements; i += 2) {
        if (rep->element[i]->type == REDIS_REPLY_STRING
            && rep->element[i + 1]->type == REDIS_REPLY_STRING)
        {
            all[m].field = rep->element[i]->str;
            all[m].value = rep->element[i + 1]->str;
            all[m].len = rep->element[i + 1]->len;
            m++;
        }
    }
    qsort_r(all, m, sizeof(*all), fgd_store_field_cmp, (void *) cmp);
    while (marker[0] != '\0' && first < m
           && cmp(all[first].field, marker) < 0)
    {
        first++;
    }
    *n = m - first < max ? m - first : max;
    if (first + *n < m) {
        *next = all[first + *n].field;
    }
    memmove(all, all + first, *n * sizeof(*all));
    *items = all;
    *reply = rep;
    return 0;
}

int
fgd_store_hdel(const fgd_req_t *q, const char *key, const char *field,
    fgd_resp_t *r)
{
    const char  *argv[3] = { "HDEL", key, field };
    redisReply  *reply;
    long long    n;

    reply = fgd_redis_command(q, false, 3, argv, NULL, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        return fgd_store_unexpected(reply, r);
    }
    n = reply->integer;
    freeReplyObject(reply);
    return n > 0;
}
