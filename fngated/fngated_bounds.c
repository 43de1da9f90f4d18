/*
 * fngated_bounds: what other accounts' calls may change: the owner's
 * execution bounds of a function (Get/Put/DeleteExecutionBounds) and the
 * execution overrides of a caller's cross-account alias
 * (Get/Put/DeleteAliasOverrides).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fngated_aliases.h"
#include "fngated_bounds.h"
#include "fngated_cache.h"
#include "fngated_log.h"
#include "fngated_redis.h"
#include "fngated_store.h"
#include "fngated_versions.h"

/* The bounds as GetExecutionBounds / PutExecutionBounds answer them. */
static int
fgd_bounds_reply(const fgd_req_t *q, const fgd_bounds_t *b, fgd_resp_t *r)
{
    char  arn[512];

    fg_function_arn(arn, sizeof(arn), q->region, q->caller, q->function,
        "");
    return fgd_resp_done(r,
        fgd_json_bounds(b, arn, &r->body, &r->body_len),
        200);
}

/* GetExecutionBounds: what other accounts' aliases of the caller's
 * function may change (without bounds, the defaults). */
int
fgd_bounds_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_bounds_t  b;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_store_bounds_get(q, q->caller, q->function, &b, r) != 0)
    {
        return -1;
    }
    return fgd_bounds_reply(q, &b, r);
}

int
fgd_bounds_put(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_bounds_t  b;
    char         *json = NULL;
    int           rc;

    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_bounds_parse(q->body, q->body_len, q->conf->max_memory_mb, &b,
            r) != 0)
    {
        return -1;
    }
    if (fgd_json_bounds(&b, NULL, &json, NULL) != 0) {
        return fgd_nomem(r);
    }
    rc = fgd_store_bounds_put(q, q->function, json, r);
    fgd_cache_forget_bounds(q);
    if (rc == 0) {
        fgd_log("info", q->request_id, "bounds of %s:%s: %s", q->caller,
            q->function, json);
    }
    free(json);
    return rc == 0 ? fgd_bounds_reply(q, &b, r) : -1;
}

int
fgd_bounds_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    if (fgd_req_no_qualifier(q, r) != 0
        || fgd_store_bounds_put(q, q->function, "", r) != 0)
    {
        return -1;
    }
    fgd_cache_forget_bounds(q);
    fgd_log("info", q->request_id, "bounds of %s:%s dropped", q->caller,
        q->function);
    r->status = 204;
    return 0;
}

/*
 * The caller's cross-account alias q->qualifier of q->function, with its
 * overrides (*cur: fgd_overrides_clear it) and its ARN.  0, or -1 with r
 * (400 for an alias that is not cross-account).
 */
static int
fgd_overrides_read(const fgd_req_t *q, fgd_alias_t *a, fgd_overrides_t *cur,
    char arn[512], fgd_resp_t *r)
{
    if (fgd_store_alias_read(q, q->caller, q->function, q->qualifier, a,
            cur, r) != 0)
    {
        return -1;
    }
    fg_function_arn(arn, 512, q->region, q->caller, q->function,
        q->qualifier);
    if (a->target[0] == '\0') {
        fgd_overrides_clear(cur);
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s is not a cross-account alias", arn);
    }
    return 0;
}

int
fgd_overrides_get(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur;
    char             arn[512];
    int              rc;

    if (fgd_overrides_read(q, &a, &cur, arn, r) != 0) {
        return -1;
    }
    rc = fgd_json_overrides(&cur, arn, a.revision_id, &r->body,
        &r->body_len);
    fgd_overrides_clear(&cur);
    return fgd_resp_done(r, rc, 200);
}

int
fgd_overrides_delete(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur;
    char             arn[512], rev[37];

    if (fgd_overrides_read(q, &a, &cur, arn, r) != 0) {
        return -1;
    }
    fgd_overrides_clear(&cur);
    fgd_revision_new(rev);
    if (fgd_store_overrides_put(q, q->function, q->qualifier, a.revision_id,
            "", rev, r) != 0)
    {
        return -1;
    }
    fgd_cache_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "overrides of %s dropped", arn);
    r->status = 204;
    return 0;
}

/*
 * PutAliasOverrides: checked as UpdateAlias checks the alias (granted,
 * target there, no chain) and against the target owner's bounds of the
 * moment.
 */
int
fgd_overrides_put(const fgd_req_t *q, fgd_resp_t *r)
{
    fgd_alias_t      a;
    fgd_overrides_t  cur, o = { 0 };
    fgd_bounds_t     b;
    fgd_fn_t         target;
    fg_route_t       t;
    char             arn[512], rev[37], *json = NULL;
    int              rc = -1;

    memset(&target, 0, sizeof(target));
    if (fgd_overrides_read(q, &a, &cur, arn, r) != 0) {
        return -1;
    }
    fgd_revision_new(rev);
    if (fgd_overrides_parse(q->body, q->body_len, q->conf->max_memory_mb,
            &o, r) != 0
        || fgd_store_xalias_check(q, &a, r) != 0)
    {
        goto cleanup;
    }
    if (fg_alias_target_parse(a.target, strlen(a.target), &t)
        != FG_TARGET_OK)
    {
        fgd_error(r, 500, "ServiceException", "The alias's target is "
            "unreadable");
        goto cleanup;
    }
    if (fgd_store_bounds_get(q, t.account, t.function, &b, r) != 0
        || fgd_store_resolve(q, t.account, t.function, t.qualifier, false,
            &target, r) != 0
        || fgd_overrides_allowed(&o, &b, &target, a.target, r) != 0)
    {
        goto cleanup;
    }
    if (fgd_json_overrides(&o, NULL, NULL, &json, NULL) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    if (fgd_store_overrides_put(q, q->function, q->qualifier, a.revision_id,
            json, rev, r) != 0)
    {
        goto cleanup;
    }
    fgd_cache_forget_overrides(q, q->qualifier);
    fgd_log("info", q->request_id, "overrides of %s: %s", arn, json);
    if (fgd_json_overrides(&o, arn, rev, &r->body, &r->body_len) != 0) {
        fgd_nomem(r);
        goto cleanup;
    }
    r->status = 200;
    rc = 0;

cleanup:
    free(json);
    fgd_overrides_clear(&cur);
    fgd_overrides_clear(&o);
    fgd_fn_clear(&target);
    return rc;
}

int
fgd_store_bounds_get(const fgd_req_t *q, const char *account,
    const char *name, fgd_bounds_t *b, fgd_resp_t *r)
{
    char         key[FG_KEY_MAX];
    const char  *argv[2] = { "GET", key };
    size_t       lens[2];
    redisReply  *reply;
    fgd_resp_t   tmp = { 0 };
    int          rc;

    memset(b, 0, sizeof(*b));
    if (fg_key_bounds(key, sizeof(key), account, name) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    lens[0] = 3;
    lens[1] = strlen(key);
    reply = fgd_redis_command(q, true, 2, argv, lens, r);
    if (reply == NULL) {
        return -1;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        freeReplyObject(reply);
        return 0;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        return fgd_store_unexpected(reply, r);
    }
    rc = fgd_bounds_parse(reply->str, reply->len, FGD_MEMORY_LIMIT_MB, b,
        &tmp);
    if (rc != 0) {
        fgd_log("error", q->request_id, "corrupt record %s: %s", key,
            tmp.message);
        fgd_resp_free(&tmp);
        memset(b, 0, sizeof(*b));
    }
    freeReplyObject(reply);
    return rc == 0 ? 0 : fgd_error(r, 500, "ServiceException",
        "The function's stored execution bounds are unreadable");
}

int
fgd_store_bounds_put(const fgd_req_t *q, const char *name, const char *json,
    fgd_resp_t *r)
{
    char         kfn[FG_KEY_MAX], kbnd[FG_KEY_MAX], arn[512];
    const char  *args[3];
    long long    v;

    if (fg_key_function(kfn, sizeof(kfn), q->caller, name) >= FG_KEY_MAX
        || fg_key_bounds(kbnd, sizeof(kbnd), q->caller, name) >= FG_KEY_MAX)
    {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    args[0] = kfn;  args[1] = kbnd;  args[2] = json;
    if (fgd_redis_script_int(q, FGD_SCRIPT_BOUNDS_PUT,
            2, 3, args, NULL, &v, r) != 0)
    {
        return -1;
    }
    if (v == 1) {
        return 0;
    }
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, "");
    return fgd_error(r, 404, "ResourceNotFoundException",
        "Function not found: %s", arn);
}

int
fgd_store_overrides_put(const fgd_req_t *q, const char *name,
    const char *alias, const char *read_revision, const char *json,
    const char *new_revision, fgd_resp_t *r)
{
    char         kal[FG_KEY_MAX], arn[512];
    const char  *args[4];
    long long    v;

    if (fg_key_alias(kal, sizeof(kal), q->caller, name, alias) >= FG_KEY_MAX) {
        return fgd_error(r, 500, "ServiceException", "key too long");
    }
    args[0] = kal;  args[1] = read_revision;  args[2] = json;
    args[3] = new_revision;
    if (fgd_redis_script_int(q, FGD_SCRIPT_OVERRIDES_PUT, 1, 4, args, NULL,
            &v, r) != 0)
    {
        return -1;
    }
    fg_function_arn(arn, sizeof(arn), q->region, q->caller, name, alias);
    switch (v) {
    case 1:
        return 0;
    case -4:
        return fgd_error(r, 404, "ResourceNotFoundException",
            "Alias not found: %s", arn);
    case -6:
        return fgd_error(r, 400, "InvalidParameterValueException",
            "Alias %s is not a cross-account alias", arn);
    default:
        return fgd_error(r, 409, "ResourceConflictException",
            "The alias %s is being modified; try again", arn);
    }
}

int
fgd_cached_bounds(const fgd_req_t *q, const char *account, const char *name,
    fgd_bounds_t *b, fgd_resp_t *r)
{
    char        key[FGD_CACHE_KEY_MAX], *json;
    fgd_resp_t  tmp = { 0 };
    int         rc;

    fgd_cache_key_bounds(key, sizeof(key), account, name);
    json = fgd_cache_get(key);
    if (json != NULL) {
        rc = fgd_bounds_parse(json, strlen(json), FGD_MEMORY_LIMIT_MB, b,
            &tmp);
        free(json);
        fgd_resp_free(&tmp);
        if (rc == 0) {
            return 0;
        }
    }
    if (fgd_store_bounds_get(q, account, name, b, r) != 0) {
        return -1;
    }
    if (fgd_json_bounds(b, NULL, &json, NULL) == 0) {
        fgd_cache_put(key, json, q->conf->cache_ttl_ms);
        free(json);
    }
    return 0;
}

int
fgd_cached_overrides(const fgd_req_t *q, const char *alias_arn,
    fgd_overrides_t *o, fgd_resp_t *r)
{
    char         key[FGD_CACHE_KEY_MAX], *json;
    fgd_resp_t   tmp = { 0 };
    fgd_alias_t  a;
    fg_route_t   t;
    int          rc;

    memset(o, 0, sizeof(*o));
    fgd_cache_key_overrides(key, sizeof(key), alias_arn);
    json = fgd_cache_get(key);
    if (json != NULL) {
        rc = fgd_overrides_parse(json, strlen(json), FGD_MEMORY_LIMIT_MB, o,
            &tmp);
        free(json);
        fgd_resp_free(&tmp);
        if (rc == 0) {
            return 0;
        }
    }
    if (fg_alias_target_parse(alias_arn, strlen(alias_arn), &t)
        != FG_TARGET_OK)
    {
        return fgd_error(r, 400, "InvalidParameterValueException",
            "The alias of the call is not valid");
    }
    if (fgd_store_alias_read(q, t.account, t.function, t.qualifier, &a, o, r)
        != 0)
    {
        return -1;
    }
    if (fgd_json_overrides(o, NULL, NULL, &json, NULL) == 0) {
        fgd_cache_put(key, json, q->conf->cache_ttl_ms);
        free(json);
    }
    return 0;
}
